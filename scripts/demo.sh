#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The README's first command. On a fresh Debian 12 machine, as root:
#   bash scripts/demo.sh [6.12|6.1]
# installs what it needs, builds modgate, downloads the Debian kernel package
# into /var/cache/modgate-tests (never into the repository) and boots that real
# kernel under qemu with modgate in the initramfs, showing what modgate does
# today. The demo is a VM test scenario (tests/vm/scenarios/demo.sh): every
# claim it shows is also checked, and the suite runs it on both kernels.
set -euo pipefail
cd "$(dirname "$0")/.."

series=${1:-6.12}
case $series in
6.1 | 6.12) ;;
*) echo "usage: $0 [6.12|6.1]" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it installs packages with apt-get)" >&2
	exit 1
fi

step() { printf '\n### %s\n' "$*"; }

step "1/4 packages (apt-get installs only what is missing)"
bash scripts/install-deps.sh

step "2/4 build modgate"
build=${MODGATE_DEMO_BUILD:-build-demo}
[ -d "$build" ] || meson setup "$build" -Dstatic=true >/dev/null
ninja -C "$build" tools/modgate >"$build/demo-build.log" 2>&1 || {
	cat "$build/demo-build.log"
	exit 1
}
echo "built $build/tools/modgate"

step "3/4 the real Debian kernels (downloaded once, then cached)"
bash tests/compat/fetch-trees.sh

step "4/4 boot Debian's $series kernel under qemu (TCG) with modgate inside"
exec tests/vm/run-vm.sh --console --kernel "$series" --modgate "$build/tools/modgate" \
	tests/vm/scenarios/demo.sh
