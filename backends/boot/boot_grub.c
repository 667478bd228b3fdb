/* boot_grub.c - GRUB: /etc/default/grub (and the grub.d drop-ins where
 * grub-mkconfig sources them), and GRUB with BLS entries (Fedora, RHEL).
 *
 * Debian and Ubuntu source the .cfg files in /etc/default/grub.d after the
 * main file:
 * there vfioconf owns 99-vfioconf.cfg, which appends to
 * GRUB_CMDLINE_LINUX_DEFAULT and touches no byte of the user's files.
 * Elsewhere the last assignment of the variable gets a token edit. Only
 * _DEFAULT is touched, so the recovery entry stays a way back in.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/i18n.h"
#include "backends/sys/rooted.h"
#include "core/cmdline.h"
#include "core/shellvar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_GRUB "etc/default/grub"
#define DROPIN "etc/default/grub.d/99-vfioconf.cfg"

static const char *const mkconfig_paths[] = {
	"usr/sbin/grub-mkconfig", "usr/bin/grub-mkconfig", "sbin/grub-mkconfig", NULL};
static const char *const mkconfig2_paths[] = {
	"usr/sbin/grub2-mkconfig", "usr/bin/grub2-mkconfig", "sbin/grub2-mkconfig", NULL};

static char *read_root(const struct sysroot *sr, const char *rel)
{
	char *text = NULL;

	if (rooted_read_path(sr->root, rel, 4u << 20, &text, NULL) < 0)
		text = NULL;
	return text;
}

/* Does this grub-mkconfig source /etc/default/grub.d? */
static bool grub_d_sourced(const struct sysroot *sr)
{
	for (const char *const *p = mkconfig_paths; *p; p++) {
		char *t = read_root(sr, *p);
		bool yes = t && strstr(t, "default/grub.d");
		free(t);
		if (yes)
			return true;
	}
	return false;
}

static bool bls_enabled(const struct sysroot *sr)
{
	char *t = read_root(sr, DEFAULT_GRUB);
	struct sh_env env = {0};
	const char *v;
	bool yes = false;

	/* only this variable: Fedora's GRUB_DISTRIBUTOR="$(sed ...)" is fine */
	if (t && sh_source(t, &env, (const char *const[]){"GRUB_ENABLE_BLSCFG", NULL}, NULL) == 0 &&
	    (v = sh_env_get(&env, "GRUB_ENABLE_BLSCFG")))
		yes = strcmp(v, "true") == 0;
	sh_env_free(&env);
	free(t);
	return yes;
}

static int grub_detect(const struct sysroot *sr, struct strbuf *why)
{
	if (!root_exists(sr, DEFAULT_GRUB))
		return 0;
	strbuf_printf(why, "%s%s", DEFAULT_GRUB, grub_d_sourced(sr) ? "; grub-mkconfig sources grub.d" : "");
	return 1;
}

static int bls_detect(const struct sysroot *sr, struct strbuf *why)
{
	if (!root_exists(sr, DEFAULT_GRUB) || !bls_enabled(sr))
		return 0;
	strbuf_puts(why, "GRUB_ENABLE_BLSCFG=true in " DEFAULT_GRUB);
	return 1;
}

/* The grub.cfg grub-mkconfig must write: the one that exists. */
static const char *grub_cfg(const struct sysroot *sr)
{
	if (root_exists(sr, "boot/grub2/grub.cfg") && !root_exists(sr, "boot/grub/grub.cfg"))
		return "/boot/grub2/grub.cfg";
	return "/boot/grub/grub.cfg";
}

/* After grub-mkconfig: the grub.cfg it wrote carries every parameter. */
static void check_cfg(struct plan_ctx *ctx)
{
	const char *cfg = grub_cfg(ctx->sr) + 1;

	for (size_t i = 0; i < ctx->params->n; i++)
		plan_add_contains_check(ctx->plan, cfg, ctx->params->v[i]);
}

static char *effective_cmdline(struct plan_ctx *ctx);

/* A grub.cfg edited by hand loses its edits to the grub-mkconfig this plan
 * runs: the linux lines' parameters /etc/default/grub does not give are
 * named (the ones grub-mkconfig adds itself aside). */
