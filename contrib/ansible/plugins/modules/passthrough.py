#!/usr/bin/python
# -*- coding: utf-8 -*-
# vfioconf.vfio.passthrough: hand PCI devices to vfio-pci with vfioconf.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: passthrough
short_description: Hand PCI devices to vfio-pci at boot (VFIO passthrough) with vfioconf
version_added: "0.1.0"
description:
  - Prepares a Linux host for VFIO/PCI passthrough by running C(vfioconf plan) and C(vfioconf apply)
    on the managed host; vfioconf writes the modprobe, initramfs and boot loader files, regenerates
    the initramfs and the boot loader configuration, and records every change as a transaction that
    C(vfioconf undo) takes back.
  - Devices are named by PCI address (I(select)), by IOMMU group (I(group)) or by selectors
    (I(match)), which keep a playbook valid across hosts whose addresses differ.
  - The module first plans. Nothing to do reports C(changed=false) and writes nothing (a second
    identical run is unchanged). In check mode the plan is run and C(changed) reported without
    writing anything. With C(--diff) the diff of every file is returned.
  - vfioconf refuses devices the host needs (the root disk, the SSH connection's NIC, the boot GPU)
    unless they are named in I(take_from_host); a refused plan fails the task with vfioconf's reasons
    and writes nothing.
  - Changes take effect at the next boot; the result's C(reboot_required) says when to reboot
    (for example with M(ansible.builtin.reboot)), and C(vfioconf status) (M(vfioconf.vfio.facts)
    with I(status=true)) then says whether the devices are on vfio-pci.
options:
  select:
    description:
      - PCI addresses (C(0000:02:00.0)); the other functions of a card that must go along are added by vfioconf.
      - Quote them in YAML; unquoted, YAML 1.1 reads C(0000:02:00.0) as the number 120.0, which is refused.
    type: list
    elements: raw
  match:
    description:
      - Selectors, each a vfioconf C(--match) string (C(vendor=10de,device=2204)) or a dictionary with the keys
        C(vendor), C(device), C(subsystem) (C(1458:3ffc)), C(class) (C(0300)), C(boot_vga) (boolean) and C(slot).
      - A selector names every device it matches. Quote the IDs in YAML (C('0300')), since YAML reads some
        digit-only values as numbers; numbers are refused.
      - Use I(expect) to make sure a selector took what you meant.
    type: list
    elements: raw
  group:
    description:
      - IOMMU group numbers; every device of the group, bridges aside.
    type: list
    elements: int
  expect:
    description:
      - The total number of devices all I(match) selectors match. Any other number refuses the plan, and the task
        fails listing what each selector matched.
    type: int
  state:
    description:
      - C(present) adds the named devices to what vfioconf has configured (C(vfioconf plan --add)).
      - C(absent) takes them out again (C(--remove)); when nothing is left, every file is as it was before vfioconf.
      - C(exact) makes the named devices the whole selection, so everything else vfioconf configured goes back to
        the host; with no device named, everything goes back (C(--select none)).
    type: str
    choices: [present, absent, exact]
    default: present
  take_from_host:
    description:
      - Selected devices the host needs (root disk, SSH NIC, boot GPU) or whose IOMMU group holds chipset functions,
        handed over anyway. Each full address, quoted, is the confirmation.
    type: list
    elements: raw
    default: []
  trial:
    description:
      - A trial boot (C(vfioconf apply --trial)); the default boot entry and C(/etc) stay as they are, and the new
        configuration is booted once. C(vfioconf trial) then promotes or aborts it.
    type: bool
    default: false
  regenerate:
    description:
      - Run the initramfs and boot loader commands. With C(false) only the files are written and the commands
        are left to you (C(--no-regenerate)).
    type: bool
    default: true
extends_documentation_fragment:
  - vfioconf.vfio.common
attributes:
  check_mode:
    support: full
    description: Runs the plan and reports C(changed) without writing anything.
  diff_mode:
    support: full
    description: Returns the old and new contents of every file the plan writes or removes.
notes:
  - "I(select), I(group) and I(match) can be combined; with I(state=present) or I(state=absent) at least one of
    them is required."
seealso:
  - module: vfioconf.vfio.facts
  - module: ansible.builtin.reboot
author:
  - vfioconf developers (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Pass the RTX 3090 and its audio function through (by ID, on every host)
  vfioconf.vfio.passthrough:
    match:
      - vendor: "10de"
        device: "2204"
    expect: 1
  become: true
  register: vfio

- name: Reboot when the boot configuration changed
  ansible.builtin.reboot:
  become: true
  when: vfio.reboot_required

- name: The second GPU and a USB controller by address, as the whole selection
  vfioconf.vfio.passthrough:
    select:
      - "0000:02:00.0"
      - "0000:06:00.0"
    state: exact
  become: true

- name: Give the USB controller back to the host
  vfioconf.vfio.passthrough:
    select: "0000:06:00.0"
    state: absent
  become: true

- name: Two identical cards; only the one that is not the boot GPU
  vfioconf.vfio.passthrough:
    match:
      - "vendor=10de,device=2204,boot-vga=no"
    expect: 1
  become: true

- name: From a rescue system, the broken installation mounted on /mnt
  vfioconf.vfio.passthrough:
    select: "0000:02:00.0"
    state: absent
    root: /mnt
  become: true
'''

RETURN = r'''
changed:
  description: Whether vfioconf wrote (in check mode, would write) anything or ran (would run) a command.
  returned: always
  type: bool
reboot_required:
  description: The changes take effect at the next boot; in check mode, whether they would.
  returned: always
  type: bool
result:
  description:
    - C(applied) or C(unchanged) from C(vfioconf apply); C(planned) in check mode when the plan has changes.
  returned: always
  type: str
  sample: applied
transaction:
  description: The id of the transaction vfioconf recorded (for C(vfioconf undo ID)); null when nothing was applied.
  returned: always
  type: str
  sample: 20261202T192846.465322267Z-9f8e0e66218d14e4
outcome:
  description: What happens at the next boot, one line each, as vfioconf says it.
  returned: always
  type: list
  elements: str
  sample: ["0000:02:00.0 GM204 [GeForce GTX 970]: vfio-pci (by ID)"]
devices:
  description: The devices the plan binds to vfio-pci.
  returned: always
  type: list
  elements: dict
  sample: [{"address": "0000:02:00.0", "id": "10de:13c2", "name": "GM204 [GeForce GTX 970]", "driver": "vfio-pci", "method": "ids"}]
files:
  description: The files written or removed, with what vfioconf does to each and why (contents are in the diff).
  returned: always
  type: list
  elements: dict
  sample: [{"path": "etc/modprobe.d/vfioconf.conf", "action": "create", "reasons": ["bind the selected devices"]}]
commands:
  description: The regeneration commands run (in check mode, that would run), each with its C(argv) and C(reason).
  returned: always
  type: list
  elements: dict
matches:
  description: What each I(match) selector matched, as C(spec) and C(devices) (addresses).
  returned: always
  type: list
  elements: dict
  sample: [{"spec": "vendor=10de,device=2204", "devices": ["0000:01:00.0"]}]
refusals:
  description: Why vfioconf refused the plan (the task then fails).
  returned: failure
  type: list
  elements: str
notes:
  description: vfioconf's notes on the plan (functions added because they go along, for example).
  returned: always
  type: list
  elements: str
messages:
  description: What vfioconf apply said about the transaction.
  returned: when applied
  type: list
  elements: str
trial:
  description: The trial's id when I(trial=true) made one, else null.
  returned: always
  type: str
plan:
  description: vfioconf's plan object (JSON schema 1), without file contents.
  returned: always
  type: dict
stderr:
  description: What vfioconf apply printed as it went (the plan, the regeneration commands' output).
  returned: when applied
  type: str
cmd:
  description: The vfioconf command line of the last step (plan, or apply).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six import string_types
from ansible_collections.vfioconf.vfio.plugins.module_utils.vfioconf import (
    COMMON_ARGS, vfioconf_argv, run_json, fail_run)

# the keys of a --match selector, in the order they are written
MATCH_KEYS = ('vendor', 'device', 'subsystem', 'class', 'boot-vga', 'slot')


def match_spec(module, item):
    """One --match string from a string or a dictionary."""
    if isinstance(item, string_types):
        return item
    if not isinstance(item, dict):
        module.fail_json(msg='match: each selector is a string or a dictionary, not %r' % (item,))
    given = {}
    for key, value in item.items():
        name = str(key).replace('_', '-')
        if name not in MATCH_KEYS:
            module.fail_json(msg='match: unknown key %r (known: %s)' % (key, ', '.join(MATCH_KEYS)))
        if isinstance(value, bool):
            value = 'yes' if value else 'no'
        elif not isinstance(value, string_types):
            module.fail_json(msg='match: %s given as the number %r; quote PCI IDs and classes '
                             '(YAML reads some of them as decimal or octal numbers)' % (key, value))
        given[name] = value
    return ','.join('%s=%s' % (k, given[k]) for k in MATCH_KEYS if k in given)


def addresses(module, name):
    """The addresses of option name, refusing what YAML made a number."""
    out = []
    for a in module.params[name] or []:
        if not isinstance(a, string_types):
            module.fail_json(msg='%s: %r is a number, not a PCI address: quote addresses in YAML '
                             '("0000:02:00.0"), which YAML 1.1 reads as a base-60 number' % (name, a))
        out.append(a)
    return out


def selection_args(module):
    p = module.params
    select = addresses(module, 'select')
    take = addresses(module, 'take_from_host')
    args = []
    if select:
        args += ['--select', ','.join(select)]
    for g in p['group'] or []:
        args += ['--group', str(g)]
    for m in p['match'] or []:
        args += ['--match', match_spec(module, m)]
    if p['expect'] is not None:
        args += ['--expect', str(p['expect'])]
    named = bool(p['select'] or p['group'] or p['match'])
    if p['state'] == 'present':
        args.append('--add')
    elif p['state'] == 'absent':
        args.append('--remove')
    elif not named:
        args += ['--select', 'none']
    if take:
        args += ['--take-from-host', ','.join(take)]
    if p['trial']:
        args.append('--trial')
    if not p['regenerate']:
        args.append('--no-regenerate')
    return args


def plan_changed(plan):
    if 'changed' in plan:
        return bool(plan['changed'])
    return bool(plan.get('files') or plan.get('commands'))


def plan_refused(plan):
    if 'refused' in plan:
        return bool(plan['refused'])
    return bool(plan.get('refusals'))


def plan_summary(plan):
    """The plan without file contents (they are in the diff)."""
    out = dict(plan)
    out['files'] = [dict((k, v) for k, v in f.items() if k not in ('old', 'new', 'diff'))
                    for f in plan.get('files') or []]
    return out


def plan_diff(plan):
    diffs = []
    for f in plan.get('files') or []:
        if 'old' in f or 'new' in f:
            diffs.append(dict(before_header=f['path'], after_header=f['path'],
                              before=f.get('old') or '', after=f.get('new') or ''))
        elif f.get('diff'):
            diffs.append(dict(prepared=f['diff']))
    return diffs


def describe_matches(plan):
    parts = []
    for m in plan.get('matches') or []:
        devs = m.get('devices') or []
        parts.append('%s matches %s' % (m.get('spec'), ', '.join(devs) if devs else 'nothing'))
    return parts


def refuse(module, plan, argv, rc, out, err):
    reasons = list(plan.get('refusals') or [])
    msg = 'vfioconf refused the plan'
    if reasons:
        msg += ': ' + '; '.join(reasons)
    matches = describe_matches(plan)
    if matches:
        msg += ' (matches: ' + '; '.join(matches) + ')'
    module.fail_json(msg=msg, refusals=reasons, matches=plan.get('matches') or [],
                     plan=plan_summary(plan), cmd=argv, rc=rc, stderr=err)


def result_of(plan):
    return dict(outcome=plan.get('outcome') or [], devices=plan.get('devices') or [],
                files=plan_summary(plan)['files'], commands=plan.get('commands') or [],
                matches=plan.get('matches') or [], notes=plan.get('notes') or [],
                trial=plan.get('trial'), plan=plan_summary(plan))


def main():
    argument_spec = dict(
        select=dict(type='list', elements='raw'),
        match=dict(type='list', elements='raw'),
        group=dict(type='list', elements='int'),
        expect=dict(type='int'),
        state=dict(type='str', default='present', choices=['present', 'absent', 'exact']),
        take_from_host=dict(type='list', elements='raw', default=[]),
        trial=dict(type='bool', default=False),
        regenerate=dict(type='bool', default=True),
    )
    argument_spec.update(COMMON_ARGS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=[('state', 'present', ('select', 'match', 'group'), True),
                     ('state', 'absent', ('select', 'match', 'group'), True)],
        required_by={'expect': 'match'},
        supports_check_mode=True,
    )

    base = vfioconf_argv(module)
    sel = selection_args(module)

    # plan: what would change, refused or not
    argv = base + ['plan'] + sel
    rc, plan, out, err = run_json(module, argv)
    if not isinstance(plan, dict) or rc == 2:
        fail_run(module, 'plan', argv, rc, out, err)
    if plan_refused(plan):
        refuse(module, plan, argv, rc, out, err)
    if rc not in (0, 4):
        fail_run(module, 'plan', argv, rc, out, err, plan=plan_summary(plan))
    for w in plan.get('warnings') or []:
        module.warn(w)

    changed = plan_changed(plan)
    res = result_of(plan)
    if module._diff:
        res['diff'] = plan_diff(plan)
    if module.check_mode or not changed:
        module.exit_json(changed=changed, reboot_required=changed,
                         result='planned' if changed else 'unchanged',
                         transaction=None, cmd=argv, **res)

    # apply: the same selection, as one transaction
    argv = base + ['apply', '--yes'] + sel
    rc, applied, out, err = run_json(module, argv)
    if not isinstance(applied, dict) or 'result' not in applied:
        fail_run(module, 'apply', argv, rc, out, err)
    aplan = applied.get('plan') or plan
    result = applied['result']
    if result == 'refused':
        refuse(module, aplan, argv, rc, out, err)
    if result not in ('applied', 'unchanged'):
        said = '; '.join(applied.get('messages') or []) or (err or '').strip() or 'no message'
        module.fail_json(msg='vfioconf apply %s (exit %d): %s' % (result, rc, said), cmd=argv, rc=rc,
                         result=result, transaction=applied.get('transaction'),
                         messages=applied.get('messages') or [], stderr=err, plan=plan_summary(aplan))
    res = result_of(aplan)
    if module._diff:
        res['diff'] = plan_diff(aplan)
    module.exit_json(changed=(result == 'applied'), result=result,
                     reboot_required=bool(applied.get('reboot_required')),
                     transaction=applied.get('transaction'), messages=applied.get('messages') or [],
                     cmd=argv, stderr=err, **res)


if __name__ == '__main__':
    main()
