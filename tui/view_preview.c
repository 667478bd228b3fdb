/* view_preview.c - the plan for the ticks: what binds, what is refused or
 * warned, every diff and command; 't' tries it once (a trial boot, offered
 * first where the boot loader can), 'a' applies it through the app. */
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

void preview_trial_free(struct tui *t)
{
	if (t->have_trial)
		plan_free(&t->trial);
	t->have_trial = false;
	free(t->trial_why);
	t->trial_why = NULL;
}

/* The trial of a plan that can be applied, or why there is none. */
static void preview_trial(struct tui *t, const struct app_plan *p)
{
	struct app *a = t->app;
	size_t n0 = a->log.n; /* what app_trial_plan logs is the reason, and only that */

	preview_trial_free(t);
	if (t->readonly || plan_empty(&p->plan) || p->plan.refusals.n || !inventory_iommu_enabled(t->inv))
		return;
	if (app_trial_plan(a, p, &t->trial, t->trial_id) == 0) {
		t->have_trial = true;
	} else {
		plan_free(&t->trial);
		t->trial_why = xstrdup(a->log.n > n0 ? a->log.e[a->log.n - 1].msg : _("no trial boot here"));
	}
	log_truncate(&a->log, n0);
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
	/* nothing to bind: the CLI's words (report.c) */
	if (!want->n_dev)
		strbuf_puts(&sb, report_bind_none(&p));
	else if (plan->refusals.n)
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
	preview_trial(t, &p);
	if (t->have_trial)
		strbuf_puts(&sb, _("\nPress t to try it once first: the plan's boot path as a boot entry of its own, "
				   "booted once, the default entry untouched until you promote it ('vfioconf trial'). "
				   "Or press a to apply it as one transaction.\n"));
	else if (!plan_empty(plan))
		strbuf_puts(&sb, t->readonly ? _("\nRead-only (not root): run vfioconf as root to apply this.\n")
				 : plan->refusals.n
				     ? _("\nSomething is refused: do what its Refused: line says, or change the ticks.\n")
				     : _("\nPress a to apply this as one transaction.\n"));
	if (t->trial_why)
		text_put_wrapped(&sb, _("Try once:"), t->trial_why);
	text_open(t, &preview_view, _("Preview: what would change (nothing is written)"), sb.buf);
	strbuf_free(&sb);
	if (t->have_plan)
		app_plan_free(&t->plan);
	t->plan = p;
	t->have_plan = true;
}

/* Why the preview's plan cannot be applied, or NULL. */
static const char *why_not_apply(const struct tui *t)
{
	return !t->have_plan || plan_empty(&t->plan.plan) ? _("nothing to apply")
	       : t->readonly ? _("read-only (not root): run vfioconf as root to apply")
	       : t->plan.plan.refusals.n
		   ? _("something is refused: do what the preview's Refused: line says, or change the ticks")
		   : NULL;
}

const char *preview_keybar(const struct tui *t)
{
	if (t->have_trial)
		return _(" Up/Down PgUp/PgDn scroll  t try once  a apply  Esc back");
	if (!why_not_apply(t))
		return _(" Up/Down PgUp/PgDn scroll  a apply  Esc back  q quit");
	return _(" Up/Down PgUp/PgDn scroll  Esc back  q quit");
}

static int do_apply(struct tui *t)
{
	return report_apply(t->app, &t->plan, NULL, NULL);
}

static int do_trial(struct tui *t)
{
	struct app_plan p = t->plan; /* the trial's plan, the rest as shown */

	p.plan = t->trial;
	return report_apply(t->app, &p, t->trial_id, NULL);
}

/* Can the preview's plan be applied? Says why not on the message line. */
static bool can_apply(struct tui *t)
{
	const char *why = why_not_apply(t);

	if (why)
		snprintf(t->status, sizeof(t->status), "%s", why);
	return !why;
}

static void try_preview(struct tui *t)
{
	int r;

	if (!can_apply(t))
		return;
	if (!t->have_trial) {
		snprintf(t->status, sizeof(t->status), "%s", t->trial_why ? t->trial_why : _("no trial boot here"));
		return;
	}
	r = tui_ask_outside(t, _("Try this once now, as a trial boot? (y/n)"), do_trial);
	if (r < 0) { /* n or Esc: said, as undo says it */
		snprintf(t->status, sizeof(t->status), "%s", _("Nothing was tried; nothing was written."));
		return;
	}
	t->layout_cols = 0;
	if (r == EXIT_OK) {
		t->dirty = 0;
		snprintf(t->status, sizeof(t->status),
			 _("Trial %s made. Reboot: it boots once; then s (or 'vfioconf trial status') says how it went."),
			 t->trial_id);
	} else {
		snprintf(t->status, sizeof(t->status), "%s", _("Not applied: everything was rolled back (the reason was shown)."));
	}
	preview_trial_free(t);
	t->view = &tree_view;
}

static void apply_preview(struct tui *t)
{
	int r;

	if (!can_apply(t))
		return;
	r = tui_ask_outside(t, _("Apply these changes now? (y/n)"), do_apply);
	if (r < 0) {
		snprintf(t->status, sizeof(t->status), "%s", _("Nothing was applied; nothing was written."));
		return;
	}
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
	if (a == ACT_TRIAL) {
		try_preview(t);
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
