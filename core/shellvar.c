/* shellvar.c - read and edit variables in files /bin/sh sources. */
#include "config.h"

#include "core/shellvar.h"
#include "core/cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One character of a word's value, or a $NAME expansion, with the source
 * bytes it came from and the quoting it sat in ('\0', '\'' or '"'). */
struct item {
	char c;
	char *var;      /* non-NULL: an expansion of this variable */
	size_t s, e;
	char q;
};

struct word {
	struct item *it;
	size_t n, cap;
	size_t start, end;
	const char *bad; /* why the word cannot be followed (static string) */
	size_t bad_at;
	bool open;       /* a quote or $( left open: sh reads on to the end */
	char last_q;     /* quoting of the word's final segment, '\0' when unquoted */
	size_t close_q;  /* offset of that segment's closing quote */
};

struct assign {
	char *name;
	bool append;     /* NAME+= */
	size_t at;       /* offset of NAME */
	struct word w;
	const char *bad;
	size_t bad_at;
};

struct script {
	struct assign *a;
	size_t n, cap;
	/* an unbalanced quote anywhere: sh reads the rest of the file as one
	 * word, so nothing after it can be edited (or appended) safely */
	const char *open_quote;
	size_t open_at;
};

static void push_item(struct word *w, char c, char *var, size_t s, size_t e, char q)
{
	void *p = w->it;

	xgrow(&p, &w->cap, w->n + 1, sizeof(*w->it));
	w->it = p;
	w->it[w->n++] = (struct item){.c = c, .var = var, .s = s, .e = e, .q = q};
}

static void word_free(struct word *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->it[i].var);
	free(w->it);
	memset(w, 0, sizeof(*w));
}

static void mark_bad(struct word *w, const char *why, size_t at)
{
	if (!w->bad) {
		w->bad = why;
		w->bad_at = at;
	}
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool word_end(char c)
{
	/* \r too: CRLF files are common, and the kernel takes \r as a blank */
	return !c || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '&' ||
	       c == '|' || c == '(' || c == ')' || c == '<' || c == '>';
}

/* $... at t[i] (t[i] == '$'); returns the offset after it. */
static size_t scan_dollar(const char *t, size_t i, struct word *w, char q)
{
	size_t j = i + 1;

	if (t[j] == '(') {
		mark_bad(w, t[j + 1] == '(' ? "arithmetic expansion $((...))" : "command substitution $(...)", i);
		/* skip to the matching parenthesis so scanning can go on */
		for (int depth = 0; t[j]; j++) {
			if (t[j] == '(')
				depth++;
			else if (t[j] == ')' && --depth == 0)
				return j + 1;
		}
		mark_bad(w, "unbalanced parenthesis", i);
		w->open = true;
		return j;
	}
	if (t[j] == '{') {
		size_t k = j + 1;
		while (name_char(t[k]))
			k++;
		if (t[k] == '}' && k > j + 1 && name_start(t[j + 1])) {
			push_item(w, 0, xstrndup(t + j + 1, k - j - 1), i, k + 1, q);
			return k + 1;
		}
		mark_bad(w, "parameter expansion with an operator ${...}", i);
		while (t[k] && t[k] != '}')
			k++;
		if (!t[k])
			w->open = true; /* sh fails on the file: "bad substitution" */
		return t[k] ? k + 1 : k;
	}
	if (name_start(t[j])) {
		size_t k = j;
		while (name_char(t[k]))
			k++;
		push_item(w, 0, xstrndup(t + j, k - j), i, k, q);
		return k;
	}
	if (t[j] && strchr("@*#?$!-0123456789", t[j])) {
		mark_bad(w, "special parameter $" "@, $1, ... ", i);
		return j + 1;
	}
	push_item(w, '$', NULL, i, j, q); /* a lone $ is literal */
	return j;
}

/* Scans one shell word from t[i]; returns the offset after it. */
static size_t scan_word(const char *t, size_t i, struct word *w)
{
	memset(w, 0, sizeof(*w));
	w->start = i;
	while (!word_end(t[i])) {
		char c = t[i];
		if (c == '\\') {
			if (t[i + 1] == '\n') {
				i += 2; /* line continuation */
			} else if (t[i + 1]) {
				push_item(w, t[i + 1], NULL, i, i + 2, 0);
				i += 2;
			} else {
				/* a backslash as the very last byte escapes whatever
				 * is written after it */
				mark_bad(w, "a backslash at the end of the file", i);
				w->open = true;
				i++;
			}
			w->last_q = 0;
		} else if (c == '\'') {
			size_t open = i++;
			while (t[i] && t[i] != '\'') {
				push_item(w, t[i], NULL, i, i + 1, '\'');
				i++;
			}
			if (!t[i]) {
				mark_bad(w, "unbalanced single quote", open);
				w->open = true;
				break;
			}
			w->last_q = '\'';
			w->close_q = i++;
		} else if (c == '"') {
			size_t open = i++;
			while (t[i] && t[i] != '"') {
				if (t[i] == '\\' && t[i + 1] && strchr("$`\"\\\n", t[i + 1])) {
					if (t[i + 1] != '\n')
						push_item(w, t[i + 1], NULL, i, i + 2, '"');
					i += 2;
				} else if (t[i] == '$') {
					i = scan_dollar(t, i, w, '"');
				} else if (t[i] == '`') {
					mark_bad(w, "backticks `...`", i);
					i++;
				} else {
					push_item(w, t[i], NULL, i, i + 1, '"');
					i++;
				}
			}
			if (!t[i]) {
				mark_bad(w, "unbalanced double quote", open);
				w->open = true;
				break;
			}
			w->last_q = '"';
			w->close_q = i++;
		} else if (c == '$') {
			i = scan_dollar(t, i, w, 0);
			w->last_q = 0;
		} else if (c == '`') {
			mark_bad(w, "backticks `...`", i);
			i++;
		} else {
			push_item(w, c, NULL, i, i + 1, 0);
			w->last_q = 0;
			i++;
		}
	}
	w->end = i;
	return i;
}

static bool is_keyword(const char *t, size_t i, size_t *len, int *delta)
{
	static const struct {
		const char *kw;
		int delta;
	} kws[] = {
		{"if", 1}, {"case", 1}, {"for", 1}, {"while", 1}, {"until", 1}, {"fi", -1},
		{"esac", -1}, {"done", -1}, {"then", 0}, {"else", 0}, {"elif", 0}, {"do", 0},
		{"{", 1}, {"}", -1},
	};

	for (size_t k = 0; k < ARRAY_SIZE(kws); k++) {
		size_t l = strlen(kws[k].kw);
		if (strncmp(t + i, kws[k].kw, l) == 0 && word_end(t[i + l]) && t[i + l] != '(') {
			*len = l;
			*delta = kws[k].delta;
			return true;
		}
	}
	return false;
}

static void script_free(struct script *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->a[i].name);
		word_free(&sc->a[i].w);
	}
	free(sc->a);
	memset(sc, 0, sizeof(*sc));
}

