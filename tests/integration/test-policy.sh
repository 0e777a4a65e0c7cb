#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `modgate policy check` and `policy show` over fixture roots: the shipped
# files, masking and ordering across the three directories, ownership
# refusals, errors with file:line:col, settings and the kernel command line
# override (through the fake kernel seam of modgate-test), exit codes.
. "$(dirname "$0")/lib.sh"
MODGATE=$1
MODGATE_TEST=$2
CONF=$MODGATE_SRC/conf

# new_root NAME: an empty root with the three rule directories
new_root() {
	local r=$TMP/$1
	mkdir -p "$r/etc/modgate/policy.d" "$r/run/modgate/policy.d" "$r/usr/lib/modgate/policy.d"
	echo "$r"
}

expect_out() { # NAME FILE PATTERN: a line of FILE matches the fixed string
	if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in: $(cat "$2")"; fi
}

# --- the shipped configuration passes `policy check` as installed
R=$(new_root shipped)
cp "$CONF/modgate.conf" "$R/etc/modgate/modgate.conf"
cp "$CONF/policy.d/autoload-hardening.policy" "$CONF/policy.d/signed-only.policy" \
	"$R/usr/lib/modgate/policy.d/"
expect_rc "shipped files pass policy check" 0 "$MODGATE" --root "$R" policy check
expect_eq "shipped files: no diagnostics" "" "$(cat "$TMP/err")"
expect_eq "shipped files: summary" "policy ok: 2 rule files, 4 rules, 0 warnings" "$(cat "$TMP/out")"
# the CIS example too, enabled the documented way
cp "$CONF/policy.d/cis.policy" "$R/etc/modgate/policy.d/"
expect_rc "cis example passes policy check" 0 "$MODGATE" --root "$R" policy check
expect_eq "cis example: summary" "policy ok: 3 rule files, 6 rules, 0 warnings" "$(cat "$TMP/out")"
expect_rc "shipped files: show" 0 "$MODGATE" --root "$R" policy show
expect_out "show: shipped mode is permissive" "$TMP/out" "mode permissive"
expect_out "show: effective mode" "$TMP/out" "# effective mode: permissive"
expect_out "show: autoload-userns" "$TMP/out" "autoload-userns policy"
expect_out "show: default" "$TMP/out" "# 6 rules in 3 files, first match decides, no match: deny"
expect_eq "show: rules in file-name order across directories" \
	"autoload-hardening.policy:deny context=autoload name=@rare_net
autoload-hardening.policy:deny context=autoload name=@rare_fs
autoload-hardening.policy:deny context=autoload requester-userns=other
cis.policy:deny name=@cis_fs
cis.policy:deny name=@cis_net
signed-only.policy:allow sig=valid cert=@kernel" \
	"$(grep -E '^/.*: (allow|deny)' "$TMP/out" | sed -E 's|^.*/([^/]+):[0-9]+: |\1:|')"
line=$(grep -n '^allow sig=valid cert=@kernel$' "$CONF/policy.d/signed-only.policy" | cut -d: -f1)
expect_out "show: origin with line" "$TMP/out" \
	"$R/usr/lib/modgate/policy.d/signed-only.policy:$line: allow sig=valid cert=@kernel"
# the local --root after `policy` works the same
expect_rc "policy --root DIR check" 0 "$MODGATE" policy --root "$R" check

