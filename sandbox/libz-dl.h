/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* zlib, for gzip-compressed modules and kernel images only (common/dlopen.h).
 * The decoders run in sandboxed children, which can open nothing once their
 * filter is on: a child that may meet gzip loads it in its prepare step
 * (sandbox_gzip_prepare, sandbox_worker_prepare, sandbox_certscan_prepare),
 * and the decoder checks libz_loaded() instead of opening anything. */
#pragma once

#include <zlib.h>

#include "common/dlopen.h"

#define LIBZ_FUNCTIONS(X, t)                                                                       \
	X(t, inflateInit2_)                                                                        \
	X(t, inflate)                                                                              \
	X(t, inflateReset)                                                                         \
	X(t, inflateEnd)

/* libz.<function> is valid once libz_load() returned 0; that is 0 or
 * -ELIBACC (reported once: the library or a symbol is missing). */
DL_API(libz, LIBZ_FUNCTIONS);

/* inflateInit2() is a macro over inflateInit2_(), which checks the header's
 * version and z_stream size against the library's. */
#define libz_inflate_init2(strm, bits)                                                             \
	libz.inflateInit2_((strm), (bits), ZLIB_VERSION, (int)sizeof(z_stream))
