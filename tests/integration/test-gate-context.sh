#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Contexts and install commands through the gate (modgate-test, fake seam):
# a kernel-thread parent makes a request autoload, udevd makes it udev, an
# inherited MODGATE_CONTEXT only ever narrows, a path is refused in the
# autoload context, a lookup that finds nothing is recorded there; install
# commands run only when a rule allows them, with a cleared environment that
# carries the context to a nested modprobe.
. "$(dirname "$0")/lib.sh"
MODGATE=$1
FAKE=$2
. "$(dirname "$0")/gate-fixture.sh"
gate_setup dummy nfnetlink
KO=$(find "$MODDIR" -name dummy.ko)
policy "deny context=autoload name=dummy" "allow sig=valid cert=@kernel"

# context_of PARENT CMD...: the recorded context of CMD's (last) decision,
# run by a shell whose fake stat says PARENT (this runs in a command
# substitution: the tools' parent is that subshell, $BASHPID)
context_of() {
	local kind=$1
	shift
	parent_is "$kind" "$BASHPID"
	rm -f "$R/var/log/modgate/flood.state"
	reset_kernel
	mark
	"$@" >/dev/null 2>&1
	parent_is shell "$BASHPID"
	records type context | awk '$1 == "decision" { print $2 }' | tail -n1
}

expect_eq "a shell's modprobe is cli" cli "$(context_of shell mp dummy)"
expect_eq "MODGATE_CONTEXT narrows cli to boot" boot \
	"$(context_of shell env MODGATE_CONTEXT=boot "$TMP/bin/modprobe" -d "$R" dummy)"
expect_eq "an unknown MODGATE_CONTEXT changes nothing" cli \
	"$(context_of shell env MODGATE_CONTEXT=kernel "$TMP/bin/modprobe" -d "$R" dummy)"
expect_eq "a child of udevd is udev" udev "$(context_of udevd mp dummy)"
expect_eq "udev cannot be widened to cli" udev \
	"$(context_of udevd env MODGATE_CONTEXT=cli "$TMP/bin/modprobe" -d "$R" dummy)"
expect_eq "udev narrows to autoload" autoload \
	"$(context_of udevd env MODGATE_CONTEXT=autoload "$TMP/bin/modprobe" -d "$R" dummy)"
expect_eq "a kernel thread's child is autoload" autoload "$(context_of kthread mp -q -- dummy)"
expect_eq "autoload cannot be widened to cli" autoload \
	"$(context_of kthread env MODGATE_CONTEXT=cli "$TMP/bin/modprobe" -d "$R" -q -- dummy)"

parent_is kthread
rm -f "$R/var/log/modgate/flood.state"
reset_kernel
mark
expect_rc "autoload: modprobe -q -- dummy from a kernel thread, denied" 1 mp -q -- dummy
expect_eq "autoload: -q says nothing" "" "$(cat "$TMP/err")"
expect_eq "autoload: not loaded" "" "$(calls)"
expect_eq "autoload: the denial is recorded with the context" \
	"decision dummy deny autoload $(rule_at "deny context=autoload name=dummy")" \
	"$(records type module decision context rule)"
reset_kernel
mark
expect_rc "autoload: an allowed module still loads" 0 mp -q -- nfnetlink
expect_eq "autoload: nfnetlink loaded" "nfnetlink autoload" \
	"$(loaded_order) $(records type context | awk '$1 == "decision" { print $2 }')"

# a flood of identical autoload denials is rate-limited by the trail (3 a
# minute for one request): each is still decided and denied
mark
clear_calls
for i in 1 2 3 4 5 6; do mp -q -- dummy; done
expect_eq "autoload flood: 6 denied requests, 2 more records (3 a minute)" "2" \
	"$(records type | grep -c decision)"
expect_eq "autoload flood: nothing loaded" "" "$(calls)"

# a path is never accepted in the autoload context, nor by modprobe nor insmod
reset_kernel
mark
expect_rc "autoload: insmod of a path is refused" 1 insmod "$KO"
expect_rc "autoload: modprobe of a path is refused" 1 mp -- "$KO"
expect_eq "autoload paths: refused before any kernel call" "" "$(calls)"
expect_eq "autoload paths: both recorded as denials" \
	"deny autoload load: a path is never accepted in the autoload context
