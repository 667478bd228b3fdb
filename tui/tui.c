/* tui.c - the curses front end: terminal set-up, the action table (keys
 * and help from one list), the loop, and the group tree view.
 */
#include "config.h"

#include "backends/journal/journal.h"
#include "backends/boot/planner.h"
#include "core/analysis.h"
#include "core/i18n.h"
#include "core/state.h"
#include "tui/tui.h"

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* One table binds the keys and writes the help screen (tig). */
static const struct binding {
	int key;
	enum action a;
	const char *keys;  /* shown in help; NULL: an alias listed with its twin */
	const char *help;  /* N_() */
} bindings[] = {
	{KEY_UP, ACT_UP, "Up, k", N_("move up")},
	{'k', ACT_UP, NULL, NULL},
	{KEY_DOWN, ACT_DOWN, "Down, j", N_("move down")},
	{'j', ACT_DOWN, NULL, NULL},
	{KEY_PPAGE, ACT_PGUP, "PgUp", N_("page up")},
	{KEY_NPAGE, ACT_PGDN, "PgDn", N_("page down")},
	{KEY_HOME, ACT_HOME, "Home", N_("first line")},
	{KEY_END, ACT_END, "End", N_("last line")},
	{'\n', ACT_TOGGLE, "Enter", N_("open or close a group; details of a device")},
	{KEY_ENTER, ACT_TOGGLE, NULL, NULL},
	{KEY_RIGHT, ACT_OPEN, "Right", N_("open a group")},
	{KEY_LEFT, ACT_CLOSE, "Left", N_("close a group (or go to it)")},
	{' ', ACT_TICK, "Space", N_("tick or untick a device for vfio-pci")},
	{'g', ACT_GROUP, "g", N_("tick or untick a whole group (a GPU's functions come along)")},
	{'d', ACT_DETAILS, "d", N_("details of the device")},
	{'p', ACT_PREVIEW, "p", N_("preview: the diff of every file and the commands")},
	{'/', ACT_SEARCH, "/", N_("search by name, ID or address")},
	{'a', ACT_APPLY, "a", N_("in the preview: apply it as one transaction (asks first)")},
	{'h', ACT_HISTORY, "h", N_("history of transactions")},
	{'u', ACT_UNDO, "u", N_("in the history: undo the last transaction (asks first)")},
	{'?', ACT_HELP, "?", N_("this help")},
	{27, ACT_BACK, "Esc", N_("back to the groups")},
	{KEY_BACKSPACE, ACT_BACK, NULL, NULL},
	{'q', ACT_QUIT, "q", N_("quit (asks when ticks are not applied)")},
};

void tui_print_keys(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(bindings); i++)
		if (bindings[i].keys)
			fprintf(f, "%s\t%s\n", bindings[i].keys, bindings[i].help);
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

/* The movement keys over a position in [0, last] (the tree's cursor, a
 * text view's first line): true when a was one of them. */
static bool move_in(size_t *pos, size_t last, size_t page, enum action a)
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

enum { PAIR_BAR = 1, PAIR_BAD, PAIR_TICK, PAIR_HEAD };

static void attr(const struct tui *t, int pair, bool on)
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

/* s at y, clipped to the width, the rest of the line cleared. */
static void line_at(int y, const char *s)
{
	int w = COLS;

	move(y, 0);
	clrtoeol();
	addnstr(s, w > 0 ? w : 0);
}

/* Pads line y from where the text ended (hline never scrolls). */
static void fill_line(int y)
{
	int x = getcurx(stdscr);

	if (getcury(stdscr) == y && x < COLS)
		hline(' ', COLS - x);
}

/* ---- the tree model ---- */

static void build_rows(struct tui *t)
{
	const struct inventory *inv = &t->inv;
	size_t cap = inv->n_devices + inv->n_groups + 1;

	free(t->rows);
	t->rows = xcalloc(cap, sizeof(*t->rows));
	t->nrows = 0;
	for (size_t g = 0; g < inv->n_groups; g++) {
		t->rows[t->nrows++] = (struct row){.is_group = true, .group = (int)g};
		if (t->open[g])
			for (size_t k = 0; k < inv->groups[g].n_members; k++)
				t->rows[t->nrows++] = (struct row){.group = (int)g, .dev = inv->groups[g].members[k]};
	}
	bool any = false;
	for (size_t i = 0; i < inv->n_devices; i++)
		if (inv->devices[i].group < 0) {
			if (!any) {
				t->rows[t->nrows++] = (struct row){.is_group = true, .group = -1};
				any = true;
			}
			if (t->open[inv->n_groups])
				t->rows[t->nrows++] = (struct row){.group = -1, .dev = i};
		}
	if (t->cur >= t->nrows)
		t->cur = t->nrows ? t->nrows - 1 : 0;
}

