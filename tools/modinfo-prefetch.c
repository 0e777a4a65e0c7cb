// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Parallel inspection for modinfo (see modinfo-prefetch.h).
 *
 * A result travels from a worker to the tool as
 *   struct result_head, err[errlen], then nitems x (u32 klen, u32 vlen, key, value)
 * in native byte order (both ends are this binary). The worker is a fork of
 * the tool itself and parsed nothing untrusted (its inspect_file() did that
 * in sandboxed children), but its message is still bounds-checked: a worker
 * that dies or sends something malformed is dropped and its files are
 * inspected inline.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "inspect/inspect.h"
#include "tools/modinfo-prefetch.h"

#define RESULT_MAGIC	 0x4650494du /* "MIPF" */
#define RESULT_MAX_BODY	 (64u << 20)
#define RESULT_MAX_ITEMS (1u << 20)

struct result_head {
	uint32_t magic;
	int32_t rc;
	uint32_t errlen;
	uint32_t nitems;
	uint64_t bodylen; /* bytes after this header */
};

struct worker {
	pid_t pid;
	int fd;
};

struct prefetch {
	char *const *paths;
	size_t n;
	unsigned int k;
	struct worker *w;
	size_t taken; /* results handed out so far */
};

int modinfo_inspect(const char *path, struct modinfo_list *l, struct strbuf *err)
{
	struct inspected in;
	int r = inspect_file(AT_FDCWD, path, &inspect_default_limits, &in, err);
	if (r < 0) {
		struct stat st;
		/* libkmod reads 6 magic bytes before anything else and calls a
		 * shorter file EINVAL; the tool's own line carries that errno */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < 6)
			r = -EINVAL;
		return r;
	}
	if (in.facts.elf_absent & WIRE_ABSENT_MODINFO)
		r = -ENOENT; /* what libkmod returns for a missing .modinfo */
	else
		r = modinfo_list_add_strings(l, in.facts.modinfo, in.facts.n_modinfo);
	if (r == 0)
		r = modinfo_list_add_signature(l, &in.facts.sig, in.size);
	inspected_release(&in);
	return r;
}

static int put_item(struct strbuf *m, const char *key, const char *value)
{
	uint32_t len[2] = {(uint32_t)strlen(key), (uint32_t)strlen(value)};
	int r = strbuf_append(m, len, sizeof(len));
	if (r == 0)
		r = strbuf_append(m, key, len[0]);
	if (r == 0)
		r = strbuf_append(m, value, len[1]);
	return r;
}

static int encode(struct strbuf *m, int rc, const struct strbuf *err, const struct modinfo_list *l)
{
	struct result_head h = {RESULT_MAGIC, rc, (uint32_t)err->len, (uint32_t)l->n, 0};
	int r = strbuf_append(m, &h, sizeof(h));
	if (r == 0)
		r = strbuf_append(m, err->buf ? err->buf : "", err->len);
	for (size_t i = 0; r == 0 && i < l->n; i++)
		r = put_item(m, l->v[i].key, l->v[i].value);
	if (r == 0) {
		h.bodylen = m->len - sizeof(h);
		memcpy(m->buf, &h, sizeof(h));
	}
	return r;
}

static _noreturn_ void worker_main(const struct prefetch *p, unsigned int k, int fd, pid_t parent)
{
	/* a worker outliving the tool would inspect for nobody */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	for (size_t j = k; j < p->n; j += p->k) {
		struct modinfo_list l = {0};
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
		int rc = modinfo_inspect(p->paths[j], &l, &err);
		int r = encode(&msg, rc, &err, &l);
		modinfo_list_release(&l);
		if (r < 0 || write_all(fd, msg.buf, msg.len) < 0)
			_exit(1);
	}
	_exit(0);
}

