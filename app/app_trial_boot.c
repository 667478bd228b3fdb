/* app_trial_boot.c - where a trial's entry goes and how it is booted once,
 * per boot loader (app_trial.h): GRUB (custom.cfg, grub-reboot), GRUB with
 * BLS entries (an entry, grub2-reboot), systemd-boot in
 * app_trial_sdboot.c (a counted entry, bootctl set-oneshot); rEFInd and Limine have none: an entry appended to
 * their file, picked by hand. One script, vfioconf-trial-sync, builds the
 * trial's initramfs and arms the one-shot, and takes both away when run
 * again with the trial's files gone (an undo, abort or promote). */
#include "config.h"

#include "app/app_trial.h"
#include "backends/boot/trial.h"
#include "backends/sys/rooted.h"
#include "core/i18n.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRUB_CFG "boot/grub/grub.cfg"
#define CUSTOM_CFG "boot/grub/custom.cfg"
#define GRUBENV "boot/grub/grubenv"

/* The trial's image holds vfio-pci, where its initramfs system has a
 * lister. */
void trial_check_image(struct trial_ctx *t, struct plan *out, const char *img)
{
	if (t->image->lister)
		plan_add_lists_check(out, t->image->lister, img, "vfio-pci",
				     (const char *const[]){"vfio-pci.ko", "vfio_pci.ko", NULL});
}

void trial_made(struct plan *out, const char *path)
{
	plan_add_artifact(out, path);
	strv_push(&out->vanish, path);
}

