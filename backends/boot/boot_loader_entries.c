/* boot_loader_entries.c - systemd-boot entries without /etc/kernel/cmdline:
 * the options line of every entry (not just the default one).
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "backends/sys/rooted.h"
#include "core/i18n.h"

#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static const char *const entry_dirs[] = {"boot/loader/entries", "efi/loader/entries",
					 "boot/efi/loader/entries", NULL};

static const struct line_spans options_lines = {
	.prefixes = (const char *const[]){"options", NULL},
	.all_lines = false,
	.new_line_prefix = "options ",
};

/* Entry files (root-relative), sorted. */
static void entries(const struct sysroot *sr, struct strv *out)
{
	int base = rooted_base(sr->root);

	for (const char *const *d = entry_dirs; base >= 0 && *d; d++) {
		struct strv names = {0};
		rooted_list(base, *d, ROOTED_FOLLOW, &names);
		for (size_t i = 0; i < names.n; i++) {
			size_t l = strlen(names.v[i]);
			if (l > 5 && strcmp(names.v[i] + l - 5, ".conf") == 0) {
				char *rel = xasprintf("%s/%s", *d, names.v[i]);
				strv_push(out, rel);
				free(rel);
			}
		}
		strv_free(&names);
	}
	if (base >= 0)
		close(base);
}

static int le_detect(const struct sysroot *sr, struct strbuf *why)
{
	struct strv e = {0};
	int r = 0;

	entries(sr, &e);
	if (e.n) {
		char *dir = xstrndup(e.v[0], (size_t)(strrchr(e.v[0], '/') - e.v[0]));
		strbuf_printf(why, "%zu entr%s in %s", e.n, e.n == 1 ? "y" : "ies", dir);
		free(dir);
		r = 1;
	}
	strv_free(&e);
	return r;
}

static int le_plan(struct plan_ctx *ctx)
{
	struct strv e = {0};
	int r = 0;

	entries(ctx->sr, &e);
	for (size_t i = 0; i < e.n && r == 0; i++) {
		char *key = xasprintf("%s options", e.v[i]);
		r = ctx_params(ctx, e.v[i], key, &line_span_ops, &options_lines);
		free(key);
	}
	if (r == 0 && ctx->params->n)
		strv_push(&ctx->plan->notes, _("systemd-boot entries belong to one kernel each: a kernel "
					       "installed later gets its entry without these parameters "
					       "unless /etc/kernel/cmdline exists"));
	strv_free(&e);
	return r;
}

const struct backend boot_loader_entries = {
	"loader-entries", "systemd-boot entries (/boot/loader/entries/*.conf): every options line",
	le_detect, le_plan, NULL,
	(const char *const[]){"boot/loader/entries/*.conf", "efi/loader/entries/*.conf", "boot/efi/loader/entries/*.conf",
			      NULL},
};
