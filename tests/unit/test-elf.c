// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * module_decode() on ELF objects assembled here, in all four flavours
 * (32/64-bit, little/big endian), checking every fact it writes.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/modsig.h"
#include "tests/crafted/wire-fields.h"

struct flavour {
	bool is64, msb;
};

static const struct flavour flavours[] = {
	{true, false}, {true, true}, {false, false}, {false, true}};

struct sec {
	const char *name;
	uint32_t type;
	const void *data;
	size_t size;
};

struct image {
	uint8_t buf[16384];
	size_t len;
	size_t shoff;
};

static void put(const struct flavour *f, uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[f->msb ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static size_t ptr(const struct flavour *f)
{
	return f->is64 ? 8 : 4;
}

/* Header, section data (8-aligned) in order, the name table, then the section headers. */
static void build(const struct flavour *f, const struct sec *secs, size_t n, struct image *im)
{
	size_t eh = f->is64 ? 64 : 52, sh = f->is64 ? 64 : 40, off = eh, noff = 1;
	size_t offs[32], nameoff[32], nsec = n + 2; /* null + secs + .shstrtab */
	char names[1024] = "";

	memset(im, 0, sizeof(*im));
	for (size_t i = 0; i < n; i++) {
		nameoff[i] = noff;
		strcpy(names + noff, secs[i].name);
		noff += strlen(secs[i].name) + 1;
		off = (off + 7) & ~(size_t)7;
		offs[i] = off;
		if (secs[i].type != SHT_NOBITS) {
			memcpy(im->buf + off, secs[i].data, secs[i].size);
			off += secs[i].size;
		}
	}
	nameoff[n] = noff;
	strcpy(names + noff, ".shstrtab");
	noff += sizeof(".shstrtab");
	offs[n] = off;
	memcpy(im->buf + off, names, noff);
	off = (off + noff + 7) & ~(size_t)7;
	im->shoff = off;
	for (size_t i = 0; i <= n; i++) {
		uint8_t *p = im->buf + off + (i + 1) * sh;
		uint32_t type = i < n ? secs[i].type : SHT_STRTAB;
		uint64_t size = i < n ? secs[i].size : noff;

		put(f, p, nameoff[i], 4);
		put(f, p + 4, type, 4);
		put(f, p + (f->is64 ? 24 : 16), offs[i], ptr(f));
		put(f, p + (f->is64 ? 32 : 20), size, ptr(f));
	}
	im->len = off + nsec * sh;
	memcpy(im->buf, ELFMAG, SELFMAG);
	im->buf[EI_CLASS] = f->is64 ? ELFCLASS64 : ELFCLASS32;
	im->buf[EI_DATA] = f->msb ? ELFDATA2MSB : ELFDATA2LSB;
	im->buf[EI_VERSION] = EV_CURRENT;
	put(f, im->buf + 16, ET_REL, 2);
	put(f, im->buf + 18, f->is64 ? EM_S390 : EM_386, 2);
	put(f, im->buf + (f->is64 ? 40 : 32), off, ptr(f));
	put(f, im->buf + (f->is64 ? 58 : 46), sh, 2);
	put(f, im->buf + (f->is64 ? 60 : 48), nsec, 2);
	put(f, im->buf + (f->is64 ? 62 : 50), nsec - 1, 2);
}

static size_t sym(const struct flavour *f, uint8_t *p, uint32_t name, uint64_t value, uint8_t info,
		  uint16_t shndx)
{
	put(f, p, name, 4);
	if (f->is64) {
		p[4] = info;
		put(f, p + 6, shndx, 2);
		put(f, p + 8, value, 8);
		return 24;
	}
	put(f, p + 4, value, 4);
	p[12] = info;
	put(f, p + 14, shndx, 2);
	return 16;
}

static size_t version(const struct flavour *f, uint8_t *p, uint64_t crc, const char *name)
{
	memset(p, 0, 64);
	put(f, p, crc, (unsigned int)ptr(f));
	strcpy((char *)p + ptr(f), name);
	return 64;
}

/* The parts of a small module, some replaceable by a test. */
struct parts {
	uint8_t this_module[0x380];
	uint8_t versions[64 * 4];
	size_t versions_len;
	uint8_t symtab[24 * 8];
	size_t symtab_len;
	uint8_t kcrctab[8];
	bool no_crc_symbols;
};

static const char modinfo[] = "\0\0license=GPL\0\0name=crafted\0vermagic=6.1.0 SMP \0";
static const char ksymtab_strings[] = "\0crafted_fn\0crafted_var\0";
/* offsets:                  1                18                  36     43      51        60 */
static const char strtab[] = "\0__crc_crafted_fn\0__crc_crafted_var\0printk\0weak_fn\0local_fn\0"
			     "no_crc_fn\0";
enum { KCRCTAB_IDX = 4 }; /* section index of __kcrctab in make_module() */

static void make_parts(const struct flavour *f, struct parts *p)
{
	size_t o = 0;
	uint16_t crcsec = p->no_crc_symbols ? 1 : KCRCTAB_IDX;
	uint32_t crcname = p->no_crc_symbols ? 60 : 1;

	memset(p->this_module, 0, sizeof(p->this_module));
	strcpy((char *)p->this_module + 3 * ptr(f), "crafted");
	put(f, p->kcrctab, 0x12345678, 4);
	put(f, p->kcrctab + 4, 0x9abcdef0, 4);
	p->versions_len = version(f, p->versions, 0xa1a2a3a4, "module_layout");
	p->versions_len += version(f, p->versions + 64, 0xb1b2b3b4, "printk");
	p->versions_len += version(f, p->versions + 128, 0xc1c2c3c4, ".dotted");
	o += sym(f, p->symtab + o, 0, 0, 0, 0);
	o += sym(f, p->symtab + o, crcname, 0, STB_LOCAL << 4, crcsec);
	o += sym(f, p->symtab + o, p->no_crc_symbols ? 60 : 18, 4, STB_GLOBAL << 4, crcsec);
	o += sym(f, p->symtab + o, 36, 0, STB_GLOBAL << 4, SHN_UNDEF);
	o += sym(f, p->symtab + o, 43, 0, STB_WEAK << 4, SHN_UNDEF);
	o += sym(f, p->symtab + o, 51, 0, (STB_LOCAL << 4) | STT_FUNC, 1);
	o += sym(f, p->symtab + o, 0, 0, STB_GLOBAL << 4, SHN_UNDEF); /* unnamed: skipped */
	p->symtab_len = o;
}

static void make_module(const struct flavour *f, const struct parts *p, struct image *im)
{
	const struct sec secs[] = {
		{".modinfo", SHT_PROGBITS, modinfo, sizeof(modinfo) - 1},
		{".gnu.linkonce.this_module", SHT_PROGBITS, p->this_module,
		 f->is64 ? 0x380 : 0x200},
		{"__ksymtab_strings", SHT_PROGBITS, ksymtab_strings, sizeof(ksymtab_strings) - 1},
		{"__kcrctab", SHT_PROGBITS, p->kcrctab, sizeof(p->kcrctab)},
		{"__versions", SHT_PROGBITS, p->versions, p->versions_len},
		{".symtab", SHT_SYMTAB, p->symtab, p->symtab_len},
		{".strtab", SHT_STRTAB, strtab, sizeof(strtab) - 1},
		{".bss", SHT_NOBITS, NULL, 1u << 30},
	};

	build(f, secs, ARRAY_SIZE(secs), im);
}

struct result {
	int r;
	const char *why;
	struct wire_writer w;
	struct wf_list l;
};

static void decode_scope(const uint8_t *buf, size_t len, enum wire_scope scope, struct result *res)
{
	res->why = NULL;
	wire_writer_init(&res->w, WIRE_MSG_FACTS);
	res->r = module_decode(buf, len, scope, &res->w, &res->why);
	assert_int_equal(res->w.error, 0);
	res->l = wf_collect(&res->w);
}

static void decode(const uint8_t *buf, size_t len, struct result *res)
{
	decode_scope(buf, len, WIRE_SCOPE_MODULE, res);
}

static void result_free(struct result *res)
{
	wf_free(&res->l);
	wire_writer_release(&res->w);
}

static void check_sym(const struct wf_list *l, uint16_t tag, size_t i, const char *name,
		      uint64_t crc, int has_crc, uint8_t bind)
{
	struct wf_sym s = wf_symbol(wf_get(l, tag, i));

	assert_string_equal(s.name, name);
	assert_int_equal(s.crc, crc);
	assert_int_equal(s.has_crc, has_crc);
	assert_int_equal(s.bind, bind);
}

static void check_str(const struct wf_list *l, uint16_t tag, size_t i, const char *want)
{
	char *s = wf_str(wf_get(l, tag, i));

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_module_facts(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flavours); i++) {
		const struct flavour *f = &flavours[i];
		struct parts p = {0};
		struct image im;
		struct result res;

		make_parts(f, &p);
		make_module(f, &p, &im);
		decode(im.buf, im.len, &res);
		assert_int_equal(res.r, 0);
		assert_int_equal(wf_uint(wf_get(&res.l, WT_ELF_CLASS, 0)), f->is64 ? 2 : 1);
		assert_int_equal(wf_uint(wf_get(&res.l, WT_ELF_DATA, 0)), f->msb ? 2 : 1);
		assert_int_equal(wf_uint(wf_get(&res.l, WT_ELF_MACHINE, 0)),
				 f->is64 ? EM_S390 : EM_386);
		assert_int_equal(wf_uint(wf_get(&res.l, WT_ELF_ABSENT, 0)), 0);
		check_str(&res.l, WT_NAME, 0, "crafted");
		/* padding skipped, order kept */
		assert_int_equal(wf_count(&res.l, WT_MODINFO), 3);
		check_str(&res.l, WT_MODINFO, 0, "license=GPL");
		check_str(&res.l, WT_MODINFO, 1, "name=crafted");
		check_str(&res.l, WT_MODINFO, 2, "vermagic=6.1.0 SMP ");
		/* CRCs read from __kcrctab in the file's byte order */
		assert_int_equal(wf_count(&res.l, WT_EXPORT), 2);
		check_sym(&res.l, WT_EXPORT, 0, "crafted_fn", 0x12345678, 1, STB_LOCAL);
		check_sym(&res.l, WT_EXPORT, 1, "crafted_var", 0x9abcdef0, 1, STB_GLOBAL);
		/* __versions in order, '.' dropped; the CRC width follows the class */
		assert_int_equal(wf_count(&res.l, WT_VERSION), 3);
		check_sym(&res.l, WT_VERSION, 0, "module_layout", 0xa1a2a3a4, 1, 0);
		check_sym(&res.l, WT_VERSION, 2, "dotted", 0xc1c2c3c4, 1, 0);
		/* undefined symbols (CRC when listed), then unreferenced __versions entries */
		assert_int_equal(wf_count(&res.l, WT_NEED), 4);
		check_sym(&res.l, WT_NEED, 0, "printk", 0xb1b2b3b4, 1, STB_GLOBAL);
		check_sym(&res.l, WT_NEED, 1, "weak_fn", 0, 0, STB_WEAK);
		check_sym(&res.l, WT_NEED, 2, "module_layout", 0xa1a2a3a4, 1, STB_GLOBAL);
		check_sym(&res.l, WT_NEED, 3, ".dotted", 0xc1c2c3c4, 1, STB_GLOBAL);
		assert_int_equal(wf_uint(wf_get(&res.l, WT_SIG_STATE, 0)), WIRE_SIG_NONE);
		result_free(&res);
	}
}

static void test_ksymtab_fallback(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flavours); i++) {
		struct parts p = {.no_crc_symbols = true};
		struct image im;
		struct result res;

		make_parts(&flavours[i], &p);
		make_module(&flavours[i], &p, &im);
		decode(im.buf, im.len, &res);
		assert_int_equal(res.r, 0);
		assert_int_equal(wf_count(&res.l, WT_EXPORT), 2);
		check_sym(&res.l, WT_EXPORT, 0, "crafted_fn", 0, 0, STB_GLOBAL);
		check_sym(&res.l, WT_EXPORT, 1, "crafted_var", 0, 0, STB_GLOBAL);
		result_free(&res);
	}
}

