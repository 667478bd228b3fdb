/* cmdline.h - kernel command lines: tokenize as the kernel does, edit one
 * parameter, keep every other byte.
 *
 * The kernel (lib/cmdline.c next_arg) splits on whitespace outside double
 * quotes; a quote may open anywhere in a token ("a=b c" and a="b c" are one
 * parameter each). In parameter names '-' and '_' are the same. A token
 * records its byte span in the original string so edits splice, never
 * re-serialise.
 */
#ifndef VFIOCONF_CMDLINE_H
#define VFIOCONF_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

struct cmdline_token {
	size_t start, end;  /* span in the source, quotes included */
	char *name;         /* unquoted, as written (before '=') */
	char *value;        /* unquoted, NULL when there is no '=' */
};

struct cmdline {
	struct cmdline_token *t;
	size_t n;
	bool unbalanced;    /* a quote was left open: refuse to edit */
};

/* Never fails: unbalanced quotes are recorded, not fatal. */
void cmdline_parse(struct cmdline *cl, const char *s);
void cmdline_free(struct cmdline *cl);

/* Names compare with '-' == '_', as the kernel's parameq(). */
bool cmdline_name_eq(const char *a, const char *b);
/* Index of the last token named name (the kernel honours the last one for
 * most parameters), or -1. */
int cmdline_find(const struct cmdline *cl, const char *name);
/* True when a token "name" or "name=value" equal to param is present. */
bool cmdline_has(const struct cmdline *cl, const char *param);

/* Editing: each returns a new string (caller frees) or NULL when s has an
 * unbalanced quote. param is "name" or "name=value". */
/* Adds param at the end unless present exactly; a same-name token with
 * another value is left alone (see cmdline_set). */
char *cmdline_add(const char *s, const char *param);
/* Removes every token equal to param, and the blank before each. */
char *cmdline_remove(const char *s, const char *param);
/* Makes name=value the only value of name: replaces the last token named
 * name in place, or appends. */
char *cmdline_set(const char *s, const char *param);

/* Splits a plain list of parameters (settings, our own state); quotes are
 * kept inside tokens. Caller frees with strv_free. */
struct strv;
void cmdline_split(const char *s, struct strv *out);

#endif
