// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * depmod's pool of reusable parse workers (pool.h; the worker is
 * sandbox/worker.c). One poll() loop: hand each idle worker the next file,
 * collect replies, replace workers that fail.
 *
 * Why each privileged step is safe:
 *  - open: O_RDONLY|O_NONBLOCK|O_NOCTTY, regular files only (a FIFO planted
 *    in a tree cannot hang us), size checked against the cap first;
 *  - the magic: a 6-byte pread compared with memcmp (compression_detect);
 *  - the bytes: spliced from the file into the job pipe (uncompressed), or
 *    copied with sendfile into the worker's input memfd (compressed), never
 *    looked at; every wait on the worker is a poll() against the job's
 *    deadline, and SIGPIPE is ignored while the pool runs (a dead worker is
 *    an error to handle, not a signal);
 *  - the job message: fixed size, ours;
 *  - replies: read without blocking, the header's length capped before any
 *    allocation and the buffer grown only as bytes arrive, then checked with
 *    reply_check() and converted by reply_to_facts()/reply_to_error(), the
 *    same code inspect_file() trusts. Anything unexpected (a reply while no
 *    job is out, a wrong type, a timeout) gets the worker killed and reaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/macros.h"
#include "inspect/pool.h"
#include "inspect/reply.h"
#include "inspect/spawn.h"
#include "sandbox/decode.h"
#include "sandbox/roles.h"
#include "sandbox/worker.h"

/* Decoder state and the reply, beyond the module bytes themselves. */
#define WORKER_HEADROOM (640ull << 20)
#define READ_GROW_MIN	(64u << 10)
#define MAX_WORKERS	64

void (*inspect_pool_test_dispatching)(pid_t worker, size_t job);
void (*inspect_pool_test_dispatched)(pid_t worker, size_t job);

struct worker {
	struct child_proc c;
	int job_fd, in_fd, out_fd;
	bool alive, busy;
	size_t job;
	uint64_t deadline_ns;
	struct wire_header hdr;
	size_t hdr_got;
	uint8_t *buf;
	size_t got, cap;
};

struct pool {
	struct worker w[MAX_WORKERS];
	unsigned int n;
	const char *const *paths;
	size_t njobs, next, reported;
	const struct inspect_limits *lim;
	pool_done_fn done;
	void *ctx;
	struct strbuf err;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void report(struct pool *p, size_t job, int err, const struct child_reply *rep,
		   const char *why)
{
	p->done(p->ctx, job, err, rep, why);
	p->reported++;
}

static void close_fd(int *fd)
{
	closep(fd);
	*fd = -1;
}

/* Ready for the next message; the buffer is kept (a worker sends thousands
 * of replies: allocating each anew costs more page faults than copying). */
static void reader_reset(struct worker *w)
{
	w->got = w->hdr_got = 0;
}

static void reader_release(struct worker *w)
{
	free(w->buf);
	w->buf = NULL;
	w->got = w->cap = w->hdr_got = 0;
}

static int worker_start(struct pool *p, struct worker *w)
{
	int sv[2];
	*w = (struct worker){.job_fd = -1, .in_fd = -1, .out_fd = -1};
	if (pipe2(sv, O_CLOEXEC) < 0)
		return -errno;
	/* our end: [1]; a bigger pipe means fewer wake-ups per module */
	w->job_fd = sv[1];
	(void)fcntl(sv[1], F_SETPIPE_SZ, 1 << 20);
	(void)fcntl(sv[1], F_SETFL, O_NONBLOCK);
	w->in_fd = memfd_create("modgate-depmod-in", MFD_CLOEXEC);
	w->out_fd = memfd_create("modgate-depmod-out", MFD_CLOEXEC);
	int r = w->in_fd < 0 || w->out_fd < 0 ? -errno : 0;
	if (r == 0) {
		struct worker_fds f = {sv[0], w->in_fd, w->out_fd, p->lim->max_module_bytes};
		int in[3] = {sv[0], w->in_fd, w->out_fd};
		struct sandbox_params sp = {
			.role = SANDBOX_ROLE_DECOMPRESS | SANDBOX_ROLE_PARSE,
			.in_fds = in,
			.n_in_fds = 3,
			.out_fds = &w->out_fd,
			.n_out_fds = 1,
			.fsize_limit = p->lim->max_module_bytes,
			.as_headroom = p->lim->max_module_bytes + WORKER_HEADROOM,
			.prepare = sandbox_worker_prepare,
			.arg_len = sizeof(f),
		};
		r = child_start(&sp, sandbox_worker_run, &f, p->lim->timeout_ms, &w->c);
	}
	close(sv[0]);
	if (r < 0) {
		close_fd(&w->job_fd);
		close_fd(&w->in_fd);
		close_fd(&w->out_fd);
		return r;
	}
	w->alive = true;
	return 0;
}

static void explain(int status, struct strbuf *err)
{
	strbuf_clear(err);
	if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));
		strbuf_appendf(err, "worker killed by signal %d (SIG%s)", WTERMSIG(status),
			       abbrev ? abbrev : "?");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		const char *why = sandbox_exit_reason(WEXITSTATUS(status));
		strbuf_appendf(err, "worker exited with status %d%s%s%s", WEXITSTATUS(status),
			       why ? " (" : "", why ? why : "", why ? ")" : "");
	} else {
		strbuf_append_str(err, "worker exited without a reply");
	}
}

