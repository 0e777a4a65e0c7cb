#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Decode a libkmod .bin index (modules.dep.bin, modules.alias.bin, ...).

Usage: dump-bin.py FILE [FILE2]

One line per value, in trie order: KEY<TAB>PRIORITY<TAB>VALUE. With two
files, print a unified diff of their decoded contents instead (exit 1 when
they differ), so a byte difference between two indexes is explained as the
keys and values that differ, or as a pure layout difference when the decoded
contents are equal. Written from the format (magic 0xB007F457, version
0x00020001, big-endian u32 node pointers with PREFIX/VALUES/CHILDS flags in
the high nibble); every offset is checked.
"""
import difflib
import struct
import sys

MAGIC, VERSION = 0xB007F457, 0x00020001
F_PREFIX, F_VALUES, F_CHILDS, MASK = 0x80000000, 0x40000000, 0x20000000, 0x0FFFFFFF


class Bad(Exception):
    pass


def u32(b, off):
    if off + 4 > len(b):
        raise Bad("u32 at %d past the end" % off)
    return struct.unpack_from(">I", b, off)[0]


def cstr(b, off):
    end = b.find(b"\0", off)
    if end < 0:
        raise Bad("unterminated string at %d" % off)
    return b[off:end], end + 1


def decode(b):
    if len(b) < 12 or u32(b, 0) != MAGIC or u32(b, 4) != VERSION:
        raise Bad("not a version 2.1 kmod index")
    out = []
    stack = [(u32(b, 8), b"")]
    seen = set()
    while stack:
        ptr, key = stack.pop()
        off = ptr & MASK
        if not ptr & (F_PREFIX | F_VALUES | F_CHILDS):
            continue  # an empty root
        if off < 12 or off >= len(b) or off in seen:
            raise Bad("node offset %d out of range or shared" % off)
        seen.add(off)
        if ptr & F_PREFIX:
            pre, off = cstr(b, off)
            key += pre
        kids = []
        if ptr & F_CHILDS:
            if off + 2 > len(b):
                raise Bad("child range past the end")
            first, last = b[off], b[off + 1]
            if first > last or last > 127:
                raise Bad("bad child range %d..%d" % (first, last))
            off += 2
            for c in range(first, last + 1):
                child = u32(b, off)
                off += 4
                if child:
                    kids.append((child, key + bytes([c])))
        if ptr & F_VALUES:
            n = u32(b, off)
            off += 4
            for _ in range(n):
                prio = u32(b, off)
                val, off = cstr(b, off + 4)
                out.append("%s\t%d\t%s" % (key.decode("latin-1"), prio, val.decode("latin-1")))
        # visit children in ascending byte order
        stack.extend(reversed(kids))
    return out


def load(path):
    with open(path, "rb") as f:
        return decode(f.read())


def main():
    if len(sys.argv) == 2:
        for line in load(sys.argv[1]):
            print(line)
        return 0
    if len(sys.argv) == 3:
        a, b = load(sys.argv[1]), load(sys.argv[2])
        diff = list(difflib.unified_diff(a, b, sys.argv[1], sys.argv[2], lineterm="", n=0))
        for line in diff:
            print(line)
        if not diff:
            print("same keys and values; only the layout differs")
        return 1 if diff else 0
    sys.exit(__doc__)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Bad as e:
        print("dump-bin: %s" % e, file=sys.stderr)
        sys.exit(2)
