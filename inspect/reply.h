/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation of a child's reply and its conversion into the parent's own
 * structures. The child is hostile: every rule of the protocol (sandbox/wire.h)
 * is checked here, from one table, before a single field is used.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "inspect/facts.h"
#include "inspect/spawn.h"
#include "sandbox/wire.h"

/* Check a message body of the given type: framing (every field inside the
 * body, zero padding), tags known for that type, fixed sizes, value ranges,
 * no NUL in strings, no non-repeated tag twice, no repeated tag beyond
 * WIRE_MAX_REPEATED, required tags present. 0 or -EPROTO with err set
 * ("invalid reply: ..."). */
int reply_check(uint32_t type, const uint8_t *body, size_t len, struct strbuf *err);

/* Field iteration over a body that passed reply_check(). */
struct wire_item {
	uint16_t tag;
	uint32_t len;
	const uint8_t *data;
};
struct wire_reader {
	const uint8_t *p;
	size_t left;
};
static inline void wire_reader_init(struct wire_reader *rd, const struct child_reply *r)
{
	*rd = (struct wire_reader){r->body, r->len};
}
/* true and *it filled, or false at the end. */
bool wire_next(struct wire_reader *rd, struct wire_item *it);

/* WIRE_MSG_FACTS → facts (all or nothing: on error *f is empty). 0 or -errno. */
int reply_to_facts(const struct child_reply *r, struct module_facts *f, struct strbuf *err);

/* WIRE_MSG_ERROR → err gets the child's message, made printable (control and
 * non-ASCII bytes become '?'); returns the child's errno, negated. */
int reply_to_error(const struct child_reply *r, struct strbuf *err);

/* WIRE_MSG_DECOMP → kind and size. 0 or -EPROTO. */
int reply_to_decomp(const struct child_reply *r, enum wire_compression *kind, uint64_t *size,
		    struct strbuf *err);

/* The value of a u32/u64 field of a checked body; false if absent. */
bool reply_get_u64(const struct child_reply *r, uint16_t tag, uint64_t *v);
