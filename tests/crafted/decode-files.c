// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test driver: run module_decode() in-process over files or whole trees.
 *
 *   decode-files --expect DIR          crafted inputs; the name says what must happen:
 *                                      error-*  a clean error with a cause
 *                                      ok-*     success
 *                                      sig-STATE-*  success, signature state STATE
 *                                      (none, pkcs7, malformed, other)
 *   decode-files --summary PATH...     every .ko / .ko.xz below PATH must decode;
 *                                      prints counts and each failure
 *   decode-files --print[-headed] WHAT PATH...
 *                                      facts in kmod's own output formats, for
 *                                      comparing with kmod at test time:
 *                                      exports (modprobe --show-exports), versions
 *                                      (--dump-modversions), needs, facts, sig,
 *                                      field:KEY (modinfo -F KEY, signature keys too);
 *                                      -headed puts "== PATH" before each file
 *
 * Files are read whole; .xz files are decompressed here (a test convenience:
 * in modgate that happens in its own sandboxed child).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "sandbox/decode.h"
#include "tests/crafted/wire-fields.h"

enum mode { M_EXPECT, M_SUMMARY, M_PRINT };

static enum mode mode;
static const char *print_what;
static bool headed; /* "== PATH" before each file's lines */
static unsigned long n_files, n_ok, n_bad, n_state[4];

static int read_whole(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		got += (size_t)n;
	}
	*out = buf;
	*len = got;
	return 0;
}

