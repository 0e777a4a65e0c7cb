# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# The gate's transactions on the real Debian kernel (issue 9's VM tests):
#   - a multi-match modalias (crypto-crc32c: crc32c_generic and crc32c_intel)
#     with one match denied still loads the other;
#   - a plan with a denied dependency loads nothing;
#   - a module file rewritten on disk after its decision (modgate-vmtest's
#     hook) cannot change what is loaded: the kernel gets the decided bytes;
#   - an install command no rule allows does not run;
#   - a nested modprobe started by an allowed install command during an
#     autoload is still in the autoload context;
#   - modules-load.d through `modgate modules-load` started by PID 1 is boot;
#   - 50 concurrent autoloads (sockets of eight families) are all decided:
#     each allowed module loaded, each denied one not, every request of a
#     denied family either recorded or counted by the trail's flood control
#     (which rate-limits them), and the trail intact;
#   - with the kernel side attached (lsm/), an autoload's requester (uid,
#     user namespace, comm) reaches the decision and its record, and a rule on
#     requester-userns denies an autoload asked for from a user namespace.
#
# vm-modules: nf_tables crc32c_generic crc32c_intel dummy veth phonet can appletalk atm
# vm-modules: llc2 kcm qrtr af_key rxrpc

POLICY=/etc/modgate/policy.d/50-gate.policy
MODCONF=/etc/modprobe.d/gate.conf
trail() { cat /var/log/modgate/trail.jsonl; }
# records KEY=VALUE...: trail records holding every "key":"value" given
records() {
	local sel kv
	sel=$(cat /var/log/modgate/trail.jsonl)
	for kv in "$@"; do
		sel=$(printf '%s\n' "$sel" | grep -F "\"${kv%%=*}\":\"${kv#*=}\"")
	done
	[ -z "$sel" ] || printf '%s\n' "$sel"
}
count() { records "$@" | grep -c .; }
policy() { printf '%s\n' 'version 1' "$@" >"$POLICY"; }
unload_all() {
	local i=0
	while [ -n "$(cat /proc/modules)" ] && [ $i -lt 20 ]; do
		for m in $(cut -d' ' -f1 /proc/modules); do "$KMOD_BIN/rmmod" "$m" 2>/dev/null; done
		i=$((i + 1))
	done
}

# As in the demo: no /init, so the trail is /var/log/modgate (see demo.sh).
rm -f /init
mkdir -p /sbin /var/log /etc/modgate/policy.d /etc/modgate/keys.d /etc/modprobe.d
ln -sf /usr/bin/modgate /sbin/modprobe
cp "/vmtest/keys/kernel-$VM_KVER.pem" /etc/modgate/keys.d/
printf '%s\n' 'mode enforce' 'default deny' 'audit required' >/etc/modgate/modgate.conf

section "a multi-match modalias with one match denied"
policy "deny name=crc32c_intel" "allow sig=valid cert=@kernel"
"$MODGATE_SBIN/modprobe" crypto-crc32c >/tmp/multi.out 2>&1
show cat /tmp/multi.out
check "crc32c_generic-loaded" module_loaded crc32c_generic
expect_rc "crc32c_intel-not-loaded" 1 module_loaded crc32c_intel
expect_match "the-denied-match-is-named" "could not insert 'crc32c_intel': Operation not permitted" \
	"$(cat /tmp/multi.out)"
unload_all

section "a plan with a denied dependency loads nothing"
policy "deny name=libcrc32c" "allow sig=valid cert=@kernel"
expect_rc "modprobe-nf_tables-refused" 1 "$MODGATE_SBIN/modprobe" nf_tables
show cat "$VM_OUT"
expect_eq "nothing-of-the-plan-loaded" "" "$(cat /proc/modules)"
expect_eq "each-module-decided-none-loaded" "5 0" \
	"$(count type=decision requested=nf_tables) $(count type=result requested=nf_tables)"

