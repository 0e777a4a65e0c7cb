# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# The gate under the kernel's own enforcement: a boot with module.sig_enforce=1
# and lockdown=integrity. modgate reads that state before acting and says
# plainly what the kernel would do instead of relaying a raw errno:
#   - a module signed by this kernel's key: allowed and loaded;
#   - an unsigned module: refused by the gate without asking the kernel, in
#     enforce and in permissive mode alike (it cannot load), with kmod's own
#     first line;
#   - a tampered module in permissive mode: the gate would deny, the kernel
#     refuses it, and the reason names sig_enforce;
#   - `modgate status` shows the state;
#   - last, kernel.modules_disabled=1 (modgate-lock.service's switch): every
#     load is refused plainly, and status shows every route closed.
#
# vm-append: module.sig_enforce=1 lockdown=integrity
# vm-modules: dummy veth
# vm-variant: unsigned dummy
# vm-variant: tampered dummy

trail() { cat /var/log/modgate/trail.jsonl; }
rm -f /init # the trail goes to /var/log/modgate (see demo.sh)
mkdir -p /var/log /etc/modgate/policy.d /etc/modgate/keys.d
cp "/vmtest/keys/kernel-$VM_KVER.pem" /etc/modgate/keys.d/
printf '%s\n' 'mode enforce' 'default deny' 'audit required' >/etc/modgate/modgate.conf
printf '%s\n' 'version 1' 'allow op=unload' 'allow sig=valid cert=@kernel' \
	>/etc/modgate/policy.d/50-enforce.policy

section "the kernel's state, as modgate reads it"
check "status" "$MODGATE" status
show cat "$VM_OUT"
expect_match "status-lockdown-integrity" '^lockdown: +integrity' "$(cat "$VM_OUT")"
expect_match "status-sig_enforce-Y" '^sig_enforce: +Y' "$(cat "$VM_OUT")"

section "a module signed with this kernel's key"
check "modprobe-dummy" "$MODGATE_SBIN/modprobe" dummy
check "dummy-loaded" module_loaded dummy
check "modprobe-r-dummy" "$MODGATE_SBIN/modprobe" -r dummy

section "an unsigned module: the gate knows the kernel will refuse it"
for mode in enforce permissive; do
	sed -i "s/^mode .*/mode $mode/" /etc/modgate/modgate.conf
	before=$(grep -c '"type":"result"' /var/log/modgate/trail.jsonl)
	expect_rc "$mode-unsigned-refused" 1 "$MODGATE_SBIN/insmod" /vmtest/variants/unsigned/dummy.ko
	show cat "$VM_OUT"
	expect_eq "$mode-unsigned-kmod-line" \
		"insmod: ERROR: could not insert module /vmtest/variants/unsigned/dummy.ko: Key was rejected by service" \
		"$(head -n1 "$VM_OUT")"
	expect_match "$mode-unsigned-said-plainly" \
		'dummy: it is unsigned, and the kernel refuses unsigned modules \(module.sig_enforce=1\)' \
		"$(cat "$VM_OUT")"
	expect_eq "$mode-no-kernel-call" "$before" "$(grep -c '"type":"result"' /var/log/modgate/trail.jsonl)"
	expect_rc "$mode-unsigned-not-loaded" 1 module_loaded dummy
done

section "a tampered module in permissive mode: the kernel refuses it"
expect_rc "tampered-refused-by-the-kernel" 1 "$MODGATE_SBIN/insmod" /vmtest/variants/tampered/dummy.ko
show cat "$VM_OUT"
expect_match "tampered-kernel-reason" 'the kernel rejected the module signature \(module.sig_enforce=1' \
	"$(cat "$VM_OUT")"
expect_match "tampered-would-deny-then-kernel-refused" \
	'"type":"result","op":"load","module":"dummy".*"sig":"invalid".*"errno":129' "$(trail)"
expect_rc "tampered-not-loaded" 1 module_loaded dummy
sed -i "s/^mode .*/mode enforce/" /etc/modgate/modgate.conf

section "kernel.modules_disabled=1: nothing loads any more, said plainly"
echo 1 >/proc/sys/kernel/modules_disabled
expect_rc "modprobe-veth-refused" 1 "$MODGATE_SBIN/modprobe" veth
show cat "$VM_OUT"
expect_match "modules_disabled-said-plainly" \
	'veth: the kernel refuses every module load \(kernel.modules_disabled=1\)' "$(cat "$VM_OUT")"
expect_rc "veth-not-loaded" 1 module_loaded veth
check "status-after-lock" "$MODGATE" status
show cat "$VM_OUT"
expect_match "status-modules_disabled" '^modules_disabled: +1' "$(cat "$VM_OUT")"
expect_eq "no-open-route-but-the-initramfs" "" \
	"$(grep '^  open ' "$VM_OUT" | grep -v 'initramfs')"
check "trail-intact" "$MODGATE" audit verify
