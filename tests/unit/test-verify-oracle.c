// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The verification oracle, for tests only: OpenSSL's CMS_verify over a
 * module file, with the rules of REFERENCES.md §2, written independently of
 * verify/ (it parses the whole PKCS#7 blob with d2i, which is fine in a test
 * and exactly what the privileged verifier must not do).
 *
 *   verify-oracle [-w] KEYS_DIR FILE...      prints "<state>\t<file>" per file
 *
 * KEYS_DIR holds the trusted certificates (*.pem with one or more, *.der);
 * FILE is an uncompressed module. -w accepts sha1 and sha224.
 * States: none, valid, untrusted, invalid, malformed.
 */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static const char magic[] = "~Module signature appended~\n";
#define MAGIC_LEN (sizeof(magic) - 1)

static bool weak_ok;

static STACK_OF(X509) * load_certs(const char *dir)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (!sk || !d)
		exit(2);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 5)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		BIO *b = BIO_new_file(path, "rb");
		X509 *x;
		if (!b)
			exit(2);
		if (strcmp(de->d_name + n - 4, ".der") == 0) {
			x = d2i_X509_bio(b, NULL);
			if (x)
				sk_X509_push(sk, x);
		} else {
			while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
				sk_X509_push(sk, x);
		}
		BIO_free(b);
	}
	closedir(d);
	ERR_clear_error();
	return sk;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n;

	if (!f)
		return NULL;
	*len = 0;
	do {
		cap = cap ? cap * 2 : 65536;
		buf = realloc(buf, cap);
		if (!buf)
			exit(2);
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (*len == cap);
	fclose(f);
	return buf;
}

/* mod_check_sig() and module_sig_check(): NULL or "malformed". */
static const char *trailer(const unsigned char *b, size_t len, size_t *content, size_t *sig_len)
{
	const unsigned char *ms;

	if (len < MAGIC_LEN || memcmp(b + len - MAGIC_LEN, magic, MAGIC_LEN) != 0)
		return "none";
	if (len - MAGIC_LEN <= 12)
		return "malformed";
	ms = b + len - MAGIC_LEN - 12;
	*sig_len = (size_t)ms[8] << 24 | (size_t)ms[9] << 16 | (size_t)ms[10] << 8 | ms[11];
	if (*sig_len >= len - MAGIC_LEN - 12 || *sig_len == 0 || ms[2] != 2 || ms[0] || ms[1] ||
	    ms[3] || ms[4] || ms[5] || ms[6] || ms[7])
		return "malformed";
	*content = len - MAGIC_LEN - 12 - *sig_len;
	return NULL;
}

static bool digest_allowed(int nid)
{
	switch (nid) {
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
	case NID_sha3_256:
	case NID_sha3_384:
	case NID_sha3_512:
		return true;
	case NID_sha1:
	case NID_sha224:
		return weak_ok;
	default:
		return false;
	}
}

/* Kernel rules plus ours: one signer, detached id-data, no signed attributes,
 * an accepted digest, RSA or ECDSA. */
static bool well_formed(CMS_ContentInfo *cms, CMS_SignerInfo **out)
{
	STACK_OF(CMS_SignerInfo) * sis;
	X509_ALGOR *dig, *sig;
	const ASN1_OBJECT *obj;
	int dnid, pk, snid;

	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || CMS_is_detached(cms) != 1 ||
	    OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data)
		return false;
	sis = CMS_get0_SignerInfos(cms);
	if (!sis || sk_CMS_SignerInfo_num(sis) != 1)
		return false;
	*out = sk_CMS_SignerInfo_value(sis, 0);
	if (CMS_signed_get_attr_count(*out) >= 0)
		return false;
	CMS_SignerInfo_get0_algs(*out, NULL, NULL, &dig, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	dnid = OBJ_obj2nid(obj);
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	snid = OBJ_obj2nid(obj);
	if (OBJ_find_sigid_algs(snid, NULL, &pk) && pk != NID_undef)
		snid = pk;
	return digest_allowed(dnid) &&
	       (snid == NID_rsaEncryption || snid == NID_X9_62_id_ecPublicKey);
}

static const char *judge(const unsigned char *b, size_t len, STACK_OF(X509) * certs)
{
	size_t content = 0, sig_len = 0;
	const char *t = trailer(b, len, &content, &sig_len);
	const unsigned char *p = b + content;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si = NULL;
	bool found = false;
	const char *verdict = "malformed";
	BIO *in = NULL;

	if (t)
		return t;
	if (sig_len > LONG_MAX)
		return "malformed";
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len);
	if (!cms || p != b + content + sig_len || !well_formed(cms, &si))
		goto out;
	for (int i = 0; i < sk_X509_num(certs) && !found; i++)
		found = CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0;
	if (!found) {
		verdict = "untrusted";
		goto out;
	}
	in = BIO_new_mem_buf(b, (int)content);
	/* §2: CMS_BINARY (no CRLF canonicalisation), CMS_NOINTERN (only the trust
	 * store's certificates), no chain building: the store is the anchor, as
	 * the kernel's keyring is. */
	int ok = CMS_verify(cms, certs, NULL, in, NULL,
			    CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY | CMS_DETACHED);
	verdict = ok == 1 ? "valid" : "invalid";
out:
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return verdict;
}

int main(int argc, char *argv[])
{
	int i = 1;

	if (argc > 1 && strcmp(argv[1], "-w") == 0) {
		weak_ok = true;
		i++;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: verify-oracle [-w] KEYS_DIR FILE...\n");
		return 2;
	}
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	STACK_OF(X509) *certs = load_certs(argv[i++]);
	for (; i < argc; i++) {
		size_t len;
		unsigned char *b = slurp(argv[i], &len);
		if (!b) {
			printf("error\t%s\n", argv[i]);
			continue;
		}
		printf("%s\t%s\n", judge(b, len, certs), argv[i]);
		free(b);
	}
	sk_X509_pop_free(certs, X509_free);
	return 0;
}
