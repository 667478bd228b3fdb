/* boot_kernelstub.c - Pop!_OS: kernelstub owns the loader entry and its own
 * configuration, so the plan is commands, one parameter each
 * (kernelstub -a / -d), as kernelstub expects.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/cmdline.h"
#include "core/i18n.h"

#include <stdlib.h>
#include <string.h>

#define KS_CONF "etc/kernelstub/configuration"

static int ks_detect(const struct sysroot *sr, struct strbuf *why)
{
	if (!root_exists(sr, KS_CONF))
		return 0;
	strbuf_puts(why, KS_CONF);
	return 1;
}

/* The strings of the last "kernel_options": [...] (the "user" section
 * comes after "default" in kernelstub's file). */
static void kernel_options(const char *json, struct strv *out)
{
	const char *p = NULL, *q = json;

	while ((q = strstr(q, "\"kernel_options\""))) {
		p = q;
		q++;
	}
	if (!p || !(p = strchr(p, '[')))
		return;
	for (p++; *p && *p != ']'; p++) {
		if (*p != '"')
			continue;
		const char *e = ++p;
		while (*e && *e != '"')
			e += *e == '\\' && e[1] ? 2 : 1;
		char *s = xstrndup(p, (size_t)(e - p));
		strv_push(out, s);
		free(s);
		p = *e ? e : e - 1;
	}
}

static int ks_plan(struct plan_ctx *ctx)
{
	static const char *const ks[] = {"usr/bin/kernelstub", "usr/sbin/kernelstub", NULL};
	struct strv cur = {0}, prev = {0}, now = {0};
	struct strbuf sb = {0};
	char *text = NULL, *tool = root_find(ctx->sr, ks);

	if (ctx_read(ctx, KS_CONF, &text) == 0)
		kernel_options(text, &cur);
	free(text);
	if (!tool)
		tool = xstrdup("/usr/bin/kernelstub");
	cmdline_split(state_added(ctx->prev, "kernelstub"), &prev);
	for (size_t i = 0; i < prev.n; i++)
		if (!strv_contains(ctx->params, prev.v[i]) && strv_contains(&cur, prev.v[i]))
			plan_add_cmd(ctx->plan, (const char *[]){tool, "-d", prev.v[i], NULL},
				     _("vfioconf added it and nothing needs it now"));
	for (size_t i = 0; i < ctx->params->n; i++) {
		const char *p = ctx->params->v[i];
		if (strv_contains(&cur, p)) {
			if (strv_contains(&prev, p))
				strv_push(&now, p);
			continue;
		}
		plan_add_cmd(ctx->plan, (const char *[]){tool, "-a", p, NULL}, param_reason(p));
		plan_add_artifact(ctx->plan, "boot/efi/loader/entries/*");
		strv_push(&now, p);
	}
	for (size_t i = 0; i < now.n; i++)
		strbuf_printf(&sb, "%s%s", i ? " " : "", now.v[i]);
	state_set_added(ctx->next, "kernelstub", strbuf_str(&sb));
	strbuf_free(&sb);
	strv_free(&cur);
	strv_free(&prev);
	strv_free(&now);
	free(tool);
	return 0;
}

const struct backend boot_kernelstub = {
	"kernelstub", "Pop!_OS kernelstub: kernelstub -a / -d, one parameter each",
	ks_detect, ks_plan, NULL, (const char *const[]){KS_CONF, NULL},
};