# --- masking across /etc, /run, /usr/lib
R=$(new_root mask)
printf 'version 1\ndeny name=from-usr\n' >"$R/usr/lib/modgate/policy.d/20-x.policy"
printf 'version 1\ndeny name=from-run\n' >"$R/run/modgate/policy.d/20-x.policy"
printf 'version 1\ndeny name=from-etc\n' >"$R/etc/modgate/policy.d/20-x.policy"
printf 'version 1\ndeny name=run-only\n' >"$R/run/modgate/policy.d/10-y.policy"
printf 'version 1\ndeny name=usr-masked-by-run\n' >"$R/usr/lib/modgate/policy.d/10-y.policy"
printf 'version 1\ndeny name=vendor-disabled\n' >"$R/usr/lib/modgate/policy.d/30-z.policy"
ln -s /dev/null "$R/etc/modgate/policy.d/30-z.policy"
printf 'version 1\ndeny name=usr-only\n' >"$R/usr/lib/modgate/policy.d/05-w.policy"
printf 'allow name=x\n' >"$R/etc/modgate/policy.d/not-a-rule-file.conf"
printf 'version 1\nallow name=hidden\n' >"$R/etc/modgate/policy.d/.hidden.policy"
printf 'mode enforce\n' >"$R/etc/modgate/modgate.conf"
expect_rc "masking: check" 0 "$MODGATE" --root "$R" policy check
expect_rc "masking: show" 0 "$MODGATE" --root "$R" policy show
expect_eq "masking: effective rules, in name order" \
	"$R/usr/lib/modgate/policy.d/05-w.policy:2: deny name=usr-only
$R/run/modgate/policy.d/10-y.policy:2: deny name=run-only
$R/etc/modgate/policy.d/20-x.policy:2: deny name=from-etc" \
	"$(grep -E '^/.*: (allow|deny)' "$TMP/out")"
expect_out "masking: /etc masks /run" "$TMP/out" "#   masks $R/run/modgate/policy.d/20-x.policy"
expect_out "masking: /etc masks /usr/lib" "$TMP/out" "#   masks $R/usr/lib/modgate/policy.d/20-x.policy"
expect_out "masking: /run masks /usr/lib" "$TMP/out" "#   masks $R/usr/lib/modgate/policy.d/10-y.policy"
expect_out "masking: /dev/null symlink masks" "$TMP/out" "#   masks $R/usr/lib/modgate/policy.d/30-z.policy"
expect_out "masking: enforce from settings" "$TMP/out" "# effective mode: enforce"

# --- a rule file cannot change settings
R=$(new_root setmode)
printf 'version 1\n# a package trying to switch enforcement off\nmode permissive\n' \
	>"$R/usr/lib/modgate/policy.d/pkg.policy"
printf 'mode enforce\n' >"$R/etc/modgate/modgate.conf"
expect_rc "mode in a rule file: check fails" 1 "$MODGATE" --root "$R" policy check
expect_eq "mode in a rule file: error with position" \
	"$R/usr/lib/modgate/policy.d/pkg.policy:3:1: error: 'mode' is a setting: settings live in modgate.conf, and rule files cannot change them" \
	"$(cat "$TMP/err")"
expect_eq "mode in a rule file: summary" "policy refused: 1 error, 0 warnings" "$(cat "$TMP/out")"
expect_rc "mode in a rule file: show fails" 1 "$MODGATE" --root "$R" policy show
expect_out "refused in enforce mode: every decision is deny" "$TMP/out" \
	"# policy refused (1 error): every decision is deny"
expect_out "mode stays enforce" "$TMP/out" "mode enforce"

# --- errors name file:line:col; all of them are reported
R=$(new_root errors)
printf 'version 1\nallow sig=valid \\\n   cert=@kernel uid=me\nset s = a\nset s = b\n' \
	>"$R/etc/modgate/policy.d/a.policy"
printf 'version 2\n' >"$R/etc/modgate/policy.d/b.policy"
printf 'allow sig=valid\n' >"$R/etc/modgate/policy.d/c.policy"
printf 'version 1\nallow command="/bin/false\n' >"$R/etc/modgate/policy.d/d.policy"
expect_rc "errors: check fails" 1 "$MODGATE" --root "$R" policy check
P=$R/etc/modgate/policy.d
expect_eq "errors: every one, in order, with positions" \
	"$P/a.policy:3:21: error: bad value 'me' for uid: a number
$P/a.policy:5:5: error: set @s defined twice (first at line 4)
$P/a.policy:4:5: warning: set @s is never used
$P/b.policy:1:9: error: policy language version 2 is newer than this modgate reads (version 1)
$P/c.policy:1:1: error: missing 'version 1': a rule file must start with it
$P/d.policy:2:15: error: unterminated quote
$R/etc/modgate/modgate.conf: warning: absent: the built-in settings apply (mode permissive, default deny, audit required, cmdline-override yes, autoload-userns policy)" \
	"$(cat "$TMP/err")"
