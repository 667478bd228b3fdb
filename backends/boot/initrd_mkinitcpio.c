/* initrd_mkinitcpio.c - mkinitcpio (Arch, Manjaro). Where it reads
 * /etc/mkinitcpio.conf.d, vfioconf owns a drop-in; otherwise (or where a
 * preset names a config of its own, which makes mkinitcpio skip conf.d)
 * MODULES, FILES and BINARIES of each config the presets name get token
 * edits, in the syntax the file has (arrays, or the old strings). The
 * modconf hook must be there, or modprobe.d never reaches the image.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "backends/sys/rooted.h"
#include "core/cmdline.h"
#include "core/i18n.h"
#include "core/shellvar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONF "etc/mkinitcpio.conf"
#define CONF_D "etc/mkinitcpio.conf.d"
#define DROPIN "etc/mkinitcpio.conf.d/vfioconf.conf"
#define CREATED_MARK "# added by vfioconf"

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
		size_t plus = strncmp(p, name, nl) == 0 && p[nl] == '+' ? 1 : 0;
		if (strncmp(p, name, nl) == 0 && p[nl + plus] == '=' && p[nl + plus + 1] == '(') {
			const char *q = p + nl + plus + 2, *c = strchr(q, ')');
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
		/* marked, so that it goes again when empty */
		char *line = xasprintf("%s=(%s) %s", name, tok, CREATED_MARK);
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
	if (!add) {
		/* a line vfioconf made goes when it holds nothing any more */
		char *empty = xasprintf("%s=() %s", name, CREATED_MARK), *r = text_remove_line(*out, empty);
		free(*out);
		*out = r;
		free(empty);
	}
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

/* mkinitcpio reads both MODULES=(a b) and the old MODULES="a b" (it makes
 * arrays of strings): each variable is edited in the syntax its last
 * assignment has. */
enum syntax { SYN_NONE, SYN_ARRAY, SYN_STRING };

/* The type NAME has after text runs, from syn before it: NAME=( and
 * NAME+=( make an array; NAME="..." makes a string, but in bash a variable
 * that is an array stays one (the string goes to element 0). */
static enum syntax syntax_after(const char *text, const char *name, enum syntax syn)
{
	size_t nl = strlen(name);

	for (const char *l = text; *l;) {
		const char *p = l + strspn(l, " \t"), *eol = strchr(l, '\n');
		if (strncmp(p, name, nl) == 0) {
			const char *q = p + nl + (p[nl] == '+');
			if (*q == '=')
				syn = q[1] == '(' || syn == SYN_ARRAY ? SYN_ARRAY : SYN_STRING;
		}
		l = eol ? eol + 1 : l + strlen(l);
	}
	return syn;
}

static enum syntax var_syntax(const char *text, const char *name)
{
	return syntax_after(text, name, SYN_NONE);
}

/* New variables follow the file: strings where HOOKS is one. */
static bool string_file(const char *text)
{
	return var_syntax(text, "HOOKS") == SYN_STRING;
}

static bool mk_has(const char *text, const void *arg, const char *tok)
{
	switch (var_syntax(text, arg)) {
	case SYN_ARRAY:
		return arr_has(text, arg, tok);
	case SYN_STRING:
		return shell_var_ops.has(text, arg, tok);
	case SYN_NONE:
		break;
	}
	return false;
}

static int mk_add(const char *text, const void *arg, const char *tok, char **out, struct sh_error *err)
{
	enum syntax syn = var_syntax(text, arg);

	if (syn == SYN_STRING || (syn == SYN_NONE && string_file(text)))
		return shell_var_ops.add(text, arg, tok, out, err);
	return arr_add(text, arg, tok, out, err);
}

static int mk_remove(const char *text, const void *arg, const char *tok, char **out, struct sh_error *err)
{
	if (var_syntax(text, arg) == SYN_STRING)
		return shell_var_ops.remove(text, arg, tok, out, err);
	return arr_remove(text, arg, tok, out, err);
}

static const struct param_ops mk_ops = {mk_has, mk_add, mk_remove};

/* The configs the presets make mkinitcpio read (root-relative): a preset's
 * PRESET_config, else its ALL_config, else mkinitcpio.conf. *own: one of
 * them is another file (mkinitcpio then reads no conf.d drop-in). */
