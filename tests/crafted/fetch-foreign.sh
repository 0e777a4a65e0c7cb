#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fetch Debian's s390x (64-bit big endian) and 686 (32-bit little endian)
# kernel packages and unpack them into the test cache, for the decoders'
# byte-order and word-size coverage on real modules. Only package lists for
# those architectures are fetched (apt option, not dpkg --add-architecture,
# so the machine's configuration is left alone).
#
# Usage: fetch-foreign.sh [CACHE_DIR]
# Prints one line per tree: "<arch> <kver> <unpacked root>". Idempotent.
set -euo pipefail

cache=${1:-${MODGATE_CACHE:-/var/cache/modgate-tests}}/foreign
mkdir -p "$cache"
apt_arch=(-o APT::Architectures::=amd64 -o APT::Architectures::=s390x -o APT::Architectures::=i386)

resolve() {
	# $1: meta package with :arch; prints the linux-image-<kver> package it depends on
	apt-cache "${apt_arch[@]}" depends "$1" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {sub(/:.*/, "", $2); print $2; exit}'
}

fetch_one() {
	local arch=$1 meta=$2 pkg root deb
	pkg=$(resolve "$meta:$arch")
	if [ -z "$pkg" ]; then
		apt-get "${apt_arch[@]}" update -qq >/dev/null 2>&1 || true
		pkg=$(resolve "$meta:$arch")
	fi
	[ -n "$pkg" ] || { echo "fetch-foreign: cannot resolve $meta:$arch" >&2; return 1; }
	root=$cache/$pkg
	if [ ! -f "$root/.complete" ]; then
		deb=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			(cd "$cache" && apt-get "${apt_arch[@]}" download -q "$pkg:$arch" >&2)
			deb=$(ls "$cache/${pkg}_"*.deb | head -n1)
		fi
		rm -rf "$root"
		dpkg -x "$deb" "$root.tmp"
		mv "$root.tmp" "$root"
		touch "$root/.complete"
	fi
	echo "$arch ${pkg#linux-image-} $root"
}

fetch_one s390x linux-image-s390x
fetch_one i386 linux-image-686
