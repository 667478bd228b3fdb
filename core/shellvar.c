/* shellvar.c - read variables in files /bin/sh sources: words, statements,
 * assignments, sourcing. The token edits are in shellvar_edit.c. */
#include "config.h"

#include "core/shellvar.h"
#include "core/shellvar_script.h"
#include "core/cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

void sh_script_free(struct script *sc)
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

void sh_script_parse(const char *t, struct script *sc)
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

int sh_fail(struct sh_error *err, const char *t, size_t at, const char *why)
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

	sh_script_parse(text, &sc);
	for (size_t i = 0; i < sc.n; i++) {
		const struct assign *a = &sc.a[i];
		char *v;

		if (a->bad) {
			if (wanted(vars, a->name)) {
				r = sh_fail(err, text, a->bad_at, a->bad);
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
	sh_script_free(&sc);
	return r;
}

int sh_last_assignment(const char *text, const char *var)
{
	struct script sc;
	int line = 0;

	sh_script_parse(text, &sc);
	for (size_t i = sc.n; i > 0 && !line; i--)
		if (strcmp(sc.a[i - 1].name, var) == 0)
			line = line_of(text, sc.a[i - 1].at);
	sh_script_free(&sc);
	return line;
}
