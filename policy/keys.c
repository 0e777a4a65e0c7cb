// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The keys of the language, what their values look like and where their facts
 * come from. Values are normalised once here so that matching is plain
 * comparison: module names with '_' for '-', digests and key ids in lowercase
 * hex without separators, numbers in canonical decimal.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "policy/internal.h"

static const char *const v_sig[] = {"none", "valid", "untrusted", "invalid", "malformed", NULL};
static const char *const v_bool[] = {"no", "yes", NULL};
static const char *const v_op[] = {"load", "unload", "install", "remove", NULL};
static const char *const v_context[] = {"cli", "udev", "autoload", "boot", NULL};
static const char *const v_reason[] = {"request", "dependency", "softdep", NULL};
static const char *const v_userns[] = {"init", "other", "unknown", NULL};

const struct key_def policy_keys[K_COUNT] = {
	[K_SHA256] = {"sha256", CLASS_PARENT, FORM_SHA256, NULL, ENUM_NONE},
	[K_SIG] = {"sig", CLASS_PARENT, FORM_ENUM, v_sig, ENUM_NONE},
	[K_CERT] = {"cert", CLASS_PARENT, FORM_TEXT, NULL, ENUM_NONE},
	[K_SIGNER] = {"signer", CLASS_PARENT, FORM_TEXT, NULL, ENUM_NONE},
	[K_KEY] = {"key", CLASS_PARENT, FORM_KEYID, NULL, ENUM_NONE},
	[K_HASH] = {"hash", CLASS_PARENT, FORM_LOWER, NULL, ENUM_NONE},
	[K_PATH] = {"path", CLASS_PARENT, FORM_TEXT, NULL, ENUM_NONE},
	[K_OWNER_OK] = {"owner-ok", CLASS_PARENT, FORM_ENUM, v_bool, ENUM_NONE},
	[K_NAME] = {"name", CLASS_METADATA, FORM_NAME, NULL, ENUM_NONE},
	[K_LICENSE] = {"license", CLASS_METADATA, FORM_TEXT, NULL, ENUM_NONE},
	[K_INTREE] = {"intree", CLASS_METADATA, FORM_ENUM, v_bool, ENUM_NONE},
	[K_STAGING] = {"staging", CLASS_METADATA, FORM_ENUM, v_bool, ENUM_NONE},
	[K_VERMAGIC] = {"vermagic", CLASS_METADATA, FORM_TEXT, NULL, ENUM_NONE},
	[K_OP] = {"op", CLASS_REQUEST, FORM_ENUM, v_op, ENUM_NONE},
	[K_CONTEXT] = {"context", CLASS_REQUEST, FORM_ENUM, v_context, ENUM_NONE},
	[K_REASON] = {"reason", CLASS_REQUEST, FORM_ENUM, v_reason, ENUM_NONE},
	[K_REQUESTED] = {"requested", CLASS_REQUEST, FORM_TEXT, NULL, ENUM_NONE},
	[K_PARAMS] = {"params", CLASS_REQUEST, FORM_TEXT, NULL, ENUM_NONE},
	[K_COMMAND] = {"command", CLASS_REQUEST, FORM_TEXT, NULL, ENUM_NONE},
	[K_UID] = {"uid", CLASS_REQUEST, FORM_UID, NULL, ENUM_NONE},
	[K_AUID] = {"auid", CLASS_REQUEST, FORM_AUID, NULL, ENUM_NONE},
	[K_EXE] = {"exe", CLASS_REQUEST, FORM_TEXT, NULL, ENUM_NONE},
	[K_FORCE] = {"force", CLASS_REQUEST, FORM_ENUM, v_bool, ENUM_NONE},
	[K_REQ_UID] = {"requester-uid", CLASS_REQUEST, FORM_REQ_UID, NULL, ENUM_NONE},
	[K_REQ_USERNS] = {"requester-userns", CLASS_REQUEST, FORM_ENUM, v_userns, 2},
	[K_REQ_CGROUP] = {"requester-cgroup", CLASS_REQUEST, FORM_REQ_TEXT, NULL, ENUM_NONE},
};

