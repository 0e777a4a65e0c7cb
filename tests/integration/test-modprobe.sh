#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# modprobe over a fixture root with real modules, through the fake kernel
# seam: load order, sealed descriptors, softdeps, blacklist, already loaded,
# built-in, --first-time, options from config and kernel command line, dry
# runs. Where kmod's answer does not depend on the running kernel (lookups,
# --show-depends, messages about the tree) it is asked at test time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modprobe-fixture.sh"
FAKE=$2
R=$TMP/root
fixture_root "$R"
fixture_bin
C=$R/conf
: >"$C/empty.conf"
M="-d $R -S $KVER"

# -- load order and what reaches the kernel
# shellcheck disable=SC2086
expect_rc "modprobe nf_tables" 0 modprobe $M -C "$C/empty.conf" nf_tables
expect_eq "nothing on stdout or stderr" "" "$(cat "$TMP/out" "$TMP/err")"
expect_eq "load order is kmod's --show-depends order" "$(kmod_order -C "$C/empty.conf" nf_tables)" \
	"$(loaded_order)"
expect_eq "every load hands over a sealed read-only memfd" "" \
	"$(calls | grep finit_module | grep -v ' fd=sealed-memfd ')"
size=$(stat -c %s "$MODDIR/kernel/net/netfilter/nf_tables.ko")
expect_eq "the memfd holds the module's bytes" "size=$size" \
	"$(calls | awk '$2 == "nf_tables" { print $5 }')"
for m in nf_tables nfnetlink libcrc32c crc32c_generic crc32c_intel; do
	if live "$m"; then ok "$m live"; else not_ok "$m live"; fi
done

# -- already loaded, --first-time
clear_calls
# shellcheck disable=SC2086
expect_rc "modprobe of a live module succeeds" 0 modprobe $M -C "$C/empty.conf" nf_tables
expect_eq "and loads nothing" "" "$(calls)"
# shellcheck disable=SC2086
expect_rc "--first-time fails for a live module" 1 modprobe $M -C "$C/empty.conf" --first-time nf_tables
expect_eq "--first-time message" "modprobe: ERROR: could not insert 'nf_tables': Module already in kernel" \
	"$(cat "$TMP/err")"
expect_eq "--first-time loads nothing" "" "$(calls)"

# -- built-in modules: the index says so, kmod's answers are the reference
for args in "unix" "--first-time unix" "-D unix" "-R unix"; do
	# shellcheck disable=SC2086
	kmod_modprobe $M -C "$C/empty.conf" $args >"$TMP/k.out" 2>"$TMP/k.err"
	krc=$?
	# shellcheck disable=SC2086
	expect_rc "built-in: $args exit status" "$krc" modprobe $M -C "$C/empty.conf" $args
	expect_eq "built-in: $args output" "$(cat "$TMP/k.out" "$TMP/k.err")" "$(cat "$TMP/out" "$TMP/err")"
done
expect_eq "built-in modules never reach the kernel" "" "$(calls)"

# -- softdeps from modprobe.d, and the install command they disable (kmod #446)
reset_kernel
cat >"$C/softdep.conf" <<EOF
softdep dummy pre: nfnetlink post: libcrc32c
install dummy echo never-run >$TMP/never-run
EOF
# shellcheck disable=SC2086
expect_rc "modprobe with softdeps" 0 modprobe $M -C "$C/softdep.conf" dummy
expect_eq "softdeps: pre, module, post (as kmod orders them)" \
	"$(kmod_order -C "$C/softdep.conf" dummy)" "$(loaded_order)"
expect_eq "softdeps: kmod's order is pre, module, post" \
	"nfnetlink dummy crc32c_intel crc32c_generic libcrc32c" "$(loaded_order | xargs)"
if [ -e "$TMP/never-run" ]; then not_ok "install ignored for a module with softdeps"; else ok "install ignored for a module with softdeps"; fi

# -- a failing softdep does not fail the module; a failing dependency does
reset_kernel
mkdir -p "$R/fake/errno" && echo 22 >"$R/fake/errno/libcrc32c"
# shellcheck disable=SC2086
expect_rc "failing post-softdep is ignored" 0 modprobe $M -C "$C/softdep.conf" dummy
if live dummy; then ok "module loaded despite its softdep failing"; else not_ok "module loaded despite its softdep failing"; fi
reset_kernel
mkdir -p "$R/fake/errno" && echo 22 >"$R/fake/errno/libcrc32c"
# shellcheck disable=SC2086
expect_rc "failing hard dependency fails the load" 1 modprobe $M -C "$C/empty.conf" nf_tables
expect_eq "reported against the module asked for" \
	"modprobe: ERROR: could not insert 'nf_tables': Invalid argument" "$(cat "$TMP/err")"
expect_eq "nothing after the failed dependency is loaded" "" "$(calls | grep 'finit_module nf_tables ')"

