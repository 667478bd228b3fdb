/* analysis.c - pure judgements over an inventory. */
#include "config.h"

#include "core/analysis.h"
#include "core/i18n.h"

#include <stdlib.h>
#include <string.h>

static int cmp_by_id(const void *a, const void *b, void *ctx)
{
	const struct device *dv = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uint32_t kx = (uint32_t)dv[x].vendor << 16 | dv[x].device;
	uint32_t ky = (uint32_t)dv[y].vendor << 16 | dv[y].device;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return (x > y) - (x < y);
}

static void mark_same_id(struct inventory *inv)
{
	/* Sort indices by ID and walk runs: big hosts make n^2 hurt. */
	size_t n = inv->n_devices;
	size_t *idx = xmalloc(n * sizeof(size_t));
	struct device *dv = inv->devices;

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(size_t), cmp_by_id, dv);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && dv[idx[j]].vendor == dv[idx[i]].vendor &&
		       dv[idx[j]].device == dv[idx[i]].device)
			j++;
		/* Bridges (class 06) are never bound to vfio-pci: their twins
		 * cannot be grabbed by ids=. Count the run's endpoints once and
		 * name the first few, so identical VFs by the hundred stay linear. */
		size_t ends = 0, first[SAME_ID_LIST_MAX + 1];
		for (size_t a = i; a < j; a++)
			if ((dv[idx[a]].class_code >> 16) != 0x06) {
				if (ends < SAME_ID_LIST_MAX + 1)
					first[ends] = idx[a];
				ends++;
			}
		for (size_t a = i; ends > 1 && a < j; a++) {
			struct device *d = &dv[idx[a]];
			if ((d->class_code >> 16) == 0x06)
				continue;
			d->flags |= DEV_SAME_ID;
			d->same_id_count = ends - 1;
			strv_free(&d->same_id);
			for (size_t b = 0; b < ends && b < SAME_ID_LIST_MAX + 1; b++)
				if (first[b] != idx[a] && d->same_id.n < SAME_ID_LIST_MAX)
					strv_push(&d->same_id, dv[first[b]].addr_str);
		}
		i = j;
	}
	free(idx);
}

static unsigned mount_flag(const char *target)
{
	if (strcmp(target, "/") == 0)
		return DEV_ROOT_DISK;
	if (strcmp(target, "/boot") == 0 || strcmp(target, "/boot/efi") == 0 ||
	    strcmp(target, "/efi") == 0)
		return DEV_BOOT_DISK;
	if (strcmp(target, "swap") == 0)
		return DEV_SWAP_DISK;
	return DEV_MOUNT_DISK;
}

static void add_reason(struct device *d, unsigned flag, const char *reason)
{
	d->flags |= flag;
	strv_push_unique(&d->reasons, reason);
}

const char *analysis_platform_kind(const struct device *d)
{
	if (d->header_type == 1 || d->header_type == 2)
		return NULL; /* a bridge: structure already */
	switch (d->class_code >> 8) {
	case 0x0600: return N_("host bridge");
	case 0x0601: return N_("ISA bridge (LPC)");
	case 0x0602: return N_("EISA bridge");
	case 0x0603: return N_("MCA bridge");
	case 0x0800: return N_("interrupt controller");
	case 0x0801: return N_("DMA controller");
	case 0x0802: return N_("system timer");
	case 0x0803: return N_("RTC controller");
	case 0x0806: return N_("IOMMU");
	case 0x0807: return N_("root complex event collector");
	case 0x0c05: return N_("SMBus controller");
	}
	if ((d->class_code >> 16) == 0x05)
		return N_("memory controller");
	return NULL;
}

const char *analysis_class_short(const struct device *d)
{
	static const struct {
		unsigned cls; /* base << 8 | sub */
		const char *s;
	} t[] = {
		{0x0100, "SCSI"},   {0x0101, "IDE"},    {0x0104, "RAID"},   {0x0106, "SATA"},   {0x0107, "SAS"},
		{0x0108, "NVMe"},   {0x0200, "NIC"},    {0x0207, "IB"},     {0x0280, "Net"},    {0x0300, "GPU"},
		{0x0301, "GPU"},    {0x0302, "GPU"},    {0x0380, "GPU"},    {0x0401, "Audio"},  {0x0403, "Audio"},
		{0x0480, "Media"},  {0x0600, "Host"},   {0x0601, "ISA"},    {0x0604, "Bridge"}, {0x0609, "Bridge"},
		{0x0700, "Serial"}, {0x0780, "Comm"},   {0x0805, "SD"},     {0x0806, "IOMMU"},  {0x0807, "RCEC"},
		{0x0880, "System"}, {0x0c03, "USB"},    {0x0c04, "FC"},     {0x0c05, "SMBus"},  {0x0c07, "IPMI"},
		{0x0c80, "SerBus"}, {0x0d11, "BT"},     {0x1080, "Crypto"}, {0x1101, "Signal"}, {0x1180, "Signal"},
		{0x1200, "Accel"},  {0x0b40, "Coproc"},
	};
	unsigned cls = d->class_code >> 8;

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i].cls == cls)
			return t[i].s;
	switch (cls >> 8) {
	case 0x01: return "Disk";
	case 0x02: return "Net";
	case 0x03: return "GPU";
	case 0x04: return "Media";
	case 0x05: return "Memory";
	case 0x06: return "Bridge";
	case 0x0c: return "Bus";
	}
	return "";
}

