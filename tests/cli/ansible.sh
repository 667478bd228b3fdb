#!/bin/sh
# The Ansible collection in contrib/ansible, run by the real ansible-playbook
# on copied fixture machines: facts; check mode writes nothing and reports
# changed; apply; a second run is unchanged; state: absent and state: exact
# restore every byte; a wrong expect fails listing the matches; a refusal and
# take_from_host; the example role's check and its undo. Then ansible-test
# sanity on the collection (offline, with Debian's linters) and ansible-lint
# on the role.
. "$top_srcdir/tests/lib.sh"
# the sanitized second suite (.ci/run) sets this: the collection drives the
# same C paths as tests/cli/schema.sh, which that suite runs
[ -z "${VFIOCONF_SKIP_ANSIBLE:-}" ] || skip "VFIOCONF_SKIP_ANSIBLE is set: the collection ran in the first suite"
need ansible-playbook
need jq
# modules run under the interpreter named here, not whatever python3 PATH has
py=${ANSIBLE_TEST_PYTHON:-/usr/bin/python3}
[ -x "$py" ] || skip "$py not installed"
"$py" -c 'import ansible' 2>/dev/null || skip "ansible-core is not installed for $py"
# Ansible refuses to run without a UTF-8 locale (make check sets C)
LC_ALL=C.UTF-8; export LC_ALL

# the collection where Ansible looks for it; a copy, so that ansible-test's
# output stays out of the source tree
mkdir -p "$tmp/collections/ansible_collections/vfioconf" "$tmp/home" "$tmp/ansible-tmp"
coll="$tmp/collections/ansible_collections/vfioconf/vfio"
cp -R "$top_srcdir/contrib/ansible" "$coll"
chmod -R u+w "$coll" # from a read-only source tree (distcheck)
: >"$tmp/ansible.cfg"
HOME="$tmp/home" ANSIBLE_CONFIG="$tmp/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$tmp/collections"
ANSIBLE_LOCAL_TEMP="$tmp/ansible-tmp" ANSIBLE_REMOTE_TEMP="$tmp/ansible-tmp"
ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0
export HOME ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_LOCAL_TEMP ANSIBLE_REMOTE_TEMP \
	ANSIBLE_NOCOLOR ANSIBLE_FORCE_COLOR ANSIBLE_RETRY_FILES_ENABLED ANSIBLE_DEPRECATION_WARNINGS

at() { # DIR ARGS...: vfioconf on a copied machine (sh has no locals: _m)
	_m=$1; shift
	SSH_CONNECTION=$(cat "$_m/ssh_connection" 2>/dev/null) \
		"$VFIOCONF" --root "$_m/root" --sysfs "$_m/sys" --procfs "$_m/proc" "$@"
}

# txs DIR JQ: JQ on the machine's transactions, oldest first
txs() { at "$1" --json history | jq -c "(if type == \"array\" then . else .transactions end) | $2"; }

# mkplay NAME: a playbook that runs vfioconf.vfio.passthrough with the
# arguments on standard input (YAML) and saves its result, failed or not, in
# $tmp/NAME.json
mkplay() {
	{
		cat <<'EOF'
- name: vfioconf.vfio.passthrough on a fixture machine
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/vfioconf.vfio.vfio:
      executable: "{{ vfioconf }}"
      root: "{{ machine }}/root"
      sysfs: "{{ machine }}/sys"
      procfs: "{{ machine }}/proc"
  tasks:
    - name: Passthrough
      vfioconf.vfio.passthrough:
EOF
		sed 's/^/        /'
		cat <<'EOF'
      register: r
      ignore_errors: true
    - name: Save the result
      ansible.builtin.copy:
        content: "{{ r | to_nice_json }}"
        dest: "{{ result }}"
        mode: "0600"
      check_mode: false
      diff: false
EOF
	} >"$tmp/$1.yml"
}

