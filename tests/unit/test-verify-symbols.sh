#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Invariant 1 for the verifier, checked on the built objects: no code of the
# privileged verifier calls a DER/PEM/CMS decoder, except certutil.o, which
# reads the trust store's own files (configuration): PEM_read_bio, a TLV walk
# (ASN1_get_object), the certificate's fields with their own d2i functions,
# the key with d2i_RSAPublicKey/o2i_ECPublicKey, and d2i_X509 for files an
# admin imports. Module signatures are decoded only in sandbox/modsig.c, by
# OpenSSL or by our own strict reader (sandbox/modsig-der.c), which counts as
# a decoder here like any d2i_.
# Positive controls make sure the check can see what it looks for.
#
# Usage: test-verify-symbols.sh BUILD_ROOT
set -u
B=$1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ $# -gt 1 ] && echo "#   $2"; }

DECODERS='^(d2i_|b2i_|o2i_|PEM_read|PEM_bytes_read|PEM_X509_INFO|ASN1_item_d2i|ASN1_d2i|ASN1_item_ex_d2i|ASN1_get_object|ASN1_item_unpack|ASN1_TYPE_unpack|SMIME_read|CMS_|PKCS7_|PKCS12_|X509_get_ext_d2i|X509V3_get_d2i|X509_CRL_|OSSL_DECODER|EVP_PKEY_CTX_set1_id|pkcs7_simple_)'
# What certutil.o may use on the trust store's files, and nothing else.
CERT_DECODERS=(PEM_read_bio ASN1_get_object d2i_X509 d2i_X509_ALGOR d2i_X509_NAME
	d2i_X509_EXTENSIONS d2i_ASN1_INTEGER d2i_ASN1_TIME d2i_ASN1_BIT_STRING
	d2i_ASN1_OCTET_STRING d2i_RSAPublicKey o2i_ECPublicKey)
undef() { nm -u "$1" | awk '{print $2}' | sed 's/@.*//' | sort -u; }

objs=("$B"/verify/libverify.a.p/*.o "$B"/tools/modgate.p/verify.c.o \
	"$B"/tools/modgate.p/verify-print.c.o "$B"/tools/modgate.p/keys.c.o)
[ ${#objs[@]} -ge 7 ] && [ -f "${objs[0]}" ] || { echo "objects not built under $B"; exit 1; }
for o in "${objs[@]}"; do
	name=$(basename "$o")
	found=$(undef "$o" | grep -E "$DECODERS" | xargs)
	if [ "$name" == certutil.c.o ]; then
		extra=$(echo "$found" | tr ' ' '\n' | grep -vxF "${CERT_DECODERS[@]/#/-e}" | xargs)
		[ -z "$extra" ] && ok "$name decodes only trust store files (${CERT_DECODERS[*]})" ||
			not_ok "$name decodes more than trust store files" "$extra"
		[[ " $found " == *" d2i_X509 "* ]] && ok "positive control: the check sees certutil's d2i_X509" ||
			not_ok "positive control: certutil.c.o shows no d2i_X509" "$found"
	else
		[ -z "$found" ] && ok "$name calls no decoder" || not_ok "$name calls decoders" "$found"
	fi
done
modsig=$B/sandbox/libsandbox.a.p/modsig.c.o
undef "$modsig" | grep -qx d2i_CMS_ContentInfo && ok "positive control: the blob's decoder lives in sandbox/modsig.c" ||
	not_ok "positive control: no d2i_CMS_ContentInfo in $modsig"
undef "$modsig" | grep -qx pkcs7_simple_decode && ok "positive control: so does the strict reader's caller" ||
	not_ok "positive control: no pkcs7_simple_decode in $modsig"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
