// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel side of the gate: a BPF LSM program.
 *
 *  - kernel_read_file / kernel_post_read_file (READING_MODULE), i.e.
 *    finit_module: only a file the gate registered in mg_files for this load,
 *    by the process that registered it, may be read as a module. The entry is
 *    consumed once the kernel has read the bytes, so one registration is one
 *    load.
 *  - kernel_load_data (LOADING_MODULE), i.e. init_module: always refused. The
 *    gate never uses it (it loads the sealed memfd it verified).
 *  - kernel_module_request: runs in the requesting task before the usermode
 *    helper starts; records who asked in mg_requests (the gate's autoload
 *    helper reads it) and refuses autoloads from non-initial user namespaces
 *    when so configured.
 *
 * Without LSM_CFG_ENFORCE (the gate's permissive mode) every refusal becomes
 * a "would refuse" count and the operation proceeds, as the gate itself does.
 *
 * Licence: the kernel runs LSM programs only under a GPL-compatible licence
 * string, and LGPL-2.1 permits distributing this file under the GPL (its
 * section 3), which is what the object's "GPL" declares.
 */
#include <linux/bpf.h>

#include "kernel-types.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LSM_FILES_MAX);
	__type(key, struct lsm_file_key);
	__type(value, struct lsm_file_val);
} mg_files SEC(".maps");

/* LRU: an unprivileged user can make the kernel request modules at will; the
 * oldest records go, the map never fills. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LSM_REQUESTS_MAX);
	__type(key, struct lsm_req_key);
	__type(value, struct lsm_req_val);
} mg_requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LSM_CNT_MAX);
	__type(key, __u32);
	__type(value, struct lsm_counter_val);
} mg_counters SEC(".maps");

/* Userspace's own: what the gate folded into its trail (abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LSM_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} mg_reported SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lsm_config);
} mg_config SEC(".maps");

/* Userspace writes the flags before it attaches anything; an unreadable
 * config (cannot happen for an array) counts as enforcing. */
static __always_inline __u32 config_flags(void)
{
	__u32 zero = 0;
	struct lsm_config *c = bpf_map_lookup_elem(&mg_config, &zero);
	return c ? c->flags : LSM_CFG_ENFORCE;
}

static __always_inline void count(__u32 idx, const char *name)
{
	struct lsm_counter_val *c = bpf_map_lookup_elem(&mg_counters, &idx);
	if (!c)
		return;
	__sync_fetch_and_add(&c->count, 1);
	c->last_ns = bpf_ktime_get_ns();
	c->last_uid = (__u32)bpf_get_current_uid_gid();
	c->last_pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(c->last_comm, sizeof(c->last_comm));
	if (name)
		__builtin_memcpy(c->last_name, name, LSM_NAME_MAX);
	else
		c->last_name[0] = '\0';
}

/* Refuse, or in permissive mode count what would have been refused. */
static __always_inline int refuse(__u32 refused, __u32 would, const char *name)
{
	if (config_flags() & LSM_CFG_ENFORCE) {
		count(refused, name);
		return -EPERM;
	}
	count(would, name);
	return 0;
}

static __always_inline void file_key(struct file *file, struct lsm_file_key *k)
{
	k->ino = BPF_CORE_READ(file, f_inode, i_ino);
	k->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	k->pad = 0;
}

/* Is the current task in the process that registered the file? Its tgid as
 * seen in the registrant's own pid namespace; -EINVAL from the helper means
 * the current task is not even in that namespace. */
static __always_inline bool registrant(const struct lsm_file_val *v)
{
	struct bpf_pidns_info ns = {};
	if (bpf_get_ns_current_pid_tgid(v->pidns_dev, v->pidns_ino, &ns, sizeof(ns)))
		return false;
	return ns.tgid == v->tgid;
}

SEC("lsm/kernel_read_file")
int BPF_PROG(mg_read_file, struct file *file, enum kernel_read_file_id id, bool contents, int ret)
{
	struct lsm_file_key k;

	if (ret)
		return ret;
	if (id != bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE))
		return 0;
	file_key(file, &k);
	struct lsm_file_val *v = bpf_map_lookup_elem(&mg_files, &k);
	if (v && registrant(v))
		return 0;
	return refuse(LSM_CNT_FILE_REFUSED, LSM_CNT_FILE_WOULD_REFUSE, NULL);
}

