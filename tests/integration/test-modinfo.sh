#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# modinfo against Debian's kmod 30 on modules built here: crafted .modinfo
# sections, every signature shape (keys generated now), compressions, damaged
# files, and lookups in a tree indexed by kmod's depmod. Expected output is
# kmod's, produced at test time. The real trees are in tests/compat.
. "$(dirname "$0")/lib.sh"
MG=$1
MGT=$2
SRC=${MODGATE_SRC:-$(dirname "$0")/../..}
KMOD=/sbin/modinfo

ours() { (exec -a modinfo "$MG" "$@"); }
kmod() { (exec -a modinfo "$KMOD" "$@"); }

# same NAME ARGS...: identical stdout, stderr (without libkmod's own
# diagnostics) and exit status
same() {
	local name=$1
	shift
	kmod "$@" >"$TMP/k.out" 2>"$TMP/k.err.raw"
	local krc=$?
	ours "$@" >"$TMP/o.out" 2>"$TMP/o.err"
	local orc=$?
	grep -v '^libkmod: ' "$TMP/k.err.raw" >"$TMP/k.err"
	if cmp -s "$TMP/k.out" "$TMP/o.out" && cmp -s "$TMP/k.err" "$TMP/o.err" && [ $krc = $orc ]; then
		ok "$name"
	else
		not_ok "$name" "$(diff <(tr '\0' '\n' <"$TMP/k.out") <(tr '\0' '\n' <"$TMP/o.out") | head -20)
$(diff "$TMP/k.err" "$TMP/o.err" | head -10)
exit kmod $krc, modgate $orc"
	fi
}

# A damaged file: kmod's messages come partly from libkmod; ours add one line
# naming the cause. Same stdout and status, and kmod's tool line is our last.
same_but_cause() {
	local name=$1
	shift
	kmod "$@" >"$TMP/k.out" 2>"$TMP/k.err.raw"
	local krc=$?
	ours "$@" >"$TMP/o.out" 2>"$TMP/o.err"
	local orc=$?
	if cmp -s "$TMP/k.out" "$TMP/o.out" && [ $krc = $orc ] &&
		[ "$(grep -v '^libkmod: ' "$TMP/k.err.raw" | tail -n1)" == "$(tail -n1 "$TMP/o.err")" ] &&
		[ "$(wc -l <"$TMP/o.err")" -eq 2 ]; then
		ok "$name"
	else
		not_ok "$name" "kmod ($krc): $(cat "$TMP/k.err.raw")
modgate ($orc): $(cat "$TMP/o.err")"
	fi
}

# --- fixtures: a depmod'ed tree, and single modules built from C
ROOT=$TMP/root
VER=$(bash "$SRC/tests/unit/test-index-fixture.sh" "$ROOT") || { not_ok "fixture tree"; finish; exit; }
MD=$ROOT/lib/modules/$VER
F=$TMP/files
mkdir -p "$F"
cd "$F" || exit 1

mkobj() { # OUT C-SOURCE
	printf '%s\n' "$2" >"$TMP/src.c"
	cc -c -O0 -o "$1" "$TMP/src.c"
}
# A .modinfo section with exactly these bytes (python bytes literal).
mkmi() { # OUT BYTES
	python3 -c 'import sys
b = eval("(" + sys.argv[1] + ")")
print("static const unsigned char mi[%d] __attribute__((used, section(\".modinfo\"))) = {%s};"
      % (len(b), ",".join(str(x) for x in b)))' "$2" >"$TMP/src.c"
	cc -c -O0 -o "$1" "$TMP/src.c"
}
# leading padding, empty strings, a string without '='
# (kmod also accepts an unterminated last string; modgate's decoder refuses it)
mkmi crafted.ko 'b"\0\0license=GPL\0parm=a:desc A\0parmtype=a:int\0parmtype=b:bool\0parm=c:desc C\0"
	b"parm=a:new A\0parm=bad\0parmtype=d:charp\0intree\0abcdefghijklmnop=16\0"
	b"a_key_of_22_characters=22\0\0\0alias=x\0description=two words\0name=crafted\0"
	b"last=value\0"'
mkobj nomodinfo.ko 'static const char x[] __attribute__((used)) = "no modinfo";'
mkmi empty.ko 'b"\0\0\0"'

# Appended signatures as sign-file writes them, keys made now.
openssl req -new -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.crt -days 2 \
	-subj "/O=modgate test/CN=modgate test RSA key" 2>/dev/null
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -keyout ec.key \
	-out ec.crt -days 2 -subj "/CN=modgate test ECDSA key" 2>/dev/null
