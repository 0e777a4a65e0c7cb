// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module tree, modprobe configuration and trust store that `policy test`
 * and `policy generate` read, all under --root: an image or a chroot is
 * judged by its own files, never by the host's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/macros.h"
#include "loader/kernel.h"
#include "tools/policy.h"

void json_string(struct strbuf *sb, const char *s)
{
	strbuf_append_char(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			strbuf_appendf(sb, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			strbuf_appendf(sb, "\\u%04x", c);
		else
			strbuf_append_char(sb, (char)c);
	}
	strbuf_append_char(sb, '"');
}

static int config_under_root(struct policy_tree *t, const char *root)
{
	size_t n = 0;
	while (modprobe_config_default_paths[n])
		n++;
	char **paths = calloc(n + 1, sizeof(*paths));
	int r = paths ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (asprintf(&paths[i], "%s%s", root ? root : "",
			     modprobe_config_default_paths[i]) < 0)
			r = -ENOMEM;
	if (r == 0)
		r = modprobe_config_load(&t->cfg, (const char *const *)paths, t->dirname);
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	return r;
}

int policy_tree_open(struct policy_tree *t, const char *root, const char *version)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	char buf[4096];
	int r;

	*t = (struct policy_tree){.version = version};
	if (!version) {
		r = kernel_release(t->version_buf, sizeof(t->version_buf));
		if (r < 0) {
			log_error("uname() failed: %s\n", strerror(-r));
			return r;
		}
		t->version = t->version_buf;
	}
	snprintf(buf, sizeof(buf), "%s/lib/modules/%s", root ? root : "", t->version);
	t->dirname = plan_absolute_path(buf);
	if (!t->dirname)
		return -ENOMEM;
	r = config_under_root(t, root);
	if (r == 0)
		r = moddb_open(t->dirname, INDEX_READER_STREAM, &t->db);
	if (r == 0)
		moddb_preload(t->db);
	if (r == 0)
		r = plan_new(t->db, &t->cfg, &t->plan);
	if (r < 0) {
		log_error("%s: %s\n", t->dirname, strerror(-r));
		return r;
	}
	r = trust_store_load(&t->ts, root, &err);
	if (r < 0)
		log_error("trust store: %s\n", err.len ? strbuf_str(&err) : strerror(-r));
	return r;
}

void policy_tree_close(struct policy_tree *t)
{
	if (t->plan)
		plan_free(t->plan);
	if (t->db)
		moddb_close(t->db);
	modprobe_config_free(&t->cfg);
	trust_store_release(&t->ts);
	free(t->dirname);
	*t = (struct policy_tree){0};
}
