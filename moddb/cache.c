// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The facts cache (cache.h). File layout, native byte order (the file never
 * leaves the machine; the header says which order wrote it):
 *
 *   struct cache_header                         magic, format, sizes, checksum
 *   char version[version_len], char dir[dir_len], NUL-padded to 8
 *   struct cache_entry entries[n_entries]       file identity, where its data is
 *   per entry: path (NUL-terminated), padding to 8, record (depmod-record.h)
 *
 * The checksum covers every byte after the checksum field. The version
 * string ties a cache to the decoder that produced its facts: the modgate
 * version (DEPMOD_CACHE_TAG, from the build) and the program's GNU build id,
 * so any rebuild, not only a release, starts a new cache.
 */
#include <dirent.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "moddb/cache.h"

#define CACHE_MAGIC	"MGDEPMC"
#define CACHE_FORMAT	1u
#define CACHE_ENDIAN	0x01020304u
#define CACHE_MAX_BYTES (1ull << 30)
#define ALIGN8(x)	(((x) + 7u) & ~(uint64_t)7u)

struct cache_header {
	char magic[8];
	uint32_t format, endian;
	uint64_t size;
	uint64_t checksum; /* of bytes [offsetof(n_entries), size) */
	uint32_t n_entries, version_len, dir_len, pad;
};

struct cache_entry {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	uint64_t path_off, rec_off;
	uint32_t path_len, rec_len;
};

struct dm_cache {
	int dfd;
	char *name;	/* file name inside the directory */
	char *dirname;	/* the module directory this cache is for */
	uint64_t *data; /* the loaded file, 8-aligned */
	size_t size;
	const struct cache_entry *entries;
	uint32_t n_entries;
	struct dm_map bypath; /* path -> entry */
	size_t hits;
};

/* The running program's GNU build id as hex, from its own loaded notes. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	char *out = data;
	(void)size;
	if (info->dlpi_name && info->dlpi_name[0])
		return 0; /* a shared library: the main program comes first */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const void *)p;
			size_t name = (nh->n_namesz + 3u) & ~3u, desc = (nh->n_descsz + 3u) & ~3u;
			const uint8_t *d = p + sizeof(*nh) + name;
			if (d + desc > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(p + sizeof(*nh), "GNU", 4) == 0 && nh->n_descsz <= 64) {
				for (size_t k = 0; k < nh->n_descsz; k++)
					sprintf(out + 2 * k, "%02x", d[k]);
				return 1;
			}
			p = d + desc;
		}
	}
	return 1;
}

static const char *cache_tag(void)
{
	static char tag[sizeof(DEPMOD_CACHE_TAG) + 1 + 129];
	if (!tag[0]) {
		char id[129] = "";
		dl_iterate_phdr(find_build_id, id);
		snprintf(tag, sizeof(tag), "%s %s", DEPMOD_CACHE_TAG, id);
	}
	return tag;
}

/* A fast 64-bit checksum over 8-byte words: it guards against a damaged
 * file, not against an attacker (only root can write the directory). */
static uint64_t checksum(const uint8_t *p, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; len; p++, len--)
		h = (h ^ *p) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static const size_t sum_from = offsetof(struct cache_header, n_entries);

