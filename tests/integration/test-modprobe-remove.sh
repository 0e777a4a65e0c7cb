#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# modprobe -r over a fixture root through the fake kernel seam: holders,
# --remove-holders, unused dependencies, softdeps, built-in and missing
# modules, --first-time, -w, dry runs. The order of delete_module calls is
# kmod 30's (tools/modprobe.c rmmod_do_module): post-softdeps, holders, the
# module, its unused dependencies, pre-softdeps.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modprobe-fixture.sh"
FAKE=$2
R=$TMP/root
fixture_root "$R"
fixture_bin
C=$R/conf
: >"$C/empty.conf"
M="-d $R -S $KVER -C $C/empty.conf"
deleted() { calls | awk '$1 == "delete_module" { print $2 }' | xargs; }

# nf_tables holds nfnetlink and libcrc32c, as the kernel records it
load_nf_tables() {
	reset_kernel
	mkdir -p "$R/fake/uses"
	echo "nfnetlink libcrc32c" >"$R/fake/uses/nf_tables"
	# shellcheck disable=SC2086
	modprobe $M nf_tables || not_ok "setup: modprobe nf_tables"
	clear_calls
}

load_nf_tables
expect_eq "setup: holders recorded" "nf_tables" "$(ls "$R/sys/module/nfnetlink/holders")"
# shellcheck disable=SC2086
expect_rc "-r of a held module fails" 1 modprobe $M -r nfnetlink
expect_eq "-r held: kmod's FATAL line" "modprobe: FATAL: Module nfnetlink is in use." "$(cat "$TMP/err")"
expect_eq "-r held: nothing removed" "" "$(deleted)"
# shellcheck disable=SC2086
expect_rc "-r -a: every argument tried" 1 modprobe $M -r -a nfnetlink libcrc32c
expect_eq "-r -a: WARNING for each, not FATAL" \
	"modprobe: WARNING: Module nfnetlink is in use.
modprobe: WARNING: Module libcrc32c is in use." "$(cat "$TMP/err")"

# shellcheck disable=SC2086
expect_rc "-r nf_tables" 0 modprobe $M -r nf_tables
expect_eq "-r: the module, then dependencies left unused (softdeps of those stay)" \
	"nf_tables nfnetlink libcrc32c" "$(deleted)"
expect_eq "-r: delete_module always O_NONBLOCK" "" "$(calls | grep -v 'flags=2048$')"
if live crc32c_generic; then ok "softdep of a dependency stays loaded"; else not_ok "softdep of a dependency stays loaded"; fi

# --remove-holders: the holder goes first and takes nfnetlink with it as an
# unused dependency, so the final delete of nfnetlink fails as in kmod 30
load_nf_tables
# shellcheck disable=SC2086
expect_rc "--remove-holders: exit status of kmod 30" 1 modprobe $M -r --remove-holders nfnetlink
expect_eq "--remove-holders: order" "nf_tables nfnetlink libcrc32c nfnetlink" "$(deleted)"
expect_eq "--remove-holders: the last delete reports ENOENT" \
	"modprobe: ERROR: could not remove 'nfnetlink': No such file or directory" "$(cat "$TMP/err")"
if live nf_tables || live nfnetlink; then not_ok "--remove-holders removed both"; else ok "--remove-holders removed both"; fi

# -- not loaded, built-in, unknown: kmod is asked where no kernel is involved
reset_kernel
# shellcheck disable=SC2086
expect_rc "-r of a module not loaded: success" 0 modprobe $M -r dummy
expect_eq "-r not loaded: silent" "" "$(cat "$TMP/out" "$TMP/err")"
# shellcheck disable=SC2086
expect_rc "-r --first-time of a module not loaded" 1 modprobe $M -r --first-time dummy
expect_eq "-r --first-time message" "modprobe: FATAL: Module dummy is not in kernel." "$(cat "$TMP/err")"
for args in "-r unix" "-r no_such_module" "-r -a unix no_such_module" "-r -q unix" "-r"; do
	# shellcheck disable=SC2086
	kmod_modprobe $M $args >"$TMP/k.out" 2>"$TMP/k.err"
	krc=$?
	# shellcheck disable=SC2086
	expect_rc "'$args': exit status" "$krc" modprobe $M $args
	expect_eq "'$args': messages" "$(cat "$TMP/k.out" "$TMP/k.err")" "$(cat "$TMP/out" "$TMP/err")"
