#!/bin/sh
# --json for scripts: every command's output against doc/vfioconf.schema.json
# (schema 1) with a real validator (python3-jsonschema), the exit codes a
# script branches on (0 changed, 3 refused, 4 nothing to do), --match with
# --expect, --add and --remove, and apply --json keeping stdout to the one
# object while the commands' output goes to stderr.
. "$top_srcdir/tests/lib.sh"
need jq
py=/usr/bin/python3
schema="$top_srcdir/doc/vfioconf.schema.json"
"$py" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema not installed"

valid() { # NAME DEF FILE: FILE is one document of shape DEF
	if "$py" "$top_srcdir/tests/tools/json-validate.py" "$schema" "$2" "$3" >"$tmp/verr" 2>&1; then ok "$1"; else
		not_ok "$1"; sed 's/^/#   /' "$tmp/verr" | head -8
	fi
}
at() { # DIR ARGS
	_m=$1; shift
	VFIOCONF_CMD_TIMEOUT=30 "$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"
}

# --- the validator can say no: a document without its schema number, and
# one with a field the schema does not name
vf debian plan --json --select 0000:02:00.0 >"$tmp/p" 2>/dev/null
jq 'del(.schema)' "$tmp/p" >"$tmp/bad1"
jq '.devices[0].colour = "red"' "$tmp/p" >"$tmp/bad2"
for b in bad1 bad2; do
	if "$py" "$top_srcdir/tests/tools/json-validate.py" "$schema" plan "$tmp/$b" >/dev/null 2>&1; then
		not_ok "the validator rejects $b"; else ok "the validator rejects $b"; fi
done

# --- list and list --backends, on every fixture machine
bad=""
for m in $(ls "$ROOTS"); do
	vf "$m" list --json >"$tmp/l" 2>/dev/null
	"$py" "$top_srcdir/tests/tools/json-validate.py" "$schema" list "$tmp/l" >"$tmp/verr" 2>&1 || bad="$bad $m"
	vf "$m" list --backends --json >"$tmp/b" 2>/dev/null
	"$py" "$top_srcdir/tests/tools/json-validate.py" "$schema" backends "$tmp/b" >"$tmp/verr" 2>&1 ||
		bad="$bad $m(backends)"
done
expect_eq "list --json and list --backends --json: valid on every fixture machine" "" "$bad"
expect_eq "list: schema 1, command list" "1 list" "$(jq -r '"\(.schema) \(.command)"' "$tmp/l")"

# --- plan
valid "plan --select: valid" plan "$tmp/p"
expect_eq "plan: changed, not refused, exit 0" "true false" "$(jq -r '"\(.changed) \(.refused)"' "$tmp/p")"
expect_eq "plan: the GPU and its audio function, by ID" "0000:02:00.0 ids 0000:02:00.1 ids" \
	"$(jq -r '[.devices[] | "\(.address) \(.method)"] | join(" ")' "$tmp/p")"
expect_contains "plan: each file with its diff" "$tmp/p" '"diff": "--- /dev/null'

vf twin-gpus plan --json --match vendor=10de,device=1b81,boot-vga=no --expect 1 >"$tmp/m" 2>/dev/null; rc=$?
expect_eq "plan --match (the second of two identical GPUs) --expect 1: exit 0" 0 "$rc"
valid "plan --match: valid" plan "$tmp/m"
expect_eq "plan --match: the spec and what it names" "vendor=10de,device=1b81,boot-vga=no 0000:02:00.0" \
	"$(jq -r '.matches[0] | "\(.spec) \(.devices | join(","))"' "$tmp/m")"
expect_eq "plan --match: by address, since the twin shares the ID" "0000:02:00.0 address" \
	"$(jq -r '.devices[0] | "\(.address) \(.method)"' "$tmp/m")"
vf twin-gpus plan --json --match slot=4 >"$tmp/s" 2>/dev/null
expect_eq "plan --match slot=4: the card in that slot (/sys/bus/pci/slots)" "0000:02:00.0 0000:02:00.1" \
	"$(jq -r '.matches[0].devices | join(" ")' "$tmp/s")"

vf twin-gpus plan --json --match vendor=10de,device=1b81 --expect 1 >"$tmp/e" 2>"$tmp/err"; rc=$?
expect_eq "--expect 1 but two match: refused, exit 3" 3 "$rc"
valid "the refused plan: valid" plan "$tmp/e"
expect_eq "the refused plan: refused, nothing changed" "true false" "$(jq -r '"\(.refused) \(.changed)"' "$tmp/e")"
expect_contains "the refusal lists both matches" "$tmp/e" \
	"--match names 2 devices here: 0000:01:00.0 (GP104 [GeForce GTX 1070] [10de:1b81]), 0000:02:00.0"
