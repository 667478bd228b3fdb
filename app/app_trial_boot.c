/* app_trial_boot.c - where a trial's entry goes and how it is booted once,
 * per boot loader (app_trial.h): GRUB (a custom.cfg block, grub-reboot)
 * and systemd-boot (a counted loader entry, bootctl set-oneshot). Both
 * hand their entry to one script, vfioconf-trial-sync, that builds the
 * trial's initramfs and arms the one-shot, and takes both away when run
 * again with the trial's files gone (an undo, abort or promote). */
#include "config.h"

#include "app/app_trial.h"
#include "backends/boot/trial.h"
#include "backends/sys/rooted.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRUB_CFG "boot/grub/grub.cfg"
#define CUSTOM_CFG "boot/grub/custom.cfg"
#define GRUBENV "boot/grub/grubenv"

/* The trial's image holds vfio-pci, where its initramfs system has a
 * lister. */
static void trial_check_image(struct trial_ctx *t, struct plan *out, const char *img)
{
	if (t->image->lister)
		plan_add_lists_check(out, t->image->lister, img, "vfio-pci",
				     (const char *const[]){"vfio-pci.ko", "vfio_pci.ko", NULL});
}

/* ---- GRUB ---- */

struct grub_priv {
	struct trial_grub_entry e;
	char *custom; /* custom.cfg as it is, NULL: none */
};

static bool grub_detect(const char *boot)
{
	return strcmp(boot, "grub") == 0;
}

struct base_read {
	struct app *a;
	const struct plan *p;
};

static int read_base(void *data, const char *rel, char **text)
{
	struct base_read *br = data;

	*text = trial_base_bytes(br->a, br->p, rel);
	return *text ? 0 : -ENOENT;
}

static int grub_prepare(struct trial_ctx *t)
{
	struct app *a = t->a;
	const char *root = a->o.scan.sr.root;
	const char *const gr[] = {"usr/sbin/grub-reboot", "sbin/grub-reboot", NULL};
	struct grub_priv *g = xcalloc(1, sizeof(*g));
	struct sh_env env = {0};
	char *cfg = NULL, *why = NULL, *tool;
	int r = 0, e2;

	t->priv = g;
	if (!trial_grubenv_writable(&a->inv.host, &why))
		return trial_refuse(a, why);
	if (!(tool = root_find(&a->o.scan.sr, gr)))
		return trial_refuse(a, xstrdup("grub-reboot is missing under the root"));
	free(tool);
	if (rooted_read_path(root, GRUB_CFG, 4 << 20, &cfg, NULL) < 0)
		return trial_refuse(a, xstrdup("/" GRUB_CFG " cannot be read"));
	if (!strstr(cfg, "custom.cfg")) {
		r = trial_refuse(a, xstrdup("/" GRUB_CFG " does not read custom.cfg (/etc/grub.d/41_custom)"));
		goto out;
	}
	{
		/* GRUB_DEFAULT as update-grub sees it: the file, then grub.d */
		struct base_read br = {a, &t->base->plan};
		struct sh_error err = {0};
		char *bad = NULL;
		if (grub_source_defaults(&a->o.scan.sr, read_base, &br, (const char *const[]){"GRUB_DEFAULT", NULL},
					 &env, &bad, &err) < 0) {
			r = trial_refuse(a, xasprintf("%s:%d: cannot be read safely: %s; so GRUB's default entry cannot "
						      "be known", bad, err.line, err.why));
			free(bad);
			sh_error_free(&err);
			goto out;
		}
		sh_error_free(&err);
	}
	if (trial_grub_entry(cfg, sh_env_get(&env, "GRUB_DEFAULT"), t->id, &t->params, &g->e, &why) < 0) {
		r = trial_refuse(a, why);
		goto out;
	}
	if ((e2 = rooted_read_path(root, CUSTOM_CFG, 1 << 20, &g->custom, NULL)) < 0 && e2 != -ENOENT) {
		g->custom = NULL;
		r = trial_refuse(a, xasprintf("/" CUSTOM_CFG ": %s; the entries in it would be lost", strerror(-e2)));
		goto out;
	}
	if (e2 < 0)
		g->custom = NULL;
	t->kver = xstrdup(g->e.kver);
	t->title = xstrdup(g->e.title);
out:
	sh_env_free(&env);
	free(cfg);
	return r;
}

