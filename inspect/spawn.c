// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Parent side of one sandboxed child: fork, read one reply against a
 * deadline, reap. Privileged code: it reads only fixed-size headers and byte
 * counts here and hands the body to inspect/reply.c's table-driven checks.
 *
 * Why each step is safe:
 *  - the pipe is created O_CLOEXEC and the child closes everything but its
 *    own descriptors first thing, so no child holds another child's pipe for
 *    longer than its setup;
 *  - the read end is non-blocking and every wait is a poll() with the time
 *    left, so a child that stalls, floods, or keeps the pipe open after
 *    exiting (it cannot: it has no other process to pass it to) costs at most
 *    the deadline;
 *  - the message is accumulated up to the length its header announced, which
 *    is capped before anything is allocated, and grown as bytes arrive, so a
 *    child cannot make us allocate what it does not send;
 *  - a child is always reaped (SIGKILL at the deadline), so none outlives the
 *    call, and the pid cannot be reused while we still signal it.
 *
 * The child's seccomp program is compiled here, before the fork, from
 * sandbox/seccomp.c's table (our own data, no input involved) and kept in a
 * small cache: it depends only on the role and the descriptor numbers, which
 * repeat from one file to the next, and libseccomp's compile (with its kernel
 * feature probes) would otherwise cost every child ~70-90 us.
 *
 * Children are created by the zygote (sandbox/zygote.h) when the job can be
 * copied to it, else forked here. The zygote is started for the third child
 * (or earlier, by child_zygote_start(), while this process is still small)
 * and used until it fails once; from then on every child is forked here, so
 * a dead or wedged zygote costs speed, never a file. What it answers is
 * checked: the pid it names must be our own child (CLONE_PARENT) before we
 * wait for it, let alone signal it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/macros.h"
#include "inspect/reply.h"
#include "inspect/spawn.h"
#include "sandbox/libcapng-dl.h"
#include "sandbox/wire.h"
#include "sandbox/zygote.h"

#define READ_GROW_MIN (64u << 10)
#define FILTER_CACHE  8
#define FILTER_MAXFD  16
/* A clone takes microseconds; a zygote silent this long is stopped or
 * wedged, and the child is forked here with the time that is left. */
#define ZYGOTE_ANSWER_MS 3000

/* One compiled program and what it was compiled for. Single-threaded use
 * (no caller spawns from several threads). */
struct filter_entry {
	enum sandbox_role role;
	int fds[FILTER_MAXFD]; /* reply_fd, the inputs, the outputs */
	size_t n_in, n_out;
	struct sock_fprog prog;
};

static struct filter_entry filter_cache[FILTER_CACHE];
static size_t filter_next; /* the slot the next miss replaces */

enum read_outcome {
	READ_COMPLETE,
	READ_SHORT, /* EOF before the end of the message */
	READ_TIMEOUT,
	READ_INVALID, /* a header or framing violation: message in err */
	READ_ERROR,   /* our own read() or allocation failed */
};

