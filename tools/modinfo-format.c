// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modinfo output formatting. Every printf format here is kmod 30's, because
 * its quirks are the compatibility contract: "%s:%-*s%s" with a width of
 * 15 - strlen(key) pads keys longer than 15 characters on the right again
 * (a negative width is a left-justified positive one), parameters come out in
 * reverse order of first appearance, and -0 changes only the separator.
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "common/macros.h"
#include "tools/modinfo.h"

/* module_signature.id_type names and the legacy-table bounds kmod 30 checks
 * (libkmod-signature.c: pkey_algo, pkey_hash_algo, pkey_id_type). */
static const char *const sig_id_names[] = {"PGP", "X509", "PKCS#7"};
#define SIG_ALGO_COUNT 2
#define SIG_HASH_COUNT 9
#define SIG_ID_PKCS7   2
#define SIG_MAGIC_LEN  28
#define SIG_INFO_LEN   12

static int list_add(struct modinfo_list *l, const char *key, size_t klen, const char *value,
		    size_t vlen)
{
	struct modinfo_item *nv = reallocarray(l->v, l->n + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	char *k = strndup(key, klen), *v = strndup(value, vlen);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	l->v[l->n++] = (struct modinfo_item){k, v};
	return 0;
}

int modinfo_list_add_strings(struct modinfo_list *l, char *const *strings, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = strings[i], *eq = strchr(s, '=');
		int r = eq ? list_add(l, s, (size_t)(eq - s), eq + 1, strlen(eq + 1))
			   : list_add(l, s, strlen(s), "", 0);
		if (r < 0)
			return r;
	}
	return 0;
}

void modinfo_list_release(struct modinfo_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

char *modinfo_hex(const uint8_t *data, size_t len)
{
	size_t size;
	/* 3 bytes per byte ("XX:"), 3 more per line break, the NUL */
	if (size_mul_overflow(len, 4, &size) || size_add_overflow(size, 1, &size))
		return NULL;
	char *s = malloc(size), *p = s;
	if (!s)
		return NULL;
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		*p++ = digits[data[i] >> 4];
		*p++ = digits[data[i] & 15];
		if (i + 1 < len) {
			*p++ = ':';
			if ((i + 1) % 20 == 0) {
				memcpy(p, "\n\t\t", 3);
				p += 3;
			}
		}
	}
	*p = '\0';
	return s;
}

static int add_hex(struct modinfo_list *l, const char *key, const struct bytes *b)
{
	char *hex = modinfo_hex(b->data, b->len);
	if (!hex)
		return -ENOMEM;
	int r = list_add(l, key, strlen(key), hex, strlen(hex));
	free(hex);
	return r;
}

/*
 * kmod 30 shows a signature when the trailer's algo, hash and id_type index
 * its tables, sig_len is not 0 and the three parts fit before the trailer;
 * for PKCS#7 also only when OpenSSL's PKCS7 parser reads the blob and its
 * first signer names issuer and serial (a subject-key-id signer makes
 * d2i_PKCS7 fail, so kmod shows nothing for it).
 */
static bool kmod_shows_signature(const struct sig_facts *sig, uint64_t size)
{
	const uint8_t *t = sig->trailer;
	if (!sig->has_trailer || size < SIG_MAGIC_LEN + SIG_INFO_LEN)
		return false;
	uint64_t sig_len =
		(uint64_t)t[8] << 24 | (uint64_t)t[9] << 16 | (uint64_t)t[10] << 8 | t[11];
	if (t[0] >= SIG_ALGO_COUNT || t[1] >= SIG_HASH_COUNT || t[2] > SIG_ID_PKCS7 ||
	    sig_len == 0 || size - SIG_MAGIC_LEN - SIG_INFO_LEN < t[3] + t[4] + sig_len)
		return false;
	if (t[2] == SIG_ID_PKCS7)
		return sig->id_kind == WIRE_SIGNER_ISSUER_SERIAL;
	return sig->state == WIRE_SIG_OTHER && sig->value.len == sig_len;
}

