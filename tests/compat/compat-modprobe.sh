#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# modprobe against Debian's kmod 30, on the real Debian module trees.
#
#   compat-modprobe.sh [MODGATE_BINARY]
#
# For each tree (6.1: .ko, 6.12: .ko.xz), indexed by Debian's depmod (the
# vm-index cache tests/vm/stage.sh keeps), it compares stdout, stderr and
# the exit status of modgate's modprobe with /sbin/modprobe for:
#   -D (--show-depends) and -R (--resolve-alias) of module names (with '-'
#   and '_' spellings) and of every alias pattern made concrete (a modalias a
#   device could send: '*' -> '0', '?' -> 'x', '[..]' -> its first member),
#   symbol: aliases, built-in names and aliases, unknown and malformed names;
#   --show-exports and --dump-modversions of module files;
#   -c with the tree's indexes over modprobe.d fixtures covering every
#   directive, masking, continuation lines and bad lines; and -c under
#   crafted kernel command lines (each run in a private mount namespace with a
#   file bind-mounted over /proc/cmdline: kmod 30 has no other way in).
# Sampling: MODGATE_COMPAT_SAMPLE=N items per category and tree (default 500;
# the full run is 2000 or more;
# "all" for every name and alias pattern), MODGATE_COMPAT_SEED. Items run in
# batches with -a (one process for many, as modprobe allows); a batch that
# differs is rerun one item at a time without -a so every item is counted;
# the first MODGATE_COMPAT_SINGLE (25) of each category also run alone.
# libkmod's own diagnostics ("libkmod: ERROR ../libkmod/file.c:N fn: text",
# or with the tool's prefix and "../libkmod/file.c:N fn() ") are compared by
# their text: modgate words them the same without kmod's source location.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
MODGATE=${1:-${MODGATE:-$src/build/tools/modgate}}
KMOD=${KMOD_BIN:-/bin/kmod}
SAMPLE=${MODGATE_COMPAT_SAMPLE:-500}
SEED=${MODGATE_COMPAT_SEED:-1}
BATCH=${MODGATE_COMPAT_BATCH:-200}
SINGLE=${MODGATE_COMPAT_SINGLE:-25} # items per category also run alone, without -a
SHOW=${MODGATE_COMPAT_SHOW:-3}

