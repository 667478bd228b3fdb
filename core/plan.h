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

/* What must hold after the commands ran (an exit status is no evidence).
 * The journal runs these without knowing which tool made the files. */
enum plan_check_kind {
	PLAN_CHECK_CONTAINS, /* the generated file path holds text */
	PLAN_CHECK_LISTS,    /* lister, run on each image matching the glob
			      * path under the root, prints one of any */
};

struct plan_check {
	enum plan_check_kind kind;
	char *path;       /* root-relative; a glob for LISTS */
	char *text;       /* CONTAINS; LISTS: what the alternatives are, for people */
	char *lister;     /* LISTS: a program name, looked up under the root */
	struct strv any;  /* LISTS */
};

struct plan {
	struct plan_file *files;
	size_t n_files;
	struct plan_cmd *cmds;
	size_t n_cmds;
	struct strv refusals, warnings, notes;
	/* What the next boot does with the devices, as this plan leaves the
	 * files: "ADDR NAME: vfio-pci (by ID)" and every device that changes. */
	struct strv outcome;
	struct strv backends; /* "boot: grub (why)", "initramfs: ..." */
	/* The kernel parameters vfioconf wants on the command line: the
	 * intent's and those the initramfs system needs. */
	struct strv params;
	struct plan_check *checks;
	size_t n_checks;
	/* Files the commands regenerate (root-relative globs): the journal
	 * copies the ones that exist before the commands run and puts them
	 * back when the transaction is rolled back. */
	struct strv artifacts;
	/* Artifacts (globs) the commands may take away: a trial's image,
	 * when its undo's command finds the trial's files gone. */
	struct strv vanish;
	/* Directories an undone transaction made: taken away after the files
	 * when they are empty (root-relative, parents before children). */
	struct strv rmdirs;
	/* Its commands reach what the journal cannot see or copy (a trial's
	 * entry on ESPs kept unmounted, an EFI variable): a rollback runs
	 * them again once the files are as before, and they take that away
	 * too (the journal's header: rerun = on-rollback). Not for an undo's
	 * plan: rolled back, it puts the trial back as it was, armed or used
	 * up, and running the commands then would arm it again. */
	bool rerun_on_rollback;
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
/* A check, unless the same one is planned already. */
void plan_add_contains_check(struct plan *p, const char *path, const char *text);
/* what: what the image must hold, in words ("vfio-pci"); any: its names in
 * the listing (NULL-terminated). */
void plan_add_lists_check(struct plan *p, const char *lister, const char *image_glob, const char *what,
			  const char *const *any);
/* "contains PATH TEXT" or "lists LISTER GLOB A|B", as JSON shows a check;
 * caller frees. */
char *plan_check_describe(const struct plan_check *c);
/* A file (glob) the commands regenerate; duplicates are ignored. */
void plan_add_artifact(struct plan *p, const char *glob);
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
/* The same members into an object the caller has begun (the CLI's
 * schema envelope): empty, outcome, backends, files (with diffs),
 * commands, checks, refusals, warnings, notes. */
struct json;
void plan_json_members(const struct plan *p, struct json *j);

#endif
