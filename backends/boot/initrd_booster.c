/* initrd_booster.c - booster (Arch): modules_force_load in
 * /etc/booster.yaml. booster runs no modprobe install hook, so devices
 * that must be bound by address cannot be; that is refused, not hidden.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/i18n.h"

#include <stdlib.h>
#include <string.h>

#define YAML "etc/booster.yaml"
#define KEY "modules_force_load:"

static const char *const tool_paths[] = {"usr/bin/booster", NULL};
static const char *const regen_paths[] = {"usr/lib/booster/regenerate_images", NULL};

static int bo_detect(const struct sysroot *sr, struct strbuf *why)
{
	char *t = root_find(sr, tool_paths);

	if (!t && !root_exists(sr, YAML))
		return 0;
	strbuf_puts(why, t ? t : YAML);
	free(t);
	return 1;
}

/* The value span of the modules_force_load line: [*s, *e). */
static bool key_span(const char *text, size_t *s, size_t *e)
{
	for (const char *l = text; *l;) {
		const char *eol = strchr(l, '\n');
		size_t len = eol ? (size_t)(eol - l) : strlen(l);
		if (strncmp(l, KEY, strlen(KEY)) == 0) {
			const char *v = l + strlen(KEY);
			while (*v == ' ' || *v == '\t')
				v++;
			*s = (size_t)(v - text);
			*e = (size_t)(l + len - text);
			while (*e > *s && (text[*e - 1] == ' ' || text[*e - 1] == '\r'))
				(*e)--;
			return true;
		}
		l += len + (eol ? 1 : 0);
	}
	return false;
}

static bool list_has(const char *v, size_t n, const char *mod)
{
	size_t ml = strlen(mod);

	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && v[j] != ',')
			j++;
		size_t a = i, b = j;
		while (a < b && v[a] == ' ')
			a++;
		while (b > a && v[b - 1] == ' ')
			b--;
		if (b - a == ml && strncmp(v + a, mod, ml) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

static bool y_has(const char *text, const void *arg, const char *mod)
{
	size_t s, e;

	(void)arg;
	return key_span(text, &s, &e) && list_has(text + s, e - s, mod);
}

static int y_add(const char *text, const void *arg, const char *mod, char **out, struct sh_error *err)
{
	size_t s, e;

	(void)arg;
	(void)err;
	if (!key_span(text, &s, &e)) {
		char *line = xasprintf(KEY " %s", mod);
		*out = text_append_line(text, line);
		free(line);
		return 0;
	}
	*out = xasprintf("%.*s%s%s%s", (int)e, text, e > s ? "," : "", mod, text + e);
	return 0;
}

static int y_remove(const char *text, const void *arg, const char *mod, char **out, struct sh_error *err)
{
	size_t s, e, ml = strlen(mod);
	struct strbuf sb = {0};

	(void)arg;
	(void)err;
	if (!key_span(text, &s, &e)) {
		*out = xstrdup(text);
		return 0;
	}
	/* rebuild the list without mod; drop the line vfioconf made if it empties */
	struct strbuf list = {0};
	for (size_t i = s; i < e;) {
		size_t j = i;
		while (j < e && text[j] != ',')
			j++;
		if (!(j - i == ml && strncmp(text + i, mod, ml) == 0))
			strbuf_printf(&list, "%s%.*s", list.len ? "," : "", (int)(j - i), text + i);
		i = j + 1;
	}
	if (!list.len) {
		/* the list is empty now: the line vfioconf made goes */
		size_t ls = s;
		while (ls > 0 && text[ls - 1] != '\n')
			ls--;
		char *line = xstrndup(text + ls, strcspn(text + ls, "\n"));
		char *r = text_remove_line(text, line);
		strbuf_puts(&sb, r);
		free(r);
		free(line);
	} else {
		strbuf_add(&sb, text, s);
		strbuf_puts(&sb, list.buf);
		strbuf_puts(&sb, text + e);
	}
	strbuf_free(&list);
	*out = strbuf_detach(&sb);
	return 0;
}

static const struct param_ops yaml_ops = {y_has, y_add, y_remove};

static int bo_plan(struct plan_ctx *ctx)
{
	struct strv mods = {0};
	char *tool;
	int r;

	if (ctx->want->any_override) {
		strv_push(&ctx->plan->refusals, _("booster runs no modprobe install hook: devices that share "
						  "their vendor:device with one the host keeps cannot be bound "
						  "by address; select every device with that ID, or use mkinitcpio "
						  "or dracut"));
		ctx->refused++;
	}
	for (size_t i = 0; i < ctx->want->modules.n; i++)
		strv_push(&mods, ctx->want->modules.v[i]);
	r = ctx_words(ctx, YAML, YAML " modules_force_load", &mods, &yaml_ops, NULL,
		      _("load it in the initramfs, before other drivers"));
	strv_free(&mods);
	if (r == 0 && ctx_initramfs_inputs_changed(ctx, (const char *const[]){YAML, NULL})) {
		if ((tool = root_find(ctx->sr, regen_paths))) {
			plan_add_cmd(ctx->plan, (const char *[]){tool, NULL},
				     _("rebuild the booster image of every kernel"));
			plan_add_artifact(ctx->plan, "boot/booster-*");
		} else
			strv_push(&ctx->plan->warnings, _("no /usr/lib/booster/regenerate_images: rebuild "
							  "the booster images yourself"));
		free(tool);
	}
	return r;
}

const struct backend initrd_booster = {
	"booster", "booster: modules_force_load in /etc/booster.yaml, then regenerate_images",
	bo_detect, bo_plan,
};
