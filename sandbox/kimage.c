// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Certificate extraction in a sandboxed child (format notes in kimage.h).
 * Everything here reads untrusted bytes: the bzImage header, three
 * decompressors and the DER parser. It runs only after sandbox_enter().
 */
#include <errno.h>
#include <limits.h>
#include <lzma.h>
#include <string.h>
#include <sys/mman.h>
#include <zstd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/kimage.h"
#include "sandbox/libz-dl.h"

/* Boot protocol offsets (Documentation/arch/x86/boot.rst). */
#define HDR_SETUP_SECTS	   0x1f1
#define HDR_MAGIC	   0x202
#define HDR_VERSION	   0x206
#define HDR_KERNEL_VERSION 0x20e
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_END		   0x250
#define RELEASE_SCAN	   256
/* Kernel payloads: xz with a 32 MiB dictionary, zstd -22 (128 MiB window). */
#define XZ_MEMLIMIT	   (128ull << 20)
#define ZSTD_WINDOWLOG_MAX 27
/* The extra-certificate slot (CONFIG_SYSTEM_EXTRA_CERTIFICATE_SIZE, 4 KiB by
 * default) may sit between the list and its size. */
#define LIST_SIZE_SEARCH (64u << 10)

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void release_read(const uint8_t *img, size_t limit, struct kimage_header *h)
{
	size_t off = le16(img + HDR_KERNEL_VERSION), end;

	if (off == 0 || size_add_overflow(off, 0x200, &off) || off >= limit)
		return;
	end = off;
	while (end < limit && end - off < RELEASE_SCAN && img[end] && img[end] != ' ')
		end++;
	h->release = (const char *)img + off;
	h->release_len = end - off;
}

int kimage_header_read(const uint8_t *img, size_t len, struct kimage_header *h, const char **why)
{
	uint64_t setup, off, plen;

	*h = (struct kimage_header){0};
	if (len < HDR_END || memcmp(img + HDR_MAGIC, "HdrS", 4) != 0)
		return -ENOEXEC;
	if (le16(img + HDR_VERSION) < 0x208) {
		*why = "bzImage boot protocol older than 2.08 has no payload fields";
		return -EINVAL;
	}
	setup = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	setup = (setup + 1) * 512;
	off = setup + le32(img + HDR_PAYLOAD_OFFSET);
	plen = le32(img + HDR_PAYLOAD_LENGTH);
	if (setup > len || !range_ok(off, plen, len) || plen == 0) {
		*why = "bzImage payload lies outside the file";
		return -EINVAL;
	}
	h->payload_off = (size_t)off;
	h->payload_len = (size_t)plen;
	/* the version string lives in the setup code, before the payload */
	release_read(img, (size_t)setup, h);
	return 0;
}

static int xz_run(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *got,
		  const char **why)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret ret = lzma_stream_decoder(&s, XZ_MEMLIMIT, 0);

	if (ret != LZMA_OK) {
		*why = "cannot start the xz decoder";
		return -ENOMEM;
	}
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = cap;
	ret = lzma_code(&s, LZMA_FINISH);
	*got = cap - s.avail_out;
	lzma_end(&s);
	if (ret == LZMA_STREAM_END)
		return 0;
	if (s.avail_out == 0) {
		*why = "decompressed image exceeds the size cap";
		return -EFBIG;
	}
	*why = ret == LZMA_MEMLIMIT_ERROR ? "xz payload needs more memory than allowed"
					  : "xz payload is corrupt or truncated";
	return -EINVAL;
}

static int zstd_run(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *got,
		    const char **why)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer ib = {in, len, 0};
	ZSTD_outBuffer ob = {out, cap, 0};
	size_t ret = 1;

	if (!dc ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX))) {
		ZSTD_freeDCtx(dc);
		*why = "cannot start the zstd decoder";
		return -ENOMEM;
	}
	while (ret != 0) {
		size_t before_in = ib.pos, before_out = ob.pos;
		ret = ZSTD_decompressStream(dc, &ob, &ib);
		if (ZSTD_isError(ret) || (ib.pos == before_in && ob.pos == before_out))
			break;
	}
	ZSTD_freeDCtx(dc);
	*got = ob.pos;
	if (ret == 0)
		return 0;
	if (!ZSTD_isError(ret) && ob.pos == ob.size) {
		*why = "decompressed image exceeds the size cap";
		return -EFBIG;
	}
	*why = "zstd payload is corrupt or truncated";
	return -EINVAL;
}

