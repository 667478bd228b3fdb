/* initrd_tools.c - initramfs-tools (Debian, Ubuntu, Proxmox, Pop!_OS).
 *
 * /etc/initramfs-tools/modules gets one line per vfio module (token-level:
 * nothing else moves); modprobe.d is copied in by initramfs-tools itself.
 * Binding by address also needs vfioconf-bind and its list in the image:
 * a hook vfioconf owns copies them.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/i18n.h"
#include "core/cmdline.h"

#include <stdlib.h>
#include <string.h>

#define MODULES "etc/initramfs-tools/modules"
#define HOOK "etc/initramfs-tools/hooks/vfioconf"

static const char *const tool_paths[] = {"usr/sbin/update-initramfs", "sbin/update-initramfs", NULL};

static int it_detect(const struct sysroot *sr, struct strbuf *why)
{
	char *t = root_find(sr, tool_paths);

	if (!t)
		return 0;
	strbuf_printf(why, "%s", t);
	free(t);
	return 1;
}

/* /etc/initramfs-tools/modules: a module per line, "name [args]". */
static bool first_word_is(const char *line, size_t len, const char *mod)
{
	size_t ml = strlen(mod), i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < ml)
		return false;
	for (size_t k = 0; k < ml; k++) {
		char a = line[i + k] == '-' ? '_' : line[i + k], b = mod[k] == '-' ? '_' : mod[k];
		if (a != b)
			return false;
	}
	return i + ml == len || line[i + ml] == ' ' || line[i + ml] == '\t' || line[i + ml] == '\r';
}

static bool mods_has(const char *text, const void *arg, const char *mod)
{
	(void)arg;
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (first_word_is(l, len, mod))
			return true;
		l += len + (nl ? 1 : 0);
	}
	return false;
}

static int mods_add(const char *text, const void *arg, const char *mod, char **out, struct sh_error *err)
{
	(void)arg;
	(void)err;
	*out = text_append_line(text, mod);
	return 0;
}

/* Removes lines that are exactly the module: the ones vfioconf wrote. */
static int mods_remove(const char *text, const void *arg, const char *mod, char **out, struct sh_error *err)
{
	(void)arg;
	(void)err;
	*out = text_remove_line(text, mod);
	return 0;
}

static const struct param_ops modules_ops = {mods_has, mods_add, mods_remove};

static int it_plan(struct plan_ctx *ctx)
{
	struct strv mods = {0};
	char *tool, *hook = NULL;
	int r;

	for (size_t i = 0; i < ctx->want->modules.n; i++)
		strv_push(&mods, ctx->want->modules.v[i]);
	/* a missing module is skipped quietly here, so one kernel having it is enough */
	if (mods.n && ctx->want->virqfd_any)
		strv_push(&mods, "vfio_virqfd");
	r = ctx_words(ctx, MODULES, MODULES, &mods, &modules_ops, NULL,
		      _("load it in the initramfs, before other drivers"));
	strv_free(&mods);
	if (r < 0)
		return r;
	if (ctx->want->any_override)
		hook = xasprintf("#!/bin/sh\n"
				 "# Managed by vfioconf: puts vfioconf-bind and the devices it binds by\n"
				 "# address into the initramfs (modprobe.d runs it before vfio-pci loads).\n"
				 "PREREQ=\"\"\n"
				 "prereqs() { echo \"$PREREQ\"; }\n"
				 "case \"$1\" in prereqs) prereqs; exit 0 ;; esac\n"
				 ". /usr/share/initramfs-tools/hook-functions\n"
				 "copy_exec %s\n"
				 "copy_file config /%s\n",
				 ctx->bind_helper, STATE_PATH);
	ctx_write(ctx, HOOK, hook, 0755,
		  hook ? _("copy vfioconf-bind and its device list into the initramfs")
		       : _("nothing is bound by address any more"));
	free(hook);
	if (ctx_initramfs_inputs_changed(ctx, (const char *const[]){MODULES, HOOK, NULL})) {
		tool = root_find(ctx->sr, tool_paths);
		plan_add_cmd(ctx->plan, (const char *[]){tool, "-u", "-k", "all", NULL},
			     _("rebuild the initramfs of every installed kernel"));
		plan_add_artifact(ctx->plan, "boot/initrd.img-*");
		free(tool);
		ctx_check_initramfs(ctx, "lsinitramfs", (const struct initramfs_name[]){{"boot/initrd.img-", ""}}, 1);
	}
	return 0;
}

const struct backend initrd_tools = {
	"initramfs-tools", "initramfs-tools: /etc/initramfs-tools/modules, then update-initramfs -u -k all",
	it_detect, it_plan,
};
