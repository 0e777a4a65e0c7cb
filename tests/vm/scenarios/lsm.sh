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
#    the kernel before any helper starts, and nothing is loaded;
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

section "stock behaviour, nothing attached"
expect_rc "status-not-attached" 3 "$MODGATE" lsm status
expect_match "status-says-routes-open" 'not attached' "$(cat "$VM_OUT")"
check "busybox-insmod-before" busybox insmod /vmtest/variants/signed/dummy.ko
check "busybox-rmmod-before" busybox rmmod dummy

section "enable"
# cgroup v2, so requesters are named by cgroup path
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /etc/modgate/policy.d
printf '%s\n' 'mode enforce' 'default allow' 'audit required' >/etc/modgate/modgate.conf
printf '%s\n' 'version 1' 'deny context=autoload requester-userns=other' \
	>/etc/modgate/policy.d/50-test.policy
check "lsm-enable" "$MODGATE" lsm enable --refuse-userns-autoload
show cat "$VM_OUT"
expect_rc "status-attached" 0 "$MODGATE" lsm status
expect_match "status-enforcing" 'attached, enforcing' "$(cat "$VM_OUT")"
expect_match "status-userns-refused" 'refused in the kernel' "$(cat "$VM_OUT")"
check "bpffs-pins" test -e /sys/fs/bpf/modgate/link_read_file -a -e /sys/fs/bpf/modgate/mg_files
expect_rc "enable-again-updates" 0 "$MODGATE" lsm enable --refuse-userns-autoload
expect_match "enable-again-says-updated" '^updated' "$(cat "$VM_OUT")"

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

section "modgate's load of the same module works"
check "modgate-insmod" "$MODGATE_SBIN/insmod" /vmtest/variants/signed/dummy.ko
check "dummy-loaded-by-modgate" module_loaded dummy
expect_eq "one-registered-load" 1 "$(counter file-allowed)"
expect_eq "registration-consumed" "" "$(ls /sys/fs/bpf/modgate/ | grep -v -e '^mg_' -e '^link_')"
check "modgate-rmmod" "$MODGATE_SBIN/rmmod" dummy
check "modgate-modprobe" "$MODGATE_SBIN/modprobe" dummy
check "dummy-loaded-by-modgate-modprobe" module_loaded dummy
check "modgate-modprobe-r" "$MODGATE_SBIN/modprobe" -r dummy

section "autoload from an unprivileged user namespace: refused in the kernel"
echo /usr/sbin/modprobe >/proc/sys/kernel/modprobe
echo 'tester:x:1000:1000::/tmp:/bin/sh' >>/etc/passwd
echo 'tester:x:1000:' >>/etc/group
expect_rc "userns-autoload-fails" '!0' su -s /bin/sh -c 'unshare -Urn ip link add v0 type veth' tester
expect_rc "veth-not-loaded" 1 module_loaded veth
expect_eq "userns-refusal-counted" 1 "$(counter userns-autoload-refused)"
"$MODGATE" lsm status --requests >/tmp/requests 2>&1
show cat /tmp/requests
expect_match "userns-requester-recorded" \
	'rtnl-link-veth +uid=1000 userns=other cgroup=/ comm=ip .*refused' "$(cat /tmp/requests)"

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
# The trail: /var/log/modgate, or /run/modgate while /var/log cannot be written.
trail=$(cat /var/log/modgate/*.jsonl /run/modgate/*.jsonl 2>/dev/null)
expect_match "disable-in-trail" '"op":"lsm-disable"' "$trail"
expect_match "enable-in-trail" '"op":"lsm-enable"' "$trail"
expect_match "refusals-folded-into-trail" \
	"\"decision\":\"deny\".*\"reason\":\"kernel: finit_module of a file the gate did not register\".*\"count\":$files," \
	"$trail"
expect_match "init-module-refusals-folded-into-trail" \
	"\"decision\":\"deny\".*\"reason\":\"kernel: init_module\".*\"count\":$datas," "$trail"
expect_match "userns-refusal-folded-into-trail" \
	'"module":"rtnl-link-veth".*"decision":"deny".*"context":"autoload".*"count":1' "$trail"
check "busybox-insmod-after" busybox insmod /vmtest/variants/signed/dummy.ko
check "busybox-rmmod-after" busybox rmmod dummy
check "kmod-insmod-after" "$KMOD_BIN/insmod" "$dummy"
check "kmod-rmmod-after" "$KMOD_BIN/rmmod" dummy
