#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `audit required` against `best-effort`, at the API the gate uses
# (audit_record through modgate-test audit-emit): a decision whose record
# reaches no trail is denied, or allowed and reported. And the early-boot
# path: /var/log/modgate not writable -> /run/modgate, carried over later.
. "$(dirname "$0")/lib.sh"
MG=$1
FAKE=$2
R=$TMP/root
mkdir -p "$R/var/log" "$R/run"
emit() { "$FAKE" --root "$R" audit-emit --no-linux --no-syslog "$@"; }
# A plain file where the trail directory belongs: even root cannot write there.
block() { rm -rf "$1" && echo blocked >"$1"; }
unblock() { rm -f "$1"; }

block "$R/var/log/modgate"
block "$R/run/modgate"
expect_rc "required: unrecorded decision is denied" 1 emit --required --module m --decision allow
expect_eq "required: what the caller sees" "unrecorded linux=ok" "$(cat "$TMP/out")"
expect_eq "required: the clear message" \
	"audit-emit: ERROR: the decision could not be recorded in the audit trail (Not a directory); denied because audit is required" \
	"$(cat "$TMP/err")"
expect_rc "best-effort: allowed" 0 emit --best-effort --module m --decision allow
expect_eq "best-effort: reported" \
	"audit-emit: WARNING: the decision could not be recorded in the audit trail (Not a directory); allowed because audit is best-effort" \
	"$(cat "$TMP/err")"

# Early boot: only /var/log/modgate is unusable; /run takes the record.
unblock "$R/run/modgate"
expect_rc "early: recorded in /run" 0 emit --required --module early1 --decision allow --context boot
case "$(cat "$TMP/out")" in "recorded seq=2 hash="*" segment="*" early linux=ok") ok "early: says where" ;;
*) not_ok "early: says where" "$(cat "$TMP/out")" ;; esac
seg=$(sed -E 's/.* segment=([0-9a-f]+) .*/\1/' "$TMP/out")
emit --module early2 --decision allow --context boot >/dev/null
expect_eq "early: two records and the segment start" 3 "$(wc -l <"$R/run/modgate/trail.jsonl")"
expect_eq "early: /run is private" "700" "$(stat -c %a "$R/run/modgate")"
expect_rc "status shows the pending segment" 0 "$MG" --root "$R" audit status
grep -q "^early boot:  $R/run/modgate: last seq 3, hash [0-9a-f]*, segment $seg" "$TMP/out" &&
	ok "status: segment" || not_ok "status: segment" "$(cat "$TMP/out")"

# /var/log becomes writable: flush carries the segment, the chain continues.
unblock "$R/var/log/modgate"
expect_rc "flush" 0 "$MG" --root "$R" audit flush
expect_eq "flush says so" "carried the early-boot segment into the trail" "$(cat "$TMP/out")"
expect_eq "the /run copy is gone" "no" "$([ -e "$R/run/modgate/trail.jsonl" ] && echo yes || echo no)"
expect_eq "the segment kept verbatim" "3" "$(wc -l <"$R/var/log/modgate/early-$seg.jsonl")"
expect_rc "flush again: nothing" 0 "$MG" --root "$R" audit flush
expect_eq "nothing to carry" "no early-boot segment to carry" "$(cat "$TMP/out")"
emit --module later --decision allow >/dev/null
expect_rc "the whole trail verifies" 0 "$MG" --root "$R" audit verify
expect_eq "with the segment" "$R/var/log/modgate: intact: 3 records (seq 1 to 3) in 1 file, 1 early-boot segment" \
	"$(head -n1 "$TMP/out")"
expect_rc "show lists the early records before their carry" 0 "$MG" --root "$R" audit show
expect_eq "order" "1:trail-start e1:trail-start e2:decision e3:decision 2:trail-carry 3:decision" \
	"$(awk 'NR > 1 {printf "%s%s:%s", (NR > 2 ? " " : ""), $3, $4}' "$TMP/out")"

# The next invocation carries a segment over by itself.
block "$R/var/log/modgate.tmp" && mv "$R/var/log/modgate" "$R/var/log/modgate.saved" && mv "$R/var/log/modgate.tmp" "$R/var/log/modgate"
emit --module early3 --decision allow >/dev/null
rm "$R/var/log/modgate" && mv "$R/var/log/modgate.saved" "$R/var/log/modgate"
expect_rc "next record carries it" 0 emit --module after --decision allow
expect_eq "two segments now" "2" "$(ls "$R/var/log/modgate" | grep -c '^early-')"
expect_rc "still verifies" 0 "$MG" --root "$R" audit verify

# A full disk: the fsync'd append fails, and required denies.
if mkdir -p "$TMP/small" && mount -t tmpfs -o size=64k tmpfs "$TMP/small" 2>/dev/null; then
	mkdir -p "$TMP/small/var/log" "$TMP/small/run"
	"$FAKE" --root "$TMP/small" audit-emit --no-linux --no-syslog --module a --decision allow >/dev/null
	dd if=/dev/zero of="$TMP/small/var/log/fill" bs=4k 2>/dev/null
	expect_rc "full disk: denied" 1 "$FAKE" --root "$TMP/small" audit-emit --no-linux --no-syslog --no-early \
		--required --module big --decision allow --reason "$(head -c 5000 /dev/zero | tr '\0' x)"
	grep -q "(No space left on device); denied because audit is required" "$TMP/err" &&
		ok "full disk: says why" || not_ok "full disk: says why" "$(cat "$TMP/err")"
	rm "$TMP/small/var/log/fill"
	expect_rc "space again: the torn line is closed and the chain goes on" 0 \
		"$FAKE" --root "$TMP/small" audit-emit --no-linux --no-syslog --module ok --decision allow
	expect_rc "and verifies" 0 "$MG" --root "$TMP/small" audit verify
	grep -q "^note: 1 line torn by a crash and closed by a trail-recover record" "$TMP/out" &&
		ok "the torn write is noted" || not_ok "the torn write is noted" "$(cat "$TMP/out")"
	umount "$TMP/small"
else
	echo "# tmpfs mount not permitted here: full-disk case not run"
fi
finish