static bool safe_dir(int dfd)
{
	struct stat st;
	return fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* The cache directory, created 0700 if missing; -1 if unfit. */
static int open_dir(const char *dir)
{
	if (geteuid() != 0 || dir[0] != '/')
		return -1;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT) {
		_cleanup_free_ char *p = strdup(dir);
		for (char *s = p ? p + 1 : NULL; s && *s; s++) {
			if (*s != '/')
				continue;
			*s = '\0';
			(void)mkdir(p, 0755);
			*s = '/';
		}
		(void)mkdir(dir, 0700);
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (dfd >= 0 && !safe_dir(dfd)) {
		log_debug("depmod cache %s: not a root-owned directory only root can write; "
			  "not used\n",
			  dir);
		close(dfd);
		dfd = -1;
	}
	return dfd;
}

static char *cache_name(const char *dirname, const char *kversion)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = dirname; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	char *name = NULL;
	if (asprintf(&name, "%s-%016llx.cache", kversion, (unsigned long long)h) < 0)
		return NULL;
	/* the version comes from the command line: keep it one plain name */
	for (char *s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._+-", *s)))
			*s = '_';
	return name;
}

static bool entry_ok(const struct dm_cache *c, const struct cache_entry *e, uint64_t from)
{
	const char *base = (const char *)c->data;
	if (e->path_off < from || !range_ok(e->path_off, (uint64_t)e->path_len + 1, c->size) ||
	    base[e->path_off + e->path_len] != '\0' || strlen(base + e->path_off) != e->path_len)
		return false;
	if (e->rec_off < from || (e->rec_off & 7) || !range_ok(e->rec_off, e->rec_len, c->size))
		return false;
	return dm_record_valid(base + e->rec_off, e->rec_len);
}

/* Check everything once, so lookups can trust the offsets. */
static int cache_parse(struct dm_cache *c, const char *want_dir)
{
	const struct cache_header *h = (const void *)c->data;
	if (c->size < sizeof(*h) || memcmp(h->magic, CACHE_MAGIC, 8) != 0 ||
	    h->format != CACHE_FORMAT || h->endian != CACHE_ENDIAN || h->size != c->size)
		return -EINVAL;
	if (checksum((const uint8_t *)c->data + sum_from, c->size - sum_from) != h->checksum)
		return -EBADMSG;
	uint64_t at = sizeof(*h), names = (uint64_t)h->version_len + h->dir_len;
	if (!range_ok(at, names, c->size))
		return -EINVAL;
	const char *p = (const char *)c->data + at;
	if (h->version_len != strlen(cache_tag()) || memcmp(p, cache_tag(), h->version_len) != 0 ||
	    h->dir_len != strlen(want_dir) || memcmp(p + h->version_len, want_dir, h->dir_len) != 0)
		return -ESTALE;
	at = ALIGN8(at + names);
	if (h->n_entries > c->size / sizeof(struct cache_entry) ||
	    !range_ok(at, (uint64_t)h->n_entries * sizeof(struct cache_entry), c->size))
		return -EINVAL;
	c->entries = (const void *)((const char *)c->data + at);
	c->n_entries = h->n_entries;
	uint64_t from = at + (uint64_t)h->n_entries * sizeof(struct cache_entry);
	for (uint32_t i = 0; i < c->n_entries; i++) {
		if (!entry_ok(c, &c->entries[i], from))
			return -EINVAL;
		struct dm_map_slot *s =
			dm_map_slot(&c->bypath, (const char *)c->data + c->entries[i].path_off);
		if (!s)
			return -ENOMEM;
		s->value = (void *)&c->entries[i];
	}
	return 0;
}

static void cache_load(struct dm_cache *c)
{
	_cleanup_close_ int fd = openat(c->dfd, c->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (uint64_t)st.st_size > CACHE_MAX_BYTES ||
	    st.st_size < (off_t)sizeof(struct cache_header))
		return;
	/* Mapped, not read: most of it is never looked at twice. Only root can
	 * write the file, and a new cache replaces it by rename, so the mapping
	 * keeps the old inode's bytes. */
	c->size = (size_t)st.st_size;
	void *map = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, fd, 0);
	int r = map == MAP_FAILED ? -errno : 0;
	if (r == 0) {
		c->data = map;
		r = cache_parse(c, c->dirname);
	}
	if (r < 0) {
		log_debug("depmod cache %s: %s; rebuilding it\n", c->name, strerror(-r));
		dm_map_release(&c->bypath);
		if (c->data)
			munmap(c->data, c->size);
		c->data = NULL;
		c->entries = NULL;
		c->n_entries = 0;
		c->size = 0;
	}
}

struct dm_cache *dm_cache_open(const char *dir, const char *dirname, const char *kversion)
{
	int dfd = open_dir(dir);
	if (dfd < 0)
		return NULL;
	struct dm_cache *c = calloc(1, sizeof(*c));
	if (!c) {
		close(dfd);
		return NULL;
	}
	c->dfd = dfd;
	c->name = cache_name(dirname, kversion);
	c->dirname = strdup(dirname);
	if (!c->name || !c->dirname) {
		dm_cache_free(c);
		return NULL;
	}
	cache_load(c);
	return c;
}

const struct dm_record *dm_cache_lookup(struct dm_cache *c, const struct dm_module *m)
{
	const struct cache_entry *e = dm_map_get(&c->bypath, m->path);
	if (!e || e->dev != (uint64_t)m->dev || e->ino != (uint64_t)m->ino ||
	    e->size != (uint64_t)m->size || e->mtime_ns != m->mtime_ns ||
	    e->ctime_ns != m->ctime_ns)
		return NULL;
	c->hits++;
	return (const struct dm_record *)((const char *)c->data + e->rec_off);
}

void dm_cache_free(struct dm_cache *c)
{
	if (!c)
		return;
	if (c->dfd >= 0)
		close(c->dfd);
	dm_map_release(&c->bypath);
	if (c->data)
		munmap(c->data, c->size);
	free(c->name);
	free(c->dirname);
	free(c);
}