/* Kill (unless it already ended), reap, release; fail its job with `why`
 * (NULL: say how the worker ended). */
static void worker_stop(struct pool *p, struct worker *w, bool kill_it, const char *why)
{
	int status = 0;
	if (kill_it)
		kill(w->c.pid, SIGKILL);
	while (waitpid(w->c.pid, &status, 0) < 0 && errno == EINTR)
		;
	if (w->busy) {
		if (!why)
			explain(status, &p->err);
		report(p, w->job, -ECHILD, NULL, why ? why : strbuf_str(&p->err));
	}
	close_fd(&w->c.reply_fd);
	close_fd(&w->c.pidfd);
	close_fd(&w->job_fd);
	close_fd(&w->in_fd);
	close_fd(&w->out_fd);
	reader_release(w);
	w->alive = w->busy = false;
}

/* Open the module file and read its magic. An uncompressed file is left
 * open for stream_input(); a compressed one is copied into the worker's
 * input memfd here. 0 or -errno. */
static int load_input(struct pool *p, struct worker *w, const char *path, struct worker_job *job,
		      int *stream_fd)
{
	uint64_t cap = p->lim->max_module_bytes;
	struct stat st;
	uint8_t head[6];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > cap)
		return -EFBIG;
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return -errno;
	*job = (struct worker_job){WORKER_JOB_MAGIC, compression_detect(head, (size_t)n),
				   (uint64_t)st.st_size};
	if (job->kind == WIRE_COMP_NONE) {
		*stream_fd = TAKE_FD(fd);
		return 0;
	}
	/* The memfds are overwritten, not emptied: their pages are reused from
	 * module to module instead of freed and allocated again. The input is
	 * cut to this file's size (the decompressor reads to its end); the
	 * worker maps only the bytes the decompressor says it wrote. */
	if (lseek(w->in_fd, 0, SEEK_SET) < 0 || lseek(w->out_fd, 0, SEEK_SET) < 0)
		return -errno;
	uint64_t total = 0;
	for (;;) {
		/* one byte past the cap tells a file that grew meanwhile */
		ssize_t k = sendfile(w->in_fd, fd, NULL, (size_t)MIN(cap + 1 - total, 1ull << 30));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		total += (uint64_t)k;
		if (total > cap)
			return -EFBIG;
	}
	job->size = total;
	if (ftruncate(w->in_fd, (off_t)total) < 0)
		return -errno;
	return lseek(w->in_fd, 0, SEEK_SET) < 0 ? -errno : 0;
}

