/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * install/remove commands from modprobe.d: arbitrary root shell, run as kmod
 * runs them (/bin/sh -c, the caller's environment plus MODPROBE_MODULE).
 * The gate (issue 9) puts a policy decision in front of every run.
 */
#pragma once

/* $CMDLINE_OPTS replaced by opts (NULL: empty), every occurrence, as kmod
 * does; NULL on allocation failure. */
char *command_substitute(const char *cmd, const char *opts);

/* Run cmd with MODPROBE_MODULE=modname. Returns the command's exit status
 * (0..255), 128 + signal number for a command killed by a signal (kmod
 * would call that success: modgate does not), or -errno when it could not
 * be started. */
int command_run(const char *cmd, const char *modname);
