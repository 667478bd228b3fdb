/* app_trial.c - a trial boot (backends/boot/trial.h): the plan's boot path
 * as a GRUB entry booted once, its own initramfs, and nothing in /etc or
 * the default entry changed. Made, undone and promoted through the
 * journal like any other change. */
#include "config.h"

#include "app/app.h"
#include "backends/boot/trial.h"
#include "backends/sys/rooted.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GRUB_CFG "boot/grub/grub.cfg"
#define CUSTOM_CFG "boot/grub/custom.cfg"
#define IT_CONF "etc/initramfs-tools"
#define IT_MODULES "etc/initramfs-tools/modules"

static int refuse(struct app *a, char *why)
{
	log_error(&a->log, "no trial boot here: %s; 'vfioconf apply' without --trial changes the default boot path",
		  why);
	free(why);
	return -ENOTSUP;
}

/* The base plan's bytes for path (its edit, else the disk), owned; NULL
 * when it has none. */
static char *base_bytes(struct app *a, const struct plan *p, const char *rel)
{
	const char *cur;
	char *t = NULL;

	if (plan_current(p, rel, &cur, NULL))
		return cur ? xstrdup(cur) : NULL;
	if (rooted_read_path(a->o.scan.sr.root, rel, 1 << 20, &t, NULL) < 0)
		return NULL;
	return t;
}

/* rel (a directory beneath the root), every regular file in it with its
 * mode, into the plan under to: the user's hooks and scripts go into the
 * trial's image as into the default one. */
static void copy_tree(struct app *a, int base, const char *rel, const char *to, struct plan *out, int depth)
{
	struct strv names = {0};

	if (depth > 4 || rooted_list(base, rel, ROOTED_FOLLOW, &names) < 0)
		return;
	for (size_t i = 0; i < names.n; i++) {
		char *src = xasprintf("%s/%s", rel, names.v[i]), *dst = xasprintf("%s/%s", to, names.v[i]);
		char *text = NULL;
		size_t len = 0;
		struct stat st;
		int fd = rooted_open(base, src, O_RDONLY, 0, ROOTED_FOLLOW);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			copy_tree(a, base, src, dst, out, depth + 1);
		} else if (fd >= 0 && S_ISREG(st.st_mode) && rooted_read(base, src, 1 << 20, &text, &len, ROOTED_FOLLOW) == 0) {
			plan_set_file(out, dst, NULL, 0, text, len, st.st_mode & 07777, NULL);
		}
		if (fd >= 0)
			close(fd);
		free(text);
		free(src);
		free(dst);
	}
	strv_free(&names);
}

/* A file of the trial's directory, new. */
static void put(struct plan *out, const char *dir, const char *name, const char *text, unsigned mode,
		const char *reason)
{
	char *p = xasprintf("%s/%s", dir, name);

	plan_set_file(out, p, NULL, 0, text ? text : "", text ? strlen(text) : 0, mode, reason);
	free(p);
}

