/* effective.h - what the next boot does with each device, and why.
 *
 * The inputs are what the installed system's configuration says that can
 * decide a PCI device's driver, each with the file and line it comes from:
 * modprobe.d (as libkmod reads it, in kmod's order: options, install
 * commands, blacklists, softdeps), vfio-pci.* on the kernel command line,
 * vfio_pci with arguments in an initramfs module list, driverctl's saved
 * overrides, and whether an installed kernel has vfio-pci built in. The
 * backends collect them (backends/scan/config_scan.c), for the system as
 * it is or as a plan would leave it; this file only decides.
 *
 * The rules, as the kernel and kmod apply them:
 *  - a driverctl override for the address wins (udev sets driver_override
 *    before any module probes);
 *  - vfioconf-bind binds the devices devices.conf names by address, but only
 *    when its install line is the one modprobe runs for vfio-pci (the first
 *    install line for it in kmod's order);
 *  - ids= for vfio-pci: the last one counts; modprobe.d options come first,
 *    the kernel command line after them, arguments of an explicit modprobe
 *    (an initramfs module list) last; a built-in vfio-pci reads only the
 *    command line;
 *  - otherwise the device's own driver (the one bound now, else its first
 *    candidate module), unless blacklisted everywhere.
 * Module names compare with '-' and '_' as the same.
 */
#ifndef VFIOCONF_EFFECTIVE_H
#define VFIOCONF_EFFECTIVE_H

#include <stdbool.h>

#include "core/i18n.h"
#include "core/inventory.h"
#include "core/state.h"

/* What to do when a driverctl override decides a device against the
 * selection (%s: its PCI address). One wording for the plan's refusal
 * (backends/boot/outcome.c) and the screen's message line, which
 * translates it: N_() marks it for the catalog, core stays untranslated. */
#define EFFECTIVE_DRIVERCTL_REMEDY N_("a driverctl override holds it: run 'driverctl unset-override %s' first")

enum eff_kind {
	EFF_OPTIONS,   /* modprobe.d: options MODULE VALUE */
	EFF_INSTALL,   /* modprobe.d: install MODULE COMMAND */
	EFF_BLACKLIST, /* modprobe.d: blacklist MODULE */
	EFF_SOFTDEP,   /* modprobe.d: softdep MODULE VALUE */
	EFF_CMDLINE,   /* MODULE.PARAM=VALUE on a kernel command line (value: "PARAM=VALUE") */
	EFF_MODARGS,   /* MODULE VALUE in a module list that runs modprobe (initramfs-tools, /etc/modules) */
	EFF_EARLY,     /* MODULE loaded early (an initramfs or modules-load list), no arguments */
	EFF_DRIVERCTL, /* driverctl override: MODULE is the driver, value the PCI address */
	EFF_PARAM,     /* a whole command-line word core/param_review.c judges (video=efifb:off, ...); MODULE "" */
};

struct eff_input {
	enum eff_kind kind;
	char *module;  /* normalised: '-' as '_' */
	char *value;
	char *file;    /* root-relative, or "/proc/cmdline" for the running one */
	int line;      /* 1-based; 0 when unknown */
	bool ours;     /* written by vfioconf (its own files, or tokens it added) */
	bool running;  /* the running kernel's command line: may differ at the next boot */
};

struct eff_config {
	struct eff_input *in;
	size_t n;
	bool vfio_pci_builtin;  /* some installed kernel */
	const char *bind_helper; /* vfioconf-bind's path, to know our install line */
};

void eff_config_add(struct eff_config *c, enum eff_kind kind, const char *module, const char *value,
		    const char *file, int line, bool ours);
void eff_config_free(struct eff_config *c);

enum eff_how {
	EFF_NATIVE,      /* its own driver */
	EFF_BY_IDS,      /* vfio-pci through ids= */
	EFF_BY_ADDRESS,  /* vfio-pci through vfioconf-bind (devices.conf) */
	EFF_BY_DRIVERCTL,
	EFF_NONE,        /* no driver: its module is blacklisted, or there is none */
};

struct eff_device {
	const char *driver;          /* borrowed: "vfio-pci", a vfio variant or other module name, or NULL */
	enum eff_how how;
	const struct eff_input *why; /* the input that decided, or NULL */
};

/* The outcome for every device (out: one per inventory device). st: the
 * devices.conf the boot reads (NULL: none). */
void effective_compute(const struct inventory *inv, const struct eff_config *c, const struct state *st,
		       struct eff_device *out);

/* The ids= value vfio-pci gets (borrowed from c, NULL when none), and the
 * input it comes from. */
const struct eff_input *effective_ids(const struct eff_config *c);
/* That ids= value itself (caller frees), or NULL. */
char *effective_ids_value(const struct eff_config *c);
/* The install command modprobe runs for vfio-pci, or NULL. */
const struct eff_input *effective_install(const struct eff_config *c);

/* "vfio-pci by ids= in etc/modprobe.d/vfio.conf:3" and the like, for lists
 * and plans; caller frees. */
char *effective_describe(const struct eff_device *d);

/* Module names are the same with '-' and '_'. */
bool eff_module_eq(const char *a, const char *b);

#endif
