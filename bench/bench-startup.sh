#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Process start-up cost: the floor under every per-call budget (modprobe -R,
# --show-depends, already-loaded modprobe must stay within 1.1x of kmod).
# Compares `modgate --version` with `kmod --version`: both exec, dynamically
# link their libraries, print two lines and exit.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
MODGATE=${MODGATE:-$here/../build/tools/modgate}
KMOD=${KMOD:-/bin/kmod}
rounds=${ROUNDS:-15}
bench_pair "startup (200 x --version)" "$rounds" \
	"$(bench_loop_cmd 200 "$MODGATE --version")" \
	"$(bench_loop_cmd 200 "$KMOD --version")"
