# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# modgate's modprobe, insmod and rmmod on the real Debian kernel, each result
# compared with Debian's kmod in the same VM: a module with dependencies and
# softdeps loaded through the sealed memfd (on 6.12 decompressed from .ko.xz
# by the sandbox, signature checked by the kernel over exactly those bytes),
# lsmod, already loaded and --first-time, built-in modules, modprobe -r with
# holders and --remove-holders, rmmod refusals, a load failing on an unknown
# parameter, and the kernel command line's module options and blacklist.
#
# Where a command changes the kernel's state, kmod runs it first from a
# known state, then the state is rebuilt and modgate runs it; output, exit
# status and the modules left loaded must match.
#
# Unknown module parameters do not fail a load (the kernel logs "unknown
# parameter 'x' ignored"); the failing loads checked here are a parameter
# with an invalid value (EINVAL) and unknown symbols (ENOENT, kmod's "Unknown
# symbol in module, or unknown parameter"), each compared with kmod.
#
# vm-modules: nf_tables nf_conntrack dummy
# vm-append: dummy.numdummies=3 modprobe.blacklist=evbug,pcspkr

KM=$KMOD_BIN/modprobe
MM=$MODGATE_SBIN/modprobe
loaded_names() { cut -d' ' -f1 /proc/modules | sort | tr '\n' ' '; }

# Unload everything, dependents first, with kmod's rmmod (not under test here).
unload_all() {
	local i=0
	# (procfs files have size 0: test the contents, not -s)
	while [ -n "$(cat /proc/modules)" ] && [ $i -lt 20 ]; do
		for m in $(cut -d' ' -f1 /proc/modules); do "$KMOD_BIN/rmmod" "$m" 2>/dev/null; done
		i=$((i + 1))
	done
}

# kmod's libkmod lines carry its source location; modgate words them the same
# without it
unlocate() { sed -E 's/^([a-z]+: [A-Z]+: )\.\.\/libkmod\/[^ ]+ [A-Za-z0-9_]+\(\) /\1/' "$1"; }

# same NAME CMD-ARGS...: kmod's and modgate's modprobe give the same output
# and exit status (for commands that leave the kernel as it was)
same() {
	local name=$1
	shift
	"$KM" "$@" >/tmp/k.out 2>&1
	echo "exit $?" >>/tmp/k.out
	"$MM" "$@" >/tmp/o.out 2>&1
	echo "exit $?" >>/tmp/o.out
	expect_eq "$name" "$(unlocate /tmp/k.out)" "$(cat /tmp/o.out)"
}

# same_tool NAME TOOL ARGS...: the same for insmod/rmmod
same_tool() {
	local name=$1 tool=$2
	shift 2
	"$KMOD_BIN/$tool" "$@" >/tmp/k.out 2>&1
	echo "exit $?" >>/tmp/k.out
	"$MODGATE_SBIN/$tool" "$@" >/tmp/o.out 2>&1
	echo "exit $?" >>/tmp/o.out
	expect_eq "$name" "$(unlocate /tmp/k.out)" "$(cat /tmp/o.out)"
}

# same_effect NAME SETUP ARGS...: from the state SETUP makes, kmod's and
# modgate's modprobe give the same output, exit status and loaded modules
same_effect() {
	local name=$1 setup=$2
	shift 2
	unload_all
	$setup
	"$KM" "$@" >/tmp/k.out 2>&1
	echo "exit $? left: $(loaded_names)" >>/tmp/k.out
	unload_all
	$setup
	"$MM" "$@" >/tmp/o.out 2>&1
	echo "exit $? left: $(loaded_names)" >>/tmp/o.out
	expect_eq "$name" "$(unlocate /tmp/k.out)" "$(cat /tmp/o.out)"
}

same_lsmod() { expect_eq "$1" "$("$KMOD_BIN/lsmod" 2>&1)" "$("$MODGATE_SBIN/lsmod" 2>&1)"; }

section "configuration: what both read from the tree and the kernel command line"
same "modprobe-c-matches-kmod" -c
expect_match "cmdline-options-read" '^options dummy numdummies=3$' "$("$MM" -c)"
expect_match "cmdline-blacklist-read" '^blacklist pcspkr$' "$("$MM" -c)"
same "show-depends-nf_tables-matches-kmod" --show-depends nf_tables
same "show-depends-nf_conntrack-matches-kmod" --show-depends nf_conntrack

section "modprobe nf_tables: dependencies and softdeps, through the sealed memfd"
taint_before=$(taint_mask)
check "modgate-modprobe-nf_tables" "$MM" nf_tables
for f in $(deps_of nf_tables); do
	m=$(modname "$f")
	expect_eq "$m-live" live "$(cat "/sys/module/$m/initstate" 2>&1)"
