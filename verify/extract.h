/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificates from a kernel image or a certificate file, for `modgate keys
 * extract-kernel` and `keys import`. The file is opened here and handed to a
 * sandboxed child (sandbox/kimage.h), which does all the parsing; the parent
 * checks the reply's shape and gets canonical DER it never parses: it only
 * hashes it (fingerprints) and base64-encodes it (PEM) into the trust store.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "inspect/facts.h"
#include "sandbox/kimage.h"

struct extracted {
	struct bytes *certs; /* canonical DER, as the child validated it */
	size_t n;
	char *release;	  /* kernel release from the image if usable in a file name; or NULL */
	uint32_t skipped; /* certificates outside the system list (kernel images) */
	enum wire_compression payload;
};

/* Run the scan over path. 0, or -errno with err saying why in one sentence. */
int extract_certs(const char *path, enum certscan_kind kind, struct extracted *out,
		  struct strbuf *err);

void extracted_release(struct extracted *e);

/* The PEM file holding all of e's certificates. 0 or -ENOMEM. */
int extracted_pem(const struct extracted *e, struct strbuf *pem);
