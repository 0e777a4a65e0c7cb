#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `modgate verify` against the test-only CMS_verify oracle (verify-oracle) on
# module files signed at test time the way the kernel's sign-file does
# (openssl cms: detached, binary, no certificates, no attributes, issuer+serial
# or -keyid), plus every way such a file can be wrong. For each case the
# parent's verdict must equal the oracle's and the case's expected state.
#
# Usage: test-verify.sh MODGATE MODGATE_TEST VERIFY_ORACLE
MODGATE=$1
ORACLE=$3
. "$(dirname "$0")/lib.sh"

K=$TMP/keys
ROOT=$TMP/root
STORE=$ROOT/etc/modgate/keys.d
M=$TMP/mods
mkdir -p "$K" "$STORE" "$M"
export OPENSSL_CONF=/dev/null # the openssl CLI's own defaults, whatever the host has

newcert() { # NAME KEYSPEC...
	local name=$1
	shift
	openssl req -x509 -new -nodes "$@" -keyout "$K/$name.key" -out "$K/$name.crt" \
		-subj "/CN=modgate test $name" -days 3650 -addext subjectKeyIdentifier=hash \
		>/dev/null 2>&1 || { echo "cannot create key $name" >&2; exit 1; }
}
newcert rsa2048 -newkey rsa:2048
newcert rsa4096 -newkey rsa:4096
newcert p256 -newkey ec -pkeyopt ec_paramgen_curve:P-256
newcert p384 -newkey ec -pkeyopt ec_paramgen_curve:P-384
newcert stranger -newkey rsa:2048
newcert strangec -newkey ec -pkeyopt ec_paramgen_curve:P-256
for n in rsa2048 rsa4096 p256 p384; do cp "$K/$n.crt" "$STORE/$n.pem"; done
chmod 0644 "$STORE"/*

# Module content: a relocatable ELF object, made here. Zero padding after it
# keeps the ELF intact when a lying trailer moves the blob's start a little,
# so such a file reaches the signature checks (without it the sandboxed
# parser refuses the cut ELF first: see the last case below).
printf 'int modgate_test_fn(int x) { return x * 3; }\nconst char modgate_test_s[] = "hello";\n' >"$TMP/m.c"
${CC:-cc} -c -o "$TMP/m.o" "$TMP/m.c" || { echo "no C compiler" >&2; exit 1; }
{ cat "$TMP/m.o"; head -c 64 /dev/zero; } >"$TMP/base.o"

be32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

# assemble OUT CONTENT BLOB [SIG_LEN [INFO8]]: content, blob, struct module_signature, magic
assemble() {
	local out=$1 content=$2 blob=$3 len=${4:-$(stat -c %s "$3")} info=${5:-'\x00\x00\x02\x00\x00\x00\x00\x00'}
	{ cat "$content" "$blob"; printf '%b' "$info$(be32 "$len")"; printf '~Module signature appended~\n'; } >"$out"
}

# sign BLOB_OUT KEY MD [openssl cms options...]: sign-file's defaults unless overridden
sign() {
	local out=$1 key=$2 md=$3
	shift 3
	openssl cms -sign -binary -outform DER -in "$TMP/base.o" -signer "$K/$key.crt" \
		-inkey "$K/$key.key" -md "$md" -out "$out" "$@" 2>/dev/null ||
		{ echo "cannot sign with $key $md $*" >&2; exit 1; }
}

flip() { # FILE OFFSET: xor one byte
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf '%b' "$(printf '\\x%02x' $((b ^ 0x41)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

NAMES=() EXPECT=() PLAIN=() FILES=()
add() { # NAME EXPECTED FILE [PLAIN]
	NAMES+=("$1") EXPECT+=("$2") FILES+=("$3") PLAIN+=("${4:-$3}")
}

CL=$(stat -c %s "$TMP/base.o")
# valid: every key type, both signer id forms, the SHA-2 family and SHA-3
for spec in rsa2048:sha256 rsa2048:sha512 rsa4096:sha384 rsa4096:sha3-256 p256:sha256 \
	p256:sha384 p384:sha384 p384:sha512; do
	key=${spec%%:*} md=${spec#*:}
	sign "$M/$key-$md.is.p7" "$key" "$md" -noattr -nocerts
	assemble "$M/$key-$md.is.ko" "$TMP/base.o" "$M/$key-$md.is.p7"
	add "$key $md issuer+serial" valid "$M/$key-$md.is.ko"
	sign "$M/$key-$md.kid.p7" "$key" "$md" -noattr -nocerts -keyid
	assemble "$M/$key-$md.kid.ko" "$TMP/base.o" "$M/$key-$md.kid.p7"
	add "$key $md skid" valid "$M/$key-$md.kid.ko"
done
G=$M/rsa2048-sha256.is
GE=$M/p384-sha384.kid
# content of many of the verifier's 64 KiB blocks (each block read feeds the
# sha256 of the file and the signature's digest): valid, and invalid with a
# byte changed in a late block; and content that ends exactly where a block
# does, so the signature's digest ends with one block and the file's goes on
{ cat "$TMP/m.o"; head -c 700000 /dev/urandom; } >"$TMP/big.o"
mo=$(stat -c %s "$TMP/m.o")
{ cat "$TMP/m.o"; head -c $((4 * 65536 - mo)) /dev/urandom; } >"$TMP/edge.o"
for md in sha384 sha3-256 sha256; do
	sign "$M/big-$md.p7" rsa2048 "$md" -noattr -nocerts -in "$TMP/big.o"
	assemble "$M/big-$md.ko" "$TMP/big.o" "$M/big-$md.p7"
	add "rsa2048 $md, content of 11 blocks" valid "$M/big-$md.ko"
	cp "$M/big-$md.ko" "$M/big-$md-late.ko"
	flip "$M/big-$md-late.ko" 600000
	add "rsa2048 $md, a byte of the tenth block changed" invalid "$M/big-$md-late.ko"
	sign "$M/edge-$md.p7" rsa2048 "$md" -noattr -nocerts -in "$TMP/edge.o"
	assemble "$M/edge-$md.ko" "$TMP/edge.o" "$M/edge-$md.p7"
	add "rsa2048 $md, content of exactly 4 blocks" valid "$M/edge-$md.ko"
	cp "$M/edge-$md.ko" "$M/edge-$md-last.ko"
	flip "$M/edge-$md-last.ko" $((4 * 65536 - 1))
	add "rsa2048 $md, the last byte of the content changed" invalid "$M/edge-$md-last.ko"
done

# untrusted: well formed, the signer is not in the store
sign "$M/stranger.p7" stranger sha256 -noattr -nocerts
assemble "$M/stranger.ko" "$TMP/base.o" "$M/stranger.p7"
add "untrusted rsa" untrusted "$M/stranger.ko"
sign "$M/strangec.p7" strangec sha256 -noattr -nocerts -keyid
assemble "$M/strangec.ko" "$TMP/base.o" "$M/strangec.p7"
add "untrusted ec skid" untrusted "$M/strangec.ko"
# the signer's certificate inside the blob does not make it trusted
sign "$M/embedded.p7" stranger sha256 -noattr
assemble "$M/embedded.ko" "$TMP/base.o" "$M/embedded.p7"
add "embedded untrusted cert" untrusted "$M/embedded.ko"
sign "$M/embedded-ok.p7" rsa2048 sha256 -noattr
assemble "$M/embedded-ok.ko" "$TMP/base.o" "$M/embedded-ok.p7"
add "embedded trusted cert" valid "$M/embedded-ok.ko"

# invalid: the certificate is found, the bytes or the signature changed
for base in "$G" "$GE"; do
	b=$(basename "$base")
	cp "$base.ko" "$M/$b-content.ko" && flip "$M/$b-content.ko" 200
	add "$b one module byte flipped" invalid "$M/$b-content.ko"
	cp "$base.ko" "$M/$b-sig.ko" && flip "$M/$b-sig.ko" $((CL + $(stat -c %s "$base.p7") - 1))
	add "$b signature byte flipped" invalid "$M/$b-sig.ko"
done

# malformed: trailer lies and kernel rules
SL=$(stat -c %s "$G.p7")
assemble "$M/len-plus.ko" "$TMP/base.o" "$G.p7" $((SL + 1))
add "trailer sig_len one too long" malformed "$M/len-plus.ko"
assemble "$M/len-minus.ko" "$TMP/base.o" "$G.p7" $((SL - 1))
add "trailer sig_len one too short" malformed "$M/len-minus.ko"
assemble "$M/len-huge.ko" "$TMP/base.o" "$G.p7" $((CL + SL + 5))
add "trailer sig_len past the file" malformed "$M/len-huge.ko"
assemble "$M/len-zero.ko" "$TMP/base.o" "$G.p7" 0
add "trailer sig_len zero" malformed "$M/len-zero.ko"
assemble "$M/idtype.ko" "$TMP/base.o" "$G.p7" "$SL" '\x00\x00\x01\x00\x00\x00\x00\x00'
add "trailer id_type 1" malformed "$M/idtype.ko"
assemble "$M/pad.ko" "$TMP/base.o" "$G.p7" "$SL" '\x00\x00\x02\x00\x00\x00\x01\x00'
add "trailer non-zero padding" malformed "$M/pad.ko"
assemble "$M/algo.ko" "$TMP/base.o" "$G.p7" "$SL" '\x01\x00\x02\x00\x00\x00\x00\x00'
add "trailer non-zero algo" malformed "$M/algo.ko"
head -c 300 /dev/urandom >"$M/junk.p7"
assemble "$M/junk.ko" "$TMP/base.o" "$M/junk.p7"
add "blob is not DER" malformed "$M/junk.ko"
sign "$M/attrs.p7" rsa2048 sha256 -nocerts
assemble "$M/attrs.ko" "$TMP/base.o" "$M/attrs.p7"
add "signed attributes" malformed "$M/attrs.ko"
sign "$M/two.p7" rsa2048 sha256 -noattr -nocerts -signer "$K/p256.crt" -inkey "$K/p256.key"
assemble "$M/two.ko" "$TMP/base.o" "$M/two.p7"
add "two signers" malformed "$M/two.ko"
sign "$M/attached.p7" rsa2048 sha256 -noattr -nocerts -nodetach
assemble "$M/attached.ko" "$TMP/base.o" "$M/attached.p7"
add "content not detached" malformed "$M/attached.ko"
for md in sha1 sha224; do
	sign "$M/$md.p7" rsa2048 "$md" -noattr -nocerts
	assemble "$M/$md.ko" "$TMP/base.o" "$M/$md.p7"
	add "weak digest $md" malformed "$M/$md.ko"
done
sign "$M/ec-sha1.p7" p256 sha1 -noattr -nocerts -keyid
assemble "$M/ec-sha1.ko" "$TMP/base.o" "$M/ec-sha1.p7"
add "weak digest sha1 ecdsa" malformed "$M/ec-sha1.ko"

# none, and compressed modules whose inner signature is valid (Kbuild signs, then compresses)
cp "$TMP/base.o" "$M/unsigned.ko"
add "unsigned" none "$M/unsigned.ko"
xz --check=crc32 -c "$G.ko" >"$M/c.ko.xz" && add "xz, valid inside" valid "$M/c.ko.xz" "$G.ko"
zstd -q -c "$GE.ko" >"$M/c.ko.zst" && add "zstd, valid inside" valid "$M/c.ko.zst" "$GE.ko"
gzip -c "$G.ko" >"$M/c.ko.gz" && add "gzip, valid inside" valid "$M/c.ko.gz" "$G.ko"
xz -c "$M/$(basename "$G")-content.ko" >"$M/cbad.ko.xz" &&
	add "xz, tampered inside" invalid "$M/cbad.ko.xz" "$M/$(basename "$G")-content.ko"

# --- run both over every case ---
# (not compared: a trailer that cuts into the ELF itself leaves the sandboxed
# parser nothing to report on; the file is refused before any verdict)
assemble "$M/cut.ko" "$TMP/m.o" "$G.p7" $((SL + 100))
expect_rc "trailer cutting into the ELF: refused, no verdict" 1 "$MODGATE" --root "$ROOT" verify "$M/cut.ko"
grep -q ': error$' "$TMP/out" && ok "shown as an error" || not_ok "shown as an error" "$(cat "$TMP/out")"

"$MODGATE" --root "$ROOT" verify --json "${FILES[@]}" >"$TMP/mg.json" 2>"$TMP/mg.err"
rc=$?
expect_eq "verify exits 1 when any file is not valid" 1 "$rc"
"$ORACLE" "$STORE" "${PLAIN[@]}" >"$TMP/oracle.txt"
field() { sed -n "${2}p" "$TMP/mg.json" | sed -E "s/.*\"$1\":(\"([^\"]*)\"|null).*/\\2/"; }
for i in "${!NAMES[@]}"; do
	got=$(field state $((i + 1)))
	oracle=$(sed -n "$((i + 1))p" "$TMP/oracle.txt" | cut -f1)
	if [ "$got" == "${EXPECT[$i]}" ] && [ "$oracle" == "${EXPECT[$i]}" ]; then
		ok "${NAMES[$i]}: $got (oracle agrees)"
	else
		not_ok "${NAMES[$i]}" "modgate: $got ($(field reason $((i + 1)))), oracle: $oracle, expected: ${EXPECT[$i]}"
	fi
