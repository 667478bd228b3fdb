/* inventory.h - the curses-free model of one machine: PCI devices, IOMMU
 * groups, installed kernels and host facts.
 *
 * Ownership: an inventory owns every string and array reachable from it;
 * pointers handed out by the lookup functions are borrowed and stay valid
 * until inventory_free(). Backends fill it (backends/scan.c), core/analysis.c
 * derives flags, front ends only read it.
 */
#ifndef VFIOCONF_INVENTORY_H
#define VFIOCONF_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct pci_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev;
	uint8_t func;
};

/* "DDDD:BB:DD.F" (domain may have more digits) or "BB:DD.F" (domain 0).
 * Returns 0 or -EINVAL; the whole string must be an address. */
int pci_addr_parse(const char *s, struct pci_addr *out);
/* Writes "dddd:bb:dd.f" into buf (at least PCI_ADDR_STRLEN bytes). */
#define PCI_ADDR_STRLEN 24
void pci_addr_format(const struct pci_addr *a, char *buf);
int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b);
/* Same slot: domain, bus and device equal (functions may differ). */
bool pci_addr_same_slot(const struct pci_addr *a, const struct pci_addr *b);

/* Why a device must stay with the host, or deserves a second look. */
enum device_flag {
	DEV_BRIDGE = 1u << 0,       /* PCI header type 1/2: vfio allows it in a group */
	DEV_BOOT_VGA = 1u << 1,     /* firmware console GPU */
	DEV_ROOT_DISK = 1u << 2,    /* storage holding / */
	DEV_BOOT_DISK = 1u << 3,    /* storage holding /boot or the ESP */
	DEV_SWAP_DISK = 1u << 4,    /* storage holding active swap */
	DEV_MOUNT_DISK = 1u << 5,   /* storage holding another mounted or fstab filesystem */
	DEV_SSH_NIC = 1u << 6,      /* carries the current SSH session */
	DEV_SRIOV_PF = 1u << 7,     /* has virtual functions */
	DEV_SRIOV_VF = 1u << 8,     /* is a virtual function */
	DEV_SAME_ID = 1u << 9,      /* another device has the same vendor:device */
	DEV_PLATFORM = 1u << 10,    /* a function of the chipset or CPU (host bridge, LPC,
				     * SMBus, memory controller, IOMMU, ...): structure,
				     * like a bridge, never a candidate */
};

#define DEV_HOST_CRITICAL \
	(DEV_BOOT_VGA | DEV_ROOT_DISK | DEV_BOOT_DISK | DEV_SWAP_DISK | DEV_MOUNT_DISK | DEV_SSH_NIC)

struct device {
	struct pci_addr addr;
	char addr_str[PCI_ADDR_STRLEN];
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device; /* 0 when absent */
	uint32_t class_code;  /* base << 16 | sub << 8 | prog-if */
	int revision;         /* -1 when unknown */
	int header_type;      /* 0 normal, 1 bridge, 2 cardbus, -1 unknown */
	char *vendor_name, *device_name, *class_name, *subsys_name;
	char *driver;         /* NULL when no driver is bound */
	char *modalias;
	char *reset_method;   /* NULL when the kernel does not say */
	char *slot;           /* its physical slot's name (/sys/bus/pci/slots), or NULL */
	int boot_vga;         /* 1, 0, or -1 when the attribute is absent */
	int group;            /* IOMMU group, -1 when none */
	int group_link;       /* what the device's iommu_group link says: -1 none, -2 unreadable */
	bool has_parent;
	struct pci_addr parent; /* upstream bridge when has_parent */
	bool has_physfn;
	struct pci_addr physfn; /* SR-IOV PF of a VF */
	unsigned num_vfs;
	/* From config space (read for bridges: the hops of a device's path):
	 * the PCIe capability's port type (4 root port, 5 upstream, 6
	 * downstream switch port), and the ACS control word, which says
	 * whether the port keeps the devices below it apart */
	bool port_read;       /* config space past 64 bytes was readable (root) */
	bool has_pcie, has_acs;
	uint8_t pcie_type;
	uint16_t acs_ctrl;
	struct strv modules;  /* candidate modules over all installed kernels */
	/* The vfio variant driver an installed kernel has for it (a
	 * "vfio_pci:" alias in modules.alias: mlx5_vfio_pci, ...), or NULL */
	char *vfio_variant;
	unsigned flags;       /* enum device_flag, set by scan and analysis */
	struct strv reasons;  /* host-critical reasons, e.g. "holds / (nvme0n1p2)" */
	struct strv same_id;  /* up to SAME_ID_LIST_MAX other devices with this vendor:device */
	size_t same_id_count; /* how many others there are in all */
};

/* Hosts with hundreds of identical VFs or NICs would make the lists n^2. */
#define SAME_ID_LIST_MAX 8

struct iommu_group {
	int id;
	size_t *members; /* indices into inventory.devices, sorted by address */
	size_t n_members;
};

enum cpu_vendor {
	CPU_UNKNOWN,
	CPU_INTEL,
	CPU_AMD,
};

