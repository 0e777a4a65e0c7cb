#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `modgate audit show|verify|export|rotate` over trails written through the
# test-only `modgate-test audit-emit`, and `audit verify` against each kind of
# tampering: an edited field, a deleted line, two lines swapped, a line cut
# mid-way, the last lines cut (caught by an anchor), the first file removed
# after rotation.
. "$(dirname "$0")/lib.sh"
MG=$1
FAKE=$2
R=$TMP/root
T=$R/var/log/modgate/trail.jsonl
mkdir -p "$R/var/log" "$R/run"

emit() { "$FAKE" --root "$R" audit-emit --no-linux --no-syslog "$@"; }
verify() { "$MG" --root "$R" audit verify "$@"; }
# expect_verify_fails NAME PATTERN [verify args]: exit 1 and stderr matching PATTERN
expect_verify_fails() {
	local name=$1 pat=$2
	shift 2
	expect_rc "$name: exit 1" 1 verify "$@"
	if grep -qE -- "$pat" "$TMP/err"; then ok "$name: message"; else not_ok "$name: message" "$(cat "$TMP/err")"; fi
}

for m in ext4 nf_tables dccp vfat usb_storage sctp; do
	emit --op load --module "$m" --decision allow --context cli --rule /etc/modgate/policy.d/10-base.policy:3 >>"$TMP/emitted" ||
		not_ok "emit $m"
done
last_anchor=$(tail -n1 "$TMP/emitted" | sed -E 's/^recorded seq=([0-9]+) hash=([0-9a-f]+).*/\1:\2/')
expect_eq "seq and hash printed" "7" "${last_anchor%%:*}"
expect_rc "intact trail verifies" 0 verify --anchor "$last_anchor"
expect_eq "verify says what it checked" \
	"$R/var/log/modgate: intact: 7 records (seq 1 to 7) in 1 file, 0 early-boot segments" \
	"$(head -n1 "$TMP/out")"
expect_eq "the anchor is the line's sha256" "$(sed -n 7p "$T" | tr -d '\n' | sha256sum | cut -c1-64)" "${last_anchor#*:}"
expect_eq "trail is private" "600" "$(stat -c %a "$T")"

cp "$T" "$TMP/orig"
sed -i '3s/"decision":"allow"/"decision":"deny"/' "$T"
expect_verify_fails "edited field" "trail.jsonl:3: edited: seq 3 was edited"
cp "$TMP/orig" "$T"
sed -i 4d "$T"
expect_verify_fails "deleted line" "trail.jsonl:4: deleted: seq 4 is missing"
cp "$TMP/orig" "$T"
{ sed -n 1,2p "$TMP/orig"; sed -n 4p "$TMP/orig"; sed -n 3p "$TMP/orig"; sed -n '5,$p' "$TMP/orig"; } >"$T"
expect_verify_fails "reordered lines" "trail.jsonl:3: reordered: seq 4 comes before seq 3"
cp "$TMP/orig" "$T"
truncate -s -25 "$T"
expect_verify_fails "truncated mid-line" "trail.jsonl:7: truncated: truncated mid-line"
cp "$TMP/orig" "$T"
head -n 5 "$TMP/orig" >"$T"
expect_rc "cut end passes without an anchor" 0 verify
expect_verify_fails "cut end caught by the anchor" \
	"trail.jsonl:5: cut at the end: the trail ends at seq 5 but an anchor names seq 7" --anchor "$last_anchor"
cp "$TMP/orig" "$T"
expect_verify_fails "rewritten record caught by the anchor" "anchor mismatch: seq 7 does not match" \
	--anchor "7:$(printf x | sha256sum | cut -c1-64)"
expect_rc "bad anchor syntax" 1 verify --anchor 7:zz
printf '{"seq":8,"prev":"nothex"}\n' >>"$T"
expect_verify_fails "garbage appended" "trail.jsonl:8: malformed: not a valid record \(missing seq, prev or type"
cp "$TMP/orig" "$T"

# show: table, filters, JSON lines, and hostile names kept off the terminal
emit --op load --module $'evil\e[31m"x' --decision deny --context autoload --requested 'net-pf-33' \
	--reason '=HYPERLINK("http://x")' >/dev/null
expect_rc "show" 0 "$MG" --root "$R" audit show
expect_eq "show header" "DATE       TIME         SEQ TYPE           OP      MODULE                   DECISION   CONTEXT  RULE" \
	"$(head -n1 "$TMP/out")"
