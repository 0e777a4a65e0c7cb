// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/dlopen.h"
#include "common/log.h"
#include "common/macros.h"

/* POSIX: dlsym() results convert to function pointers; they are copied as
 * bytes into the typed members, which must be the size of a void *. */
_Static_assert(sizeof(void (*)(void)) == sizeof(void *), "function pointers are data-sized");

#define DL_MAX_SYMBOLS 32

static int fail(struct dl_library *lib, const char *what)
{
	log_error("cannot load %s: %s (needed for: %s)\n", lib->soname, what, lib->needed_for);
	lib->state = -ELIBACC;
	return lib->state;
}

int dl_library_load(struct dl_library *lib)
{
	void *found[DL_MAX_SYMBOLS];

	if (lib->state != 0)
		return lib->state < 0 ? lib->state : 0;
	if (lib->n_symbols > ARRAY_SIZE(found))
		return fail(lib, "too many symbols for the loader's table");
	/* A bare soname: the loader's own search (its cache, the default
	 * directories; LD_LIBRARY_PATH only where ld.so itself honours it, as
	 * for the libraries the binary links). NODELETE: the pointers stay
	 * valid for the life of the process. */
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		const char *e = dlerror();
		return fail(lib, e ? e : "not found");
	}
	for (size_t i = 0; i < lib->n_symbols; i++) {
		dlerror();
		found[i] = dlsym(h, lib->symbols[i].name);
		if (!found[i]) {
			char what[160];
			snprintf(what, sizeof(what), "symbol %s not found", lib->symbols[i].name);
			return fail(lib, what);
		}
	}
	/* All or nothing: no table is ever half filled. */
	for (size_t i = 0; i < lib->n_symbols; i++)
		memcpy(lib->symbols[i].slot, &found[i], sizeof(found[i]));
	lib->state = 1;
	return 0;
}