static const char *short_flags(const struct device *d, char *buf, size_t n)
{
	static const struct {
		unsigned f;
		const char *s;
	} fl[] = {{DEV_ROOT_DISK, "root-disk"}, {DEV_BOOT_DISK, "boot-disk"}, {DEV_SWAP_DISK, "swap"},
		  {DEV_MOUNT_DISK, "mount"}, {DEV_SSH_NIC, "ssh-nic"}, {DEV_BOOT_VGA, "boot-vga"},
		  {DEV_SAME_ID, "same-id"}, {DEV_SRIOV_VF, "vf"}, {DEV_SRIOV_PF, "pf"}};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(fl); i++)
		if (d->flags & fl[i].f)
			used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s", used ? "," : "", fl[i].s);
	return buf;
}

static void row_text(const struct tui *t, const struct row *r, char *buf, size_t n)
{
	const struct inventory *inv = &t->inv;

	if (r->is_group) {
		const char *mark = t->open[r->group < 0 ? inv->n_groups : (size_t)r->group]
					   ? (t->utf8 ? "\u25be" : "v")
					   : (t->utf8 ? "\u25b8" : ">");
		if (r->group < 0) {
			snprintf(buf, n, "%s %s", mark, _("Not in any IOMMU group"));
			return;
		}
		const struct iommu_group *g = &inv->groups[r->group];
		struct group_summary s;
		size_t ticked = 0;
		analysis_group_summary(inv, g, &s);
		for (size_t k = 0; k < g->n_members; k++)
			ticked += t->ticked[g->members[k]];
		snprintf(buf, n, "%s %s %-3d %zu %s%s%s", mark, _("Group"), g->id, g->n_members,
			 g->n_members == 1 ? _("device") : _("devices"),
			 s.host_critical ? _("  HOST: stays with the host")
			 : s.slots > 1   ? _("  shared: its devices go to a VM together")
					 : "",
			 ticked ? (t->utf8 ? "  \u2713" : "  *") : "");
		return;
	}
	const struct device *d = &inv->devices[r->dev];
	char fl[96];
	snprintf(buf, n, "  %s %s %-28.28s [%04x:%04x] %-12.12s %s",
		 d->flags & DEV_BRIDGE ? " - " : t->ticked[r->dev] ? "[x]" : "[ ]", d->addr_str + 5,
		 d->device_name ? d->device_name : "?", d->vendor, d->device, d->driver ? d->driver : "-",
		 short_flags(d, fl, sizeof(fl)));
}

static void draw_header(struct tui *t)
{
	const struct host_facts *h = &t->inv.host;
	char buf[512];

	/* what matters most first: 80 columns cut the rest */
	snprintf(buf, sizeof(buf), " vfioconf%s  IOMMU %s (%s)  boot: %s  initramfs: %s%s",
		 t->readonly ? _("  [read-only: not root]") : "",
		 inventory_iommu_enabled(&t->inv) ? _("on") : _("OFF"), cpu_vendor_name(h->cpu),
		 t->boot ? t->boot : _("none found"), t->initrd ? t->initrd : _("none found"),
		 t->demo ? _("  [fixture]") : "");
	attr(t, PAIR_HEAD, true);
	line_at(0, buf);
	fill_line(0);
	attr(t, PAIR_HEAD, false);
}

static void draw_footer(struct tui *t, const char *keys)
{
	line_at(LINES - 2, t->status);
	attr(t, PAIR_BAR, true);
	line_at(LINES - 1, keys);
	fill_line(LINES - 1);
	attr(t, PAIR_BAR, false);
}

