// SPDX-License-Identifier: LGPL-2.1-or-later
/* install/remove commands (see command.h). */
#include <string.h>

#include "common/macros.h"
#include "common/strbuf.h"
#include "loader/command.h"

#define CMDLINE_OPTS_VAR "$CMDLINE_OPTS"

char *command_substitute(const char *cmd, const char *opts)
{
	struct strbuf sb = STRBUF_INIT;
	const size_t vl = strlen(CMDLINE_OPTS_VAR);
	int r = 0;
	if (!opts)
		opts = "";
	/* kmod rescans the result from its start after each replacement, so
	 * options that themselves spell $CMDLINE_OPTS would loop forever there;
	 * replacing left to right in one pass gives the same text otherwise */
	for (const char *p = cmd, *hit; r == 0; p = hit + vl) {
		hit = strstr(p, CMDLINE_OPTS_VAR);
		if (!hit) {
			r = strbuf_append_str(&sb, p);
			break;
		}
		r = strbuf_append(&sb, p, (size_t)(hit - p));
		if (r == 0)
			r = strbuf_append_str(&sb, opts);
	}
	if (r < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_steal(&sb);
}