struct reader {
	struct child_proc *c;
	uint8_t *buf;
	size_t got, cap;
	struct wire_header hdr;
	size_t hdr_got;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum zygote_state { ZYGOTE_UNSTARTED, ZYGOTE_RUNNING, ZYGOTE_OFF };

static struct {
	enum zygote_state state;
	pid_t pid;
	int sock;
	pid_t owner; /* the process that started it: a fork of ours has none */
} zygote = {.state = ZYGOTE_UNSTARTED, .pid = -1, .sock = -1};

/* A forked copy of this process (modinfo's workers) inherits the state and
 * a copy of the socket, but the zygote's children are the owner's: start
 * afresh, leaving the owner's zygote alone. */
static void zygote_check_owner(void)
{
	if (zygote.state != ZYGOTE_RUNNING || zygote.owner == getpid())
		return;
	closep(&zygote.sock);
	zygote = (typeof(zygote)){.state = ZYGOTE_UNSTARTED, .pid = -1, .sock = -1};
}

static struct zygote_request zreq; /* 8 KiB: not on the stack */

/* Children this process started itself: the zygote is started for the
 * third. One file makes one or two children (modprobe, insmod, modinfo of a
 * file), and for those a zygote would be one more process, not a saving. */
static unsigned int forked_here;
#define ZYGOTE_AFTER 2

static int ms_left(const struct child_proc *c);

int child_zygote_start(void)
{
	int sv[2];

	zygote_check_owner();
	if (zygote.state != ZYGOTE_UNSTARTED)
		return zygote.state == ZYGOTE_RUNNING ? 0 : -ECHILD;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		zygote.state = ZYGOTE_OFF;
		return -errno;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(sv[0]);
		close(sv[1]);
		zygote.state = ZYGOTE_OFF;
		return r;
	}
	if (pid == 0)
		sandbox_zygote_main(sv[1]);
	close(sv[1]);
	zygote.pid = pid;
	zygote.sock = sv[0];
	zygote.owner = getpid();
	zygote.state = ZYGOTE_RUNNING;
	return 0;
}

static void zygote_end(enum zygote_state next, bool force)
{
	zygote_check_owner();
	if (zygote.state == ZYGOTE_RUNNING) {
		closep(&zygote.sock);
		zygote.sock = -1;
		if (force)
			kill(zygote.pid, SIGKILL);
		/* Without its socket the zygote exits at once: reap it. */
		while (waitpid(zygote.pid, NULL, 0) < 0 && errno == EINTR)
			;
		zygote.pid = -1;
	}
	zygote.state = next;
}

void child_zygote_stop(void)
{
	zygote_end(ZYGOTE_UNSTARTED, false);
}

void child_zygote_enable(bool on)
{
	if (!on)
		zygote_end(ZYGOTE_OFF, false);
	else if (zygote.state == ZYGOTE_OFF)
		zygote.state = ZYGOTE_UNSTARTED;
}

pid_t child_zygote_pid(void)
{
	zygote_check_owner();
	return zygote.state == ZYGOTE_RUNNING ? zygote.pid : -1;
}

/* Can the zygote make this child? Its job must be copyable, its ids the
 * default (the zygote already is nobody), its program compiled here. */
static bool zygote_can(const struct sandbox_params *p, const void *arg)
{
	zygote_check_owner();
	if (zygote.state == ZYGOTE_OFF || (arg && !p->arg_len) || p->arg_len > ZYGOTE_ARG_MAX ||
	    p->uid || p->gid || !p->filter || p->filter->len > ZYGOTE_FILTER_MAX)
		return false;
	if (zygote.state == ZYGOTE_UNSTARTED && forked_here < ZYGOTE_AFTER)
		return false;
	return zygote.state == ZYGOTE_RUNNING || child_zygote_start() == 0;
}

static int add_attached(struct zygote_request *rq, int fd)
{
	for (uint32_t i = 0; i < rq->n_attached; i++)
		if (rq->attached[i] == fd)
			return 0;
	if (fd < 0 || rq->n_attached == ZYGOTE_MAX_FDS)
		return -E2BIG;
	rq->attached[rq->n_attached++] = fd;
	return 0;
}

