# SPDX-License-Identifier: LGPL-2.1-or-later
# Small assertion helpers for integration tests. Each test script sources this,
# calls the helpers, and ends with `finish`, which prints "N passed, N failed".
set -u
pass=0
fail=0
TMP=$(mktemp -d /tmp/modgate-it.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'; return 0; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3"))"; fi
}

# expect_rc NAME RC CMD...: run CMD, compare exit status; stdout/stderr kept in $TMP/out, $TMP/err
expect_rc() {
	local name=$1 want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" == "$want" ]; then ok "$name"; else not_ok "$name" "exit $rc, wanted $want; stderr: $(cat "$TMP/err")"; fi
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
