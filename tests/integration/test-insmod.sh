#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# insmod through the fake kernel seam: what reaches finit_module (sealed
# memfd, decompressed bytes for .ko.xz/.ko.zst/.ko.gz, parameters as kmod 30
# joins them, force flags), kmod's messages for bad arguments (compared with
# kmod itself, which fails before touching the kernel) and for kernel errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modprobe-fixture.sh"
FAKE=$2
R=$TMP/root
fixture_root "$R" dummy
fixture_bin
KO=$(find "$MODDIR" -name dummy.ko)
size=$(stat -c %s "$KO")

expect_rc "insmod with parameters" 0 insmod "$KO" numdummies=2 'x=a b' y
expect_eq "parameters joined as kmod 30 joins them (no quoting)" \
	"finit_module dummy flags=0 fd=sealed-memfd size=$size params=numdummies=2 x=a b y" "$(calls)"
if live dummy; then ok "dummy live"; else not_ok "dummy live"; fi

# compressed copies: the kernel gets the decompressed ELF, flags 0
for z in xz zst gz; do
	reset_kernel
	case $z in
	xz) xz -c "$KO" >"$TMP/dummy.ko.xz" ;;
	zst) zstd -q -c "$KO" >"$TMP/dummy.ko.zst" ;;
	gz) gzip -c "$KO" >"$TMP/dummy.ko.gz" ;;
	esac
	expect_rc "insmod .ko.$z" 0 insmod "$TMP/dummy.ko.$z"
	expect_eq ".ko.$z: decompressed bytes, sealed" \
		"finit_module dummy flags=0 fd=sealed-memfd size=$size params=" "$(calls)"
done

# the real signed .ko.xz of the 6.12 tree
line=$(bash "$MODGATE_SRC/tests/compat/fetch-trees.sh" 2>/dev/null | awk '$1 == "6.12"')
if [ -n "$line" ]; then
	read -r _ kver12 root12 <<<"$line"
	xzko=$(find "$root12/lib/modules/$kver12" -name dummy.ko.xz -print -quit)
	reset_kernel
	expect_rc "insmod of 6.12's dummy.ko.xz" 0 insmod "$xzko"
	expect_eq "6.12 .ko.xz: the kernel gets the plain ELF" \
		"finit_module dummy flags=0 fd=sealed-memfd size=$(xz -dc "$xzko" | wc -c) params=" "$(calls)"
fi

for f in "-f:3" "--force:3" "--force-vermagic:2" "--force-modversion:1"; do
	reset_kernel
	expect_rc "insmod ${f%%:*}" 0 insmod "${f%%:*}" "$KO"
	expect_eq "insmod ${f%%:*}: finit_module flags" "flags=${f##*:}" "$(calls | awk '{ print $3 }')"
done
reset_kernel
expect_rc "-p and -s are accepted and ignored" 0 insmod -p -s "$KO"

# a module file name other than the module's: named after the file, as kmod does
reset_kernel
cp "$KO" "$TMP/other-name.ko"
expect_rc "insmod other-name.ko" 0 insmod "$TMP/other-name.ko"
expect_eq "named after the file" "other_name" "$(loaded_order)"

# -- argument errors: kmod fails the same way before any kernel call
for args in "" "-" "/nonexistent/dummy.ko" "--no-such-option" "-h"; do
	# shellcheck disable=SC2086
	kmod_insmod $args >"$TMP/k.out" 2>"$TMP/k.err"
	krc=$?
	# shellcheck disable=SC2086
	expect_rc "insmod '$args': exit status" "$krc" insmod $args
	expect_eq "insmod '$args': output" "$(cat "$TMP/k.out" "$TMP/k.err")" "$(cat "$TMP/out" "$TMP/err")"
done

# -- files that are not modules: refused before the kernel, with the reason
reset_kernel
head -c 4096 /dev/urandom >"$TMP/garbage.ko"
expect_rc "insmod of a non-ELF file" 1 insmod "$TMP/garbage.ko"
expect_eq "non-ELF: kmod's line, then why" \
	"insmod: ERROR: could not insert module $TMP/garbage.ko: Invalid module format
insmod: ERROR: $TMP/garbage.ko: not an ELF file (bad magic)" "$(cat "$TMP/err")"
printf '\3757zXZ\0garbage' >"$TMP/bad.ko.xz"
expect_rc "insmod of a corrupt .ko.xz" 1 insmod "$TMP/bad.ko.xz"
expect_eq "corrupt .ko.xz: reason given" "2" "$(wc -l <"$TMP/err")"
expect_eq "nothing reached the kernel" "" "$(calls)"

# -- kernel errors: kmod's insmod wording, then modgate's explanation
kerr() { # ERRNO KMOD-TEXT [EXPLANATION-REGEX]
	reset_kernel
	mkdir -p "$R/fake/errno" && echo "$1" >"$R/fake/errno/dummy"
	expect_rc "errno $1: exit 1" 1 insmod "$KO"
	expect_eq "errno $1: kmod's line" "insmod: ERROR: could not insert module $KO: $2" \
		"$(head -n1 "$TMP/err")"
	if [ -z "${3:-}" ]; then
		expect_eq "errno $1: one line" 1 "$(wc -l <"$TMP/err")"
	elif sed -n 2p "$TMP/err" | grep -Eq -- "$3"; then
		ok "errno $1: explained"
	else
		not_ok "errno $1: explained" "$(cat "$TMP/err")"
	fi
}
kerr 8 "Invalid module format" "^insmod: ERROR: dummy: .*vermagic"
kerr 2 "Unknown symbol in module"
kerr 3 "Module has wrong symbol version"
kerr 22 "Invalid parameters"
kerr 17 "File exists"
kerr 129 "Key was rejected by service" "rejected the module signature"
kerr 1 "Operation not permitted" "CAP_SYS_MODULE"
finish
