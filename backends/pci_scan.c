/* pci_scan.c - PCI devices and IOMMU groups from sysfs, through libpci. */
#include "config.h"

#include "backends/pci_scan.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libpci's error callback must not return and has no user pointer; it
 * jumps back to the device being filled, which is then skipped. */
static sigjmp_buf pci_jmp;
static bool pci_jmp_armed;
static struct log *pci_log;
static char pci_errmsg[512];

static void __attribute__((noreturn, format(printf, 1, 2))) on_pci_error(char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pci_errmsg, sizeof(pci_errmsg), fmt, ap);
	va_end(ap);
	if (pci_jmp_armed)
		siglongjmp(pci_jmp, 1);
	/* Outside a guarded call there is no safe way back. */
	fprintf(stderr, "vfioconf: libpci: %s\n", pci_errmsg);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) on_pci_warning(char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (pci_log)
		log_warn(pci_log, "libpci: %s", buf);
}

static void on_pci_debug(char *fmt, ...)
{
	(void)fmt;
}

/* pci_lookup_name takes the IDs as varargs; unused ones are ignored. */
static char *lookup(struct pci_access *pacc, int flags, int a, int b, int c, int d)
{
	char buf[256];
	char *r = pci_lookup_name(pacc, buf, sizeof(buf), flags, a, b, c, d);

	return r ? xstrdup(r) : NULL;
}

static int header_type_from(const char *dir, uint32_t class_code)
{
	char *p = path_join(dir, "config");
	unsigned char cfg[64];
	FILE *f = fopen(p, "rbe");
	size_t n = 0;

	free(p);
	if (f) {
		n = fread(cfg, 1, sizeof(cfg), f);
		fclose(f);
	}
	if (n > 0x0e)
		return cfg[0x0e] & 0x7f;
	switch (class_code >> 8) {
	case 0x0604:
	case 0x0609:
		return 1;
	case 0x0607:
		return 2;
	default:
		return 0;
	}
}

/* The device's upstream bridge: the parent directory of its real path,
 * when that is a PCI function (it is pciDDDD:BB for a root bus). */