# play NAME MACHINE [ansible-playbook OPTIONS...]: run $tmp/NAME.yml on the
# machine (with its SSH_CONNECTION); output in $tmp/NAME.out, result in
# $tmp/NAME.json, exit code in $rc
play() {
	_p=$1; _pm=$2; shift 2
	rm -f "$tmp/$_p.json"
	SSH_CONNECTION=$(cat "$_pm/ssh_connection" 2>/dev/null) \
		ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$py" \
		-e "vfioconf=$VFIOCONF" -e "machine=$_pm" -e "result=$tmp/$_p.json" "$@" "$tmp/$_p.yml" \
		>"$tmp/$_p.out" 2>&1
	rc=$?
}
# field NAME JQ: from the result of play NAME (without one, what
# ansible-playbook said, to standard error)
field() {
	[ -s "$tmp/$1.json" ] || { echo "# no result from $1.yml:"; sed 's/^/#   | /' "$tmp/$1.out" | tail -20; } >&2
	jq -cS "$2" "$tmp/$1.json" 2>/dev/null || echo "(no result)"
}
# same_tree NAME BEFORE AFTER [IGNORED...]: two snapshots alike but for the
# files whose path has one of the IGNORED strings
same_tree() {
	_n=$1 _b=$2 _a=$3; shift 3
	diff "$_b" "$_a" | grep '^[<>]' >"$tmp/treediff"
	for _i in "$@"; do grep -vF -- "$_i" "$tmp/treediff" >"$tmp/treediff2"; mv "$tmp/treediff2" "$tmp/treediff"; done
	if [ -s "$tmp/treediff" ]; then not_ok "$_n"; sed 's/^/#   /' "$tmp/treediff" | head -12; else ok "$_n"; fi
}

# a Debian machine (GTX 970 in group 13, a USB controller at 06:00.0, its SSH
# NIC at 00:1f.6) with a shell and an update-initramfs that really runs
regen_stack "$tmp/a" debian; a="$tmp/a"
regenerated="./boot/initrd.img-6.1.0-18-amd64 ./boot/grub/grub.cfg"

# --- facts: list --json as ansible_facts.vfioconf, status as vfioconf_status
cat >"$tmp/facts.yml" <<'EOF'
- name: vfioconf.vfio.facts on a fixture machine
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Facts
      vfioconf.vfio.facts:
        executable: "{{ vfioconf }}"
        root: "{{ machine }}/root"
        sysfs: "{{ machine }}/sys"
        procfs: "{{ machine }}/proc"
        status: true
    - name: Save them
      ansible.builtin.copy:
        content: "{{ ansible_facts | to_nice_json }}"
        dest: "{{ result }}"
        mode: "0600"
EOF
play facts "$a"
expect_eq "facts: playbook succeeds" 0 "$rc"
expect_eq "facts: the IOMMU groups" 17 "$(field facts '.vfioconf.groups | length')"
expect_eq "facts: group 13's devices" '["0000:02:00.0","0000:02:00.1"]' \
	"$(field facts '[.vfioconf.groups[] | select(.id == 13) | .devices[].address]')"
expect_eq "facts: the same data as list --json" "$(at "$a" --json list | jq -c '[.groups[].id]')" \
	"$(field facts '[.vfioconf.groups[].id]')"
expect_eq "facts: status, nothing configured yet" false "$(field facts .vfioconf_status.configured)"

# --- check mode: the plan's answer, the diff, nothing written
snapshot "$a/root" "$tmp/a.orig"
mkplay gtx <<'EOF'
select: "0000:02:00.0"
EOF
play gtx "$a" --check --diff
expect_eq "check: playbook succeeds" 0 "$rc"
expect_eq "check: reports changed, no transaction" "true planned null true" \
	"$(field gtx '"\(.changed) \(.result) \(.transaction) \(.reboot_required)"' | tr -d '"')"
expect_contains "check: --diff shows the new modprobe file" "$tmp/gtx.out" "+options vfio-pci ids=10de:0fbb,10de:13c2"
expect_contains "check: --diff names the file" "$tmp/gtx.out" "etc/modprobe.d/vfioconf.conf"
expect_eq "check: the outcome" '["0000:02:00.0 GM204 [GeForce GTX 970]: vfio-pci (by ID)","0000:02:00.1 GM204 High Definition Audio Controller: vfio-pci (by ID)"]' \
	"$(field gtx '.outcome')"
snapshot "$a/root" "$tmp/a.now"
same_tree "check: nothing written" "$tmp/a.orig" "$tmp/a.now"
expect_eq "check: no transaction recorded" 0 "$(txs "$a" length)"

# --- apply: the files, the regenerated initramfs, the transaction id
play gtx "$a"
expect_eq "apply: playbook succeeds" 0 "$rc"
expect_eq "apply: changed, applied, reboot required" "true applied true" \
	"$(field gtx '"\(.changed) \(.result) \(.reboot_required)"' | tr -d '"')"
expect_eq "apply: the transaction id is vfioconf's" "$(txs "$a" '.[-1].id')" "$(field gtx .transaction)"
expect_contains "apply: the modprobe file" "$a/root/etc/modprobe.d/vfioconf.conf" "options vfio-pci ids=10de:0fbb,10de:13c2"
expect_eq "apply: the initramfs was regenerated" "image -u -k all" "$(head -1 "$a/root/boot/initrd.img-6.1.0-18-amd64")"
snapshot "$a/root" "$tmp/a.gtx"

