/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libbpf, opened by `modgate lsm enable` only (common/dlopen.h): the gate and
 * `modgate lsm status/disable` talk to the attached program with plain bpf(2)
 * (sysbpf.c), so no other process maps libbpf and its libelf. */
#pragma once

#include <bpf/libbpf.h>

#include "common/dlopen.h"

/* What enable.c calls, and what the inline functions of the skeleton bpftool
 * generates call (enable.c points those names at this table). */
#define LIBBPF_FUNCTIONS(X, t)                                                                     \
	X(t, libbpf_set_print)                                                                     \
	X(t, bpf_map__update_elem)                                                                 \
	X(t, bpf_map__pin)                                                                         \
	X(t, bpf_program__attach_lsm)                                                              \
	X(t, bpf_link__pin)                                                                        \
	X(t, bpf_link__destroy)                                                                    \
	X(t, bpf_object__open_skeleton)                                                            \
	X(t, bpf_object__load_skeleton)                                                            \
	X(t, bpf_object__attach_skeleton)                                                          \
	X(t, bpf_object__detach_skeleton)                                                          \
	X(t, bpf_object__destroy_skeleton)

/* libbpf.<function> is valid once libbpf_load() returned 0; that is 0 or
 * -ELIBACC (reported once: the library or a symbol is missing). */
DL_API(libbpf, LIBBPF_FUNCTIONS);