static void test_duplicate_versions(void **state)
{
	const struct flavour *f = &flavours[1];
	struct parts p = {0};
	struct image im;
	struct result res;

	(void)state;
	make_parts(f, &p);
	/* a second "printk": kmod's lookup takes the first, the other stays unreferenced */
	p.versions_len += version(f, p.versions + p.versions_len, 0xdddddddd, "printk");
	make_module(f, &p, &im);
	decode(im.buf, im.len, &res);
	assert_int_equal(res.r, 0);
	check_sym(&res.l, WT_NEED, 0, "printk", 0xb1b2b3b4, 1, STB_GLOBAL);
	assert_int_equal(wf_count(&res.l, WT_NEED), 5);
	check_sym(&res.l, WT_NEED, 4, "printk", 0xdddddddd, 1, STB_GLOBAL);
	result_free(&res);
}

static void test_absent(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flavours); i++) {
		struct image im;
		struct result res;

		build(&flavours[i], NULL, 0, &im);
		decode(im.buf, im.len, &res);
		assert_int_equal(res.r, 0);
		assert_int_equal(wf_uint(wf_get(&res.l, WT_ELF_ABSENT, 0)),
				 WIRE_ABSENT_MODINFO | WIRE_ABSENT_EXPORTS | WIRE_ABSENT_VERSIONS |
					 WIRE_ABSENT_SYMTAB);
		assert_null(wf_get(&res.l, WT_NAME, 0));
		assert_int_equal(wf_count(&res.l, WT_NEED) + wf_count(&res.l, WT_MODINFO), 0);
		result_free(&res);
	}
}

