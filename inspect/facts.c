// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct module_facts from a checked WIRE_MSG_FACTS reply. Two passes: count
 * the repeated fields, allocate once, fill. The shapes were checked by
 * reply_check(); here every string gets its terminating NUL from us.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "inspect/facts.h"
#include "inspect/reply.h"

static void free_symbols(struct mod_symbol *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].name);
	free(s);
}

static void free_bytes(struct bytes *b)
{
	free(b->data);
	*b = (struct bytes){0};
}

void module_facts_free(struct module_facts *f)
{
	if (!f)
		return;
	free(f->name);
	for (size_t i = 0; i < f->n_modinfo; i++)
		free(f->modinfo[i]);
	free(f->modinfo);
	free_symbols(f->exports, f->n_exports);
	free_symbols(f->needs, f->n_needs);
	free_symbols(f->versions, f->n_versions);
	struct sig_facts *s = &f->sig;
	free_bytes(&s->issuer_der);
	free(s->issuer_cn);
	free_bytes(&s->serial);
	free_bytes(&s->skid);
	free(s->hash_name);
	free_bytes(&s->value);
	free_bytes(&s->ecdsa_r);
	free_bytes(&s->ecdsa_s);
	free(s->problem);
	free_bytes(&s->legacy_key_id);
	*f = (struct module_facts){0};
}

static char *dup_str(const struct wire_item *it)
{
	char *s = malloc((size_t)it->len + 1);
	if (s) {
		memcpy(s, it->data, it->len);
		s[it->len] = '\0';
	}
	return s;
}

static int set_str(char **dst, const struct wire_item *it)
{
	*dst = dup_str(it);
	return *dst ? 0 : -ENOMEM;
}

static int set_bytes(struct bytes *dst, const struct wire_item *it)
{
	/* +1: a zero-length value still gets a non-NULL pointer */
	dst->data = malloc((size_t)it->len + 1);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, it->data, it->len);
	dst->len = it->len;
	return 0;
}

static uint64_t item_uint(const struct wire_item *it)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64 = 0;

	if (it->len == 1) {
		memcpy(&u8, it->data, 1);
		return u8;
	}
	if (it->len == 2) {
		memcpy(&u16, it->data, 2);
		return u16;
	}
	if (it->len == 4) {
		memcpy(&u32, it->data, 4);
		return u32;
	}
	memcpy(&u64, it->data, sizeof(u64));
	return u64;
}

static int add_symbol(struct mod_symbol *arr, size_t *n, const struct wire_item *it)
{
	struct wire_symbol ws;
	struct mod_symbol *s = &arr[*n];

	memcpy(&ws, it->data, sizeof(ws));
	struct wire_item name = {.len = it->len - (uint32_t)sizeof(ws),
				 .data = it->data + sizeof(ws)};
	s->name = dup_str(&name);
	if (!s->name)
		return -ENOMEM;
	s->crc = ws.crc;
	s->has_crc = ws.has_crc;
	s->bind = ws.bind;
	(*n)++;
	return 0;
}

static int set_sig_field(struct sig_facts *s, const struct wire_item *it)
{
	switch (it->tag) {
	case WT_SIG_STATE:
		s->state = (enum wire_sig_state)item_uint(it);
		return 0;
	case WT_SIG_TRAILER:
		memcpy(s->trailer, it->data, sizeof(s->trailer));
		s->has_trailer = true;
		return 0;
	case WT_SIG_CONTENT_LEN:
		s->content_len = item_uint(it);
		return 0;
	case WT_SIG_NSIGNERS:
		s->nsigners = (uint32_t)item_uint(it);
		return 0;
	case WT_SIG_ID_KIND:
		s->id_kind = (enum wire_signer_id)item_uint(it);
		return 0;
	case WT_SIG_ISSUER_DER:
		return set_bytes(&s->issuer_der, it);
	case WT_SIG_ISSUER_CN:
		return set_str(&s->issuer_cn, it);
	case WT_SIG_SERIAL:
		return set_bytes(&s->serial, it);
	case WT_SIG_SKID:
		return set_bytes(&s->skid, it);
	case WT_SIG_DIGEST_NID:
		s->digest_nid = (uint32_t)item_uint(it);
		return 0;
	case WT_SIG_PKEY_NID:
		s->pkey_nid = (uint32_t)item_uint(it);
		return 0;
	case WT_SIG_VALUE:
		return set_bytes(&s->value, it);
	case WT_SIG_ECDSA_R:
		return set_bytes(&s->ecdsa_r, it);
	case WT_SIG_ECDSA_S:
		return set_bytes(&s->ecdsa_s, it);
	case WT_SIG_SIGNED_ATTRS:
		s->signed_attrs = item_uint(it) != 0;
		return 0;
	case WT_SIG_DETACHED:
		s->detached = item_uint(it) != 0;
		return 0;
	case WT_SIG_DATA_TYPE:
		s->data_type = item_uint(it) != 0;
		return 0;
	case WT_SIG_PROBLEM:
		return set_str(&s->problem, it);
	case WT_SIG_HASH_NAME:
		return set_str(&s->hash_name, it);
	case WT_SIG_LEGACY_KEY_ID:
		return set_bytes(&s->legacy_key_id, it);
	}
	return -EPROTO;
}

