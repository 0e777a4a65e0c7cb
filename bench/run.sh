#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run every benchmark in bench/ against kmod on this machine and print ratios
# (modgate time / kmod time; below 1 is faster). Builds first if needed.
#   bash bench/run.sh [build-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-bench}
if [ ! -d "$build" ]; then
	meson setup "$build" --buildtype=release -Dstatic=true >/dev/null
fi
ninja -C "$build" >/dev/null
export MODGATE="$build/tools/modgate"
export BENCH_RESULTS
BENCH_RESULTS=$(mktemp)
trap 'rm -f "$BENCH_RESULTS"' EXIT
echo "modgate $("$MODGATE" --version | head -n1), $(kmod --version | head -n1), $(nproc) cores"
for b in "$here"/bench-*.sh; do
	bash "$b" || echo "bench: $(basename "$b") failed" >&2
done
echo "--- ratios (modgate / kmod)"
cat "$BENCH_RESULTS"
