/* match.h - attribute selectors (--match): devices named by what they are
 * rather than where they sit, so one spec travels between hosts whose
 * addresses differ.
 *
 * A spec is key=value pairs joined by commas:
 *   vendor=10de,device=2204,subsystem=1458:3ffc,class=0300,boot-vga=no,slot=NAME
 * Every key given must hold; none is required, but a spec must give one.
 */
#ifndef VFIOCONF_MATCH_H
#define VFIOCONF_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/inventory.h"

struct match {
	int vendor, device;                /* -1: any */
	int subsys_vendor, subsys_device;  /* -1: any */
	uint32_t class_code;               /* compared on its top class_digits/2 bytes */
	unsigned class_digits;             /* 0 (any), 2 base, 4 base+sub, 6 with prog-if */
	int boot_vga;                      /* -1 any, 0 no, 1 yes */
	char *slot;                        /* a /sys/bus/pci/slots name, or NULL; owned */
};

/* Parses spec into m. 0, or -EINVAL with a sentence in err naming the
 * part that is wrong (m is then empty). */
int match_parse(const char *spec, struct match *m, char *err, size_t errlen);
void match_free(struct match *m);

bool match_device(const struct match *m, const struct device *d);

#endif
