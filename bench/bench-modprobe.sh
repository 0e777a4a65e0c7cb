#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# modprobe per-process cost against kmod 30 (budget: <= 1.1x), on Debian's
# real trees indexed by Debian's depmod (the vm-index cache, shared with the
# compat and vm tests): `modprobe -R` of a modalias matching one and several
# drivers, of a symbol, of an unknown name; `--show-depends` of a module with
# hard and soft dependencies; `-c`. Each timing is a loop of N processes, so
# exec, dynamic linking and start-up count as they do for udev's calls.
# modprobe of an already-loaded module needs a kernel with modules: the vm
# scenario tests/vm/scenarios/modprobe.sh reports it (kmod vs modgate, TCG).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/lib.sh"
MODGATE=$(readlink -f "${MODGATE:-$src/build/tools/modgate}")
KMOD=${KMOD:-/bin/kmod}
rounds=${ROUNDS:-11}
n=${N:-100}
cache=${MODGATE_CACHE:-/var/cache/modgate-tests}

# shellcheck source=tests/vm/stage.sh
. "$src/tests/vm/stage.sh"
trees=$(bash "$src/tests/compat/fetch-trees.sh" "$cache")
tmp=$(mktemp -d /tmp/modgate-bench-modprobe.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# argv[0] "modprobe" for both, as through the /sbin symlinks
ln -s "$MODGATE" "$tmp/modprobe"
mkdir "$tmp/kmod" && ln -s "$KMOD" "$tmp/kmod/modprobe"

while read -r series kver root; do
	farm=$cache/vm-index/$kver
	exec {lock}>"$cache/.vm.lock"
	flock "$lock"
	index_tree "$root" "$kver" "$farm" >&2
	flock -u "$lock"
	b="-d $farm -S $kver"
	for args in "-R pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00" \
		"-R pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00" \
		"-R symbol:nf_register_net_hook" "-R no_such_module" \
		"--show-depends nf_tables" "--show-depends ext4" "-c"; do
		bench_pair "$series modprobe $args ($n x)" "$rounds" \
			"$(bench_loop_cmd "$n" "$tmp/modprobe $b $args || true")" \
			"$(bench_loop_cmd "$n" "$tmp/kmod/modprobe $b $args || true")"
	done
done <<<"$trees"
bench_pair "start-up: --version ($n x)" "$rounds" \
	"$(bench_loop_cmd "$n" "$MODGATE --version")" "$(bench_loop_cmd "$n" "$KMOD --version")"
