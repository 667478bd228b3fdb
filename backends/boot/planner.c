/* planner.c - turn an intent into a plan through the backends. */
#include "config.h"

#include "backends/boot/planner.h"
#include "backends/sys/rooted.h"
#include "core/cmdline.h"
#include "core/i18n.h"
#include "core/shellvar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- file access through the plan ---- */

/* A file of the root beneath it (rooted.h): 0, -ENOENT, or -errno. */
static int read_rooted(const struct sysroot *sr, const char *rel, char **text, size_t *len)
{
	return rooted_read_path(sr->root, rel, 16u << 20, text, len);
}

/* A file to edit must be text: an editor stops at a NUL byte, and so would
 * every byte after it (root=, the LUKS parameters, GRUB_DEFAULT). */
void ctx_refuse(struct plan_ctx *ctx, char *m)
{
	if (!strv_contains(&ctx->plan->refusals, m)) {
		log_error(ctx->log, "%s/%s", strcmp(ctx->sr->root, "/") ? ctx->sr->root : "", m);
		strv_push(&ctx->plan->refusals, m);
		ctx->refused++;
	}
	free(m);
}

static int refuse_binary(struct plan_ctx *ctx, const char *rel, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	char *m;

	if (!nul)
		return 0;
	m = xasprintf(_("%s: a NUL byte at offset %zu: not a text file, so vfioconf does not edit it; "
		      "remove the byte (or restore the file) first"),
		      rel, (size_t)(nul - text));
	ctx_refuse(ctx, m);
	return -EINVAL;
}

int ctx_read(struct plan_ctx *ctx, const char *rel, char **text)
{
	const char *cur;
	char *res;
	size_t len = 0;
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
	r = read_rooted(ctx->sr, res, text, &len);
	if (r == 0 && refuse_binary(ctx, res, *text, len) < 0) {
		free(*text);
		*text = NULL;
		r = -EINVAL;
	}
	free(res);
	return r;
}

void ctx_write(struct plan_ctx *ctx, const char *rel, const char *text, unsigned mode, const char *reason)
{
	char *res = NULL, *old = NULL;
	size_t old_len = 0;

	if (root_resolve(ctx->sr->root, rel, &res) < 0)
		res = xstrdup(rel);
	if (read_rooted(ctx->sr, res, &old, &old_len) < 0)
		old = NULL;
	plan_set_file(ctx->plan, res, old, old_len, text, text ? strlen(text) : 0, mode, reason);
	free(old);
	free(res);
}

bool root_exists(const struct sysroot *sr, const char *rel)
{
	int base = rooted_base(sr->root);
	bool e = base >= 0 && rooted_exists(base, rel);

	if (base >= 0)
		close(base);
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
	char *res, *disk = NULL;
	size_t dlen = 0;
	bool changed;

	if (root_resolve(ctx->sr->root, rel, &res) < 0)
		return false;
	if (!plan_current(ctx->plan, res, &cur, &len)) {
		free(res);
		return false;
	}
	if (read_rooted(ctx->sr, res, &disk, &dlen) < 0)
		disk = NULL;
	changed = !cur || !disk ? cur != disk : len != dlen || memcmp(cur, disk, len) != 0;
	free(disk);
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
		char *img;
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
		plan_add_lists_check(ctx->plan, lister, img, "vfio-pci", (const char *const[]){"vfio-pci.ko", "vfio_pci.ko", NULL});
		free(img);
	}
}

const char *param_reason(const char *param)
{
	static const struct {
		const char *prefix, *why;
	} r[] = {
		{"intel_iommu=", N_("turn the IOMMU on (Intel VT-d)")},
		{"iommu=pt", N_("IOMMU pass-through mode for host devices (settings: iommu_pt)")},
		{"vfio-pci.ids=", N_("vfio-pci is built into an installed kernel, which never reads modprobe.d")},
		{"vfio-pci.disable_vga=", N_("the same, for a VGA device")},
		{"rd.driver.pre=", N_("dracut: load vfio-pci before any other driver")},
	};

	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		if (str_starts_with(param, r[i].prefix))
			return _(r[i].why);
	return _("settings: extra_params");
}

static void join(struct strbuf *sb, const struct strv *sv)
{
	strbuf_reset(sb);
	for (size_t i = 0; i < sv->n; i++)
		strbuf_printf(sb, "%s%s", i ? " " : "", sv->v[i]);
}