openssl req -new -x509 -newkey rsa:2048 -nodes -keyout nocn.key -out nocn.crt -days 2 \
	-subj "/O=no common name/OU=unit" 2>/dev/null
trailer() { # ALGO HASH IDTYPE SIGNERLEN KEYIDLEN SIGLEN
	python3 -c 'import struct, sys
a = [int(x) for x in sys.argv[1:]]
sys.stdout.buffer.write(bytes(a[:5] + [0, 0, 0]) + struct.pack(">I", a[5]) +
                        b"~Module signature appended~\n")' "$@"
}
sign() { # IN OUT CERT KEY DIGEST [cms options]
	local in=$1 out=$2 crt=$3 key=$4 md=$5
	shift 5
	openssl cms -sign -in "$in" -signer "$crt" -inkey "$key" -binary -outform DER -nocerts \
		-noattr -nosmimecap -md "$md" "$@" -out "$TMP/sig.der" || return 1
	{ cat "$in" "$TMP/sig.der"; trailer 0 0 2 0 0 "$(stat -c %s "$TMP/sig.der")"; } >"$out"
}
sign crafted.ko rsa.ko rsa.crt rsa.key sha256
# PKCS#7 with a non-zero signer_len: the kernel refuses it, kmod 30 shows it
{ cat crafted.ko "$TMP/sig.der"; trailer 0 0 2 5 0 "$(stat -c %s "$TMP/sig.der")"; } >odd.ko
sign crafted.ko rsa512.ko rsa.crt rsa.key sha512
sign crafted.ko skid.ko rsa.crt rsa.key sha256 -keyid
sign crafted.ko ec.ko ec.crt ec.key sha384
sign crafted.ko nocn.ko nocn.crt nocn.key sha256
{ cat crafted.ko; printf 'signer\0xx'; printf '\xab\xcd'; printf 'SIG'; trailer 1 4 1 10 2 3; } >legacy.ko
{ cat crafted.ko; printf 'SIG'; trailer 0 4 0 0 0 3; } >pgp.ko
{ cat crafted.ko; trailer 0 0 2 0 0 999999; } >badlen.ko
{ cat crafted.ko; printf 'SIG'; trailer 0 9 0 0 0 3; } >badhash.ko
for f in crafted rsa ec legacy; do
	xz -k -c $f.ko >$f.ko.xz
	zstd -q -c $f.ko >$f.ko.zst
	gzip -c $f.ko >$f.ko.gz
done

# --- module files
for f in crafted.ko nomodinfo.ko empty.ko rsa.ko rsa512.ko skid.ko ec.ko nocn.ko legacy.ko \
	pgp.ko badlen.ko badhash.ko odd.ko crafted.ko.xz crafted.ko.zst rsa.ko.xz ec.ko.zst \
	legacy.ko.xz "$MD/kernel/a/mod_a.ko"; do
	same "$f" "$f"
	same "$f -0" -0 "$f"
done
for o in -a -d -l -p -n "-F name" "-F parmtype" "-F last" "-F nothere" "-F signer" "-p -0"; do
	# shellcheck disable=SC2086
	same "crafted $o" $o rsa.ko
done
same "relative paths are made absolute, not normalised" ./crafted.ko ../files/rsa.ko
same "many files in one run, one missing" crafted.ko missing.ko rsa.ko.xz nomodinfo.ko ec.ko
mkdir -p dir.ko
same "a directory is looked up as a name" dir.ko
same "a name with a module extension that is no file" nothere.ko

# .ko.gz: Debian's kmod has no zlib; the reference is its output for .ko.zst
for f in crafted rsa ec legacy; do
	kmod $f.ko.zst 2>"$TMP/kerr" | sed "s|\.ko\.zst$|.ko.gz|" >"$TMP/want"
	ours $f.ko.gz >"$TMP/got" 2>"$TMP/err"
	if cmp -s "$TMP/want" "$TMP/got" && cmp -s "$TMP/kerr" "$TMP/err"; then ok "$f.ko.gz"; else
		not_ok "$f.ko.gz" "$(diff "$TMP/want" "$TMP/got"; diff "$TMP/kerr" "$TMP/err")"; fi
done

# damaged files
printf 'xyz' >tiny.ko
head -c 5000 /dev/urandom >garbage.ko
head -c 300 crafted.ko >truncated.ko
cp crafted.ko.xz corrupt.ko.xz
printf '\x01\x02\x03\x04' | dd of=corrupt.ko.xz bs=1 seek=60 conv=notrunc 2>/dev/null
for f in tiny.ko garbage.ko corrupt.ko.xz truncated.ko; do
	same_but_cause "$f" "$f"
