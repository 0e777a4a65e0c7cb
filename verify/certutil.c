// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Certificate helpers of the privileged side (certutil.h). cu_parse_certs()
 * is the one DER parser here, and only the trust store's root-owned files and
 * files an admin names reach it; module bytes never do.
 */
/* d2i_RSAPublicKey, o2i_ECPublicKey and their types: cu_cert_decode(). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "verify/certutil.h"

struct ders {
	struct cu_der *v;
	size_t n, cap;
};

void cu_ders_free(struct cu_der *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].der);
	free(v);
}

static int ders_push(struct ders *d, const uint8_t *der, size_t len)
{
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 4, bytes;
		if (size_mul_overflow(ncap, sizeof(*d->v), &bytes))
			return -ENOMEM;
		struct cu_der *nv = realloc(d->v, bytes);
		if (!nv)
			return -ENOMEM;
		d->v = nv;
		d->cap = ncap;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, der, len);
	d->v[d->n++] = (struct cu_der){copy, len};
	return 0;
}

/* One TLV: header and content inside [*p, end), definite length only. */
struct tlv {
	const uint8_t *start, *content;
	size_t total, len;
	int tag, cls;
	bool cons;
};

static bool tlv_next(const uint8_t **p, const uint8_t *end, struct tlv *t)
{
	const unsigned char *q = *p;
	long len = 0;
	int tag = 0, cls = 0;

	if (*p >= end || end - *p > LONG_MAX)
		return false;
	int ret = ASN1_get_object(&q, &len, &tag, &cls, (long)(end - *p));
	/* 0x80: error or past the end; 0x21: indefinite length (BER, not DER) */
	if ((ret & 0x80) || ret == 0x21 || len < 0 || (size_t)len > (size_t)(end - q))
		return false;
	*t = (struct tlv){.start = *p,
			  .content = q,
			  .len = (size_t)len,
			  .total = (size_t)(q - *p) + (size_t)len,
			  .tag = tag,
			  .cls = cls,
			  .cons = (ret & V_ASN1_CONSTRUCTED) != 0};
	*p = q + len;
	return true;
}

static bool tlv_is(const struct tlv *t, int cls, int tag, bool cons)
{
	return t->cls == cls && t->tag == tag && t->cons == cons;
}

static bool universal(const struct tlv *t, int tag, bool cons)
{
	return tlv_is(t, V_ASN1_UNIVERSAL, tag, cons);
}

/* d2i over exactly [*p, *p + len): the object, or NULL if it fails or
 * leaves bytes over. */
#define D2I_EXACT(d2i, freefn, der, len)                                               \
	({                                                                             \
		const unsigned char *_q = (der);                                       \
		__typeof__(d2i(NULL, &_q, 0)) _o =                                     \
			(len) <= LONG_MAX ? d2i(NULL, &_q, (long)(len)) : NULL;        \
		if (_o && _q != (der) + (len)) {                                       \
			freefn(_o);                                                    \
			_o = NULL;                                                     \
		}                                                                      \
		_o;                                                                    \
	})

/* The whole TLV decodes as an ASN.1 item of OpenSSL's, nothing left over. */
#define DECODES(d2i, freefn, tlv)                                                      \
	({                                                                             \
		void *_d = D2I_EXACT(d2i, freefn, (tlv)->start, (tlv)->total);         \
		freefn(_d);                                                            \
		_d != NULL;                                                            \
	})

static void asn1_integer_free(void *p)
{
	ASN1_INTEGER_free(p);
}
static void x509_algor_free(void *p)
{
	X509_ALGOR_free(p);
}
static void x509_name_free(void *p)
{
	X509_NAME_free(p);
}
static void bit_string_free(void *p)
{
	ASN1_BIT_STRING_free(p);
}

/* Spans of the certificate, each a whole TLV. */
struct cu_cert {
	const uint8_t *serial, *issuer, *validity, *subject;
	size_t serial_len, issuer_len, validity_len, subject_len;
	/* subjectPublicKeyInfo's AlgorithmIdentifier and BIT STRING */
	const uint8_t *key_alg, *key;
	size_t key_alg_len, key_len;
	const uint8_t *exts; /* the Extensions SEQUENCE inside [3]; NULL if absent */
	size_t exts_len;
};
/* tbsCertificate (RFC 5280 4.1), field by field: each field's shape here,
 * and a decode of the fields nothing else reads; cu_cert_decode() decodes
 * the others (serial, subject, validity, key, extensions) once, itself. */
