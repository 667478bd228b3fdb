# -*- coding: utf-8 -*-
# The options every module of vfioconf.vfio takes.

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  executable:
    description:
      - The vfioconf program to run.
      - A name without a slash is looked up in C(PATH), then in the C(sbin) directories.
    type: str
    default: vfioconf
    aliases: [binary]
  root:
    description:
      - The installed system's files, as C(vfioconf --root); default C(/).
      - For a rescue system (the broken system mounted on C(/mnt)) and for tests on fixture machines.
    type: path
  sysfs:
    description:
      - Live hardware state, as C(vfioconf --sysfs); default C(/sys).
    type: path
  procfs:
    description:
      - Live kernel state, as C(vfioconf --procfs); default C(/proc).
    type: path
  ssh_connection:
    description:
      - The SSH session vfioconf keeps the network card of with the host, as C(client-address client-port
        server-address server-port) (the form of C($SSH_CONNECTION)); an empty string for none.
      - By default the module's own C($SSH_CONNECTION), or, when become (sudo) has dropped it, that of the
        nearest ancestor process that has it.
    type: str
requirements:
  - vfioconf on the managed host
notes:
  - The modules run vfioconf on the managed host; it needs root to write (use C(become)) but not to read.
  - "These options can be set once for every module of the collection with
    C(module_defaults: {group/vfioconf.vfio.vfio: {...}})."
'''
