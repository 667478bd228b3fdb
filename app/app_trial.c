/* app_trial.c - a trial boot (backends/boot/trial.h): the plan's boot path
 * as a boot entry booted once (or picked by hand), its own initramfs, and nothing in /etc or
 * the default entry changed. Made, undone and promoted through the
 * journal like any other change. */
#include "config.h"

#include "app/app.h"
#include "app/app_trial.h"
#include "backends/boot/trial.h"
#include "backends/sys/atomic.h"
#include "backends/sys/rooted.h"
#include "core/i18n.h"
#include "core/cmdline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int trial_refuse(struct app *a, char *why)
{
	log_error(&a->log, _("no trial boot here: %s; 'vfioconf apply' without --trial changes the default boot path"),
		  why);
	free(why);
	return -ENOTSUP;
}

char *trial_base_bytes(struct app *a, const struct plan *p, const char *rel)
{
	const char *cur;
	char *t = NULL;

	if (plan_current(p, rel, &cur, NULL))
		return cur ? xstrdup(cur) : NULL;
	if (rooted_read_path(a->o.scan.sr.root, rel, 1 << 20, &t, NULL) < 0)
		return NULL;
	return t;
}

/* The disk's files beneath rel, each with its mode and the bytes the base
 * plan leaves it with (none where it takes the file away). */
static void copy_tree(struct trial_ctx *t, int base, const char *rel, const char *to, struct plan *out, int depth)
{
	struct app *a = t->a;
	struct strv names = {0};

	if (depth > 4 || rooted_list(base, rel, ROOTED_FOLLOW, &names) < 0)
		return;
	for (size_t i = 0; i < names.n; i++) {
		char *src = xasprintf("%s/%s", rel, names.v[i]), *dst = xasprintf("%s/%s", to, names.v[i]);
		char *text = NULL;
		const char *cur = NULL;
		size_t len = 0;
		struct stat st;
		int fd = rooted_open(base, src, O_RDONLY, 0, ROOTED_FOLLOW);
		if (fd < 0 || fstat(fd, &st) < 0) {
			log_warn(&a->log, _("%s/%s: unreadable; the trial's initramfs is made without it"),
				 a->o.scan.sr.root, src);
		} else if (S_ISDIR(st.st_mode)) {
			copy_tree(t, base, src, dst, out, depth + 1);
		} else if (S_ISREG(st.st_mode) && plan_current(&t->base->plan, src, &cur, &len)) {
			if (cur)
				plan_set_file(out, dst, NULL, 0, cur, len, st.st_mode & 07777, NULL);
		} else if (S_ISREG(st.st_mode) && rooted_read(base, src, 1 << 20, &text, &len, ROOTED_FOLLOW) == 0) {
			plan_set_file(out, dst, NULL, 0, text, len, st.st_mode & 07777, NULL);
		} else if (S_ISREG(st.st_mode)) {
			log_warn(&a->log, _("%s/%s: unreadable or over 1 MiB; the trial's initramfs is made without it"),
				 a->o.scan.sr.root, src);
		}
		if (fd >= 0)
			close(fd);
		free(text);
		free(src);
		free(dst);
	}
	strv_free(&names);
}

void trial_copy(struct trial_ctx *t, const char *rel, const char *to, struct plan *out)
{
	const struct plan *p = &t->base->plan;
	int base = rooted_base(t->a->o.scan.sr.root);
	size_t rl = strlen(rel);

	if (base >= 0) {
		copy_tree(t, base, rel, to, out, 0);
		close(base);
	}
	/* the files the plan makes there */
	for (size_t i = 0; i < p->n_files; i++) {
		const struct plan_file *f = &p->files[i];
		if (f->old || !f->new || strncmp(f->path, rel, rl) != 0 || f->path[rl] != '/')
			continue;
		char *dst = xasprintf("%s%s", to, f->path + rl);
		plan_set_file(out, dst, NULL, 0, f->new, f->new_len, f->mode, NULL);
		free(dst);
	}
}

void trial_put(struct plan *out, const char *dir, const char *name, const char *text, unsigned mode,
	       const char *reason)
{
	char *p = xasprintf("%s/%s", dir, name);

	plan_set_file(out, p, NULL, 0, text ? text : "", text ? strlen(text) : 0, mode, reason);
	free(p);
}

