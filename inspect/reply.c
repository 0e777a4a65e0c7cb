// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The rules of the wire protocol as the parent enforces them: one table,
 * indexed by tag, saying which message type a tag belongs to, its shape, its
 * value range, and whether it may repeat or must be present. reply_check()
 * applies it to a whole message before any conversion reads a field, so the
 * converters below can trust shapes (never meanings: the values are still
 * the child's claims).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "inspect/reply.h"

enum vkind {
	V_NONE = 0, /* not a tag */
	V_U8,
	V_U16,
	V_U32,
	V_U64,
	V_STR,	   /* no NUL, at most WIRE_MAX_STRING */
	V_BYTES,   /* at most WIRE_MAX_STRING */
	V_SYM,	   /* struct wire_symbol + a non-empty name */
	V_TRAILER, /* 12 bytes: struct module_signature */
};

#define REP 1u /* may repeat (up to WIRE_MAX_REPEATED) */
#define REQ 2u /* must be present */

struct rule {
	uint8_t type; /* enum wire_type */
	uint8_t kind; /* enum vkind */
	uint8_t flags;
	uint64_t min, max; /* integers: inclusive range */
};

#define INT(t, k, f, lo, hi)                                                                       \
	{                                                                                          \
		.type = (t), .kind = (k), .flags = (f), .min = (lo), .max = (hi)                   \
	}
#define ANY(t, k, f)                                                                               \
	{                                                                                          \
		.type = (t), .kind = (k), .flags = (f)                                             \
	}
#define F WIRE_MSG_FACTS

static const struct rule rules[] = {
	[WT_ERR_ERRNO] = INT(WIRE_MSG_ERROR, V_U32, REQ, 1, 4095),
	[WT_ERR_MESSAGE] = ANY(WIRE_MSG_ERROR, V_STR, REQ),
	[WT_DECOMP_KIND] = INT(WIRE_MSG_DECOMP, V_U32, REQ, WIRE_COMP_GZIP, WIRE_COMP_ZSTD),
	[WT_DECOMP_SIZE] = INT(WIRE_MSG_DECOMP, V_U64, REQ, 0, UINT64_MAX),
	[WT_ELF_CLASS] = INT(F, V_U8, REQ, 1, 2),
	[WT_ELF_DATA] = INT(F, V_U8, REQ, 1, 2),
	[WT_ELF_MACHINE] = INT(F, V_U16, REQ, 0, UINT16_MAX),
	[WT_NAME] = ANY(F, V_STR, 0),
	[WT_MODINFO] = ANY(F, V_STR, REP),
	[WT_EXPORT] = ANY(F, V_SYM, REP),
	[WT_NEED] = ANY(F, V_SYM, REP),
	[WT_VERSION] = ANY(F, V_SYM, REP),
	[WT_SCOPE] = INT(F, V_U8, 0, WIRE_SCOPE_MODULE, WIRE_SCOPE_SIGNATURE),
	[WT_ELF_ABSENT] = INT(F, V_U32, REQ, 0,
			      WIRE_ABSENT_MODINFO | WIRE_ABSENT_EXPORTS | WIRE_ABSENT_VERSIONS |
				      WIRE_ABSENT_SYMTAB),
	[WT_SIG_STATE] = INT(F, V_U32, 0, WIRE_SIG_NONE, WIRE_SIG_OTHER),
	[WT_SIG_TRAILER] = ANY(F, V_TRAILER, 0),
	[WT_SIG_CONTENT_LEN] = INT(F, V_U64, 0, 0, UINT64_MAX),
	[WT_SIG_NSIGNERS] = INT(F, V_U32, 0, 0, UINT32_MAX),
	[WT_SIG_ID_KIND] = INT(F, V_U32, 0, WIRE_SIGNER_ISSUER_SERIAL, WIRE_SIGNER_SKID),
	[WT_SIG_ISSUER_DER] = ANY(F, V_BYTES, 0),
	[WT_SIG_ISSUER_CN] = ANY(F, V_STR, 0),
	[WT_SIG_SERIAL] = ANY(F, V_BYTES, 0),
	[WT_SIG_SKID] = ANY(F, V_BYTES, 0),
	[WT_SIG_DIGEST_NID] = INT(F, V_U32, 0, 0, UINT32_MAX),
	[WT_SIG_PKEY_NID] = INT(F, V_U32, 0, 0, UINT32_MAX),
	[WT_SIG_VALUE] = ANY(F, V_BYTES, 0),
	[WT_SIG_ECDSA_R] = ANY(F, V_BYTES, 0),
	[WT_SIG_ECDSA_S] = ANY(F, V_BYTES, 0),
	[WT_SIG_SIGNED_ATTRS] = INT(F, V_U8, 0, 0, 1),
	[WT_SIG_DETACHED] = INT(F, V_U8, 0, 0, 1),
	[WT_SIG_DATA_TYPE] = INT(F, V_U8, 0, 0, 1),
	[WT_SIG_PROBLEM] = ANY(F, V_STR, 0),
	[WT_SIG_HASH_NAME] = ANY(F, V_STR, 0),
	[WT_SIG_LEGACY_KEY_ID] = ANY(F, V_BYTES, 0),
	[WT_CERT_DER] = ANY(WIRE_MSG_CERTS, V_BYTES, REP),
	[WT_CERT_RELEASE] = ANY(WIRE_MSG_CERTS, V_STR, 0),
	[WT_CERT_PAYLOAD] = INT(WIRE_MSG_CERTS, V_U32, 0, WIRE_COMP_NONE, WIRE_COMP_ZSTD),
	[WT_CERT_SKIPPED] = INT(WIRE_MSG_CERTS, V_U32, 0, 0, UINT32_MAX),
	[WT_TEST_RESULT] = ANY(WIRE_MSG_TEST, V_STR, REP),
};

#undef F

static bool type_known(uint32_t type)
{
	return type == WIRE_MSG_FACTS || type == WIRE_MSG_DECOMP || type == WIRE_MSG_ERROR ||
	       type == WIRE_MSG_CERTS || type == WIRE_MSG_TEST;
}

static uint64_t get_uint(const uint8_t *p, uint32_t len)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (len) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

static int bad(struct strbuf *err, const char *fmt, ...) _printf_(2, 3);
static int bad(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;
	strbuf_clear(err);
	strbuf_append_str(err, "invalid reply: ");
	va_start(ap, fmt);
	char tmp[160];
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	strbuf_append_str(err, tmp);
	return -EPROTO;
}

static int check_symbol(uint16_t tag, const uint8_t *p, uint32_t len, struct strbuf *err)
{
	struct wire_symbol sym;

	if (len <= sizeof(sym))
		return bad(err, "field %u too short for a symbol (%u bytes)", tag, len);
	if (len - sizeof(sym) > WIRE_MAX_STRING)
		return bad(err, "field %u symbol name exceeds %u bytes", tag, WIRE_MAX_STRING);
	memcpy(&sym, p, sizeof(sym));
	if (sym.has_crc > 1 || sym.bind > 15)
		return bad(err, "field %u symbol flags out of range", tag);
	for (size_t i = 0; i < sizeof(sym.zero); i++)
		if (sym.zero[i])
			return bad(err, "field %u symbol has non-zero padding", tag);
	if (memchr(p + sizeof(sym), '\0', len - sizeof(sym)))
		return bad(err, "NUL inside string field %u", tag);
	return 0;
}

static int check_value(uint16_t tag, const struct rule *ru, const uint8_t *p, uint32_t len,
		       struct strbuf *err)
{
	static const uint32_t int_size[] = {[V_U8] = 1, [V_U16] = 2, [V_U32] = 4, [V_U64] = 8};

	switch (ru->kind) {
	case V_U8:
	case V_U16:
	case V_U32:
	case V_U64: {
		if (len != int_size[ru->kind])
			return bad(err, "field %u has length %u, expected %u", tag, len,
				   int_size[ru->kind]);
		uint64_t v = get_uint(p, len);
		if (v < ru->min || v > ru->max)
			return bad(err, "field %u value %llu out of range", tag,
				   (unsigned long long)v);
		return 0;
	}
	case V_STR:
		if (len > WIRE_MAX_STRING)
			return bad(err, "string field %u exceeds %u bytes", tag, WIRE_MAX_STRING);
		if (len && memchr(p, '\0', len))
			return bad(err, "NUL inside string field %u", tag);
		return 0;
	case V_BYTES:
		if (len > WIRE_MAX_STRING)
			return bad(err, "field %u exceeds %u bytes", tag, WIRE_MAX_STRING);
		return 0;
	case V_SYM:
		return check_symbol(tag, p, len, err);
	case V_TRAILER:
		if (len != 12)
			return bad(err, "field %u has length %u, expected 12", tag, len);
		return 0;
	}
	return bad(err, "field %u has no rule", tag);
}

static const struct rule *rule_for(uint32_t type, uint16_t tag)
{
	if (tag >= ARRAY_SIZE(rules) || rules[tag].kind == V_NONE || rules[tag].type != type)
		return NULL;
	return &rules[tag];
}

int reply_check(uint32_t type, const uint8_t *body, size_t len, struct strbuf *err)
{
	uint32_t count[ARRAY_SIZE(rules)] = {0};
	size_t off = 0;

	if (!type_known(type))
		return bad(err, "unknown message type %u", type);
	while (off < len) {
		struct wire_field f;
		if (len - off < sizeof(f))
			return bad(err, "field header past end of message");
		memcpy(&f, body + off, sizeof(f));
		off += sizeof(f);
		if (f.len > len - off)
			return bad(err, "field %u length %u past end of message", f.tag, f.len);
		const struct rule *ru = rule_for(type, f.tag);
		if (!ru)
			return bad(err, "unknown field %u in message type %u", f.tag, type);
		if (f.zero)
			return bad(err, "field %u header has non-zero padding", f.tag);
		count[f.tag]++;
		if (count[f.tag] > 1 && !(ru->flags & REP))
			return bad(err, "field %u repeated", f.tag);
		if (count[f.tag] > WIRE_MAX_REPEATED)
			return bad(err, "more than %u fields %u", WIRE_MAX_REPEATED, f.tag);
		int r = check_value(f.tag, ru, body + off, f.len, err);
		if (r < 0)
			return r;
		off += f.len;
	}
	for (size_t tag = 0; tag < ARRAY_SIZE(rules); tag++)
		if (rules[tag].type == type && (rules[tag].flags & REQ) && count[tag] == 0)
			return bad(err, "missing field %zu", tag);
	return 0;
}

bool wire_next(struct wire_reader *rd, struct wire_item *it)
{
	struct wire_field f;

	if (rd->left < sizeof(f))
		return false;
	memcpy(&f, rd->p, sizeof(f));
	/* Checked by reply_check(); re-checked so a misuse cannot overrun. */
	if (f.len > rd->left - sizeof(f))
		return false;
	*it = (struct wire_item){.tag = f.tag, .len = f.len, .data = rd->p + sizeof(f)};
	rd->p += sizeof(f) + f.len;
	rd->left -= sizeof(f) + f.len;
	return true;
}

bool reply_get_u64(const struct child_reply *r, uint16_t tag, uint64_t *v)
{
	struct wire_reader rd;
	struct wire_item it;

	wire_reader_init(&rd, r);
	while (wire_next(&rd, &it))
		if (it.tag == tag && (it.len == 4 || it.len == 8)) {
			*v = get_uint(it.data, it.len);
			return true;
		}
	return false;
}

int reply_to_error(const struct child_reply *r, struct strbuf *err)
{
	struct wire_reader rd;
	struct wire_item it;
	uint64_t e = EPROTO;

	strbuf_clear(err);
	if (r->type != WIRE_MSG_ERROR)
		return bad(err, "unexpected message type %u", r->type);
	int ret = reply_check(r->type, r->body, r->len, err);
	if (ret < 0)
		return ret;
	wire_reader_init(&rd, r);
	while (wire_next(&rd, &it)) {
		if (it.tag == WT_ERR_ERRNO)
			e = get_uint(it.data, it.len);
		if (it.tag != WT_ERR_MESSAGE)
			continue;
		/* The child's words reach a terminal or a log: printable ASCII
		 * only, and short. */
		for (uint32_t i = 0; i < it.len && i < 512; i++) {
			uint8_t c = it.data[i];
			strbuf_append_char(err, c >= 0x20 && c < 0x7f ? (char)c : '?');
		}
	}
	return -(int)e;
}

int reply_to_decomp(const struct child_reply *r, enum wire_compression *kind, uint64_t *size,
		    struct strbuf *err)
{
	uint64_t k, s;

	if (r->type != WIRE_MSG_DECOMP)
		return bad(err, "unexpected message type %u", r->type);
	int ret = reply_check(r->type, r->body, r->len, err);
	if (ret < 0)
		return ret;
	if (!reply_get_u64(r, WT_DECOMP_KIND, &k) || !reply_get_u64(r, WT_DECOMP_SIZE, &s))
		return bad(err, "missing decompression fields");
	*kind = (enum wire_compression)k;
	*size = s;
	return 0;
}
