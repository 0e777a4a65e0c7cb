# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# Host-side staging of the test initramfs, sourced by run-vm.sh. Everything put
# in the image comes from the real components: Debian's busybox-static, the
# built modgate, Debian's kmod (the oracle), the shared libraries ldd names, and
# signed modules from the unpacked Debian kernel package.

# Full-tree index, once per kernel: Debian's package has no modules.dep (its
# postinst runs depmod), so run Debian's depmod over a tree of symlinks into
# the shared cache, leaving the cache itself as fetch-trees.sh made it.
index_tree() {
	local root=$1 kver=$2 farm=$3 src
	src=$root/lib/modules/$kver
	[ -f "$farm/.complete" ] && return 0
	rm -rf "$farm"
	mkdir -p "$farm/lib/modules/$kver" "$farm/empty.d"
	ln -s "$src/kernel" "$farm/lib/modules/$kver/kernel"
	cp "$src"/modules.order "$src"/modules.builtin "$src"/modules.builtin.modinfo \
		"$farm/lib/modules/$kver/"
	depmod -b "$farm" "$kver" || return 1
	touch "$farm/.complete"
}

# libs_of FILE: the shared libraries and dynamic loader FILE needs.
libs_of() { ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true; }

# dlopen_libs_of FILE: the libraries FILE opens on first use, which ldd does
# not see: the sonames in its .note.dlopen (common/dlopen.h), as the host's
# loader resolves them.
dlopen_libs_of() {
	local so
	for so in $(objcopy -O binary --only-section=.note.dlopen "$1" /dev/stdout 2>/dev/null |
		tr '\0' '\n' | grep -ao '"soname":\["[^]]*' | grep -o 'lib[^"]*'); do
		/sbin/ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }'
	done
}

# copy_libs DEST FILE...: every library FILE needs, at its own path under DEST,
# resolved through symlinks, unless the base archive (list in $base_files)
# already holds it.
copy_libs() {
	local dest=$1 f lib
	shift
	for f in "$@"; do
		for lib in $(libs_of "$f"); do
			grep -qxF "$lib" "${base_files:-/dev/null}" && continue
			[ -e "$dest$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$dest$lib"
		done
	done
}

# The applets without the module tools: a program exec'ing "insmod" must not
# land in busybox by accident. Scenarios call busybox's explicitly.
stage_busybox() {
	local dest=$1 applet
	install -D -m 0755 "$(command -v busybox)" "$dest/bin/busybox"
	for applet in $(busybox --list); do
		case $applet in
		busybox | insmod | rmmod | lsmod | modprobe | modinfo | depmod) ;;
		*) [ -e "$dest/bin/$applet" ] || ln -s busybox "$dest/bin/$applet" ;;
		esac
	done
}

# modgate where `meson install` puts it, with the kmod names as symlinks and
# its own /usr/lib/modgate/modprobe (what kernel.modprobe names). Beside it:
# modgate-vmtest when built next to modgate (the gate's test hooks over the
# real seam), and vm-helper (guest/vm-helper.c: sockets of any family, a
# monotonic clock), built here.
stage_modgate() {
	local dest=$1 modgate=$2 t
	install -D -m 0755 "$modgate" "$dest/usr/bin/modgate"
	copy_libs "$dest" "$modgate"
	for t in $(dlopen_libs_of "$modgate"); do
		grep -qxF "$t" "${base_files:-/dev/null}" || [ -e "$dest$t" ] ||
			install -D -m 0755 "$(readlink -f "$t")" "$dest$t"
		copy_libs "$dest" "$t"
	done
	mkdir -p "$dest/usr/sbin" "$dest/usr/lib/modgate"
	for t in modprobe insmod rmmod lsmod modinfo depmod; do
		ln -sf ../bin/modgate "$dest/usr/sbin/$t"
	done
	ln -sf ../../bin/modgate "$dest/usr/lib/modgate/modprobe"
	if [ -x "${modgate%/*}/modgate-vmtest" ]; then
		install -m 0755 "${modgate%/*}/modgate-vmtest" "$dest/usr/bin/modgate-vmtest"
	fi
	cc -O2 -o "$dest/usr/bin/vm-helper" "${BASH_SOURCE[0]%/*}/guest/vm-helper.c" &&
		copy_libs "$dest" "$dest/usr/bin/vm-helper"
}