static const char *tbs_parts(const struct tlv *tbs, struct cu_cert *out)
{
	const uint8_t *p = tbs->content, *end = p + tbs->len;
	struct tlv t, serial, issuer, validity, subject, spki;

	if (!tlv_next(&p, end, &t))
		return "truncated tbsCertificate";
	if (tlv_is(&t, V_ASN1_CONTEXT_SPECIFIC, 0, true)) { /* [0] EXPLICIT version */
		const uint8_t *v = t.content;
		struct tlv vi;
		if (!tlv_next(&v, t.content + t.len, &vi) || v != t.content + t.len ||
		    !universal(&vi, V_ASN1_INTEGER, false) || vi.len != 1 || vi.content[0] > 2)
			return "bad certificate version";
		if (!tlv_next(&p, end, &t))
			return "truncated tbsCertificate";
	}
	serial = t;
	if (!universal(&serial, V_ASN1_INTEGER, false))
		return "bad serial number";
	if (!tlv_next(&p, end, &t) || !universal(&t, V_ASN1_SEQUENCE, true) ||
	    !DECODES(d2i_X509_ALGOR, x509_algor_free, &t))
		return "bad signature algorithm";
	if (!tlv_next(&p, end, &issuer) || !universal(&issuer, V_ASN1_SEQUENCE, true) ||
	    !DECODES(d2i_X509_NAME, x509_name_free, &issuer))
		return "bad issuer name";
	if (!tlv_next(&p, end, &validity) || !universal(&validity, V_ASN1_SEQUENCE, true))
		return "bad validity";
	if (!tlv_next(&p, end, &subject) || !universal(&subject, V_ASN1_SEQUENCE, true))
		return "bad subject name";
	if (!tlv_next(&p, end, &spki) || !universal(&spki, V_ASN1_SEQUENCE, true))
		return "bad subject public key info";
	const uint8_t *k = spki.content, *kend = k + spki.len;
	struct tlv alg, key;
	if (!tlv_next(&k, kend, &alg) || !universal(&alg, V_ASN1_SEQUENCE, true) ||
	    !tlv_next(&k, kend, &key) || !universal(&key, V_ASN1_BIT_STRING, false) || k != kend)
		return "bad subject public key info";
	*out = (struct cu_cert){
		.serial = serial.start,
		.serial_len = serial.total,
		.issuer = issuer.start,
		.issuer_len = issuer.total,
		.validity = validity.start,
		.validity_len = validity.total,
		.subject = subject.start,
		.subject_len = subject.total,
		.key_alg = alg.start,
		.key_alg_len = alg.total,
		.key = key.start,
		.key_len = key.total,
	};
	/* [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions, in order */
	int last = 0;
	while (p < end) {
		if (!tlv_next(&p, end, &t) || t.cls != V_ASN1_CONTEXT_SPECIFIC || t.tag <= last ||
		    t.tag > 3)
			return "unexpected field in tbsCertificate";
		last = t.tag;
		if (t.tag == 3) {
			const uint8_t *e = t.content;
			struct tlv exts;
			if (!t.cons || !tlv_next(&e, t.content + t.len, &exts) ||
			    e != t.content + t.len || !universal(&exts, V_ASN1_SEQUENCE, true))
				return "bad extensions";
			out->exts = exts.start;
			out->exts_len = exts.total;
		}
	}
	return NULL;
}

static int cu_cert_parts(const uint8_t *der, size_t len, struct cu_cert *out, const char **why)
{
	const uint8_t *p = der, *end = der + len;
	struct tlv cert, tbs, alg, sig;

	*out = (struct cu_cert){0};
	if (!tlv_next(&p, end, &cert) || p != end || !universal(&cert, V_ASN1_SEQUENCE, true)) {
		*why = "not one DER X.509 certificate";
		return -EINVAL;
	}
	p = cert.content;
	end = p + cert.len;
	if (!tlv_next(&p, end, &tbs) || !universal(&tbs, V_ASN1_SEQUENCE, true) ||
	    !tlv_next(&p, end, &alg) || !universal(&alg, V_ASN1_SEQUENCE, true) ||
	    !DECODES(d2i_X509_ALGOR, x509_algor_free, &alg) || !tlv_next(&p, end, &sig) ||
	    !universal(&sig, V_ASN1_BIT_STRING, false) ||
	    !DECODES(d2i_ASN1_BIT_STRING, bit_string_free, &sig) || p != end) {
		*why = "not one DER X.509 certificate";
		return -EINVAL;
	}
	*why = tbs_parts(&tbs, out);
	return *why ? -EINVAL : 0;
}

static void bit_string_freep(ASN1_BIT_STRING **p)
{
	ASN1_BIT_STRING_free(*p);
}