static void new_id(char id[16])
{
	unsigned char b[4] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		unsigned v = (unsigned)time(NULL) ^ (unsigned)getpid();
		memcpy(b, &v, sizeof(b));
	}
	if (fd >= 0)
		close(fd);
	snprintf(id, 16, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

/* Can the trial carry this file of the base plan: what every trial's
 * image holds, what its initramfs system's copy of the configuration
 * holds, or what sets the command line the loader's entry copies. */
static bool carried(const struct trial_loader *l, const struct trial_image *im, const char *path)
{
	static const char *const common[] = {MODPROBE_PATH, "etc/vfioconf/", NULL};
	const char *const *lists[] = {common, im->carries, l->carries};

	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
		for (const char *const *c = lists[k]; c && *c; c++)
			if (str_starts_with(path, *c))
				return true;
	return false;
}

/* What every trial's image holds instead of /etc's: its devices.conf and
 * modprobe.d file; then its initramfs system's copy of the configuration
 * that puts them into the image. */
static void plan_image(struct trial_ctx *t, struct plan *out)
{
	struct app *a = t->a;
	const struct app_plan *base = t->base;
	char *text, *why;

	text = trial_base_bytes(a, &base->plan, STATE_PATH);
	trial_put(out, t->dir, "devices.conf", text, 0644, _("the devices the trial binds (its own devices.conf)"));
	free(text);
	text = trial_base_bytes(a, &base->plan, MODPROBE_PATH);
	why = xasprintf(_("the trial's modprobe.d file (the plan's %s)"), MODPROBE_PATH);
	trial_put(out, t->dir, "modprobe.conf", text, 0644, why);
	free(why);
	free(text);
	t->image->plan(t, out);
}

int app_trial_plan(struct app *a, const struct app_plan *base, struct plan *out, char id[16])
{
	const char *boot = NULL, *initrd = NULL;
	const struct trial_loader *l = NULL;
	const struct trial_image *im;
	struct trial_ctx t = {.a = a, .base = base, .id = id};
	char *text, *dir = NULL, *tool_mk = NULL, *tool_sync = NULL;
	struct strbuf sb = {0};
	int r = 0;

	memset(out, 0, sizeof(*out));
	new_id(id);
	app_backends_chosen(a, &boot, &initrd);
	for (size_t i = 0; boot && trial_loaders[i] && !l; i++)
		if (trial_loaders[i]->detect(boot))
			l = trial_loaders[i];
	if (!l)
		return trial_refuse(a, xasprintf(_("the boot loader is %s; a trial boot needs GRUB with update-grub (Debian, "
						 "Ubuntu, Proxmox on GRUB) or with BLS entries (Fedora), systemd-boot "
						 "with loader entries, rEFInd or Limine"),
						 boot ? boot : _("not found")));
	if (!(im = initrd ? trial_image_by_name(initrd) : NULL))
		return trial_refuse(a, xasprintf(_("the initramfs system is %s; a trial boot needs initramfs-tools, dracut, "
						 "mkinitcpio or booster"),
						 initrd ? initrd : _("not found")));
	t.image = im;
	t.loader = l;
	if (!base->want.n_dev)
		return trial_refuse(a, xstrdup(_("nothing is selected to try")));
	{
		struct app_trial old;
		if (app_trial_find(a, &old) == 0) {
			r = trial_refuse(a, xasprintf(_("trial %s is there already; 'vfioconf trial promote' or 'vfioconf "
						      "trial abort' first"), old.id));
			app_trial_free(&old);
			return r;
		}
	}
	if (base->plan.refusals.n || base->refused)
		return trial_refuse(a, xstrdup(_("the plan refuses something")));
	for (size_t i = 0; i < base->plan.n_files; i++)
		if (!carried(l, im, base->plan.files[i].path))
			return trial_refuse(a, xasprintf(_("the plan changes %s, which a trial cannot carry: it changes "
							 "only /boot (a hand-made setting the plan takes over, or an "
							 "SR-IOV VF's udev rule)"),
							 base->plan.files[i].path));
	{
		const char *const sy[] = {"usr/libexec/vfioconf/vfioconf-trial-sync",
					  "usr/lib/vfioconf/vfioconf-trial-sync",
					  "usr/local/libexec/vfioconf/vfioconf-trial-sync", NULL};
		tool_mk = root_find(&a->o.scan.sr, im->tool_paths);
		tool_sync = root_find(&a->o.scan.sr, sy);
	}
	if (!tool_mk || !tool_sync) {
		r = trial_refuse(a, xasprintf(_("%s is missing under the root"), !tool_mk ? im->tool : "vfioconf-trial-sync"));
		goto out;
	}
	dir = xasprintf("%s/%s", TRIAL_DIR, id);
	t.dir = dir;
	t.tool_sync = tool_sync;
	for (size_t i = 0; i < base->plan.params.n; i++)
		strv_push(&t.params, base->plan.params.v[i]);
	if (im->prepare && (r = im->prepare(&t)) < 0)
		goto out;
	if ((r = l->prepare(&t)) < 0)
		goto out;
	plan_image(&t, out);
	text = xasprintf("# vfioconf trial %s\nid = %s\nloader = %s\ninitrd = %s\nkernel = %s\nentry = %s\nparams =",
			 id, id, l->name, im->name, t.kver, t.title);
	strbuf_puts(&sb, text);
	free(text);
	for (size_t i = 0; i < t.params.n; i++)
		strbuf_printf(&sb, " %s", t.params.v[i]);
	strbuf_putc(&sb, '\n');
	/* an unattended host: the health check at the trial's boot promotes it */
	if (a->o.promote_on_success)
		strbuf_puts(&sb, "promote = on-success\n");
	trial_put(out, dir, "trial.conf", sb.buf, 0644, _("what the trial is, for its health check"));
	l->plan(&t, out);
	strv_push(&out->params, TRIAL_PARAM);
	/* the sync script's one-shot and, on Proxmox, the ESPs' entries are
	 * out of the journal's sight: a rollback runs it again to take them
	 * away */
	out->rerun_on_rollback = true;
	for (size_t i = 0; i < base->plan.outcome.n; i++)
		strv_push(&out->outcome, base->plan.outcome.v[i]);
	if (l->by_hand) {
		/* TRANSLATORS: the boot loader, the trial's id, where it is
		 * picked ("in the Limine menu"), the kernel, the default
		 * entry's title */
		text = xasprintf(_("%s has no one-shot: pick 'vfioconf trial %s' %s at the next boot; the default entry "
				   "is unchanged. The trial boots kernel %s as the entry '%s' does; if it fails or panics, "
				   "the next boot is the default entry"),
				 l->shown, id, _(l->by_hand), t.kver, t.title);
	} else {
		text = xasprintf(_("the trial boots once, kernel %s as in the entry '%s'; if it fails or panics, the "
				   "next boot is the default entry, unchanged"),
				 t.kver, t.title);
	}
	strv_push(&out->notes, text);
	free(text);
	if (l->by_hand) /* said again as the trial is made */
		/* TRANSLATORS: the boot loader, the trial's id, where it is
		 * picked ("in the Limine menu") */
		log_info(&a->log, _("%s has no one-shot: pick 'vfioconf trial %s' %s at the next boot; the default "
				    "entry is unchanged"),
			 l->shown, id, _(l->by_hand));
out:
	if (l && l->done)
		l->done(&t);
	free(t.kver);
	free(t.title);
	strv_free(&t.params);
	strbuf_free(&sb);
	free(dir);
	free(tool_mk);
	free(tool_sync);
	return r;
}

static char *conf_get(const char *text, const char *key);

char *app_trial_pick(const struct app_trial *t)
{
	const struct trial_loader *l = trial_loader_by_name(t->loader ? t->loader : "grub");

	if (!l || !l->by_hand)
		return NULL;
	/* TRANSLATORS: the trial's id, where it is picked ("in the Limine
	 * menu") */
	return xasprintf(_("pick 'vfioconf trial %s' %s at the next boot; the default entry is unchanged"), t->id,
			 _(l->by_hand));
}

char *app_trial_pick_made(struct app *a, const struct plan *p, const char *id)
{
	char *rel = xasprintf("%s/%s/trial.conf", TRIAL_DIR, id), *text = trial_base_bytes(a, p, rel);
	struct app_trial t = {0};
	char *r;

	snprintf(t.id, sizeof(t.id), "%s", id);
	t.loader = text ? conf_get(text, "loader") : NULL;
	r = t.loader ? app_trial_pick(&t) : NULL;
	free(t.loader);
	free(text);
	free(rel);
	return r;
}

bool app_trial_promote_abort_first(const struct app_trial *t)
{
	const struct trial_loader *l = trial_loader_by_name(t->loader ? t->loader : "grub");

	return l && l->abort_first;
}

/* ---- the trial made: what it is, its health check ---- */

/* "boot/vfioconf/ID/trial.conf" among a transaction's files: ID. */
static bool trial_id_of(const struct tx_info *x, char id[16])
{
	for (size_t f = 0; f < x->files.n; f++) {
		const char *p = x->files.v[f];
		size_t n = strlen(TRIAL_DIR "/");
		if (strncmp(p, TRIAL_DIR "/", n) == 0 && strchr(p + n, '/') &&
		    strcmp(strchr(p + n, '/'), "/trial.conf") == 0 && (size_t)(strchr(p + n, '/') - (p + n)) < 16) {
			snprintf(id, 16, "%.*s", (int)(strchr(p + n, '/') - (p + n)), p + n);
			return true;
		}
	}
	return false;
}

/* "key = value" of a small ini text, owned; NULL when absent. */
static char *conf_get(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (len > kl + 2 && strncmp(l, key, kl) == 0 && strncmp(l + kl, " =", 2) == 0) {
			const char *v = l + kl + 2;
			while (*v == ' ')
				v++;
			return xstrndup(v, len - (size_t)(v - l));
		}
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

int app_trial_find(struct app *a, struct app_trial *out)
{
	struct tx_info *v = NULL;
	size_t n = 0;
	char *p, *text = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = app_history(a, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = n; i > 0 && !out->id[0]; i--) {
		const struct tx_info *x = &v[i - 1];
		if (strcmp(x->kind, "trial") != 0 || strcmp(x->state, "COMMITTED") != 0)
			continue;
		/* undone by id, or taken back with everything by a rollback */
		if (journal_info_undone(v, n, i - 1, true) || !trial_id_of(x, out->id))
			break; /* the last trial was taken back: none now */
		snprintf(out->txid, sizeof(out->txid), "%s", x->id);
		snprintf(out->created, sizeof(out->created), "%s", x->created);
	}
	journal_list_free(v, n);
	if (!out->id[0])
		return -ENOENT;
	p = xasprintf("%s/%s/trial.conf", TRIAL_DIR, out->id);
	if (rooted_read_path(a->o.scan.sr.root, p, 1 << 16, &text, NULL) == 0) {
		out->kernel = conf_get(text, "kernel");
		out->params = conf_get(text, "params");
		out->loader = conf_get(text, "loader");
		char *pr = conf_get(text, "promote");
		out->promote_on_success = pr && strcmp(pr, "on-success") == 0;
		free(pr);
	}
	free(text);
	free(p);
	{
		/* trials made before "loader =" was written were GRUB's */
		const struct trial_loader *l = trial_loader_by_name(out->loader ? out->loader : "grub");
		if (!out->loader)
			out->loader = xstrdup("grub");
		out->loader_shown = l ? l->shown : out->loader;
		out->pending = l && l->pending(a, out->id);
	}
	p = xasprintf("var/lib/vfioconf/trials/%s", out->id);
	if (rooted_read_path(a->o.scan.sr.root, p, 1 << 16, &out->result, NULL) < 0)
		out->result = NULL;
	free(p);
	if (app_scan(a) == 0 && a->inv.host.cmdline) {
		char *want = xasprintf("%s=%s", TRIAL_PARAM, out->id);
		struct cmdline cl;
		cmdline_parse(&cl, a->inv.host.cmdline);
		out->running = cmdline_has(&cl, want);
		cmdline_free(&cl);
		free(want);
	}
	return 0;
}

void app_trial_free(struct app_trial *t)
{
	free(t->kernel);
	free(t->params);
	free(t->loader);
	free(t->result);
	memset(t, 0, sizeof(*t));
}

int app_trial_state(struct app *a, const struct app_trial *t, struct state *st)
{
	char *p = xasprintf("%s/%s/devices.conf", TRIAL_DIR, t->id), *text = NULL;
	int r = rooted_read_path(a->o.scan.sr.root, p, 1 << 20, &text, NULL);

	memset(st, 0, sizeof(*st));
	if (r == 0)
		state_parse(st, text, p, &a->log);
	free(text);
	free(p);
	return r;
}

/* On the live system: the units that failed so far in this boot (the
 * check runs before boot-complete.target), its own left out. */
static void failed_units(struct app *a, struct strv *problems)
{
	char line[512];
	FILE *f;

	if (strcmp(a->o.scan.sr.root, "/") != 0 || access("/run/systemd/system", F_OK) != 0)
		return;
	f = popen("systemctl --failed --no-legend --plain 2>/dev/null", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char unit[256];
		if (sscanf(line, "%255s", unit) == 1 && strcmp(unit, "vfioconf-trial-check.service") != 0) {
			char *m = xasprintf("unit %s failed", unit);
			strv_push(problems, m);
			free(m);
		}
	}
	if (f)
		pclose(f);
}

int app_trial_check(struct app *a, const struct app_trial *t, struct strv *problems)
{
	struct state st;
	struct strv params = {0};
	struct status_report r;
	struct strbuf rec = {0};
	char when[32], *rel;
	time_t now = time(NULL);
	int e;

	if ((e = app_scan(a)) < 0)
		return e;
	if (!t->running) {
		/* nothing to judge, and the trial's own verdict stays on record */
		strv_push(problems, "this boot is not the trial (no vfioconf.trial= on the command line)");
		return 1;
	}
	if ((e = app_trial_state(a, t, &st)) < 0) {
		strv_push(problems, "the trial's devices.conf cannot be read");
	} else {
		if (t->params)
			cmdline_split(t->params, &params);
		status_check(&a->inv, &st, &params, &r);
		if (!r.iommu)
			strv_push(problems, "the IOMMU is off");
		if (a->inv.host.irq_remap == IRQ_REMAP_OFF)
			strv_push(problems, "interrupt remapping is off");
		for (size_t i = 0; i < r.n_dev; i++) {
			const struct status_device *s = &r.dev[i];
			char *m = NULL;
			if (!s->present)
				m = xasprintf("%s: no device at this address", s->sd->addr);
			else if (!s->fingerprint)
				m = xasprintf("%s: another card is in this slot", s->sd->addr);
			else if (!s->on_vfio)
				m = xasprintf("%s: on %s, not on %s", s->sd->addr, s->d->driver ? s->d->driver : "no driver",
					      s->sd->driver[0] ? s->sd->driver : "vfio-pci");
			if (m)
				strv_push(problems, m);
			free(m);
		}
		for (size_t i = 0; i < r.n_params; i++)
			if (!r.params[i].present) {
				char *m = xasprintf("kernel parameter %s is missing", r.params[i].param);
				strv_push(problems, m);
				free(m);
			}
		status_report_free(&r);
		state_free(&st);
	}
	strv_free(&params);
	failed_units(a, problems);
	/* the verdict where trial status finds it, outside the journal's files */
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	strbuf_printf(&rec, "result = %s\nchecked = %s\n", problems->n ? "failed" : "passed", when);
	for (size_t i = 0; i < problems->n; i++)
		strbuf_printf(&rec, "problem = %s\n", problems->v[i]);
	rel = xasprintf("var/lib/vfioconf/trials/%s", t->id);
	e = atomic_write(a->o.scan.sr.root, rel, rec.buf, rec.len, 0644, 0, 0, "trial-result", t->id);
	if (e < 0)
		log_error(&a->log, "%s/%s: %s", a->o.scan.sr.root, rel, strerror(-e));
	free(rel);
	strbuf_free(&rec);
	return e < 0 ? e : problems->n ? 1 : 0;
}
