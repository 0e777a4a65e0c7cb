# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# What the BPF LSM program costs: N loads+unloads of a real signed module
# through modgate (insmod + rmmod), and N autoloads (`ip link add TYPE dummy`,
# the kernel runs modgate's modprobe as its helper, then link del + rmmod),
# with the program detached and attached (enforcing), in alternating rounds
# so drift in the TCG guest hits both sides alike. Prints milliseconds per
# iteration; every iteration must load the module, or the figure is void.
#
# vm-modules: dummy
# vm-variant: signed dummy

N=${LSM_BENCH_N:-15}
ROUNDS=2

now_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }

# loads ITERATIONS: modgate insmod + rmmod, returns centiseconds in $took
loads() {
	local i=0 t0 ok=0
	t0=$(now_cs)
	while [ "$i" -lt "$1" ]; do
		"$MODGATE_SBIN/insmod" /vmtest/variants/signed/dummy.ko && module_loaded dummy &&
			"$MODGATE_SBIN/rmmod" dummy && ok=$((ok + 1))
		i=$((i + 1))
	done
	took=$(($(now_cs) - t0))
	[ "$ok" -eq "$1" ]
}

# autoloads ITERATIONS: the kernel asks its helper (modgate's modprobe)
autoloads() {
	local i=0 t0 ok=0
	t0=$(now_cs)
	while [ "$i" -lt "$1" ]; do
		ip link add d0 type dummy && module_loaded dummy && ip link del d0 &&
			"$MODGATE_SBIN/rmmod" dummy && ok=$((ok + 1))
		i=$((i + 1))
	done
	took=$(($(now_cs) - t0))
	[ "$ok" -eq "$1" ]
}

ms_per() { awk -v cs="$1" -v n="$2" 'BEGIN { printf "%.1f", cs * 10 / n }'; }

mkdir -p /etc/modgate
printf '%s\n' 'mode enforce' 'default allow' 'audit best-effort' >/etc/modgate/modgate.conf
echo /usr/sbin/modprobe >/proc/sys/kernel/modprobe
# warm-up: page cache, first-exec costs
check "warm-up" loads 2

load_off=0 load_on=0 auto_off=0 auto_on=0
r=1
while [ "$r" -le "$ROUNDS" ]; do
	section "round $r of $ROUNDS, $N iterations each"
	check "loads-detached-$r" loads "$N" && load_off=$((load_off + took))
	say "  detached insmod+rmmod: $(ms_per "$took" "$N") ms"
	check "autoloads-detached-$r" autoloads "$N" && auto_off=$((auto_off + took))
	say "  detached autoload+rmmod: $(ms_per "$took" "$N") ms"
	check "lsm-enable-$r" "$MODGATE" lsm enable
	check "loads-attached-$r" loads "$N" && load_on=$((load_on + took))
	say "  attached insmod+rmmod: $(ms_per "$took" "$N") ms"
	check "autoloads-attached-$r" autoloads "$N" && auto_on=$((auto_on + took))
	say "  attached autoload+rmmod: $(ms_per "$took" "$N") ms"
	# every registered load passed, nothing was refused
	show "$MODGATE" lsm status
	check "lsm-disable-$r" "$MODGATE" lsm disable
	r=$((r + 1))
done

total=$((N * ROUNDS))
for what in load auto; do
	eval off=\$${what}_off on=\$${what}_on
	name=$([ "$what" = load ] && echo "insmod+rmmod" || echo "autoload+rmmod")
	line="bench $VM_SERIES $name: detached $(ms_per "$off" "$total") ms, attached $(ms_per "$on" "$total") ms per iteration ($total iterations, /proc/uptime centiseconds)"
	say "$line"
	vm_send "info $line"
done
