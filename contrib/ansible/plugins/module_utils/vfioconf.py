# -*- coding: utf-8 -*-
# Shared by vfioconf.vfio's modules: finding the vfioconf binary, the global
# options that point it at another machine's roots, and running it for JSON.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

# The options every module of the collection takes (they are also the
# action group's common module_defaults).
COMMON_ARGS = dict(
    executable=dict(type='str', default='vfioconf', aliases=['binary']),
    root=dict(type='path'),
    sysfs=dict(type='path'),
    procfs=dict(type='path'),
    ssh_connection=dict(type='str'),
)


def ancestor_ssh_connection():
    """SSH_CONNECTION from the nearest ancestor process that has it: become
    (sudo's env_reset) drops it, and vfioconf needs it to keep the SSH
    session's NIC with the host."""
    pid = os.getppid()
    for _depth in range(64):
        if pid <= 1:
            break
        try:
            with open('/proc/%d/environ' % pid, 'rb') as f:
                env = f.read().split(b'\0')
            with open('/proc/%d/stat' % pid, 'rb') as f:
                ppid = int(f.read().rsplit(b')', 1)[1].split()[1])
        except (IOError, OSError, ValueError, IndexError):
            break
        for var in env:
            if var.startswith(b'SSH_CONNECTION='):
                return var.split(b'=', 1)[1].decode('ascii', 'replace')
        pid = ppid
    return None


def vfioconf_argv(module):
    """The binary and the global options: [vfioconf, --root R, ..., --json]."""
    exe = module.params['executable']
    if '/' not in exe:
        # PATH, then the sbin directories vfioconf installs to
        exe = module.get_bin_path(exe, required=True)
    argv = [exe]
    for opt in ('root', 'sysfs', 'procfs'):
        if module.params.get(opt):
            argv += ['--' + opt, module.params[opt]]
    argv.append('--json')
    conn = module.params.get('ssh_connection')
    if conn is None and 'SSH_CONNECTION' not in os.environ:
        conn = ancestor_ssh_connection()
    if conn is not None:
        module.run_command_environ_update['SSH_CONNECTION'] = conn
    # the messages in the JSON in English, whatever the host's locale:
    # what the task reports reads the same on every host of a fleet
    module.run_command_environ_update.update(LC_ALL='C.UTF-8', LANGUAGE='')
    return argv


def run_json(module, argv):
    """Run argv; return (rc, data or None, stdout, stderr). data is the JSON
    object vfioconf printed, None when stdout is not one."""
    rc, out, err = module.run_command(argv)
    try:
        data = json.loads(out)
    except ValueError:
        data = None
    if not isinstance(data, dict) and not isinstance(data, list):
        data = None
    return rc, data, out, err


def fail_run(module, what, argv, rc, out, err, **extra):
    """Fail with what vfioconf said: its error lines, else its output."""
    said = (err or '').strip() or (out or '').strip() or 'no output'
    if rc in (0, 4):
        # it worked, but said it as text: a vfioconf older than JSON schema 1
        said = 'no JSON result; this collection needs a vfioconf whose --json output has "schema": 1'
    module.fail_json(msg='vfioconf %s failed (exit %d): %s' % (what, rc, said),
                     cmd=argv, rc=rc, stdout=out, stderr=err, **extra)