static int append_pad(struct strbuf *b)
{
	static const char zeros[8];
	return strbuf_append(b, zeros, ALIGN8(b->len) - b->len);
}

static int build(const struct dm_cache *c, const struct dm_modules *mods, struct strbuf *b)
{
	struct cache_header h = {.format = CACHE_FORMAT, .endian = CACHE_ENDIAN};
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.version_len = (uint32_t)strlen(cache_tag());
	h.dir_len = (uint32_t)strlen(c->dirname);
	for (size_t i = 0; i < mods->n; i++)
		h.n_entries += mods->v[i]->facts && !mods->v[i]->facts_failed;
	int r = strbuf_append(b, &h, sizeof(h));
	if (r == 0)
		r = strbuf_append_str(b, cache_tag());
	if (r == 0)
		r = strbuf_append_str(b, c->dirname);
	if (r == 0)
		r = append_pad(b);
	size_t ents = b->len;
	if (r == 0)
		r = strbuf_reserve(b, (size_t)h.n_entries * sizeof(struct cache_entry));
	if (r < 0)
		return r;
	b->len += (size_t)h.n_entries * sizeof(struct cache_entry);
	for (size_t i = 0, k = 0; r == 0 && i < mods->n; i++) {
		const struct dm_module *m = mods->v[i];
		if (!m->facts || m->facts_failed)
			continue;
		struct cache_entry e = {(uint64_t)m->dev,
					(uint64_t)m->ino,
					(uint64_t)m->size,
					m->mtime_ns,
					m->ctime_ns,
					b->len,
					0,
					(uint32_t)strlen(m->path),
					m->facts->size};
		r = strbuf_append(b, m->path, e.path_len + 1);
		if (r == 0)
			r = append_pad(b);
		e.rec_off = b->len;
		if (r == 0)
			r = strbuf_append(b, m->facts, m->facts->size);
		if (r == 0)
			r = append_pad(b);
		memcpy(b->buf + ents + k++ * sizeof(e), &e, sizeof(e));
	}
	if (r < 0)
		return r;
	struct cache_header *hp = (struct cache_header *)b->buf;
	hp->size = b->len;
	hp->checksum = checksum((const uint8_t *)b->buf + sum_from, b->len - sum_from);
	return 0;
}

/* Keep the newest DM_CACHE_MAX_FILES cache files of the directory. */
static void prune(const struct dm_cache *c)
{
	int fd = openat(c->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (;;) {
		size_t n = 0;
		char oldest[256] = "";
		struct timespec old_t = {0, 0};
		struct dirent *de;
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);
			struct stat st;
			if (len < 7 || len >= sizeof(oldest) ||
			    strcmp(de->d_name + len - 6, ".cache") ||
			    fstatat(c->dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			n++;
			if (!oldest[0] || st.st_mtim.tv_sec < old_t.tv_sec ||
			    (st.st_mtim.tv_sec == old_t.tv_sec &&
			     st.st_mtim.tv_nsec < old_t.tv_nsec)) {
				memcpy(oldest, de->d_name, len + 1);
				old_t = st.st_mtim;
			}
		}
		if (n <= DM_CACHE_MAX_FILES || streq(oldest, c->name) ||
		    unlinkat(c->dfd, oldest, 0) < 0)
			break;
	}
	closedir(d);
}

void dm_cache_save(struct dm_cache *c, const struct dm_modules *mods)
{
	size_t want = 0;
	for (size_t i = 0; i < mods->n; i++)
		want += mods->v[i]->facts && !mods->v[i]->facts_failed;
	if (c->hits == want && c->n_entries == want)
		return; /* the file already says exactly this */

	_cleanup_strbuf_ struct strbuf b = STRBUF_INIT;
	_cleanup_free_ char *tmp = NULL;
	int r = build(c, mods, &b);
	if (r == 0 && asprintf(&tmp, "%s.%d.tmp", c->name, (int)getpid()) < 0)
		r = -ENOMEM;
	if (r == 0) {
		int fd = openat(c->dfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
				0600);
		r = fd < 0 ? -errno : write_all(fd, b.buf, b.len);
		if (fd >= 0 && close(fd) < 0 && r == 0)
			r = -errno;
		if (r == 0 && renameat(c->dfd, tmp, c->dfd, c->name) < 0)
			r = -errno;
		if (r < 0 && fd >= 0)
			unlinkat(c->dfd, tmp, 0);
	}
	if (r < 0) {
		log_debug("depmod cache %s: cannot write it: %s\n", c->name, strerror(-r));
		return;
	}
	prune(c);
}