static int unxz(uint8_t **buf, size_t *len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = *len * 4 + 4096;
	uint8_t *out = malloc(cap);
	lzma_ret r;

	if (!out || lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return -ENOMEM;
	s.next_in = *buf;
	s.avail_in = *len;
	do {
		if (s.total_out == cap) {
			cap *= 2;
			out = realloc(out, cap);
			if (!out)
				return -ENOMEM;
		}
		s.next_out = out + s.total_out;
		s.avail_out = cap - s.total_out;
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK);
	lzma_end(&s);
	if (r != LZMA_STREAM_END) {
		free(out);
		return -EBADMSG;
	}
	free(*buf);
	*buf = out;
	*len = s.total_out;
	return 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static const char *state_names[] = {"none", "pkcs7", "malformed", "other"};

static void print_symbols(const struct wf_list *l, uint16_t tag)
{
	for (size_t i = 0; wf_get(l, tag, i); i++) {
		struct wf_sym s = wf_symbol(wf_get(l, tag, i));

		if (mode == M_PRINT && strcmp(print_what, "needs") == 0)
			printf("0x%08llx\t%s\t%s\t%u\n", (unsigned long long)s.crc, s.name,
			       s.has_crc ? "crc" : "-", s.bind);
		else
			printf("0x%08llx\t%s\n", (unsigned long long)s.crc, s.name);
	}
}

/* modinfo -F KEY: .modinfo values of that key, then the signature keys kmod appends. */
static void print_field(const struct wf_list *l, const char *key)
{
	size_t klen = strlen(key);
	uint32_t state = (uint32_t)wf_uint(wf_get(l, WT_SIG_STATE, 0));
	char hex[16384];

	for (size_t i = 0; wf_get(l, WT_MODINFO, i); i++) {
		const struct wf *f = wf_get(l, WT_MODINFO, i);

		if (f->len >= klen && memcmp(f->data, key, klen) == 0 &&
		    (f->len == klen || f->data[klen] == '='))
			printf("%.*s\n", (int)(f->len > klen ? f->len - klen - 1 : 0),
			       (const char *)f->data + klen + (f->len > klen));
	}
	/* kmod 30 parses with d2i_PKCS7, which cannot read a subject-key-id signer:
	 * it then shows no signature keys at all */
	if (state != WIRE_SIG_PKCS7 ||
	    wf_uint(wf_get(l, WT_SIG_ID_KIND, 0)) != WIRE_SIGNER_ISSUER_SERIAL)
		return;
	if (strcmp(key, "signer") == 0) {
		char *s = wf_str(wf_get(l, WT_SIG_ISSUER_CN, 0));

		printf("%s\n", s ? s : "");
		free(s);
	} else if (strcmp(key, "sig_key") == 0) {
		wf_hex(wf_get(l, WT_SIG_SERIAL, 0), hex, sizeof(hex), 1);
		printf("%s\n", hex);
	} else if (strcmp(key, "sig_hashalgo") == 0) {
		char *s = wf_str(wf_get(l, WT_SIG_HASH_NAME, 0));

		printf("%s\n", s ? s : "");
		free(s);
	} else if (strcmp(key, "signature") == 0) {
		wf_hex(wf_get(l, WT_SIG_VALUE, 0), hex, sizeof(hex), 1);
		printf("%s\n", hex);
	}
}

static void print_facts(const char *path, const struct wf_list *l)
{
	char *name = wf_str(wf_get(l, WT_NAME, 0));

	printf("file %s\nclass %llu data %llu machine %llu name %s absent 0x%llx\n", path,
	       (unsigned long long)wf_uint(wf_get(l, WT_ELF_CLASS, 0)),
	       (unsigned long long)wf_uint(wf_get(l, WT_ELF_DATA, 0)),
	       (unsigned long long)wf_uint(wf_get(l, WT_ELF_MACHINE, 0)), name ? name : "(none)",
	       (unsigned long long)wf_uint(wf_get(l, WT_ELF_ABSENT, 0)));
	printf("modinfo %zu exports %zu needs %zu versions %zu sig %s\n", wf_count(l, WT_MODINFO),
	       wf_count(l, WT_EXPORT), wf_count(l, WT_NEED), wf_count(l, WT_VERSION),
	       state_names[wf_uint(wf_get(l, WT_SIG_STATE, 0)) & 3]);
	free(name);
}

static void print_hex_line(const char *label, const struct wf_list *l, uint16_t tag)
{
	char hex[16384];

	if (!wf_get(l, tag, 0))
		return;
	wf_hex(wf_get(l, tag, 0), hex, sizeof(hex), 0);
	printf("%s %s\n", label, hex);
}

/* Every signature fact, one "label value" line each, for scripts to grep. */
static void print_sig(const struct wf_list *l)
{
	static const struct {
		const char *label;
		uint16_t tag;
	} nums[] = {
		{"state", WT_SIG_STATE},
		{"content_len", WT_SIG_CONTENT_LEN},
		{"nsigners", WT_SIG_NSIGNERS},
		{"id_kind", WT_SIG_ID_KIND},
		{"digest_nid", WT_SIG_DIGEST_NID},
		{"pkey_nid", WT_SIG_PKEY_NID},
		{"signed_attrs", WT_SIG_SIGNED_ATTRS},
		{"detached", WT_SIG_DETACHED},
		{"data_type", WT_SIG_DATA_TYPE},
	};
	static const struct {
		const char *label;
		uint16_t tag;
	} strs[] = {{"issuer_cn", WT_SIG_ISSUER_CN},
		    {"hash_name", WT_SIG_HASH_NAME},
		    {"problem", WT_SIG_PROBLEM}};

	for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
		if (wf_get(l, nums[i].tag, 0))
			printf("%s %llu\n", nums[i].label,
			       (unsigned long long)wf_uint(wf_get(l, nums[i].tag, 0)));
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
		char *v = wf_str(wf_get(l, strs[i].tag, 0));

		if (v)
			printf("%s %s\n", strs[i].label, v);
		free(v);
	}
	print_hex_line("serial", l, WT_SIG_SERIAL);
	print_hex_line("skid", l, WT_SIG_SKID);
	print_hex_line("ecdsa_r", l, WT_SIG_ECDSA_R);
	print_hex_line("ecdsa_s", l, WT_SIG_ECDSA_S);
	print_hex_line("legacy_key_id", l, WT_SIG_LEGACY_KEY_ID);
	if (wf_get(l, WT_SIG_VALUE, 0))
		printf("value_len %u\n", wf_get(l, WT_SIG_VALUE, 0)->len);
}

static void report(const char *path, const struct wf_list *l)
{
	if (strcmp(print_what, "sig") == 0) {
		print_sig(l);
		return;
	}
	if (strcmp(print_what, "exports") == 0)
		print_symbols(l, WT_EXPORT);
	else if (strcmp(print_what, "versions") == 0)
		print_symbols(l, WT_VERSION);
	else if (strcmp(print_what, "needs") == 0)
		print_symbols(l, WT_NEED);
	else if (strncmp(print_what, "field:", 6) == 0)
		print_field(l, print_what + 6);
	else
		print_facts(path, l);
}

/* What a crafted file's name says must happen; -1 = error, else a wire_sig_state or 4 = ok. */
static int expectation(const char *base)
{
	if (strncmp(base, "error-", 6) == 0)
		return -1;
	if (strncmp(base, "ok-", 3) == 0)
		return 4;
	for (int i = 0; i < 4; i++) {
		char p[32];

		snprintf(p, sizeof(p), "sig-%s-", state_names[i]);
		if (strncmp(base, p, strlen(p)) == 0)
			return i;
	}
	return -2;
}

static void check_expectation(const char *path, int r, const char *why, const struct wf_list *l)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int want = expectation(base);
	long state = (long)wf_uint(wf_get(l, WT_SIG_STATE, 0));
	bool good;

	if (want == -2) {
		printf("FAIL %s: name gives no expectation\n", base);
		n_bad++;
		return;
	}
	if (want == -1)
		good = r < 0 && why && why[0];
	else if (want == 4)
		good = r == 0;
	else
		good = r == 0 && state == want;
	printf("%s %s: %s%s\n", good ? "PASS" : "FAIL", base,
	       r < 0 ? "error: " : "decoded, signature ",
	       r < 0 ? (why ? why : "(no cause)") : state_names[state & 3]);
	if (good)
		n_ok++;
	else
		n_bad++;
}