expect_eq "show rows" 9 "$(wc -l <"$TMP/out")"
if grep -q $'\e' "$TMP/out"; then not_ok "no escape byte reaches the terminal"; else ok "no escape byte reaches the terminal"; fi
expect_eq "hostile name shown escaped" 1 "$(grep -c 'evil\\x1b\[31m"x' "$TMP/out")"
expect_rc "show --module" 0 "$MG" --root "$R" audit show --module 'nf_*'
expect_eq "module glob" "nf_tables" "$(awk 'NR>1 {print $6}' "$TMP/out")"
expect_rc "show --decision --context" 0 "$MG" --root "$R" audit show --decision deny --context autoload
expect_eq "decision filter" 2 "$(wc -l <"$TMP/out")"
expect_rc "show --since future" 0 "$MG" --root "$R" audit show --since @4102444800
expect_eq "nothing after 2100" "" "$(cat "$TMP/out")"
expect_rc "show --until past" 0 "$MG" --root "$R" audit show --until 2000-01-01
expect_eq "nothing before 2000" "" "$(cat "$TMP/out")"
expect_rc "show --since -1h" 0 "$MG" --root "$R" audit show --since -1h --type decision
expect_eq "recent decisions" 8 "$(wc -l <"$TMP/out")"
expect_rc "bad time" 1 "$MG" --root "$R" audit show --since yesterday
expect_rc "show --json" 0 "$MG" --root "$R" audit show --json --module 'evil*'
expect_eq "JSON line keeps the bytes" $'evil\e[31m"x' \
	"$(python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["module"], end="")' <"$TMP/out")"

# export
expect_rc "export csv" 0 "$MG" --root "$R" audit export --format csv
expect_eq "csv rows" "8 records, hostile module escaped, formula-safe" "$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
evil = [r for r in rows if r["module"].startswith("evil")][0]
print(len(rows), "records,", "hostile module escaped," if evil["module"] == "evil\\x1b[31m\"x" else "RAW,",
      "formula-safe" if evil["reason"] == "\x27=HYPERLINK(\"http://x\")" else "FORMULA " + evil["reason"])' "$TMP/out")"
expect_rc "export json" 0 "$MG" --root "$R" audit export --format json --decision allow
expect_eq "json export" "6 allow, hashes chain" "$(python3 -c '
import json, sys
recs = json.load(open(sys.argv[1]))
print(len(recs), "allow,", "hashes chain" if all(b["prev"] == a["hash"] for a, b in zip(recs, recs[1:])) else "BROKEN")' "$TMP/out")"
expect_rc "export needs a format" 1 "$MG" --root "$R" audit export

# rotation keeps the chain; removing the first file is detected
"$MG" --root "$R" audit rotate >/dev/null
emit --op load --module after1 --decision allow >/dev/null
"$MG" --root "$R" audit rotate >/dev/null
emit --op load --module after2 --decision allow >/dev/null
expect_rc "rotated trail verifies" 0 verify
expect_eq "three files" "$R/var/log/modgate: intact: 12 records (seq 1 to 12) in 3 files, 0 early-boot segments" \
	"$(head -n1 "$TMP/out")"
expect_eq "rotated names" "trail-000000000001.jsonl trail-000000000009.jsonl trail.jsonl" \
	"$(cd "$R/var/log/modgate" && echo trail*.jsonl)"
expect_eq "new file starts with the old file's last hash" \
	"$(tail -n1 "$R/var/log/modgate/trail-000000000001.jsonl" | tr -d '\n' | sha256sum | cut -c1-64)" \
	"$(head -n1 "$R/var/log/modgate/trail-000000000009.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["prev"])')"
expect_rc "show spans files" 0 "$MG" --root "$R" audit show --module 'after*'
expect_eq "both after records" 3 "$(wc -l <"$TMP/out")"
mv "$R/var/log/modgate/trail-000000000009.jsonl" "$TMP/"
expect_verify_fails "middle file removed" "trail.jsonl:1: file missing: this file continues trail-000000000009.jsonl"
mv "$TMP/trail-000000000009.jsonl" "$R/var/log/modgate/"
rm "$R/var/log/modgate/trail-000000000001.jsonl"
expect_verify_fails "first file removed" \
	"trail-000000000009.jsonl:1: start missing: the trail starts at seq 9 with a trail-rotate record continuing trail-000000000001.jsonl, which is missing"

# a crafted trail: show skips what is not a record and names it
printf 'garbage\n{"seq":1}\n' >"$R/var/log/modgate/trail-000000000001.jsonl"
expect_rc "show survives garbage" 0 "$MG" --root "$R" audit show
if grep -q "trail-000000000001.jsonl:1: not a record (not a JSON object at column 1), skipped" "$TMP/err"; then
	ok "garbage named"
else
	not_ok "garbage named" "$(cat "$TMP/err")"
fi
expect_verify_fails "crafted first file" "trail-000000000001.jsonl:1: malformed"
expect_rc "missing trail dir" 1 "$MG" --root "$TMP/nowhere" audit show
expect_rc "unknown command" 1 "$MG" audit frobnicate
expect_rc "audit-emit is not in the release binary" 1 "$MG" audit-emit --module x
finish