vf twin-gpus plan --match vendor=10de,device=1b81 --expect 1 >"$tmp/e" 2>&1
expect_contains "as text too" "$tmp/e" "Refused:"
vf twin-gpus plan --match vendor=1234 >"$tmp/e" 2>&1; rc=$?
expect_eq "--match naming no device: bad usage, exit 2" 2 "$rc"
expect_contains "... says so, and how to allow it" "$tmp/e" "names no device on this machine (--expect 0 allows that)"
vf twin-gpus plan --json --match vendor=1234 --expect 0 >"$tmp/e" 2>/dev/null; rc=$?
expect_eq "--match vendor=1234 --expect 0: nothing to do, exit 4" 4 "$rc"
for spec in "vendor=10de,colour=green" "vendor=10dex" "class=3" "boot-vga=maybe" "vendor" ""; do
	vf twin-gpus plan --match "$spec" >"$tmp/e" 2>&1; rc=$?
	expect_eq "--match '$spec': exit 2" 2 "$rc"
done
expect_contains "a bad spec names the keys" "$tmp/e" "the keys: vendor, device, subsystem, class, boot-vga, slot"
vf twin-gpus plan --expect 1 >"$tmp/e" 2>&1; rc=$?
expect_eq "--expect without --match: exit 2" 2 "$rc"
vf twin-gpus plan --add --remove --select 02:00.0 >"$tmp/e" 2>&1; rc=$?
expect_eq "--add with --remove: exit 2" 2 "$rc"

# --- apply --json, then again; status; history
regen_stack "$tmp/a" debian; a="$tmp/a"
snapshot "$a/root" "$tmp/before"
at "$a" apply --json --yes --match vendor=10de,device=13c2 --expect 1 >"$tmp/ap" 2>"$tmp/aperr"; rc=$?
expect_eq "apply --json: exit 0" 0 "$rc"
valid "apply: valid" apply "$tmp/ap"
expect_eq "apply: applied, a reboot needed" "applied true" "$(jq -r '"\(.result) \(.reboot_required)"' "$tmp/ap")"
expect_contains "apply: the commands' output went to stderr" "$tmp/aperr" "building initramfs"
tx=$(jq -r .transaction "$tmp/ap")
at "$a" history --json >"$tmp/h"
valid "history: valid" history "$tmp/h"
expect_eq "apply's transaction is history's" "$tx apply" "$(jq -r '.transactions[-1] | "\(.id) \(.kind)"' "$tmp/h")"
at "$a" plan --json --match vendor=10de,device=13c2 >"$tmp/p2" 2>/dev/null; rc=$?
expect_eq "plan again: nothing to do, exit 4" "4 false" "$rc $(jq -r .changed "$tmp/p2")"
at "$a" apply --json --yes --match vendor=10de,device=13c2 >"$tmp/ap2" 2>/dev/null; rc=$?
expect_eq "apply again: unchanged, exit 4, no transaction" "4 unchanged null" \
	"$rc $(jq -r '"\(.result) \(.transaction)"' "$tmp/ap2")"
valid "apply (unchanged): valid" apply "$tmp/ap2"
at "$a" apply --json --yes --select 0000:00:1f.2 >"$tmp/ap3" 2>/dev/null; rc=$?
expect_eq "apply of something refused: exit 3, result refused" "3 refused" "$rc $(jq -r .result "$tmp/ap3")"
valid "apply (refused): valid" apply "$tmp/ap3"
at "$a" status --json >"$tmp/st" 2>/dev/null; rc=$?
valid "status (configured, not booted yet): valid" status "$tmp/st"
expect_eq "status before the reboot: configured, not ok, exit 1" "1 true false" \
	"$rc $(jq -r '"\(.configured) \(.ok)"' "$tmp/st")"
vf debian status --json >"$tmp/st0" 2>/dev/null; rc=$?
valid "status (nothing configured): valid" status "$tmp/st0"
expect_eq "status with nothing configured: exit 4, configured false" "4 false" "$rc $(jq -r .configured "$tmp/st0")"

# --- --add and --remove: relative to what is configured
at "$a" plan --json --add --select 0000:02:00.0 >"$tmp/add" 2>/dev/null; rc=$?
expect_eq "--add of what is there: nothing to do, exit 4" 4 "$rc"
at "$a" plan --json --remove --match vendor=10de,device=13c2 >"$tmp/rm" 2>/dev/null; rc=$?
expect_eq "--remove: exit 0, no device left" "0 0" "$rc $(jq '.devices | length' "$tmp/rm")"
at "$a" apply --yes --remove --match vendor=10de,device=13c2 >/dev/null 2>&1; rc=$?
expect_eq "apply --remove: exit 0" 0 "$rc"
snapshot "$a/root" "$tmp/after"
expect_eq "apply --remove: every file as before the first apply" "" \
	"$(diff "$tmp/before" "$tmp/after" | grep '^[<>]' | grep -v 'initrd.img\|grub.cfg')"
at "$a" plan --add >"$tmp/e" 2>&1; rc=$?
expect_eq "--add naming nothing: exit 2" 2 "$rc"
finish
