# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# The demo (scripts/demo.sh): what modgate does today on the real Debian kernel,
# for a human reader, with every claim checked. It grows with each capability:
# when modgate's insmod/modprobe/rmmod exist, the loads below go through them.
#
# vm-modules: nf_tables

say ""
say "modgate demo: real Debian kernel $(uname -r), booted under qemu;"
say "this console is the VM's. modgate is /usr/bin/modgate in its initramfs."

section "modgate --version"
show "$MODGATE" --version
check "modgate-version-runs" "$MODGATE" --version

section "modgate help (commands not built yet say so)"
show "$MODGATE" help
check "modgate-help-runs" "$MODGATE" help

section "load nf_tables with its dependencies"
say "!! NOT YET THROUGH THE GATE: modgate's modprobe/insmod are not built yet, so"
say "!! these loads use busybox's insmod, in the order Debian's modprobe resolved."
case $(deps_of nf_tables) in
*.xz*)
	say "(On this kernel the modules are .ko.xz: busybox first hands the compressed file"
	say " to finit_module without the decompress flag, which the kernel refuses with"
	say " 'Invalid ELF header magic'; busybox then decompresses it and calls init_module.)"
	;;
esac
loaded=
for f in $(deps_of nf_tables); do
	m=$(modname "$f")
	show busybox insmod "$f"
	check "$m-loaded" module_loaded "$m"
	loaded="$m $loaded"
done

section "modgate's lsmod (reads /proc/modules and /sys/module)"
show "$MODGATE_SBIN/lsmod"
expect_eq "modgate-lsmod-identical-to-kmod-lsmod" "$("$KMOD_BIN/lsmod" 2>&1)" \
	"$("$MODGATE_SBIN/lsmod" 2>&1)"

section "unload, dependents first (busybox rmmod: NOT YET THROUGH THE GATE)"
for m in $loaded; do
	show busybox rmmod "$m"
	expect_rc "$m-unloaded" 1 module_loaded "$m"
done
show "$MODGATE_SBIN/lsmod"
say ""
