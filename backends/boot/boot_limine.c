/* boot_limine.c - Limine: the cmdline of every entry in limine.conf
 * (v8: "cmdline:", "kernel_cmdline:"; older limine.cfg: "CMDLINE=",
 * "KERNEL_CMDLINE="). Limine reads it at boot: nothing to run.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/i18n.h"

#include <stdlib.h>

static const char *const limine_paths[] = {
	"boot/limine.conf", "boot/limine/limine.conf", "boot/EFI/limine/limine.conf",
	"efi/limine/limine.conf", "boot/limine.cfg", "boot/limine/limine.cfg", NULL};

static const struct line_spans limine_lines = {
	.prefixes = (const char *const[]){"cmdline:", "kernel_cmdline:", "CMDLINE=", "KERNEL_CMDLINE=", NULL},
	.all_lines = true,
};

static const char *limine_file(const struct sysroot *sr)
{
	for (const char *const *p = limine_paths; *p; p++)
		if (root_exists(sr, *p))
			return *p;
	return NULL;
}

static int limine_detect(const struct sysroot *sr, struct strbuf *why)
{
	const char *f = limine_file(sr);

	if (!f)
		return 0;
	strbuf_puts(why, f);
	return 1;
}

static int limine_plan(struct plan_ctx *ctx)
{
	const char *f = limine_file(ctx->sr);

	if (!f)
		return 0;
	if (root_exists(ctx->sr, "etc/default/limine"))
		strv_push(&ctx->plan->warnings, _("/etc/default/limine exists: limine-entry-tool may rewrite "
						  "limine.conf from it; add the parameters there as well"));
	return ctx_params(ctx, f, f, &line_span_ops, &limine_lines);
}

const struct backend boot_limine = {
	"limine", "Limine: the cmdline of every entry in limine.conf",
	limine_detect, limine_plan, NULL, limine_paths,
};