done
# Taint bit 13 (E): the kernel could not verify a signature. None here: it
# checked Debian's signatures over the bytes modgate handed it.
expect_eq "signatures-verified-by-the-kernel" 0 $(($(taint_mask) & 8192 & ~taint_before))
same_lsmod "lsmod-matches-kmod-after-modprobe"
same "already-loaded-matches-kmod" nf_tables
same "first-time-matches-kmod" --first-time nf_tables
same "dry-run-verbose-matches-kmod" -n -v nf_conntrack

section "modprobe -r: holders, --remove-holders, unused dependencies"
same "remove-held-module-matches-kmod" -r nfnetlink
same "remove-held-all-matches-kmod" -r -a nfnetlink libcrc32c
same_tool "rmmod-held-module-matches-kmod" rmmod nfnetlink
load_nf_tables() { "$MM" nf_tables; }
load_both() { "$MM" nf_tables && "$MM" nf_conntrack; }
same_effect "remove-matches-kmod" load_nf_tables -r nf_tables
same_effect "remove-holders-matches-kmod" load_nf_tables -r --remove-holders nfnetlink
same_effect "remove-shared-dependency-matches-kmod" load_both -r nf_tables
same_effect "remove-verbose-matches-kmod" load_both -r -v nf_conntrack
unload_all
same "remove-not-loaded-matches-kmod" -r dummy
same "remove-first-time-matches-kmod" -r --first-time dummy

section "built-in modules"
same "builtin-load-matches-kmod" ipv6
same "builtin-first-time-matches-kmod" --first-time ipv6
same "builtin-remove-matches-kmod" -r ipv6
same_tool "builtin-rmmod-matches-kmod" rmmod ipv6

section "failing loads: kmod's messages"
echo "install nfnetlink /bin/true" >/tmp/no-nfnetlink.conf
same_effect "unknown-symbol-matches-kmod" unload_all -C /tmp/no-nfnetlink.conf nf_tables
expect_match "kernel-names-the-symbol" "nf_tables: Unknown symbol" "$(dmesg | tail -n 20)"
same_effect "invalid-parameter-value-matches-kmod" unload_all dummy numdummies=abc
expect_match "kernel-names-the-value" "abc' invalid for parameter .numdummies'" "$(dmesg | tail -n 5)"
same_effect "unknown-parameter-ignored-as-in-kmod" unload_all dummy no_such_param=1
expect_match "kernel-ignores-unknown-parameter" "dummy: unknown parameter 'no_such_param' ignored" \
	"$(dmesg | tail -n 5)"
unload_all
dummy_file=$(deps_of dummy)
nf_tables_file=$(deps_of nf_tables | tail -n 1)
same_tool "insmod-unknown-symbol-matches-kmod" insmod "$nf_tables_file"
same_tool "insmod-invalid-value-matches-kmod" insmod "$dummy_file" numdummies=abc
same_tool "insmod-missing-file-matches-kmod" insmod /nonexistent.ko

section "kernel command line options reach the module"
check "modgate-modprobe-dummy" "$MM" dummy
expect_eq "numdummies-from-cmdline" 3 "$(ls -d /sys/class/net/dummy* | wc -l)"
check "modgate-rmmod-dummy" "$MODGATE_SBIN/rmmod" dummy
expect_rc "dummy-unloaded" 1 module_loaded dummy
same_tool "rmmod-not-loaded-matches-kmod" rmmod dummy

section "insmod and rmmod of the closure, file by file"
unload_all
expect_eq "nothing-loaded-before-insmod" "" "$(loaded_names)"
for f in $(deps_of nf_tables); do
	check "modgate-insmod-$(modname "$f")" "$MODGATE_SBIN/insmod" "$f"
done
same_lsmod "lsmod-matches-kmod-after-insmod"
for m in nf_tables nfnetlink libcrc32c; do
	check "modgate-rmmod-$m" "$MODGATE_SBIN/rmmod" "$m"
done
expect_rc "nf_tables-gone" 1 module_loaded nf_tables
same_lsmod "lsmod-matches-kmod-at-the-end"

section "modprobe of a loaded module: kmod and modgate, 20 runs each"
"$MM" nf_tables
t0=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt 20 ]; do "$KM" nf_tables; i=$((i + 1)); done
t1=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt 20 ]; do "$MM" nf_tables; i=$((i + 1)); done
t2=$(cut -d' ' -f1 /proc/uptime)
vm_send "info already-loaded modprobe x20 under TCG: kmod $(echo "$t1 $t0" | awk '{ printf "%.2f", $1 - $2 }') s, modgate $(echo "$t2 $t1" | awk '{ printf "%.2f", $1 - $2 }') s"
unload_all
