/* boot_kernel_install.c - /etc/kernel/cmdline: systemd-boot and UKIs via
 * kernel-install, EndeavourOS (reinstall-kernels), Proxmox VE
 * (proxmox-boot-tool). One line, one command line.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/i18n.h"

#include <stdlib.h>

#define KERNEL_CMDLINE "etc/kernel/cmdline"

static int ki_detect(const struct sysroot *sr, struct strbuf *why)
{
	if (!root_exists(sr, KERNEL_CMDLINE))
		return 0;
	strbuf_puts(why, KERNEL_CMDLINE);
	if (root_exists(sr, "usr/sbin/proxmox-boot-tool"))
		strbuf_puts(why, " with proxmox-boot-tool");
	return 1;
}

static int ki_plan(struct plan_ctx *ctx)
{
	static const char *const pbt[] = {"usr/sbin/proxmox-boot-tool", NULL};
	static const char *const reinstall[] = {"usr/bin/reinstall-kernels", NULL};
	static const char *const ki[] = {"usr/bin/kernel-install", "bin/kernel-install", NULL};
	char *tool;
	int r;

	r = ctx_params(ctx, KERNEL_CMDLINE, KERNEL_CMDLINE, &cmdline_file_ops, NULL);
	if (r < 0 || (!ctx_changed(ctx, KERNEL_CMDLINE) && !ctx_initramfs_inputs_changed(ctx, NULL)))
		return r;
	if ((tool = root_find(ctx->sr, pbt))) {
		plan_add_cmd(ctx->plan, (const char *[]){tool, "refresh", NULL},
			     _("copy kernels and the new command line to every boot partition"));
	} else if ((tool = root_find(ctx->sr, reinstall))) {
		plan_add_cmd(ctx->plan, (const char *[]){tool, NULL},
			     _("reinstall every kernel with the new command line"));
	} else if ((tool = root_find(ctx->sr, ki))) {
		for (size_t k = 0; k < ctx->inv->host.n_kernels; k++) {
			const char *v = ctx->inv->host.kernels[k].version;
			char *img = xasprintf("usr/lib/modules/%s/vmlinuz", v), *abs;
			if (!root_exists(ctx->sr, img)) {
				free(img);
				img = xasprintf("boot/vmlinuz-%s", v);
			}
			abs = xasprintf("/%s", img);
			plan_add_cmd(ctx->plan, (const char *[]){tool, "add", v, abs, NULL},
				     _("install the kernel's boot entry with the new command line"));
			free(abs);
			free(img);
		}
	} else {
		strv_push(&ctx->plan->warnings, _("no kernel-install under the root: reinstall the boot "
						  "entries yourself so they carry /etc/kernel/cmdline"));
		return r;
	}
	free(tool);
	plan_add_artifact(ctx->plan, "boot/loader/entries/*");
	return r;
}

const struct backend boot_kernel_install = {
	"kernel-cmdline", "/etc/kernel/cmdline: systemd-boot/UKI via kernel-install, Proxmox (proxmox-boot-tool)",
	ki_detect, ki_plan, NULL, (const char *const[]){KERNEL_CMDLINE, NULL},
};
