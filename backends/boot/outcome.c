/* outcome.c - the next boot as a plan leaves it, held against the
 * selection: the plan's "After reboot" lines, a hand-made setup that
 * stands in the way taken over (its lines out, recorded in devices.conf's
 * [adopted], back when vfioconf manages nothing), or a refusal naming the
 * file and line. A plan whose outcome is not the selection is never one
 * to apply.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/i18n.h"
#include "backends/scan/config_scan.h"
#include "core/cmdline.h"
#include "core/param_review.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void scan(struct plan_ctx *ctx, const struct backend *boot, struct eff_config *eff, struct eff_device *out)
{
	struct config_scan_opts o = {.sr = ctx->sr, .plan = ctx->plan,
				     .cmdline_files = boot ? boot->cmdline_files : NULL,
				     .our_params = ctx->params, .bind_helper = ctx->bind_helper};
	bool all_builtin = ctx->inv->host.n_kernels > 0;

	memset(eff, 0, sizeof(*eff));
	config_scan(&o, ctx->inv, eff, ctx->log);
	/* one kernel without vfio-pci built in runs the install hook */
	for (size_t k = 0; k < ctx->inv->host.n_kernels; k++)
		all_builtin = all_builtin && ctx->inv->host.kernels[k].vfio_pci_builtin;
	eff->vfio_pci_builtin = all_builtin;
	effective_compute(ctx->inv, eff, ctx->next, out);
}

static const struct intent_device *wanted(const struct intent *w, size_t i)
{
	for (size_t k = 0; k < w->n_dev; k++)
		if (w->dev[k].idx == i)
			return &w->dev[k];
	return NULL;
}

static bool on_vfio(const struct eff_device *d)
{
	return driver_is_vfio(d->driver);
}

static bool modprobe_file(const char *file)
{
	for (const char *const *d = config_modprobe_dirs; *d; d++)
		if (str_starts_with(file, *d) && file[strlen(*d)] == '/')
			return true;
	return false;
}

/* What stands between the selection and the outcome: the input to take
 * out for device i, or NULL (nothing vfioconf could take out). */
static const struct eff_input *culprit(const struct eff_config *eff, const struct eff_device *d,
				       const struct intent_device *w)
{
	const struct eff_input *in;

	if (d->how == EFF_BY_DRIVERCTL)
		return d->why;
	if (w && !on_vfio(d)) {
		in = w->method == BIND_IDS ? effective_ids(eff) : effective_install(eff);
		return in && !in->ours ? in : NULL;
	}
	if (!w && on_vfio(d))
		return d->why && !d->why->ours ? d->why : NULL;
	return NULL;
}

static const char *not_adoptable_kind(const struct eff_input *in)
{
	if (in->running)
		return "the running kernel's command line, from a place vfioconf does not edit";
	if ((in->kind == EFF_OPTIONS || in->kind == EFF_INSTALL) && !modprobe_file(in->file))
		return "not a modprobe.d file";
	if (in->kind != EFF_OPTIONS && in->kind != EFF_INSTALL && in->kind != EFF_CMDLINE && in->kind != EFF_MODARGS)
		return "not a setting vfioconf can take out";
	return NULL;
}

/* Can vfioconf take this input out by editing one line of its file? NULL,
 * or why not (caller frees). */
static char *not_adoptable(const struct eff_input *in)
{
	if (in->kind == EFF_DRIVERCTL)
		return xasprintf(EFFECTIVE_DRIVERCTL_REMEDY, in->value);
	return xstrdup_or_null(not_adoptable_kind(in));
}

/* Line n (1-based) of text: its span. false when there is none. */
static bool line_span(const char *text, int n, size_t *s, size_t *e)
{
	size_t i = 0;

	for (int k = 1; k < n; k++) {
		const char *nl = strchr(text + i, '\n');
		if (!nl)
			return false;
		i = (size_t)(nl - text) + 1;
	}
	if (!text[i] && n > 1)
		return false;
	*s = i;
	*e = i + strcspn(text + i, "\n");
	return true;
}

/* The line with word (a whole blank-separated word starting with prefix)
 * taken out, with the blank before it; NULL when it is not there. */