# --- the same run again: unchanged, nothing written, no transaction
play gtx "$a" --diff
expect_eq "again: playbook succeeds" 0 "$rc"
expect_eq "again: unchanged, no transaction" "false unchanged null" \
	"$(field gtx '"\(.changed) \(.result) \(.transaction)"' | tr -d '"')"
sed -n '/^TASK \[Passthrough\]/,/^TASK/p' "$tmp/gtx.out" >"$tmp/task"
expect_contains "again: ansible-playbook says ok, not changed" "$tmp/task" "ok: [localhost]"
snapshot "$a/root" "$tmp/a.now"
same_tree "again: nothing written" "$tmp/a.gtx" "$tmp/a.now"
expect_eq "again: still one transaction" 1 "$(txs "$a" length)"
play gtx "$a" --check
expect_eq "again in check mode: unchanged" "false unchanged" "$(field gtx '"\(.changed) \(.result)"' | tr -d '"')"

# --- a selector (a dictionary) with the right expect: added to what is there
mkplay usb <<'EOF'
match:
  - vendor: "1b73"
    device: "1100"
expect: 1
EOF
play usb "$a"
expect_eq "match: changed" "true applied" "$(field usb '"\(.changed) \(.result)"' | tr -d '"')"
expect_eq "match: what the selector matched" '[{"devices":["0000:06:00.0"],"spec":"vendor=1b73,device=1100"}]' "$(field usb .matches)"
expect_contains "match: the USB controller is added" "$a/root/etc/modprobe.d/vfioconf.conf" "1b73:1100"
expect_contains "match: the GPU stays (state: present adds)" "$a/root/etc/modprobe.d/vfioconf.conf" "10de:13c2"
play usb "$a"
expect_eq "match again: unchanged" "false" "$(field usb .changed)"

# --- a wrong expect: the task fails, listing what matched; nothing written
snapshot "$a/root" "$tmp/a.both"
mkplay wrong <<'EOF'
match: ["vendor=10de,device=13c2"]
expect: 2
EOF
play wrong "$a"
expect_eq "wrong expect: fails" true "$(field wrong .failed)"
field wrong .msg >"$tmp/msg"
expect_contains "wrong expect: the message has the selector" "$tmp/msg" "vendor=10de,device=13c2"
expect_contains "wrong expect: the message lists the match" "$tmp/msg" "0000:02:00.0"
expect_eq "wrong expect: the matches returned" '["0000:02:00.0"]' "$(field wrong '.matches[0].devices')"
snapshot "$a/root" "$tmp/a.now"
same_tree "wrong expect: nothing written" "$tmp/a.both" "$tmp/a.now"

# --- an address YAML made a number (0000:02:00.0 unquoted is 120.0 in base 60)
mkplay unquoted <<'EOF'
select: [0000:02:00.0]
EOF
play unquoted "$a" --check
expect_eq "unquoted address: fails" true "$(field unquoted .failed)"
field unquoted .msg >"$tmp/msg"
expect_contains "unquoted address: says to quote it" "$tmp/msg" "120.0 is a number, not a PCI address: quote addresses"

# --- a device the host needs: refused with the reason; take_from_host hands it over
mkplay nic <<'EOF'
select: "0000:00:1f.6"
EOF
play nic "$a" --check
expect_eq "SSH NIC: refused" true "$(field nic .failed)"
field nic .msg >"$tmp/msg"
expect_contains "SSH NIC: the reason" "$tmp/msg" "carries this SSH session"
# become (sudo) drops SSH_CONNECTION: the module takes it from the nearest
# ancestor process that has it (here an interpreter that drops it, under an
# ansible-playbook that has it)
printf '#!/bin/sh\nunset SSH_CONNECTION\nexec %s "$@"\n' "$py" >"$tmp/python-nossh"
chmod 755 "$tmp/python-nossh"
play nic "$a" --check -e "ansible_python_interpreter=$tmp/python-nossh"
field nic .msg >"$tmp/msg"
expect_contains "SSH NIC, SSH_CONNECTION dropped: still refused" "$tmp/msg" "carries this SSH session"
mkplay nic <<'EOF'
select: "0000:00:1f.6"
ssh_connection: ""
EOF
play nic "$a" --check -e "ansible_python_interpreter=$tmp/python-nossh"
expect_eq "SSH NIC, ssh_connection given as none: planned" "false true" "$(field nic '"\(.failed) \(.changed)"' | tr -d '"')"
mkplay nic <<'EOF'
select: "0000:00:1f.6"
take_from_host: "0000:00:1f.6"
EOF
play nic "$a" --check
expect_eq "SSH NIC, take_from_host: planned" "false true" "$(field nic '"\(.failed) \(.changed)"' | tr -d '"')"
snapshot "$a/root" "$tmp/a.now"
same_tree "SSH NIC: nothing written" "$tmp/a.both" "$tmp/a.now"

