// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The appended signature of a module: trailer and PKCS#7 (CMS) blob. Runs only
 * in a sandboxed child: DER parsing is exactly what must never run with
 * privilege (d2i_PKCS7 has had crash bugs, CVE-2023-0216). The parent gets raw
 * values — signer id, algorithms, RSA signature bytes or ECDSA r and s — and
 * checks them with keys it holds, parsing nothing itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/modsig-der.h"
#include "sandbox/modsig.h"

struct modsig_info {
	uint8_t algo, hash, id_type, signer_len, key_id_len, pad[3];
	uint32_t sig_len; /* host order once read */
};

static void cms_freep(CMS_ContentInfo **p)
{
	CMS_ContentInfo_free(*p);
}

static void bn_freep(BIGNUM **p)
{
	BN_free(*p);
}

static void ecdsa_sig_freep(ECDSA_SIG **p)
{
	ECDSA_SIG_free(*p);
}

static void opensslp(unsigned char **p)
{
	OPENSSL_free(*p);
}

static bool has_marker(const uint8_t *buf, size_t len)
{
	return len >= MODSIG_MAGIC_LEN &&
	       memcmp(buf + len - MODSIG_MAGIC_LEN, MODSIG_MAGIC, MODSIG_MAGIC_LEN) == 0;
}

static void info_read(const uint8_t *buf, size_t len, struct modsig_info *mi)
{
	const uint8_t *p = buf + len - MODSIG_TRAILER_LEN;

	mi->algo = p[0];
	mi->hash = p[1];
	mi->id_type = p[2];
	mi->signer_len = p[3];
	mi->key_id_len = p[4];
	memcpy(mi->pad, p + 5, 3);
	mi->sig_len = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
}

size_t modsig_content_len(const uint8_t *buf, size_t len)
{
	struct modsig_info mi;

	if (!has_marker(buf, len) || len < MODSIG_TRAILER_LEN)
		return len;
	info_read(buf, len, &mi);
	if (mi.sig_len > len - MODSIG_TRAILER_LEN)
		return len;
	return len - MODSIG_TRAILER_LEN - mi.sig_len;
}

/* Digest names as kmod 30 prints them in sig_hashalgo (its pkey_hash_algo table). */
static const char *hash_name_by_nid(int nid)
{
	switch (nid) {
	case NID_md4:
		return "md4";
	case NID_md5:
		return "md5";
	case NID_sha1:
		return "sha1";
	case NID_ripemd160:
		return "rmd160";
	case NID_sha256:
		return "sha256";
	case NID_sha384:
		return "sha384";
	case NID_sha512:
		return "sha512";
	case NID_sha224:
		return "sha224";
#ifndef OPENSSL_NO_SM3
	case NID_sm3:
		return "sm3";
#endif
	default:
		return NULL;
	}
}

/* The same table indexed by the legacy trailer's hash byte. */
static const char *const legacy_hash_names[] = {
	"md4", "md5", "sha1", "rmd160", "sha256", "sha384", "sha512", "sha224", "sm3",
};

/* kmod 30's "signer": the first commonName of the issuer; with none, the value
 * of the last entry (its loop leaves that one behind); with no entry, empty.
 * ASN.1 string bytes up to the first NUL, unconverted. */
static const char *issuer_display_name(const X509_NAME *name)
{
	const X509_NAME_ENTRY *e = NULL;
	int n = X509_NAME_entry_count(name);

	for (int i = 0; i < n; i++) {
		e = X509_NAME_get_entry(name, i);
		if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName)
			break;
	}
	if (!e)
		return "";
	return (const char *)ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(e));
}

static void put_bn(struct wire_writer *w, enum wire_tag tag, const BIGNUM *bn)
{
	int n = BN_num_bytes(bn);
	_cleanup_free_ uint8_t *tmp = malloc(n > 0 ? (size_t)n : 1);

	if (!tmp) {
		/* the writer's sticky error makes the whole reply fail */
		w->error = w->error ? w->error : -ENOMEM;
		return;
	}
	BN_bn2bin(bn, tmp);
	wire_put(w, tag, tmp, (size_t)MAX(n, 0));
}

static void set_problem(const char **problem, const char *why)
{
	if (!*problem)
		*problem = why;
}

