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

static int list_of(const char *kv, const char **value)
{
	const char *eq = strchr(kv, '=');
	size_t keylen = eq ? (size_t)(eq - kv) : strlen(kv);
	for (int l = 0; l < DM_N_LISTS; l++) {
		if (strlen(list_keys[l]) == keylen && memcmp(kv, list_keys[l], keylen) == 0) {
			*value = eq ? eq + 1 : "";
			return l;
		}
	}
	return -1;
}

struct builder {
	char *blob;
	size_t size, str_at, str_end;
};

static uint32_t put_str(struct builder *b, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t off = (uint32_t)b->str_end;
	memcpy(b->blob + b->str_end, s, len);
	b->str_end += len;
	return off;
}

static bool size_add3(size_t *acc, size_t a)
{
	return size_add_overflow(*acc, a, acc);
}

int dm_record_from_facts(const struct module_facts *f, struct dm_record **out)
{
	uint32_t n_str[DM_N_LISTS] = {0};
	size_t strings = 1, nstr = 0;
	bool ovf = false;

	for (size_t i = 0; i < f->n_modinfo; i++) {
		const char *value;
		int l = list_of(f->modinfo[i], &value);
		if (l < 0)
			continue;
		n_str[l]++;
		nstr++;
		ovf |= size_add3(&strings, strlen(value) + 1);
	}
	for (size_t i = 0; i < f->n_exports; i++)
		ovf |= size_add3(&strings, strlen(f->exports[i].name) + 1);
	for (size_t i = 0; i < f->n_needs; i++)
		ovf |= size_add3(&strings, strlen(f->needs[i].name) + 1);

	size_t size = syms_offset((uint32_t)nstr), syms;
	ovf |= nstr > UINT32_MAX / 8 || f->n_exports > UINT32_MAX / 2 ||
	       f->n_needs > UINT32_MAX / 2;
	ovf |= size_add_overflow(f->n_exports, f->n_needs, &syms) ||
	       size_mul_overflow(syms, sizeof(struct dm_rsym), &syms) ||
	       size_add_overflow(size, syms, &size);
	size_t str_at = size;
	ovf |= size_add_overflow(size, strings, &size);
	if (ovf || size > UINT32_MAX)
		return -E2BIG;

	struct builder b = {calloc(1, size), size, str_at, str_at};
	if (!b.blob)
		return -ENOMEM;
	struct dm_record *r = (struct dm_record *)b.blob;
	r->size = (uint32_t)size;
	memcpy(r->n_str, n_str, sizeof(n_str));
	r->n_export = (uint32_t)f->n_exports;
	r->n_need = (uint32_t)f->n_needs;

	uint32_t *offs = (uint32_t *)(r + 1);
	uint32_t pos[DM_N_LISTS] = {0, n_str[0], n_str[0] + n_str[1]};
	for (size_t i = 0; i < f->n_modinfo; i++) {
		const char *value;
		int l = list_of(f->modinfo[i], &value);
		if (l >= 0)
			offs[pos[l]++] = put_str(&b, value);
	}
	struct dm_rsym *ex = (struct dm_rsym *)(b.blob + syms_offset((uint32_t)nstr));
	for (size_t i = 0; i < f->n_exports; i++)
		ex[i] = (struct dm_rsym){f->exports[i].crc, put_str(&b, f->exports[i].name), 0};
	struct dm_rsym *nd = ex + f->n_exports;
	for (size_t i = 0; i < f->n_needs; i++)
		nd[i] = (struct dm_rsym){f->needs[i].has_crc ? f->needs[i].crc : 0,
					 put_str(&b, f->needs[i].name),
					 f->needs[i].bind == STB_WEAK};
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
