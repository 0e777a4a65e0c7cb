#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The decoders against real Debian modules, with kmod 30 as the oracle:
#  - crafted mutations of a real signed module (truncations, header lies, blobs);
#  - signatures made at test time (RSA-2048, ECDSA P-256/P-384; issuer+serial and
#    subject key id; signed attributes, embedded content, two signers): every
#    fact checked against openssl's view of the certificate, and what modinfo
#    shows compared with kmod's modinfo;
#  - every module of the 6.1 and 6.12 trees decodes; .modinfo values and
#    signature keys equal `modinfo -F`, exports and modversions equal
#    `modprobe --show-exports` / `--dump-modversions`;
#  - the same over s390x (64-bit big endian) and 686 (32-bit) trees.
. "$(dirname "$0")/../integration/lib.sh"
DEC=$1
GEN=$2
SIGN=$3
SRC=${MODGATE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

trees=$("$SRC/tests/compat/fetch-trees.sh") || { not_ok "fetch-trees.sh"; finish; exit; }
read -r _ kver61 root61 < <(awk '$1 == "6.1"' <<<"$trees")
read -r _ kver612 root612 < <(awk '$1 == "6.12"' <<<"$trees")
dir61=$root61/lib/modules/$kver61
mii=$dir61/kernel/drivers/net/mii.ko

# --- crafted from a real module ---
python3 "$GEN" "$TMP/c" "$mii" >/dev/null
"$DEC" --expect "$TMP/c" >"$TMP/out" 2>&1 && ok "crafted inputs from a real module" ||
	not_ok "crafted inputs from a real module" "$(grep -v '^PASS' "$TMP/out")"

# --- signatures made here ---
python3 - "$mii" "$TMP/plain.ko" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
n = struct.unpack(">I", d[-32:-28])[0]
open(sys.argv[2], "wb").write(d[: len(d) - 40 - n])
EOF
K=$TMP/keys
mkdir -p "$K"
mkkey() { # name newkey-args serial
	openssl req -x509 -nodes -days 1 -newkey "$2" -keyout "$K/$1.key" -out "$K/$1.crt" \
		-subj "/O=modgate tests/CN=modgate $1" -set_serial "$3" \
		-addext subjectKeyIdentifier=hash 2>/dev/null
}
mkkey rsa rsa:2048 0x1234abcd
openssl req -x509 -nodes -days 1 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$K/p256.key" \
	-out "$K/p256.crt" -subj "/O=modgate tests/CN=modgate p256" -set_serial 10 \
	-addext subjectKeyIdentifier=hash 2>/dev/null
openssl req -x509 -nodes -days 1 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -keyout "$K/p384.key" \
	-out "$K/p384.crt" -subj "/O=modgate tests/CN=modgate p384" -set_serial 0x00ff00ff00ff \
	-addext subjectKeyIdentifier=hash 2>/dev/null

colon_hex() { sed 's/../&:/g; s/:$//'; }
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/serial=//' | sed 's/^\(00\)*//' | colon_hex; }
skid_of() { openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -n1 | tr -d ' '; }
fact() { awk -v k="$1" '$1 == k { sub(/^[^ ]* /, ""); print; exit }' "$2"; }

check_signed() { # name key hash [sign options...]
	local name=$1 key=$2 hash=$3 f=$TMP/$1.ko s=$TMP/$1.sig
	shift 3
	if ! "$SIGN" "$@" "$hash" "$K/$key.key" "$K/$key.crt" "$TMP/plain.ko" "$f" 2>"$TMP/err"; then
		not_ok "$name: sign" "$(cat "$TMP/err")"
		return
	fi
	"$DEC" --print sig "$f" >"$s"
	# SignerInfos are a DER SET OF, sorted by encoding: the first signer, the one
	# facts (and kmod) describe, may be the added one
	if [[ " $* " == *" --also "* ]] && [ "$(fact issuer_cn "$s")" = "modgate p256" ]; then
		key=p256
	fi
	expect_eq "$name: state" "1" "$(fact state "$s")"
	expect_eq "$name: content length" "$(stat -c %s "$TMP/plain.ko")" "$(fact content_len "$s")"
	expect_eq "$name: hash" "$hash" "$(fact hash_name "$s")"
	# OpenSSL's NIDs: sha256 672, sha384 673, sha512 674
	expect_eq "$name: digest nid" "$(case $hash in sha256) echo 672 ;; sha384) echo 673 ;;
		sha512) echo 674 ;; esac)" "$(fact digest_nid "$s")"
	case $key in
	rsa) expect_eq "$name: key type rsaEncryption" 6 "$(fact pkey_nid "$s")"
	     expect_eq "$name: no r/s for RSA" "" "$(fact ecdsa_r "$s")" ;;
	*) expect_eq "$name: key type id-ecPublicKey" 408 "$(fact pkey_nid "$s")"
	   local r sz=32
	   [ "$key" = p384 ] && sz=48
	   r=$(fact ecdsa_r "$s")
	   [ -n "$r" ] && [ $(((${#r} + 1) / 3)) -le $sz ] && ok "$name: ECDSA r" ||
		not_ok "$name: ECDSA r" "$r"
	   [ -n "$(fact ecdsa_s "$s")" ] && ok "$name: ECDSA s" || not_ok "$name: ECDSA s" ;;
	esac
	case " $* " in
	*" --keyid "*)
		expect_eq "$name: id kind SKID" 2 "$(fact id_kind "$s")"
		expect_eq "$name: SKID" "$(skid_of "$K/$key.crt")" "$(fact skid "$s")"
		# kmod 30 cannot parse SKID signers: it shows no signature keys, nor do we
		expect_eq "$name: modinfo shows nothing" "" "$(/sbin/modinfo -F signer "$f")" ;;
	*)
		expect_eq "$name: id kind issuer+serial" 1 "$(fact id_kind "$s")"
		expect_eq "$name: serial" "$(serial_of "$K/$key.crt")" "$(fact serial "$s")"
		expect_eq "$name: issuer CN" "modgate $key" "$(fact issuer_cn "$s")"
		for k in signer sig_key sig_hashalgo signature; do
			expect_eq "$name: modinfo $k" "$(/sbin/modinfo -F $k "$f")" \
				"$("$DEC" --print field:$k "$f")"
		done ;;
	esac
	case " $* " in
	*" --attrs "*) expect_eq "$name: signed attributes" 1 "$(fact signed_attrs "$s")" ;;
	*) expect_eq "$name: no signed attributes" 0 "$(fact signed_attrs "$s")" ;;
	esac
	case " $* " in
	*" --nodetach "*) expect_eq "$name: content embedded" 0 "$(fact detached "$s")" ;;
	*) expect_eq "$name: detached" 1 "$(fact detached "$s")" ;;
	esac
	case " $* " in
	*" --also "*) expect_eq "$name: two signers" 2 "$(fact nsigners "$s")" ;;
	*) expect_eq "$name: one signer" 1 "$(fact nsigners "$s")" ;;
	esac
	expect_eq "$name: id-data" 1 "$(fact data_type "$s")"
}

