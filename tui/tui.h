/* tui.h - the curses front end: one view per screen behind view_ops (tig),
 * one action table that binds the keys and writes the help screen and the
 * man page's KEYS.
 *
 * The screen asks the application layer (app/app.h) for everything: the
 * machine, the selection devices.conf records, plans, transactions and
 * the history. It reads no file and never calls the CLI. The model
 * (inventory, ticks, plan) never calls curses; only tui*.c and view_*.c do.
 *
 *   tui.c           terminal, key table, the loop, drawing and prompt helpers
 *   view_tree.c     the group tree, search (view_tree_tick.c: ticking,
 *                   a group's verdict, the filters)
 *   view_text.c     what every text view shares: scrolling, wrapping
 *   view_help.c, view_details.c, view_preview.c, view_history.c, view_status.c
 */
#ifndef VFIOCONF_TUI_H
#define VFIOCONF_TUI_H

#include <stdbool.h>
#include <stdio.h>

#include "app/app.h"
#include "tui/term.h"

enum action {
	ACT_NONE,
	ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_HOME, ACT_END,
	ACT_OPEN, ACT_CLOSE, ACT_TOGGLE, ACT_TICK, ACT_GROUP,
	ACT_DETAILS, ACT_PREVIEW, ACT_SEARCH, ACT_HELP, ACT_BACK, ACT_QUIT,
	ACT_APPLY, ACT_HISTORY, ACT_UNDO,
	ACT_NEXT, ACT_OPEN_ALL, ACT_CLOSE_ALL, ACT_FILTER, ACT_BOOKS, ACT_STATUS, ACT_TRIAL,
};

/* One row of the tree: a group, or a device under it. */
struct row {
	bool is_group;
	int group;     /* index into inventory.groups, -1: the ungrouped */
	size_t dev;    /* index into inventory.devices (device rows) */
};

struct tui {
	struct app *app;
	const struct inventory *inv; /* the app's */
	bool *ticked;          /* one per device */
	bool *confirmed;       /* one per device: host-critical, its address typed */
	bool *open;            /* one per group (+1: the ungrouped) */
	struct row *rows;
	size_t nrows, cur, top;
	bool utf8, color, readonly, demo;
	bool bar_full;         /* the cursor bar to the right edge (tui.c colors()) */
	const char *boot, *initrd; /* detected backends, for the header */
	char status[256];      /* the message line */
	char search[64];
	int col_name, col_driver; /* the tree's stretching columns (view_tree.c) */
	int layout_cols;       /* the width they were laid out for (0: again) */
	int addr_skip;         /* 5: every device is in PCI domain 0000, shown without it */
	/* f cycles: all, usable, usable with a GPU, all but the structure */
	enum { FILTER_ALL, FILTER_USABLE, FILTER_GPU, FILTER_NO_STRUCTURE } filter;
	bool show_books;       /* the preview shows devices.conf's diff (b) */
	const struct view *view;
	/* text views: the text as the view made it, its lines on screen (for
	 * text_cols columns; text_from: the text's line each came from), and
	 * the first one shown */
	char *text_src;
	struct strv text;
	size_t *text_from;
	int text_cols;
	size_t text_top;
	char title[128];
	int dirty;             /* ticks changed since start or the last apply */
	/* the plan the preview showed: what 'a' applies */
	struct app_plan plan;
	bool have_plan;
	/* the same selection as a trial boot (app_trial_plan): what 't'
	 * applies; or trial_why, why none can be made here (owned) */
	struct plan trial;
	bool have_trial;
	char trial_id[16];
	char *trial_why;
	struct term_screen term;
};

struct view {
	const char *name;
	void (*draw)(struct tui *t);
	/* returns false to leave the program */
	bool (*act)(struct tui *t, enum action a);
};

extern const struct view tree_view, help_view, details_view, preview_view, history_view, status_view;

int tui_run(struct app *a);
/* The key table, "KEYS<TAB>help" a line (untranslated), for the docs. */
void tui_print_keys(FILE *f);

/* ---- tui.c: what the views share ---- */

/* d's address as the screen shows it: without the domain when every
 * device is in domain 0000. */
