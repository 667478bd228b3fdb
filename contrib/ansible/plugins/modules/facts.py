#!/usr/bin/python
# -*- coding: utf-8 -*-
# vfioconf.vfio.facts: vfioconf's view of the host (list --json, status --json) as facts.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: facts
short_description: IOMMU groups, devices and passthrough status from vfioconf, as facts
version_added: "0.1.0"
description:
  - Runs C(vfioconf --json list) on the managed host and sets the fact C(vfioconf) to its data
    (JSON schema 1, see vfioconf(8)) - the IOMMU state, the host's kernels and mounts, and every IOMMU
    group with its devices, drivers, IDs and what each device is bound to at the next boot.
  - With I(status=true) it also runs C(vfioconf --json status) and sets C(vfioconf_status) - after a
    reboot, whether the configured devices are on vfio-pci and the kernel parameters are in force.
  - Reads only; it needs no root.
options:
  status:
    description:
      - Also gather C(vfioconf status) as the fact C(vfioconf_status).
    type: bool
    default: false
  no_modules:
    description:
      - Skip the candidate-module lookup (C(vfioconf --no-modules)), which is faster on very large hosts.
    type: bool
    default: false
extends_documentation_fragment:
  - vfioconf.vfio.common
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode too.
  diff_mode:
    support: none
    description: Nothing to diff.
  facts:
    support: full
    description: Sets C(vfioconf) and, with I(status=true), C(vfioconf_status).
seealso:
  - module: vfioconf.vfio.passthrough
author:
  - vfioconf developers (!UNKNOWN)
'''

EXAMPLES = r'''
- name: What vfioconf sees
  vfioconf.vfio.facts:

- name: The NVIDIA devices and their IOMMU groups
  ansible.builtin.debug:
    msg: "{{ item.address }} in group {{ item.group }}"
  loop: "{{ ansible_facts.vfioconf.groups | map(attribute='devices') | flatten | selectattr('vendor', '==', '10de') }}"

- name: After the reboot, are the devices on vfio-pci?
  vfioconf.vfio.facts:
    status: true

- name: Stop when they are not
  ansible.builtin.assert:
    that: ansible_facts.vfioconf_status.ok
'''

RETURN = r'''
ansible_facts:
  description: The facts.
  returned: always
  type: complex
  contains:
    vfioconf:
      description:
        - C(vfioconf --json list) - C(groups) (each with C(id) and C(devices)), C(ungrouped), C(iommu), C(host),
          C(settings), C(vfio_pci), C(warnings).
      returned: always
      type: dict
      sample: {"iommu": {"enabled": true, "vendor": "intel"}, "groups": [{"id": 13, "devices": [{"address": "0000:02:00.0"}]}]}
    vfioconf_status:
      description:
        - C(vfioconf --json status) - C(configured), C(ok), C(devices), C(parameters), C(warnings).
        - When vfioconf has configured nothing, C(configured) is false.
      returned: when I(status=true)
      type: dict
      sample: {"configured": true, "ok": true, "devices": [{"address": "0000:02:00.0", "on_vfio_pci": true}]}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.vfioconf.vfio.plugins.module_utils.vfioconf import (
    COMMON_ARGS, vfioconf_argv, run_json, fail_run)


def main():
    argument_spec = dict(
        status=dict(type='bool', default=False),
        no_modules=dict(type='bool', default=False),
    )
    argument_spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    base = vfioconf_argv(module)
    if module.params['no_modules']:
        base.append('--no-modules')
    facts = {}

    argv = base + ['list']
    rc, data, out, err = run_json(module, argv)
    if rc != 0 or not isinstance(data, dict):
        fail_run(module, 'list', argv, rc, out, err)
    facts['vfioconf'] = data

    if module.params['status']:
        argv = base + ['status']
        rc, data, out, err = run_json(module, argv)
        # exit 0 in force, 1 not, 4 nothing configured
        if rc not in (0, 1, 4) or not isinstance(data, dict):
            fail_run(module, 'status', argv, rc, out, err)
        facts['vfioconf_status'] = data

    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == '__main__':
    main()
