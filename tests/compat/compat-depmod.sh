#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# depmod against Debian's kmod 30, on the real Debian module trees.
#
#   compat-depmod.sh [MODGATE_BINARY [MODGATE_TEST_BINARY]]
#
# On copies of the 6.1 (.ko) and 6.12 (.ko.xz) trees, and on a tree mixing
# .ko, .ko.gz, .ko.xz and .ko.zst (a seeded sample of real modules, with
# depmod.d search/override/external/exclude and duplicates across
# directories), it runs kmod's depmod and ours on separate -b roots and
# compares every output file byte for byte; a .bin that differs is decoded
# (dump-bin.py) so the report says which keys differ. Ours runs twice, with
# an empty and then a filled facts cache: both must equal kmod. Also: -e -F
# with the image package's System.map and -e -E with the headers package's
# Module.symvers (stderr compared), and libkmod (kmod's own modprobe) answering
# -R and --show-depends from our indexes exactly as from kmod's.
# Expected output is kmod's, produced now, never stored. Module dependency
# cycles, injected metadata and the cache's failure modes need crafted
# modules: tests/integration/test-depmod.sh.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
MODGATE=${1:-${MODGATE:-$here/../../build/tools/modgate}}
MGT=${2:-$(dirname "$MODGATE")/modgate-test}
KMOD=/sbin/depmod
MODPROBE=/sbin/modprobe
SAMPLE=${MODGATE_COMPAT_SAMPLE:-300}
SEED=${MODGATE_COMPAT_SEED:-1}
QUERIES=${MODGATE_COMPAT_QUERIES:-150}

for b in "$MGT" "$KMOD" "$MODPROBE"; do
	[ -x "$b" ] || { echo "compat-depmod: missing $b" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/modgate-compat-depmod.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'; return 0; }
skipped() { skip=$((skip + 1)); echo "ok - $1 # SKIP $2"; }

kmod() { (exec -a depmod "$KMOD" "$@"); }
ours() { (exec -a depmod "$MGT" "$@"); }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Seeded sample of stdin's lines (sorted first, so the seed alone decides).
sample() {
	LC_ALL=C sort -u | shuf -n "$1" --random-source=<(openssl enc -aes-256-ctr \
		-pass pass:"$SEED" -nosalt -pbkdf2 </dev/zero 2>/dev/null)
}

# mkroot DIR KVER SRCDIR: DIR/lib/modules/KVER with SRCDIR's module
# directories (symlinks: both tools only read them) and copies of the files
# depmod reads
mkroot() {
	local d=$1/lib/modules/$2 e
	mkdir -p "$d"
	for e in "$3"/*; do
		if [ -d "$e" ]; then
			ln -s "$e" "$d/${e##*/}"
		elif [ "${e##*/}" = modules.order ] || [ "${e##*/}" = modules.builtin ] ||
			[ "${e##*/}" = modules.builtin.modinfo ]; then
			cp "$e" "$d/"
		fi
	done
}

# compare_files LABEL KDIR ODIR: each file kmod made, one report line each
compare_files() {
	local label=$1 kd=$2 od=$3 f b bad=0
	for f in "$kd"/modules.*; do
		b=${f##*/}
		case $b in modules.order | modules.builtin | modules.builtin.modinfo) continue ;; esac
		if cmp -s "$f" "$od/$b"; then
			ok "$label: $b identical"
			continue
		fi
		bad=1
		local why
		case $b in
		*.bin) why=$(python3 "$here/dump-bin.py" "$f" "$od/$b" 2>&1 | head -20) ;;
		modules.symbols)
			if cmp -s <(sort "$f") <(sort "$od/$b"); then
				why="same lines, another order"
			else
				why=$(diff "$f" "$od/$b" | head -20)
			fi
			;;
		*) why=$(diff "$f" "$od/$b" | head -20) ;;
		esac
		not_ok "$label: $b differs" "$why"
	done
	[ -e "$kd/modules.dep" ] || { not_ok "$label: kmod wrote nothing"; bad=1; }
	return $bad
}

