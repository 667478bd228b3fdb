/* view_tree.c - the group tree: every IOMMU group with its devices,
 * ticking (core/selection.c decides what comes along), search. */
#include "config.h"

#include "core/analysis.h"
#include "core/i18n.h"
#include "core/selection.h"
#include "tui/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void tree_build_rows(struct tui *t)
{
	const struct inventory *inv = t->inv;
	size_t cap = inv->n_devices + inv->n_groups + 1;
	bool any = false;

	free(t->rows);
	t->rows = xcalloc(cap, sizeof(*t->rows));
	t->nrows = 0;
	for (size_t g = 0; g < inv->n_groups; g++) {
		if (!tree_group_shown(t, &inv->groups[g]))
			continue;
		t->rows[t->nrows++] = (struct row){.is_group = true, .group = (int)g};
		if (t->open[g])
			for (size_t k = 0; k < inv->groups[g].n_members; k++) {
				const struct device *d = &inv->devices[inv->groups[g].members[k]];
				/* filtered, the structure (bridges) is left out */
				if (!tree_device_shown(t, d))
					continue;
				t->rows[t->nrows++] = (struct row){.group = (int)g, .dev = inv->groups[g].members[k]};
			}
	}
	/* the ungrouped (all of them with the IOMMU off), but for a filter
	 * of usable groups */
	for (size_t i = 0; i < inv->n_devices && (t->filter == FILTER_ALL || t->filter == FILTER_NO_STRUCTURE); i++)
		if (inv->devices[i].group < 0 && tree_device_shown(t, &inv->devices[i])) {
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

void tree_ticks_from_state(struct tui *t)
{
	app_select_state(t->app, t->ticked, t->confirmed);
	t->dirty = 0;
	t->layout_cols = 0; /* after a transaction the next boot's drivers differ */
}

static const char *short_flags(const struct device *d, char *buf, size_t n)
{
	static const struct {
		unsigned f;
		const char *s;
	} fl[] = {{DEV_ROOT_DISK, "root"}, {DEV_BOOT_DISK, "boot"}, {DEV_SWAP_DISK, "swap"},
		  {DEV_MOUNT_DISK, "mount"}, {DEV_SSH_NIC, "ssh"}, {DEV_BOOT_VGA, "boot-vga"},
		  {DEV_SAME_ID, "same-id"}, {DEV_SRIOV_VF, "vf"}, {DEV_SRIOV_PF, "pf"}};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(fl); i++)
		if (d->flags & fl[i].f)
			used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s", used ? "," : "", fl[i].s);
	return buf;
}

/* [x] ticked, [+] goes along with a ticked function (as the plan takes it:
 * a card's audio from another group too), " - " structure (a bridge, the
 * chipset's functions), [ ] free. */
static const char *tick_mark(const struct tui *t, size_t di)
{
	const struct device *d = &t->inv->devices[di];

	if (d->flags & DEV_BRIDGE)
		return " - ";
	if (t->ticked[di])
		return "[x]";
	if (tree_brought_by(t, di) >= 0)
		return "[+]";
	return d->flags & DEV_PLATFORM ? " - " : "[ ]";
}

/* The driver now and, where the next boot gives it another, that one
 * (the effective-configuration model's word); next is NULL when it stays. */
static void driver_parts(const struct tui *t, const struct device *d, const char **now, const char **next)
{
	const struct eff_device *e = app_effective(t->app);

	*now = d->driver ? d->driver : "-";
	*next = e ? e[d - t->inv->devices].driver : NULL;
	if (!*next || (d->driver && strcmp(*next, d->driver) == 0) || (d->flags & DEV_BRIDGE))
		*next = NULL;
}

static const char *arrow(const struct tui *t)
{
	return t->utf8 ? "\u2192" : ">";
}

/* "now", or "now→next" */
static void driver_text(const struct tui *t, const struct device *d, char *buf, size_t n)
{
	const char *now, *next;

	driver_parts(t, d, &now, &next);
	snprintf(buf, n, "%s%s%s", now, next ? arrow(t) : "", next ? next : "");
}

static int cols_of(const char *s)
{
	return (int)tui_columns(s, strlen(s));
}

/* The widths of the columns that stretch, for the terminal's width. The
 * flags come last and only some rows have them: they line up after the
 * drivers of those rows, and a row without flags may use their room for
 * a long driver. The name gets what the widest of these ends leaves,
 * never more than the longest name needs; only on a narrow terminal
 * (less than 24 columns for names) do the ends give way too, in
 * row_tail() (the details show everything whole). */
static void tree_layout(struct tui *t)
{
	/* "  [x] 01:00.0 Audio  NAME [vvvv:dddd] DRIVER FLAGS": 34 fixed, 5
	 * more with the domain */
	int avail = COLS - 34 - (5 - t->addr_skip), longest = 8, d_all = 0, d_fl = 0, f_max = 0, tail, floor;
	int head = cols_of(_("driver"));
	char buf[128];

	/* a pass over every device: once per terminal width, not per key */
	if (t->layout_cols == COLS)
		return;
	t->layout_cols = COLS;
	for (size_t i = 0; i < t->inv->n_devices; i++) {
		const struct device *d = &t->inv->devices[i];
		int l = d->device_name ? cols_of(d->device_name) : 1, dl, fl;
		longest = l > longest ? l : longest;
		driver_text(t, d, buf, sizeof(buf));
		dl = cols_of(buf);
		d_all = dl > d_all ? dl : d_all;
		fl = (int)strlen(short_flags(d, buf, sizeof(buf)));
		if (fl) {
			d_fl = dl > d_fl ? dl : d_fl;
			f_max = fl > f_max ? fl : f_max;
		}
	}
	d_fl = d_fl > head ? d_fl : head;
	tail = f_max && d_fl + 1 + f_max > d_all ? d_fl + 1 + f_max : d_all;
	floor = avail / 2 < 24 ? avail / 2 : 24;
	t->col_name = avail - tail < longest ? avail - tail : longest;
	if (t->col_name < floor)
		t->col_name = floor;
	/* the flags line up as far right as the room allows, after every
	 * driver when it does */
	d_all = d_all > head ? d_all : head;
	t->col_driver = f_max ? avail - t->col_name - 1 - f_max : d_all;
	if (t->col_driver > d_all)
		t->col_driver = d_all;
	if (t->col_driver < d_fl)
		t->col_driver = d_fl;
	/* narrow: the widest flags still start where the others do */
	if (f_max && t->col_driver > avail - t->col_name - 1 - f_max)
		t->col_driver = avail - t->col_name - 1 - f_max > 1 ? avail - t->col_name - 1 - f_max : 1;
}

/* s cut to w screen columns at a character boundary and padded to w,
 * into out (n bytes): printf's precision counts bytes, and would cut an
 * arrow or a name's UTF-8 in half. What is cut ends in mark (…), so a
 * cut name or driver does not pass for a whole one. */
static const char *fit(const char *s, int w, const char *mark, char *out, size_t n)
{
	size_t i = 0, o = 0, last = 0;
	int c = 0;

	while (s[i] && c < w) {
		size_t len = 1;
		while (((unsigned char)s[i + len] & 0xc0) == 0x80)
			len++;
		if (o + len >= n)
			break;
		memcpy(out + o, s + i, len);
		o += len;
		i += len;
		last = len;
		c++;
	}
	if (s[i] && c > 0 && o - last + strlen(mark) < n) {
		o -= last;
		memcpy(out + o, mark, strlen(mark));
		o += strlen(mark);
	}
	while (c++ < w && o + 1 < n)
		out[o++] = ' ';
	out[o] = '\0';
	return out;
}

/* What follows [ven:dev] on a device's row, in room columns: the driver
 * (padded to the flags' column when there are flags) and the flags. When
 * they do not fit, today's driver is shortened first (the next boot's
 * stays whole), then the flags; what is cut shows the mark. */
static void row_tail(const struct tui *t, const struct device *d, int room, const char *cut, char *out, size_t n)
{
	const char *now, *next;
	char fl[96], drv[192], a[128], b[128];
	int fln, full, nextc, dmin, fw, dw;

	driver_parts(t, d, &now, &next);
	driver_text(t, d, drv, sizeof(drv));
	fln = (int)strlen(short_flags(d, fl, sizeof(fl)));
	full = cols_of(drv);
	nextc = next ? 1 + cols_of(next) : 0;
	/* today's driver down to a letter and the mark, the next boot's whole */
	dmin = next ? (cols_of(now) < 2 ? cols_of(now) : 2) + nextc : full;
	fw = fln;
	if (fln && dmin + 1 + fln > room)
		fw = room - 1 - dmin > 0 ? room - 1 - dmin : 0;
	dw = fw ? room - 1 - fw : room;
	if (full <= dw)
		fit(drv, fw && t->col_driver <= dw ? (t->col_driver > full ? t->col_driver : full) : full, cut, a,
		    sizeof(a));
	else if (next && dw >= nextc + 2)
		snprintf(a, sizeof(a), "%s%s%s", fit(now, dw - nextc, cut, b, sizeof(b)), arrow(t), next);
	else
		fit(drv, dw, cut, a, sizeof(a));
	snprintf(out, n, "%s%s%s", a, fw ? " " : "", fw ? fit(fl, fw, cut, b, sizeof(b)) : "");
}

static void row_text(const struct tui *t, const struct row *r, char *buf, size_t n)
{
	const struct inventory *inv = t->inv;
	const struct device *d;
	char verdict[128], name_c[512], tail[320];
	const char *cut = t->utf8 ? "\u2026" : "~";

	if (r->is_group) {
		const char *mark = t->open[r->group < 0 ? inv->n_groups : (size_t)r->group]
					   ? (t->utf8 ? "\u25be" : "v")
					   : (t->utf8 ? "\u25b8" : ">");
		const struct iommu_group *g;
		struct group_summary s;
		size_t ticked = 0;
		if (r->group < 0) {
			snprintf(buf, n, "%s %s", mark, _("Not in any IOMMU group"));
			return;
		}
		g = &inv->groups[r->group];
		analysis_group_summary(inv, g, &s);
		/* a function another group's pick brings along counts too */
		for (size_t k = 0; k < g->n_members; k++)
			ticked += t->ticked[g->members[k]] || tree_brought_by(t, g->members[k]) >= 0;
		snprintf(buf, n, "%s %s %-3d %zu %s%s%s", mark, _("Group"), g->id, g->n_members,
			 g->n_members == 1 ? _("device") : _("devices"), tree_group_verdict(t, g, &s, verdict, sizeof(verdict)),
			 ticked ? (t->utf8 ? "  \u2713" : "  *") : "");
		return;
	}
	d = &inv->devices[r->dev];
	row_tail(t, d, COLS - 34 - (5 - t->addr_skip) - t->col_name, cut, tail, sizeof(tail));
	snprintf(buf, n, "  %s %s %-6.6s %s [%04x:%04x] %s", tick_mark(t, r->dev), tui_addr(t, d),
		 analysis_class_short(d), fit(d->device_name ? d->device_name : "?", t->col_name, cut, name_c, sizeof(name_c)),
		 d->vendor, d->device, tail);
	/* no padding after the last word: ncurses then clears the rest of the
	 * row in one sequence instead of writing blanks (bytes per move) */
	str_rstrip(buf);
}

static void tree_draw(struct tui *t)
{
	int body;
	char buf[512];

	/* a filter stays said while it is on */
	if (!t->status[0] && t->filter != FILTER_ALL)
		snprintf(t->status, sizeof(t->status), "%s", tree_filter_said(t));
	body = LINES - 3 - tui_status_lines(t);

	if (body < 1)
		body = 1;
	if (t->cur < t->top)
		t->top = t->cur;
	if (t->cur >= t->top + (size_t)body)
		t->top = t->cur - (size_t)body + 1;
	/* fewer rows than before (groups closed): the window ends with the last */
	if (t->top + (size_t)body > t->nrows)
		t->top = t->nrows > (size_t)body ? t->nrows - (size_t)body : 0;
	erase();
	tui_draw_header(t);
	tree_layout(t);
	/* the column heads over their columns (the tick column's is in help) */
	snprintf(buf, sizeof(buf), "      %-*.*s %-6.6s %-*.*s %-11.11s %-*.*s %s", 12 - t->addr_skip, 12 - t->addr_skip,
		 _("addr"), _("class"), t->col_name, t->col_name, _("name"), _("[ven:dev]"), t->col_driver, t->col_driver,
		 _("driver"), _("flags"));
	tui_line_at(1, buf);
	for (int y = 0; y < body; y++) {
		size_t i = t->top + (size_t)y;
		const struct row *r;
		bool bad;
		if (i >= t->nrows)
			break;
		r = &t->rows[i];
		bad = !r->is_group && (t->inv->devices[r->dev].flags & DEV_HOST_CRITICAL);
		row_text(t, r, buf, sizeof(buf));
		if (i == t->cur)
			tui_attr(t, PAIR_BAR, true);
		else if (bad)
			tui_attr(t, PAIR_BAD, true);
		else if (!r->is_group && t->ticked[r->dev])
			tui_attr(t, PAIR_TICK, true);
		tui_line_at(2 + y, buf);
		if (i == t->cur && t->bar_full)
			tui_fill_line(2 + y);
		attroff(A_REVERSE | A_BOLD | A_COLOR);
	}
	tui_draw_footer(t, _("Space tick  g group  Enter open  d info  p preview  h history  ? help  q quit"));
}

static const struct row *cur_row(const struct tui *t)
{
	return t->nrows ? &t->rows[t->cur] : NULL;
}

static void open_all(struct tui *t, bool open)
{
	const struct row *r = t->nrows ? &t->rows[t->cur] : NULL;
	int g = r ? r->group : 0;
	size_t dev = r && !r->is_group ? r->dev : (size_t)-1;

	for (size_t k = 0; k <= t->inv->n_groups; k++)
		t->open[k] = open;
	tree_build_rows(t);
	/* stay on the same device, or its group */
	for (size_t i = 0; i < t->nrows; i++)
		if ((dev != (size_t)-1 && !t->rows[i].is_group && t->rows[i].dev == dev) ||
		    (t->rows[i].is_group && t->rows[i].group == g && (dev == (size_t)-1 || !open))) {
			t->cur = i;
			break;
		}
}

/* Does device row r match t->search: what the row shows, the names and
 * the driver it cuts, the flags? */
static bool row_matches(const struct tui *t, const struct row *r)
{
	const struct device *d = &t->inv->devices[r->dev];
	char buf[512], drv[96];

	row_text(t, r, buf, sizeof(buf));
	driver_text(t, d, drv, sizeof(drv));
	return strcasestr(buf, t->search) || strcasestr(drv, t->search) || selection_matches(d, t->search) ||
	       strcasestr(short_flags(d, buf, sizeof(buf)), t->search);
}

/* The row of device dev, or of group g when dev is (size_t)-1 or not
 * shown; t->nrows when neither is. */
static size_t row_of(const struct tui *t, int g, size_t dev)
{
	size_t at = t->nrows;

	for (size_t i = 0; i < t->nrows; i++) {
		if (dev != (size_t)-1 && !t->rows[i].is_group && t->rows[i].dev == dev)
			return i;
		if (t->rows[i].is_group && t->rows[i].group == g && at == t->nrows)
			at = i;
	}
	return at;
}

/* The row search_next() goes to from row from, or t->nrows. A device
 * whose short class is the search word (/NIC, /GPU: the class column)
 * comes before what only has the word in it somewhere (a "Communication
 * controller" for /nic): the matches are the class's devices in tree
 * order, then the others, and n steps through them in that order from
 * the match the cursor is on, or from the cursor to the first of the
 * class's after it. One pass over the rows. */
static size_t search_pick(const struct tui *t, size_t from)
{
	size_t first[2] = {t->nrows, t->nrows}, after[2] = {t->nrows, t->nrows}; /* [0]: the class's */
	int here = -1; /* the cursor's match: 0 the class's, 1 another, -1 none */

	for (size_t i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];
		int kind;
		if (r->is_group)
			continue;
		if (strcasecmp(analysis_class_short(&t->inv->devices[r->dev]), t->search) == 0)
			kind = 0;
		else if (i == from || after[1] == t->nrows)
			kind = row_matches(t, r) ? 1 : -1;
		else
			continue; /* every other match that counts is known */
		if (kind < 0)
			continue;
		if (i == from)
			here = kind;
		if (first[kind] == t->nrows)
			first[kind] = i;
		if (i > from && from < t->nrows && after[kind] == t->nrows)
			after[kind] = i;
	}
	if (here == 0)
		return after[0] < t->nrows ? after[0] : first[1] < t->nrows ? first[1] : first[0];
	if (here == 1)
		return after[1] < t->nrows ? after[1] : first[0] < t->nrows ? first[0] : first[1];
	return after[0] < t->nrows ? after[0] : first[0] < t->nrows ? first[0] : after[1] < t->nrows ? after[1] : first[1];
}