static int edit_failed(struct plan_ctx *ctx, const char *rel, struct sh_error *err)
{
	ctx_refuse(ctx, xasprintf("%s:%d: cannot be edited safely: %s", rel, err->line, err->why));
	sh_error_free(err);
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

	r = ctx_read(ctx, rel, &text);
	if (r == -EINVAL)
		return r; /* refused, with the reason */
	existed = r == 0;
	r = 0;
	if (!existed)
		text = xstrdup("");
	cmdline_split(state_added(ctx->prev, key), &prev);
	for (size_t i = 0; i < prev.n; i++) {
		if (strv_contains(want, prev.v[i]) || !ops->has(text, arg, prev.v[i]))
			continue;
		if (ctx->added && !ctx->added(ctx->added_data, rel, prev.v[i])) {
			/* devices.conf can be edited by hand; the journal cannot */
			char *m = xasprintf(_("%s: devices.conf says vfioconf added %s, but no transaction in the "
					    "journal did: left in place (take it out by hand if it should go)"),
					    rel, prev.v[i]);
			strv_push_unique(&ctx->plan->warnings, m);
			free(m);
			continue;
		}
		if (ops->remove(text, arg, prev.v[i], &out, &err) < 0) {
			r = edit_failed(ctx, rel, &err);
			goto out;
		}
		free(text);
		text = out;
		strbuf_printf(&sb, _("remove %s: vfioconf added it and nothing needs it now"), prev.v[i]);
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
		strbuf_printf(&sb, _("add %s: %s"), w, what ? what : param_reason(w));
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
	return ctx_words(ctx, rel, key, ctx->params, ops, arg, NULL);
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

const struct backend *backend_choose(const struct backend *const *list, const char *name,
				     const struct sysroot *sr, struct strbuf *why)
{
	struct strbuf scratch = {0};
	const struct backend *b = NULL;

	if (!why)
		why = &scratch;
	if (name) {
		b = backend_by_name(list, name);
	} else {
		for (; *list && !b; list++) {
			strbuf_reset(why);
			if ((*list)->detect(sr, why) > 0)
				b = *list;
		}
		if (!b)
			strbuf_reset(why);
	}
	strbuf_free(&scratch);
	return b;
}

size_t backend_survey(const struct backend *const *list, const char *name, const struct sysroot *sr,
		      struct backend_report **out)
{
	const struct backend *chosen = backend_choose(list, name, sr, NULL);
	struct strbuf why = {0};
	size_t n = 0;

	while (list[n])
		n++;
	*out = xcalloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&why);
		(*out)[i].b = list[i];
		(*out)[i].detected = list[i]->detect(sr, &why) > 0;
		(*out)[i].chosen = list[i] == chosen;
		(*out)[i].why = (*out)[i].detected ? xstrdup(strbuf_str(&why)) : NULL;
	}
	strbuf_free(&why);
	return n;
}

void backend_survey_free(struct backend_report *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].why);
	free(v);
}

/* The chosen backend of one kind, said in the plan ("boot: grub (why)"). */
static const struct backend *choose(const struct backend *const *list, const char *name,
				    const struct sysroot *sr, const char *kind, struct plan *plan,
				    struct log *log)
{
	struct strbuf why = {0};
	const struct backend *b = backend_choose(list, name, sr, &why);

	if (b) {
		char *m = xasprintf("%s: %s (%s)", kind, b->name,
				    name ? (strcmp(kind, "boot") == 0 ? "chosen with --bootloader"
								   : "chosen with --initramfs")
					 : strbuf_str(&why));
		strv_push(&plan->backends, m);
		free(m);
	} else if (!name) {
		log_warn(log, strcmp(kind, "boot") == 0 ? _("%s: no boot system found, so no kernel parameter is set")
							: _("%s: no initramfs system found, so the initramfs is not configured"),
			 sr->root);
	}
	strbuf_free(&why);
	return b;
}

/* One pass of the planner. adopt_in: hand-made settings to take out first
 * (outcome.c); adopt_out: where to say which ones stand in the way (NULL:
 * they are refused). */