static void tree_draw(struct tui *t)
{
	int body = LINES - 4;
	char buf[512];

	if (body < 1)
		body = 1;
	if (t->cur < t->top)
		t->top = t->cur;
	if (t->cur >= t->top + (size_t)body)
		t->top = t->cur - (size_t)body + 1;
	erase();
	draw_header(t);
	snprintf(buf, sizeof(buf), "  %s", _("tick addr     name                         [vendor:dev] driver       flags"));
	line_at(1, buf);
	for (int y = 0; y < body; y++) {
		size_t i = t->top + (size_t)y;
		if (i >= t->nrows)
			break;
		const struct row *r = &t->rows[i];
		bool bad = !r->is_group && (t->inv.devices[r->dev].flags & DEV_HOST_CRITICAL);
		row_text(t, r, buf, sizeof(buf));
		if (i == t->cur)
			attr(t, PAIR_BAR, true);
		else if (bad)
			attr(t, PAIR_BAD, true);
		else if (!r->is_group && t->ticked[r->dev])
			attr(t, PAIR_TICK, true);
		line_at(2 + y, buf);
		if (i == t->cur)
			fill_line(2 + y);
		attroff(A_REVERSE | A_BOLD | A_COLOR);
	}
	draw_footer(t, _("Space tick  g group  Enter open  d info  p preview  h history  ? help  q quit"));
}

static const struct row *cur_row(const struct tui *t)
{
	return t->nrows ? &t->rows[t->cur] : NULL;
}

/* Ticks d and, for a GPU, the other functions of its card. */
static void tick(struct tui *t, size_t di, bool on)
{
	const struct device *d = &t->inv.devices[di];

	t->ticked[di] = on;
	if (!on)
		t->confirmed[di] = false;
	if ((d->class_code >> 16) != 0x03)
		return;
	for (size_t j = 0; j < t->inv.n_devices; j++) {
		const struct device *o = &t->inv.devices[j];
		if (j != di && !(o->flags & DEV_BRIDGE) && pci_addr_same_slot(&o->addr, &d->addr)) {
			t->ticked[j] = on;
			if (!on)
				t->confirmed[j] = false;
		}
	}
}

/* Why d cannot be ticked, or NULL. */
static const char *untickable(const struct device *d)
{
	if (d->flags & DEV_BRIDGE)
		return _("bridges stay with the host; tick the devices behind it");
	if (d->flags & DEV_HOST_CRITICAL)
		return d->reasons.n ? d->reasons.v[0] : _("host-critical");
	return NULL;
}

static void read_line(struct tui *t, int y, const char *prompt, char *buf, int n);

/* A device the host needs is ticked only when the user types its address
 * in full (DESIGN.md, Safety); the preview then says what the host loses. */
static void take_from_host(struct tui *t, size_t di)
{
	const struct device *d = &t->inv.devices[di];
	char prompt[160], typed[32] = "";

	/* the reason on the message line, the question where the keys were */
	snprintf(t->status, sizeof(t->status), "%s: %s", d->addr_str, untickable(d));
	snprintf(prompt, sizeof(prompt), _("Type %s to take it from the host anyway: "), d->addr_str);
	read_line(t, LINES - 1, prompt, typed, sizeof(typed));
	if (strcmp(typed, d->addr_str) != 0) {
		snprintf(t->status, sizeof(t->status), _("%s stays with the host (its address was not typed)"),
			 d->addr_str);
		return;
	}
	tick(t, di, true);
	t->confirmed[di] = true;
	t->dirty = 1;
	snprintf(t->status, sizeof(t->status), _("%s ticked on your word: p shows what the host loses"), d->addr_str);
}

static void open_preview(struct tui *t);
static void open_history(struct tui *t);
static void apply_preview(struct tui *t);
static void undo_last(struct tui *t);
static void open_details(struct tui *t);
static void open_help(struct tui *t);
static bool confirm_quit(struct tui *t);
static void do_search(struct tui *t);

