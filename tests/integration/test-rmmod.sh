#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# rmmod through the fake kernel seam: kmod 30's checks (not loaded, held by
# other modules, refcount, no unloading support) and messages, -f, names and
# file paths, several arguments, kernel errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modprobe-fixture.sh"
FAKE=$2
R=$TMP/root
fixture_root "$R"
fixture_bin
: >"$R/conf/empty.conf"
M="-d $R -S $KVER -C $R/conf/empty.conf"
deleted() { calls | awk '$1 == "delete_module" { print $2 " " $3 }'; }
setup() {
	reset_kernel
	mkdir -p "$R/fake/uses"
	echo "nfnetlink libcrc32c" >"$R/fake/uses/nf_tables"
	# shellcheck disable=SC2086
	modprobe $M nf_tables dummy || not_ok "setup"
	# shellcheck disable=SC2086
	modprobe $M dummy || not_ok "setup"
	clear_calls
}

setup
expect_rc "rmmod dummy" 0 rmmod dummy
expect_eq "delete_module with O_NONBLOCK" "dummy flags=2048" "$(deleted)"
expect_rc "rmmod of a module not loaded" 1 rmmod dummy
expect_eq "not loaded: kmod's line" "rmmod: ERROR: Module dummy is not currently loaded" "$(cat "$TMP/err")"

clear_calls
expect_rc "rmmod of a held module" 1 rmmod nfnetlink
expect_eq "held: kmod's line with the holders" "rmmod: ERROR: Module nfnetlink is in use by: nf_tables" \
	"$(cat "$TMP/err")"
expect_eq "held: nothing deleted" "" "$(deleted)"

# refcount without holders (a module pinned by a file descriptor, say)
echo 1 >"$R/sys/module/nf_tables/refcnt"
expect_rc "rmmod with refcnt > 0" 1 rmmod nf_tables
expect_eq "refcnt: kmod's line" "rmmod: ERROR: Module nf_tables is in use" "$(cat "$TMP/err")"
expect_rc "rmmod -f skips the checks" 0 rmmod -f nf_tables
expect_eq "-f: O_NONBLOCK|O_TRUNC" "nf_tables flags=2560" "$(deleted)"

# several arguments: each is tried, any failure fails the run
setup
expect_rc "rmmod of several, one held" 1 rmmod dummy nfnetlink nf_tables
expect_eq "the others are removed" "dummy flags=2048
nf_tables flags=2048" "$(deleted)"

# a file path names the module by its base name
setup
expect_rc "rmmod by file path" 0 rmmod "$(find "$MODDIR" -name dummy.ko)"
expect_eq "by path: the module's name" "dummy flags=2048" "$(deleted)"

# kernel errors: libkmod's line, then rmmod's
setup
mkdir -p "$R/fake/errno" && echo 16 >"$R/fake/errno/dummy"
expect_rc "kernel EBUSY" 1 rmmod dummy
expect_eq "kernel error: both lines" "rmmod: ERROR: could not remove 'dummy': Device or resource busy
rmmod: ERROR: could not remove module dummy: Device or resource busy" "$(cat "$TMP/err")"

# no refcnt attribute: a kernel without module unloading
setup
rm "$R/sys/module/dummy/refcnt"
rm -f "$R/fake/errno/dummy"
expect_rc "no refcnt file" 1 rmmod dummy
expect_eq "no refcnt: kmod's line" "rmmod: ERROR: Module unloading is not supported" "$(cat "$TMP/err")"

# crafted sysfs: an unreadable refcnt is named, nothing removed
setup
echo garbage >"$R/sys/module/dummy/refcnt"
expect_rc "garbage refcnt" 1 rmmod dummy
expect_eq "garbage refcnt: said so" \
	"rmmod: ERROR: could not read integer from '/sys/module/dummy/refcnt': 'Invalid argument'" \
	"$(cat "$TMP/err")"
expect_eq "garbage refcnt: nothing deleted" "" "$(deleted)"

# crafted sysfs: a name that would leave /sys/module is refused, no crash
setup
expect_rc "rmmod ../../etc" 1 rmmod ../../etc
expect_eq "nothing deleted for a crafted name" "" "$(deleted)"

# -- arguments: kmod fails the same way before any kernel call
for args in "" "-w dummy" "--no-such-option" "-h"; do
	# shellcheck disable=SC2086
	(exec -a rmmod /bin/kmod $args) >"$TMP/k.out" 2>"$TMP/k.err"
	krc=$?
	# shellcheck disable=SC2086
	expect_rc "rmmod '$args': exit status" "$krc" rmmod $args
	expect_eq "rmmod '$args': output" "$(cat "$TMP/k.out" "$TMP/k.err")" "$(cat "$TMP/out" "$TMP/err")"
done
finish