struct kernel_info {
	char *version;
	bool modules_dir_ok;       /* modules.dep present: libkmod facts are real */
	bool vfio_pci_builtin;     /* ignores modprobe.d; needs vfio-pci.ids= */
	bool vfio_builtin;
	bool vfio_virqfd_module;   /* only before 6.2 */
	bool vfio_pci_module;
	/* CONFIG_INTEL_IOMMU_DEFAULT_ON in boot/config-VERSION: 1 =y, 0 not
	 * set, -1 no config to read */
	int intel_iommu_default_on;
	/* carries the out-of-tree ACS override patch (pcie_acs_override= in
	 * boot/System.map-VERSION): 1 yes, 0 no, -1 no System.map to read */
	int acs_override;
};

struct mount_info {
	char *target;     /* mount point or "swap" */
	char *source;     /* as the system names it, e.g. /dev/mapper/root */
	struct strv pci;  /* PCI addresses of the controllers beneath it */
	bool from_fstab_only; /* in fstab but not mounted now */
	char fstype[32];      /* ext4, btrfs, ... (mountinfo, else fstab) */
};

struct host_facts {
	bool iommu_groups;      /* SYSFS/kernel/iommu_groups has entries */
	bool iommu_class;       /* SYSFS/class/iommu has entries */
	enum cpu_vendor cpu;
	/* Whose IOMMU the kernel found, by SYSFS/class/iommu names (dmar*:
	 * Intel VT-d, ivhd*: AMD-Vi); CPU_UNKNOWN when none is listed. Emulators
	 * pair them freely (QEMU TCG: an AMD CPU with intel-iommu). */
	enum cpu_vendor iommu_vendor;
	bool cpu_virt;          /* vmx or svm */
	bool sev_snp;           /* SYSFS/module/kvm_amd/parameters/sev_snp is Y */
	char *cmdline;          /* running kernel command line, NULL if unreadable */
	char *running_kernel;   /* PROCFS/sys/kernel/osrelease */
	struct kernel_info *kernels;
	size_t n_kernels;
	struct mount_info *mounts;
	size_t n_mounts;
	char *ssh_iface;        /* interface carrying SSH_CONNECTION, if any */
	char *ssh_local;        /* local address of that session */
	struct strv ssh_pci;    /* PCI addresses of the NICs under ssh_iface */
	/* Interrupt remapping, by PROCFS/interrupts (the kernel calls a
	 * remapped chip IR-IO-APIC, IR-PCI-MSI...). Without it vfio refuses a
	 * device's interrupts (vfio_iommu_type1 allow_unsafe_interrupts). */
	enum { IRQ_REMAP_UNKNOWN, IRQ_REMAP_ON, IRQ_REMAP_OFF } irq_remap;
	/* The firmware's boot framebuffer (BOOTFB, efifb, simple-framebuffer...
	 * in PROCFS/iomem) nested in a PCI function's BAR: that function, and
	 * the name; bootfb_dev is "" when none is found */
	char bootfb_dev[PCI_ADDR_STRLEN];
	char *bootfb_name;
};

struct inventory {
	struct device *devices; /* sorted by address */
	size_t n_devices;
	size_t cap_devices;
	struct iommu_group *groups; /* sorted by id */
	size_t n_groups;
	struct host_facts host;
};

/* Appends a zeroed device with addr set; returns it (borrowed; invalidated
 * by the next add). */
struct device *inventory_add_device(struct inventory *inv, const struct pci_addr *addr);
/* Sorts devices by address and (re)builds groups from device.group. Call
 * after the scan and again whenever device.group changed. */
void inventory_finish(struct inventory *inv);
/* Binary search; NULL when absent. */
struct device *inventory_find(const struct inventory *inv, const struct pci_addr *addr);
struct device *inventory_find_str(const struct inventory *inv, const char *addr);
/* The addresses of the SR-IOV virtual functions of pf, appended to out. */
void inventory_vfs_of(const struct inventory *inv, const struct device *pf, struct strv *out);
const struct iommu_group *inventory_group(const struct inventory *inv, int id);
/* IOMMU is usable: groups exist. */
bool inventory_iommu_enabled(const struct inventory *inv);
void inventory_free(struct inventory *inv);

/* ACS control bits the kernel needs on a downstream port to keep devices
 * apart (source validation, request and completion redirect, upstream
 * forwarding: pci_acs_enabled's PCI_ACS_SV | RR | CR | UF). */
#define ACS_ISOLATING 0x1d

/* vfio-pci itself (either spelling) or a vfio variant driver (a module
 * name ending in _vfio_pci, as the kernel's variants are all named). */
bool driver_is_vfio(const char *name);
/* A vfio variant driver's module name: NAME_vfio_pci, not vfio-pci itself
 * (whose driver is "vfio-pci", its module vfio_pci). */
bool driver_is_vfio_variant(const char *name);

const char *cpu_vendor_name(enum cpu_vendor v);
/* intel_iommu=on for Intel; NULL for AMD (the kernel turns its IOMMU on
 * whenever the firmware enables it; amd_iommu= has no "on") and when the
 * vendor is unknown. */
const char *cpu_iommu_param(enum cpu_vendor v);
/* The parameter for this host's IOMMU: the one the kernel lists, else the
 * CPU's vendor's (the IOMMU is off, so nothing is listed). */
const char *host_iommu_param(const struct host_facts *h);
/* The running kernel was started with host_iommu_param(h) (false when
 * there is none). */
bool host_booted_with_iommu_param(const struct host_facts *h);
/* The IOMMU's vendor as the kernel lists it, else the CPU's. */
enum cpu_vendor host_iommu_vendor(const struct host_facts *h);

#endif
