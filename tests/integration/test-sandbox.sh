#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The sandbox where the process may not drop everything: package builds run
# depmod under fakeroot, rootless bootstraps inside `unshare -r`. The unit
# proofs (tests/unit/test-sandbox*.c) run again in each setting: the seccomp
# filter, no_new_privs, the capability drop and every reply check must hold
# in all of them; only the uid change is expected where the kernel allows it.
#   test-sandbox.sh MODGATE MODGATE_TEST   (MODGATE_BUILD locates the unit tests)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

build=${MODGATE_BUILD:?MODGATE_BUILD must point at the build directory}
units=("$build/tests/unit/test-sandbox" "$build/tests/unit/test-sandbox-inspect"
	"$build/tests/unit/test-sandbox-zygote")
for u in "${units[@]}"; do
	[ -x "$u" ] || { echo "missing $u (build the unit tests first)"; exit 1; }
done
# fakeroot's LD_PRELOAD comes before the ASan runtime in sanitizer builds
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# run_units NAME EXPECT_DROP PREFIX...: both unit binaries under PREFIX
run_units() {
	local name=$1 drop=$2
	shift 2
	for u in "${units[@]}"; do
		if "$@" env MODGATE_TEST_EXPECT_DROP="$drop" "$u" >"$TMP/log" 2>&1; then
			ok "$name: $(basename "$u")"
		else
			not_ok "$name: $(basename "$u")" "$(grep -v '^\[ *\(RUN\|OK\) ' "$TMP/log" | tail -20)"
		fi
	done
}

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
userns_ok() { "$@" unshare -r true 2>/dev/null; }

if [ "$(id -u)" = 0 ] && grep -q 4294967295 /proc/self/uid_map; then
	run_units "root" 1
	# fakeroot fakes set*id in libc; the sandbox uses the syscalls, so a
	# real root under fakeroot still ends up as nobody
	run_units "root under fakeroot" 1 fakeroot
	run_units "nobody under fakeroot" 0 "${nobody[@]}" fakeroot
	run_units "root inside unshare -r" 0 unshare -r
	if userns_ok "${nobody[@]}"; then
		run_units "nobody inside unshare -r" 0 "${nobody[@]}" unshare -r
	else
		echo "# skip: unprivileged user namespaces are disabled here"
	fi
else
	run_units "unprivileged" 0
	run_units "unprivileged under fakeroot" 0 fakeroot
	if userns_ok; then
		run_units "inside unshare -r" 0 unshare -r
	else
		echo "# skip: unprivileged user namespaces are disabled here"
	fi
fi

finish
