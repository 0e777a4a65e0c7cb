#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write crafted module files into OUTDIR for the decoder tests.

Usage: make-crafted.py OUTDIR [REAL_MODULE.ko]

Each file's name says what the decoder must do with it (see
decode-files.c): error-* a clean error, ok-* success, sig-STATE-* success with
that signature state. Synthetic objects come in all four ELF flavours
(32/64-bit, little/big endian); mutations of a real signed module are added
when one is given. Nothing here is committed: it is generated at test time.
"""
import os
import random
import struct
import sys

MAGIC = b"~Module signature appended~\n"
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS = 1, 2, 3, 8
SHN_UNDEF, SHN_ABS = 0, 0xFFF1
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
NO_CRC = ("crc_like_fn", "crc_like_var")


class Flavour:
    def __init__(self, is64, msb):
        self.is64, self.msb = is64, msb
        self.e = ">" if msb else "<"
        self.ptr = 8 if is64 else 4
        self.tag = ("64" if is64 else "32") + ("be" if msb else "le")

    def pack(self, fmt, *v):
        return struct.pack(self.e + fmt, *v)


def strtab(names):
    """NUL-separated table starting with an empty name; returns (bytes, offsets)."""
    data, offs = b"\0", {}
    for n in names:
        offs[n] = len(data)
        data += n.encode() + b"\0"
    return data, offs


class Obj:
    """A relocatable ELF object assembled from (name, type, data) sections."""

    def __init__(self, fl):
        self.fl = fl
        self.sections = []  # [name, type, data, nobits_size]

    def add(self, name, data, stype=SHT_PROGBITS, nobits=0):
        self.sections.append([name, stype, data, nobits])
        return len(self.sections)  # section index (0 is the null section)

    def build(self):
        fl = self.fl
        ehsize = 64 if fl.is64 else 52
        shentsize = 64 if fl.is64 else 40
        names, noffs = strtab([s[0] for s in self.sections] + [".shstrtab"])
        secs = self.sections + [[".shstrtab", SHT_STRTAB, names, 0]]
        body, placed = b"", []
        for name, stype, data, nobits in secs:
            off = ehsize + len(body)
            pad = (-off) % 8
            body += b"\0" * pad
            off += pad
            if stype == SHT_NOBITS:
                placed.append((off, nobits))
            else:
                placed.append((off, len(data)))
                body += data
        shoff = ehsize + len(body)
        pad = (-shoff) % 8
        body += b"\0" * pad
        shoff += pad
        shdrs = b"\0" * shentsize
        for (name, stype, _, _), (off, size) in zip(secs, placed):
            if fl.is64:
                shdrs += fl.pack("IIQQQQIIQQ", noffs[name], stype, 0, 0, off, size, 0, 0, 1, 0)
            else:
                shdrs += fl.pack("IIIIIIIIII", noffs[name], stype, 0, 0, off, size, 0, 0, 1, 0)
        ident = b"\x7fELF" + bytes([2 if fl.is64 else 1, 2 if fl.msb else 1, 1]) + b"\0" * 9
        nsec = len(secs) + 1
        if fl.is64:
            hdr = ident + fl.pack("HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, ehsize, 0, 0,
                                  shentsize, nsec, nsec - 1)
        else:
            hdr = ident + fl.pack("HHIIIIIHHHHHH", 1, 3, 1, 0, 0, shoff, 0, ehsize, 0, 0,
                                  shentsize, nsec, nsec - 1)
        return bytearray(hdr + body + shdrs)


def sym(fl, name_off, value, info, shndx):
    if fl.is64:
        return fl.pack("IBBHQQ", name_off, info, 0, shndx, value, 0)
    return fl.pack("IIIBBH", name_off, value, 0, info, 0, shndx)


def versions(fl, entries):
    out = b""
    for crc, name in entries:
        raw = name if isinstance(name, bytes) else name.encode()
        out += fl.pack("Q" if fl.is64 else "I", crc) + raw.ljust(64 - fl.ptr, b"\0")[: 64 - fl.ptr]
    return out


def this_module(fl, name):
    size = 0x380 if fl.is64 else 0x200
    raw = name if isinstance(name, bytes) else name.encode() + b"\0"
    data = bytearray(size)
    data[3 * fl.ptr: 3 * fl.ptr + len(raw)] = raw
    return bytes(data)


def module(fl, **over):
    """A small but complete module; keyword arguments replace parts to break them."""
    o = Obj(fl)
    o.add(".modinfo", over.get("modinfo", b"\0license=GPL\0\0name=crafted\0vermagic=6.1.0 SMP \0"))
    o.add(".gnu.linkonce.this_module", over.get("this_module", this_module(fl, "crafted")))
    o.add("__ksymtab_strings", over.get("ksymtab_strings", b"crafted_fn\0crafted_var\0"))
    kcrctab = o.add("__kcrctab", fl.pack("II", 0x11111111, 0x22222222))
    o.add("__versions", over.get("versions", versions(fl, [(0xAAAA, "module_layout"), (0xBBBB, "printk")])))
    # without __crc_ symbols kmod (and the decoder) fall back to __ksymtab_strings
    crc1, crc2 = over.get("crc_names", ("__crc_crafted_fn", "__crc_crafted_var"))
    names = [crc1, crc2, "printk", "weak_fn", "local_fn"]
    st, so = strtab(names)
    crc_shndx = over.get("crc_shndx", kcrctab)
    syms = sym(fl, 0, 0, 0, 0)
    syms += sym(fl, so[crc1], 0, STB_LOCAL << 4, crc_shndx)
    syms += sym(fl, so[crc2], over.get("crc_value", 4), STB_LOCAL << 4, crc_shndx)
    syms += sym(fl, so["printk"], 0, STB_GLOBAL << 4, SHN_UNDEF)
    syms += sym(fl, over.get("weak_name_off", so["weak_fn"]), 0, STB_WEAK << 4, SHN_UNDEF)
    syms += sym(fl, so["local_fn"], 0, (STB_LOCAL << 4) | 2, 1)
    o.add(".symtab", over.get("symtab", syms), SHT_SYMTAB)
    o.add(".strtab", over.get("strtab_fn", lambda t: t)(st), SHT_STRTAB)
    o.add(".bss", b"", SHT_NOBITS, nobits=0x100000)
    for extra in over.get("extra", []):
        o.add(*extra)
    return o


def hdr_fields(fl):
    """Offsets and formats of e_shoff, e_shentsize, e_shnum, e_shstrndx."""
    if fl.is64:
        return {"shoff": (40, "Q"), "shentsize": (58, "H"), "shnum": (60, "H"), "shstrndx": (62, "H")}
    return {"shoff": (32, "I"), "shentsize": (46, "H"), "shnum": (48, "H"), "shstrndx": (50, "H")}


def poke(fl, buf, field, value):
    off, fmt = hdr_fields(fl)[field]
    struct.pack_into(fl.e + fmt, buf, off, value)
    return buf


def shdr_off(fl, buf, idx):
    off, fmt = hdr_fields(fl)["shoff"]
    shoff = struct.unpack_from(fl.e + fmt, buf, off)[0]
    return shoff + idx * (64 if fl.is64 else 40)


def set_section(fl, buf, idx, offset=None, size=None, stype=None):
    base = shdr_off(fl, buf, idx)
    if fl.is64:
        if stype is not None:
            struct.pack_into(fl.e + "I", buf, base + 4, stype)
        if offset is not None:
            struct.pack_into(fl.e + "Q", buf, base + 24, offset)
        if size is not None:
            struct.pack_into(fl.e + "Q", buf, base + 32, size)
    else:
        if stype is not None:
            struct.pack_into(fl.e + "I", buf, base + 4, stype)
        if offset is not None:
            struct.pack_into(fl.e + "I", buf, base + 16, offset)
        if size is not None:
            struct.pack_into(fl.e + "I", buf, base + 20, size)
    return buf


def get_section(fl, buf, idx):
    base = shdr_off(fl, buf, idx)
    if fl.is64:
        return struct.unpack_from(fl.e + "QQ", buf, base + 24)
    return struct.unpack_from(fl.e + "II", buf, base + 16)


def sign_trailer(blob, algo=0, hash_=0, id_type=2, signer_len=0, key_id_len=0, pad=b"\0\0\0", sig_len=None):
    n = len(blob) if sig_len is None else sig_len
    return blob + struct.pack(">BBBBB3sI", algo, hash_, id_type, signer_len, key_id_len, pad, n) + MAGIC


def elf_cases(fl):
    """Broken structures: each must be refused with a clear error."""
    big = (1 << 64) - 16 if fl.is64 else (1 << 32) - 16
    good = module(fl).build()
    n = len(good)
    c = {}
    c["truncated-ident"] = good[:10]
    c["truncated-header"] = good[:40]
    c["not-elf"] = b"\x7fELG" + good[4:]
    c["bad-class"] = good[:4] + b"\x07" + good[5:]
    c["bad-data"] = good[:5] + b"\x03" + good[6:]
    c["shdrs-past-eof"] = poke(fl, bytearray(good), "shoff", n - 8)
    c["shoff-overflow"] = poke(fl, bytearray(good), "shoff", big)
    c["huge-shnum"] = poke(fl, bytearray(good), "shnum", 0xFFFF)
    c["zero-shnum"] = poke(fl, bytearray(good), "shnum", 0)
    c["bad-shentsize"] = poke(fl, bytearray(good), "shentsize", 32)
    c["bad-shstrndx"] = poke(fl, bytearray(good), "shstrndx", 200)
    c["zero-shstrndx"] = poke(fl, bytearray(good), "shstrndx", 0)
    c["section-past-eof"] = set_section(fl, bytearray(good), 1, size=n)
    c["section-offset-overflow"] = set_section(fl, bytearray(good), 1, offset=big, size=32)
    c["section-size-overflow"] = set_section(fl, bytearray(good), 1, offset=64, size=big)
    off2, _ = get_section(fl, good, 2)
    c["overlapping-sections"] = set_section(fl, bytearray(good), 1, offset=off2, size=16)
    c["section-over-header"] = set_section(fl, bytearray(good), 1, offset=0, size=16)
    c["section-over-shdrs"] = set_section(fl, bytearray(good), 1, offset=n - 16, size=16)
    last = struct.unpack_from(fl.e + "H", good, hdr_fields(fl)["shstrndx"][0])[0]
    so, ss = get_section(fl, good, last)
    unterminated = bytearray(good)
    unterminated[so + ss - 1] = ord("x")
    c["shstrtab-unterminated"] = unterminated
    c["shstrtab-nobits"] = set_section(fl, bytearray(good), last, stype=SHT_NOBITS)
    base = shdr_off(fl, good, 3)
    name_out = bytearray(good)
    struct.pack_into(fl.e + "I", name_out, base, ss + 5)
    c["section-name-outside"] = name_out
    c["modinfo-unterminated"] = module(fl, modinfo=b"license=GPL\0name=x").build()
    c["modinfo-nobits"] = set_section(fl, bytearray(good), 1, stype=SHT_NOBITS)
    c["ksymtab-strings-unterminated"] = module(fl, ksymtab_strings=b"a\0b", crc_names=NO_CRC).build()
    c["this-module-too-small"] = module(fl, this_module=b"\0" * 40).build()
    c["this-module-unterminated"] = module(fl, this_module=this_module(fl, b"A" * 200)).build()
    c["versions-bad-size"] = module(fl, versions=b"\0" * 100).build()
    c["versions-unterminated"] = module(fl, versions=versions(fl, [(1, b"B" * 64)])).build()
    c["versions-empty-name"] = module(fl, versions=versions(fl, [(1, "")])).build()
    c["symtab-bad-size"] = module(fl, symtab=b"\0" * 30).build()
    c["symbol-name-outside"] = module(fl, weak_name_off=0x7FFFFFF0).build()
    c["strtab-unterminated"] = module(fl, strtab_fn=lambda t: t[:-1] + b"x").build()
    c["crc-bad-section"] = module(fl, crc_shndx=0xFF00).build()
    c["crc-outside-section"] = module(fl, crc_value=0x1000).build()
    return c


def ok_cases(fl):
    good = module(fl).build()
    c = {"module": good}
    c["no-modinfo-no-symtab"] = Obj(fl).build()
    c["padded-modinfo"] = module(fl, modinfo=b"\0\0\0a=1\0\0\0b=2\0\0\0").build()
    c["crc-absolute"] = module(fl, crc_shndx=SHN_ABS).build()
    c["ksymtab-fallback"] = module(fl, crc_names=NO_CRC).build()
    return c


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


OID_SIGNED = bytes.fromhex("06092a864886f70d010702")
OID_DATA = bytes.fromhex("06092a864886f70d010701")


def sig_cases(fl):
    """Trailers and blobs around a good synthetic module."""
    body = bytes(module(fl).build())
    rnd = random.Random(7)
    garbage = bytes(rnd.randrange(256) for _ in range(300))
    no_signers = der(0x30, OID_SIGNED + der(0xA0, der(0x30, der(0x02, b"\x01") + der(0x31, b"") +
                                                           der(0x30, OID_DATA) + der(0x31, b""))))
    not_signed = der(0x30, OID_DATA + der(0xA0, der(0x04, b"hello")))
    c = {}
    c["none-plain"] = body
    c["malformed-garbage-der"] = body + sign_trailer(garbage)
    c["malformed-siglen-past-file"] = body + sign_trailer(garbage, sig_len=0x7FFFFFFF)
    # the signature claims every byte: no ELF is left to parse
    c["error-siglen-whole-file"] = body + sign_trailer(garbage, sig_len=len(body) + 300)
    c["malformed-siglen-zero"] = body + sign_trailer(b"", sig_len=0)
    c["malformed-no-signers"] = body + sign_trailer(no_signers)
    c["malformed-not-signeddata"] = body + sign_trailer(not_signed)
    c["malformed-nested-length-lies"] = body + sign_trailer(b"\x30\x84\xff\xff\xff\xff" + garbage[:20])
    c["other-legacy-pgp"] = body + b"signer" + b"KEYID" + sign_trailer(garbage, 1, 4, 0, 6, 5)
    c["other-legacy-lengths-too-big"] = body + sign_trailer(garbage, 1, 4, 1, 255, 255)
    return c


def real_cases(path):
    data = open(path, "rb").read()
    c = {}
    if not data.endswith(MAGIC):
        return c, {}
    sig_len = struct.unpack(">I", data[-len(MAGIC) - 4: -len(MAGIC)])[0]
    content = data[: len(data) - len(MAGIC) - 12 - sig_len]
    blob = data[len(content): len(content) + sig_len]
    is64, msb = data[4] == 2, data[5] == 2
    fl = Flavour(is64, msb)
    for cut in (16, 100, len(content) // 2, len(content) - 1):
        c["truncated-%d" % cut] = data[:cut]
    c["shdrs-past-eof"] = poke(fl, bytearray(content), "shoff", len(content) - 40) + data[len(content):]
    c["bad-shentsize"] = poke(fl, bytearray(content), "shentsize", 1) + data[len(content):]
    c["huge-shnum"] = poke(fl, bytearray(content), "shnum", 0xFFFF) + data[len(content):]
    sigs = {"pkcs7-unchanged": data}
    rnd = random.Random(11)
    sigs["malformed-random-blob"] = content + sign_trailer(bytes(rnd.randrange(256) for _ in blob))
    sigs["malformed-truncated-blob"] = content + sign_trailer(blob[: len(blob) // 2])
    sigs["malformed-trailing-bytes"] = content + sign_trailer(blob + b"\0\0\0\0")
    sigs["malformed-nonzero-trailer"] = content + sign_trailer(blob, algo=1)
    sigs["malformed-siglen-past-file"] = content + sign_trailer(blob, sig_len=len(data))
    flipped = bytearray(blob)
    flipped[1] ^= 0x40
    sigs["malformed-bad-outer-length"] = content + sign_trailer(bytes(flipped))
    return c, sigs


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    written = 0

    def write(name, data):
        nonlocal written
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(data))
        written += 1

    for is64 in (True, False):
        for msb in (False, True):
            fl = Flavour(is64, msb)
            for k, v in elf_cases(fl).items():
                write("error-%s-%s.ko" % (fl.tag, k), v)
            for k, v in ok_cases(fl).items():
                write("ok-%s-%s.ko" % (fl.tag, k), v)
            for k, v in sig_cases(fl).items():
                state, rest = k.split("-", 1)
                prefix = "error" if state == "error" else "sig-" + state
                write("%s-%s-%s.ko" % (prefix, fl.tag, rest), v)
    if len(sys.argv) == 3:
        errs, sigs = real_cases(sys.argv[2])
        for k, v in errs.items():
            write("error-real-%s.ko" % k, v)
        for k, v in sigs.items():
            state, rest = k.split("-", 1)
            write("sig-%s-real-%s.ko" % (state, rest), v)
    print("%d crafted files in %s" % (written, out))


if __name__ == "__main__":
    main()