/* A broken ELF is refused with the same error whatever the scope: the
 * signature scope checks the ELF as a whole module's parse does. */
static void expect_error(const uint8_t *buf, size_t len, int err, const char *why)
{
	static const enum wire_scope scopes[] = {WIRE_SCOPE_MODULE, WIRE_SCOPE_SIGNATURE};

	for (size_t i = 0; i < ARRAY_SIZE(scopes); i++) {
		struct result res;
		decode_scope(buf, len, scopes[i], &res);
		assert_int_equal(res.r, err);
		assert_non_null(res.why);
		assert_string_equal(res.why, why);
		result_free(&res);
	}
}

/* An error only a whole module's parse finds (its tables): the signature
 * scope does not read them. */
static void expect_table_error(const uint8_t *buf, size_t len, int err, const char *why)
{
	struct result res;

	decode(buf, len, &res);
	assert_int_equal(res.r, err);
	assert_non_null(res.why);
	assert_string_equal(res.why, why);
	result_free(&res);
	decode_scope(buf, len, WIRE_SCOPE_SIGNATURE, &res);
	assert_int_equal(res.r, 0);
	result_free(&res);
}

static void test_header_errors(void **state)
{
	const struct flavour *f = &flavours[3]; /* 32-bit big endian */
	struct parts p = {0};
	struct image im, bad;

	(void)state;
	make_parts(f, &p);
	make_module(f, &p, &im);
	expect_error(im.buf, 8, -ENOEXEC, "not an ELF file (bad magic)");
	expect_error(im.buf, 40, -EINVAL, "file too short for an ELF header");
	bad = im;
	bad.buf[EI_CLASS] = 7;
	expect_error(bad.buf, bad.len, -EINVAL, "invalid ELF class 7");
	bad = im;
	bad.buf[EI_DATA] = 0;
	expect_error(bad.buf, bad.len, -EINVAL, "invalid ELF data encoding 0");
	bad = im;
	put(f, bad.buf + 46, 64, 2);
	expect_error(bad.buf, bad.len, -EINVAL, "invalid e_shentsize 64 (expected 40)");
	bad = im;
	put(f, bad.buf + 48, 0xffff, 2);
	expect_error(bad.buf, bad.len, -EINVAL,
		     "ELF section header table extends past end of file");
	bad = im;
	put(f, bad.buf + 32, 0xfffffff0u, 4);
	expect_error(bad.buf, bad.len, -EINVAL,
		     "ELF section header table extends past end of file");
	expect_error(im.buf, im.len - 1, -EINVAL,
		     "ELF section header table extends past end of file");
	bad = im;
	put(f, bad.buf + 50, 0, 2);
	expect_error(bad.buf, bad.len, -EINVAL, "invalid e_shstrndx 0 (10 sections)");
}

