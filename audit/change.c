// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/change.h"
#include "common/fileio.h"
#include "common/macros.h"

#define CHANGE_HEADER	"modgate-changes 1 "
#define CHANGE_TMP	"changes.state.new"
#define CHANGE_FILE_MAX 4096

static void boot_id(char out[BOOT_ID_LEN + 1])
{
	_cleanup_free_ char *s = NULL;

	/* unreadable (no procfs): one id for all, so the state still works
	 * within the directory's chain */
	out[0] = '\0';
	if (read_one_line("/proc/sys/kernel/random/boot_id", &s) == 0 && strlen(s) == BOOT_ID_LEN &&
	    strspn(s, "0123456789abcdef-") == BOOT_ID_LEN)
		memcpy(out, s, BOOT_ID_LEN + 1);
}

void change_forget(struct change_table *ct)
{
	ct->dirty = ct->dirty || ct->n > 0;
	ct->n = 0;
}

static bool word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n > 0 && n < max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* One "<key> <type> <sha256>" line; false for anything else. The file is
 * root's but read as untrusted: only words and digests get through. */
static bool parse_slot(char *line, struct change_slot *s)
{
	char *save = NULL;
	char *key = strtok_r(line, " ", &save), *type = strtok_r(NULL, " ", &save);
	char *sha = strtok_r(NULL, " ", &save);

	if (!key || !type || !sha || strtok_r(NULL, " ", &save) || !word_ok(key, sizeof(s->key)) ||
	    !word_ok(type, sizeof(s->type)) || !is_sha256_hex(sha))
		return false;
	snprintf(s->key, sizeof(s->key), "%s", key);
	snprintf(s->type, sizeof(s->type), "%s", type);
	memcpy(s->sha256, sha, SHA256_HEX_LEN + 1);
	return true;
}

static void parse(char *text, struct change_table *ct)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	size_t hl = strlen(CHANGE_HEADER);

	if (!line || strncmp(line, CHANGE_HEADER, hl) != 0 || !streq(line + hl, ct->boot_id))
		return;
	while ((line = strtok_r(NULL, "\n", &save)) && ct->n < CHANGE_KEYS)
		if (parse_slot(line, &ct->slot[ct->n]))
			ct->n++;
}

int change_load(int dfd, struct change_table *ct)
{
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len;

	*ct = (struct change_table){0};
	boot_id(ct->boot_id);
	_cleanup_close_ int fd =
		openat(dfd, TRAIL_CHANGES, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	if (read_full_fd(fd, CHANGE_FILE_MAX, &text, &len) < 0)
		return 0; /* too big or unreadable: forget, write it anew */
	parse(text, ct);
	return 0;
}

static struct change_slot *find(struct change_table *ct, const char *key)
{
	for (size_t i = 0; i < ct->n; i++)
		if (streq(ct->slot[i].key, key))
			return &ct->slot[i];
	return NULL;
}

bool change_decide(struct change_table *ct, const struct audit_event *ev)
{
	const char *type = audit_event_type_name(ev->type);
	struct change_slot *s;

	if (!ev->change_key)
		return true;
	/* not a key the file can hold: always written, never remembered */
	if (!type || !word_ok(ev->change_key, CHANGE_KEY_MAX) || !ev->sha256 ||
	    !is_sha256_hex(ev->sha256))
		return true;
	s = find(ct, ev->change_key);
	if (s && streq(s->type, type) && streq(s->sha256, ev->sha256))
		return false;
	if (!s && ct->n == CHANGE_KEYS)
		return true;
	if (!s)
		s = &ct->slot[ct->n++];
	snprintf(s->key, sizeof(s->key), "%s", ev->change_key);
	snprintf(s->type, sizeof(s->type), "%s", type);
	memcpy(s->sha256, ev->sha256, SHA256_HEX_LEN + 1);
	ct->dirty = true;
	return true;
}

int change_save(int dfd, const struct change_table *ct)
{
	char line[CHANGE_KEY_MAX + 24 + SHA256_HEX_LEN + 4];
	int r = 0;

	(void)unlinkat(dfd, CHANGE_TMP, 0);
	int fd =
		openat(dfd, CHANGE_TMP, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	snprintf(line, sizeof(line), "%s%s\n", CHANGE_HEADER, ct->boot_id);
	r = write_all(fd, line, strlen(line));
	for (size_t i = 0; r == 0 && i < ct->n; i++) {
		snprintf(line, sizeof(line), "%s %s %s\n", ct->slot[i].key, ct->slot[i].type,
			 ct->slot[i].sha256);
		r = write_all(fd, line, strlen(line));
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	/* not fsync'd: a crash loses at most a repeated record */
	if (r == 0 && renameat(dfd, CHANGE_TMP, dfd, TRAIL_CHANGES) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dfd, CHANGE_TMP, 0);
	return r;
}