static void grub_plan(struct trial_ctx *t, struct plan *out)
{
	struct grub_priv *g = t->priv;
	struct strbuf sb = {0};
	char *text, *img, *reason;

	strbuf_printf(&sb, "### BEGIN vfioconf trial %s (managed by vfioconf: 'vfioconf trial abort' takes it out)\n%s"
			   "### END vfioconf trial\n",
		      t->id, g->e.text);
	text = trial_custom_cfg(g->custom, sb.buf);
	plan_set_file(out, CUSTOM_CFG, g->custom, g->custom ? strlen(g->custom) : 0, text, strlen(text), 0644,
		      "the trial's GRUB entry (41_custom reads this file at boot); the default entry is not changed");
	free(text);
	strbuf_free(&sb);
	img = xasprintf("%s/initrd.img-%s", t->dir, t->kver);
	/* one command that makes the image and the one-shot match the files:
	 * run again by an undo, with the files gone, it takes both away */
	reason = xasprintf("build the trial's initramfs (%s) and boot its entry once, at the next boot only "
			   "(grub-reboot)",
			   t->image->how);
	plan_add_cmd(out, (const char *[]){t->tool_sync, t->id, t->kver, NULL}, reason);
	free(reason);
	plan_add_artifact(out, img);
	plan_add_artifact(out, GRUBENV);
	strv_push(&out->vanish, img);
	trial_check_image(t, out, img);
	plan_add_contains_check(out, GRUBENV, "next_entry=" TRIAL_GRUB_ID);
	free(img);
}

static void grub_done(struct trial_ctx *t)
{
	struct grub_priv *g = t->priv;

	if (g) {
		trial_grub_entry_free(&g->e);
		free(g->custom);
		free(g);
	}
	t->priv = NULL;
}

static bool grub_pending(struct app *a, const char *id)
{
	char *text = NULL;
	bool r = false;

	(void)id;
	if (rooted_read_path(a->o.scan.sr.root, GRUBENV, 1 << 16, &text, NULL) == 0)
		r = strstr(text, "\nnext_entry=" TRIAL_GRUB_ID "\n") != NULL;
	free(text);
	return r;
}

static const struct trial_loader trial_grub = {
	.name = "grub",
	.detect = grub_detect,
	.carries = (const char *const[]){"etc/default/grub", NULL},
	.prepare = grub_prepare,
	.plan = grub_plan,
	.done = grub_done,
	.pending = grub_pending,
	.shown = "GRUB",
};

/* ---- systemd-boot ---- */

struct sd_priv {
	struct trial_sd_entry e;
	char *efivars; /* where the sync script finds them, inside the root */
};

static bool sd_detect(const char *boot)
{
	return strcmp(boot, "kernel-cmdline") == 0 || strcmp(boot, "loader-entries") == 0;
}

/* The efivars the command sees: it runs chrooted in the root, where a
 * sysfs beneath the root is that directory and any other is /sys. */
static char *efivars_in_root(const struct sysroot *sr)
{
	size_t rl = strlen(sr->root);

	if (strcmp(sr->root, "/") == 0)
		return path_join(sr->sysfs, "firmware/efi/efivars");
	if (strncmp(sr->sysfs, sr->root, rl) == 0 && sr->sysfs[rl] == '/')
		return path_join(sr->sysfs + rl, "firmware/efi/efivars");
	return xstrdup("/sys/firmware/efi/efivars");
}

