/* param_ops.c - token edits of kernel parameters in three kinds of file. */
#include "config.h"

#include "core/param_ops.h"
#include "core/cmdline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool cf_has(const char *text, const void *arg, const char *param)
{
	struct cmdline cl;
	bool r;

	(void)arg;
	cmdline_parse(&cl, text);
	r = cmdline_has(&cl, param);
	cmdline_free(&cl);
	return r;
}

static int unbalanced(struct sh_error *err)
{
	err->line = 1;
	err->why = xstrdup("unbalanced double quote");
	return -EINVAL;
}

static int cf_add(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	(void)arg;
	*out = cmdline_add(text, param);
	return *out ? 0 : unbalanced(err);
}

static int cf_remove(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	(void)arg;
	*out = cmdline_remove(text, param);
	return *out ? 0 : unbalanced(err);
}

const struct param_ops cmdline_file_ops = {cf_has, cf_add, cf_remove};

static bool sv_has(const char *text, const void *arg, const char *param)
{
	struct sh_env env = {0};
	const char *vars[] = {arg, NULL};
	const char *v;
	bool r = false;

	if (sh_source(text, &env, vars, NULL) == 0 && (v = sh_env_get(&env, arg)))
		r = cf_has(v, NULL, param);
	sh_env_free(&env);
	return r;
}

static int sv_add(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	return sh_var_add(text, arg, param, out, err);
}

static int sv_remove(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	return sh_var_remove(text, arg, param, out, err);
}

const struct param_ops shell_var_ops = {sv_has, sv_add, sv_remove};

/* Spans [s, e) of the command lines in text. */
struct span {
	size_t s, e;
};

static size_t find_spans(const char *t, const struct line_spans *ls, struct span **out)
{
	size_t n = 0, cap = 0, i = 0;

	*out = NULL;
	while (t[i]) {
		size_t eol = i;
		while (t[eol] && t[eol] != '\n')
			eol++;
		size_t j = i;
		while (t[j] == ' ' || t[j] == '\t')
			j++;
		struct span sp = {0, 0};
		bool found = false;
		if (ls->quoted_field) {
			/* "title" "options": the second quoted field */
			if (t[j] != '#' && j < eol) {
				size_t q[4], nq = 0;
				for (size_t k = j; k < eol && nq < 4; k++)
					if (t[k] == '"')
						q[nq++] = k;
				if (nq >= 4) {
					sp.s = q[2] + 1;
					sp.e = q[3];
					found = true;
				}
			}
		} else {
			for (const char *const *p = ls->prefixes; *p && !found; p++) {
				size_t l = strlen(*p);
				if (strncmp(t + j, *p, l) == 0) {
					size_t k = j + l;
					if (!strchr("=:", (*p)[l - 1]) && t[k] != ' ' && t[k] != '\t')
						continue; /* "options" must be a whole word */
					while (t[k] == ' ' || t[k] == '\t')
						k++;
					sp.s = k;
					sp.e = eol;
					while (sp.e > sp.s && (t[sp.e - 1] == ' ' || t[sp.e - 1] == '\t' || t[sp.e - 1] == '\r'))
						sp.e--;
					found = true;
				}
			}
		}
		if (found) {
			void *p = *out;
			xgrow(&p, &cap, n + 1, sizeof(**out));
			*out = p;
			(*out)[n++] = sp;
		}
		i = t[eol] ? eol + 1 : eol;
	}
	return n;
}

static bool span_has(const char *t, const struct span *sp, const char *param)
{
	char *sub = xstrndup(t + sp->s, sp->e - sp->s);
	bool r = cf_has(sub, NULL, param);

	free(sub);
	return r;
}

static bool ls_has(const char *text, const void *arg, const char *param)
{
	const struct line_spans *ls = arg;
	struct span *sp;
	size_t n = find_spans(text, ls, &sp);
	size_t have = 0;

	for (size_t i = 0; i < n; i++)
		if (span_has(text, &sp[i], param))
			have++;
	free(sp);
	return ls->all_lines ? n > 0 && have == n : have > 0;
}

/* Applies fn to the chosen spans, from the last so offsets stay valid. */
static int ls_edit(const char *text, const struct line_spans *ls, const char *param, bool add, char **out,
		   struct sh_error *err)
{
	struct span *sp;
	size_t n = find_spans(text, ls, &sp);
	char *cur = xstrdup(text);

	if (add && ls->quoted_field && strchr(param, '"')) {
		free(sp);
		free(cur);
		err->line = 1;
		err->why = xstrdup("a parameter with a double quote cannot go inside \"...\"");
		return -EINVAL;
	}
	if (add && n == 0) {
		size_t len = strlen(cur);
		struct strbuf sb = {0};
		free(sp);
		if (!ls->new_line_prefix) {
			free(cur);
			err->line = 0;
			err->why = xstrdup("no line holds kernel parameters");
			return -EINVAL;
		}
		strbuf_puts(&sb, cur);
		if (len && cur[len - 1] != '\n')
			strbuf_putc(&sb, '\n');
		strbuf_printf(&sb, "%s%s\n", ls->new_line_prefix, param);
		free(cur);
		*out = strbuf_detach(&sb);
		return 0;
	}
	for (size_t i = n; i > 0; i--) {
		const struct span *s = &sp[i - 1];
		char *sub, *ed;
		if (add && !ls->all_lines && i != n)
			continue; /* one place is enough: the last line */
		if (add && span_has(cur, s, param))
			continue;
		sub = xstrndup(cur + s->s, s->e - s->s);
		ed = add ? cmdline_add(sub, param) : cmdline_remove(sub, param);
		free(sub);
		if (!ed) {
			int line = 1;
			for (size_t k = 0; k < s->s; k++)
				line += cur[k] == '\n';
			free(sp);
			free(cur);
			err->line = line;
			err->why = xstrdup("unbalanced double quote");
			return -EINVAL;
		}
		struct strbuf sb = {0};
		strbuf_add(&sb, cur, s->s);
		strbuf_puts(&sb, ed);
		strbuf_puts(&sb, cur + s->e);
		free(ed);
		free(cur);
		cur = strbuf_detach(&sb);
	}
	free(sp);
	*out = cur;
	return 0;
}

static int ls_add(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	return ls_edit(text, arg, param, true, out, err);
}

static int ls_remove(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	return ls_edit(text, arg, param, false, out, err);
}

const struct param_ops line_span_ops = {ls_has, ls_add, ls_remove};