expect_eq "errors: summary" "policy refused: 5 errors, 2 warnings" "$(cat "$TMP/out")"
expect_rc "errors: permissive show fails" 1 "$MODGATE" --root "$R" policy show
expect_out "refused in permissive mode: would deny" "$TMP/out" \
	'# policy refused (5 errors): every decision is "would deny: policy refused"'

# --- ownership: only root-owned configuration steers trust
R=$(new_root owner)
printf 'mode permissive\n' >"$R/etc/modgate/modgate.conf"
printf 'version 1\nallow sig=valid cert=@kernel\n' >"$R/usr/lib/modgate/policy.d/a.policy"
expect_rc "owner: baseline passes" 0 "$MODGATE" --root "$R" policy check
chown 65534 "$R/usr/lib/modgate/policy.d/a.policy"
expect_rc "owner: a file not owned by root refuses" 1 "$MODGATE" --root "$R" policy check
expect_eq "owner: message" "$R/usr/lib/modgate/policy.d/a.policy: error: refused: owned by uid 65534, not root" \
	"$(cat "$TMP/err")"
chown 0 "$R/usr/lib/modgate/policy.d/a.policy"
chmod 0646 "$R/usr/lib/modgate/policy.d/a.policy"
expect_rc "owner: a world-writable file refuses" 1 "$MODGATE" --root "$R" policy check
expect_out "owner: world-writable message" "$TMP/err" "error: refused: writable by others (mode 0646)"
chmod 0664 "$R/usr/lib/modgate/policy.d/a.policy"
chgrp 0 "$R/usr/lib/modgate/policy.d/a.policy"
expect_rc "owner: writable by root's group is fine" 0 "$MODGATE" --root "$R" policy check
chgrp 65534 "$R/usr/lib/modgate/policy.d/a.policy"
expect_rc "owner: writable by another group refuses" 1 "$MODGATE" --root "$R" policy check
expect_out "owner: group message" "$TMP/err" "error: refused: writable by group 65534 (mode 0664)"
chmod 0644 "$R/usr/lib/modgate/policy.d/a.policy"
chmod 0757 "$R/run/modgate/policy.d"
printf 'version 1\n' >"$R/run/modgate/policy.d/b.policy"
expect_rc "owner: a world-writable directory refuses" 1 "$MODGATE" --root "$R" policy check
expect_eq "owner: directory message" "$R/run/modgate/policy.d: error: refused: writable by others (mode 0757)" \
	"$(cat "$TMP/err")"
chmod 0755 "$R/run/modgate/policy.d"
chmod 0777 "$R/run/modgate"
expect_rc "owner: a world-writable parent of policy.d refuses" 1 "$MODGATE" --root "$R" policy check
expect_out "owner: parent message" "$TMP/err" "$R/run/modgate: error: refused: writable by others (mode 0777)"
chmod 0755 "$R/run/modgate"
printf 'mode enforce\n' >"$R/etc/modgate/modgate.conf"
chown 65534 "$R/etc/modgate/modgate.conf"
expect_rc "owner: settings not owned by root refuse" 1 "$MODGATE" --root "$R" policy show
expect_out "owner: unsafe settings fail closed" "$TMP/out" "mode enforce"
expect_out "owner: unsafe settings refuse the policy" "$TMP/out" "every decision is deny"
chown 0 "$R/etc/modgate/modgate.conf"
mkdir "$R/etc/modgate/policy.d/dir.policy"
expect_rc "owner: a directory named .policy refuses" 1 "$MODGATE" --root "$R" policy check
expect_out "owner: not a regular file" "$TMP/err" "dir.policy: error: refused: not a regular file"

# --- settings errors fail closed
R=$(new_root settings)
printf 'mode permissive\naudit sometimes\n' >"$R/etc/modgate/modgate.conf"
expect_rc "settings error: check fails" 1 "$MODGATE" --root "$R" policy check
expect_eq "settings error: messages" \
	"$R/etc/modgate/modgate.conf:2:7: error: bad value 'sometimes' for audit (required or best-effort)