# --- a trial boot, in check mode: planned with its id, nothing written (a
# Debian stack with grub.cfg as grub-mkconfig writes it, as tests/cli/trial.sh)
t="$tmp/t"; cp -a "$ROOTS/debian" "$t"
cp "$top_srcdir/tests/fixtures/grub/debian12.cfg" "$t/root/boot/grub/grub.cfg"
for f in mkinitramfs grub-reboot; do
	printf '#!/bin/sh\necho "fake %s $*" >&2\n' "$f" >"$t/root/usr/sbin/$f"; chmod 755 "$t/root/usr/sbin/$f"
done
mkdir -p "$t/root/usr/libexec/vfioconf"
cp "$top_srcdir/bind/vfioconf-trial-sync" "$t/root/usr/libexec/vfioconf/"
snapshot "$t/root" "$tmp/t.orig"
mkplay trial <<'EOF'
select: "0000:02:00.0"
trial: true
EOF
play trial "$t" --check
expect_eq "trial, check mode: planned" "true planned" "$(field trial '"\(.changed) \(.result)"' | tr -d '"')"
expect_eq "trial, check mode: the trial's id (8 hex digits)" 1 "$(field trial .trial | grep -c '^"[0-9a-f]\{8\}"$')"
expect_contains "trial, check mode: its GRUB entry is planned" "$tmp/trial.json" "boot/grub/custom.cfg"
snapshot "$t/root" "$tmp/t.now"
same_tree "trial, check mode: nothing written" "$tmp/t.orig" "$tmp/t.now"

# --- state: absent takes the devices out; with none left, every file is back
mkplay out <<'EOF'
select: ["0000:06:00.0"]
state: absent
EOF
play out "$a"
expect_eq "absent: changed" "true applied" "$(field out '"\(.changed) \(.result)"' | tr -d '"')"
expect_not_contains "absent: the USB controller is out" "$a/root/etc/modprobe.d/vfioconf.conf" "1b73:1100"
expect_contains "absent: the GPU stays" "$a/root/etc/modprobe.d/vfioconf.conf" "10de:13c2"
mkplay out <<'EOF'
select: ["0000:02:00.0"]
state: absent
EOF
play out "$a"
expect_eq "absent, the last device: changed" "true applied" "$(field out '"\(.changed) \(.result)"' | tr -d '"')"
snapshot "$a/root" "$tmp/a.now"
# shellcheck disable=SC2086
same_tree "absent: every file as before (bytes, mode, owner; the regenerated images aside)" "$tmp/a.orig" "$tmp/a.now" $regenerated
play out "$a"
expect_eq "absent again: unchanged" "false" "$(field out .changed)"

# --- regenerate: false, then state: exact with no device: every byte back
b="$tmp/b"; cp -a "$ROOTS/debian" "$b"
snapshot "$b/root" "$tmp/b.orig"
mkplay files <<'EOF'
group: [13]
state: exact
regenerate: false
EOF
play files "$b"
expect_eq "regenerate false: applied" "true applied" "$(field files '"\(.changed) \(.result)"' | tr -d '"')"
expect_contains "regenerate false: the files are written" "$b/root/etc/modprobe.d/vfioconf.conf" "10de:13c2"
expect_eq "regenerate false: no command ran" '[]' "$(txs "$b" '.[-1].commands')"
mkplay none <<'EOF'
state: exact
regenerate: false
EOF
play none "$b"
expect_eq "exact, no device: changed" "true applied" "$(field none '"\(.changed) \(.result)"' | tr -d '"')"
snapshot "$b/root" "$tmp/b.now"
same_tree "exact, no device: every byte as before" "$tmp/b.orig" "$tmp/b.now"

# --- the example role, on a machine rebooted into what was applied (the
# devices on vfio-pci, the parameters on the command line): the check passes
cat >"$tmp/role.yml" <<'EOF'
- name: The example role on a fixture machine
  hosts: localhost
  gather_facts: false
  roles:
    - role: vfioconf.vfio.passthrough_example
      vars:
        vfio_select: ["0000:02:00.0"]
        vfio_regenerate: false
        vfio_reboot: false
        vfio_check_status: true
        vfio_executable: "{{ vfioconf }}"
        vfio_root: "{{ machine }}/root"
        vfio_sysfs: "{{ machine }}/sys"
        vfio_procfs: "{{ machine }}/proc"
