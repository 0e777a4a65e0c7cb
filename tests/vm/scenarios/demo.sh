# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# The demo (scripts/demo.sh, the README's first command): the gate on the real
# Debian kernel, for a human reader, every claim also checked (this is a VM
# test scenario too, run on 6.1 and 6.12).
#
# modgate is /sbin/modprobe and kernel.modprobe; the trust store holds the
# certificate extracted from this very kernel's image; the policy is enforced:
#   - an allowed modprobe with dependencies (nf_tables)
#   - a module denied by policy (veth)
#   - a tampered module refused (its signature does not verify)
#   - a module signed by a key the trust store does not know, refused
#   - a kernel autoload (a socket of the AppleTalk family, which makes the
#     kernel ask for net-pf-5) denied in the autoload context, while an
#     administrator's modprobe of the same module is allowed
#   - an unload, through the policy
#   - modgate status, and the trail: modgate audit show and verify
#
# vm-modules: nf_tables veth appletalk dummy
# vm-variant: tampered dummy
# vm-variant: foreign dummy

POLICY=/etc/modgate/policy.d/50-demo.policy

# run NAME RC CMD...: show the command and its output, and check its status
run() {
	local name=$1 rc=$2
	shift 2
	say "\$ $*"
	expect_rc "$name" "$rc" "$@" >/dev/null
	local r=$?
	sed 's/^/    /' "$VM_OUT"
	cp "$VM_OUT" /tmp/demo.out
	return $r
}
out() { cat /tmp/demo.out; }
# has NAME STRING TEXT: TEXT holds STRING, literally
has() {
	if printf '%s\n' "$3" | grep -qF -- "$2"; then
		vm_ok "$1"
	else
		vm_not_ok "$1" "no line holds '$2' in:" "$3"
	fi
}
trail() { cat /var/log/modgate/trail.jsonl 2>/dev/null; }
loaded_list() { cut -d' ' -f1 /proc/modules | sort | tr '\n' ' '; }

say ""
say "modgate demo on the real Debian kernel $(uname -r), booted under qemu."
say "This is the VM's console; every step below is also a test assertion."

section "1. modgate is the module loader, for the shell and for the kernel"
# This VM never leaves its initramfs. modgate writes its trail to /run/modgate
# in an initramfs (its /var/log vanishes at switch_root) and carries it over
# to /var/log/modgate once on the real root; without /init the VM's root
# counts as the real one, so the trail goes to /var/log/modgate at once.
rm -f /init
mkdir -p /sbin /var/log /etc/modgate/policy.d /etc/modgate/keys.d
ln -sf /usr/bin/modgate /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe
run "kernel.modprobe-is-modgate" 0 cat /proc/sys/kernel/modprobe
expect_eq "sbin-modprobe-is-modgate" /usr/bin/modgate "$(readlink /sbin/modprobe)"

section "2. trust: the certificate extracted from this kernel's own image"
say "(modgate keys extract-kernel ran on the host over /boot/vmlinuz-$(uname -r))"
cp "/vmtest/keys/kernel-$VM_KVER.pem" /etc/modgate/keys.d/
run "keys-list" 0 "$MODGATE" keys list
has "trust-store-has-the-kernel-certificate" "kernel-$VM_KVER.pem" "$(out)"

section "3. an enforced policy"
printf '%s\n' 'mode enforce' 'default deny' 'audit required' >/etc/modgate/modgate.conf
cat >"$POLICY" <<EOF
version 1
# protocol families nobody here needs, when the kernel asks on someone's behalf
deny context=autoload name=appletalk
# never this one
deny name=veth
# administrators may unload
allow op=unload context=cli uid=0
# modules signed with this kernel's own build key
allow sig=valid cert=@kernel
EOF
run "show-policy" 0 cat "$POLICY"
run "policy-check" 0 "$MODGATE" policy check

section "4. an allowed modprobe with its dependencies"
run "modprobe-nf_tables" 0 /sbin/modprobe -v nf_tables
for m in nfnetlink libcrc32c nf_tables; do
	check "$m-loaded" module_loaded "$m"
done
expect_match "every-module-decided-allow-by-the-kernel-rule" \
	'"module":"nf_tables".*"sig":"valid".*"cert":"kernel-.*"decision":"allow","rule":"/etc/modgate/policy.d/50-demo.policy:9"' \
	"$(trail)"

section "5. a module denied by policy"
run "modprobe-veth-denied" 1 /sbin/modprobe veth
expect_match "veth-denial-names-the-rule" \
	"veth: denied by $POLICY:5 \\(deny name=veth\\)" "$(out)"
expect_rc "veth-not-loaded" 1 module_loaded veth

section "6. a tampered module: one byte changed, the signature no longer verifies"
run "insmod-tampered-denied" 1 "$MODGATE_SBIN/insmod" /vmtest/variants/tampered/dummy.ko
expect_match "tampered-is-sig-invalid" '"module":"dummy".*"sig":"invalid".*"decision":"deny"' "$(trail)"
expect_rc "tampered-not-loaded" 1 module_loaded dummy

section "7. a module signed by a key the trust store does not know"
say "(re-signed on the host with a key made for this run and thrown away)"
run "verify-foreign" 1 "$MODGATE" verify /vmtest/variants/foreign/dummy.ko
expect_match "foreign-is-untrusted" 'untrusted' "$(out)"
run "insmod-foreign-denied" 1 "$MODGATE_SBIN/insmod" /vmtest/variants/foreign/dummy.ko
expect_rc "foreign-not-loaded" 1 module_loaded dummy

section "8. a kernel autoload, denied in the autoload context"
say "A socket of the AppleTalk family: the kernel runs kernel.modprobe with"
say "'-q -- net-pf-5' from a kernel thread; the policy denies appletalk there."
run "socket-af-appletalk" 0 vm-helper socket 5 2 0
expect_match "autoload-socket-fails" 'Address family not supported' "$(out)"
expect_rc "appletalk-not-autoloaded" 1 module_loaded appletalk
expect_match "autoload-decision-recorded" \
	'"module":"appletalk","requested":"net-pf-5".*"decision":"deny".*"context":"autoload"' "$(trail)"
say "The same module asked for by the administrator is cli, and allowed:"
run "modprobe-appletalk-cli" 0 /sbin/modprobe appletalk
check "appletalk-loaded-from-cli" module_loaded appletalk
run "socket-af-appletalk-now-works" 0 vm-helper socket 5 2 0
expect_eq "socket-works-once-loaded" ok "$(out)"

section "9. unload, through the policy"
run "modprobe-r-nf_tables" 0 /sbin/modprobe -r -v nf_tables
expect_rc "nf_tables-unloaded" 1 module_loaded nf_tables
expect_match "unload-recorded" '"type":"decision","op":"unload","module":"nf_tables".*"decision":"allow"' \
	"$(trail)"
run "modprobe-r-appletalk" 0 /sbin/modprobe -r appletalk

section "10. modgate status"
run "modgate-status" 0 "$MODGATE" status
expect_match "status-mode-enforce" '^mode: +enforce' "$(out)"
expect_match "status-kernel-modprobe-is-modgate" '^kernel.modprobe: +/sbin/modprobe \(modgate\)' "$(out)"

section "11. the trail: what was decided, by which rule, and that nobody edited it"
run "audit-show" 0 "$MODGATE" audit show
expect_match "show-lists-the-autoload-denial" 'decision +load +appletalk +deny +autoload' "$(out)"
run "audit-verify" 0 "$MODGATE" audit verify
expect_match "trail-intact" 'intact' "$(out)"
say ""
say "modules loaded at the end: $(loaded_list)"
