#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Boot a real Debian kernel under qemu (TCG) with modgate in an initramfs, run
# one scenario in it and turn what the scenario reports into test results.
#
# Usage: run-vm.sh --modgate PATH [options] SCENARIO.sh
#   -k, --kernel SERIES   6.1 or 6.12 (default 6.12)
#   -m, --modgate PATH    the built modgate binary
#   -a, --append OPTS     kernel command-line options, after the scenario's own
#   -M, --module NAME     stage NAME and its dependencies (repeatable)
#       --console         show the guest console live (the demo); otherwise it
#                         is logged and its tail shown when something fails
#       --logdir DIR      keep console.log and results.log in DIR
#       --timeout SECONDS hard limit for the boot (default 300)
#
# A scenario is a busybox sh script using tests/vm/guest/lib.sh. Header lines
# configure its boot:
#   # vm-modules: NAME...        modules to stage with their closure
#   # vm-append: OPTS            kernel command-line options
#   # vm-variant: KIND NAME      stage /vmtest/variants/KIND/NAME.ko (see stage.sh)
#   # vm-programs: NAME...       host programs with their libraries (stage.sh)
#   # vm-files: PATH...          files of this repository, at /vmtest/src/PATH
#
# Output: one TAP-like line per check, then "N passed, N failed". The exit
# status is 0 only when the guest reached the end of the scenario, at least
# one check ran and none failed.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=tests/vm/stage.sh
. "$here/stage.sh"

series=6.12 modgate='' append='' console=0 logdir='' timeout=300 scenario=''
base='' base_files=/dev/null
modules=()
usage() { sed -n '/^# Usage/,/^# status/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	-k | --kernel) series=$2; shift 2 ;;
	-m | --modgate) modgate=$2; shift 2 ;;
	-a | --append) append="$append $2"; shift 2 ;;
	-M | --module) modules+=("$2"); shift 2 ;;
	--console) console=1; shift ;;
	--logdir) logdir=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	-h | --help) usage ;;
	-*) echo "run-vm: unknown option $1" >&2; usage ;;
	*) scenario=$1; shift ;;
	esac
done
if [ -z "$scenario" ] || [ ! -f "$scenario" ]; then
	echo "run-vm: no scenario script" >&2
	usage
fi
if [ -z "$modgate" ] || [ ! -x "$modgate" ]; then
	echo "run-vm: --modgate: no executable" >&2
	exit 2
fi
for tool in qemu-system-x86_64 busybox cpio depmod modprobe xz flock timeout; do
	command -v "$tool" >/dev/null || { echo "run-vm: $tool is not installed" >&2; exit 2; }
done
name=$(basename "$scenario" .sh)
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

directive() { sed -n "s/^# vm-$1: *//p" "$scenario"; }
read -r -a wanted <<<"$(directive modules | tr '\n' ' ')"
modules+=("${wanted[@]}")
append="$(directive append | tr '\n' ' ')$append"

# The trees and the full-tree index are shared by concurrent runs: one writer.
cache=${MODGATE_CACHE:-/var/cache/modgate-tests}
mkdir -p "$cache"
exec {lock}>"$cache/.vm.lock"
flock "$lock"
line=$(bash "$src/tests/compat/fetch-trees.sh" "$cache" | awk -v s="$series" '$1 == s')
[ -n "$line" ] || { echo "run-vm: no kernel tree for series $series" >&2; exit 2; }
read -r _ kver root <<<"$line"
farm=$cache/vm-index/$kver
index_tree "$root" "$kver" "$farm" || { echo "run-vm: depmod of $kver failed" >&2; exit 1; }
t0=$(date +%s.%N)
base_archive "$cache/vm-base"
flock -u "$lock"

