// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Loading the trust store (rules in truststore.h). Runs in the privileged
 * process, before any module byte is looked at, over root-owned files only.
 */
/* RSA_free, EC_KEY_free, SHA256: see verify/certutil.h and verify/verify.c. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "common/fileio.h"
#include "common/macros.h"
#include "verify/certutil.h"
#include "verify/truststore.h"

struct entry {
	char *name;
	int dir; /* index into the caller's dirs: lower wins */
};

struct listing {
	struct entry *v;
	size_t n, cap;
};

static int fail(struct strbuf *err, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct strbuf *err, int r, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	strbuf_clear(err);
	strbuf_append_str(err, tmp);
	return r;
}

int verify_crypto_init(void)
{
	static bool done;

	if (done)
		return 0;
	/* Before any other libcrypto call, because each of these settles a
	 * run-once of the library for the whole process:
	 *  - NO_LOAD_CONFIG: OPENSSL_CONF and openssl.cnf must not choose
	 *    providers or default properties for the verifier (SECURITY.md,
	 *    verify/README.md: a FIPS provider configured there is not used);
	 *  - NO_ADD_ALL_CIPHERS, NO_ADD_ALL_DIGESTS: the legacy name tables are
	 *    for EVP_get_*byname(), which nothing here calls; SHA-3 is fetched
	 *    by name from the default provider (verify.c);
	 *  - NO_LOAD_CRYPTO_STRINGS: nothing in the privileged process prints
	 *    an OpenSSL error string (certutil.c tests reason codes), and the
	 *    table of several thousand strings was most of what
	 *    initialisation cost a load.
	 * Without the NO_ flags a later implicit initialisation (the first
	 * fetch) would still load the tables and strings. */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
					OPENSSL_INIT_NO_ADD_ALL_DIGESTS |
					OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
				NULL) != 1)
		return -EIO;
	done = true;
	return 0;
}

static bool wanted_name(const char *name)
{
	static const char *const suffixes[] = {".pem", ".crt", ".der"};
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);
		if (len > sl && streq(name + len - sl, suffixes[i]))
			return true;
	}
	return false;
}

static bool owner_ok(const struct stat *st, uid_t owner)
{
	return st->st_uid == owner && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static void listing_release(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	*l = (struct listing){0};
}

static int listing_add(struct listing *l, const char *name, int dir)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].name, name))
			return 0; /* masked by a directory of higher priority */
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16, bytes;
		if (size_mul_overflow(ncap, sizeof(*l->v), &bytes))
			return -ENOMEM;
		struct entry *nv = realloc(l->v, bytes);
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].name = strdup(name);
	if (!l->v[l->n].name)
		return -ENOMEM;
	l->v[l->n++].dir = dir;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void dirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* One directory's wanted names. A missing directory is an empty one. */
static int list_dir(const char *path, int idx, uid_t owner, struct listing *l, struct strbuf *err)
{
	struct stat st;
	struct dirent *de;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return fail(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return fail(err, -e, "%s: cannot stat: %s", path, strerror(e));
	}
	if (!owner_ok(&st, owner)) {
		close(fd);
		return fail(err, -EPERM,
			    "%s: refused: directory not owned by %s or writable by others", path,
			    owner == 0 ? "root" : "the expected owner");
	}
	_cleanup_(dirp) DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return fail(err, -e, "%s: cannot read: %s", path, strerror(e));
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!wanted_name(de->d_name))
			continue;
		int r = listing_add(l, de->d_name, idx);
		if (r < 0)
			return fail(err, r, "%s: %s", path, strerror(-r));
		errno = 0;
	}
	if (errno)
		return fail(err, -errno, "%s: cannot read: %s", path, strerror(errno));
	return 0;
}

static bool is_dev_null(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 && minor(st->st_rdev) == 3;
}

/* The bytes of one file, or *masked. The checks are on the opened file, so a
 * symlink is judged by its target. */
