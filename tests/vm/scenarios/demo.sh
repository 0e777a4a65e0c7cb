# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# The demo (scripts/demo.sh): what modgate does today on the real Debian kernel,
# for a human reader, with every claim checked. It grows with each capability.
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

section "load nf_tables with its dependencies: modgate's modprobe"
say "modprobe resolves the closure as kmod does (hard dependencies, softdeps);"
say "each file is decompressed and parsed by sandboxed children into a sealed"
say "memfd, and finit_module gets that memfd: the kernel checks Debian's"
say "signature over exactly the bytes modgate inspected."
show "$MODGATE_SBIN/modprobe" --show-depends nf_tables
show "$MODGATE_SBIN/modprobe" -v nf_tables
for f in $(deps_of nf_tables); do
	m=$(modname "$f")
	check "$m-loaded" module_loaded "$m"
done
expect_eq "kernel-verified-every-signature-no-taint-E" 0 $(($(taint_mask) & 8192))

section "modgate's lsmod (reads /proc/modules and /sys/module)"
show "$MODGATE_SBIN/lsmod"
expect_eq "modgate-lsmod-identical-to-kmod-lsmod" "$("$KMOD_BIN/lsmod" 2>&1)" \
	"$("$MODGATE_SBIN/lsmod" 2>&1)"

section "unload: modgate's modprobe -r (nf_tables, then what it left unused)"
show "$MODGATE_SBIN/modprobe" -r -v nf_tables
for m in nf_tables nfnetlink libcrc32c; do
	expect_rc "$m-unloaded" 1 module_loaded "$m"
done
show "$MODGATE_SBIN/lsmod"
say ""
