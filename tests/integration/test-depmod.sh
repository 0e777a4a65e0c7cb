#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# depmod against Debian's kmod 30 on small trees of modules built here with
# the C compiler (depmod-mkmod.py): every output file byte for byte, stdout,
# stderr and exit status, for the depmod.d rules, duplicates, module order,
# cycles, -e with -F/-E, -n, -A, -P, module paths on the command line. Then
# what kmod does not do: refusing injected metadata, the cache, atomic writes.
# Expected output is kmod's, produced now. The real trees are tests/compat.
. "$(dirname "$0")/lib.sh"
MG=$1
MGT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
KMOD=/sbin/depmod
V=1.0.0
export MODGATE_DEPMOD_CACHE_DIR= # no cache unless a test asks for one

mkmod() { python3 "$HERE/depmod-mkmod.py" "$@" || exit 1; }
kmod() { (exec -a depmod "$KMOD" "$@"); }
ours() { (exec -a depmod "${OURS:-$MGT}" "$@"); }
mdir() { echo "$1/lib/modules/$V"; }

# The base tree: a dependency chain, aliases that need normalising, softdeps,
# a weakdep, device names, modules.order covering only part of the tree (the
# rest is ordered by kmod's hash table), builtin files with awkward records.
make_base() {
	local d
	d=$(mdir "$1")
	mkdir -p "$d/kernel/drivers/a" "$d/kernel/drivers/b" "$d/kernel/fs" "$d/extra"
	mkmod "$d/kernel/drivers/a/core-lib.ko" --info license=GPL --crc core_get=0x1111 \
		--crc core_put=0x2222 --need printk --version printk=0x99 --version module_layout=0x7
	mkmod "$d/kernel/drivers/a/mid.ko" --info 'alias=pci:v00008086d*sv*sd*bc02sc00i*' \
		--info 'alias=of:N*T*Cvendor,mid-[0-9]*' --info 'softdep=pre: core-lib post: fs_x' \
		--export mid_do --need core_get --need core_put --version core_get=0x1111 \
		--version core_put=0x2223
	mkmod "$d/kernel/drivers/b/top.ko" --info 'alias=usb:v1234p*d*dc*dsc*dp*ic*isc*ip*in*' \
		--info 'alias=char-major-10-130' --info 'alias=devname:watchdog' \
		--info 'weakdep=mid' --need mid_do --weak missing_weak --need not_anywhere
	mkmod "$d/kernel/fs/fs_x.ko" --info 'alias=fs-xfs' --info 'alias=fs-xfs' \
		--info 'alias=block-major-8-*' --info alias --export fsx_fn
	mkmod "$d/kernel/fs/other.ko" --info 'alias=fs-xfs' --info 'alias=devname:lonely' \
		--info 'alias=broken]bracket' --need fsx_fn
	for n in zeta alpha m3 q-w long_name_here x1 x2 x3 x4 x5 x6 x7 yy zz; do
		mkmod "$d/extra/$n.ko" --info "alias=extra:$n" --export "sym_${n//-/_}"
	done
	printf '%s\n' kernel/drivers/b/top.ko kernel/fs/fs_x.ko kernel/drivers/a/mid.ko \
		kernel/not/there.ko kernel/drivers/a/core-lib.ko >"$d/modules.order"
	printf '%s\n' kernel/crypto/aes_generic.ko kernel/lib/crc32c.ko '#bad line' \
		kernel/net/unix.ko >"$d/modules.builtin"
	printf 'aes_generic.alias=crypto-aes\0aes_generic.alias=aes\0unix.description=Unix\0noequals\0unix.alias=net-pf-1\0crc32c.alias=crc-[a-z]\0' \
		>"$d/modules.builtin.modinfo"
}

