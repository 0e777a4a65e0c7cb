// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod .bin index reader (format in index.h). Lookups follow libkmod's
 * semantics exactly, including the order of results, because modinfo and
 * modprobe print and load in that order.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/macros.h"
#include "moddb/index.h"

#define NODE_PREFIX 0x80000000u
#define NODE_VALUES 0x40000000u
#define NODE_CHILDS 0x20000000u
#define NODE_FLAGS  0xF0000000u
#define NODE_OFFSET 0x0FFFFFFFu
#define HEADER_SIZE 12u
/* depmod indexes children by a 7-bit character (INDEX_CHILDMAX 128 in kmod). */
#define CHILD_MAX 128u

struct index {
	const uint8_t *map;
	size_t size;
	uint32_t root;
	const char *why;
};

struct node {
	const char *prefix;	  /* "" when absent */
	unsigned int first, last; /* first > last: no children */
	const uint8_t *children;
	uint32_t nvalues;
	const uint8_t *values;
};

/* State of one query. */
struct walk {
	struct index *idx;
	enum index_reader rd;
	size_t budget; /* node pointers this query may still follow */
	struct index_values *out;
	char key[INDEX_MAX_KEY + 1]; /* pattern (wildcard) or key (dump) being built */
	size_t klen;
	index_dump_fn fn;
	void *userdata;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int fail(struct index *idx, int err, const char *why)
{
	idx->why = why;
	return err;
}

const char *index_why(const struct index *idx)
{
	return idx && idx->why ? idx->why : "";
}

const char *index_open_why(int err)
{
	switch (err) {
	case -EBADMSG:
		return "not a kmod index (bad magic, version or size)";
	case -EFBIG:
		return "index too large";
	default:
		return strerror(-err);
	}
}

int index_open(int dirfd, const char *path, struct index **out)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)HEADER_SIZE)
		return -EBADMSG;
	/* Offsets are 28 bits: a larger file cannot be a valid index. */
	if ((uint64_t)st.st_size > (uint64_t)NODE_OFFSET + 1)
		return -EFBIG;
	/* depmod replaces indexes by rename(), so a mapping never shrinks under us. */
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	const uint8_t *p = map;
	if (be32(p) != INDEX_MAGIC || be32(p + 4) >> 16 != INDEX_VERSION_MAJOR) {
		munmap(map, (size_t)st.st_size);
		return -EBADMSG;
	}
	struct index *idx = calloc(1, sizeof(*idx));
	if (!idx) {
		munmap(map, (size_t)st.st_size);
		return -ENOMEM;
	}
	idx->map = p;
	idx->size = (size_t)st.st_size;
	idx->root = be32(p + 8);
	*out = idx;
	return 0;
}

void index_close(struct index *idx)
{
	if (!idx)
		return;
	munmap((void *)idx->map, idx->size);
	free(idx);
}

void index_values_release(struct index_values *vals)
{
	free(vals->v);
	vals->v = NULL;
	vals->n = vals->cap = 0;
}

/* A NUL-terminated string starting at off, wholly inside the file; its end in *next. */
static const char *string_at(const struct index *idx, size_t off, size_t *next)
{
	if (off >= idx->size)
		return NULL;
	const uint8_t *nul = memchr(idx->map + off, '\0', idx->size - off);
	if (!nul)
		return NULL;
	*next = (size_t)(nul - idx->map) + 1;
	return (const char *)idx->map + off;
}

static int node_parse(struct index *idx, uint32_t ptr, struct node *n)
{
	size_t off = ptr & NODE_OFFSET, len;
	if (ptr & NODE_FLAGS & ~(NODE_PREFIX | NODE_VALUES | NODE_CHILDS))
		return fail(idx, -EBADMSG, "index node pointer has unknown flags");
	if (off < HEADER_SIZE || off >= idx->size)
		return fail(idx, -EBADMSG, "index node pointer past the end of the file");
	n->prefix = "";
	if (ptr & NODE_PREFIX) {
		n->prefix = string_at(idx, off, &off);
		if (!n->prefix)
			return fail(idx, -EBADMSG,
				    "index node prefix runs past the end of the file");
	}
	n->first = 1;
	n->last = 0;
	n->children = NULL;
	if (ptr & NODE_CHILDS) {
		if (!range_ok(off, 2, idx->size))
			return fail(idx, -EBADMSG, "index child range past the end of the file");
		n->first = idx->map[off];
		n->last = idx->map[off + 1];
		if (n->first > n->last || n->last >= CHILD_MAX)
			return fail(idx, -EBADMSG, "index node has an invalid child range");
		len = (n->last - n->first + 1) * 4u;
		if (!range_ok(off + 2, len, idx->size))
			return fail(idx, -EBADMSG, "index child table past the end of the file");
		n->children = idx->map + off + 2;
		off += 2 + len;
	}
	n->nvalues = 0;
	n->values = NULL;
	if (ptr & NODE_VALUES) {
		if (!range_ok(off, 4, idx->size))
			return fail(idx, -EBADMSG, "index value count past the end of the file");
		n->nvalues = be32(idx->map + off);
		n->values = idx->map + off + 4;
		/* each value takes at least 5 bytes (priority and NUL) */
		if (n->nvalues > (idx->size - off - 4) / 5)
			return fail(idx, -EBADMSG, "index value count exceeds the file size");
	}
	return 0;
}

