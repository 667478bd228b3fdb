/* param_ops.h - kernel parameters kept in a file, edited token by token.
 *
 * Three pure editors over a file's text, each with the same contract: has
 * says whether the file (as the boot loader reads it) carries param; add
 * and remove return a new string in *out (caller frees; equal to text when
 * nothing changed) or -EINVAL with *err naming the line and the reason.
 * Every byte that is not the parameter stays as it was, so removing what
 * add put in gives the original bytes back. Nothing here reads a file.
 */
#ifndef VFIOCONF_PARAM_OPS_H
#define VFIOCONF_PARAM_OPS_H

#include <stdbool.h>

#include "core/shellvar.h"

struct param_ops {
	bool (*has)(const char *text, const void *arg, const char *param);
	int (*add)(const char *text, const void *arg, const char *param, char **out, struct sh_error *err);
	int (*remove)(const char *text, const void *arg, const char *param, char **out,
		      struct sh_error *err);
};

/* A whole file that is one kernel command line (/etc/kernel/cmdline);
 * arg is unused. */
extern const struct param_ops cmdline_file_ops;
/* A shell variable in a file /bin/sh sources (/etc/default/grub); arg is
 * the variable's name. */
extern const struct param_ops shell_var_ops;

/* Kernel parameters kept in some lines of a file: spans of text that are
 * each a command line (loader entries' "options", rEFInd's second quoted
 * field, limine's "cmdline:"). */
struct line_spans {
	const char *const *prefixes; /* "options", "cmdline:" ... (NULL-terminated) */
	bool quoted_field;           /* rEFInd: the 2nd "..." field of every line */
	bool all_lines;              /* every span must carry a parameter (else: any/last) */
	const char *new_line_prefix; /* when no span exists: a new line "PREFIX param", or NULL */
};
extern const struct param_ops line_span_ops; /* arg: struct line_spans */

#endif