static void hand_edited_cfg(struct plan_ctx *ctx)
{
	static const char *const own[] = {"root", "ro", "rw", "BOOT_IMAGE", "single", "recovery", "nomodeset",
					  "dis_ucode_ldr", "$vt_handoff", "init", "rootflags", NULL};
	char *cfg = NULL, *eff = effective_cmdline(ctx);
	struct cmdline known;
	struct strbuf lost = {0};

	if (!eff || rooted_read_path(ctx->sr->root, grub_cfg(ctx->sr) + 1, 16u << 20, &cfg, NULL) < 0) {
		free(eff);
		return;
	}
	cmdline_parse(&known, eff);
	for (char *l = cfg; *l;) {
		size_t n = strcspn(l, "\n");
		char *line = xstrndup(l, n), *p = line + strspn(line, " \t");
		l += n + (l[n] == '\n');
		if ((str_starts_with(p, "linux ") || str_starts_with(p, "linux\t") || str_starts_with(p, "linuxefi ")) &&
		    !strstr(p, " single") && !strstr(p, " recovery")) {
			struct cmdline cl;
			p += strcspn(p, " \t");
			p += strspn(p, " \t");
			p += strcspn(p, " \t"); /* the kernel's path */
			cmdline_parse(&cl, p);
			for (size_t i = 0; i < cl.n; i++) {
				const struct cmdline_token *t = &cl.t[i];
				char *param = t->value ? xasprintf("%s=%s", t->name, t->value) : xstrdup(t->name);
				bool generated = false;
				for (const char *const *o = own; *o && !generated; o++)
					generated = cmdline_name_eq(t->name, *o);
				if (!generated && !cmdline_has(&known, param) && !strstr(strbuf_str(&lost), param))
					strbuf_printf(&lost, "%s%s", lost.len ? " " : "", param);
				free(param);
			}
			cmdline_free(&cl);
		}
		free(line);
	}
	if (lost.len) {
		/* TRANSLATORS: grub.cfg's path, then the kernel parameters */
		char *m = xasprintf(_("%s was edited by hand: its linux lines carry %s, which /etc/default/grub does "
				      "not; the grub-mkconfig this plan runs drops them (put them in "
				      "/etc/default/grub to keep them)"),
				    grub_cfg(ctx->sr) + 1, lost.buf);
		strv_push_unique(&ctx->plan->warnings, m);
		free(m);
	}
	strbuf_free(&lost);
	cmdline_free(&known);
	free(cfg);
	free(eff);
}

static void regenerate(struct plan_ctx *ctx)
{
	static const char *const update_grub[] = {"usr/sbin/update-grub", "sbin/update-grub", NULL};
	static const char *const pbt[] = {"usr/sbin/proxmox-boot-tool", NULL};
	char *tool;

	/* Proxmox keeps the ESPs in sync itself. */
	if (root_exists(ctx->sr, "etc/kernel/proxmox-boot-uuids") && (tool = root_find(ctx->sr, pbt))) {
		plan_add_cmd(ctx->plan, (const char *[]){tool, "refresh", NULL},
			     _("write the new command line to every boot partition"));
	} else if ((tool = root_find(ctx->sr, update_grub))) {
		plan_add_cmd(ctx->plan, (const char *[]){tool, NULL}, _("regenerate grub.cfg"));
	} else if ((tool = root_find(ctx->sr, mkconfig_paths)) || (tool = root_find(ctx->sr, mkconfig2_paths))) {
		plan_add_cmd(ctx->plan, (const char *[]){tool, "-o", grub_cfg(ctx->sr), NULL}, _("regenerate grub.cfg"));
	} else {
		strv_push(&ctx->plan->warnings, _("no grub-mkconfig under the root: regenerate grub.cfg yourself"));
		return;
	}
	free(tool);
	plan_add_artifact(ctx->plan, grub_cfg(ctx->sr) + 1);
	check_cfg(ctx);
	hand_edited_cfg(ctx);
}

int grub_source_defaults(const struct sysroot *sr, grub_read_fn *read, void *data, const char *const *vars,
			 struct sh_env *env, char **bad, struct sh_error *err)
{
	char *text = NULL;
	int r = 0;

