/* planner.c - turn an intent into a plan through the backends. */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/cmdline.h"
#include "core/shellvar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- file access through the plan ---- */

int ctx_read(struct plan_ctx *ctx, const char *rel, char **text)
{
	const char *cur;
	char *res, *full;
	int r;

	r = root_resolve(ctx->sr->root, rel, &res);
	if (r < 0)
		return r;
	if (plan_current(ctx->plan, res, &cur, NULL)) {
		free(res);
		if (!cur)
			return -ENOENT;
		*text = xstrdup(cur);
		return 0;
	}
	full = path_join(ctx->sr->root, res);
	r = read_file(full, 16u << 20, text, NULL);
	free(full);
	free(res);
	return r;
}

void ctx_write(struct plan_ctx *ctx, const char *rel, const char *text, unsigned mode, const char *reason)
{
	char *res = NULL, *full, *old = NULL;
	size_t old_len = 0;

	if (root_resolve(ctx->sr->root, rel, &res) < 0)
		res = xstrdup(rel);
	full = path_join(ctx->sr->root, res);
	if (read_file(full, 16u << 20, &old, &old_len) < 0)
		old = NULL;
	plan_set_file(ctx->plan, res, old, old_len, text, text ? strlen(text) : 0, mode, reason);
	free(old);
	free(full);
	free(res);
}

bool root_exists(const struct sysroot *sr, const char *rel)
{
	char *res, *full;
	bool e;

	if (root_resolve(sr->root, rel, &res) < 0)
		return false;
	full = path_join(sr->root, res);
	e = path_exists(full);
	free(full);
	free(res);
	return e;
}

char *root_find(const struct sysroot *sr, const char *const *rels)
{
	for (; *rels; rels++)
		if (root_exists(sr, *rels))
			return xasprintf("/%s", *rels);
	return NULL;
}

bool ctx_changed(struct plan_ctx *ctx, const char *rel)
{
	const char *cur;
	size_t len;
	char *res, *full, *disk = NULL;
	size_t dlen = 0;
	bool changed;

	if (root_resolve(ctx->sr->root, rel, &res) < 0)
		return false;
	if (!plan_current(ctx->plan, res, &cur, &len)) {
		free(res);
		return false;
	}
	full = path_join(ctx->sr->root, res);
	if (read_file(full, 16u << 20, &disk, &dlen) < 0)
		disk = NULL;
	changed = !cur || !disk ? cur != disk : len != dlen || memcmp(cur, disk, len) != 0;
	free(disk);
	free(full);
	free(res);
	return changed;
}

bool ctx_initramfs_inputs_changed(struct plan_ctx *ctx, const char *const *extra)
{
	if (ctx_changed(ctx, MODPROBE_PATH) || ctx_changed(ctx, STATE_PATH))
		return true;
	for (; extra && *extra; extra++)
		if (ctx_changed(ctx, *extra))
			return true;
	return false;
}

void ctx_check_initramfs(struct plan_ctx *ctx, const char *lister, const struct initramfs_name *names,
			 size_t n_names)
{
	for (size_t k = 0; ctx->want->n_dev && k < ctx->inv->host.n_kernels; k++) {
		const struct kernel_info *ki = &ctx->inv->host.kernels[k];
		size_t pick = 0;
		char *img, *c;
		if (ki->vfio_pci_builtin || !n_names)
			continue; /* no module to find in that image */
		for (size_t i = 0; i < n_names; i++) {
			img = xasprintf("%s%s%s", names[i].prefix, ki->version, names[i].suffix);
			bool found = root_exists(ctx->sr, img);
			free(img);
			if (found) {
				pick = i;
				break;
			}
		}
		img = xasprintf("%s%s%s", names[pick].prefix, ki->version, names[pick].suffix);
		c = xasprintf("lists %s %s vfio-pci.ko|vfio_pci.ko", lister, img);
		plan_add_check(ctx->plan, c);
		free(c);
		free(img);
	}
}

/* ---- parameter ops ---- */

static bool cf_has(const char *text, const void *arg, const char *param)
{
	struct cmdline cl;
	bool r;

	(void)arg;
	cmdline_parse(&cl, text);
	r = cmdline_has(&cl, param);
	cmdline_free(&cl);
	return r;
}

static int unbalanced(struct sh_error *err)
{
	err->line = 1;
	err->why = xstrdup("unbalanced double quote");
	return -EINVAL;
}

static int cf_add(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	(void)arg;
	*out = cmdline_add(text, param);
	return *out ? 0 : unbalanced(err);
}

static int cf_remove(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	(void)arg;
	*out = cmdline_remove(text, param);
	return *out ? 0 : unbalanced(err);
}

