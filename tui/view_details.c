/* view_details.c - one device: IDs, drivers, reset, its group, and why
 * it stays with the host. */
#include "config.h"

#include "core/analysis.h"
#include "core/i18n.h"
#include "tui/report.h"
#include "tui/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a reset method means for a device handed from VM to VM. */
static const char *reset_meaning(const char *m)
{
	static const struct {
		const char *m, *say;
	} t[] = {
		{"flr", N_(" (function level reset: the device resets itself, alone)")},
		{"pm", N_(" (power state D3hot and back: some devices do not really reset this way)")},
		{"bus", N_(" (secondary bus reset: every device behind the same bridge is reset with it)")},
		{"device_specific", N_(" (a reset the kernel knows for this device)")},
		{"acpi", N_(" (the firmware's ACPI _RST method)")},
		{"cxl_bus", N_(" (CXL bus reset)")},
	};
	char first[32];

	if (!m)
		return _(" (it cannot be reset between VMs: a host reboot may be needed)");
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(m, " "), m);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (strcmp(first, t[i].m) == 0)
			return _(t[i].say);
	return "";
}

/* From the CPU down to d: each bridge on the way with its kind and
 * whether ACS keeps the devices below it apart (what decides the groups). */
static void pcie_path(struct tui *t, const struct device *d, struct strbuf *sb)
{
	const struct device *hops[16];
	size_t n = 0;

	for (const struct device *p = d; p->has_parent && n < ARRAY_SIZE(hops);) {
		p = inventory_find(t->inv, &p->parent);
		if (!p)
			break;
		hops[n++] = p;
	}
	if (!n)
		return;
	strbuf_puts(sb, _("PCIe path, from the CPU:\n"));
	for (size_t i = n; i > 0; i--) {
		const struct device *b = hops[i - 1];
		const char *kind = !b->has_pcie ? _("PCI bridge")
				 : b->pcie_type == 4 ? _("root port")
				 : b->pcie_type == 5 ? _("switch upstream port")
				 : b->pcie_type == 6 ? _("switch downstream port")
						     : _("PCIe bridge");
		const char *acs = !b->has_acs ? _("no ACS: the devices below it are not kept apart")
				  : (b->acs_ctrl & ACS_ISOLATING) == ACS_ISOLATING
					  ? _("ACS on: the devices below it are kept apart")
					  : _("ACS present but not enabled: the devices below it are not kept apart");
		strbuf_printf(sb, "  %s %s: %s\n", tui_addr(t, b), b->port_read ? kind : _("bridge"),
			      b->port_read  ? acs
			      : geteuid() ? _("ACS unknown (its config space needs root to read)")
					  : _("ACS unknown (its extended config space could not be read)"));
	}
	strbuf_printf(sb, "  %s %s\n", tui_addr(t, d), _("this device"));
}

