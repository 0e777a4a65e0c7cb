/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inside policy/: the key table, compiled conditions and rules, the index. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/glob.h"
#include "policy/intern.h"
#include "policy/policy.h"

enum key_id {
	K_SHA256,
	K_SIG,
	K_CERT,
	K_SIGNER,
	K_KEY,
	K_HASH,
	K_PATH,
	K_OWNER_OK,
	K_NAME,
	K_LICENSE,
	K_INTREE,
	K_STAGING,
	K_VERMAGIC,
	K_OP,
	K_CONTEXT,
	K_REASON,
	K_REQUESTED,
	K_PARAMS,
	K_COMMAND,
	K_UID,
	K_AUID,
	K_EXE,
	K_FORCE,
	K_REQ_UID,
	K_REQ_USERNS,
	K_REQ_CGROUP,
	K_COUNT
};

enum key_class {
	CLASS_PARENT = 0,   /* established by the parent */
	CLASS_METADATA = 1, /* the module's own claims */
	CLASS_REQUEST = 2,
};

/* How a string key's values are written and normalised. */
enum key_form {
	FORM_TEXT = 0, /* literal or glob, as written */
	FORM_NAME,     /* module name: '-' is '_' */
	FORM_LOWER,    /* case-insensitive word (digest names) */
	FORM_SHA256,   /* exactly 64 hex digits, no glob */
	FORM_KEYID,    /* hex, ':' separators allowed, no glob */
	FORM_UID,      /* decimal number, no glob */
	FORM_AUID,     /* number or `unset` */
	FORM_REQ_UID,  /* number or `unknown` */
	FORM_REQ_TEXT, /* literal, glob or `unknown` */
	FORM_ENUM,     /* one of the key's value names (globs expand over them) */
};

#define ENUM_MAX  8
#define ENUM_NONE 0xff

struct key_def {
	const char *name;
	enum key_class cls;
	enum key_form form;
	const char *const *values; /* FORM_ENUM: names by value, NULL-terminated */
	uint8_t unknown;	   /* FORM_ENUM: index of `unknown`, or ENUM_NONE */
};

extern const struct key_def policy_keys[K_COUNT];

/* Index of a key name, or -1. */
int key_lookup(const char *name);
static inline bool key_is_enum(int k)
{
	return policy_keys[k].form == FORM_ENUM;
}
/* Keys whose facts may be "unknown" (the requester's, when the kernel side is off). */
static inline bool key_has_unknown(int k)
{
	return k == K_REQ_UID || k == K_REQ_USERNS || k == K_REQ_CGROUP;
}
/* Enum value: mask bits for a value as written. 0, or -EINVAL with *why set. */
int key_enum_mask(int k, const char *v, bool quoted, uint8_t *mask, const char **why);
/* All values of an enum key (unknown included). */
uint8_t key_enum_all(int k);
/* Normalise a string value. *is_glob tells how to read it. 0, -EINVAL (*why
 * set), -ENOMEM. */
int key_string_value(int k, const char *v, bool quoted, char **out, bool *is_glob,
		     const char **why);
/* The fact for a key: enum index, or string (buf: 11 bytes for numbers). */
uint8_t key_enum_fact(int k, const struct policy_request *rq);
const char *key_string_fact(int k, const struct policy_request *rq, char buf[16]);

/* The pseudo-literal @kernel of cert, unspellable in a rule (the lexer
 * rejects control characters). */
#define CERT_KERNEL_LITERAL "\001kernel"

struct cond {
	uint8_t key;
	uint8_t mask;	   /* enum keys: accepted values */
	bool implicit;	   /* op=load added to a rule that names no op */
	bool kernel;	   /* cert: @kernel among the values */
	bool literal_only; /* string keys: no glob, so the index decides it */
	uint32_t *ids;	   /* string keys: interned literals */
	size_t n_ids;
	struct glob *globs;
	size_t n_globs;
	unsigned int line, col; /* of the key */
};

struct rule {
	enum policy_verdict verdict;
	struct cond *conds;
	size_t n_conds;
	uint8_t *residual; /* conds the index cannot decide (globs), by position */
	size_t n_residual;
	const char *file; /* owned by the policy's file list */
	unsigned int line, col;
	char *text;
};

struct set_info {
	const char *file;
	unsigned int line;
	char *text;
};

/* Patterns of one key by their literal prefix (what precedes the first
 * metacharacter): a fact can only match patterns whose prefix it starts with,
 * and walking its bytes down the trie finds exactly those. Patterns that
 * start with a metacharacter go into a second trie by their literal suffix
 * (reversed), walked from the fact's last byte; the rest (no literal at
 * either end, "*x*") sit at the first trie's root, reached by every fact. */
struct pnode {
	unsigned char *bytes; /* children, by byte */
	uint32_t *child;
	size_t n_child;
	uint32_t *rules; /* rules with a pattern whose prefix ends here, ascending */
	size_t n_rules;
};

struct ptrie {
	struct pnode *v; /* v[0] is the root (empty prefix) */
	size_t n, cap;
};

/* Nodes with rules on the path of s, root first; at most max. Returns how
 * many there are in all (more than max: the caller cannot use the list). */
size_t ptrie_path(const struct ptrie *t, const char *s, bool fold, const struct pnode **out,
		  size_t max);
/* The same for the suffix trie: s walked from its end. */
size_t ptrie_path_rev(const struct ptrie *t, const char *s, bool fold, const struct pnode **out,
		      size_t max);

/* For every rule, whether it accepts a given value of one key: enum keys keep a
 * bitset per value; string keys a bitset of the rules that do not name the key,
 * the interned lists of literal values and the pattern trie. */
struct key_index {
	uint8_t key;
	uint64_t *none;	    /* string keys: rules without a condition on the key */
	uint64_t *globby;   /* string keys: rules with a pattern on the key */
	struct ptrie trie;  /* by literal prefix */
	struct ptrie rtrie; /* patterns starting with a metacharacter, by literal suffix */
	uint64_t *by_value[ENUM_MAX]; /* enum keys */
};

struct policy {
	struct policy_settings settings;
	size_t n_errors;
	struct intern in;
	struct rule *rules;
	size_t n_rules, cap_rules;
	char **files;
	size_t n_files, cap_files;
	struct set_info *sets;
	size_t n_sets, cap_sets;
	/* built by policy_builder_finish() */
	size_t words;
	struct key_index *idx;
	size_t n_idx;
	bool key_used[K_COUNT];
	uint32_t kernel_id;
	bool has_kernel_id;
};

struct policy_builder {
	struct policy *p;
};

int policy_parse_file(struct policy *p, const char *file, const char *text, size_t len,
		      struct policy_diags *d);
int policy_build_index(struct policy *p);
void policy_index_release(struct policy *p);
void rule_release(struct rule *r);
/* Does the string condition accept the fact? (ids: the fact's interned id,
 * UINT32_MAX if it has none.) */
bool cond_match_string(const struct cond *c, const char *s, uint32_t id, bool unknown,
		       bool cert_kernel);
