# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# The gate's fixture, for tests/integration/test-gate*.sh: modprobe-fixture.sh's
# root (real modules of Debian's 6.1 tree, the fake kernel seam), plus what the
# gate reads under it in the test binary (loader/gate-test.c): the trust store
# with the 6.1 kernel's own certificate extracted from its image, settings,
# one rule file, and the trail it writes.
#
#   gate_setup [MODULE...]     make $R, $POLICY; settings enforce
#   settings MODE [AUDIT]      write modgate.conf
#   policy RULE...             write $POLICY (version line first)
#   mark; records FIELD...     the trail's records since mark, one per line
. "$(dirname "${BASH_SOURCE[0]}")/modprobe-fixture.sh"

gate_setup() {
	R=$TMP/root
	fixture_root "$R" "$@"
	fixture_bin
	POLICY=$R/etc/modgate/policy.d/50-test.policy
	TRAIL=$R/var/log/modgate/trail.jsonl
	mkdir -p "$R/etc/modgate/policy.d"
	"$MODGATE" --root "$R" keys extract-kernel "$TREE_ROOT/boot/vmlinuz-$KVER" >/dev/null ||
		{ echo "gate fixture: keys extract-kernel failed" >&2; exit 1; }
	settings enforce
	policy "allow sig=valid cert=@kernel"
	mark
}

settings() {
	printf 'mode %s\ndefault deny\naudit %s\ncmdline-override yes\n' "$1" "${2:-required}" \
		>"$R/etc/modgate/modgate.conf"
}

policy() {
	{
		echo "version 1"
		printf '%s\n' "$@"
	} >"$POLICY"
}

# modprobe over the fixture's module tree
mp() { modprobe -d "$R" "$@"; }

mark() { trail_mark=$(cat "$TRAIL" 2>/dev/null | wc -l); }

# records FIELD...: the fields of each record written since the last mark
# (the trail's own trail-* records, and the settings and policy records a
# configuration change brings, left out), space-separated, "-" for an absent
# one; config_records FIELD...: only those settings and policy records
records() { trail_fields requests "$@"; }
config_records() { trail_fields config "$@"; }
trail_fields() {
	tail -n +"$((trail_mark + 1))" "$TRAIL" 2>/dev/null | python3 -c '
import json, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
config = ("settings-load", "policy-load", "policy-refusal")
for line in sys.stdin:
    r = json.loads(line)
    if r["type"].startswith("trail-") or (r["type"] in config) != (sys.argv[1] == "config"):
        continue
    print(" ".join(str(r.get(f, "-")) for f in sys.argv[2:]))' "$@"
}

# the line number of a rule in $POLICY
rule_at() { echo "$POLICY:$(grep -nxF "$1" "$POLICY" | cut -d: -f1)"; }

# parent_is KIND [PID]: the fake /proc/PID/stat of the shell that starts the
# tools (default: the test script itself; in a command substitution pass
# $BASHPID): a kernel thread, udevd, or nothing
parent_is() {
	local f=$R/proc/${2:-$$}/stat
	mkdir -p "${f%/*}"
	case $1 in
	kthread) echo "${2:-$$} (kworker/u2:1) I 2 0 0 0 -1 69238880 0 0 0 0 0 0" >"$f" ;;
	udevd) echo "${2:-$$} (systemd-udevd) S 1 1 1 0 -1 4194560 0 0 0 0 0 0" >"$f" ;;
	shell) rm -rf "${f%/*}" ;;
	esac
}

# variant KIND IN OUT: a copy of the signed module IN, unsigned (trailer and
# signature cut), tampered (one byte of the signed part changed) or foreign
# (re-signed by a key made here, which no trust store knows)
variant() {
	local kind=$1 in=$2 out=$3
	python3 - "$kind" "$in" "$out" <<'PY'
import sys
kind, src, dst = sys.argv[1:]
data = open(src, "rb").read()
magic = b"~Module signature appended~\n"
assert data.endswith(magic)
siglen = int.from_bytes(data[-32:-28], "big")
content = data[:len(data) - 40 - siglen]
if kind == "tampered":
    at = len(content) // 2
    data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
    open(dst, "wb").write(data)
else:
    open(dst, "wb").write(content)
PY
	[ "$kind" = foreign ] || return 0
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=modgate test key" \
		-keyout "$TMP/foreign.key" -out "$TMP/foreign.crt" 2>/dev/null &&
		bash "$MODGATE_SRC/tests/crafted/sign-module.sh" sha256 "$TMP/foreign.key" \
			"$TMP/foreign.crt" "$out" "$out.signed" && mv "$out.signed" "$out"
}