	*bad = NULL;
	if (read(data, DEFAULT_GRUB, &text) == 0) {
		if (sh_source(text, env, vars, err) < 0) {
			*bad = xstrdup(DEFAULT_GRUB);
			r = -EINVAL;
		}
		free(text);
	}
	if (r == 0 && grub_d_sourced(sr)) {
		struct strv names = {0};
		int base = rooted_base(sr->root);
		if (base >= 0) {
			rooted_list(base, "etc/default/grub.d", ROOTED_FOLLOW, &names); /* sorted, as sh's glob */
			close(base);
		}
		for (size_t i = 0; i < names.n && r == 0; i++) {
			const char *nm = names.v[i];
			size_t l = strlen(nm);
			char *rel = xasprintf("etc/default/grub.d/%s", nm);
			if (l > 4 && strcmp(nm + l - 4, ".cfg") == 0 && strcmp(rel, DROPIN) != 0 &&
			    read(data, rel, &text) == 0) {
				if (sh_source(text, env, vars, err) < 0) {
					*bad = xstrdup(rel);
					r = -EINVAL;
				}
				free(text);
			}
			free(rel);
		}
		strv_free(&names);
	}
	return r;
}

static int read_planned(void *data, const char *rel, char **text)
{
	return ctx_read(data, rel, text);
}

/* The command line GRUB builds from the main file and, where sourced, the
 * grub.d drop-ins other than ours. NULL when a value cannot be followed. */
static char *effective_cmdline(struct plan_ctx *ctx)
{
	static const char *const vars[] = {"GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT", NULL};
	struct sh_env env = {0};
	struct sh_error err = {0};
	char *r = NULL, *bad = NULL;

	if (grub_source_defaults(ctx->sr, read_planned, ctx, vars, &env, &bad, &err) == 0)
		r = xasprintf("%s %s", sh_env_get(&env, vars[0]) ? sh_env_get(&env, vars[0]) : "",
			      sh_env_get(&env, vars[1]) ? sh_env_get(&env, vars[1]) : "");
	else
		/* what GRUB's command line will be cannot be known: nothing is
		 * planned on a guess */
		ctx_refuse(ctx, xasprintf(_("%s:%d: cannot be read safely: %s; so GRUB's kernel command line cannot "
					    "be known"),
					  bad, err.line, err.why));
	free(bad);
	sh_error_free(&err);
	sh_env_free(&env);
	return r;
}

/* Has/add/remove for the main file: present in either variable counts. */
static bool main_has(const char *text, const void *arg, const char *param)
{
	return shell_var_ops.has(text, "GRUB_CMDLINE_LINUX", param) || shell_var_ops.has(text, arg, param);
}

static int grub_plan(struct plan_ctx *ctx)
{
	int r;

	if (grub_d_sourced(ctx->sr)) {
		char *eff = effective_cmdline(ctx);
		struct strbuf sb = {0}, why = {0};
		struct cmdline cl;
		size_t n = 0;

		cmdline_parse(&cl, eff ? eff : "");
		strbuf_puts(&sb, "# Managed by vfioconf: kernel parameters for VFIO passthrough.\n"
				 "# grub-mkconfig sources this after /etc/default/grub; change it with vfioconf.\n"
				 "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT");
		for (size_t i = 0; i < ctx->params->n; i++) {
			const char *p = ctx->params->v[i];
			if (cmdline_has(&cl, p))
				continue;
			strbuf_putc(&sb, ' ');
			for (const char *c = p; *c; c++) {
				if (strchr("\"\\$`", *c))
					strbuf_putc(&sb, '\\');
				strbuf_putc(&sb, *c);
			}
			strbuf_printf(&why, _("%sadd %s: %s"), n ? "; " : "", p, param_reason(p));
			n++;
		}
		strbuf_puts(&sb, "\"\n");
		cmdline_free(&cl);
		free(eff);
		ctx_write(ctx, DROPIN, n ? sb.buf : NULL, 0644,
			  n ? why.buf : _("vfioconf adds no kernel parameter any more"));
		strbuf_free(&sb);
		strbuf_free(&why);
		r = 0;
		if (ctx_changed(ctx, DROPIN))
			regenerate(ctx);
	} else {
		const struct param_ops ops = {main_has, shell_var_ops.add, shell_var_ops.remove};
		r = ctx_params(ctx, DEFAULT_GRUB, DEFAULT_GRUB " GRUB_CMDLINE_LINUX_DEFAULT", &ops,
			       "GRUB_CMDLINE_LINUX_DEFAULT");
		if (r == 0 && ctx_changed(ctx, DEFAULT_GRUB))
			regenerate(ctx);
	}
	return r;
}

