/* export.c - libvirt <hostdev> elements and Proxmox VE mapping lines for
 * the devices that go to VFIO.
 *
 * What each hypervisor accepts was read in its own sources:
 *  - libvirt 9.0 (Debian 12), /usr/share/libvirt/schemas/domaincommon.rng:
 *    hostdevsubsyspci allows <driver name='kvm|vfio|xen'/> and no model
 *    attribute. <driver model='...'/> for a vfio variant driver came with
 *    libvirt 10.0 (NEWS.rst), which also picks the variant by itself for
 *    managed='yes' from the running kernel's modules.alias.
 *  - Proxmox VE: pve-guest-common src/PVE/Mapping/PCI.pm (the map's fields
 *    and assert_valid, which compares them with sysfs at guest start),
 *    pve-common src/PVE/JSONSchema.pm (pve-configid, pve-node),
 *    qemu-server src/PVE/QemuServer/PCI.pm (hostpciN, driver=keep).
 */
#include "config.h"

#include "core/export.h"

#include <errno.h>
#include <string.h>

/* Text from pci.ids or sysfs inside a comment: printable ASCII only, so a
 * name can neither end a '#' line nor, in XML, hold the "--" a comment
 * must not contain. */
static void put_text(struct strbuf *out, const char *s, bool xml)
{
	for (; s && *s; s++) {
		char c = (unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ? '?' : *s;
		if (xml && c == '-' && out->len && out->buf[out->len - 1] == '-')
			c = ' ';
		strbuf_putc(out, c);
	}
}

/* "0000:01:00.0 [10de:1f02] TU106 [GeForce RTX 2070]" */
static void put_label(struct strbuf *out, const struct device *d, bool xml)
{
	strbuf_printf(out, "%s [%04x:%04x] ", d->addr_str, d->vendor, d->device);
	put_text(out, d->device_name ? d->device_name : "?", xml);
}

static const char *drv_of(const char *const *driver, size_t i)
{
	return driver ? driver[i] : NULL;
}

/* ---- libvirt ---- */

/* One element per function, with no guest <address>: libvirt gives each
 * its own guest slot. Keeping a card's functions together in one guest
 * slot takes an <address type='pci' ... multifunction='on'/> with a bus
 * and slot of the domain's own, which only the domain's XML can say are
 * free (q35's root ports or i440fx's bus 0); the guest drivers work
 * either way. */
static void libvirt_hostdev(struct strbuf *out, const struct device *d, const char *drv)
{
	strbuf_puts(out, "<!-- ");
	put_label(out, d, true);
	if (d->group >= 0)
		strbuf_printf(out, ", IOMMU group %d", d->group);
	if (drv) {
		/* the variant: what 9.0 accepts, and what later versions do */
		strbuf_puts(out, ",\n     on its vfio variant driver ");
		put_text(out, drv, true);
		strbuf_puts(out, ". With managed='yes', libvirt 10.0 and later\n"
				 "     bind that driver themselves (the kernel's modules.alias names it), and\n"
				 "     <driver model='");
		put_text(out, drv, true);
		strbuf_puts(out, "'/> in this element insists on it; libvirt\n"
				 "     before 10.0 (Debian 12 has 9.0) rejects that attribute and, for\n"
				 "     managed='yes', puts plain vfio-pci in its place while the domain runs.");
	}
	strbuf_puts(out, " -->\n");
	strbuf_printf(out,
		      "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
		      "  <source>\n"
		      "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
		      "  </source>\n"
		      "</hostdev>\n",
		      (unsigned)d->addr.domain, d->addr.bus, d->addr.dev, d->addr.func);
}

/* No "--" in a comment (XML 1.0 production 15): virsh's options are
 * named without their dashes. */
void export_libvirt(const struct inventory *inv, const bool *sel, const char *const *driver, struct strbuf *out)
{
	strbuf_puts(out,
		    "<!-- vfioconf export libvirt: the PCI functions this host gives to VFIO, one\n"
		    "     <hostdev> element each, for a QEMU/KVM domain. Paste them inside the\n"
		    "     domain's <devices> (virsh edit DOMAIN), or save each element to a file for\n"
		    "     virsh attach-device DOMAIN FILE (its config option keeps it in the domain's\n"
		    "     definition). Functions that share an IOMMU group go to one domain together. -->\n");
	for (size_t i = 0; i < inv->n_devices; i++)
		if (sel[i])
			libvirt_hostdev(out, &inv->devices[i], drv_of(driver, i));
}

/* ---- Proxmox VE ---- */

/* One mapping: a whole card (path without a function: Proxmox passes
 * every function of the slot, at one guest slot, and checks the ids of
 * function 0) or one function. */
struct pve_entry {
	const struct device *d; /* the function, or the card's function 0 */
	size_t n_func;          /* functions in it */
	bool whole;
	const char *drv;        /* the variant driver, or NULL */
};

/* The mapping's name: pve-configid is [a-z][a-z0-9_-]+ (case-insensitive,
 * JSONSchema.pm's $CONFIGID_RE), so the address with '-' for ':' and '.'
 * behind a letter. The same on every node, as a cluster mapping's name
 * is meant to be, when the card sits at the same address. */
static void pve_name(struct strbuf *out, const struct pve_entry *e)
{
	const struct pci_addr *a = &e->d->addr;

	strbuf_printf(out, "pci-%04x-%02x-%02x", (unsigned)a->domain, a->bus, a->dev);
	if (!e->whole)
		strbuf_printf(out, "-%x", a->func);
}

/* path: PCI_RE in Mapping/PCI.pm, [a-f0-9]{4,}:[a-f0-9]{2}:[a-f0-9]{2}
 * then .F for one function; lower case, as sysfs names devices. */
static void pve_path(struct strbuf *out, const struct pve_entry *e)
{
	const struct pci_addr *a = &e->d->addr;

	strbuf_printf(out, "%04x:%02x:%02x", (unsigned)a->domain, a->bus, a->dev);
	if (!e->whole)
		strbuf_printf(out, ".%x", a->func);
}

static void pve_render(struct strbuf *out, const struct pve_entry *e, const char *node, size_t n)
{
	const struct device *d = e->d;
	const char *hash = n < EXPORT_PVE_MAX_HOSTPCI ? "" : "# ";
	const char *keep = e->drv ? ",driver=keep" : "";

	strbuf_puts(out, "\n# ");
	if (e->whole)
		strbuf_printf(out, "the whole card, %zu functions, from ", e->n_func);
	put_label(out, d, false);
	if (d->group >= 0)
		strbuf_printf(out, ", IOMMU group %d", d->group);
	strbuf_puts(out, "\npvesh create /cluster/mapping/pci --id ");
	pve_name(out, e);
	strbuf_printf(out, " --map node=%s,path=", node ? node : "NODE");
	pve_path(out, e);
	/* assert_valid wants subsystem-id whenever sysfs has the attribute,
	 * which the kernel gives every PCI function: 0000:0000 is a value */
	strbuf_printf(out, ",id=%04x:%04x,subsystem-id=%04x:%04x", d->vendor, d->device, d->subsys_vendor,
		      d->subsys_device);
	if (d->group >= 0)
		strbuf_printf(out, ",iommugroup=%d", d->group);
	strbuf_putc(out, '\n');
	if (*hash)
		strbuf_printf(out, "# A VM has hostpci0 to hostpci%d: this one goes to another VM.\n",
			      EXPORT_PVE_MAX_HOSTPCI - 1);
	strbuf_printf(out, "%sqm set VMID -hostpci%zu mapping=", hash, n);
	pve_name(out, e);
	strbuf_printf(out, "%s\n# or, without the mapping: qm set VMID -hostpci%zu ", keep, n);
	pve_path(out, e);
	strbuf_printf(out, "%s\n", keep);
	if ((d->class_code >> 8) == 0x0300)
		strbuf_puts(out, "# As the VM's primary display: add ,x-vga=1 to the hostpci value.\n");
	if (e->drv) {
		/* qemu-server binds vfio-pci by new_id and bind unless told to
		 * keep the driver; the kernel refuses that bind while
		 * driver_override names another driver, as vfioconf-bind set it */
		strbuf_puts(out, "# On its vfio variant driver ");
		put_text(out, e->drv, false);
		strbuf_puts(out, ": driver=keep leaves it there\n"
				 "# (qemu-server 9.0.25 and later, Proxmox VE 9). Earlier versions reject\n"
				 "# driver=keep; without it they unbind the device and cannot bind vfio-pci,\n"
				 "# which its driver_override keeps out: the VM does not start.\n");
	}
}

/* Every function of the slot at devices[s] (s, e: its range) goes, on
 * the same driver, and function 0 is there. */
static bool whole_card(const struct inventory *inv, const bool *sel, const char *const *driver, size_t s, size_t e)
{
	if (e - s < 2 || inv->devices[s].addr.func != 0)
		return false;
	for (size_t k = s; k < e; k++) {
		const char *a = drv_of(driver, k), *b = drv_of(driver, s);
		if (!sel[k] || (a != b && (!a || !b || strcmp(a, b) != 0)))
			return false;
	}
	return true;
}

void export_proxmox(const struct inventory *inv, const bool *sel, const char *const *driver, const char *node,
		    struct strbuf *out)
{
	size_t n = 0;

	strbuf_puts(out, "# vfioconf export proxmox: the PCI devices this host gives to VFIO, as\n"
			 "# Proxmox VE resource mappings (Datacenter > Resource Mappings, Proxmox VE 8\n"
			 "# and later). Run each pvesh line once, as root, on this node (");
	strbuf_puts(out, node ? node : "NODE");
	strbuf_puts(out, "); then\n"
			 "# give the device to a VM with the qm line, VMID being the VM's ID.\n");
	if (!node)
		strbuf_puts(out, "# NODE: this node's name (hostname -s), which vfioconf could not read.\n");
	strbuf_puts(out, "# A mapping's name is yours to choose: a letter, then letters, digits, - or _.\n"
			 "# Where another node made a mapping of that name, add this node's --map to\n"
			 "# it instead: pvesh set /cluster/mapping/pci/NAME with every node's --map\n"
			 "# (set replaces the list).\n"
			 "# pcie=1 (a PCIe port in the VM) needs the q35 machine type: after\n"
			 "# qm set VMID -machine q35, add ,pcie=1 to the hostpci value.\n"
			 "# Functions that share an IOMMU group go to one VM together.\n");
	for (size_t s = 0, e; s < inv->n_devices; s = e) {
		/* devices are sorted by address: a slot's functions are adjacent */
		for (e = s + 1; e < inv->n_devices && pci_addr_same_slot(&inv->devices[s].addr, &inv->devices[e].addr);
		     e++)
			;
		if (whole_card(inv, sel, driver, s, e)) {
			struct pve_entry en = {&inv->devices[s], e - s, true, drv_of(driver, s)};
			pve_render(out, &en, node, n++);
			continue;
		}
		for (size_t k = s; k < e; k++) {
			struct pve_entry en = {&inv->devices[k], 1, false, drv_of(driver, k)};
			if (sel[k])
				pve_render(out, &en, node, n++);
		}
	}
}

/* pve_verify_node_name (JSONSchema.pm):
 * ^([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)$ */
static bool pve_node_ok(const char *s, size_t n)
{
	if (!n || n >= EXPORT_NODE_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			return false;
	return true;
}

int export_node_name(const char *text, char out[EXPORT_NODE_MAX])
{
	const char *p = text;

	out[0] = '\0';
	while (p && *p) {
		const char *line = str_lskip(p), *end = strchr(p, '\n');
		size_t word = strcspn(line, " \t\r\n"), n = strcspn(line, " \t\r\n.");
		p = end ? end + 1 : NULL;
		if (*line == '#' || *line == '\n' || *line == '\r' || !*line)
			continue;
		/* the first name is the one, alone on its line; the domain
		 * part goes, as PVE::INotify::nodename() drops it from uname's */
		if (!pve_node_ok(line, n) || strcspn(str_lskip(line + word), "\r\n") != 0)
			return -EINVAL;
		memcpy(out, line, n);
		out[n] = '\0';
		return 0;
	}
	return -EINVAL;
}
