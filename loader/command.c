// SPDX-License-Identifier: LGPL-2.1-or-later
/* install/remove commands (see command.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macros.h"
#include "common/strbuf.h"
#include "loader/command.h"

#define CMDLINE_OPTS_VAR "$CMDLINE_OPTS"

char *command_substitute(const char *cmd, const char *opts)
{
	struct strbuf sb = STRBUF_INIT;
	const size_t vl = strlen(CMDLINE_OPTS_VAR);
	int r = 0;
	if (!opts)
		opts = "";
	/* kmod rescans the result from its start after each replacement, so
	 * options that themselves spell $CMDLINE_OPTS would loop forever there;
	 * replacing left to right in one pass gives the same text otherwise */
	for (const char *p = cmd, *hit; r == 0; p = hit + vl) {
		hit = strstr(p, CMDLINE_OPTS_VAR);
		if (!hit) {
			r = strbuf_append_str(&sb, p);
			break;
		}
		r = strbuf_append(&sb, p, (size_t)(hit - p));
		if (r == 0)
			r = strbuf_append_str(&sb, opts);
	}
	if (r < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_steal(&sb);
}

int command_run(const char *cmd, const char *modname)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigset_t block, old_mask;
	int status, r;

	/* as system(3): the caller ignores SIGINT/SIGQUIT while the shell runs
	 * (the terminal's ^C goes to the command) and keeps SIGCHLD for itself */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);

	pid_t pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		if (setenv("MODPROBE_MODULE", modname, 1) == 0)
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		r = -errno;
	} else {
		while ((r = (int)waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		if (r < 0)
			r = -errno;
		else if (WIFEXITED(status))
			r = WEXITSTATUS(status);
		else
			r = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return r;
}
