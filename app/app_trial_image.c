/* app_trial_image.c - a trial's own initramfs, per initramfs system
 * (app_trial.h): a copy of the configuration under /boot/vfioconf/ID with
 * the base plan's changes, from which vfioconf-trial-sync builds the image
 * (trial.conf's initrd says with which tool); /etc is not touched. Each
 * puts the trial's modprobe.d file and device list where the image's
 * modprobe and vfioconf-bind look, over whatever /etc's copies put there:
 *   initramfs-tools: mkinitramfs -d, a hook of the trial's copy;
 *   dracut: --conf/--confdir, and --include of a directory (dracut copies a
 *     directory over what the image has; a single file it skips when the
 *     image has one there already);
 *   mkinitcpio: -c, and a build hook of its own (-D) run after modconf;
 *     FILES would copy /etc's files over it (mkinitcpio adds them after the
 *     hooks), so the trial's copy leaves /etc's vfioconf files out of it;
 *   booster: --config; booster takes module options from /etc/modprobe.d
 *     only, when it builds, into its init's configuration: the trial's go
 *     on its command line instead (booster's init reads MOD.PARAM=VALUE
 *     there too, as modprobe does after the switch to the root).
 */
#include "config.h"

#include "app/app_trial.h"
#include "backends/sys/rooted.h"
#include "core/cmdline.h"
#include "core/i18n.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- initramfs-tools ---- */

#define IT_CONF "etc/initramfs-tools"
#define IT_MODULES "etc/initramfs-tools/modules"

/* /etc/initramfs-tools with the plan's modules list, and a hook that puts
 * the trial's files into the image; it replaces the hook of the default
 * image. */
static void it_plan(struct trial_ctx *t, struct plan *out)
{
	struct app *a = t->a;
	const struct app_plan *base = t->base;
	char *to = xasprintf("%s/initramfs-tools", t->dir), *text, *hook;

	trial_copy(t, IT_CONF, to, out);
	free(to);
	text = trial_base_bytes(a, &base->plan, IT_MODULES);
	trial_put(out, t->dir, "initramfs-tools/modules", text, 0644, _("the plan's modules for the initramfs"));
	free(text);
	/* the hook puts the trial's files where the image's modprobe and
	 * vfioconf-bind look */
	hook = xasprintf("#!/bin/sh\n"
			 "# Managed by vfioconf: trial %s. Puts the trial's modprobe.d file and device\n"
			 "# list into this image only; /etc keeps its own.\n"
			 "PREREQ=\"\"\n"
			 "prereqs() { echo \"$PREREQ\"; }\n"
			 "case \"$1\" in prereqs) prereqs; exit 0 ;; esac\n"
			 ". /usr/share/initramfs-tools/hook-functions\n"
			 "%s%s%s"
			 "mkdir -p \"$DESTDIR/etc/modprobe.d\" \"$DESTDIR/etc/vfioconf\"\n"
			 "cp /%s/modprobe.conf \"$DESTDIR/etc/modprobe.d/vfioconf.conf\"\n"
			 "cp /%s/devices.conf \"$DESTDIR/etc/vfioconf/devices.conf\"\n",
			 t->id, base->want.any_override ? "copy_exec " : "",
			 base->want.any_override ? app_bind_helper(a) : "", base->want.any_override ? "\n" : "", t->dir,
			 t->dir);
	trial_put(out, t->dir, "initramfs-tools/hooks/vfioconf", hook, 0755,
		  _("puts the trial's files into its initramfs"));
	free(hook);
}

static const struct trial_image image_tools = {
	.name = "initramfs-tools",
	.tool = "mkinitramfs",
	.tool_paths = (const char *const[]){"usr/sbin/mkinitramfs", "sbin/mkinitramfs", NULL},
	.carries = (const char *const[]){"etc/initramfs-tools/", NULL},
	/* TRANSLATORS: completes "build the trial's initramfs (%s)" */
	.how = N_("mkinitramfs -d, its own configuration"),
	.lister = "lsinitramfs",
	.plan = it_plan,
};

/* ---- dracut ---- */

