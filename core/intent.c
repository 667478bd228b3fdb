/* intent.c - what a selection means, before any backend. */
#include "config.h"

#include "core/intent.h"
#include "core/i18n.h"
#include "core/analysis.h"
#include "core/cmdline.h"
#include "core/selection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool excluded_module(const char *m)
{
	return driver_is_vfio(m) || strcmp(m, "pci_stub") == 0 || strcmp(m, "pci-stub") == 0 ||
	       strcmp(m, "pcieport") == 0;
}

static char *module_name(const char *s)
{
	char *m = xstrdup(s);

	for (char *p = m; *p; p++)
		if (*p == '-')
			*p = '_';
	return m;
}

static const char *describe(const struct device *d)
{
	return d->device_name ? d->device_name : d->class_name ? d->class_name : "device";
}

/* The names of d's group's platform functions, "0000:00:1f.0 (ISA bridge
 * (LPC), driver lpc_ich), ..." */
static char *group_platform_names(const struct inventory *inv, const struct device *d)
{
	const struct iommu_group *g = inventory_group(inv, d->group);
	struct strbuf sb = {0};

	for (size_t k = 0; g && k < g->n_members; k++) {
		const struct device *m = &inv->devices[g->members[k]];
		if (m == d || !(m->flags & DEV_PLATFORM))
			continue;
		strbuf_printf(&sb, _("%s%s (%s, driver %s)"), sb.len ? ", " : "", m->addr_str, _(analysis_platform_kind(m)),
			      m->driver ? m->driver : "none");
	}
	return strbuf_detach(&sb);
}

/* What a person picked that cannot be picked at all, before anything is
 * added to it: bridges, the chipset's own functions, and a device whose
 * group holds them unless its address was typed (then it is taken from
 * the host, group and all). */
static void refuse_picks(const struct inventory *inv, const bool *confirmed, bool *primary, bool *taken,
			 struct intent *out)
{
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *d = &inv->devices[i];
		char *m = NULL;
		if (!primary[i])
			continue;
		if (d->flags & DEV_BRIDGE) {
			m = xasprintf(_("%s (%s) is a bridge: bridges stay with the host; select the devices behind it"),
				      d->addr_str, describe(d));
		} else if (d->flags & DEV_PLATFORM) {
			m = xasprintf(_("%s (%s) is a platform function (%s): it belongs to the chipset the host runs "
				      "on and stays with the host"),
				      d->addr_str, describe(d), _(analysis_platform_kind(d)));
		} else if (analysis_group_platform(inv, d) >= 0 && !(confirmed && confirmed[i])) {
			char *names = group_platform_names(inv, d);
			m = xasprintf(_("%s (%s) cannot go alone: IOMMU group %d also holds %s, functions of the "
				      "chipset the host runs on, and they would go with it; to hand over the "
				      "whole group anyway, confirm with its address (--take-from-host %s)"),
				      d->addr_str, describe(d), d->group, names, d->addr_str);
			free(names);
		} else if (analysis_group_platform(inv, d) >= 0 && !taken[i]) {
			char *names = group_platform_names(inv, d);
			/* which of them go to vfio-pci (its slot) or must go to
			 * the same VM (other slots) the warnings below say */
			char *w = xasprintf(_("%s (%s) is taken from the host with IOMMU group %d, as you confirmed; "
					    "the group also holds the chipset's %s; if the host needs them, run "
					    "'vfioconf --root /mnt rollback' from a rescue system"),
					    d->addr_str, describe(d), d->group, names);
			strv_push(&out->warnings, w);
			free(w);
			free(names);
			taken[i] = true;
		}
		if (m) {
			strv_push(&out->refusals, m);
			free(m);
			primary[i] = false;
		}
	}
}

/* sel = the picks and what comes along with them (core/selection.c);
 * owner[j] = 1 + the pick that brought j along, 0 for a pick. dropped:
 * companions refused on their own. */
