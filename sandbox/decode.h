/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decoders. They only ever run inside a sandboxed child (sandbox/child.c),
 * over bytes that are untrusted. Pure functions over a buffer: no I/O besides
 * what the caller does with the writer.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sandbox/wire.h"

/* Child B: parse a (decompressed) module image and add WIRE_MSG_FACTS fields
 * to w: ELF facts (WT_ELF_*, WT_NAME, WT_MODINFO, WT_EXPORT, WT_NEED,
 * WT_VERSION) and signature facts (WT_SIG_*); with WIRE_SCOPE_SIGNATURE
 * the ELF is checked the same way but only its class, data and machine and
 * the signature facts are sent (enum wire_scope).
 * A broken signature is not an error (WT_SIG_STATE = MALFORMED + WT_SIG_PROBLEM);
 * a broken ELF is: returns -errno (-ENOEXEC for format problems) and *why
 * names the cause ("section header table past end of file"). */
int module_decode(const uint8_t *buf, size_t len, enum wire_scope scope, struct wire_writer *w,
		  const char **why);

/* Signature part alone (called by module_decode, also usable on any buffer). */
void modsig_decode(const uint8_t *buf, size_t len, struct wire_writer *w);

/* Prepare OpenSSL before the seccomp filter goes on: no config file, error
 * strings and algorithms loaded, so the first d2i call needs no syscalls the
 * filter forbids. Called in the child before sandbox_enter(). */
int decode_crypto_init(void);

/* Child A: detect the compression by magic (zstd, xz, gzip; anything else is
 * an error: uncompressed files never reach a decompressor) and decompress
 * from in_fd to out_fd, writing at most cap bytes (more → -EFBIG, "exceeds the
 * size cap"). Decoder memory is bounded too. in_size, when not 0, is the
 * input's size as the parent saw it: the input is then mapped rather than
 * read (in_fd must be mappable by the caller's filter). Returns bytes
 * written or -errno with *why set. */
int64_t decompress_fd(int in_fd, uint64_t in_size, int out_fd, uint64_t cap,
		      enum wire_compression *kind, const char **why);

/* Magic detection on the first bytes of a file (used by the parent too: it is
 * a fixed-size comparison, not a parser). */
enum wire_compression compression_detect(const uint8_t *head, size_t len);
