/* export.h - the hand-off to the VM: the devices that go to VFIO, as a
 * hypervisor's own configuration text.
 *
 * libvirt: one <hostdev mode='subsystem' type='pci' managed='yes'> per
 * function, valid against libvirt 9.0's domaincommon.rng (Debian 12).
 * Proxmox VE: one resource mapping per card (every function of its slot
 * going) or per function, as `pvesh create /cluster/mapping/pci` lines
 * with the fields PVE::Mapping::PCI checks at guest start, and the `qm set
 * VMID -hostpciN` lines that use them.
 *
 * Pure: the text is appended to a strbuf; nothing is read or written.
 * The text itself is never translated (it is configuration); the comments
 * in it say what it is and where it goes.
 */
#ifndef VFIOCONF_EXPORT_H
#define VFIOCONF_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/inventory.h"
#include "core/util.h"

/* sel: one bool per inventory device, the devices that go to VFIO (the
 * intent's, functions that come along included). driver: NULL, or one
 * per device: its vfio variant driver (intent_device.driver), NULL for
 * plain vfio-pci. Both borrowed. */
void export_libvirt(const struct inventory *inv, const bool *sel, const char *const *driver, struct strbuf *out);

/* node: the Proxmox node name (export_node_name), or NULL when unknown:
 * the lines then say NODE and the header says to replace it. */
void export_proxmox(const struct inventory *inv, const bool *sel, const char *const *driver, const char *node,
		    struct strbuf *out);

/* Proxmox keeps at most this many hostpciN entries per VM (hostpci0..15:
 * qemu-server's $MAX_HOSTPCI_DEVICES). */
#define EXPORT_PVE_MAX_HOSTPCI 16
/* A node name is a hostname label: at most 63 characters. */
#define EXPORT_NODE_MAX 64

/* The Proxmox node name from the text of an /etc/hostname: the first line
 * that is not blank or a '#' comment (hostname(5)), its domain part cut
 * off as Proxmox's PVE::INotify::nodename() cuts uname's, checked against
 * pve-common's pve-node format. 0, or -EINVAL (nothing usable; out is
 * ""). out holds EXPORT_NODE_MAX bytes. */
int export_node_name(const char *text, char out[EXPORT_NODE_MAX]);

#endif
