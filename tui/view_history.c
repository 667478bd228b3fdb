/* view_history.c - vfioconf's transactions, newest first; 'u' undoes the
 * last one through the app. */
#include "config.h"

#include "core/i18n.h"
#include "tui/report.h"
#include "tui/tui.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
		/* as 'vfioconf history' prints it: the short ID first */
		strbuf_printf(&sb, "%-8s  %-8s %-12s %s", x->short_id, x->kind, x->state, x->created);
		if (x->of[0])
			strbuf_printf(&sb, _("  (of %s)"), of);
		strbuf_putc(&sb, '\n');
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

static char undo_target[64];

static int do_undo(struct tui *t)
{
	return report_journal_cmd(t->app, REPORT_UNDO, "undo", undo_target);
}

/* What 'vfioconf undo' takes without an id: the last committed
 * transaction no later one undid. -1 when there is none. */
static long last_undoable(const struct tx_info *v, size_t n)
{
	for (size_t i = n; i > 0; i--)
		if (strcmp(v[i - 1].state, "COMMITTED") == 0 && !journal_info_undone(v, n, i - 1, false))
			return (long)(i - 1);
	return -1;
}

static void undo_last(struct tui *t)
{
	struct tx_info *v = NULL;
	size_t n = 0;
	char q[256], of[16] = "";
	long pick;
	int r;

	if (t->readonly) {
		snprintf(t->status, sizeof(t->status), "%s", _("read-only (not root): run vfioconf as root to undo"));
		return;
	}
	app_history(t->app, &v, &n);
	pick = last_undoable(v, n);
	if (pick < 0) {
		snprintf(t->status, sizeof(t->status), "%s", _("nothing to undo"));
		journal_list_free(v, n);
		return;
	}
	snprintf(undo_target, sizeof(undo_target), "%s", v[pick].id);
	if (v[pick].of[0])
		journal_short_id(v[pick].of, of);
	if (strcmp(v[pick].kind, "undo") == 0)
		snprintf(q, sizeof(q), _("Undo %s, the undo of %s? That puts %s's changes back. (y/n)"), v[pick].short_id,
			 of, of);
	else
		snprintf(q, sizeof(q), _("Undo %s (%s, %s)? (y/n)"), v[pick].short_id, v[pick].kind, v[pick].created);
	journal_list_free(v, n);
	r = tui_ask_outside(t, q, do_undo);
	if (r < 0) {
		snprintf(t->status, sizeof(t->status), "%s", _("Nothing was undone."));
		return;
	}
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
