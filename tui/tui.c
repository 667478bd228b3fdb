/* tui.c - the curses front end: terminal set-up, the action table (keys
 * and help from one list), the loop, and what every view draws with.
 */
#include "config.h"

#include "core/i18n.h"
#include "tui/report.h"
#include "tui/tui.h"

#include <curses.h>
#include <term.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* One table binds the keys and writes the help screen (tig). The names of
 * keys are translated as the keyboard labels them (N_(): the footers say
 * "Space" in their own words too). */
static const struct binding {
	int key;
	enum action a;
	const char *keys;  /* shown in help; NULL: an alias listed with its twin */
	const char *help;  /* N_() */
} bindings[] = {
	/* TRANSLATORS: "Up, k" ... "Space": the names of keys in the help, as
	 * the keyboard and the footers name them */
	{KEY_UP, ACT_UP, N_("Up, k"), N_("move up")},
	{'k', ACT_UP, NULL, NULL},
	{KEY_DOWN, ACT_DOWN, N_("Down, j"), N_("move down")},
	{'j', ACT_DOWN, NULL, NULL},
	{KEY_PPAGE, ACT_PGUP, N_("PgUp"), N_("page up")},
	{KEY_NPAGE, ACT_PGDN, N_("PgDn"), N_("page down")},
	{KEY_HOME, ACT_HOME, N_("Home"), N_("first line")},
	{KEY_END, ACT_END, N_("End"), N_("last line")},
	{'\n', ACT_TOGGLE, N_("Enter"), N_("open or close a group; details of a device")},
	{KEY_ENTER, ACT_TOGGLE, NULL, NULL},
	{KEY_RIGHT, ACT_OPEN, N_("Right"), N_("open a group")},
	{KEY_LEFT, ACT_CLOSE, N_("Left"), N_("close a group (or go to it)")},
	{' ', ACT_TICK, N_("Space"), N_("tick or untick a device for vfio-pci")},
	{'g', ACT_GROUP, "g", N_("tick or untick a whole group (a GPU's functions come along)")},
	{'d', ACT_DETAILS, "d", N_("details of the device")},
	{'p', ACT_PREVIEW, "p", N_("preview: the diff of every file and the commands")},
	{'/', ACT_SEARCH, "/", N_("search by name, class, driver, flag, ID or address")},
	{'n', ACT_NEXT, "n", N_("the next match of the last search")},
	{'+', ACT_OPEN_ALL, "+", N_("open every group")},
	{'-', ACT_CLOSE_ALL, "-", N_("close every group")},
	{'f', ACT_FILTER, "f", N_("filter the groups: usable, with a GPU, no structure, all")},
	{'t', ACT_TRIAL, "t", N_("in the preview: try it once first, a trial boot (asks first)")},
	{'a', ACT_APPLY, "a", N_("in the preview: apply it as one transaction (asks first)")},
	{'b', ACT_BOOKS, "b", N_("in the preview: show or fold devices.conf (bookkeeping)")},
	{'s', ACT_STATUS, "s", N_("status: is what was applied in force (after the reboot)?")},
	{'h', ACT_HISTORY, "h", N_("history of transactions")},
	{'u', ACT_UNDO, "u", N_("in the history: undo the last transaction (asks first)")},
	{'?', ACT_HELP, "?", N_("this help")},
	{27, ACT_BACK, "Esc", N_("back to the groups; cancels a question or a search")},
	{KEY_BACKSPACE, ACT_BACK, NULL, NULL},
	{'q', ACT_QUIT, "q", N_("quit (asks when ticks are not applied)")},
};

void tui_print_keys(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(bindings); i++)
		if (bindings[i].keys)
			fprintf(f, "%s\t%s\n", bindings[i].keys, bindings[i].help);
}

