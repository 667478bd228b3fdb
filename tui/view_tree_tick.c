/* view_tree_tick.c - ticking on the group tree: what comes along, what
 * is refused and why, said at once on the message line; a device the host
 * needs (or a group with the chipset's functions) only on its address,
 * typed in full (DESIGN.md, Safety). core/selection.c decides. And what a
 * group header says of it beforehand (its verdict), and the filters. */
#include "config.h"

#include "core/analysis.h"
#include "core/i18n.h"
#include "core/selection.h"
#include "tui/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long tree_brought_by(const struct tui *t, size_t di)
{
	const struct inventory *inv = t->inv;
	const struct pci_addr *a = &inv->devices[di].addr;
	size_t lo = di, hi = di + 1;

	/* companions share a slot, and the devices are sorted by address:
	 * di's neighbours are all there is to ask */
	while (lo > 0 && pci_addr_same_slot(&inv->devices[lo - 1].addr, a))
		lo--;
	while (hi < inv->n_devices && pci_addr_same_slot(&inv->devices[hi].addr, a))
		hi++;
	for (size_t k = lo; k < hi; k++)
		if (t->ticked[k] && selection_companion(inv, k, di) != COMPANION_NONE)
			return (long)k;
	return -1;
}

/* Which devices go to vfio-pci as the ticks stand, one bool each. */
static bool *going(const struct tui *t)
{
	bool *g = xcalloc(t->inv->n_devices + 1, sizeof(bool));

	for (size_t i = 0; i < t->inv->n_devices; i++)
		g[i] = t->ticked[i] || tree_brought_by(t, i) >= 0;
	return g;
}

/* A driverctl override decides a device's driver whatever the ticks say,
 * and the plan refuses until it is gone: of the devices whose going
 * changed, the first it holds the other way is said at once, with the
 * remedy in the plan's own words. */
static void say_driverctl(struct tui *t, const bool *before, const bool *after)
{
	const struct eff_device *e = app_effective(t->app);
	char remedy[160];

	for (size_t i = 0; e && i < t->inv->n_devices; i++) {
		if (before[i] == after[i] || e[i].how != EFF_BY_DRIVERCTL || !e[i].why ||
		    driver_is_vfio(e[i].driver) == after[i])
			continue;
		snprintf(remedy, sizeof(remedy), _(EFFECTIVE_DRIVERCTL_REMEDY), e[i].why->value);
		if (after[i])
			snprintf(t->status, sizeof(t->status), _("%s ticked, but the plan refuses it (%s)"),
				 tui_addr(t, &t->inv->devices[i]), remedy);
		else
			snprintf(t->status, sizeof(t->status), _("%s unticked, but it stays on %s (%s)"),
				 tui_addr(t, &t->inv->devices[i]), e[i].driver, remedy);
		return;
	}
}

/* Why d cannot be ticked, in words. */
static const char *block_reason(const struct device *d)
{
	static char why[160];

	if (selection_blocked(d) == TICK_BRIDGE)
		return _("bridges stay with the host; tick the devices behind it");
	if (selection_blocked(d) == TICK_PLATFORM) {
		snprintf(why, sizeof(why), _("a platform function (%s): part of the chipset, it stays with the host"),
			 _(analysis_platform_kind(d)));
		return why;
	}
	return d->reasons.n ? d->reasons.v[0] : _("host-critical");
}

/* Ticks di when the user types its address in full at prompt; the
 * message line says what happened. */
static void confirm_typed(struct tui *t, size_t di, const char *prompt)
{
	const struct device *d = &t->inv->devices[di];
	char typed[32] = "";
	bool *before, *after;

	tui_read_line(t, LINES - 1, prompt, typed, sizeof(typed));
	if (strcmp(typed, d->addr_str) != 0) {
		snprintf(t->status, sizeof(t->status), _("%s stays with the host (its address was not typed)"),
			 d->addr_str);
		return;
	}
	before = going(t);
	selection_tick(t->inv, t->ticked, t->confirmed, di, true);
	t->confirmed[di] = true;
	t->dirty = 1;
	snprintf(t->status, sizeof(t->status), _("%s ticked on your word: p shows what the host loses"), d->addr_str);
	after = going(t);
	say_driverctl(t, before, after);
	free(before);
	free(after);
}

/* A device whose group holds the chipset's functions goes only with
 * them, on the user's typed word. */
