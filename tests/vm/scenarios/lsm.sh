# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# The kernel side of the gate (lsm/): modgate's BPF LSM program on the real
# Debian kernel, under signature enforcement and integrity lockdown.
#
#  - without it, other loaders work (the stock behaviour);
#  - with it attached, busybox's insmod (finit_module, then init_module) and
#    Debian kmod's insmod of a valid, Debian-signed module are refused in the
#    kernel, and modgate's load of the same file works (its sealed memfd is
#    registered for that one load);
#  - an autoload asked for from an unprivileged user namespace is refused in
#    the kernel before any helper starts (modgate.conf `autoload-userns
#    refuse`), and nothing is loaded; with `--autoload-userns=policy` it
#    reaches modgate's modprobe, whose requester-userns=other rule denies it;
#  - the kernel's refusals reach the trail as one aggregated record each, by
#    the next gate run, and only once;
#  - an autoload from the initial namespace reaches the helper (modgate's
#    modprobe) with its requester recorded;
#  - disabling is recorded in the trail and other loaders work again.
#
# No busybox applet opens a socket of an arbitrary family; the autoloads here
# are rtnetlink link kinds (`ip link add ... type KIND` asks the kernel for
# "rtnl-link-KIND"), the same request_module() path from the same namespace,
# and the one container exploits use (CAP_NET_ADMIN over one's own netns).
#
# vm-append: module.sig_enforce=1 lockdown=integrity
# vm-modules: dummy veth
# vm-variant: signed dummy

counter() {
	"$MODGATE" lsm status | sed -n "s/^ *$1 *\([0-9]*\).*/\1/p"
}

