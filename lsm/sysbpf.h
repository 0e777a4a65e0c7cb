/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few bpf(2) commands the gate needs to talk to the pinned program, as
 * direct system calls: a modgate built without the BPF toolchain (no clang,
 * libbpf or bpftool) still registers its loads with a program that another
 * build attached, and the load path does not pay for libbpf.
 *
 * Every function returns 0 (or an fd) or -errno.
 */
#pragma once

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

int sysbpf_obj_get(const char *path);
int sysbpf_map_lookup(int fd, const void *key, void *value);
int sysbpf_map_update(int fd, const void *key, const void *value, uint64_t flags);
int sysbpf_map_delete(int fd, const void *key);
/* key NULL: the first key. -ENOENT after the last. */
int sysbpf_map_next_key(int fd, const void *key, void *next);
int sysbpf_obj_info(int fd, void *info, uint32_t *len);
/* Walk the kernel's link and program ids (CAP_SYS_ADMIN). */
int sysbpf_link_next_id(uint32_t id, uint32_t *next);
int sysbpf_prog_next_id(uint32_t id, uint32_t *next);
int sysbpf_link_fd_by_id(uint32_t id);
int sysbpf_prog_fd_by_id(uint32_t id);
