#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# install commands over a fixture root through the fake kernel seam:
# $CMDLINE_OPTS, MODPROBE_MODULE, the MODPROBE_OPTIONS kmod re-exports to
# them, a command that loads the module itself, -i, failures, a command as
# the only way a name resolves, and -D/-v output compared with kmod's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modprobe-fixture.sh"
FAKE=$2
R=$TMP/root
fixture_root "$R"
fixture_bin
C=$R/conf
OUT=$TMP/install.out
cat >"$C/install.conf" <<EOF
options dummy numdummies=1
install dummy echo "module=\$MODPROBE_MODULE opts=[\$CMDLINE_OPTS] env=[\$MODPROBE_OPTIONS]" >>$OUT; $TMP/bin/modprobe -d $R -S $KVER --ignore-install dummy \$CMDLINE_OPTS
install nfnetlink /bin/false
install only-a-command echo "ran for \$MODPROBE_MODULE" >>$OUT
EOF
M="-d $R -S $KVER -C $C/install.conf"

# shellcheck disable=SC2086
expect_rc "install command" 0 modprobe $M dummy numdummies=4
expect_eq "MODPROBE_MODULE, \$CMDLINE_OPTS (config then command line), re-exported -C" \
	"module=dummy opts=[numdummies=1 numdummies=4] env=[-C $C/install.conf]" "$(cat "$OUT")"
expect_eq "the command's own modprobe -i loaded the module" \
	"finit_module dummy flags=0 fd=sealed-memfd params=numdummies=1 numdummies=1 numdummies=4" \
	"$(calls | sed 's/ size=[0-9]*//')"

reset_kernel
: >"$OUT"
# shellcheck disable=SC2086
expect_rc "install command with -q -v" 0 modprobe $M -q -v dummy
expect_eq "-q and -v are re-exported in order" "env=[-C $C/install.conf -q -v]" \
	"$(sed 's/.*\(env=.*\)/\1/' "$OUT")"
reset_kernel
# shellcheck disable=SC2086
modprobe $M -v dummy >"$TMP/out"
expect_eq "-v shows the raw command and its options" \
	"install echo \"module=\$MODPROBE_MODULE opts=[\$CMDLINE_OPTS] env=[\$MODPROBE_OPTIONS]\" >>$OUT; $TMP/bin/modprobe -d $R -S $KVER --ignore-install dummy \$CMDLINE_OPTS numdummies=1 " \
	"$(grep '^install ' "$TMP/out")"

reset_kernel
: >"$OUT"
MODPROBE_OPTIONS="-s" expect_rc "inherited MODPROBE_OPTIONS is kept" 0 modprobe $M dummy
expect_eq "MODPROBE_OPTIONS grows in option order (kmod appends without deduplicating)" \
	"env=[-s -s -C $C/install.conf]" "$(sed 's/.*\(env=.*\)/\1/' "$OUT")"

# -- -D and -v against kmod (kmod only prints here: nothing runs)
for args in "-D dummy" "-D nf_tables" "-D only-a-command" "-R only-a-command" "-D -i dummy"; do
	# shellcheck disable=SC2086
	kmod_modprobe $M $args >"$TMP/k.out" 2>"$TMP/k.err"
	krc=$?
	# shellcheck disable=SC2086
	expect_rc "'$args': exit status" "$krc" modprobe $M $args
	expect_eq "'$args': output" "$(cat "$TMP/k.out" "$TMP/k.err")" "$(cat "$TMP/out" "$TMP/err")"
done

# -- -i: the file is loaded instead
reset_kernel
: >"$OUT"
# shellcheck disable=SC2086
expect_rc "-i ignores the install command" 0 modprobe $M -i dummy
expect_eq "-i: no command ran" "" "$(cat "$OUT")"
expect_eq "-i: loaded from the file" "dummy" "$(loaded_order)"

# -- a failing command fails the load, in kmod's words
reset_kernel
# shellcheck disable=SC2086
expect_rc "failing install command" 1 modprobe $M nfnetlink
expect_eq "failing install command: messages" \
	"modprobe: ERROR: Error running install command '/bin/false' for module nfnetlink: retcode 1
modprobe: ERROR: could not insert 'nfnetlink': Invalid argument" "$(cat "$TMP/err")"
# a failing install command of a dependency stops the module depending on it
# shellcheck disable=SC2086
expect_rc "failing install command of a dependency" 1 modprobe $M nf_tables
expect_eq "dependency's command failure reported against the module" \
	"modprobe: ERROR: could not insert 'nf_tables': Invalid argument" "$(tail -n1 "$TMP/err")"
expect_eq "nf_tables itself was not loaded" "" "$(loaded_order | grep -x nf_tables)"

# -- a name that only an install command knows
: >"$OUT"
# shellcheck disable=SC2086
expect_rc "install command as the only match" 0 modprobe $M only-a-command
expect_eq "it ran" "ran for only_a_command" "$(cat "$OUT")"

# -- modules.softdep is module metadata (depmod copies it from .modinfo): only
# its softdep and weakdep lines count; an install line there must never run
reset_kernel
cp "$MODDIR/modules.softdep" "$TMP/softdep.orig"
printf 'softdep dummy pre: nfnetlink\ninstall dummy touch %s/pwned\nalias evil dummy\n' "$TMP" \
	>>"$MODDIR/modules.softdep"
n=$(wc -l <"$MODDIR/modules.softdep")
: >"$C/empty.conf"
expect_rc "modules.softdep: load" 0 modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" dummy
if [ -e "$TMP/pwned" ]; then not_ok "modules.softdep: install line not run"; else ok "modules.softdep: install line not run"; fi
expect_eq "modules.softdep: its softdep line is honoured" "nfnetlink dummy" "$(loaded_order | xargs)"
expect_eq "modules.softdep: the rest is skipped with a warning" \
	"modprobe: WARNING: $MODDIR/modules.softdep line $((n - 1)): ignoring 'install': only softdep and weakdep are read here
modprobe: WARNING: $MODDIR/modules.softdep line $n: ignoring 'alias': only softdep and weakdep are read here" \
	"$(cat "$TMP/err")"
expect_rc "modules.softdep: its alias line does not resolve" 1 \
	modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" -q -R evil
cp "$TMP/softdep.orig" "$MODDIR/modules.softdep"

# -- a command killed by a signal is a failure (kmod 30 would call it success)
reset_kernel
echo "install dummy kill -TERM \$\$" >"$C/killed.conf"
# shellcheck disable=SC2086
expect_rc "install command killed by a signal" 1 modprobe -d "$R" -S "$KVER" -C "$C/killed.conf" dummy
expect_eq "killed: said so" "modprobe: ERROR: install command 'kill -TERM \$\$' for module dummy was killed by signal 15" \
	"$(head -n1 "$TMP/err")"
finish