static void new_id(char id[16])
{
	unsigned char b[4] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		unsigned v = (unsigned)time(NULL) ^ (unsigned)getpid();
		memcpy(b, &v, sizeof(b));
	}
	if (fd >= 0)
		close(fd);
	snprintf(id, 16, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

int app_trial_plan(struct app *a, const struct app_plan *base, struct plan *out, char id[16])
{
	const char *boot = NULL, *initrd = NULL;
	const char *root = a->o.scan.sr.root;
	char *cfg = NULL, *custom = NULL, *why = NULL, *text, *dir, *hook, *img;
	struct sh_env env = {0};
	struct trial_grub_entry e;
	char *tool_mk = NULL, *tool_reboot = NULL;
	struct strbuf sb = {0};
	int base_fd, r = 0;

	memset(out, 0, sizeof(*out));
	new_id(id);
	app_backends_chosen(a, &boot, &initrd);
	if (!boot || strcmp(boot, "grub") != 0)
		return refuse(a, xasprintf("the boot loader is %s; a trial boot needs GRUB with update-grub (Debian, "
					   "Ubuntu, Proxmox on GRUB) for now",
					   boot ? boot : "not found"));
	if (!initrd || strcmp(initrd, "initramfs-tools") != 0)
		return refuse(a, xasprintf("the initramfs system is %s; a trial boot needs initramfs-tools for now",
					   initrd ? initrd : "not found"));
	if (!base->want.n_dev)
		return refuse(a, xstrdup("nothing is selected to try"));
	if (base->plan.refusals.n || base->refused)
		return refuse(a, xstrdup("the plan refuses something"));
	for (size_t i = 0; i < base->plan.n_files; i++)
		if (!str_starts_with(base->plan.files[i].path, "etc/modprobe.d/vfioconf.conf") &&
		    !str_starts_with(base->plan.files[i].path, "etc/vfioconf/") &&
		    !str_starts_with(base->plan.files[i].path, "etc/default/grub") &&
		    !str_starts_with(base->plan.files[i].path, "etc/initramfs-tools/"))
			return refuse(a, xasprintf("the plan changes %s, which a trial cannot leave alone (a hand-made "
						   "setting it takes over, most likely)",
						   base->plan.files[i].path));
	if (!trial_grubenv_writable(&a->inv.host, &why))
		return refuse(a, why);
	{
		const char *const mk[] = {"usr/sbin/mkinitramfs", "sbin/mkinitramfs", NULL};
		const char *const gr[] = {"usr/sbin/grub-reboot", "sbin/grub-reboot", NULL};
		tool_mk = root_find(&a->o.scan.sr, mk);
		tool_reboot = root_find(&a->o.scan.sr, gr);
	}
	if (!tool_mk || !tool_reboot) {
		r = refuse(a, xasprintf("%s is missing under the root", !tool_mk ? "mkinitramfs" : "grub-reboot"));
		goto out;
	}
	if (rooted_read_path(root, GRUB_CFG, 4 << 20, &cfg, NULL) < 0) {
		r = refuse(a, xstrdup("/" GRUB_CFG " cannot be read"));
		goto out;
	}
	if (!strstr(cfg, "custom.cfg")) {
		r = refuse(a, xstrdup("/" GRUB_CFG " does not read custom.cfg (/etc/grub.d/41_custom)"));
		goto out;
	}
	text = base_bytes(a, &base->plan, "etc/default/grub");
	if (text) {
		struct sh_error err = {0};
		sh_source(text, &env, (const char *const[]){"GRUB_DEFAULT", NULL}, &err);
		sh_error_free(&err);
		free(text);
	}
	if (trial_grub_entry(cfg, sh_env_get(&env, "GRUB_DEFAULT"), id, &base->plan.params, &e, &why) < 0) {
		r = refuse(a, why);
		goto out;
	}

	dir = xasprintf("%s/%s", TRIAL_DIR, id);
	/* what the trial's image holds instead of /etc's */
	text = base_bytes(a, &base->plan, STATE_PATH);
	put(out, dir, "devices.conf", text, 0644, "the devices the trial binds (its own devices.conf)");
	free(text);
	text = base_bytes(a, &base->plan, MODPROBE_PATH);
	put(out, dir, "modprobe.conf", text, 0644, "the trial's modprobe.d file (the plan's " MODPROBE_PATH ")");
	free(text);
	base_fd = rooted_base(root);
	if (base_fd >= 0) {
		char *to = xasprintf("%s/initramfs-tools", dir);
		copy_tree(a, base_fd, IT_CONF, to, out, 0);
		free(to);
		close(base_fd);
	}
	text = base_bytes(a, &base->plan, IT_MODULES);
	put(out, dir, "initramfs-tools/modules", text, 0644, "the plan's modules for the initramfs");
	free(text);
	/* the hook puts the trial's files where the image's modprobe and
	 * vfioconf-bind look; it replaces the hook of the default image */
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
			 id, base->want.any_override ? "copy_exec " : "",
			 base->want.any_override ? app_bind_helper(a) : "", base->want.any_override ? "\n" : "", dir,
			 dir);
	put(out, dir, "initramfs-tools/hooks/vfioconf", hook, 0755, "puts the trial's files into its initramfs");
	free(hook);
	text = xasprintf("# vfioconf trial %s\nid = %s\nkernel = %s\nentry = %s\nparams =", id, id, e.kver, e.title);
	strbuf_reset(&sb);
	strbuf_puts(&sb, text);
	free(text);
	for (size_t i = 0; i < base->plan.params.n; i++)
		strbuf_printf(&sb, " %s", base->plan.params.v[i]);
	strbuf_putc(&sb, '\n');
	put(out, dir, "trial.conf", sb.buf, 0644, "what the trial is, for its health check");
	/* the entry, booted once */
	if (rooted_read_path(root, CUSTOM_CFG, 1 << 20, &custom, NULL) < 0)
		custom = NULL;
	strbuf_reset(&sb);
	strbuf_printf(&sb, "### BEGIN vfioconf trial %s (managed by vfioconf: 'vfioconf trial abort' takes it out)\n%s"
			   "### END vfioconf trial\n",
		      id, e.text);
	text = trial_custom_cfg(custom, sb.buf);
	plan_set_file(out, CUSTOM_CFG, custom, custom ? strlen(custom) : 0, text, strlen(text), 0644,
		      "the trial's GRUB entry (41_custom reads this file at boot); the default entry is not changed");
	free(text);
	img = xasprintf("/%s/initrd.img-%s", dir, e.kver);
	{
		char *confdir = xasprintf("/%s/initramfs-tools", dir);
		plan_add_cmd(out, (const char *[]){tool_mk, "-d", confdir, "-o", img, e.kver, NULL},
			     "build the trial's initramfs from its own configuration");
		free(confdir);
	}
	plan_add_cmd(out, (const char *[]){tool_reboot, TRIAL_GRUB_ID, NULL},
		     "boot the trial entry once, at the next boot only (grubenv next_entry)");
	plan_add_artifact(out, img + 1);
	plan_add_artifact(out, "boot/grub/grubenv");
	plan_add_lists_check(out, "lsinitramfs", img + 1, "vfio-pci", (const char *const[]){"vfio-pci.ko", "vfio_pci.ko", NULL});
	plan_add_contains_check(out, "boot/grub/grubenv", "next_entry=" TRIAL_GRUB_ID);
	strv_push(&out->params, TRIAL_PARAM);
	for (size_t i = 0; i < base->plan.outcome.n; i++)
		strv_push(&out->outcome, base->plan.outcome.v[i]);
	text = xasprintf("the trial boots once, kernel %s as in the entry '%s'; if it fails or panics, the next boot "
			 "is the default entry, unchanged",
			 e.kver, e.title);
	strv_push(&out->notes, text);
	free(text);
	free(img);
	free(dir);
	trial_grub_entry_free(&e);
out:
	strbuf_free(&sb);
	sh_env_free(&env);
	free(cfg);
	free(custom);
	free(tool_mk);
	free(tool_reboot);
	return r;
}