struct prefetch *prefetch_start(char *const *paths, size_t n, unsigned int workers)
{
	if (workers > n)
		workers = (unsigned int)n;
	if (workers < 2)
		return NULL;
	struct prefetch *p = calloc(1, sizeof(*p));
	if (!p || !(p->w = calloc(workers, sizeof(*p->w)))) {
		free(p);
		return NULL;
	}
	*p = (struct prefetch){paths, n, 0, p->w, 0};
	/* set up once here, inherited by every worker (a failure: each worker
	 * meets it on its own file and says so there) */
	(void)inspect_prepare();
	/* nothing buffered may be written twice by a fork */
	fflush(stdout);
	fflush(stderr);
	pid_t self = getpid();
	for (unsigned int k = 0; k < workers; k++) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0)
			break;
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			for (unsigned int i = 0; i < k; i++)
				close(p->w[i].fd);
			p->k = workers;
			worker_main(p, k, fds[1], self);
		}
		close(fds[1]);
		if (pid < 0) {
			close(fds[0]);
			break;
		}
		p->w[k] = (struct worker){pid, fds[0]};
		p->k++;
	}
	/* every worker strides by the count asked for: with fewer started,
	 * stop them all and inspect inline */
	if (p->k != workers) {
		prefetch_stop(p);
		return NULL;
	}
	return p;
}

static void worker_drop(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	w->pid = -1;
}

static int decode_items(const uint8_t *b, size_t len, uint32_t n, struct modinfo_list *l)
{
	size_t off = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t kv[2];
		if (!range_ok(off, sizeof(kv), len))
			return -EPROTO;
		memcpy(kv, b + off, sizeof(kv));
		off += sizeof(kv);
		if (!range_ok(off, (uint64_t)kv[0] + kv[1], len))
			return -EPROTO;
		struct modinfo_item *nv = reallocarray(l->v, l->n + 1, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		char *key = strndup((const char *)b + off, kv[0]);
		char *value = strndup((const char *)b + off + kv[0], kv[1]);
		if (!key || !value) {
			free(key);
			free(value);
			return -ENOMEM;
		}
		l->v[l->n++] = (struct modinfo_item){key, value};
		off += (size_t)kv[0] + kv[1];
	}
	return off == len ? 0 : -EPROTO;
}

static int receive(struct worker *w, int *rc, struct modinfo_list *l, struct strbuf *err)
{
	struct result_head h;
	int r = read_exact(w->fd, &h, sizeof(h));
	if (r < 0)
		return r;
	if (h.magic != RESULT_MAGIC || h.bodylen > RESULT_MAX_BODY || h.nitems > RESULT_MAX_ITEMS ||
	    h.errlen > h.bodylen || h.rc > 0)
		return -EPROTO;
	_cleanup_free_ uint8_t *body = malloc(h.bodylen ? h.bodylen : 1);
	if (!body)
		return -ENOMEM;
	r = read_exact(w->fd, body, h.bodylen);
	if (r == 0)
		r = decode_items(body + h.errlen, h.bodylen - h.errlen, h.nitems, l);
	if (r == 0)
		r = strbuf_append(err, body, h.errlen);
	if (r == 0)
		*rc = h.rc;
	return r;
}

int prefetch_take(struct prefetch *p, size_t i, struct modinfo_list *l, struct strbuf *err)
{
	struct worker *w = &p->w[i % p->k];
	int rc;
	p->taken = i + 1;
	if (w->fd >= 0) {
		int r = receive(w, &rc, l, err);
		if (r == 0)
			return rc;
		modinfo_list_release(l);
		strbuf_clear(err);
		worker_drop(w);
	}
	return modinfo_inspect(p->paths[i], l, err);
}

void prefetch_stop(struct prefetch *p)
{
	if (!p)
		return;
	for (unsigned int k = 0; k < p->k; k++) {
		struct worker *w = &p->w[k];
		if (w->pid <= 0)
			continue;
		/* a worker that sent everything exits by itself; one still
		 * working (the tool stopped early) is not waited for */
		close(w->fd);
		w->fd = -1;
		if (p->taken < p->n)
			kill(w->pid, SIGKILL);
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(p->w);
	free(p);
}