[ -x "$MODGATE" ] || { echo "compat-modprobe: no modgate binary at $MODGATE" >&2; exit 1; }
[ -x "$KMOD" ] || { echo "compat-modprobe: no kmod at $KMOD" >&2; exit 1; }
TMP=$(mktemp -d /tmp/modgate-compat-modprobe.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
MODGATE=$(readlink -f "$MODGATE")

declare -A PASS FAIL SHOWN
CATS=()

# Both are called "modprobe" (argv[0]), so every message has the same prefix.
ours() { (exec -a modprobe "$MODGATE" "$@"); }
kmod() { (exec -a modprobe "$KMOD" "$@"); }
# libkmod's source locations out, the words kept
unlocate() {
	sed -E -e 's/^libkmod: ([A-Z]+) \.\.\/libkmod\/[^ :]+:[0-9]+ [A-Za-z0-9_]+: /modprobe: \1: /' \
		-e 's/^modprobe: ([A-Z]+): \.\.\/libkmod\/[^ :]+:[0-9]+ [A-Za-z0-9_]+\(\) /modprobe: \1: /'
}

sample() {
	if [ "$SAMPLE" = all ]; then
		LC_ALL=C sort -u
	else
		LC_ALL=C sort -u | shuf -n "$SAMPLE" --random-source=<(openssl enc -aes-256-ctr \
			-pass pass:"$SEED" -nosalt -pbkdf2 </dev/zero 2>/dev/null)
	fi
}

count() { # CATEGORY pass|fail N
	local c=$1
	if [ -z "${PASS[$c]+x}" ]; then
		CATS+=("$c")
		PASS[$c]=0 FAIL[$c]=0 SHOWN[$c]=0
	fi
	if [ "$2" = pass ]; then PASS[$c]=$((PASS[$c] + $3)); else FAIL[$c]=$((FAIL[$c] + $3)); fi
}

run_both() { # ARGS...: fills $TMP/{k,o}.{out,err,rc}
	kmod "$@" >"$TMP/k.out" 2>"$TMP/k.err.raw"
	echo $? >"$TMP/k.rc"
	ours "$@" >"$TMP/o.out" 2>"$TMP/o.err"
	echo $? >"$TMP/o.rc"
	unlocate <"$TMP/k.err.raw" >"$TMP/k.err"
	cmp -s "$TMP/k.out" "$TMP/o.out" && cmp -s "$TMP/k.err" "$TMP/o.err" &&
		cmp -s "$TMP/k.rc" "$TMP/o.rc"
}

show_diff() { # CATEGORY ITEM
	[ "${SHOWN[$1]}" -lt "$SHOW" ] || return 0
	SHOWN[$1]=$((SHOWN[$1] + 1))
	echo "--- $1: $2"
	diff "$TMP/k.out" "$TMP/o.out" | head -n 10
	diff "$TMP/k.err" "$TMP/o.err" | head -n 6
	echo "exit: kmod $(cat "$TMP/k.rc") modgate $(cat "$TMP/o.rc")"
}

# check CATEGORY "OPTS" LIST: each line of LIST is one argument
check() {
	local cat=$1 opts=$2 list=$3 i j n
	local -a items o
	mapfile -t items <"$list"
	read -r -a o <<<"$opts"
	n=${#items[@]}
	for ((i = 0; i < n; i += BATCH)); do
		local -a chunk=("${items[@]:i:BATCH}")
		if run_both "${o[@]}" -a -- "${chunk[@]}"; then
			count "$cat" pass "${#chunk[@]}"
			continue
		fi
		for ((j = i; j < i + BATCH && j < n; j++)); do
			if run_both "${o[@]}" -- "${items[j]}"; then
				count "$cat" pass 1
			else
				count "$cat" fail 1
				show_diff "$cat" "${items[j]}"
			fi
		done
	done
	# alone, a missing module is FATAL rather than a WARNING: compare that too
	for ((j = 0; j < n && j < SINGLE; j++)); do
		if run_both "${o[@]}" -- "${items[j]}"; then
			count "$cat (alone)" pass 1
		else
			count "$cat (alone)" fail 1
			show_diff "$cat (alone)" "${items[j]}"
		fi
	done
}

# check_one CATEGORY ARGS...: one comparison
check_one() {
	local cat=$1
	shift
	if run_both "$@"; then count "$cat" pass 1; else count "$cat" fail 1; show_diff "$cat" "$*"; fi
}

# A modalias a device could send, from an alias pattern.
concrete() {
	sed -E -e 's/\[!?\^?([^]])[^]]*\]/\1/g' -e 's/\*/0/g' -e 's/\?/x/g'
}

# The tree indexed by Debian's depmod, shared with the vm tests (one writer).
indexed_tree() { # KVER ROOT -> prints the farm root
	local kver=$1 root=$2 cache=${MODGATE_CACHE:-/var/cache/modgate-tests} lock
	# shellcheck source=tests/vm/stage.sh
	. "$src/tests/vm/stage.sh"
	exec {lock}>"$cache/.vm.lock"
	flock "$lock"
	index_tree "$root" "$kver" "$cache/vm-index/$kver" >&2 || return 1
	flock -u "$lock"
	echo "$cache/vm-index/$kver"
}

run_lookups() { # SERIES KVER FARM ROOT
	local series=$1 kver=$2 farm=$3 root=$4 md=$3/lib/modules/$2 t=$TMP/$1
	local b="-d $farm -S $kver"
	mkdir -p "$t"
	# module names, as files name them ('-') and normalised ('_')
	sed -n 's|^\([^:]*\):.*|\1|p' "$md/modules.dep" | sed -e 's|.*/||' -e 's/\.ko.*//' |
		sample >"$t/names"
	tr - _ <"$t/names" | grep -vxFf "$t/names" >"$t/names_" || true
	awk '$1 == "alias" { print $2 }' "$md/modules.alias" | sample >"$t/patterns"
	concrete <"$t/patterns" >"$t/modaliases"
	awk '$1 == "alias" { print $2 }' "$md/modules.symbols" | sample >"$t/symbols"
	sed -e 's|.*/||' -e 's/\.ko$//' "$md/modules.builtin" | sample >"$t/builtin"
	tr '\0' '\n' <"$md/modules.builtin.modinfo" | sed -n 's/^[^.]*\.alias=//p' | sample >"$t/balias"
	printf '%s\n' no_such_module no-such-module symbol:no_such_symbol 'bad]alias' 'open[alias' \
		'pci:v0000FFFFd0000FFFFsv0sd0bc0sc0i0' '' '*' 'crypto-*' >"$t/odd"
	echo "== $series ($kver): $(wc -l <"$t/names") names, $(wc -l <"$t/modaliases") modaliases"
	local l o
	for l in names names_ patterns modaliases symbols builtin balias odd; do
		for o in -D -R; do
			check "$series $o $l" "$b $o" "$t/$l"
		done
	done
	check "$series -D -i modaliases" "$b -D -i" "$t/modaliases"
	check "$series -D -b modaliases" "$b -D -b" "$t/modaliases"

	# symbols of module files, parsed by the sandbox
	sed -n 's|^\([^:]*\):.*|\1|p' "$md/modules.dep" | sample | head -n 100 | sed "s|^|$md/|" >"$t/files"
	local f
	while read -r f; do
		check_one "$series --show-exports" -d "$farm" -S "$kver" --show-exports "$f"
		check_one "$series --dump-modversions" -d "$farm" -S "$kver" --dump-modversions "$f"
	done <"$t/files"
	check_one "$series --show-exports (no file)" --show-exports /nonexistent.ko
}

# -- modprobe.d fixtures for -c -------------------------------------------------
make_fixtures() { # DIR
	local d=$1
	mkdir -p "$d/one" "$d/two" "$d/three" "$d/one/sub.conf"
	# every directive, spacing and normalisation
	cat >"$d/one/10-directives.conf" <<'EOF'
# comment
   # indented comment

alias pci:v00008086d*sv*sd*bc*sc*i* e1000e
alias	net-pf-10   ipv6
alias my-alias some-module
alias usb:v1234p[0-9A-F]*d* usb-storage
alias bad]alias foo
alias open[alias foo
alias lonely
blacklist evbug
blacklist snd-pcsp
blacklist
options snd-hda-intel power_save=1 power_save_controller=N
options  loop   max_loop=8	max_part=15
options e1000e
options tabbed	x=1		y=2
install dummy /sbin/modprobe --ignore-install dummy $CMDLINE_OPTS; echo done
install pcspkr /bin/true
install nocmd
remove dummy /sbin/modprobe -r --ignore-remove dummy
remove ehci-hcd /bin/true   # not a comment for kmod
softdep ext4 pre: crc32c post: foo bar
softdep a-b post: c-d
softdep only-pre pre: x y z
softdep none-at-all something
softdep  spaced   pre:   p1    post:    q1  q2
softdep tab	pre:	t1
softdep lonely
include /etc/other.conf
config foo
unknown-directive x y
weakdep-is-not-kmod-30 x
EOF
	# continuation lines and backslashes (not at the very end of the file)
	printf 'options cont a=1 \\\n b=2 \\\n c=3\nalias back\\slash mod\\ule\ninstall cont-cmd echo one \\\n&& echo two\n\\\n\noptions after-empty-continuation z=1\n' \
		>"$d/one/20-continuation.conf"
	# a NUL and CRLF endings
	printf 'options nul a=1\0hidden\nalias crlf target\r\noptions crlf2 v=1\r\n' >"$d/one/30-odd.conf"
	printf 'options long %s\n' "$(head -c 3000 /dev/zero | tr '\0' x)" >"$d/one/40-long.conf"
	# masking: one/50-mask.conf hides two/50-mask.conf; order is by base name
	echo "options masked from=one" >"$d/one/50-mask.conf"
	echo "options masked from=two" >"$d/two/50-mask.conf"
	echo "options order first=two" >"$d/two/05-first.conf"
	echo "alias from-alias-file target" >"$d/two/60-kmod30.alias"
	echo "options ignored not=conf" >"$d/two/70-ignored.txt"
	echo "options ignored hidden=1" >"$d/two/.hidden.conf"
	echo "options third x=3" >"$d/three/single.conf"
}

run_config() { # FARM KVER
	local farm=$1 kver=$2 d=$TMP/conf b="-d $1 -S $2"
	make_fixtures "$d"
	# shellcheck disable=SC2086
	check_one "-c fixtures" $b -C "$d/one" -C "$d/two" -c
	# shellcheck disable=SC2086
	check_one "-c masking the other way" $b -C "$d/two" -C "$d/one" -c
	# shellcheck disable=SC2086
	check_one "-c single file and directory" $b -C "$d/three/single.conf" -C "$d/one" -c
	# shellcheck disable=SC2086
	check_one "-c no configuration" $b -C /nonexistent -c
	# shellcheck disable=SC2086
	check_one "-c default configuration" $b -c
	# shellcheck disable=SC2086
	check_one "-D with fixtures" $b -C "$d/one" -C "$d/two" -a -D dummy ext4 a-b only-pre spaced \
		my-alias pcspkr loop snd-hda-intel cont nul crlf
	# shellcheck disable=SC2086
	check_one "-R with fixtures" $b -C "$d/one" -C "$d/two" -a -R dummy my-alias \
		pci:v00008086d000010D3sv0sd0bc02sc00i00 usb:v1234p1234d0100 from-alias-file nocmd
}

# -- kernel command lines ---------------------------------------------------------
CMDLINES=(
	'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet'
	'dummy.numdummies=4 loop.max_loop=8 snd-hda-intel.power_save=1'
	'modprobe.blacklist=evbug,pcspkr,,snd-pcsp modprobe.blacklist=one'
	'"parport.dyndbg=file drivers/parport/ieee1284_ops.c +mpf" after.x=1'
	'mod.param="quoted value" mod.flag mod.p=a=b'
	'a.b.c=1 =x .y=2 z.=3 "q.r"=s "unterminated.x=1'
	'bad]name.x=1 good[name].y=2 tab	sep.x=1'
	'modprobe.blacklist modprobe.other=1 modprobe.blacklist="a,b c"'
	'x.y=1
next.line=2'
	''
)

run_cmdlines() { # FARM KVER
	local i
	if ! unshare -m true 2>/dev/null; then
		echo "== kernel command lines: skipped (no private mount namespace here)"
		return
	fi
	for i in "${!CMDLINES[@]}"; do
		printf '%s\n' "${CMDLINES[i]}" >"$TMP/cmdline.$i"
		# shellcheck disable=SC2016
		if unshare -m bash -c 'mount --bind "$1" /proc/cmdline || exit 1
			(exec -a modprobe "$2" -d "$3" -S "$4" -C /nonexistent -c) >"$5/k.out" 2>"$5/k.err.raw"
			echo $? >"$5/k.rc"
			(exec -a modprobe "$6" -d "$3" -S "$4" -C /nonexistent -c) >"$5/o.out" 2>"$5/o.err"
			echo $? >"$5/o.rc"' \
			_ "$TMP/cmdline.$i" "$KMOD" "$1" "$2" "$TMP" "$MODGATE"; then
			unlocate <"$TMP/k.err.raw" >"$TMP/k.err"
			if cmp -s "$TMP/k.out" "$TMP/o.out" && cmp -s "$TMP/k.err" "$TMP/o.err" &&
				cmp -s "$TMP/k.rc" "$TMP/o.rc"; then
				count "kernel command line -c" pass 1
			else
				count "kernel command line -c" fail 1
				show_diff "kernel command line -c" "${CMDLINES[i]}"
			fi
		else
			count "kernel command line -c" fail 1
			echo "--- kernel command line: could not bind-mount /proc/cmdline"
		fi
	done
}

trees=$(bash "$here/fetch-trees.sh") || { echo "compat-modprobe: cannot fetch trees" >&2; exit 1; }
echo "compat-modprobe: sample ${SAMPLE}, seed ${SEED}, batch ${BATCH}"
first_farm='' first_kver=''
while read -r series kver root; do
	farm=$(indexed_tree "$kver" "$root") || { count "$series depmod" fail 1; continue; }
	[ -n "$first_farm" ] || { first_farm=$farm first_kver=$kver; }
	run_lookups "$series" "$kver" "$farm" "$root"
done <<<"$trees"
if [ -n "$first_farm" ]; then
	echo "== configuration (-c) over fixtures, indexes of $first_kver"
	run_config "$first_farm" "$first_kver"
	run_cmdlines "$first_farm" "$first_kver"
fi

total_pass=0 total_fail=0
echo "== results"
for c in "${CATS[@]}"; do
	printf '%-44s %6d passed %6d failed\n' "$c" "${PASS[$c]}" "${FAIL[$c]}"
	total_pass=$((total_pass + PASS[$c]))
	total_fail=$((total_fail + FAIL[$c]))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
