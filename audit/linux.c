// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit/libaudit-dl.h"
#include "audit/linux.h"
#include "audit/record.h"
#include "common/strbuf.h"

/* Untrusted values are cut here before hex encoding doubles them: the
 * kernel takes at most MAX_AUDIT_MESSAGE_LENGTH bytes and libaudit silently
 * truncates. The full value is in the trail, found by trail_seq. */
#define LINUX_FIELD_MAX 160

enum linux_audit_state linux_audit_probe(void)
{
	if (libaudit_load() < 0)
		return LINUX_AUDIT_NO_LIBRARY;
	int fd = libaudit.audit_open();
	int r;

	if (fd < 0)
		return errno == EPROTONOSUPPORT || errno == EAFNOSUPPORT || errno == EINVAL
			       ? LINUX_AUDIT_NO_KERNEL
			       : LINUX_AUDIT_ERROR;
	r = libaudit.audit_is_enabled(fd);
	libaudit.audit_close(fd);
	if (r > 0)
		return LINUX_AUDIT_ENABLED;
	if (r == 0)
		return LINUX_AUDIT_DISABLED;
	/* The kernel refuses audit netlink outside the initial user
	 * namespace with ECONNREFUSED. */
	if (errno == ECONNREFUSED)
		return LINUX_AUDIT_NOT_INIT_NS;
	if (errno == EPERM || errno == EACCES)
		return LINUX_AUDIT_NO_PERMISSION;
	return LINUX_AUDIT_ERROR;
}

const char *linux_audit_state_str(enum linux_audit_state s)
{
	switch (s) {
	case LINUX_AUDIT_ENABLED:
		return "enabled";
	case LINUX_AUDIT_DISABLED:
		return "disabled in the kernel (auditctl -e 0): records are dropped";
	case LINUX_AUDIT_NO_KERNEL:
		return "not available: the kernel has no audit support";
	case LINUX_AUDIT_NOT_INIT_NS:
		return "not available: not in the initial user namespace";
	case LINUX_AUDIT_NO_PERMISSION:
		return "not available: no permission (CAP_AUDIT_WRITE, CAP_AUDIT_CONTROL)";
	case LINUX_AUDIT_NO_LIBRARY:
		return "not available: libaudit could not be loaded";
	default:
		return "unknown: the kernel did not answer";
	}
}

int linux_audit_type(enum audit_event_type t)
{
	switch (t) {
	case AUDIT_EV_SETTINGS_LOAD:
	case AUDIT_EV_POLICY_LOAD:
	case AUDIT_EV_POLICY_REFUSAL:
		return AUDIT_USER_MAC_POLICY_LOAD;
	case AUDIT_EV_MODE_CHANGE:
	case AUDIT_EV_CMDLINE_OVERRIDE:
		return AUDIT_USER_MAC_STATUS;
	default:
		return AUDIT_TRUSTED_APP;
	}
}

bool linux_audit_res(const struct audit_event *ev)
{
	switch (ev->type) {
	case AUDIT_EV_DECISION:
		return streq(ev->decision, "allow") || streq(ev->decision, "would-deny");
	case AUDIT_EV_RESULT:
		return ev->has_result && ev->result_errno == 0;
	case AUDIT_EV_POLICY_REFUSAL:
	case AUDIT_EV_FLOOD:
		return false;
	default:
		return true;
	}
}

/* ausearch finds its search keys in user records with strstr(), in order:
 * the kernel's pid, uid, auid, ses in the header, then the first "uid=" after
 * them (the acting user, as in USER_LOGIN records), "exe=", "res=" and a few
 * more. So: the event's uid goes out under its own name, right where ausearch
 * looks for the acting user; its exe as caller=, so that `ausearch -x` still
 * finds modgate's own exe= that libaudit appends; no key ends in uid, pid,
 * ses, exe or res; and no value may hold '=' or a quote (below). */
static const char *audit_key(const char *key)
{
	return streq(key, "exe") ? "caller" : key;
}

/* audit_encode_nv_string() quotes a value unless it holds a space, a double
 * quote, a control or a non-ASCII byte. A value with '=' or '\'' is hexed
 * here too: it could plant a key for those strstr() scans, or close the
 * kernel's msg='...'. */
static bool needs_hex(const char *v, size_t n)
{
	return memchr(v, '=', n) || memchr(v, '\'', n);
}

