/* view_history.c - vfioconf's transactions, newest first; 'u' undoes the
 * last one through the app. */
#include "config.h"

#include "core/i18n.h"
#include "tui/report.h"
#include "tui/tui.h"

#include <errno.h>
#include <stdio.h>

void history_open(struct tui *t)
{
	struct tx_info *v = NULL;
	size_t n = 0;
	struct strbuf sb = {0};

	if (app_history(t->app, &v, &n) == -EACCES)
		strbuf_puts(&sb, _("The journal can be read by root only: run vfioconf with sudo to see the history.\n"));
	else if (!n)
		strbuf_puts(&sb, _("No transaction yet.\n"));
	for (size_t i = n; i > 0; i--) {
		const struct tx_info *x = &v[i - 1];
		char of[16] = "";
		if (x->of[0])
			journal_short_id(x->of, of);
		strbuf_printf(&sb, "%s  %-8s  %-8s %-12s%s%s\n", x->created, x->short_id, x->kind, x->state,
			      x->of[0] ? _("  of ") : "", of);
		for (size_t f = 0; f < x->files.n; f++)
			strbuf_printf(&sb, "    %s\n", x->files.v[f]);
		for (size_t c = 0; c < x->cmds.n; c++)
			strbuf_printf(&sb, "    $ %s\n", x->cmds.v[c]);
	}
	if (n)
		strbuf_puts(&sb, t->readonly ? _("\nRead-only (not root): run vfioconf as root to undo.\n")
					     : _("\nPress u to undo the last transaction.\n"));
	journal_list_free(v, n);
	text_open(t, &history_view, _("History: newest first"), sb.buf);
	strbuf_free(&sb);
}

static int do_undo(struct tui *t)
{
	return report_journal_cmd(t->app, REPORT_UNDO, "undo", NULL);
}

static void undo_last(struct tui *t)
{
	int r;

	if (t->readonly) {
		snprintf(t->status, sizeof(t->status), "%s", _("read-only (not root): run vfioconf as root to undo"));
		return;
	}
	r = tui_ask_outside(t, _("Undo the last transaction now? (y/n)"), do_undo);
	if (r < 0)
		return;
	if (r == EXIT_OK)
		snprintf(t->status, sizeof(t->status), "%s", _("Undone. Reboot for it to take effect."));
	else
		snprintf(t->status, sizeof(t->status), "%s", _("Not undone (the reason was shown)."));
	tree_ticks_from_state(t);
	history_open(t);
}

static bool history_act(struct tui *t, enum action a)
{
	if (a == ACT_UNDO) {
		undo_last(t);
		return true;
	}
	return text_act(t, a);
}

const struct view history_view = {"history", text_draw, history_act};
