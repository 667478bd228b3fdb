/* view_tree_tick.c - ticking on the group tree: what comes along, what
 * is refused and why, said at once on the message line; a device the host
 * needs (or a group with the chipset's functions) only on its address,
 * typed in full (DESIGN.md, Safety). core/selection.c decides. */
#include "config.h"

#include "core/analysis.h"
#include "core/i18n.h"
#include "core/selection.h"
#include "tui/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why d cannot be ticked, in words. */
static const char *block_reason(const struct device *d)
{
	static char why[160];

	if (selection_blocked(d) == TICK_BRIDGE)
		return _("bridges stay with the host; tick the devices behind it");
	if (selection_blocked(d) == TICK_PLATFORM) {
		snprintf(why, sizeof(why), _("a platform function (%s): part of the chipset, it stays with the host"),
			 analysis_platform_kind(d));
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

	tui_read_line(t, LINES - 1, prompt, typed, sizeof(typed));
	if (strcmp(typed, d->addr_str) != 0) {
		snprintf(t->status, sizeof(t->status), _("%s stays with the host (its address was not typed)"),
			 d->addr_str);
		return;
	}
	selection_tick(t->inv, t->ticked, t->confirmed, di, true);
	t->confirmed[di] = true;
	t->dirty = 1;
	snprintf(t->status, sizeof(t->status), _("%s ticked on your word: p shows what the host loses"), d->addr_str);
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
			 analysis_platform_kind(p), more);
	else
		snprintf(t->status, sizeof(t->status), _("group %d also holds %s (%s): it goes along"), g->id,
			 tui_addr(t, p), analysis_platform_kind(p));
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

void tree_tick(struct tui *t, const struct row *r)
{
	const struct device *d;

	if (!r || r->is_group) {
		snprintf(t->status, sizeof(t->status), "%s", _("Space ticks a device; g ticks a whole group"));
		return;
	}
	d = &t->inv->devices[r->dev];
	if (selection_blocked(d) != TICK_FREE && !t->ticked[r->dev]) {
		if (selection_blocked(d) == TICK_HOST_CRITICAL)
			take_from_host(t, r->dev);
		else
			snprintf(t->status, sizeof(t->status), "%s: %s", d->addr_str, block_reason(d));
		return;
	}
	if (!t->ticked[r->dev] && d->group >= 0) {
		/* the group goes to one VM as a whole: a member the host needs
		 * (and was not given away by its typed address) keeps it here */
		const struct iommu_group *g = inventory_group(t->inv, d->group);
		for (size_t k = 0; g && k < g->n_members; k++) {
			const struct device *m = &t->inv->devices[g->members[k]];
			if (g->members[k] != r->dev && (m->flags & DEV_HOST_CRITICAL) && !(m->flags & DEV_BRIDGE) &&
			    !t->confirmed[g->members[k]]) {
				snprintf(t->status, sizeof(t->status), _("%s stays: group %d also holds %s, which the host needs (%s)"),
					 tui_addr(t, d), g->id, tui_addr(t, m), block_reason(m));
				return;
			}
		}
	}
	if (!t->ticked[r->dev] && analysis_group_platform(t->inv, d) >= 0) {
		take_with_group(t, r->dev, (size_t)analysis_group_platform(t->inv, d));
		return;
	}
	{
		/* what comes along (or goes with it), said at once */
		size_t n = t->inv->n_devices;
		bool *before = xmalloc(n ? n : 1), on = !t->ticked[r->dev];
		struct strbuf also = {0};
		size_t nalso = 0;
		memcpy(before, t->ticked, n);
		selection_tick(t->inv, t->ticked, t->confirmed, r->dev, on);
		for (size_t i = 0; i < n; i++)
			if (i != r->dev && before[i] != t->ticked[i]) {
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
		if (!on && d->group >= 0) {
			const struct iommu_group *g = inventory_group(t->inv, d->group);
			for (size_t k = 0; g && k < g->n_members; k++)
				if (t->ticked[g->members[k]] &&
				    selection_companion(t->inv, g->members[k], r->dev) != COMPANION_NONE) {
					snprintf(t->status, sizeof(t->status),
						 _("%s still goes along with %s ([+]): untick that one to leave both"),
						 tui_addr(t, d), tui_addr(t, &t->inv->devices[g->members[k]]));
					break;
				}
		}
		strbuf_free(&also);
		free(before);
	}
	t->dirty = 1;
}

void tree_tick_group(struct tui *t, const struct row *r)
{
	size_t blocker;

	if (!r || r->group < 0)
		return;
	if (selection_tick_group(t->inv, t->ticked, t->confirmed, (size_t)r->group, &blocker) < 0) {
		const struct device *d = &t->inv->devices[blocker];
		snprintf(t->status, sizeof(t->status), _("group %d holds %s: %s"), t->inv->groups[r->group].id,
			 d->addr_str, block_reason(d));
		return;
	}
	t->dirty = 1;
}

