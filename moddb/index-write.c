// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The .bin index writer. The trie is built the way kmod 30 builds its own
 * (a node splits where a new key diverges from its prefix), so for the same
 * insertions the same nodes exist; the layout is then fixed by the post-order
 * walk. See index-write.h for the format.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "moddb/index-write.h"

#define INDEX_MAGIC	0xB007F457u
#define INDEX_VERSION	0x00020001u
#define NODE_PREFIX	0x80000000u
#define NODE_VALUES	0x40000000u
#define NODE_CHILDS	0x20000000u
#define NODE_OFFSET_MAX 0x0FFFFFFFu

struct trie_value {
	struct trie_value *next;
	uint32_t priority;
	char value[];
};

struct trie_node {
	char *prefix;
	struct trie_value *values;
	uint32_t offset; /* set while writing */
	uint16_t nchild, cap;
	uint8_t *chars; /* sorted ascending, parallel to child */
	struct trie_node **child;
};

/* Everything of a trie lives in an arena: tens of thousands of small nodes,
 * freed at once. */
struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(8) char data[];
};

struct index_trie {
	struct trie_node *root;
	struct arena_block *blocks;
};

#define ARENA_BLOCK (256u << 10)

static void *arena_alloc(struct index_trie *t, size_t size)
{
	size = (size + 7u) & ~(size_t)7u;
	struct arena_block *b = t->blocks;
	if (!b || b->size - b->used < size) {
		size_t bsize = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
		b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->used = 0;
		b->size = bsize;
		if (bsize == ARENA_BLOCK || !t->blocks) {
			b->next = t->blocks;
			t->blocks = b;
		} else {
			/* a big one-off: keep filling the current block afterwards */
			b->next = t->blocks->next;
			t->blocks->next = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	return p;
}

static struct trie_node *node_new(struct index_trie *t, const char *prefix, size_t len)
{
	struct trie_node *n = arena_alloc(t, sizeof(*n));
	char *p = arena_alloc(t, len + 1);
	if (!n || !p)
		return NULL;
	memcpy(p, prefix, len);
	p[len] = '\0';
	*n = (struct trie_node){.prefix = p};
	return n;
}

struct index_trie *index_trie_new(void)
{
	struct index_trie *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->root = node_new(t, "", 0);
	if (!t->root) {
		index_trie_free(t);
		return NULL;
	}
	return t;
}

void index_trie_free(struct index_trie *t)
{
	if (!t)
		return;
	while (t->blocks) {
		struct arena_block *b = t->blocks;
		t->blocks = b->next;
		free(b);
	}
	free(t);
}

static bool ascii_only(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Index of the child labelled c, or the position where it would go (negative-encoded). */
static int child_find(const struct trie_node *n, uint8_t c, bool *found)
{
	int lo = 0, hi = n->nchild;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (n->chars[mid] == c) {
			*found = true;
			return mid;
		}
		if (n->chars[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static int child_insert(struct index_trie *t, struct trie_node *n, int pos, uint8_t c,
			struct trie_node *child)
{
	if (n->nchild == n->cap) {
		uint16_t ncap = n->cap ? (uint16_t)MIN(n->cap * 2, 128) : 2;
		uint8_t *chars = arena_alloc(t, ncap);
		struct trie_node **ch = arena_alloc(t, ncap * sizeof(*ch));
		if (!chars || !ch)
			return -ENOMEM;
		if (n->nchild) {
			memcpy(chars, n->chars, n->nchild);
			memcpy(ch, n->child, n->nchild * sizeof(*ch));
		}
		n->chars = chars;
		n->child = ch;
		n->cap = ncap;
	}
	memmove(n->chars + pos + 1, n->chars + pos, (size_t)(n->nchild - pos));
	memmove(n->child + pos + 1, n->child + pos, (size_t)(n->nchild - pos) * sizeof(*n->child));
	n->chars[pos] = c;
	n->child[pos] = child;
	n->nchild++;
	return 0;
}

static int value_add(struct index_trie *t, struct trie_node *n, const char *value,
		     uint32_t priority, bool *duplicate)
{
	bool dup = false;
	for (struct trie_value *v = n->values; v; v = v->next)
		if (strcmp(v->value, value) == 0)
			dup = true;

	size_t len = strlen(value);
	struct trie_value *nv = arena_alloc(t, sizeof(struct trie_value) + len + 1);
	if (!nv)
		return -ENOMEM;
	nv->priority = priority;
	memcpy(nv->value, value, len + 1);

	struct trie_value **pp = &n->values;
	while (*pp && (*pp)->priority < priority)
		pp = &(*pp)->next;
	nv->next = *pp;
	*pp = nv;
	if (duplicate)
		*duplicate = dup;
	return 0;
}

/* Split n after j prefix chars: n keeps prefix[0..j) and gets one child,
 * labelled prefix[j], that takes over n's prefix rest, values and children.
 * The rest of the prefix stays where it is: the tail points into it. */
static int node_split(struct index_trie *t, struct trie_node *n, size_t j)
{
	struct trie_node *tail = arena_alloc(t, sizeof(*tail));
	if (!tail)
		return -ENOMEM;
	*tail = *n;
	tail->prefix = n->prefix + j + 1;
	uint8_t label = (uint8_t)n->prefix[j];
	n->values = NULL;
	n->nchild = n->cap = 0;
	n->chars = NULL;
	n->child = NULL;
	int r = child_insert(t, n, 0, label, tail);
	if (r < 0) {
		*n = *tail; /* put everything back so the trie stays whole */
		n->prefix = tail->prefix - j - 1;
		return r;
	}
	n->prefix[j] = '\0';
	return 0;
}

int index_trie_insert(struct index_trie *t, const char *key, const char *value, uint32_t priority,
		      bool *duplicate)
{
	if (!ascii_only(key) || !ascii_only(value))
		return -EINVAL;
	if (duplicate)
		*duplicate = false;

	struct trie_node *n = t->root;
	size_t i = 0;
	for (;;) {
		size_t j = 0;
		while (n->prefix[j] && n->prefix[j] == key[i + j])
			j++;
		if (n->prefix[j]) {
			int r = node_split(t, n, j);
			if (r < 0)
				return r;
		}
		i += j;
		uint8_t c = (uint8_t)key[i];
		if (c == '\0')
			return value_add(t, n, value, priority, duplicate);

		bool found;
		int pos = child_find(n, c, &found);
		if (!found) {
			const char *rest = key + i + 1;
			struct trie_node *leaf = node_new(t, rest, strlen(rest));
			if (!leaf)
				return -ENOMEM;
			int r = value_add(t, leaf, value, priority, NULL);
			return r < 0 ? r : child_insert(t, n, pos, c, leaf);
		}
		n = n->child[pos];
		i++;
	}
}

static void put_u32(uint8_t *p, uint32_t v)
{
	uint32_t be = htonl(v);
	memcpy(p, &be, 4);
}

static int append_u32(struct strbuf *out, uint32_t v)
{
	uint8_t b[4];
	put_u32(b, v);
	return strbuf_append(out, b, 4);
}

/* Emit one node whose children have all been written already. */
static int node_emit(struct trie_node *n, struct strbuf *out)
{
	if (out->len > NODE_OFFSET_MAX)
		return -EFBIG;
	uint32_t ptr = (uint32_t)out->len;
	int r = 0;

	if (n->prefix[0]) {
		r = strbuf_append(out, n->prefix, strlen(n->prefix) + 1);
		ptr |= NODE_PREFIX;
	}
	if (r == 0 && n->nchild) {
		uint8_t first = n->chars[0], last = n->chars[n->nchild - 1];
		size_t span = (size_t)(last - first) + 1, k = 0;
		r = strbuf_reserve(out, 2 + span * 4);
		if (r < 0)
			return r;
		out->buf[out->len++] = (char)first;
		out->buf[out->len++] = (char)last;
		for (size_t c = first; c <= last; c++) {
			uint32_t off = 0;
			if (n->chars[k] == c)
				off = n->child[k++]->offset;
			put_u32((uint8_t *)out->buf + out->len, off);
			out->len += 4;
		}
		out->buf[out->len] = '\0';
		ptr |= NODE_CHILDS;
	}
	if (r == 0 && n->values) {
		uint32_t count = 0;
		for (struct trie_value *v = n->values; v; v = v->next)
			count++;
		r = append_u32(out, count);
		for (struct trie_value *v = n->values; r == 0 && v; v = v->next) {
			r = append_u32(out, v->priority);
			if (r == 0)
				r = strbuf_append(out, v->value, strlen(v->value) + 1);
		}
		ptr |= NODE_VALUES;
	}
	n->offset = ptr;
	return r;
}

struct frame {
	struct trie_node *node;
	uint16_t next;
};

int index_trie_write(struct index_trie *t, struct strbuf *out)
{
	/* Node offsets are file offsets: the index must start the buffer. */
	if (out->len != 0)
		return -EINVAL;
	int r = append_u32(out, INDEX_MAGIC);
	if (r == 0)
		r = append_u32(out, INDEX_VERSION);
	if (r == 0)
		r = append_u32(out, 0); /* root pointer, patched below */
	if (r < 0)
		return r;

	_cleanup_free_ struct frame *stack = NULL;
	size_t n = 0, cap = 0;
	struct trie_node *root = t->root;
	for (struct trie_node *push = root; push || n;) {
		if (push) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct frame *s = realloc(stack, ncap * sizeof(*s));
				if (!s)
					return -ENOMEM;
				stack = s;
				cap = ncap;
			}
			stack[n++] = (struct frame){push, 0};
			push = NULL;
		}
		struct frame *f = &stack[n - 1];
		if (f->next < f->node->nchild) {
			push = f->node->child[f->next++];
			continue;
		}
		r = node_emit(f->node, out);
		if (r < 0)
			return r;
		n--;
	}
	put_u32((uint8_t *)out->buf + 8, root->offset);
	return 0;
}