# -- weakdep (kmod 33+): shown by -c as upstream prints it, never loaded
reset_kernel
echo "weakdep dummy nfnetlink  libcrc32c" >"$C/weakdep.conf"
echo "weakdep nf_tables dummy" >"$MODDIR/modules.weakdep"
# shellcheck disable=SC2086
expect_rc "weakdep: -c" 0 modprobe $M -C "$C/weakdep.conf" -c
expect_eq "weakdep: -c lists them after the softdeps" "weakdep nf_tables dummy
weakdep dummy nfnetlink libcrc32c" "$(grep '^weakdep ' "$TMP/out")"
# shellcheck disable=SC2086
expect_rc "weakdep: load" 0 modprobe $M -C "$C/weakdep.conf" dummy
expect_eq "weakdep: only the module is loaded" "dummy" "$(loaded_order)"
rm "$MODDIR/modules.weakdep"

# -- blacklist: aliases only, unless -b; never dependencies
reset_kernel
cat >"$C/blacklist.conf" <<EOF
blacklist dummy
blacklist nfnetlink
alias my-dummy dummy
EOF
# shellcheck disable=SC2086
expect_rc "blacklisted alias: success" 0 modprobe $M -C "$C/blacklist.conf" my-dummy
expect_eq "blacklisted alias: nothing loaded" "" "$(calls)"
# shellcheck disable=SC2086
expect_rc "blacklisted module by name loads" 0 modprobe $M -C "$C/blacklist.conf" dummy
expect_eq "by name: loaded" "dummy" "$(loaded_order)"
reset_kernel
# shellcheck disable=SC2086
expect_rc "-b: blacklisted name, success" 0 modprobe $M -C "$C/blacklist.conf" -b dummy
expect_eq "-b: nothing loaded" "" "$(calls)"
# shellcheck disable=SC2086
expect_rc "a blacklisted dependency still loads" 0 modprobe $M -C "$C/blacklist.conf" -b nf_tables
if live nfnetlink; then ok "blacklisted dependency loaded (kmod #439)"; else not_ok "blacklisted dependency loaded (kmod #439)"; fi
reset_kernel
echo "BOOT_IMAGE=/vmlinuz modprobe.blacklist=dummy,nfnetlink quiet" >"$R/proc/cmdline"
# shellcheck disable=SC2086
expect_rc "modprobe.blacklist= on the kernel command line, -b" 0 modprobe $M -C "$C/empty.conf" -b dummy
expect_eq "kernel command line blacklist applies" "" "$(calls)"

# -- options: config (by name and by alias), kernel command line, command line
reset_kernel
cat >"$C/options.conf" <<EOF
options dummy numdummies=2
alias my-dummy dummy
options my_dummy  extra=1
EOF
echo 'BOOT_IMAGE=/vmlinuz dummy.numdummies=3 "nfnetlink.x=a b" quiet' >"$R/proc/cmdline"
# shellcheck disable=SC2086
expect_rc "options by name" 0 modprobe $M -C "$C/options.conf" dummy numdummies=5 'y=a b'
expect_eq "config, kernel command line, then the command line (quoted as kmod does)" \
	'finit_module dummy flags=0 fd=sealed-memfd params=numdummies=2 numdummies=3 numdummies=5 y="a b"' \
	"$(calls | sed 's/ size=[0-9]*//')"
reset_kernel
# shellcheck disable=SC2086
expect_rc "options through an alias" 0 modprobe $M -C "$C/options.conf" my-dummy
expect_eq "alias options join the module's (kmod's trailing space kept)" \
	'params=numdummies=2  extra=1 numdummies=3 ' "$(calls | sed 's/.* params=/params=/')"
echo "BOOT_IMAGE=/vmlinuz quiet" >"$R/proc/cmdline"

# -- dry runs and -v print kmod's lines; -D matches kmod byte for byte
reset_kernel
# shellcheck disable=SC2086
kmod_modprobe $M -C "$C/options.conf" -D nf_tables >"$TMP/k.out"
# shellcheck disable=SC2086
expect_rc "-D" 0 modprobe $M -C "$C/options.conf" -D nf_tables
expect_eq "-D output is kmod's" "$(cat "$TMP/k.out")" "$(cat "$TMP/out")"
# shellcheck disable=SC2086
expect_rc "-n -v" 0 modprobe $M -C "$C/options.conf" -n -v nf_tables
expect_eq "-n -v shows the loads" "$(cat "$TMP/k.out")" "$(cat "$TMP/out")"
expect_eq "-n loads nothing" "" "$(calls)"
# shellcheck disable=SC2086
expect_rc "-v loads and shows" 0 modprobe $M -C "$C/options.conf" -v nf_tables
expect_eq "-v shows what it loads" "$(cat "$TMP/k.out")" "$(cat "$TMP/out")"
reset_kernel
# shellcheck disable=SC2086
MODPROBE_OPTIONS="-n -v" expect_rc "MODPROBE_OPTIONS is read" 0 modprobe $M -C "$C/empty.conf" dummy
expect_eq "MODPROBE_OPTIONS -n -v" "insmod $MODDIR/kernel/drivers/net/dummy.ko " "$(cat "$TMP/out")"
expect_eq "MODPROBE_OPTIONS -n: nothing loaded" "" "$(calls)"