$R/etc/modgate/modgate.conf: error: the settings have errors: the policy is refused" "$(cat "$TMP/err")"
expect_rc "settings error: show fails" 1 "$MODGATE" --root "$R" policy show
expect_out "settings error: fail closed to enforce" "$TMP/out" "mode enforce"

# --- warnings do not fail the check
R=$(new_root warn)
mkdir -p "$R/etc/modgate/keys.d"
: >"$R/etc/modgate/keys.d/dkms-mok.pem"
printf 'version 1\nallow sig=valid\ndeny sig=valid name=x\nallow name=zfs\nallow sig=valid cert=dkms-mok,vendor\n' \
	>"$R/etc/modgate/policy.d/w.policy"
printf 'mode enforce\n' >"$R/etc/modgate/modgate.conf"
expect_rc "warnings: check passes" 0 "$MODGATE" --root "$R" policy check
P=$R/etc/modgate/policy.d/w.policy
expect_eq "warnings: unreachable, metadata alone, unknown cert" \
	"$P:3:1: warning: unreachable rule: everything it matches is decided first by $P:2 (allow sig=valid)
$P:5:1: warning: unreachable rule: everything it matches is decided first by $P:2 (allow sig=valid)
$P:4:1: warning: allow rests on module metadata (name) alone: without sig=valid or sha256 it is the module's own claim
$P:5:17: warning: cert 'vendor' names no file in the trust store" "$(cat "$TMP/err")"
expect_eq "warnings: summary" "policy ok: 1 rule file, 4 rules, 4 warnings" "$(cat "$TMP/out")"

# --- the kernel command line, through the fake seam
R=$(new_root cmdline)
mkdir -p "$R/proc"
printf 'mode enforce\n' >"$R/etc/modgate/modgate.conf"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda modgate.mode=permissive quiet" >"$R/proc/cmdline"
expect_rc "cmdline: show" 0 env MODGATE_FAKE_ROOT="$R" "$MODGATE_TEST" --root "$R" policy show
expect_out "cmdline: honoured and reported" "$TMP/out" \
	"# effective mode: permissive (modgate.mode=permissive on the kernel command line)"
expect_out "cmdline: the configured mode is still shown" "$TMP/out" "mode enforce"
printf 'mode enforce\ncmdline-override no\n' >"$R/etc/modgate/modgate.conf"
expect_rc "cmdline: override off" 0 env MODGATE_FAKE_ROOT="$R" "$MODGATE_TEST" --root "$R" policy show
expect_out "cmdline: not honoured, and said so" "$TMP/out" \
	"# effective mode: enforce (modgate.mode=permissive on the kernel command line is not honoured: cmdline-override no)"
# a broken settings file keeps the way out open
printf 'mode enforce\ncmdline-override no\nbogus\n' >"$R/etc/modgate/modgate.conf"
expect_rc "cmdline: broken settings" 1 env MODGATE_FAKE_ROOT="$R" "$MODGATE_TEST" --root "$R" policy show
expect_out "cmdline: honoured over broken settings" "$TMP/out" \
	"# effective mode: permissive (modgate.mode=permissive on the kernel command line)"
expect_out "cmdline: and the refused policy would deny" "$TMP/out" '"would deny: policy refused"'

# --- usage and exit codes
expect_rc "policy without a command fails" 1 "$MODGATE" policy
expect_eq "policy without a command: message" "policy: ERROR: missing command: check, show, test or generate" "$(cat "$TMP/err")"
expect_rc "unknown policy command fails" 1 "$MODGATE" policy frobnicate
expect_eq "unknown policy command: message" "policy: ERROR: unknown command 'frobnicate': check, show, test or generate" "$(cat "$TMP/err")"
expect_rc "check takes no arguments" 1 "$MODGATE" --root "$R" policy check extra
expect_rc "policy --help" 0 "$MODGATE" policy --help
expect_out "help lists the commands" "$TMP/out" "modgate [--root DIR] policy check"
finish
