#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Signature verification on the real Debian trees.
#
#   compat-verify.sh MODGATE VERIFY_ORACLE
#
# For each tree fetch-trees.sh provides (6.1: .ko, RSA-4096 key, xz bzImage;
# 6.12: .ko.xz, ECDSA P-384 key, zstd bzImage):
#   - the kernel hook conf/kernel/postinst.d/50-modgate extracts the build
#     certificate from the package's vmlinuz into a test root's trust store
#     (`modgate` on PATH is a wrapper adding --root), as a kernel install would;
#   - every module (MODGATE_COMPAT_SAMPLE=N for a seeded sample) must be
#     valid, signed by that tree's certificate;
#   - a tampered copy of each of 100 modules (MODGATE_COMPAT_TAMPER; one byte
#     of the module flipped, .ko.xz recompressed) must be invalid;
#   - the CMS_verify oracle must agree on a sample (MODGATE_COMPAT_ORACLE, 300);
#   - the postrm hook removes the certificate again.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
MODGATE=$(realpath "${1:-$here/../../build/tools/modgate}")
ORACLE=${2:-$here/../../build/tests/integration/verify-oracle}
SAMPLE=${MODGATE_COMPAT_SAMPLE:-all}
TAMPER=${MODGATE_COMPAT_TAMPER:-100}
ORACLE_N=${MODGATE_COMPAT_ORACLE:-300}
SEED=${MODGATE_COMPAT_SEED:-1}
SRC=$(cd "$here/../.." && pwd)
TMP=$(mktemp -d /tmp/modgate-compat-verify.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | head -20 | sed 's/^/#   /'; }
seeded() { shuf -n "$1" --random-source=<(yes "$SEED"); }

ROOT=$TMP/root
STORE=$ROOT/etc/modgate/keys.d
mkdir -p "$TMP/bin" "$STORE"
printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$MODGATE" "$ROOT" >"$TMP/bin/modgate"
chmod +x "$TMP/bin/modgate"

trees=$("$SRC/tests/compat/fetch-trees.sh") || { echo "compat-verify: cannot fetch the trees" >&2; exit 1; }