section "a file rewritten between the decision and finit_module"
policy "allow op=unload" "allow sig=valid cert=@kernel"
src=$(deps_of dummy | tail -n1)
other=$(deps_of veth | tail -n1)
mkdir -p /tmp/rw
cp "$src" "/tmp/rw/${src##*/}"
case $src in
*.xz) want=$(xzcat "$src" | sha256sum | cut -d' ' -f1) ;;
*) want=$(sha256sum <"$src" | cut -d' ' -f1) ;;
esac
expect_rc "hooked-insmod-loads" 0 env MODGATE_TEST_REWRITE="$other" \
	modgate-vmtest insmod "/tmp/rw/${src##*/}"
show cat "$VM_OUT"
expect_match "the-hook-rewrote-the-file" 'gate-test: rewrote' "$(cat "$VM_OUT")"
expect_eq "the-file-now-holds-veth" "$(sha256sum <"$other")" "$(sha256sum <"/tmp/rw/${src##*/}")"
check "dummy-loaded" module_loaded dummy
expect_rc "veth-not-loaded" 1 module_loaded veth
expect_match "the-result-names-the-decided-bytes" \
	"\"type\":\"result\",\"op\":\"load\",\"module\":\"dummy\".*\"sha256\":\"$want\".*\"errno\":0" "$(trail)"
check "rmmod-dummy" "$MODGATE_SBIN/rmmod" dummy

section "an install command no rule allows does not run"
echo 'install phonet touch /run/phonet-install-ran' >"$MODCONF"
expect_rc "modprobe-phonet-refused" 1 "$MODGATE_SBIN/modprobe" phonet
show cat "$VM_OUT"
check "the-command-did-not-run" test ! -e /run/phonet-install-ran
expect_rc "phonet-not-loaded" 1 module_loaded phonet
expect_eq "denial-recorded-with-the-command" 1 "$(count op=install module=phonet decision=deny)"

section "a nested modprobe from an allowed install command, during an autoload"
echo /sbin/modprobe >/proc/sys/kernel/modprobe
printf '%s\n' 'install can touch /run/can-install-ran; /sbin/modprobe --ignore-install can' >"$MODCONF"
policy "allow op=install name=can" "deny context=autoload name=can" "allow op=unload" \
	"allow sig=valid cert=@kernel"
show vm-helper socket 29 3 1
check "the-install-command-ran" test -e /run/can-install-ran
expect_rc "can-not-loaded-by-the-nested-modprobe" 1 module_loaded can
expect_eq "install-allowed-in-autoload" 1 "$(count op=install module=can decision=allow context=autoload)"
expect_eq "nested-load-denied-in-autoload" 1 "$(count op=load module=can decision=deny context=autoload)"
rm -f /run/can-install-ran
check "the-same-from-the-shell-loads-can" "$MODGATE_SBIN/modprobe" can
check "can-loaded-from-cli" module_loaded can
expect_eq "nested-load-allowed-in-cli" 1 \
	"$(count type=decision op=load module=can decision=allow context=cli)"
rm -f "$MODCONF"
unload_all

section "modules-load.d through modgate modules-load, started by PID 1"
mkdir -p /etc/modules-load.d
echo dummy >/etc/modules-load.d/gate.conf
show vm-helper setsid /usr/bin/modgate modules-load
i=0
while ! module_loaded dummy && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "modules-load-loaded-dummy" module_loaded dummy
expect_eq "decided-in-the-boot-context" 1 "$(count type=decision op=load module=dummy context=boot)"
rm /etc/modules-load.d/gate.conf
unload_all

section "50 concurrent autoloads of eight families, and the flood control"
# The helper the kernel runs, counting its runs (exec: the kernel thread stays
# the parent of modgate).
printf '#!/bin/sh\necho "$3" >>/run/autoload.log\nexec /usr/lib/modgate/modprobe "$@"\n' \
	>/run/modprobe-count
chmod 0755 /run/modprobe-count
: >/run/autoload.log
echo /run/modprobe-count >/proc/sys/kernel/modprobe
policy "deny context=autoload name=llc2,kcm,qrtr,af_key,rxrpc" "allow op=unload" \
	"allow sig=valid cert=@kernel"
before=$(wc -l </var/log/modgate/trail.jsonl)
t0=$(vm-helper now)
vm-helper sockets 50 5:2:0 8:5:0 35:2:0 26:2:0 41:5:0 42:2:0 15:3:2 33:2:2 >"$VM_OUT" 2>&1
t1=$(vm-helper now)
show cat "$VM_OUT"
say "50 sockets, $(wc -l </run/autoload.log) helper runs, $(((t1 - t0) / 1000000)) ms"
expect_eq "all-50-sockets-returned" 50 "$(awk '{ n += $1 } END { print n }' "$VM_OUT")"
for m in appletalk atm phonet; do
	check "allowed-$m-loaded" module_loaded "$m"
done
for m in llc2 kcm qrtr af_key rxrpc; do
	expect_rc "denied-$m-not-loaded" 1 module_loaded "$m"
done
denied_runs=$(grep -cE '^net-pf-(26|41|42|15|33)$' /run/autoload.log)
allowed_runs=$(grep -cE '^net-pf-(5|8|35)$' /run/autoload.log)
check "helper-ran-for-denied-families" test "$denied_runs" -gt 0
for f in 5 8 35; do
	check "an-allow-decision-for-net-pf-$f" test "$(count context=autoload requested=net-pf-$f decision=allow)" -ge 1
done
say "flood control writes its counts once its interval (60 s) is over: waiting"
sleep 61
check "audit-flush" "$MODGATE" audit flush
tail -n +"$((before + 1))" /var/log/modgate/trail.jsonl >/tmp/burst.jsonl
recorded=$(grep '"type":"decision"' /tmp/burst.jsonl | grep '"context":"autoload"' |
	grep -c '"decision":"deny"')
counted=$(grep '"type":"flood"' /tmp/burst.jsonl | sed -n 's/.*"count":\([0-9]*\).*/\1/p' |
	awk '{ n += $1 } END { print n + 0 }')
say "denied autoloads: $denied_runs helper runs, $recorded records, $counted counted by flood control"
expect_eq "every-denied-autoload-recorded-or-counted" "$denied_runs" "$((recorded + counted))"
check "the-flood-was-rate-limited" test "$recorded" -lt "$denied_runs"
check "allowed-runs-seen" test "$allowed_runs" -ge 3
check "trail-intact" "$MODGATE" audit verify
echo /bin/false >/proc/sys/kernel/modprobe

section "with the kernel side attached: the autoload's requester reaches the decision"
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
echo /sbin/modprobe >/proc/sys/kernel/modprobe
policy "deny context=autoload requester-userns=other" "allow op=unload" \
	"allow sig=valid cert=@kernel"
check "lsm-enable" "$MODGATE" lsm enable
check "autoload-from-the-initial-namespace" ip link add d0 type dummy
check "dummy-autoloaded" module_loaded dummy
expect_match "the-requester-is-recorded" \
	'"type":"decision","op":"load","module":"dummy","requested":"rtnl-link-dummy".*"decision":"allow".*"context":"autoload".*"requester":"uid=0 pid=[0-9]+ comm=ip userns=init' \
	"$(trail)"
check "ip-link-del" ip link del d0
echo 'tester:x:1000:1000::/tmp:/bin/sh' >>/etc/passwd
echo 'tester:x:1000:' >>/etc/group
expect_rc "autoload-from-a-user-namespace-fails" '!0' \
	su -s /bin/sh -c 'unshare -Urn ip link add v0 type veth' tester
expect_rc "veth-not-loaded" 1 module_loaded veth
expect_match "denied-by-the-requester-rule" \
	'"module":"veth","requested":"rtnl-link-veth".*"decision":"deny","rule":"/etc/modgate/policy.d/50-gate.policy:2".*"requester":"uid=1000 pid=[0-9]+ comm=ip userns=other' \
	"$(trail)"
check "lsm-disable" "$MODGATE" lsm disable
echo /bin/false >/proc/sys/kernel/modprobe