static void algor_freep(X509_ALGOR **p)
{
	X509_ALGOR_free(*p);
}

/* Key types a module signature may use: RSA, ECDSA on P-256 or P-384. The
 * key is decoded with the RSA and EC_KEY routines themselves: the generic
 * SubjectPublicKeyInfo decoder of OpenSSL 3 builds its provider decoder
 * chain first, which costs a hundred times the decoding. */
static int key_read(struct cu_cert_info *c, const struct cu_cert *parts, const char **why)
{
	_cleanup_(algor_freep) X509_ALGOR *alg =
		D2I_EXACT(d2i_X509_ALGOR, X509_ALGOR_free, parts->key_alg, parts->key_alg_len);
	_cleanup_(bit_string_freep) ASN1_BIT_STRING *bits =
		D2I_EXACT(d2i_ASN1_BIT_STRING, ASN1_BIT_STRING_free, parts->key, parts->key_len);
	const ASN1_OBJECT *oid = NULL;
	const void *pval = NULL;
	const unsigned char *q;
	int ptype = V_ASN1_UNDEF;

	/* a key is a whole number of bytes: no unused bits */
	if (!alg || !bits || ((bits->flags & ASN1_STRING_FLAG_BITS_LEFT) && (bits->flags & 7)))
		goto bad;
	X509_ALGOR_get0(&oid, &ptype, &pval, alg);
	const uint8_t *key = ASN1_STRING_get0_data(bits);
	size_t key_len = (size_t)ASN1_STRING_length(bits);
	switch (OBJ_obj2nid(oid)) {
	case NID_rsaEncryption:
		if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF)
			goto bad;
		c->rsa = D2I_EXACT(d2i_RSAPublicKey, RSA_free, key, key_len);
		if (!c->rsa)
			goto bad;
		c->key_type = EVP_PKEY_RSA;
		c->bits = RSA_bits(c->rsa);
		return 0;
	case NID_X9_62_id_ecPublicKey:
		if (ptype != V_ASN1_OBJECT) {
			*why = "EC key without a named curve";
			return -EINVAL;
		}
		c->curve_nid = OBJ_obj2nid(pval);
		if (c->curve_nid != NID_X9_62_prime256v1 && c->curve_nid != NID_secp384r1) {
			*why = "EC curve is neither P-256 nor P-384";
			return -EINVAL;
		}
		c->ec = EC_KEY_new_by_curve_name(c->curve_nid);
		q = key;
		/* o2i checks the point is on the curve; both curves have
		 * cofactor 1, so that is also the right subgroup */
		if (!c->ec || key_len > LONG_MAX || !o2i_ECPublicKey(&c->ec, &q, (long)key_len) ||
		    q != key + key_len)
			goto bad;
		c->key_type = EVP_PKEY_EC;
		c->bits = EC_GROUP_get_degree(EC_KEY_get0_group(c->ec));
		return 0;
	default:
		*why = "key type is neither RSA nor EC";
		return -EINVAL;
	}
bad:
	*why = "cannot decode the public key";
	return -EINVAL;
}

static void exts_free(STACK_OF(X509_EXTENSION) *e)
{
	sk_X509_EXTENSION_pop_free(e, X509_EXTENSION_free);
}

static void exts_freep(STACK_OF(X509_EXTENSION) **p)
{
	exts_free(*p);
}

/* The subject key identifier extension's KeyIdentifier; none is fine, two
 * or one that does not decode is not. */
static int skid_read(struct cu_cert_info *c, const struct cu_cert *parts, const char **why)
{
	_cleanup_(exts_freep) STACK_OF(X509_EXTENSION) *exts = NULL;
	bool seen = false;

	if (!parts->exts)
		return 0;
	exts = D2I_EXACT(d2i_X509_EXTENSIONS, exts_free, parts->exts, parts->exts_len);
	if (!exts) {
		*why = "bad extensions";
		return -EINVAL;
	}
	for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
		if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) != NID_subject_key_identifier)
			continue;
		const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(e);
		const uint8_t *der = ASN1_STRING_get0_data(v);
		ASN1_OCTET_STRING *kid = D2I_EXACT(d2i_ASN1_OCTET_STRING, ASN1_OCTET_STRING_free,
						   der, (size_t)ASN1_STRING_length(v));
		if (seen || !kid) {
			ASN1_OCTET_STRING_free(kid);
			*why = seen ? "two subject key identifiers" : "bad subject key identifier";
			return -EINVAL;
		}
		seen = true;
		c->skid_len = (size_t)ASN1_STRING_length(kid);
		c->skid = malloc(c->skid_len ? c->skid_len : 1);
		int r = c->skid ? 0 : -ENOMEM;
		if (r == 0)
			memcpy(c->skid, ASN1_STRING_get0_data(kid), c->skid_len);
		ASN1_OCTET_STRING_free(kid);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Validity ::= SEQUENCE { notBefore Time, notAfter Time } */