static void read_parent(const char *dir, struct device *d)
{
	char real[PATH_MAX];
	char *slash;

	if (!realpath(dir, real))
		return;
	slash = strrchr(real, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (pci_addr_parse(path_basename(real), &d->parent) == 0 &&
	    strchr(path_basename(real), '.'))
		d->has_parent = true;
}

static void read_sriov(const char *dir, struct device *d, struct log *log)
{
	char *p = path_join(dir, "physfn");
	char real[PATH_MAX];
	DIR *dd;
	struct dirent *e;

	if (realpath(p, real)) {
		if (pci_addr_parse(path_basename(real), &d->physfn) == 0) {
			d->has_physfn = true;
			d->flags |= DEV_SRIOV_VF;
		}
	} else if (errno != ENOENT) {
		log_warn(log, "%s: dangling link (%s)", p, strerror(errno));
	} else {
		struct stat st;
		if (lstat(p, &st) == 0)
			log_warn(log, "%s: dangling link", p);
	}
	free(p);
	dd = opendir(dir);
	if (!dd)
		return;
	while ((e = readdir(dd)))
		if (str_starts_with(e->d_name, "virtfn"))
			d->num_vfs++;
	closedir(dd);
	if (d->num_vfs)
		d->flags |= DEV_SRIOV_PF;
}

/* Reads one mandatory hex attribute; warns and returns <0 when unusable. */
static int need_hex(const char *dir, const char *name, unsigned long max, unsigned long *v,
		    struct log *log)
{
	int r = read_attr_hex(dir, name, max, v);

	if (r == -ENOENT)
		log_warn(log, "%s/%s: missing; device skipped", dir, name);
	else if (r < 0)
		log_warn(log, "%s/%s: %s; device skipped", dir, name,
			 r == -EINVAL || r == -ERANGE ? "not a hexadecimal ID" : strerror(-r));
	return r;
}

static void scan_one(struct pci_access *pacc, const char *devdir, const char *name,
		     struct inventory *inv, struct log *log)
{
	char *dir = path_join(devdir, name);
	unsigned long vendor, device, cls, v;
	struct pci_addr addr;
	struct pci_dev *volatile pd = NULL;
	struct device *d;
	struct stat st;
	char *s;

	if (pci_addr_parse(name, &addr) < 0 || !strchr(name, ':') || strchr(name, ':') == strrchr(name, ':')) {
		log_warn(log, "%s: not a PCI address (DDDD:BB:DD.F); skipped", dir);
		goto out;
	}
	if (stat(dir, &st) < 0) {
		log_warn(log, "%s: %s; skipped", dir,
			 errno == ENOENT ? "dangling link" : strerror(errno));
		goto out;
	}
	if (need_hex(dir, "vendor", 0xffff, &vendor, log) < 0 ||
	    need_hex(dir, "device", 0xffff, &device, log) < 0 ||
	    need_hex(dir, "class", 0xffffff, &cls, log) < 0)
		goto out;

	d = inventory_add_device(inv, &addr);
	d->vendor = (uint16_t)vendor;
	d->device = (uint16_t)device;
	d->class_code = (uint32_t)cls;

	pci_jmp_armed = true;
	if (sigsetjmp(pci_jmp, 1) == 0) {
		pd = pci_get_dev(pacc, (int)addr.domain, addr.bus, addr.dev, addr.func);
		pci_fill_info(pd, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_SUBSYS | PCI_FILL_DRIVER |
				      PCI_FILL_MODULE_ALIAS);
		/* libpci read the same attributes; a disagreement means the
		 * tree changed under us or libpci parsed it differently. */
		if (pd->vendor_id != d->vendor || pd->device_id != d->device)
			log_warn(log, "%s: libpci read %04x:%04x, sysfs says %04x:%04x", dir,
				 pd->vendor_id, pd->device_id, d->vendor, d->device);
		if (pd->known_fields & PCI_FILL_SUBSYS) {
			d->subsys_vendor = pd->subsys_vendor_id;
			d->subsys_device = pd->subsys_id;
		}
		s = pci_get_string_property(pd, PCI_FILL_DRIVER);
		d->driver = xstrdup_or_null(s);
		s = pci_get_string_property(pd, PCI_FILL_MODULE_ALIAS);
		/* libpci keeps the attribute's newline; alias patterns anchor at the end. */
		d->modalias = s ? str_rstrip(xstrdup(s)) : NULL;
	} else {
		log_warn(log, "%s: libpci: %s", dir, pci_errmsg);
	}
	pci_jmp_armed = false;
	if (pd)
		pci_free_dev(pd);

	if (read_attr_hex(dir, "revision", 0xff, &v) == 0)
		d->revision = (int)v;
	if (!d->subsys_vendor && read_attr_hex(dir, "subsystem_vendor", 0xffff, &v) == 0) {
		d->subsys_vendor = (uint16_t)v;
		if (read_attr_hex(dir, "subsystem_device", 0xffff, &v) == 0)
			d->subsys_device = (uint16_t)v;
	}
	if (read_attr_hex(dir, "boot_vga", 1, &v) == 0)
		d->boot_vga = (int)v;
	if (read_attr(dir, "reset_method", &s) == 0) {
		if (*s)
			d->reset_method = s;
		else
			free(s);
	}
	d->header_type = header_type_from(dir, d->class_code);
	if (d->header_type == 1 || d->header_type == 2)
		d->flags |= DEV_BRIDGE;
	read_parent(dir, d);
	read_sriov(dir, d, log);

	d->vendor_name = lookup(pacc, PCI_LOOKUP_VENDOR, d->vendor, 0, 0, 0);
	d->device_name = lookup(pacc, PCI_LOOKUP_DEVICE, d->vendor, d->device, 0, 0);
	d->class_name = lookup(pacc, PCI_LOOKUP_CLASS, (int)(d->class_code >> 8), 0, 0, 0);
	if (d->subsys_vendor && d->subsys_vendor != 0xffff)
		d->subsys_name = lookup(pacc, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
				       d->vendor, d->device, d->subsys_vendor, d->subsys_device);
out:
	free(dir);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pci_scan(const struct sysroot *sr, struct inventory *inv, struct log *log)
{
	char *bus = path_join(sr->sysfs, "bus/pci");
	char *devdir = path_join(bus, "devices");
	struct pci_access *pacc;
	struct strv names = {0};
	struct dirent *e;
	DIR *dd;
	int r = 0;

	dd = opendir(devdir);
	if (!dd) {
		r = -errno == -ENOENT ? -ENOTDIR : -errno;
		goto out;
	}
	while ((e = readdir(dd)))
		if (e->d_name[0] != '.')
			strv_push(&names, e->d_name);
	closedir(dd);
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(char *), cmp_name);

	pacc = pci_alloc();
	pacc->error = on_pci_error;
	pacc->warning = on_pci_warning;
	pacc->debug = on_pci_debug;
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_log = log;
	pci_set_param(pacc, (char *)"sysfs.path", bus);
	pci_jmp_armed = true;
	if (sigsetjmp(pci_jmp, 1) == 0) {
		pci_init(pacc);
		pci_jmp_armed = false;
		for (size_t i = 0; i < names.n; i++)
			scan_one(pacc, devdir, names.v[i], inv, log);
	} else {
		pci_jmp_armed = false;
		log_error(log, "%s: libpci: %s", bus, pci_errmsg);
		r = -EIO;
	}
	pci_cleanup(pacc);
	pci_log = NULL;
out:
	strv_free(&names);
	free(devdir);
	free(bus);
	return r;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

void pci_scan_groups(const struct sysroot *sr, struct inventory *inv, struct log *log)
{
	char *gdir = path_join(sr->sysfs, "kernel/iommu_groups");
	DIR *dd = opendir(gdir);
	struct dirent *e;

	if (!dd)
		goto links;
	while ((e = readdir(dd))) {
		char *mdir;
		DIR *md;
		struct dirent *m;
		long id;

		if (e->d_name[0] == '.')
			continue;
		if (!is_number(e->d_name) || (id = strtol(e->d_name, NULL, 10)) > INT_MAX) {
			log_warn(log, "%s/%s: not a group number; ignored", gdir, e->d_name);
			continue;
		}
		mdir = path_joinf(gdir, "%s/devices", e->d_name);
		md = opendir(mdir);
		if (!md) {
			log_warn(log, "%s: %s", mdir, strerror(errno));
			free(mdir);
			continue;
		}
		while ((m = readdir(md))) {
			struct pci_addr a;
			struct device *d;

			if (m->d_name[0] == '.')
				continue;
			if (pci_addr_parse(m->d_name, &a) < 0) {
				log_warn(log, "%s/%s: not a PCI device; ignored", mdir, m->d_name);
				continue;
			}
			d = inventory_find(inv, &a);
			if (!d) {
				/* A device the scan skipped was warned about already. */
				char *bp = path_joinf(sr->sysfs, "bus/pci/devices/%s", m->d_name);
				struct stat st;
				if (lstat(bp, &st) < 0)
					log_warn(log, "%s/%s: no such device in %s/bus/pci/devices", mdir,
						 m->d_name, sr->sysfs);
				free(bp);
				continue;
			}
			if (d->group >= 0 && d->group != (int)id)
				log_warn(log, "%s/%s: device already in group %d", mdir, m->d_name,
					 d->group);
			else
				d->group = (int)id;
		}
		closedir(md);
		free(mdir);
	}
	closedir(dd);
links:
	/* The per-device link must agree with the group directory. */
	for (size_t i = 0; i < inv->n_devices; i++) {
		struct device *d = &inv->devices[i];
		char *dir = path_joinf(sr->sysfs, "bus/pci/devices/%s", d->addr_str);
		char *g = NULL;

		if (read_link_base(dir, "iommu_group", &g) == 0) {
			if (d->group < 0)
				log_warn(log, "%s/iommu_group: points to group %s, which does not list it",
					 dir, g);
			else if (!is_number(g) || atoi(g) != d->group)
				log_warn(log, "%s/iommu_group: says %s, %s lists it in group %d", dir, g,
					 gdir, d->group);
		}
		free(g);
		free(dir);
	}
	free(gdir);
}
