/* cmdline.c - kernel command line tokenizer and token editor. */
#include "config.h"

#include "core/cmdline.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
	/* The kernel's isspace(): space, \t, \n, \v, \f, \r. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Unquoted copy of s[a, b): the kernel drops the quote characters. */
static char *unquote(const char *s, size_t a, size_t b)
{
	struct strbuf sb = {0};

	for (size_t i = a; i < b; i++)
		if (s[i] != '"')
			strbuf_putc(&sb, s[i]);
	return strbuf_detach(&sb);
}

void cmdline_parse(struct cmdline *cl, const char *s)
{
	size_t i = 0, cap = 0;

	memset(cl, 0, sizeof(*cl));
	for (;;) {
		size_t start, eq = (size_t)-1;
		bool q = false;
		struct cmdline_token *tk;
		void *p;

		while (s[i] && is_blank(s[i]))
			i++;
		if (!s[i])
			break;
		start = i;
		for (; s[i] && (q || !is_blank(s[i])); i++) {
			if (s[i] == '"')
				q = !q;
			else if (s[i] == '=' && eq == (size_t)-1)
				eq = i;
		}
		if (q)
			cl->unbalanced = true;
		p = cl->t;
		xgrow(&p, &cap, cl->n + 1, sizeof(*cl->t));
		cl->t = p;
		tk = &cl->t[cl->n++];
		tk->start = start;
		tk->end = i;
		if (eq == (size_t)-1) {
			tk->name = unquote(s, start, i);
			tk->value = NULL;
		} else {
			tk->name = unquote(s, start, eq);
			tk->value = unquote(s, eq + 1, i);
		}
	}
}

void cmdline_free(struct cmdline *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		free(cl->t[i].name);
		free(cl->t[i].value);
	}
	free(cl->t);
	memset(cl, 0, sizeof(*cl));
}

bool cmdline_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

int cmdline_find(const struct cmdline *cl, const char *name)
{
	for (size_t i = cl->n; i > 0; i--)
		if (cmdline_name_eq(cl->t[i - 1].name, name))
			return (int)(i - 1);
	return -1;
}

/* param "name=value" split into a parsed single token. */
static void split_param(const char *param, char **name, char **value)
{
	const char *eq = strchr(param, '=');

	if (eq) {
		*name = xstrndup(param, (size_t)(eq - param));
		*value = xstrdup(eq + 1);
	} else {
		*name = xstrdup(param);
		*value = NULL;
	}
}

/* Parameters whose value names modules: there vfio-pci is vfio_pci, as
 * the kernel and dracut read it. */
static bool module_valued(const char *name)
{
	static const char *const names[] = {"rd.driver.pre", "rd.driver.post", "rd.driver.blacklist",
					    "modprobe.blacklist", "module_blacklist", "rd.blacklist", NULL};

	for (const char *const *n = names; *n; n++)
		if (cmdline_name_eq(name, *n))
			return true;
	return false;
}

static bool token_is(const struct cmdline_token *t, const char *name, const char *value)
{
	if (!cmdline_name_eq(t->name, name))
		return false;
	if (!value || !t->value)
		return !value && !t->value;
	if (module_valued(name))
		return cmdline_name_eq(t->value, value);
	return strcmp(t->value, value) == 0;
}

bool cmdline_has(const struct cmdline *cl, const char *param)
{
	char *name, *value;
	bool found = false;

	split_param(param, &name, &value);
	for (size_t i = 0; i < cl->n && !found; i++)
		found = token_is(&cl->t[i], name, value);
	free(name);
	free(value);
	return found;
}

/* End of the last token, so appends go before trailing blanks/newline. */
static size_t content_end(const struct cmdline *cl)
{
	return cl->n ? cl->t[cl->n - 1].end : 0;
}

static char *append_at(const char *s, size_t at, const char *param)
{
	struct strbuf sb = {0};

	strbuf_add(&sb, s, at);
	if (at > 0)
		strbuf_putc(&sb, ' ');
	strbuf_puts(&sb, param);
	strbuf_puts(&sb, s + at);
	return strbuf_detach(&sb);
}

char *cmdline_add(const char *s, const char *param)
{
	struct cmdline cl;
	char *r;

	cmdline_parse(&cl, s);
	if (cl.unbalanced)
		r = NULL;
	else if (cmdline_has(&cl, param))
		r = xstrdup(s);
	else
		r = append_at(s, content_end(&cl), param);
	cmdline_free(&cl);
	return r;
}

char *cmdline_remove(const char *s, const char *param)
{
	struct cmdline cl;
	struct strbuf sb = {0};
	char *name, *value;
	size_t pos = 0;

	cmdline_parse(&cl, s);
	if (cl.unbalanced) {
		cmdline_free(&cl);
		return NULL;
	}
	split_param(param, &name, &value);
	for (size_t i = 0; i < cl.n; i++) {
		const struct cmdline_token *t = &cl.t[i];
		size_t cut_from = t->start, cut_to = t->end;

		if (!token_is(t, name, value))
			continue;
		/* Take the blank before the token; at the start, the one after. */
		if (i > 0 && cut_from > pos && is_blank(s[cut_from - 1]))
			cut_from--;
		else if (i + 1 < cl.n && is_blank(s[cut_to]))
			cut_to++;
		strbuf_add(&sb, s + pos, cut_from - pos);
		pos = cut_to;
	}
	strbuf_puts(&sb, s + pos);
	free(name);
	free(value);
	cmdline_free(&cl);
	return strbuf_detach(&sb);
}

char *cmdline_set(const char *s, const char *param)
{
	struct cmdline cl;
	char *name, *value, *r;
	int i;

	cmdline_parse(&cl, s);
	if (cl.unbalanced) {
		cmdline_free(&cl);
		return NULL;
	}
	split_param(param, &name, &value);
	i = cmdline_find(&cl, name);
	if (i < 0) {
		r = append_at(s, content_end(&cl), param);
	} else if (token_is(&cl.t[i], name, value)) {
		r = xstrdup(s);
	} else {
		struct strbuf sb = {0};
		strbuf_add(&sb, s, cl.t[i].start);
		strbuf_puts(&sb, param);
		strbuf_puts(&sb, s + cl.t[i].end);
		r = strbuf_detach(&sb);
	}
	free(name);
	free(value);
	cmdline_free(&cl);
	return r;
}

void cmdline_split(const char *s, struct strv *out)
{
	struct cmdline cl;

	cmdline_parse(&cl, s);
	for (size_t i = 0; i < cl.n; i++) {
		char *tok = xstrndup(s + cl.t[i].start, cl.t[i].end - cl.t[i].start);
		strv_push(out, tok);
		free(tok);
	}
	cmdline_free(&cl);
}
