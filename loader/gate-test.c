// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test hooks of the gate, compiled only into the test binaries (modgate-test
 * over the fake kernel seam, modgate-vmtest over the real one), never into
 * the installed modgate, whose gate.c has no-op versions of both.
 *
 *   MODGATE_FAKE_ROOT          the fixture root: configuration, trust store
 *                              and trail are read and written under it, as the
 *                              fake seam reads the kernel's files there
 *   MODGATE_TEST_REWRITE=FILE  between the decision and finit_module, copy
 *                              FILE over the module file the gate opened: the
 *                              kernel must still get the bytes decided on
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "loader/gate.h"

const char *gate_config_root(void)
{
	const char *r = getenv("MODGATE_FAKE_ROOT");
	return r && *r ? r : NULL;
}

void gate_test_hook(const char *point, const struct gate_item *it)
{
	const char *from = getenv("MODGATE_TEST_REWRITE");
	_cleanup_free_ char *bytes = NULL;
	size_t len;

	if (!from || !*from || !it->path || !streq(point, "before-load"))
		return;
	if (read_full_file(from, 1u << 30, &bytes, &len) < 0) {
		fprintf(stderr, "gate-test: cannot read %s\n", from);
		return;
	}
	_cleanup_close_ int fd = open(it->path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write_all(fd, bytes, len) < 0)
		fprintf(stderr, "gate-test: cannot rewrite %s\n", it->path);
	else
		fprintf(stderr, "gate-test: rewrote %s with %s before finit_module\n", it->path,
			from);
}