static int zygote_request_fill(const struct sandbox_params *p, sandbox_fn fn, const void *arg,
			       int reply_fd)
{
	struct zygote_request *rq = &zreq;

	if (p->n_in_fds > ZYGOTE_MAX_FDS || p->n_out_fds > ZYGOTE_MAX_FDS)
		return -E2BIG;
	*rq = (struct zygote_request){
		.magic = ZYGOTE_MAGIC,
		.role = p->role,
		.fn = fn,
		.prepare = p->prepare,
		.fsize_limit = p->fsize_limit,
		.as_headroom = p->as_headroom,
		.cpu_seconds = p->cpu_seconds,
		.keep_stderr = p->keep_stderr,
		.parent_pid = getpid(),
		.reply_fd = reply_fd,
		.n_in = (uint32_t)p->n_in_fds,
		.n_out = (uint32_t)p->n_out_fds,
		.arg_len = arg ? (uint32_t)p->arg_len : 0,
		.filter_len = p->filter->len,
	};
	int r = add_attached(rq, reply_fd);
	for (size_t i = 0; r == 0 && i < p->n_in_fds; i++) {
		rq->in_fds[i] = p->in_fds[i];
		r = add_attached(rq, p->in_fds[i]);
	}
	for (size_t i = 0; r == 0 && i < p->n_out_fds; i++) {
		rq->out_fds[i] = p->out_fds[i];
		r = add_attached(rq, p->out_fds[i]);
	}
	if (r == 0 && p->keep_stderr)
		r = add_attached(rq, STDERR_FILENO);
	if (r < 0)
		return r;
	if (rq->arg_len)
		memcpy(rq->arg, arg, rq->arg_len);
	memcpy(rq->filter, p->filter->filter, p->filter->len * sizeof(struct sock_filter));
	return 0;
}

