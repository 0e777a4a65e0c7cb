#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The multi-call binary: dispatch by argv[0] and by subcommand, version, help.
. "$(dirname "$0")/lib.sh"
MODGATE=$1

expect_rc "--version exits 0" 0 "$MODGATE" --version
expect_eq "--version first line" "modgate version $(sed -n "s/.*version: '\([^']*\)'.*/\1/p" "$MODGATE_SRC/meson.build" | head -n1)" "$(head -n1 "$TMP/out")"
expect_eq "--version features" "+ZSTD +XZ +ZLIB +LIBCRYPTO +SECCOMP +AUDIT" "$(sed -n 2p "$TMP/out")"

expect_rc "help exits 0" 0 "$MODGATE" help
for sub in status verify keys policy audit; do
	if grep -qE "^  $sub " "$TMP/out"; then ok "help lists $sub"; else not_ok "help lists $sub" "$(cat "$TMP/out")"; fi
done

expect_rc "unknown command fails" 1 "$MODGATE" no-such-command
expect_eq "unknown command message" "modgate: ERROR: invalid command 'no-such-command'" "$(head -n1 "$TMP/err")"
expect_rc "no command fails" 1 "$MODGATE"

# Dispatch on argv[0]: a symlink named lsmod is lsmod.
ln -s "$MODGATE" "$TMP/lsmod"
expect_rc "lsmod via symlink rejects arguments like kmod" 1 "$TMP/lsmod" extra
expect_eq "lsmod usage names itself" "Usage: $TMP/lsmod" "$(cat "$TMP/err")"
expect_rc "modgate lsmod dispatches" 1 "$MODGATE" lsmod extra
expect_eq "modgate lsmod usage" "Usage: lsmod" "$(cat "$TMP/err")"

# Tools that do not exist yet say so instead of pretending.
ln -s "$MODGATE" "$TMP/zzz-not-a-tool"
expect_rc "unknown argv[0] falls back to modgate" 1 "$TMP/zzz-not-a-tool"
finish
