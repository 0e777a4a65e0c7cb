#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The gate over the fake kernel seam (modgate-test), with real signed modules
# of Debian's 6.1 tree and that kernel's own certificate in the trust store:
# a plan is decided whole before anything loads, a denied dependency loads
# nothing, a denied softdep is skipped, each match of an alias is its own
# plan, every decision is in the trail before the kernel call and every
# result after it, and a request that changes nothing writes nothing.
# Signatures (unsigned, tampered, unknown key), the file rewritten between
# decision and load, forcing, unload, permissive mode and the trail's health.
. "$(dirname "$0")/lib.sh"
MODGATE=$1
FAKE=$2
. "$(dirname "$0")/gate-fixture.sh"
gate_setup
KO=$(find "$MODDIR" -name dummy.ko)
ALLOW_RULE=$(rule_at "allow sig=valid cert=@kernel")

# -- an allowed plan: decided whole, then loaded in kmod's order
expect_rc "modprobe nf_tables (allowed)" 0 mp nf_tables
expect_eq "loaded in kmod's order" "$(kmod_order nf_tables)" "$(loaded_order)"
expect_eq "every decision recorded before the first kernel call, every result after" \
	"decision decision decision decision decision result result result result result" \
	"$(records type | tr '\n' ' ' | sed 's/ $//')"
expect_eq "decisions: module, verdict, rule, signature, certificate, context, reason" \
	"nfnetlink allow $ALLOW_RULE valid kernel-$KVER cli dependency
crc32c_intel allow $ALLOW_RULE valid kernel-$KVER cli softdep
crc32c_generic allow $ALLOW_RULE valid kernel-$KVER cli softdep
libcrc32c allow $ALLOW_RULE valid kernel-$KVER cli dependency
nf_tables allow $ALLOW_RULE valid kernel-$KVER cli request" \
	"$(records module decision rule sig cert context reason | head -n5)"
expect_eq "the recorded sha256 is the module's" \
	"$(sha256sum "$(find "$MODDIR" -name nf_tables.ko)" | cut -d' ' -f1)" \
	"$(records type module sha256 | awk '$1 == "decision" && $2 == "nf_tables" { print $3 }')"
expect_eq "results: errno 0 for each" "0 0 0 0 0" \
	"$(records type errno | awk '$1 == "result" { print $2 }' | tr '\n' ' ' | sed 's/ $//')"

# -- nothing to change: no decision, no child, no record
mark
clear_calls
expect_rc "modprobe of a live module" 0 mp nf_tables
expect_eq "already live: nothing recorded" "" "$(records type)"
expect_eq "already live: no kernel call" "" "$(calls)"

# -- a denied dependency: nothing of the plan loads
reset_kernel
policy "deny name=libcrc32c" "allow sig=valid cert=@kernel"
DENY_RULE=$(rule_at "deny name=libcrc32c")
mark
expect_rc "modprobe nf_tables with libcrc32c denied" 1 mp nf_tables
expect_eq "kmod's line, then which module and why" \
	"modprobe: ERROR: could not insert 'nf_tables': Operation not permitted
modprobe: ERROR: nf_tables: libcrc32c (dependency): denied by $DENY_RULE (deny name=libcrc32c); nothing was loaded" \
	"$(cat "$TMP/err")"
expect_eq "denied dependency: no kernel call at all" "" "$(calls)"
expect_eq "denied dependency: every module decided, the denial with its rule, no result" \
	"decision nfnetlink allow
decision crc32c_intel allow
decision crc32c_generic allow
decision libcrc32c deny $DENY_RULE
decision nf_tables allow" "$(records type module decision rule | sed 's/ -$//; s/ allow .*/ allow/')"

# -- a denied softdep is skipped (and recorded)
reset_kernel
policy "deny name=crc32c_generic,crc32c_intel" "allow sig=valid cert=@kernel"
mark
expect_rc "modprobe libcrc32c with its softdeps denied" 0 mp libcrc32c
expect_eq "only libcrc32c loaded" "libcrc32c" "$(loaded_order)"
expect_eq "softdeps: denied as softdeps; one result" \
	"decision crc32c_intel deny softdep
decision crc32c_generic deny softdep
decision libcrc32c allow request
result libcrc32c - -" "$(records type module decision reason | sed 's/ softdep: .*/ softdep/')"