static int times_read(struct cu_cert_info *c, const struct cu_cert *parts, const char **why)
{
	const uint8_t *p = parts->validity, *end = p + parts->validity_len;
	struct tlv v, t;

	if (tlv_next(&p, end, &v)) {
		p = v.content;
		end = p + v.len;
		if (tlv_next(&p, end, &t))
			c->not_before = D2I_EXACT(d2i_ASN1_TIME, ASN1_TIME_free, t.start, t.total);
		if (c->not_before && tlv_next(&p, end, &t))
			c->not_after = D2I_EXACT(d2i_ASN1_TIME, ASN1_TIME_free, t.start, t.total);
	}
	if (!c->not_after || p != end) {
		*why = "cannot decode the validity";
		return -EINVAL;
	}
	return 0;
}

int cu_cert_decode(const uint8_t *der, size_t len, struct cu_cert_info *out, const char **why)
{
	struct cu_cert parts;
	ASN1_INTEGER *serial;
	int r;

	*out = (struct cu_cert_info){0};
	r = cu_cert_parts(der, len, &parts, why);
	if (r < 0)
		return r;
	out->issuer = parts.issuer;
	out->issuer_len = parts.issuer_len;
	serial = D2I_EXACT(d2i_ASN1_INTEGER, asn1_integer_free, parts.serial, parts.serial_len);
	out->serial = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	ASN1_INTEGER_free(serial);
	out->subject = D2I_EXACT(d2i_X509_NAME, x509_name_free, parts.subject, parts.subject_len);
	if (!out->serial || !out->subject) {
		*why = !out->serial ? "cannot decode the serial number" : "cannot decode the subject";
		r = -EINVAL;
	}
	if (r == 0)
		r = key_read(out, &parts, why);
	if (r == 0)
		r = skid_read(out, &parts, why);
	if (r == 0)
		r = times_read(out, &parts, why);
	if (r == -ENOMEM)
		*why = "out of memory";
	return r;
}

void cu_cert_info_release(struct cu_cert_info *c)
{
	RSA_free(c->rsa);
	EC_KEY_free(c->ec);
	BN_free(c->serial);
	free(c->skid);
	X509_NAME_free(c->subject);
	ASN1_TIME_free(c->not_before);
	ASN1_TIME_free(c->not_after);
	*c = (struct cu_cert_info){0};
}

static void biop(BIO **b)
{
	BIO_free(*b);
}

static int pem_block(BIO *bio, struct ders *d, bool *end, const char **why)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len = 0;
	int r = 0;

	*end = false;
	if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) {
		unsigned long e = ERR_peek_last_error();
		*end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
		if (!*end) {
			*why = "broken PEM block";
			r = -EINVAL;
		}
	} else if (!streq(name, "CERTIFICATE")) {
		*why = "PEM block other than CERTIFICATE (a key does not belong in keys.d)";
		r = -EINVAL;
	} else if (header && *header) {
		*why = "PEM block with headers";
		r = -EINVAL;
	} else if ((r = ders_push(d, data, (size_t)len)) < 0) {
		*why = "out of memory";
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return r;
}

static int parse_pem(const uint8_t *data, size_t len, struct ders *d, const char **why)
{
	_cleanup_(biop) BIO *bio = NULL;
	bool end = false;
	int r = 0;

	if (len > INT_MAX) {
		*why = "file too large";
		return -EFBIG;
	}
	bio = BIO_new_mem_buf(data, (int)len);
	if (!bio) {
		*why = "out of memory";
		return -ENOMEM;
	}
	while (r == 0 && !end)
		r = pem_block(bio, d, &end, why);
	if (r == 0 && d->n == 0) {
		*why = "no certificate in the file";
		r = -EINVAL;
	}
	return r;
}

int cu_split_certs(const uint8_t *data, size_t len, struct cu_der **out, size_t *n,
		   const char **why)
{
	struct ders d = {0};
	int r = 0;

	*out = NULL;
	*n = 0;
	if (len > 0 && data[0] == 0x30) {
		if ((r = ders_push(&d, data, len)) < 0)
			*why = "out of memory";
	} else if (memmem(data, len, "-----BEGIN ", 11)) {
		r = parse_pem(data, len, &d, why);
	} else {
		*why = "neither PEM nor DER";
		r = -EINVAL;
	}
	ERR_clear_error();
	if (r < 0) {
		cu_ders_free(d.v, d.n);
		return r;
	}
	*out = d.v;
	*n = d.n;
	return 0;
}