static void take_with_group(struct tui *t, size_t di, size_t platform)
{
	const struct device *d = &t->inv->devices[di], *p = &t->inv->devices[platform];
	const struct iommu_group *g = inventory_group(t->inv, d->group);
	char prompt[160];
	size_t more = 0;

	for (size_t k = 0; g && k < g->n_members; k++)
		more += g->members[k] != di && g->members[k] != platform &&
			(t->inv->devices[g->members[k]].flags & DEV_PLATFORM);
	if (more)
		snprintf(t->status, sizeof(t->status),
			 _("group %d also holds %s (%s) and %zu more: all go along"), g->id, tui_addr(t, p),
			 _(analysis_platform_kind(p)), more);
	else
		snprintf(t->status, sizeof(t->status), _("group %d also holds %s (%s): it goes along"), g->id,
			 tui_addr(t, p), _(analysis_platform_kind(p)));
	snprintf(prompt, sizeof(prompt), _("Type %s to take the whole group from the host: "), d->addr_str);
	confirm_typed(t, di, prompt);
}

/* A device the host needs is ticked only when the user types its address
 * in full (DESIGN.md, Safety); the preview then says what the host loses. */
static void take_from_host(struct tui *t, size_t di)
{
	const struct device *d = &t->inv->devices[di];
	char prompt[160];

	/* the reason on the message line, the question where the keys were */
	snprintf(t->status, sizeof(t->status), "%s: %s", d->addr_str, block_reason(d));
	snprintf(prompt, sizeof(prompt), _("Type %s to take it from the host anyway: "), d->addr_str);
	confirm_typed(t, di, prompt);
}

/* Is m one of the group's members g ticks: not structure (a bridge, the
 * chipset's functions, which go only with the whole group on a typed
 * word)? */
static bool group_member(const struct tui *t, size_t m)
{
	return !(t->inv->devices[m].flags & (DEV_BRIDGE | DEV_PLATFORM));
}

/* Space on device di, or g on its group (whole: every member, di the one
 * that speaks for it): what is refused, asked or ticked, said at once on
 * the message line in the same words for both. */
static void tick_path(struct tui *t, size_t di, bool whole)
{
	const struct device *d = &t->inv->devices[di];
	const struct iommu_group *g = d->group >= 0 ? inventory_group(t->inv, d->group) : NULL;
	bool on = whole || !t->ticked[di];

	if (on && !t->ticked[di] && selection_blocked(d) != TICK_FREE) {
		if (selection_blocked(d) == TICK_HOST_CRITICAL)
			take_from_host(t, di);
		else
			snprintf(t->status, sizeof(t->status), "%s: %s", d->addr_str, block_reason(d));
		return;
	}
	if (on && !t->ticked[di]) {
		/* the group goes to one VM as a whole: a member the host needs
		 * (and was not given away by its typed address) keeps it here */
		for (size_t k = 0; g && k < g->n_members; k++) {
			const struct device *m = &t->inv->devices[g->members[k]];
			if (g->members[k] != di && (m->flags & DEV_HOST_CRITICAL) && !(m->flags & DEV_BRIDGE) &&
			    !t->confirmed[g->members[k]]) {
				snprintf(t->status, sizeof(t->status), _("%s stays: group %d also holds %s, which the host needs (%s)"),
					 tui_addr(t, d), g->id, tui_addr(t, m), block_reason(m));
				return;
			}
		}
		if (analysis_group_platform(t->inv, d) >= 0) {
			take_with_group(t, di, (size_t)analysis_group_platform(t->inv, d));
			return;
		}
	}
	{
		/* what comes along (or goes with it), said at once: the devices
		 * whose mark changes besides this one */
		bool *before = going(t), *after;
		struct strbuf also = {0};
		size_t nalso = 0;
		long by;
		if (whole) {
			for (size_t k = 0; g && k < g->n_members; k++)
				if (group_member(t, g->members[k]) && !before[g->members[k]])
					selection_tick(t->inv, t->ticked, t->confirmed, g->members[k], true);
		} else {
			selection_tick(t->inv, t->ticked, t->confirmed, di, on);
		}
		after = going(t);
		for (size_t i = 0; i < t->inv->n_devices; i++)
			if (i != di && before[i] != after[i]) {
				strbuf_printf(&also, "%s%s %s", also.len ? ", " : "", tui_addr(t, &t->inv->devices[i]),
					      analysis_class_short(&t->inv->devices[i]));
				nalso++;
			}
		if (also.len)
			snprintf(t->status, sizeof(t->status),
				 on ? P_("%s ticked: %s comes along", "%s ticked: %s come along", nalso)
				    : _("%s unticked: %s too"),
				 tui_addr(t, d), also.buf);
		/* unticked, yet a ticked function of its slot still takes it */
		if (!on && (by = tree_brought_by(t, di)) >= 0)
			snprintf(t->status, sizeof(t->status),
				 _("%s still goes along with %s ([+]): untick that one to leave both"), tui_addr(t, d),
				 tui_addr(t, &t->inv->devices[by]));
		say_driverctl(t, before, after);
		strbuf_free(&also);
		free(before);
		free(after);
	}
	t->dirty = 1;
}

