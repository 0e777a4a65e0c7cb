#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Append a module signature the way the kernel's scripts/sign-file does:
#   [module][PKCS#7 DER][struct module_signature: 0,0,id_type 2,0,0,pad 0,0,0, be32 len]
#   ["~Module signature appended~\n"]
# with `openssl cms`: detached, binary, no certificates, no signed attributes,
# signer by issuer+serial (or subject key id with --keyid).
#
# Usage: sign-module.sh [options] HASH KEY CERT IN OUT
#   --keyid             identify the signer by subject key identifier
#   --attrs             keep signed attributes (the kernel refuses them)
#   --nodetach          embed the content (the kernel refuses it)
#   --also KEY CERT     add a second signer
# An IN that is already signed is signed again over its bytes, as sign-file would.
set -euo pipefail

opts=(-noattr)
detach=()
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--keyid) opts+=(-keyid) ;;
	--attrs) opts=("${opts[@]/-noattr/}") ;;
	--nodetach) detach=(-nodetach) ;;
	--also) extra+=(-signer "$3" -inkey "$2"); shift 2 ;;
	--) shift; break ;;
	-*) echo "sign-module.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 5 ] || { sed -n 's/^# \{0,1\}//; 3,16p' "$0" >&2; exit 2; }
hash=$1 key=$2 cert=$3 in=$4 out=$5

blob=$(mktemp)
trap 'rm -f "$blob"' EXIT
# shellcheck disable=SC2068 # empty array elements must vanish
openssl cms -sign -binary -nocerts -outform DER -md "$hash" -in "$in" \
	-signer "$cert" -inkey "$key" ${extra[@]} ${opts[@]} ${detach[@]} -out "$blob"
len=$(stat -c %s "$blob")
{
	cat "$in" "$blob"
	printf '\000\000\002\000\000\000\000\000'
	printf "\\$(printf %03o $((len >> 24 & 255)))\\$(printf %03o $((len >> 16 & 255)))"
	printf "\\$(printf %03o $((len >> 8 & 255)))\\$(printf %03o $((len & 255)))"
	printf '~Module signature appended~\n'
} >"$out"