static int read_cert_file(const char *path, uid_t owner, uint8_t **data, size_t *len, bool *masked,
			  struct strbuf *err)
{
	struct stat st;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	*masked = false;
	if (fd < 0)
		return fail(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return fail(err, -errno, "%s: cannot stat: %s", path, strerror(errno));
	if (is_dev_null(&st) || (S_ISREG(st.st_mode) && st.st_size == 0)) {
		*masked = true;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return fail(err, -EINVAL, "%s: refused: not a regular file", path);
	if (!owner_ok(&st, owner))
		return fail(err, -EPERM, "%s: refused: not owned by %s or writable by others", path,
			    owner == 0 ? "root" : "the expected owner");
	char *buf;
	int r = read_full_fd(fd, TRUST_MAX_FILE_BYTES, &buf, len);
	if (r == -EFBIG)
		return fail(err, r, "%s: larger than %u bytes", path, TRUST_MAX_FILE_BYTES);
	if (r < 0)
		return fail(err, r, "%s: cannot read: %s", path, strerror(-r));
	*data = (uint8_t *)buf;
	return 0;
}

static void trust_cert_release(struct trust_cert *c)
{
	free(c->file);
	free(c->path);
	free(c->der);
	RSA_free(c->rsa);
	EC_KEY_free(c->ec);
	ASN1_TIME_free(c->not_before);
	ASN1_TIME_free(c->not_after);
	free(c->issuer_der);
	free(c->serial);
	free(c->skid);
	X509_NAME_free(c->subject);
	free(c->subject_cn);
	*c = (struct trust_cert){0};
}

void trust_store_release(struct trust_store *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->n; i++)
		trust_cert_release(&ts->certs[i]);
	free(ts->certs);
	*ts = (struct trust_store){0};
}

static int dup_bytes(const void *src, size_t len, uint8_t **out)
{
	*out = malloc(len ? len : 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, src, len);
	return 0;
}

/* Identifiers compared with a signer id: the issuer's DER as encoded in the
 * certificate, the serial's magnitude, the subject key identifier; and what
 * `modgate keys list` shows. */
static int fill_from(struct trust_cert *c, struct cu_cert_info *info)
{
	int r;

	c->rsa = TAKE_PTR(info->rsa);
	c->ec = TAKE_PTR(info->ec);
	c->key_type = info->key_type;
	c->curve_nid = info->curve_nid;
	c->bits = info->bits;
	c->not_before = TAKE_PTR(info->not_before);
	c->not_after = TAKE_PTR(info->not_after);
	c->skid = TAKE_PTR(info->skid);
	c->skid_len = info->skid_len;
	c->issuer_len = info->issuer_len;
	r = dup_bytes(info->issuer, info->issuer_len, &c->issuer_der);
	if (r < 0)
		return r;
	c->serial_negative = BN_is_negative(info->serial);
	c->serial_len = (size_t)BN_num_bytes(info->serial);
	c->serial = malloc(c->serial_len ? c->serial_len : 1);
	if (!c->serial)
		return -ENOMEM;
	BN_bn2bin(info->serial, c->serial);
	/* The block functions: the one-shot SHA256() of OpenSSL 3 is an EVP
	 * fetch, the provider set-up this file avoids (certutil.h). */
	SHA256_CTX sha;
	if (SHA256_Init(&sha) != 1 || SHA256_Update(&sha, c->der, c->der_len) != 1 ||
	    SHA256_Final(c->sha256, &sha) != 1)
		return -EIO;
	c->subject = TAKE_PTR(info->subject);
	return cu_name_cn(c->subject, &c->subject_cn);
}

/* Takes ownership of der. */
static int cert_fill(struct trust_cert *c, uint8_t *der, size_t der_len, const char *file,
		     const char *path, unsigned int idx, const char **why)
{
	struct cu_cert_info info;
	int r;

	*c = (struct trust_cert){.der = der, .der_len = der_len, .idx = idx};
	c->file = strdup(file);
	c->path = strdup(path);
	if (!c->file || !c->path)
		return -ENOMEM;
	r = cu_cert_decode(der, der_len, &info, why);
	if (r == 0)
		r = fill_from(c, &info);
	cu_cert_info_release(&info);
	if (r == -ENOMEM)
		*why = "out of memory";
	return r;
}

static int store_grow(struct trust_store *ts, size_t more)
{
	size_t n, bytes;

	if (size_add_overflow(ts->n, more, &n) || size_mul_overflow(n, sizeof(*ts->certs), &bytes))
		return -ENOMEM;
	struct trust_cert *nc = realloc(ts->certs, bytes ? bytes : 1);
	if (!nc)
		return -ENOMEM;
	ts->certs = nc;
	return 0;
}

static int load_file(struct trust_store *ts, const char *path, const char *name, uid_t owner,
		     struct strbuf *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	struct cu_der *ders = NULL;
	size_t len = 0, n = 0, i;
	const char *why = NULL;
	bool masked;
	int r;

	r = read_cert_file(path, owner, &data, &len, &masked, err);
	if (r < 0 || masked)
		return r;
	r = cu_split_certs(data, len, &ders, &n, &why);
	if (r < 0)
		return fail(err, r, "%s: invalid: %s", path, why);
	r = store_grow(ts, n);
	for (i = 0; r == 0 && i < n; i++) {
		r = cert_fill(&ts->certs[ts->n], ders[i].der, ders[i].len, name, path,
			      (unsigned int)i, &why);
		ders[i].der = NULL;
		ts->n++; /* even half-filled: released with the store */
	}
	cu_ders_free(ders, n);
	ERR_clear_error();
	if (r < 0)
		return fail(err, r, "%s: invalid: %s", path, why ? why : strerror(-r));
	return 0;
}

int trust_store_load_dirs(struct trust_store *ts, const char *const *dirs, size_t n_dirs,
			  uid_t owner, struct strbuf *err)
{
	struct listing l = {0};
	int r = verify_crypto_init();

	*ts = (struct trust_store){0};
	if (r < 0)
		return fail(err, r, "cannot initialise OpenSSL");
	for (size_t i = 0; r == 0 && i < n_dirs; i++)
		r = list_dir(dirs[i], (int)i, owner, &l, err);
	if (r == 0 && l.n)
		qsort(l.v, l.n, sizeof(*l.v), entry_cmp);
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", dirs[l.v[i].dir], l.v[i].name) < 0)
			r = fail(err, -ENOMEM, "out of memory");
		else
			r = load_file(ts, path, l.v[i].name, owner, err);
	}
	listing_release(&l);
	if (r < 0)
		trust_store_release(ts);
	return r;
}