static bool tree_act(struct tui *t, enum action a)
{
	const struct row *r = cur_row(t);
	int page = LINES - 5 > 1 ? LINES - 5 : 1;

	t->status[0] = '\0';
	if (move_in(&t->cur, t->nrows ? t->nrows - 1 : 0, (size_t)page, a))
		return true;
	switch (a) {
	case ACT_OPEN:
	case ACT_CLOSE:
	case ACT_TOGGLE:
		if (!r)
			break;
		if (r->is_group) {
			size_t gi = r->group < 0 ? t->inv.n_groups : (size_t)r->group;
			t->open[gi] = a == ACT_OPEN ? true : a == ACT_CLOSE ? false : !t->open[gi];
			build_rows(t);
		} else if (a == ACT_CLOSE) {
			while (t->cur > 0 && !t->rows[t->cur].is_group)
				t->cur--;
		} else if (a == ACT_TOGGLE) {
			open_details(t);
		}
		break;
	case ACT_TICK:
		if (!r || r->is_group) {
			snprintf(t->status, sizeof(t->status), "%s", _("Space ticks a device; g ticks a whole group"));
			break;
		}
		if (untickable(&t->inv.devices[r->dev]) && !t->ticked[r->dev]) {
			if (t->inv.devices[r->dev].flags & DEV_BRIDGE)
				snprintf(t->status, sizeof(t->status), "%s: %s", t->inv.devices[r->dev].addr_str,
					 untickable(&t->inv.devices[r->dev]));
			else
				take_from_host(t, r->dev);
			break;
		}
		tick(t, r->dev, !t->ticked[r->dev]);
		t->dirty = 1;
		break;
	case ACT_GROUP:
		if (!r || r->group < 0)
			break;
		{
			const struct iommu_group *g = &t->inv.groups[r->group];
			bool all = true;
			for (size_t k = 0; k < g->n_members; k++) {
				const struct device *d = &t->inv.devices[g->members[k]];
				if (d->flags & DEV_HOST_CRITICAL) {
					snprintf(t->status, sizeof(t->status), _("group %d holds %s: %s"), g->id,
						 d->addr_str, untickable(d));
					return true;
				}
				if (!(d->flags & DEV_BRIDGE) && !t->ticked[g->members[k]])
					all = false;
			}
			for (size_t k = 0; k < g->n_members; k++)
				if (!(t->inv.devices[g->members[k]].flags & DEV_BRIDGE))
					tick(t, g->members[k], !all);
			t->dirty = 1;
		}
		break;
	case ACT_DETAILS:
		if (r && !r->is_group)
			open_details(t);
		break;
	case ACT_PREVIEW:
		open_preview(t);
		break;
	case ACT_SEARCH:
		do_search(t);
		break;
	case ACT_HELP:
		open_help(t);
		break;
	case ACT_HISTORY:
		open_history(t);
		break;
	case ACT_APPLY:
		snprintf(t->status, sizeof(t->status), "%s", _("p shows the preview first; a applies it from there"));
		break;
	case ACT_QUIT:
		return !confirm_quit(t);
	default:
		break;
	}
	return true;
}

const struct view tree_view = {"tree", tree_draw, tree_act};

/* ---- text views: details, preview, help ---- */

static void text_draw(struct tui *t)
{
	int body = LINES - 4;
	char buf[192];

	if (body < 1)
		body = 1;
	erase();
	draw_header(t);
	attr(t, PAIR_HEAD, true);
	line_at(1, t->title);
	attr(t, PAIR_HEAD, false);
	for (int y = 0; y < body && t->text_top + (size_t)y < t->text.n; y++) {
		const char *l = t->text.v[t->text_top + (size_t)y];
		bool add = l[0] == '+' && l[1] != '+', del = l[0] == '-' && l[1] != '-';
		if (add)
			attr(t, PAIR_TICK, true);
		else if (del)
			attr(t, PAIR_BAD, true);
		line_at(2 + y, l);
		attroff(A_REVERSE | A_BOLD | A_COLOR);
	}
	snprintf(buf, sizeof(buf), "%s %zu/%zu", _(" Up/Down PgUp/PgDn scroll  Esc back  q quit"),
		 t->text.n ? t->text_top + 1 : 0, t->text.n);
	draw_footer(t, buf);
}

static bool text_act(struct tui *t, enum action a)
{
	size_t body = LINES > 5 ? (size_t)LINES - 4 : 1, max = t->text.n > body ? t->text.n - body : 0;

	if (move_in(&t->text_top, max, body, a))
		return true;
	switch (a) {
	case ACT_BACK:
	case ACT_CLOSE:
	case ACT_TOGGLE:
		t->view = &tree_view;
		break;
	case ACT_HELP:
		open_help(t);
		break;
	case ACT_HISTORY:
		open_history(t);
		break;
	case ACT_APPLY:
		if (t->text_kind == TEXT_PREVIEW)
			apply_preview(t);
		break;
	case ACT_UNDO:
		if (t->text_kind == TEXT_HISTORY)
			undo_last(t);
		break;
	case ACT_QUIT:
		return !confirm_quit(t);
	default:
		break;
	}
	return true;
}