static void expand(const struct inventory *inv, const bool *primary, const bool *dropped, bool *sel, size_t *owner)
{
	for (size_t i = 0; i < inv->n_devices; i++) {
		sel[i] = primary[i];
		owner[i] = 0;
	}
	for (size_t i = 0; i < inv->n_devices; i++) {
		if (!primary[i])
			continue;
		for (size_t j = 0; j < inv->n_devices; j++)
			if (!sel[j] && !dropped[j] && selection_companion(inv, i, j) != COMPANION_NONE) {
				sel[j] = true;
				owner[j] = i + 1;
			}
	}
}

/* intel_iommu=on, unless every installed kernel turns the Intel IOMMU
 * on by itself (CONFIG_INTEL_IOMMU_DEFAULT_ON=y); which ones do, said. */
static void intel_iommu_param(const struct host_facts *h, struct intent *out)
{
	struct strbuf on = {0}, off = {0};
	char *m = NULL;

	for (size_t k = 0; k < h->n_kernels; k++) {
		struct strbuf *b = h->kernels[k].intel_iommu_default_on == 1 ? &on : &off;
		strbuf_printf(b, "%s%s", b->len ? ", " : "", h->kernels[k].version);
	}
	if (on.len && !off.len) {
		m = xasprintf(_("intel_iommu=on is not added: every installed kernel (%s) turns the Intel IOMMU on "
			      "by itself (CONFIG_INTEL_IOMMU_DEFAULT_ON=y)"),
			      on.buf);
		strv_push(&out->notes, m);
	} else {
		strv_push(&out->params, host_iommu_param(h));
		if (on.len) {
			m = xasprintf(_("intel_iommu=on is added for %s; %s would turn the Intel IOMMU on by itself"),
				      off.buf, on.buf);
			strv_push(&out->notes, m);
		}
	}
	free(m);
	strbuf_free(&on);
	strbuf_free(&off);
}