/* Wait until the job pipe takes more, or the deadline. */
static int wait_writable(const struct worker *w)
{
	uint64_t now = now_ns();
	if (now >= w->deadline_ns)
		return -ETIMEDOUT;
	struct pollfd pfd = {w->job_fd, POLLOUT, 0};
	int n = poll(&pfd, 1, (int)MIN((w->deadline_ns - now + 999999) / 1000000, 60000ull));
	if (n < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/* Write a buffer into the job pipe. */
static int send_bytes(const struct worker *w, const void *buf, size_t len)
{
	const char *b = buf;
	while (len > 0) {
		ssize_t k = write(w->job_fd, b, len);
		if (k < 0 && errno == EAGAIN) {
			int r = wait_writable(w);
			if (r < 0)
				return r;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		b += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Exactly size bytes of an uncompressed file into the job pipe: spliced
 * (page references, no copy here), or copied where splice is refused. */
static int stream_input(const struct worker *w, int fd, uint64_t size)
{
	loff_t off = 0;
	bool use_splice = true;
	char tmp[64 << 10];
	while ((uint64_t)off < size) {
		size_t want = (size_t)MIN(size - (uint64_t)off, 1ull << 20);
		ssize_t k;
		if (use_splice) {
			k = splice(fd, &off, w->job_fd, NULL, want,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (k < 0 && errno == EINVAL) {
				use_splice = false;
				continue;
			}
		} else {
			k = pread(fd, tmp, MIN(want, sizeof(tmp)), off);
			if (k > 0) {
				int r = send_bytes(w, tmp, (size_t)k);
				if (r < 0)
					return r;
				off += k;
			}
		}
		if (k < 0 && errno == EAGAIN) {
			int r = wait_writable(w);
			if (r < 0)
				return r;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO; /* the file shrank under us */
	}
	return 0;
}

static void dispatch(struct pool *p, struct worker *w)
{
	while (p->next < p->njobs) {
		size_t job = p->next++;
		struct worker_job msg;
		_cleanup_close_ int fd = -1;
		int r = load_input(p, w, p->paths[job], &msg, &fd);
		if (r < 0) {
			strbuf_clear(&p->err);
			strbuf_appendf(&p->err, "cannot read the module: %s", strerror(-r));
			report(p, job, r, NULL, strbuf_str(&p->err));
			continue;
		}
		w->busy = true;
		w->job = job;
		w->deadline_ns = now_ns() + (uint64_t)p->lim->timeout_ms * 1000000ull;
		if (inspect_pool_test_dispatching)
			inspect_pool_test_dispatching(w->c.pid, job);
		r = send_bytes(w, &msg, sizeof(msg));
		if (r == 0 && fd >= 0)
			r = stream_input(w, fd, msg.size);
		if (r == 0 && inspect_pool_test_dispatched)
			inspect_pool_test_dispatched(w->c.pid, job);
		if (r < 0) {
			strbuf_clear(&p->err);
			if (r == -ETIMEDOUT)
				strbuf_appendf(&p->err,
					       "worker timed out after %u ms and was killed",
					       p->lim->timeout_ms);
			else
				strbuf_appendf(&p->err, "cannot hand the module to the worker: %s",
					       strerror(-r));
			worker_stop(p, w, true, strbuf_str(&p->err));
		}
		return;
	}
}

/* A complete message from a busy worker. */
static void deliver(struct pool *p, struct worker *w)
{
	struct child_reply rep = {w->hdr.type, w->buf, w->got};
	size_t job = w->job;
	strbuf_clear(&p->err);
	int r = reply_check(rep.type, rep.body, rep.len, &p->err);
	if (r == 0 && rep.type == WIRE_MSG_FACTS) {
		w->busy = false;
		report(p, job, 0, &rep, NULL);
		reader_reset(w);
		return;
	} else if (r == 0 && rep.type == WIRE_MSG_ERROR) {
		int e = reply_to_error(&rep, &p->err);
		w->busy = false;
		reader_reset(w);
		report(p, job, e < 0 ? e : -EINVAL, NULL, strbuf_str(&p->err));
		return;
	} else if (r == 0) {
		strbuf_appendf(&p->err, "invalid reply: unexpected message type %u", rep.type);
	}
	worker_stop(p, w, true, strbuf_str(&p->err));
}

/* Read what is there. false when the worker had to be stopped. */
static bool worker_read(struct pool *p, struct worker *w)
{
	for (;;) {
		uint8_t *dst;
		size_t want;
		if (w->hdr_got < sizeof(w->hdr)) {
			dst = (uint8_t *)&w->hdr + w->hdr_got;
			want = sizeof(w->hdr) - w->hdr_got;
		} else {
			/* never past this message: framing is per message */
			size_t len = w->hdr.len;
			if (w->got == w->cap && w->cap < len) {
				size_t ncap = MIN(len, MAX(w->cap * 2, (size_t)READ_GROW_MIN));
				uint8_t *nb = realloc(w->buf, ncap);
				if (!nb) {
					worker_stop(p, w, true, "out of memory reading a reply");
					return false;
				}
				w->buf = nb;
				w->cap = ncap;
			}
			dst = w->buf + w->got;
			want = MIN(w->cap, len) - w->got;
		}
		ssize_t n = want ? read(w->c.reply_fd, dst, want) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (want && n <= 0) {
			worker_stop(p, w, n < 0, n < 0 ? "cannot read the worker's reply" : NULL);
			return false;
		}
		if (!w->busy) {
			worker_stop(p, w, true, NULL);
			return false;
		}
		if (w->hdr_got < sizeof(w->hdr)) {
			w->hdr_got += (size_t)n;
			if (w->hdr_got == sizeof(w->hdr) &&
			    (w->hdr.magic != WIRE_MAGIC || w->hdr.len > WIRE_MAX_MESSAGE)) {
				worker_stop(p, w, true, "invalid reply: bad header");
				return false;
			}
		} else {
			w->got += (size_t)n;
		}
		if (w->hdr_got == sizeof(w->hdr) && w->got == w->hdr.len) {
			deliver(p, w);
			return w->alive;
		}
	}
}

static int poll_timeout(const struct pool *p)
{
	uint64_t now = now_ns(), first = UINT64_MAX;
	for (unsigned int i = 0; i < p->n; i++)
		if (p->w[i].alive && p->w[i].busy && p->w[i].deadline_ns < first)
			first = p->w[i].deadline_ns;
	if (first == UINT64_MAX)
		return -1;
	return first <= now ? 0 : (int)MIN((first - now + 999999) / 1000000, (uint64_t)INT32_MAX);
}

static void expire(struct pool *p)
{
	uint64_t now = now_ns();
	for (unsigned int i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		if (w->alive && w->busy && now >= w->deadline_ns) {
			strbuf_clear(&p->err);
			strbuf_appendf(&p->err, "worker timed out after %u ms and was killed",
				       p->lim->timeout_ms);
			worker_stop(p, w, true, strbuf_str(&p->err));
		}
	}
}

/* Keep every slot busy while jobs remain; false if no worker can run. */
static bool fill(struct pool *p, int *start_err)
{
	unsigned int alive = 0;
	for (unsigned int i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		if (!w->alive && p->next < p->njobs) {
			int r = worker_start(p, w);
			if (r < 0)
				*start_err = r;
		}
		if (w->alive && !w->busy)
			dispatch(p, w);
		alive += w->alive;
	}
	return alive > 0;
}

static int pool_loop(struct pool *p)
{
	struct pollfd pfd[MAX_WORKERS];
	int start_err = 0;
	while (p->reported < p->njobs) {
		if (!fill(p, &start_err)) {
			if (p->reported == 0 && p->next == 0)
				return start_err ? start_err : -ECHILD;
			/* no worker can be started any more: fail what is left */
			while (p->next < p->njobs)
				report(p, p->next++, start_err ? start_err : -ECHILD, NULL,
				       "cannot start a sandboxed worker");
			continue;
		}
		for (unsigned int i = 0; i < p->n; i++)
			pfd[i] =
				(struct pollfd){p->w[i].alive ? p->w[i].c.reply_fd : -1, POLLIN, 0};
		int k = poll(pfd, p->n, poll_timeout(p));
		if (k < 0 && errno != EINTR)
			return -errno;
		for (unsigned int i = 0; k > 0 && i < p->n; i++)
			if (p->w[i].alive && pfd[i].revents)
				worker_read(p, &p->w[i]);
		expire(p);
	}
	return 0;
}

int inspect_pool_run(const char *const *paths, size_t n, unsigned int workers,
		     const struct inspect_limits *lim, pool_done_fn done, void *ctx)
{
	static struct pool zero;
	struct pool *p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = zero;
	if (!workers) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		workers = cpus > 0 ? (unsigned int)cpus : 1;
	}
	p->n = (unsigned int)MIN((size_t)MIN(workers, MAX_WORKERS), n);
	p->paths = paths;
	p->njobs = n;
	p->lim = lim ? lim : &inspect_default_limits;
	p->done = done;
	p->ctx = ctx;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	int r = pool_loop(p);
	for (unsigned int i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		if (!w->alive)
			continue;
		/* end of input: the worker exits 0; a worker that does not is killed */
		close_fd(&w->job_fd);
		struct pollfd pfd = {child_pidfd(&w->c), POLLIN, 0};
		bool ended = pfd.fd >= 0 && poll(&pfd, 1, 1000) > 0;
		worker_stop(p, w, !ended, NULL);
	}
	sigaction(SIGPIPE, &old, NULL);
	strbuf_release(&p->err);
	free(p);
	return r;
}
