/* inventory.c - the model of one machine. */
#include "config.h"

#include "core/inventory.h"
#include "core/cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexfield(const char **p, unsigned max_digits, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	unsigned n = 0;

	while (isxdigit((unsigned char)**p) && n < max_digits) {
		int c = tolower((unsigned char)**p);
		v = v * 16 + (unsigned long)(isdigit(c) ? c - '0' : c - 'a' + 10);
		(*p)++;
		n++;
	}
	if (n == 0 || isxdigit((unsigned char)**p) || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pci_addr_parse(const char *s, struct pci_addr *out)
{
	const char *p = s;
	unsigned long a, b, c, d;

	if (hexfield(&p, 8, 0xffffffffUL, &a) < 0 || *p++ != ':')
		return -EINVAL;
	if (hexfield(&p, 2, 0xff, &b) < 0)
		return -EINVAL;
	if (*p == ':') {
		p++;
		if (hexfield(&p, 2, 0x1f, &c) < 0 || *p++ != '.' || hexfield(&p, 1, 7, &d) < 0 || *p)
			return -EINVAL;
		out->domain = (uint32_t)a;
		out->bus = (uint8_t)b;
		out->dev = (uint8_t)c;
		out->func = (uint8_t)d;
		return 0;
	}
	/* short form BB:DD.F */
	if (a > 0xff || b > 0x1f || *p++ != '.' || hexfield(&p, 1, 7, &d) < 0 || *p)
		return -EINVAL;
	out->domain = 0;
	out->bus = (uint8_t)a;
	out->dev = (uint8_t)b;
	out->func = (uint8_t)d;
	return 0;
}

void pci_addr_format(const struct pci_addr *a, char *buf)
{
	snprintf(buf, PCI_ADDR_STRLEN, "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev, a->func);
}

int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->func != b->func)
		return a->func < b->func ? -1 : 1;
	return 0;
}