void intent_build(const struct inventory *inv, const struct settings *st, const bool *selected,
		  const bool *confirmed, bool enable_iommu, struct intent *out)
{
	size_t n = inv->n_devices ? inv->n_devices : 1;
	bool *sel = xcalloc(n, sizeof(bool)), *primary = xcalloc(n, sizeof(bool));
	bool *dropped = xcalloc(n, sizeof(bool)), *taken = xcalloc(n, sizeof(bool));
	size_t *owner = xcalloc(n, sizeof(size_t));
	struct selection_issue *issues = NULL;
	size_t nissues;
	const struct host_facts *h = &inv->host;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < inv->n_devices; i++)
		primary[i] = selected[i];
	refuse_picks(inv, confirmed, primary, taken, out);
	/* A device is refused when it is host-critical, or when its group
	 * would drag a host-critical device along; refusing a pick takes what
	 * came along with it too, and that can change what the rest drags, so
	 * go round until nothing new is refused. */
	for (bool again = true; again;) {
		again = false;
		expand(inv, primary, dropped, sel, owner);
		nissues = analysis_check_selection(inv, sel, &issues);
		for (size_t k = 0; k < nissues; k++) {
			size_t x = issues[k].device, b = issues[k].because;
			const struct device *d = &inv->devices[x];
			char *m = NULL;
			if (issues[k].kind == ISSUE_REFUSED && sel[x] && confirmed && confirmed[x]) {
				if (!taken[x]) {
					char *w = xasprintf(
						_("%s (%s) is taken from the host, as you confirmed: %s. If the host "
						"needs it to boot or to reach you, it will not come back after the "
						"reboot; then run 'vfioconf --root /mnt rollback' from a rescue "
						"system"),
						d->addr_str, describe(d), d->reasons.n ? d->reasons.v[0] : "host-critical");
					strv_push(&out->warnings, w);
					free(w);
					taken[x] = true;
				}
			} else if (issues[k].kind == ISSUE_REFUSED && sel[x]) {
				m = xasprintf(_("%s (%s) stays with the host: %s"), d->addr_str, describe(d),
					      d->reasons.n ? d->reasons.v[0] : "host-critical");
				if (primary[x])
					primary[x] = false;
				else
					dropped[x] = true;
			} else if (issues[k].kind == ISSUE_NO_GROUP && sel[x] && inventory_iommu_enabled(inv)) {
				m = xasprintf(_("%s (%s) is in no IOMMU group although the IOMMU is on: the kernel does "
					      "not isolate it, so it cannot be passed through"),
					      d->addr_str, describe(d));
				if (primary[x])
					primary[x] = false;
				else
					dropped[x] = true;
			} else if (issues[k].kind == ISSUE_DRAGGED && (d->flags & DEV_HOST_CRITICAL) && sel[b]) {
				/* the pick behind b goes, and all it brought */
				size_t p = owner[b] ? owner[b] - 1 : b;
				m = xasprintf(_("%s (%s) cannot go to a VM: IOMMU group %d also holds %s (%s), "
					      "which stays with the host: %s"),
					      inv->devices[b].addr_str, describe(&inv->devices[b]), d->group,
					      d->addr_str, describe(d), d->reasons.n ? d->reasons.v[0] : "host-critical");
				primary[p] = false;
			}
			if (m) {
				strv_push_unique(&out->refusals, m);
				free(m);
				again = true;
			}
		}
		free(issues);
	}
	/* what came along, said once the picks are settled: a GPU's own
	 * functions are expected; any other function the user did not pick is
	 * worth a warning, the host loses it too */
	for (size_t j = 0; j < inv->n_devices; j++) {
		const struct device *o = &inv->devices[j], *d;
		char *m;
		if (!sel[j] || !owner[j])
			continue;
		d = &inv->devices[owner[j] - 1];
		if (selection_companion(inv, owner[j] - 1, j) == COMPANION_CARD) {
			m = xasprintf(_("%s (%s) added: another function of %s's card"), o->addr_str, describe(o),
				      d->addr_str);
			strv_push(&out->notes, m);
		} else {
			m = xasprintf(_("%s (%s) goes to vfio-pci too: it is another function of "
				      "%s's slot in the same IOMMU group (%d), so a VM can only "
				      "have them together, and the host loses it (driver %s)"),
				      o->addr_str, describe(o), d->addr_str, o->group, o->driver ? o->driver : "none");
			strv_push(&out->warnings, m);
		}
		free(m);
	}
	for (size_t j = 0; j < inv->n_devices; j++)
		if (sel[j] && strcmp(inv->host.bootfb_dev, inv->devices[j].addr_str) == 0) {
			char *m = xasprintf(_("%s (%s) holds the firmware's boot framebuffer (%s in /proc/iomem): "
					    "vfio-pci cannot reserve that memory while the host's console draws into it "
					    "(dmesg: \"can't reserve [mem ...]\") and the VM may not start; on kernels since "
					    "5.15 add initcall_blacklist=sysfb_init, or boot the host from another GPU"),
					    inv->devices[j].addr_str, describe(&inv->devices[j]), inv->host.bootfb_name);
			strv_push(&out->warnings, m);
			free(m);
		}
	free(primary);
	free(dropped);
	free(owner);
	nissues = analysis_check_selection(inv, sel, &issues);
	for (size_t k = 0; k < nissues; k++) {
		const struct device *d = &inv->devices[issues[k].device];
		const struct device *b = &inv->devices[issues[k].because];
		char *m = NULL;
		switch (issues[k].kind) {
		case ISSUE_DRAGGED:
			m = xasprintf(_("IOMMU group %d also holds %s (%s, driver %s): it must go to the same VM "
				      "as %s, or the VM will not start"),
				      d->group, d->addr_str, describe(d), d->driver ? d->driver : "none",
				      b->addr_str);
			strv_push(&out->warnings, m);
			break;
		case ISSUE_COMPANION:
			/* the IOMMU off: no group says it yet, but the functions of
			 * one device share one group unless it has ACS, so a
			 * function beside one the host needs will most likely
			 * be refused once the groups are there */
			if (!inventory_iommu_enabled(inv) && (d->flags & DEV_HOST_CRITICAL)) {
				m = xasprintf(_("%s (%s) shares its slot with %s (%s), which stays with the host (%s): the "
					      "functions of one device are nearly always in one IOMMU group, and then "
					      "it cannot go without it; the groups show it once the IOMMU is on"),
					      b->addr_str, describe(b), d->addr_str, describe(d),
					      d->reasons.n ? d->reasons.v[0] : "host-critical");
				strv_push(&out->warnings, m);
			}
			break;
		case ISSUE_NO_GROUP: /* refused above while the IOMMU is on; groups come with it */
		case ISSUE_REFUSED:
			break; /* handled above */
		}
		free(m);
	}
	free(issues);
	if (!inventory_iommu_enabled(inv) && host_booted_with_iommu_param(&inv->host))
		/* the parameter is there: another reboot with it changes nothing */
		strv_push(&out->notes, _("the IOMMU is off although the kernel was started with its parameter: the "
				       "firmware has it off; enable it in the firmware setup (VT-d), then check the "
				       "groups"));
	else if (!inventory_iommu_enabled(inv) && (enable_iommu || nissues || out->notes.n))
		strv_push(&out->notes, host_iommu_param(h) ? _("the IOMMU is off: its groups appear after a reboot with "
							     "the parameters below; check the groups then")
							   : _("the IOMMU is off: its groups appear once the firmware "
							     "turns it on; check the groups then"));

	/* binding method per device */
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *d = &inv->devices[i];
		bool shared = false;
		enum bind_method m;

		if (!sel[i])
			continue;
		for (size_t j = 0; j < inv->n_devices; j++)
			if (j != i && !sel[j] && inv->devices[j].vendor == d->vendor &&
			    inv->devices[j].device == d->device)
				shared = true;
		m = st->method == BIND_AUTO ? (shared ? BIND_DRIVER_OVERRIDE : BIND_IDS) : st->method;
		if (d->flags & DEV_SRIOV_VF) {
			/* its PF makes it, often after the boot: ids= would leave it to
			 * whichever driver is loaded first; a udev rule binds it by address */
			char *note = xasprintf(_("%s is a virtual function: it goes by address when its PF makes it "
					       "(a udev rule runs vfioconf-bind)"), d->addr_str);
			strv_push(&out->notes, note);
			free(note);
			m = BIND_DRIVER_OVERRIDE;
		}
		if (d->vfio_variant) {
			char *note = xasprintf(_("%s goes to %s, the vfio variant driver the kernel has for it "
					       "(modules.alias), by address: ids= can only give it plain vfio-pci"),
					       d->addr_str, d->vfio_variant);
			strv_push(&out->notes, note);
			free(note);
			m = BIND_DRIVER_OVERRIDE;
			strv_push_unique(&out->variants, d->vfio_variant);
		}
		if (m == BIND_IDS && shared) {
			char *r = xasprintf(_("%s: method = ids in the settings would also bind the other "
					    "%04x:%04x devices that stay with the host; use method = auto"),
					    d->addr_str, d->vendor, d->device);
			strv_push(&out->refusals, r);
			free(r);
			continue;
		}
		out->dev = xrealloc(out->dev, (out->n_dev + 1) * sizeof(*out->dev));
		out->dev[out->n_dev++] = (struct intent_device){.idx = i, .method = m, .taken_from_host = taken[i],
								 .driver = d->vfio_variant};
		if (m == BIND_IDS) {
			char id[16];
			snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
			strv_push_unique(&out->ids, id);
			if ((d->class_code >> 8) == 0x0300)
				out->disable_vga = true;
		} else {
			out->any_override = true;
		}
		for (size_t k = 0; k <= d->modules.n; k++) {
			/* its candidate modules, else the driver it has now */
			const char *mod = k < d->modules.n ? d->modules.v[k] : !d->modules.n ? d->driver : NULL;
			char *mn;
			if (!mod || excluded_module(mod))
				continue;
			mn = module_name(mod);
			strv_push_unique(&out->softdeps, mn);
			if (d->vfio_variant) {
				/* the variant loads after the module that would take it */
				char *post = xasprintf("%s %s", mn, d->vfio_variant);
				strv_push_unique(&out->softdep_posts, post);
				free(post);
			}
			free(mn);
		}
	}
	strv_sort(&out->ids);
	strv_sort(&out->softdeps);
	strv_sort(&out->variants);
	strv_sort(&out->softdep_posts);
	free(sel);
	free(taken);

	out->virqfd_all = h->n_kernels > 0;
	for (size_t k = 0; k < h->n_kernels; k++) {
		if (h->kernels[k].vfio_virqfd_module)
			out->virqfd_any = true;
		else
			out->virqfd_all = false;
		if (h->kernels[k].vfio_pci_builtin)
			out->vfio_pci_builtin = true;
	}

	if (!out->n_dev && !enable_iommu)
		return; /* empty: the plan takes everything back out */

	if (host_iommu_param(h))
		intel_iommu_param(h, out);
	else if (host_iommu_vendor(h) == CPU_AMD && !inventory_iommu_enabled(inv))
		strv_push(&out->warnings, _("the AMD IOMMU takes no kernel parameter: the kernel turns it on when "
					  "the firmware enables it; enable IOMMU (AMD-Vi) in the firmware setup"));
	else if (host_iommu_vendor(h) != CPU_AMD)
		strv_push(&out->warnings, _("CPU vendor unknown: on an Intel CPU add intel_iommu=on yourself (the "
					  "AMD IOMMU needs no parameter)"));
	if (st->iommu_pt && h->sev_snp)
		strv_push(&out->warnings, _("iommu=pt is not added: SEV-SNP is on (kvm_amd sev_snp=Y), and the kernel "
					  "turns SNP off when the IOMMU passes DMA through; set iommu_pt = no in "
					  "the settings to silence this"));
	else if (st->iommu_pt)
		strv_push(&out->params, "iommu=pt");
	if (st->extra_params)
		cmdline_split(st->extra_params, &out->params);
	if (out->vfio_pci_builtin && out->ids.n) {
		/* a built-in vfio-pci never reads modprobe.d */
		struct strbuf sb = {0};
		strbuf_puts(&sb, "vfio-pci.ids=");
		for (size_t i = 0; i < out->ids.n; i++)
			strbuf_printf(&sb, "%s%s", i ? "," : "", out->ids.v[i]);
		strv_push(&out->params, sb.buf);
		strbuf_free(&sb);
		if (out->disable_vga)
			strv_push(&out->params, "vfio-pci.disable_vga=1");
	}
	if (out->vfio_pci_builtin && out->any_override)
		strv_push(&out->warnings, _("an installed kernel has vfio-pci built in: it never runs the "
					  "modprobe hook that binds per address; on that kernel those devices "
					  "stay with their drivers"));
	if (out->n_dev) {
		strv_push(&out->modules, "vfio");
		strv_push(&out->modules, "vfio_iommu_type1");
		strv_push(&out->modules, "vfio_pci");
		/* loaded right after vfio_pci: vfioconf-bind has set driver_override */
		for (size_t i = 0; i < out->variants.n; i++)
			strv_push(&out->modules, out->variants.v[i]);
	}
}

