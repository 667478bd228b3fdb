/* app_trial_sdboot.c - the trial under systemd-boot (app_trial.h): a
 * counted copy of the default loader entry beside it, booted once by
 * bootctl set-oneshot; on Proxmox VE's ESPs, which proxmox-boot-tool keeps
 * unmounted, the default entry made as it writes it (trial_pmx.c) and each
 * ESP mounted by the sync script. */
#include "config.h"

#include "app/app_trial.h"
#include "backends/boot/trial.h"
#include "backends/sys/rooted.h"
#include "core/i18n.h"

#include <stdlib.h>
#include <string.h>

struct sd_priv {
	struct trial_sd_entry e;
	struct trial_pmx pmx; /* on Proxmox's ESPs: pmx.text set, e unused */
	char *efivars;        /* where the sync script finds them, inside the root */
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

/* What both kinds need: bootctl, EFI variables it can write, the
 * kernel's modules to build from. */
static int sd_tools(struct trial_ctx *t, const char *kver, const char *where)
{
	const struct sysroot *sr = &t->a->o.scan.sr;
	const char *const bc[] = {"usr/bin/bootctl", "bin/bootctl", NULL};
	char *why = NULL, *tool, *mods;
	int r = 0;

	if (!trial_efivars_writable(sr, &why))
		return trial_refuse(t->a, why);
	if (!(tool = root_find(sr, bc)))
		return trial_refuse(t->a, xasprintf(_("%s is missing under the root"), "bootctl"));
	free(tool);
	mods = xasprintf("lib/modules/%s", kver);
	if (!root_exists(sr, mods))
		/* TRANSLATORS: the default entry's file (on Proxmox: "proxmox-KVER.conf
		 * on Proxmox's ESPs"), the kernel, its modules' directory */
		r = trial_refuse(t->a, xasprintf(_("the default entry (%s) boots kernel %s, which has no /%s to build "
						   "the trial's initramfs from"),
						 where, kver, mods));
	free(mods);
	return r;
}

/* proxmox-boot-tool's ESPs: unmounted, the default entry made as it
 * writes it (trial_pmx.c); the sync script mounts each. */
static int pmx_prepare(struct trial_ctx *t, struct sd_priv *s)
{
	const struct sysroot *sr = &t->a->o.scan.sr;
	char *def = trial_efivar(sr, "LoaderEntryDefault"), *info = trial_efivar(sr, "LoaderInfo"), *why = NULL;
	char *where;
	int r = trial_pmx_entry(sr, def, info, t->id, &t->params, &s->pmx, &why);

	free(def);
	free(info);
	if (r < 0)
		return trial_refuse(t->a, why);
	/* TRANSLATORS: the default entry's file, in "the default entry (%s)
	 * boots kernel ..." */
	where = xasprintf(_("proxmox-%s.conf on Proxmox's ESPs"), s->pmx.kver);
	r = sd_tools(t, s->pmx.kver, where);
	free(where);
	if (r < 0)
		return r;
	s->efivars = efivars_in_root(sr);
	t->kver = xstrdup(s->pmx.kver);
	t->title = xstrdup(s->pmx.title);
	return 0;
}

static int sd_prepare(struct trial_ctx *t)
{
	struct app *a = t->a;
	const struct sysroot *sr = &a->o.scan.sr;
	struct sd_priv *s = xcalloc(1, sizeof(*s));
	char *why = NULL, *def, *where;
	int r;

	t->priv = s;
	if (root_exists(sr, TRIAL_PMX_UUIDS))
		return pmx_prepare(t, s);
	/* the entry first: where there is none, GRUB may be what boots */
	def = trial_efivar(sr, "LoaderEntryDefault");
	r = trial_sdboot_entry(sr, def, t->id, &t->params, &s->e, &why);
	free(def);
	if (r < 0)
		return trial_refuse(a, why);
	where = xasprintf("%s/loader/entries/%s", s->e.part, s->e.file);
	r = sd_tools(t, s->e.kver, where);
	free(where);
	if (r < 0)
		return r;
	s->efivars = efivars_in_root(sr);
	t->kver = xstrdup(s->e.kver);
	t->title = xstrdup(s->e.title);
	return 0;
}

/* On Proxmox's ESPs: the entry and the default it was made from under the
 * trial's directory; the sync script checks each ESP against the one and
 * puts the other there, and reads back what it wrote (esp-UUID.conf). */
static void pmx_plan(struct trial_ctx *t, struct plan *out)
{
	struct sd_priv *s = t->priv;
	struct strv argv = {0};
	char *entry = xasprintf("%s/loader-entry.conf", t->dir), *def = xasprintf("%s/esp-default.conf", t->dir);
	char *img = xasprintf("%s/initrd.img-%s", t->dir, t->kver), *oneshot = xasprintf("%s/oneshot", t->dir);
	char *m;

	/* TRANSLATORS: the list of ESPs (a file), the entry's file name, the
	 * kernel */
	m = xasprintf(_("the trial's loader entry: the sync script copies it to every ESP of /%s as %s, beside "
			"proxmox-%s.conf; loader.conf is not changed"),
		      TRIAL_PMX_UUIDS, TRIAL_SD_FILE, t->kver);
	plan_set_file(out, entry, NULL, 0, s->pmx.text, strlen(s->pmx.text), 0644, m);
	free(m);
	plan_set_file(out, def, NULL, 0, s->pmx.entry, strlen(s->pmx.entry), 0644,
		      _("the default entry as proxmox-boot-tool writes it: the sync script adds the trial to an ESP "
			"only where that entry is there and systemd-boot's default"));
	for (const char *const *a = (const char *const[]){t->tool_sync, "proxmox", t->id, t->kver, s->efivars, NULL};
	     *a; a++)
		strv_push(&argv, *a);
	for (size_t i = 0; i < s->pmx.uuids.n; i++)
		strv_push(&argv, s->pmx.uuids.v[i]);
	/* TRANSLATORS: %s says how ("mkinitramfs -d, its own
	 * configuration") */
	m = xasprintf(_("build the trial's initramfs (%s), put it and the entry on each ESP (mounted in a mount "
			"namespace of its own, as proxmox-boot-tool does), and boot the entry once, at the next boot "
			"only (bootctl set-oneshot)"),
		      _(t->image->how));
	plan_add_cmd(out, (const char *const *)argv.v, m);
	free(m);
	trial_made(out, img);
	trial_made(out, oneshot);
	trial_check_image(t, out, img);
	for (size_t i = 0; i < s->pmx.uuids.n; i++) {
		char *back = xasprintf("%s/esp-%s.conf", t->dir, s->pmx.uuids.v[i]);
		trial_made(out, back);
		trial_check_param(t, out, back);
		free(back);
	}
	plan_add_contains_check(out, oneshot, "LoaderEntryOneShot=" TRIAL_SD_BASE);
	strv_free(&argv);
	free(entry);
	free(def);
	free(img);
	free(oneshot);
}

static void sd_plan_entry(struct trial_ctx *t, struct plan *out)
{
	struct sd_priv *s = t->priv;
	const char *part = s->e.part;
	char *entry = xasprintf("%s/loader-entry.conf", t->dir), *img = xasprintf("%s/initrd.img-%s", t->dir, t->kver);
	char *part_abs = xasprintf("/%s", part), *on_part = xasprintf("%s/loader/entries/%s", part, TRIAL_SD_FILE);
	char *any = xasprintf("%s/loader/entries/" TRIAL_SD_BASE "*.conf", part);
	char *oneshot = xasprintf("%s/oneshot", t->dir), *m;

	/* TRANSLATORS: %s is the entry's file name */
	m = xasprintf(_("the trial's loader entry: the sync script copies it to the boot partition as %s "
			"(systemd-boot renames it there as it counts the try); loader.conf is not changed"),
		      TRIAL_SD_FILE);
	plan_set_file(out, entry, NULL, 0, s->e.text, strlen(s->e.text), 0644, m);
	free(m);
	/* TRANSLATORS: %s says how ("mkinitramfs -d, its own
	 * configuration") */
	m = xasprintf(_("build the trial's initramfs (%s), put it and the entry on the boot partition, and boot the "
			"entry once, at the next boot only (bootctl set-oneshot)"),
		      _(t->image->how));
	plan_add_cmd(out, (const char *[]){t->tool_sync, "systemd-boot", t->id, t->kver, s->efivars, part_abs, NULL}, m);
	free(m);
	/* what the command makes; its undo takes each of them away */
	trial_made(out, img);
	trial_made(out, any);
	trial_made(out, oneshot);
	if (strcmp(part, "boot") != 0) {
		char *copy = xasprintf("%s/vfioconf/%s/initrd.img-%s", part, t->id, t->kver);
		trial_made(out, copy);
		trial_check_image(t, out, copy);
		free(copy);
	}
	trial_check_image(t, out, img);
	trial_check_param(t, out, on_part);
	/* the one-shot as the firmware holds it, read back after bootctl:
	 * either name (the sync script picks by the loader's version) */
	plan_add_contains_check(out, oneshot, "LoaderEntryOneShot=" TRIAL_SD_BASE);
	free(entry);
	free(img);
	free(part_abs);
	free(on_part);
	free(any);
	free(oneshot);
}

static void sd_plan(struct trial_ctx *t, struct plan *out)
{
	struct sd_priv *s = t->priv;

	if (s->pmx.text)
		pmx_plan(t, out);
	else
		sd_plan_entry(t, out);
}

static void sd_done(struct trial_ctx *t)
{
	struct sd_priv *s = t->priv;

	if (s) {
		trial_sd_entry_free(&s->e);
		trial_pmx_free(&s->pmx);
		free(s->efivars);
		free(s);
	}
	t->priv = NULL;
}

static bool sd_pending(struct app *a, const char *id)
{
	char *v = trial_efivar(&a->o.scan.sr, "LoaderEntryOneShot");
	/* any name of the trial's entry: the counted one (re-armed by hand
	 * after systemd-boot counted a try, vfioconf-trial+0-1.conf), or the
	 * one systemd-boot 258 and later know it by */
	bool r = v && (str_starts_with(v, TRIAL_SD_BASE "+") || strcmp(v, TRIAL_SD_ID) == 0);

	(void)id;
	free(v);
	return r;
}

const struct trial_loader trial_sdboot = {
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
