#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Set up and run every test: installs the packages, builds with -Werror as
# shipped (a static PIE) and runs all four suites (unit, integration, compat,
# vm), runs the tests that need a dynamic binary in a dynamic build, then a
# build with AddressSanitizer + UndefinedBehaviorSanitizer running unit and
# integration.
#
# Compat compares a seeded sample of each real tree against kmod by default
# (MODGATE_COMPAT_SAMPLE, default 300 modules per tree); MODGATE_COMPAT_SAMPLE=all
# compares everything.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash tests/compat/fetch-trees.sh >/dev/null

export MODGATE_COMPAT_SAMPLE=${MODGATE_COMPAT_SAMPLE:-300}
export MODGATE_COMPAT_SEED=${MODGATE_COMPAT_SEED:-$(date +%Y%m%d)}
echo "test.sh: compat sample ${MODGATE_COMPAT_SAMPLE}, seed ${MODGATE_COMPAT_SEED}"

# The main build is the shipped one: modgate as a static PIE (README, "Building").
build=${MODGATE_BUILD_DIR:-build-ci}
[ -d "$build" ] || meson setup "$build" -Dwerror-ci=true -Dstatic=true >/dev/null
ninja -C "$build"
# vm-bench holds timing scenarios (bench/ territory, minutes each): not tests.
meson test -C "$build" --print-errorlogs --num-processes 2 --no-suite vm-bench

# What only a dynamic, unsanitized binary can show: libraries opened on first
# use (also run under the sanitizers below), and the LD_PRELOAD decoder log of
# invariant 1, which cannot reach into a static binary.
dyn=${build}-dynamic
[ -d "$dyn" ] || meson setup "$dyn" -Dwerror-ci=true >/dev/null
ninja -C "$dyn"
meson test -C "$dyn" --print-errorlogs dlopen verify-noparse

asan=${build}-asan
[ -d "$asan" ] || meson setup "$asan" -Dwerror-ci=true -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbuildtype=debug >/dev/null
ninja -C "$asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C "$asan" --print-errorlogs --suite unit --suite integration
echo "test.sh: all suites passed"