done

# parent-established facts: sha256 of the (decompressed) bytes of every case,
# whatever its verdict, whatever its size; the certificate's name
bad=""
for i in "${!NAMES[@]}"; do
	[ "$(sha256sum <"${PLAIN[$i]}" | cut -d' ' -f1)" == "$(field sha256 $((i + 1)))" ] ||
		bad="$bad ${NAMES[$i]};"
done
expect_eq "sha256 of every case is of its (decompressed) bytes" "" "$bad"
i=$((${#NAMES[@]} - 4)) # "xz, valid inside"
expect_eq "the certificate is named by its file" "rsa2048.pem" "$(field cert $((i + 1)))"
expect_eq "digest shown" "sha256" "$(field digest $((i + 1)))"

# weak digests on request, both sides
weak=("$M/sha1.ko" "$M/sha224.ko" "$M/ec-sha1.ko")
expect_rc "weak digests accepted with --allow-weak-digests" 0 \
	"$MODGATE" --root "$ROOT" verify -q --allow-weak-digests "${weak[@]}"
expect_eq "the oracle agrees on weak digests" "valid valid valid" \
	"$("$ORACLE" -w "$STORE" "${weak[@]}" | cut -f1 | xargs)"

# exit status and the parallel path: many valid files, in order
valid=()
for i in "${!NAMES[@]}"; do [ "${EXPECT[$i]}" == valid ] && valid+=("${FILES[$i]}"); done
expect_rc "exit 0 when every file is valid" 0 "$MODGATE" --root "$ROOT" verify --jobs 3 "${valid[@]}"
expect_eq "parallel output keeps argument order" "$(printf '%s: valid\n' "${valid[@]}")" "$(grep -v '^	' "$TMP/out")"
expect_eq "serial and parallel agree" "$("$MODGATE" --root "$ROOT" verify --jobs 1 "${valid[@]}")" "$(cat "$TMP/out")"
# more files than a worker sends in one batch (tools/verify.c), and a
# failing one among them: every record arrives, in order
many=()
for ((r = 0; r < 12; r++)); do many+=("${valid[@]}"); done
many+=(/etc/hostname "${valid[@]}")
"$MODGATE" --root "$ROOT" verify --jobs 2 "${many[@]}" >"$TMP/many-par"
par_rc=$?
"$MODGATE" --root "$ROOT" verify --jobs 1 "${many[@]}" >"$TMP/many-ser"
ser_rc=$?
expect_eq "batched parallel output equals the serial one (${#many[@]} files)" \
	"$(cat "$TMP/many-ser")" "$(cat "$TMP/many-par")"
expect_eq "batched parallel and serial exit alike" "1 1" "$par_rc $ser_rc"
expect_rc "not an ELF file is an error" 1 "$MODGATE" --root "$ROOT" verify /etc/hostname
grep -q ': error$' "$TMP/out" && ok "error state shown" || not_ok "error state shown" "$(cat "$TMP/out")"

# fail closed: a trust store file others may write, or not root's, refuses everything
chmod o+w "$STORE/p256.pem"
expect_rc "store file writable by others: refused" 1 "$MODGATE" --root "$ROOT" verify "$G.ko"
grep -q "p256.pem: refused: not owned by root or writable by others" "$TMP/err" &&
	ok "refusal names the file" || not_ok "refusal names the file" "$(cat "$TMP/err")"
chmod o-w "$STORE/p256.pem"
if [ "$(id -u)" -eq 0 ]; then
	chown 65534 "$STORE/p384.pem"
	expect_rc "store file not owned by root: refused" 1 "$MODGATE" --root "$ROOT" verify "$G.ko"
	chown 0 "$STORE/p384.pem"
fi
echo garbage >"$STORE/zz-broken.pem"
expect_rc "unparsable store file: refused" 1 "$MODGATE" --root "$ROOT" verify "$G.ko"
rm "$STORE/zz-broken.pem"
expect_rc "store restored" 0 "$MODGATE" --root "$ROOT" verify "$G.ko"

# OpenSSL's configuration file cannot steer the verifier
cat >"$TMP/evil.cnf" <<'EOF'
openssl_conf = init
[init]
alg_section = algs
[algs]
default_properties = fips=yes
EOF
if ! OPENSSL_CONF=$TMP/evil.cnf openssl dgst -sha256 "$G.ko" >/dev/null 2>&1; then
	OPENSSL_CONF=$TMP/evil.cnf expect_rc "OPENSSL_CONF is not read" 0 "$MODGATE" --root "$ROOT" verify "$G.ko"
else
	not_ok "the poisoned openssl.cnf has no effect on openssl itself: the test proves nothing"
fi

finish