# -- not found, -a, -q: kmod's messages and exit codes
for args in "no_such_module" "-q no_such_module" "-a dummy no_such_module nf_tables" \
	"-R no_such_module" "-a -R dummy no_such_module" "" "-q" "bad]alias"; do
	# shellcheck disable=SC2086
	kmod_modprobe $M -C "$C/empty.conf" -n $args >"$TMP/k.out" 2>"$TMP/k.err"
	krc=$?
	# shellcheck disable=SC2086
	expect_rc "'$args': exit status" "$krc" modprobe $M -C "$C/empty.conf" -n $args
	expect_eq "'$args': messages" "$(cat "$TMP/k.out" "$TMP/k.err")" "$(cat "$TMP/out" "$TMP/err")"
done

# -- kernel errors, in kmod's words and then in modgate's
reset_kernel
mkdir -p "$R/fake/errno" "$R/sys/module/module/parameters" "$R/sys/kernel/security"
errcase() { # ERRNO EXPECTED-KMOD-LINE EXPECTED-EXPLANATION-REGEX
	reset_kernel
	mkdir -p "$R/fake/errno" "$R/sys/module/module/parameters"
	echo Y >"$R/sys/module/module/parameters/sig_enforce"
	echo "$1" >"$R/fake/errno/dummy"
	# shellcheck disable=SC2086
	expect_rc "errno $1: exit 1" 1 modprobe $M -C "$C/empty.conf" dummy
	expect_eq "errno $1: kmod's line" "$2" "$(head -n1 "$TMP/err")"
	if [ -z "$3" ]; then
		expect_eq "errno $1: nothing more" "1" "$(wc -l <"$TMP/err")"
	elif sed -n 2p "$TMP/err" | grep -Eq -- "$3"; then
		ok "errno $1: explained"
	else
		not_ok "errno $1: explained" "$(cat "$TMP/err")"
	fi
}
errcase 2 "modprobe: ERROR: could not insert 'dummy': Unknown symbol in module, or unknown parameter (see dmesg)" ""
# EEXIST from the kernel: another loader won the race; fine unless --first-time
reset_kernel
mkdir -p "$R/fake/errno" && echo 17 >"$R/fake/errno/dummy"
# shellcheck disable=SC2086
expect_rc "kernel EEXIST is success" 0 modprobe $M -C "$C/empty.conf" dummy
expect_eq "kernel EEXIST: silent" "" "$(cat "$TMP/out" "$TMP/err")"
# shellcheck disable=SC2086
expect_rc "kernel EEXIST with --first-time fails" 1 modprobe $M -C "$C/empty.conf" --first-time dummy
expect_eq "kernel EEXIST with --first-time: kmod's line" \
	"modprobe: ERROR: could not insert 'dummy': Module already in kernel" "$(cat "$TMP/err")"
errcase 129 "modprobe: ERROR: could not insert 'dummy': Key was rejected by service" \
	"^modprobe: ERROR: dummy: the kernel rejected the module signature \(module.sig_enforce=1"
errcase 126 "modprobe: ERROR: could not insert 'dummy': Required key not available" \
	"rejected the module signature"
errcase 74 "modprobe: ERROR: could not insert 'dummy': Bad message" "rejected the module signature"
errcase 8 "modprobe: ERROR: could not insert 'dummy': Exec format error" "vermagic"
errcase 26 "modprobe: ERROR: could not insert 'dummy': Text file busy" "open for writing"
errcase 1 "modprobe: ERROR: could not insert 'dummy': Operation not permitted" "CAP_SYS_MODULE"
echo 1 >"$R/proc/sys/kernel/modules_disabled"
errcase 1 "modprobe: ERROR: could not insert 'dummy': Operation not permitted" "modules_disabled=1"
echo 0 >"$R/proc/sys/kernel/modules_disabled"
echo "none [integrity] confidentiality" >"$R/sys/kernel/security/lockdown"
errcase 1 "modprobe: ERROR: could not insert 'dummy': Operation not permitted" \
	"locked down \(integrity\)"
rm -f "$R/sys/kernel/security/lockdown"

# -- a crafted initstate is an error message, not a crash
reset_kernel
mkdir -p "$R/sys/module/dummy"
printf 'bogus\n' >"$R/sys/module/dummy/initstate"
# shellcheck disable=SC2086
modprobe $M -C "$C/empty.conf" dummy >"$TMP/out" 2>"$TMP/err"
expect_eq "unknown initstate is named" "modprobe: ERROR: unknown /sys/module/dummy/initstate: 'bogus'" \
	"$(head -n1 "$TMP/err")"
finish