done
expect_eq "nothing was deleted" "" "$(deleted)"

# -- softdeps: post-softdeps before, pre-softdeps after, each in reverse
reset_kernel
echo "softdep dummy pre: nfnetlink post: libcrc32c" >"$C/softdep.conf"
# shellcheck disable=SC2086
modprobe -d "$R" -S "$KVER" -C "$C/softdep.conf" dummy
clear_calls
# shellcheck disable=SC2086
expect_rc "-r with softdeps" 0 modprobe -d "$R" -S "$KVER" -C "$C/softdep.conf" -r dummy
expect_eq "-r with softdeps: kmod's order" \
	"libcrc32c crc32c_generic crc32c_intel dummy nfnetlink" "$(deleted)"
reset_kernel
# shellcheck disable=SC2086
modprobe -d "$R" -S "$KVER" -C "$C/softdep.conf" dummy
clear_calls
# shellcheck disable=SC2086
expect_rc "-r -i: softdeps ignored" 0 modprobe -d "$R" -S "$KVER" -C "$C/softdep.conf" -r -i dummy
expect_eq "-r -i: only the module" "dummy" "$(deleted)"

# -- dry run and -v
load_nf_tables
# shellcheck disable=SC2086
expect_rc "-r -n -v" 0 modprobe $M -r -n -v nf_tables
# nothing is removed, so the dependencies are still in use and not listed
expect_eq "-r -n -v: kmod's SHOW lines" "rmmod nf_tables" "$(cat "$TMP/out")"
expect_eq "-r -n: nothing deleted" "" "$(deleted)"

# -- -w: retried while busy, then the busy error
load_nf_tables
start=$(date +%s%N)
# shellcheck disable=SC2086
expect_rc "-r -w on a busy module fails" 1 modprobe $M -r -w 300 nfnetlink
took=$((($(date +%s%N) - start) / 1000000))
if [ "$took" -ge 250 ]; then ok "-w waited ($took ms)"; else not_ok "-w waited" "$took ms"; fi
n=$(calls | grep -c '^delete_module nfnetlink ')
if [ "$n" -gt 2 ]; then ok "-w retried ($n tries)"; else not_ok "-w retried" "$n tries"; fi
expect_eq "-w: the busy error" "modprobe: ERROR: could not remove 'nfnetlink': Resource temporarily unavailable" \
	"$(cat "$TMP/err")"

# -- remove commands (run even when the module is not loaded, as kmod does)
reset_kernel
cat >"$C/remove.conf" <<EOF
remove dummy echo "removed \$MODPROBE_MODULE [\$CMDLINE_OPTS]" >>$TMP/remove.out
remove nfnetlink /bin/false
EOF
# shellcheck disable=SC2086
expect_rc "remove command" 0 modprobe -d "$R" -S "$KVER" -C "$C/remove.conf" -r -v dummy
expect_eq "remove command ran with MODPROBE_MODULE, \$CMDLINE_OPTS empty" "removed dummy []" \
	"$(cat "$TMP/remove.out")"
expect_eq "remove command: -v shows it" \
	"remove echo \"removed \$MODPROBE_MODULE []\" >>$TMP/remove.out" "$(cat "$TMP/out")"
expect_eq "remove command: no delete_module" "" "$(deleted)"
# shellcheck disable=SC2086
expect_rc "failing remove command" 1 modprobe -d "$R" -S "$KVER" -C "$C/remove.conf" -r nfnetlink
expect_eq "failing remove command: kmod's FATAL line" \
	"modprobe: FATAL: Error running remove command for nfnetlink" "$(cat "$TMP/err")"
# shellcheck disable=SC2086
expect_rc "-r -i skips the remove command" 0 modprobe -d "$R" -S "$KVER" -C "$C/remove.conf" -r -i dummy
expect_eq "-r -i: the command did not run again" "1" "$(wc -l <"$TMP/remove.out")"
finish