# files_same NAME KROOT OROOT: every file kmod made, ours byte for byte
files_same() {
	local name=$1 kd od f b bad=""
	kd=$(mdir "$2")
	od=$(mdir "$3")
	for f in "$kd"/modules.*; do
		b=${f##*/}
		case $b in modules.order | modules.builtin | modules.builtin.modinfo) continue ;; esac
		cmp -s "$f" "$od/$b" || bad+=" $b"
	done
	[ -e "$kd/modules.dep" ] || bad+=" (kmod wrote no modules.dep)"
	if [ -z "$bad" ]; then ok "$name: all files identical"; else not_ok "$name: files differ:$bad" \
		"$(for b in $bad; do [ -f "$kd/$b" ] && diff <(strings -n1 "$kd/$b") <(strings -n1 "$od/$b") | head -8; done)"; fi
}

# same NAME ARGS...: run both on fresh copies of $TMP/src (@ROOT@ in an
# argument is that copy); compare status, stdout, stderr and the files.
same() {
	local name=$1 a
	shift
	rm -rf "$TMP/k" "$TMP/o"
	cp -a "$TMP/src" "$TMP/k"
	cp -a "$TMP/src" "$TMP/o"
	local ka=() oa=()
	for a in "$@"; do
		ka+=("${a//@ROOT@/$TMP/k}")
		oa+=("${a//@ROOT@/$TMP/o}")
	done
	kmod "${ka[@]}" >"$TMP/k.out" 2>"$TMP/k.err"
	local krc=$?
	ours "${oa[@]}" >"$TMP/o.out" 2>"$TMP/o.err"
	local orc=$?
	sed -i "s|$TMP/k|ROOT|g${NORMALIZE:+;$NORMALIZE}" "$TMP/k.out" "$TMP/k.err"
	sed -i "s|$TMP/o|ROOT|g${NORMALIZE:+;$NORMALIZE}" "$TMP/o.out" "$TMP/o.err"
	expect_eq "$name: exit status" "$krc" "$orc"
	if cmp -s "$TMP/k.out" "$TMP/o.out"; then ok "$name: stdout"; else
		not_ok "$name: stdout" "$(diff "$TMP/k.out" "$TMP/o.out" | head -10)"; fi
	if cmp -s "$TMP/k.err" "$TMP/o.err"; then ok "$name: stderr"; else
		not_ok "$name: stderr" "$(diff "$TMP/k.err" "$TMP/o.err" | head -10)"; fi
	[ "$krc" = 0 ] && [ -e "$(mdir "$TMP/k")/modules.dep" ] && files_same "$name" "$TMP/k" "$TMP/o"
	return 0
}

mkdir -p "$TMP/src"
make_base "$TMP/src"

same "base tree" -b @ROOT@ $V
same "base tree, -a -w -v" -a -w -v -b @ROOT@ $V
same "show (-n)" -n -b @ROOT@ $V
# the fake kernel seam of modgate-test has no release: the real binary here
OURS=$MG same "no version argument means uname" -b @ROOT@
od=$(mdir "$TMP/o")
expect_eq "weakdep file (kmod 33's format)" \
	"$(printf '# Weak dependencies extracted from modules themselves.\nweakdep top mid')" \
	"$(ours -b "$TMP/o" $V 2>/dev/null; cat "$od/modules.weakdep")"

# Module paths on the command line: no walk, no configuration.
same "module paths" -b @ROOT@ $V @ROOT@/lib/modules/$V/kernel/fs/fs_x.ko \
	@ROOT@/lib/modules/$V/kernel/fs/other.ko
same "relative module path refused" -b @ROOT@ $V kernel/fs/fs_x.ko
same "bad version" -b @ROOT@ notaversion
same "-P takes one char" -P ab -b @ROOT@ $V
same "deprecated options" -u -q -r --quiet -b @ROOT@ $V
same "-e without -E or -F" -e -b @ROOT@ $V
same "missing -F file" -F /nonexistent/System.map -b @ROOT@ $V

# -e with the kernel's symbols: unknown symbols and CRC mismatches.
printf 'ffffffff81000000 T _stext\nffffffff82000000 r __ksymtab_printk\nbroken\nffffffff82000001 r __ksymtab_not_anywhere\n' \
	>"$TMP/System.map"
