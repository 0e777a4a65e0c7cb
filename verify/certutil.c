// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Certificate helpers of the privileged side (certutil.h). cu_parse_certs()
 * is the one DER parser here, and only the trust store's root-owned files and
 * files an admin names reach it; module bytes never do.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "verify/certutil.h"

struct certs {
	X509 **v;
	size_t n, cap;
};

static void certs_release(struct certs *c)
{
	for (size_t i = 0; i < c->n; i++)
		X509_free(c->v[i]);
	free(c->v);
	*c = (struct certs){0};
}

static int certs_push(struct certs *c, X509 *x)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 4, bytes;
		if (size_mul_overflow(ncap, sizeof(*c->v), &bytes))
			return -ENOMEM;
		X509 **nv = realloc(c->v, bytes);
		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = ncap;
	}
	c->v[c->n++] = x;
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

static void biop(BIO **b)
{
	BIO_free(*b);
}

static int pem_block(BIO *bio, struct certs *c, bool *end, const char **why)
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
	} else {
		X509 *x = der_cert(data, (size_t)len);
		if (!x) {
			*why = "PEM CERTIFICATE block is not one X.509 certificate";
			r = -EINVAL;
		} else if ((r = certs_push(c, x)) < 0) {
			X509_free(x);
			*why = "out of memory";
		}
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return r;
}

static int parse_pem(const uint8_t *data, size_t len, struct certs *c, const char **why)
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
		r = pem_block(bio, c, &end, why);
	if (r == 0 && c->n == 0) {
		*why = "no certificate in the file";
		r = -EINVAL;
	}
	return r;
}

int cu_parse_certs(const uint8_t *data, size_t len, X509 ***out, size_t *n, const char **why)
{
	struct certs c = {0};
	int r = 0;

	*out = NULL;
	*n = 0;
	if (len > 0 && data[0] == 0x30) {
		X509 *x = der_cert(data, len);
		if (!x) {
			*why = "not one DER X.509 certificate";
			r = -EINVAL;
		} else if ((r = certs_push(&c, x)) < 0) {
			X509_free(x);
			*why = "out of memory";
		}
	} else if (memmem(data, len, "-----BEGIN ", 11)) {
		r = parse_pem(data, len, &c, why);
	} else {
		*why = "neither PEM nor DER";
		r = -EINVAL;
	}
	ERR_clear_error();
	if (r < 0) {
		certs_release(&c);
		return r;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

int cu_x509_fingerprint(X509 *x, uint8_t out[32])
{
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int n = i2d_X509(x, &der);
	int ok = n > 0 && EVP_Digest(der, (size_t)n, out, &mdlen, EVP_sha256(), NULL) == 1 &&
		 mdlen == 32;

	OPENSSL_free(der);
	return ok ? 0 : -EINVAL;
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