void intent_free(struct intent *in)
{
	free(in->dev);
	strv_free(&in->ids);
	strv_free(&in->softdeps);
	strv_free(&in->params);
	strv_free(&in->modules);
	strv_free(&in->variants);
	strv_free(&in->softdep_posts);
	strv_free(&in->refusals);
	strv_free(&in->warnings);
	strv_free(&in->notes);
	memset(in, 0, sizeof(*in));
}

char *intent_render_modprobe(const struct intent *in, const struct inventory *inv,
			     const char *bind_helper)
{
	struct strbuf sb = {0};

	if (!in->n_dev)
		return NULL;
	strbuf_puts(&sb, "# Managed by vfioconf: the devices below go to vfio-pci at boot.\n"
			 "# Change them with vfioconf; hand edits are overwritten.\n");
	for (size_t i = 0; i < in->n_dev; i++) {
		const struct device *d = &inv->devices[in->dev[i].idx];
		strbuf_printf(&sb, "#   %s [%04x:%04x] %s (%s%s%s)\n", d->addr_str, d->vendor, d->device,
			      describe(d), in->dev[i].method == BIND_IDS ? "by ID" : "by address",
			      in->dev[i].driver ? ", to " : "", in->dev[i].driver ? in->dev[i].driver : "");
	}
	if (in->ids.n) {
		strbuf_puts(&sb, "options vfio-pci ids=");
		for (size_t i = 0; i < in->ids.n; i++)
			strbuf_printf(&sb, "%s%s", i ? "," : "", in->ids.v[i]);
		if (in->disable_vga)
			strbuf_puts(&sb, " disable_vga=1");
		strbuf_putc(&sb, '\n');
	}
	if (in->any_override)
		/* Loading vfio-pci first sets driver_override on the listed
		 * addresses whose fingerprint still matches; ";" so that a
		 * failing or missing helper never keeps vfio-pci out. */
		strbuf_printf(&sb, "install vfio-pci %s; /sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS\n",
			      bind_helper);
	for (size_t i = 0; i < in->softdeps.n; i++) {
		/* kmod reads one softdep line per module: the variant drivers its
		 * devices go to load after it, on the same line */
		size_t l = strlen(in->softdeps.v[i]);
		bool any = false;
		strbuf_printf(&sb, "softdep %s pre: vfio-pci", in->softdeps.v[i]);
		for (size_t k = 0; k < in->softdep_posts.n; k++)
			if (strncmp(in->softdep_posts.v[k], in->softdeps.v[i], l) == 0 && in->softdep_posts.v[k][l] == ' ') {
				strbuf_printf(&sb, "%s %s", any ? "" : " post:", in->softdep_posts.v[k] + l + 1);
				any = true;
			}
		strbuf_putc(&sb, '\n');
	}
	return strbuf_detach(&sb);
}

