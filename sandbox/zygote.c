// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The zygote's side (protocol and reasons in sandbox/zygote.h). It runs as
 * nobody with no capabilities, non-dumpable, no_new_privs, and without a
 * seccomp filter: it must clone and receive descriptors. It reads nothing
 * but the parent's requests, which it still checks (counts, sizes, the
 * descriptors actually attached) so a broken request costs one refused
 * child, never a child with the wrong descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/decode.h"
#include "sandbox/zygote-maps.h"
#include "sandbox/zygote.h"

/* One request at a time; static so the child's copy stays valid after the
 * clone without a copy of its own. */
static struct zygote_request req;

static void close_all(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

static bool request_valid(size_t got, size_t n_fds)
{
	if (got < offsetof(struct zygote_request, filter) || req.magic != ZYGOTE_MAGIC || !req.fn ||
	    req.n_attached != n_fds || req.n_attached > ZYGOTE_MAX_FDS ||
	    req.n_in > ZYGOTE_MAX_FDS || req.n_out > ZYGOTE_MAX_FDS ||
	    req.arg_len > ZYGOTE_ARG_MAX || req.filter_len == 0 ||
	    req.filter_len > ZYGOTE_FILTER_MAX || got != zygote_request_size(req.filter_len) ||
	    req.reply_fd < 0 || req.parent_pid <= 0)
		return false;
	for (size_t i = 0; i < req.n_attached; i++) {
		if (req.attached[i] < 0)
			return false;
		for (size_t j = 0; j < i; j++)
			if (req.attached[j] == req.attached[i])
				return false;
	}
	return true;
}

/* 1: a valid request in req, its descriptors in fds; 0: the parent closed
 * its end, or the socket failed, which ends the zygote the same way;
 * -EBADMSG: a request refused (its descriptors already closed). */
static int receive(int sock, int *fds, size_t *n_fds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * ZYGOTE_MAX_FDS)];
	} ctl;
	struct iovec iov = {.iov_base = &req, .iov_len = sizeof(req)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf)};
	ssize_t n;

	*n_fds = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (*n_fds < ZYGOTE_MAX_FDS)
				fds[(*n_fds)++] = fd;
			else
				close(fd);
		}
	}
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || !request_valid((size_t)n, *n_fds)) {
		close_all(fds, *n_fds);
		*n_fds = 0;
		return -EBADMSG;
	}
	return 1;
}

/* Give each descriptor the number it has in the parent: first all above
 * every number involved, then each onto its own, so no move clobbers a
 * descriptor still to be moved. What is left over, the zygote's socket
 * among it, is closed by sandbox_enter_spawned. */
static int place_fds(const int *got, size_t n)
{
	int high[ZYGOTE_MAX_FDS];
	int base = 0;

	for (size_t i = 0; i < n; i++)
		base = MAX(base, MAX(got[i], req.attached[i]));
	for (size_t i = 0; i < n; i++) {
		high[i] = fcntl(got[i], F_DUPFD_CLOEXEC, base + 1);
		if (high[i] < 0)
			return -errno;
	}
	for (size_t i = 0; i < n; i++)
		if (dup2(high[i], req.attached[i]) < 0)
			return -errno;
	return 0;
}

static _noreturn_ void run_child(const int *got, size_t n)
{
	struct sock_fprog prog = {.len = (unsigned short)req.filter_len, .filter = req.filter};
	struct sandbox_params p = {
		.role = (enum sandbox_role)req.role,
		.in_fds = req.in_fds,
		.n_in_fds = req.n_in,
		.out_fds = req.out_fds,
		.n_out_fds = req.n_out,
		.fsize_limit = req.fsize_limit,
		.as_headroom = req.as_headroom,
		.cpu_seconds = req.cpu_seconds,
		.prepare = req.prepare,
		.keep_stderr = req.keep_stderr != 0,
		.arg_len = req.arg_len,
		.filter = &prog,
	};
	void *arg = req.arg_len ? req.arg : NULL;
	int code = place_fds(got, n) < 0
			   ? SANDBOX_EXIT_FDS
			   : sandbox_enter_spawned(&p, req.reply_fd, arg, (pid_t)req.parent_pid);

	if (code == 0)
		code = req.fn(arg, req.reply_fd) == 0 ? 0 : SANDBOX_EXIT_FN;
	_exit(code);
}

/* A fork whose child is our parent's child. clone3 is the same on every
 * architecture; clone's argument order is not (s390 swaps the first two),
 * and clone3 may be filtered to ENOSYS by a container's seccomp profile.
 * With CLONE_PARENT the child's exit signal is ours (SIGCHLD, from the
 * parent's fork): clone3 wants 0 there, clone ignores what it is given. */
static pid_t clone_sibling(void)
{
	struct clone_args ca = {.flags = CLONE_PARENT};
	long pid = syscall(SYS_clone3, &ca, sizeof(ca));

	if (pid < 0 && errno == ENOSYS) {
#if defined(__s390__) || defined(__s390x__)
		pid = syscall(SYS_clone, 0, CLONE_PARENT | SIGCHLD, NULL, NULL, 0);
#else
		pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
#endif
	}
	return pid < 0 ? -errno : (pid_t)pid;
}

void sandbox_zygote_main(int sock)
{
	/* OpenSSL's tables are our constant data, set up once for every child
	 * that parses signatures (sandbox_parse_prepare then returns at once). */
	int code = sandbox_enter_once(sock);
	if (code == 0 && decode_crypto_init() < 0)
		code = SANDBOX_EXIT_PREPARE;
	if (code != 0)
		_exit(code);
	/* No fastbins from here on: a child's first large malloc would
	 * otherwise consolidate the ones it inherited, writing (and so copying)
	 * a dozen heap pages shared with us. */
	(void)mallopt(M_MXFAST, 0);
	zygote_relro_to_sealed_files();
	sandbox_zygote_ready();
	for (unsigned int made = 0;; made++) {
		int fds[ZYGOTE_MAX_FDS];
		size_t n;
		struct zygote_answer a = {.magic = ZYGOTE_MAGIC};
		int r = receive(sock, fds, &n);

		if (r == 0)
			_exit(0);
		if (r < 0) {
			a.pid = r;
		} else {
			pid_t pid = clone_sibling();
			if (pid == 0)
				run_child(fds, n);
			a.pid = pid;
			close_all(fds, n);
		}
		if (send(sock, &a, sizeof(a), MSG_NOSIGNAL) != (ssize_t)sizeof(a))
			_exit(0);
		/* Between two requests, so no child waits for it; the mappings
		 * keep their addresses and sizes, so the size the children take
		 * at birth stays right (and is taken again all the same). */
		if (made == ZYGOTE_HUGE_AFTER && zygote_image_to_huge_pages())
			sandbox_zygote_ready();
	}
}
