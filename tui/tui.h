/* tui.h - the curses front end: one screen per view behind view_ops (tig),
 * one action table that binds the keys and writes the help screen.
 * The model (inventory, ticks, plan) never calls curses; only tui*.c do.
 */
#ifndef VFIOCONF_TUI_H
#define VFIOCONF_TUI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/intent.h"
#include "core/inventory.h"
#include "core/plan.h"
#include "tui/cli.h"
#include "tui/term.h"

enum action {
	ACT_NONE,
	ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_HOME, ACT_END,
	ACT_OPEN, ACT_CLOSE, ACT_TOGGLE, ACT_TICK, ACT_GROUP,
	ACT_DETAILS, ACT_PREVIEW, ACT_SEARCH, ACT_HELP, ACT_BACK, ACT_QUIT,
	ACT_APPLY, ACT_HISTORY, ACT_UNDO,
};

enum text_kind { TEXT_HELP, TEXT_DETAILS, TEXT_PREVIEW, TEXT_HISTORY };

/* One row of the tree: a group, or a device under it. */
struct row {
	bool is_group;
	int group;     /* index into inventory.groups, -1: the ungrouped */
	size_t dev;    /* index into inventory.devices (device rows) */
};

struct tui {
	struct cli *cli;
	struct inventory inv;
	bool *ticked;          /* one per device */
	bool *confirmed;       /* one per device: host-critical, its address typed */
	bool *open;            /* one per group (+1: the ungrouped) */
	struct row *rows;
	size_t nrows, cur, top;
	bool utf8, color, readonly, demo;
	const char *boot, *initrd; /* detected backends, for the header */
	char status[256];      /* the message line */
	char search[64];
	const struct view *view;
	/* text views: lines and scroll */
	struct strv text;
	size_t text_top;
	char title[128];
	enum text_kind text_kind;
	int dirty;             /* ticks changed since start or the last apply */
	/* the plan the preview showed: what 'a' applies */
	struct intent want;
	struct plan plan;
	bool have_plan;
	struct term_screen term;
};

struct view {
	const char *name;
	void (*draw)(struct tui *t);
	/* returns false to leave the program */
	bool (*act)(struct tui *t, enum action a);
};

extern const struct view tree_view, text_view;

int tui_run(struct cli *cli);
/* The key table, "KEYS<TAB>help" a line (untranslated), for the docs. */
void tui_print_keys(FILE *f);

#endif