# -- each match of an alias is its own plan
reset_kernel
printf 'alias gate_two dummy\nalias gate_two nfnetlink\n' >"$R/conf/gate.conf"
policy "deny name=dummy" "allow sig=valid cert=@kernel"
expect_rc "an alias matching a denied and an allowed module" 0 mp -C "$R/conf" gate_two
expect_eq "the allowed match loaded, the denied one not" "nfnetlink" "$(loaded_order)"
if grep -q "could not insert 'dummy': Operation not permitted" "$TMP/err"; then
	ok "the denied match is reported"
else
	not_ok "the denied match is reported" "$(cat "$TMP/err")"
fi

# -- signatures: unsigned, tampered, signed by a key the trust store lacks
policy "allow sig=valid cert=@kernel"
for kind in unsigned tampered foreign; do
	reset_kernel
	mkdir -p "$TMP/$kind"
	variant "$kind" "$KO" "$TMP/$kind/dummy.ko" || not_ok "make a $kind copy"

	mark
	expect_rc "insmod of a $kind module is denied" 1 insmod "$TMP/$kind/dummy.ko"
	expect_eq "$kind: not loaded" "" "$(calls)"
	want=$(case $kind in unsigned) echo none ;; tampered) echo invalid ;; *) echo untrusted ;; esac)
	expect_eq "$kind: recorded as sig=$want, denied by default" "deny $want" \
		"$(records decision sig)"
done

# -- what is decided on is what is loaded, whatever happens to the file
reset_kernel
cp "$KO" "$TMP/rewrite.ko"
head -c 4096 /dev/urandom >"$TMP/other.bin"
mark
expect_rc "insmod with the file rewritten after the decision" 0 \
	env MODGATE_TEST_REWRITE="$TMP/other.bin" "$TMP/bin/insmod" "$TMP/rewrite.ko"
expect_eq "the file on disk was rewritten" "$(sha256sum <"$TMP/other.bin")" \
	"$(sha256sum <"$TMP/rewrite.ko")"
expect_eq "the kernel got the decided bytes (a sealed memfd of the original size)" \
	"finit_module rewrite flags=0 fd=sealed-memfd size=$(stat -c %s "$KO") params=" "$(calls)"
expect_eq "the record names the decided bytes" "$(sha256sum "$KO" | cut -d' ' -f1)" \
	"$(records type sha256 | awk '$1 == "result" { print $2 }')"

# -- forcing: only a rule that names force allows the kernel's checks skipped
reset_kernel
expect_rc "modprobe -f without a force rule" 1 mp -f dummy
expect_eq "forced load refused: why" \
	"modprobe: ERROR: dummy: a forced load needs a rule naming force (the kernel skips its own checks for it); nothing was loaded" \
	"$(tail -n1 "$TMP/err")"
policy "allow force=yes sig=valid cert=@kernel name=dummy" "allow sig=valid cert=@kernel"
expect_rc "modprobe -f with a force rule" 0 mp -f dummy
expect_eq "forced: both flags reach the kernel" "flags=3" "$(calls | awk '{ print $3 }')"

# -- permissive mode: a denial is recorded as would-deny and the load goes on
reset_kernel
settings permissive
policy "deny name=dummy" "allow sig=valid cert=@kernel"
mark
expect_rc "permissive: a denied module loads" 0 mp dummy
expect_eq "permissive: loaded" "dummy" "$(loaded_order)"
expect_eq "permissive: recorded as would-deny" "decision would-deny permissive
result - permissive" "$(records type decision mode)"
settings enforce

# -- unload goes through the policy (op=unload); rmmod -f is a fact
policy "allow sig=valid cert=@kernel"
mark
expect_rc "modprobe -r without an unload rule" 1 mp -r dummy
expect_eq "unload denied: why" \
	"modprobe: ERROR: unloading dummy denied: no rule allows it (default deny, $R/etc/modgate/modgate.conf)" \
	"$(head -n1 "$TMP/err")"
if live dummy; then ok "denied unload: still loaded"; else not_ok "denied unload: still loaded"; fi
policy "deny op=unload force=yes" "allow op=unload" "allow sig=valid cert=@kernel"
expect_rc "rmmod -f denied by a force=yes rule" 1 rmmod -f dummy
if live dummy; then ok "rmmod -f denied: still loaded"; else not_ok "rmmod -f denied: still loaded"; fi
expect_rc "rmmod allowed" 0 rmmod dummy
expect_eq "unload records: op, force denied, then allowed with its result" \
	"decision unload deny
decision unload deny
decision unload allow
result unload -" "$(records type op decision)"

# -- the trail these wrote is intact
expect_rc "modgate audit verify" 0 "$MODGATE" --root "$R" audit verify
finish