int key_lookup(const char *name)
{
	for (int k = 0; k < K_COUNT; k++)
		if (streq(policy_keys[k].name, name))
			return k;
	return -1;
}

uint8_t key_enum_all(int k)
{
	uint8_t m = 0;
	for (int i = 0; policy_keys[k].values[i]; i++)
		m |= (uint8_t)(1u << i);
	return m;
}

int key_enum_mask(int k, const char *v, bool quoted, uint8_t *mask, const char **why)
{
	const struct key_def *d = &policy_keys[k];
	bool pattern = !quoted && glob_is_pattern(v);

	*mask = 0;
	if (pattern && glob_check(v)) {
		*why = glob_check(v);
		return -EINVAL;
	}
	for (int i = 0; d->values[i]; i++) {
		/* a pattern never reaches `unknown`: that must be named */
		if (pattern ? i != d->unknown && glob_match_raw(v, d->values[i], false)
			    : streq(v, d->values[i]))
			*mask |= (uint8_t)(1u << i);
	}
	if (*mask)
		return 0;
	*why = pattern ? "the pattern matches none of its values" : "not one of its values";
	return -EINVAL;
}

/* 0..4294967295 in decimal, written canonically into out. */
static int parse_u32(const char *v, char out[16])
{
	char *end;
	if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 10)
		return -EINVAL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return -EINVAL;
	snprintf(out, 16, "%llu", n);
	return 0;
}

