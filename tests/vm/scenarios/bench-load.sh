# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# What the gate costs a real load, measured in the VM against Debian's kmod 30
# in the same boot (issue 9's benchmarks; figures on "# bench" lines, never a
# failure on timing):
#
#  load/unload  the same 25 requests (45 modules with their dependencies) through
#               kmod's modprobe, then modgate's, alternating, several rounds:
#               load all, unload all (modprobe -r). modgate's loads are the whole
#               gate: sandboxed decompression and parsing, the signature checked
#               against the kernel's certificate, an enforced policy, a trail
#               record fsync'd before and after each finit_module. On 6.12, kmod
#               30 decompresses the .ko.xz itself and calls init_module; on 6.1
#               both hand finit_module an uncompressed file. Then the same
#               requests in one `modprobe -a` call each: the per-call cost
#               (start-up, configuration, trust store, trail) apart from the
#               per-module one (sandboxed children, digest, signature, load).
#  coldplug     200 `modprobe -bq MODALIAS` processes, as udev's rule override
#               runs them at coldplug: aliases of the staged modules (each
#               module loaded by its first request, already live after) mixed
#               with aliases nothing provides, from nothing loaded.
#
# The trail lives on the initramfs's rootfs, where fsync costs nothing: on a
# disk each record's fsync adds its latency (two records per module loaded).
#
# vm-modules: nf_tables nft_ct nft_nat nft_chain_nat xt_conntrack nf_conntrack_netlink veth
# vm-modules: dummy bridge vxlan geneve tipc appletalk can_raw can_bcm phonet atm kcm
# vm-modules: l2tp_eth ipip ip6_tunnel sit ip_gre macvlan ipvlan

ROUNDS=${BENCH_ROUNDS:-5}
TOP="nf_tables nft_ct nft_nat nft_chain_nat xt_conntrack nf_conntrack_netlink veth dummy bridge
vxlan geneve tipc appletalk can_raw can_bcm phonet atm kcm l2tp_eth ipip ip6_tunnel sit
ip_gre macvlan ipvlan"

rm -f /init # the trail goes to /var/log/modgate (see demo.sh)
mkdir -p /var/log /etc/modgate/policy.d /etc/modgate/keys.d
cp "/vmtest/keys/kernel-$VM_KVER.pem" /etc/modgate/keys.d/
printf '%s\n' 'mode enforce' 'default deny' 'audit required' >/etc/modgate/modgate.conf
printf '%s\n' 'version 1' 'allow op=unload' 'allow sig=valid cert=@kernel' \
	>/etc/modgate/policy.d/50-bench.policy

now_ms() { echo $(($(vm-helper now) / 1000000)); }
nloaded() { grep -c . /proc/modules; }
unload_all() {
	local i=0
	while [ -n "$(cat /proc/modules)" ] && [ $i -lt 20 ]; do
		for m in $(cut -d' ' -f1 /proc/modules); do "$KMOD_BIN/rmmod" "$m" 2>/dev/null; done
		i=$((i + 1))
	done
}
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

# load TOOL: every request, in order; prints the milliseconds
load_all() {
	local t0 m
	t0=$(now_ms)
	for m in $TOP; do "$1" -q "$m" || echo "load $m failed" >>/tmp/bench.err; done
	echo $(($(now_ms) - t0))
}
# load_one_call TOOL: every request in one `modprobe -a` (what a boot's
# modules-load does with a list); prints the milliseconds. Next to load_all
# it tells the per-call cost from the per-module one.
load_one_call() {
	local t0
	t0=$(now_ms)
	# shellcheck disable=SC2086
	"$1" -q -a $TOP || echo "load -a failed" >>/tmp/bench.err
	echo $(($(now_ms) - t0))
}
unload_top() {
	local t0 m list=
	for m in $TOP; do list="$m $list"; done
	t0=$(now_ms)
	for m in $list; do "$1" -q -r "$m" || echo "unload $m failed" >>/tmp/bench.err; done
	echo $(($(now_ms) - t0))
}

section "load and unload: kmod's modprobe against modgate's, $ROUNDS rounds"
unload_all
: >/tmp/bench.err
kl= ku= gl= gu= want=
for r in $(seq "$ROUNDS"); do
	kl="$kl $(load_all "$KMOD_BIN/modprobe")"
	[ -n "$want" ] || want=$(nloaded)
	expect_eq "round-$r-kmod-loaded-all" "$want" "$(nloaded)"
	ku="$ku $(unload_top "$KMOD_BIN/modprobe")"
	unload_all
	gl="$gl $(load_all "$MODGATE_SBIN/modprobe")"
	expect_eq "round-$r-modgate-loaded-all" "$want" "$(nloaded)"
	gu="$gu $(unload_top "$MODGATE_SBIN/modprobe")"
	unload_all
