// SPDX-License-Identifier: LGPL-2.1-or-later
/* lsmod: kmod's table, read from /proc/modules and /sys/module via the seam. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "loader/loaded.h"
#include "tools/tools.h"

int tool_lsmod(int argc, char *argv[])
{
	if (argc != 1) {
		fprintf(stderr, "Usage: %s\n", argv[0]);
		return EXIT_FAILURE;
	}

	struct loaded_list l;
	unsigned int bad = 0;
	int r = loaded_list_read(&l, &bad);
	if (r == -EBADMSG) {
		fprintf(stderr, "Error: could not get list of modules: /proc/modules:%u: "
				"malformed line\n", bad);
		return EXIT_FAILURE;
	}
	if (r < 0) {
		fprintf(stderr, "Error: could not get list of modules: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}

	puts("Module                  Size  Used by");
	for (size_t i = 0; i < l.n; i++) {
		const struct loaded_module *m = &l.mods[i];
		printf("%-19s %8ld  %d", m->name, m->size, m->refcnt);
		if (m->holders)
			for (char **h = m->holders; *h; h++)
				printf("%c%s", h == m->holders ? ' ' : ',', *h);
		else
			log_error("could not open '/sys/module/%s/holders'\n", m->name);
		putchar('\n');
	}
	loaded_list_free(&l);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
