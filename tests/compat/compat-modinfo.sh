#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# modinfo against Debian's kmod 30, on the real Debian module trees.
#
#   compat-modinfo.sh [MODGATE_BINARY]
#
# For each tree (6.1: .ko, 6.12: .ko.xz) and a seeded sample of its modules
# (MODGATE_COMPAT_SAMPLE=N, default 300, or "all"; MODGATE_COMPAT_SEED), it
# compares stdout, stderr and the exit status of `modgate modinfo` with
# /sbin/modinfo for:
#   file paths: default output, -F signer, -0
#   recompressed copies: .ko.zst (kmod reads zstd), and .ko.gz, which Debian's
#     kmod cannot read (built without zlib): there the reference is kmod's
#     output for the .ko.zst copy and only the filename may differ
#   lookups in a depmod'ed copy of the tree (-b ROOT -k KVER): module names,
#     -m names, alias patterns, concrete modaliases, symbol:, built-in names
#     and aliases, unknown names
# Expected output is produced by kmod now, never stored. Items are run in
# batches (one process for many arguments, as kmod allows); a batch that
# differs is rerun one item at a time so every item is counted.
# kmod's own libkmod diagnostics ("libkmod: ...") are left out of the stderr
# comparison: modgate words its internal diagnostics itself.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
MODGATE=${1:-${MODGATE:-$here/../../build/tools/modgate}}
KMOD=${KMOD_MODINFO:-/sbin/modinfo}
SAMPLE=${MODGATE_COMPAT_SAMPLE:-300}
SEED=${MODGATE_COMPAT_SEED:-1}
BATCH=${MODGATE_COMPAT_BATCH:-100}
SHOW=${MODGATE_COMPAT_SHOW:-3} # diffs printed per category
JOBS=$(nproc)

[ -x "$MODGATE" ] || { echo "compat-modinfo: no modgate binary at $MODGATE" >&2; exit 1; }
[ -x "$KMOD" ] || { echo "compat-modinfo: no kmod modinfo at $KMOD" >&2; exit 1; }
TMP=$(mktemp -d /tmp/modgate-compat-modinfo.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

declare -A PASS FAIL SHOWN
CATS=()

# Both tools see argv[0] = "modinfo", so messages carry the same prefix.
ours() { (exec -a modinfo "$MODGATE" "$@"); }
kmod() { (exec -a modinfo "$KMOD" "$@"); }

# Seeded sample of stdin's lines (sorted first, so the seed alone decides).
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
		PASS[$c]=0
		FAIL[$c]=0
		SHOWN[$c]=0
	fi
	if [ "$2" = pass ]; then PASS[$c]=$((PASS[$c] + $3)); else FAIL[$c]=$((FAIL[$c] + $3)); fi
}

# run_both FILTER KOPTS_NAME OOPTS_NAME: fills $TMP/{k,o}.{out,err,rc}.
# FILTER is applied to our stdout (for .ko.gz: filename -> .ko.zst).
run_both() {
	local filter=$1
	local -n kargs=$2 oargs=$3
	kmod "${kargs[@]}" >"$TMP/k.out" 2>"$TMP/k.err.raw"
	echo $? >"$TMP/k.rc"
	ours "${oargs[@]}" 2>"$TMP/o.err" | $filter >"$TMP/o.out"
	echo "${PIPESTATUS[0]}" >"$TMP/o.rc"
	grep -v '^libkmod: ' "$TMP/k.err.raw" >"$TMP/k.err"
	cmp -s "$TMP/k.out" "$TMP/o.out" && cmp -s "$TMP/k.err" "$TMP/o.err" &&
		cmp -s "$TMP/k.rc" "$TMP/o.rc"
}

