/* mkfixture.h - what the fixture builder's parts share: the output tree
 * (mkfixture_out.c writes files, links and devices into it) and the
 * devices declared so far (mkfixture.c parses the description). */
#ifndef VFIOCONF_MKFIXTURE_H
#define VFIOCONF_MKFIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/inventory.h"

extern const char *desc_name; /* the description file, for messages */
extern int lineno;            /* its line being read, 0 after */
extern const char *out;       /* the output directory */

struct fdev {
	struct pci_addr addr;
	char name[PCI_ADDR_STRLEN];
	unsigned vendor, device, cls, rev, sv, sd;
	bool has_sub;
	int group;
	char *driver;
	int boot_vga;
	char *reset;
	int parent;          /* index, -1 = root bus */
	int physfn;          /* index, -1 = none */
	char *path;          /* under sys/, e.g. devices/pci0000:00/0000:00:01.0 */
	bool no_config;
	int pcie;            /* PCIe port type for the PCIe capability, -1 none */
	int acs;             /* ACS control word (-1: no ACS capability) */
	char *omit;          /* comma list of attributes not to write (bad input) */
	char *garbage;       /* attr=value written verbatim (bad input) */
};

extern struct fdev *devs;
extern size_t ndev;

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Paths are relative to out. */
void mkdirs(const char *rel);
void parent_dirs(const char *rel);
void write_bytes(const char *rel, const void *buf, size_t n, bool append);
void writef(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void appendf(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A symlink at link pointing relatively (as the kernel's are) to target. */
void rel_link(const char *link, const char *target);
/* The index of a declared device; dies when it is not declared. */
int find_dev(const char *s);
/* Writes d's directory, attributes and links under sys/. */
void emit_device(struct fdev *d, bool iommu);

#endif
