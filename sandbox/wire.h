/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The wire protocol between a sandboxed child and the privileged parent.
 *
 * Written by children (sandbox/wire-write.c), read by the parent
 * (inspect/reply.c), which treats every byte as hostile.
 *
 * A reply is one message on a pipe, the child's only output channel:
 *
 *   struct wire_header { u32 magic = WIRE_MAGIC; u32 type; u32 len; }
 *   then exactly `len` bytes of fields, each:
 *   struct wire_field  { u16 tag; u16 zero; u32 len; } followed by len bytes
 *
 * Native byte order (both ends are the same binary on the same machine).
 * Numbers inside fields are fixed-size native integers as noted per tag.
 * Strings carry no NUL; the parent rejects a NUL inside one and terminates
 * them itself. After the message the child exits 0; anything else (a signal,
 * a non-zero exit, bytes after the message, a short message) voids the reply.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0x3157474dU /* "MGW1" */

/* Caps the parent enforces; a reply beyond any of them is invalid. */
#define WIRE_MAX_MESSAGE (64u << 20)   /* whole message */
#define WIRE_MAX_STRING (1u << 20)     /* one string field */
#define WIRE_MAX_REPEATED (1u << 20)   /* fields of one repeated tag */

enum wire_type {
	WIRE_MSG_FACTS = 1,   /* child B: facts about the sealed module bytes */
	WIRE_MSG_DECOMP = 2,  /* child A: decompression finished */
	WIRE_MSG_ERROR = 3,   /* either child: a clear error about the input */
	WIRE_MSG_CERTS = 4,   /* certificate scan (sandbox/kimage.h): DER the child validated */
	WIRE_MSG_TEST = 99,   /* test builds only: sandbox proof entries */
};

enum wire_tag {
	/* --- WIRE_MSG_ERROR --- */
	WT_ERR_ERRNO = 1,   /* u32: positive errno describing the failure class */
	WT_ERR_MESSAGE = 2, /* string: human-readable cause ("ELF section headers past EOF") */

	/* --- WIRE_MSG_DECOMP --- */
	WT_DECOMP_KIND = 10, /* u32: enum wire_compression of the input */
	WT_DECOMP_SIZE = 11, /* u64: bytes written into the memfd */

	/* --- WIRE_MSG_FACTS: ELF --- */
	WT_ELF_CLASS = 20,   /* u8: 1 = 32-bit, 2 = 64-bit */
	WT_ELF_DATA = 21,    /* u8: 1 = little, 2 = big endian */
	WT_ELF_MACHINE = 22, /* u16: e_machine */
	WT_NAME = 23,        /* string: name from .gnu.linkonce.this_module (absent if none) */
	WT_MODINFO = 24,     /* repeated string: one "key=value" of .modinfo, in section order */
	WT_EXPORT = 25,      /* repeated: struct wire_symbol + name: exported symbols */
	WT_NEED = 26,        /* repeated: struct wire_symbol + name: undefined symbols */
	WT_VERSION = 27,     /* repeated: struct wire_symbol + name: __versions entries */
	/* As kmod 30 lists them: WT_EXPORT = the __crc_* symbols of .symtab (CRC read from
	 * the section they point into, bind = their STB_*) or, when there are none, the
	 * __ksymtab_strings names (has_crc 0, STB_GLOBAL). WT_NEED = undefined .symtab
	 * symbols in table order (STB_WEAK or STB_GLOBAL; CRC when __versions names them),
	 * then the __versions entries no symbol referenced (module_layout). WT_VERSION =
	 * __versions in order, a leading '.' dropped, bind 0. */
	WT_ELF_ABSENT = 28,  /* u32: enum wire_elf_absent bits, always sent: what kmod reports as ENOENT */
	WT_SCOPE = 29,       /* u8: enum wire_scope; absent means WIRE_SCOPE_MODULE */

	/* --- WIRE_MSG_FACTS: signature (appended-signature trailer + PKCS#7) --- */
	WT_SIG_STATE = 40,        /* u32: enum wire_sig_state */
	WT_SIG_TRAILER = 41,      /* 12 bytes: struct module_signature as found in the file */
	WT_SIG_CONTENT_LEN = 42,  /* u64: length of the signed content (bytes before the blob) */
	WT_SIG_NSIGNERS = 43,     /* u32: SignerInfos in the blob */
	WT_SIG_ID_KIND = 44,      /* u32: enum wire_signer_id */
	WT_SIG_ISSUER_DER = 45,   /* bytes: DER of the signer's issuer Name (issuer+serial ids) */
	WT_SIG_ISSUER_CN = 46,    /* string: issuer commonName as modinfo shows it ("signer") */
	WT_SIG_SERIAL = 47,       /* bytes: serial number, big-endian magnitude */
	WT_SIG_SKID = 48,         /* bytes: subject key identifier (SKID ids) */
	WT_SIG_DIGEST_NID = 49,   /* u32: OpenSSL NID of the digest algorithm */
	WT_SIG_PKEY_NID = 50,     /* u32: OpenSSL NID of the signature key type (rsaEncryption, id-ecPublicKey) */
	WT_SIG_VALUE = 51,        /* bytes: the SignerInfo signature OCTET STRING content as stored */
	WT_SIG_ECDSA_R = 52,      /* bytes: ECDSA r, big-endian magnitude */
	WT_SIG_ECDSA_S = 53,      /* bytes: ECDSA s, big-endian magnitude */
	WT_SIG_SIGNED_ATTRS = 54, /* u8: 1 if the SignerInfo carries signed attributes */
	WT_SIG_DETACHED = 55,     /* u8: 1 if the content is absent from the blob (detached) */
	WT_SIG_DATA_TYPE = 56,    /* u8: 1 if the encapsulated content type is id-data */
	WT_SIG_PROBLEM = 57,      /* string: why the signature is malformed (state MALFORMED) */
	WT_SIG_HASH_NAME = 58,    /* string: digest name as modinfo prints it ("sha256") */
	WT_SIG_LEGACY_KEY_ID = 59, /* bytes: key id of a legacy (id_type 0/1) trailer, modinfo's
				    * sig_key; WT_SIG_ISSUER_CN then holds its signer name */

