// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Building and checking depmod records (see depmod-record.h). Everything a
 * record holds came from a sandboxed child or from the cache; the checks here
 * are what lets the rest of depmod use its offsets without re-checking them.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "inspect/reply.h"
#include "moddb/depmod-record.h"

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

static size_t syms_offset(uint32_t nstr)
{
	return ALIGN8(sizeof(struct dm_record) + (size_t)nstr * sizeof(uint32_t));
}

const struct dm_rsym *dm_record_exports(const struct dm_record *r)
{
	uint32_t nstr = r->n_str[DM_ALIAS] + r->n_str[DM_SOFTDEP] + r->n_str[DM_WEAKDEP];
	return (const struct dm_rsym *)((const char *)r + syms_offset(nstr));
}

const struct dm_rsym *dm_record_needs(const struct dm_record *r)
{
	return dm_record_exports(r) + r->n_export;
}

/* The modinfo keys depmod writes out, in enum dm_list order. */
static const char *const list_keys[DM_N_LISTS] = {"alias", "softdep", "weakdep"};

/* Which list a "key=value" field belongs to (-1: none), and its value. */
static int list_of(const struct wire_item *it, const char **value, size_t *vlen)
{
	const char *kv = (const char *)it->data;
	const char *eq = memchr(kv, '=', it->len);
	size_t keylen = eq ? (size_t)(eq - kv) : it->len;
	for (int l = 0; l < DM_N_LISTS; l++) {
		if (strlen(list_keys[l]) == keylen && memcmp(kv, list_keys[l], keylen) == 0) {
			*value = eq ? eq + 1 : kv + it->len;
			*vlen = eq ? it->len - keylen - 1 : 0;
			return l;
		}
	}
	return -1;
}

struct builder {
	char *blob;
	size_t str_end;
};

static uint32_t put_str(struct builder *b, const void *s, size_t len)
{
	uint32_t off = (uint32_t)b->str_end;
	memcpy(b->blob + b->str_end, s, len);
	b->blob[b->str_end + len] = '\0';
	b->str_end += len + 1;
	return off;
}

struct counts {
	uint32_t n_str[DM_N_LISTS];
	size_t nstr, n_export, n_need, strings;
};

static void count(const struct child_reply *rep, struct counts *c)
{
	struct wire_reader rd;
	struct wire_item it;
	*c = (struct counts){.strings = 1};
	wire_reader_init(&rd, rep);
	while (wire_next(&rd, &it)) {
		const char *v;
		size_t vlen;
		if (it.tag == WT_MODINFO) {
			int l = list_of(&it, &v, &vlen);
			if (l >= 0) {
				c->n_str[l]++;
				c->nstr++;
				c->strings += vlen + 1;
			}
		} else if (it.tag == WT_EXPORT || it.tag == WT_NEED) {
			*(it.tag == WT_EXPORT ? &c->n_export : &c->n_need) += 1;
			c->strings += it.len - sizeof(struct wire_symbol) + 1;
		}
	}
}

static struct dm_rsym put_sym(struct builder *b, const struct wire_item *it)
{
	struct wire_symbol ws;
	memcpy(&ws, it->data, sizeof(ws));
	uint32_t name = put_str(b, it->data + sizeof(ws), it->len - sizeof(ws));
	return (struct dm_rsym){ws.has_crc ? ws.crc : 0, name, ws.bind == STB_WEAK};
}

int dm_record_from_reply(const struct child_reply *rep, struct dm_record **out)
{
	struct counts c;
	count(rep, &c);
	/* Every length here came from a checked reply of at most 64 MiB, so the
	 * sums cannot wrap; the record's own 32-bit offsets bound it. */
	size_t size = syms_offset((uint32_t)c.nstr);
	size_t str_at = size + (c.n_export + c.n_need) * sizeof(struct dm_rsym);
	size = str_at + c.strings;
	if (size > UINT32_MAX)
		return -E2BIG;

	struct builder b = {calloc(1, size), str_at};
	if (!b.blob)
		return -ENOMEM;
	struct dm_record *r = (struct dm_record *)b.blob;
	r->size = (uint32_t)size;
	memcpy(r->n_str, c.n_str, sizeof(c.n_str));
	r->n_export = (uint32_t)c.n_export;
	r->n_need = (uint32_t)c.n_need;

	uint32_t *offs = (uint32_t *)(r + 1);
	uint32_t pos[DM_N_LISTS] = {0, c.n_str[0], c.n_str[0] + c.n_str[1]};
	struct dm_rsym *ex = (struct dm_rsym *)(b.blob + syms_offset((uint32_t)c.nstr));
	struct dm_rsym *nd = ex + c.n_export;
	size_t ne = 0, nn = 0;
	struct wire_reader rd;
	struct wire_item it;
	wire_reader_init(&rd, rep);
	while (wire_next(&rd, &it)) {
		const char *v;
		size_t vlen;
		int l;
		if (it.tag == WT_MODINFO && (l = list_of(&it, &v, &vlen)) >= 0)
			offs[pos[l]++] = put_str(&b, v, vlen);
		else if (it.tag == WT_EXPORT)
			ex[ne++] = put_sym(&b, &it);
		else if (it.tag == WT_NEED)
			nd[nn++] = put_sym(&b, &it);
	}
	b.blob[size - 1] = '\0';
	*out = r;
	return 0;
}

int dm_record_empty(struct dm_record **out)
{
	size_t size = syms_offset(0) + 8;
	struct dm_record *r = calloc(1, size);
	if (!r)
		return -ENOMEM;
	r->size = (uint32_t)size;
	*out = r;
	return 0;
}

bool dm_record_valid(const void *blob, size_t len)
{
	const struct dm_record *r = blob;
	if (len < sizeof(*r) || ((uintptr_t)blob & 7) || r->size != len)
		return false;
	uint64_t nstr = (uint64_t)r->n_str[0] + r->n_str[1] + r->n_str[2];
	uint64_t nsym = (uint64_t)r->n_export + r->n_need;
	if (nstr > len || nsym > len)
		return false;
	uint64_t str_at = syms_offset((uint32_t)nstr) + nsym * sizeof(struct dm_rsym);
	if (str_at >= len || ((const char *)blob)[len - 1] != '\0')
		return false;
	/* Every string starts inside the string area, which ends with a NUL. */
	const uint32_t *offs = (const uint32_t *)(r + 1);
	for (uint64_t i = 0; i < nstr; i++)
		if (offs[i] < str_at || offs[i] >= len)
			return false;
	const struct dm_rsym *s = dm_record_exports(r);
	for (uint64_t i = 0; i < nsym; i++)
		if (s[i].name < str_at || s[i].name >= len || s[i].weak > 1)
			return false;
	return true;
}