int trust_store_load(struct trust_store *ts, const char *root, struct strbuf *err)
{
	_cleanup_free_ char *etc = NULL;
	_cleanup_free_ char *lib = NULL;
	const char *r = root && *root ? root : "";

	*ts = (struct trust_store){0};
	if (asprintf(&etc, "%s%s/modgate/keys.d", r, SYSCONFDIR) < 0 ||
	    asprintf(&lib, "%s%s/keys.d", r, LIBDIR_MODGATE) < 0)
		return fail(err, -ENOMEM, "out of memory");
	const char *dirs[] = {etc, lib};
	return trust_store_load_dirs(ts, dirs, ARRAY_SIZE(dirs), 0, err);
}

const struct trust_cert *trust_store_find_issuer_serial(const struct trust_store *ts,
							const uint8_t *issuer, size_t issuer_len,
							const uint8_t *serial, size_t serial_len)
{
	/* the child sends BN_bn2bin output: no leading zeros, empty for 0 */
	while (serial_len > 0 && serial[0] == 0) {
		serial++;
		serial_len--;
	}
	for (size_t i = 0; i < ts->n; i++) {
		const struct trust_cert *c = &ts->certs[i];
		if (!c->serial_negative && c->issuer_len == issuer_len &&
		    c->serial_len == serial_len && memcmp(c->issuer_der, issuer, issuer_len) == 0 &&
		    (serial_len == 0 || memcmp(c->serial, serial, serial_len) == 0))
			return c;
	}
	return NULL;
}

const struct trust_cert *trust_store_find_skid(const struct trust_store *ts, const uint8_t *skid,
					       size_t len)
{
	for (size_t i = 0; i < ts->n; i++) {
		const struct trust_cert *c = &ts->certs[i];
		if (c->skid && c->skid_len == len && memcmp(c->skid, skid, len) == 0)
			return c;
	}
	return NULL;
}

int trust_store_check_file(const char *path, struct strbuf *err)
{
	struct trust_store tmp = {0};
	const char *slash = strrchr(path, '/');
	int r = verify_crypto_init();

	if (r < 0)
		return fail(err, r, "cannot initialise OpenSSL");
	r = load_file(&tmp, path, slash ? slash + 1 : path, 0, err);
	if (r == 0 && tmp.n == 0)
		r = fail(err, -EINVAL, "%s: no certificate", path);
	trust_store_release(&tmp);
	return r;
}
