#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build a small module tree and index it with kmod's own depmod, so the index
# reader is tested on files the real writer produced (not on our assumptions).
#   test-index-fixture.sh DIR  ->  DIR/lib/modules/<ver>/..., prints <ver>
# The "modules" are relocatable objects with a .modinfo section, exports in
# __ksymtab_strings and undefined references: all depmod looks at.
set -euo pipefail
dir=$1
ver=1.0.0-fixture
md=$dir/lib/modules/$ver
CC=${CC:-cc}
mkdir -p "$md/kernel/a" "$md/kernel/b" "$md/kernel/c"
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT

# mkmod FILE EXPORTS USES MODINFO...
mkmod() {
	local out=$1 exports=$2 uses=$3 i=0 s
	shift 3
	{
		for s in "$@"; do
			printf 'static const char mi%d[] __attribute__((used, section(".modinfo"), aligned(1))) = "%s";\n' $i "$s"
			i=$((i + 1))
		done
		for s in $exports; do
			printf 'static const char ks_%s[] __attribute__((used, section("__ksymtab_strings"))) = "%s";\n' "$s" "$s"
			printf 'int %s(void) { return 0; }\n' "$s"
		done
		for s in $uses; do
			printf 'extern int %s(void);\nint use_%s(void) { return %s(); }\n' "$s" "$s" "$s"
		done
	} >"$src/m.c"
	"$CC" -c -O0 -fno-asynchronous-unwind-tables -o "$out" "$src/m.c"
}

mkmod "$md/kernel/a/mod_a.ko" "sym_a" "" \
	"license=GPL" "alias=pci:v00001234d*sv*sd*bc*sc*i*" "alias=foo-bar" "name=mod_a"
mkmod "$md/kernel/b/mod-b.ko" "sym_b" "sym_a" \
	"license=GPL" "alias=pci:v00001234d00005678sv*sd*bc*sc*i*" "alias=dup" "alias=dup" "name=mod_b"
mkmod "$md/kernel/c/mod_c.ko" "" "sym_b" \
	"license=GPL" "alias=usb:v*p*d*" "alias=acpi*:ABC0001:*" \
	"alias=pci:v00001234d00005678sv*sd*bc*sc*i*" "alias=x[ab]y" "name=mod_c"
printf 'kernel/a/mod_a.ko\nkernel/b/mod-b.ko\nkernel/c/mod_c.ko\n' >"$md/modules.order"
printf 'kernel/fs/bi_one.ko\nkernel/fs/bi_two.ko\n' >"$md/modules.builtin"
printf '%s\0' bi_one.license=GPL bi_one.alias=fs-bi bi_one.alias=bi-one-only \
	bi_two.license=GPL bi_two.alias=fs-bi bi_two.description=second >"$md/modules.builtin.modinfo"
depmod -b "$dir" "$ver"
echo "$ver"
