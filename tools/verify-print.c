// SPDX-License-Identifier: LGPL-2.1-or-later
/* Output of `modgate verify` (verify-print.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>

#include "common/macros.h"
#include "tools/verify-print.h"
#include "verify/certutil.h"

struct fields {
	char sha256[65];
	const char *state, *reason, *signer, *digest, *cert;
	bool claimed;
	char *key_id; /* owned */
};

void tools_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Terminal text: the same bytes as '?'. */
static void text_str(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p >= 0x20 && *p <= 0x7e ? *p : '?', f);
}

static char *key_id(const struct verify_result *res, const struct sig_facts *sig)
{
	char *s = NULL;

	if (res->cert && res->cert->skid)
		cu_hex(res->cert->skid, res->cert->skid_len, ':', &s);
	else if (sig->id_kind == WIRE_SIGNER_SKID && sig->skid.len)
		cu_hex(sig->skid.data, sig->skid.len, ':', &s);
	else if (sig->id_kind == WIRE_SIGNER_ISSUER_SERIAL && sig->serial.len)
		cu_hex(sig->serial.data, sig->serial.len, ':', &s);
	return s;
}

static void fill(const struct verify_report *r, struct fields *fl)
{
	const struct verify_result *res = r->res;
	const struct sig_facts *sig = r->sig;

	*fl = (struct fields){.state = r->error ? "error" : verify_state_name(res->state)};
	if (r->error) {
		fl->reason = r->error;
		return;
	}
	for (size_t i = 0; i < 32; i++)
		snprintf(fl->sha256 + 2 * i, 3, "%02x", res->sha256[i]);
	fl->reason = res->reason[0] ? res->reason : NULL;
	if (res->state == VERIFY_NONE || res->state == VERIFY_MALFORMED)
		return;
	fl->digest = res->digest_nid ? OBJ_nid2ln(res->digest_nid) : NULL;
	fl->key_id = key_id(res, sig);
	if (res->cert) {
		fl->signer = res->cert->subject_cn;
		fl->cert = res->cert->file;
	} else if (sig->issuer_cn) {
		fl->signer = sig->issuer_cn;
		fl->claimed = true;
	}
}

static void print_json(FILE *f, const struct verify_report *r, const struct fields *fl)
{
	const char *keys[] = {"path",	"sha256", "state",  "reason",
			      "signer", "key_id", "digest", "cert"};
	const char *vals[] = {r->path,	  fl->sha256[0] ? fl->sha256 : NULL,
			      fl->state,  fl->reason,
			      fl->signer, fl->key_id,
			      fl->digest, fl->cert};

	fputc('{', f);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		fprintf(f, "%s\"%s\":", i ? "," : "", keys[i]);
		tools_json_str(f, vals[i]);
	}
	fprintf(f, ",\"signer_claimed\":%s}\n", fl->claimed ? "true" : "false");
}

static void line(FILE *f, const char *key, const char *val, const char *suffix)
{
	if (!val)
		return;
	fprintf(f, "\t%-8s", key);
	text_str(f, val);
	fprintf(f, "%s\n", suffix);
}

static void print_text(FILE *f, const struct verify_report *r, const struct fields *fl)
{
	text_str(f, r->path);
	fprintf(f, ": %s\n", fl->state);
	line(f, "reason:", fl->reason, "");
	line(f, "sha256:", fl->sha256[0] ? fl->sha256 : NULL, "");
	line(f, "signer:", fl->signer, fl->claimed ? " (claimed, no trusted certificate)" : "");
	line(f, "key id:", fl->key_id, "");
	line(f, "digest:", fl->digest, "");
	line(f, "cert:", fl->cert, "");
}

void verify_report_print(FILE *f, const struct verify_report *r, bool json)
{
	struct fields fl;

	fill(r, &fl);
	if (json)
		print_json(f, r, &fl);
	else
		print_text(f, r, &fl);
	free(fl.key_id);
}
