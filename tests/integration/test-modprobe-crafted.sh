#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Crafted input for modprobe, insmod and rmmod: random and hostile
# modprobe.d files, kernel command lines, /sys/module attributes and
# modules.dep entries, through the fake kernel seam. Every run must end with
# exit status 0 or 1 and a message, never a signal (run the suite in the
# ASan/UBSan build to catch what does not crash outright). Seeded: the same
# inputs on every run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modprobe-fixture.sh"
FAKE=$2
R=$TMP/root
fixture_root "$R" dummy nfnetlink nf_tables libcrc32c
fixture_bin
C=$R/conf
: >"$C/empty.conf"
ROUNDS=${MODGATE_CRAFTED_ROUNDS:-60}

# seeded bytes: N bytes from stream S
bytes() { openssl enc -aes-256-ctr -pass pass:"crafted-$2" -nosalt -pbkdf2 </dev/zero 2>/dev/null | head -c "$1"; }
# text-ish: config words, separators, quotes, brackets, backslashes, NULs
words() {
	bytes "$1" "$2" | od -An -v -tu1 | tr -s ' ' '\n' | sed '/^$/d' | awk '
	BEGIN { n = split("alias blacklist options install remove softdep weakdep include config pre: post: dummy nfnetlink * ? [ ] [a-z] \\\\ \" # - _ = . , x y $CMDLINE_OPTS modprobe.blacklist= dummy.numdummies=", w, " ") }
	{ r = $1 % 40
	  if (r < 20) printf "%s", w[1 + $1 % n]
	  else if (r < 30) printf " "
	  else if (r < 34) printf "\n"
	  else if (r < 36) printf "\t"
	  else if (r == 36) printf "\\\n"
	  else printf "%c", 33 + $1 % 90 }'
}

survived() { # NAME: the last command ended normally with 0 or 1
	local rc=$1 name=$2
	if [ "$rc" -le 1 ]; then ok "$name"; else not_ok "$name" "exit $rc: $(head -c 600 "$TMP/err")"; fi
}

signals=0
for ((i = 0; i < ROUNDS; i++)); do
	words 600 "conf$i" >"$C/crafted.conf"
	modprobe -d "$R" -S "$KVER" -C "$C/crafted.conf" -c >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -le 1 ] || { signals=$((signals + 1)); not_ok "crafted config $i: -c" "exit $rc"; }
	modprobe -d "$R" -S "$KVER" -C "$C/crafted.conf" -a -D dummy nfnetlink x '*' >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -le 1 ] || { signals=$((signals + 1)); not_ok "crafted config $i: -D" "exit $rc"; }
done
expect_eq "crafted modprobe.d: $ROUNDS files, no signal" 0 "$signals"

# binary junk as configuration and as the kernel command line
bytes 20000 binary >"$C/binary.conf"
modprobe -d "$R" -S "$KVER" -C "$C/binary.conf" -c >"$TMP/out" 2>"$TMP/err"
survived $? "binary modprobe.d file"
signals=0
for ((i = 0; i < ROUNDS; i++)); do
	if ((i % 2)); then words 900 "cmdline$i"; else bytes 5000 "cmdline$i"; fi >"$R/proc/cmdline"
	modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" -c >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -le 1 ] || { signals=$((signals + 1)); not_ok "crafted cmdline $i" "exit $rc"; }
done
expect_eq "crafted kernel command lines: $ROUNDS, no signal" 0 "$signals"
echo "quiet" >"$R/proc/cmdline"

# /sys/module: junk in initstate, refcnt, holders; names that leave the tree
reset_kernel
# shellcheck disable=SC2086
modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" dummy nfnetlink >/dev/null 2>&1
for attr in initstate refcnt; do
	for junk in "" "live" "-1" "99999999999999999999" "$(bytes 300 $attr | tr -d '\0')" "2 3"; do
		printf '%s' "$junk" >"$R/sys/module/dummy/$attr"
		modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" dummy >"$TMP/out" 2>"$TMP/err"
		survived $? "junk $attr: modprobe"
		modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" -r -n dummy >"$TMP/out" 2>"$TMP/err"
		survived $? "junk $attr: modprobe -r -n"
		rmmod -v dummy >"$TMP/out" 2>"$TMP/err"
		survived $? "junk $attr: rmmod"
		reset_kernel
		modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" dummy >/dev/null 2>&1
	done
done
mkdir -p "$R/sys/module/dummy/holders/..x" "$R/sys/module/dummy/holders/a b"
: >"$R/sys/module/dummy/holders/$(printf 'bad\tname')"
rmmod dummy >"$TMP/out" 2>"$TMP/err"
survived $? "odd holder names: rmmod"
modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" -r --remove-holders -n dummy >"$TMP/out" 2>"$TMP/err"
survived $? "odd holder names: modprobe -r --remove-holders"
for name in ../../etc . .. "" "$(printf 'x\ny')" "$(head -c 5000 /dev/zero | tr '\0' a)"; do
	rmmod "$name" >"$TMP/out" 2>"$TMP/err"
	survived $? "rmmod of a crafted name"
	modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" -- "$name" >"$TMP/out" 2>"$TMP/err"
	survived $? "modprobe of a crafted name"
done
expect_eq "no crafted name reached the kernel" "" "$(calls | grep -v -e '^finit_module dummy ' -e '^finit_module nfnetlink ' -e '^delete_module dummy ')"

# a dependency whose file is gone: kmod then drops all of the module's
# dependencies (and says so); compared with kmod's --show-depends
reset_kernel
rm "$(find "$MODDIR" -name nfnetlink.ko)"
kmod_modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" -D nf_tables >"$TMP/k.out" 2>/dev/null
modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" -D nf_tables >"$TMP/out" 2>"$TMP/err"
survived $? "missing dependency file: -D"
expect_eq "missing dependency file: kmod's load list" "$(cat "$TMP/k.out")" "$(cat "$TMP/out")"
modprobe -d "$R" -S "$KVER" -C "$C/empty.conf" nf_tables >"$TMP/out" 2>"$TMP/err"
survived $? "missing dependency file: load"
finish
