/* shellvar_script.h - the shell reader's parse of a file, shared by the
 * reader (shellvar.c) and the token editor (shellvar_edit.c). Internal to
 * core/shellvar*.c.
 */
#ifndef VFIOCONF_SHELLVAR_SCRIPT_H
#define VFIOCONF_SHELLVAR_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/shellvar.h"

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

/* Splits text into statements and records every assignment. */
void sh_script_parse(const char *t, struct script *sc);
void sh_script_free(struct script *sc);
/* Fills err (if not NULL) with the line of offset at in t and why;
 * returns -EINVAL. */
int sh_fail(struct sh_error *err, const char *t, size_t at, const char *why);

#endif