static int gzip_run(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *got,
		    const char **why)
{
	z_stream zs = {0};
	int zr;

	if (!libz_loaded() || len > UINT_MAX || cap > UINT_MAX ||
	    libz_inflate_init2(&zs, 16 + MAX_WBITS) != Z_OK) {
		*why = "cannot start the gzip decoder";
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	zr = libz.inflate(&zs, Z_FINISH);
	*got = cap - zs.avail_out;
	libz.inflateEnd(&zs);
	if (zr == Z_STREAM_END)
		return 0;
	if (zs.avail_out == 0) {
		*why = "decompressed image exceeds the size cap";
		return -EFBIG;
	}
	*why = "gzip payload is corrupt or truncated";
	return -EINVAL;
}

int kimage_decompress(const uint8_t *in, size_t len, uint64_t cap, uint8_t **out, size_t *out_len,
		      enum wire_compression *kind, const char **why)
{
	uint8_t *buf;
	int r;

	*kind = compression_detect(in, len);
	if (*kind == WIRE_COMP_NONE) {
		*why = "payload compression is not xz, zstd or gzip";
		return -ENOTSUP;
	}
	if (cap == 0 || cap > SIZE_MAX / 2) {
		*why = "invalid size cap";
		return -EINVAL;
	}
	/* Anonymous and lazily backed: only what the decoder writes costs memory. */
	buf = mmap(NULL, (size_t)cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		*why = "cannot reserve memory for the image";
		return -ENOMEM;
	}
	if (*kind == WIRE_COMP_XZ)
		r = xz_run(in, len, buf, (size_t)cap, out_len, why);
	else if (*kind == WIRE_COMP_ZSTD)
		r = zstd_run(in, len, buf, (size_t)cap, out_len, why);
	else
		r = gzip_run(in, len, buf, (size_t)cap, out_len, why);
	if (r < 0) {
		munmap(buf, (size_t)cap);
		return r;
	}
	*out = buf;
	return 0;
}

/* A DER SEQUENCE header with a long-form length: total size, or 0. */
static size_t seq_total(const uint8_t *p, size_t avail)
{
	size_t n, len = 0;

	if (avail < 4 || p[0] != 0x30 || p[1] < 0x81 || p[1] > 0x83)
		return 0;
	n = p[1] & 0x7f;
	if (avail < 2 + n || p[2] == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		len = len << 8 | p[2 + i];
	if (len > CERTSCAN_MAX_CERT_BYTES || len > avail - 2 - n)
		return 0;
	return 2 + n + len;
}

/* One certificate exactly at p, whose DER re-encodes to the same bytes. */
static size_t cert_at(const uint8_t *p, size_t avail)
{
	size_t total = seq_total(p, avail), hdr;
	const unsigned char *q = p;
	unsigned char *der = NULL;
	X509 *x;
	int n;

	if (!total)
		return 0;
	hdr = 2 + (p[1] & 0x7f);
	/* tbsCertificate: a SEQUENCE inside, smaller than the whole */
	if (seq_total(p + hdr, total - hdr) == 0)
		return 0;
	x = d2i_X509(NULL, &q, (long)total);
	if (!x || q != p + total) {
		X509_free(x);
		ERR_clear_error();
		return 0;
	}
	n = i2d_X509(x, &der);
	X509_free(x);
	bool same = n > 0 && (size_t)n == total && memcmp(der, p, total) == 0;
	OPENSSL_free(der);
	ERR_clear_error();
	return same ? total : 0;
}

/* Is the run [start, end) followed by system_certificate_list_size? */
static bool list_size_follows(const uint8_t *buf, size_t len, size_t start, size_t end)
{
	uint64_t want = end - start;
	size_t pos = start + ((end - start + 7) & ~(size_t)7);

	for (size_t seen = 0; seen < LIST_SIZE_SEARCH && pos + 4 <= len; seen += 8, pos += 8) {
		uint32_t v = le32(buf + pos);
		if (v == 0)
			continue;
		return v == want;
	}
	return false;
}

int kimage_scan(const uint8_t *buf, size_t len, struct found_cert *list, size_t max, size_t *n_list,
		size_t *n_other)
{
	size_t i = 0;

	*n_list = *n_other = 0;
	while (i < len) {
		const uint8_t *p = memchr(buf + i, 0x30, len - i);
		if (!p)
			break;
		i = (size_t)(p - buf);
		size_t run_start = i, run_end = i, count = 0, c;
		while ((c = cert_at(buf + run_end, len - run_end)) > 0) {
			run_end += c;
			count++;
		}
		if (count == 0) {
			i++;
			continue;
		}
		bool sys = run_start % 8 == 0 && list_size_follows(buf, len, run_start, run_end);
		for (size_t off = run_start; sys && off < run_end && *n_list < max;) {
			size_t l = cert_at(buf + off, run_end - off);
			list[(*n_list)++] = (struct found_cert){off, l};
			off += l;
		}
		if (!sys)
			*n_other += count;
		i = run_end;
	}
	return 0;
}

static void biop(BIO **b)
{
	BIO_free(*b);
}

/* PEM CERTIFICATE blocks and nothing else; each one canonical DER. */
static int certfile_pem(const uint8_t *data, size_t len, struct wire_writer *w, size_t *n,
			const char **why)
{
	_cleanup_(biop) BIO *bio = len <= INT_MAX ? BIO_new_mem_buf(data, (int)len) : NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long dlen = 0;

	if (!bio) {
		*why = "cannot read the certificate file";
		return -ENOMEM;
	}
	*n = 0;
	while (PEM_read_bio(bio, &name, &header, &der, &dlen) == 1) {
		bool ok = streq(name, "CERTIFICATE") && (!header || !*header) && dlen > 0 &&
			  cert_at(der, (size_t)dlen) == (size_t)dlen && *n < CERTSCAN_MAX_CERTS;
		if (ok) {
			wire_put(w, WT_CERT_DER, der, (size_t)dlen);
			(*n)++;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (!ok) {
			*why = "the file holds something other than canonical X.509 CERTIFICATE "
			       "blocks (a key?), or too many";
			return -EINVAL;
		}
	}
	unsigned long e = ERR_peek_last_error();
	ERR_clear_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		*why = "broken PEM block";
		return -EINVAL;
	}
	return 0;
}

static int certfile_scan(const uint8_t *data, size_t len, struct wire_writer *w, const char **why)
{
	size_t n = 0;
	int r;

	if (len > 0 && data[0] == 0x30) {
		if (len > CERTSCAN_MAX_CERT_BYTES || cert_at(data, len) != len) {
			*why = "not one canonical DER X.509 certificate";
			return -EINVAL;
		}
		wire_put(w, WT_CERT_DER, data, len);
		return 0;
	}
	if (!memmem(data, len, "-----BEGIN ", 11)) {
		*why = "neither PEM nor DER";
		return -EINVAL;
	}
	r = certfile_pem(data, len, w, &n, why);
	if (r == 0 && n == 0) {
		*why = "no certificate in the file";
		r = -EINVAL;
	}
	return r;
}

static void put_release(struct wire_writer *w, const char *s, size_t len)
{
	if (!s || len == 0 || len > CERTSCAN_MAX_RELEASE)
		return;
	wire_put_strn(w, WT_CERT_RELEASE, s, len);
}

/* Without a bzImage header: the banner "Linux version <release> (...". */
static void banner_release(const uint8_t *buf, size_t len, struct wire_writer *w)
{
	static const char banner[] = "Linux version ";
	const uint8_t *p = memmem(buf, len, banner, sizeof(banner) - 1);
	size_t start, end;

	if (!p)
		return;
	start = end = (size_t)(p - buf) + sizeof(banner) - 1;
	while (end < len && end - start <= CERTSCAN_MAX_RELEASE && buf[end] > ' ' &&
	       buf[end] < 0x7f)
		end++;
	put_release(w, (const char *)buf + start, end - start);
}

static int kernel_scan(const uint8_t *img, size_t len, uint64_t cap, struct wire_writer *w,
		       const char **why)
{
	struct kimage_header h;
	struct found_cert found[CERTSCAN_MAX_CERTS];
	enum wire_compression kind = WIRE_COMP_NONE;
	const uint8_t *payload = img, *vmlinux = img;
	size_t plen = len, vlen = len, n_list, n_other;
	uint8_t *mapped = NULL;
	int r = kimage_header_read(img, len, &h, why);

	if (r == 0) {
		payload = img + h.payload_off;
		plen = h.payload_len;
		put_release(w, h.release, h.release_len);
	} else if (r != -ENOEXEC) {
		return r;
	}
	if (compression_detect(payload, plen) != WIRE_COMP_NONE || r == 0) {
		r = kimage_decompress(payload, plen, cap, &mapped, &vlen, &kind, why);
		if (r < 0)
			return r;
		vmlinux = mapped;
	}
	if (!h.release)
		banner_release(vmlinux, vlen, w);
	kimage_scan(vmlinux, vlen, found, ARRAY_SIZE(found), &n_list, &n_other);
	for (size_t i = 0; i < n_list; i++)
		wire_put(w, WT_CERT_DER, vmlinux + found[i].off, found[i].len);
	wire_put_u32(w, WT_CERT_PAYLOAD, (uint32_t)kind);
	wire_put_u32(w, WT_CERT_SKIPPED, (uint32_t)MIN(n_other, (size_t)UINT32_MAX));
	if (mapped)
		munmap(mapped, (size_t)cap);
	return 0;
}

static int send_error(int reply_fd, int err, const char *why)
{
	struct wire_writer w;
	int r;

	wire_writer_init(&w, WIRE_MSG_ERROR);
	wire_put_u32(&w, WT_ERR_ERRNO, (uint32_t)(err < 0 ? -err : err));
	wire_put_str(&w, WT_ERR_MESSAGE, why ? why : "certificate scan failed");
	r = wire_send(&w, reply_fd);
	wire_writer_release(&w);
	return r;
}

static void pkeyp(EVP_PKEY **k)
{
	EVP_PKEY_free(*k);
}

static void x509p(X509 **x)
{
	X509_free(*x);
}

/* Read one PEM block back and check it; then the reader's end-of-input path. */
static bool pem_round_trip(BIO *bio, size_t n)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	bool ok = PEM_read_bio(bio, &name, &header, &data, &dlen) == 1 &&
		  cert_at(data, (size_t)dlen) == n;

	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return ok && PEM_read_bio(bio, &name, &header, &data, &dlen) == 0;
}

/* OpenSSL initialises parts of the certificate codec on first use (a
 * pthread_once ending in a futex wake, which the filter forbids): walk the
 * paths the scan takes, on a certificate made here, before the filter. */
static int certscan_pretouch(void)
{
	_cleanup_(pkeyp) EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	_cleanup_(biop) BIO *bio = BIO_new(BIO_s_mem());
	_cleanup_(x509p) X509 *x = X509_new();
	unsigned char *der = NULL;
	int n = -1;
	bool ok;

	if (k && bio && x && X509_set_version(x, 2) == 1 && X509_set_pubkey(x, k) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 1) && X509_sign(x, k, EVP_sha256()) > 0)
		n = i2d_X509(x, &der);
	ok = n > 0 && cert_at(der, (size_t)n) == (size_t)n && PEM_write_bio_X509(bio, x) == 1 &&
	     pem_round_trip(bio, (size_t)n);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok ? 0 : -EIO;
}

