/* cmd_list.c - `vfioconf list`: groups and devices, as text or JSON.
 *
 * JSON shape (documented in vfioconf(8)): {"iommu": {...}, "host": {...},
 * "groups": [{"id", "devices": [...]}], "ungrouped": [...], "warnings": []}.
 * Every device object carries "group": N, or null for the devices listed
 * under "ungrouped" (IOMMU off, or a device the kernel put in no group).
 */
#include "config.h"

#include "core/analysis.h"
#include "core/i18n.h"
#include "core/json.h"
#include "tui/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	unsigned flag;
	const char *name;
} flag_names[] = {
	{DEV_BRIDGE, "bridge"},       {DEV_BOOT_VGA, "boot-vga"},   {DEV_ROOT_DISK, "root-disk"},
	{DEV_BOOT_DISK, "boot-disk"}, {DEV_SWAP_DISK, "swap-disk"}, {DEV_MOUNT_DISK, "mount-disk"},
	{DEV_SSH_NIC, "ssh-nic"},     {DEV_SRIOV_PF, "sriov-pf"},   {DEV_SRIOV_VF, "sriov-vf"},
	{DEV_SAME_ID, "same-id"},     {DEV_PLATFORM, "platform"},
};


static void json_hex(struct json *j, const char *key, unsigned v, int width)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%0*x", width, v);
	json_kstr(j, key, buf);
}

static const char *const how_names[] = {
	[EFF_NATIVE] = "native", [EFF_BY_IDS] = "ids", [EFF_BY_ADDRESS] = "address",
	[EFF_BY_DRIVERCTL] = "driverctl", [EFF_NONE] = "none",
};

/* What the next boot does with it: the driver, how, and the file and line
 * that decide it. */
static void json_next_boot(struct json *j, const struct eff_device *e)
{
	json_key(j, "next_boot");
	json_obj_begin(j);
	json_kstr(j, "driver", e->driver);
	json_kstr(j, "how", how_names[e->how]);
	if (e->why) {
		char *src = e->why->line ? xasprintf("%s:%d", e->why->file, e->why->line) : xstrdup(e->why->file);
		json_kstr(j, "source", src);
		free(src);
	} else {
		json_kstr(j, "source", NULL);
	}
	json_kbool(j, "by_hand", app_by_hand(e));
	json_obj_end(j);
}

static void json_device(struct json *j, const struct inventory *inv, const struct device *d,
			const struct eff_device *e)
{
	char buf[PCI_ADDR_STRLEN];
	struct strv vfs = {0};

	json_obj_begin(j);
	json_kstr(j, "address", d->addr_str);
	json_key(j, "group");
	if (d->group >= 0)
		json_int(j, d->group);
	else
		json_null(j);
	json_hex(j, "class", d->class_code >> 8, 4);
	json_hex(j, "prog_if", d->class_code & 0xff, 2);
	json_kstr(j, "class_name", d->class_name);
	json_hex(j, "vendor", d->vendor, 4);
	json_hex(j, "device", d->device, 4);
	json_kstr(j, "vendor_name", d->vendor_name);
	json_kstr(j, "device_name", d->device_name);
	if (d->subsys_vendor) {
		json_hex(j, "subsystem_vendor", d->subsys_vendor, 4);
		json_hex(j, "subsystem_device", d->subsys_device, 4);
	} else {
		json_kstr(j, "subsystem_vendor", NULL);
		json_kstr(j, "subsystem_device", NULL);
	}
	json_kstr(j, "subsystem_name", d->subsys_name);
	if (d->revision >= 0)
		json_hex(j, "revision", (unsigned)d->revision, 2);
	else
		json_kstr(j, "revision", NULL);
	json_kstr(j, "driver", d->driver);
	json_kstrv(j, "modules", &d->modules);
	json_key(j, "boot_vga");
	if (d->boot_vga >= 0)
		json_bool(j, d->boot_vga == 1);
	else
		json_null(j);
	json_kstr(j, "reset_method", d->reset_method);
	json_kstr(j, "slot", d->slot);
	json_kbool(j, "bridge", d->flags & DEV_BRIDGE);
	if (d->has_parent) {
		pci_addr_format(&d->parent, buf);
		json_kstr(j, "parent", buf);
	} else {
		json_kstr(j, "parent", NULL);
	}
	if (d->has_physfn) {
		pci_addr_format(&d->physfn, buf);
		json_kstr(j, "physfn", buf);
	} else {
		json_kstr(j, "physfn", NULL);
	}
	json_kint(j, "num_vfs", d->num_vfs);
	inventory_vfs_of(inv, d, &vfs);
	json_kstrv(j, "vfs", &vfs);
	strv_free(&vfs);
	json_kstr(j, "platform", analysis_platform_kind(d));
	json_kstr(j, "vfio_variant", d->vfio_variant);
	json_kstr(j, "boot_framebuffer", strcmp(inv->host.bootfb_dev, d->addr_str) == 0 ? inv->host.bootfb_name : NULL);
	json_key(j, "flags");
	json_arr_begin(j);
	for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
		if (d->flags & flag_names[i].flag)
			json_str(j, flag_names[i].name);
	json_arr_end(j);
	json_kstrv(j, "same_id_as", &d->same_id);
	json_kint(j, "same_id_count", (long long)d->same_id_count);
	json_kstrv(j, "host_critical", &d->reasons);
	json_next_boot(j, e);
	json_obj_end(j);
}

