/* initrd_dracut.c - dracut (Fedora, RHEL, openSUSE, EndeavourOS): a drop-in
 * in /etc/dracut.conf.d (the name must end in .conf; values keep a space
 * inside each quote), rd.driver.pre=vfio_pci on the command line, then
 * dracut -f --regenerate-all for every installed kernel.
 */
#include "config.h"

#include "backends/boot/planner.h"

#include <stdlib.h>

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

static int dr_plan(struct plan_ctx *ctx)
{
	struct strbuf sb = {0};
	char *tool;

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
		  sb.len ? "put vfio-pci, its settings and vfioconf-bind into the initramfs"
			 : "nothing to put in the initramfs any more");
	strbuf_free(&sb);
	if (ctx_initramfs_inputs_changed(ctx, (const char *const[]){DROPIN, NULL})) {
		tool = root_find(ctx->sr, tool_paths);
		plan_add_cmd(ctx->plan, (const char *[]){tool, "-f", "--regenerate-all", NULL},
			     "rebuild the initramfs of every installed kernel");
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