/* BLS: grub2-mkconfig and grubby take options from GRUB_CMDLINE_LINUX;
 * the entries under /boot/loader/entries are changed by grubby. */
static int bls_plan(struct plan_ctx *ctx)
{
	static const char *const grubby_paths[] = {"usr/sbin/grubby", "usr/bin/grubby", "sbin/grubby", NULL};
	const char *key = DEFAULT_GRUB " GRUB_CMDLINE_LINUX";
	struct strv before = {0}, after = {0};
	struct strbuf add = {0}, del = {0};
	char *tool;
	int r;

	cmdline_split(state_added(ctx->prev, key), &before);
	r = ctx_params(ctx, DEFAULT_GRUB, key, &shell_var_ops, "GRUB_CMDLINE_LINUX");
	if (r == 0 && root_exists(ctx->sr, "etc/kernel/cmdline"))
		r = ctx_params(ctx, "etc/kernel/cmdline", "etc/kernel/cmdline", &cmdline_file_ops, NULL);
	cmdline_split(state_added(ctx->next, key), &after);
	for (size_t i = 0; i < after.n; i++)
		if (!strv_contains(&before, after.v[i]))
			strbuf_printf(&add, "%s%s", add.len ? " " : "", after.v[i]);
	for (size_t i = 0; i < before.n; i++)
		if (!strv_contains(&after, before.v[i]))
			strbuf_printf(&del, "%s%s", del.len ? " " : "", before.v[i]);
	if (r == 0 && (add.len || del.len)) {
		if ((tool = root_find(ctx->sr, grubby_paths))) {
			if (del.len) {
				char *a = xasprintf("--remove-args=%s", del.buf);
				plan_add_cmd(ctx->plan, (const char *[]){tool, "--update-kernel=ALL", a, NULL},
					     _("take the parameters out of every boot entry"));
				free(a);
			}
			if (add.len) {
				char *a = xasprintf("--args=%s", add.buf);
				plan_add_cmd(ctx->plan, (const char *[]){tool, "--update-kernel=ALL", a, NULL},
					     _("put the parameters in every boot entry"));
				free(a);
			}
			free(tool);
			plan_add_artifact(ctx->plan, "boot/loader/entries/*");
			plan_add_artifact(ctx->plan, "boot/grub2/grubenv");
		} else if ((tool = root_find(ctx->sr, mkconfig2_paths)) || (tool = root_find(ctx->sr, mkconfig_paths))) {
			plan_add_cmd(ctx->plan, (const char *[]){tool, "-o", grub_cfg(ctx->sr), "--update-bls-cmdline", NULL},
				     _("regenerate grub.cfg and the options of every BLS entry"));
			free(tool);
			plan_add_artifact(ctx->plan, grub_cfg(ctx->sr) + 1);
			plan_add_artifact(ctx->plan, "boot/loader/entries/*");
		} else {
			strv_push(&ctx->plan->warnings, _("neither grubby nor grub2-mkconfig under the root: "
							  "update the boot entries yourself"));
		}
	}
	strv_free(&before);
	strv_free(&after);
	strbuf_free(&add);
	strbuf_free(&del);
	return r;
}

const struct backend boot_grub = {
	"grub", "GRUB: /etc/default/grub (or a grub.d drop-in), then update-grub / grub-mkconfig",
	grub_detect, grub_plan, NULL,
	(const char *const[]){DEFAULT_GRUB, "etc/default/grub.d/*.cfg", NULL},
};

const struct backend boot_grub_bls = {
	"grub-bls", "GRUB with BLS entries (Fedora, RHEL): GRUB_CMDLINE_LINUX, then grubby",
	bls_detect, bls_plan, NULL,
	(const char *const[]){DEFAULT_GRUB, "etc/kernel/cmdline", "boot/loader/entries/*.conf", NULL},
};