/* From the cursor, the next match of t->search (search_pick()), in
 * closed groups too: only the match's group is opened. Without a match
 * the tree stays as it was (opening every group to look would leave a
 * first-timer with hundreds of rows and nothing found). */
static void search_next(struct tui *t)
{
	size_t ngroups = t->inv->n_groups + 1, from, at, found = (size_t)-1;
	bool *was = xmalloc(ngroups * sizeof(bool));
	const struct row *r = t->nrows ? &t->rows[t->cur] : NULL;
	int g = r ? r->group : 0;
	size_t dev = r && !r->is_group ? r->dev : (size_t)-1;

	if (!t->search[0]) {
		snprintf(t->status, sizeof(t->status), "%s", _("no search yet: / searches"));
		free(was);
		return;
	}
	/* the rows as they would be with every group open, to look in */
	memcpy(was, t->open, ngroups * sizeof(bool));
	for (size_t k = 0; k < ngroups; k++)
		t->open[k] = true;
	tree_build_rows(t);
	tree_layout(t);
	from = row_of(t, g, dev);
	at = search_pick(t, from);
	if (at < t->nrows) {
		found = t->rows[at].dev;
		g = t->rows[at].group;
	}
	memcpy(t->open, was, ngroups * sizeof(bool));
	free(was);
	if (found == (size_t)-1) {
		tree_build_rows(t); /* the same rows as before: the cursor stays */
		snprintf(t->status, sizeof(t->status), _("not found: %s"), t->search);
		return;
	}
	t->open[g < 0 ? t->inv->n_groups : (size_t)g] = true;
	tree_build_rows(t);
	t->cur = row_of(t, g, found);
	t->status[0] = '\0';
}

