// SPDX-License-Identifier: LGPL-2.1-or-later
/* Module and caller facts for policy decisions (see policy-facts.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/objects.h>

#include "common/macros.h"
#include "loader/kernel.h"
#include "loader/policy-facts.h"

static enum policy_sig sig_of(enum verify_state s)
{
	switch (s) {
	case VERIFY_VALID:
		return POLICY_SIG_VALID;
	case VERIFY_UNTRUSTED:
		return POLICY_SIG_UNTRUSTED;
	case VERIFY_INVALID:
		return POLICY_SIG_INVALID;
	case VERIFY_MALFORMED:
		return POLICY_SIG_MALFORMED;
	case VERIFY_NONE:
		break;
	}
	return POLICY_SIG_NONE;
}

char *cert_name_of_file(const char *file)
{
	size_t n = strlen(file);
	if (n > 4 && (streq(file + n - 4, ".pem") || streq(file + n - 4, ".crt") ||
		      streq(file + n - 4, ".der")))
		n -= 4;
	return strndup(file, n);
}

static char *hex(const uint8_t *b, size_t n)
{
	char *s = malloc(n * 2 + 1);
	for (size_t i = 0; s && i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	if (s)
		s[n * 2] = '\0';
	return s;
}

/* The first "key=value" of .modinfo for key, or NULL. */
static const char *modinfo(const struct module_facts *mf, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < mf->n_modinfo; i++)
		if (strncmp(mf->modinfo[i], key, kl) == 0 && mf->modinfo[i][kl] == '=')
			return mf->modinfo[i] + kl + 1;
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

bool path_owner_ok(const char *resolved)
{
	char buf[PATH_MAX];
	struct stat st;
	if (!resolved || strlen(resolved) >= sizeof(buf) || stat(resolved, &st) < 0)
		return false;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return false;
	strcpy(buf, resolved);
	for (char *slash = strrchr(buf, '/'); slash; slash = strrchr(buf, '/')) {
		*slash = '\0';
		const char *dir = buf[0] ? buf : "/";
		if (stat(dir, &st) < 0 || st.st_uid != 0)
			return false;
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
			return false;
		if (!buf[0])
			break;
	}
	return true;
}

/* Signer identity: the trusted certificate's when the signature is valid
 * (or at least names it), else what the signature blob claims. */
static int signer_facts(struct module_policy_facts *f, const struct inspected *in,
			const struct verify_result *vr)
{
	const struct sig_facts *sf = &in->facts.sig;
	const struct trust_cert *c = vr->cert;
	if (c) {
		f->signer = strdup(c->subject_cn ? c->subject_cn : "");
		f->key = c->skid ? hex(c->skid, c->skid_len) : hex(c->serial, c->serial_len);
	} else if (sf->state == WIRE_SIG_PKCS7) {
		f->signer = strdup(sf->issuer_cn ? sf->issuer_cn : "");
		f->key = sf->id_kind == WIRE_SIGNER_SKID ? hex(sf->skid.data, sf->skid.len)
							 : hex(sf->serial.data, sf->serial.len);
	} else {
		return 0;
	}
	const char *h = vr->digest_nid ? OBJ_nid2sn(vr->digest_nid) : sf->hash_name;
	f->hash = dup_or_null(h);
	for (char *p = f->hash; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return f->signer && f->key && (!h || f->hash) ? 0 : -ENOMEM;
}

int module_policy_facts_init(struct module_policy_facts *f, const char *path,
			     const struct inspected *in, const struct verify_result *vr,
			     const char *kernel_release)
{
	const struct module_facts *mf = &in->facts;
	*f = (struct module_policy_facts){.sig = sig_of(vr->state)};

	for (size_t i = 0; i < sizeof(vr->sha256); i++)
		snprintf(f->sha256 + 2 * i, 3, "%02x", vr->sha256[i]);
	if (vr->state == VERIFY_VALID && vr->cert) {
		f->cert = cert_name_of_file(vr->cert->file);
		if (!f->cert)
			return -ENOMEM;
		char want[300];
		snprintf(want, sizeof(want), "kernel-%s", kernel_release ? kernel_release : "");
		f->cert_kernel = kernel_release && streq(f->cert, want);
	}
	if (signer_facts(f, in, vr) < 0)
		return -ENOMEM;
	f->path = realpath(path, NULL);
	f->owner_ok = path_owner_ok(f->path);
	if (!f->path && !(f->path = strdup(path)))
		return -ENOMEM;
	f->name = dup_or_null(mf->name ? mf->name : modinfo(mf, "name"));
	f->license = dup_or_null(modinfo(mf, "license"));
	f->vermagic = dup_or_null(modinfo(mf, "vermagic"));
	f->intree = streq(modinfo(mf, "intree"), "Y");
	f->staging = streq(modinfo(mf, "staging"), "Y");
	return 0;
}

void module_policy_facts_apply(const struct module_policy_facts *f, struct policy_request *rq)
{
	rq->sha256 = f->sha256;
	rq->sig = f->sig;
	rq->cert = f->cert;
	rq->cert_kernel = f->cert_kernel;
	rq->signer = f->signer;
	rq->key = f->key;
	rq->hash = f->hash;
	rq->path = f->path;
	rq->owner_ok = f->owner_ok;
	rq->name = f->name;
	rq->license = f->license;
	rq->intree = f->intree;
	rq->staging = f->staging;
	rq->vermagic = f->vermagic;
}

void module_policy_facts_release(struct module_policy_facts *f)
{
	free(f->cert);
	free(f->signer);
	free(f->key);
	free(f->hash);
	free(f->path);
	free(f->name);
	free(f->license);
	free(f->vermagic);
	*f = (struct module_policy_facts){0};
}

void caller_policy_facts(struct policy_request *rq, char **exe)
{
	_cleanup_free_ char *text = NULL;
	char buf[PATH_MAX];

	rq->uid = (uint32_t)getuid();
	rq->auid = POLICY_AUID_UNSET;
	if (kernel_read_file("/proc/self/loginuid", 64, &text, NULL) == 0) {
		char *end;
		unsigned long v = strtoul(text, &end, 10);
		if (end != text && v <= UINT32_MAX)
			rq->auid = (uint32_t)v;
	}
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	*exe = n > 0 ? strndup(buf, (size_t)n) : NULL;
	rq->exe = *exe;
}
