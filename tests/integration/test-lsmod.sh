#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lsmod over a fixture root through the fake kernel seam (modgate-test).
# kmod's lsmod is compared with ours on a real kernel in tests/vm.
. "$(dirname "$0")/lib.sh"
FAKE=$2
R=$TMP/root
export MODGATE_FAKE_ROOT=$R
mkdir -p "$R/proc" "$R/sys/module/libcrc32c/holders/nf_tables" "$R/sys/module/libcrc32c/holders/btrfs" \
	"$R/sys/module/nf_tables/holders" "$R/sys/module/a_very_long_module_name_here/holders"
cat >"$R/proc/modules" <<EOM
nf_tables 303104 0 - Live 0x0000000000000000
libcrc32c 12288 2 nf_tables,btrfs, Live 0x0000000000000000
a_very_long_module_name_here 4096 0 - Live 0x0000000000000000
EOM
echo 12288 >"$R/sys/module/libcrc32c/coresize"
echo 2 >"$R/sys/module/libcrc32c/refcnt"
echo 303104 >"$R/sys/module/nf_tables/coresize"
echo 0 >"$R/sys/module/nf_tables/refcnt"
echo 0 >"$R/sys/module/a_very_long_module_name_here/refcnt"

expect_rc "lsmod exits 0" 0 "$FAKE" lsmod
expect_eq "header" "Module                  Size  Used by" "$(head -n1 "$TMP/out")"
expect_eq "row without holders" "nf_tables             303104  0" "$(sed -n 2p "$TMP/out")"
# holders come in directory order; compare as a set
row=$(sed -n 3p "$TMP/out")
case "$row" in
"libcrc32c              12288  2 nf_tables,btrfs" | "libcrc32c              12288  2 btrfs,nf_tables") ok "row with holders" ;;
*) not_ok "row with holders" "$row" ;;
esac
expect_eq "long name overflows the column as printf does" \
	"a_very_long_module_name_here     4096  0" "$(sed -n 4p "$TMP/out")"

printf 'good 1 0 - Live 0x0\nbad\n' >"$R/proc/modules"
expect_rc "malformed /proc/modules fails" 1 "$FAKE" lsmod
expect_eq "malformed line is named" "Error: could not get list of modules: /proc/modules:2: malformed line" "$(cat "$TMP/err")"

rm "$R/proc/modules"
expect_rc "missing /proc/modules fails" 1 "$FAKE" lsmod
finish
