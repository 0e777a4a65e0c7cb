#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Policy evaluation cost per decision for 1,000-rule policies. kmod has no
# policy, so this prints absolute figures (budget: well under 1 µs) and adds
# nothing to the ratio table.
set -euo pipefail
here=$(dirname "$0")
MODGATE=${MODGATE:-$here/../build/tools/modgate}
bin=$(dirname "$MODGATE")/../bench/bench-policy
if [ ! -x "$bin" ]; then
	echo "bench-policy: $bin not built" >&2
	exit 1
fi
"$bin" "${ROUNDS:-9}"
