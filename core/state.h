/* state.h - /etc/vfioconf/devices.conf: what vfioconf manages.
 *
 * Written by every plan, read by the next plan and by vfioconf-bind in the
 * initramfs. It names each device handed to vfio-pci with the fingerprint
 * that must still match at boot, and each token vfioconf added to a file
 * it shares with others, so that deselecting removes exactly those and
 * never a parameter the user had before.
 *
 *   [device 0000:02:00.0]
 *   vendor = 10de
 *   device = 13c2
 *   subsystem = 3842:3975
 *   class = 030000
 *   method = driver-override
 *   taken-from-host = yes       (only for a host-critical device the user
 *                                confirmed by typing its address)
 *
 *   [added]
 *   etc/default/grub GRUB_CMDLINE_LINUX_DEFAULT = intel_iommu=on iommu=pt
 *   etc/initramfs-tools/modules = vfio vfio_iommu_type1 vfio_pci
 *
 *   [adopted]                   (lines of a hand-made VFIO setup vfioconf
 *   etc/modprobe.d/vfio.conf:3 = options%20vfio-pci%20ids=10de:1b80 -
 *                                took out: FILE:LINE = the line before, the
 *                                line after or - when it went; each
 *                                percent-encoded. In order.)
 *
 * A repeated key adds to what came before. Lines have no length limit.
 */
#ifndef VFIOCONF_STATE_H
#define VFIOCONF_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"
#include "core/settings.h"
#include "core/util.h"

#define STATE_PATH "etc/vfioconf/devices.conf"

struct state_device {
	char addr[24];
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint32_t class_code;
	enum bind_method method; /* BIND_IDS or BIND_DRIVER_OVERRIDE */
	bool taken_from_host;    /* host-critical; the user typed its address */
	/* "" for vfio-pci, else the vfio variant driver it goes to (by
	 * address only: ids= would give it plain vfio-pci) */
	char driver[40];
};

/* A line of a hand-made setup vfioconf took over: it comes back, byte
 * for byte, when vfioconf manages nothing any more. */
struct state_adopted {
	char *file;    /* root-relative */
	int line;      /* 1-based, where it was */
	char *before;  /* the line as it was */
	char *after;   /* the line after the setting went; NULL: the line went */
};

struct state {
	struct state_device *dev;
	size_t n_dev;
	struct strmap added;      /* "path" or "path slot" -> space-separated tokens */
	struct state_adopted *adopted;
	size_t n_adopted;
};

/* Problems are warnings naming name:line; bad entries are dropped. */
int state_parse(struct state *st, const char *text, const char *name, struct log *log);
/* NULL when there is nothing to record (the file should not exist). */
char *state_render(const struct state *st);
void state_free(struct state *st);

const struct state_device *state_find(const struct state *st, const char *addr);
/* Adds d, or replaces the entry with the same address. */
void state_add_device(struct state *st, const struct state_device *d);
/* Tokens vfioconf added to key (borrowed, "" when none). */
const char *state_added(const struct state *st, const char *key);
/* Records tokens (space separated; "" removes the key). */
void state_set_added(struct state *st, const char *key, const char *tokens);
/* Appends an adopted line (after may be NULL). */
void state_add_adopted(struct state *st, const char *file, int line, const char *before, const char *after);

#endif