void tree_tick(struct tui *t, const struct row *r)
{
	if (!r || r->is_group) {
		snprintf(t->status, sizeof(t->status), "%s", _("Space ticks a device; g ticks a whole group"));
		return;
	}
	tick_path(t, r->dev, false);
}

/* g: the whole group, as Space on the member that speaks for it: the one
 * the host needs (its address is asked for), else the first that can go
 * (the chipset's group is asked for by it), else the first. Every member
 * going already: g takes them all back. */
void tree_tick_group(struct tui *t, const struct row *r)
{
	const struct iommu_group *g;
	size_t lead = (size_t)-1, ask = (size_t)-1, first = (size_t)-1;
	bool all = true;

	if (!r || r->group < 0) {
		snprintf(t->status, sizeof(t->status), "%s", _("not in an IOMMU group: Space ticks a device"));
		return;
	}
	g = &t->inv->groups[r->group];
	for (size_t k = 0; k < g->n_members; k++) {
		size_t m = g->members[k];
		const struct device *d = &t->inv->devices[m];
		if (d->flags & DEV_BRIDGE)
			continue;
		first = first == (size_t)-1 ? m : first;
		if (!group_member(t, m))
			continue;
		lead = lead == (size_t)-1 ? m : lead;
		if ((d->flags & DEV_HOST_CRITICAL) && !t->confirmed[m] && ask == (size_t)-1)
			ask = m;
		all = all && (t->ticked[m] || tree_brought_by(t, m) >= 0);
	}
	if (first == (size_t)-1) { /* bridges only: Space's word for one */
		const struct device *d = &t->inv->devices[g->members[0]];
		snprintf(t->status, sizeof(t->status), "%s: %s", d->addr_str, block_reason(d));
		return;
	}
	if (lead == (size_t)-1) { /* the chipset's functions only */
		tick_path(t, first, false);
		return;
	}
	if (all) { /* back to the host, every member: Space's words for the first */
		bool *before = going(t), *after;
		struct strbuf also = {0};
		for (size_t k = 0; k < g->n_members; k++)
			if (group_member(t, g->members[k]) && t->ticked[g->members[k]])
				selection_tick(t->inv, t->ticked, t->confirmed, g->members[k], false);
		after = going(t);
		for (size_t i = 0; i < t->inv->n_devices; i++)
			if (i != lead && before[i] != after[i])
				strbuf_printf(&also, "%s%s %s", also.len ? ", " : "", tui_addr(t, &t->inv->devices[i]),
					      analysis_class_short(&t->inv->devices[i]));
		if (also.len)
			snprintf(t->status, sizeof(t->status), _("%s unticked: %s too"), tui_addr(t, &t->inv->devices[lead]),
				 also.buf);
		say_driverctl(t, before, after);
		strbuf_free(&also);
		free(before);
		free(after);
		t->dirty = 1;
		return;
	}
	tick_path(t, ask != (size_t)-1 ? ask : lead, true);
}

/* ---- what the tree says of a group as a whole: its verdict on the header
 * row (what ticking it would do, or why it stays), and whether the filter
 * of the moment (f) shows it and its rows ---- */

/* Structure: what stays with the host whatever is ticked, a bridge or a
 * function of the chipset (the " - " mark). */
static bool structure(const struct device *d)
{
	return d->flags & (DEV_BRIDGE | DEV_PLATFORM);
}

