# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# A fake-kernel fixture root with a real, small module tree, for the
# modprobe/insmod/rmmod integration tests. Sourced after lib.sh.
#
#   fixture_root ROOT [MODULE_NAME...]
#
# copies the named modules (default: a set with hard and soft dependencies)
# from Debian's 6.1 tree (tests/compat/fetch-trees.sh fetches it; no tree, no
# test: exit 77, meson's "skipped"), indexes them with Debian's depmod, and
# lays out what the fake seam reads: proc/modules, proc/cmdline,
# proc/sys/kernel/osrelease, sys/module. Sets KVER, MODDIR (the module
# directory), TREE (the real tree's module directory) and puts modprobe,
# insmod, rmmod (modgate-test) and kmod_modprobe (Debian's) on hand as
# functions.

FIXTURE_MODULES=(nf_tables nfnetlink libcrc32c crc32c_generic crc32c-intel dummy)

fixture_tree() {
	local line
	line=$(bash "$MODGATE_SRC/tests/compat/fetch-trees.sh" 2>/dev/null | awk '$1 == "6.1"')
	if [ -z "$line" ]; then
		echo "# skipped: no Debian 6.1 module tree (fetch-trees.sh failed)"
		exit 77
	fi
	read -r _ KVER TREE_ROOT <<<"$line"
	TREE=$TREE_ROOT/lib/modules/$KVER
}

fixture_root() {
	local root=$1 name rel
	shift
	[ $# -gt 0 ] || set -- "${FIXTURE_MODULES[@]}"
	fixture_tree
	MODDIR=$root/lib/modules/$KVER
	mkdir -p "$MODDIR" "$root/proc/sys/kernel" "$root/sys/module" "$root/conf"
	# modgate-test's gate reads its configuration and writes its trail here too
	mkdir -p "$root/var/log" "$root/run"
	for name in "$@"; do
		rel=$(cd "$TREE" && find kernel -name "$name.ko" -print -quit)
		[ -n "$rel" ] || { echo "fixture: no $name.ko in $TREE" >&2; exit 1; }
		install -D -m 0644 "$TREE/$rel" "$MODDIR/$rel"
	done
	cp "$TREE/modules.order" "$TREE/modules.builtin" "$TREE/modules.builtin.modinfo" "$MODDIR/"
	depmod -b "$root" "$KVER" || { echo "fixture: depmod failed" >&2; exit 1; }
	echo "$KVER" >"$root/proc/sys/kernel/osrelease"
	: >"$root/proc/modules"
	echo "BOOT_IMAGE=/vmlinuz root=/dev/vda quiet" >"$root/proc/cmdline"
	echo 0 >"$root/proc/sys/kernel/modules_disabled"
	export MODGATE_FAKE_ROOT=$root
}

# The tools under their kmod names, so messages carry the same prefix.
fixture_bin() {
	mkdir -p "$TMP/bin"
	local t
	for t in modprobe insmod rmmod lsmod; do
		ln -sf "$(readlink -f "$FAKE")" "$TMP/bin/$t"
		ln -sf /bin/kmod "$TMP/bin/kmod-$t"
	done
}
# argv[0] is the bare name, as when called through PATH (getopt prints it)
modprobe() { (exec -a modprobe "$TMP/bin/modprobe" "$@"); }
insmod() { (exec -a insmod "$TMP/bin/insmod" "$@"); }
rmmod() { (exec -a rmmod "$TMP/bin/rmmod" "$@"); }
# Debian's kmod, called "modprobe" as well (the symlink's name is its prefix).
kmod_modprobe() { (exec -a modprobe /bin/kmod "$@"); }
kmod_insmod() { (exec -a insmod /bin/kmod "$@"); }

# What reached the fake kernel, one call per line.
calls() { cat "$MODGATE_FAKE_ROOT/calls.log" 2>/dev/null; }
clear_calls() { : >"$MODGATE_FAKE_ROOT/calls.log"; }
# Names of the modules finit_module was called for, in order.
loaded_order() { calls | awk '$1 == "finit_module" { print $2 }'; }
live() { [ "$(cat "$MODGATE_FAKE_ROOT/sys/module/$1/initstate" 2>/dev/null)" = live ]; }
# Unload everything the fake kernel holds (between cases).
reset_kernel() {
	rm -rf "$MODGATE_FAKE_ROOT/sys/module" "$MODGATE_FAKE_ROOT/fake"
	mkdir -p "$MODGATE_FAKE_ROOT/sys/module"
	: >"$MODGATE_FAKE_ROOT/proc/modules"
	clear_calls
}
# Module names in the order kmod's --show-depends lists them.
kmod_order() {
	kmod_modprobe -d "$MODGATE_FAKE_ROOT" -S "$KVER" --show-depends "$@" |
		awk '$1 == "insmod" { n = $2; sub(".*/", "", n); sub("[.]ko.*", "", n); gsub("-", "_", n); print n }'
}
