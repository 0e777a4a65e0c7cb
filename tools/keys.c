// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate keys list|import|extract-kernel`: the trust store's admin face.
 *
 * import and extract-kernel never parse their input here: a sandboxed child
 * finds and validates the certificates (verify/extract.h); this process
 * writes the child's canonical DER as PEM, then checks the written file with
 * the trust store's own rules before it becomes visible, so a certificate
 * the store would refuse (and fail closed on) is never installed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "config.h"
#include "common/log.h"
#include "common/macros.h"
#include "tools/tools.h"
#include "tools/verify-print.h"
#include "verify/certutil.h"
#include "verify/extract.h"
#include "verify/truststore.h"

static void usage(void)
{
	printf("Usage: modgate [--root DIR] keys COMMAND\n"
	       "Manage the trust store (" SYSCONFDIR "/modgate/keys.d, " LIBDIR_MODGATE
	       "/keys.d).\n\n"
	       "Commands:\n"
	       "\tlist [--json]                          show the trusted certificates\n"
	       "\timport FILE [--name N] [--force]       add the certificates of a PEM or DER "
	       "file\n"
	       "\textract-kernel VMLINUZ [--out DIR] [--name N]\n"
	       "\t                                       add the build certificate of a kernel "
	       "image\n"
	       "\tremove NAME                            remove a file from " SYSCONFDIR
	       "/modgate/keys.d\n");
}

static char *keys_dir(void)
{
	const char *root = tools_root();
	char *d = NULL;

	if (asprintf(&d, "%s%s/modgate/keys.d", root ? root : "", SYSCONFDIR) < 0)
		return NULL;
	return d;
}

static void time_str(const ASN1_TIME *t, char out[32])
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "?");
}

static void algorithm_str(const struct trust_cert *c, char out[48])
{
	if (c->key_type == EVP_PKEY_RSA)
		snprintf(out, 48, "RSA %d", c->bits);
	else
		snprintf(out, 48, "ECDSA %s", c->curve_nid == NID_secp384r1 ? "P-384" : "P-256");
}

static void list_one(const struct trust_cert *c, bool json)
{
	char nb[32], na[32], alg[48];
	_cleanup_free_ char *kid = NULL;
	_cleanup_free_ char *fp = NULL;
	_cleanup_free_ char *subject = NULL;

	if (cu_name_oneline(c->subject, &subject) < 0)
		subject = NULL; /* printed as "?" */
	time_str(c->not_before, nb);
	time_str(c->not_after, na);
	algorithm_str(c, alg);
	if (c->skid)
		cu_hex(c->skid, c->skid_len, ':', &kid);
	cu_hex(c->sha256, sizeof(c->sha256), 0, &fp);
	if (json) {
		const char *keys[] = {"file",	    "subject",	 "key_id", "algorithm",
				      "not_before", "not_after", "sha256", "path"};
		const char *vals[] = {c->file, subject ? subject : "?", kid, alg, nb, na, fp, c->path};
		printf("{\"index\":%u", c->idx);
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			printf(",\"%s\":", keys[i]);
			tools_json_str(stdout, vals[i]);
		}
		puts("}");
		return;
	}
	printf("%s%s\n", c->file, c->idx ? " (next certificate in the file)" : "");
	printf("\tsubject:    %s\n\tkey id:     %s\n\talgorithm:  %s\n", subject ? subject : "?",
	       kid ? kid : "(none)", alg);
	printf("\tvalidity:   %s to %s (not checked, as by the kernel)\n", nb, na);
	printf("\tsha256:     %s\n\tpath:       %s\n", fp ? fp : "?", c->path);
}

