/* view_preview.c - the plan for the ticks: what binds, what is refused or
 * warned, every diff and command; 'a' applies it through the app. */
#include "config.h"

#include "core/i18n.h"
#include "tui/report.h"
#include "tui/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plan's diffs, with devices.conf (vfioconf's own bookkeeping, half
 * the lines of a first plan) folded to one line unless t->show_books: a
 * section runs from its "# PATH: why" line to the next line that starts
 * with "# " (diff lines start with +, -, @ or a blank). */
static void render_folded(const struct tui *t, const struct plan *plan, struct strbuf *sb)
{
	struct strbuf all = {0};
	char *head = xasprintf("# %s:", STATE_PATH);
	const char *l;

	plan_render_text(plan, &all);
	for (l = all.buf ? all.buf : ""; *l;) {
		size_t len = strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n');
		if (!t->show_books && str_starts_with(l, head)) {
			size_t n = 0;
			strbuf_add(sb, l, len);
			for (l += len; *l && !str_starts_with(l, "# "); n++)
				l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n');
			strbuf_printf(sb, _("  (%zu lines of vfioconf's own bookkeeping folded: b shows them)\n"), n);
			continue;
		}
		strbuf_add(sb, l, len);
		l += len;
	}
	free(head);
	strbuf_free(&all);
}

void preview_open(struct tui *t)
{
	struct app_plan p;
	const struct intent *want = &p.want;
	const struct plan *plan = &p.plan;
	struct strbuf sb = {0};
	bool any = false;

	for (size_t i = 0; i < t->inv->n_devices; i++)
		any = any || t->ticked[i];
	/* with the IOMMU off, the first plan is the one that turns it on */
	app_plan(t->app, t->ticked, t->confirmed, !inventory_iommu_enabled(t->inv), &p);
	if (!inventory_iommu_enabled(t->inv)) {
		char *m = report_iommu_off(&t->inv->host);
		text_put_wrapped(&sb, "", m);
		free(m);
	}
	if (plan->outcome.n)
		strbuf_puts(&sb, _("After reboot:\n"));
	for (size_t i = 0; i < plan->outcome.n; i++)
		text_put_wrapped(&sb, " ", plan->outcome.v[i]);
	if (plan->refusals.n)
		strbuf_printf(&sb,
			      P_("Would bind %zu device to vfio-pci, but something is refused (below):\n",
				 "Would bind %zu devices to vfio-pci, but something is refused (below):\n", want->n_dev),
			      want->n_dev);
	else
		strbuf_printf(&sb, P_("Bind %zu device to vfio-pci.\n", "Bind %zu devices to vfio-pci.\n", want->n_dev),
			      want->n_dev);
	for (size_t i = 0; i < want->n_dev; i++) {
		const struct device *d = &t->inv->devices[want->dev[i].idx];
		strbuf_printf(&sb, "  %s %s [%04x:%04x] ", d->addr_str, d->device_name ? d->device_name : "?",
			      d->vendor, d->device);
		if (want->dev[i].driver)
			strbuf_printf(&sb, _("by address, to %s\n"), want->dev[i].driver);
		else
			strbuf_printf(&sb, "%s\n", want->dev[i].method == BIND_IDS ? _("by ID") : _("by address"));
	}
	for (size_t i = 0; i < plan->refusals.n; i++)
		text_put_wrapped(&sb, _("Refused:"), plan->refusals.v[i]);
	for (size_t i = 0; i < plan->warnings.n; i++)
		text_put_wrapped(&sb, _("Warning:"), plan->warnings.v[i]);
	for (size_t i = 0; i < p.log.n; i++)
		text_put_wrapped(&sb, _("Warning:"), p.log.e[i].msg);
	strbuf_putc(&sb, '\n');
	if (plan_empty(plan) && plan->refusals.n)
		strbuf_puts(&sb, _("Refused: nothing changes.\n"));
	else if (plan_empty(plan) && !inventory_iommu_enabled(t->inv))
		strbuf_puts(&sb, _("No file to change: only the firmware setting above turns the IOMMU on.\n"));
	else if (plan_empty(plan))
		strbuf_puts(&sb, _("Nothing to do: the system already looks like this.\n"));
	else
		render_folded(t, plan, &sb);
	if (!plan_empty(plan))
		strbuf_puts(&sb, t->readonly ? _("\nRead-only (not root): run vfioconf as root to apply this.\n")
				 : plan->refusals.n ? _("\nSomething is refused: change the ticks before applying.\n")
						    : _("\nPress a to apply this as one transaction.\n"));
	text_open(t, &preview_view, _("Preview: what would change (nothing is written)"), sb.buf);
	strbuf_free(&sb);
	if (t->have_plan)
		app_plan_free(&t->plan);
	t->plan = p;
	t->have_plan = true;
}

static int do_apply(struct tui *t)
{
	return report_apply(t->app, &t->plan, NULL, NULL);
}

static void apply_preview(struct tui *t)
{
	int r;

	if (!t->have_plan || plan_empty(&t->plan.plan)) {
		snprintf(t->status, sizeof(t->status), "%s", _("nothing to apply"));
		return;
	}
	if (t->readonly) {
		snprintf(t->status, sizeof(t->status), "%s", _("read-only (not root): run vfioconf as root to apply"));
		return;
	}
	if (t->plan.plan.refusals.n) {
		snprintf(t->status, sizeof(t->status), "%s", _("something is refused: change the ticks first"));
		return;
	}
	r = tui_ask_outside(t, _("Apply these changes now? (y/n)"), do_apply);
	if (r < 0)
		return;
	t->layout_cols = 0; /* the next boot's drivers changed */
	if (r == EXIT_OK) {
		t->dirty = 0;
		snprintf(t->status, sizeof(t->status), "%s", _("Applied. Reboot for it to take effect; then s shows whether it did."));
	} else {
		snprintf(t->status, sizeof(t->status), "%s", _("Not applied: everything was rolled back (the reason was shown)."));
	}
	t->view = &tree_view;
}

static bool preview_act(struct tui *t, enum action a)
{
	if (a == ACT_APPLY) {
		apply_preview(t);
		return true;
	}
	if (a == ACT_BOOKS) {
		size_t top = t->text_top;
		t->show_books = !t->show_books;
		preview_open(t);
		t->text_top = top < t->text.n ? top : 0;
		return true;
	}
	return text_act(t, a);
}

const struct view preview_view = {"preview", text_draw, preview_act};