# Debian's kmod, out of the way of modgate's names: /opt/kmod/bin/<tool>.
stage_kmod() {
	local dest=$1 t
	install -D -m 0755 /bin/kmod "$dest/opt/kmod/bin/kmod"
	copy_libs "$dest" /bin/kmod
	for t in modprobe insmod rmmod lsmod modinfo depmod; do
		ln -sf kmod "$dest/opt/kmod/bin/$t"
	done
}

# stage_programs DEST NAME...: host programs at their own paths, with their
# libraries, taken from the Debian packages scripts/install-deps.sh installs
# as busybox and kmod are (auditd's for the audit scenario).
stage_programs() {
	local dest=$1 name path
	shift
	for name in "$@"; do
		path=$(command -v "$name") || { echo "stage: $name is not installed" >&2; return 1; }
		path=$(readlink -f "$path")
		install -D -m 0755 "$path" "$dest$path" || return 1
		copy_libs "$dest" "$path"
	done
}

# stage_modules DEST ROOT KVER FARM NAME...: the closure of each NAME (hard
# and soft dependencies, as Debian's modprobe --show-depends resolves them over
# the full tree), the files kmod reads beside them, and indexes made by
# Debian's depmod over the staged tree. /vmtest/deps/<NAME> lists the closure
# in load order.
stage_modules() {
	local dest=$1 root=$2 kver=$3 farm=$4 name line rel
	shift 4
	local src=$root/lib/modules/$kver prefix=$farm/lib/modules/$kver/
	mkdir -p "$dest/lib/modules/$kver" "$dest/vmtest/deps"
	cp "$src"/modules.order "$src"/modules.builtin "$src"/modules.builtin.modinfo \
		"$dest/lib/modules/$kver/"
	for name in "$@"; do
		modprobe -d "$farm" -S "$kver" -C "$farm/empty.d" --ignore-install \
			--show-depends "$name" >"$dest/vmtest/deps/$name.raw" || return 1
		: >"$dest/vmtest/deps/$name"
		while read -r line; do
			case $line in
			"insmod $prefix"*) ;;
			*) echo "stage: $name: unexpected dependency line: $line" >&2; return 1 ;;
			esac
			rel=${line#insmod "$prefix"}
			rel=${rel%% *}
			install -D -m 0644 "$src/$rel" "$dest/lib/modules/$kver/$rel" || return 1
			echo "/lib/modules/$kver/$rel" >>"$dest/vmtest/deps/$name"
		done <"$dest/vmtest/deps/$name.raw"
		rm "$dest/vmtest/deps/$name.raw"
	done
	depmod -b "$dest" "$kver" || return 1
	# The kernel's own certificate, extracted from its image by the staged
	# modgate, for scenarios that put it into /etc/modgate/keys.d.
	local keys
	keys=$(mktemp -d)
	"$dest/usr/bin/modgate" --root "$keys" keys extract-kernel "$root/boot/vmlinuz-$kver" \
		>/dev/null && install -D -m 0644 "$keys/etc/modgate/keys.d/kernel-$kver.pem" \
		"$dest/vmtest/keys/kernel-$kver.pem"
	local rc=$?
	rm -rf "$keys"
	return $rc
}

