/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificates out of a kernel image or a certificate file, found by a
 * sandboxed child (role SANDBOX_ROLE_PARSE: it needs exactly what child B
 * needs, reading and mapping its input and writing one reply). The parent half
 * is verify/extract.c.
 *
 * Kernel image: a bzImage's setup header gives the compressed payload
 * (payload_offset/payload_length) and the release string (kernel_version);
 * the payload (xz, zstd or gzip) is decompressed into memory, capped, and
 * scanned for DER certificates. Only the kernel's system certificate list is
 * returned: certs/system_certificates.S puts it 8-aligned, the certificates
 * back to back, then (after zero padding, and the zeroed extra-certificate
 * slot where configured) system_certificate_list_size, the list's length.
 * That length, matching, is what tells the built-in trusted keys apart from
 * other certificates an image may carry (the wireless regulatory keys).
 * A file that is not a bzImage is scanned as is (an uncompressed vmlinux) or
 * decompressed whole first when it starts with a compressor's magic.
 *
 * Certificate file: PEM (CERTIFICATE blocks only) or one DER certificate.
 *
 * Every certificate returned parsed with d2i_X509 here, and re-encodes to the
 * exact same bytes, so the parent receives canonical DER it can write as PEM
 * without parsing it.
 *
 * Reply: WIRE_MSG_CERTS (WT_CERT_DER repeated, WT_CERT_RELEASE, WT_CERT_PAYLOAD,
 * WT_CERT_SKIPPED) or WIRE_MSG_ERROR.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sandbox/wire.h"

#define CERTSCAN_MAX_CERTS	64
#define CERTSCAN_MAX_CERT_BYTES (64u << 10)
#define CERTSCAN_MAX_RELEASE	64

enum certscan_kind {
	CERTSCAN_KERNEL = 1,
	CERTSCAN_FILE = 2,
};

struct certscan_job {
	int fd;
	uint64_t size;
	enum certscan_kind kind;
	uint64_t cap; /* decompressed image size cap */
};

int sandbox_certscan_prepare(void *job);
int sandbox_certscan_run(void *job, int reply_fd);

/* The pieces, pure functions over buffers (unit tests call them directly). */

struct kimage_header {
	size_t payload_off, payload_len;
	const char *release; /* inside the image; not NUL-terminated */
	size_t release_len;
};

/* 0 if img is a bzImage with a payload inside it; -ENOEXEC if not a bzImage;
 * -EINVAL (why set) if it claims to be one and is broken. */
int kimage_header_read(const uint8_t *img, size_t len, struct kimage_header *h, const char **why);

/* Decompress in (xz, zstd, gzip by magic; trailing bytes after the stream
 * ignored, as the kernel appends the size) into a fresh anonymous mapping of
 * cap bytes. *out and *out_len: the mapping and the bytes produced; the caller
 * munmaps cap bytes. -errno with why set. */
int kimage_decompress(const uint8_t *in, size_t len, uint64_t cap, uint8_t **out, size_t *out_len,
		      enum wire_compression *kind, const char **why);

struct found_cert {
	size_t off, len;
};

/* DER certificates in buf that parse and re-encode identically, in file
 * order, at most max; *n_list of them (the first ones after sorting out) are
 * the system certificate list; *n_other other certificates were seen. The
 * list's entries are written to list[0..*n_list). */
int kimage_scan(const uint8_t *buf, size_t len, struct found_cert *list, size_t max, size_t *n_list,
		size_t *n_other);