static int set_field(struct module_facts *f, const struct wire_item *it)
{
	switch (it->tag) {
	case WT_ELF_CLASS:
		f->elf_class = (uint8_t)item_uint(it);
		return 0;
	case WT_ELF_DATA:
		f->elf_data = (uint8_t)item_uint(it);
		return 0;
	case WT_ELF_MACHINE:
		f->elf_machine = (uint16_t)item_uint(it);
		return 0;
	case WT_ELF_ABSENT:
		f->elf_absent = (uint32_t)item_uint(it);
		return 0;
	case WT_SCOPE:
		f->scope = (enum wire_scope)item_uint(it);
		return 0;
	case WT_NAME:
		return set_str(&f->name, it);
	case WT_MODINFO:
		f->modinfo[f->n_modinfo] = dup_str(it);
		if (!f->modinfo[f->n_modinfo])
			return -ENOMEM;
		f->n_modinfo++;
		return 0;
	case WT_EXPORT:
		return add_symbol(f->exports, &f->n_exports, it);
	case WT_NEED:
		return add_symbol(f->needs, &f->n_needs, it);
	case WT_VERSION:
		return add_symbol(f->versions, &f->n_versions, it);
	}
	return set_sig_field(&f->sig, it);
}

/* Pass 1: how many of each repeated field; then one allocation each. */
static int allocate_arrays(const struct child_reply *r, struct module_facts *f)
{
	size_t n_info = 0, n_exp = 0, n_need = 0, n_ver = 0;
	struct wire_reader rd;
	struct wire_item it;

	wire_reader_init(&rd, r);
	while (wire_next(&rd, &it)) {
		n_info += it.tag == WT_MODINFO;
		n_exp += it.tag == WT_EXPORT;
		n_need += it.tag == WT_NEED;
		n_ver += it.tag == WT_VERSION;
	}
	/* calloc checks n * size for overflow; +1 keeps a zero count non-NULL */
	f->modinfo = calloc(n_info + 1, sizeof(*f->modinfo));
	f->exports = calloc(n_exp + 1, sizeof(*f->exports));
	f->needs = calloc(n_need + 1, sizeof(*f->needs));
	f->versions = calloc(n_ver + 1, sizeof(*f->versions));
	if (!f->modinfo || !f->exports || !f->needs || !f->versions)
		return -ENOMEM;
	return 0;
}

bool module_facts_of_scope(const struct module_facts *f, enum wire_scope asked)
{
	if (f->scope != asked)
		return false;
	return asked != WIRE_SCOPE_SIGNATURE ||
	       !(f->name || f->n_modinfo || f->n_exports || f->n_needs || f->n_versions);
}

int reply_to_facts(const struct child_reply *r, struct module_facts *f, struct strbuf *err)
{
	struct wire_reader rd;
	struct wire_item it;
	int ret;

	*f = (struct module_facts){0};
	strbuf_clear(err);
	if (r->type != WIRE_MSG_FACTS) {
		strbuf_appendf(err, "invalid reply: unexpected message type %u", r->type);
		return -EPROTO;
	}
	/* Again, so no caller can hand us an unchecked body. */
	ret = reply_check(r->type, r->body, r->len, err);
	if (ret < 0)
		return ret;
	ret = allocate_arrays(r, f);
	wire_reader_init(&rd, r);
	while (ret == 0 && wire_next(&rd, &it))
		ret = set_field(f, &it);
	if (ret < 0) {
		module_facts_free(f);
		strbuf_appendf(err, "cannot store the module facts: %s", strerror(-ret));
	}
	return ret;
}
