#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Invariant 1 at run time: while `modgate verify` checks RSA, ECDSA and
# compressed modules, the privileged process decodes DER only for the trust
# store's certificates. A test-only LD_PRELOAD library (verify-preload.so)
# logs the sha256 of every input the process hands to a libcrypto DER decoder
# (d2i_X509, d2i_CMS_ContentInfo, d2i_PKCS7, d2i_ECDSA_SIG, d2i_X509_NAME, ...);
# its sandboxed children, which do parse the signatures, are not logged. The
# trust store's own loading is the positive control: it must show up.
#
# Usage: test-verify-noparse.sh MODGATE MODGATE_TEST VERIFY_ORACLE PRELOAD
MODGATE=$1
PRELOAD=$4
. "$(dirname "$0")/lib.sh"
K=$TMP/keys
STORE=$TMP/root/etc/modgate/keys.d
mkdir -p "$K" "$STORE"
export OPENSSL_CONF=/dev/null

for spec in "rsa -newkey rsa:2048" "ec -newkey ec -pkeyopt ec_paramgen_curve:P-384"; do
	set -- $spec
	name=$1
	shift
	openssl req -x509 -new -nodes "$@" -keyout "$K/$name.key" -out "$STORE/$name.pem" \
		-subj "/CN=noparse $name" -days 30 >/dev/null 2>&1
	chmod 0644 "$STORE/$name.pem"
done
printf 'int f(void) { return 1; }\n' >"$TMP/m.c"
${CC:-cc} -c -o "$TMP/m.o" "$TMP/m.c"
files=()
for name in rsa ec; do
	openssl cms -sign -binary -noattr -nocerts -outform DER -in "$TMP/m.o" -signer "$STORE/$name.pem" \
		-inkey "$K/$name.key" -md sha256 -out "$TMP/$name.p7"
	len=$(stat -c %s "$TMP/$name.p7")
	{ cat "$TMP/m.o" "$TMP/$name.p7"
	  printf '%b' "\\x00\\x00\\x02\\x00\\x00\\x00\\x00\\x00$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' \
		$((len >> 24 & 255)) $((len >> 16 & 255)) $((len >> 8 & 255)) $((len & 255)))"
	  printf '~Module signature appended~\n'; } >"$TMP/$name.ko"
	files+=("$TMP/$name.ko")
done
xz -c "$TMP/ec.ko" >"$TMP/ec.ko.xz"
files+=("$TMP/ec.ko.xz")

allowed=$(for c in "$STORE"/*.pem; do openssl x509 -in "$c" -outform DER | sha256sum | cut -d' ' -f1; done)
blobs=$(for b in "$TMP"/*.p7; do sha256sum <"$b" | cut -d' ' -f1; done)
run() { # LOG FILE...: verify with the decoder log on
	local log=$1
	shift
	env MODGATE_TEST_PRELOAD_LOG="$log" LD_PRELOAD="$PRELOAD" "$MODGATE" --root "$TMP/root" verify --jobs 1 "$@"
}

# Baseline: a run whose only "module" is an empty file shows what the parent
# decodes whatever the modules are: the store's certificates, and OpenSSL's
# warm-up on the decoders' own constants (inspect/inspect.c does it once for
# its children).
: >"$TMP/empty.ko"
run "$TMP/base.log" "$TMP/empty.ko" >/dev/null
expect_rc "verify with the decoder log on" 0 run "$TMP/decodes.log" "${files[@]}"
expect_eq "all three valid" 3 "$(grep -c ': valid$' "$TMP/out")"
LOG=$TMP/decodes.log
# The trust store reads each certificate field by field (verify/certutil.c):
# its TLV walk starts on the whole certificate.
expect_eq "positive control: the parent's trust store decodes are seen" 2 \
	"$(grep -F -f <(echo "$allowed") "$LOG" | grep -c '^ASN1_get_object ')"
extra=$(sort -u "$LOG" | grep -vxF -f <(sort -u "$TMP/base.log") | head -5)
expect_eq "the parent decodes nothing else that depends on the modules" "" "$extra"
# The ECDSA signature object is built from the child's r and s and handed
# to ECDSA_do_verify: not even the parent's own encoding is decoded (what
# there is, is the warm-up's, as in the baseline).
expect_eq "no ECDSA signature of a module is decoded in the parent" \
	"$(grep -c '^d2i_ECDSA_SIG ' "$TMP/base.log")" "$(grep -c '^d2i_ECDSA_SIG ' "$LOG")"
expect_eq "no whole certificate goes through d2i_X509 on a load" 0 "$(grep -c '^d2i_X509 ' "$TMP/base.log")"
hit=$(awk '{print $2}' "$LOG" | grep -xF -f <(echo "$blobs"))
expect_eq "no module signature blob reached a decoder in the parent" "" "$hit"
finish
