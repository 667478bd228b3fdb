/* planner.h - turn an intent into a plan through the backends.
 *
 * Backends are ops tables (pciutils' pci_methods): name, help, detect
 * (looking only at files under --root) and plan. One boot backend and one
 * initramfs backend are chosen, by detection or by name; modprobe.d and
 * vfioconf's own state file are always planned.
 */
#ifndef VFIOCONF_PLANNER_H
#define VFIOCONF_PLANNER_H

#include "backends/sys/sysroot.h"
#include "core/intent.h"
#include "core/inventory.h"
#include "core/log.h"
#include "core/param_ops.h"
#include "core/plan.h"
#include "core/settings.h"
#include "core/shellvar.h"
#include "core/state.h"

struct plan_ctx {
	const struct sysroot *sr;
	const struct inventory *inv;
	const struct settings *st;
	const struct intent *want;
	/* The kernel parameters to have: the intent's, then those the chosen
	 * initramfs system needs (backend.params). */
	const struct strv *params;
	const struct state *prev;  /* what vfioconf recorded last time */
	struct state *next;        /* what this plan records */
	struct plan *plan;
	struct log *log;
	const char *bind_helper;   /* vfioconf-bind's absolute path on the target */
	int refused;               /* edits refused (file:line logged) */
	/* Did vfioconf add token to path (the journal's word)? NULL: prev is
	 * trusted as it is. */
	bool (*added)(void *data, const char *path, const char *token);
	void *added_data;
};

struct backend {
	const char *name;
	const char *help;
	/* 1 and a reason in why when the system uses it, else 0 */
	int (*detect)(const struct sysroot *sr, struct strbuf *why);
	/* plans its files and commands; 0 or -errno (logged) */
	int (*plan)(struct plan_ctx *ctx);
	/* kernel parameters an initramfs system needs on the command line
	 * (dracut: rd.driver.pre); NULL when none. ctx->params is not set yet. */
	void (*params)(const struct plan_ctx *ctx, struct strv *out);
	/* boot backends: the files (root-relative globs) the next boot's
	 * kernel command line is read from */
	const char *const *cmdline_files;
};

extern const struct backend *const boot_backends[];
extern const struct backend *const initramfs_backends[];

const struct backend *backend_by_name(const struct backend *const *list, const char *name);
/* The one chooser: the backend named (NULL when list has no such name),
 * else the first whose detect says yes (NULL when none). why, when not
 * NULL, gets detect's reason. */
const struct backend *backend_choose(const struct backend *const *list, const char *name,
				     const struct sysroot *sr, struct strbuf *why);

/* Every backend of a list: found, and the one backend_choose takes. */
struct backend_report {
	const struct backend *b;
	bool detected, chosen;
	char *why;          /* detect's reason when detected; owned */
};
size_t backend_survey(const struct backend *const *list, const char *name, const struct sysroot *sr,
		      struct backend_report **out);
void backend_survey_free(struct backend_report *v, size_t n);

struct planner_opts {
	const char *bootloader; /* NULL: detect */
	const char *initramfs;  /* NULL: detect */
	const char *bind_helper; /* vfioconf-bind on the target */
	const struct state *prev; /* devices.conf as it is (NULL: none) */
	bool (*added)(void *data, const char *path, const char *token); /* plan_ctx.added */
	void *added_data;
};

/* Builds the plan for want (already built from the selection) against
 * what vfioconf recorded last time (opts->prev); want is not changed.
 * Returns 0, or -EINVAL when a file could not be edited safely (refusals
 * name file:line in log and plan). */
int planner_run(const struct sysroot *sr, const struct inventory *inv, const struct settings *st,
		const struct intent *want, const struct planner_opts *opts, struct plan *plan,
		struct log *log);

/* ---- helpers for backends ---- */

/* Current bytes of a root-relative file (planned edits included); caller
 * frees. -ENOENT when it does not exist (or the plan removes it). */
