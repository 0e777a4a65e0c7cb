#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# modinfo over 1,000 .ko.xz modules of Debian's 6.12 tree, modgate against
# kmod (budget: <= 1.0x kmod). Two styles, because kmod's modinfo takes many
# files at once and scripts use both:
#   one process for all the files      modinfo f1 f2 ... f1000
#   one process per file               modinfo f1; modinfo f2; ...
# The same seeded sample for both tools; outputs are checked equal once
# before timing (timing a wrong answer measures nothing).
#   bash bench/bench-modinfo.sh      (MODGATE, ROUNDS, BENCH_MODINFO_COUNT)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
MODGATE=${MODGATE:-$here/../build/tools/modgate}
KMOD_MODINFO=${KMOD_MODINFO:-/sbin/modinfo}
rounds=${ROUNDS:-5}
count=${BENCH_MODINFO_COUNT:-1000}

tree=$(bash "$here/../tests/compat/fetch-trees.sh" | awk '$1 == "6.12" { print $3 "/lib/modules/" $2 }')
[ -d "$tree" ] || { echo "bench-modinfo: no 6.12 tree" >&2; exit 1; }
tmp=$(mktemp -d /tmp/modgate-bench-modinfo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
list=$tmp/list
find "$tree/kernel" -name '*.ko.xz' | LC_ALL=C sort |
	shuf -n "$count" --random-source=<(openssl enc -aes-256-ctr -pass pass:modinfo -nosalt \
		-pbkdf2 </dev/zero 2>/dev/null) >"$list"
[ "$(wc -l <"$list")" -eq "$count" ] || { echo "bench-modinfo: fewer than $count modules" >&2; exit 1; }

# Both run as "modinfo" (argv[0]), as their symlinks would.
mg="exec -a modinfo $MODGATE"
km="exec -a modinfo $KMOD_MODINFO"
bash -c "$mg \$(cat $list)" >"$tmp/mg.out"
bash -c "$km \$(cat $list)" >"$tmp/km.out"
cmp -s "$tmp/mg.out" "$tmp/km.out" || { echo "bench-modinfo: outputs differ" >&2; exit 1; }

bench_pair "modinfo $count .ko.xz, one process" "$rounds" \
	"($mg \$(cat $list))" "($km \$(cat $list))"
bench_pair "modinfo $count .ko.xz, one process each" "$rounds" \
	"while read -r f; do ($mg \"\$f\"); done <$list" \
	"while read -r f; do ($km \"\$f\"); done <$list"
