// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modules.builtin.modinfo reader. libkmod walks the strings in runs that share
 * a module prefix and answers from the first run naming the module; a later
 * run of the same module (which kbuild never writes) is ignored, as there.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "moddb/builtin.h"

/* Far above any real file (60 KiB for a Debian kernel). */
#define BUILTIN_MODINFO_MAX (64u << 20)

/* Length of the module prefix of s (the part before the first '.'), or -1. */
static ssize_t prefix_len(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);
	return dot ? dot - s : -1;
}

static int collect(const char *start, const char *end, size_t skip, size_t count, char ***strings,
		   size_t *n)
{
	size_t bytes = (size_t)(end - start), ptrs;
	if (size_mul_overflow(count + 1, sizeof(char *), &ptrs) ||
	    size_add_overflow(ptrs, bytes + 1, &bytes))
		return -ENOMEM;
	char **a = malloc(bytes);
	if (!a)
		return -ENOMEM;
	char *s = (char *)(a + count + 1);
	size_t i = 0;
	for (const char *p = start; p < end && i < count; i++) {
		size_t l = strlen(p);
		memcpy(s, p + skip, l - skip + 1);
		a[i] = s;
		s += l - skip + 1;
		p += l + 1;
	}
	a[i] = NULL;
	*strings = a;
	*n = i;
	return 0;
}

int builtin_modinfo_parse(const char *buf, size_t len, const char *modname, char ***strings,
			  size_t *n)
{
	size_t mlen = strlen(modname);
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		ssize_t gl = nul ? prefix_len(p, (size_t)(nul - p)) : -1;
		if (gl < 0)
			return -EBADMSG;
		const char *gstart = p;
		size_t count = 0;
		bool tail = false, bad = false;
		for (;;) {
			count++;
			p = nul + 1;
			if (p >= end)
				break;
			nul = memchr(p, '\0', (size_t)(end - p));
			if (!nul) {
				tail = true; /* unterminated last string */
				break;
			}
			ssize_t l = prefix_len(p, (size_t)(nul - p));
			if (l < 0)
				bad = true;
			if (l != gl || memcmp(p, gstart, (size_t)gl) != 0)
				break;
		}
		if ((size_t)gl == mlen && memcmp(gstart, modname, mlen) == 0) {
			/* libkmod counts an unterminated tail into the run and then
			 * fails to read it */
			if (tail)
				return -EINVAL;
			return collect(gstart, p, mlen + 1, count, strings, n);
		}
		if (tail)
			return -ENOSYS;
		if (bad)
			return -EBADMSG;
	}
	return -ENOSYS;
}

int builtin_modinfo_get(const char *path, const char *modname, char ***strings, size_t *n)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_full_file(path, BUILTIN_MODINFO_MAX, &buf, &len);
	if (r < 0)
		return r;
	return builtin_modinfo_parse(buf, len, modname, strings, n);
}