void tui_keys_help(struct strbuf *sb)
{
	for (size_t i = 0; i < ARRAY_SIZE(bindings); i++)
		if (bindings[i].keys) {
			/* padded by columns, not bytes: a translated name may have an umlaut */
			const char *k = _(bindings[i].keys);
			size_t c = tui_columns(k, strlen(k));
			strbuf_printf(sb, "  %s%*s %s\n", k, c < 10 ? (int)(10 - c) : 0, "", _(bindings[i].help));
		}
}

static volatile sig_atomic_t curses_on;

static void on_signal(int sig)
{
	if (curses_on)
		endwin(); /* the terminal comes back whatever happens */
	signal(sig, SIG_DFL);
	raise(sig);
}

static enum action key_action(int ch)
{
	for (size_t i = 0; i < ARRAY_SIZE(bindings); i++)
		if (bindings[i].key == ch)
			return bindings[i].a;
	return ACT_NONE;
}

bool tui_move_in(size_t *pos, size_t last, size_t page, enum action a)
{
	switch (a) {
	case ACT_UP:
		if (*pos > 0)
			(*pos)--;
		return true;
	case ACT_DOWN:
		if (*pos < last)
			(*pos)++;
		return true;
	case ACT_PGUP:
		*pos = *pos > page ? *pos - page : 0;
		return true;
	case ACT_PGDN:
		*pos = *pos + page < last ? *pos + page : last;
		return true;
	case ACT_HOME:
		*pos = 0;
		return true;
	case ACT_END:
		*pos = last;
		return true;
	default:
		return false;
	}
}

/* ---- drawing helpers ---- */

void tui_attr(const struct tui *t, int pair, bool on)
{
	int a = 0;

	if (t->color)
		a = COLOR_PAIR(pair) | (pair == PAIR_HEAD ? A_BOLD : 0);
	else
		a = pair == PAIR_BAR || pair == PAIR_HEAD ? A_REVERSE : pair == PAIR_BAD ? A_BOLD : 0;
	if (on)
		attron(a);
	else
		attroff(a);
}

/* The bytes of s's first cols characters (UTF-8: one column each). */
static size_t bytes_for(const char *s, int cols)
{
	size_t i = 0;

	for (int c = 0; s[i] && c < cols; c++) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
	}
	return i;
}

void tui_line_at(int y, const char *s)
{
	move(y, 0);
	clrtoeol();
	/* addnstr counts bytes: an arrow would cost two columns of the line */
	addnstr(s, (int)bytes_for(s, COLS > 0 ? COLS : 0));
}

int tui_status_lines(const struct tui *t)
{
	size_t cols = tui_columns(t->status, strlen(t->status)), w = COLS > 20 ? (size_t)COLS : 80;
	size_t n = (cols + w - 1) / w;

	return n < 1 ? 1 : n > 3 ? 3 : (int)n;
}

void tui_fill_line(int y)
{
	int x = getcurx(stdscr);

	if (getcury(stdscr) == y && x < COLS)
		hline(' ', COLS - x);
}

void tui_draw_header(struct tui *t)
{
	const struct host_facts *h = &t->inv->host;
	char iommu[96], boot[96], initrd[96], buf[512];
	const char *ro = t->readonly ? _("  [read-only: not root]") : "";
	size_t w = COLS > 0 ? (size_t)COLS : 80;

	snprintf(iommu, sizeof(iommu), "  IOMMU %s (%s)", inventory_iommu_enabled(t->inv) ? _("on") : _("OFF"),
		 cpu_vendor_name(h->cpu));
	snprintf(boot, sizeof(boot), "  boot: %s", t->boot ? t->boot : _("none found"));
	snprintf(initrd, sizeof(initrd), "  initramfs: %s", t->initrd ? t->initrd : _("none found"));
	/* what matters most first; where the width is short, the lesser parts
	 * go whole (never a label without its value): the initramfs system,
	 * then the read-only note's reason, then the boot loader */
	for (int drop = 0;; drop++) {
		snprintf(buf, sizeof(buf), " vfioconf%s%s%s%s%s", t->demo ? _("  DEMO") : "",
			 drop < 2 ? ro : t->readonly ? _("  [read-only]") : "", iommu, drop < 3 ? boot : "",
			 drop < 1 ? initrd : "");
		if (drop >= 3 || tui_columns(buf, strlen(buf)) <= w)
			break;
	}
	tui_attr(t, PAIR_HEAD, true);
	tui_line_at(0, buf);
	tui_fill_line(0);
	tui_attr(t, PAIR_HEAD, false);
}