static int zygote_send(void)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * ZYGOTE_MAX_FDS)];
	} ctl;
	size_t fds_len = zreq.n_attached * sizeof(int);
	size_t len = zygote_request_size(zreq.filter_len);
	struct iovec iov = {.iov_base = &zreq, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = CMSG_SPACE(fds_len)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(fds_len);
	memcpy(CMSG_DATA(c), zreq.attached, fds_len);
	do
		n = sendmsg(zygote.sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EPROTO;
}

static int zygote_receive(const struct child_proc *c, pid_t *pid)
{
	struct zygote_answer a;
	ssize_t n;

	for (;;) {
		struct pollfd pfd = {.fd = zygote.sock, .events = POLLIN};
		int k = poll(&pfd, 1, MIN(ms_left(c), ZYGOTE_ANSWER_MS));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -ETIMEDOUT;
		n = recv(zygote.sock, &a, sizeof(a), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		break;
	}
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(a) || a.magic != ZYGOTE_MAGIC)
		return -EPROTO;
	if (a.pid <= 0)
		return a.pid < 0 ? a.pid : -EPROTO;
	/* Ours to wait for and to kill only if it is our child. */
	siginfo_t si;
	if (waitid(P_PID, (id_t)a.pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -EPROTO;
	*pid = a.pid;
	return 0;
}

/* 0 with c->pid set, or -errno: the zygote is then given up. *sent says
 * whether the request reached it: if so, a child may exist that holds this
 * child's descriptors, and the caller must not hand them to another. */
static int zygote_spawn(const struct sandbox_params *p, sandbox_fn fn, void *arg, int reply_fd,
			struct child_proc *c, bool *sent)
{
	int r = zygote_request_fill(p, fn, arg, reply_fd);

	*sent = false;
	if (r < 0)
		return r; /* this child only: fork it */
	r = zygote_send();
	if (r == 0) {
		*sent = true;
		r = zygote_receive(c, &c->pid);
	}
	if (r < 0)
		zygote_end(ZYGOTE_OFF, true);
	return r;
}

static int ms_left(const struct child_proc *c)
{
	uint64_t now = now_ns();
	if (now >= c->deadline_ns)
		return 0;
	/* round up so a poll never returns just before the deadline */
	return (int)((c->deadline_ns - now + 999999) / 1000000);
}

void child_reply_release(struct child_reply *r)
{
	free(r->body);
	*r = (struct child_reply){0};
}

static bool filter_matches(const struct filter_entry *e, const struct sandbox_params *p,
			   int reply_fd)
{
	return e->prog.filter && e->role == p->role && e->n_in == p->n_in_fds &&
	       e->n_out == p->n_out_fds && e->fds[0] == reply_fd &&
	       (!p->n_in_fds || !memcmp(&e->fds[1], p->in_fds, p->n_in_fds * sizeof(int))) &&
	       (!p->n_out_fds ||
		!memcmp(&e->fds[1 + p->n_in_fds], p->out_fds, p->n_out_fds * sizeof(int)));
}

/* The program for p's child with reply_fd, from the cache or compiled into
 * it. Valid until the next call. 0 or -errno. */
static int filter_for(const struct sandbox_params *p, int reply_fd, const struct sock_fprog **out)
{
	for (size_t i = 0; i < FILTER_CACHE; i++)
		if (filter_matches(&filter_cache[i], p, reply_fd)) {
			*out = &filter_cache[i].prog;
			return 0;
		}
	if (p->n_in_fds > FILTER_MAXFD - 1 || p->n_out_fds > FILTER_MAXFD - 1 - p->n_in_fds)
		return -E2BIG;
	struct filter_entry *e = &filter_cache[filter_next];
	filter_next = (filter_next + 1) % FILTER_CACHE;
	sandbox_seccomp_release(&e->prog);
	int r = sandbox_compile_filter(p, reply_fd, &e->prog);
	if (r < 0)
		return r;
	e->role = p->role;
	e->n_in = p->n_in_fds;
	e->n_out = p->n_out_fds;
	e->fds[0] = reply_fd;
	if (p->n_in_fds)
		memcpy(&e->fds[1], p->in_fds, p->n_in_fds * sizeof(int));
	if (p->n_out_fds)
		memcpy(&e->fds[1 + p->n_in_fds], p->out_fds, p->n_out_fds * sizeof(int));
	*out = &e->prog;
	return 0;
}

static void close_pipe(int pfd[2])
{
	close(pfd[0]);
	close(pfd[1]);
}

/* The reply pipe, and the program compiled for its write end. */
static int reply_pipe(const struct sandbox_params *p, int pfd[2], struct sandbox_params *cp)
{
	int r;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	/* Only our end is non-blocking: the child's writes must block on a full
	 * pipe, not fail. */
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) < 0) {
		r = -errno;
		close_pipe(pfd);
		return r;
	}
	r = filter_for(p, pfd[1], &cp->filter);
	if (r < 0)
		close_pipe(pfd);
	return r;
}

int child_start(const struct sandbox_params *p, sandbox_fn fn, void *arg, unsigned int timeout_ms,
		struct child_proc *c)
{
	struct sandbox_params cp = *p;
	int pfd[2], r;

	*c = (struct child_proc){.pid = -1, .pidfd = -1, .reply_fd = -1, .timeout_ms = timeout_ms};
	/* Loaded here, before any fork, so no child (nor the zygote) opens it. */
	if ((r = libcapng_load()) < 0)
		return r;
	if ((r = reply_pipe(p, pfd, &cp)) < 0)
		return r;
	c->deadline_ns = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	if (zygote_can(&cp, arg)) {
		bool sent;
		r = zygote_spawn(&cp, fn, arg, pfd[1], c, &sent);
		if (r == 0) {
			close(pfd[1]);
			c->reply_fd = pfd[0];
			return 0;
		}
		/* A request the zygote took but did not answer may have made a
		 * child. Its reply could only garble ours (refused), its writes
		 * land in bytes that are sealed and parsed again before anything
		 * is decided, so the worst it does is fail this file; a fresh
		 * reply pipe keeps it from doing even that through the reply. */
		if (sent) {
			close_pipe(pfd);
			if ((r = reply_pipe(p, pfd, &cp)) < 0)
				return r;
		}
		/* the child's time starts with the child */
		c->deadline_ns = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	}
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		close_pipe(pfd);
		return r;
	}
	if (pid == 0)
		sandbox_child_main(&cp, pfd[1], fn, arg);
	forked_here++;
	close(pfd[1]);
	c->pid = pid;
	c->reply_fd = pfd[0];
	return 0;
}