const struct view text_view = {"text", text_draw, text_act};

static void set_text(struct tui *t, enum text_kind kind, const char *title, const char *text)
{
	t->text_kind = kind;
	strv_free(&t->text);
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *s = xstrndup(l, len);
		for (char *c = s; *c; c++)
			if (*c == '\t')
				*c = ' ';
		strv_push(&t->text, s);
		free(s);
		l += len + (nl ? 1 : 0);
	}
	t->text_top = 0;
	snprintf(t->title, sizeof(t->title), " %s", title);
	t->view = &text_view;
}

static void open_help(struct tui *t)
{
	struct strbuf sb = {0};

	strbuf_puts(&sb, _("Keys\n\n"));
	for (size_t i = 0; i < ARRAY_SIZE(bindings); i++)
		if (bindings[i].keys)
			strbuf_printf(&sb, "  %-10s %s\n", bindings[i].keys, _(bindings[i].help));
	strbuf_puts(&sb, _("\nMarks: [x] ticked for vfio-pci, [ ] not, - a bridge (stays with the host).\n"
			   "HOST: the group holds a device the host cannot lose (its root disk, the NIC\n"
			   "of this SSH session, the boot GPU); shared: its devices go to a VM together.\n"
			   "Nothing is written until you apply a plan; 'vfioconf apply' does it.\n"));
	set_text(t, TEXT_HELP, _("Help"), sb.buf);
	strbuf_free(&sb);
}

static void open_details(struct tui *t)
{
	const struct row *r = cur_row(t);
	const struct device *d;
	struct strbuf sb = {0};
	char title[96];

	if (!r || r->is_group)
		return;
	d = &t->inv.devices[r->dev];
	strbuf_printf(&sb, "%s\n%s: %s\n", d->device_name ? d->device_name : "?", _("Vendor"),
		      d->vendor_name ? d->vendor_name : "?");
	strbuf_printf(&sb, "%s: %s [%04x]\n", _("Class"), d->class_name ? d->class_name : "?", d->class_code >> 8);
	strbuf_printf(&sb, "IDs: [%04x:%04x]", d->vendor, d->device);
	if (d->subsys_vendor)
		strbuf_printf(&sb, "  %s [%04x:%04x] %s", _("subsystem"), d->subsys_vendor, d->subsys_device,
			      d->subsys_name ? d->subsys_name : "");
	strbuf_printf(&sb, "\n%s: %s\n", _("Driver in use"), d->driver ? d->driver : _("none"));
	strbuf_puts(&sb, _("Modules that could drive it:"));
	for (size_t i = 0; i < d->modules.n; i++)
		strbuf_printf(&sb, " %s", d->modules.v[i]);
	strbuf_printf(&sb, "\n%s: %s\n", _("Reset method"), d->reset_method ? d->reset_method : _("none reported"));
	if (d->group >= 0) {
		const struct iommu_group *g = inventory_group(&t->inv, d->group);
		strbuf_printf(&sb, _("IOMMU group %d:\n"), d->group);
		for (size_t k = 0; g && k < g->n_members; k++) {
			const struct device *m = &t->inv.devices[g->members[k]];
			strbuf_printf(&sb, "  %s %s%s\n", m->addr_str, m->device_name ? m->device_name : "?",
				      m->flags & DEV_BRIDGE ? _(" (bridge)") : "");
		}
	} else {
		strbuf_puts(&sb, _("In no IOMMU group.\n"));
	}
	for (size_t i = 0; i < d->reasons.n; i++)
		strbuf_printf(&sb, "%s: %s\n", _("Stays with the host"), d->reasons.v[i]);
	if (d->same_id_count)
		strbuf_printf(&sb, _("Same vendor:device as %zu other device(s): it is bound by address, not by ID.\n"),
			      d->same_id_count);
	snprintf(title, sizeof(title), "%s %s", _("Device"), d->addr_str);
	set_text(t, TEXT_DETAILS, title, sb.buf);
	strbuf_free(&sb);
}