static void print_json(const struct inventory *inv, const struct eff_config *eff_cfg, const struct eff_device *eff,
		       const struct settings *st, const struct log *log, const struct strv *review)
{
	const struct host_facts *h = &inv->host;
	struct strbuf out = {0};
	struct json j;

	cli_json_begin(&j, &out, "list");
	json_key(&j, "iommu");
	json_obj_begin(&j);
	json_kbool(&j, "enabled", inventory_iommu_enabled(inv));
	json_kint(&j, "groups", (long long)inv->n_groups);
	json_kbool(&j, "iommu_class", h->iommu_class);
	json_kstr(&j, "vendor", h->iommu_vendor == CPU_INTEL ? "intel" : h->iommu_vendor == CPU_AMD ? "amd" : NULL);
	json_kstr(&j, "enable_param", host_iommu_param(h));
	json_key(&j, "interrupt_remapping");
	if (h->irq_remap == IRQ_REMAP_UNKNOWN)
		json_null(&j);
	else
		json_bool(&j, h->irq_remap == IRQ_REMAP_ON);
	json_obj_end(&j);

	json_key(&j, "host");
	json_obj_begin(&j);
	json_kstr(&j, "cpu_vendor", h->cpu == CPU_INTEL ? "intel" : h->cpu == CPU_AMD ? "amd" : NULL);
	json_kbool(&j, "virtualization", h->cpu_virt);
	json_kstr(&j, "cmdline", h->cmdline);
	json_kstr(&j, "running_kernel", h->running_kernel);
	json_key(&j, "kernels");
	json_arr_begin(&j);
	for (size_t i = 0; i < h->n_kernels; i++) {
		const struct kernel_info *k = &h->kernels[i];
		json_obj_begin(&j);
		json_kstr(&j, "version", k->version);
		json_kbool(&j, "modules_indexed", k->modules_dir_ok);
		json_kbool(&j, "vfio_builtin", k->vfio_builtin);
		json_kbool(&j, "vfio_pci_builtin", k->vfio_pci_builtin);
		json_kbool(&j, "vfio_pci_module", k->vfio_pci_module);
		json_kbool(&j, "vfio_virqfd_module", k->vfio_virqfd_module);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "mounts");
	json_arr_begin(&j);
	for (size_t i = 0; i < h->n_mounts; i++) {
		json_obj_begin(&j);
		json_kstr(&j, "target", h->mounts[i].target);
		json_kstr(&j, "source", h->mounts[i].source);
		json_kbool(&j, "mounted", !h->mounts[i].from_fstab_only);
		json_kstrv(&j, "devices", &h->mounts[i].pci);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "ssh");
	if (h->ssh_local) {
		json_obj_begin(&j);
		json_kstr(&j, "local_address", h->ssh_local);
		json_kstr(&j, "interface", h->ssh_iface);
		json_kstrv(&j, "devices", &h->ssh_pci);
		json_obj_end(&j);
	} else {
		json_null(&j);
	}
	json_obj_end(&j);

	json_key(&j, "settings");
	json_obj_begin(&j);
	json_kbool(&j, "iommu_pt", st->iommu_pt);
	json_kstr(&j, "extra_params", st->extra_params);
	json_kstr(&j, "binding_method", bind_method_name(st->method));
	json_obj_end(&j);

	/* vfio-pci itself at the next boot: the ids= it gets, the install
	 * command modprobe runs for it, and where each comes from */
	{
		const struct eff_input *ids = effective_ids(eff_cfg), *inst = effective_install(eff_cfg);
		char *v = effective_ids_value(eff_cfg), *src;
		json_key(&j, "vfio_pci");
		json_obj_begin(&j);
		json_kstr(&j, "ids", v);
		src = ids ? xasprintf("%s:%d", ids->file, ids->line) : NULL;
		json_kstr(&j, "ids_source", src);
		free(src);
		json_kstr(&j, "install", inst ? inst->value : NULL);
		src = inst ? xasprintf("%s:%d", inst->file, inst->line) : NULL;
		json_kstr(&j, "install_source", src);
		free(src);
		json_obj_end(&j);
		free(v);
	}
	json_key(&j, "groups");
	json_arr_begin(&j);
	for (size_t g = 0; g < inv->n_groups; g++) {
		json_obj_begin(&j);
		json_kint(&j, "id", inv->groups[g].id);
		json_key(&j, "devices");
		json_arr_begin(&j);
		for (size_t k = 0; k < inv->groups[g].n_members; k++)
			json_device(&j, inv, &inv->devices[inv->groups[g].members[k]], &eff[inv->groups[g].members[k]]);
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "ungrouped");
	json_arr_begin(&j);
	for (size_t i = 0; i < inv->n_devices; i++)
		if (inv->devices[i].group < 0)
			json_device(&j, inv, &inv->devices[i], &eff[i]);
	json_arr_end(&j);
	json_key(&j, "warnings");
	json_arr_begin(&j);
	for (size_t i = 0; i < log->n; i++)
		json_str(&j, log->e[i].msg);
	for (size_t i = 0; i < review->n; i++)
		json_str(&j, review->v[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	strbuf_putc(&out, '\n');
	fwrite(out.buf, 1, out.len, stdout);
	strbuf_free(&out);
}

static void print_device(const struct inventory *inv, const struct device *d, const struct eff_device *e)
{
	struct strbuf sb = {0};
	bool first = true;

	printf("  %s %s [%04x]: %s %s [%04x:%04x]", d->addr_str,
	       d->class_name ? d->class_name : _("Class"), d->class_code >> 8,
	       d->vendor_name ? d->vendor_name : "?", d->device_name ? d->device_name : "?",
	       d->vendor, d->device);
	if (d->revision > 0)
		printf(" (rev %02x)", (unsigned)d->revision);
	printf("  %s %s", _("driver:"), d->driver ? d->driver : _("none"));
	for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++) {
		if (!(d->flags & flag_names[i].flag) || flag_names[i].flag == DEV_SAME_ID)
			continue;
		strbuf_printf(&sb, "%s%s", first ? "" : ", ", flag_names[i].name);
		first = false;
		if (flag_names[i].flag == DEV_SRIOV_VF && d->has_physfn) {
			char pf[PCI_ADDR_STRLEN];
			pci_addr_format(&d->physfn, pf);
			strbuf_printf(&sb, " of %s", pf);
		} else if (flag_names[i].flag == DEV_SRIOV_PF) {
			struct strv vfs = {0};
			inventory_vfs_of(inv, d, &vfs);
			for (size_t k = 0; k < vfs.n; k++)
				strbuf_printf(&sb, "%s%s", k ? " " : " with VFs ", vfs.v[k]);
			strv_free(&vfs);
		}
	}
	if (d->same_id.n) {
		strbuf_printf(&sb, "%ssame-id-as ", first ? "" : ", ");
		for (size_t i = 0; i < d->same_id.n; i++)
			strbuf_printf(&sb, "%s%s", i ? " " : "", d->same_id.v[i]);
		if (d->same_id_count > d->same_id.n)
			strbuf_printf(&sb, _(" and %zu more"), d->same_id_count - d->same_id.n);
		first = false;
	}
	if (!first)
		printf("  [%s]", strbuf_str(&sb));
	putchar('\n');
	for (size_t i = 0; i < d->reasons.n; i++)
		printf("      ! %s\n", d->reasons.v[i]);
	/* the next boot, where it is not simply the driver it has now */
	if (!(d->flags & DEV_BRIDGE) && (app_by_hand(e) || (e->how != EFF_NATIVE && e->how != EFF_NONE) ||
					 (d->driver && e->driver && strcmp(d->driver, e->driver) != 0 &&
					  strstr(d->driver, "vfio")))) {
		char *desc = effective_describe(e);
		printf(_("      next boot: %s%s\n"), desc, app_by_hand(e) ? _(" (set up by hand)") : "");
		free(desc);
	}
	strbuf_free(&sb);
}

static void print_text(const struct inventory *inv, const struct eff_device *eff, const struct strv *review)
{
	const struct host_facts *h = &inv->host;
	size_t ungrouped = 0;

	if (inventory_iommu_enabled(inv)) {
		printf(_("IOMMU: on (%s CPU, %zu groups, %zu devices)\n"), cpu_vendor_name(h->cpu),
		       inv->n_groups, inv->n_devices);
		if (h->irq_remap == IRQ_REMAP_OFF)
			printf("%s\n", report_irq_remap_off());
	} else {
		char *m = report_iommu_off(h);
		printf(_("IOMMU: off - the kernel shows no IOMMU groups.\n"));
		printf("%s\n", m);
		free(m);
		printf(_("Without it no device can be passed through; devices are listed below "
			 "without groups.\n"));
	}
	for (size_t g = 0; g < inv->n_groups; g++) {
		const struct iommu_group *grp = &inv->groups[g];
		struct group_summary s;

		analysis_group_summary(inv, grp, &s);
		printf(_("\nIOMMU group %d"), grp->id);
		if (s.host_critical)
			printf(_("  (holds host-critical devices)"));
		else if (s.slots > 1)
			printf(_("  (%zu devices in %zu slots share it: they go to a VM together)"),
			       s.endpoints, s.slots);
		putchar('\n');
		for (size_t k = 0; k < grp->n_members; k++)
			print_device(inv, &inv->devices[grp->members[k]], &eff[grp->members[k]]);
	}
	for (size_t i = 0; i < inv->n_devices; i++)
		if (inv->devices[i].group < 0) {
			if (!ungrouped++)
				printf(inventory_iommu_enabled(inv) ? _("\nNot in any IOMMU group\n")
								     : "\n");
			print_device(inv, &inv->devices[i], &eff[i]);
		}
	if (review->n)
		printf(_("\nSettings to look at:\n"));
	for (size_t i = 0; i < review->n; i++)
		printf("  ! %s\n", review->v[i]);
}

/* Every backend, whether it was found, and why. */
static int print_backends(struct cli *cli)
{
	struct app_backends all;
	struct strbuf out = {0};
	struct json j;

	app_backends_survey(cli->app, &all);
	if (cli->json)
		cli_json_begin(&j, &out, "backends");
	for (int k = 0; k < 2; k++) {
		const struct backend_report *v = k ? all.initrd : all.boot;
		size_t n = k ? all.n_initrd : all.n_boot;
		if (cli->json) {
			json_key(&j, k ? "initramfs" : "boot");
			json_arr_begin(&j);
		} else {
			printf(k ? _("\nInitramfs systems:\n") : _("Boot systems:\n"));
		}
		for (size_t i = 0; i < n; i++) {
			if (cli->json) {
				json_obj_begin(&j);
				json_kstr(&j, "name", v[i].b->name);
				json_kbool(&j, "detected", v[i].detected);
				json_kbool(&j, "chosen", v[i].chosen);
				json_kstr(&j, "why", v[i].why);
				json_kstr(&j, "help", v[i].b->help);
				json_obj_end(&j);
			} else {
				printf("  %s %-16s %s\n", v[i].chosen ? "*" : v[i].detected ? "+" : " ", v[i].b->name,
				       v[i].detected ? v[i].why : _("not found"));
			}
		}
		if (cli->json)
			json_arr_end(&j);
	}
	if (cli->json) {
		json_obj_end(&j);
		strbuf_putc(&out, '\n');
		fputs(out.buf, stdout);
	} else {
		printf(_("\n* used, + found but not used (override with --bootloader/--initramfs)\n"));
	}
	app_backends_free(&all);
	strbuf_free(&out);
	return EXIT_OK;
}

int cmd_list(struct cli *cli)
{
	struct app *a = cli->app;

	if (cli->argc > 0) {
		fprintf(stderr, _("%s: list: unexpected argument '%s'\n"), PACKAGE, cli->argv[0]);
		return EXIT_USAGE;
	}
	if (cli->backends) {
		report_log(&a->log);
		return print_backends(cli);
	}
	if (app_scan(a) < 0) {
		report_log(&a->log);
		return EXIT_FAIL;
	}
	report_log(&a->log);
	{
		struct strv review = {0};
		app_param_review(a, &review);
		if (cli->json)
			print_json(&a->inv, &a->eff, app_effective(a), &a->settings, &a->log, &review);
		else
			print_text(&a->inv, app_effective(a), &review);
		strv_free(&review);
	}
	return EXIT_OK;
}