int ctx_read(struct plan_ctx *ctx, const char *rel, char **text);
/* Refuses the plan for m (owned; "FILE:LINE: why"), logged once. */
void ctx_refuse(struct plan_ctx *ctx, char *m);
/* Plans rel to hold text (NULL: remove). */
void ctx_write(struct plan_ctx *ctx, const char *rel, const char *text, unsigned mode, const char *reason);
bool root_exists(const struct sysroot *sr, const char *rel);
/* First of the names (root-relative, e.g. "usr/sbin/update-grub") that
 * exists; returned as the absolute path on the target ("/usr/sbin/..."),
 * caller frees; NULL if none. */
char *root_find(const struct sysroot *sr, const char *const *rels);

/* Brings the slot key (in file rel) to hold want->params: removes what
 * vfioconf added before and no longer wants, adds what is missing, leaves
 * parameters the user had alone, records what it added. 0 or -EINVAL. */
int ctx_params(struct plan_ctx *ctx, const char *rel, const char *key, const struct param_ops *ops,
	       const void *arg);
/* The same for a list of words (modules) instead of kernel parameters. */
int ctx_words(struct plan_ctx *ctx, const char *rel, const char *key, const struct strv *want,
	      const struct param_ops *ops, const void *arg, const char *what);
/* True when the plan changes rel (its bytes differ from the disk). */
bool ctx_changed(struct plan_ctx *ctx, const char *rel);
/* True when anything the initramfs copies in changes (modprobe.d, the
 * state file) or any of the extra paths does. NULL-terminated. */
bool ctx_initramfs_inputs_changed(struct plan_ctx *ctx, const char *const *extra);

/* GRUB's settings as grub-mkconfig sources them: /etc/default/grub, then
 * (where this grub-mkconfig sources them) the grub.d .cfg drop-ins other
 * than vfioconf's, in the shell's glob order, into env for vars. read gives
 * a root-relative file's bytes (as a plan leaves them); 0, -ENOENT when it
 * has none. 0, or -EINVAL with *bad (owned: the file) and err (its line)
 * for a value that cannot be followed. */
typedef int grub_read_fn(void *data, const char *rel, char **text);
int grub_source_defaults(const struct sysroot *sr, grub_read_fn *read, void *data, const char *const *vars,
			 struct sh_env *env, char **bad, struct sh_error *err);

/* Where a tool writes a kernel's image: PREFIX KVER SUFFIX under the root. */
struct initramfs_name {
	const char *prefix, *suffix;
};

/* After regeneration, each installed kernel's image must list vfio-pci when
 * LISTER is run on it; kernels with vfio-pci built in are skipped. Only
 * when devices are bound. names: the places the tool may write it (dracut:
 * initramfs-KVER.img, but initrd.img-KVER on Debian); per kernel the one
 * that exists now, which the tool rewrites, else the first. */
void ctx_check_initramfs(struct plan_ctx *ctx, const char *lister, const struct initramfs_name *names,
			 size_t n_names);

/* ---- outcome.c: the next boot as the plan leaves it ---- */

/* Holds the outcome against the selection: the plan's outcome lines, and
 * refusals for what no edit can fix. 1 when hand-made settings stand in
 * the way and adopt (not NULL) got them ("FILE\tLINE\tKIND\tVALUE"). */
int outcome_check(struct plan_ctx *ctx, const struct backend *boot, struct strv *adopt);
/* Takes those settings out (recorded in ctx->next's [adopted]); refusals
 * for the ones that cannot be taken out safely. 0 or -EINVAL. */
int outcome_adopt(struct plan_ctx *ctx, const struct strv *adopt);
/* Puts back what earlier plans took over (vfioconf manages nothing). */
void outcome_restore(struct plan_ctx *ctx);

/* Why a kernel parameter is there, for the plan's reasons. */
const char *param_reason(const char *param);

#endif
