/* boot_loader_entries.c - systemd-boot entries without /etc/kernel/cmdline:
 * the options line of every entry (not just the default one).
 */
#include "config.h"

#include "backends/boot/planner.h"

#include <dirent.h>
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
	for (const char *const *d = entry_dirs; *d; d++) {
		char *dir = path_join(sr->root, *d);
		struct dirent **names = NULL;
		int n = scandir(dir, &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			size_t l = strlen(names[i]->d_name);
			if (l > 5 && strcmp(names[i]->d_name + l - 5, ".conf") == 0) {
				char *rel = xasprintf("%s/%s", *d, names[i]->d_name);
				strv_push(out, rel);
				free(rel);
			}
			free(names[i]);
		}
		free(names);
		free(dir);
	}
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
		strv_push(&ctx->plan->notes, "systemd-boot entries belong to one kernel each: a kernel "
					     "installed later gets its entry without these parameters "
					     "unless /etc/kernel/cmdline exists");
	strv_free(&e);
	return r;
}

const struct backend boot_loader_entries = {
	"loader-entries", "systemd-boot entries (/boot/loader/entries/*.conf): every options line",
	le_detect, le_plan,
};