/* Screen columns of s[0..n): UTF-8 continuation bytes take none. */
static size_t columns(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* "LABEL message", word-wrapped at the screen width with the rest indented:
 * the text view clips long lines, and a refusal or warning must be read
 * whole (the diffs below stay as they are). */
static void put_wrapped(struct strbuf *sb, const char *label, const char *msg)
{
	size_t width = COLS > 20 ? (size_t)COLS - 1 : 79, col = columns(label, strlen(label));

	strbuf_puts(sb, label);
	for (const char *w = msg; *w;) {
		size_t n = strcspn(w, " "), c = columns(w, n);
		if (n) {
			if (col + 1 + c > width && col > 2) {
				strbuf_puts(sb, "\n ");
				col = 1;
			}
			strbuf_putc(sb, ' ');
			strbuf_add(sb, w, n);
			col += 1 + c;
		}
		w += n;
		w += strspn(w, " ");
	}
	strbuf_putc(sb, '\n');
}

static void open_preview(struct tui *t)
{
	struct intent want;
	struct plan plan = {0};
	struct log log = {0};
	struct planner_opts po = {.bootloader = t->cli->bootloader, .initramfs = t->cli->initramfs,
				  .bind_helper = cli_bind_helper(&t->cli->scan.sr)};
	struct strbuf sb = {0};
	bool any = false;

	for (size_t i = 0; i < t->inv.n_devices; i++)
		any = any || t->ticked[i];
	/* with the IOMMU off, the first plan is the one that turns it on */
	intent_build(&t->inv, &t->cli->settings, t->ticked, t->confirmed, !inventory_iommu_enabled(&t->inv), &want);
	planner_run(&t->cli->scan.sr, &t->inv, &t->cli->settings, &want, &po, &plan, &log);
	if (!any && !inventory_iommu_enabled(&t->inv))
		strbuf_puts(&sb, _("The IOMMU is off: this plan turns it on. IOMMU groups appear after that reboot.\n"));
	strbuf_printf(&sb, P_("Bind %zu device to vfio-pci.\n", "Bind %zu devices to vfio-pci.\n", want.n_dev), want.n_dev);
	for (size_t i = 0; i < want.n_dev; i++) {
		const struct device *d = &t->inv.devices[want.dev[i].idx];
		strbuf_printf(&sb, "  %s %s [%04x:%04x] %s\n", d->addr_str, d->device_name ? d->device_name : "?",
			      d->vendor, d->device, want.dev[i].method == BIND_IDS ? _("by ID") : _("by address"));
	}
	for (size_t i = 0; i < plan.refusals.n; i++)
		put_wrapped(&sb, _("Refused:"), plan.refusals.v[i]);
	for (size_t i = 0; i < plan.warnings.n; i++)
		put_wrapped(&sb, _("Warning:"), plan.warnings.v[i]);
	for (size_t i = 0; i < log.n; i++)
		put_wrapped(&sb, _("Warning:"), log.e[i].msg);
	strbuf_putc(&sb, '\n');
	if (plan_empty(&plan))
		strbuf_puts(&sb, _("Nothing to do: the system already looks like this.\n"));
	else
		plan_render_text(&plan, &sb);
	if (!plan_empty(&plan))
		strbuf_puts(&sb, t->readonly ? _("\nRead-only (not root): run vfioconf as root to apply this.\n")
				 : plan.refusals.n ? _("\nSomething is refused: change the ticks before applying.\n")
						   : _("\nPress a to apply this as one transaction.\n"));
	set_text(t, TEXT_PREVIEW, _("Preview: what would change (nothing is written)"), sb.buf);
	strbuf_free(&sb);
	if (t->have_plan) {
		plan_free(&t->plan);
		intent_free(&t->want);
	}
	t->plan = plan;
	t->want = want;
	t->have_plan = true;
	log_free(&log);
}

/* A one-line answer on the message line. */
static int ask(struct tui *t, const char *q)
{
	snprintf(t->status, sizeof(t->status), "%s", q);
	t->view->draw(t);
	refresh();
	return getch();
}

/* Ticks what devices.conf names: the screen starts from what is set up. */
static void ticks_from_state(struct tui *t)
{
	char *full = path_join(t->cli->scan.sr.root, STATE_PATH), *text = NULL;
	struct state st;
	struct log log = {0};

	memset(t->ticked, 0, t->inv.n_devices * sizeof(bool));
	memset(t->confirmed, 0, t->inv.n_devices * sizeof(bool));
	if (read_file(full, 1u << 20, &text, NULL) == 0) {
		state_parse(&st, text, full, &log);
		for (size_t i = 0; i < st.n_dev; i++) {
			struct device *d = inventory_find_str(&t->inv, st.dev[i].addr);
			if (d) {
				t->ticked[d - t->inv.devices] = true;
				t->confirmed[d - t->inv.devices] = st.dev[i].taken_from_host;
			}
		}
		state_free(&st);
	}
	log_free(&log);
	free(text);
	free(full);
	t->dirty = 0;
}

/* Runs fn on the plain terminal (live command output), then comes back. */
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

static int do_apply(struct tui *t)
{
	return cli_apply_plan(t->cli, &t->inv, &t->want, &t->plan);
}

static int do_undo(struct tui *t)
{
	return cli_undo_last(t->cli);
}

static void apply_preview(struct tui *t)
{
	int c;

	if (!t->have_plan || plan_empty(&t->plan)) {
		snprintf(t->status, sizeof(t->status), "%s", _("nothing to apply"));
		return;
	}
	if (t->readonly) {
		snprintf(t->status, sizeof(t->status), "%s", _("read-only (not root): run vfioconf as root to apply"));
		return;
	}
	if (t->plan.refusals.n) {
		snprintf(t->status, sizeof(t->status), "%s", _("something is refused: change the ticks first"));
		return;
	}
	c = ask(t, _("Apply these changes now? (y/n)"));
	t->status[0] = '\0';
	if (c != 'y' && c != 'Y')
		return;
	if (outside(t, do_apply) == EXIT_OK) {
		t->dirty = 0;
		snprintf(t->status, sizeof(t->status), "%s", _("Applied. Reboot for it to take effect; h shows the history."));
	} else {
		snprintf(t->status, sizeof(t->status), "%s", _("Not applied: everything was rolled back (the reason was shown)."));
	}
	t->view = &tree_view;
}

static void open_history(struct tui *t)
{
	struct tx_info *v = NULL;
	size_t n = 0;
	struct strbuf sb = {0};
	struct log log = {0};

	journal_list_at(t->cli->scan.sr.root, &log, &v, &n);
	if (!n)
		strbuf_puts(&sb, _("No transaction yet.\n"));
	for (size_t i = n; i > 0; i--) {
		const struct tx_info *x = &v[i - 1];
		strbuf_printf(&sb, "%s  %-8s %-12s %s%s%s\n", x->created, x->kind, x->state, x->id,
			      x->of[0] ? _("  of ") : "", x->of);
		for (size_t f = 0; f < x->files.n; f++)
			strbuf_printf(&sb, "    %s\n", x->files.v[f]);
		for (size_t c = 0; c < x->cmds.n; c++)
			strbuf_printf(&sb, "    $ %s\n", x->cmds.v[c]);
	}
	if (n)
		strbuf_puts(&sb, t->readonly ? _("\nRead-only (not root): run vfioconf as root to undo.\n")
					     : _("\nPress u to undo the last transaction.\n"));
	journal_list_free(v, n);
	log_free(&log);
	set_text(t, TEXT_HISTORY, _("History: newest first"), sb.buf);
	strbuf_free(&sb);
}

static void undo_last(struct tui *t)
{
	int c;

	if (t->readonly) {
		snprintf(t->status, sizeof(t->status), "%s", _("read-only (not root): run vfioconf as root to undo"));
		return;
	}
	c = ask(t, _("Undo the last transaction now? (y/n)"));
	t->status[0] = '\0';
	if (c != 'y' && c != 'Y')
		return;
	if (outside(t, do_undo) == EXIT_OK)
		snprintf(t->status, sizeof(t->status), "%s", _("Undone. Reboot for it to take effect."));
	else
		snprintf(t->status, sizeof(t->status), "%s", _("Not undone (the reason was shown)."));
	ticks_from_state(t);
	open_history(t);
}

static bool confirm_quit(struct tui *t)
{
	int c;

	if (!t->dirty)
		return true;
	c = ask(t, _("Quit? The ticks are not applied. (y/n)"));
	t->status[0] = '\0';
	return c == 'y' || c == 'Y';
}

/* One line typed at line y after prompt, echoed, over the screen as drawn. */
static void read_line(struct tui *t, int y, const char *prompt, char *buf, int n)
{
	size_t w = mbstowcs(NULL, prompt, 0); /* columns, near enough */

	if (w == (size_t)-1)
		w = strlen(prompt);
	t->view->draw(t);
	line_at(y, prompt);
	move(y, w < (size_t)COLS ? (int)w : COLS - 1);
	echo();
	curs_set(1);
	getnstr(buf, n - 1);
	noecho();
	curs_set(0);
	t->status[0] = '\0';
}

static void do_search(struct tui *t)
{
	char q[64] = "";

	t->status[0] = '\0';
	read_line(t, LINES - 2, "/", q, sizeof(q));
	if (q[0])
		snprintf(t->search, sizeof(t->search), "%s", q);
	/* open every group so the match can be shown */
	for (size_t g = 0; g <= t->inv.n_groups; g++)
		t->open[g] = true;
	build_rows(t);
	for (size_t k = 1; k <= t->nrows; k++) {
		size_t i = (t->cur + k) % t->nrows;
		char buf[512];
		if (t->rows[i].is_group)
			continue;
		row_text(t, &t->rows[i], buf, sizeof(buf));
		const struct device *d = &t->inv.devices[t->rows[i].dev];
		if (strcasestr(buf, t->search) || strcasestr(d->addr_str, t->search) ||
		    (d->vendor_name && strcasestr(d->vendor_name, t->search)) ||
		    (d->device_name && strcasestr(d->device_name, t->search))) {
			t->cur = i;
			t->status[0] = '\0';
			return;
		}
	}
	snprintf(t->status, sizeof(t->status), _("not found: %s"), t->search);
}

/* ---- the program ---- */

int tui_run(struct cli *cli)
{
	struct tui t = {.cli = cli};
	struct strbuf why = {0};
	const char *cs;
	int r;

	r = scan_system(&cli->scan, &t.inv, &cli->log);
	if (r < 0) {
		cli_print_log(&cli->log);
		inventory_free(&t.inv);
		return EXIT_FAIL;
	}
	for (const struct backend *const *b = boot_backends; *b && !t.boot; b++)
		if ((*b)->detect(&cli->scan.sr, &why) > 0)
			t.boot = (*b)->name;
	for (const struct backend *const *b = initramfs_backends; *b && !t.initrd; b++)
		if ((*b)->detect(&cli->scan.sr, &why) > 0)
			t.initrd = (*b)->name;
	strbuf_free(&why);
	t.ticked = xcalloc(t.inv.n_devices + 1, sizeof(bool));
	t.confirmed = xcalloc(t.inv.n_devices + 1, sizeof(bool));
	t.open = xcalloc(t.inv.n_groups + 1, sizeof(bool));
	for (size_t g = 0; g <= t.inv.n_groups; g++)
		t.open[g] = true;
	cs = nl_langinfo(CODESET);
	t.utf8 = cs && strcasecmp(cs, "UTF-8") == 0;
	t.readonly = geteuid() != 0;
	t.demo = strcmp(cli->scan.sr.sysfs, "/sys") != 0;
	ticks_from_state(&t);
	build_rows(&t);
	t.view = &tree_view;
	if (!inventory_iommu_enabled(&t.inv))
		snprintf(t.status, sizeof(t.status), "%s",
			 _("The IOMMU is off: p shows the plan that turns it on; the groups appear after that reboot"));
	else if (cli->log.n)
		snprintf(t.status, sizeof(t.status), "%s", cli->log.e[0].msg);

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
	t.color = has_colors() && !getenv("NO_COLOR");
	if (t.color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_BAD, COLOR_RED, -1);
		init_pair(PAIR_TICK, COLOR_GREEN, -1);
		init_pair(PAIR_HEAD, COLOR_WHITE, COLOR_BLUE);
	}
	for (int ch = 0;;) {
		t.view->draw(&t);
		refresh();
		term_frame(&t.term, ch);
		ch = getch();
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
	strv_free(&t.text);
	if (t.have_plan) {
		plan_free(&t.plan);
		intent_free(&t.want);
	}
	free(t.rows);
	free(t.ticked);
	free(t.confirmed);
	free(t.open);
	inventory_free(&t.inv);
	return r;
}