# run_pair LABEL KVER SRCDIR [ARGS...]: kmod and ours (empty cache, then
# filled) on fresh roots; files, status and stderr (roots replaced) compared
run_pair() {
	local label=$1 kver=$2 src=$3 t0 t1 t2
	shift 3
	rm -rf "$TMP/k" "$TMP/o" "$TMP/cache"
	mkroot "$TMP/k" "$kver" "$src"
	mkroot "$TMP/o" "$kver" "$src"
	mkdir -m 0700 "$TMP/cache"
	local ka=() oa=() a
	for a in "$@"; do
		ka+=("${a//@ROOT@/$TMP/k}")
		oa+=("${a//@ROOT@/$TMP/o}")
	done
	t0=$(now_ms)
	kmod -b "$TMP/k" "${ka[@]}" "$kver" >"$TMP/k.out" 2>"$TMP/k.err"
	local krc=$?
	t1=$(now_ms)
	MODGATE_DEPMOD_CACHE_DIR=$TMP/cache ours -b "$TMP/o" "${oa[@]}" "$kver" >"$TMP/o.out" 2>"$TMP/o.err"
	local orc=$?
	t2=$(now_ms)
	echo "# $label: kmod $((t1 - t0)) ms, modgate $((t2 - t1)) ms (empty cache)"
	sed -i "s|$TMP/k|ROOT|g" "$TMP/k.err" "$TMP/k.out"
	sed -i "s|$TMP/o|ROOT|g" "$TMP/o.err" "$TMP/o.out"
	[ "$krc" = "$orc" ] && ok "$label: exit status $krc" || not_ok "$label: exit status" "kmod $krc, modgate $orc"
	if cmp -s "$TMP/k.err" "$TMP/o.err"; then ok "$label: stderr ($(wc -l <"$TMP/k.err") lines)"; else
		not_ok "$label: stderr" "$(diff "$TMP/k.err" "$TMP/o.err" | head -20)"; fi
	local kd=$TMP/k/lib/modules/$kver od=$TMP/o/lib/modules/$kver
	compare_files "$label" "$kd" "$od"
	# again, every module from the cache: still kmod's files
	t1=$(now_ms)
	MODGATE_DEPMOD_CACHE_DIR=$TMP/cache ours -b "$TMP/o" "${oa[@]}" "$kver" >/dev/null 2>"$TMP/o2.err"
	t2=$(now_ms)
	echo "# $label: modgate $((t2 - t1)) ms (filled cache)"
	sed -i "s|$TMP/o|ROOT|g" "$TMP/o2.err"
	cmp -s "$TMP/k.err" "$TMP/o2.err" && ok "$label, cached: stderr" ||
		not_ok "$label, cached: stderr" "$(diff "$TMP/k.err" "$TMP/o2.err" | head -10)"
	compare_files "$label, cached" "$kd" "$od"
}

# libkmod (kmod's modprobe) reading our indexes answers as from kmod's.
queries() {
	local label=$1 kver=$2 kd=$TMP/k/lib/modules/$2 q n=0 bad=0 first=""
	{
		awk '{sub(":", "", $1); n=split($1, p, "/"); sub(/\.ko.*/, "", p[n]); print p[n]}' \
			"$kd/modules.dep" | sample "$QUERIES"
		awk '/^alias /{print $2}' "$kd/modules.alias" | sample "$QUERIES" |
			sed 's/\[\(.\)[^]]*\]/\1/g; s/[*?]//g'
		awk '/^alias /{print $2}' "$kd/modules.symbols" | sample "$((QUERIES / 3))"
		printf '%s\n' unix crypto-aes no-such-module-at-all
	} >"$TMP/queries"
	while read -r q; do
		for mode in -R --show-depends; do
			n=$((n + 1))
			a=$("$MODPROBE" -d "$TMP/k" -S "$kver" "$mode" -- "$q" 2>&1 | sed "s|$TMP/k|ROOT|g")
			b=$("$MODPROBE" -d "$TMP/o" -S "$kver" "$mode" -- "$q" 2>&1 | sed "s|$TMP/o|ROOT|g")
			if [ "$a" != "$b" ]; then
				bad=$((bad + 1))
				[ -z "$first" ] && first="modprobe $mode $q: $(diff <(echo "$a") <(echo "$b") | head -6)"
			fi
		done
	done <"$TMP/queries"
	[ $bad = 0 ] && ok "$label: libkmod gives the same $n answers from our indexes" ||
		not_ok "$label: libkmod answers differ for $bad of $n queries" "$first"
}

