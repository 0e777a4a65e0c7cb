#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every synthetic crafted input (all four ELF flavours) through module_decode():
# broken structures must give a clean error with a cause, signature damage a
# MALFORMED/OTHER state, good objects must decode. Run under ASan/UBSan too.
. "$(dirname "$0")/../integration/lib.sh"
DEC=$1
GEN=$2

python3 "$GEN" "$TMP/c" >/dev/null || { not_ok "generate crafted inputs"; finish; exit; }
n_err=$(ls "$TMP/c" | grep -c '^error-')
[ "$n_err" -ge 100 ] && ok "generator wrote $n_err error cases" || not_ok "too few error cases: $n_err"
"$DEC" --expect "$TMP/c" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ]; then ok "all $(ls "$TMP/c" | wc -l) crafted files handled as named"; else
	not_ok "crafted files" "exit $rc; $(grep -v '^PASS' "$TMP/out"; head -c 4000 "$TMP/err")"; fi
# a decoder that accepted everything would fail above; make sure the driver really checks
printf 'junk' >"$TMP/c/ok-junk.ko"
"$DEC" --expect "$TMP/c/ok-junk.ko" >/dev/null 2>&1 && not_ok "driver flags a wrong expectation" ||
	ok "driver flags a wrong expectation"
# the causes are specific, not one generic message
n_causes=$(grep '^PASS error-' "$TMP/out" | sed 's/.*error: //; s/[0-9][0-9]*/N/g' | sort -u | wc -l)
[ "$n_causes" -ge 20 ] && ok "$n_causes distinct error causes" || not_ok "only $n_causes distinct causes"
# the same files through the whole sandboxed pipeline: modinfo exits 1 naming the cause
MODGATE=${3:-}
if [ -n "$MODGATE" ]; then
	bad=""
	for f in "$TMP"/c/error-*; do
		why=$(sed -n "s/^PASS $(basename "$f"): error: //p" "$TMP/out")
		"$MODGATE" modinfo "$f" >/dev/null 2>"$TMP/err"
		rc=$?
		[ $rc -eq 1 ] && grep -qF -- "$why" "$TMP/err" || bad="$bad$(basename "$f") exit $rc: $(head -c 200 "$TMP/err")
"
	done
	[ -z "$bad" ] && ok "modgate modinfo exits 1 with the cause for every error file" ||
		not_ok "modgate modinfo on error files" "$bad"
fi
finish
