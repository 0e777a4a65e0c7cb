# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash
#
# Assertions for scenarios running inside the VM (busybox sh). Results go to the
# results port as "VMTEST ..." lines the host harness parses; human-readable
# text goes to the console. The results port is a serial line of its own so
# kernel messages on the console can never split a result line.
#
# Beware: this busybox shell runs its own applets (insmod, lsmod, modprobe, ...)
# before anything on PATH. Call modgate and kmod by absolute path ($MODGATE,
# $KMOD_BIN/<tool>); call busybox's module tools as `busybox insmod` so a reader
# sees which tool a check exercises.
VM_RESULTS=${VM_RESULTS:-/dev/ttyS1}
VM_OUT=/tmp/vmtest.out

vm_send() { printf 'VMTEST %s\n' "$*" >"$VM_RESULTS"; }

# Check names are one word: the protocol is "ok <name>" / "not ok <name>".
vm_name() { printf '%s' "$*" | tr -s ' \t' '--'; }

say() { printf '%s\n' "$*"; }
section() { printf '\n=== %s\n' "$*"; }

vm_ok() {
	vm_send "ok $(vm_name "$1")"
	say "  [ok]   $1"
}

# vm_not_ok NAME [DETAIL...]: the detail may span lines; each becomes a diag line.
vm_not_ok() {
	local name
	name=$(vm_name "$1")
	shift
	vm_send "not ok $name"
	say "  [FAIL] $name"
	printf '%s\n' "$@" | tail -n 30 | while IFS= read -r line; do
		[ -n "$line" ] || continue
		vm_send "diag $line"
		say "         $line"
	done
}

# check NAME CMD...: CMD must succeed. Its output is kept in $VM_OUT.
check() {
	local name=$1 rc
	shift
	"$@" >"$VM_OUT" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		vm_ok "$name"
	else
		vm_not_ok "$name" "$* -> exit $rc" "$(cat "$VM_OUT")"
	fi
	return "$rc"
}

# expect_rc NAME RC CMD...: CMD must exit with status RC (any non-zero: RC "!0").
expect_rc() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >"$VM_OUT" 2>&1
	rc=$?
	if [ "$rc" = "$want" ] || { [ "$want" = "!0" ] && [ "$rc" -ne 0 ]; }; then
		vm_ok "$name"
		return 0
	fi
	vm_not_ok "$name" "$* -> exit $rc, wanted $want" "$(cat "$VM_OUT")"
	return 1
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		vm_ok "$1"
		return 0
	fi
	printf '%s\n' "$2" >/tmp/vmtest.want
	printf '%s\n' "$3" >/tmp/vmtest.got
	vm_not_ok "$1" "$(diff -u /tmp/vmtest.want /tmp/vmtest.got | sed 1,2d)"
	return 1
}

# expect_match NAME EXTENDED-REGEX TEXT
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		vm_ok "$1"
		return 0
	fi
	vm_not_ok "$1" "no line matches /$2/ in:" "$3"
	return 1
}

# show CMD...: run CMD for a human reader, echoing the command line and output.
show() {
	say "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
}

# The kernel's module name for a file: basename without .ko*, '-' read as '_'.
modname() { basename "$1" | sed 's/\.ko.*$//' | tr - _; }

module_loaded() { grep -q "^$1 " /proc/modules; }

# deps_of NAME: guest paths of NAME's closure in load order (soft and hard
# dependencies first), as Debian's modprobe --show-depends ordered them on the host.
deps_of() { cat "/vmtest/deps/$1"; }

# taint_flags: the kernel's taint mask as a number.
taint_mask() { cat /proc/sys/kernel/tainted; }