const struct param_ops cmdline_file_ops = {cf_has, cf_add, cf_remove};

static bool sv_has(const char *text, const void *arg, const char *param)
{
	struct sh_env env = {0};
	const char *vars[] = {arg, NULL};
	const char *v;
	bool r = false;

	if (sh_source(text, &env, vars, NULL) == 0 && (v = sh_env_get(&env, arg)))
		r = cf_has(v, NULL, param);
	sh_env_free(&env);
	return r;
}

static int sv_add(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	return sh_var_add(text, arg, param, out, err);
}

static int sv_remove(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	return sh_var_remove(text, arg, param, out, err);
}

const struct param_ops shell_var_ops = {sv_has, sv_add, sv_remove};

/* Spans [s, e) of the command lines in text. */
struct span {
	size_t s, e;
};

static size_t find_spans(const char *t, const struct line_spans *ls, struct span **out)
{
	size_t n = 0, cap = 0, i = 0;

	*out = NULL;
	while (t[i]) {
		size_t eol = i;
		while (t[eol] && t[eol] != '\n')
			eol++;
		size_t j = i;
		while (t[j] == ' ' || t[j] == '\t')
			j++;
		struct span sp = {0, 0};
		bool found = false;
		if (ls->quoted_field) {
			/* "title" "options": the second quoted field */
			if (t[j] != '#' && j < eol) {
				size_t q[4], nq = 0;
				for (size_t k = j; k < eol && nq < 4; k++)
					if (t[k] == '"')
						q[nq++] = k;
				if (nq >= 4) {
					sp.s = q[2] + 1;
					sp.e = q[3];
					found = true;
				}
			}
		} else {
			for (const char *const *p = ls->prefixes; *p && !found; p++) {
				size_t l = strlen(*p);
				if (strncmp(t + j, *p, l) == 0) {
					size_t k = j + l;
					if (!strchr("=:", (*p)[l - 1]) && t[k] != ' ' && t[k] != '\t')
						continue; /* "options" must be a whole word */
					while (t[k] == ' ' || t[k] == '\t')
						k++;
					sp.s = k;
					sp.e = eol;
					while (sp.e > sp.s && (t[sp.e - 1] == ' ' || t[sp.e - 1] == '\t' || t[sp.e - 1] == '\r'))
						sp.e--;
					found = true;
				}
			}
		}
		if (found) {
			void *p = *out;
			xgrow(&p, &cap, n + 1, sizeof(**out));
			*out = p;
			(*out)[n++] = sp;
		}
		i = t[eol] ? eol + 1 : eol;
	}
	return n;
}

static bool span_has(const char *t, const struct span *sp, const char *param)
{
	char *sub = xstrndup(t + sp->s, sp->e - sp->s);
	bool r = cf_has(sub, NULL, param);

	free(sub);
	return r;
}

static bool ls_has(const char *text, const void *arg, const char *param)
{
	const struct line_spans *ls = arg;
	struct span *sp;
	size_t n = find_spans(text, ls, &sp);
	size_t have = 0;

	for (size_t i = 0; i < n; i++)
		if (span_has(text, &sp[i], param))
			have++;
	free(sp);
	return ls->all_lines ? n > 0 && have == n : have > 0;
}

/* Applies fn to the chosen spans, from the last so offsets stay valid. */
static int ls_edit(const char *text, const struct line_spans *ls, const char *param, bool add, char **out,
		   struct sh_error *err)
{
	struct span *sp;
	size_t n = find_spans(text, ls, &sp);
	char *cur = xstrdup(text);

	if (add && ls->quoted_field && strchr(param, '"')) {
		free(sp);
		free(cur);
		err->line = 1;
		err->why = xstrdup("a parameter with a double quote cannot go inside \"...\"");
		return -EINVAL;
	}
	if (add && n == 0) {
		size_t len = strlen(cur);
		struct strbuf sb = {0};
		free(sp);
		if (!ls->new_line_prefix) {
			free(cur);
			err->line = 0;
			err->why = xstrdup("no line holds kernel parameters");
			return -EINVAL;
		}
		strbuf_puts(&sb, cur);
		if (len && cur[len - 1] != '\n')
			strbuf_putc(&sb, '\n');
		strbuf_printf(&sb, "%s%s\n", ls->new_line_prefix, param);
		free(cur);
		*out = strbuf_detach(&sb);
		return 0;
	}
	for (size_t i = n; i > 0; i--) {
		const struct span *s = &sp[i - 1];
		char *sub, *ed;
		if (add && !ls->all_lines && i != n)
			continue; /* one place is enough: the last line */
		if (add && span_has(cur, s, param))
			continue;
		sub = xstrndup(cur + s->s, s->e - s->s);
		ed = add ? cmdline_add(sub, param) : cmdline_remove(sub, param);
		free(sub);
		if (!ed) {
			int line = 1;
			for (size_t k = 0; k < s->s; k++)
				line += cur[k] == '\n';
			free(sp);
			free(cur);
			err->line = line;
			err->why = xstrdup("unbalanced double quote");
			return -EINVAL;
		}
		struct strbuf sb = {0};
		strbuf_add(&sb, cur, s->s);
		strbuf_puts(&sb, ed);
		strbuf_puts(&sb, cur + s->e);
		free(ed);
		free(cur);
		cur = strbuf_detach(&sb);
	}
	free(sp);
	*out = cur;
	return 0;
}

