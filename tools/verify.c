// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate verify [--json] FILE...`: the signature verdict of each module
 * file, as a load would reach it: the trust store is loaded first, then each
 * file goes through fresh sandboxed children (inspect_signature: the load's
 * sealed bytes and ELF checks, without the name, modinfo and symbols that the
 * verdict does not read) and the parent's verifier. Exit 0 only if every file
 * is valid (which implies trusted).
 *
 * Many files are spread over one privileged worker per CPU (forked after the
 * trust store is loaded, before any module byte is read). A worker is the
 * parent's role, not a sandbox: it spawns fresh children per file like a
 * load does and sends its formatted results back; this process prints them in
 * argument order. The records come from our own code and are length-checked
 * all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "inspect/inspect.h"
#include "tools/tools.h"
#include "tools/verify-print.h"
#include "tools/workers.h"
#include "verify/truststore.h"
#include "verify/verify.h"

#define MAX_WORKERS 16
/* Below this many files a worker's fork costs more than it saves. */
#define PARALLEL_MIN_FILES 8
#define RECORD_MAX	   (1u << 20)
/* A worker writes its records this many (or this many bytes) at a time. */
#define BATCH_RECORDS 32
#define BATCH_BYTES   (32u << 10)

struct verify_opts {
	bool json, quiet;
	unsigned int flags;
	unsigned int jobs; /* 0: one per online CPU */
};

/* What a worker sends per file. */
struct record {
	uint32_t idx;
	uint32_t valid;
	uint32_t len; /* formatted output that follows */
};

static void usage(const char *prog)
{
	printf("Usage: modgate [--root DIR] %s [options] FILE...\n"
	       "Verify module signatures against the trust store.\n\n"
	       "Options:\n"
	       "\t-j, --json                one JSON object per file and line\n"
	       "\t    --allow-weak-digests  accept sha1 and sha224 signatures\n"
	       "\t-J, --jobs N              files verified in parallel (default: one per CPU)\n"
	       "\t-q, --quiet               print nothing; the exit status says it all\n"
	       "\t-h, --help                show this help\n",
	       prog);
}

static int parse_opts(int argc, char *argv[], struct verify_opts *o)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"allow-weak-digests", no_argument, NULL, 'W'},
		{"jobs", required_argument, NULL, 'J'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "jJ:qh", opts, NULL)) != -1) {
		if (c == 'j') {
			o->json = true;
		} else if (c == 'W') {
			o->flags |= VERIFY_ALLOW_WEAK_DIGESTS;
		} else if (c == 'q') {
			o->quiet = true;
		} else if (c == 'J') {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v == 0 || v > MAX_WORKERS) {
				log_error("--jobs: a number from 1 to %d\n", MAX_WORKERS);
				return -EINVAL;
			}
			o->jobs = (unsigned int)v;
		} else if (c == 'h') {
			usage(argv[0]);
			return 1;
		} else {
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		log_error("missing FILE\n");
		return -EINVAL;
	}
	return 0;
}

/* One file, its report written to out. true if valid. */
static bool verify_one(const struct trust_store *ts, const char *path, const struct verify_opts *o,
		       FILE *out)
{
	struct inspected in = {.memfd_ro = -1};
	struct verify_result res = {0};
	struct verify_report rep = {.path = path};
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	int r = inspect_signature(AT_FDCWD, path, NULL, &in, &err);

	if (r == 0) {
		r = verify_inspected(ts, &in, o->flags, &res);
		if (r < 0)
			strbuf_appendf(&err, "cannot read the sealed bytes: %s", strerror(-r));
	}
	if (r < 0) {
		rep.error = strbuf_str(&err);
	} else {
		rep.res = &res;
		rep.sig = &in.facts.sig;
	}
	if (!o->quiet && out)
		verify_report_print(out, &rep, o->json);
	inspected_release(&in);
	return r == 0 && res.state == VERIFY_VALID;
}

