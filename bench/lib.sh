# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared timing helpers for bench/*.sh. Sourced, not run.
#
# bench_pair NAME ROUNDS CMD_MODGATE CMD_KMOD
#   Runs both commands alternately ROUNDS times each (after one untimed warm-up
#   of each), takes the median wall time of each, prints one result line:
#   "NAME  modgate <ms> ms  kmod <ms> ms  ratio <r>"
#   and appends "NAME ratio" to $BENCH_RESULTS if set.
# The commands are shell strings run by bash -c, output discarded; a command
# that fails aborts the benchmark (timing a failure measures nothing).

_now_ns() { date +%s%N; }

_median() {
	sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

_time_once() {
	local t0 t1
	t0=$(_now_ns)
	if ! bash -c "$1" >/dev/null 2>&1; then
		echo "bench: command failed: $1" >&2
		return 1
	fi
	t1=$(_now_ns)
	echo $(((t1 - t0)))
}

bench_pair() {
	local name=$1 rounds=$2 a=$3 b=$4 i ta=() tb=()
	_time_once "$a" >/dev/null || return 1
	_time_once "$b" >/dev/null || return 1
	for ((i = 0; i < rounds; i++)); do
		ta+=("$(_time_once "$a")") || return 1
		tb+=("$(_time_once "$b")") || return 1
	done
	local ma mb
	ma=$(printf '%s\n' "${ta[@]}" | _median)
	mb=$(printf '%s\n' "${tb[@]}" | _median)
	awk -v n="$name" -v a="$ma" -v b="$mb" 'BEGIN {
		printf "%-44s modgate %9.2f ms   kmod %9.2f ms   ratio %.3f\n", n, a/1e6, b/1e6, a/b }'
	if [ -n "${BENCH_RESULTS:-}" ]; then
		awk -v n="$name" -v a="$ma" -v b="$mb" 'BEGIN { printf "%s %.4f\n", n, a/b }' >>"$BENCH_RESULTS"
	fi
}

# Per-process cost of tiny commands is below date's resolution noise for one
# run; bench_loop runs a command N times inside one timed shell loop.
bench_loop_cmd() { # N CMD -> a shell string running CMD N times
	printf 'for ((_i=0;_i<%d;_i++)); do %s; done' "$1" "$2"
}