static int keys_list(int argc, char *argv[])
{
	struct trust_store ts;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	bool json = argc == 2 && streq(argv[1], "--json");

	if (argc > 2 || (argc == 2 && !json)) {
		usage();
		return EXIT_FAILURE;
	}
	if (trust_store_load(&ts, tools_root(), &err) < 0) {
		log_error("trust store: %s\n", strbuf_str(&err));
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < ts.n; i++)
		list_one(&ts.certs[i], json);
	if (!json && ts.n == 0)
		puts("(the trust store is empty: no module signature can be valid)");
	trust_store_release(&ts);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int check_new_file(const char *path, void *ctx)
{
	return trust_store_check_file(path, ctx);
}

/* Write e's certificates as dir/name, checked before it becomes visible. */
static int install(const struct extracted *e, const char *dir, const char *name, bool replace)
{
	_cleanup_strbuf_ struct strbuf pem = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	int r = cu_mkdir_p(dir, 0755);

	if (r == 0)
		r = extracted_pem(e, &pem);
	if (r == 0)
		r = cu_write_file_atomic(dir, name, pem.buf, pem.len, replace, check_new_file,
					 &err);
	if (r == -EEXIST)
		log_error("%s/%s exists (use --force to replace it)\n", dir, name);
	else if (r < 0 && err.len)
		log_error("refusing to install %s: %s\n", name, strbuf_str(&err));
	else if (r < 0)
		log_error("cannot write %s/%s: %s\n", dir, name, strerror(-r));
	if (r < 0)
		return r;
	printf("%s/%s: %zu certificate%s\n", dir, name, e->n, e->n == 1 ? "" : "s");
	for (size_t i = 0; i < e->n; i++) {
		uint8_t md[32];
		_cleanup_free_ char *hex = NULL;
		unsigned int mdlen = 0;
		/* hashing the child's DER, not parsing it */
		if (EVP_Digest(e->certs[i].data, e->certs[i].len, md, &mdlen, EVP_sha256(), NULL) ==
			    1 &&
		    cu_hex(md, sizeof(md), 0, &hex) == 0)
			printf("\tsha256 %s\n", hex);
	}
	return 0;
}

struct write_opts {
	const char *name, *out;
	bool force;
};

static int parse_write_opts(int argc, char *argv[], struct write_opts *o, const char **file)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"out", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:o:f", opts, NULL)) != -1) {
		if (c == 'n')
			o->name = optarg;
		else if (c == 'o')
			o->out = optarg;
		else if (c == 'f')
			o->force = true;
		else
			return -EINVAL;
	}
	if (optind != argc - 1) {
		usage();
		return -EINVAL;
	}
	*file = argv[optind];
	if (o->name && !cu_valid_key_name(o->name)) {
		log_error("invalid name '%s': letters, digits and ._+@~- only, ending in .pem, "
			  ".crt or .der\n",
			  o->name);
		return -EINVAL;
	}
	return 0;
}

/* "mok.pub" -> "mok.pem" */
static char *default_import_name(const char *file)
{
	const char *base = strrchr(file, '/');
	char *name = NULL;

	base = base ? base + 1 : file;
	const char *dot = strrchr(base, '.');
	int len = (int)(dot && dot != base ? (size_t)(dot - base) : strlen(base));
	if (asprintf(&name, "%.*s.pem", len, base) < 0)
		return NULL;
	return name;
}

static int keys_write(int argc, char *argv[], enum certscan_kind kind)
{
	struct write_opts o = {0};
	struct extracted e;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	_cleanup_free_ char *dir = NULL;
	_cleanup_free_ char *name = NULL;
	const char *file;
	int r;

	if (parse_write_opts(argc, argv, &o, &file) < 0)
		return EXIT_FAILURE;
	dir = o.out ? strdup(o.out) : keys_dir();
	if (!dir)
		return EXIT_FAILURE;
	if (extract_certs(file, kind, &e, &err) < 0) {
		log_error("%s: %s\n", file, strbuf_str(&err));
		return EXIT_FAILURE;
	}
	if (o.name)
		name = strdup(o.name);
	else if (kind == CERTSCAN_FILE)
		name = default_import_name(file);
	else if (e.release && asprintf(&name, "kernel-%s.pem", e.release) < 0)
		name = NULL;
	if (!name || !cu_valid_key_name(name)) {
		log_error("%s: %s; give one with --name\n", file,
			  name ? "no valid file name derives from it"
			       : "the image names no release");
		extracted_release(&e);
		return EXIT_FAILURE;
	}
	/* A kernel's certificate follows its image: re-extraction replaces it. */
	r = install(&e, dir, name, o.force || kind == CERTSCAN_KERNEL);
	if (r == 0 && e.skipped)
		printf("\t(%u other certificate%s in the image ignored: not in its system list)\n",
		       e.skipped, e.skipped == 1 ? "" : "s");
	extracted_release(&e);
	return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Only from /etc: what the vendor ships in /usr/lib is masked, not removed. */
static int keys_remove(int argc, char *argv[])
{
	_cleanup_free_ char *dir = keys_dir();
	_cleanup_free_ char *path = NULL;

	if (argc != 2) {
		usage();
		return EXIT_FAILURE;
	}
	if (!cu_valid_key_name(argv[1])) {
		log_error("invalid name '%s'\n", argv[1]);
		return EXIT_FAILURE;
	}
	if (!dir || asprintf(&path, "%s/%s", dir, argv[1]) < 0)
		return EXIT_FAILURE;
	if (unlink(path) < 0 && errno != ENOENT) {
		log_error("cannot remove %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

int tool_keys(int argc, char *argv[])
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		usage();
		return argc < 2 ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (verify_crypto_init() < 0) {
		log_error("cannot initialise OpenSSL\n");
		return EXIT_FAILURE;
	}
	if (streq(argv[1], "list"))
		return keys_list(argc - 1, argv + 1);
	if (streq(argv[1], "import"))
		return keys_write(argc - 1, argv + 1, CERTSCAN_FILE);
	if (streq(argv[1], "extract-kernel"))
		return keys_write(argc - 1, argv + 1, CERTSCAN_KERNEL);
	if (streq(argv[1], "remove"))
		return keys_remove(argc - 1, argv + 1);
	log_error("unknown keys command '%s'\n", argv[1]);
	usage();
	return EXIT_FAILURE;
}
