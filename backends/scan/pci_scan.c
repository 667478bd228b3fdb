/* pci_scan.c - PCI devices and IOMMU groups from sysfs, through libpci. */
#include "config.h"

#include "backends/scan/pci_scan.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int header_type_from(int dfd, uint32_t class_code)
{
	unsigned char cfg[64];
	int fd = openat(dfd, "config", O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	if (fd >= 0) {
		n = read(fd, cfg, sizeof(cfg));
		close(fd);
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

/* The upstream bridge is the component before the device's own in the
 * bus/pci/devices link (../../../devices/pci0000:00/0000:00:1b.0/0000:02:00.0);
 * a root-bus device has pciDDDD:BB there. One readlink, no realpath: this
 * runs for every device of very large hosts. */
static void read_parent(const char *link, struct device *d)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (strchr(path_basename(buf), '.') && pci_addr_parse(path_basename(buf), &d->parent) == 0)
		d->has_parent = true;
}

static void read_sriov(int dfd, const char *dir, struct device *d, struct log *log)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dfd, "physfn", buf, sizeof(buf) - 1);
	unsigned long v;

	if (n > 0) {
		struct stat st;
		buf[n] = '\0';
		if (fstatat(dfd, "physfn", &st, 0) < 0)
			log_warn(log, "%s/physfn: dangling link", dir);
		else if (pci_addr_parse(path_basename(buf), &d->physfn) == 0) {
			d->has_physfn = true;
			d->flags |= DEV_SRIOV_VF;
		}
	}
	/* Only SR-IOV capable functions have the attribute. */
	if (read_attr_hex_at(dfd, "sriov_numvfs", 0xffff, &v) == 0 && v > 0) {
		d->num_vfs = (unsigned)v;
		d->flags |= DEV_SRIOV_PF;
	}
}

static int read_group_link(int dfd)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dfd, "iommu_group", buf, sizeof(buf) - 1);
	unsigned long v;

	if (n < 0)
		return errno == ENOENT ? -1 : -2;
	buf[n] = '\0';
	if (str_to_ulong(path_basename(buf), 10, INT_MAX, &v) < 0)
		return -2;
	return (int)v;
}

/* Reads one mandatory hex attribute; warns and returns <0 when unusable. */
static int need_hex(int dfd, const char *dir, const char *name, unsigned long max, unsigned long *v,
		    struct log *log)
{
	int r = read_attr_hex_at(dfd, name, max, v);

	if (r == -ENOENT)
		log_warn(log, "%s/%s: missing; device skipped", dir, name);
	else if (r < 0)
		log_warn(log, "%s/%s: %s; device skipped", dir, name,
			 r == -EINVAL || r == -ERANGE ? "not a hexadecimal ID" : strerror(-r));
	return r;
}

/* The bound driver: the last component of the driver link, the kernel's
 * .../bus/pci/drivers/NAME; NULL without one, or when it leads nowhere.
 * (libpci canonicalizes the whole path for this, a readlink per
 * component: most of the scan's system calls on a big machine.) */
static char *read_driver(int dfd)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dfd, "driver", buf, sizeof(buf) - 1);
	const char *slash;

	if (n <= 0 || faccessat(dfd, "driver", F_OK, 0) < 0)
		return NULL;
	buf[n] = '\0';
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	slash = strrchr(buf, '/');
	return xstrdup(slash ? slash + 1 : buf);
}

/* A bridge's PCIe port type and ACS control, through libpci's capability
 * list (config space; without root the kernel shows only its first 64
 * bytes, and nothing is found). */
