#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fetch the real Debian kernel packages that compat, vm and bench tests use and
# unpack them into a cache outside the repository. Package versions are resolved
# at run time from the archive's meta packages, so the tests follow Debian's
# current kernels rather than a version written down here.
#
# Usage: fetch-trees.sh [CACHE_DIR]
# Prints one line per tree: "<series> <kver> <unpacked root>".
# Idempotent: a tree already unpacked is not downloaded again.
set -euo pipefail

cache=${1:-${MODGATE_CACHE:-/var/cache/modgate-tests}}
mkdir -p "$cache/debs"

resolve() {
	# $1: meta package; prints the linux-image-<kver> package it depends on
	apt-cache depends "$1" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

fetch_one() {
	local series=$1 meta=$2 pkg kver root deb
	pkg=$(resolve "$meta")
	if [ -z "$pkg" ]; then
		# no apt lists yet (fresh machine): refresh once and try again
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(resolve "$meta")
	fi
	[ -n "$pkg" ] || { echo "fetch-trees: cannot resolve $meta" >&2; return 1; }
	kver=${pkg#linux-image-}
	root="$cache/$kver"
	if [ ! -f "$root/.complete" ]; then
		deb=$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			(cd "$cache/debs" && apt-get download -q "$pkg" >&2)
			deb=$(ls "$cache/debs/${pkg}_"*.deb | head -n1)
		fi
		rm -rf "$root.tmp"
		mkdir -p "$root.tmp"
		dpkg -x "$deb" "$root.tmp"
		# Debian 12 ships modules under /lib/modules (merged-/usr moves it to /usr/lib)
		rm -rf "$root"
		mv "$root.tmp" "$root"
		touch "$root/.complete"
	fi
	echo "$series $kver $root"
}

fetch_one 6.1 linux-image-amd64
fetch_one 6.12 linux-image-6.12-amd64