/* Opened when first needed: most children have exited by the time their
 * reply's EOF is read, and are reaped without one (a pidfd_open and a close
 * a file saved). The pid cannot be reused meanwhile: it is our child, and
 * unreaped. */
int child_pidfd(struct child_proc *c)
{
	if (c->pidfd < 0 && c->pid > 0 && !c->pidfd_tried) {
		c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
		c->pidfd_tried = true;
	}
	return c->pidfd;
}

/* Read into dst until `want` bytes arrived, EOF, or the deadline. The
 * descriptor is non-blocking: a read comes first and poll() only when it
 * finds nothing, so what has arrived (the body after its header, the EOF
 * after the body: one write and one exit) costs no poll. */
static enum read_outcome read_upto(struct child_proc *c, uint8_t *dst, size_t want, size_t *got)
{
	while (*got < want) {
		ssize_t k = read(c->reply_fd, dst + *got, want - *got);
		if (k > 0) {
			*got += (size_t)k;
			continue;
		}
		if (k == 0)
			return READ_SHORT;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return READ_ERROR;
		struct pollfd pfd = {.fd = c->reply_fd, .events = POLLIN};
		int n = poll(&pfd, 1, ms_left(c));
		if (n < 0 && errno != EINTR)
			return READ_ERROR;
		if (n == 0)
			return READ_TIMEOUT;
	}
	return READ_COMPLETE;
}

static enum read_outcome read_body(struct reader *rd, struct strbuf *err)
{
	size_t want = rd->hdr.len;

	while (rd->got < want) {
		if (rd->got == rd->cap) {
			/* Grow with what arrives, never to the announced length at once. */
			size_t ncap = MIN(want, MAX(rd->cap * 2, (size_t)READ_GROW_MIN));
			uint8_t *nb = realloc(rd->buf, ncap);
			if (!nb) {
				strbuf_appendf(err, "out of memory reading a %zu-byte reply", want);
				return READ_ERROR;
			}
			rd->buf = nb;
			rd->cap = ncap;
		}
		enum read_outcome o = read_upto(rd->c, rd->buf, rd->cap, &rd->got);
		if (o != READ_COMPLETE)
			return o;
	}
	return READ_COMPLETE;
}

static enum read_outcome read_message(struct reader *rd, struct strbuf *err)
{
	enum read_outcome o = read_upto(rd->c, (uint8_t *)&rd->hdr, sizeof(rd->hdr), &rd->hdr_got);
	if (o != READ_COMPLETE)
		return o;
	if (rd->hdr.magic != WIRE_MAGIC) {
		strbuf_appendf(err, "invalid reply: bad magic 0x%08x", rd->hdr.magic);
		return READ_INVALID;
	}
	if (rd->hdr.len > WIRE_MAX_MESSAGE) {
		strbuf_appendf(err, "invalid reply: message length %u exceeds the cap of %u bytes",
			       rd->hdr.len, WIRE_MAX_MESSAGE);
		return READ_INVALID;
	}
	o = read_body(rd, err);
	if (o != READ_COMPLETE)
		return o;
	/* The message must be the last thing the child writes. */
	uint8_t extra;
	size_t n = 0;
	o = read_upto(rd->c, &extra, 1, &n);
	if (o == READ_SHORT)
		return READ_COMPLETE;
	if (o == READ_COMPLETE) {
		strbuf_append_str(err, "invalid reply: bytes after the message");
		return READ_INVALID;
	}
	return o;
}

