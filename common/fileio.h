/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Safe reads and writes: retry on EINTR, short counts handled, and a cap on
 * everything read so a hostile or huge file cannot exhaust memory.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Write all of buf; 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Read exactly len bytes; 0, -EIO on early EOF, or -errno. */
int read_exact(int fd, void *buf, size_t len);
/* Read until EOF, at most max bytes (-EFBIG beyond). *out is NUL-terminated
 * (not counted in *len). 0 or -errno. */
int read_full_fd(int fd, size_t max, char **out, size_t *len);
/* Same for a path (O_RDONLY|O_CLOEXEC). dirfd may be AT_FDCWD. */
int read_full_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len);
int read_full_file(const char *path, size_t max, char **out, size_t *len);
/* Read a small file's first line without its newline (sysfs/procfs values). */
int read_one_line(const char *path, char **out);
