#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `modgate verify` over every module of the 6.1 tree (4,023 signed .ko) against
# the floor: `openssl dgst -sha256` of the same files, hashing alone. modgate
# does per file what a load does: fresh sandboxed children (parse, and for
# compressed files decompress), the parent's trailer check, digest and RSA
# verification; budget <= 3.0x the floor. The trust store is the tree's own
# kernel certificate, extracted first with `modgate keys extract-kernel`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
MODGATE=${MODGATE:-$here/../build/tools/modgate}
rounds=${ROUNDS:-5}
tree=$("$here/../tests/compat/fetch-trees.sh" | awk '$1 == "6.1" {print $2, $3}')
read -r kver root <<<"$tree"
tmp=$(mktemp -d /tmp/modgate-bench-verify.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$MODGATE" --root "$tmp/root" keys extract-kernel "$root/boot/vmlinuz-$kver" >/dev/null
find "$root/lib/modules/$kver" -name '*.ko' | sort >"$tmp/list"
n=$(wc -l <"$tmp/list")
# every file must verify, or the timing measures a failure
xargs -d '\n' -a "$tmp/list" "$MODGATE" --root "$tmp/root" verify -q
bench_pair "verify $n .ko (vs openssl dgst -sha256)" "$rounds" \
	"xargs -d '\\n' -a '$tmp/list' '$MODGATE' --root '$tmp/root' verify -q" \
	"xargs -d '\\n' -a '$tmp/list' openssl dgst -sha256"
