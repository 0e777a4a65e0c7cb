// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the VM scenarios need and busybox lacks, built on the host by
 * stage.sh and run in the guest as /usr/bin/vm-helper:
 *
 *   vm-helper now                      CLOCK_MONOTONIC in nanoseconds
 *   vm-helper socket FAMILY TYPE PROTO  one socket(2); prints 0 or the errno
 *                                      name (an absent family makes the
 *                                      kernel ask for "net-pf-FAMILY...")
 *   vm-helper sockets N SPEC...        N processes at once, process i asking
 *                                      for SPEC[i % count] (FAMILY:TYPE:PROTO);
 *                                      prints how many ended in each errno
 *   vm-helper setsid CMD...            run CMD in a new session, orphaned
 *                                      (its parent exits: it is reparented
 *                                      to PID 1, as a service's child is)
 *
 * Test code only: never part of modgate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int one_socket(const char *spec)
{
	int family, type, proto;
	if (sscanf(spec, "%d:%d:%d", &family, &type, &proto) != 3)
		return EINVAL;
	int fd = socket(family, type, proto);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int many(int n, char **specs, int nspecs)
{
	int counts[256] = {0};
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(one_socket(specs[i % nspecs]) & 0xff);
		if (pid < 0)
			return 1;
	}
	for (int status; wait(&status) > 0;)
		counts[WIFEXITED(status) ? WEXITSTATUS(status) : 255]++;
	for (int e = 0; e < 256; e++)
		if (counts[e])
			printf("%d %s\n", counts[e], e ? strerror(e) : "ok");
	return 0;
}

static int orphan(char **argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0) {
		int status;
		waitpid(pid, &status, 0);
		return 0;
	}
	/* the middle process exits at once: the grandchild's parent is PID 1 */
	if (fork() != 0)
		_exit(0);
	setsid();
	execvp(argv[0], argv);
	_exit(127);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "now")) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "socket")) {
		char spec[64];
		snprintf(spec, sizeof(spec), "%s:%s:%s", argv[2], argv[3], argv[4]);
		int e = one_socket(spec);
		printf("%s\n", e ? strerror(e) : "ok");
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "sockets"))
		return many(atoi(argv[2]), argv + 3, argc - 3);
	if (argc >= 3 && !strcmp(argv[1], "setsid"))
		return orphan(argv + 2);
	fprintf(stderr,
		"usage: vm-helper now | socket F T P | sockets N F:T:P... | setsid CMD...\n");
	return 2;
}