show_diff() { # CATEGORY ITEM
	[ "${SHOWN[$1]}" -lt "$SHOW" ] || return 0
	SHOWN[$1]=$((SHOWN[$1] + 1))
	echo "--- $1: $2"
	diff <(tr '\0' '\n' <"$TMP/k.out") <(tr '\0' '\n' <"$TMP/o.out") | head -n 10
	diff "$TMP/k.err" "$TMP/o.err" | head -n 5
	echo "exit: kmod $(cat "$TMP/k.rc") modgate $(cat "$TMP/o.rc")"
}

nofilter() { cat; }
gz_as_zst() { sed 's|^\(filename: .*\)\.ko\.gz$|\1.ko.zst|'; }
gz_as_zst0() { sed -z 's|^\(filename: .*\)\.ko\.gz$|\1.ko.zst|'; }

# check CATEGORY FILTER "OPTS" KLIST [OLIST]: items of KLIST for kmod and the
# matching lines of OLIST (default KLIST) for modgate.
check() {
	local cat=$1 filter=$2 opts=$3 klist=$4 olist=${5:-$4} i j n
	local -a kitems oitems ka oa o
	mapfile -t kitems <"$klist"
	mapfile -t oitems <"$olist"
	read -r -a o <<<"$opts"
	n=${#kitems[@]}
	for ((i = 0; i < n; i += BATCH)); do
		ka=("${o[@]}" "${kitems[@]:i:BATCH}")
		oa=("${o[@]}" "${oitems[@]:i:BATCH}")
		if run_both "$filter" ka oa; then
			count "$cat" pass $((${#ka[@]} - ${#o[@]}))
			continue
		fi
		for ((j = i; j < i + BATCH && j < n; j++)); do
			ka=("${o[@]}" "${kitems[j]}")
			oa=("${o[@]}" "${oitems[j]}")
			if run_both "$filter" ka oa; then
				count "$cat" pass 1
			else
				count "$cat" fail 1
				show_diff "$cat" "${kitems[j]}"
			fi
		done
	done
}

# Decompress one module and write .ko.zst and .ko.gz copies under $2.
recompress_one() { # SRC DSTBASE
	local src=$1 dst=$2 raw
	mkdir -p "$(dirname "$dst")"
	raw=$dst.ko
	case $src in
	*.ko.xz) xz -dc "$src" >"$raw" ;;
	*.ko.zst) zstd -qdc "$src" >"$raw" ;;
	*.ko.gz) gzip -dc "$src" >"$raw" ;;
	*) cp "$src" "$raw" ;;
	esac
	zstd -q -f "$raw" -o "$dst.ko.zst" && gzip -c "$raw" >"$dst.ko.gz" && rm -f "$raw"
}
export -f recompress_one

# A copy of the tree's module directory indexed by kmod's depmod, so lookups
# have modules.dep.bin and friends (the packages ship without them).
index_tree() { # ROOT KVER DST
	local md=$1/lib/modules/$2 dmd=$3/lib/modules/$2 f
	mkdir -p "$dmd"
	ln -s "$md/kernel" "$dmd/kernel"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -e "$md/$f" ] && cp "$md/$f" "$dmd/"
	done
	depmod -b "$3" "$2"
}

# Lookup items: concrete strings made from alias patterns ('*' -> '0', '?' -> 'x').
concrete() { sed -e 's/\*/0/g' -e 's/?/x/g'; }