#define DR_CONF "etc/dracut.conf"
#define DR_CONF_D "etc/dracut.conf.d"

/* text without the word w where it stands between blanks or quotes (a
 * value of install_items); owned, NULL when w is not there. */
static char *drop_word(const char *text, const char *w)
{
	size_t wl = strlen(w);
	struct strbuf sb = {0};
	bool dropped = false;

	for (const char *p = text; *p;) {
		const char *q = strstr(p, w);
		if (!q) {
			strbuf_puts(&sb, p);
			break;
		}
		bool before = q > text && (q[-1] == ' ' || q[-1] == '"'), after = q[wl] == ' ' || q[wl] == '"';
		if (!before || !after) {
			strbuf_add(&sb, p, (size_t)(q - p) + wl);
			p = q + wl;
			continue;
		}
		strbuf_add(&sb, p, (size_t)(q - p));
		p = q + wl + (q[wl] == ' ');
		dropped = true;
	}
	if (!dropped) {
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

static void dr_plan(struct trial_ctx *t, struct plan *out)
{
	struct app *a = t->a;
	const struct plan *p = &t->base->plan;
	char *text, *to = xasprintf("%s/dracut.conf.d", t->dir), *why;
	size_t tl = strlen(to);

	/* dracut --conf wants the file there; /etc's may be missing */
	text = trial_base_bytes(a, p, DR_CONF);
	why = xasprintf(_("a copy of /%s (dracut --conf)"), DR_CONF);
	trial_put(out, t->dir, "dracut.conf", text, 0644, why);
	free(why);
	free(text);
	trial_copy(t, DR_CONF_D, to, out);
	/* install_items naming /etc's vfioconf files (the plan's drop-in)
	 * would fail where they are missing, or put /etc's in: the trial's
	 * go in by --include */
	for (size_t i = 0; i < out->n_files; i++) {
		struct plan_file *f = &out->files[i];
		char *a1, *a2;
		if (strncmp(f->path, to, tl) != 0 || f->path[tl] != '/' || !f->new)
			continue;
		a1 = drop_word(f->new, "/" MODPROBE_PATH);
		a2 = drop_word(a1 ? a1 : f->new, "/" STATE_PATH);
		if (a1 || a2) {
			const char *n = a2 ? a2 : a1;
			char *path = xstrdup(f->path);
			plan_set_file(out, path, NULL, 0, n, strlen(n), f->mode,
				      _("the plan's drop-in, without /etc's modprobe.d file and device list: the trial's "
					"own go into the image (dracut --include)"));
			free(path);
		}
		free(a1);
		free(a2);
	}
	free(to);
	text = trial_base_bytes(a, p, MODPROBE_PATH);
	trial_put(out, t->dir, "include/" MODPROBE_PATH, text, 0644,
		  _("the trial's modprobe.d file, as the image holds it (dracut --include of this directory)"));
	free(text);
	text = trial_base_bytes(a, p, STATE_PATH);
	trial_put(out, t->dir, "include/" STATE_PATH, text, 0644, _("the trial's device list, as the image holds it"));
	free(text);
}

static const struct trial_image image_dracut = {
	.name = "dracut",
	.tool = "dracut",
	.tool_paths = (const char *const[]){"usr/bin/dracut", "usr/sbin/dracut", "sbin/dracut", NULL},
	.carries = (const char *const[]){DR_CONF, NULL}, /* and dracut.conf.d */
	/* TRANSLATORS: completes "build the trial's initramfs (%s)" */
	.how = N_("dracut --conf and --confdir, its own configuration"),
	.lister = "lsinitrd",
	.plan = dr_plan,
};

/* ---- mkinitcpio ---- */

#define MK_CONF "etc/mkinitcpio.conf"
#define MK_CONF_D "etc/mkinitcpio.conf.d"
#define MK_HOOK "vfioconf-trial"

/* The drop-ins' names in mkinitcpio.conf.d, as the plan leaves them. */
static void mk_dropins(struct trial_ctx *t, struct strv *out)
{
	const struct plan *p = &t->base->plan;
	int base = rooted_base(t->a->o.scan.sr.root);
	struct strv names = {0};
	size_t dl = strlen(MK_CONF_D);

	if (base >= 0) {
		rooted_list(base, MK_CONF_D, ROOTED_FOLLOW, &names);
		close(base);
	}
	for (size_t i = 0; i < p->n_files; i++)
		if (strncmp(p->files[i].path, MK_CONF_D "/", dl + 1) == 0 && !strchr(p->files[i].path + dl + 1, '/'))
			strv_push_unique(&names, p->files[i].path + dl + 1);
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		size_t l = strlen(names.v[i]);
		if (l > 5 && strcmp(names.v[i] + l - 5, ".conf") == 0)
			strv_push(out, names.v[i]);
	}
	strv_free(&names);
}

static void mk_plan(struct trial_ctx *t, struct plan *out)
{
	struct app *a = t->a;
	const struct plan *p = &t->base->plan;
	struct strbuf sb = {0};
	struct strv dropins = {0};
	char *text, *hook;

	/* mkinitcpio -c reads no drop-in: the copy is what mkinitcpio makes
	 * of mkinitcpio.conf and mkinitcpio.conf.d, one file after the other */
	text = trial_base_bytes(a, p, MK_CONF);
	strbuf_printf(&sb, "# vfioconf trial %s: /%s", t->id, MK_CONF);
	mk_dropins(t, &dropins);
	if (dropins.n)
		strbuf_printf(&sb, " and its drop-ins in /%s", MK_CONF_D);
	strbuf_puts(&sb, " as the plan leaves them,\n# then what the trial changes (mkinitcpio -c reads this file alone)\n");
	if (text) {
		strbuf_puts(&sb, text);
		if (*text && text[strlen(text) - 1] != '\n')
			strbuf_putc(&sb, '\n');
	}
	free(text);
	for (size_t i = 0; i < dropins.n; i++) {
		char *rel = xasprintf("%s/%s", MK_CONF_D, dropins.v[i]);
		text = trial_base_bytes(a, p, rel);
		if (text) {
			strbuf_printf(&sb, "\n# /%s\n%s", rel, text);
			if (*text && text[strlen(text) - 1] != '\n')
				strbuf_putc(&sb, '\n');
		}
		free(text);
		free(rel);
	}
	strv_free(&dropins);
	/* bash, as mkinitcpio sources it; FILES and HOOKS may be arrays or
	 * the old strings (mkinitcpio's arrayize_config) */
	strbuf_printf(&sb,
		      "\n# ---- vfioconf trial %s ----\n"
		      "# The trial's modprobe.d file and device list go into the image from its\n"
		      "# own hook (" MK_HOOK ", the last one); /etc's must not follow them (FILES\n"
		      "# is added after the hooks).\n"
		      "if [[ ${FILES@a} == *a* ]]; then\n"
		      "\t_vfioconf_files=(\"${FILES[@]}\")\n"
		      "else\n"
		      "\tIFS=' ' read -r -a _vfioconf_files <<<\"${FILES-}\"\n"
		      "fi\n"
		      "FILES=()\n"
		      "for _vfioconf_f in \"${_vfioconf_files[@]}\"; do\n"
		      "\tcase $_vfioconf_f in\n"
		      "\t/" MODPROBE_PATH " | /" STATE_PATH ") ;;\n"
		      "\t*) FILES+=(\"$_vfioconf_f\") ;;\n"
		      "\tesac\n"
		      "done\n"
		      "unset _vfioconf_files _vfioconf_f\n"
		      "if [[ ${HOOKS@a} != *a* ]]; then\n"
		      "\tIFS=' ' read -r -a HOOKS <<<\"${HOOKS-}\"\n"
		      "fi\n"
		      "HOOKS+=(" MK_HOOK ")\n",
		      t->id);
	trial_put(out, t->dir, "mkinitcpio.conf", sb.buf, 0644,
		  _("the configuration the trial's image is built from (mkinitcpio -c): the plan's, with a hook of its "
		    "own"));
	strbuf_free(&sb);
	hook = xasprintf("#!/bin/bash\n"
			 "# Managed by vfioconf: trial %s. Puts the trial's modprobe.d file and device\n"
			 "# list into this image only; /etc keeps its own.\n"
			 "build() {\n"
			 "\tadd_file /%s/modprobe.conf /" MODPROBE_PATH " 644\n"
			 "\tadd_file /%s/devices.conf /" STATE_PATH " 644\n"
			 "}\n"
			 "\n"
			 "help() {\n"
			 "\techo \"vfioconf trial %s: its modprobe.d file and device list, not /etc's\"\n"
			 "}\n",
			 t->id, t->dir, t->dir, t->id);
	trial_put(out, t->dir, "initcpio/install/" MK_HOOK, hook, 0644,
		  _("puts the trial's files into its initramfs (mkinitcpio -D finds it here)"));
	free(hook);
}

static const struct trial_image image_mkinitcpio = {
	.name = "mkinitcpio",
	.tool = "mkinitcpio",
	.tool_paths = (const char *const[]){"usr/bin/mkinitcpio", "usr/sbin/mkinitcpio", NULL},
	.carries = (const char *const[]){MK_CONF, NULL}, /* and mkinitcpio.conf.d */
	/* TRANSLATORS: completes "build the trial's initramfs (%s)" */
	.how = N_("mkinitcpio -c, its own configuration"),
	.lister = "lsinitcpio",
	.plan = mk_plan,
};

/* ---- booster ---- */

#define BO_YAML "etc/booster.yaml"

/* The plan's module options (its modprobe.d file's "options MOD ARG...")
 * as MOD.ARG parameters of the trial's command line. */
static int bo_prepare(struct trial_ctx *t)
{
	char *text = trial_base_bytes(t->a, &t->base->plan, MODPROBE_PATH), *save = NULL;
	int r = 0;

	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l && r == 0; l = strtok_r(NULL, "\n", &save)) {
		struct strv w = {0};
		if (strncmp(l, "options", 7) == 0 && (l[7] == ' ' || l[7] == '\t')) {
			if (strpbrk(l, "\"'\\")) {
				r = trial_refuse(t->a, xasprintf(_("/%s: '%s' quotes a value, which the trial's command "
								   "line cannot carry for booster"),
								 MODPROBE_PATH, l));
			} else {
				cmdline_split(l, &w);
				for (size_t k = 2; k < w.n; k++) {
					char *param = xasprintf("%s.%s", w.v[1], w.v[k]);
					strv_push_unique(&t->params, param);
					free(param);
				}
			}
		}
		strv_free(&w);
	}
	free(text);
	return r;
}

