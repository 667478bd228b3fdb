/* shellvar.h - read and edit variables in files that /bin/sh sources
 * (/etc/default/grub, the .cfg files in /etc/default/grub.d, /etc/default/limine).
 *
 * The reader knows POSIX sh words: unquoted text, '...', "..." with its
 * escapes, backslash-newline, $NAME and ${NAME}, comments, export, and
 * bash's NAME+=. The shell takes the last assignment, so edits go to the
 * last one. Anything the tool cannot follow safely - command substitution,
 * backticks, ${NAME:-...} operators, an unbalanced quote, an assignment
 * inside if/case/for/while, or with more commands on its line - is refused
 * with the line and the reason, never guessed.
 */
#ifndef VFIOCONF_SHELLVAR_H
#define VFIOCONF_SHELLVAR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

struct sh_error {
	int line;        /* 1-based; 0 when not about one line */
	char *why;       /* owned */
};

/* Values of variables set before this file (a chain of sourced files);
 * may be empty. */
struct sh_env {
	struct strmap vars;
};
void sh_env_set(struct sh_env *env, const char *name, const char *value);
const char *sh_env_get(const struct sh_env *env, const char *name);
void sh_env_free(struct sh_env *env);

/* Sources text into env as /bin/sh would for plain assignments (others are
 * ignored). Returns 0, or -EINVAL with *err filled for what it refuses on
 * an assignment of a variable in vars (NULL = any). */
int sh_source(const char *text, struct sh_env *env, const char *const *vars, struct sh_error *err);

/* Line of the last assignment of var, or 0 when none. */
int sh_last_assignment(const char *text, const char *var);

/* Token edits in the last assignment of var (param: "name" or "name=value").
 * add: appends param inside the value's quotes unless the value (as
 * written in that assignment) has it; with no assignment, appends a line
 * VAR="param". remove: drops every token equal to param from that
 * assignment. Both return 0 with *out (caller frees; equal to text when
 * nothing changed), or -EINVAL with *err. */
int sh_var_add(const char *text, const char *var, const char *param, char **out, struct sh_error *err);
int sh_var_remove(const char *text, const char *var, const char *param, char **out, struct sh_error *err);

void sh_error_free(struct sh_error *err);

#endif
