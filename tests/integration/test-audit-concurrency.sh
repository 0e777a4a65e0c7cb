#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# 200 writer processes at once produce 200 intact, chained records: no loss,
# no interleaving. A reader holding the trail open and locked (flock, POSIX
# and open-file-description locks, all three) does not stall a writer; the
# writers' own lock file does, which shows the test can tell the two apart.
. "$(dirname "$0")/lib.sh"
MG=$1
FAKE=$2
R=$TMP/root
D=$R/var/log/modgate
mkdir -p "$R/var/log" "$R/run"
emit() { "$FAKE" --root "$R" audit-emit --no-linux --no-syslog "$@"; }

emit --module first --decision allow >/dev/null
pids=()
for i in $(seq 1 200); do
	emit --op load --module "w$i" --decision allow --context udev --pid "$i" >"$TMP/w$i" 2>&1 &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
expect_eq "every writer succeeded" 0 "$failed"
expect_eq "202 lines" 202 "$(wc -l <"$D/trail.jsonl")"
expect_rc "the chain verifies" 0 "$MG" --root "$R" audit verify
expect_eq "verify counts them" "$D: intact: 202 records (seq 1 to 202) in 1 file, 0 early-boot segments" \
	"$(head -n1 "$TMP/out")"
expect_eq "no loss, no duplicate, no interleaving" "200 distinct writers, seqs 3..202 each once" "$(python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ws = sorted(int(r["module"][1:]) for r in recs if r.get("module", "").startswith("w"))
seqs = sorted(r["seq"] for r in recs if r.get("module", "").startswith("w"))
ok = ws == list(range(1, 201)) and seqs == list(range(3, 203))
print("200 distinct writers, seqs 3..202 each once" if ok else "BAD %d %s" % (len(ws), seqs[:5]))' "$D/trail.jsonl")"
# Each writer was told where its record landed, and that is where it is.
bad=0
for i in $(seq 1 200); do
	read -r _ seq hash _ <"$TMP/w$i"
	line=$(sed -n "${seq#seq=}p" "$D/trail.jsonl")
	[ "$(printf %s "$line" | sha256sum | cut -c1-64)" = "${hash#hash=}" ] || bad=$((bad + 1))
	case "$line" in *"\"module\":\"w$i\""*) ;; *) bad=$((bad + 1)) ;; esac
done
expect_eq "every reported anchor matches its writer's line" 0 "$bad"

# A reader holding the trail open and locked: a BSD lock, plus a POSIX record
# lock or an open-file-description lock (those two exclude each other, so one
# run each).
cat >"$TMP/hold.py" <<'EOF'
import fcntl, struct, sys, time
path, ready, secs, kind = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
f = open(path, "rb+")
if kind != "ofd":
	fcntl.flock(f, fcntl.LOCK_EX)
g = open(path, "rb+")
if kind == "posix":
	fcntl.lockf(g, fcntl.LOCK_EX)
else:
	F_OFD_SETLK = 37
	fcntl.fcntl(g, F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
open(ready, "w").close()
time.sleep(secs)
EOF
hold() { # hold FILE SECONDS KIND: lock FILE in the background, return once held
	rm -f "$TMP/held"
	python3 "$TMP/hold.py" "$1" "$TMP/held" "$2" "$3" &
	holder=$!
	for _ in $(seq 100); do [ -e "$TMP/held" ] && return 0; sleep 0.05; done
	return 1
}
for kind in posix flock-ofd; do
	hold "$D/trail.jsonl" 30 "$kind" || not_ok "reader took its $kind locks"
	exec 3<"$D/trail.jsonl"
	start=$(date +%s%N)
	timeout 10 "$FAKE" --root "$R" audit-emit --no-linux --no-syslog --module "during_$kind" --decision allow >/dev/null
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	expect_eq "$kind: a writer is not stalled by a reader's locks on the trail" 0 "$rc"
	[ "$ms" -lt 2000 ] && ok "$kind: the writer finishes at once (${ms} ms)" || not_ok "$kind: writer took ${ms} ms"
	expect_rc "$kind: show works while the reader holds it" 0 "$MG" --root "$R" audit show --module "during_$kind"
	exec 3<&-
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
done

# The writers' lock file is what serialises them (root-only, 0600).
expect_eq "lock file is root-only" "600 0" "$(stat -c '%a %u' "$D/trail.lock")"
hold "$D/trail.lock" 3 ofd || not_ok "took the writers' lock"
timeout 1 "$FAKE" --root "$R" audit-emit --no-linux --no-syslog --module blocked --decision allow >/dev/null
expect_eq "holding trail.lock does hold a writer" 124 "$?"
wait "$holder" 2>/dev/null
expect_rc "the chain is still intact" 0 "$MG" --root "$R" audit verify

# verify meeting a write in flight: a writer holds the lock with half its
# line written; verify waits for it instead of calling the trail truncated.
cp -a "$R" "$TMP/copy"
"$FAKE" --root "$TMP/copy" audit-emit --no-linux --no-syslog --module inflight --decision allow >/dev/null
tail -n1 "$TMP/copy/var/log/modgate/trail.jsonl" >"$TMP/next"
cat >"$TMP/slow.py" <<'EOF'
import fcntl, os, struct, sys, time
lock = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(lock, 38, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))  # F_OFD_SETLKW
line = open(sys.argv[3], "rb").read()
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND)
os.write(fd, line[:40])
open(sys.argv[4], "w").close()
time.sleep(1.5)
os.write(fd, line[40:])
os.fdatasync(fd)
EOF
rm -f "$TMP/half"
python3 "$TMP/slow.py" "$D/trail.lock" "$D/trail.jsonl" "$TMP/next" "$TMP/half" &
writer=$!
for _ in $(seq 100); do [ -e "$TMP/half" ] && break; sleep 0.05; done
expect_rc "verify waits for the write in flight" 0 "$MG" --root "$R" audit verify
wait "$writer"
n=$(wc -l <"$D/trail.jsonl")
expect_eq "and counted the whole record" "$D: intact: $n records (seq 1 to $n) in 1 file, 0 early-boot segments" \
	"$(head -n1 "$TMP/out")"
finish