static void put_signer_id(CMS_SignerInfo *si, struct wire_writer *w, const char **problem)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	_cleanup_(opensslp) unsigned char *der = NULL;
	_cleanup_(bn_freep) BIGNUM *bn = NULL;
	int n;

	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) != 1) {
		set_problem(problem, "PKCS#7 signer has no usable identifier");
		return;
	}
	if (keyid) {
		wire_put_u32(w, WT_SIG_ID_KIND, WIRE_SIGNER_SKID);
		wire_put(w, WT_SIG_SKID, ASN1_STRING_get0_data(keyid),
			 (size_t)ASN1_STRING_length(keyid));
		return;
	}
	wire_put_u32(w, WT_SIG_ID_KIND, WIRE_SIGNER_ISSUER_SERIAL);
	n = i2d_X509_NAME(issuer, &der);
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	if (n <= 0 || !bn) {
		set_problem(problem, "PKCS#7 signer issuer or serial cannot be encoded");
		return;
	}
	wire_put(w, WT_SIG_ISSUER_DER, der, (size_t)n);
	wire_put_str(w, WT_SIG_ISSUER_CN, issuer_display_name(issuer));
	put_bn(w, WT_SIG_SERIAL, bn);
}

/* Signature algorithm OIDs may name a digest too (ecdsa-with-SHA256): the key type is what counts.
 */
static int pkey_nid_of(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	int nid, dig, pk;

	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	nid = OBJ_obj2nid(obj);
	if (nid != NID_undef && OBJ_find_sigid_algs(nid, &dig, &pk) && pk != NID_undef)
		return pk;
	return nid;
}

static void put_ecdsa(const ASN1_OCTET_STRING *sig, struct wire_writer *w, const char **problem)
{
	const unsigned char *p = ASN1_STRING_get0_data(sig);
	long n = ASN1_STRING_length(sig);
	_cleanup_(ecdsa_sig_freep) ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, n);
	const BIGNUM *r, *s;

	if (!es || p != ASN1_STRING_get0_data(sig) + n) {
		set_problem(problem, "ECDSA signature value is not a DER SEQUENCE of r and s");
		return;
	}
	ECDSA_SIG_get0(es, &r, &s);
	put_bn(w, WT_SIG_ECDSA_R, r);
	put_bn(w, WT_SIG_ECDSA_S, s);
}

static void put_signer(CMS_SignerInfo *si, struct wire_writer *w, const char **problem)
{
	X509_ALGOR *dig = NULL, *sigalg = NULL;
	const ASN1_OBJECT *obj;
	const ASN1_OCTET_STRING *sig;
	const char *hash;
	int dnid, pknid;

	put_signer_id(si, w, problem);
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sigalg);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	dnid = OBJ_obj2nid(obj);
	pknid = pkey_nid_of(sigalg);
	wire_put_u32(w, WT_SIG_DIGEST_NID, (uint32_t)dnid);
	hash = hash_name_by_nid(dnid);
	if (hash)
		wire_put_str(w, WT_SIG_HASH_NAME, hash);
	wire_put_u32(w, WT_SIG_PKEY_NID, (uint32_t)pknid);
	sig = CMS_SignerInfo_get0_signature(si);
	if (!sig || ASN1_STRING_length(sig) <= 0) {
		set_problem(problem, "PKCS#7 signer has an empty signature value");
		return;
	}
	wire_put(w, WT_SIG_VALUE, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig));
	if (pknid == NID_X9_62_id_ecPublicKey)
		put_ecdsa(sig, w, problem);
	wire_put_u8(w, WT_SIG_SIGNED_ATTRS, CMS_signed_get_attr_count(si) > 0);
}

static void pkcs7_decode_openssl(const uint8_t *blob, size_t n, struct wire_writer *w,
				 const char **problem)
{
	const unsigned char *p = blob;
	_cleanup_(cms_freep) CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) * sis;
	int nsi;

	if (n > LONG_MAX) {
		set_problem(problem, "PKCS#7 blob too large");
		return;
	}
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
	if (!cms) {
		set_problem(problem, "PKCS#7 blob is not valid DER");
		return;
	}
	if (p != blob + n)
		set_problem(problem, "bytes after the PKCS#7 blob inside the signature");
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		set_problem(problem, "PKCS#7 blob is not SignedData");
		return;
	}
	sis = CMS_get0_SignerInfos(cms);
	nsi = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	wire_put_u32(w, WT_SIG_NSIGNERS, (uint32_t)MAX(nsi, 0));
	wire_put_u8(w, WT_SIG_DETACHED, CMS_is_detached(cms) == 1);
	wire_put_u8(w, WT_SIG_DATA_TYPE, OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_pkcs7_data);
	if (nsi <= 0) {
		set_problem(problem, "PKCS#7 blob has no signer");
		return;
	}
	/* the first signer, as kmod shows and as sign-file writes the only one */
	put_signer(sk_CMS_SignerInfo_value(sis, 0), w, problem);
}