/* The bytes are read: consume the registration, so a second finit_module of
 * the same memfd (even by the gate) needs a new one. A missing entry here
 * means it went between the two hooks: refuse (not counted twice in
 * permissive mode, the first hook already did). */
SEC("lsm/kernel_post_read_file")
int BPF_PROG(mg_post_read, struct file *file, char *buf, loff_t size, enum kernel_read_file_id id,
	     int ret)
{
	struct lsm_file_key k;

	if (ret)
		return ret;
	if (id != bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE))
		return 0;
	file_key(file, &k);
	struct lsm_file_val *v = bpf_map_lookup_elem(&mg_files, &k);
	if (v && registrant(v) && bpf_map_delete_elem(&mg_files, &k) == 0) {
		count(LSM_CNT_FILE_ALLOWED, NULL);
		return 0;
	}
	if (config_flags() & LSM_CFG_ENFORCE) {
		count(LSM_CNT_FILE_REFUSED, NULL);
		return -EPERM;
	}
	return 0;
}

SEC("lsm/kernel_load_data")
int BPF_PROG(mg_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret)
		return ret;
	if (id != bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE))
		return 0;
	return refuse(LSM_CNT_DATA_REFUSED, LSM_CNT_DATA_WOULD_REFUSE, NULL);
}

static __always_inline void requester_fill(struct lsm_req_val *r, bool other, __u64 now)
{
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->last_ns = now;
	if (other)
		__sync_fetch_and_or(&r->flags, LSM_REQ_USERNS_OTHER);
}

/* Merge into a record of the same name made inside the window, in place (so
 * concurrent requesters only ever add flags). The record speaks for the most
 * restricted requester: one from a non-initial user namespace is never
 * overwritten by one from the initial namespace, and MIXED says there were
 * several. */
static __always_inline void requester_merge(struct lsm_req_val *r, bool other, __u64 now)
{
	bool was_other = r->flags & LSM_REQ_USERNS_OTHER;
	__u32 uid = (__u32)bpf_get_current_uid_gid();

	__sync_fetch_and_add(&r->count, 1);
	if (was_other != other || r->uid != uid || r->cgroup_id != bpf_get_current_cgroup_id())
		__sync_fetch_and_or(&r->flags, LSM_REQ_MIXED);
	if (was_other && !other) {
		r->last_ns = now;
		return;
	}
	requester_fill(r, other, now);
}

static __always_inline void requester_record(const struct lsm_req_key *k, bool other)
{
	__u64 now = bpf_ktime_get_ns();
	struct lsm_req_val *r = bpf_map_lookup_elem(&mg_requests, k);

	if (r && now - r->last_ns < LSM_REQ_WINDOW_NS) {
		requester_merge(r, other, now);
		return;
	}
	struct lsm_req_val fresh = {.first_ns = now, .count = 1};
	requester_fill(&fresh, other, now);
	bpf_map_update_elem(&mg_requests, k, &fresh, BPF_ANY);
}

SEC("lsm/kernel_module_request")
int BPF_PROG(mg_mod_request, char *kmod_name, int ret)
{
	struct lsm_req_key k = {};
	struct task_struct *task = bpf_get_current_task_btf();

	if (ret)
		return ret;
	bpf_probe_read_kernel_str(k.name, sizeof(k.name), kmod_name);
	count(LSM_CNT_REQUESTS, k.name);
	bool other = BPF_CORE_READ(task, cred, user_ns, level) != 0;
	requester_record(&k, other);
	if (!other || !(config_flags() & LSM_CFG_REFUSE_USERNS))
		return 0;
	int r = refuse(LSM_CNT_USERNS_REFUSED, LSM_CNT_USERNS_WOULD_REFUSE, k.name);
	if (r) {
		struct lsm_req_val *v = bpf_map_lookup_elem(&mg_requests, &k);
		if (v)
			__sync_fetch_and_or(&v->flags, LSM_REQ_REFUSED);
	}
	return r;
}
