#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Seed corpus for fuzz-module-decode: the crafted inputs (synthetic, all four
# ELF flavours, plus mutations of a real module) and a few small real modules,
# signed and unsigned. Usage: make-seeds.sh OUTDIR
set -euo pipefail
out=${1:?usage: make-seeds.sh OUTDIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
read -r _ kver root < <("$src/tests/compat/fetch-trees.sh" | awk '$1 == "6.1"')
dir=$root/lib/modules/$kver/kernel
python3 "$src/tests/crafted/make-crafted.py" "$out" "$dir/drivers/net/mii.ko" >/dev/null
# the smallest real modules keep the fuzzer fast
find "$dir" -name '*.ko' -size -12k | sort | head -n 20 | while read -r f; do
	cp "$f" "$out/real-$(basename "$f")"
done
echo "$(ls "$out" | wc -l) seeds in $out"