/* Exactly one certificate, exactly len bytes. */
static X509 *der_cert(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (len == 0 || len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int cu_parse_certs(const uint8_t *data, size_t len, X509 ***out, size_t *n, const char **why)
{
	struct cu_der *ders = NULL;
	size_t nd = 0, i;
	int r = cu_split_certs(data, len, &ders, &nd, why);

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	X509 **xs = calloc(nd, sizeof(*xs));
	if (!xs) {
		*why = "out of memory";
		r = -ENOMEM;
	}
	for (i = 0; r == 0 && i < nd; i++) {
		xs[i] = der_cert(ders[i].der, ders[i].len);
		if (!xs[i]) {
			*why = data[0] == 0x30 ? "not one DER X.509 certificate"
					       : "PEM CERTIFICATE block is not one X.509 certificate";
			r = -EINVAL;
		}
	}
	cu_ders_free(ders, nd);
	ERR_clear_error();
	if (r < 0) {
		for (i = 0; xs && i < nd; i++)
			X509_free(xs[i]);
		free(xs);
		return r;
	}
	*out = xs;
	*n = nd;
	return 0;
}

static char *printable(const char *s, size_t len)
{
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[len] = '\0';
	return out;
}

int cu_name_oneline(const X509_NAME *name, char **out)
{
	_cleanup_(biop) BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;

	/* RFC 2253 escapes non-ASCII bytes as \XX: output stays ASCII. */
	if (!bio || X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0)
		return -ENOMEM;
	len = BIO_get_mem_data(bio, &p);
	*out = printable(p ? p : "", len > 0 ? (size_t)len : 0);
	return *out ? 0 : -ENOMEM;
}

int cu_name_cn(const X509_NAME *name, char **out)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int len = -1;

	if (i >= 0)
		len = ASN1_STRING_to_UTF8(&utf8,
					  X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	*out = printable(len > 0 ? (const char *)utf8 : "", len > 0 ? (size_t)len : 0);
	OPENSSL_free(utf8);
	return *out ? 0 : -ENOMEM;
}

int cu_hex(const uint8_t *p, size_t len, char sep, char **out)
{
	static const char digits[] = "0123456789ABCDEF";
	static const char ldigits[] = "0123456789abcdef";
	const char *d = sep ? digits : ldigits;
	size_t per = sep ? 3 : 2, bytes;
	char *s, *w;

	if (size_mul_overflow(len, per, &bytes) || size_add_overflow(bytes, 1, &bytes))
		return -ENOMEM;
	s = w = malloc(bytes);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		if (sep && i)
			*w++ = sep;
		*w++ = d[p[i] >> 4];
		*w++ = d[p[i] & 15];
	}
	*w = '\0';
	*out = s;
	return 0;
}

int cu_pem_append(struct strbuf *sb, const uint8_t *der, size_t len)
{
	unsigned char line[65 + 1];
	int r = strbuf_append_str(sb, "-----BEGIN CERTIFICATE-----\n");

	for (size_t off = 0; r == 0 && off < len; off += 48) {
		int n = EVP_EncodeBlock(line, der + off, (int)MIN((size_t)48, len - off));
		r = strbuf_append(sb, line, (size_t)n);
		if (r == 0)
			r = strbuf_append_char(sb, '\n');
	}
	if (r == 0)
		r = strbuf_append_str(sb, "-----END CERTIFICATE-----\n");
	return r;
}

bool cu_valid_key_name(const char *name)
{
	size_t len = strlen(name);

	if (len <= 4 || len > 128 || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._+@~-", c)))
			return false;
	}
	const char *ext = name + len - 4;
	return streq(ext, ".pem") || streq(ext, ".crt") || streq(ext, ".der");
}

static int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

int cu_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
			 bool replace, cu_check_fn check, void *ctx)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ char *dst = NULL;
	int r;

	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0 ||
	    asprintf(&dst, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (!replace && access(dst, F_OK) == 0)
		return -EEXIST;
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (r == 0)
		r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && check)
		r = check(tmp, ctx);
	if (r == 0 && !replace && link(tmp, dst) < 0)
		r = -errno; /* link: no race with a file created meanwhile */
	else if (r == 0 && replace && rename(tmp, dst) < 0)
		r = -errno;
	if (r < 0 || !replace)
		unlink(tmp);
	if (r == 0)
		r = fsync_dir(dir);
	return r;
}

int cu_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
