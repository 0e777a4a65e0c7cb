#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Libraries opened on first use (common/dlopen.h): the binary does not link
# them, a process that does not need them never maps them, one that does
# maps them, and a broken library is named with the missing symbol.
# $3: "dlopen", "linked" (-Ddlopen=disabled) or "static" (-Dstatic=true);
# $4: "lsm" when the BPF program (and so libbpf) is built.
. "$(dirname "$0")/lib.sh"
MODGATE=$1
MODE=$3
LAZY="libaudit libseccomp libbpf libelf libz libcap-ng"

needed=$(readelf -d "$MODGATE" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
# -Dstatic=true: one static PIE, nothing to open, no loader, still ASLR'd.
if [ "$MODE" = static ]; then
	expect_eq "a static build links no shared library" "" "$needed"
	expect_eq "a static build has no program interpreter" 0 \
		"$(readelf -l "$MODGATE" | grep -c 'INTERP')"
	expect_eq "a static build is position independent (ASLR)" DYN \
		"$(readelf -h "$MODGATE" | awk '$1 == "Type:" {print $2}')"
	expect_eq "and runs" 0 "$("$MODGATE" --version >/dev/null; echo $?)"
	finish
	exit
fi
for lib in $LAZY; do
	if [ "$MODE" = dlopen ]; then
		case " $(echo $needed) " in
		*" $lib."*) not_ok "$lib is not linked" "$needed" ;;
		*) ok "$lib is not linked" ;;
		esac
	fi
done
if [ "$MODE" = linked ]; then
	for lib in libaudit libseccomp libz libcap-ng; do
		case " $(echo $needed) " in
		*" $lib."*) ok "$lib is linked (-Ddlopen=disabled)" ;;
		*) not_ok "$lib is linked (-Ddlopen=disabled)" "$needed" ;;
		esac
	done
	finish
	exit
fi

# Each is named in the binary's .note.dlopen, for packaging and tests/vm.
note=$(objcopy -O binary --only-section=.note.dlopen "$MODGATE" /dev/stdout | tr '\0' '\n')
for lib in libaudit libseccomp libz libcap-ng $([ "$4" = lsm ] && echo libbpf); do
	expect_eq "$lib in .note.dlopen" 1 "$(grep -ac "\"soname\":\[\"$lib\.so\.[0-9]*\"\]" <<<"$note")"
done

# The libraries ld.so opened for a command (its own log: no tracer needed).
opened() {
	LD_DEBUG=files LD_DEBUG_OUTPUT="$TMP/ld" "$@" >/dev/null 2>&1
	cat "$TMP"/ld.* 2>/dev/null | sed -n 's/.*file=\([^ ]*\) \[0\];  generating link map.*/\1/p'
	rm -f "$TMP"/ld.*
}

mkdir -p "$TMP/mods/6.1.0-fake"
ln -s "$MODGATE" "$TMP/modprobe"
libs=$(opened "$TMP/modprobe" -d "$TMP/mods" -S 6.1.0-fake -R no_such_module)
# ld.so's log works at all: the libraries every process links are in it
expect_eq "the loader's log lists libc" 1 "$(grep -c '^libc\.so\.' <<<"$libs")"
expect_eq "modprobe -R maps none of them" "" "$(grep -E "^(${LAZY// /|})\." <<<"$libs")"

libs=$(opened "$MODGATE" audit status)
soname=$(grep '^libaudit\.so\.' <<<"$libs")
expect_eq "audit status maps libaudit" 1 "$(grep -c . <<<"$soname")"

# A library of that name without the symbols: refused whole, with its name,
# the symbol and what needed it; the command goes on without Linux audit.
mkdir "$TMP/lib"
cp "$(ldd "$MODGATE" | awk '$1 ~ /^liblzma\.so/ {print $3}')" "$TMP/lib/$soname"
LD_LIBRARY_PATH=$TMP/lib "$MODGATE" audit status >"$TMP/out" 2>"$TMP/err"
expect_eq "status without libaudit" "linux audit: not available: libaudit could not be loaded" \
	"$(grep '^linux audit:' "$TMP/out")"
expect_eq "the message names library, symbol and use" 1 \
	"$(grep -c 'cannot load libaudit\.so\.[0-9]*: symbol audit_open not found (needed for: Linux audit records)' "$TMP/err")"
finish