static int plan_pass(const struct sysroot *sr, const struct inventory *inv, const struct settings *st,
		     const struct intent *want, const struct planner_opts *opts, struct plan *plan,
		     struct log *log, const struct strv *adopt_in, struct strv *adopt_out)
{
	static const struct state none;
	struct state next = {0};
	struct strv params = {0};
	struct plan_ctx ctx = {.sr = sr, .inv = inv, .st = st, .want = want, .params = &params,
			       .prev = opts->prev ? opts->prev : &none, .next = &next, .plan = plan,
			       .log = log, .bind_helper = opts->bind_helper, .added = opts->added,
			       .added_data = opts->added_data};
	const struct backend *boot, *initrd;
	char *text;
	int r = 0;

	for (size_t i = 0; i < want->refusals.n; i++)
		strv_push(&plan->refusals, want->refusals.v[i]);
	for (size_t i = 0; i < want->warnings.n; i++)
		strv_push(&plan->warnings, want->warnings.v[i]);
	for (size_t i = 0; i < want->notes.n; i++)
		strv_push(&plan->notes, want->notes.v[i]);

	initrd = choose(initramfs_backends, opts->initramfs, sr, "initramfs", plan, log);
	boot = choose(boot_backends, opts->bootloader, sr, "boot", plan, log);
	for (size_t i = 0; i < want->params.n; i++)
		strv_push(&params, want->params.v[i]);
	if (initrd && initrd->params)
		initrd->params(&ctx, &params);
	for (size_t i = 0; i < params.n; i++)
		strv_push(&plan->params, params.v[i]);

	/* what a hand-made setup had, taken over: it stays taken over while
	 * vfioconf manages devices, and comes back when it manages none */
	if (want->n_dev)
		for (size_t i = 0; i < ctx.prev->n_adopted; i++)
			state_add_adopted(&next, ctx.prev->adopted[i].file, ctx.prev->adopted[i].line,
					  ctx.prev->adopted[i].before, ctx.prev->adopted[i].after);
	if (adopt_in && outcome_adopt(&ctx, adopt_in) < 0)
		r = -EINVAL;

	/* modprobe.d: always, the initramfs copies it in */
	text = intent_render_modprobe(want, inv, opts->bind_helper);
	ctx_write(&ctx, MODPROBE_PATH, text, 0644,
		  text ? _("bind the selected devices to vfio-pci, before their own drivers")
		       : _("nothing is bound to vfio-pci any more"));
	free(text);
	text = intent_render_udev(want, inv, opts->bind_helper);
	ctx_write(&ctx, UDEV_RULES_PATH, text, 0644,
		  text ? _("bind the selected virtual functions when their PF makes them")
		       : _("no virtual function to bind any more"));
	free(text);
	intent_to_state(want, inv, &next);

	if (initrd && initrd->plan(&ctx) < 0)
		r = -EINVAL;
	if (boot && boot->plan(&ctx) < 0)
		r = -EINVAL;
	if (!want->n_dev)
		outcome_restore(&ctx);
	if (!ctx.refused && outcome_check(&ctx, boot, adopt_out) > 0)
		r = 1; /* hand-made settings stand in the way: take them over and plan again */

	text = state_render(&next);
	ctx_write(&ctx, STATE_PATH, text, 0644,
		  text ? _("record the selection and what vfioconf added, for the next plan and for boot")
		       : _("vfioconf manages nothing any more"));
	free(text);
	if (want->any_override && !root_exists(sr, opts->bind_helper + 1))
		strv_push(&plan->warnings, _("vfioconf-bind is not installed on the target system: "
					   "install vfioconf there before rebooting"));
	state_free(&next);
	strv_free(&params);
	return ctx.refused ? -EINVAL : r;
}

int planner_run(const struct sysroot *sr, const struct inventory *inv, const struct settings *st,
		const struct intent *want, const struct planner_opts *opts, struct plan *plan,
		struct log *log)
{
	struct strv adopt = {0};
	struct log first = {0};
	int r = plan_pass(sr, inv, st, want, opts, plan, &first, NULL, &adopt);

	if (r > 0) {
		/* again, the hand-made settings that stood in the way taken out
		 * first; what still stands in the way then is refused */
		plan_free(plan);
		r = plan_pass(sr, inv, st, want, opts, plan, log, &adopt, NULL);
	} else {
		for (size_t i = 0; i < first.n; i++)
			log_add(log, first.e[i].level, "%s", first.e[i].msg);
	}
	log_free(&first);
	strv_free(&adopt);
	return r > 0 ? 0 : r;
}
