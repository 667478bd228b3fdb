/* plan.h - what a change will do: file contents before and after, commands
 * to run afterwards, and what the user must know. Nothing here writes.
 *
 * Ownership: the plan owns every string in it. Paths are relative to the
 * installed system's root ("etc/default/grub"). When two backends edit the
 * same file, the second works on the first one's result (plan_current) and
 * the plan keeps the original "before" bytes.
 */
#ifndef VFIOCONF_PLAN_H
#define VFIOCONF_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

struct plan_file {
	char *path;
	char *old;          /* NULL: the file does not exist */
	size_t old_len;
	char *new;          /* NULL: the file is to be removed */
	size_t new_len;
	unsigned mode;      /* for a new file */
	struct strv reasons;
};

struct plan_cmd {
	struct strv argv;
	char *reason;
};

struct plan {
	struct plan_file *files;
	size_t n_files;
	struct plan_cmd *cmds;
	size_t n_cmds;
	struct strv refusals, warnings, notes;
	struct strv backends; /* "boot: grub (why)", "initramfs: ..." */
	/* What must hold after the commands ran (an exit status is no
	 * evidence): "contains PATH TEXT" - the generated file has TEXT;
	 * "lists LISTER IMAGE-GLOB TEXT" - LISTER run on each image under
	 * the root prints TEXT. */
	struct strv checks;
};

/* The bytes a path will have once earlier edits in this plan are applied:
 * 1 with *text set (borrowed; NULL if the plan removes it), or 0 when the
 * plan does not touch the path yet. */
int plan_current(const struct plan *p, const char *path, const char **text, size_t *len);
/* Records that path goes from old to new (either NULL). old is taken only
 * the first time a path is seen. Equal contents record nothing unless the
 * path was already planned. reason may be NULL. */
void plan_set_file(struct plan *p, const char *path, const char *old, size_t old_len, const char *new,
		   size_t new_len, unsigned mode, const char *reason);
/* Appends a command unless the same argv is already planned (the first
 * reason wins). argv is NULL-terminated. */
void plan_add_cmd(struct plan *p, const char *const *argv, const char *reason);
void plan_add_check(struct plan *p, const char *check);
/* True when nothing would change. */
bool plan_empty(const struct plan *p);
/* Files whose content really changes (old != new). */
size_t plan_changed_files(const struct plan *p);
void plan_free(struct plan *p);

/* Unified diffs, reasons as "# " lines between files, then commands. */
void plan_render_text(const struct plan *p, struct strbuf *out);
/* Only the diffs, for patch -p0. */
void plan_render_diff(const struct plan *p, struct strbuf *out);
void plan_render_json(const struct plan *p, struct strbuf *out);

#endif
