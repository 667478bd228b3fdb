/* app_trial.h - inside the application layer: a trial's boot loader as an
 * ops table (name, detect, plan), as the planner's backends are. What every
 * trial has (its directory under /boot/vfioconf, its initramfs built by
 * mkinitramfs -d, its trial.conf) is app_trial.c's; where its entry goes
 * and how it is booted once is the loader's (app_trial_boot.c).
 *
 * Ownership: the ctx borrows a, base, id, dir and tool_sync; prepare sets
 * kver, title and priv, which done frees.
 */
#ifndef VFIOCONF_APP_TRIAL_H
#define VFIOCONF_APP_TRIAL_H

#include "app/app.h"

struct trial_ctx {
	struct app *a;
	const struct app_plan *base;
	const char *id;
	const char *dir;       /* "boot/vfioconf/ID" */
	const char *tool_sync; /* vfioconf-trial-sync on the target */
	char *kver, *title;    /* the default entry's kernel and title */
	void *priv;
};

struct trial_loader {
	const char *name; /* "grub", "systemd-boot": trial.conf's loader */
	/* does it serve the planner's chosen boot backend */
	bool (*detect)(const char *boot);
	/* files of the base plan it can carry into the trial (path prefixes):
	 * the ones that set the command line its entry copies */
	const char *const *carries;
	/* the default entry, tools, preflight: 0, or -ENOTSUP (logged) */
	int (*prepare)(struct trial_ctx *t);
	/* the entry, the command that builds and arms it, the checks */
	void (*plan)(struct trial_ctx *t, struct plan *out);
	void (*done)(struct trial_ctx *t);
	/* is the trial the next boot (its one-shot set) */
	bool (*pending)(struct app *a, const char *id);
	/* "GRUB", "systemd-boot": for messages */
	const char *shown;
};

extern const struct trial_loader *const trial_loaders[];
const struct trial_loader *trial_loader_by_name(const char *name);

/* Logs why no trial is made; -ENOTSUP. Takes why. */
int trial_refuse(struct app *a, char *why);
/* The base plan's bytes for rel (its edit, else the disk); owned, NULL
 * when it has none. */
char *trial_base_bytes(struct app *a, const struct plan *p, const char *rel);

#endif