static _noreturn_ void worker(const struct trust_store *ts, char **files, size_t n, size_t first,
			      size_t step, const struct verify_opts *o, int fd)
{
	_cleanup_strbuf_ struct strbuf batch = STRBUF_INIT;
	unsigned int in_batch = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* One chain of worker, zygote and child per CPU, each kept on its own:
	 * verify-all of the 6.1 tree on 2 CPUs, 0.99-1.03 s -> 0.93-0.95 s.
	 * Before the zygote and the children, which inherit it. More workers
	 * than CPUs (--jobs) are left to the scheduler: two pinned chains a
	 * CPU were slower than two free ones (modinfo's workers, measured). */
	if (step <= workers_cpus())
		workers_pin((unsigned int)first);
	for (size_t i = first; i < n; i += step) {
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		bool valid = verify_one(ts, files[i], o, mem);
		if (!mem || fclose(mem) != 0 || len > RECORD_MAX)
			_exit(EXIT_FAILURE);
		struct record rec = {.idx = (uint32_t)i, .valid = valid, .len = (uint32_t)len};
		if (strbuf_append(&batch, &rec, sizeof(rec)) < 0 ||
		    strbuf_append(&batch, text, len) < 0)
			_exit(EXIT_FAILURE);
		free(text);
		/* Records go out in batches: each write wakes the collector,
		 * most likely on the other CPU, and a wake-up per file cost
		 * ~6% of verify-all (bench/bench-verify.sh). */
		if (++in_batch == BATCH_RECORDS || batch.len >= BATCH_BYTES || i + step >= n) {
			if (write_all(fd, batch.buf, batch.len) < 0)
				_exit(EXIT_FAILURE);
			strbuf_clear(&batch);
			in_batch = 0;
		}
	}
	_exit(EXIT_SUCCESS);
}

struct pool {
	char **text; /* per file, until printed */
	bool *valid, *done;
	size_t n, next;
};

/* One record from a worker; false at its end or on a broken record. */
static bool read_record(int fd, struct pool *p)
{
	struct record rec;
	char *text;

	if (read_exact(fd, &rec, sizeof(rec)) < 0 || rec.idx >= p->n || p->done[rec.idx] ||
	    rec.len > RECORD_MAX)
		return false;
	text = malloc(rec.len + 1);
	if (!text || read_exact(fd, text, rec.len) < 0) {
		free(text);
		return false;
	}
	text[rec.len] = '\0';
	p->text[rec.idx] = text;
	p->valid[rec.idx] = rec.valid;
	p->done[rec.idx] = true;
	return true;
}

static void print_ready(struct pool *p)
{
	while (p->next < p->n && p->done[p->next]) {
		fputs(p->text[p->next], stdout);
		free(p->text[p->next]);
		p->text[p->next++] = NULL;
	}
}

static void collect(struct pool *p, int *fds, unsigned int w)
{
	unsigned int open = w;

	while (open > 0) {
		struct pollfd pfd[MAX_WORKERS];
		for (unsigned int i = 0; i < w; i++)
			pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		if (poll(pfd, w, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (unsigned int i = 0; i < w; i++) {
			if (fds[i] < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!read_record(fds[i], p)) {
				close(fds[i]);
				fds[i] = -1;
				open--;
			}
		}
		print_ready(p);
	}
}

/* Files a worker never reported (it died): an error each, in order. */
static void report_missing(struct pool *p, char **files, const struct verify_opts *o)
{
	for (size_t i = p->next; i < p->n; i++) {
		if (p->done[i]) {
			fputs(p->text[i], stdout);
			free(p->text[i]);
			continue;
		}
		struct verify_report rep = {.path = files[i], .error = "verify worker failed"};
		if (!o->quiet)
			verify_report_print(stdout, &rep, o->json);
		p->valid[i] = false;
	}
}

static bool run_parallel(const struct trust_store *ts, char **files, size_t n, unsigned int w,
			 const struct verify_opts *o)
{
	struct pool p = {.n = n};
	int fds[MAX_WORKERS];
	pid_t pids[MAX_WORKERS];
	bool all = true;

	p.text = calloc(n, sizeof(*p.text));
	p.valid = calloc(n, sizeof(*p.valid));
	p.done = calloc(n, sizeof(*p.done));
	if (!p.text || !p.valid || !p.done)
		w = 0;
	(void)inspect_prepare(); /* once, for every worker (inspect.h) */
	fflush(stdout);
	for (unsigned int i = 0; i < w; i++) {
		int pfd[2];
		if (pipe2(pfd, O_CLOEXEC) < 0 || (pids[i] = fork()) < 0) {
			w = i; /* the ones started do their share; the rest is "missing" */
			break;
		}
		if (pids[i] == 0) {
			close(pfd[0]);
			for (unsigned int j = 0; j < i; j++)
				close(fds[j]);
			worker(ts, files, n, i, w, o, pfd[1]);
		}
		close(pfd[1]);
		fds[i] = pfd[0];
	}
	collect(&p, fds, w);
	for (unsigned int i = 0; i < w; i++)
		waitpid(pids[i], NULL, 0);
	report_missing(&p, files, o);
	for (size_t i = 0; i < n; i++)
		all = all && p.valid[i];
	free(p.text);
	free(p.valid);
	free(p.done);
	return all && n > 0;
}

static unsigned int workers_for(size_t n, const struct verify_opts *o)
{
	unsigned int cpus = workers_cpus(); /* taskset and cpusets obeyed */
	unsigned int w = o->jobs ? o->jobs : MAX(1u, MIN(cpus, (unsigned int)MAX_WORKERS));

	if (!o->jobs && n < PARALLEL_MIN_FILES)
		return 1;
	return (unsigned int)MIN((size_t)w, n);
}

int tool_verify(int argc, char *argv[])
{
	struct verify_opts o = {0};
	struct trust_store ts;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	bool all = true;
	int r = parse_opts(argc, argv, &o);

	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	/* The store before any module byte: fail closed when it cannot be read. */
	r = trust_store_load(&ts, tools_root(), &err);
	if (r < 0) {
		log_error("trust store: %s\n", strbuf_str(&err));
		return EXIT_FAILURE;
	}
	size_t n = (size_t)(argc - optind);
	unsigned int w = workers_for(n, &o);
	if (w > 1) {
		all = run_parallel(&ts, argv + optind, n, w, &o);
	} else {
		for (size_t i = 0; i < n; i++)
			all = verify_one(&ts, argv[optind + i], &o, stdout) && all;
	}
	trust_store_release(&ts);
	if (fflush(stdout) != 0)
		return EXIT_FAILURE;
	return all ? EXIT_SUCCESS : EXIT_FAILURE;
}
