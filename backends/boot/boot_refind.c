/* boot_refind.c - rEFInd: /boot/refind_linux.conf, every line's options
 * field ("title" "options"). rEFInd reads it at boot: nothing to run.
 */
#include "config.h"

#include "backends/boot/planner.h"

#define REFIND "boot/refind_linux.conf"

static const struct line_spans refind_lines = {.quoted_field = true, .all_lines = true};

static int refind_detect(const struct sysroot *sr, struct strbuf *why)
{
	if (!root_exists(sr, REFIND))
		return 0;
	strbuf_puts(why, REFIND);
	return 1;
}

static int refind_plan(struct plan_ctx *ctx)
{
	return ctx_params(ctx, REFIND, REFIND, &line_span_ops, &refind_lines);
}

const struct backend boot_refind = {
	"refind", "rEFInd: the options of every line in /boot/refind_linux.conf",
	refind_detect, refind_plan, NULL, (const char *const[]){REFIND, NULL},
};
