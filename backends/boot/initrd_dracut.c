/* initrd_dracut.c - dracut (Fedora, RHEL, openSUSE, EndeavourOS): a drop-in
 * in /etc/dracut.conf.d (the name must end in .conf; values keep a space
 * inside each quote), rd.driver.pre=vfio_pci on the command line, then
 * dracut -f --regenerate-all for every installed kernel.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "backends/scan/dracut_conf.h"
#include "core/i18n.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DROPIN "etc/dracut.conf.d/10-vfioconf.conf"

static const char *const tool_paths[] = {"usr/bin/dracut", "usr/sbin/dracut", "sbin/dracut", NULL};

static int dr_detect(const struct sysroot *sr, struct strbuf *why)
{
	char *t = root_find(sr, tool_paths);

	if (!t)
		return 0;
	strbuf_puts(why, t);
	free(t);
	return 1;
}

/* A unified kernel image carries the command line it was built with: the
 * parameters the boot loader's file gets would not reach the kernel. And a
 * configuration that cannot be followed leaves what dracut builds unknown. */
static bool dr_refused(struct plan_ctx *ctx)
{
	const struct config_scan_opts o = {.sr = ctx->sr, .plan = ctx->plan};
	struct dracut_conf c = {0};
	int before = ctx->refused;

	dracut_conf_read(&o, &c);
	if (c.bad)
		ctx_refuse(ctx, xasprintf("%s:%d: cannot be read safely: %s; so what dracut builds cannot be known", c.bad,
				      c.err.line, c.err.why));
	else if (dracut_conf_uki(&c) && ctx->params->n) {
		struct strbuf params = {0};
		char *from;
		for (size_t i = 0; i < ctx->params->n; i++)
			strbuf_printf(&params, "%s%s", i ? " " : "", ctx->params->v[i]);
		/* TRANSLATORS: these two complete "whose kernel command line is %s" below */
		from = c.kernel_cmdline.value ? xasprintf(_("kernel_cmdline= at %s:%d"), c.kernel_cmdline.file,
								 c.kernel_cmdline.line)
						    : xstrdup(_("the running system's, stored when the image is built"));
		ctx_refuse(ctx, xasprintf(_("%s:%d: dracut builds unified kernel images (uefi=yes) whose kernel command "
					    "line is %s; the parameters this plan needs (%s) would not reach the kernel, "
					    "so nothing is planned"),
				      c.uefi.file, c.uefi.line, from, params.buf));
		free(from);
		strbuf_free(&params);
	}
	dracut_conf_free(&c);
	return ctx->refused > before;
}

static int dr_plan(struct plan_ctx *ctx)
{
	struct strbuf sb = {0};
	char *tool;

	if (ctx->want->modules.n && dr_refused(ctx))
		return -EINVAL;

	if (ctx->want->modules.n) {
		strbuf_puts(&sb, "# Managed by vfioconf: vfio-pci in the initramfs, ahead of other drivers.\n"
				 "force_drivers+=\" ");
		for (size_t i = 0; i < ctx->want->modules.n; i++)
			strbuf_printf(&sb, "%s ", ctx->want->modules.v[i]);
		/* dracut-install fails on a module a kernel lacks (gone in 6.2) */
		if (ctx->want->virqfd_all)
			strbuf_puts(&sb, "vfio_virqfd ");
		strbuf_puts(&sb, "\"\n");
		/* hostonly=no leaves /etc/modprobe.d out unless named */
		strbuf_printf(&sb, "install_items+=\" /%s ", MODPROBE_PATH);
		if (ctx->want->any_override)
			strbuf_printf(&sb, "%s /%s ", ctx->bind_helper, STATE_PATH);
		strbuf_puts(&sb, "\"\n");
	}
	ctx_write(ctx, DROPIN, sb.len ? sb.buf : NULL, 0644,
		  sb.len ? _("put vfio-pci, its settings and vfioconf-bind into the initramfs")
			 : _("nothing to put in the initramfs any more"));
	strbuf_free(&sb);
	if (ctx_initramfs_inputs_changed(ctx, (const char *const[]){DROPIN, NULL})) {
		tool = root_find(ctx->sr, tool_paths);
		plan_add_cmd(ctx->plan, (const char *[]){tool, "-f", "--regenerate-all", NULL},
			     _("rebuild the initramfs of every installed kernel"));
		plan_add_artifact(ctx->plan, "boot/initramfs-*");
		plan_add_artifact(ctx->plan, "boot/initrd.img-*");
		free(tool);
		ctx_check_initramfs(ctx, "lsinitrd",
				    (const struct initramfs_name[]){{"boot/initramfs-", ".img"}, {"boot/initrd.img-", ""}}, 2);
	}
	return 0;
}

/* dracut loads vfio-pci before any other driver only when asked on the
 * command line. */
static void dr_params(const struct plan_ctx *ctx, struct strv *out)
{
	if (ctx->want->modules.n)
		strv_push(out, "rd.driver.pre=vfio_pci");
}

const struct backend initrd_dracut = {
	"dracut", "dracut: a drop-in in /etc/dracut.conf.d, then dracut -f --regenerate-all",
	dr_detect, dr_plan, dr_params,
};
