# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC2154
#
# The audit trail on the real Debian kernel, booted with audit=1 (issue 8's VM
# tests), in one boot:
#   - Debian's auditd runs in the initramfs with a private auditd.conf and
#     conf/audit/modgate.rules loaded by auditctl;
#   - early boot: in the initramfs (its root holds /init) a signed allowed
#     load, a denied load and an unload through modgate as modprobe write
#     their trail to /run/modgate only; then, with /init gone (what
#     switch_root leaves) but /var/log read-only, loads still go to /run and
#     continue that segment; once /var/log is writable the next invocation
#     carries the segment into /var/log/modgate, `audit verify` passes over
#     the whole chain (also against anchors read from the audit log), and an
#     edited carried-over line is named by verify;
#   - Linux audit: for each load, modgate's TRUSTED_APP records (decision
#     before the kernel's event, result after it) with op, module, decision,
#     rule, sha256 and the trail anchors, beside the kernel's own SYSCALL
#     (finit_module, key module-load) and KERN_MODULE records of the same
#     process; the denied load reached no finit_module; the unload's
#     delete_module SYSCALL (key module-unload); every record's trail_seq and
#     trail_hash are the trail line's (`audit show` lists it);
#   - booted with modgate.mode=permissive: with `cmdline-override no` the
#     refused override is recorded once in the early segment and once in the
#     main trail (not once per gate process), with `yes` the load of a
#     denied module goes ahead as would-deny; both as USER_MAC_STATUS;
#   - the settings and policy in force: one settings-load and one
#     policy-load per trail as USER_MAC_POLICY_LOAD, whose sha256 is the
#     digest of the files listed (each file's sha256 checked on disk); a
#     broken rule file is one policy-refusal (res=failed, file:line:col)
#     for two refused gate runs, and the fixed policy a policy-load again;
#   - audit disabled (auditctl -e 0): `modgate status` says so, the gate still
#     loads with best-effort and with `audit required` (the trail is what is
#     required), and those records reach the trail only.
#
# vm-modules: dummy veth
# vm-append: audit=1 modgate.mode=permissive
# vm-programs: auditd auditctl ausearch
# vm-files: conf/audit/modgate.rules tests/integration/auditd.conf.in

POLICY=/etc/modgate/policy.d/50-audit.policy
RULES=/vmtest/src/conf/audit/modgate.rules
A=/tmp/auditd
LOG=$A/audit.log
RUN_TRAIL=/run/modgate/trail.jsonl
MAIN=/var/log/modgate

# raw ARGS...: records of auditd's log (ausearch --raw)
raw() { ausearch -if "$LOG" --raw "$@" 2>/dev/null; }
# grepall RE... : stdin lines matching every extended regex
grepall() {
	local sel
	sel=$(cat)
	for re in "$@"; do
		sel=$(printf '%s\n' "$sel" | grep -E -- "$re")
	done
	[ -z "$sel" ] || printf '%s\n' "$sel"
}
# app TYPE RE...: modgate's records of TYPE matching every regex
app() {
	local type=$1
	shift
	raw -m "$type" | grep "exe=\"/usr/bin/modgate\"" | grepall "$@"
}
# wait_app N TYPE RE...: until at least N such records are in the log (5 s)
wait_app() {
	local n=$1 i=0
	shift
	while [ "$(app "$@" | grep -c .)" -lt "$n" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
# field KEY RECORD: the value of KEY= in modgate's message, unquoted
field() { printf '%s\n' "$2" | sed -n "s/.*[ ']$1=\"\{0,1\}\([^\" ']*\).*/\1/p" | head -n1; }
# header pid and event serial of a record
rec_pid() { printf '%s\n' "$1" | sed -n 's/^type=[A-Z_]* msg=audit([0-9.]*:[0-9]*): pid=\([0-9]*\) .*/\1/p'; }
serial() { printf '%s\n' "$1" | sed -n 's/^type=[A-Z_]* msg=audit([0-9.]*:\([0-9]*\)).*/\1/p'; }
# trail_line FILE SEQ: the line of FILE with that seq, and its chain hash
trail_line() { grep "^{\"seq\":$2," "$1"; }
line_hash() { trail_line "$1" "$2" | tr -d '\n' | sha256sum | cut -d' ' -f1; }
policy() { printf '%s\n' 'version 1' "$@" >"$POLICY"; }
# settings AUDIT CMDLINE-OVERRIDE
settings() {
	printf '%s\n' 'mode enforce' 'default deny' "audit $1" "cmdline-override $2" \
		>/etc/modgate/modgate.conf
}
# regex: a literal string as an extended regex
# shellcheck disable=SC2016
regex() { printf '%s\n' "$1" | sed 's/[].[\\*^$()+?{}|]/\\&/g'; }
# hexup: stdin as libaudit hex-encodes it
hexup() { od -An -tx1 | tr -d ' \n' | tr a-f A-F; }
module_sha() {
	case $1 in
	*.xz) xzcat "$1" | sha256sum | cut -d' ' -f1 ;;
	*) sha256sum <"$1" | cut -d' ' -f1 ;;
	esac
}