static int hex_value(const char *v, bool colons, size_t want, char **out)
{
	size_t n = 0;
	char *s = malloc(strlen(v) + 1);
	if (!s)
		return -ENOMEM;
	for (const char *p = v; *p; p++) {
		if (colons && *p == ':' && p != v && p[1] && p[1] != ':')
			continue;
		if (!isxdigit((unsigned char)*p)) {
			free(s);
			return -EINVAL;
		}
		s[n++] = (char)tolower((unsigned char)*p);
	}
	s[n] = '\0';
	if (n == 0 || (want && n != want) || n % 2) {
		free(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

/* Module names: '-' is '_' except inside brackets, where it may be a range. */
static char *name_value(const char *v)
{
	char *s = strdup(v);
	bool in_bracket = false;
	for (char *p = s; s && *p; p++) {
		if (*p == '[')
			in_bracket = true;
		else if (*p == ']')
			in_bracket = false;
		else if (*p == '-' && !in_bracket)
			*p = '_';
	}
	return s;
}

static int number_value(int k, const char *v, char **out, const char **why)
{
	char buf[16];
	const char *form = policy_keys[k].form == FORM_AUID	 ? "a number or unset"
			   : policy_keys[k].form == FORM_REQ_UID ? "a number or unknown"
								 : "a number";
	if (policy_keys[k].form == FORM_AUID && streq(v, "unset"))
		snprintf(buf, sizeof(buf), "%u", POLICY_AUID_UNSET);
	else if (policy_keys[k].form == FORM_REQ_UID && streq(v, "unknown"))
		snprintf(buf, sizeof(buf), "unknown");
	else if (parse_u32(v, buf) < 0) {
		*why = form;
		return -EINVAL;
	}
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

int key_string_value(int k, const char *v, bool quoted, char **out, bool *is_glob, const char **why)
{
	enum key_form f = policy_keys[k].form;
	int r;

	*is_glob = false;
	switch (f) {
	case FORM_SHA256:
	case FORM_KEYID:
		r = hex_value(v, f == FORM_KEYID, f == FORM_SHA256 ? 64 : 0, out);
		if (r == -EINVAL)
			*why = f == FORM_SHA256 ? "expected 64 hexadecimal digits"
						: "expected a key id in hexadecimal (':' allowed "
						  "between bytes)";
		return r;
	case FORM_UID:
	case FORM_AUID:
	case FORM_REQ_UID:
		return number_value(k, v, out, why);
	default:
		break;
	}
	*is_glob = !quoted && glob_is_pattern(v);
	if (*is_glob && glob_check(v)) {
		*why = glob_check(v);
		return -EINVAL;
	}
	*out = f == FORM_NAME ? name_value(v) : strdup(v);
	if (*out && f == FORM_LOWER)
		for (char *p = *out; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return *out ? 0 : -ENOMEM;
}

uint8_t key_enum_fact(int k, const struct policy_request *rq)
{
	switch (k) {
	case K_SIG:
		return (uint8_t)rq->sig;
	case K_OWNER_OK:
		return rq->owner_ok;
	case K_INTREE:
		return rq->intree;
	case K_STAGING:
		return rq->staging;
	case K_OP:
		return (uint8_t)rq->op;
	case K_CONTEXT:
		return (uint8_t)rq->context;
	case K_REASON:
		return (uint8_t)rq->reason;
	case K_FORCE:
		return rq->force;
	case K_REQ_USERNS:
		return rq->requester_known ? (uint8_t)rq->requester_userns : policy_keys[k].unknown;
	default:
		return ENUM_NONE;
	}
}

/* Decimal without printf: a decision formats up to three of these. */
static const char *u32_text(uint32_t v, char buf[16])
{
	char *p = buf + 15;
	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

const char *key_string_fact(int k, const struct policy_request *rq, char buf[16])
{
	switch (k) {
	case K_SHA256:
		return or_empty(rq->sha256);
	case K_CERT:
		return or_empty(rq->cert);
	case K_SIGNER:
		return or_empty(rq->signer);
	case K_KEY:
		return or_empty(rq->key);
	case K_HASH:
		return or_empty(rq->hash);
	case K_PATH:
		return or_empty(rq->path);
	case K_NAME:
		return or_empty(rq->name);
	case K_LICENSE:
		return or_empty(rq->license);
	case K_VERMAGIC:
		return or_empty(rq->vermagic);
	case K_REQUESTED:
		return or_empty(rq->requested);
	case K_PARAMS:
		return or_empty(rq->params);
	case K_COMMAND:
		return or_empty(rq->command);
	case K_EXE:
		return or_empty(rq->exe);
	case K_UID:
		return u32_text(rq->uid, buf);
	case K_AUID:
		return u32_text(rq->auid, buf);
	case K_REQ_UID:
		return rq->requester_known ? u32_text(rq->requester_uid, buf) : "unknown";
	case K_REQ_CGROUP:
		return rq->requester_known ? or_empty(rq->requester_cgroup) : "unknown";
	default:
		return "";
	}
}

void policy_request_each(const struct policy_request *rq,
			 void (*fn)(void *ud, const char *key, const char *value), void *ud)
{
	char buf[16];
	for (int k = 0; k < K_COUNT; k++) {
		const struct key_def *d = &policy_keys[k];
		if (d->form == FORM_ENUM) {
			uint8_t v = key_enum_fact(k, rq), n = 0;
			while (d->values[n])
				n++;
			fn(ud, d->name, v < n ? d->values[v] : "?");
		} else
			fn(ud, d->name, key_string_fact(k, rq, buf));
	}
}

int policy_value_render(const char *v, struct strbuf *out)
{
	bool word = v[0] && v[0] != '@' && !glob_is_pattern(v);
	for (const char *p = v; word && *p; p++)
		if (strchr(" \t\r\n=,\"#\\", *p) || (unsigned char)*p < 0x20 || *p == 0x7f)
			word = false;
	if (word)
		return strbuf_append_str(out, v);
	int r = strbuf_append_char(out, '"');
	for (const char *p = v; r == 0 && *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			r = strbuf_appendf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			r = strbuf_appendf(out, "\\x%02x", c);
		else
			r = strbuf_append_char(out, (char)c);
	}
	return r < 0 ? r : strbuf_append_char(out, '"');
}