static void note_open(struct script *sc, const struct word *w)
{
	if (w->open && !sc->open_quote) {
		sc->open_quote = w->bad;
		sc->open_at = w->bad_at;
	}
}

/* Splits text into statements and records every assignment. */
static void script_parse(const char *t, struct script *sc)
{
	size_t i = 0;
	int depth = 0;
	bool cond = false; /* after && or || on this line */

	memset(sc, 0, sizeof(*sc));
	while (t[i]) {
		size_t kl;
		int delta;

		while (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == ';')
			i++;
		if (!t[i])
			break;
		if (t[i] == '\n') {
			cond = false;
			i++;
			continue;
		}
		if (t[i] == '#') {
			while (t[i] && t[i] != '\n')
				i++;
			continue;
		}
		if (t[i] == '&' || t[i] == '|') {
			cond = cond || (t[i + 1] == t[i]);
			i += t[i + 1] == t[i] ? 2 : 1;
			continue;
		}
		if (is_keyword(t, i, &kl, &delta)) {
			depth += delta;
			if (depth < 0)
				depth = 0;
			i += kl;
			continue;
		}
		if (strncmp(t + i, "export", 6) == 0 && (t[i + 6] == ' ' || t[i + 6] == '\t')) {
			i += 6;
			while (t[i] == ' ' || t[i] == '\t')
				i++;
		}
		/* NAME= or NAME+= ? */
		size_t j = i;
		if (name_start(t[j])) {
			while (name_char(t[j]))
				j++;
			bool app = t[j] == '+' && t[j + 1] == '=';
			if (t[j] == '=' || app) {
				struct assign *a;
				void *p = sc->a;
				xgrow(&p, &sc->cap, sc->n + 1, sizeof(*sc->a));
				sc->a = p;
				a = &sc->a[sc->n++];
				memset(a, 0, sizeof(*a));
				a->name = xstrndup(t + i, j - i);
				a->append = app;
				a->at = i;
				i = scan_word(t, j + (app ? 2 : 1), &a->w);
				note_open(sc, &a->w);
				if (a->w.bad) {
					a->bad = a->w.bad;
					a->bad_at = a->w.bad_at;
				} else if (depth > 0) {
					a->bad = "assignment inside if/case/for/while or { }: which value wins depends on the run";
					a->bad_at = a->at;
				} else if (cond) {
					a->bad = "assignment after && or ||: it may not run";
					a->bad_at = a->at;
				} else {
					size_t k = i;
					while (t[k] == ' ' || t[k] == '\t' || t[k] == '\r')
						k++;
					if (t[k] && t[k] != '\n' && t[k] != '#' && t[k] != ';') {
						a->bad = "more than an assignment on the line";
						a->bad_at = a->at;
					}
				}
				continue;
			}
		}
		/* another command: skip its words */
		while (t[i] && t[i] != '\n' && t[i] != ';' && t[i] != '&' && t[i] != '|') {
			struct word w;
			size_t before = i;
			if (word_end(t[i])) {
				i++;
				continue;
			}
			i = scan_word(t, i, &w);
			note_open(sc, &w);
			word_free(&w);
			if (i == before)
				i++; /* never stand still */
		}
	}
}

