// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * install and remove commands of modprobe.d through the gate: arbitrary root
 * shell, so they run only when a rule allows op=install/op=remove for that
 * command text, and then never with the caller's environment (LD_PRELOAD,
 * BASH_ENV, IFS ... would be root's too): a fixed PATH and HOME, the module
 * (MODPROBE_MODULE, as kmod sets it), modprobe's re-exported options
 * (MODPROBE_OPTIONS: modules and modprobe.d only, never trust), and the
 * context, so a modprobe the command runs stays in it (loader/context.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macros.h"
#include "loader/gate-internal.h"
#include "loader/transaction.h"

#define GATE_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

struct command_env {
	char *v[7];
	char *own[4];
};

static int command_env(struct command_env *e, const char *modname)
{
	const char *opts = getenv("MODPROBE_OPTIONS");
	size_t n = 0;

	*e = (struct command_env){0};
	e->v[n++] = (char *)GATE_PATH;
	e->v[n++] = (char *)"HOME=/";
	if (asprintf(&e->own[0], "MODPROBE_MODULE=%s", modname) < 0 ||
	    asprintf(&e->own[1], "%s=%s", GATE_CONTEXT_ENV, context_name(gate_context()->context)) <
		    0) {
		e->own[0] = e->own[1] = NULL;
		return -ENOMEM;
	}
	e->v[n++] = e->own[0];
	e->v[n++] = e->own[1];
	if (opts) {
		if (asprintf(&e->own[2], "MODPROBE_OPTIONS=%s", opts) < 0) {
			e->own[2] = NULL;
			return -ENOMEM;
		}
		e->v[n++] = e->own[2];
	}
	/* the test binaries' fixture root (gate_config_root() is NULL in the
	 * installed binary, whose commands never see this variable) */
	if (gate_config_root()) {
		if (asprintf(&e->own[3], "MODGATE_FAKE_ROOT=%s", gate_config_root()) < 0) {
			e->own[3] = NULL;
			return -ENOMEM;
		}
		e->v[n++] = e->own[3];
	}
	e->v[n] = NULL;
	return 0;
}

static void command_env_free(struct command_env *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(e->own); i++)
		free(e->own[i]);
}

/* As system(3) waits for its shell, with the environment above. */
static int spawn_shell(const char *cmd, char *const *env)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigset_t block, old_mask;
	int status, r;

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
		char *const argv[] = {(char *)"sh", (char *)"-c", (char *)cmd, NULL};
		execve("/bin/sh", argv, env);
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

int gate_command_run(struct gate_item *it)
{
	struct command_env env;
	char note[64];
	int r = command_env(&env, it->name);
	if (r == 0)
		r = spawn_shell(it->command, env.v);
	command_env_free(&env);
	if (r >= 0)
		snprintf(note, sizeof(note), "exit status %d", r);
	gate_record_result_note(it, r < 0 ? r : 0, r >= 0 ? note : NULL);
	if (it->warn.len)
		gate_say(4, "%s\n", it->warn.buf);
	return r;
}

int gate_command(enum policy_op op, const char *name, const char *cmd, const char *requested)
{
	struct gate_request rq;
	struct gate_item it;
	int r;

	gate_request_init(&rq, requested ? requested : name);
	gate_item_init(&it, &rq, name, op);
	it.command = cmd;
	r = gate_decide(&it);
	if (it.warn.len)
		gate_say(4, "%s\n", it.warn.buf);
	if (r == -ENOMEM || !it.proceed) {
		gate_say(3, "%s command '%s' for module %s denied: %s\n",
			 op == POLICY_OP_REMOVE ? "remove" : "install", cmd, name, it.why.buf);
		gate_item_release(&it);
		return -EPERM;
	}
	strbuf_clear(&it.warn);
	r = gate_command_run(&it);
	gate_item_release(&it);
	return r;
}
