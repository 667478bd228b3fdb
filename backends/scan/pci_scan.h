/* pci_scan.h - PCI devices and IOMMU groups from sysfs, through libpci.
 *
 * libpci runs with the linux-sysfs method pinned and sysfs.path set to
 * SYSFS/bus/pci, so no other access method (/proc, /dev/mem, port I/O) is
 * ever tried. Broken entries (unparsable names, missing or garbage
 * attributes, dangling links, non-PCI group members) become warnings naming
 * the path; the rest is still scanned.
 */
#ifndef VFIOCONF_PCI_SCAN_H
#define VFIOCONF_PCI_SCAN_H

#include "backends/sys/sysroot.h"
#include "core/inventory.h"
#include "core/log.h"

/* Adds every device and its group to inv (not yet finished). Returns
 * -ENOTDIR when SYSFS/bus/pci/devices is not there (not a sysfs tree). */
int pci_scan(const struct sysroot *sr, struct inventory *inv, struct log *log);
/* After inventory_finish(): reads SYSFS/kernel/iommu_groups and checks it
 * against each device's iommu_group link. */
void pci_scan_groups(const struct sysroot *sr, struct inventory *inv, struct log *log);
/* After inventory_finish(): each device's physical slot name from
 * SYSFS/bus/pci/slots/NAME/address ("DDDD:BB:SS", every function of that
 * slot). No slots directory (most desktops): no names. */
void pci_scan_slots(const struct sysroot *sr, struct inventory *inv);

#endif