static char *drop_word(const char *line, const char *prefix)
{
	size_t pl = strlen(prefix);

	for (const char *p = line; (p = strstr(p, prefix)); p += pl) {
		bool start = p == line || strchr(" \t\"'", p[-1]);
		if (start) {
			size_t wl = strcspn(p, " \t\"'");
			const char *from = p, *to = p + wl;
			struct strbuf sb = {0};
			if (from > line && (from[-1] == ' ' || from[-1] == '\t'))
				from--;
			else if (*to == ' ' || *to == '\t')
				to++;
			strbuf_add(&sb, line, (size_t)(from - line));
			strbuf_puts(&sb, to);
			return strbuf_detach(&sb);
		}
	}
	return NULL;
}

/* Takes the input out of its line: the whole line, or the word that is the
 * setting. -EINVAL (with why) when it cannot be done safely. */
static int adopt_one(struct plan_ctx *ctx, const struct eff_input *in, const char **why)
{
	char *text = NULL, *line, *after = NULL, *prefix;
	size_t s, e;
	struct strbuf sb = {0};

	if (ctx_read(ctx, in->file, &text) < 0 || !line_span(text, in->line, &s, &e)) {
		free(text);
		*why = "the line is not there any more";
		return -EINVAL;
	}
	line = xstrndup(text + s, e - s);
	if (e > s && text[e - 1] == '\\') {
		*why = "it goes on over more lines";
		free(line);
		free(text);
		return -EINVAL;
	}
	switch (in->kind) {
	case EFF_INSTALL:
		break; /* the whole line goes */
	case EFF_CMDLINE:
		prefix = xasprintf("vfio%cpci.%.*s", strstr(line, "vfio-pci.") ? '-' : '_',
				   (int)strcspn(in->value, "="), in->value);
		after = drop_word(line, prefix);
		free(prefix);
		break;
	default: /* options, module arguments: every ids= word */
		after = drop_word(line, "ids=");
		for (char *more; after && (more = drop_word(after, "ids="));) {
			free(after);
			after = more;
		}
		if (after && in->kind == EFF_OPTIONS) {
			/* "options vfio-pci" alone says nothing: the line goes */
			char *w = after, *save = NULL, *a = strtok_r(w = xstrdup(after), " \t", &save);
			bool empty = a && strtok_r(NULL, " \t", &save) && !strtok_r(NULL, " \t", &save);
			free(w);
			if (empty) {
				free(after);
				after = NULL;
			}
		}
		if (!after && in->kind == EFF_MODARGS) {
			*why = "no ids= word on the line";
			free(line);
			free(text);
			return -EINVAL;
		}
		break;
	}
	if (after && !after[strspn(after, " \t")]) {
		free(after);
		after = NULL;
	}
	strbuf_add(&sb, text, s);
	if (after) {
		strbuf_puts(&sb, after);
		strbuf_puts(&sb, text + e);
	} else {
		strbuf_puts(&sb, text[e] == '\n' ? text + e + 1 : text + e);
	}
	{
		char *reason = xasprintf("take out line %d, a hand-made vfio-pci setting vfioconf takes over "
					 "(it comes back when vfioconf manages nothing)", in->line);
		ctx_write(ctx, in->file, sb.buf, 0644, reason);
		free(reason);
	}
	state_add_adopted(ctx->next, in->file, in->line, line, after);
	strbuf_free(&sb);
	free(after);
	free(line);
	free(text);
	return 0;
}

int outcome_adopt(struct plan_ctx *ctx, const struct strv *inputs)
{
	int r = 0;

	/* "FILE\tLINE\tKIND\tVALUE", later lines of a file first: the earlier
	 * ones keep their numbers */
	for (size_t i = 0; i < inputs->n; i++) {
		char *copy = xstrdup(inputs->v[i]), *save = NULL;
		char *file = strtok_r(copy, "\t", &save), *line = strtok_r(NULL, "\t", &save);
		char *kind = strtok_r(NULL, "\t", &save), *value = strtok_r(NULL, "", &save);
		struct eff_input in = {.kind = (enum eff_kind)atoi(kind), .file = file, .line = atoi(line),
				       .value = value, .module = (char *)"vfio_pci"};
		const char *why = NULL;
		if (adopt_one(ctx, &in, &why) < 0) {
			char *m = xasprintf("%s:%d: cannot take out this hand-made setting safely (%s); change it by "
					    "hand, then plan again",
					    file, in.line, why);
			strv_push_unique(&ctx->plan->refusals, m);
			free(m);
			r = -EINVAL;
		}
		free(copy);
	}
	return r;
}

