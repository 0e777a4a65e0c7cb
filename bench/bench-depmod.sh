#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# depmod over Debian's real trees, modgate against kmod 30 (budgets: <= 0.7x
# kmod on the 6.1 .ko tree, <= 0.6x on the 6.12 .ko.xz tree; a re-run over an
# unchanged tree <= 0.25x and <= 0.1x). Per tree:
#   first run       modgate with an empty facts cache (every module parsed by
#                   the sandboxed workers, the cache written) vs kmod
#   unchanged tree  modgate with the cache of the previous run vs kmod (which
#                   has no cache: its re-run is a full run)
# Each tool writes into its own -b root holding the tree's modules (symlinked)
# and the files depmod reads; outputs are checked identical before timing.
# The roots live on tmpfs (BENCH_DIR, default /dev/shm) so that the disk's
# own costs (here: synchronous discard when files are replaced, paid by both
# tools alike) do not drown the difference; set BENCH_DIR to measure a disk.
# modgate-test is timed (same code as modgate; its facts cache can be pointed
# at a private directory): MODGATE_TEST, ROUNDS, ROUNDS_XZ.
#   bash bench/bench-depmod.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
MODGATE=${MODGATE:-$here/../build/tools/modgate}
MGT=${MODGATE_TEST:-$(dirname "$MODGATE")/modgate-test}
KMOD=${KMOD_DEPMOD:-/sbin/depmod}
rounds=${ROUNDS:-7}
rounds_xz=${ROUNDS_XZ:-3}
[ -x "$MGT" ] || { echo "bench-depmod: no $MGT (build with -Dtest-hooks=true)" >&2; exit 1; }

base=${BENCH_DIR:-/dev/shm}
[ -d "$base" ] || base=/tmp
tmp=$(mktemp -d "$base/modgate-bench-depmod.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# CPU time (user + system, the process and the children it reaped: the
# workers) of one run, in ms. Wall time on a machine shared with other work
# mostly measures the share of the CPUs a tool gets; this does not.
cpu_ms() {
	/usr/bin/time -f '%U %S' bash -c "$1" 2>&1 >/dev/null | tail -n1 |
		awk '{ printf "%d\n", ($1 + $2) * 1000 }'
}

cpu_pair() { # NAME ROUNDS CMD_MODGATE CMD_KMOD
	local a=() b=() i
	for ((i = 0; i < $2; i++)); do
		a+=("$(cpu_ms "$3")")
		b+=("$(cpu_ms "$4")")
	done
	local ma mb
	ma=$(printf '%s\n' "${a[@]}" | _median)
	mb=$(printf '%s\n' "${b[@]}" | _median)
	awk -v n="$1" -v a="$ma" -v b="$mb" 'BEGIN {
		printf "%-44s cpu: modgate %7.0f ms   kmod %7.0f ms   ratio %.3f\n", n, a, b, a/b }'
}

mkroot() { # DIR KVER SRC
	local d=$1/lib/modules/$2 f
	mkdir -p "$d"
	ln -s "$3/kernel" "$d/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do cp "$3/$f" "$d/"; done
}

one_tree() { # LABEL KVER SRC ROUNDS
	local label=$1 kver=$2 src=$3 n=$4 f
	mkroot "$tmp/$label-k" "$kver" "$src"
	mkroot "$tmp/$label-m" "$kver" "$src"
	mkdir -m 0700 "$tmp/$label-cache"
	local km="$KMOD -b $tmp/$label-k $kver"
	local mg="MODGATE_DEPMOD_CACHE_DIR=$tmp/$label-cache exec -a depmod $MGT -b $tmp/$label-m $kver"
	local cold="rm -f $tmp/$label-cache/*.cache; $mg"
	bash -c "$km" 2>/dev/null
	bash -c "$cold" 2>/dev/null
	for f in "$tmp/$label-k/lib/modules/$kver"/modules.*; do
		cmp -s "$f" "$tmp/$label-m/lib/modules/$kver/${f##*/}" ||
			{ echo "bench-depmod: ${f##*/} differs from kmod's" >&2; exit 1; }
	done
	bench_pair "depmod $label, first run" "$n" "$cold" "$km"
	cpu_pair "depmod $label, first run" "$n" "$cold 2>/dev/null" "$km 2>/dev/null"
	bash -c "$mg" 2>/dev/null
	bench_pair "depmod $label, unchanged tree" "$n" "$mg" "$km"
	cpu_pair "depmod $label, unchanged tree" "$n" "$mg 2>/dev/null" "$km 2>/dev/null"
}

trees=$(bash "$here/../tests/compat/fetch-trees.sh")
while read -r series kver root; do
	case $series in
	6.1) one_tree "6.1-ko" "$kver" "$root/lib/modules/$kver" "$rounds" ;;
	6.12) one_tree "6.12-ko.xz" "$kver" "$root/lib/modules/$kver" "$rounds_xz" ;;
	esac
done <<<"$trees"