void trial_check_param(struct trial_ctx *t, struct plan *out, const char *path)
{
	char *m = xasprintf("%s=%s", TRIAL_PARAM, t->id);

	plan_add_contains_check(out, path, m);
	free(m);
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
	/* GRUB boots from those ESPs, its grub.cfg, custom.cfg and grubenv
	 * there (proxmox-boot-tool runs update-grub with the ESP on /boot):
	 * an entry in /boot/grub would be made, armed, and never booted */
	if (root_exists(&a->o.scan.sr, TRIAL_PMX_UUIDS))
		return trial_refuse(a, xasprintf(_("GRUB boots from the ESPs of /%s, which proxmox-boot-tool keeps "
						 "unmounted and writes itself; a trial is made for systemd-boot on them "
						 "only"),
						 TRIAL_PMX_UUIDS));
	if (!trial_grubenv_writable(&a->inv.host, &why))
		return trial_refuse(a, why);
	if (!(tool = root_find(&a->o.scan.sr, gr)))
		return trial_refuse(a, xasprintf(_("%s is missing under the root"), "grub-reboot"));
	free(tool);
	if (rooted_read_path(root, GRUB_CFG, 4 << 20, &cfg, NULL) < 0)
		return trial_refuse(a, xasprintf(_("/%s cannot be read"), GRUB_CFG));
	if (!strstr(cfg, "custom.cfg")) {
		r = trial_refuse(a, xasprintf(_("/%s does not read custom.cfg (/etc/grub.d/41_custom)"), GRUB_CFG));
		goto out;
	}
	{
		/* GRUB_DEFAULT as update-grub sees it: the file, then grub.d */
		struct base_read br = {a, &t->base->plan};
		struct sh_error err = {0};
		char *bad = NULL;
		if (grub_source_defaults(&a->o.scan.sr, read_base, &br, (const char *const[]){"GRUB_DEFAULT", NULL},
					 &env, &bad, &err) < 0) {
			r = trial_refuse(a, xasprintf(_("%s:%d: cannot be read safely: %s; so GRUB's default entry "
							"cannot be known"),
						      bad, err.line, err.why));
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
		r = trial_refuse(a, xasprintf(_("/%s: %s; the entries in it would be lost"), CUSTOM_CFG, strerror(-e2)));
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
		      _("the trial's GRUB entry (41_custom reads this file at boot); the default entry is not changed"));
	free(text);
	strbuf_free(&sb);
	img = xasprintf("%s/initrd.img-%s", t->dir, t->kver);
	/* one command that makes the image and the one-shot match the files:
	 * run again by an undo, with the files gone, it takes both away */
	/* TRANSLATORS: %s says how ("mkinitramfs -d, its own
	 * configuration") */
	reason = xasprintf(_("build the trial's initramfs (%s) and boot its entry once, at the next boot only "
			     "(grub-reboot)"),
			   _(t->image->how));
	plan_add_cmd(out, (const char *[]){t->tool_sync, t->id, t->kver, NULL}, reason);
	free(reason);
	trial_made(out, img);
	plan_add_artifact(out, GRUBENV);
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

/* ---- GRUB with BLS entries (Fedora) ---- */

#define BLS_ENV "boot/grub2/grubenv"
#define BLS_ENTRY "boot/loader/entries/" TRIAL_BLS_FILE

static bool bls_detect(const char *boot)
{
	return strcmp(boot, "grub-bls") == 0;
}

static int bls_prepare(struct trial_ctx *t)
{
	struct app *a = t->a;
	const struct sysroot *sr = &a->o.scan.sr;
	const char *const gr[] = {"usr/sbin/grub2-reboot", "usr/bin/grub2-reboot", "sbin/grub2-reboot", NULL};
	const char *const ge[] = {"usr/bin/grub2-editenv", "usr/sbin/grub2-editenv", "bin/grub2-editenv", NULL};
	struct trial_bls_entry *e = xcalloc(1, sizeof(*e));
	struct base_read br = {a, &t->base->plan};
	struct sh_env env = {0};
	struct sh_error err = {0};
	char *why = NULL, *tool, *envtext = NULL, *saved, *bad = NULL, *mods;
	int r = 0;

	t->priv = e;
	for (const char *const *p = gr; p; p = p == gr ? ge : NULL) {
		if (!(tool = root_find(sr, p)))
			return trial_refuse(a, xasprintf(_("%s is missing under the root"),
							 p == gr ? "grub2-reboot" : "grub2-editenv"));
		free(tool);
	}
	if (trial_bls_grubenv(sr, &a->inv.host, BLS_ENV, &envtext, &why) < 0)
		return trial_refuse(a, why);
	if (grub_source_defaults(sr, read_base, &br, (const char *const[]){"GRUB_DEFAULT", NULL}, &env, &bad, &err) < 0) {
		r = trial_refuse(a, xasprintf(_("%s:%d: cannot be read safely: %s; so GRUB's default entry cannot be "
						"known"),
					      bad, err.line, err.why));
		goto out;
	}
	saved = trial_grubenv_get(envtext, "saved_entry");
	r = trial_bls_entry(sr, sh_env_get(&env, "GRUB_DEFAULT"), saved, t->id, &t->params, e, &why);
	free(saved);
	if (r < 0) {
		r = trial_refuse(a, why);
		goto out;
	}
	mods = xasprintf("lib/modules/%s", e->kver);
	if (!root_exists(sr, mods))
		r = trial_refuse(a, xasprintf(_("the default entry (/boot/loader/entries/%s) boots kernel %s, which has "
						"no /%s to build the trial's initramfs from"),
					      e->file, e->kver, mods));
	free(mods);
	if (r == 0) {
		t->kver = xstrdup(e->kver);
		t->title = xstrdup(e->title);
	}
out:
	free(bad);
	sh_error_free(&err);
	sh_env_free(&env);
	free(envtext);
	return r;
}

static void bls_plan(struct trial_ctx *t, struct plan *out)
{
	struct trial_bls_entry *e = t->priv;
	char *entry = xasprintf("%s/bls-entry.conf", t->dir), *img = xasprintf("%s/initrd.img-%s", t->dir, t->kver), *m;

	m = xasprintf(_("the trial's BLS entry: the sync script puts it in /boot/loader/entries as %s (grubby and "
			"grub2-mkconfig rewrite the entries there); the default entry is not changed"),
		      TRIAL_BLS_FILE);
	plan_set_file(out, entry, NULL, 0, e->text, strlen(e->text), 0644, m);
	free(m);
	/* TRANSLATORS: how the image is built ("dracut --conf and --confdir,
	 * its own configuration"), the entry's menu id */
	m = xasprintf(_("build the trial's initramfs (%s), put its entry in /boot/loader/entries, and boot it once, "
			"at the next boot only (grub2-reboot %s)"),
		      _(t->image->how), TRIAL_GRUB_ID);
	plan_add_cmd(out, (const char *[]){t->tool_sync, "grub-bls", t->id, t->kver, NULL}, m);
	free(m);
	trial_made(out, img);
	trial_made(out, BLS_ENTRY);
	plan_add_artifact(out, BLS_ENV);
	trial_check_image(t, out, img);
	trial_check_param(t, out, BLS_ENTRY);
	plan_add_contains_check(out, BLS_ENV, "next_entry=" TRIAL_GRUB_ID);
	free(entry);
	free(img);
}

static void bls_done(struct trial_ctx *t)
{
	if (t->priv)
		trial_bls_entry_free(t->priv);
	free(t->priv);
	t->priv = NULL;
}

static bool bls_pending(struct app *a, const char *id)
{
	char *text = NULL, *v;
	bool r;

	(void)id;
	if (rooted_read_path(a->o.scan.sr.root, BLS_ENV, 1 << 16, &text, NULL) < 0)
		return false;
	v = trial_grubenv_get(text, "next_entry");
	r = v && strcmp(v, TRIAL_GRUB_ID) == 0;
	free(v);
	free(text);
	return r;
}

static const struct trial_loader trial_bls = {
	.name = "grub-bls",
	.detect = bls_detect,
	.carries = (const char *const[]){"etc/default/grub", "etc/kernel/cmdline", NULL},
	.prepare = bls_prepare,
	.plan = bls_plan,
	.done = bls_done,
	.pending = bls_pending,
	.shown = "GRUB (BLS)",
};

/* ---- rEFInd and Limine: an entry picked by hand ---- */

#define REFIND "boot/refind_linux.conf"

static const char *const limine_paths[] = {"boot/limine.conf", "boot/limine/limine.conf",
					   "boot/EFI/limine/limine.conf", "efi/limine/limine.conf",
					   "boot/limine.cfg", "boot/limine/limine.cfg", NULL};

struct manual_priv {
	struct trial_manual m;
	const char *file; /* root-relative */
	char *old;
};

static bool refind_detect(const char *boot) { return strcmp(boot, "refind") == 0; }
static bool limine_detect(const char *boot) { return strcmp(boot, "limine") == 0; }

static int manual_prepare(struct trial_ctx *t)
{
	struct app *a = t->a;
	const struct sysroot *sr = &a->o.scan.sr;
	struct manual_priv *p = xcalloc(1, sizeof(*p));
	bool refind = strcmp(t->loader->name, "refind") == 0;
	char *why = NULL;

	t->priv = p;
	for (const char *const *f = refind ? (const char *const[]){REFIND, NULL} : limine_paths; *f && !p->file; f++)
		if (root_exists(sr, *f))
			p->file = *f;
	if (!p->file || rooted_read_path(sr->root, p->file, 1 << 20, &p->old, NULL) < 0)
		return trial_refuse(a, xasprintf(_("/%s cannot be read"), p->file ? p->file : "boot/limine.conf"));
	if (trial_manual_entry(sr, &a->inv.host, refind, p->file, p->old, t->id, &t->params, &p->m, &why) < 0)
		return trial_refuse(a, why);
	t->kver = xstrdup(p->m.kver);
	t->title = xstrdup(p->m.title);
	return 0;
}

static void manual_plan(struct trial_ctx *t, struct plan *out)
{
	struct manual_priv *p = t->priv;
	char *img = xasprintf("%s/initrd.img-%s", t->dir, t->kver), *dir = xasprintf("/%s", p->m.img_dir), *m;
	bool refind = strcmp(t->loader->name, "refind") == 0;

	/* TRANSLATORS: %s is one of the two below: why the default stays */
	m = xasprintf(_("the trial's entry, last: %s; picked by hand at boot"),
		      refind ? _("the first line stays rEFInd's default options")
			     : _("default_entry keeps naming the default entry"));
	plan_set_file(out, p->file, p->old, strlen(p->old), p->m.text, strlen(p->m.text), 0644, m);
	free(m);
	/* TRANSLATORS: how the image is built ("mkinitcpio -c, its own
	 * configuration"), the piece below or nothing, the boot loader */
	m = xasprintf(_("build the trial's initramfs (%s)%s; no one-shot: %s has none"), _(t->image->how),
		      /* TRANSLATORS: completes "build the trial's initramfs
		       * (...)" above; it starts with a blank */
		      strcmp(p->m.img_dir, "boot") != 0 ? _(" and put it where the entry names it") : "",
		      t->loader->shown);
	plan_add_cmd(out, (const char *[]){t->tool_sync, t->loader->name, t->id, t->kver, dir, NULL}, m);
	free(m);
	trial_made(out, img);
	trial_check_image(t, out, img);
	if (strcmp(p->m.img_dir, "boot") != 0) {
		char *copy = xasprintf("%s%svfioconf/%s/initrd.img-%s", p->m.img_dir, *p->m.img_dir ? "/" : "", t->id,
				       t->kver);
		trial_made(out, copy);
		trial_check_image(t, out, copy);
		free(copy);
	}
	free(img);
	free(dir);
}

static void manual_done(struct trial_ctx *t)
{
	struct manual_priv *p = t->priv;

	if (p) {
		trial_manual_free(&p->m);
		free(p->old);
		free(p);
	}
	t->priv = NULL;
}

/* No one-shot to read: made and not booted yet (no health check on
 * record), its entry still in the file. */
static bool manual_pending(struct app *a, const char *id, const char *const *files)
{
	char *p = xasprintf("var/lib/vfioconf/trials/%s", id), *text = NULL, *want = xasprintf("vfioconf trial %s", id);
	const char *const *f = files;
	bool r = !root_exists(&a->o.scan.sr, p);

	while (*f && !root_exists(&a->o.scan.sr, *f))
		f++;
	r = r && *f && rooted_read_path(a->o.scan.sr.root, *f, 1 << 20, &text, NULL) == 0 && strstr(text, want);
	free(text);
	free(p);
	free(want);
	return r;
}

static bool refind_pending(struct app *a, const char *id)
{
	return manual_pending(a, id, (const char *const[]){REFIND, NULL});
}
static bool limine_pending(struct app *a, const char *id) { return manual_pending(a, id, limine_paths); }

static const struct trial_loader trial_refind_loader = {
	.name = "refind",
	.detect = refind_detect,
	.carries = (const char *const[]){REFIND, NULL},
	.prepare = manual_prepare,
	.plan = manual_plan,
	.done = manual_done,
	.pending = refind_pending,
	.shown = "rEFInd",
	.abort_first = true,
	/* TRANSLATORS: completes "pick 'vfioconf trial ID' %s at the next
	 * boot" */
	.by_hand = N_("in the rEFInd menu (the kernel's submenu: Insert, F2 or + on its entry)"),
};

static const struct trial_loader trial_limine_loader = {
	.name = "limine",
	.detect = limine_detect,
	.carries = limine_paths,
	.prepare = manual_prepare,
	.plan = manual_plan,
	.done = manual_done,
	.pending = limine_pending,
	.shown = "Limine",
	.abort_first = true,
	/* TRANSLATORS: completes "pick 'vfioconf trial ID' %s at the next
	 * boot" */
	.by_hand = N_("in the Limine menu"),
};

const struct trial_loader *const trial_loaders[] = {&trial_grub, &trial_sdboot, &trial_bls, &trial_refind_loader,
						    &trial_limine_loader, NULL};

const struct trial_loader *trial_loader_by_name(const char *name)
{
	for (size_t i = 0; trial_loaders[i]; i++)
		if (strcmp(trial_loaders[i]->name, name) == 0)
			return trial_loaders[i];
	return NULL;
}
