# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# A real module with real dependencies on the real Debian kernel: load,
# /proc/modules and holders, modgate's lsmod against kmod's in the same kernel,
# the refusal to unload a module in use, unload. Also what the stock kernel does
# with a tampered and an unsigned module, the baseline modgate's gate improves on.
#
# Loads and unloads use modgate's insmod and rmmod (each file inspected by the
# sandbox and handed to finit_module as a sealed memfd); busybox's insmod stays
# as the comparison for what the kernel says about a tampered module.
#
# vm-modules: nf_tables nf_conntrack
# vm-variant: unsigned dummy
# vm-variant: tampered dummy

# The kernel's hard dependencies of a module, from the staged modules.dep.
hard_deps() {
	sed -n "s|^[^:]*/$1\.ko[^:]*:||p" "/lib/modules/$VM_KVER/modules.dep" |
		tr ' ' '\n' | sed '/^$/d' | while read -r f; do modname "$f"; done
}

section "stock kernel state"
expect_eq "sig_enforce-off-by-default" N "$(cat /sys/module/module/parameters/sig_enforce)"
expect_match "lockdown-none-by-default" '\[none\]' "$(cat /sys/kernel/security/lockdown)"
expect_eq "no-modules-loaded-at-start" "" "$(cat /proc/modules)"
expect_eq "lsmod-empty-matches-kmod" "$("$KMOD_BIN/lsmod" 2>&1)" "$("$MODGATE_SBIN/lsmod" 2>&1)"

section "load nf_tables, nf_conntrack and their closures with modgate's insmod"
# Both need libcrc32c: two holders, whose order lsmod must print as kmod does.
# A module already loaded by the first closure is skipped, as modprobe would.
unload_order=
for f in $(deps_of nf_tables) $(deps_of nf_conntrack); do
	m=$(modname "$f")
	module_loaded "$m" && continue
	check "modgate-insmod-$m" "$MODGATE_SBIN/insmod" "$f"
	check "$m-in-proc-modules" module_loaded "$m"
	check "$m-in-sys-module" test -d "/sys/module/$m/sections"
	unload_order="$m $unload_order"
done
for top in nf_tables nf_conntrack; do
	for d in $(hard_deps $top); do
		expect_match "$d-used-by-$top" "^$d [0-9]+ [1-9][0-9]* ([a-z0-9_]+,)*$top," \
			"$(cat /proc/modules)"
	done
done

section "lsmod: modgate against Debian's kmod, same kernel, same moment"
expect_eq "lsmod-matches-kmod" "$("$KMOD_BIN/lsmod" 2>&1)" "$("$MODGATE_SBIN/lsmod" 2>&1)"
expect_eq "modgate-lsmod-subcommand-matches-kmod" "$("$KMOD_BIN/lsmod" 2>&1)" \
	"$("$MODGATE" lsmod 2>&1)"

section "unload"
for d in $(hard_deps nf_conntrack); do
	expect_rc "rmmod-$d-refused-while-in-use" 1 "$MODGATE_SBIN/rmmod" "$d"
	expect_eq "rmmod-$d-refusal-matches-kmod" "$("$KMOD_BIN/rmmod" "$d" 2>&1)" "$(cat "$VM_OUT")"
	check "$d-still-loaded" module_loaded "$d"
done
for m in $unload_order; do
	check "modgate-rmmod-$m" "$MODGATE_SBIN/rmmod" "$m"
	expect_rc "$m-gone-from-proc-modules" 1 module_loaded "$m"
	expect_rc "$m-gone-from-sys-module" 1 test -e "/sys/module/$m"
done
expect_eq "lsmod-matches-kmod-after-unload" "$("$KMOD_BIN/lsmod" 2>&1)" "$("$MODGATE_SBIN/lsmod" 2>&1)"

section "what the stock kernel does with bad signatures (the gate will do better)"
expect_rc "busybox-tampered-module-rejected" '!0' busybox insmod /vmtest/variants/tampered/dummy.ko
expect_match "busybox-tampered-rejected-as-bad-key" 'Key was rejected' "$(cat "$VM_OUT")"
expect_rc "tampered-module-rejected" 1 "$MODGATE_SBIN/insmod" /vmtest/variants/tampered/dummy.ko
expect_eq "tampered-rejection-in-kmods-words" \
	"insmod: ERROR: could not insert module /vmtest/variants/tampered/dummy.ko: Key was rejected by service" \
	"$(head -n 1 "$VM_OUT")"
expect_match "tampered-rejection-explained" '^insmod: ERROR: dummy: the kernel rejected the module signature' \
	"$(cat "$VM_OUT")"
expect_rc "tampered-module-not-loaded" 1 module_loaded dummy
taint_before=$(taint_mask)
check "unsigned-module-loads-without-sig_enforce" "$MODGATE_SBIN/insmod" /vmtest/variants/unsigned/dummy.ko
# Taint bit 13 (E): an unsigned module was loaded.
expect_eq "unsigned-module-taints-E" 8192 $(($(taint_mask) & 8192 & ~taint_before))
check "modgate-rmmod-unsigned-dummy" "$MODGATE_SBIN/rmmod" dummy
