#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install every Debian 12 package that building, testing, the benchmarks and
# the demo need. Run as root. Safe to run again: apt skips what is there.
set -euo pipefail

packages=(
	# build
	gcc meson ninja-build pkg-config scdoc
	libssl-dev libseccomp-dev libcap-ng-dev libaudit-dev
	libzstd-dev liblzma-dev zlib1g-dev
	libc6-dev libelf-dev         # the static PIE (-Dstatic=true): libc.a, rcrt1.o, libbpf's libelf.a
	clang libbpf-dev bpftool       # the BPF LSM program (lsm/): built only when all three are there
	# tests
	libcmocka-dev python3 openssl
	kmod                         # the oracle: Debian's kmod 30
	xz-utils zstd gzip cpio      # recompressed trees, initramfs
	fakeroot uidmap util-linux   # the sandbox under fakeroot and unshare -r
	auditd                       # tests/integration/test-auditd.sh: a real auditd
	# real kernels under qemu
	qemu-system-x86 busybox-static
	# benchmarks
	hyperfine
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (apt-get)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
