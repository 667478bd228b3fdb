/* app_trial.h - inside the application layer: a trial's boot loader and
 * its initramfs system as ops tables (name, detect, plan), as the
 * planner's backends are. What every trial has (its directory under
 * /boot/vfioconf, its devices.conf and modprobe.d file, its trial.conf) is
 * app_trial.c's; where its entry goes and how it is booted once is the
 * loader's (app_trial_boot.c); how its own initramfs is built from a copy
 * of the configuration, /etc untouched, is the initramfs system's
 * (app_trial_image.c). The two are independent of each other.
 *
 * Ownership: the ctx borrows a, base, id, dir, tool_sync and image; params
 * is the ctx's (app_trial_plan frees it); a loader's prepare sets kver,
 * title and priv, which its done frees.
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
	const struct trial_image *image;
	const struct trial_loader *loader;
	/* the trial entry's kernel parameters: the base plan's, and what its
	 * initramfs system needs on the command line */
	struct strv params;
	char *kver, *title;    /* the default entry's kernel and title */
	void *priv;
};

/* An initramfs system: what of the base plan its trial's image carries,
 * the copy of its configuration under the trial's directory, and how
 * vfioconf-trial-sync builds the image from it (trial.conf's initrd). */
struct trial_image {
	const char *name;             /* the planner's initramfs backend */
	const char *tool;             /* its builder, for messages */
	const char *const *tool_paths; /* root-relative */
	/* files of the base plan the trial's copy carries (path prefixes) */
	const char *const *carries;
	/* the build, for the plan's command ("mkinitramfs -d, its own
	 * configuration") */
	const char *how;
	/* lists an image's files (a check of the plan); NULL: none */
	const char *lister;
	/* refusals, and its kernel parameters into t->params: 0, or
	 * -ENOTSUP (logged); may be NULL */
	int (*prepare)(struct trial_ctx *t);
	/* the copy of its configuration, under t->dir */
	void (*plan)(struct trial_ctx *t, struct plan *out);
};

extern const struct trial_image *const trial_images[];
const struct trial_image *trial_image_by_name(const char *name);

struct trial_loader {
	const char *name; /* "grub", "systemd-boot", "grub-bls", "refind",
			   * "limine": trial.conf's loader */
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
	/* NULL: booted once by the loader. Else the loader has no one-shot:
	 * where the user picks the trial at the next boot ("in the rEFInd
	 * menu ..."), and pending is "made, not booted yet" */
	const char *by_hand;
	/* its entry is in a file the default's apply changes too (all of
	 * refind_linux.conf's lines, every cmdline of limine.conf): the
	 * journal cannot take the trial back after that apply, so a promote
	 * takes the trial away first, then applies */
	bool abort_first;
};

/* systemd-boot's, in app_trial_sdboot.c; the others are
 * app_trial_boot.c's */
extern const struct trial_loader trial_sdboot;
/* A check of the plan that the trial's image at img holds vfio-pci, where
 * its initramfs system has a lister. */
void trial_check_image(struct trial_ctx *t, struct plan *out, const char *img);
/* path is what the sync command makes, and takes away again when run
 * without the trial's files (an artifact that may vanish). */
void trial_made(struct plan *out, const char *path);
/* A check of the plan that path carries vfioconf.trial=ID. */
void trial_check_param(struct trial_ctx *t, struct plan *out, const char *path);
extern const struct trial_loader *const trial_loaders[];
const struct trial_loader *trial_loader_by_name(const char *name);

/* For a trial its loader does not boot by itself (rEFInd, Limine): "pick
 * 'vfioconf trial ID' in the ... at the next boot; the default entry is
 * unchanged"; owned. NULL for a loader with a one-shot. */
char *app_trial_pick(const struct app_trial *t);

/* The same for the trial plan p makes (its trial.conf), as it is applied;
 * owned, NULL. */
char *app_trial_pick_made(struct app *a, const struct plan *p, const char *id);
/* Must promote take the trial away before it applies (abort_first)? */
bool app_trial_promote_abort_first(const struct app_trial *t);

/* A file of the trial's directory, new. */
void trial_put(struct plan *out, const char *dir, const char *name, const char *text, unsigned mode,
	       const char *reason);
/* rel (a file or a directory beneath the root) as the base plan leaves it,
 * into out under to: each file with the plan's bytes where it changes
 * them, the disk's otherwise, and the plan's new ones; the user's own
 * files (hooks, drop-ins) come along. */
void trial_copy(struct trial_ctx *t, const char *rel, const char *to, struct plan *out);
/* Logs why no trial is made; -ENOTSUP. Takes why. */
int trial_refuse(struct app *a, char *why);
/* The base plan's bytes for rel (its edit, else the disk); owned, NULL
 * when it has none. */
char *trial_base_bytes(struct app *a, const struct plan *p, const char *rel);

#endif