# The signed module as its bytes, uncompressed (the signature covers those).
module_bytes() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dcq "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# stage_variant DEST ROOT KVER FARM KIND NAME: /vmtest/variants/KIND/NAME.ko,
# made from the real signed module. KIND is signed (decompressed, untouched),
# unsigned (signature trailer removed), tampered (one byte of the signed
# region changed, signature kept) or foreign (signed again by a key made here
# and thrown away, which no trust store knows).
stage_variant() {
	local dest=$1 root=$2 kver=$3 farm=$4 kind=$5 name=$6 rel out size siglen
	rel=$(modprobe -d "$farm" -S "$kver" -C "$farm/empty.d" --ignore-install \
		--show-depends "$name" | tail -n1 | awk '{print $2}')
	rel=${rel#"$farm/lib/modules/$kver/"}
	out=$dest/vmtest/variants/$kind/$name.ko
	mkdir -p "${out%/*}"
	module_bytes "$root/lib/modules/$kver/$rel" >"$out.signed" || return 1
	size=$(stat -c %s "$out.signed")
	if [ "$(tail -c 28 "$out.signed")" != "~Module signature appended~" ]; then
		echo "stage: $name: not a signed module" >&2
		return 1
	fi
	# struct module_signature: 12 bytes before the magic, sig_len big-endian last.
	siglen=$(tail -c 40 "$out.signed" | head -c 12 | od -An -tu1 |
		awk '{print $9 * 16777216 + $10 * 65536 + $11 * 256 + $12}')
	case $kind in
	signed) mv "$out.signed" "$out" ;;
	unsigned)
		head -c $((size - 40 - siglen)) "$out.signed" >"$out"
		rm "$out.signed"
		;;
	foreign)
		local key
		key=$(mktemp -d)
		head -c $((size - 40 - siglen)) "$out.signed" >"$out.unsigned"
		openssl req -new -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=modgate foreign key" \
			-keyout "$key/k.pem" -out "$key/c.pem" 2>/dev/null &&
			bash "${BASH_SOURCE[0]%/*}/../crafted/sign-module.sh" sha256 "$key/k.pem" \
				"$key/c.pem" "$out.unsigned" "$out" || { rm -rf "$key"; return 1; }
		rm -rf "$key" "$out.signed" "$out.unsigned"
		;;
	tampered)
		# Flip every bit of one byte in the middle of the signed region.
		local at=$(((size - 40 - siglen) / 2)) byte
		byte=$(dd if="$out.signed" bs=1 skip="$at" count=1 status=none | od -An -tu1)
		mv "$out.signed" "$out"
		printf %b "\\0$(printf %03o $((255 - byte)))" |
			dd of="$out" bs=1 seek="$at" conv=notrunc status=none
		;;
	*) echo "stage: unknown variant kind $kind" >&2; return 1 ;;
	esac
}

# base_archive DIR: the part of the image that changes only with Debian
# packages (busybox, kmod, their libraries), built once per content and reused:
# the kernel unpacks concatenated archives in order. Sets $base and $base_files.
base_archive() {
	local dir=$1 key tmp libs
	mapfile -t libs < <(libs_of /bin/kmod)
	key=$(cat /bin/busybox /bin/kmod "${libs[@]}" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
	base=$dir/base-$key.cpio.gz base_files=$dir/base-$key.files
	[ -f "$base" ] && [ -f "$base_files" ] && return 0
	mkdir -p "$dir"
	rm -f "$dir"/base-*
	tmp=$(mktemp -d "$dir/tmp.XXXXXX")
	mkdir -p "$tmp"/{bin,proc,sys,dev,tmp,run,root,etc}
	stage_busybox "$tmp"
	base_files=/dev/null stage_kmod "$tmp"
	(cd "$tmp" && find . -type f | sed 's/^\.//') >"$tmp.files"
	make_cpio "$tmp" "$tmp.cpio.gz"
	mv "$tmp.files" "$dir/base-$key.files"
	mv "$tmp.cpio.gz" "$base"
	rm -rf "$tmp"
}

# make_cpio DIR OUT: newc archive, all files root-owned, gzip'd (fast level:
# the TCG guest's inflate is the slow side, not the host's deflate).
make_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$2"
}