printf '0x00000099\tprintk\tvmlinux\tEXPORT_SYMBOL\n0x00000005\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\n0xnothex\tbad\tvmlinux\tEXPORT_SYMBOL\n0x1\tnot_vmlinux\tsomething.ko\tEXPORT_SYMBOL\n' \
	>"$TMP/Module.symvers"
same "-e -F System.map" -e -F "$TMP/System.map" -b @ROOT@ $V
# kmod ends "Invalid symbol version" with whatever errno held (%m): not compared
NORMALIZE='s/\(Invalid symbol version [^:]*\): .*/\1/' \
	same "-e -E Module.symvers" -e -E "$TMP/Module.symvers" -b @ROOT@ $V
NORMALIZE='s/\(Invalid symbol version [^:]*\): .*/\1/' \
	same "-E wins over -F" -e -E "$TMP/Module.symvers" -F "$TMP/System.map" -b @ROOT@ $V

# -P: a leading symbol character dropped on both sides.
rm -rf "$TMP/src"
mkdir -p "$(mdir "$TMP/src")/kernel"
mkmod "$(mdir "$TMP/src")/kernel/p1.ko" --export _p_fn --export plain_fn
mkmod "$(mdir "$TMP/src")/kernel/p2.ko" --need _p_fn --need plain_fn
same "-P _" -P _ -b @ROOT@ $V
same "without -P" -b @ROOT@ $V

# depmod.d: search order, built-in, external, override, exclude, masking by
# file name across -C directories, duplicates of one module name everywhere.
rm -rf "$TMP/src" "$TMP/ext"
d=$(mdir "$TMP/src")
mkdir -p "$d/kernel/net" "$d/updates/net" "$d/extra" "$d/weird/dir" "$d/skipme" "$d/build" \
	"$TMP/ext/sub" "$TMP/conf1" "$TMP/conf2"
for p in kernel/net updates/net extra weird/dir skipme build; do
	mkmod "$d/$p/dup.ko" --info "alias=where:$p" --export "dup_fn"
	mkmod "$d/$p/dup2.ko" --info "alias=where2:$p"
done
mkmod "$d/kernel/net/user.ko" --need dup_fn
mkmod "$TMP/ext/sub/dup.ko" --info alias=where:external --export dup_fn
mkmod "$TMP/ext/sub/ext_only.ko" --info alias=ext-only --need dup_fn
mkmod "$d/kernel/net/dup-dash.ko" --info alias=dash
mkmod "$d/extra/dup_dash.ko" --info alias=underscore
printf 'search extra external updates built-in\n# comment\noverride dup2 * weird/dir\nexclude skipme\nexternal %s %s\nbogus line\ninclude x\n' \
	'1\.0\..*' "$TMP/ext" >"$TMP/conf1/10-search.conf"
printf 'search updates\n' >"$TMP/conf2/10-search.conf"         # masked by conf1's
printf 'override dup2 2.* extra\noverride dup * \\\n  weird/dir\n' >"$TMP/conf2/05-more.conf"
printf 'search nothing\n' >"$TMP/conf2/ignored.txt"
same "depmod.d rules" -C "$TMP/conf1" -C "$TMP/conf2" -b @ROOT@ $V
same "depmod.d rules, verbose" -v -C "$TMP/conf1" -C "$TMP/conf2" -b @ROOT@ $V
same "one config file" -C "$TMP/conf2/05-more.conf" -b @ROOT@ $V
same "no configuration" -C "$TMP/nonexistent" -b @ROOT@ $V
printf 'search built-in extra\n' >"$TMP/conf1/10-search.conf"
same "built-in ranks first" -C "$TMP/conf1" -b @ROOT@ $V