int sandbox_certscan_prepare(void *job)
{
	(void)job;
	int r = decode_crypto_init();
	/* For a gzip-compressed image; without it, only gzip fails. */
	if (r == 0)
		libz_load();
	return r < 0 ? r : certscan_pretouch();
}

int sandbox_certscan_run(void *arg, int reply_fd)
{
	const struct certscan_job *job = arg;
	const char *why = NULL;
	struct wire_writer w;
	void *map;
	int r;

	if (job->size == 0 || job->size > SIZE_MAX)
		return send_error(reply_fd, EINVAL, "empty or oversized input");
	map = mmap(NULL, (size_t)job->size, PROT_READ, MAP_PRIVATE, job->fd, 0);
	if (map == MAP_FAILED)
		return send_error(reply_fd, errno, "cannot map the input");
	wire_writer_init(&w, WIRE_MSG_CERTS);
	if (job->kind == CERTSCAN_KERNEL)
		r = kernel_scan(map, (size_t)job->size, job->cap, &w, &why);
	else
		r = certfile_scan(map, (size_t)job->size, &w, &why);
	if (r == 0 && w.error) {
		r = w.error;
		why = "the certificates do not fit the wire protocol's limits";
	}
	if (r < 0) {
		wire_writer_release(&w);
		return send_error(reply_fd, r, why);
	}
	r = wire_send(&w, reply_fd);
	wire_writer_release(&w);
	return r;
}