check_signed rsa-sha256 rsa sha256
check_signed rsa-sha512-keyid rsa sha512 --keyid
check_signed p256-sha256 p256 sha256
check_signed p384-sha384 p384 sha384
check_signed p384-keyid p384 sha384 --keyid
check_signed rsa-attrs rsa sha256 --attrs
check_signed rsa-nodetach rsa sha256 --nodetach
check_signed rsa-two-signers rsa sha256 --also "$K/p256.key" "$K/p256.crt"

# --- whole trees ---
check_tree() { # label module-dir
	local label=$1 dir=$2
	"$DEC" --summary "$dir" >"$TMP/sum" 2>&1 && ok "$label: $(tail -n1 "$TMP/sum")" ||
		not_ok "$label: every module decodes" "$(grep -v '^ok' "$TMP/sum" | head -20)"
}
compare_fields() { # label list-file
	local k
	for k in alias depends vermagic name license srcversion firmware softdep parmtype description \
		author intree retpoline signer sig_key sig_hashalgo signature; do
		xargs -a "$2" /sbin/modinfo -F "$k" >"$TMP/k" 2>/dev/null
		xargs -a "$2" "$DEC" --print "field:$k" >"$TMP/o" 2>&1
		cmp -s "$TMP/k" "$TMP/o" && ok "$1: modinfo -F $k ($(wc -l <"$TMP/k") lines)" ||
			not_ok "$1: modinfo -F $k" "$(diff "$TMP/k" "$TMP/o" | head -5)"
	done
}
compare_symbols() { # label list-file modprobe-option ours
	local f
	while read -r f; do
		echo "== $f"
		/sbin/modprobe "$3" "$f" 2>/dev/null
	done <"$2" >"$TMP/k"
	xargs -a "$2" "$DEC" --print-headed "$4" >"$TMP/o" 2>&1
	cmp -s "$TMP/k" "$TMP/o" && ok "$1: modprobe $3 ($(grep -vc '^==' "$TMP/k") lines)" ||
		not_ok "$1: modprobe $3" "$(diff "$TMP/k" "$TMP/o" | head -5)"
}

check_tree "6.1 tree" "$dir61"
check_tree "6.12 tree" "$root612/lib/modules/$kver612"
find "$dir61" -name '*.ko' | sort >"$TMP/list61"
compare_fields "6.1" "$TMP/list61"
compare_symbols "6.1" "$TMP/list61" --show-exports exports
compare_symbols "6.1" "$TMP/list61" --dump-modversions versions

if foreign=$("$SRC/tests/crafted/fetch-foreign.sh" 2>"$TMP/err"); then
	while read -r arch kver root; do
		check_tree "$arch $kver tree" "$root/lib/modules/$kver"
		find "$root/lib/modules/$kver" -name '*.ko' | sort | awk 'NR % 4 == 0' >"$TMP/list-$arch"
		compare_fields "$arch" "$TMP/list-$arch"
		compare_symbols "$arch" "$TMP/list-$arch" --dump-modversions versions
		compare_symbols "$arch" "$TMP/list-$arch" --show-exports exports
	done <<<"$foreign"
else
	echo "# foreign-architecture trees unavailable: $(cat "$TMP/err")"
fi
finish