done
# alternate LOADER WHAT: ROUNDS rounds of LOADER through kmod's modprobe,
# then modgate's, all unloaded after each; the milliseconds go to rk and rg
alternate() {
	local r
	rk= rg=
	for r in $(seq "$ROUNDS"); do
		rk="$rk $("$1" "$KMOD_BIN/modprobe")"
		expect_eq "round-$r-kmod-$2" "$want" "$(nloaded)"
		unload_all
		rg="$rg $("$1" "$MODGATE_SBIN/modprobe")"
		expect_eq "round-$r-modgate-$2" "$want" "$(nloaded)"
		unload_all
	done
}
alternate load_one_call loaded-all-in-one-call
ka=$rk ga=$rg
expect_eq "no-load-or-unload-failed" "" "$(cat /tmp/bench.err)"
say "modules per round: $want; kmod load ms:$kl; modgate load ms:$gl"
say "kmod unload ms:$ku; modgate unload ms:$gu"
mkl=$(echo "$kl" | median) mgl=$(echo "$gl" | median)
mku=$(echo "$ku" | median) mgu=$(echo "$gu" | median)
vm_send "info bench $VM_KVER load $want modules: kmod $mkl ms, modgate $mgl ms (median of $ROUNDS), ratio $(ratio "$mgl" "$mkl")"
vm_send "info bench $VM_KVER unload: kmod $mku ms, modgate $mgu ms (median of $ROUNDS), ratio $(ratio "$mgu" "$mku")"
mka=$(echo "$ka" | median) mga=$(echo "$ga" | median)
vm_send "info bench $VM_KVER load in one modprobe -a: kmod $mka ms, modgate $mga ms (median of $ROUNDS), ratio $(ratio "$mga" "$mka")"
check "trail-intact-after-the-rounds" "$MODGATE" audit verify

# What any gated load does before its first finit_module, timed alone: the
# same module files through `modgate verify` (sandboxed children, digest,
# signature; no policy, trail or load), in one call, serially as a load
# goes. A gated load pays this on top of the kernel's own work, which is
# most of kmod's time: verify / kmod is a floor under (modgate - kmod) / kmod.
files=$(for m in $TOP; do "$KMOD_BIN/modprobe" --show-depends "$m"; done |
	sed -n 's/^insmod \([^ ]*\).*/\1/p' | sort -u)
expect_eq "verify-files-are-the-loaded-set" "$want" "$(echo "$files" | grep -c .)"
rv=
for r in $(seq "$ROUNDS"); do
	t0=$(now_ms)
	# shellcheck disable=SC2086
	"$MODGATE" verify -q --jobs 1 $files || echo "verify failed" >>/tmp/bench.err
	rv="$rv $(($(now_ms) - t0))"
done
expect_eq "verify-all-valid" "" "$(cat /tmp/bench.err)"
mv=$(echo "$rv" | median)
vm_send "info bench $VM_KVER verify of the same $want files alone (the floor under a gated load's extra): $mv ms, $(ratio "$mv" "$mka") of kmod's one-call load"

# The same load rounds with the guest's address-space randomisation off, as
# a measurement of the emulator, not of a configuration anyone should run:
# TCG keys its translated code on the virtual address, so with ASLR every
# new process translates every instruction it runs again, and the cost of a
# call grows with the distinct code it executes rather than with the work.
# Real hardware (and KVM) pays no such cost. The gap between the two figures
# is that emulator artefact; what remains is still emulated (a process's
# creation and page faults cost far more here, next to a module's load,
# than on a real machine). Restored before anything else runs.
aslr=$(cat /proc/sys/kernel/randomize_va_space)
echo 0 >/proc/sys/kernel/randomize_va_space
alternate load_all loaded-all-no-aslr
kn=$rk gn=$rg
echo "$aslr" >/proc/sys/kernel/randomize_va_space
expect_eq "aslr-restored" "$aslr" "$(cat /proc/sys/kernel/randomize_va_space)"
mkn=$(echo "$kn" | median) mgn=$(echo "$gn" | median)
vm_send "info bench $VM_KVER load $want modules, guest ASLR off (no per-process retranslation): kmod $mkn ms, modgate $mgn ms (median of $ROUNDS), ratio $(ratio "$mgn" "$mkn")"

section "coldplug: 200 modalias requests"
# Concrete strings for the staged modules' alias patterns (a '*' matches the
# empty string), and aliases nothing provides.
sed -n 's/^alias \([^ ]*\) .*/\1/p' "/lib/modules/$VM_KVER/modules.alias" | grep -v '[][?]' |
	tr -d '*' | sort -u | awk 'NR % 3 == 1' | head -n 150 >/tmp/aliases
i=0
while [ "$(grep -c . /tmp/aliases)" -lt 200 ]; do
	i=$((i + 1))
	echo "pci:v0000DEADd0000$(printf %04X $i)sv00000000sd00000000bc02sc00i00" >>/tmp/aliases
done
expect_eq "200-requests" 200 "$(grep -c . /tmp/aliases)"
coldplug() {
	local t0 a
	t0=$(now_ms)
	while read -r a; do "$1" -bq "$a"; done </tmp/aliases
	echo $(($(now_ms) - t0))
}
kc= gc=
for r in $(seq 3); do
	unload_all
	kc="$kc $(coldplug "$KMOD_BIN/modprobe")"
	kn=$(nloaded)
	unload_all
	gc="$gc $(coldplug "$MODGATE_SBIN/modprobe")"
	expect_eq "coldplug-round-$r-same-modules-loaded" "$kn" "$(nloaded)"
done
unload_all
say "coldplug ms: kmod$kc; modgate$gc ($kn modules loaded by the requests)"
mkc=$(echo "$kc" | median) mgc=$(echo "$gc" | median)
vm_send "info bench $VM_KVER coldplug 200 requests ($kn modules): kmod $mkc ms, modgate $mgc ms (median of 3), ratio $(ratio "$mgc" "$mkc")"
check "trail-intact-at-the-end" "$MODGATE" audit verify