void details_open(struct tui *t, size_t dev)
{
	const struct device *d = &t->inv->devices[dev];
	struct strbuf sb = {0};
	char title[96];

	strbuf_printf(&sb, "%s\n%s: %s\n", d->device_name ? d->device_name : "?", _("Vendor"),
		      d->vendor_name ? d->vendor_name : "?");
	strbuf_printf(&sb, "%s: %s [%04x]\n", _("Class"), d->class_name ? d->class_name : "?", d->class_code >> 8);
	strbuf_printf(&sb, "IDs: [%04x:%04x]", d->vendor, d->device);
	if (d->subsys_vendor)
		strbuf_printf(&sb, "  %s [%04x:%04x] %s", _("subsystem"), d->subsys_vendor, d->subsys_device,
			      d->subsys_name ? d->subsys_name : "");
	strbuf_printf(&sb, "\n%s: %s\n", _("Driver in use"), d->driver ? d->driver : _("none"));
	if (!(d->flags & DEV_BRIDGE)) {
		/* what the files make of it at the next boot, and which line says so */
		const struct eff_device *e = &app_effective(t->app)[dev];
		char *desc = effective_describe(e);
		strbuf_printf(&sb, "%s: %s%s\n", _("After reboot"), desc, app_by_hand(e) ? _(" (set up by hand)") : "");
		free(desc);
	}
	strbuf_puts(&sb, _("Modules that could drive it:"));
	for (size_t i = 0; i < d->modules.n; i++)
		strbuf_printf(&sb, " %s", d->modules.v[i]);
	strbuf_printf(&sb, "\n%s: %s%s\n", _("Reset method"), d->reset_method ? d->reset_method : _("none reported"),
		      reset_meaning(d->reset_method));
	if (strcmp(t->inv->host.bootfb_dev, d->addr_str) == 0)
		strbuf_printf(&sb,
			      _("Boot framebuffer: the firmware's console (%s in /proc/iomem) lies in this device's "
				"memory; vfio-pci cannot reserve that BAR while the host draws into it (dmesg: \"can't "
				"reserve [mem ...]\"); on kernels since 5.15, initcall_blacklist=sysfb_init keeps the host "
				"off it\n"),
			      t->inv->host.bootfb_name);
	pcie_path(t, d, &sb);
	if (d->group >= 0) {
		const struct iommu_group *g = inventory_group(t->inv, d->group);
		strbuf_printf(&sb, _("IOMMU group %d:\n"), d->group);
		for (size_t k = 0; g && k < g->n_members; k++) {
			const struct device *m = &t->inv->devices[g->members[k]];
			strbuf_printf(&sb, "  %s %s%s\n", m->addr_str, m->device_name ? m->device_name : "?",
				      m->flags & DEV_BRIDGE ? _(" (bridge)") : "");
		}
	} else {
		strbuf_puts(&sb, _("In no IOMMU group.\n"));
	}
	if (t->inv->host.irq_remap == IRQ_REMAP_ON)
		strbuf_puts(&sb, _("Interrupt remapping: on (the host's): the device's interrupts reach only its VM\n"));
	else if (t->inv->host.irq_remap == IRQ_REMAP_OFF)
		strbuf_printf(&sb, "%s\n", report_irq_remap_off());
	else
		strbuf_puts(&sb, _("Interrupt remapping: unknown (/proc/interrupts could not be read)\n"));
	for (size_t i = 0; i < d->reasons.n; i++)
		strbuf_printf(&sb, "%s: %s\n", _("Stays with the host"), d->reasons.v[i]);
	if (d->flags & DEV_PLATFORM)
		strbuf_printf(&sb, _("Stays with the host: a platform function (%s), part of the chipset\n"),
			      _(analysis_platform_kind(d)));
	if (d->has_physfn) {
		char pf[PCI_ADDR_STRLEN];
		pci_addr_format(&d->physfn, pf);
		strbuf_printf(&sb, _("SR-IOV: a virtual function of %s; it goes to a VM alone\n"), pf);
	} else if (d->flags & DEV_SRIOV_PF) {
		struct strv vfs = {0};
		strbuf_puts(&sb, _("SR-IOV: the physical function of"));
		inventory_vfs_of(t->inv, d, &vfs);
		for (size_t i = 0; i < vfs.n; i++)
			strbuf_printf(&sb, " %s", vfs.v[i]);
		strbuf_putc(&sb, '\n');
		strv_free(&vfs);
	}
	if (d->vfio_variant)
		strbuf_printf(&sb, _("VFIO driver: %s, the kernel's variant driver for it (bound by address)\n"),
			      d->vfio_variant);
	if (d->same_id_count)
		strbuf_printf(&sb, _("Same vendor:device as %zu other device(s): it is bound by address, not by ID.\n"),
			      d->same_id_count);
	snprintf(title, sizeof(title), "%s %s", _("Device"), d->addr_str);
	text_open(t, &details_view, title, sb.buf);
	strbuf_free(&sb);
}

const struct view details_view = {"details", text_draw, text_act};