# Module.symvers of a kernel: from Debian's headers package (apt-get download).
symvers_for() {
	local kver=$1 cache=$2 deb
	deb=$(ls "$cache/debs/linux-headers-${kver}_"*.deb 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		(cd "$cache/debs" && apt-get download -q "linux-headers-$kver" >/dev/null 2>&1) || return 1
		deb=$(ls "$cache/debs/linux-headers-${kver}_"*.deb 2>/dev/null | head -n1)
	fi
	[ -n "$deb" ] || return 1
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/linux-headers-$kver/Module.symvers" \
		>"$TMP/Module.symvers-$kver" 2>/dev/null && [ -s "$TMP/Module.symvers-$kver" ]
}

# A tree mixing compressions and depmod.d's rules, from a sample of a real tree.
mixed_tree() { # SRCDIR KVER OUTROOT -> prints the module directory
	local src=$1 kver=$2 out=$3/lib/modules/$2 i=0 rel
	mkdir -p "$out"
	cp "$src/modules.order" "$src/modules.builtin" "$src/modules.builtin.modinfo" "$out/"
	(cd "$src" && find kernel -name '*.ko' | sample "$SAMPLE") >"$TMP/picked"
	while read -r rel; do
		mkdir -p "$out/$(dirname "$rel")"
		case $((i % 4)) in
		0) cp "$src/$rel" "$out/$rel" ;;
		1) gzip -9 -n <"$src/$rel" >"$out/$rel.gz" ;; # Debian's kmod 30 has no zlib
		2) xz --check=crc32 --lzma2=dict=1MiB <"$src/$rel" >"$out/$rel.xz" ;;
		3) zstd -q -19 <"$src/$rel" >"$out/$rel.zst" ;;
		esac
		i=$((i + 1))
	done <"$TMP/picked"
	# duplicates: the same module under updates/, extra/, weird/ and external
	mkdir -p "$out/updates/dup" "$out/extra" "$out/weird/place" "$out/skipme" "$TMP/external/x"
	for rel in $(head -n 12 "$TMP/picked"); do
		cp "$src/$rel" "$out/updates/dup/"
		xz --check=crc32 <"$src/$rel" >"$out/extra/$(basename "$rel").xz"
		zstd -q <"$src/$rel" >"$out/weird/place/$(basename "$rel").zst"
		cp "$src/$rel" "$out/skipme/"
		cp "$src/$rel" "$TMP/external/x/"
	done
	mkdir -p "$TMP/conf"
	local third fourth
	third=$(sed -n 3p "$TMP/picked" | xargs basename | sed 's/\.ko$//')
	fourth=$(sed -n 4p "$TMP/picked" | xargs basename | sed 's/\.ko$//')
	printf 'search extra updates external built-in\nexclude skipme\nexternal %s %s\noverride %s * weird/place\noverride %s 9.* weird/place\n' \
		"$2" "$TMP/external" "$third" "$fourth" >"$TMP/conf/10-test.conf"
}

echo "# modgate: $("$MGT" --version | head -n1); kmod: $(kmod -V | head -n1)"
trees=$("$here/fetch-trees.sh") || { echo "compat-depmod: cannot fetch the trees" >&2; exit 1; }
cache=${MODGATE_CACHE:-/var/cache/modgate-tests}
while read -r series kver root; do
	src=$root/lib/modules/$kver
	run_pair "$series tree" "$kver" "$src"
	queries "$series tree" "$kver"
	run_pair "$series tree, -e -F System.map" "$kver" "$src" -e -F "$root/boot/System.map-$kver"
	if symvers_for "$kver" "$cache"; then
		run_pair "$series tree, -e -E Module.symvers" "$kver" "$src" \
			-e -E "$TMP/Module.symvers-$kver"
	else
		skipped "$series tree, -e -E Module.symvers" "linux-headers-$kver not downloadable"
	fi
done <<<"$trees"

read -r series kver root <<<"$(head -n1 <<<"$trees")"
rm -rf "$TMP/mixed" "$TMP/external"
mixed_tree "$root/lib/modules/$kver" "$kver" "$TMP/mixed"
run_pair "mixed .ko/.gz/.xz/.zst tree with depmod.d" "$kver" "$TMP/mixed/lib/modules/$kver" \
	-C "$TMP/conf"
queries "mixed tree" "$kver"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