work=$(mktemp -d /tmp/modgate-vm.XXXXXX)
stage=$work/root
cleanup() {
	rm -rf "$stage" "$work"/*.gz
	if [ -n "$logdir" ]; then
		mkdir -p "$logdir"
		cp "$work"/*.log "$logdir/" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$stage/vmtest"
stage_modgate "$stage" "$modgate"
setup_failed() {
	echo "not ok 1 - $series $name: $1"
	echo "0 passed, 1 failed"
	exit 1
}
stage_modules "$stage" "$root" "$kver" "$farm" "${modules[@]}" ||
	setup_failed "stage modules ${modules[*]}"
while read -r kind mod; do
	[ -n "$kind" ] || continue
	stage_variant "$stage" "$root" "$kver" "$farm" "$kind" "$mod" ||
		setup_failed "stage variant $kind $mod"
done <<<"$(directive variant)"
read -r -a programs <<<"$(directive programs | tr '\n' ' ')"
[ ${#programs[@]} -eq 0 ] || stage_programs "$stage" "${programs[@]}" ||
	setup_failed "stage programs ${programs[*]} (scripts/install-deps.sh installs them)"
for f in $(directive files); do
	install -D -m 0644 "$src/$f" "$stage/vmtest/src/$f" || setup_failed "stage file $f"
done
install -m 0755 "$here/guest/init" "$stage/init"
install -m 0644 "$here/guest/lib.sh" "$stage/vmtest/lib.sh"
install -m 0644 "$scenario" "$stage/vmtest/scenario.sh"
cat >"$stage/vmtest/env" <<EOF
export VM_SERIES=$series VM_KVER=$kver VM_SCENARIO=$name
export MODGATE=/usr/bin/modgate MODGATE_SBIN=/usr/sbin KMOD_BIN=/opt/kmod/bin
EOF
make_cpio "$stage" "$work/run.cpio.gz"
cat "$base" "$work/run.cpio.gz" >"$work/initrd.gz"
t1=$(date +%s.%N)

# no_timer_check: under a loaded host, TCG can miss the IO-APIC timer check
# and panic at boot ("IO-APIC + timer doesn't work"); the check proves nothing here.
cmdline="console=ttyS0 panic=-1 quiet no_timer_check $append"
echo "# $name on $kver: $(du -k "$work/initrd.gz" | cut -f1) KiB initramfs" \
	"built in $(elapsed "$t0" "$t1") s; cmdline: $cmdline"

# ttyS0 carries the console, ttyS1 the results: kernel messages can never cut
# into a result line. -nodefaults: no NIC or VGA to probe, a faster boot.
# -cpu max: SSE4.2 and the rest, so CPU-specific modules that a closure pulls in
# (crc32c-intel, through libcrc32c's softdep) load as on real hardware.
qemu=(qemu-system-x86_64 -accel tcg -cpu max -m 1G -smp 1 -nodefaults -nographic
	-no-reboot -monitor none -serial stdio -serial "file:$work/results.log"
	-kernel "$root/boot/vmlinuz-$kver" -initrd "$work/initrd.gz" -append "$cmdline")
: >"$work/results.log"
set +e
# Firmware and terminal escapes out, so the log reads as text.
plain() { tr -d '\r' | sed -u 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g'; }
if [ "$console" = 1 ]; then
	timeout -k 5 "$timeout" "${qemu[@]}" </dev/null | plain | tee "$work/console.log"
else
	timeout -k 5 "$timeout" "${qemu[@]}" </dev/null | plain >"$work/console.log"
fi
qemu_rc=${PIPESTATUS[0]}
set -e
t2=$(date +%s.%N)

n=0 pass=0 fail=0 finished=0 boot='?'
while IFS= read -r line; do
	line=${line%$'\r'}
	case $line in
	"VMTEST ok "*)
		n=$((n + 1)) pass=$((pass + 1))
		# The live console already showed it.
		[ "$console" = 1 ] || echo "ok $n - $series $name: ${line#VMTEST ok }"
		;;
	"VMTEST not ok "*)
		n=$((n + 1)) fail=$((fail + 1))
		echo "not ok $n - $series $name: ${line#VMTEST not ok }"
		;;
	"VMTEST diag "*) echo "#   ${line#VMTEST diag }" ;;
	"VMTEST info boot "*) boot=${line#VMTEST info boot }; boot=${boot%% *} ;;
	"VMTEST info "*) echo "# ${line#VMTEST info }" ;;
	"VMTEST done") finished=1 ;;
	esac
done <"$work/results.log"

echo "# qemu ran $(elapsed "$t1" "$t2") s (exit $qemu_rc); guest reached the scenario" \
	"after $boot s of its uptime"
if [ "$finished" != 1 ]; then
	n=$((n + 1)) fail=$((fail + 1))
	why="the guest never reported the end of the scenario (panic, hang or timeout)"
	[ "$qemu_rc" = 124 ] && why="timeout after $timeout s"
	echo "not ok $n - $series $name: boot finished: $why"
	echo "# last console lines:"
	tail -n 40 "$work/console.log" | sed 's/^/#   /'
elif [ "$n" = 0 ]; then
	fail=$((fail + 1))
	echo "not ok - $series $name: the scenario ran no check"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