static void preset_configs(struct plan_ctx *ctx, struct strv *out, bool *own)
{
	static const char *const dir = "etc/mkinitcpio.d";
	struct strv names = {0};
	int base = rooted_base(ctx->sr->root);

	*own = false;
	if (base >= 0) {
		rooted_list(base, dir, ROOTED_FOLLOW, &names);
		close(base);
	}
	for (size_t i = 0; i < names.n; i++) {
		size_t l = strlen(names.v[i]);
		char *rel, *text = NULL;
		struct sh_env env = {0};
		struct strv presets = {0};
		if (l < 8 || strcmp(names.v[i] + l - 7, ".preset") != 0)
			continue;
		rel = xasprintf("%s/%s", dir, names.v[i]);
		if (ctx_read(ctx, rel, &text) == 0) {
			struct strv vars = {0};
			const char *all;
			size_t s, e;
			/* PRESETS=('default' 'fallback'): an array, read as its words */
			if (array_span(text, "PRESETS", &s, &e)) {
				char *body = xstrndup(text + s, e - s);
				for (char *q = body; *q; q++)
					if (*q == '\'' || *q == '"')
						*q = ' ';
				cmdline_split(body, &presets);
				free(body);
			} else {
				strv_push(&presets, "default");
			}
			strv_push(&vars, "ALL_config");
			for (size_t k = 0; k < presets.n; k++) {
				char *key = xasprintf("%s_config", presets.v[k]);
				strv_push(&vars, key);
				free(key);
			}
			/* only these: the rest of a preset (arrays, options) need not be followed */
			sh_source(text, &env, (const char *const *)vars.v, NULL);
			strv_free(&vars);
			all = sh_env_get(&env, "ALL_config");
			for (size_t k = 0; k < presets.n; k++) {
				char *name = xstrdup(presets.v[k]), *key, *c;
				const char *cfg;
				key = xasprintf("%s_config", name);
				cfg = sh_env_get(&env, key);
				cfg = cfg && *cfg ? cfg : all && *all ? all : "/" CONF;
				c = xstrdup(cfg[0] == '/' ? cfg + 1 : cfg);
				if (strcmp(c, CONF) != 0)
					*own = true;
				if (*name)
					strv_push_unique(out, c);
				free(c);
				free(key);
				free(name);
			}
		}
		strv_free(&presets);
		sh_env_free(&env);
		free(text);
		free(rel);
	}
	if (!out->n)
		strv_push(out, CONF);
	strv_free(&names);
}

/* The drop-in, in the syntax mkinitcpio.conf has: appending an array to
 * a string makes the string one bogus element, and the other way round. */
static char *dropin(const struct intent *w, const struct strv *files, const struct strv *bins, bool string)
{
	struct strbuf sb = {0};
	const char *open = string ? "+=\" " : "+=(", *close = string ? "\"" : ")";

	/* vfio_pci first, as the Arch wiki orders them */
	strbuf_printf(&sb, "# Managed by vfioconf: vfio-pci in the initramfs, ahead of other drivers.\n"
			   "MODULES%svfio_pci vfio vfio_iommu_type1%s%s\n",
		      open, w->virqfd_all ? " vfio_virqfd" : "", close);
	strbuf_printf(&sb, "FILES%s", open);
	for (size_t i = 0; i < files->n; i++)
		strbuf_printf(&sb, "%s%s", i ? " " : "", files->v[i]);
	strbuf_printf(&sb, "%s\n", close);
	if (bins->n)
		strbuf_printf(&sb, "BINARIES%s%s%s\n", open, bins->v[0], close);
	return strbuf_detach(&sb);
}

/* In one config file: token edits of MODULES, FILES and BINARIES. */
static int in_file(struct plan_ctx *ctx, const char *conf, const struct intent *w, const struct strv *files,
		   const struct strv *bins)
{
	struct strv mods = {0};
	char *key;
	int r;

	if (w->modules.n) {
		strv_push(&mods, "vfio_pci");
		strv_push(&mods, "vfio");
		strv_push(&mods, "vfio_iommu_type1");
		if (w->virqfd_all)
			strv_push(&mods, "vfio_virqfd");
	}
	key = xasprintf("%s MODULES", conf);
	r = ctx_words(ctx, conf, key, &mods, &mk_ops, "MODULES", _("load it in the initramfs, before other drivers"));
	free(key);
	if (r == 0) {
		key = xasprintf("%s FILES", conf);
		r = ctx_words(ctx, conf, key, files, &mk_ops, "FILES", _("copy it into the initramfs"));
		free(key);
	}
	if (r == 0) {
		key = xasprintf("%s BINARIES", conf);
		r = ctx_words(ctx, conf, key, bins, &mk_ops, "BINARIES", _("copy vfioconf-bind into the initramfs"));
		free(key);
	}
	strv_free(&mods);
	return r;
}