section "auditd in the initramfs, with modgate's rules"
mkdir -p "$A/plugins.d" /etc/audit /var/run /sbin /etc/modgate/policy.d /etc/modgate/keys.d
grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/root:/bin/sh' >>/etc/passwd
grep -q '^root:' /etc/group 2>/dev/null || echo 'root:x:0:' >>/etc/group
sed "s|@DIR@|$A|g" /vmtest/src/tests/integration/auditd.conf.in >/etc/audit/auditd.conf
local_events = yes
write_logs = yes
log_file = $LOG
log_format = RAW
log_group = root
flush = SYNC
max_log_file = 64
num_logs = 1
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $A/plugins.d
q_depth = 2000
overflow_action = IGNORE
EOF
chmod 0600 /etc/audit/auditd.conf
auditd -n -c /etc/audit -s enable >"$A/stderr" 2>&1 &
auditd_pid=$!
i=0
while [ "$(auditctl -s 2>/dev/null | awk '$1 == "pid" {print $2}')" != "$auditd_pid" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_eq "auditd-registered-with-the-kernel" "$auditd_pid" \
	"$(auditctl -s | awk '$1 == "pid" {print $2}')" || show cat "$A/stderr"
expect_eq "audit-enabled" 1 "$(auditctl -s | awk '$1 == "enabled" {print $2}')"
check "auditctl-R-modgate.rules" auditctl -R "$RULES"
expect_eq "four-module-rules" 4 "$(auditctl -l | grep -c 'key=module-')"

# modgate is modprobe, for the shell and for the kernel; the trust store holds
# this kernel's certificate.
ln -sf /usr/bin/modgate /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe
cp "/vmtest/keys/kernel-$VM_KVER.pem" /etc/modgate/keys.d/
settings required no
policy "deny name=veth" "allow op=unload uid=0" "allow sig=valid cert=@kernel"
"$MODGATE" status >/tmp/status.out 2>&1
show cat /tmp/status.out
expect_match "status-linux-audit-enabled" '^linux audit: +enabled' "$(cat /tmp/status.out)"

section "early boot: in the initramfs the trail goes to /run/modgate"
check "the-root-is-an-initramfs" test -e /init
dummy_ko=$(deps_of dummy | tail -n1)
dummy_sha=$(module_sha "$dummy_ko")
check "modprobe-dummy" /sbin/modprobe dummy
check "dummy-loaded" module_loaded dummy
expect_rc "modprobe-veth-denied" 1 /sbin/modprobe veth
show cat "$VM_OUT"
expect_rc "veth-not-loaded" 1 module_loaded veth
check "modprobe-r-dummy" /sbin/modprobe -r dummy
expect_rc "dummy-unloaded" 1 module_loaded dummy
check "trail-in-run" test -s "$RUN_TRAIL"
check "nothing-under-var-log-modgate" test ! -e "$MAIN"
segment=$(sed -n '1s/.*"segment":"\([0-9a-f]*\)".*/\1/p' "$RUN_TRAIL")
expect_match "the-segment-starts-with-trail-start" '^\{"seq":1,"prev":"0{64}",.*"type":"trail-start"' \
	"$(head -n1 "$RUN_TRAIL")"
show cat "$RUN_TRAIL"

section "the root without /init, /var/log read-only: still /run, the same segment"
# switch_root leaves a root without /init; /var/log is mounted read-only.
rm -f /init
mkdir -p /var/log
mount -t tmpfs -o ro,mode=0755 tmpfs /var/log
expect_rc "var-log-read-only" '!0' touch /var/log/probe
before=$(wc -l <"$RUN_TRAIL")
check "modprobe-dummy-with-var-log-read-only" /sbin/modprobe dummy
check "modprobe-r-dummy-with-var-log-read-only" /sbin/modprobe -r dummy
check "still-nothing-under-var-log-modgate" test ! -e "$MAIN"
check "the-segment-grew" test "$(wc -l <"$RUN_TRAIL")" -gt "$before"
expect_eq "one-segment" "1" "$(grep -c '"type":"trail-start"' "$RUN_TRAIL")"
"$MODGATE" audit status >/tmp/astatus.out 2>&1
show cat /tmp/astatus.out
expect_match "audit-status-names-the-pending-segment" "early boot:.*$segment" "$(cat /tmp/astatus.out)"
cp "$RUN_TRAIL" /tmp/segment.copy
seg_records=$(wc -l </tmp/segment.copy)

section "/var/log writable: the next invocation carries the chain over"
check "remount-var-log-rw" mount -o remount,rw /var/log
check "modprobe-dummy-carries" /sbin/modprobe dummy
check "the-run-copy-is-gone" test ! -e "$RUN_TRAIL"
carried=$MAIN/early-$segment.jsonl
check "segment-carried-verbatim" cmp /tmp/segment.copy "$carried"
expect_match "trail-carry-record-names-the-segment" \
	"^\\{\"seq\":[0-9]+,.*\"type\":\"trail-carry\".*\"segment\":\"$segment\",\"segment_records\":$seg_records,\"segment_hash\":\"$(line_hash "$carried" "$seg_records")\",\"file\":\"early-$segment.jsonl\"" \
	"$(cat "$MAIN/trail.jsonl")"
check "modprobe-r-dummy-main-trail" /sbin/modprobe -r dummy
"$MODGATE" audit flush >/tmp/flush.out 2>&1
expect_match "flush-finds-nothing-left" '^no early-boot segment to carry' "$(cat /tmp/flush.out)"
show cat "$MAIN/trail.jsonl"

section "modgate's records beside the kernel's, for the same load"
wait_app 2 TRUSTED_APP 'event=result' 'module="dummy"' 'op=module-unload' 'trail_segment='
# records of one request: the first decision for dummy (early segment)
dec=$(app TRUSTED_APP 'op=module-load' 'event=decision' 'module="dummy"' | head -n1)
res=$(app TRUSTED_APP 'op=module-load' 'event=result' 'module="dummy"' | head -n1)
show printf '%s\n' "$dec" "$res"
expect_match "decision-fields" \
	"op=module-load event=decision module=\"dummy\" requested=\"dummy\" path=\"$(regex "$dummy_ko")\" sha256=\"?$dummy_sha\"? sig=\"valid\"" "$dec"
expect_match "decision-rule-and-context" \
	"decision=\"allow\" rule=\"$POLICY:4\" mode=\"enforce\" context=\"cli\"" "$dec"
expect_match "decision-anchor" "trail_seq=[0-9]+ trail_hash=\"[0-9a-f]{64}\" trail_segment=\"$segment\"" "$dec"
expect_match "decision-res-success" "res=success" "$dec"
expect_match "result-fields" "op=module-load event=result module=\"dummy\".*errno=0 .*trail_segment=\"$segment\"" "$res"
# the kernel's own event for the finit_module of that request
kmod_rec=$(raw -k module-load | grep '^type=KERN_MODULE' | grep 'name="dummy"' | head -n1)
ks=$(serial "$kmod_rec")
sys_rec=$(raw -k module-load | grep '^type=SYSCALL' | grep "msg=audit([0-9.]*:$ks)")
show printf '%s\n' "$kmod_rec" "$sys_rec"
check "kernel-KERN_MODULE-name-dummy" test -n "$kmod_rec"
expect_match "kernel-SYSCALL-finit_module-key-module-load" \
	'syscall=313 success=yes .*exe="/usr/bin/modgate".*key="module-load"' "$sys_rec"
expect_eq "same-process-as-modgate's-records" "$(rec_pid "$dec") $(rec_pid "$dec")" \
	"$(rec_pid "$res") $(field pid "$sys_rec")"
check "decision-before-the-kernel-event-result-after" \
	test "$(serial "$dec")" -lt "$ks" -a "$ks" -lt "$(serial "$res")"
# the denial: modgate's record, no finit_module
deny=$(app TRUSTED_APP 'event=decision' 'module="veth"' | head -n1)
show printf '%s\n' "$deny"
expect_match "denial-fields" \
	"op=module-load event=decision module=\"veth\".*decision=\"deny\" rule=\"$POLICY:2\".*trail_seq=[0-9]+ trail_hash=\"[0-9a-f]{64}\".*res=failed" \
	"$deny"
expect_eq "no-KERN_MODULE-for-the-denied-veth" "" "$(raw -k module-load | grep '^type=KERN_MODULE' | grep 'name="veth"')"
# the unload
unl=$(app TRUSTED_APP 'op=module-unload' 'event=decision' 'module="dummy"' | head -n1)
unl_res=$(app TRUSTED_APP 'op=module-unload' 'event=result' 'module="dummy"' | head -n1)
expect_match "unload-decision" "decision=\"allow\" rule=\"$POLICY:3\".*trail_segment=\"$segment\"" "$unl"
del=$(raw -k module-unload | grep '^type=SYSCALL' | grep "pid=$(rec_pid "$unl") " | head -n1)
show printf '%s\n' "$unl" "$del"
expect_match "kernel-SYSCALL-delete_module-key-module-unload" \
	'syscall=176 success=yes .*exe="/usr/bin/modgate".*key="module-unload"' "$del"
check "unload-decision-before-delete_module" test "$(serial "$unl")" -lt "$(serial "$del")" \
	-a "$(serial "$del")" -lt "$(serial "$unl_res")"
# a record of the main trail: the load that carried the segment
main_dec=$(app TRUSTED_APP 'event=decision' 'module="dummy"' | grep -v trail_segment | head -n1)
expect_match "main-trail-decision-has-no-segment" "trail_seq=[0-9]+ trail_hash=\"[0-9a-f]{64}\" " "$main_dec"
ms=$(serial "$(raw -k module-load | grep '^type=KERN_MODULE' | grep 'name="dummy"' | tail -n1)")
check "the-carrying-load-has-its-KERN_MODULE-too" test "$ms" -gt "$(serial "$main_dec")"

section "modgate.mode=permissive on the kernel command line: refused, then honoured"
expect_match "booted-with-modgate.mode=permissive" 'modgate\.mode=permissive' "$(cat /proc/cmdline)"
refused=$(printf '%s' 'modgate.mode=permissive refused (cmdline-override no)' | hexup)
wait_app 1 USER_MAC_STATUS 'op=cmdline-override'
expect_match "refused-override-as-USER_MAC_STATUS" \
	"op=cmdline-override sha256=\"[0-9a-f]{64}\" mode=\"enforce\" previous_mode=\"enforce\" context=\"cli\" reason=$refused .*trail_seq=[0-9]+ trail_hash=\"[0-9a-f]{64}\"" \
	"$(app USER_MAC_STATUS | head -n1)"
expect_eq "each-trail-record-of-the-refusal-reached-audit" \
	"$(cat /tmp/segment.copy "$MAIN/trail.jsonl" | grep -c '"type":"cmdline-override"')" \
	"$(app USER_MAC_STATUS "reason=$refused" | grep -c .)"
expect_eq "the-refusal-once-in-the-segment-once-in-the-main-trail-not-per-process" "1 1" \
	"$(grep -c '"type":"cmdline-override"' /tmp/segment.copy) $(grep -c '"type":"cmdline-override"' "$MAIN/trail.jsonl")"
settings required yes
check "override-honoured-denied-veth-loads" /sbin/modprobe veth
check "veth-loaded-permissive" module_loaded veth
wait_app 1 USER_MAC_STATUS 'mode="permissive"'
ov=$(app USER_MAC_STATUS 'mode="permissive" previous_mode="enforce"' | tail -n1)
wd=$(app TRUSTED_APP 'event=decision' 'module="veth"' 'decision="would-deny"' | tail -n1)
show printf '%s\n' "$ov" "$wd"
expect_match "honoured-override-as-USER_MAC_STATUS" \
	"op=cmdline-override sha256=\"[0-9a-f]{64}\" mode=\"permissive\" previous_mode=\"enforce\" context=\"cli\" reason=.*trail_seq=[0-9]+ trail_hash=.* res=success" \
	"$ov"
expect_eq "override-anchor-is-its-trail-line" "$(field trail_hash "$ov")" \
	"$(line_hash "$MAIN/trail.jsonl" "$(field trail_seq "$ov")")"
expect_match "would-deny-record" "decision=\"would-deny\" rule=\"$POLICY:2\" mode=\"permissive\"" "$wd"
check "the-would-deny-load-reached-the-kernel" test "$(serial "$(raw -k module-load |
	grep '^type=KERN_MODULE' | grep 'name="veth"' | tail -n1)")" -gt "$(serial "$wd")"
check "modprobe-r-veth" /sbin/modprobe -r veth
settings required no

section "every audit record's anchor is its trail line"
"$MODGATE" audit show >/tmp/show.out 2>&1
show cat /tmp/show.out
for r in "$dec" "$res" "$deny" "$unl" "$main_dec"; do
	seq=$(field trail_seq "$r")
	hash=$(field trail_hash "$r")
	seg=$(field trail_segment "$r")
	file=$MAIN/trail.jsonl
	[ -z "$seg" ] || file=$MAIN/early-$seg.jsonl
	what="$(field event "$r")-$(field module "$r")-seq-$seq${seg:+-early}"
	line=$(trail_line "$file" "$seq")
	expect_match "trail-line-of-$what" \
		"\"type\":\"$(field event "$r")\",\"op\":\"$(field op "$r" | sed 's/^module-//')\",\"module\":\"$(field module "$r")\"" \
		"$line"
	expect_eq "trail-hash-of-$what" "$hash" "$(line_hash "$file" "$seq")"
	# audit show: the row of that seq ("e" before a segment's seq)
	expect_eq "audit-show-lists-$what" \
		"$(field event "$r") $(field op "$r" | sed 's/^module-//') $(field module "$r")" \
		"$(awk -v s="${seg:+e}$seq" '$3 == s { print $4, $5, $6 }' /tmp/show.out)"
done

section "audit verify over the whole chain, against the audit log's anchors"
last=$(app TRUSTED_APP | grep -v trail_segment | tail -n1)
last_early=$(app TRUSTED_APP | grep trail_segment | tail -n1)
anchor_main="$(field trail_seq "$last"):$(field trail_hash "$last")"
anchor_early="$segment:$(field trail_seq "$last_early"):$(field trail_hash "$last_early")"
check "audit-verify" "$MODGATE" audit verify
show cat "$VM_OUT"
expect_match "verify-counts-the-segment" 'intact: .* 1 early-boot segment' "$(cat "$VM_OUT")"
check "audit-verify-with-anchors" "$MODGATE" audit verify --anchor "$anchor_main" --anchor "$anchor_early"
# Tamper with a carried-over line: turn the denial of veth into an allow.
deny_seq=$(field trail_seq "$deny")
sed -i "/^{\"seq\":$deny_seq,/s/\"decision\":\"deny\"/\"decision\":\"allow\"/" "$carried"
check "the-line-was-edited" test "$(grep -c '"module":"veth".*"decision":"allow"' "$carried")" -eq 1
expect_rc "verify-fails-on-the-edited-line" 1 "$MODGATE" audit verify
show cat "$VM_OUT"
expect_match "verify-names-file-line-edited" \
	"early-$segment.jsonl:$deny_seq: edited" "$(cat "$VM_OUT")"
cp /tmp/segment.copy "$carried"
check "restored-verifies-again" "$MODGATE" audit verify --anchor "$anchor_main" --anchor "$anchor_early"

section "the settings and policy in force: USER_MAC_POLICY_LOAD, once per change"
# trail_json FILE SEQ KEY: a member of that trail line
# (a string member without quotes or backslashes: digests, the files list)
trail_json() { trail_line "$1" "$2" | sed -n "s/.*\"$3\":\"\([^\"\\\\]*\)\".*/\1/p"; }
n_runs=$(cat /tmp/segment.copy "$MAIN/trail.jsonl" | grep -c '"type":"decision"')
expect_eq "policy-load-once-in-the-segment-once-in-the-main-trail" "1 1" \
	"$(grep -c '"type":"policy-load"' /tmp/segment.copy) $(grep -c '"type":"policy-load"' "$MAIN/trail.jsonl")"
show printf '%s decision records\n' "$n_runs"
wait_app 2 USER_MAC_POLICY_LOAD 'op=policy-load'
expect_eq "each-policy-load-reached-audit" 2 "$(app USER_MAC_POLICY_LOAD 'op=policy-load' | grep -c .)"
pl=$(app USER_MAC_POLICY_LOAD 'op=policy-load' | grep -v trail_segment | tail -n1)
show printf '%s\n' "$pl"
expect_match "policy-load-fields" \
	'op=policy-load sha256="?[0-9a-f]{64}"? .*mode="enforce" context=.* trail_seq=[0-9]+ trail_hash="[0-9a-f]{64}" .*res=success' "$pl"
pl_seq=$(field trail_seq "$pl")
expect_eq "policy-load-anchor-is-its-trail-line" "$(field trail_hash "$pl")" "$(line_hash "$MAIN/trail.jsonl" "$pl_seq")"
expect_eq "policy-load-sha256-is-the-trail-s" "$(field sha256 "$pl")" "$(trail_json "$MAIN/trail.jsonl" "$pl_seq" sha256)"
files=$(trail_json "$MAIN/trail.jsonl" "$pl_seq" files)
show printf 'files: %s\n' "$files"
expect_eq "policy-load-digest-of-its-files" "$(trail_json "$MAIN/trail.jsonl" "$pl_seq" sha256)" \
	"$(printf '%s' "$files" | sha256sum | cut -d' ' -f1)"
expect_match "policy-load-lists-the-rule-file" "$(sha256sum <"$POLICY" | cut -d' ' -f1) $(regex "$POLICY")" "$files"
bad=0
for entry in $(printf '%s' "$files" | sed 's/; /;/g' | tr ' ;' '| '); do
	[ "$(sha256sum <"${entry#*|}" | cut -d' ' -f1)" = "${entry%%|*}" ] || bad=$((bad + 1))
done
expect_eq "every-listed-file-s-sha256-on-disk" 0 "$bad"
cp "$POLICY" /tmp/policy.keep
printf 'version 1\nallow bogus=1\n' >"$POLICY"
expect_rc "refused-policy-denies" 1 /sbin/modprobe dummy
expect_rc "refused-policy-denies-again" 1 /sbin/modprobe dummy
wait_app 1 USER_MAC_POLICY_LOAD 'op=policy-refusal'
sleep 0.5
expect_eq "one-policy-refusal-for-two-refused-runs" 1 "$(app USER_MAC_POLICY_LOAD 'op=policy-refusal' | grep -c .)"
expect_match "policy-refusal-res-failed" 'op=policy-refusal sha256=.* res=failed' \
	"$(app USER_MAC_POLICY_LOAD 'op=policy-refusal')"
# reason is hex-encoded (it holds spaces and quotes); ausearch -i leaves it so
expect_match "policy-refusal-names-file-line-col" \
	"reason=$(printf '%s' "$POLICY:2:7: error: unknown key" | hexup)" \
	"$(app USER_MAC_POLICY_LOAD 'op=policy-refusal')"
cp /tmp/policy.keep "$POLICY"
check "fixed-policy-loads" /sbin/modprobe dummy
check "fixed-policy-modprobe-r" /sbin/modprobe -r dummy
wait_app 3 USER_MAC_POLICY_LOAD 'op=policy-load'
expect_eq "the-fixed-policy-is-a-policy-load-again" 3 "$(app USER_MAC_POLICY_LOAD 'op=policy-load' | grep -c .)"
check "audit-verify-after-the-policy-records" "$MODGATE" audit verify

section "audit export over the trail the VM produced"
check "audit-export-json" sh -c "'$MODGATE' audit export --format json >/tmp/export.json"
check "audit-export-csv" sh -c "'$MODGATE' audit export --format csv >/tmp/export.csv"
records=$(cat "$MAIN"/*.jsonl | grep -c .)
expect_eq "json-is-one-array" "[]" "$(head -c 1 /tmp/export.json)$(tr -d ' \n' </tmp/export.json | tail -c 1)"
expect_eq "json-has-every-record" "$records" "$(grep -o '"source_line":' /tmp/export.json | grep -c .)"
expect_eq "csv-has-every-record" "$records" "$(($(grep -c . /tmp/export.csv) - 1))"
expect_match "csv-header" '^"?seq"?,' "$(head -n 1 /tmp/export.csv)"
expect_match "json-has-the-dummy-load" '"module": ?"dummy"' "$(cat /tmp/export.json)"
expect_match "csv-filtered-by-module" 'dummy' \
	"$("$MODGATE" audit export --format csv --module dummy | tail -n +2 | head -n 1)"

section "audit disabled: status says so, the trail is what is required"
check "auditctl-e-0" auditctl -e 0
"$MODGATE" status >/tmp/status.out 2>&1
show grep '^linux audit' /tmp/status.out
expect_match "status-linux-audit-disabled" '^linux audit: +disabled' "$(cat /tmp/status.out)"
n_app=$(app TRUSTED_APP | grep -c .)
lines=$(wc -l <"$MAIN/trail.jsonl")
settings best-effort no
check "best-effort-modprobe-dummy" /sbin/modprobe dummy
check "dummy-loaded-best-effort" module_loaded dummy
settings required no
check "required-modprobe-r-dummy" /sbin/modprobe -r dummy
expect_rc "dummy-unloaded-required" 1 module_loaded dummy
check "required-modprobe-dummy" /sbin/modprobe dummy
expect_match "the-trail-has-them" '"type":"result","op":"load","module":"dummy".*"errno":0' \
	"$(tail -n +"$((lines + 1))" "$MAIN/trail.jsonl")"
sleep 1
expect_eq "no-TRUSTED_APP-while-disabled" "$n_app" "$(app TRUSTED_APP | grep -c .)"
check "audit-verify-at-the-end" "$MODGATE" audit verify
kill "$auditd_pid"