static void set_shdr(const struct flavour *f, struct image *im, unsigned int idx, uint64_t off,
		     uint64_t size)
{
	uint8_t *p = im->buf + im->shoff + idx * (f->is64 ? 64 : 40);

	put(f, p + (f->is64 ? 24 : 16), off, (unsigned int)ptr(f));
	put(f, p + (f->is64 ? 32 : 20), size, (unsigned int)ptr(f));
}

static void test_section_errors(void **state)
{
	const struct flavour *f = &flavours[0];
	struct parts p = {0};
	struct image im, bad;

	(void)state;
	make_parts(f, &p);
	make_module(f, &p, &im);
	bad = im;
	set_shdr(f, &bad, 1, 64, bad.len);
	expect_error(bad.buf, bad.len, -EINVAL, "ELF section 1 extends past end of file");
	bad = im;
	set_shdr(f, &bad, 1, UINT64_MAX - 4, 16);
	expect_error(bad.buf, bad.len, -EINVAL, "ELF section 1 extends past end of file");
	bad = im;
	set_shdr(f, &bad, 3, 120, 8); /* inside this_module's bytes */
	expect_error(bad.buf, bad.len, -EINVAL, "ELF section 2 overlaps ELF section 3");
	bad = im;
	set_shdr(f, &bad, 3, 8, 8);
	expect_error(bad.buf, bad.len, -EINVAL, "ELF header overlaps ELF section 3");
	bad = im;
	set_shdr(f, &bad, 3, bad.shoff + 8, 8);
	expect_error(bad.buf, bad.len, -EINVAL, "ELF section header table overlaps ELF section 3");
	/* a NOBITS section may point anywhere: it has no bytes (.bss above is 1 GiB) */
}