void tui_draw_footer(struct tui *t, const char *keys)
{
	/* a long message takes up to three lines above the keys, broken at a
	 * blank: the advice at its end is what matters */
	int n = tui_status_lines(t), w = COLS > 20 ? COLS : 80;
	const char *s = t->status;

	for (int y = LINES - 1 - n; y < LINES - 1; y++) {
		size_t b = bytes_for(s, w);
		if (s[b] && y < LINES - 2)
			for (size_t k = b; k > b / 2; k--)
				if (s[k - 1] == ' ') {
					b = k;
					break;
				}
		move(y, 0);
		clrtoeol();
		addnstr(s, (int)b);
		s += b;
	}
	tui_attr(t, PAIR_BAR, true);
	tui_line_at(LINES - 1, keys);
	tui_fill_line(LINES - 1);
	tui_attr(t, PAIR_BAR, false);
}

/* ---- prompts ---- */

int tui_ask(struct tui *t, const char *q)
{
	int before;

	/* that Esc cancels, where the question keeps its lines with it */
	snprintf(t->status, sizeof(t->status), "%s", q);
	before = tui_status_lines(t);
	snprintf(t->status, sizeof(t->status), "%s  %s", q, _("Esc cancels"));
	if (tui_status_lines(t) > before || tui_columns(t->status, strlen(t->status)) > (size_t)before * (size_t)COLS)
		snprintf(t->status, sizeof(t->status), "%s", q);
	t->view->draw(t);
	refresh();
	return getch();
}

void tui_read_line(struct tui *t, int y, const char *prompt, char *buf, int n)
{
	size_t w = mbstowcs(NULL, prompt, 0); /* columns, near enough */

	if (w == (size_t)-1)
		w = strlen(prompt);
	int len = 0;

	t->view->draw(t);
	buf[0] = '\0';
	curs_set(1);
	for (;;) {
		char *line = xasprintf("%s%s", prompt, buf);
		const char *esc = _("Esc cancels");
		size_t used = tui_columns(line, strlen(line)), ew = tui_columns(esc, strlen(esc));
		int c;
		tui_line_at(y, line);
		free(line);
		/* at the right end of the line, while the typing leaves room */
		if (COLS > 0 && used + 2 + ew < (size_t)COLS)
			mvaddstr(y, COLS - 1 - (int)ew, esc);
		move(y, w + (size_t)len < (size_t)COLS ? (int)w + len : COLS - 1);
		c = getch();
		if (c == '\n' || c == '\r' || c == KEY_ENTER)
			break;
		if (c == 27 || c == ERR) { /* Esc, or no more input: nothing typed */
			buf[0] = '\0';
			break;
		}
		if ((c == KEY_BACKSPACE || c == 127 || c == 8) && len > 0)
			buf[--len] = '\0';
		else if (c >= 32 && c < 127 && len < n - 1) {
			buf[len++] = (char)c;
			buf[len] = '\0';
		}
	}
	curs_set(0);
	t->status[0] = '\0';
}

static int outside(struct tui *t, int (*fn)(struct tui *))
{
	int r, c;

	def_prog_mode();
	endwin();
	curses_on = 0;
	putchar('\n');
	r = fn(t);
	printf(_("\nPress Enter to return to vfioconf."));
	fflush(stdout);
	/* read(2), not stdio: curses reads the same fd byte by byte, and a
	 * stdio buffer would swallow keys queued after the Enter */
	do {
		char b;
		c = read(0, &b, 1) == 1 ? b : EOF;
	} while (c != EOF && c != '\n');
	reset_prog_mode();
	curses_on = 1;
	refresh();
	return r;
}

