#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The settings and the policy the gate acts on, in the trail (issue 8): one
# settings-load and one policy-load record when they changed since the last
# ones recorded, none from a gate run that finds them unchanged (udev runs
# the gate hundreds of times at boot), a policy-refusal naming file:line:col
# once, a record again after a fix, after a settings change, on another boot
# and in a fresh trail; the kernel command line's override once, not once a
# gate run; racing gate runs write one record; the trail verifies.
. "$(dirname "$0")/lib.sh"
MODGATE=$1
FAKE=$2
. "$(dirname "$0")/gate-fixture.sh"
gate_setup dummy
CONF=$R/etc/modgate/modgate.conf
STATE=$R/var/log/modgate/changes.state

# files_of FILE...: the `files` value a record holds for these files
files_of() {
	local f out=
	for f in "$@"; do
		out="$out${out:+; }$(sha256sum <"$f" | cut -d' ' -f1) $f"
	done
	printf '%s' "$out"
}
# run: one gate run that decides (the module is not live)
run() { reset_kernel; mp dummy; }

# -- the first gate run records both, with the digests and files
run
expect_eq "first run: one settings-load, one policy-load" "settings-load
policy-load" "$(config_records type)"
expect_eq "policy-load: the rule file and its sha256" "$(files_of "$POLICY")" \
	"$(config_records type files | awk '$1 == "policy-load" { sub(/^[^ ]+ /, ""); print }')"
expect_eq "policy-load: sha256 is the digest of its files" \
	"$(printf '%s' "$(files_of "$POLICY")" | sha256sum | cut -d' ' -f1)" \
	"$(config_records type sha256 | awk '$1 == "policy-load" { print $2 }')"
expect_eq "settings-load: modgate.conf, the settings, who noticed" \
	"$(files_of "$CONF")|mode enforce; default deny; audit required; cmdline-override yes; autoload-userns policy; effective mode enforce|cli|pid|exe" \
	"$(tail -n +"$((trail_mark + 1))" "$TRAIL" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["type"] == "settings-load":
        print("|".join([r["files"], r["settings"], r["context"],
                        "pid" if r["pid"] > 1 else "?", "exe" if r["exe"] else "?"]))')"
expect_eq "the records come before the decision" "settings-load policy-load decision result" \
	"$(tail -n +"$((trail_mark + 1))" "$TRAIL" | python3 -c '
import json, sys
print(" ".join(json.loads(l)["type"] for l in sys.stdin if not json.loads(l)["type"].startswith("trail-")))')"
expect_eq "changes.state: root's alone" "600 0" "$(stat -c '%a %u' "$STATE")"

# -- unchanged: nothing
mark
run
run
expect_eq "unchanged: no settings or policy record" "" "$(config_records type)"
expect_eq "unchanged: the decisions are still recorded" "decision result decision result" \
	"$(records type | tr '\n' ' ' | sed 's/ $//')"

# -- a rule file edited: one policy-load, no settings-load
mark
policy "allow sig=valid cert=@kernel" "deny name=nothing-here"
run
run
expect_eq "edited rule file: one policy-load, once" "policy-load $(files_of "$POLICY")" \
	"$(config_records type files)"
# a second rule file: both, in evaluation order
printf 'version 1\ndeny name=other\n' >"$R/etc/modgate/policy.d/60-more.policy"
mark
run
expect_eq "a second rule file: both files in evaluation order" \
	"policy-load $(files_of "$POLICY" "$R/etc/modgate/policy.d/60-more.policy")" \
	"$(config_records type files)"
rm "$R/etc/modgate/policy.d/60-more.policy"

# -- a broken rule file: one refusal naming file:line:col, not repeated
printf 'version 1\nallow sig=valid cert=@kernel\nallow bogus=1\n' >"$POLICY"
mark
expect_rc "refused policy: denied" 1 run
expect_rc "refused policy: denied again" 1 run
expect_eq "refused policy: one policy-refusal" "policy-refusal" "$(config_records type)"
case "$(config_records reason)" in
"$POLICY:3:7: error: unknown key"*) ok "refusal: file:line:col and the error" ;;
*) not_ok "refusal: file:line:col and the error" "$(config_records reason)" ;;
esac
expect_eq "refusal: the files, settings first" "$(files_of "$CONF" "$POLICY")" \
	"$(config_records files)"
# another error: another refusal
printf 'version 1\nallow sig=valid cert=@kernel\n\nallow bogus=2\n' >"$POLICY"
mark
run
expect_eq "another broken file: one more refusal, at its line" "$POLICY:4:7" \
	"$(config_records reason | cut -d: -f1-3)"
# fixed back to an earlier policy: recorded again, it is what the gate now acts on
policy "allow sig=valid cert=@kernel" "deny name=nothing-here"
mark
run
expect_eq "fixed: policy-load again" "policy-load" "$(config_records type)"

# -- settings changed: one settings-load
mark
settings enforce best-effort
run
run
expect_eq "settings changed: one settings-load" "settings-load audit best-effort" \
	"$(config_records type settings | sed 's/mode enforce; default deny; //; s/;.*//')"
# the kernel command line's modgate.mode= is part of the settings in force
echo "root=/dev/vda modgate.mode=permissive" >"$R/proc/cmdline"
mark
run
expect_eq "kernel command line: a settings-load in the effective mode" \
	"settings-load permissive effective mode permissive (kernel command line)" \
	"$(config_records type mode settings | sed 's/ mode enforce.*; effective/ effective/')"
run
expect_eq "kernel command line: one cmdline-override for two gate runs" \
	"cmdline-override permissive enforce" \
	"$(records type mode previous_mode | grep '^cmdline-override')"
echo "root=/dev/vda" >"$R/proc/cmdline"
run

# -- another boot: recorded again
sed -i "1s/.*/modgate-changes 1 00000000-0000-0000-0000-000000000000/" "$STATE"
mark
run
expect_eq "another boot: both again" "settings-load policy-load" \
	"$(config_records type | tr '\n' ' ' | sed 's/ $//')"
# a damaged state costs a repeated record, nothing else
printf 'garbage\n' >"$STATE"
mark
run
expect_eq "damaged changes.state: both again" "settings-load policy-load" \
	"$(config_records type | tr '\n' ' ' | sed 's/ $//')"

# -- racing gate runs after a change: one record
policy "allow sig=valid cert=@kernel"
mark
reset_kernel
for i in $(seq 1 16); do
	modprobe -d "$R" dummy >/dev/null 2>&1 &
done
wait
expect_eq "16 racing gate runs: one policy-load" "policy-load" "$(config_records type)"

# -- a fresh trail (the old one moved away): said again in it
mv "$R/var/log/modgate" "$R/var/log/modgate.old"
mkdir -m 0700 "$R/var/log/modgate"
cp -a "$R/var/log/modgate.old/changes.state" "$STATE"
trail_mark=0
run
expect_eq "fresh trail: both again" "settings-load policy-load" \
	"$(config_records type | tr '\n' ' ' | sed 's/ $//')"
rm -rf "$R/var/log/modgate"
mv "$R/var/log/modgate.old" "$R/var/log/modgate"

# -- the trail still verifies, and audit show lists them
expect_rc "audit verify" 0 "$MODGATE" --root "$R" audit verify
expect_rc "audit show" 0 "$MODGATE" --root "$R" audit show
if grep -q "policy-refusal" "$TMP/out" && grep -q "policy-load" "$TMP/out"; then
	ok "audit show: policy records listed"
else
	not_ok "audit show: policy records listed" "$(cat "$TMP/out")"
fi
finish
