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
