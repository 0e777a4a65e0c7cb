// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The section view of an untrusted ELF object: header and section table
 * validation, lookups by name. Every length read from the file is checked
 * against the image before use; nothing here trusts an offset twice.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/elf-reader.h"
#include "sandbox/modsig.h"

const char *elf_whyf(const char *fmt, ...)
{
	/* *why must outlive the call; the child is single-threaded and reports once */
	static __thread char buf[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

uint64_t elf_uint(const struct elf_file *e, uint64_t off, unsigned int size)
{
	const uint8_t *p = e->buf + off;
	uint64_t v = 0;

	if (e->msb) {
		for (unsigned int i = 0; i < size; i++)
			v = (v << 8) | p[i];
	} else {
		for (unsigned int i = size; i > 0; i--)
			v = (v << 8) | p[i - 1];
	}
	return v;
}

bool elf_section_has_bytes(const struct elf_section *s)
{
	return s->type != SHT_NOBITS;
}

/* Read a field of a 32- or 64-bit structure at base: same name, different layout. */
#define ELF_FIELD(e, base, t32, t64, field)                                                        \
	elf_uint((e), (base) + ((e)->is64 ? offsetof(t64, field) : offsetof(t32, field)),          \
		 (e)->is64 ? sizeof(((t64 *)0)->field) : sizeof(((t32 *)0)->field))

struct elf_header {
	uint64_t shoff;
	uint16_t ehsize, shentsize, shnum, shstrndx;
};

static int elf_ident(struct elf_file *e, const char **why)
{
	const uint8_t *p = e->buf;

	if (e->len < EI_NIDENT || memcmp(p, ELFMAG, SELFMAG) != 0) {
		*why = "not an ELF file (bad magic)";
		return -ENOEXEC;
	}
	switch (p[EI_CLASS]) {
	case ELFCLASS32:
		e->is64 = false;
		break;
	case ELFCLASS64:
		e->is64 = true;
		break;
	default:
		*why = elf_whyf("invalid ELF class %u", p[EI_CLASS]);
		return -EINVAL;
	}
	switch (p[EI_DATA]) {
	case ELFDATA2LSB:
		e->msb = false;
		break;
	case ELFDATA2MSB:
		e->msb = true;
		break;
	default:
		*why = elf_whyf("invalid ELF data encoding %u", p[EI_DATA]);
		return -EINVAL;
	}
	if (e->len < (e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
		*why = "file too short for an ELF header";
		return -EINVAL;
	}
	return 0;
}

static int elf_header(struct elf_file *e, struct elf_header *h, const char **why)
{
	size_t want = e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	size_t table;

	e->machine = ELF_FIELD(e, 0, Elf32_Ehdr, Elf64_Ehdr, e_machine);
	h->shoff = ELF_FIELD(e, 0, Elf32_Ehdr, Elf64_Ehdr, e_shoff);
	h->shentsize = ELF_FIELD(e, 0, Elf32_Ehdr, Elf64_Ehdr, e_shentsize);
	h->shnum = ELF_FIELD(e, 0, Elf32_Ehdr, Elf64_Ehdr, e_shnum);
	h->shstrndx = ELF_FIELD(e, 0, Elf32_Ehdr, Elf64_Ehdr, e_shstrndx);
	/* the kernel only looks at the header it knows, whatever e_ehsize says */
	h->ehsize = e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);

	if (h->shentsize != want) {
		*why = elf_whyf("invalid e_shentsize %u (expected %zu)", h->shentsize, want);
		return -EINVAL;
	}
	/* e_shnum 0 would mean "count in section 0" (extended numbering): no module uses it */
	if (h->shnum == 0) {
		*why = "ELF file has no section headers";
		return -EINVAL;
	}
	if (size_mul_overflow(want, h->shnum, &table) || !range_ok(h->shoff, table, e->len)) {
		*why = "ELF section header table extends past end of file";
		return -EINVAL;
	}
	if (h->shstrndx == SHN_UNDEF || h->shstrndx >= h->shnum) {
		*why = elf_whyf("invalid e_shstrndx %u (%u sections)", h->shstrndx, h->shnum);
		return -EINVAL;
	}
	return 0;
}

static int elf_read_sections(struct elf_file *e, const struct elf_header *h, const char **why)
{
	e->sec = calloc(h->shnum, sizeof(*e->sec));
	if (!e->sec) {
		*why = "out of memory";
		return -ENOMEM;
	}
	e->shnum = h->shnum;
	for (uint16_t i = 1; i < h->shnum; i++) {
		uint64_t base = h->shoff + (uint64_t)i * h->shentsize;
		struct elf_section *s = &e->sec[i];

		s->type = ELF_FIELD(e, base, Elf32_Shdr, Elf64_Shdr, sh_type);
		s->offset = ELF_FIELD(e, base, Elf32_Shdr, Elf64_Shdr, sh_offset);
		s->size = ELF_FIELD(e, base, Elf32_Shdr, Elf64_Shdr, sh_size);
		/* SHT_NOBITS occupies no file bytes, like the kernel's own check */
		if (elf_section_has_bytes(s) && !range_ok(s->offset, s->size, e->len)) {
			*why = elf_whyf("ELF section %u extends past end of file", i);
			return -EINVAL;
		}
	}
	return 0;
}

static int elf_name_sections(struct elf_file *e, const struct elf_header *h, const char **why)
{
	const struct elf_section *str = &e->sec[h->shstrndx];
	const char *names;

	if (!elf_section_has_bytes(str) || str->size == 0) {
		*why = "ELF section name table is empty or has no data in the file";
		return -EINVAL;
	}
	names = (const char *)e->buf + str->offset;
	if (names[str->size - 1] != '\0') {
		*why = "ELF section name table is not NUL-terminated";
		return -EINVAL;
	}
	for (uint16_t i = 1; i < h->shnum; i++) {
		uint64_t base = h->shoff + (uint64_t)i * h->shentsize;
		uint32_t off = ELF_FIELD(e, base, Elf32_Shdr, Elf64_Shdr, sh_name);

		if (off >= str->size) {
			*why = elf_whyf("ELF section %u name is outside the section name table", i);
			return -EINVAL;
		}
		e->sec[i].name = names + off;
	}
	e->sec[0].name = "";
	return 0;
}

struct span {
	uint64_t start, end;
	uint32_t idx; /* section index, or one of the two below */
};

#define SPAN_EHDR  0x10000u
#define SPAN_SHDRS 0x10001u

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void span_name(uint32_t idx, char *buf, size_t size)
{
	if (idx == SPAN_EHDR)
		snprintf(buf, size, "ELF header");
	else if (idx == SPAN_SHDRS)
		snprintf(buf, size, "ELF section header table");
	else
		snprintf(buf, size, "ELF section %u", idx);
}

/* A byte that belongs to two things means one of them lies about what it is:
 * compilers never emit that, so refuse it rather than guess which one is real. */
static int elf_check_overlaps(const struct elf_file *e, const struct elf_header *h,
			      const char **why)
{
	_cleanup_free_ struct span *v = calloc((size_t)h->shnum + 2, sizeof(*v));
	size_t n = 0;

	if (!v) {
		*why = "out of memory";
		return -ENOMEM;
	}
	v[n++] = (struct span){0, h->ehsize, SPAN_EHDR};
	v[n++] = (struct span){h->shoff, h->shoff + (uint64_t)h->shnum * h->shentsize, SPAN_SHDRS};
	for (uint16_t i = 1; i < h->shnum; i++) {
		const struct elf_section *s = &e->sec[i];

		if (elf_section_has_bytes(s) && s->size > 0)
			v[n++] = (struct span){s->offset, s->offset + s->size, i};
	}
	qsort(v, n, sizeof(*v), span_cmp);
	for (size_t i = 1; i < n; i++) {
		if (v[i].start < v[i - 1].end) {
			char a[40], b[40];

			span_name(v[i - 1].idx, a, sizeof(a));
			span_name(v[i].idx, b, sizeof(b));
			*why = elf_whyf("%s overlaps %s", a, b);
			return -EINVAL;
		}
		/* keep the furthest end so a span nested in an earlier one is still caught */
		if (v[i].end < v[i - 1].end)
			v[i].end = v[i - 1].end;
	}
	return 0;
}

int elf_open(struct elf_file *e, const uint8_t *buf, size_t len, const char **why)
{
	struct elf_header h;
	int r;

	*e = (struct elf_file){.buf = buf, .len = len};
	r = elf_ident(e, why);
	if (r < 0)
		return r;
	r = elf_header(e, &h, why);
	if (r < 0)
		return r;
	r = elf_read_sections(e, &h, why);
	if (r >= 0)
		r = elf_name_sections(e, &h, why);
	if (r >= 0)
		r = elf_check_overlaps(e, &h, why);
	if (r < 0)
		elf_close(e);
	return r;
}

void elf_close(struct elf_file *e)
{
	free(e->sec);
	e->sec = NULL;
	e->shnum = 0;
}

const struct elf_section *elf_find(const struct elf_file *e, const char *name)
{
	for (uint16_t i = 1; i < e->shnum; i++)
		if (strcmp(e->sec[i].name, name) == 0)
			return &e->sec[i];
	return NULL;
}

/* ---- module facts, extracted the way kmod 30 does (libkmod-elf.c) ---- */

/* Where struct module keeps its name: after `enum module_state state` (padded
 * to a pointer) and `struct list_head list`; MODULE_NAME_LEN is 64 - sizeof(long). */
#define MODULE_NAME_OFF(ptr) (3 * (ptr))
#define MODULE_NAME_LEN(ptr) (64 - (ptr))
#define MODVERSION_SIZE	     64
#define CRC_PREFIX	     "__crc_"
#ifndef STT_SPARC_REGISTER
#define STT_SPARC_REGISTER 13
#endif

struct symtab {
	const struct elf_section *sym, *str;
	uint64_t count;
	size_t entsize;
};

struct sym {
	uint32_t name_off;
	uint8_t info;
	uint16_t shndx;
	uint64_t value;
	const char *name;
	size_t name_len;
};

struct modversion {
	uint64_t crc;
	const char *name; /* NUL-terminated inside the entry */
	size_t len;
	uint32_t idx;
};

struct versions {
	struct modversion *v;
	uint32_t *sorted; /* indexes of v, by name then position */
	size_t n;
};

static void versions_release(struct versions *vs)
{
	free(vs->v);
	free(vs->sorted);
}

static void elf_closep(struct elf_file *e)
{
	elf_close(e);
}

static unsigned int ptr_size(const struct elf_file *e)
{
	return e->is64 ? 8 : 4;
}

/* The first section of that name that has file bytes; a NOBITS one is a lie
 * about sections kmod reads, so it is refused. */
static int find_data(const struct elf_file *e, const char *name, const struct elf_section **out,
		     const char **why)
{
	const struct elf_section *s = elf_find(e, name);

	*out = NULL;
	if (!s)
		return 0;
	if (!elf_section_has_bytes(s)) {
		*why = elf_whyf("ELF section '%s' has no data in the file", name);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

static int decode_name(const struct elf_file *e, struct wire_writer *w, const char **why)
{
	const struct elf_section *s;
	uint64_t off = MODULE_NAME_OFF(ptr_size(e)), len = MODULE_NAME_LEN(ptr_size(e));
	const char *p, *nul;
	int r = find_data(e, ".gnu.linkonce.this_module", &s, why);

	if (r < 0 || !s)
		return r;
	if (!range_ok(off, len, s->size)) {
		*why = "ELF section '.gnu.linkonce.this_module' is too small for struct module";
		return -EINVAL;
	}
	p = (const char *)e->buf + s->offset + off;
	nul = memchr(p, '\0', len);
	if (!nul) {
		*why = "module name in '.gnu.linkonce.this_module' is not NUL-terminated";
		return -EINVAL;
	}
	wire_put_strn(w, WT_NAME, p, (size_t)(nul - p));
	return 0;
}

typedef void (*string_fn)(struct wire_writer *w, const char *s, size_t len);

/* NUL-separated strings, empty ones (padding) skipped, as kmod splits
 * .modinfo and __ksymtab_strings. kmod also accepts a last string without a
 * NUL; the kernel's own writers never produce one, so it is refused here. */
static int for_each_string(const struct elf_file *e, const struct elf_section *s,
			   struct wire_writer *w, string_fn fn, const char **why)
{
	const char *p = (const char *)e->buf + s->offset, *end = p + s->size;

	if (s->size > 0 && end[-1] != '\0') {
		*why = elf_whyf("ELF section '%s' ends in an unterminated string", s->name);
		return -EINVAL;
	}
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));

		if (nul > p)
			fn(w, p, (size_t)(nul - p));
		p = nul + 1;
	}
	return 0;
}

static void put_modinfo(struct wire_writer *w, const char *s, size_t len)
{
	wire_put_strn(w, WT_MODINFO, s, len);
}

static void put_export_name(struct wire_writer *w, const char *s, size_t len)
{
	wire_put_symbol(w, WT_EXPORT, s, len, 0, 0, STB_GLOBAL);
}

static int decode_modinfo(const struct elf_file *e, struct wire_writer *w, uint32_t *absent,
			  const char **why)
{
	const struct elf_section *s;
	int r = find_data(e, ".modinfo", &s, why);

	if (r < 0)
		return r;
	if (!s) {
		*absent |= WIRE_ABSENT_MODINFO;
		return 0;
	}
	return for_each_string(e, s, w, put_modinfo, why);
}

/* kmod finds the tables by name (not by sh_type/sh_link): so does this. */
static int symtab_open(const struct elf_file *e, struct symtab *t, bool *have, const char **why)
{
	int r = find_data(e, ".strtab", &t->str, why);

	if (r >= 0)
		r = find_data(e, ".symtab", &t->sym, why);
	if (r < 0)
		return r;
	*have = t->str && t->sym;
	if (!*have)
		return 0;
	t->entsize = e->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	if (t->sym->size % t->entsize != 0) {
		*why = elf_whyf("ELF section '.symtab' size %llu is not a multiple of %zu",
				(unsigned long long)t->sym->size, t->entsize);
		return -EINVAL;
	}
	t->count = t->sym->size / t->entsize;
	return 0;
}

static int sym_read(const struct elf_file *e, const struct symtab *t, uint64_t i, struct sym *s,
		    const char **why)
{
	uint64_t base = t->sym->offset + i * t->entsize;
	const char *p, *nul;

	s->name_off = ELF_FIELD(e, base, Elf32_Sym, Elf64_Sym, st_name);
	s->info = ELF_FIELD(e, base, Elf32_Sym, Elf64_Sym, st_info);
	s->shndx = ELF_FIELD(e, base, Elf32_Sym, Elf64_Sym, st_shndx);
	s->value = ELF_FIELD(e, base, Elf32_Sym, Elf64_Sym, st_value);
	if (s->name_off >= t->str->size) {
		*why = elf_whyf("ELF symbol %llu name is outside '.strtab'", (unsigned long long)i);
		return -EINVAL;
	}
	p = (const char *)e->buf + t->str->offset + s->name_off;
	nul = memchr(p, '\0', t->str->size - s->name_off);
	if (!nul) {
		*why = elf_whyf("ELF symbol %llu name is not NUL-terminated",
				(unsigned long long)i);
		return -EINVAL;
	}
	s->name = p;
	s->name_len = (size_t)(nul - p);
	return 0;
}

/* Since 5.x (and in 6.1/6.12) __crc_ symbols are offsets into __kcrctab
 * holding a u32; before, they were absolute values (SHN_ABS). */
static int crc_resolve(const struct elf_file *e, const struct sym *s, uint64_t i, uint64_t *crc,
		       const char **why)
{
	const struct elf_section *sec;

	if (s->shndx == SHN_ABS || s->shndx == SHN_UNDEF) {
		*crc = s->value;
		return 0;
	}
	if (s->shndx >= e->shnum) {
		*why = elf_whyf("ELF CRC symbol %llu refers to invalid section %u",
				(unsigned long long)i, s->shndx);
		return -EINVAL;
	}
	sec = &e->sec[s->shndx];
	if (!elf_section_has_bytes(sec) || !range_ok(s->value, 4, sec->size)) {
		*why = elf_whyf("ELF CRC symbol %llu points outside section %u",
				(unsigned long long)i, s->shndx);
		return -EINVAL;
	}
	*crc = elf_uint(e, sec->offset + s->value, 4);
	return 0;
}

static int decode_crc_exports(const struct elf_file *e, const struct symtab *t,
			      struct wire_writer *w, size_t *n, const char **why)
{
	const size_t plen = sizeof(CRC_PREFIX) - 1;

	*n = 0;
	for (uint64_t i = 1; i < t->count; i++) {
		struct sym s;
		uint64_t crc;
		int r = sym_read(e, t, i, &s, why);

		if (r < 0)
			return r;
		if (s.name_len < plen || memcmp(s.name, CRC_PREFIX, plen) != 0)
			continue;
		if (s.name_len == plen) {
			*why = elf_whyf("ELF CRC symbol %llu names no symbol",
					(unsigned long long)i);
			return -EINVAL;
		}
		r = crc_resolve(e, &s, i, &crc, why);
		if (r < 0)
			return r;
		wire_put_symbol(w, WT_EXPORT, s.name + plen, s.name_len - plen, crc, 1,
				ELF64_ST_BIND(s.info));
		(*n)++;
	}
	return 0;
}

static int decode_exports(const struct elf_file *e, const struct symtab *t, bool have_symtab,
			  struct wire_writer *w, uint32_t *absent, const char **why)
{
	const struct elf_section *ks;
	size_t n = 0;
	int r;

	if (have_symtab) {
		r = decode_crc_exports(e, t, w, &n, why);
		if (r < 0 || n > 0)
			return r;
	}
	r = find_data(e, "__ksymtab_strings", &ks, why);
	if (r < 0)
		return r;
	if (!ks) {
		*absent |= WIRE_ABSENT_EXPORTS;
		return 0;
	}
	return for_each_string(e, ks, w, put_export_name, why);
}

static int version_cmp(const void *a, const void *b, void *ctx)
{
	const struct versions *vs = ctx;
	const struct modversion *x = &vs->v[*(const uint32_t *)a];
	const struct modversion *y = &vs->v[*(const uint32_t *)b];
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Modules reference hundreds of symbols against hundreds of entries: a sorted
 * index keeps the lookup O(n log n) where kmod scans linearly. */
static int versions_index(struct versions *vs, const char **why)
{
	vs->sorted = calloc(vs->n ? vs->n : 1, sizeof(*vs->sorted));
	if (!vs->sorted) {
		*why = "out of memory";
		return -ENOMEM;
	}
	for (size_t i = 0; i < vs->n; i++)
		vs->sorted[i] = (uint32_t)i;
	qsort_r(vs->sorted, vs->n, sizeof(*vs->sorted), version_cmp, vs);
	return 0;
}

/* The first entry (lowest position) with that name, as kmod's linear scan finds; -1 if none. */
static long versions_find(const struct versions *vs, const char *name)
{
	size_t lo = 0, hi = vs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(vs->v[vs->sorted[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < vs->n && strcmp(vs->v[vs->sorted[lo]].name, name) == 0)
		return vs->sorted[lo];
	return -1;
}

/* __versions: records of { crc (u32 on 32-bit, u64 on 64-bit); char name[64 - sizeof(crc)] }. */
static int versions_read(const struct elf_file *e, struct versions *vs, uint32_t *absent,
			 const char **why)
{
	const struct elf_section *s;
	unsigned int crclen = ptr_size(e);
	int r = find_data(e, "__versions", &s, why);

	if (r < 0)
		return r;
	if (!s) {
		*absent |= WIRE_ABSENT_VERSIONS;
		return 0;
	}
	if (s->size % MODVERSION_SIZE != 0) {
		*why = elf_whyf("ELF section '__versions' size %llu is not a multiple of %u",
				(unsigned long long)s->size, MODVERSION_SIZE);
		return -EINVAL;
	}
	vs->n = s->size / MODVERSION_SIZE;
	vs->v = calloc(vs->n ? vs->n : 1, sizeof(*vs->v));
	if (!vs->v) {
		*why = "out of memory";
		return -ENOMEM;
	}
	for (size_t i = 0; i < vs->n; i++) {
		uint64_t off = s->offset + (uint64_t)i * MODVERSION_SIZE;
		const char *name = (const char *)e->buf + off + crclen;
		const char *nul = memchr(name, '\0', MODVERSION_SIZE - crclen);

		if (!nul) {
			*why = elf_whyf("'__versions' entry %zu name is not NUL-terminated", i);
			return -EINVAL;
		}
		if (nul == name || (name[0] == '.' && nul == name + 1)) {
			*why = elf_whyf("'__versions' entry %zu has an empty name", i);
			return -EINVAL;
		}
		vs->v[i] = (struct modversion){elf_uint(e, off, crclen), name, (size_t)(nul - name),
					       (uint32_t)i};
	}
	return versions_index(vs, why);
}

static void put_versions(const struct versions *vs, struct wire_writer *w)
{
	for (size_t i = 0; i < vs->n; i++) {
		const struct modversion *v = &vs->v[i];
		/* a leading '.' is a ppc64 ELFv1 function-descriptor artefact */
		size_t skip = v->len > 0 && v->name[0] == '.';

		wire_put_symbol(w, WT_VERSION, v->name + skip, v->len - skip, v->crc, 1, 0);
	}
}

static bool skip_need(const struct elf_file *e, const struct sym *s)
{
	if (s->shndx != SHN_UNDEF || s->name_len == 0)
		return true;
	/* sparc: global register variables appear as undefined STT_REGISTER symbols */
	return (e->machine == EM_SPARC || e->machine == EM_SPARCV9) &&
	       ELF64_ST_TYPE(s->info) == STT_SPARC_REGISTER;
}

static int decode_needs(const struct elf_file *e, const struct symtab *t, const struct versions *vs,
			struct wire_writer *w, const char **why)
{
	_cleanup_free_ uint8_t *seen = calloc(vs->n ? vs->n : 1, 1);

	if (!seen) {
		*why = "out of memory";
		return -ENOMEM;
	}
	for (uint64_t i = 1; i < t->count; i++) {
		struct sym s;
		long idx;
		int r = sym_read(e, t, i, &s, why);

		if (r < 0)
			return r;
		if (skip_need(e, &s))
			continue;
		idx = versions_find(vs, s.name);
		if (idx >= 0)
			seen[idx] = 1;
		wire_put_symbol(w, WT_NEED, s.name, s.name_len, idx >= 0 ? vs->v[idx].crc : 0,
				idx >= 0,
				ELF64_ST_BIND(s.info) == STB_WEAK ? STB_WEAK : STB_GLOBAL);
	}
	/* entries no symbol names (module_layout) are needs too, as in kmod */
	for (size_t i = 0; i < vs->n; i++)
		if (!seen[i])
			wire_put_symbol(w, WT_NEED, vs->v[i].name, vs->v[i].len, vs->v[i].crc, 1,
					STB_GLOBAL);
	return 0;
}

static int decode_symbols(const struct elf_file *e, struct wire_writer *w, uint32_t *absent,
			  const char **why)
{
	_cleanup_(versions_release) struct versions vs = {0};
	struct symtab t = {0};
	bool have_symtab;
	int r = symtab_open(e, &t, &have_symtab, why);

	if (r >= 0)
		r = decode_exports(e, &t, have_symtab, w, absent, why);
	if (r >= 0)
		r = versions_read(e, &vs, absent, why);
	if (r < 0)
		return r;
	put_versions(&vs, w);
	/* without both tables kmod lists no needs at all, not even __versions */
	if (!have_symtab) {
		*absent |= WIRE_ABSENT_SYMTAB;
		return 0;
	}
	return decode_needs(e, &t, &vs, w, why);
}

int module_decode(const uint8_t *buf, size_t len, enum wire_scope scope, struct wire_writer *w,
		  const char **why)
{
	/* the kernel parses the ELF without the appended signature: so does this */
	_cleanup_(elf_closep) struct elf_file e = {0};
	uint32_t absent = 0;
	int r = elf_open(&e, buf, modsig_content_len(buf, len), why);

	if (r < 0)
		return r;
	wire_put_u8(w, WT_ELF_CLASS, e.is64 ? ELFCLASS64 : ELFCLASS32);
	wire_put_u8(w, WT_ELF_DATA, e.msb ? ELFDATA2MSB : ELFDATA2LSB);
	wire_put_u16(w, WT_ELF_MACHINE, e.machine);
	if (scope == WIRE_SCOPE_SIGNATURE) {
		/* a tenth of verify-all's time went to the name, modinfo and
		 * symbols that its verdict never reads */
		wire_put_u8(w, WT_SCOPE, WIRE_SCOPE_SIGNATURE);
		absent = WIRE_ABSENT_MODINFO | WIRE_ABSENT_EXPORTS | WIRE_ABSENT_VERSIONS |
			 WIRE_ABSENT_SYMTAB;
	} else {
		r = decode_name(&e, w, why);
		if (r >= 0)
			r = decode_modinfo(&e, w, &absent, why);
		if (r >= 0)
			r = decode_symbols(&e, w, &absent, why);
		if (r < 0)
			return r;
	}
	wire_put_u32(w, WT_ELF_ABSENT, absent);
	modsig_decode(buf, len, w);
	if (w->error < 0) {
		*why = w->error == -ENOMEM
			       ? "out of memory"
			       : "a string or the reply exceeds the wire protocol's limits";
		return w->error;
	}
	return 0;
}
