/* view_text.c - what every text view (help, details, preview, history,
 * status) shares: the lines, scrolling, colours for diff lines, wrapping.
 *
 * A view hands over its text once (text_open); the lines on screen are
 * made from it for the terminal's width, and made again when the width
 * changes (a resize), so nothing is cut or left narrow. */
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
static void push_wrapped(struct tui *t, const char *s, size_t src)
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
			t->text_from = xrealloc(t->text_from, t->text.n * sizeof(*t->text_from));
			t->text_from[t->text.n - 1] = src;
		}
		if (!s[cut])
			return;
		s += cut;
		first = false;
	}
}

/* text_put_wrapped's paragraphs wait in the text as "\vLABEL\vMESSAGE"
 * and are broken into lines only here, for the width of the moment. */
#define PARA '\v'

/* LABEL MESSAGE word-wrapped at width, the lines after the first indented:
 * a label's refusal or warning reads as one block. */
static void para_wrap(struct strbuf *sb, const char *label, size_t llen, const char *msg, size_t width)
{
	size_t col = tui_columns(label, llen);

	strbuf_add(sb, label, llen);
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
}

/* The lines for COLS from t->text_src; the line at the top stays the one
 * that was there (a resize keeps the place in a long preview). */
static void text_layout(struct tui *t)
{
	size_t width = COLS > 20 ? (size_t)COLS - 1 : 79, src = 0;
	size_t top_src = t->text_from && t->text_top < t->text.n ? t->text_from[t->text_top] : 0;

	strv_free(&t->text);
	free(t->text_from);
	t->text_from = NULL;
	for (const char *l = t->text_src; l && *l; src++) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *s = xstrndup(l, len);
		for (char *c = s; *c; c++)
			if (*c == '\t')
				*c = ' ';
		if (s[0] == PARA && strchr(s + 1, PARA)) {
			struct strbuf sb = {0};
			const char *msg = strchr(s + 1, PARA);
			para_wrap(&sb, s + 1, (size_t)(msg - s - 1), msg + 1, width);
			for (const char *p = sb.buf ? sb.buf : ""; ; p = strchr(p, '\n') + 1) {
				char *line = xstrndup(p, strcspn(p, "\n"));
				push_wrapped(t, line, src);
				free(line);
				if (!strchr(p, '\n'))
					break;
			}
			strbuf_free(&sb);
		} else {
			push_wrapped(t, s, src);
		}
		free(s);
		l += len + (nl ? 1 : 0);
	}
	t->text_cols = COLS;
	t->text_top = 0;
	for (size_t i = 0; i < t->text.n; i++)
		if (t->text_from[i] == top_src) {
			t->text_top = i;
			break;
		}
}

void text_open(struct tui *t, const struct view *v, const char *title, const char *text)
{
	free(t->text_src);
	t->text_src = xstrdup(text);
	free(t->text_from);
	t->text_from = NULL; /* from the top */
	text_layout(t);
	snprintf(t->title, sizeof(t->title), " %s", title);
	t->view = v;
}

void text_free(struct tui *t)
{
	strv_free(&t->text);
	free(t->text_src);
	free(t->text_from);
	t->text_src = NULL;
	t->text_from = NULL;
}

/* The lines of text on screen: all but the header, the title, the keys
 * and the message, which may take up to three lines. */
static size_t text_body(const struct tui *t)
{
	int body = LINES - 3 - tui_status_lines(t);

	return body < 1 ? 1 : (size_t)body;
}

void text_draw(struct tui *t)
{
	int body = (int)text_body(t);
	char buf[192];

	if (t->text_cols != COLS) /* resized since the lines were made */
		text_layout(t);
	/* a message that came after the last scroll takes lines: the last
	 * line of the text stays on screen when it was (with a message of
	 * one line) */
	if (t->text.n > (size_t)body && t->text_top + (size_t)(LINES > 5 ? LINES - 4 : 1) >= t->text.n)
		t->text_top = t->text.n - (size_t)body;
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
	snprintf(buf, sizeof(buf), "%s %zu/%zu",
		 t->view == &preview_view ? preview_keybar(t) : _(" Up/Down PgUp/PgDn scroll  Esc back  q quit"),
		 t->text.n ? t->text_top + 1 : 0, t->text.n);
	tui_draw_footer(t, buf);
}

bool text_act(struct tui *t, enum action a)
{
	size_t body, max;

	/* the message was the last key's (as on the groups): gone at the next */
	t->status[0] = '\0';
	body = text_body(t);
	max = t->text.n > body ? t->text.n - body : 0;

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

void text_put_wrapped(struct strbuf *sb, const char *label, const char *msg)
{
	/* the breaks come at drawing, for the width then (text_layout) */
	strbuf_printf(sb, "%c%s%c%s\n", PARA, label, PARA, msg);
}