# state counts of a --json run: "valid:4023 ..." and the cert names seen
states() { sed -E 's/.*"state":"([a-z]+)".*/\1/' "$1" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'; }

verify_tree() { # SERIES KVER TREE_ROOT
	local series=$1 kver=$2 root=$3 image=$3/boot/vmlinuz-$2 mods=$3/lib/modules/$2
	env PATH="$TMP/bin:$PATH" DEB_MAINT_PARAMS=configure "$SRC/conf/kernel/postinst.d/50-modgate" \
		"$kver" "$image" >"$TMP/hook.out" 2>&1
	if [ -f "$STORE/kernel-$kver.pem" ]; then ok "$series: postinst hook extracted kernel-$kver.pem"
	else not_ok "$series: postinst hook extracted kernel-$kver.pem" "$(cat "$TMP/hook.out")"; return; fi
	find "$mods" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' | sort >"$TMP/all"
	if [ "$SAMPLE" == all ]; then cp "$TMP/all" "$TMP/list"; else seeded "$SAMPLE" <"$TMP/all" | sort >"$TMP/list"; fi
	local n t0 t1
	n=$(wc -l <"$TMP/list")
	t0=$(date +%s%N)
	xargs -d '\n' "$MODGATE" --root "$ROOT" verify --json <"$TMP/list" >"$TMP/out.json" 2>"$TMP/err"
	t1=$(date +%s%N)
	echo "# $series: $n modules verified in $(((t1 - t0) / 1000000)) ms: $(states "$TMP/out.json")"
	local bad
	bad=$(grep -v "\"state\":\"valid\"" "$TMP/out.json" | head -5)
	[ -z "$bad" ] && [ "$(wc -l <"$TMP/out.json")" -eq "$n" ] && ok "$series: all $n modules valid" ||
		not_ok "$series: all $n modules valid" "$bad$(head -3 "$TMP/err")"
	local certs
	certs=$(sed -E 's/.*"cert":"([^"]*)".*/\1/' "$TMP/out.json" | sort -u | xargs)
	[ "$certs" == "kernel-$kver.pem" ] && ok "$series: signed by this kernel's own certificate" ||
		not_ok "$series: signed by this kernel's own certificate" "certificates seen: $certs"

	# tampered copies: one byte of the module flipped (inside the signed content)
	# (tplain keeps the uncompressed tampered bytes for the oracle)
	rm -rf "$TMP/tamper" "$TMP/tplain"
	mkdir -p "$TMP/tamper" "$TMP/tplain"
	seeded "$TAMPER" <"$TMP/all" | while read -r f; do
		local b plain size off
		b=$(basename "$f")
		plain=$TMP/tplain/${b%.xz}
		case "$f" in *.xz) xz -dc "$f" >"$plain" ;; *) cp "$f" "$plain" ;; esac
		size=$(stat -c %s "$plain")
		off=$((size / 3)) # past the ELF header, well before the signature
		printf '%b' "\\x$(printf %02x $(($(od -An -tu1 -j "$off" -N1 "$plain") ^ 1)))" |
			dd of="$plain" bs=1 seek="$off" conv=notrunc status=none
		case "$f" in
		*.xz) xz --check=crc32 -c "$plain" >"$TMP/tamper/$b" ;;
		*) cp "$plain" "$TMP/tamper/$b" ;;
		esac
	done
	find "$TMP/tamper" -type f | sort >"$TMP/tlist"
	n=$(wc -l <"$TMP/tlist")
	xargs -d '\n' "$MODGATE" --root "$ROOT" verify --json <"$TMP/tlist" >"$TMP/t.json" 2>/dev/null
	echo "# $series: $n tampered copies: $(states "$TMP/t.json")"
	bad=$(grep -v "\"state\":\"invalid\"" "$TMP/t.json" | head -5)
	[ -z "$bad" ] && [ "$(wc -l <"$TMP/t.json")" -eq "$n" ] && [ "$n" -gt 0 ] &&
		ok "$series: all $n tampered copies invalid" || not_ok "$series: all $n tampered copies invalid" "$bad"

	# the oracle over a sample, on the decompressed bytes
	rm -rf "$TMP/plain"
	mkdir -p "$TMP/plain"
	seeded "$ORACLE_N" <"$TMP/all" | while read -r f; do
		case "$f" in *.xz) xz -dc "$f" >"$TMP/plain/$(basename "${f%.xz}")" ;; *) cp "$f" "$TMP/plain/" ;; esac
	done
	find "$TMP/plain" "$TMP/tplain" -type f | sort >"$TMP/plist"
	xargs -d '\n' "$MODGATE" --root "$ROOT" verify --json <"$TMP/plist" |
		sed -E 's/.*"path":"([^"]*)".*"state":"([a-z]+)".*/\2\t\1/' >"$TMP/mg.txt"
	xargs -d '\n' "$ORACLE" "$STORE" <"$TMP/plist" >"$TMP/oracle.txt"
	if diff -q "$TMP/mg.txt" "$TMP/oracle.txt" >/dev/null; then
		ok "$series: the CMS_verify oracle agrees on $(wc -l <"$TMP/plist") files ($(cut -f1 "$TMP/oracle.txt" | sort | uniq -c | xargs))"
	else
		not_ok "$series: the CMS_verify oracle agrees" "$(diff "$TMP/mg.txt" "$TMP/oracle.txt" | head)"
	fi
}

while read -r series kver root; do
	verify_tree "$series" "$kver" "$root"
done <<<"$trees"

# the postrm hook forgets each kernel's certificate
while read -r series kver root; do
	env PATH="$TMP/bin:$PATH" DEB_MAINT_PARAMS=remove "$SRC/conf/kernel/postrm.d/50-modgate" \
		"$kver" "$root/boot/vmlinuz-$kver"
	[ ! -e "$STORE/kernel-$kver.pem" ] && ok "$series: postrm hook removed kernel-$kver.pem" ||
		not_ok "$series: postrm hook removed kernel-$kver.pem"
done <<<"$trees"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
