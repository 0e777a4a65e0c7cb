# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# Kernel command-line options reach the kernel, and the kernel then does what
# they say: signature enforcement, integrity lockdown and audit on. Under them a
# real Debian-signed module still loads (its signature checked by the kernel
# against Debian's built-in key), an unsigned or tampered copy does not.
#
# Loads use modgate's insmod; busybox's shows the same refusals for comparison.
#
# vm-append: module.sig_enforce=1 lockdown=integrity audit=1
# vm-modules: dummy
# vm-variant: unsigned dummy
# vm-variant: tampered dummy

section "the command line took effect"
expect_match "cmdline-has-the-options" 'module\.sig_enforce=1 .*lockdown=integrity .*audit=1' \
	"$(cat /proc/cmdline)"
expect_eq "sig_enforce-is-Y" Y "$(cat /sys/module/module/parameters/sig_enforce)"
expect_match "lockdown-is-integrity" '\[integrity\]' "$(cat /sys/kernel/security/lockdown)"
expect_match "audit-enabled-at-boot" 'audit: initializing netlink subsys \(enabled\)' "$(dmesg)"

section "signatures under module.sig_enforce=1"
expect_rc "busybox-unsigned-module-rejected" '!0' busybox insmod /vmtest/variants/unsigned/dummy.ko
expect_match "busybox-unsigned-rejected-as-bad-key" 'Key was rejected' "$(cat "$VM_OUT")"
expect_rc "unsigned-module-rejected" 1 "$MODGATE_SBIN/insmod" /vmtest/variants/unsigned/dummy.ko
# kmod's wording; the reason is the gate's (it refuses before the kernel does)
expect_match "unsigned-rejection-in-kmods-format" \
	'^insmod: ERROR: could not insert module /vmtest/variants/unsigned/dummy.ko: ' "$(head -n 1 "$VM_OUT")"
expect_match "unsigned-rejection-names-sig_enforce" 'module.sig_enforce=1' "$(cat "$VM_OUT")"
expect_rc "unsigned-module-not-loaded" 1 module_loaded dummy
expect_rc "tampered-module-rejected" 1 "$MODGATE_SBIN/insmod" /vmtest/variants/tampered/dummy.ko
expect_rc "tampered-module-not-loaded" 1 module_loaded dummy

taint_before=$(taint_mask)
check "debian-signed-module-loads" "$MODGATE_SBIN/insmod" "$(deps_of dummy)"
check "signed-module-in-proc-modules" module_loaded dummy
# Taint bit 13 (E) would say the kernel could not verify it.
expect_eq "signed-module-verified-no-taint-E" 0 $(($(taint_mask) & 8192 & ~taint_before))
check "modgate-rmmod-signed-module" "$MODGATE_SBIN/rmmod" dummy
expect_rc "signed-module-unloaded" 1 module_loaded dummy