/* Puts back, in reverse order, what earlier plans took out: vfioconf
 * manages nothing any more. */
void outcome_restore(struct plan_ctx *ctx)
{
	for (size_t k = ctx->prev->n_adopted; k > 0; k--) {
		const struct state_adopted *a = &ctx->prev->adopted[k - 1];
		char *text = NULL;
		size_t s, e;
		struct strbuf sb = {0};
		bool ok = ctx_read(ctx, a->file, &text) == 0;
		if (ok && a->after) {
			ok = line_span(text, a->line, &s, &e) && e - s == strlen(a->after) &&
			     memcmp(text + s, a->after, e - s) == 0;
			if (ok) {
				strbuf_add(&sb, text, s);
				strbuf_puts(&sb, a->before);
				strbuf_puts(&sb, text + e);
			}
		} else if (ok) {
			if (!line_span(text, a->line, &s, &e))
				s = strlen(text); /* it was the last line */
			strbuf_add(&sb, text, s);
			if (s && text[s - 1] != '\n')
				strbuf_putc(&sb, '\n');
			strbuf_printf(&sb, "%s\n", a->before);
			strbuf_puts(&sb, text + s);
		}
		if (ok) {
			char *reason = xasprintf("put back line %d, the hand-made setting vfioconf took over", a->line);
			ctx_write(ctx, a->file, sb.buf, 0644, reason);
			free(reason);
		} else {
			char *m = xasprintf("%s:%d: changed since vfioconf took a line of it over; put it back by "
					    "hand: %s",
					    a->file, a->line, a->before);
			strv_push_unique(&ctx->plan->warnings, m);
			free(m);
		}
		strbuf_free(&sb);
		free(text);
	}
}

/* "ADDR NAME" */
static char *who(const struct device *d)
{
	return xasprintf("%s %s", d->addr_str, d->device_name ? d->device_name : d->class_name ? d->class_name : "");
}

/* A vfio-pci.* parameter the running kernel was started with that none of
 * the files the next boot's command line is made from carries came from
 * somewhere vfioconf does not read (a firmware boot entry, a menu edited
 * by hand), or was taken out since: if it is there again at the next boot,
 * it decides over vfioconf's setting. */
static bool carries(const struct eff_config *eff, const char *value)
{
	for (size_t k = 0; k < eff->n; k++)
		if (eff->in[k].kind == EFF_CMDLINE && eff->in[k].value && strcmp(eff->in[k].value, value) == 0)
			return true;
	return false;
}

static void running_params(struct plan_ctx *ctx, const struct backend *boot, const struct eff_config *eff)
{
	struct strv words = {0};
	struct eff_config disk = {0};
	bool scanned = false;

	cmdline_split(ctx->inv->host.cmdline ? ctx->inv->host.cmdline : "", &words);
	for (size_t w = 0; w < words.n; w++) {
		const char *p = words.v[w];
		char *m;
		if ((strncmp(p, "vfio-pci.", 9) != 0 && strncmp(p, "vfio_pci.", 9) != 0) || !strchr(p, '=') ||
		    carries(eff, p + 9))
			continue;
		if (!scanned) {
			/* the files as they are: a parameter this plan takes over is known */
			struct config_scan_opts o = {.sr = ctx->sr, .cmdline_files = boot ? boot->cmdline_files : NULL,
						     .bind_helper = ctx->bind_helper};
			struct log quiet = {0}; /* what it could not read, the plan's scan said */
			config_scan(&o, ctx->inv, &disk, &quiet);
			log_free(&quiet);
			scanned = true;
		}
		if (carries(&disk, p + 9))
			continue;
		m = xasprintf("/proc/cmdline: the running kernel was started with %s, which no file the next boot's "
			      "command line is made from carries; if the boot loader adds it from elsewhere (a firmware "
			      "boot entry, a menu edited by hand), it decides over vfioconf's setting",
			      p);
		strv_push_unique(&ctx->plan->warnings, m);
		free(m);
	}
	eff_config_free(&disk);
	strv_free(&words);
}