/* Follow one node pointer: 1 and *n filled, 0 for "no node", or -errno. */
static int node_follow(struct walk *w, uint32_t ptr, struct node *n)
{
	if ((ptr & NODE_OFFSET) == 0)
		return 0;
	if (w->budget == 0)
		return fail(w->idx, -ELOOP, "index nodes are shared or cyclic");
	w->budget--;
	int r = node_parse(w->idx, ptr, n);
	return r < 0 ? r : 1;
}

static int node_child(struct walk *w, const struct node *n, unsigned char ch, struct node *child)
{
	if (ch < n->first || ch > n->last)
		return 0;
	return node_follow(w, be32(n->children + (ch - n->first) * 4u), child);
}

static int values_insert(struct index_values *vals, size_t i, uint32_t prio, const char *value)
{
	if (vals->n == vals->cap) {
		size_t cap;
		if (size_mul_overflow(vals->cap ? vals->cap : 4, 2, &cap))
			return -ENOMEM;
		struct index_value *nv = reallocarray(vals->v, cap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		vals->v = nv;
		vals->cap = cap;
	}
	memmove(vals->v + i + 1, vals->v + i, (vals->n - i) * sizeof(*vals->v));
	vals->v[i] = (struct index_value){.priority = prio, .value = value};
	vals->n++;
	return 0;
}

/* libkmod keeps values sorted by priority and puts a new value before any of
 * equal priority; both its readers build their results this way. */
static int values_add(struct index_values *vals, uint32_t prio, const char *value)
{
	size_t i = 0;
	while (i < vals->n && vals->v[i].priority < prio)
		i++;
	return values_insert(vals, i, prio, value);
}

/* The values of one node in the reader's order: the mmap reader keeps file
 * order, the stream reader re-sorts them through values_add() as it reads. */
static int node_values(struct index *idx, const struct node *n, enum index_reader rd,
		       struct index_values *vals)
{
	size_t off = (size_t)(n->values - idx->map);
	for (uint32_t i = 0; i < n->nvalues; i++) {
		if (!range_ok(off, 4, idx->size))
			return fail(idx, -EBADMSG, "index value past the end of the file");
		uint32_t prio = be32(idx->map + off);
		const char *s = string_at(idx, off + 4, &off);
		if (!s)
			return fail(idx, -EBADMSG, "index value runs past the end of the file");
		int r = rd == INDEX_READER_STREAM ? values_add(vals, prio, s)
						  : values_insert(vals, vals->n, prio, s);
		if (r < 0)
			return r;
	}
	return 0;
}

static void walk_init(struct walk *w, struct index *idx, enum index_reader rd,
		      struct index_values *out)
{
	idx->why = NULL;
	w->idx = idx;
	w->rd = rd;
	/* Every node but the root is reached through a distinct 4-byte child
	 * pointer, and a query follows each pointer at most once. */
	w->budget = idx->size / 4 + 1;
	w->out = out;
	w->klen = 0;
	w->key[0] = '\0';
}

int index_search(struct index *idx, const char *key, enum index_reader rd, struct index_values *out)
{
	struct walk w;
	struct node n;
	size_t i = 0;
	walk_init(&w, idx, rd, out);
	int r = node_follow(&w, idx->root, &n);
	while (r > 0) {
		size_t j;
		for (j = 0; n.prefix[j]; j++)
			if (n.prefix[j] != key[i + j])
				return -ENOENT;
		i += j;
		if (key[i] == '\0') {
			if (n.nvalues == 0)
				return -ENOENT;
			return node_values(idx, &n, rd, out);
		}
		struct node child;
		r = node_child(&w, &n, (unsigned char)key[i], &child);
		n = child;
		i++;
	}
	return r < 0 ? r : -ENOENT;
}

static int key_push(struct walk *w, const char *s, size_t len)
{
	if (len > INDEX_MAX_KEY - w->klen)
		return fail(w->idx, -E2BIG, "index key longer than supported");
	memcpy(w->key + w->klen, s, len);
	w->klen += len;
	w->key[w->klen] = '\0';
	return 0;
}

static void key_pop(struct walk *w, size_t len)
{
	w->klen -= len;
	w->key[w->klen] = '\0';
}

/* Add all values of a node that matched to the results, in reader order. */
static int add_node_values(struct walk *w, const struct node *n)
{
	struct index_values tmp = {0};
	int r = node_values(w->idx, n, w->rd, &tmp);
	for (size_t i = 0; r == 0 && i < tmp.n; i++)
		r = values_add(w->out, tmp.v[i].priority, tmp.v[i].value);
	index_values_release(&tmp);
	return r;
}

/* Below a wildcard: every key of the subtree is a pattern (w->key holds it
 * from the wildcard on) matched against subkey, the rest of the query. */
static int wild_all(struct walk *w, const struct node *n, size_t j, const char *subkey)
{
	size_t pushed = strlen(n->prefix + j);
	int r = key_push(w, n->prefix + j, pushed);
	if (r < 0)
		return r;
	for (unsigned int ch = n->first; r >= 0 && ch <= n->last; ch++) {
		struct node child;
		r = node_child(w, n, (unsigned char)ch, &child);
		if (r <= 0)
			continue;
		char c = (char)ch;
		r = key_push(w, &c, 1);
		if (r == 0)
			r = wild_all(w, &child, 0, subkey);
		if (r == 0)
			key_pop(w, 1);
	}
	if (r >= 0 && n->nvalues > 0 && fnmatch(w->key, subkey, 0) == 0)
		r = add_node_values(w, n);
	if (r >= 0)
		key_pop(w, pushed);
	return r < 0 ? r : 0;
}

static int wild_child(struct walk *w, const struct node *n, char wc, const char *subkey)
{
	struct node child;
	int r = node_child(w, n, (unsigned char)wc, &child);
	if (r <= 0)
		return r;
	r = key_push(w, &wc, 1);
	if (r == 0)
		r = wild_all(w, &child, 0, subkey);
	if (r == 0)
		key_pop(w, 1);
	return r;
}

int index_search_wild(struct index *idx, const char *key, enum index_reader rd,
		      struct index_values *out)
{
	struct walk w;
	struct node n;
	size_t i = 0;
	walk_init(&w, idx, rd, out);
	int r = node_follow(&w, idx->root, &n);
	while (r > 0) {
		size_t j;
		for (j = 0; n.prefix[j]; j++) {
			char ch = n.prefix[j];
			if (ch == '*' || ch == '?' || ch == '[')
				return wild_all(&w, &n, j, key + i + j);
			if (ch != key[i + j])
				return 0;
		}
		i += j;
		static const char wildcards[] = "*?[";
		for (const char *wc = wildcards; *wc; wc++) {
			r = wild_child(&w, &n, *wc, key + i);
			if (r < 0)
				return r;
		}
		if (key[i] == '\0')
			return add_node_values(&w, &n);
		struct node child;
		r = node_child(&w, &n, (unsigned char)key[i], &child);
		n = child;
		i++;
	}
	return r;
}

static int dump_node(struct walk *w, const struct node *n)
{
	size_t pushed = strlen(n->prefix);
	int r = key_push(w, n->prefix, pushed);
	if (r < 0)
		return r;
	struct index_values vals = {0};
	r = node_values(w->idx, n, w->rd, &vals);
	for (size_t i = 0; r == 0 && i < vals.n; i++)
		r = w->fn(w->key, vals.v[i].value, w->userdata);
	index_values_release(&vals);
	for (unsigned int ch = n->first; r == 0 && ch <= n->last; ch++) {
		struct node child;
		r = node_child(w, n, (unsigned char)ch, &child);
		if (r <= 0)
			continue;
		char c = (char)ch;
		r = key_push(w, &c, 1);
		if (r == 0)
			r = dump_node(w, &child);
		if (r == 0)
			key_pop(w, 1);
	}
	if (r == 0)
		key_pop(w, pushed);
	return r;
}

int index_dump(struct index *idx, enum index_reader rd, index_dump_fn fn, void *userdata)
{
	struct walk w;
	struct node n;
	walk_init(&w, idx, rd, NULL);
	w.fn = fn;
	w.userdata = userdata;
	int r = node_follow(&w, idx->root, &n);
	if (r <= 0)
		return r;
	return dump_node(&w, &n);
}