static int sd_prepare(struct trial_ctx *t)
{
	struct app *a = t->a;
	const struct sysroot *sr = &a->o.scan.sr;
	const char *const bc[] = {"usr/bin/bootctl", "bin/bootctl", NULL};
	struct sd_priv *s = xcalloc(1, sizeof(*s));
	char *why = NULL, *def, *tool, *mods;
	int r;

	t->priv = s;
	/* proxmox-boot-tool keeps every ESP it lists unmounted, and copies
	 * kernels and entries onto them itself (/var/tmp/espmounts/UUID, in
	 * a mount namespace of its own): an entry written to a mounted ESP
	 * would be on one of them, or none */
	if (rooted_read_path(sr->root, "etc/kernel/proxmox-boot-uuids", 1 << 16, &why, NULL) == 0) {
		struct strbuf sb = {0};
		char *save = NULL;
		for (char *l = strtok_r(why, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (*l && *l != '#')
				strbuf_printf(&sb, "%s%s", sb.len ? ", " : "", l);
		free(why);
		why = xasprintf("the ESPs are Proxmox's (%s in /etc/kernel/proxmox-boot-uuids), kept unmounted and in "
				"sync by proxmox-boot-tool; a trial on them is not supported yet",
				strbuf_str(&sb));
		strbuf_free(&sb);
		return trial_refuse(a, why);
	}
	/* the entry first: where there is none, GRUB may be what boots */
	def = trial_efivar(sr, "LoaderEntryDefault");
	r = trial_sdboot_entry(sr, def, t->id, &t->params, &s->e, &why);
	free(def);
	if (r < 0)
		return trial_refuse(a, why);
	if (!trial_efivars_writable(sr, &why))
		return trial_refuse(a, why);
	if (!(tool = root_find(sr, bc)))
		return trial_refuse(a, xstrdup("bootctl is missing under the root"));
	free(tool);
	mods = xasprintf("lib/modules/%s", s->e.kver);
	if (!root_exists(sr, mods)) {
		r = trial_refuse(a, xasprintf("the default entry (%s/loader/entries/%s) boots kernel %s, which has no "
					      "/%s to build the trial's initramfs from",
					      s->e.part, s->e.file, s->e.kver, mods));
		free(mods);
		return r;
	}
	free(mods);
	s->efivars = efivars_in_root(sr);
	t->kver = xstrdup(s->e.kver);
	t->title = xstrdup(s->e.title);
	return 0;
}

static void sd_plan(struct trial_ctx *t, struct plan *out)
{
	struct sd_priv *s = t->priv;
	const char *part = s->e.part;
	char *entry = xasprintf("%s/loader-entry.conf", t->dir), *img = xasprintf("%s/initrd.img-%s", t->dir, t->kver);
	char *part_abs = xasprintf("/%s", part), *on_part = xasprintf("%s/loader/entries/%s", part, TRIAL_SD_FILE);
	char *any = xasprintf("%s/loader/entries/" TRIAL_SD_BASE "*.conf", part);
	char *oneshot = xasprintf("%s/oneshot", t->dir), *m;

	plan_set_file(out, entry, NULL, 0, s->e.text, strlen(s->e.text), 0644,
		      "the trial's loader entry: the sync script copies it to the boot partition as " TRIAL_SD_FILE
		      " (systemd-boot renames it there as it counts the try); loader.conf is not changed");
	m = xasprintf("build the trial's initramfs (%s), put it and the entry on the boot partition, and boot the "
		      "entry once, at the next boot only (bootctl set-oneshot)",
		      t->image->how);
	plan_add_cmd(out, (const char *[]){t->tool_sync, "systemd-boot", t->id, t->kver, s->efivars, part_abs, NULL}, m);
	free(m);
	/* what the command makes; its undo takes each of them away */
	plan_add_artifact(out, img);
	plan_add_artifact(out, any);
	plan_add_artifact(out, oneshot);
	strv_push(&out->vanish, img);
	strv_push(&out->vanish, any);
	strv_push(&out->vanish, oneshot);
	if (strcmp(part, "boot") != 0) {
		char *copy = xasprintf("%s/vfioconf/%s/initrd.img-%s", part, t->id, t->kver);
		plan_add_artifact(out, copy);
		strv_push(&out->vanish, copy);
		trial_check_image(t, out, copy);
		free(copy);
	}
	trial_check_image(t, out, img);
	m = xasprintf("%s=%s", TRIAL_PARAM, t->id);
	plan_add_contains_check(out, on_part, m);
	free(m);
	/* the one-shot as the firmware holds it, read back after bootctl */
	plan_add_contains_check(out, oneshot, "LoaderEntryOneShot=" TRIAL_SD_ID);
	free(entry);
	free(img);
	free(part_abs);
	free(on_part);
	free(any);
	free(oneshot);
}

static void sd_done(struct trial_ctx *t)
{
	struct sd_priv *s = t->priv;

	if (s) {
		trial_sd_entry_free(&s->e);
		free(s->efivars);
		free(s);
	}
	t->priv = NULL;
}

static bool sd_pending(struct app *a, const char *id)
{
	char *v = trial_efivar(&a->o.scan.sr, "LoaderEntryOneShot");
	/* any name of the trial's entry: re-armed by hand after systemd-boot
	 * counted a try, it is vfioconf-trial+0-1.conf */
	bool r = v && str_starts_with(v, TRIAL_SD_BASE "+");

	(void)id;
	free(v);
	return r;
}

static const struct trial_loader trial_sdboot = {
	.name = "systemd-boot",
	.detect = sd_detect,
	.carries = (const char *const[]){"etc/kernel/cmdline", "boot/loader/entries/", "efi/loader/entries/",
					 "boot/efi/loader/entries/", NULL},
	.prepare = sd_prepare,
	.plan = sd_plan,
	.done = sd_done,
	.pending = sd_pending,
	.shown = "systemd-boot",
};

const struct trial_loader *const trial_loaders[] = {&trial_grub, &trial_sdboot, NULL};

const struct trial_loader *trial_loader_by_name(const char *name)
{
	for (size_t i = 0; trial_loaders[i]; i++)
		if (strcmp(trial_loaders[i]->name, name) == 0)
			return trial_loaders[i];
	return NULL;
}
