/* intent.h - what a selection means, before any backend: which devices go
 * to vfio-pci and how, which IDs, softdeps, kernel parameters and initramfs
 * modules that takes, and what must be refused or said.
 *
 * Binding: "ids" (options vfio-pci ids=) when no device that stays with the
 * host shares the vendor:device; otherwise "driver-override" per address,
 * checked against a fingerprint at boot. settings.method can force either;
 * forcing ids onto a shared ID is refused for that device. A device with a
 * vfio variant driver (mlx5_vfio_pci, ...) goes to it, by address always:
 * ids= can only name vfio-pci.
 */
#ifndef VFIOCONF_INTENT_H
#define VFIOCONF_INTENT_H

#include <stdbool.h>

#include "core/inventory.h"
#include "core/settings.h"
#include "core/state.h"

struct intent_device {
	size_t idx;              /* into inventory.devices */
	enum bind_method method; /* BIND_IDS or BIND_DRIVER_OVERRIDE */
	bool taken_from_host;    /* host-critical, handed over on a typed confirmation */
	const char *driver;      /* borrowed: its vfio variant driver, or NULL for vfio-pci */
};

struct intent {
	struct intent_device *dev;
	size_t n_dev;
	struct strv ids;         /* "10de:13c2", sorted, for ids-bound devices */
	bool disable_vga;        /* a VGA device is bound by ids */
	struct strv softdeps;    /* modules that must wait for vfio-pci */
	struct strv params;      /* kernel parameters to have */
	struct strv modules;     /* for the initramfs: vfio vfio_iommu_type1 vfio_pci, variants */
	struct strv variants;    /* vfio variant drivers of the devices, sorted */
	struct strv softdep_posts; /* "MODULE VARIANT": VARIANT loads after MODULE, sorted */
	bool virqfd_any, virqfd_all; /* installed kernels with a vfio_virqfd module */
	bool any_override;
	bool vfio_pci_builtin;   /* some installed kernel has it built in */
	struct strv refusals;
	struct strv warnings;
	struct strv notes;
};

/* selected: one bool per inventory device; other functions of a selected
 * device's slot are added (with a note). confirmed: NULL, or one bool per
 * device: a selected host-critical device the user confirmed by typing its
 * address goes to vfio-pci with a warning instead of being refused (the
 * design's "refused unless forced with a typed confirmation"); a device
 * whose group holds an unselected host-critical one is still refused.
 * enable_iommu: the kernel parameters even with nothing selected (the
 * first step on a host with the IOMMU off). Nothing selected and
 * !enable_iommu: an empty intent, whose plan removes everything vfioconf
 * added. */
void intent_build(const struct inventory *inv, const struct settings *st, const bool *selected,
		  const bool *confirmed, bool enable_iommu, struct intent *out);
void intent_free(struct intent *in);
/* Content of /etc/modprobe.d/vfioconf.conf, or NULL when not needed.
 * bind_helper is the absolute path of vfioconf-bind on the target. */
char *intent_render_modprobe(const struct intent *in, const struct inventory *inv,
			     const char *bind_helper);
/* The devices part of the state file. */
void intent_to_state(const struct intent *in, const struct inventory *inv, struct state *st);

/* The udev rule that binds selected virtual functions when they appear
 * (caller frees), or NULL when no VF is selected. */
char *intent_render_udev(const struct intent *in, const struct inventory *inv, const char *bind_helper);

#define MODPROBE_PATH "etc/modprobe.d/vfioconf.conf"
#define UDEV_RULES_PATH "etc/udev/rules.d/90-vfioconf.rules"

#endif