int outcome_check(struct plan_ctx *ctx, const struct backend *boot, struct strv *adopt)
{
	const struct inventory *inv = ctx->inv;
	struct eff_device *out = xcalloc(inv->n_devices ? inv->n_devices : 1, sizeof(*out));
	struct eff_config eff;
	bool none = !ctx->want->n_dev;
	int r = 0;

	scan(ctx, boot, &eff, out);
	/* what the next boot's files carry that is obsolete or idle */
	param_review(&inv->host, &eff, NULL, &ctx->plan->warnings);
	/* While vfioconf binds devices, vfio-pci's ids= and its install line
	 * are vfioconf's: a hand-made one left beside them is dead at best (the
	 * kernel keeps the last ids=, modprobe runs the first install line) and
	 * comes back to life when vfioconf steps back; it is taken over. */
	for (size_t k = 0; adopt && !none && k < eff.n; k++) {
		const struct eff_input *in = &eff.in[k];
		bool ids = (in->kind == EFF_OPTIONS || in->kind == EFF_CMDLINE || in->kind == EFF_MODARGS) &&
			   in->value && (str_starts_with(in->value, "ids=") || strstr(in->value, " ids="));
		bool inst = in->kind == EFF_INSTALL && ctx->want->any_override;
		char *why = NULL;
		if (in->ours || in->running || strcmp(in->module, "vfio_pci") != 0 || !(ids || inst) ||
		    (why = not_adoptable(in))) {
			free(why);
			continue;
		}
		char *key = xasprintf("%s\t%d\t%d\t%s", in->file, in->line, (int)in->kind, in->value ? in->value : "");
		strv_push_unique(adopt, key);
		free(key);
		r = 1;
	}
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *d = &inv->devices[i];
		const struct intent_device *w = wanted(ctx->want, i);
		const struct eff_input *c;
		char *name, *desc, *m, *why = NULL;
		if (d->flags & DEV_BRIDGE)
			continue;
		name = who(d);
		desc = effective_describe(&out[i]);
		if (w && on_vfio(&out[i])) {
			/* without an IOMMU vfio-pci's probe fails: no promise */
			m = xasprintf("%s: %s (%s)%s", name, out[i].driver, w->method == BIND_IDS ? _("by ID") : _("by address"),
				      inventory_iommu_enabled(inv) ? "" : _(", once the IOMMU is on (until then it cannot take it)"));
			strv_push(&ctx->plan->outcome, m);
			free(m);
		} else if (!w && !on_vfio(&out[i])) {
			/* a device that leaves vfio-pci (or pci-stub) is news; one that
			 * gets the driver it would get anyway is not */
			const char *now = d->driver ? d->driver : "no driver";
			if (strstr(now, "vfio") || strstr(now, "stub")) {
				m = xasprintf("%s: %s (now %s)", name, desc, now);
				strv_push(&ctx->plan->outcome, m);
				free(m);
			}
		} else if (!w && none) {
			/* vfioconf manages nothing: a setup of the user's own stays */
			m = xasprintf("%s: %s: set up by hand, not by vfioconf", name, desc);
			strv_push(&ctx->plan->outcome, m);
			free(m);
		} else if ((c = culprit(&eff, &out[i], w)) && !(why = not_adoptable(c)) && adopt) {
			char *key = xasprintf("%s\t%d\t%d\t%s", c->file, c->line, (int)c->kind, c->value ? c->value : "");
			strv_push_unique(adopt, key);
			free(key);
			r = 1;
		} else {
			if (c && why) {
				m = xasprintf("%s would %s after the reboot, not as selected: %s:%d decides it (%s)",
					      name, w ? "stay off vfio-pci" : "go to vfio-pci", c->file, c->line, why);
			} else if (c) {
				m = xasprintf("%s would %s after the reboot, not as selected: %s:%d decides it",
					      name, w ? "stay off vfio-pci" : "go to vfio-pci", c->file, c->line);
			} else {
				m = xasprintf("%s would %s after the reboot, not as selected (%s)", name,
					      w ? "stay off vfio-pci" : "go to vfio-pci", desc);
			}
			strv_push_unique(&ctx->plan->refusals, m);
			free(m);
			ctx->refused++;
		}
		free(why);
		free(desc);
		free(name);
	}
	if (!none)
		running_params(ctx, boot, &eff);
	eff_config_free(&eff);
	free(out);
	return r;
}
