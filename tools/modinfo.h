/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modinfo's output, kmod 30 byte for byte, built from facts the sandbox
 * established (module files) or from modules.builtin.modinfo (built-ins).
 * Separate from the tool so unit tests can drive it with hand-made facts.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "inspect/facts.h"

struct modinfo_item {
	char *key;
	char *value;
};

/* What kmod_module_get_info() returns: .modinfo entries in section order,
 * then the signature entries. */
struct modinfo_list {
	struct modinfo_item *v;
	size_t n;
};

struct modinfo_opts {
	const char *field; /* -F (or -a -d -l -p -n); NULL: everything */
	char sep;	   /* '\n', or '\0' with -0 */
};

/* "key=value" strings as libkmod splits them (a string without '=' is a key
 * with an empty value). 0 or -ENOMEM. */
int modinfo_list_add_strings(struct modinfo_list *l, char *const *strings, size_t n);
/* The five signature entries, when kmod 30 would show them for these facts
 * about a module image of `size` bytes. 0 or -ENOMEM. */
int modinfo_list_add_signature(struct modinfo_list *l, const struct sig_facts *sig, uint64_t size);
void modinfo_list_release(struct modinfo_list *l);

/* kmod's hex rendering of binary signature fields: "AB:CD:..." with a
 * newline and two tabs after every 20 bytes. Caller frees. */
char *modinfo_hex(const uint8_t *data, size_t len);

/* The lines before the module's info: for a built-in, its name; then the
 * filename ("(builtin)" when filename is NULL). Returns true when the request
 * was only for the filename (-n), which is then complete. */
bool modinfo_print_head(FILE *out, const struct modinfo_opts *o, const char *name,
			const char *filename);
/* The info lines: entries (or just the field's values), then the merged
 * parm/parmtype lines. Malformed parm values are reported on stderr as kmod
 * does and skipped. */
void modinfo_print_info(FILE *out, const struct modinfo_opts *o, const struct modinfo_list *l);