done

# --- lookups in the depmod'ed tree
B=(-b "$ROOT" -k "$VER")
for n in mod_a mod-b mod_c nope bi_one bi-one-only fs-bi fs_bi dup foo-bar xay xby \
	usb:v1p2d3 acpi:ABC0001: "pci:v00001234d00005678sv0sd0bc0sc0i0" \
	"pci:v00001234d00009999sv0sd0bc0sc0i0" symbol:sym_a symbol:sym_b symbol:nope \
	"bad]x" "x[y" "x[ab]y" ""; do
	same "lookup '$n'" "${B[@]}" "$n"
	same "lookup '$n' -m" "${B[@]}" -m "$n"
	same "lookup '$n' -n -0" "${B[@]}" -n -0 "$n"
done
same "-m cuts at the first dot" "${B[@]}" -m mod_a.ko.xz
same "builtin -F name" "${B[@]}" -F name bi_two
same "builtin -0" "${B[@]}" -0 bi_two fs-bi
same "several names" "${B[@]}" mod_a nope bi_one symbol:sym_b
same "relative -b" -b ../root -k "$VER" mod_a
cd "$TMP" && same "relative -b from elsewhere" -b root -k "$VER" mod_c
cd "$F" || exit 1
same "-k alone: /lib/modules/<k>" -k 0.0.0-none mod_a

rm "$MD/kernel/c/mod_c.ko"
same "indexed module whose file is gone" "${B[@]}" mod_c
mv "$MD/modules.builtin.modinfo" "$MD/bim"
same "built-in without modules.builtin.modinfo" "${B[@]}" bi_one
mv "$MD/bim" "$MD/modules.builtin.modinfo"

# kmod 30 parses modules.softdep as a full config file even for modinfo, so
# an alias there (depmod copies them from module metadata) resolves. modgate
# reads only softdep/weakdep lines from it (DESIGN.md invariant 7).
echo "alias injected mod_a" >>"$MD/modules.softdep"
expect_rc "modules.softdep alias is not honoured" 1 ours "${B[@]}" injected
expect_eq "... and the name is not found" "modinfo: ERROR: Module injected not found." "$(cat "$TMP/err")"

# a damaged index is an error that names it
cp "$MD/modules.alias.bin" "$TMP/alias.bin"
printf '\x0f\xff\xff\xff' | dd of="$MD/modules.alias.bin" bs=1 seek=8 conv=notrunc 2>/dev/null
expect_rc "damaged modules.alias.bin" 1 ours "${B[@]}" foo-bar
expect_eq "damaged index named" "modinfo: ERROR: $MD/modules.alias.bin: index node pointer past the end of the file
modinfo: ERROR: Module alias foo-bar not found." "$(cat "$TMP/err")"
printf 'junk' >"$MD/modules.alias.bin"
expect_rc "not an index" 1 ours "${B[@]}" foo-bar
grep -q "modules.alias.bin: not a kmod index" "$TMP/err" && ok "not an index: named" ||
	not_ok "not an index: named" "$(cat "$TMP/err")"
cp "$TMP/alias.bin" "$MD/modules.alias.bin"

# modprobe.d plays no part in kmod 30's modinfo (empty config list)
if unshare -m true 2>/dev/null; then
	out=$(unshare -m bash -c "mount -t tmpfs none /etc/modprobe.d &&
		echo 'alias viaconf mod_a' >/etc/modprobe.d/x.conf &&
		(exec -a modinfo $MG ${B[*]} viaconf); echo rc=\$?" 2>&1)
	expect_eq "modprobe.d aliases are not consulted" \
		"modinfo: ERROR: Module viaconf not found.
rc=1" "$out"
else
	ok "modprobe.d aliases are not consulted # SKIP no mount namespace"
fi

# uname through the kernel seam: -b alone uses the running release
mkdir -p "$TMP/fake/proc/sys/kernel"
echo "$VER" >"$TMP/fake/proc/sys/kernel/osrelease"
out=$(MODGATE_FAKE_ROOT=$TMP/fake "$MGT" modinfo -b "$ROOT" -F filename mod_a)
expect_eq "-b without -k takes uname's release" "$MD/kernel/a/mod_a.ko" "$out"

# --- the command line
same "no argument" "${B[@]}"
same "unknown option" -x crafted.ko
same "missing option argument" crafted.ko -F
same "help" -h
expect_rc "--version" 0 ours --version
expect_eq "version names modgate" "modgate version" "$(head -c 15 "$TMP/out")"
finish