bool tree_group_shown(const struct tui *t, const struct iommu_group *g)
{
	struct group_summary s;
	bool gpu = false;

	if (t->filter == FILTER_ALL)
		return true;
	analysis_group_summary(t->inv, g, &s);
	/* without structure: a group with something else in it */
	if (t->filter == FILTER_NO_STRUCTURE)
		return s.endpoints > s.platform;
	/* usable: nothing the host needs, no chipset function, something to
	 * hand over; GPUs: usable, with a display controller (class 03) */
	if (s.host_critical || s.platform || !s.endpoints)
		return false;
	for (size_t k = 0; k < g->n_members; k++)
		gpu = gpu || (t->inv->devices[g->members[k]].class_code >> 16) == 0x03;
	return t->filter == FILTER_USABLE || gpu;
}

bool tree_device_shown(const struct tui *t, const struct device *d)
{
	return t->filter == FILTER_ALL || !structure(d);
}

void tree_next_filter(struct tui *t)
{
	/* the first step is the one a first-timer is told of (usable); the
	 * last, everything but the structure, before all again */
	t->filter = t->filter == FILTER_ALL	     ? FILTER_USABLE
		    : t->filter == FILTER_USABLE     ? FILTER_GPU
		    : t->filter == FILTER_GPU	     ? FILTER_NO_STRUCTURE
						     : FILTER_ALL;
}

const char *tree_filter_said(const struct tui *t)
{
	switch (t->filter) {
	case FILTER_USABLE:
		return _("Filter: usable groups only (nothing the host needs, no chipset); f: GPUs");
	case FILTER_GPU:
		return _("Filter: usable groups with a GPU only; f: hide structure");
	case FILTER_NO_STRUCTURE:
		return _("Filter: structure hidden (bridges, the chipset's functions); f: all groups");
	default:
		return _("all groups");
	}
}

/* Why a HOST group stays, the first reason of its devices that applies
 * (the flags in core/inventory.h), short. */
static const char *host_reason(const struct tui *t, const struct iommu_group *g)
{
	static const struct {
		unsigned flag;
		const char *why;
	} reasons[] = {
		{DEV_ROOT_DISK, N_("  HOST: holds the root disk: stays")},
		{DEV_BOOT_DISK, N_("  HOST: holds the boot disk: stays")},
		{DEV_SWAP_DISK, N_("  HOST: holds the swap: stays")},
		{DEV_MOUNT_DISK, N_("  HOST: holds a mounted disk: stays")},
		{DEV_SSH_NIC, N_("  HOST: carries this SSH session: stays")},
		{DEV_BOOT_VGA, N_("  HOST: the boot GPU: stays")},
	};
	unsigned flags = 0;

	for (size_t k = 0; k < g->n_members; k++)
		flags |= t->inv->devices[g->members[k]].flags;
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		if (flags & reasons[i].flag)
			return _(reasons[i].why);
	return _("  HOST: stays with the host");
}

const char *tree_group_verdict(const struct tui *t, const struct iommu_group *g, const struct group_summary *s,
			       char *buf, size_t n)
{
	struct strbuf with = {0};
	bool typed = false;

	/* taken from the host on the user's typed address: say so, not "stays" */
	for (size_t k = 0; k < g->n_members; k++)
		typed = typed || (t->confirmed[g->members[k]] && t->ticked[g->members[k]]);
	if (s->host_critical)
		return typed ? _("  HOST: goes to vfio-pci on your typed word") : host_reason(t, g);
	if (s->platform && s->endpoints > s->platform)
		return typed ? _("  CHIPSET: goes to vfio-pci on your typed word")
			     : _("  CHIPSET: goes only with the chipset's functions");
	if (!s->endpoints || s->endpoints == s->platform)
		return _("  structure: stays with the host");
	if (s->slots > 1)
		return _("  shared: its devices go to a VM together");
	if (s->endpoints == 1)
		return _("  ready");
	/* one slot, several functions: say which come along with the first,
	 * by the rule the marks and the plan follow (a PF's VFs do not) */
	for (size_t k = 0, first = (size_t)-1; k < g->n_members; k++) {
		const struct device *d = &t->inv->devices[g->members[k]];
		if (d->flags & DEV_BRIDGE)
			continue;
		if (first == (size_t)-1)
			first = g->members[k];
		else if (selection_companion(t->inv, first, g->members[k]) != COMPANION_NONE)
			strbuf_printf(&with, "%s%s", with.len ? ", " : "",
				      *analysis_class_short(d) ? analysis_class_short(d) : "?");
	}
	if (!with.len) /* nothing comes along, yet the group goes to one VM */
		return _("  shared: its devices go to a VM together");
	snprintf(buf, n, _("  ready, with its %s"), with.buf);
	strbuf_free(&with);
	return buf;
}