long analysis_group_platform(const struct inventory *inv, const struct device *d)
{
	const struct iommu_group *g = d->group >= 0 ? inventory_group(inv, d->group) : NULL;

	for (size_t k = 0; g && k < g->n_members; k++)
		if (&inv->devices[g->members[k]] != d && (inv->devices[g->members[k]].flags & DEV_PLATFORM))
			return (long)g->members[k];
	return -1;
}

void analysis_run(struct inventory *inv)
{
	struct host_facts *h = &inv->host;

	mark_same_id(inv);
	for (size_t i = 0; i < inv->n_devices; i++) {
		struct device *d = &inv->devices[i];
		if (analysis_platform_kind(d))
			d->flags |= DEV_PLATFORM;
		if (d->boot_vga == 1)
			add_reason(d, DEV_BOOT_VGA, _("boot VGA: the firmware console and early boot display"));
	}
	for (size_t m = 0; m < h->n_mounts; m++) {
		const struct mount_info *mi = &h->mounts[m];
		for (size_t k = 0; k < mi->pci.n; k++) {
			struct device *d = inventory_find_str(inv, mi->pci.v[k]);
			char *r;
			if (!d)
				continue;
			if (strcmp(mi->target, "swap") == 0)
				r = xasprintf(_("holds swap (%s)"), mi->source);
			else
				r = xasprintf(_("holds %s (%s)%s"), mi->target, mi->source,
					      mi->from_fstab_only ? _(", listed in fstab") : "");
			add_reason(d, mount_flag(mi->target), r);
			free(r);
		}
	}
	for (size_t k = 0; k < h->ssh_pci.n; k++) {
		struct device *d = inventory_find_str(inv, h->ssh_pci.v[k]);
		char *r;
		if (!d)
			continue;
		r = xasprintf(_("carries this SSH session (%s, %s)"), h->ssh_iface ? h->ssh_iface : "?",
			      h->ssh_local ? h->ssh_local : "?");
		add_reason(d, DEV_SSH_NIC, r);
		free(r);
	}
}

bool analysis_device_harmless(const struct device *d)
{
	if (d->flags & DEV_BRIDGE)
		return true;
	if (d->flags & DEV_HOST_CRITICAL)
		return false;
	if (d->driver)
		return strcmp(d->driver, "pci-stub") == 0 || driver_is_vfio(d->driver);
	return d->modules.n == 0;
}

void analysis_group_summary(const struct inventory *inv, const struct iommu_group *g,
			    struct group_summary *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < g->n_members; k++) {
		const struct device *d = &inv->devices[g->members[k]];
		bool new_slot = true;

		if (d->flags & DEV_HOST_CRITICAL)
			out->host_critical++;
		if (d->flags & DEV_PLATFORM)
			out->platform++;
		if (d->flags & DEV_BRIDGE) {
			out->bridges++;
			continue;
		}
		out->endpoints++;
		for (size_t j = 0; j < k; j++) {
			const struct device *e = &inv->devices[g->members[j]];
			if (!(e->flags & DEV_BRIDGE) && pci_addr_same_slot(&e->addr, &d->addr))
				new_slot = false;
		}
		if (new_slot)
			out->slots++;
	}
}

static void push_issue(struct selection_issue **v, size_t *n, size_t *cap, size_t dev, int kind,
		       size_t because)
{
	void *p = *v;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].device == dev && (int)(*v)[i].kind == kind)
			return;
	xgrow(&p, cap, *n + 1, sizeof(**v));
	*v = p;
	(*v)[*n].device = dev;
	(*v)[*n].kind = kind;
	(*v)[*n].because = because;
	(*n)++;
}

size_t analysis_check_selection(const struct inventory *inv, const bool *selected,
				struct selection_issue **issues)
{
	size_t n = 0, cap = 0;

	*issues = NULL;
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *d = &inv->devices[i];
		const struct iommu_group *g;

		if (!selected[i])
			continue;
		if (d->flags & DEV_HOST_CRITICAL)
			push_issue(issues, &n, &cap, i, ISSUE_REFUSED, i);
		for (size_t j = 0; j < inv->n_devices; j++)
			if (j != i && !selected[j] && pci_addr_same_slot(&inv->devices[j].addr, &d->addr) &&
			    !(inv->devices[j].flags & DEV_BRIDGE))
				push_issue(issues, &n, &cap, j, ISSUE_COMPANION, i);
		if (d->group < 0) {
			push_issue(issues, &n, &cap, i, ISSUE_NO_GROUP, i);
			continue;
		}
		g = inventory_group(inv, d->group);
		for (size_t k = 0; g && k < g->n_members; k++) {
			size_t j = g->members[k];
			if (!selected[j] && !analysis_device_harmless(&inv->devices[j]))
				push_issue(issues, &n, &cap, j, ISSUE_DRAGGED, i);
		}
	}
	return n;
}
