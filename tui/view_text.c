/* view_text.c - what every text view (help, details, preview, history)
 * shares: the lines, scrolling, colours for diff lines, wrapping. */
#include "config.h"

#include "core/i18n.h"
#include "tui/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t tui_columns(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* A line wider than the screen goes on over the next lines, each marked
 * (after a diff line's own +, - or blank, so it keeps its colour): nothing
 * is cut, the GRUB line keeps its closing quote. */
static void push_wrapped(struct tui *t, const char *s)
{
	size_t width = COLS > 20 ? (size_t)COLS - 1 : 79;
	const char *mark = t->utf8 ? "\u21aa" : ">";
	char lead[2] = "";
	bool first = true;

	if (s[0] == '+' || s[0] == '-' || s[0] == ' ')
		lead[0] = s[0];
	for (;;) {
		/* a continuation line starts with the lead and the mark: 2 columns */
		size_t room = first ? width : width - 2, cut = 0, c = 0;
		while (s[cut] && c < room) { /* the bytes of the first room characters */
			cut++;
			while (((unsigned char)s[cut] & 0xc0) == 0x80)
				cut++;
			c++;
		}
		if (s[cut]) /* at a blank in the second half of the line, where there is one */
			for (size_t b = cut; b > cut / 2; b--)
				if (s[b - 1] == ' ') {
					cut = b;
					break;
				}
		{
			char *line = first ? xstrndup(s, cut) : xasprintf("%s%s%.*s", lead, mark, (int)cut, s);
			strv_push(&t->text, line);
			free(line);
		}
		if (!s[cut])
			return;
		s += cut;
		first = false;
	}
}

void text_open(struct tui *t, const struct view *v, const char *title, const char *text)
{
	strv_free(&t->text);
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *s = xstrndup(l, len);
		for (char *c = s; *c; c++)
			if (*c == '\t')
				*c = ' ';
		push_wrapped(t, s);
		free(s);
		l += len + (nl ? 1 : 0);
	}
	t->text_top = 0;
	snprintf(t->title, sizeof(t->title), " %s", title);
	t->view = v;
}

void text_draw(struct tui *t)
{
	int body = LINES - 4;
	char buf[192];

	if (body < 1)
		body = 1;
	erase();
	tui_draw_header(t);
	tui_attr(t, PAIR_HEAD, true);
	tui_line_at(1, t->title);
	tui_attr(t, PAIR_HEAD, false);
	for (int y = 0; y < body && t->text_top + (size_t)y < t->text.n; y++) {
		const char *l = t->text.v[t->text_top + (size_t)y];
		bool add = l[0] == '+' && l[1] != '+', del = l[0] == '-' && l[1] != '-';
		if (add)
			tui_attr(t, PAIR_TICK, true);
		else if (del)
			tui_attr(t, PAIR_BAD, true);
		tui_line_at(2 + y, l);
		attroff(A_REVERSE | A_BOLD | A_COLOR);
	}
	snprintf(buf, sizeof(buf), "%s %zu/%zu", _(" Up/Down PgUp/PgDn scroll  Esc back  q quit"),
		 t->text.n ? t->text_top + 1 : 0, t->text.n);
	tui_draw_footer(t, buf);
}

bool text_act(struct tui *t, enum action a)
{
	size_t body = LINES > 5 ? (size_t)LINES - 4 : 1, max = t->text.n > body ? t->text.n - body : 0;

	if (tui_move_in(&t->text_top, max, body, a))
		return true;
	switch (a) {
	case ACT_BACK:
	case ACT_CLOSE:
	case ACT_TOGGLE:
		t->view = &tree_view;
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
	case ACT_QUIT:
		return !tui_confirm_quit(t);
	default:
		break;
	}
	return true;
}

/* A refusal or warning, word-wrapped with its label hanging, before the
 * text view's own wrapping of what is still too long. */
void text_put_wrapped(struct strbuf *sb, const char *label, const char *msg)
{
	size_t width = COLS > 20 ? (size_t)COLS - 1 : 79, col = tui_columns(label, strlen(label));

	strbuf_puts(sb, label);
	for (const char *w = msg; *w;) {
		size_t n = strcspn(w, " "), c = tui_columns(w, n);
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
