/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few kernel types the BPF program reads, written by hand instead of a
 * generated vmlinux.h (lsm/README.md says why).
 *
 * Every struct carries preserve_access_index: clang records each field access
 * as a CO-RE relocation by name, and libbpf resolves it against the running
 * kernel's BTF (/sys/kernel/btf/vmlinux) at load time. Only the fields named
 * here need to exist, under these names and compatible types, in the target
 * kernel; their offsets and the structs' other members do not matter. The
 * enum values are looked up the same way (bpf_core_enum_value).
 */
#pragma once

/* uapi <linux/bpf.h> (with <linux/types.h>) comes first: __u32, the map types,
 * BPF_ANY, struct bpf_pidns_info. */
typedef _Bool bool;
typedef __u32 dev_t;
typedef long long loff_t;

#define true 1
#define false 0

#define EPERM  1
#define ENOENT 2

struct super_block {
	dev_t s_dev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct user_namespace {
	int level; /* 0 for init_user_ns only: each child is its parent's level + 1 */
} __attribute__((preserve_access_index));

struct cred {
	struct user_namespace *user_ns;
} __attribute__((preserve_access_index));

struct task_struct {
	const struct cred *cred;
} __attribute__((preserve_access_index));

/* The names matter, the values are relocated (and the same on 6.1 and 6.12). */
enum kernel_read_file_id {
	READING_MODULE = 2,
};

enum kernel_load_data_id {
	LOADING_MODULE = 2,
};