/* The same facts, in the same order, from the strict reader's result. */
static void put_simple(const struct pkcs7_simple *ps, size_t n, struct wire_writer *w,
		       const char **problem)
{
	const char *hash = hash_name_by_nid(ps->digest_nid);

	if (ps->used != n)
		set_problem(problem, "bytes after the PKCS#7 blob inside the signature");
	wire_put_u32(w, WT_SIG_NSIGNERS, 1);
	wire_put_u8(w, WT_SIG_DETACHED, 1);
	wire_put_u8(w, WT_SIG_DATA_TYPE, ps->data_type);
	if (ps->by_skid) {
		wire_put_u32(w, WT_SIG_ID_KIND, WIRE_SIGNER_SKID);
		wire_put(w, WT_SIG_SKID, ps->skid.p, ps->skid.len);
	} else {
		wire_put_u32(w, WT_SIG_ID_KIND, WIRE_SIGNER_ISSUER_SERIAL);
		wire_put(w, WT_SIG_ISSUER_DER, ps->issuer.p, ps->issuer.len);
		wire_put_strn(w, WT_SIG_ISSUER_CN, (const char *)ps->cn.p, ps->cn.len);
		wire_put(w, WT_SIG_SERIAL, ps->serial.p, ps->serial.len);
	}
	wire_put_u32(w, WT_SIG_DIGEST_NID, (uint32_t)ps->digest_nid);
	if (hash)
		wire_put_str(w, WT_SIG_HASH_NAME, hash);
	wire_put_u32(w, WT_SIG_PKEY_NID, (uint32_t)ps->pkey_nid);
	wire_put(w, WT_SIG_VALUE, ps->sig.p, ps->sig.len);
	if (ps->pkey_nid == NID_X9_62_id_ecPublicKey) {
		wire_put(w, WT_SIG_ECDSA_R, ps->r.p, ps->r.len);
		wire_put(w, WT_SIG_ECDSA_S, ps->s.p, ps->s.len);
	}
	wire_put_u8(w, WT_SIG_SIGNED_ATTRS, 0);
}

static void pkcs7_decode(const uint8_t *blob, size_t n, struct wire_writer *w, const char **problem)
{
	struct pkcs7_simple ps;

	/* sign-file's shape, read without OpenSSL; anything else, by OpenSSL */
	if (pkcs7_simple_decode(blob, n, &ps)) {
		put_simple(&ps, n, w, problem);
		return;
	}
	pkcs7_decode_openssl(blob, n, w, problem);
	/* the parent never sees OpenSSL's error queue: leave nothing behind */
	ERR_clear_error();
}

/* kmod 30 shows legacy trailers (PGP/X509 id) when its table lookups stay in range
 * and the parts fit: [signer name][key id][signature] before the trailer. */
static void legacy_decode(const uint8_t *buf, size_t avail, const struct modsig_info *mi,
			  struct wire_writer *w)
{
	size_t need = (size_t)mi->signer_len + mi->key_id_len;
	const uint8_t *sig, *key, *signer;
	const void *nul;

	if (mi->algo >= 2 || mi->hash >= ARRAY_SIZE(legacy_hash_names) || mi->id_type >= 2 ||
	    avail - mi->sig_len < need)
		return;
	sig = buf + avail - mi->sig_len;
	key = sig - mi->key_id_len;
	signer = key - mi->signer_len;
	/* modinfo prints the name with %s: it ends at the first NUL */
	nul = memchr(signer, '\0', mi->signer_len);
	wire_put_strn(w, WT_SIG_ISSUER_CN, (const char *)signer,
		      nul ? (size_t)((const uint8_t *)nul - signer) : mi->signer_len);
	wire_put(w, WT_SIG_LEGACY_KEY_ID, key, mi->key_id_len);
	wire_put(w, WT_SIG_VALUE, sig, mi->sig_len);
	wire_put_str(w, WT_SIG_HASH_NAME, legacy_hash_names[mi->hash]);
}

static void sig_finish(struct wire_writer *w, enum wire_sig_state state, const char *problem)
{
	wire_put_u32(w, WT_SIG_STATE, problem ? WIRE_SIG_MALFORMED : state);
	if (problem)
		wire_put_str(w, WT_SIG_PROBLEM, problem);
}