/* Wait for the child's exit until the deadline; past it, SIGKILL. */
static int reap(struct child_proc *c, int *status, bool *timed_out)
{
	*timed_out = false;
	for (;;) {
		pid_t w = waitpid(c->pid, status, WNOHANG);
		if (w == c->pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		int left = ms_left(c);
		if (left == 0)
			break;
		if (child_pidfd(c) >= 0) {
			struct pollfd pfd = {.fd = c->pidfd, .events = POLLIN};
			(void)poll(&pfd, 1, left);
		} else {
			struct timespec ts = {0, 1000000}; /* no pidfd: poll every ms */
			nanosleep(&ts, NULL);
		}
	}
	*timed_out = true;
	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void child_close(struct child_proc *c)
{
	closep(&c->reply_fd);
	closep(&c->pidfd);
	c->reply_fd = c->pidfd = -1;
	c->pid = -1;
}

static int explain_status(int status, struct strbuf *err)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);
		strbuf_appendf(err, "child killed by signal %d (SIG%s)", sig,
			       abbrev ? abbrev : "?");
		return -ECHILD;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		int code = WEXITSTATUS(status);
		const char *why = sandbox_exit_reason(code);
		if (why)
			strbuf_appendf(err, "child exited with status %d (%s)", code, why);
		else
			strbuf_appendf(err, "child exited with status %d", code);
		return -ECHILD;
	}
	return 0;
}

/* Order matters: a kill at the deadline explains everything; a reply we
 * found invalid is the cause of our SIGKILL; otherwise how the child ended
 * comes before what it managed to write. */
static int judge(struct reader *rd, enum read_outcome o, int status, bool timed_out,
		 struct strbuf *err)
{
	if (o == READ_INVALID || o == READ_ERROR)
		return -EPROTO;
	if (o == READ_TIMEOUT || timed_out) {
		strbuf_appendf(err, "child timed out after %u ms and was killed",
			       rd->c->timeout_ms);
		return -ETIMEDOUT;
	}
	int r = explain_status(status, err);
	if (r < 0)
		return r;
	if (o == READ_SHORT) {
		if (rd->hdr_got == 0)
			strbuf_append_str(err, "child exited without a reply");
		else if (rd->hdr_got < sizeof(rd->hdr))
			strbuf_appendf(err, "incomplete reply: %zu of %zu header bytes",
				       rd->hdr_got, sizeof(rd->hdr));
		else
			strbuf_appendf(err, "incomplete reply: %zu of %u message bytes", rd->got,
				       rd->hdr.len);
		return -EPROTO;
	}
	return 0;
}

int child_finish(struct child_proc *c, struct child_reply *out, struct strbuf *err)
{
	struct reader rd = {.c = c};
	int status = 0, r;
	bool timed_out;

	*out = (struct child_reply){0};
	strbuf_clear(err);
	enum read_outcome o = read_message(&rd, err);
	if (o == READ_ERROR && err->len == 0)
		strbuf_appendf(err, "cannot read the child's reply: %s", strerror(errno));
	if (o == READ_INVALID || o == READ_ERROR)
		kill(c->pid, SIGKILL); /* nothing it says from here on counts */
	r = reap(c, &status, &timed_out);
	if (r < 0) {
		strbuf_clear(err);
		strbuf_appendf(err, "cannot reap the child: %s", strerror(-r));
	} else {
		r = judge(&rd, o, status, timed_out, err);
	}
	if (r == 0)
		r = reply_check(rd.hdr.type, rd.buf, rd.got, err);
	child_close(c);
	if (r < 0) {
		free(rd.buf);
		return r;
	}
	*out = (struct child_reply){.type = rd.hdr.type, .body = rd.buf, .len = rd.got};
	return 0;
}

int child_run_and_read(const struct sandbox_params *p, sandbox_fn fn, void *arg,
		       unsigned int timeout_ms, struct child_reply *out, struct strbuf *err)
{
	struct child_proc c;
	int r = child_start(p, fn, arg, timeout_ms, &c);

	*out = (struct child_reply){0};
	if (r < 0) {
		strbuf_clear(err);
		strbuf_appendf(err, "cannot start a sandboxed child: %s", strerror(-r));
		return r;
	}
	return child_finish(&c, out, err);
}