static int mk_plan(struct plan_ctx *ctx)
{
	const struct intent *w = ctx->want;
	struct strv files = {0}, bins = {0}, configs = {0}, watch = {0};
	char *conf = NULL, *tool;
	bool own = false, string = false;
	enum syntax syn = SYN_NONE;
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
	preset_configs(ctx, &configs, &own);
	for (size_t i = 0; i < configs.n; i++) {
		if (ctx_read(ctx, configs.v[i], &conf) == 0) {
			if (!mk_has(conf, "HOOKS", "modconf") && w->n_dev) {
				char *m = xasprintf(_("%s: HOOKS has no modconf, so modprobe.d and the vfio-pci binding "
						      "never reach the initramfs; add modconf"),
						    configs.v[i]);
				strv_push(&ctx->plan->warnings, m);
				free(m);
			}
			syn = syntax_after(conf, "MODULES", syn);
		}
		free(conf);
		conf = NULL;
		strv_push(&watch, configs.v[i]);
	}

	/* a preset with a config of its own: mkinitcpio reads that file, and
	 * no drop-in; otherwise the drop-in where conf.d is read, in the
	 * syntax MODULES has by then (a drop-in sorted before ours may have
	 * made it an array) */
	if (!own && root_exists(ctx->sr, CONF_D)) {
		struct strv names = {0};
		int base = rooted_base(ctx->sr->root);
		if (base >= 0) {
			rooted_list(base, CONF_D, ROOTED_FOLLOW, &names);
			close(base);
		}
		for (size_t i = 0; i < names.n && strcmp(names.v[i], "vfioconf.conf") < 0; i++) {
			char *rel = xasprintf("%s/%s", CONF_D, names.v[i]), *text = NULL;
			if (ctx_read(ctx, rel, &text) == 0)
				syn = syntax_after(text, "MODULES", syn);
			free(text);
			free(rel);
		}
		strv_free(&names);
		string = syn == SYN_STRING;
		char *text = w->modules.n ? dropin(w, &files, &bins, string) : NULL;
		ctx_write(ctx, DROPIN, text, 0644,
			  text ? _("put vfio-pci, its settings and vfioconf-bind into the initramfs")
			       : _("nothing to put in the initramfs any more"));
		free(text);
	} else {
		for (size_t i = 0; i < configs.n && r == 0; i++)
			r = in_file(ctx, configs.v[i], w, &files, &bins);
	}
	strv_free(&files);
	strv_free(&bins);
	strv_push(&watch, DROPIN);
	{
		const char **extra = xcalloc(watch.n + 1, sizeof(char *));
		for (size_t i = 0; i < watch.n; i++)
			extra[i] = watch.v[i];
		if (r == 0 && ctx_initramfs_inputs_changed(ctx, extra)) {
			tool = root_find(ctx->sr, tool_paths);
			plan_add_cmd(ctx->plan, (const char *[]){tool, "-P", NULL}, _("rebuild the initramfs of every preset"));
			plan_add_artifact(ctx->plan, "boot/initramfs-*");
			free(tool);
			if (ctx->want->n_dev)
				plan_add_lists_check(ctx->plan, "lsinitcpio", "boot/initramfs-*.img", "vfio-pci",
						     (const char *const[]){"vfio-pci.ko", "vfio_pci.ko", NULL});
		}
		free(extra);
	}
	strv_free(&configs);
	strv_free(&watch);
	return r;
}

const struct backend initrd_mkinitcpio = {
	"mkinitcpio", "mkinitcpio: a drop-in in /etc/mkinitcpio.conf.d (or the MODULES array), then mkinitcpio -P",
	mk_detect, mk_plan,
};