static void search(struct tui *t)
{
	char q[64] = "";

	t->status[0] = '\0';
	tui_read_line(t, LINES - 2, "/", q, sizeof(q));
	if (!q[0])
		return; /* Esc or nothing typed: nothing searched */
	snprintf(t->search, sizeof(t->search), "%s", q);
	search_next(t);
}

static bool tree_act(struct tui *t, enum action a)
{
	const struct row *r = cur_row(t);
	int page = LINES - 5 > 1 ? LINES - 5 : 1;

	t->status[0] = '\0';
	if (tui_move_in(&t->cur, t->nrows ? t->nrows - 1 : 0, (size_t)page, a))
		return true;
	switch (a) {
	case ACT_OPEN:
	case ACT_CLOSE:
	case ACT_TOGGLE:
		if (!r)
			break;
		if (r->is_group) {
			size_t gi = r->group < 0 ? t->inv->n_groups : (size_t)r->group;
			t->open[gi] = a == ACT_OPEN ? true : a == ACT_CLOSE ? false : !t->open[gi];
			tree_build_rows(t);
		} else if (a == ACT_CLOSE) {
			while (t->cur > 0 && !t->rows[t->cur].is_group)
				t->cur--;
		} else if (a == ACT_TOGGLE) {
			details_open(t, r->dev);
		}
		break;
	case ACT_TICK:
		tree_tick(t, r);
		break;
	case ACT_GROUP:
		tree_tick_group(t, r);
		break;
	case ACT_DETAILS:
		if (r && !r->is_group)
			details_open(t, r->dev);
		break;
	case ACT_PREVIEW:
		preview_open(t);
		break;
	case ACT_SEARCH:
		search(t);
		break;
	case ACT_NEXT:
		search_next(t);
		break;
	case ACT_OPEN_ALL:
	case ACT_CLOSE_ALL:
		open_all(t, a == ACT_OPEN_ALL);
		break;
	case ACT_FILTER:
		tree_next_filter(t);
		t->cur = 0;
		tree_build_rows(t);
		snprintf(t->status, sizeof(t->status), "%s", tree_filter_said(t));
		break;
	case ACT_HELP:
		help_open(t);
		break;
	case ACT_HISTORY:
		history_open(t);
		break;
	case ACT_STATUS:
		status_open(t);
		break;
	case ACT_APPLY:
		snprintf(t->status, sizeof(t->status), "%s", _("p shows the preview first; a applies it from there"));
		break;
	case ACT_TRIAL:
		snprintf(t->status, sizeof(t->status), "%s",
			 _("p shows the preview first; t tries it once from there, where a trial boot can be made"));
		break;
	case ACT_QUIT:
		return !tui_confirm_quit(t);
	default:
		break;
	}
	return true;
}

const struct view tree_view = {"tree", tree_draw, tree_act};