char *intent_render_udev(const struct intent *in, const struct inventory *inv, const char *bind_helper)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < in->n_dev; i++) {
		const struct device *d = &inv->devices[in->dev[i].idx];
		if (!(d->flags & DEV_SRIOV_VF) || in->dev[i].method != BIND_DRIVER_OVERRIDE)
			continue;
		if (!sb.len)
			strbuf_puts(&sb, "# Managed by vfioconf: a virtual function appears when its PF makes it\n"
					 "# (sriov_numvfs), often after the boot; bind it by address then. Its\n"
					 "# native driver may probe it first (the add event comes before the\n"
					 "# probe): when another driver binds it, bind it again.\n");
		strbuf_printf(&sb, "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", RUN+=\"%s --only %s\"\n",
			      d->addr_str, bind_helper, d->addr_str);
		strbuf_printf(&sb,
			      "ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", DRIVER!=\"%s\", RUN+=\"%s --only %s\"\n",
			      d->addr_str, in->dev[i].driver ? in->dev[i].driver : "vfio-pci", bind_helper, d->addr_str);
	}
	return sb.len ? strbuf_detach(&sb) : NULL;
}

void intent_to_state(const struct intent *in, const struct inventory *inv, struct state *st)
{
	for (size_t i = 0; i < in->n_dev; i++) {
		const struct device *d = &inv->devices[in->dev[i].idx];
		struct state_device sd = {0};

		snprintf(sd.addr, sizeof(sd.addr), "%s", d->addr_str);
		sd.vendor = d->vendor;
		sd.device = d->device;
		sd.subsys_vendor = d->subsys_vendor;
		sd.subsys_device = d->subsys_device;
		sd.class_code = d->class_code;
		sd.method = in->dev[i].method;
		sd.taken_from_host = in->dev[i].taken_from_host;
		if (in->dev[i].driver)
			snprintf(sd.driver, sizeof(sd.driver), "%s", in->dev[i].driver);
		state_add_device(st, &sd);
	}
}
