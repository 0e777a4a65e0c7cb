#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build a small module object for the depmod tests, with the C compiler.

Usage: depmod-mkmod.py OUT [options]
  --info KEY=VALUE    a .modinfo string (repeatable, kept in order; may hold
                      any byte but NUL, e.g. a newline for the injection test)
  --export NAME       exported symbol, listed in __ksymtab_strings
  --crc NAME=CRC      exported symbol with a __crc_NAME symbol (kmod then
                      ignores __ksymtab_strings, as for a MODVERSIONS build)
  --need NAME         undefined symbol the module uses
  --weak NAME         weak undefined symbol
  --version NAME=CRC  a __versions entry
  --cc CC             compiler (default: $CC or cc)

The result is a relocatable ELF object like a .ko: what depmod reads of a
module (.modinfo, the symbol table, __ksymtab_strings, __versions) is there;
nothing else. Generated at test time, never committed.
"""
import argparse
import os
import subprocess
import sys
import tempfile


def c_string(raw):
    """A C string literal holding exactly these bytes (NULs included)."""
    out = []
    for b in raw:
        if b in (0x22, 0x5C):
            out.append("\\" + chr(b))
        elif 0x20 <= b < 0x7F and b != 0x3F:  # '?' would risk a trigraph
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def main():
    ap = argparse.ArgumentParser(add_help=True)
    ap.add_argument("out")
    ap.add_argument("--info", action="append", default=[])
    ap.add_argument("--export", action="append", default=[])
    ap.add_argument("--crc", action="append", default=[])
    ap.add_argument("--need", action="append", default=[])
    ap.add_argument("--weak", action="append", default=[])
    ap.add_argument("--version", action="append", default=[])
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    a = ap.parse_args()

    src = []
    if a.info:
        blob = b"\0".join(s.encode("utf-8", "surrogateescape") for s in a.info)
        src.append('__attribute__((section(".modinfo"), used, aligned(1)))')
        src.append("static const char modinfo[] = %s;" % c_string(blob))
    if a.export:
        blob = b"\0".join(n.encode() for n in a.export)
        src.append('__attribute__((section("__ksymtab_strings"), used, aligned(1)))')
        src.append("static const char ksymtab_strings[] = %s;" % c_string(blob))
    for spec in a.crc:
        name, crc = spec.split("=")
        src.append('__attribute__((section("___kcrctab+%s"), used))' % name)
        src.append("const unsigned int __crc_%s = %s;" % (name, crc))
    if a.version:
        src.append("struct modversion_info { unsigned long crc; char name[56]; };")
        src.append('__attribute__((section("__versions"), used))')
        ents = []
        for spec in a.version:
            name, crc = spec.split("=")
            ents.append("{%s, %s}" % (crc, c_string(name.encode())))
        src.append("static const struct modversion_info versions[] = {%s};" % ", ".join(ents))
    calls = []
    for n in a.need:
        src.append("extern int %s(void);" % n)
        calls.append("%s()" % n)
    for n in a.weak:
        src.append("extern int %s(void) __attribute__((weak));" % n)
        calls.append("(%s ? %s() : 0)" % (n, n))
    src.append("int depmod_fixture_use(void) { return 0%s; }" % "".join(" + " + c for c in calls))

    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write("\n".join(src) + "\n")
        cfile = f.name
    try:
        r = subprocess.run([a.cc, "-c", "-O0", "-fno-common", "-o", a.out, cfile])
    finally:
        os.unlink(cfile)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