static void read_port(struct pci_access *pacc, int dfd, struct device *d)
{
	struct pci_dev *pd;
	struct pci_cap *cap;
	unsigned char buf[128];
	int fd = openat(dfd, "config", O_RDONLY | O_CLOEXEC);

	/* without root the kernel hands out 64 bytes: nothing to tell then */
	d->port_read = fd >= 0 && read(fd, buf, sizeof(buf)) > 64;
	if (fd >= 0)
		close(fd);
	if (!d->port_read)
		return;
	pd = pci_get_dev(pacc, (int)d->addr.domain, d->addr.bus, d->addr.dev, d->addr.func);
	if (!pd)
		return;
	pci_fill_info(pd, PCI_FILL_CAPS | PCI_FILL_EXT_CAPS);
	if ((cap = pci_find_cap(pd, PCI_CAP_ID_EXP, PCI_CAP_NORMAL))) {
		d->has_pcie = true;
		d->pcie_type = (uint8_t)((pci_read_word(pd, cap->addr + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4);
	}
	if ((cap = pci_find_cap(pd, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED))) {
		d->has_acs = true;
		d->acs_ctrl = pci_read_word(pd, cap->addr + PCI_ACS_CTRL);
	}
	pci_free_dev(pd);
}

static void scan_one(struct pci_access *pacc, const char *devdir, const char *name,
		     struct inventory *inv, struct log *log)
{
	char *dir = path_join(devdir, name);
	unsigned long vendor, device, cls, v;
	struct pci_addr addr;
	struct device *d;
	int dfd = -1;
	char *s;

	if (pci_addr_parse(name, &addr) < 0 || !strchr(name, ':') || strchr(name, ':') == strrchr(name, ':')) {
		log_warn(log, "%s: not a PCI address (DDDD:BB:DD.F); skipped", dir);
		goto out;
	}
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		log_warn(log, "%s: %s; skipped", dir,
			 errno == ENOENT ? "dangling link" : strerror(errno));
		goto out;
	}
	if (need_hex(dfd, dir, "vendor", 0xffff, &vendor, log) < 0 ||
	    need_hex(dfd, dir, "device", 0xffff, &device, log) < 0 ||
	    need_hex(dfd, dir, "class", 0xffffff, &cls, log) < 0)
		goto out;

	d = inventory_add_device(inv, &addr);
	d->vendor = (uint16_t)vendor;
	d->device = (uint16_t)device;
	d->class_code = (uint32_t)cls;

	d->driver = read_driver(dfd);
	if (read_attr_hex_at(dfd, "revision", 0xff, &v) == 0)
		d->revision = (int)v;
	if (read_attr_at(dfd, "modalias", &s) == 0)
		d->modalias = s;
	if (read_attr_hex_at(dfd, "subsystem_vendor", 0xffff, &v) == 0) {
		d->subsys_vendor = (uint16_t)v;
		if (read_attr_hex_at(dfd, "subsystem_device", 0xffff, &v) == 0)
			d->subsys_device = (uint16_t)v;
	}
	/* The kernel only gives display controllers a boot_vga attribute. */
	if ((d->class_code >> 16) == 0x03 && read_attr_hex_at(dfd, "boot_vga", 1, &v) == 0)
		d->boot_vga = (int)v;
	if (read_attr_at(dfd, "reset_method", &s) == 0) {
		if (*s)
			d->reset_method = s;
		else
			free(s);
	}
	d->header_type = header_type_from(dfd, d->class_code);
	if (d->header_type == 1 || d->header_type == 2) {
		d->flags |= DEV_BRIDGE;
		read_port(pacc, dfd, d);
	}
	read_parent(dir, d);  /* dir is the bus/pci/devices link */
	read_sriov(dfd, dir, d, log);
	d->group_link = read_group_link(dfd);

	d->vendor_name = lookup(pacc, PCI_LOOKUP_VENDOR, d->vendor, 0, 0, 0);
	d->device_name = lookup(pacc, PCI_LOOKUP_DEVICE, d->vendor, d->device, 0, 0);
	d->class_name = lookup(pacc, PCI_LOOKUP_CLASS, (int)(d->class_code >> 8), 0, 0, 0);
	if (d->subsys_vendor && d->subsys_vendor != 0xffff)
		d->subsys_name = lookup(pacc, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
				       d->vendor, d->device, d->subsys_vendor, d->subsys_device);
out:
	if (dfd >= 0)
		close(dfd);
	free(dir);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir but . and .., sorted into names. 0 or -errno. */
static int list_sorted(const char *dir, struct strv *names)
{
	struct dirent *e;
	DIR *dd = opendir(dir);

	if (!dd)
		return -errno;
	while ((e = readdir(dd)))
		if (e->d_name[0] != '.')
			strv_push(names, e->d_name);
	closedir(dd);
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(char *), cmp_name);
	return 0;
}

int pci_scan(const struct sysroot *sr, struct inventory *inv, struct log *log)
{
	char *bus = path_join(sr->sysfs, "bus/pci");
	char *devdir = path_join(bus, "devices");
	struct pci_access *pacc;
	struct strv names = {0};
	int r;

	r = list_sorted(devdir, &names);
	if (r < 0) {
		r = r == -ENOENT ? -ENOTDIR : r;
		goto out;
	}

	pacc = pci_alloc();
	pacc->error = on_pci_error;
	pacc->warning = on_pci_warning;
	pacc->debug = on_pci_debug;
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_log = log;
	pci_set_param(pacc, (char *)"sysfs.path", bus);
	/* Names from pci.ids alone: the same everywhere, and without udev's
	 * hwdb.bin libpci retries five paths on every unknown subsystem. */
	pci_set_param(pacc, (char *)"hwdb.disable", (char *)"1");
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
		const struct device *d = &inv->devices[i];

		if (d->group_link == -1 || d->group_link == d->group)
			continue;
		if (d->group_link == -2)
			log_warn(log, "%s/bus/pci/devices/%s/iommu_group: not a link to a group", sr->sysfs,
				 d->addr_str);
		else if (d->group < 0)
			log_warn(log, "%s/bus/pci/devices/%s/iommu_group: points to group %d, which does not list it",
				 sr->sysfs, d->addr_str, d->group_link);
		else
			log_warn(log, "%s/bus/pci/devices/%s/iommu_group: says %d, %s lists it in group %d",
				 sr->sysfs, d->addr_str, d->group_link, gdir, d->group);
	}
	free(gdir);
}

void pci_scan_slots(const struct sysroot *sr, struct inventory *inv)
{
	char *sdir = path_join(sr->sysfs, "bus/pci/slots");
	struct strv names = {0};

	/* sorted: the same answer whatever order readdir gives */
	if (list_sorted(sdir, &names) < 0)
		goto out;
	for (size_t i = 0; i < names.n; i++) {
		char *dir = path_join(sdir, names.v[i]), *addr = NULL;
		unsigned dom, bus, dev;
		char end;

		if (read_attr(dir, "address", &addr) == 0 &&
		    sscanf(addr, "%x:%x:%x%c", &dom, &bus, &dev, &end) == 3)
			for (size_t k = 0; k < inv->n_devices; k++) {
				struct device *d = &inv->devices[k];
				if (!d->slot && d->addr.domain == dom && d->addr.bus == bus && d->addr.dev == dev)
					d->slot = xstrdup(names.v[i]);
			}
		free(addr);
		free(dir);
	}
out:
	strv_free(&names);
	free(sdir);
}
