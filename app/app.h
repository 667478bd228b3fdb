/* app.h - the application layer: what vfioconf does, for every front end.
 *
 * One context holds the settings, devices.conf, the scanned machine and the
 * journal; it resolves a selection, builds the intent and the plan with the
 * one backend chooser, applies, undoes, rolls back and reports status. The
 * CLI commands and the curses screen (tui/) stand on this and on core/ data
 * types only: they decide what to show and in which words.
 *
 * Messages (English, naming file and line) collect in app.log; the front
 * end shows them and clears it. Functions return 0 or -errno. Live output
 * of long work (each file written, each line a command prints) goes to the
 * progress callback as it happens.
 */
#ifndef VFIOCONF_APP_H
#define VFIOCONF_APP_H

#include <stdbool.h>

#include "backends/boot/planner.h"
#include "backends/journal/journal.h"
#include "backends/scan/scan.h"
#include "core/effective.h"
#include "core/intent.h"
#include "core/inventory.h"
#include "core/log.h"
#include "core/plan.h"
#include "core/settings.h"
#include "core/state.h"
#include "core/status.h"

struct app_opts {
	struct scan_opts scan;   /* the three roots, SSH_CONNECTION, module lookups */
	const char *bootloader;  /* a backend's name, or NULL: detect */
	const char *initramfs;
	bool regenerate;         /* run the plan's commands when applying */
	bool force;              /* overwrite files changed by hand, keeping a copy */
	int timeout;             /* per command, seconds (0: VFIOCONF_CMD_TIMEOUT or 900) */
	bool promote_on_success; /* apply --trial: its health check promotes it when it passes */
	journal_progress_fn *progress;
	void *progress_data;
};

struct app {
	struct app_opts o;
	struct settings settings;  /* ROOT/etc/vfioconf/vfioconf.conf or defaults */
	struct log log;
	struct inventory inv;      /* after app_scan */
	bool scanned;
	struct state state;        /* devices.conf, after app_state */
	int state_loaded;          /* 0 not yet, 1 read, -errno unreadable/absent */
	char *state_path;          /* ROOT/etc/vfioconf/devices.conf, for messages */
	struct journal j;
	bool journal_open;
	struct journal_evidence *evidence; /* for the last plan */
	struct eff_config eff;     /* the next boot as the files are now, after app_effective */
	struct eff_device *eff_dev;
};

/* Copies o, reads the settings file (problems logged with file:line). */
void app_init(struct app *a, const struct app_opts *o);
void app_free(struct app *a);
/* Scans the machine into a->inv, once. -ENOTDIR (logged) when --sysfs is
 * not a sysfs tree. */
int app_scan(struct app *a);
/* devices.conf, read once (again after a transaction): 0, -ENOENT when
 * vfioconf has configured nothing, or another -errno. a->state is empty
 * unless 0. */
int app_state(struct app *a);

/* What the next boot does with each device as the files are now (after
 * app_scan): one per device, borrowed, until the next transaction. A
 * device on vfio-pci by an input that is not vfioconf's is set up by hand. */
const struct eff_device *app_effective(struct app *a);
bool app_by_hand(const struct eff_device *d);
/* The files changed: app_effective looks again. */
void app_forget_effective(struct app *a);

/* ---- backends ---- */

/* A --bootloader/--initramfs name no backend has: -EINVAL with *which set
 * to "bootloader" or "initramfs". */
int app_check_backend_names(const struct app *a, const char **which);
/* The boot and initramfs systems the plan will use (NULL: none found). */
void app_backends_chosen(const struct app *a, const char **boot, const char **initrd);
/* Every backend of both kinds: found, chosen, why. */
struct app_backends {
	struct backend_report *boot, *initrd;
	size_t n_boot, n_initrd;
};
void app_backends_survey(const struct app *a, struct app_backends *out);
void app_backends_free(struct app_backends *b);

/* ---- selections ---- */

/* What the command-line flags ask for. */
enum app_select_mode {
	APP_SELECT_SET,     /* the devices named are the whole selection */
	APP_SELECT_ADD,     /* --add: added to what is configured now */
	APP_SELECT_REMOVE,  /* --remove: taken out of it, with their cards' functions */
};
struct app_select {
	const char *select;          /* "ADDR,ADDR", "none", or NULL */
	const struct strv *groups;   /* IOMMU group numbers, or NULL */
	const struct strv *matches;  /* --match specs (core/match.h), or NULL */
	long expect;                 /* --expect: how many devices the specs name; -1: any but 0 */
	enum app_select_mode mode;
	const char *take_from_host;  /* host-critical addresses typed in full, or NULL */
};

/* What was wrong with them, for the front end to say. */
struct app_select_error {
	enum {
		SELECT_OK,
		SELECT_NOT_ADDRESS,  /* --select: arg is not a PCI address */
		SELECT_NO_DEVICE,    /* --select: no such device */
		SELECT_NO_GROUP,     /* --group: no such group */
		SELECT_BAD_MATCH,    /* --match: arg does not parse; msg says why */
		SELECT_NO_MATCH,     /* --match: arg names no device here (no --expect) */
		SELECT_EXPECT,       /* --expect: the specs name count devices */
		SELECT_NOTHING_NAMED,/* --add/--remove without a device named */
		TAKE_NO_DEVICE,      /* --take-from-host: no such device */
		TAKE_NOT_FULL,       /* --take-from-host: not typed in full (full holds it) */
		TAKE_NOT_CRITICAL,   /* --take-from-host: the host does not need it */
		TAKE_NOT_SELECTED,   /* --take-from-host: not in the selection */
	} kind;
	char arg[64];
	char full[PCI_ADDR_STRLEN];
	char msg[160];
	size_t count;
};