run_tree() { # SERIES KVER ROOT
	local series=$1 kver=$2 root=$3 md=$3/lib/modules/$2 t=$TMP/$1
	mkdir -p "$t"
	echo "== $series ($kver)"
	(cd "$md" && find kernel -name '*.ko*' -type f) | sample | sed "s|^|$md/|" >"$t/files"
	echo "   $(wc -l <"$t/files") module files"
	check "$series file" nofilter "" "$t/files"
	check "$series file -F signer" nofilter "-F signer" "$t/files"
	check "$series file -0" nofilter "-0" "$t/files"

	# recompressed copies of the same sample
	local re=$t/re
	sed "s|^$md/||" "$t/files" | while read -r rel; do
		printf '%s\0%s\0' "$md/$rel" "$re/${rel%.ko*}"
	done | xargs -0 -n 2 -P "$JOBS" bash -c 'recompress_one "$0" "$1"'
	sed -e "s|^$md/|$re/|" -e 's/\.ko\(\.[a-z]*\)\?$/.ko.zst/' "$t/files" >"$t/zst"
	sed 's/\.ko\.zst$/.ko.gz/' "$t/zst" >"$t/gz"
	check "$series .ko.zst" nofilter "" "$t/zst"
	check "$series .ko.zst -F signer" nofilter "-F signer" "$t/zst"
	check "$series .ko.zst -0" nofilter "-0" "$t/zst"
	check "$series .ko.gz (vs kmod on .ko.zst)" gz_as_zst "" "$t/zst" "$t/gz"
	check "$series .ko.gz -F signer" nofilter "-F signer" "$t/zst" "$t/gz"
	check "$series .ko.gz -0" gz_as_zst0 "-0" "$t/zst" "$t/gz"

	# lookups in an indexed copy
	local ix=$t/root ixmd=$t/root/lib/modules/$kver
	index_tree "$root" "$kver" "$ix" || { count "$series depmod" fail 1; return; }
	local b="-b $ix -k $kver"
	sed -e 's|.*/||' -e 's/\.ko.*//' "$t/files" >"$t/names"
	check "$series name" nofilter "$b" "$t/names"
	check "$series -m name" nofilter "$b -m" "$t/names"
	check "$series name -F filename" nofilter "$b -F filename" "$t/names"
	# one alias pattern per sampled module, as is and made concrete
	awk 'NR == FNR { want[$1] = 1; next } $1 == "alias" && want[$3] && !seen[$3]++ { print $2 }' \
		<(sed 's/-/_/g' "$t/names") "$ixmd/modules.alias" >"$t/aliases"
	check "$series alias pattern" nofilter "$b" "$t/aliases"
	concrete <"$t/aliases" >"$t/modaliases"
	check "$series modalias" nofilter "$b" "$t/modaliases"
	check "$series modalias -F name" nofilter "$b -F name" "$t/modaliases"
	awk '$1 == "alias" { print $2 }' "$ixmd/modules.symbols" | sample >"$t/symbols"
	check "$series symbol:" nofilter "$b" "$t/symbols"
	sed -e 's|.*/||' -e 's/\.ko$//' "$ixmd/modules.builtin" | sample >"$t/builtin"
	check "$series builtin name" nofilter "$b" "$t/builtin"
	check "$series builtin -m name" nofilter "$b -m" "$t/builtin"
	tr '\0' '\n' <"$ixmd/modules.builtin.modinfo" | sed -n 's/^[^.]*\.alias=//p' | sample \
		>"$t/balias"
	check "$series builtin alias" nofilter "$b" "$t/balias"
	printf '%s\n' no_such_module no-such-module symbol:no_such_symbol 'bad]alias' 'open[alias' \
		'pci:v0000FFFFd0000FFFFsv0sd0bc0sc0i0' "$md/kernel" /nonexistent.ko >"$t/misc"
	check "$series unknown and odd names" nofilter "$b" "$t/misc"
	check "$series unknown -m" nofilter "$b -m" "$t/misc"
}

trees=$(bash "$here/fetch-trees.sh") || { echo "compat-modinfo: cannot fetch trees" >&2; exit 1; }
echo "compat-modinfo: sample ${SAMPLE}, seed ${SEED}, batch ${BATCH}"
while read -r series kver root; do
	run_tree "$series" "$kver" "$root"
done <<<"$trees"

total_pass=0
total_fail=0
echo "== results"
for c in "${CATS[@]}"; do
	printf '%-44s %6d passed %6d failed\n' "$c" "${PASS[$c]}" "${FAIL[$c]}"
	total_pass=$((total_pass + PASS[$c]))
	total_fail=$((total_fail + FAIL[$c]))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