static inline const char *tui_addr(const struct tui *t, const struct device *d)
{
	return d->addr_str + t->addr_skip;
}

enum { PAIR_BAR = 1, PAIR_BAD, PAIR_TICK, PAIR_HEAD };
void tui_attr(const struct tui *t, int pair, bool on);
/* s at y, clipped to the width, the rest of the line cleared. */
void tui_line_at(int y, const char *s);
/* Pads line y from where the text ended (hline never scrolls). */
void tui_fill_line(int y);
void tui_draw_header(struct tui *t);
/* The lines the message takes above the keys (1 to 3). */
int tui_status_lines(const struct tui *t);
void tui_draw_footer(struct tui *t, const char *keys);
/* The movement keys over a position in [0, last] (the tree's cursor, a
 * text view's first line): true when a was one of them. */
bool tui_move_in(size_t *pos, size_t last, size_t page, enum action a);
/* A one-key answer on the message line. */
int tui_ask(struct tui *t, const char *q);
/* One line typed at line y after prompt, echoed, over the screen as drawn;
 * Esc cancels (buf empty). Addresses and search words: ASCII only. */
void tui_read_line(struct tui *t, int y, const char *prompt, char *buf, int n);
/* Asks question (y/n); on yes runs fn on the plain terminal (live
 * command output), then comes back: fn's result. -1 on no. */
int tui_ask_outside(struct tui *t, const char *question, int (*fn)(struct tui *));
bool tui_confirm_quit(struct tui *t);
/* "  KEYS  help" lines of the key table, translated, for the help view. */
void tui_keys_help(struct strbuf *sb);

/* ---- view_text.c ---- */

/* Screen columns of s[0..n): UTF-8 continuation bytes take none. */
size_t tui_columns(const char *s, size_t n);

/* Shows text (lines) in view v under title, wrapped at the width of the
 * moment (again after a resize). */
void text_open(struct tui *t, const struct view *v, const char *title, const char *text);
void text_free(struct tui *t);
void text_draw(struct tui *t);
/* Scrolling, back to the tree, help, history, quit. */
bool text_act(struct tui *t, enum action a);
/* "LABEL message", word-wrapped at the screen width with the rest indented
 * (when drawn: a resize wraps it again). */
void text_put_wrapped(struct strbuf *sb, const char *label, const char *msg);

/* ---- the views' entry points ---- */

void tree_build_rows(struct tui *t);
struct group_summary;
/* view_tree_tick.c too: does the filter show group g, device d's row (the
 * structure goes with any filter); f's next step, and what the message
 * line says of it. */
bool tree_group_shown(const struct tui *t, const struct iommu_group *g);
bool tree_device_shown(const struct tui *t, const struct device *d);
void tree_next_filter(struct tui *t);
const char *tree_filter_said(const struct tui *t);
/* A group header's verdict: whether it can go, with what, or why it
 * stays (buf, n: room for "ready, with its ..."). */
const char *tree_group_verdict(const struct tui *t, const struct iommu_group *g, const struct group_summary *s,
			       char *buf, size_t n);
/* view_tree_tick.c: Space and g on a row; the message line says what
 * happened. */
void tree_tick(struct tui *t, const struct row *r);
void tree_tick_group(struct tui *t, const struct row *r);
/* The ticked device that brings device di along (core/selection.c's rule,
 * the plan's: a card's functions from any group, a slot's in its group),
 * or -1: the tree marks it [+]. */
long tree_brought_by(const struct tui *t, size_t di);
/* Ticks what devices.conf names: the screen starts from what is set up. */
void tree_ticks_from_state(struct tui *t);
void help_open(struct tui *t);
void details_open(struct tui *t, size_t dev);
void preview_open(struct tui *t);
void preview_trial_free(struct tui *t);
/* The preview's key line: the keys that act on this plan. */
const char *preview_keybar(const struct tui *t);
void history_open(struct tui *t);
void status_open(struct tui *t);
/* One line on the message line when vfioconf configured something here:
 * whether it is in force (nothing when devices.conf does not exist). */
void status_summary(struct tui *t);

#endif