int modinfo_list_add_signature(struct modinfo_list *l, const struct sig_facts *sig, uint64_t size)
{
	if (!kmod_shows_signature(sig, size))
		return 0;
	bool pkcs7 = sig->trailer[2] == SIG_ID_PKCS7;
	const char *id = sig_id_names[sig->trailer[2]];
	const char *signer = sig->issuer_cn ? sig->issuer_cn : "";
	/* kmod indexes its table with the digest it does not know (out of
	 * bounds); "unknown" is what it prints when built without OpenSSL */
	const char *hash = sig->hash_name ? sig->hash_name : "unknown";
	int r = list_add(l, "sig_id", 6, id, strlen(id));
	if (r == 0)
		r = list_add(l, "signer", 6, signer, strlen(signer));
	if (r == 0)
		r = add_hex(l, "sig_key", pkcs7 ? &sig->serial : &sig->legacy_key_id);
	if (r == 0)
		r = list_add(l, "sig_hashalgo", 12, hash, strlen(hash));
	if (r == 0)
		r = add_hex(l, "signature", &sig->value);
	return r;
}

bool modinfo_print_head(FILE *out, const struct modinfo_opts *o, const char *name,
			const char *filename)
{
	if (!filename) {
		if (!o->field)
			fprintf(out, "%-16s%s%c", "name:", name, o->sep);
		else if (streq(o->field, "name"))
			fprintf(out, "%s%c", name, o->sep);
		filename = "(builtin)";
	}
	if (o->field && streq(o->field, "filename")) {
		fprintf(out, "%s%c", filename, o->sep);
		return true;
	}
	if (!o->field)
		fprintf(out, "%-16s%s%c", "filename:", filename, o->sep);
	return false;
}

struct param {
	const char *name, *desc, *type; /* desc/type NULL when not given */
	int namelen;
};

struct params {
	struct param *v;
	size_t n;
};

/* "name:text" of a parm (description) or parmtype (type); a later value for
 * the same name replaces the earlier one, the position stays the first. */
static int param_add(struct params *ps, const char *key, const char *value)
{
	const char *colon = strchr(value, ':');
	if (!colon) {
		log_error("Found invalid \"%s=%s\": missing ':'\n", key, value);
		return 0;
	}
	int namelen = (int)(colon - value);
	size_t i;
	for (i = 0; i < ps->n; i++)
		if (ps->v[i].namelen == namelen &&
		    memcmp(ps->v[i].name, value, (size_t)namelen) == 0)
			break;
	if (i == ps->n) {
		struct param *nv = reallocarray(ps->v, ps->n + 1, sizeof(*nv));
		if (!nv) {
			log_error("Out of memory!\n");
			return -ENOMEM;
		}
		ps->v = nv;
		ps->v[ps->n++] = (struct param){.name = value, .namelen = namelen};
	}
	if (streq(key, "parm"))
		ps->v[i].desc = colon + 1;
	else
		ps->v[i].type = colon + 1;
	return 0;
}

/* kmod keeps parameters in a list it prepends to: last seen first. With -p
 * the lines lack the "parm:" column. */
static void params_print(FILE *out, const struct modinfo_opts *o, const struct params *ps)
{
	const char *col = o->field ? "" : "parm:";
	int width = o->field ? 0 : 16;
	for (size_t i = ps->n; i-- > 0;) {
		const struct param *p = &ps->v[i];
		if (!p->desc && o->field)
			fprintf(out, "%.*s: (%s)%c", p->namelen, p->name, p->type, o->sep);
		else if (!p->desc)
			fprintf(out, "%-*s%.*s:%s%c", width, col, p->namelen, p->name, p->type,
				o->sep);
		else if (p->type)
			fprintf(out, "%-*s%.*s:%s (%s)%c", width, col, p->namelen, p->name, p->desc,
				p->type, o->sep);
		else
			fprintf(out, "%-*s%.*s:%s%c", width, col, p->namelen, p->name, p->desc,
				o->sep);
	}
}

void modinfo_print_info(FILE *out, const struct modinfo_opts *o, const struct modinfo_list *l)
{
	struct params ps = {0};
	bool only_parms = o->field && streq(o->field, "parm");
	for (size_t i = 0; i < l->n; i++) {
		const char *key = l->v[i].key, *value = l->v[i].value;
		bool parm = streq(key, "parm") || streq(key, "parmtype");
		if (o->field && !only_parms) {
			if (streq(o->field, key))
				fprintf(out, "%s%c", value, o->sep);
			continue;
		}
		if (parm) {
			if (param_add(&ps, key, value) < 0)
				break;
			continue;
		}
		if (only_parms)
			continue;
		if (o->sep == '\0')
			fprintf(out, "%s=%s%c", key, value, o->sep);
		else
			fprintf(out, "%s:%-*s%s%c", key, 15 - (int)strlen(key), "", value, o->sep);
	}
	if (!o->field || only_parms)
		params_print(out, o, &ps);
	free(ps.v);
}
