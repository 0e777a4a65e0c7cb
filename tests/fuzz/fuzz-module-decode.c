// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness: arbitrary bytes through module_decode(), the whole child-B
 * decoder (ELF and PKCS#7). Built with clang only (see meson.build):
 *   fuzz-module-decode CORPUS_DIR        seeds from make-seeds.sh
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sandbox/decode.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (decode_crypto_init() < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_writer w;
	const char *why = NULL;

	wire_writer_init(&w, WIRE_MSG_FACTS);
	/* an error must come with a cause */
	if (module_decode(data, size, WIRE_SCOPE_MODULE, &w, &why) < 0 && (!why || !why[0]))
		abort();
	wire_writer_release(&w);
	return 0;
}
