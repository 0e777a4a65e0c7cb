#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the gate's decisions rest on (modgate-test, fake seam): owner-ok of the
# module tree and of modprobe.d (enforce denies), fail closed on a refused
# policy or an unreadable trust store, `audit required` (no durable record, no
# load) against best-effort, the kernel's state said plainly (modules_disabled,
# sig_enforce), the kernel command line's mode override (recorded), and no
# way for a load's options to move configuration (--root, -d).
. "$(dirname "$0")/lib.sh"
MODGATE=$1
FAKE=$2
. "$(dirname "$0")/gate-fixture.sh"
gate_setup dummy
KO=$(find "$MODDIR" -name dummy.ko)
NETDIR=$(dirname "$KO")
CONF=$R/etc/modgate/modgate.conf

# -- owner-ok: a module directory writable by its group
chmod g+w "$NETDIR"
reset_kernel
mark
expect_rc "enforce: a module under a group-writable directory is denied" 1 mp dummy
expect_eq "owner-ok: which path and why" \
	"modprobe: ERROR: dummy: owner-ok=no: $NETDIR is writable by group or others (uid 0, mode 0775); nothing was loaded" \
	"$(tail -n1 "$TMP/err")"
expect_eq "owner-ok: not loaded" "" "$(calls)"
settings permissive
expect_rc "permissive: the same module loads" 0 mp dummy
expect_eq "permissive: recorded as would-deny" "would-deny" \
	"$(records type decision | awk '$1 == "decision" { print $2 }' | tail -n1)"
settings enforce
chmod g-w "$NETDIR"

# -- owner-ok: a modprobe.d file (-C) writable by others
printf 'options dummy numdummies=2\n' >"$R/conf/gate.conf"
chmod o+w "$R/conf/gate.conf"
reset_kernel
expect_rc "enforce: configuration writable by others is denied" 1 mp -C "$R/conf" dummy
expect_eq "owner-ok: the configuration file is named" \
	"modprobe: ERROR: dummy: owner-ok=no: $R/conf/gate.conf is writable by group or others (uid 0, mode 0646); nothing was loaded" \
	"$(tail -n1 "$TMP/err")"
chmod o-w "$R/conf/gate.conf"
expect_rc "the same configuration, root's alone, is fine" 0 mp -C "$R/conf" dummy
expect_eq "options from it reach the kernel" \
	"finit_module dummy flags=0 fd=sealed-memfd size=$(stat -c %s "$KO") params=numdummies=2 " \
	"$(calls)"

reset_kernel
expect_rc "-C /dev/null (no configuration) is root's alone" 0 mp -C /dev/null dummy

# -- fail closed: a rule file with an error refuses the whole policy
printf 'version 1\nallow sig=valid cert=@kernel\nallow bogus=1\n' >"$POLICY"
reset_kernel
mark
expect_rc "enforce: a refused policy denies" 1 mp dummy
expect_eq "refused policy: file:line:col named" \
	"modprobe: ERROR: dummy: the policy is refused: $POLICY:3:7: error: unknown key 'bogus'; nothing was loaded" \
	"$(tail -n1 "$TMP/err" | sed 's/unknown key .bogus.[^;]*/unknown key '"'"'bogus'"'"'/')"
expect_eq "refused policy: recorded as a denial without a rule" "deny -" "$(records decision rule)"
policy "allow sig=valid cert=@kernel"

# -- fail closed: a trust store file not owned by root
cp "$R/etc/modgate/keys.d/kernel-$KVER.pem" "$R/etc/modgate/keys.d/zz-user.pem"
chown 65534 "$R/etc/modgate/keys.d/zz-user.pem"
reset_kernel
expect_rc "enforce: an unreadable trust store denies" 1 mp dummy
if grep -q "the trust store cannot be read: .*zz-user.pem" "$TMP/err"; then
	ok "unreadable trust store: the file is named"
else
	not_ok "unreadable trust store: the file is named" "$(cat "$TMP/err")"
fi
rm -f "$R/etc/modgate/keys.d/zz-user.pem"

# -- audit required: no durable record, no load; best-effort goes on
mv "$R/var/log" "$R/var/log.saved"
mv "$R/run" "$R/run.saved"
: >"$R/var/log"
: >"$R/run"
reset_kernel
expect_rc "audit required, trail unwritable: denied" 1 mp dummy
if grep -q "dummy: its decision could not be recorded in the trail" "$TMP/err"; then
	ok "audit required: why"
