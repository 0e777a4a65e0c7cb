// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The parent half of certificate extraction (extract.h).
 *
 * Why it is safe here: the input file is opened O_RDONLY and only passed on;
 * the reply passes reply_check() (framing, tags, sizes) and then our own
 * rules (counts, lengths, the release string's characters); the DER is
 * hashed and base64-encoded, never decoded. The trust store loader parses
 * the written file later as configuration, like any certificate an admin
 * drops into keys.d; the child already proved it parses and is canonical.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macros.h"
#include "inspect/reply.h"
#include "inspect/spawn.h"
#include "verify/certutil.h"
#include "verify/extract.h"

/* A kernel image decompresses to ~60 MiB today. */
#define IMAGE_CAP	(512ull << 20)
#define SCAN_HEADROOM	(256ull << 20)
#define SCAN_TIMEOUT_MS 120000

static int fail(struct strbuf *err, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct strbuf *err, int r, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	strbuf_clear(err);
	strbuf_append_str(err, tmp);
	return r;
}

void extracted_release(struct extracted *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->certs[i].data);
	free(e->certs);
	free(e->release);
	*e = (struct extracted){0};
}

static bool release_ok(const uint8_t *s, size_t len)
{
	if (len == 0 || len > CERTSCAN_MAX_RELEASE || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '+' || c == '~' || c == '-'))
			return false;
	}
	return true;
}

static int take_cert(struct extracted *e, const struct wire_item *it, struct strbuf *err)
{
	if (e->n >= CERTSCAN_MAX_CERTS)
		return fail(err, -EPROTO, "invalid reply: more than %d certificates",
			    CERTSCAN_MAX_CERTS);
	if (it->len < 4 || it->len > CERTSCAN_MAX_CERT_BYTES || it->data[0] != 0x30)
		return fail(err, -EPROTO, "invalid reply: certificate %zu is not a DER SEQUENCE",
			    e->n);
	struct bytes *nv = realloc(e->certs, (e->n + 1) * sizeof(*nv));
	if (!nv)
		return fail(err, -ENOMEM, "out of memory");
	e->certs = nv;
	nv[e->n].data = malloc(it->len);
	if (!nv[e->n].data)
		return fail(err, -ENOMEM, "out of memory");
	memcpy(nv[e->n].data, it->data, it->len);
	nv[e->n++].len = it->len;
	return 0;
}

static int take_reply(const struct child_reply *rep, struct extracted *e, struct strbuf *err)
{
	struct wire_reader rd;
	struct wire_item it;
	uint32_t u;
	int r = 0;

	wire_reader_init(&rd, rep);
	while (r == 0 && wire_next(&rd, &it)) {
		switch (it.tag) {
		case WT_CERT_DER:
			r = take_cert(e, &it, err);
			break;
		case WT_CERT_RELEASE:
			/* unusable as a file name part: as if the image named none */
			if (!release_ok(it.data, it.len) || e->release)
				break;
			e->release = strndup((const char *)it.data, it.len);
			if (!e->release)
				r = fail(err, -ENOMEM, "out of memory");
			break;
		case WT_CERT_PAYLOAD:
		case WT_CERT_SKIPPED:
			memcpy(&u, it.data, sizeof(u)); /* 4 bytes: reply_check() */
			if (it.tag == WT_CERT_PAYLOAD)
				e->payload = (enum wire_compression)u;
			else
				e->skipped = u;
			break;
		}
	}
	return r;
}

static int run_scan(int fd, uint64_t size, enum certscan_kind kind, struct extracted *out,
		    struct strbuf *err)
{
	struct certscan_job job = {.fd = fd, .size = size, .kind = kind, .cap = IMAGE_CAP};
	struct sandbox_params p = {
		.role = SANDBOX_ROLE_PARSE,
		.in_fds = &job.fd,
		.n_in_fds = 1,
		.as_headroom = IMAGE_CAP + SCAN_HEADROOM + size,
		.cpu_seconds = SCAN_TIMEOUT_MS / 1000,
		.prepare = sandbox_certscan_prepare,
		.arg_len = sizeof(job),
	};
	struct child_reply rep;
	int r = child_run_and_read(&p, sandbox_certscan_run, &job, SCAN_TIMEOUT_MS, &rep, err);

	if (r < 0)
		return r;
	if (rep.type == WIRE_MSG_ERROR)
		r = reply_to_error(&rep, err);
	else if (rep.type != WIRE_MSG_CERTS)
		r = fail(err, -EPROTO, "invalid reply: unexpected message type %u", rep.type);
	else
		r = take_reply(&rep, out, err);
	child_reply_release(&rep);
	return r;
}

int extract_certs(const char *path, enum certscan_kind kind, struct extracted *out,
		  struct strbuf *err)
{
	struct stat st;
	int r;

	*out = (struct extracted){0};
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(err, -errno, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0)
		return fail(err, -errno, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, -EINVAL, "not a regular file");
	if (st.st_size == 0)
		return fail(err, -EINVAL, "empty file");
	r = run_scan(fd, (uint64_t)st.st_size, kind, out, err);
	if (r == 0 && out->n == 0 && kind == CERTSCAN_KERNEL)
		r = fail(err, -ENOENT,
			 "no system certificate list found in the image (%u other certificates "
			 "ignored)",
			 out->skipped);
	else if (r == 0 && out->n == 0)
		r = fail(err, -ENOENT, "no certificate found");
	if (r < 0)
		extracted_release(out);
	return r;
}

int extracted_pem(const struct extracted *e, struct strbuf *pem)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < e->n; i++)
		r = cu_pem_append(pem, e->certs[i].data, e->certs[i].len);
	return r;
}