static int append_str(struct strbuf *out, const char *key, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strnlen(v, LINUX_FIELD_MAX);
	char *enc;
	int r;

	/* Do not split a UTF-8 sequence. */
	while (n < strlen(v) && n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	if (n > 0 && needs_hex(v, n)) {
		r = strbuf_appendf(out, " %s=", key);
		for (size_t i = 0; r == 0 && i < n; i++) {
			unsigned char c = (unsigned char)v[i];
			char pair[2] = {hex[c >> 4], hex[c & 15]};
			r = strbuf_append(out, pair, 2);
		}
		return r;
	}
	/* A copy: libaudit honours the length only when it hex-encodes, and
	 * quotes the whole C string otherwise. */
	_cleanup_free_ char *cut = strndup(v, n);
	if (!cut || !(enc = libaudit.audit_encode_nv_string(key, cut, 0)))
		return -ENOMEM;
	r = strbuf_appendf(out, " %s", enc);
	free(enc);
	return r;
}

static int append_field(struct strbuf *out, const struct audit_event *ev,
			const struct audit_field *f)
{
	const char *base = (const char *)ev + f->offset;
	const char *key = audit_key(f->key);

	switch (f->kind) {
	case AF_STR: {
		const char *s = *(const char *const *)base;
		return s ? append_str(out, key, s) : 0;
	}
	case AF_ID: {
		int64_t v = *(const int64_t *)base;
		return v == AUDIT_ID_UNSET ? 0 : strbuf_appendf(out, " %s=%lld", key, (long long)v);
	}
	case AF_U64: {
		uint64_t v = *(const uint64_t *)base;
		return v ? strbuf_appendf(out, " %s=%llu", key, (unsigned long long)v) : 0;
	}
	case AF_ERRNO:
		return ev->has_result ? strbuf_appendf(out, " %s=%d", key, ev->result_errno) : 0;
	}
	return -EINVAL;
}

int linux_audit_format(const struct audit_event *ev, const struct trail_anchor *anchor,
		       struct strbuf *out)
{
	const char *type = audit_event_type_name(ev->type);
	int r;

	if (!type)
		return -EINVAL;
	/* Its quoting and hex encoding are libaudit's (append_str). */
	if ((r = libaudit_load()) < 0)
		return r;
	strbuf_clear(out);
	if (ev->type == AUDIT_EV_DECISION || ev->type == AUDIT_EV_RESULT) {
		/* op=module-load event=decision: op= values use dashes. */
		const char *op =
			ev->op && strspn(ev->op, "abcdefghijklmnopqrstuvwxyz") == strlen(ev->op)
				? ev->op
				: "unknown";
		r = strbuf_appendf(out, "op=module-%s event=%s", op, type);
	} else {
		r = strbuf_appendf(out, "op=%s", type);
	}
	for (const struct audit_field *f = audit_fields; r == 0 && f->key; f++)
		if (!streq(f->key, "op") ||
		    (ev->type != AUDIT_EV_DECISION && ev->type != AUDIT_EV_RESULT))
			r = append_field(out, ev, f);
	if (r < 0)
		return r;
	if (!anchor)
		return strbuf_append_str(out, " trail=unrecorded");
	/* Quoted: auparse reads an unquoted run of hex digits as an encoded
	 * string and would "decode" the hash. */
	r = strbuf_appendf(out, " trail_seq=%llu trail_hash=\"%s\"",
			   (unsigned long long)anchor->seq, anchor->hash);
	if (r == 0 && anchor->segment[0])
		r = strbuf_appendf(out, " trail_segment=\"%s\"", anchor->segment);
	return r;
}

/* A terminal libaudit can print as is; anything else is "?". */
static const char *terminal(const char *tty)
{
	if (!tty || !*tty || strlen(tty) > 32 ||
	    strspn(tty, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/") !=
		    strlen(tty))
		return "?";
	return tty;
}

/* One netlink socket per process, opened on first use; libaudit with it. */
static int audit_fd(void)
{
	static bool tried;
	static int fd = -1, err;

	if (!tried) {
		tried = true;
		if ((err = libaudit_load()) < 0)
			return err;
		fd = libaudit.audit_open();
		if (fd < 0)
			err = errno == EPROTONOSUPPORT || errno == EAFNOSUPPORT || errno == EINVAL
				      ? -ENOPROTOOPT
				      : -(errno ? errno : EIO);
	}
	return fd >= 0 ? fd : err;
}

int linux_audit_send(const struct audit_event *ev, const struct trail_anchor *anchor)
{
	_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
	int fd = audit_fd(), r;

	if (fd < 0)
		return fd;
	if ((r = linux_audit_format(ev, anchor, &msg)) < 0)
		return r;
	if (msg.len >= MAX_AUDIT_MESSAGE_LENGTH - 512)
		return -E2BIG;
	errno = 0;
	r = libaudit.audit_log_user_message(fd, linux_audit_type(ev->type), msg.buf, NULL, NULL,
					    terminal(ev->tty), linux_audit_res(ev));
	if (r > 0)
		return 0;
	/* libaudit reports "not in the initial user namespace" (the kernel's
	 * ECONNREFUSED) and unprivileged senders as 0 without errno. */
	return r == 0 ? -ECONNREFUSED : -(errno ? errno : EIO);
}
