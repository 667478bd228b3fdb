/* shellvar_edit.c - token edits in the last assignment of a variable in a
 * file /bin/sh sources (parameters of GRUB_CMDLINE_LINUX_DEFAULT and the
 * like): every other byte stays. */
#include "config.h"

#include "core/shellvar.h"
#include "core/shellvar_script.h"
#include "core/cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Kernel-parameter tokens of one word: runs of items between blanks
 * (outside kernel quotes, i.e. literal '"' in the value). */
struct ktok {
	size_t first, last; /* item indices, inclusive */
};

static size_t word_tokens(const struct word *w, struct ktok **out)
{
	size_t n = 0, cap = 0;
	bool kq = false;

	*out = NULL;
	for (size_t i = 0; i < w->n;) {
		size_t s;
		while (i < w->n && !w->it[i].var && (w->it[i].c == ' ' || w->it[i].c == '\t' || w->it[i].c == '\n'))
			i++;
		if (i >= w->n)
			break;
		s = i;
		for (; i < w->n; i++) {
			const struct item *it = &w->it[i];
			if (!it->var && it->c == '"')
				kq = !kq;
			if (!kq && !it->var && (it->c == ' ' || it->c == '\t' || it->c == '\n'))
				break;
		}
		void *p = *out;
		xgrow(&p, &cap, n + 1, sizeof(**out));
		*out = p;
		(*out)[n].first = s;
		(*out)[n].last = i - 1;
		n++;
	}
	return n;
}

/* The kernel pairs the literal " of a value; an odd count leaves one open. */
static bool kernel_quotes_open(const struct word *w)
{
	bool open = false;

	for (size_t i = 0; i < w->n; i++)
		if (!w->it[i].var && w->it[i].c == '"')
			open = !open;
	return open;
}

/* A token as text; an expansion makes it unmatchable (returns NULL). */
static char *token_text(const struct word *w, const struct ktok *k)
{
	struct strbuf sb = {0};

	for (size_t i = k->first; i <= k->last; i++) {
		if (w->it[i].var) {
			strbuf_free(&sb);
			return NULL;
		}
		strbuf_putc(&sb, w->it[i].c);
	}
	return strbuf_detach(&sb);
}

static bool token_matches(const struct word *w, const struct ktok *k, const char *param)
{
	char *tx = token_text(w, k);
	bool eq = false;

	if (tx) {
		/* compare as kernel parameters: quotes dropped, - == _ in names */
		struct cmdline a, b;
		cmdline_parse(&a, tx);
		cmdline_parse(&b, param);
		eq = a.n == 1 && b.n == 1 && cmdline_name_eq(a.t[0].name, b.t[0].name) &&
		     ((!a.t[0].value && !b.t[0].value) ||
		      (a.t[0].value && b.t[0].value && strcmp(a.t[0].value, b.t[0].value) == 0));
		cmdline_free(&a);
		cmdline_free(&b);
	}
	free(tx);
	return eq;
}

static const struct assign *last_of(const struct script *sc, const char *var)
{
	for (size_t i = sc->n; i > 0; i--)
		if (strcmp(sc->a[i - 1].name, var) == 0)
			return &sc->a[i - 1];
	return NULL;
}

static void escape_dq(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (strchr("\"\\$`", *s))
			strbuf_putc(sb, '\\');
		strbuf_putc(sb, *s);
	}
}

static char *splice(const char *t, size_t from, size_t to, const char *ins)
{
	struct strbuf sb = {0};

	strbuf_add(&sb, t, from);
	strbuf_puts(&sb, ins);
	strbuf_puts(&sb, t + to);
	return strbuf_detach(&sb);
}

#define CREATED_MARK "# added by vfioconf"

/* An odd run of backslashes at the very end (before at most one final
 * newline) would join an appended line to the last one. */
