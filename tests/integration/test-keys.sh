#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `modgate keys` and the kernel hooks over synthetic kernel images built here:
# a bzImage whose gzip/xz/zstd payload holds a system certificate list laid
# out as certs/system_certificates.S does (8-aligned, then the list's size),
# plus a stray certificate elsewhere that must not be trusted. The real
# Debian images are covered by tests/compat/compat-verify.sh.
#
# Usage: test-keys.sh MODGATE MODGATE_TEST VERIFY_ORACLE
MODGATE=$1
. "$(dirname "$0")/lib.sh"
SRC=${MODGATE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
K=$TMP/keys
ROOT=$TMP/root
STORE=$ROOT/etc/modgate/keys.d
mkdir -p "$K"
export OPENSSL_CONF=/dev/null

newcert() { # NAME KEYSPEC...
	local name=$1
	shift
	openssl req -x509 -new -nodes "$@" -keyout "$K/$name.key" -out "$K/$name.crt" \
		-subj "/CN=modgate test $name" -days 3650 -addext subjectKeyIdentifier=hash >/dev/null 2>&1
	openssl x509 -in "$K/$name.crt" -outform DER -out "$K/$name.der"
}
newcert build -newkey rsa:2048
newcert extra -newkey ec -pkeyopt ec_paramgen_curve:P-384
newcert stray -newkey ec -pkeyopt ec_paramgen_curve:P-256
newcert p521 -newkey ec -pkeyopt ec_paramgen_curve:P-521
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
der_fp() { sha256sum <"$1" | cut -d' ' -f1; }

# mkimage OUT COMP RELEASE LIST_SIZE: a bzImage around a fake vmlinux
mkimage() {
	python3 - "$@" "$K" <<'EOF'
import gzip, lzma, struct, subprocess, sys
out, comp, release, list_size, k = sys.argv[1:6]
certs = [open(f"{k}/build.der", "rb").read(), open(f"{k}/extra.der", "rb").read()]
stray = open(f"{k}/stray.der", "rb").read()
body = bytearray(b"\x7fELF" + bytes(1000))
body += b"Linux version %s (test@example) #1 SMP\n" % release.encode()
body += stray + bytes(64)                      # not followed by a list size
body += bytes((-len(body)) % 8)                 # .align 8
lst = b"".join(certs)
body += lst + bytes((-len(lst)) % 8)            # system_certificate_list, .align 8
size = len(lst) if list_size == "right" else len(lst) + 8
body += struct.pack("<Q", size) + bytes(4096)  # system_certificate_list_size
if comp == "gzip":
    payload = gzip.compress(bytes(body))
elif comp == "xz":
    payload = lzma.compress(bytes(body), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
else:
    payload = subprocess.run(["zstd", "-q", "-c"], input=bytes(body), capture_output=True).stdout
payload += struct.pack("<I", len(body))         # the kernel appends the size
setup = bytearray(2 * 512)                      # setup_sects = 1
setup[0x1f1] = 1
setup[0x202:0x206] = b"HdrS"
struct.pack_into("<H", setup, 0x206, 0x020f)
struct.pack_into("<H", setup, 0x20e, 0x100)     # kernel_version at 0x200 + 0x100
rel = release.encode() + b" (test@example) #1 SMP\0"
setup[0x300:0x300 + len(rel)] = rel
struct.pack_into("<II", setup, 0x248, 16, len(payload))
open(out, "wb").write(bytes(setup) + bytes(16) + payload)
EOF
}

# --- extract-kernel: each payload compression ---
for comp in gzip xz zstd; do
	mkimage "$TMP/vmlinuz-$comp" "$comp" "9.9.9-$comp+test1" right
	expect_rc "extract-kernel ($comp payload)" 0 "$MODGATE" --root "$ROOT" keys extract-kernel "$TMP/vmlinuz-$comp"
	f=$STORE/kernel-9.9.9-$comp+test1.pem
	expect_eq "named by the image's release ($comp)" "2" "$(grep -c BEGIN "$f" 2>/dev/null)"
	expect_eq "the list's certificates, in order ($comp)" "$(fp "$K/build.crt") $(fp "$K/extra.crt")" \
		"$(openssl crl2pkcs7 -nocrl -certfile "$f" | openssl pkcs7 -print_certs | awk '/BEGIN/,/END/' >"$TMP/x.pem"
		   csplit -s -z -f "$TMP/xc" "$TMP/x.pem" '/BEGIN/' '{*}'; for c in "$TMP"/xc*; do fp "$c"; done | xargs; rm -f "$TMP"/xc*)"
	grep -q "1 other certificate in the image ignored" "$TMP/out" && ok "stray certificate ignored ($comp)" ||
		not_ok "stray certificate ignored ($comp)" "$(cat "$TMP/out")"
	expect_eq "file mode 0644 ($comp)" "644" "$(stat -c %a "$f")"
done
expect_rc "re-extraction replaces the file" 0 "$MODGATE" --root "$ROOT" keys extract-kernel "$TMP/vmlinuz-xz"
expect_rc "keys list" 0 "$MODGATE" --root "$ROOT" keys list
expect_eq "list shows every certificate" 6 "$(grep -c '^kernel-9.9.9' "$TMP/out")"
grep -q "algorithm:  ECDSA P-384" "$TMP/out" && ok "list shows the algorithm" || not_ok "list shows the algorithm" "$(cat "$TMP/out")"
grep -q "sha256:     $(fp "$K/build.crt")" "$TMP/out" && ok "list shows the fingerprint" || not_ok "list shows the fingerprint"
expect_rc "keys list --json" 0 "$MODGATE" --root "$ROOT" keys list --json
expect_eq "one JSON object per certificate" 6 "$(grep -c '^{"index":[01],"file":"kernel-9.9.9' "$TMP/out")"

# --- no system list, no release, not an image ---
mkimage "$TMP/vmlinuz-nolist" gzip "9.9.9-nolist" wrong
expect_rc "image without a system certificate list" 1 "$MODGATE" --root "$ROOT" keys extract-kernel "$TMP/vmlinuz-nolist"
grep -q "no system certificate list found in the image (3 other certificates ignored)" "$TMP/err" &&
	ok "says why" || not_ok "says why" "$(cat "$TMP/err")"
mkimage "$TMP/vmlinuz-evil" gzip "../../evil" right
expect_rc "a release unusable as a file name is not used" 1 "$MODGATE" --root "$ROOT" keys extract-kernel "$TMP/vmlinuz-evil"
grep -q "the image names no release; give one with --name" "$TMP/err" && ok "asks for --name" || not_ok "asks for --name" "$(cat "$TMP/err")"
expect_rc "--name and --out" 0 "$MODGATE" keys extract-kernel --out "$TMP/out-dir" --name evil.pem "$TMP/vmlinuz-evil"
expect_eq "written where asked" 2 "$(grep -c BEGIN "$TMP/out-dir/evil.pem")"
expect_rc "invalid --name refused" 1 "$MODGATE" keys extract-kernel --out "$TMP/out-dir" --name ../x.pem "$TMP/vmlinuz-evil"
head -c 100000 /dev/urandom >"$TMP/random"
expect_rc "not a kernel image" 1 "$MODGATE" --root "$ROOT" keys extract-kernel "$TMP/random"

# --- import ---
cp "$K/build.der" "$TMP/mok.pub" # DKMS's /var/lib/dkms/mok.pub is a DER certificate
expect_rc "import DER" 0 "$MODGATE" --root "$ROOT" keys import "$TMP/mok.pub"
expect_eq "imported as mok.pem" "$(fp "$K/build.crt")" "$(fp "$STORE/mok.pem")"
expect_rc "import refuses to replace" 1 "$MODGATE" --root "$ROOT" keys import "$TMP/mok.pub"
grep -q "exists (use --force" "$TMP/err" && ok "says how to replace" || not_ok "says how to replace" "$(cat "$TMP/err")"
expect_rc "import --force replaces" 0 "$MODGATE" --root "$ROOT" keys import --force --name mok.pem "$K/extra.crt"
expect_eq "replaced" "$(fp "$K/extra.crt")" "$(fp "$STORE/mok.pem")"
cat "$K/stray.crt" "$K/stray.key" >"$TMP/with-key.pem"
expect_rc "import refuses a file with a private key" 1 "$MODGATE" --root "$ROOT" keys import "$TMP/with-key.pem"
expect_rc "import refuses what the store would refuse (P-521)" 1 "$MODGATE" --root "$ROOT" keys import "$K/p521.crt"
expect_eq "nothing left behind" "" "$(ls -A "$STORE" | grep -e p521 -e '^\.')"
expect_rc "the store still loads" 0 "$MODGATE" --root "$ROOT" keys list

# --- remove ---
expect_rc "remove" 0 "$MODGATE" --root "$ROOT" keys remove mok.pem
expect_eq "removed" "no" "$([ -e "$STORE/mok.pem" ] && echo yes || echo no)"
expect_rc "remove of an absent file is fine" 0 "$MODGATE" --root "$ROOT" keys remove mok.pem
expect_rc "remove refuses a path" 1 "$MODGATE" --root "$ROOT" keys remove ../../etc/passwd

# --- the kernel hooks, with `modgate` on PATH pointing into the test root ---
mkdir -p "$TMP/bin"
printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$(realpath "$MODGATE")" "$ROOT" >"$TMP/bin/modgate"
chmod +x "$TMP/bin/modgate"
POSTINST=$SRC/conf/kernel/postinst.d/50-modgate
POSTRM=$SRC/conf/kernel/postrm.d/50-modgate
for d in postinst.d postrm.d; do
	hook=$(basename "$SRC"/conf/kernel/$d/*)
	expect_eq "$d hook sorts before initramfs-tools' (run-parts order)" "$hook initramfs-tools" \
		"$(printf '%s\n' initramfs-tools "$hook" | LC_ALL=C sort | xargs)"
	[[ $hook =~ ^[A-Za-z0-9_-]+$ ]] && ok "$d hook name is one run-parts runs" || not_ok "$d hook name $hook is skipped by run-parts"
done
rm -f "$STORE"/kernel-*
expect_rc "postinst hook" 0 env PATH="$TMP/bin:$PATH" DEB_MAINT_PARAMS="configure" "$POSTINST" 9.9.9-hook "$TMP/vmlinuz-zstd"
expect_eq "postinst names the file by the package's version" 2 "$(grep -c BEGIN "$STORE/kernel-9.9.9-hook.pem")"
expect_rc "postinst on another maintainer action does nothing" 0 \
	env PATH="$TMP/bin:$PATH" DEB_MAINT_PARAMS="abort-upgrade" "$POSTINST" 9.9.9-other "$TMP/vmlinuz-zstd"
expect_eq "nothing extracted" "no" "$([ -e "$STORE/kernel-9.9.9-other.pem" ] && echo yes || echo no)"
expect_rc "postinst fails on an image without certificates" 1 env PATH="$TMP/bin:$PATH" "$POSTINST" 9.9.9-bad "$TMP/random"
expect_rc "postinst fails without an image" 1 env PATH="$TMP/bin:$PATH" "$POSTINST" 9.9.9-none "$TMP/absent"
expect_rc "postrm on upgrade keeps it" 0 env PATH="$TMP/bin:$PATH" DEB_MAINT_PARAMS="upgrade" "$POSTRM" 9.9.9-hook
expect_eq "kept" "yes" "$([ -e "$STORE/kernel-9.9.9-hook.pem" ] && echo yes || echo no)"
expect_rc "postrm hook" 0 env PATH="$TMP/bin:$PATH" DEB_MAINT_PARAMS="remove" "$POSTRM" 9.9.9-hook /boot/vmlinuz-9.9.9-hook
expect_eq "removed with the kernel" "no" "$([ -e "$STORE/kernel-9.9.9-hook.pem" ] && echo yes || echo no)"
# a broken policy stops the hook before an initramfs could carry it
mkdir -p "$ROOT/etc/modgate/policy.d"
printf 'version 1\nallow nosuchkey=1\n' >"$ROOT/etc/modgate/policy.d/50-broken.policy"
expect_rc "postinst refuses a broken policy" 1 env PATH="$TMP/bin:$PATH" DEB_MAINT_PARAMS="configure" "$POSTINST" 9.9.9-pol "$TMP/vmlinuz-zstd"
if grep -q "50-broken.policy:2" "$TMP/err"; then ok "the hook names the broken rule's file:line"; else not_ok "the hook names the broken rule's file:line" "$(cat "$TMP/err")"; fi
rm -f "$ROOT/etc/modgate/policy.d/50-broken.policy" "$STORE/kernel-9.9.9-pol.pem"
expect_rc "hooks without modgate installed do nothing" 0 env PATH=/nonexistent /bin/sh "$POSTINST" 9.9.9 "$TMP/vmlinuz-zstd"

finish