# A dependency cycle: kmod's report and status, and no file written.
rm -rf "$TMP/src"
d=$(mdir "$TMP/src")
mkdir -p "$d/kernel"
mkmod "$d/kernel/cy_a.ko" --export a_fn --need b_fn
mkmod "$d/kernel/cy_b.ko" --export b_fn --need c_fn
mkmod "$d/kernel/cy_c.ko" --export c_fn --need a_fn
mkmod "$d/kernel/cy_d.ko" --export d_fn --need e_fn
mkmod "$d/kernel/cy_e.ko" --export e_fn --need d_fn
mkmod "$d/kernel/user.ko" --need a_fn
same "dependency cycles" -b @ROOT@ $V
expect_eq "a cycle writes nothing" "" "$(ls "$(mdir "$TMP/o")" | grep -v '^kernel$')"

# A file that is no module: kmod keeps it, without facts, and says so.
rm -rf "$TMP/src"
d=$(mdir "$TMP/src")
mkdir -p "$d/kernel"
mkmod "$d/kernel/good.ko" --info alias=good --export g_fn
echo "not an ELF file" >"$d/kernel/junk.ko"
head -c 100 /dev/zero >"$d/kernel/zeros.ko"
cp -a "$TMP/src" "$TMP/k"
rm -rf "$TMP/k" "$TMP/o"
cp -a "$TMP/src" "$TMP/k"
cp -a "$TMP/src" "$TMP/o"
kmod -b "$TMP/k" $V 2>/dev/null
expect_rc "broken files: exit 0" 0 ours -b "$TMP/o" $V
files_same "broken files" "$TMP/k" "$TMP/o"
expect_eq "broken files: each named once" "2" \
	"$(grep -c "^depmod: ERROR: failed to load symbols from $TMP/o/.*/\(junk\|zeros\).ko: " "$TMP/err")"