deny autoload load: a path is never accepted in the autoload context" \
	"$(records decision context reason | sed 's/ request: / load: /')"

# a request that finds nothing: recorded in the autoload context (floods of
# these are rate-limited by the trail), silently elsewhere
mark
expect_rc "autoload: an alias nothing provides" 1 mp -q -- net-pf-99
expect_eq "autoload: not-found recorded" "decision not-found autoload net-pf-99" \
	"$(records type decision context requested)"
parent_is shell
mark
expect_rc "cli: an alias nothing provides" 1 mp -q -- net-pf-99
expect_eq "cli: not-found is not recorded" "" "$(records type)"

# -- install commands: only when a rule allows them, in a cleared environment
mkdir -p "$R/conf"
printf 'install dummy env >%s/cmd.env\n' "$TMP" >"$R/conf/gate.conf"
policy "allow sig=valid cert=@kernel"
reset_kernel
mark
expect_rc "an install command no rule allows" 1 mp -C "$R/conf" dummy
if [ -e "$TMP/cmd.env" ]; then not_ok "denied install command did not run"; else ok "denied install command did not run"; fi
expect_eq "denied install command: kmod's line, then why" \
	"modprobe: ERROR: could not insert 'dummy': Operation not permitted
modprobe: ERROR: dummy: dummy install command: no rule allows it (default deny, $R/etc/modgate/modgate.conf); nothing was loaded" \
	"$(cat "$TMP/err")"
expect_eq "denied install command: recorded with its text" \
	"decision install deny" "$(records type op decision)"
if records reason | grep -qF "command env >$TMP/cmd.env: no rule allows it"; then
	ok "denied install command: the record holds the command text"
else
	not_ok "denied install command: the record holds the command text" "$(records reason)"
fi

policy "allow op=install name=dummy command=\"env >$TMP/cmd.env\"" "allow sig=valid cert=@kernel"
mark
expect_rc "an allowed install command" 0 env FOO=caller LD_PRELOAD=/nonexistent.so \
	"$TMP/bin/modprobe" -d "$R" -C "$R/conf" dummy
expect_eq "install command: ran instead of the load" "" "$(calls)"
expect_eq "install command: a fixed environment, the context passed on" \
	"HOME=/
MODGATE_CONTEXT=cli
MODGATE_FAKE_ROOT=$R
MODPROBE_MODULE=dummy
MODPROBE_OPTIONS=-C $R/conf
PATH=/usr/sbin:/usr/bin:/sbin:/bin" "$(grep -v '^PWD=\|^SHLVL=\|^_=' "$TMP/cmd.env" | sort)"
expect_eq "install command: decision then result (its exit status)" \
	"decision install allow
result install exit_status_0" "$(records type op decision reason | sed 's/ - exit status / exit_status_/; s/ allow .*/ allow/')"

# a nested modprobe started by an allowed install command during an autoload
# is still in the autoload context
printf 'install dummy %s -d %s --ignore-install dummy\n' "$TMP/bin/modprobe" "$R" >"$R/conf/gate.conf"
policy "allow op=install name=dummy" "deny context=autoload name=dummy" "allow sig=valid cert=@kernel"
parent_is kthread
reset_kernel
mark
expect_rc "autoload: install command with a nested modprobe" 1 mp -C "$R/conf" -q -- dummy
expect_eq "nested modprobe: denied in the autoload context, nothing loaded" "" "$(calls)"
expect_eq "nested modprobe: the install allowed, the nested load denied, both autoload" \
	"install allow autoload
load deny autoload" "$(records type op decision context | awk '$1 == "decision" { print $2, $3, $4 }')"
parent_is shell
reset_kernel
expect_rc "cli: the same install command loads dummy" 0 mp -C "$R/conf" dummy
expect_eq "cli: the nested modprobe loaded it" "dummy" "$(loaded_order)"
finish