/* sel and confirmed: one bool per device (zeroed by the caller). Without
 * a device named, and with --add or --remove, the selection starts from
 * what devices.conf names (devices it names that are gone are warned
 * about in a->log) and what a hand-made setup binds. 0, or -EINVAL with
 * *err filled. */
int app_select(struct app *a, const struct app_select *args, bool *sel, bool *confirmed,
	       struct app_select_error *err);
/* The selection devices.conf records (for the screen's first ticks). */
void app_select_state(struct app *a, bool *sel, bool *confirmed);

/* ---- plans ---- */

struct app_plan {
	struct intent want;
	struct plan plan;
	struct log log;       /* the planner's messages */
	bool refused;         /* something was refused: not to be applied */
};

/* The intent and plan for a selection. enable_iommu: the kernel
 * parameters even with nothing selected. */
void app_plan(struct app *a, const bool *sel, const bool *confirmed, bool enable_iommu, struct app_plan *out);
void app_plan_free(struct app_plan *p);

/* ---- transactions ---- */

/* Takes the journal's lock and finishes what an earlier run left (*count
 * says how many; may be NULL). Messages in a->log. */
int app_journal_open(struct app *a, int *count);
void app_journal_close(struct app *a);
/* With the journal open: the plan as one transaction. */
int app_apply(struct app *a, const struct plan *p, char **txid);
/* The same, recorded as kind ("trial"). */
int app_apply_kind(struct app *a, const struct plan *p, const char *kind, char **txid);
/* Undoes txid (NULL: the last one not undone). -EEXIST: files changed by
 * hand; -ENODATA: nothing to do. */
int app_undo(struct app *a, const char *txid, char **new_txid);
/* What an undo (rollback false) or a rollback would restore and run,
 * without the lock and changing nothing. -ENODATA/-ENOENT: nothing. */
int app_reverse_preview(struct app *a, const char *txid, bool rollback, struct plan *p);
/* Back to before vfioconf's first change. -ENODATA: nothing to do. */
int app_rollback(struct app *a, char **new_txid);
/* Every transaction, oldest first, without the lock. 0; -ENOENT when the
 * root has no journal; -EACCES without the right to read it (root).
 * Free with journal_list_free. */
int app_history(struct app *a, struct tx_info **v, size_t *n);
/* Does the root have a journal at all? (undo, rollback and recover on a
 * root without one: a wrong --root, most likely) */
bool app_has_journal(struct app *a);
/* After a failed apply, undo or rollback: the rollback could not verify
 * every file, so "as before" would be a lie (the files are in the log). */
bool app_unverified(const struct app *a);

/* Where vfioconf-bind is on the target (absolute). */
const char *app_bind_helper(const struct app *a);

/* ---- trial boot (app_trial.c; backends/boot/trial.h) ---- */

/* The trial for a plan that is not refused: its files under
 * boot/vfioconf/ID/ and its boot entry (GRUB, systemd-boot), the commands that build its
 * initramfs and boot it once; the default entry, /etc and the default
 * initramfs are left alone. id gets the trial's id. -ENOTSUP (the reason
 * in a->log) where no trial can be made or would be safe. */
int app_trial_plan(struct app *a, const struct app_plan *base, struct plan *out, char id[16]);

/* The trial made last and not taken back (undone, promoted, aborted). */
struct app_trial {
	char id[16];
	char txid[64];        /* the transaction that made it */
	char created[32];
	char *kernel;         /* its trial.conf's */
	char *params;
	char *loader;         /* its trial.conf's: "grub", "systemd-boot" */
	const char *loader_shown; /* "GRUB", "systemd-boot" (static) */
	bool pending;         /* its one-shot is set: the next boot is the trial */
	bool running;         /* this boot is the trial (vfioconf.trial=ID) */
	bool promote_on_success; /* trial.conf's "promote = on-success" */
	char *result;         /* its health check's record, or NULL: not checked yet */
};
/* 0, or -ENOENT when there is none (another -errno: the journal). */
int app_trial_find(struct app *a, struct app_trial *out);
void app_trial_free(struct app_trial *t);
/* The trial's devices.conf (its selection). */
int app_trial_state(struct app *a, const struct app_trial *t, struct state *st);
/* The health check on this boot: every device of the trial on its VFIO
 * driver with its fingerprint, the parameters in the command line, the
 * IOMMU on, interrupt remapping not off. Problems in words; the verdict
 * recorded in ROOT/var/lib/vfioconf/trials/ID (not on another boot: 1,
 * nothing recorded). 0 passed, 1 failed, or -errno. */
int app_trial_check(struct app *a, const struct app_trial *t, struct strv *problems);

/* ---- after the reboot ---- */

/* What the host has that is obsolete or idle on its kernels, in the files
 * of the next boot and on the running command line (core/param_review.h):
 * messages appended to out. After app_scan. */
void app_param_review(struct app *a, struct strv *out);

/* Scans and compares with devices.conf. -ENOENT: nothing configured. */
int app_status(struct app *a, struct status_report *out);

#endif