static bool ends_in_continuation(const char *t)
{
	size_t n = strlen(t), k = 0;

	if (n && t[n - 1] == '\n')
		n--;
	while (k < n && t[n - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

/* Needs no quoting in sh. */
static bool plain_param(const char *p)
{
	if (!*p)
		return false;
	for (; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,:=/+-@%", *p))
			return false;
	return true;
}

int sh_var_add(const char *text, const char *var, const char *param, char **out, struct sh_error *err)
{
	struct script sc;
	const struct assign *a;
	struct ktok *tk = NULL;
	size_t ntk;
	struct strbuf ins = {0};
	bool sep;
	int r = 0;

	sh_script_parse(text, &sc);
	if (sc.open_quote) {
		r = sh_fail(err, text, sc.open_at, sc.open_quote);
		goto done;
	}
	a = last_of(&sc, var);
	if (!a && ends_in_continuation(text)) {
		r = sh_fail(err, text, strlen(text) - 1,
			 "the file ends in a backslash: a line added after it would continue it");
		goto done;
	}
	if (!a) {
		/* no assignment: add one at the end, marked so removal can
		 * take the whole line back out */
		strbuf_printf(&ins, "%s=\"", var);
		escape_dq(&ins, param);
		strbuf_puts(&ins, "\" " CREATED_MARK);
		*out = text_append_line(text, ins.buf);
		goto done;
	}
	if (a->bad) {
		r = sh_fail(err, text, a->bad_at, a->bad);
		goto done;
	}
	if (kernel_quotes_open(&a->w)) {
		r = sh_fail(err, text, a->at, "the value has an odd number of \" as the kernel reads it: "
					   "a parameter added after it would land inside the quote");
		goto done;
	}
	ntk = word_tokens(&a->w, &tk);
	for (size_t i = 0; i < ntk; i++)
		if (token_matches(&a->w, &tk[i], param)) {
			*out = xstrdup(text);
			goto done;
		}
	/* A separating blank whenever the value has any character (even only
	 * blanks): exactly what removal takes back. */
	sep = a->w.n > 0;
	if (a->w.last_q == '"') {
		strbuf_puts(&ins, sep ? " " : "");
		escape_dq(&ins, param);
		*out = splice(text, a->w.close_q, a->w.close_q, ins.buf);
	} else if (a->w.last_q == '\'') {
		if (strchr(param, '\'')) {
			r = sh_fail(err, text, a->at, "the value is in single quotes and the parameter has one");
			goto done;
		}
		strbuf_printf(&ins, "%s%s", sep ? " " : "", param);
		*out = splice(text, a->w.close_q, a->w.close_q, ins.buf);
	} else if (plain_param(param)) {
		/* Unquoted: stay unquoted, with an escaped blank, so that
		 * removing the parameter gives back the very same bytes. */
		strbuf_printf(&ins, "%s%s", sep ? "\\ " : "", param);
		*out = splice(text, a->w.end, a->w.end, ins.buf);
	} else {
		/* a parameter that needs quoting: a quoted part after the word */
		strbuf_puts(&ins, sep ? "\" " : "\"");
		escape_dq(&ins, param);
		strbuf_putc(&ins, '"');
		*out = splice(text, a->w.end, a->w.end, ins.buf);
	}
done:
	free(tk);
	strbuf_free(&ins);
	sh_script_free(&sc);
	return r;
}

static bool is_blank_item(const struct item *it)
{
	return !it->var && (it->c == ' ' || it->c == '\t' || it->c == '\n');
}

/* A line vfioconf created (VAR="" # added by vfioconf) goes when empty. */
static void drop_created_line(char **text, const char *var)
{
	char *empty = xasprintf("%s=\"\" " CREATED_MARK, var);
	char *r = text_remove_line(*text, empty);

	free(*text);
	*text = r;
	free(empty);
}

int sh_var_remove(const char *text, const char *var, const char *param, char **out, struct sh_error *err)
{
	struct script sc;
	const struct assign *a;
	struct ktok *tk = NULL;
	size_t ntk;
	struct strbuf sb = {0};
	size_t pos = 0;
	int r = 0;

	sh_script_parse(text, &sc);
	if (sc.open_quote) {
		r = sh_fail(err, text, sc.open_at, sc.open_quote);
		goto done;
	}
	a = last_of(&sc, var);
	if (!a) {
		*out = xstrdup(text);
		goto done;
	}
	if (a->bad) {
		r = sh_fail(err, text, a->bad_at, a->bad);
		goto done;
	}
	ntk = word_tokens(&a->w, &tk);
	for (size_t i = 0; i < ntk; i++) {
		const struct word *w = &a->w;
		size_t f = tk[i].first, l = tk[i].last;
		char q = w->it[f].q;

		if (!token_matches(w, &tk[i], param))
			continue;
		for (size_t k = f; k <= l; k++)
			if (w->it[k].q != q || (k > f && w->it[k].s != w->it[k - 1].e)) {
				r = sh_fail(err, text, w->it[f].s, "the parameter spans several quoted parts");
				goto done;
			}
		/* take one blank before it, or after it when it comes first */
		if (f > 0 && is_blank_item(&w->it[f - 1]) && w->it[f - 1].q == q &&
		    w->it[f - 1].e == w->it[f].s)
			f--;
		else if (l + 1 < w->n && is_blank_item(&w->it[l + 1]) && w->it[l + 1].q == q &&
			 w->it[l + 1].s == w->it[l].e)
			l++;
		strbuf_add(&sb, text + pos, w->it[f].s - pos);
		pos = w->it[l].e;
	}
	strbuf_puts(&sb, text + pos);
	*out = strbuf_detach(&sb);
	drop_created_line(out, var);
done:
	if (r < 0)
		strbuf_free(&sb);
	free(tk);
	sh_script_free(&sc);
	return r;
}