EOF
c="$tmp/c"; cp -a "$ROOTS/debian" "$c"
mkdir -p "$c/sys/bus/pci/drivers/vfio-pci"
for f in 0000:02:00.0 0000:02:00.1; do ln -sfn ../../../../bus/pci/drivers/vfio-pci "$c/sys/bus/pci/devices/$f/driver"; done
sed -i 's/$/ iommu=pt/' "$c/proc/cmdline"
play role "$c"
expect_eq "role, devices on vfio-pci: succeeds" 0 "$rc"
expect_contains "role: the status was checked" "$tmp/role.out" "Check that the devices are on vfio-pci"
expect_eq "role: one transaction, not undone" "apply" "$(txs "$c" '[.[].kind] | join(" ")' | tr -d '"')"

# ... and on one that still has its old drivers: the check fails, the role
# undoes the transaction and fails, every byte back
d="$tmp/d"; cp -a "$ROOTS/debian" "$d"
snapshot "$d/root" "$tmp/d.orig"
play role "$d"
expect_eq "role, devices not on vfio-pci: fails" 2 "$rc"
expect_contains "role: says the devices are not on vfio-pci" "$tmp/role.out" "0000:02:00.0, 0000:02:00.1 not on vfio-pci"
expect_contains "role: says it undid the transaction" "$tmp/role.out" "undone"
expect_eq "role: apply, then undo" "apply undo" "$(txs "$d" '[.[].kind] | join(" ")' | tr -d '"')"
snapshot "$d/root" "$tmp/d.now"
same_tree "role: every byte as before" "$tmp/d.orig" "$tmp/d.now"

# --- ansible-test sanity: its venvs come from PyPI, out of reach here, so
# each sanity test runs in one venv that sees Debian's packages (PyYAML,
# Jinja2, voluptuous, pycodestyle, pylint, yamllint)
if command -v ansible-test >/dev/null 2>&1 && "$py" -c 'import voluptuous, pycodestyle, pylint' 2>/dev/null; then
	cat >"$tmp/ansible-test-offline.py" <<'EOF'
import importlib
import os
import subprocess
import sys

from ansible_test._internal.host_configs import VirtualPythonConfig

VENV = os.environ['SANITY_VENV']


def system_venv(args, python, name, coverage=False, minimize=False):
    if not os.path.exists(os.path.join(VENV, 'bin', 'python')):
        subprocess.run([sys.executable, '-m', 'venv', '--without-pip', '--system-site-packages', VENV], check=True)
        # what ansible-test records of a venv it made: has PyYAML libyaml
        with open(os.path.join(VENV, 'meta.yaml.json'), 'w') as f:
            f.write('true' if hasattr(__import__('yaml'), 'CSafeLoader') else 'false')
    return VirtualPythonConfig(version=python.version, path=os.path.join(VENV, 'bin', 'python'))


for mod in ('', '.import', '.mypy'):
    importlib.import_module('ansible_test._internal.commands.sanity' + mod).create_sanity_virtualenv = system_venv

from ansible_test._internal import main  # noqa: E402
main()
EOF
	pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	(cd "$coll" && SANITY_VENV="$tmp/venv" "$py" "$tmp/ansible-test-offline.py" sanity --local --color no \
		--python "$pyver" --python-interpreter "$py") >"$tmp/sanity.out" 2>&1; rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'Running sanity test "validate-modules"' "$tmp/sanity.out" &&
		grep -q 'Running sanity test "pylint"' "$tmp/sanity.out"; then
		ok "ansible-test sanity: clean ($(grep -c '^Running sanity test' "$tmp/sanity.out") tests)"
	else
		not_ok "ansible-test sanity: exit $rc"; grep -v '^Running' "$tmp/sanity.out" | sed 's/^/#   | /' | head -30
	fi
else
	echo "# SKIP ansible-test sanity: ansible-test, python3-voluptuous, pycodestyle or pylint not installed"
fi

# --- ansible-lint on the example role (galaxy.yml has no repository yet,
# which its galaxy schema requires, so the collection as a whole is not linted)
if command -v ansible-lint >/dev/null 2>&1; then
	(cd "$coll" && NO_COLOR=1 ansible-lint -p --offline roles/passthrough_example) >"$tmp/lint.out" 2>&1; rc=$?
	if [ "$rc" -eq 0 ]; then ok "ansible-lint: the role passes"; else
		not_ok "ansible-lint: exit $rc"; sed 's/^/#   | /' "$tmp/lint.out" | head -30
	fi
else
	echo "# SKIP ansible-lint: not installed"
fi

finish
