# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# What the BPF LSM program costs, attached against detached:
#
#  (a) a gate load + unload: modgate insmod of a real signed module, rmmod
#      (attached: the memfd is registered, the kernel's hooks check it, the
#      gate folds refusals);
#  (b) an autoload that reaches the gate: socket(AF_SNA), a family no kernel
#      has, so the kernel asks its helper (modgate's modprobe) for
#      "net-pf-22", which finds nothing and records not-found (attached: the
#      kernel_module_request hook records the requester, the helper looks it
#      up and folds refusals).
#
# The TCG guest drifts by more than the difference (an earlier version that
# timed two long blocks could not resolve it), so: every iteration is timed
# on its own (CLOCK_MONOTONIC, vm-helper now), ROUNDS rounds each measure
# both states, the order of the states alternates from round to round, and
# the figures are medians with their p25..p75 spread, plus the median of the
# per-round differences (attached - detached, same round, so slow phases of
# the host cancel out) with its own spread. Every iteration must do its work
# or the figures are void.
#
# vm-modules: dummy
# vm-variant: signed dummy

ROUNDS=20
K=3 # iterations of each kind per state per round
B=/tmp/bench
mkdir -p "$B"

now_us() { echo $(($(vm-helper now) / 1000)); }

# one_load: modgate insmod + rmmod of the signed module; prints microseconds
one_load() {
	local t0 t1
	t0=$(now_us)
	"$MODGATE_SBIN/insmod" /vmtest/variants/signed/dummy.ko && module_loaded dummy &&
		"$MODGATE_SBIN/rmmod" dummy || return 1
	t1=$(now_us)
	echo $((t1 - t0))
}

# one_autoload: socket(AF_SNA) waits for the helper; prints microseconds
one_autoload() {
	local t0 t1 r
	t0=$(now_us)
	r=$(vm-helper socket 22 1 0)
	t1=$(now_us)
	case "$r" in *"not supported"*) ;; *) return 1 ;; esac
	echo $((t1 - t0))
}

# measure STATE ROUND: K of each, appended to $B/{load,auto}-STATE and to
# this round's files
measure() {
	local i=0 t
	while [ "$i" -lt "$K" ]; do
		t=$(one_load) || return 1
		echo "$t" >>"$B/load-$1"
		echo "$t" >>"$B/load-$1-$2"
		t=$(one_autoload) || return 1
		echo "$t" >>"$B/auto-$1"
		echo "$t" >>"$B/auto-$1-$2"
		i=$((i + 1))
	done
}

set_state() {
	if [ "$1" = on ]; then
		"$MODGATE" lsm enable >/dev/null 2>&1 && "$MODGATE" lsm status >/dev/null 2>&1
	else
		"$MODGATE" lsm disable >/dev/null 2>&1
		"$MODGATE" lsm status >/dev/null 2>&1
		[ $? -eq 3 ]
	fi
}

# quartiles FILE [long]: p25/median/p75 of microseconds, in ms (linear
# interpolation between ranks); "long": "median M ms (p25 A, p75 B)"
quartiles() {
	sort -n "$1" | awk -v long="$2" '{ v[NR] = $1 }
		function q(p,   x, i, f) { x = 1 + (NR - 1) * p; i = int(x); f = x - i
			return (i < NR ? v[i] + f * (v[i + 1] - v[i]) : v[i]) / 1000 }
		END { if (long) printf "median %.1f ms (p25 %.1f, p75 %.1f)", q(0.5), q(0.25), q(0.75)
			else printf "%.1f/%.1f/%.1f", q(0.25), q(0.5), q(0.75) }'
}

median_us() { sort -n "$1" | awk '{ v[NR] = $1 } END {
	print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

mkdir -p /etc/modgate
printf '%s\n' 'mode enforce' 'default allow' 'audit best-effort' >/etc/modgate/modgate.conf
echo /usr/sbin/modprobe >/proc/sys/kernel/modprobe
# warm-up: page cache, first-exec costs, the program's first load
check "warm-up-detached" measure warm 0
check "warm-up-enable" set_state on
check "warm-up-attached" measure warm 0
check "warm-up-disable" set_state off

r=1
ok=1
while [ "$r" -le "$ROUNDS" ]; do
	if [ $((r % 2)) -eq 1 ]; then order="off on"; else order="on off"; fi
	for st in $order; do
		set_state "$st" && measure "$st" "$r" || ok=0
	done
	[ "$ok" -eq 1 ] || break
	# paired: this round's medians, attached minus detached
	for what in load auto; do
		echo $(($(median_us "$B/$what-on-$r") - $(median_us "$B/$what-off-$r"))) \
			>>"$B/$what-diff"
	done
	say "round $r (p25/median/p75 ms, detached | attached):" \
		"load $(quartiles "$B/load-off-$r") | $(quartiles "$B/load-on-$r")," \
		"autoload $(quartiles "$B/auto-off-$r") | $(quartiles "$B/auto-on-$r")"
	r=$((r + 1))
done
# the last attached state: the program saw the autoloads and the registered
# loads, and refused none of them
[ "$(tail -n1 "$B/auto-on")" ] && set_state on && show "$MODGATE" lsm status
set_state off
check "every-iteration-did-its-work" test "$ok" -eq 1
# its not-found decisions (the first few; flood control counts the rest)
cat /var/log/modgate/*.jsonl /run/modgate/*.jsonl >/tmp/trail 2>/dev/null
check "the-autoloads-reached-the-gate" grep -q '"requested":"net-pf-22"' /tmp/trail

for what in load auto; do
	name=$([ "$what" = load ] && echo "insmod+rmmod" || echo "autoload (net-pf-22, not found)")
	n=$(wc -l <"$B/$what-on")
	line="bench $VM_SERIES $name, $n iterations a side in $ROUNDS alternated rounds:"
	line="$line detached $(quartiles "$B/$what-off" long);"
	line="$line attached $(quartiles "$B/$what-on" long);"
	line="$line per-round difference attached-detached $(quartiles "$B/$what-diff" long)"
	say "$line"
	vm_send "info $line"
done