# -A: nothing newer than modules.dep, nothing done; a newer module, a run.
rm -rf "$TMP/o"
cp -a "$TMP/src" "$TMP/o"
ours -b "$TMP/o" $V 2>/dev/null
od=$(mdir "$TMP/o")
touch -d '2020-01-01' "$od"/kernel/*.ko
touch -d '2021-01-01' "$od"/modules.*
ours -A -b "$TMP/o" $V 2>/dev/null
expect_eq "-A on an up-to-date tree writes nothing" "2021" "$(date -r "$od/modules.alias" +%Y)"
touch "$od/kernel/good.ko"
ours -A -b "$TMP/o" $V 2>/dev/null
expect_eq "-A with a newer module runs" "$(date +%Y)" "$(date -r "$od/modules.alias" +%Y)"

# ---- beyond kmod ----

# Module metadata never becomes configuration: a softdep= value holding a
# newline and an install line is refused, naming the module; kmod copies it.
rm -rf "$TMP/src"
d=$(mdir "$TMP/src")
mkdir -p "$d/kernel"
mkmod "$d/kernel/evil.ko" --info $'softdep=pre: fine\ninstall victim /bin/sh -c id' \
	--info 'softdep=post: ok' --info $'alias=x\tab' --info $'alias=caf\xc3\xa9' --info alias=plain \
	--export $'sym\ninstall' --export good_sym
mkmod "$d/kernel/"$'bad\nname.ko' --info alias=badname
mkmod "$d/kernel/"$'caf\xc3\xa9.ko' --info alias=utf8name
rm -rf "$TMP/k" "$TMP/o"
cp -a "$TMP/src" "$TMP/k"
cp -a "$TMP/src" "$TMP/o"
kmod -b "$TMP/k" $V 2>/dev/null
expect_eq "kmod 30 copies the injected line (the threat is real)" "install victim /bin/sh -c id" \
	"$(grep '^install' "$(mdir "$TMP/k")/modules.softdep")"
expect_rc "injection: exit 0" 0 ours -b "$TMP/o" $V
od=$(mdir "$TMP/o")
expect_eq "injection: nothing of it in modules.softdep" \
	"$(printf '# Soft dependencies extracted from modules themselves.\nsoftdep evil post: ok')" \
	"$(cat "$od/modules.softdep")"
expect_eq "injection: control and non-ASCII aliases left out" \
	"$(printf '# Aliases extracted from modules themselves.\nalias plain evil')" "$(cat "$od/modules.alias")"
expect_eq "injection: one warning per refused value, naming the module" 3 \
	"$(grep -c 'WARNING: .*evil.ko: refusing \(softdep\|alias\) value with a control or non-ASCII byte from module evil$' "$TMP/err")"
expect_eq "injection: exported symbol names with a control byte refused" \
	"$(printf '# Aliases for symbols, used by symbol_request().\nalias symbol:good_sym evil')" \
	"$(cat "$od/modules.symbols")"
expect_eq "injection: warning for the symbol" 1 \
	"$(grep -c 'evil.ko: refusing exported symbol with a control or non-ASCII byte from module evil$' "$TMP/err")"
expect_eq "injection: module files with such paths ignored" "kernel/evil.ko:" "$(cat "$od/modules.dep")"
expect_eq "injection: a warning for each, the path made printable" 2 \
	"$(grep -c 'WARNING: ignoring .*kernel/\(bad?name\|caf??\).ko: a control or non-ASCII byte in its path$' "$TMP/err")"

# A worker that dies or hangs fails its module only (test binary's hooks:
# the worker given job N is killed, or stopped until the per-module timeout).
rm -rf "$TMP/src" "$TMP/k"
make_base "$TMP/src"
cp -a "$TMP/src" "$TMP/k"
kmod -b "$TMP/k" $V 2>/dev/null
kd=$(mdir "$TMP/k")
for how in KILL STOP; do
	rm -rf "$TMP/o"
	cp -a "$TMP/src" "$TMP/o"
	od=$(mdir "$TMP/o")
	# the timeout is long enough for any module here, even under ASan on a
	# busy machine: only the stopped worker reaches it
	if [ $how = KILL ]; then
		why="worker killed by signal 9 (SIGKILL)"
	else
		why="worker timed out after 3000 ms and was killed"
	fi
	expect_rc "worker $how: exit 0" 0 env MODGATE_TEST_DEPMOD_${how}_JOB=3 \
		MODGATE_TEST_DEPMOD_TIMEOUT_MS=3000 "$MGT" depmod -b "$TMP/o" $V
	victim=$(sed -n "s|^depmod: ERROR: failed to load symbols from $od/\(.*\): $why\$|\1|p" "$TMP/err")
	vname=$(basename "$victim" | sed 's/\.ko$//; s/-/_/g')
	expect_eq "worker $how: one module's error, and only that" "1 1" \
		"$(grep -c 'failed to load' "$TMP/err") $(grep -c "^$victim:" "$kd/modules.dep")"
	expect_eq "worker $how: every other module's aliases" \
		"$(grep -v " $vname\$" "$kd/modules.alias")" "$(cat "$od/modules.alias")"
done

# -o writes elsewhere (kmod 34), -m reads another module directory (kmod 34).
rm -rf "$TMP/src" "$TMP/k" "$TMP/o" "$TMP/outdir"
make_base "$TMP/src"
cp -a "$TMP/src" "$TMP/k"
cp -a "$TMP/src" "$TMP/o"
kmod -b "$TMP/k" $V 2>/dev/null
expect_rc "-o: exit 0" 0 ours -b "$TMP/o" -o "$TMP/outdir" $V
files_same "-o writes what kmod writes in place" "$TMP/k" "$TMP/outdir"
expect_eq "-o leaves the tree alone" "extra kernel modules.builtin modules.builtin.modinfo modules.order" \
	"$(ls "$(mdir "$TMP/o")" | tr '\n' ' ' | sed 's/ $//')"
mkdir -p "$TMP/m/usr/lib"
mv "$TMP/o/lib/modules" "$TMP/m/usr/lib/"
expect_rc "-m: exit 0" 0 ours -b "$TMP/m" -m /usr/lib/modules $V
files_same "-m reads and writes the given module directory" "$TMP/k" "$TMP/m/usr"
expect_rc "--help" 0 ours --help
expect_eq "--help usage line" "	depmod -[aA] [options] [forced_version]" "$(sed -n 2p "$TMP/out")"
expect_rc "--version" 0 ours -V

# The cache: same output as kmod on every run, whatever state the cache is in.
if [ "$(id -u)" = 0 ]; then
	rm -rf "$TMP/src" "$TMP/cache"
	make_base "$TMP/src"
	mkdir -m 0700 "$TMP/cache"
	export MODGATE_DEPMOD_CACHE_DIR=$TMP/cache
	rm -rf "$TMP/k" "$TMP/o"
	cp -a "$TMP/src" "$TMP/k"
	cp -a "$TMP/src" "$TMP/o"
	kmod -b "$TMP/k" $V 2>/dev/null
	cached_run() { # NAME EXPECTED-HITS
		expect_rc "$1: exit 0" 0 ours -vvv -b "$TMP/o" $V
		files_same "$1" "$TMP/k" "$TMP/o"
		expect_eq "$1: modules from the cache" "$2" \
			"$(sed -n 's/.*DEBUG: depmod cache: \([0-9]*\) of [0-9]* modules unchanged.*/\1/p' "$TMP/err")"
	}
	cached_run "cache, first run" 0
	cf=$(ls "$TMP/cache"/*.cache)
	expect_eq "cache file is root's, 0600" "root 600" "$(stat -c '%U %a' "$cf")"
	cached_run "cache, unchanged tree" 19
	printf '\x55' | dd of="$cf" bs=1 seek=$(($(stat -c %s "$cf") / 2)) conv=notrunc 2>/dev/null
	cached_run "cache, one byte damaged" 0
	cached_run "cache, rebuilt" 19
	truncate -s 100 "$cf"
	cached_run "cache, truncated" 0
	chown nobody "$cf"
	cached_run "cache, not root's" 0
	chmod 0770 "$TMP/cache"
	cached_run "cache, directory writable by others" 0
	chmod 0700 "$TMP/cache"
	touch "$(mdir "$TMP/o")/kernel/fs/other.ko"
	cached_run "cache, one module touched" 18
	# a module rewritten with new facts: parsed again, output follows it
	for r in "$TMP/k" "$TMP/o"; do
		mkmod "$(mdir "$r")/kernel/fs/other.ko" --info alias=changed --need core_get
	done
	kmod -b "$TMP/k" $V 2>/dev/null
	cached_run "cache, one module rewritten" 18
	cached_run "cache, again" 19
	unset MODGATE_DEPMOD_CACHE_DIR
fi

# Atomic output: a write that fails leaves every previous file as it was and
# no temporary file behind (a 64 KiB tmpfs runs out of space).
if [ "$(id -u)" = 0 ] && mkdir "$TMP/small" && mount -t tmpfs -o size=64k tmpfs "$TMP/small" 2>/dev/null; then
	trap 'umount "$TMP/small" 2>/dev/null; rm -rf "$TMP"' EXIT
	rm -rf "$TMP/big"
	d=$(mdir "$TMP/big")
	mkdir -p "$d/kernel"
	args=()
	for i in $(seq 1 3000); do args+=(--info "alias=pci:v0000$((i % 97))d$i-long-alias-to-fill-the-disk"); done
	mkmod "$d/kernel/big.ko" "${args[@]}"
	expect_rc "small tree fits" 0 ours -b "$TMP/src" -o "$TMP/small" $V
	before=$(cd "$(mdir "$TMP/small")" && sha256sum modules.*)
	expect_rc "big tree does not fit: failure" 1 ours -b "$TMP/big" -o "$TMP/small" $V
	expect_eq "failed write: previous files unchanged" "$before" \
		"$(cd "$(mdir "$TMP/small")" && sha256sum modules.*)"
	expect_eq "failed write: no temporary file left" "" \
		"$(ls "$(mdir "$TMP/small")" | grep -v '^modules\.[a-z.]*$')"
	umount "$TMP/small"
else
	echo "# skipped: atomic-write test needs root and a tmpfs mount"
fi

finish
