/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Facts about a module, as the parent holds them after validating a child's
 * reply (inspect/reply.c). Everything here came from an untrusted child except
 * where marked "parent": sizes, compression kind of the opened file and the
 * memfd are the parent's own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/wire.h"

struct mod_symbol {
	char *name;
	uint64_t crc;
	bool has_crc;
	uint8_t bind;
};

struct bytes {
	uint8_t *data;
	size_t len;
};

struct sig_facts {
	enum wire_sig_state state;   /* NONE if the child sent nothing */
	bool has_trailer;
	uint8_t trailer[12];         /* struct module_signature as in the file */
	uint64_t content_len;        /* signed content = bytes [0, content_len) */
	uint32_t nsigners;
	enum wire_signer_id id_kind; /* 0 if unknown */
	struct bytes issuer_der;
	char *issuer_cn;
	struct bytes serial;
	struct bytes skid;
	uint32_t digest_nid;
	uint32_t pkey_nid;
	char *hash_name;
	struct bytes value;          /* raw signature OCTET STRING content */
	struct bytes ecdsa_r, ecdsa_s;
	bool signed_attrs, detached, data_type;
	char *problem;               /* why MALFORMED */
	struct bytes legacy_key_id;  /* legacy trailer's key id (modinfo's sig_key) */
};

struct module_facts {
	uint8_t elf_class, elf_data;
	uint16_t elf_machine;
	uint32_t elf_absent; /* enum wire_elf_absent bits */
	enum wire_scope scope; /* what the child says it parsed (inspect checks: what was asked) */
	char *name; /* from .gnu.linkonce.this_module; NULL if absent */
	char **modinfo; /* "key=value", section order */
	size_t n_modinfo;
	struct mod_symbol *exports;
	size_t n_exports;
	struct mod_symbol *needs;
	size_t n_needs;
	struct mod_symbol *versions;
	size_t n_versions;
	struct sig_facts sig;
};

void module_facts_free(struct module_facts *f);
/* Facts of the scope that was asked, and of nothing else: a signature-scope
 * reply carries no name, modinfo or symbols. */
bool module_facts_of_scope(const struct module_facts *f, enum wire_scope asked);
