#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The cost of the audit trail on the load path: one fsync'd, chained append
# (lock, read the last line, hash, write, fdatasync, unlock), measured in one
# process over many records, against the floor of the same bytes appended
# and fdatasync'd in a loop; and the cost of a flood-suppressed autoload denial,
# which writes nothing to the trail. kmod has no trail: there is no ratio.
#   bash bench/bench-audit.sh [build-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$(dirname "${MODGATE:-$here/../build-bench/tools/modgate}")/..}
FAKE=$build/tools/modgate-test
[ -x "$FAKE" ] || { echo "bench-audit: $FAKE missing (meson -Dtest-hooks=true)" >&2; exit 1; }
dir=$(mktemp -d /var/tmp/modgate-bench-audit.XXXXXX) # a real disk, not tmpfs
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/var/log" "$dir/run"
N=400

ms_per() { # N START_NS END_NS
	awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.3f", (b - a) / n / 1e6 }'
}
emit() { "$FAKE" --root "$dir" audit-emit --no-linux --no-syslog "$@" >/dev/null; }

emit --module warmup --decision allow
t0=$(date +%s%N)
emit --repeat "$N" --op load --module ext4 --decision allow --context cli \
	--sha256 "$(printf x | sha256sum | cut -c1-64)" --rule /etc/modgate/policy.d/10.policy:3
t1=$(date +%s%N)
line=$(tail -n1 "$dir/var/log/modgate/trail.jsonl")
t2=$(date +%s%N)
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
for _ in range(int(sys.argv[3])):
    os.write(fd, sys.argv[2].encode() + b"\n")
    os.fdatasync(fd)' "$dir/floor" "$line" "$N"
t3=$(date +%s%N)
t4=$(date +%s%N)
emit --repeat "$N" --time @1800000000 --op load --module dccp --decision deny --context autoload
t5=$(date +%s%N)
t6=$(date +%s%N)
for ((i = 0; i < 50; i++)); do emit --op load --module "p$i" --decision allow; done
t7=$(date +%s%N)

printf '%-44s %s ms/record (%d records, %d bytes each)\n' "audit: fsync'd chained append" \
	"$(ms_per "$N" "$t0" "$t1")" "$N" "${#line}"
printf '%-44s %s ms/record (same bytes, one process)\n' "audit: floor, append + fdatasync" \
	"$(ms_per "$N" "$t2" "$t3")"
printf '%-44s %s ms/request (%d requests, 3 written)\n' "audit: flood-suppressed autoload denial" \
	"$(ms_per "$N" "$t4" "$t5")" "$N"
printf '%-44s %s ms/process (startup included)\n' "audit: one record per process" \
	"$(ms_per 50 "$t6" "$t7")"