else
	not_ok "audit required: why" "$(cat "$TMP/err")"
fi
expect_eq "audit required: not loaded" "" "$(calls)"
settings enforce best-effort
expect_rc "audit best-effort, trail unwritable: loaded" 0 mp dummy
if grep -q "WARNING: the decision for dummy was not recorded in the trail" "$TMP/err"; then
	ok "best-effort: the missing record is said"
else
	not_ok "best-effort: the missing record is said" "$(cat "$TMP/err")"
fi
settings enforce
rm -f "$R/var/log" "$R/run"
mv "$R/var/log.saved" "$R/var/log"
mv "$R/run.saved" "$R/run"

# -- early boot: /var/log/modgate unwritable, /run/modgate takes the record
mv "$R/var/log" "$R/var/log.saved"
reset_kernel
expect_rc "trail falls back to /run/modgate" 0 mp dummy
if [ -s "$R/run/modgate/trail.jsonl" ]; then ok "early segment written"; else not_ok "early segment written"; fi
mv "$R/var/log.saved" "$R/var/log"

# -- the kernel's state, said plainly
reset_kernel
echo 1 >"$R/proc/sys/kernel/modules_disabled"
expect_rc "modules_disabled=1" 1 mp dummy
expect_eq "modules_disabled: said plainly" \
	"modprobe: ERROR: dummy: the kernel refuses every module load (kernel.modules_disabled=1); nothing was loaded" \
	"$(tail -n1 "$TMP/err")"
echo 0 >"$R/proc/sys/kernel/modules_disabled"
mkdir -p "$R/sys/module/module/parameters" "$TMP/unsigned"
echo Y >"$R/sys/module/module/parameters/sig_enforce"
variant unsigned "$KO" "$TMP/unsigned/dummy.ko"
settings permissive
expect_rc "sig_enforce=Y: an unsigned module, even in permissive mode" 1 insmod "$TMP/unsigned/dummy.ko"
expect_eq "sig_enforce: kmod's line, with the kernel's own errno" \
	"insmod: ERROR: could not insert module $TMP/unsigned/dummy.ko: Key was rejected by service" \
	"$(head -n1 "$TMP/err")"
expect_eq "sig_enforce: said plainly, no kernel call" \
	"insmod: ERROR: dummy: it is unsigned, and the kernel refuses unsigned modules (module.sig_enforce=1)" \
	"$(tail -n1 "$TMP/err")$(calls)"
settings enforce
reset_kernel

# -- the kernel command line's mode override is used, and recorded
settings enforce
echo "root=/dev/vda modgate.mode=permissive" >"$R/proc/cmdline"
policy "deny name=dummy" "allow sig=valid cert=@kernel"
mark
expect_rc "modgate.mode=permissive on the kernel command line: loaded" 0 mp dummy
expect_eq "the override recorded before the decision" \
	"cmdline-override permissive enforce
decision would-deny permissive" "$(records type decision mode previous_mode |
		awk '$1 != "result" { print $1, ($2 == "-" ? $3 " " $4 : $2 " " $3) }')"
echo "root=/dev/vda" >"$R/proc/cmdline"
policy "allow sig=valid cert=@kernel"

# -- a load's options never move configuration
expect_rc "modgate --root DIR modprobe is refused" 1 "$FAKE" --root "$R" modprobe dummy
expect_rc "modgate --root DIR insmod is refused" 1 "$FAKE" --root "$R" insmod "$KO"
expect_rc "modgate --root DIR rmmod is refused" 1 "$FAKE" --root "$R" rmmod dummy
mkdir -p "$TMP/other/etc/modgate/policy.d"
printf 'version 1\nallow\n' >"$TMP/other/etc/modgate/policy.d/00-all.policy"
cp -a "$R/lib" "$TMP/other/"
policy "deny name=dummy"
reset_kernel
expect_rc "-d picks modules, never the policy next to them" 1 mp -d "$TMP/other" dummy
expect_eq "-d: denied by the fixed policy" \
	"denied by $POLICY:2 (deny name=dummy)" "$(tail -n1 "$TMP/err" | sed 's/.*dummy: //; s/; nothing.*//')"
finish
