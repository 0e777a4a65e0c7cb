// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modules.builtin.bin and modules.builtin.alias.bin, from the two files the
 * kernel package ships (modules.builtin: one path per line;
 * modules.builtin.modinfo: "module.key=value\0" records). Both are
 * root-owned files of the tree, not module bytes; the scans below are byte
 * loops with no structure to trust, and they reproduce kmod 30's reading of
 * malformed input, which decides what lands in the index.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/log.h"
#include "moddb/depmod-builtin.h"
#include "moddb/index-write.h"

#define BUILTIN_MAX_BYTES (256u << 20)
#define KMOD_PATH_MAX	  4096

int dm_alias_normalize(const char *alias, struct strbuf *out)
{
	size_t len = strnlen(alias, KMOD_PATH_MAX - 1);
	strbuf_clear(out);
	if (strbuf_reserve(out, len) < 0)
		return -ENOMEM;
	char *dst = out->buf;
	for (size_t i = 0; i < len; i++) {
		char c = alias[i];
		if (c == ']')
			return -EINVAL;
		if (c == '[') {
			/* a bracket expression is copied as is, '-' included */
			const char *end = strchr(alias + i, ']');
			if (!end)
				return -EINVAL;
			size_t n = (size_t)(end - (alias + i)) + 1;
			if (i + n > len) {
				/* past kmod's 4095 bytes: its buffer would not hold it either */
				if (strbuf_reserve(out, i + n) < 0)
					return -ENOMEM;
				dst = out->buf;
			}
			memcpy(dst + i, alias + i, n);
			i += n - 1;
			if (i + 1 > len)
				len = i + 1;
			continue;
		}
		dst[i] = c == '-' ? '_' : c;
	}
	out->len = len;
	dst[len] = '\0';
	return 0;
}

static int read_tree_file(const struct dm_config *cfg, const char *name, char **buf, size_t *len)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", cfg->dirname, name) < 0)
		return -ENOMEM;
	int r = read_full_file(path, BUILTIN_MAX_BYTES, buf, len);
	if (r < 0 && r != -ENOMEM)
		log_warning("could not open %s at %s: %s\n", name, cfg->dirname, strerror(-r));
	return r;
}

static bool ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int dm_build_builtin(const struct dm_config *cfg, struct strbuf *out)
{
	_cleanup_free_ char *buf = NULL, *line = NULL;
	size_t len, pos = 0, n;
	int r = read_tree_file(cfg, "modules.builtin", &buf, &len);
	if (r < 0)
		return r == -ENOMEM ? r : 0; /* kmod leaves the file empty */
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	line = malloc(KMOD_PATH_MAX);
	if (!t || !line)
		return -ENOMEM;
	while ((n = dm_fgets_piece(buf, len, &pos, KMOD_PATH_MAX)) > 0) {
		memcpy(line, buf + pos - n, n);
		line[n] = '\0';
		if (!ascii_alpha(line[0])) {
			log_error("Invalid modules.builtin line: %s\n", line);
			continue;
		}
		/* kmod takes the basename up to its first '.', newline and all */
		_cleanup_free_ char *name = dm_modname_from_path(line);
		if (!name)
			continue;
		r = index_trie_insert(t, name, "", 0, NULL);
		if (r == -EINVAL)
			log_warning("modules.builtin: ignoring a name outside 7-bit ASCII\n");
		else if (r < 0)
			return r;
	}
	return index_trie_write(t, out);
}

/* A byte stream read the way kmod reads modules.builtin.modinfo with fgetc. */
struct stream {
	const char *buf;
	size_t len, pos;
	bool eof;
};

static int getc_s(struct stream *s)
{
	if (s->pos >= s->len) {
		s->eof = true;
		return EOF;
	}
	return (unsigned char)s->buf[s->pos++];
}

/* Read up to endchar, NUL or EOF, consuming the stop byte; the length read
 * when endchar stopped it, else 0. A field longer than dst_sz is cut (and one
 * more byte swallowed), as kmod's flush_stream_to() does. */
static size_t read_to(struct stream *s, int endchar, char *dst, size_t dst_sz)
{
	size_t i = 0;
	int c;
	for (c = getc_s(s); c != EOF && c != endchar && c != '\0' && i < dst_sz; c = getc_s(s))
		dst[i++] = (char)c;
	if (i == dst_sz) {
		log_warning("Could not flush stream: %d. Partial content: %.*s\n", ENOSPC,
			    (int)dst_sz, dst);
		i--;
	}
	return c == endchar ? i : 0;
}

static void skip_to(struct stream *s, int endchar)
{
	int c;
	do
		c = getc_s(s);
	while (c != EOF && c != endchar && c != '\0');
}

struct modinfo_bufs {
	char modname[KMOD_PATH_MAX], value[KMOD_PATH_MAX];
};

int dm_build_builtin_alias(const struct dm_config *cfg, struct strbuf *out)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_tree_file(cfg, "modules.builtin.modinfo", &buf, &len);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	_cleanup_free_ struct modinfo_bufs *b = malloc(sizeof(*b));
	_cleanup_strbuf_ struct strbuf alias = STRBUF_INIT;
	if (!t || !b)
		return -ENOMEM;
	struct stream s = {buf, len, 0, false};
	while (!s.eof) {
		/* "<module>.<key>=<value>\0" */
		size_t n = read_to(&s, '.', b->modname, sizeof(b->modname));
		b->modname[n] = '\0';
		if (!n)
			continue;
		n = read_to(&s, '=', b->value, sizeof(b->value));
		b->value[n] = '\0';
		if (!streq(b->value, "alias")) {
			skip_to(&s, '\0');
			continue;
		}
		n = read_to(&s, '\0', b->value, sizeof(b->value));
		b->value[n] = '\0';
		if (!n)
			continue;
		r = dm_alias_normalize(b->value, &alias);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			log_warning("Unmatched bracket in %s\n", b->value);
			continue;
		}
		r = index_trie_insert(t, strbuf_str(&alias), b->modname, 0, NULL);
		if (r == -EINVAL)
			log_warning("modules.builtin.modinfo: ignoring an alias of %s outside "
				    "7-bit ASCII\n",
				    b->modname);
		else if (r < 0)
			return r;
	}
	return index_trie_write(t, out);
}