static void bo_plan(struct trial_ctx *t, struct plan *out)
{
	char *text = trial_base_bytes(t->a, &t->base->plan, BO_YAML);

	trial_put(out, t->dir, "booster.yaml", text, 0644,
		  _("the configuration the trial's image is built from (booster build --config): the plan's"));
	free(text);
	strv_push(&out->notes, _("booster takes module options from /etc/modprobe.d only, when it builds an image: "
				 "the trial's (its modprobe.d file's options lines) are on its kernel command line "
				 "instead"));
}

static const struct trial_image image_booster = {
	.name = "booster",
	.tool = "booster",
	.tool_paths = (const char *const[]){"usr/bin/booster", NULL},
	.carries = (const char *const[]){BO_YAML, NULL},
	/* TRANSLATORS: completes "build the trial's initramfs (%s)" */
	.how = N_("booster build --config, its own configuration"),
	.lister = NULL, /* booster ls IMAGE: a subcommand, not a lister */
	.prepare = bo_prepare,
	.plan = bo_plan,
};

const struct trial_image *const trial_images[] = {&image_tools, &image_dracut, &image_mkinitcpio, &image_booster, NULL};

const struct trial_image *trial_image_by_name(const char *name)
{
	for (size_t i = 0; trial_images[i]; i++)
		if (strcmp(trial_images[i]->name, name) == 0)
			return trial_images[i];
	return NULL;
}