/* y, or German's j (ja): the prompts are translated, the answer may be too */
static bool yes(int c)
{
	return c == 'y' || c == 'Y' || c == 'j' || c == 'J';
}

int tui_ask_outside(struct tui *t, const char *question, int (*fn)(struct tui *))
{
	int c = tui_ask(t, question);

	t->status[0] = '\0';
	if (!yes(c))
		return -1;
	return outside(t, fn);
}

bool tui_confirm_quit(struct tui *t)
{
	int c;

	if (!t->dirty)
		return true;
	c = tui_ask(t, _("Quit? The ticks are not applied. (y/n)"));
	t->status[0] = '\0';
	return yes(c);
}

/* ---- the program ---- */

static void colors(struct tui *t)
{
	t->color = has_colors() && !getenv("NO_COLOR");
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_BAD, COLOR_RED, -1);
	init_pair(PAIR_TICK, COLOR_GREEN, -1);
	init_pair(PAIR_HEAD, COLOR_WHITE, COLOR_BLUE);
	/* a bar to the right edge is one "erase line" where the terminal
	 * erases in the background colour (bce: xterm, linux); elsewhere
	 * (screen, vt100) it is a row of blanks on every move, over SSH */
	t->bar_full = tigetflag("bce") > 0;
}

int tui_run(struct app *a)
{
	struct tui t = {.app = a, .inv = &a->inv};
	const char *cs;
	int r;

	if (app_scan(a) < 0) {
		report_log(&a->log);
		return EXIT_FAIL;
	}
	app_backends_chosen(a, &t.boot, &t.initrd);
	t.ticked = xcalloc(t.inv->n_devices + 1, sizeof(bool));
	t.confirmed = xcalloc(t.inv->n_devices + 1, sizeof(bool));
	t.open = xcalloc(t.inv->n_groups + 1, sizeof(bool));
	for (size_t g = 0; g <= t.inv->n_groups; g++)
		t.open[g] = true;
	cs = nl_langinfo(CODESET);
	t.utf8 = cs && strcasecmp(cs, "UTF-8") == 0;
	t.readonly = geteuid() != 0;
	t.addr_skip = 5;
	for (size_t i = 0; i < t.inv->n_devices; i++)
		if (t.inv->devices[i].addr.domain)
			t.addr_skip = 0; /* 0000:00:00.0 and 0001:00:00.0 are two devices */
	t.demo = strcmp(a->o.scan.sr.sysfs, "/sys") != 0;
	tree_ticks_from_state(&t);
	tree_build_rows(&t);
	t.view = &tree_view;
	if (!inventory_iommu_enabled(t.inv)) {
		char *m = report_iommu_off(&t.inv->host);
		snprintf(t.status, sizeof(t.status), "%s", m);
		free(m);
	} else if (a->log.n) {
		snprintf(t.status, sizeof(t.status), "%s", a->log.e[0].msg);
	} else {
		status_summary(&t);
	}
	/* a first-timer's first page may be bridges only: where to start,
	 * until the first key */
	if (!t.status[0])
		snprintf(t.status, sizeof(t.status), "%s", _("f: usable groups only   /: search   ?: help"));

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (term_open(&t.term) < 0) {
		r = EXIT_FAIL;
		goto out;
	}
	curses_on = 1;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(50);
	colors(&t);
	for (int ch = 0;;) {
		t.view->draw(&t);
		refresh();
		term_frame(&t.term, ch);
		ch = term_key(&t.term);
		if (ch == KEY_RESIZE)
			continue; /* ncurses has the new size: draw again */
		if (ch == ERR)
			break;
		if (!t.view->act(&t, key_action(ch)))
			break;
	}
	term_close(&t.term);
	curses_on = 0;
	r = EXIT_OK;
out:
	text_free(&t);
	if (t.have_plan)
		app_plan_free(&t.plan);
	preview_trial_free(&t);
	free(t.rows);
	free(t.ticked);
	free(t.confirmed);
	free(t.open);
	return r;
}
