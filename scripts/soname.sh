#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# soname.sh LIBDIR NAME CC [CC ARGS...]
# Prints the soname (DT_SONAME) of the library that -lNAME links: the name a
# binary linked against it would record as DT_NEEDED, and so the exact name
# common/dlopen.c opens instead. LIBDIR is pkg-config's libdir (may be
# empty); otherwise the compiler says where it finds libNAME.so.
set -eu
libdir=$1 name=$2
shift 2
f=$libdir/lib$name.so
if [ -z "$libdir" ] || [ ! -e "$f" ]; then
	f=$("$@" -print-file-name="lib$name.so")
fi
[ -e "$f" ] || { echo "soname.sh: lib$name.so not found" >&2; exit 1; }
soname=$(${READELF:-readelf} -d "$f" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[ -n "$soname" ] || { echo "soname.sh: $f has no DT_SONAME" >&2; exit 1; }
echo "$soname"
