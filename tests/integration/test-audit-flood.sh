#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A flood of autoload requests that are denied or find nothing cannot fill
# the disk or stall loads: identical requests are recorded 3 times per
# interval and then counted; across all requests at most 10 per interval are
# recorded; the counts come out as one "flood" record per request when the
# interval is over. Other records are never limited.
. "$(dirname "$0")/lib.sh"
MG=$1
FAKE=$2
R=$TMP/root
T=$R/var/log/modgate/trail.jsonl
mkdir -p "$R/var/log" "$R/run"
emit() { "$FAKE" --root "$R" audit-emit --no-linux --no-syslog "$@"; }
t0=1800000000

# 1000 identical requests from one process (the worst case for speed)...
start=$(date +%s%N)
emit --repeat 1000 --time "@$t0" --step-ms 1 --op load --module dccp --requested net-pf-33 \
	--decision deny --context autoload --reason 'denied by policy' >"$TMP/out1"
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "3 recorded, 997 counted" "3 997" "$(grep -c ^recorded "$TMP/out1") $(grep -c ^suppressed "$TMP/out1")"
expect_eq "4 lines in the trail" 4 "$(wc -l <"$T")"
[ "$ms" -lt 5000 ] && ok "1000 requests in ${ms} ms (no fsync for a counted one)" || not_ok "1000 requests took ${ms} ms"

# ...and 300 more from 300 processes at once, as kernel autoloads come.
pids=()
for i in $(seq 300); do
	emit --time "@$((t0 + 5))" --op load --module dccp --requested net-pf-33 --decision deny \
		--context autoload --reason 'denied by policy' >/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
expect_eq "still 4 lines" 4 "$(wc -l <"$T")"

# A real load in the middle of the flood is recorded at once.
expect_rc "an allowed load is recorded" 0 emit --time "@$((t0 + 6))" --op load --module ext4 --decision allow --context autoload
case "$(cat "$TMP/out")" in "recorded seq=5 "*) ok "  as seq 5" ;; *) not_ok "  as seq 5" "$(cat "$TMP/out")" ;; esac

# Distinct names (AF_ALG-style): the global limit caps them.
emit --repeat 500 --time "@$((t0 + 7))" --op load --module x --decision not-found --context autoload >/dev/null
for i in $(seq 40); do
	emit --time "@$((t0 + 8))" --op load --requested "crypto-alg-$i" --decision not-found --context autoload >/dev/null
done
expect_eq "7 more lines: 10 per interval in all" 12 "$(wc -l <"$T")"
size=$(stat -c %s "$T")
[ "$size" -lt 8192 ] && ok "1840 requests, ${size} bytes" || not_ok "trail grew to ${size} bytes"

# After the interval, the next record of any kind brings the counts.
expect_rc "next interval" 0 emit --time "@$((t0 + 100))" --op load --module vfat --decision allow --context cli
expect_rc "verify" 0 "$MG" --root "$R" audit verify
expect_rc "show the flood records" 0 "$MG" --root "$R" audit show --type flood
expect_eq "one per request, and the global one" 4 "$(wc -l <"$TMP/out")"
python3 - "$T" >"$TMP/counts" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for r in recs:
    if r["type"] == "flood":
        print(r.get("module") or "*", r["count"], r.get("first", "")[:19], r.get("last", "")[:19])
# every request is either a record of its own or counted in a flood record
seen = {"dccp": 0, "x": 0, "crypto": 0}
for r in recs:
    if r.get("context") != "autoload" or r.get("decision") == "allow":
        continue
    n = r["count"] if r["type"] == "flood" else 1
    key = r.get("module") or ("crypto" if r["type"] == "decision" else "*")
    if key == "*":
        key = "crypto"  # the global aggregate holds the names over the limit
    seen[key] += n
print("total", seen["dccp"], seen["x"], seen["crypto"])
PY
expect_eq "the counts" "* 36 2027-01-15T08:00:08 2027-01-15T08:00:08
dccp 1297 2027-01-15T08:00:00 2027-01-15T08:00:05
total 1300 500 40
x 497 2027-01-15T08:00:07 2027-01-15T08:00:07" "$(sort "$TMP/counts")"
finish