static void test_table_errors(void **state)
{
	const struct flavour *f = &flavours[2];
	struct parts p = {0};
	struct image im;

	(void)state;
	make_parts(f, &p);
	p.versions_len = 100;
	make_module(f, &p, &im);
	expect_table_error(im.buf, im.len, -EINVAL,
			   "ELF section '__versions' size 100 is not a multiple of 64");
	make_parts(f, &p);
	memset(p.versions + 64 + 4, 'x', 60);
	make_module(f, &p, &im);
	expect_table_error(im.buf, im.len, -EINVAL,
			   "'__versions' entry 1 name is not NUL-terminated");
	make_parts(f, &p);
	p.symtab_len -= 3;
	make_module(f, &p, &im);
	expect_table_error(im.buf, im.len, -EINVAL,
			   "ELF section '.symtab' size 109 is not a multiple of 16");
	make_parts(f, &p);
	put(f, p.symtab + 2 * 16 + 4, 6, 4); /* crafted_var's CRC at 6: past __kcrctab's 8 bytes */
	make_module(f, &p, &im);
	expect_table_error(im.buf, im.len, -EINVAL, "ELF CRC symbol 2 points outside section 4");
	make_parts(f, &p);
	put(f, p.symtab + 3 * 16, 4096, 4);
	make_module(f, &p, &im);
	expect_table_error(im.buf, im.len, -EINVAL, "ELF symbol 3 name is outside '.strtab'");
	make_parts(f, &p);
	memset(p.this_module + 12, 'n', 60);
	make_module(f, &p, &im);
	expect_table_error(im.buf, im.len, -EINVAL,
			   "module name in '.gnu.linkonce.this_module' is not NUL-terminated");
}

/* The ELF is read without the appended signature, as the kernel does: a
 * section reaching into the signature is refused, the signature itself is
 * only a signature fact. */