static int ls_add(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	return ls_edit(text, arg, param, true, out, err);
}

static int ls_remove(const char *text, const void *arg, const char *param, char **out, struct sh_error *err)
{
	return ls_edit(text, arg, param, false, out, err);
}

const struct param_ops line_span_ops = {ls_has, ls_add, ls_remove};

const char *param_reason(const char *param)
{
	static const struct {
		const char *prefix, *why;
	} r[] = {
		{"intel_iommu=", "turn the IOMMU on (Intel VT-d)"},
		{"amd_iommu=", "turn the IOMMU on (AMD-Vi)"},
		{"iommu=pt", "IOMMU pass-through mode for host devices (settings: iommu_pt)"},
		{"vfio-pci.ids=", "vfio-pci is built into an installed kernel, which never reads modprobe.d"},
		{"vfio-pci.disable_vga=", "the same, for a VGA device"},
		{"rd.driver.pre=", "dracut: load vfio-pci before any other driver"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		if (str_starts_with(param, r[i].prefix))
			return r[i].why;
	return "settings: extra_params";
}

static void join(struct strbuf *sb, const struct strv *sv)
{
	strbuf_reset(sb);
	for (size_t i = 0; i < sv->n; i++)
		strbuf_printf(sb, "%s%s", i ? " " : "", sv->v[i]);
}

static int edit_failed(struct plan_ctx *ctx, const char *rel, struct sh_error *err)
{
	char *m = xasprintf("%s:%d: cannot be edited safely: %s", rel, err->line, err->why);

	log_error(ctx->log, "%s/%s", ctx->sr->root, m);
	strv_push(&ctx->plan->refusals, m);
	free(m);
	sh_error_free(err);
	ctx->refused++;
	return -EINVAL;
}

int ctx_words(struct plan_ctx *ctx, const char *rel, const char *key, const struct strv *want,
	      const struct param_ops *ops, const void *arg, const char *what)
{
	struct strv prev = {0}, now = {0};
	struct sh_error err = {0};
	struct strbuf sb = {0};
	char *text = NULL, *out;
	bool existed;
	int r = 0;

	existed = ctx_read(ctx, rel, &text) == 0;
	if (!existed)
		text = xstrdup("");
	cmdline_split(state_added(ctx->prev, key), &prev);
	for (size_t i = 0; i < prev.n; i++) {
		if (strv_contains(want, prev.v[i]) || !ops->has(text, arg, prev.v[i]))
			continue;
		if (ops->remove(text, arg, prev.v[i], &out, &err) < 0) {
			r = edit_failed(ctx, rel, &err);
			goto out;
		}
		free(text);
		text = out;
		strbuf_printf(&sb, "remove %s: vfioconf added it and nothing needs it now", prev.v[i]);
		ctx_write(ctx, rel, text, 0644, sb.buf);
		strbuf_reset(&sb);
	}
	for (size_t i = 0; i < want->n; i++) {
		const char *w = want->v[i];
		if (ops->has(text, arg, w)) {
			if (strv_contains(&prev, w))
				strv_push(&now, w); /* still ours */
			continue;
		}
		if (ops->add(text, arg, w, &out, &err) < 0) {
			r = edit_failed(ctx, rel, &err);
			goto out;
		}
		free(text);
		text = out;
		strv_push(&now, w);
		strbuf_printf(&sb, "add %s: %s", w, what ? what : param_reason(w));
		ctx_write(ctx, rel, text, 0644, sb.buf);
		strbuf_reset(&sb);
	}
	join(&sb, &now);
	state_set_added(ctx->next, key, strbuf_str(&sb));
out:
	strbuf_free(&sb);
	strv_free(&prev);
	strv_free(&now);
	free(text);
	return r;
}

int ctx_params(struct plan_ctx *ctx, const char *rel, const char *key, const struct param_ops *ops,
	       const void *arg)
{
	return ctx_words(ctx, rel, key, &ctx->want->params, ops, arg, NULL);
}

/* ---- registry ---- */

extern const struct backend boot_kernelstub, boot_kernel_install, boot_grub_bls, boot_grub,
	boot_refind, boot_limine, boot_loader_entries;
extern const struct backend initrd_booster, initrd_mkinitcpio, initrd_dracut, initrd_tools;

/* Probe order: the most specific first. */
const struct backend *const boot_backends[] = {
	&boot_kernelstub, &boot_kernel_install, &boot_grub_bls, &boot_grub,
	&boot_refind, &boot_limine, &boot_loader_entries, NULL,
};

const struct backend *const initramfs_backends[] = {
	&initrd_booster, &initrd_mkinitcpio, &initrd_dracut, &initrd_tools, NULL,
};

const struct backend *backend_by_name(const struct backend *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp((*list)->name, name) == 0)
			return *list;
	return NULL;
}

static const struct backend *choose(const struct backend *const *list, const char *name,
				    const struct sysroot *sr, const char *kind, struct plan *plan,
				    struct log *log)
{
	struct strbuf why = {0};
	const struct backend *b = NULL;

	if (name) {
		b = backend_by_name(list, name);
		if (b)
			strbuf_puts(&why, "chosen with --");
	} else {
		for (; *list && !b; list++) {
			strbuf_reset(&why);
			if ((*list)->detect(sr, &why) > 0)
				b = *list;
		}
	}
	if (b) {
		char *m = xasprintf("%s: %s (%s)", kind, b->name,
				    name ? (strcmp(kind, "boot") == 0 ? "chosen with --bootloader"
								   : "chosen with --initramfs")
					 : strbuf_str(&why));
		strv_push(&plan->backends, m);
		free(m);
	} else if (!name) {
		log_warn(log, "%s: no %s system found, so %s", sr->root, kind,
			 strcmp(kind, "boot") == 0 ? "no kernel parameter is set"
						   : "the initramfs is not configured");
	}
	strbuf_free(&why);
	return b;
}

static void read_state(const struct sysroot *sr, struct state *st, struct log *log)
{
	char *full = path_join(sr->root, STATE_PATH), *text = NULL;

	memset(st, 0, sizeof(*st));
	if (read_file(full, 1u << 20, &text, NULL) == 0)
		state_parse(st, text, full, log);
	free(text);
	free(full);
}

int planner_run(const struct sysroot *sr, const struct inventory *inv, const struct settings *st,
		struct intent *want, const struct planner_opts *opts, struct plan *plan,
		struct log *log)
{
	struct state prev, next = {0};
	struct plan_ctx ctx = {.sr = sr, .inv = inv, .st = st, .want = want, .prev = &prev,
			       .next = &next, .plan = plan, .log = log, .bind_helper = opts->bind_helper};
	const struct backend *boot, *initrd;
	char *text;
	int r = 0;

	for (size_t i = 0; i < want->refusals.n; i++)
		strv_push(&plan->refusals, want->refusals.v[i]);
	for (size_t i = 0; i < want->warnings.n; i++)
		strv_push(&plan->warnings, want->warnings.v[i]);
	for (size_t i = 0; i < want->notes.n; i++)
		strv_push(&plan->notes, want->notes.v[i]);
	read_state(sr, &prev, log);

	initrd = choose(initramfs_backends, opts->initramfs, sr, "initramfs", plan, log);
	boot = choose(boot_backends, opts->bootloader, sr, "boot", plan, log);

	/* modprobe.d: always, the initramfs copies it in */
	text = intent_render_modprobe(want, inv, opts->bind_helper);
	ctx_write(&ctx, MODPROBE_PATH, text, 0644,
		  text ? "bind the selected devices to vfio-pci, before their own drivers"
		       : "nothing is bound to vfio-pci any more");
	free(text);
	intent_to_state(want, inv, &next);

	/* The initramfs first: dracut adds a kernel parameter of its own. */
	if (initrd && initrd->plan(&ctx) < 0)
		r = -EINVAL;
	if (boot && boot->plan(&ctx) < 0)
		r = -EINVAL;

	text = state_render(&next);
	ctx_write(&ctx, STATE_PATH, text, 0644,
		  text ? "record the selection and what vfioconf added, for the next plan and for boot"
		       : "vfioconf manages nothing any more");
	free(text);
	if (want->any_override && !root_exists(sr, opts->bind_helper + 1))
		strv_push(&plan->warnings, "vfioconf-bind is not installed on the target system: "
					   "install vfioconf there before rebooting");
	state_free(&prev);
	state_free(&next);
	return ctx.refused ? -EINVAL : r;
}