	/* --- WIRE_MSG_CERTS --- */
	WT_CERT_DER = 60,      /* repeated bytes: one X.509 certificate, canonical DER */
	WT_CERT_RELEASE = 61,  /* string: kernel release named by the image ("6.1.0-56-amd64") */
	WT_CERT_PAYLOAD = 62,  /* u32: enum wire_compression of the kernel payload */
	WT_CERT_SKIPPED = 63,  /* u32: certificates seen outside the system certificate list */

	/* --- WIRE_MSG_TEST --- */
	WT_TEST_RESULT = 90, /* string */
};

enum wire_compression {
	WIRE_COMP_NONE = 0,
	WIRE_COMP_GZIP = 1,
	WIRE_COMP_XZ = 2,
	WIRE_COMP_ZSTD = 3,
};

/* What a parse was asked for (struct parse_job.scope), and the reply says it
 * did. MODULE: everything above. SIGNATURE: the ELF checked as a whole
 * module's parse checks it (header, section table, names, overlaps), its
 * class, data and machine, and the signature facts; no name, modinfo or
 * symbols, so WT_ELF_ABSENT has every bit set. `modgate verify` asks for no
 * more: its verdict rests on the signature facts and the sealed bytes. */
enum wire_scope {
	WIRE_SCOPE_MODULE = 0,
	WIRE_SCOPE_SIGNATURE = 1,
};

/* Bits of WT_ELF_ABSENT. */
enum wire_elf_absent {
	WIRE_ABSENT_MODINFO = 1u << 0,  /* no .modinfo (modinfo: "could not get modinfo") */
	WIRE_ABSENT_EXPORTS = 1u << 1,  /* no __crc_* symbols, no __ksymtab_strings */
	WIRE_ABSENT_VERSIONS = 1u << 2, /* no __versions (--dump-modversions fails) */
	WIRE_ABSENT_SYMTAB = 1u << 3,   /* no .symtab or .strtab: kmod lists no needs */
};

/* Signature facts are sent whenever they can be extracted, also in states
 * MALFORMED and OTHER, so modinfo can show what kmod 30 shows (it displays
 * trailers the kernel refuses). Only state PKCS7 may be used for verification.
 * kmod 30 shows no signature keys for a subject-key-id signer (its d2i_PKCS7
 * cannot parse one), nor when the trailer's algo >= 2, hash >= 9 or the
 * lengths do not fit; it shows the first SignerInfo only. */
enum wire_sig_state {
	WIRE_SIG_NONE = 0,      /* no "~Module signature appended~\n" marker */
	WIRE_SIG_PKCS7 = 1,     /* a well-formed PKCS#7 blob was parsed */
	WIRE_SIG_MALFORMED = 2, /* a marker, but the trailer or blob is broken (WT_SIG_PROBLEM says why) */
	WIRE_SIG_OTHER = 3,     /* a legacy (non-PKCS#7) id_type: the kernel refuses it */
};

enum wire_signer_id {
	WIRE_SIGNER_ISSUER_SERIAL = 1,
	WIRE_SIGNER_SKID = 2,
};

struct wire_header {
	uint32_t magic;
	uint32_t type;
	uint32_t len;
};

struct wire_field {
	uint16_t tag;
	uint16_t zero;
	uint32_t len;
};

/* Prefix of WT_EXPORT / WT_NEED / WT_VERSION fields; the symbol name follows
 * (no NUL) and fills the rest of the field. */
struct wire_symbol {
	uint64_t crc;
	uint8_t has_crc; /* 0 or 1 */
	uint8_t bind;    /* STB_* of the symbol (WT_NEED: weak vs global) */
	uint8_t zero[6];
};

/* ---- the child side: building a reply ---- */

struct wire_writer {
	uint8_t *buf;
	size_t len, cap;
	uint32_t type;
	int error; /* sticky: first -errno (e.g. -ENOMEM, -E2BIG past WIRE_MAX_MESSAGE) */
};

void wire_writer_init(struct wire_writer *w, enum wire_type type);
void wire_writer_release(struct wire_writer *w);
void wire_put(struct wire_writer *w, enum wire_tag tag, const void *data, size_t len);
void wire_put_str(struct wire_writer *w, enum wire_tag tag, const char *s);
void wire_put_strn(struct wire_writer *w, enum wire_tag tag, const char *s, size_t n);
void wire_put_u8(struct wire_writer *w, enum wire_tag tag, uint8_t v);
void wire_put_u16(struct wire_writer *w, enum wire_tag tag, uint16_t v);
void wire_put_u32(struct wire_writer *w, enum wire_tag tag, uint32_t v);
void wire_put_u64(struct wire_writer *w, enum wire_tag tag, uint64_t v);
void wire_put_symbol(struct wire_writer *w, enum wire_tag tag, const char *name, size_t name_len,
		     uint64_t crc, int has_crc, uint8_t bind);
/* Write header + fields to fd. 0 or -errno (including the sticky error). */
int wire_send(struct wire_writer *w, int fd);
