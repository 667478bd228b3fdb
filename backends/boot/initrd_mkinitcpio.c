/* initrd_mkinitcpio.c - mkinitcpio (Arch, Manjaro). Where it reads
 * /etc/mkinitcpio.conf.d, vfioconf owns a drop-in; otherwise the MODULES
 * (and FILES, BINARIES) arrays of mkinitcpio.conf get token edits. The
 * modconf hook must be there, or modprobe.d never reaches the image.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/cmdline.h"
#include "core/shellvar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CONF "etc/mkinitcpio.conf"
#define CONF_D "etc/mkinitcpio.conf.d"
#define DROPIN "etc/mkinitcpio.conf.d/vfioconf.conf"

static const char *const tool_paths[] = {"usr/bin/mkinitcpio", "usr/sbin/mkinitcpio", NULL};

static int mk_detect(const struct sysroot *sr, struct strbuf *why)
{
	char *t;

	if (!root_exists(sr, CONF) || !(t = root_find(sr, tool_paths)))
		return 0;
	strbuf_printf(why, "%s and %s", CONF, t);
	free(t);
	return 1;
}

/* The body of the last NAME=( ... ) in text: [*s, *e). */
static bool array_span(const char *text, const char *name, size_t *s, size_t *e)
{
	size_t nl = strlen(name);
	bool found = false;

	for (const char *l = text; *l;) {
		const char *p = l;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=' && p[nl + 1] == '(') {
			const char *q = p + nl + 2, *c = strchr(q, ')');
			if (c) {
				*s = (size_t)(q - text);
				*e = (size_t)(c - text);
				found = true;
			}
		}
		const char *eol = strchr(l, '\n');
		l = eol ? eol + 1 : l + strlen(l);
	}
	return found;
}

static bool arr_has(const char *text, const void *arg, const char *tok)
{
	size_t s, e;
	struct cmdline cl;
	char *body;
	bool r;

	if (!array_span(text, arg, &s, &e))
		return false;
	body = xstrndup(text + s, e - s);
	cmdline_parse(&cl, body);
	r = cmdline_has(&cl, tok);
	cmdline_free(&cl);
	free(body);
	return r;
}

static int arr_edit(const char *text, const char *name, const char *tok, bool add, char **out)
{
	size_t s, e;
	char *body, *ed;
	struct strbuf sb = {0};

	if (!array_span(text, name, &s, &e)) {
		if (!add) {
			*out = xstrdup(text);
			return 0;
		}
		char *line = xasprintf("%s=(%s)", name, tok);
		*out = text_append_line(text, line);
		free(line);
		return 0;
	}
	body = xstrndup(text + s, e - s);
	ed = add ? cmdline_add(body, tok) : cmdline_remove(body, tok);
	free(body);
	if (!ed)
		return -EINVAL;
	strbuf_add(&sb, text, s);
	strbuf_puts(&sb, ed);
	strbuf_puts(&sb, text + e);
	free(ed);
	*out = strbuf_detach(&sb);
	return 0;
}

static int arr_add(const char *text, const void *arg, const char *tok, char **out, struct sh_error *err)
{
	if (arr_edit(text, arg, tok, true, out) == 0)
		return 0;
	err->line = sh_last_assignment(text, arg);
	err->why = xstrdup("unbalanced quote in the array");
	return -EINVAL;
}

static int arr_remove(const char *text, const void *arg, const char *tok, char **out, struct sh_error *err)
{
	if (arr_edit(text, arg, tok, false, out) == 0)
		return 0;
	err->line = sh_last_assignment(text, arg);
	err->why = xstrdup("unbalanced quote in the array");
	return -EINVAL;
}

static const struct param_ops array_ops = {arr_has, arr_add, arr_remove};

static int mk_plan(struct plan_ctx *ctx)
{
	const struct intent *w = ctx->want;
	struct strv files = {0}, bins = {0};
	char *conf = NULL, *tool;
	int r = 0;

	if (w->modules.n) {
		char *mp = xasprintf("/%s", MODPROBE_PATH);
		strv_push(&files, mp);
		free(mp);
		if (w->any_override) {
			char *sp = xasprintf("/%s", STATE_PATH);
			strv_push(&files, sp);
			free(sp);
			strv_push(&bins, ctx->bind_helper);
		}
	}
	if (ctx_read(ctx, CONF, &conf) == 0 && !arr_has(conf, "HOOKS", "modconf") && w->n_dev)
		strv_push(&ctx->plan->warnings, "mkinitcpio.conf: HOOKS has no modconf, so modprobe.d and the "
						"vfio-pci binding never reach the initramfs; add modconf");
	free(conf);

	if (root_exists(ctx->sr, CONF_D)) {
		struct strbuf sb = {0};
		if (w->modules.n) {
			/* vfio_pci first, as the Arch wiki orders them */
			strbuf_puts(&sb, "# Managed by vfioconf: vfio-pci in the initramfs, ahead of other drivers.\n"
					 "MODULES+=(vfio_pci vfio vfio_iommu_type1");
			if (w->virqfd_all)
				strbuf_puts(&sb, " vfio_virqfd");
			strbuf_puts(&sb, ")\nFILES+=(");
			for (size_t i = 0; i < files.n; i++)
				strbuf_printf(&sb, "%s%s", i ? " " : "", files.v[i]);
			strbuf_puts(&sb, ")\n");
			if (bins.n)
				strbuf_printf(&sb, "BINARIES+=(%s)\n", bins.v[0]);
		}
		ctx_write(ctx, DROPIN, sb.len ? sb.buf : NULL, 0644,
			  sb.len ? "put vfio-pci, its settings and vfioconf-bind into the initramfs"
				 : "nothing to put in the initramfs any more");
		strbuf_free(&sb);
	} else {
		struct strv mods = {0};
		if (w->modules.n) {
			strv_push(&mods, "vfio_pci");
			strv_push(&mods, "vfio");
			strv_push(&mods, "vfio_iommu_type1");
			if (w->virqfd_all)
				strv_push(&mods, "vfio_virqfd");
		}
		r = ctx_words(ctx, CONF, CONF " MODULES", &mods, &array_ops, "MODULES",
			      "load it in the initramfs, before other drivers");
		if (r == 0)
			r = ctx_words(ctx, CONF, CONF " FILES", &files, &array_ops, "FILES",
				      "copy it into the initramfs");
		if (r == 0)
			r = ctx_words(ctx, CONF, CONF " BINARIES", &bins, &array_ops, "BINARIES",
				      "copy vfioconf-bind into the initramfs");
		strv_free(&mods);
	}
	strv_free(&files);
	strv_free(&bins);
	if (r == 0 && ctx_initramfs_inputs_changed(ctx, (const char *const[]){DROPIN, CONF, NULL})) {
		tool = root_find(ctx->sr, tool_paths);
		plan_add_cmd(ctx->plan, (const char *[]){tool, "-P", NULL},
			     "rebuild the initramfs of every preset");
		plan_add_artifact(ctx->plan, "boot/initramfs-*");
		free(tool);
		if (ctx->want->n_dev)
			plan_add_lists_check(ctx->plan, "lsinitcpio", "boot/initramfs-*.img", "vfio-pci",
					     (const char *const[]){"vfio-pci.ko", "vfio_pci.ko", NULL});
	}
	return r;
}

const struct backend initrd_mkinitcpio = {
	"mkinitcpio", "mkinitcpio: a drop-in in /etc/mkinitcpio.conf.d (or the MODULES array), then mkinitcpio -P",
	mk_detect, mk_plan,
};