# The trail: /var/log/modgate, or /run/modgate while /var/log cannot be written.
trail() { cat /var/log/modgate/*.jsonl /run/modgate/*.jsonl 2>/dev/null; }
# records REGEX: how many trail records match
records() { trail | grep -cE -- "$1"; }
R_FILE='"reason":"kernel: finit_module of a file the gate did not register"'
R_DATA='"reason":"kernel: init_module"'
R_USERNS='"reason":"kernel: autoload from a non-initial user namespace"'

section "stock behaviour, nothing attached"
expect_rc "status-not-attached" 3 "$MODGATE" lsm status
expect_match "status-says-routes-open" 'not attached' "$(cat "$VM_OUT")"
check "busybox-insmod-before" busybox insmod /vmtest/variants/signed/dummy.ko
check "busybox-rmmod-before" busybox rmmod dummy

section "enable"
# cgroup v2, so requesters are named by cgroup path
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /etc/modgate/policy.d
# the setting comes from modgate.conf, not from an option of `lsm enable`
printf '%s\n' 'mode enforce' 'default allow' 'audit required' 'autoload-userns refuse' \
	>/etc/modgate/modgate.conf
printf '%s\n' 'version 1' 'deny context=autoload requester-userns=other' \
	>/etc/modgate/policy.d/50-test.policy
check "lsm-enable" "$MODGATE" lsm enable
show cat "$VM_OUT"
expect_match "enable-says-userns-refused" 'non-initial user namespaces refused in the kernel' \
	"$(cat "$VM_OUT")"
expect_rc "status-attached" 0 "$MODGATE" lsm status
expect_match "status-enforcing" 'attached, enforcing' "$(cat "$VM_OUT")"
expect_match "status-userns-refused" 'namespaces: refused in the kernel' "$(cat "$VM_OUT")"
expect_rc "status-no-setting-mismatch" 1 grep -q 'modgate.conf says' "$VM_OUT"
check "bpffs-pins" test -e /sys/fs/bpf/modgate/link_read_file -a -e /sys/fs/bpf/modgate/mg_files
expect_rc "enable-again-updates" 0 "$MODGATE" lsm enable
expect_match "enable-again-says-updated" '^updated' "$(cat "$VM_OUT")"
"$MODGATE" status >/tmp/status 2>&1
expect_match "modgate-status-userns" 'namespaces: refused in the kernel' "$(cat /tmp/status)"

section "other loaders are refused in the kernel"
expect_rc "busybox-insmod-refused" '!0' busybox insmod /vmtest/variants/signed/dummy.ko
expect_match "busybox-insmod-eperm" 'Operation not permitted' "$(cat "$VM_OUT")"
expect_rc "dummy-not-loaded-by-busybox" 1 module_loaded dummy
dummy=$(deps_of dummy | tail -n1)
expect_rc "kmod-insmod-refused" '!0' "$KMOD_BIN/insmod" "$dummy"
expect_rc "dummy-not-loaded-by-kmod" 1 module_loaded dummy
expect_rc "kmod-modprobe-refused" '!0' "$KMOD_BIN/modprobe" dummy
expect_rc "dummy-not-loaded-by-kmod-modprobe" 1 module_loaded dummy
# busybox falls back to init_module when finit_module fails; kmod 30 uses
# finit_module for the 6.1 tree's .ko and init_module for the 6.12 tree's
# .ko.xz (it decompresses itself): four refusals, both hooks on both kernels.
files=$(counter file-refused)
datas=$(counter init-module-refused)
check "file-refusals-counted" test "${files:-0}" -ge 1
check "init-module-refusals-counted" test "${datas:-0}" -ge 1
expect_eq "four-refusals" 4 $((files + datas))
expect_match "status-refusals-not-in-trail-yet" "file-refused +$files .*\\[$files not in the trail yet\\]" \
	"$("$MODGATE" lsm status)"
expect_eq "no-refusal-record-yet" 0 "$(records "$R_FILE")"

section "modgate's load of the same module works, and folds the refusals into the trail"
check "modgate-insmod" "$MODGATE_SBIN/insmod" /vmtest/variants/signed/dummy.ko
check "dummy-loaded-by-modgate" module_loaded dummy
expect_eq "one-registered-load" 1 "$(counter file-allowed)"
expect_eq "registration-consumed" "" "$(ls /sys/fs/bpf/modgate/ | grep -v -e '^mg_' -e '^link_')"
# that gate run wrote one aggregated record per refusal counter
expect_eq "file-refusals-one-record" 1 "$(records "$R_FILE")"
expect_match "file-refusals-aggregated" \
	"\"decision\":\"deny\".*$R_FILE.*\"count\":$files," "$(trail)"
expect_eq "init-module-refusals-one-record" 1 "$(records "$R_DATA")"
expect_match "init-module-refusals-aggregated" \
	"\"decision\":\"deny\".*$R_DATA.*\"count\":$datas," "$(trail)"
"$MODGATE" lsm status >/tmp/lsm-status 2>&1
expect_rc "status-refusals-all-in-trail" 1 grep -q 'not in the trail yet' /tmp/lsm-status
check "modgate-rmmod" "$MODGATE_SBIN/rmmod" dummy
check "modgate-modprobe" "$MODGATE_SBIN/modprobe" dummy
check "dummy-loaded-by-modgate-modprobe" module_loaded dummy
check "modgate-modprobe-r" "$MODGATE_SBIN/modprobe" -r dummy
# three more gate runs: nothing recorded twice
expect_eq "file-refusals-not-again" 1 "$(records "$R_FILE")"
expect_eq "init-module-refusals-not-again" 1 "$(records "$R_DATA")"

section "autoload from an unprivileged user namespace: refused in the kernel (modgate.conf)"
echo /usr/sbin/modprobe >/proc/sys/kernel/modprobe
echo 'tester:x:1000:1000::/tmp:/bin/sh' >>/etc/passwd
echo 'tester:x:1000:' >>/etc/group
expect_rc "userns-autoload-fails" '!0' su -s /bin/sh -c 'unshare -Urn ip link add v0 type veth' tester
expect_rc "userns-autoload-fails-again" '!0' su -s /bin/sh -c 'unshare -Urn ip link add v0 type veth' tester
expect_rc "veth-not-loaded" 1 module_loaded veth
expect_eq "userns-refusals-counted" 2 "$(counter userns-autoload-refused)"
"$MODGATE" lsm status --requests >/tmp/requests 2>&1
show cat /tmp/requests
expect_match "userns-requester-recorded" \
	'rtnl-link-veth +uid=1000 userns=other cgroup=/ comm=ip .*refused' "$(cat /tmp/requests)"
# refused before any helper started: no gate run, nothing in the trail yet
expect_eq "userns-refusals-not-in-trail-yet" 0 "$(records "$R_USERNS")"
check "gate-run-folds-userns" "$MODGATE_SBIN/modprobe" dummy
expect_eq "userns-refusals-one-record" 1 "$(records "$R_USERNS")"
expect_match "userns-refusals-aggregated" \
	"\"module\":\"rtnl-link-veth\".*\"decision\":\"deny\".*\"context\":\"autoload\".*$R_USERNS.*\"requester\":\"last: comm=ip pid=[0-9]+ uid=1000\".*\"count\":2," \
	"$(trail)"
check "second-gate-run" "$MODGATE_SBIN/modprobe" -r dummy
expect_eq "userns-refusals-not-again" 1 "$(records "$R_USERNS")"

section "autoload-userns policy (option over modgate.conf): the policy's rule decides"
check "lsm-enable-policy" "$MODGATE" lsm enable --autoload-userns=policy
expect_match "status-userns-policy" 'namespaces: decided by policy' "$("$MODGATE" lsm status)"
expect_match "status-says-conf-differs" 'modgate.conf says autoload-userns refuse' \
	"$("$MODGATE" lsm status)"
denials=$(records '"decision":"deny".*"rule":"/etc/modgate/policy.d/50-test.policy:2"')
expect_rc "userns-autoload-fails-by-policy" '!0' \
	su -s /bin/sh -c 'unshare -Urn ip link add v0 type veth' tester
expect_rc "veth-not-loaded-by-policy" 1 module_loaded veth
expect_eq "not-refused-in-kernel" 2 "$(counter userns-autoload-refused)"
expect_eq "policy-denial-recorded" $((denials + 1)) \
	"$(records '"decision":"deny".*"rule":"/etc/modgate/policy.d/50-test.policy:2"')"
expect_match "policy-denial-names-requester" \
	'"decision":"deny".*"context":"autoload".*"requester":"uid=1000 pid=[0-9]+ comm=ip userns=other' \
	"$(trail)"
check "lsm-enable-conf-again" "$MODGATE" lsm enable
expect_match "status-userns-refused-again" 'namespaces: refused in the kernel' \
	"$("$MODGATE" lsm status)"

section "autoload from the initial namespace reaches modgate's modprobe"
check "init-ns-autoload" ip link add d0 type dummy
check "dummy-autoloaded" module_loaded dummy
"$MODGATE" lsm status --requests >/tmp/requests 2>&1
show cat /tmp/requests
expect_match "init-requester-recorded" 'rtnl-link-dummy +uid=0 userns=init cgroup=/ comm=ip ' \
	"$(cat /tmp/requests)"
check "ip-link-del" ip link del d0
check "rmmod-autoloaded-dummy" "$MODGATE_SBIN/rmmod" dummy
echo /bin/false >/proc/sys/kernel/modprobe

section "disable: recorded, and other loaders work again"
check "lsm-disable" "$MODGATE" lsm disable
expect_rc "status-detached" 3 "$MODGATE" lsm status
check "pins-gone" test ! -e /sys/fs/bpf/modgate
expect_match "disable-in-trail" '"op":"lsm-disable"' "$(trail)"
expect_match "enable-in-trail" '"op":"lsm-enable"' "$(trail)"
# the gate runs folded everything already: disable adds no second record
expect_eq "disable-no-second-file-record" 1 "$(records "$R_FILE")"
expect_eq "disable-no-second-userns-record" 1 "$(records "$R_USERNS")"
check "busybox-insmod-after" busybox insmod /vmtest/variants/signed/dummy.ko
check "busybox-rmmod-after" busybox rmmod dummy
check "kmod-insmod-after" "$KMOD_BIN/insmod" "$dummy"
check "kmod-rmmod-after" "$KMOD_BIN/rmmod" dummy