bool pci_addr_same_slot(const struct pci_addr *a, const struct pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

struct device *inventory_add_device(struct inventory *inv, const struct pci_addr *addr)
{
	void *p = inv->devices;
	struct device *d;

	xgrow(&p, &inv->cap_devices, inv->n_devices + 1, sizeof(*inv->devices));
	inv->devices = p;
	d = &inv->devices[inv->n_devices++];
	memset(d, 0, sizeof(*d));
	d->addr = *addr;
	pci_addr_format(addr, d->addr_str);
	d->revision = -1;
	d->header_type = -1;
	d->boot_vga = -1;
	d->group = -1;
	d->group_link = -1;
	return d;
}

static int cmp_device(const void *a, const void *b)
{
	return pci_addr_cmp(&((const struct device *)a)->addr, &((const struct device *)b)->addr);
}

static int cmp_group(const void *a, const void *b)
{
	int x = ((const struct iommu_group *)a)->id, y = ((const struct iommu_group *)b)->id;

	return (x > y) - (x < y);
}

void inventory_finish(struct inventory *inv)
{
	size_t cap = 0;

	/* Rebuilt from scratch: callers finish again after groups are read. */
	for (size_t i = 0; i < inv->n_groups; i++)
		free(inv->groups[i].members);
	free(inv->groups);
	inv->groups = NULL;
	inv->n_groups = 0;
	if (inv->n_devices > 1)
		qsort(inv->devices, inv->n_devices, sizeof(*inv->devices), cmp_device);
	/* Devices are sorted, so each group's members come out sorted too. */
	for (size_t i = 0; i < inv->n_devices; i++) {
		int id = inv->devices[i].group;
		struct iommu_group *g = NULL;

		if (id < 0)
			continue;
		for (size_t k = inv->n_groups; k > 0; k--)
			if (inv->groups[k - 1].id == id) {
				g = &inv->groups[k - 1];
				break;
			}
		if (!g) {
			void *p = inv->groups;
			xgrow(&p, &cap, inv->n_groups + 1, sizeof(*inv->groups));
			inv->groups = p;
			g = &inv->groups[inv->n_groups++];
			memset(g, 0, sizeof(*g));
			g->id = id;
		}
		g->members = xrealloc(g->members, (g->n_members + 1) * sizeof(size_t));
		g->members[g->n_members++] = i;
	}
	if (inv->n_groups > 1)
		qsort(inv->groups, inv->n_groups, sizeof(*inv->groups), cmp_group);
}

struct device *inventory_find(const struct inventory *inv, const struct pci_addr *addr)
{
	size_t lo = 0, hi = inv->n_devices;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = pci_addr_cmp(addr, &inv->devices[mid].addr);
		if (c == 0)
			return &inv->devices[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

struct device *inventory_find_str(const struct inventory *inv, const char *addr)
{
	struct pci_addr a;

	if (pci_addr_parse(addr, &a) < 0)
		return NULL;
	return inventory_find(inv, &a);
}

void inventory_vfs_of(const struct inventory *inv, const struct device *pf, struct strv *out)
{
	for (size_t i = 0; i < inv->n_devices; i++)
		if (inv->devices[i].has_physfn && pci_addr_cmp(&inv->devices[i].physfn, &pf->addr) == 0)
			strv_push(out, inv->devices[i].addr_str);
}

const struct iommu_group *inventory_group(const struct inventory *inv, int id)
{
	size_t lo = 0, hi = inv->n_groups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (inv->groups[mid].id == id)
			return &inv->groups[mid];
		if (id < inv->groups[mid].id)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool inventory_iommu_enabled(const struct inventory *inv)
{
	return inv->host.iommu_groups;
}

static void device_free(struct device *d)
{
	free(d->vendor_name);
	free(d->device_name);
	free(d->class_name);
	free(d->subsys_name);
	free(d->driver);
	free(d->modalias);
	free(d->vfio_variant);
	free(d->reset_method);
	free(d->slot);
	strv_free(&d->modules);
	strv_free(&d->reasons);
	strv_free(&d->same_id);
}

bool driver_is_vfio(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n)
		return false;
	if (strcmp(name, "vfio-pci") == 0 || strcmp(name, "vfio_pci") == 0)
		return true;
	return n > 9 && (strcmp(name + n - 9, "_vfio_pci") == 0 || strcmp(name + n - 9, "-vfio-pci") == 0);
}

bool driver_is_vfio_variant(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 9 && strcmp(name + n - 9, "_vfio_pci") == 0;
}

void inventory_free(struct inventory *inv)
{
	struct host_facts *h = &inv->host;

	for (size_t i = 0; i < inv->n_devices; i++)
		device_free(&inv->devices[i]);
	free(inv->devices);
	for (size_t i = 0; i < inv->n_groups; i++)
		free(inv->groups[i].members);
	free(inv->groups);
	free(h->cmdline);
	free(h->running_kernel);
	for (size_t i = 0; i < h->n_kernels; i++)
		free(h->kernels[i].version);
	free(h->kernels);
	for (size_t i = 0; i < h->n_mounts; i++) {
		free(h->mounts[i].target);
		free(h->mounts[i].source);
		strv_free(&h->mounts[i].pci);
	}
	free(h->mounts);
	free(h->ssh_iface);
	free(h->ssh_local);
	strv_free(&h->ssh_pci);
	free(h->bootfb_name);
	memset(inv, 0, sizeof(*inv));
}

const char *cpu_vendor_name(enum cpu_vendor v)
{
	switch (v) {
	case CPU_INTEL:
		return "Intel";
	case CPU_AMD:
		return "AMD";
	default:
		return "unknown";
	}
}

enum cpu_vendor host_iommu_vendor(const struct host_facts *h)
{
	return h->iommu_vendor != CPU_UNKNOWN ? h->iommu_vendor : h->cpu;
}

const char *host_iommu_param(const struct host_facts *h)
{
	return cpu_iommu_param(host_iommu_vendor(h));
}

bool host_booted_with_iommu_param(const struct host_facts *h)
{
	const char *param = host_iommu_param(h);
	struct cmdline cl;
	bool has;

	if (!param)
		return false;
	cmdline_parse(&cl, h->cmdline ? h->cmdline : "");
	has = cmdline_has(&cl, param);
	cmdline_free(&cl);
	return has;
}

const char *cpu_iommu_param(enum cpu_vendor v)
{
	switch (v) {
	case CPU_INTEL:
		return "intel_iommu=on";
	case CPU_AMD:
		/* amd_iommu= has no "on": the kernel turns the AMD IOMMU on
		 * by itself when the firmware enables it */
		return NULL;
	default:
		return NULL;
	}
}