static void test_signature_region(void **state)
{
	const struct flavour *f = &flavours[0];
	struct parts p = {0};
	struct image im;
	struct result res;
	uint8_t blob[64] = {0x30, 0x03, 0x02, 0x01, 0x01};
	uint8_t info[MODSIG_INFO_LEN] = {0, 0, MODSIG_ID_PKCS7, 0, 0, 0, 0, 0, 0,
					 0, 0, sizeof(blob)};
	size_t base;

	(void)state;
	make_parts(f, &p);
	make_module(f, &p, &im);
	base = im.len;
	memcpy(im.buf + base, blob, sizeof(blob));
	memcpy(im.buf + base + sizeof(blob), info, sizeof(info));
	memcpy(im.buf + base + sizeof(blob) + sizeof(info), MODSIG_MAGIC, MODSIG_MAGIC_LEN);
	im.len = base + sizeof(blob) + MODSIG_TRAILER_LEN;
	decode(im.buf, im.len, &res);
	assert_int_equal(res.r, 0);
	assert_int_equal(wf_uint(wf_get(&res.l, WT_SIG_STATE, 0)), WIRE_SIG_MALFORMED);
	assert_int_equal(wf_uint(wf_get(&res.l, WT_SIG_CONTENT_LEN, 0)), base);
	check_str(&res.l, WT_SIG_PROBLEM, 0, "PKCS#7 blob is not valid DER");
	result_free(&res);
	set_shdr(f, &im, 1, base - 8, 16);
	expect_error(im.buf, im.len, -EINVAL, "ELF section 1 extends past end of file");
}

/* WIRE_SCOPE_SIGNATURE: the ELF's class, data and machine and every
 * signature fact exactly as a whole module's parse sends them, the scope
 * said, everything else marked absent and not sent. */
static void test_signature_scope(void **state)
{
	uint8_t blob[64] = {0x30, 0x03, 0x02, 0x01, 0x01};
	uint8_t info[MODSIG_INFO_LEN] = {0, 0, MODSIG_ID_PKCS7, 0, 0, 0, 0, 0, 0,
					 0, 0, sizeof(blob)};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flavours); i++) {
		const struct flavour *f = &flavours[i];
		struct parts p = {0};
		struct image im;
		struct result all, sig;

		make_parts(f, &p);
		make_module(f, &p, &im);
		memcpy(im.buf + im.len, blob, sizeof(blob));
		memcpy(im.buf + im.len + sizeof(blob), info, sizeof(info));
		memcpy(im.buf + im.len + sizeof(blob) + sizeof(info), MODSIG_MAGIC,
		       MODSIG_MAGIC_LEN);
		im.len += sizeof(blob) + MODSIG_TRAILER_LEN;
		decode(im.buf, im.len, &all);
		decode_scope(im.buf, im.len, WIRE_SCOPE_SIGNATURE, &sig);
		assert_int_equal(all.r, 0);
		assert_int_equal(sig.r, 0);
		assert_null(wf_get(&all.l, WT_SCOPE, 0));
		assert_int_equal(wf_uint(wf_get(&sig.l, WT_SCOPE, 0)), WIRE_SCOPE_SIGNATURE);
		assert_int_equal(wf_uint(wf_get(&sig.l, WT_ELF_ABSENT, 0)),
				 WIRE_ABSENT_MODINFO | WIRE_ABSENT_EXPORTS | WIRE_ABSENT_VERSIONS |
					 WIRE_ABSENT_SYMTAB);
		static const uint16_t none[] = {WT_NAME, WT_MODINFO, WT_EXPORT, WT_NEED,
						WT_VERSION};
		for (size_t k = 0; k < ARRAY_SIZE(none); k++)
			assert_int_equal(wf_count(&sig.l, none[k]), 0);
		/* the ELF header facts and every signature field, in order */
		size_t n_same = 0;
		for (size_t k = 0; k < all.l.n; k++) {
			const struct wf *a = &all.l.f[k];
			bool header = a->tag == WT_ELF_CLASS || a->tag == WT_ELF_DATA ||
				      a->tag == WT_ELF_MACHINE;
			if (!header && (a->tag < WT_SIG_STATE || a->tag > WT_SIG_LEGACY_KEY_ID))
				continue;
			const struct wf *s = wf_get(&sig.l, a->tag, 0);
			assert_non_null(s);
			assert_int_equal(s->len, a->len);
			assert_memory_equal(s->data, a->data, a->len);
			n_same++;
		}
		assert_true(n_same >= 6); /* three header facts, state, trailer, length... */
		assert_int_equal(sig.l.n, n_same + 2); /* + scope and absent */
		result_free(&all);
		result_free(&sig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_facts),	   cmocka_unit_test(test_ksymtab_fallback),
		cmocka_unit_test(test_duplicate_versions), cmocka_unit_test(test_absent),
		cmocka_unit_test(test_header_errors),	   cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_table_errors),	   cmocka_unit_test(test_signature_region),
		cmocka_unit_test(test_signature_scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