static int line_of(const char *t, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off && t[i]; i++)
		if (t[i] == '\n')
			line++;
	return line;
}

static int fail(struct sh_error *err, const char *t, size_t at, const char *why)
{
	if (err) {
		err->line = t ? line_of(t, at) : 0;
		err->why = xstrdup(why);
	}
	return -EINVAL;
}

void sh_error_free(struct sh_error *err)
{
	free(err->why);
	err->why = NULL;
	err->line = 0;
}

void sh_env_set(struct sh_env *env, const char *name, const char *value)
{
	strmap_set(&env->vars, name, value);
}

const char *sh_env_get(const struct sh_env *env, const char *name)
{
	return strmap_get(&env->vars, name);
}

void sh_env_free(struct sh_env *env)
{
	strmap_free(&env->vars);
}

static char *word_value(const struct word *w, const struct sh_env *env)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < w->n; i++) {
		if (w->it[i].var) {
			const char *v = sh_env_get(env, w->it[i].var);
			strbuf_puts(&sb, v ? v : "");
		} else {
			strbuf_putc(&sb, w->it[i].c);
		}
	}
	return strbuf_detach(&sb);
}

static bool wanted(const char *const *vars, const char *name)
{
	if (!vars)
		return true;
	for (; *vars; vars++)
		if (strcmp(*vars, name) == 0)
			return true;
	return false;
}

int sh_source(const char *text, struct sh_env *env, const char *const *vars, struct sh_error *err)
{
	struct script sc;
	int r = 0;

	script_parse(text, &sc);
	for (size_t i = 0; i < sc.n; i++) {
		const struct assign *a = &sc.a[i];
		char *v;

		if (a->bad) {
			if (wanted(vars, a->name)) {
				r = fail(err, text, a->bad_at, a->bad);
				break;
			}
			continue;
		}
		v = word_value(&a->w, env);
		if (a->append) {
			const char *old = sh_env_get(env, a->name);
			char *nv = xasprintf("%s%s", old ? old : "", v);
			free(v);
			v = nv;
		}
		sh_env_set(env, a->name, v);
		free(v);
	}
	script_free(&sc);
	return r;
}

int sh_last_assignment(const char *text, const char *var)
{
	struct script sc;
	int line = 0;

	script_parse(text, &sc);
	for (size_t i = sc.n; i > 0 && !line; i--)
		if (strcmp(sc.a[i - 1].name, var) == 0)
			line = line_of(text, sc.a[i - 1].at);
	script_free(&sc);
	return line;
}

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

	script_parse(text, &sc);
	if (sc.open_quote) {
		r = fail(err, text, sc.open_at, sc.open_quote);
		goto done;
	}
	a = last_of(&sc, var);
	if (!a && ends_in_continuation(text)) {
		r = fail(err, text, strlen(text) - 1,
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
		r = fail(err, text, a->bad_at, a->bad);
		goto done;
	}
	if (kernel_quotes_open(&a->w)) {
		r = fail(err, text, a->at, "the value has an odd number of \" as the kernel reads it: "
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
			r = fail(err, text, a->at, "the value is in single quotes and the parameter has one");
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
	script_free(&sc);
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

	script_parse(text, &sc);
	if (sc.open_quote) {
		r = fail(err, text, sc.open_at, sc.open_quote);
		goto done;
	}
	a = last_of(&sc, var);
	if (!a) {
		*out = xstrdup(text);
		goto done;
	}
	if (a->bad) {
		r = fail(err, text, a->bad_at, a->bad);
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
				r = fail(err, text, w->it[f].s, "the parameter spans several quoted parts");
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
	script_free(&sc);
	return r;
}