static int decode_one(const char *path)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = 0;
	struct wire_writer w;
	struct wf_list l;
	const char *why = NULL;
	int r = read_whole(path, &buf, &len);

	if (r >= 0 && has_suffix(path, ".xz"))
		r = unxz(&buf, &len);
	if (r < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-r));
		return r;
	}
	n_files++;
	wire_writer_init(&w, WIRE_MSG_FACTS);
	r = module_decode(buf, len, WIRE_SCOPE_MODULE, &w, &why);
	l = wf_collect(&w);
	if (mode == M_EXPECT) {
		check_expectation(path, r, why, &l);
	} else if (r < 0) {
		n_bad++;
		printf("FAIL %s: %s (%s)\n", path, why ? why : "?", strerror(-r));
	} else {
		n_ok++;
		n_state[wf_uint(wf_get(&l, WT_SIG_STATE, 0)) & 3]++;
		if (mode == M_PRINT && headed)
			printf("== %s\n", path);
		if (mode == M_PRINT)
			report(path, &l);
	}
	wf_free(&l);
	wire_writer_release(&w);
	return 0;
}

static int walk_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	if (mode != M_EXPECT && !has_suffix(path, ".ko") && !has_suffix(path, ".ko.xz"))
		return 0;
	decode_one(path);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc < 3)
		goto usage;
	if (strcmp(argv[1], "--expect") == 0) {
		mode = M_EXPECT;
	} else if (strcmp(argv[1], "--summary") == 0) {
		mode = M_SUMMARY;
	} else if ((strcmp(argv[1], "--print") == 0 || strcmp(argv[1], "--print-headed") == 0) &&
		   argc >= 4) {
		mode = M_PRINT;
		headed = argv[1][7] == '-';
		print_what = argv[2];
		i++;
	} else {
		goto usage;
	}
	if (decode_crypto_init() < 0) {
		fprintf(stderr, "decode_crypto_init failed\n");
		return 1;
	}
	for (i++; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			nftw(argv[i], walk_cb, 16, FTW_PHYS);
		else
			decode_one(argv[i]);
	}
	if (mode != M_PRINT)
		printf("files %lu ok %lu failed %lu; signatures: none %lu pkcs7 %lu malformed %lu "
		       "other %lu\n",
		       n_files, n_ok, n_bad, n_state[0], n_state[1], n_state[2], n_state[3]);
	return n_bad == 0 && n_files > 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: %s --expect DIR | --summary PATH... | --print WHAT PATH...\n",
		argv[0]);
	return 2;
}