static void trailer_decode(const uint8_t *buf, size_t len, struct wire_writer *w)
{
	struct modsig_info mi;
	const char *problem = NULL;
	size_t avail, content;

	wire_put(w, WT_SIG_TRAILER, buf + len - MODSIG_TRAILER_LEN, MODSIG_INFO_LEN);
	info_read(buf, len, &mi);
	avail = len - MODSIG_TRAILER_LEN;
	/* the kernel's mod_check_sig() order: length first, then the id type */
	if (mi.sig_len == 0 || mi.sig_len > avail) {
		sig_finish(w, WIRE_SIG_MALFORMED, "signature length exceeds the file");
		return;
	}
	content = avail - mi.sig_len;
	wire_put_u64(w, WT_SIG_CONTENT_LEN, content);
	if (mi.id_type != MODSIG_ID_PKCS7) {
		legacy_decode(buf, avail, &mi, w);
		sig_finish(w, WIRE_SIG_OTHER, NULL);
		return;
	}
	if (content == 0)
		set_problem(&problem, "signature leaves no module content");
	if (mi.algo || mi.hash || mi.signer_len || mi.key_id_len || mi.pad[0] || mi.pad[1] ||
	    mi.pad[2])
		set_problem(&problem, "PKCS#7 signature trailer has unexpected non-zero fields");
	pkcs7_decode(buf + content, mi.sig_len, w, &problem);
	sig_finish(w, WIRE_SIG_PKCS7, problem);
}

void modsig_decode(const uint8_t *buf, size_t len, struct wire_writer *w)
{
	if (!has_marker(buf, len))
		sig_finish(w, WIRE_SIG_NONE, NULL);
	else if (len < MODSIG_TRAILER_LEN)
		sig_finish(w, WIRE_SIG_MALFORMED, "signature trailer truncated");
	else
		trailer_decode(buf, len, w);
}

/* Everything OpenSSL initialises on first use, done now while syscalls are
 * still allowed: the error-state machinery, object tables, the CMS, X509_NAME
 * and ECDSA_SIG codecs. Encoding then decoding our own objects walks the same
 * paths a module's blob will. */
static int crypto_pretouch(void)
{
	static const unsigned char garbage[] = {0x30, 0x03, 0x02, 0x01};
	const unsigned char *p = garbage;
	_cleanup_(cms_freep) CMS_ContentInfo *cms = NULL;
	_cleanup_(cms_freep) CMS_ContentInfo *back = NULL;
	_cleanup_(ecdsa_sig_freep) ECDSA_SIG *es = ECDSA_SIG_new();
	_cleanup_(ecdsa_sig_freep) ECDSA_SIG *es2 = NULL;
	_cleanup_(opensslp) unsigned char *der = NULL;
	_cleanup_(opensslp) unsigned char *der2 = NULL;
	BIGNUM *r = BN_new(), *s = BN_new();
	X509_NAME *name = X509_NAME_new(), *name2 = NULL;
	int dig, pk, n, ok = 0;

	CMS_ContentInfo_free(d2i_CMS_ContentInfo(NULL, &p, sizeof(garbage)));
	OBJ_find_sigid_algs(NID_ecdsa_with_SHA256, &dig, &pk);
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
	n = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
	p = der;
	back = n > 0 ? d2i_CMS_ContentInfo(NULL, &p, n) : NULL;
	if (back && name && es &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
				       (const unsigned char *)"x", -1, -1, 0) == 1 &&
	    r && s && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL; /* owned by es now */
		n = i2d_X509_NAME(name, &der2);
		p = der2;
		name2 = n > 0 ? d2i_X509_NAME(NULL, &p, n) : NULL;
		ok = name2 && issuer_display_name(name2)[0] == 'x';
		OPENSSL_free(der2);
		der2 = NULL;
		n = i2d_ECDSA_SIG(es, &der2);
		p = der2;
		es2 = n > 0 ? d2i_ECDSA_SIG(NULL, &p, n) : NULL;
		ok = ok && es2;
	}
	BN_free(r);
	BN_free(s);
	X509_NAME_free(name);
	X509_NAME_free(name2);
	ERR_clear_error();
	return ok ? 0 : -EIO;
}

int decode_crypto_init(void)
{
	static bool done;
	/* No openssl.cnf: nothing outside root-owned configuration steers the
	 * decoder. No error strings: nothing here prints OpenSSL's errors (a
	 * reply carries our own sentence), and loading them is a third of the
	 * set-up (~0.2 of ~0.65 ms). No legacy name tables of every cipher and
	 * digest: the decoder looks algorithms up by OID, and the NO_ flags keep
	 * a later lookup from loading them anyway. crypto_pretouch() then walks
	 * every path the decoder takes, so nothing is set up after the filter. */
	uint64_t opts = OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
			OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS;
	int r;

	if (done)
		return 0;
	if (OPENSSL_init_crypto(opts, NULL) != 1)
		return -EIO;
	r = crypto_pretouch();
	if (r < 0)
		return r;
	done = true;
	return 0;
}
