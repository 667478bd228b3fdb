/* app.c - the application context: settings, devices.conf, the scan, the
 * backends, selections and plans. Transactions and status: app_tx.c. */
#include "config.h"

#include "app/app.h"
#include "backends/sys/rooted.h"
#include "backends/sys/sysroot.h"
#include "backends/scan/config_scan.h"
#include "core/analysis.h"
#include "core/cmdline.h"
#include "core/param_review.h"
#include "core/match.h"
#include "core/selection.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void app_init(struct app *a, const struct app_opts *o)
{
	char *path, *text = NULL;
	int r;

	memset(a, 0, sizeof(*a));
	a->o = *o;
	settings_defaults(&a->settings);
	path = path_join(o->scan.sr.root, "etc/vfioconf/vfioconf.conf");
	/* beneath the root: a link out of it reads nothing of the host */
	r = rooted_read_path(o->scan.sr.root, "etc/vfioconf/vfioconf.conf", 1 << 20, &text, NULL);
	if (r == 0)
		settings_parse(&a->settings, text, path, &a->log);
	else if (r != -ENOENT)
		log_warn(&a->log, "%s: %s; using defaults", path, strerror(-r));
	free(text);
	free(path);
	a->state_path = path_join(o->scan.sr.root, STATE_PATH);
}

static const char *bind_helper(const struct sysroot *sr);

const struct eff_device *app_effective(struct app *a)
{
	const struct backend *boot;
	struct strv ours = {0};
	struct config_scan_opts o = {.sr = &a->o.scan.sr};
	struct log quiet = {0};

	if (a->eff_dev)
		return a->eff_dev;
	app_state(a);
	boot = backend_choose(boot_backends, a->o.bootloader, &a->o.scan.sr, NULL);
	/* kernel parameters vfioconf added, as devices.conf records them */
	for (size_t i = 0; i < a->state.added.values.n; i++)
		cmdline_split(a->state.added.values.v[i], &ours);
	o.cmdline_files = boot ? boot->cmdline_files : NULL;
	o.our_params = &ours;
	o.bind_helper = bind_helper(&a->o.scan.sr);
	config_scan(&o, &a->inv, &a->eff, &quiet);
	log_free(&quiet);
	a->eff_dev = xcalloc(a->inv.n_devices ? a->inv.n_devices : 1, sizeof(*a->eff_dev));
	effective_compute(&a->inv, &a->eff, a->state_loaded == 1 ? &a->state : NULL, a->eff_dev);
	strv_free(&ours);
	return a->eff_dev;
}

void app_param_review(struct app *a, struct strv *out)
{
	app_effective(a);
	param_review(&a->inv.host, &a->eff, a->inv.host.cmdline, out);
}

bool app_by_hand(const struct eff_device *d)
{
	return d->driver && strcmp(d->driver, "vfio-pci") == 0 && d->why && !d->why->ours &&
	       (d->how == EFF_BY_IDS || d->how == EFF_BY_DRIVERCTL);
}

void app_forget_effective(struct app *a)
{
	eff_config_free(&a->eff);
	free(a->eff_dev);
	a->eff_dev = NULL;
}

void app_free(struct app *a)
{
	app_journal_close(a);
	settings_free(&a->settings);
	log_free(&a->log);
	inventory_free(&a->inv);
	if (a->state_loaded == 1)
		state_free(&a->state);
	journal_evidence_free(a->evidence);
	app_forget_effective(a);
	free(a->state_path);
	memset(a, 0, sizeof(*a));
}

int app_scan(struct app *a)
{
	int r;

	if (a->scanned)
		return 0;
	r = scan_system(&a->o.scan, &a->inv, &a->log);
	if (r == 0)
		a->scanned = true;
	return r;
}

int app_state(struct app *a)
{
	char *text = NULL;
	int r;

	if (a->state_loaded)
		return a->state_loaded < 0 ? a->state_loaded : 0;
	r = rooted_read_path(a->o.scan.sr.root, STATE_PATH, 1u << 20, &text, NULL);
	if (r == 0) {
		state_parse(&a->state, text, a->state_path, &a->log);
		a->state_loaded = 1;
	} else {
		memset(&a->state, 0, sizeof(a->state));
		a->state_loaded = r;
	}
	free(text);
	return r;
}

/* ---- backends ---- */

int app_check_backend_names(const struct app *a, const char **which)
{
	if (a->o.bootloader && !backend_by_name(boot_backends, a->o.bootloader)) {
		*which = "bootloader";
		return -EINVAL;
	}
	if (a->o.initramfs && !backend_by_name(initramfs_backends, a->o.initramfs)) {
		*which = "initramfs";
		return -EINVAL;
	}
	return 0;
}

void app_backends_chosen(const struct app *a, const char **boot, const char **initrd)
{
	const struct backend *b = backend_choose(boot_backends, a->o.bootloader, &a->o.scan.sr, NULL);
	const struct backend *i = backend_choose(initramfs_backends, a->o.initramfs, &a->o.scan.sr, NULL);

	*boot = b ? b->name : NULL;
	*initrd = i ? i->name : NULL;
}

void app_backends_survey(const struct app *a, struct app_backends *out)
{
	out->n_boot = backend_survey(boot_backends, a->o.bootloader, &a->o.scan.sr, &out->boot);
	out->n_initrd = backend_survey(initramfs_backends, a->o.initramfs, &a->o.scan.sr, &out->initrd);
}

void app_backends_free(struct app_backends *b)
{
	backend_survey_free(b->boot, b->n_boot);
	backend_survey_free(b->initrd, b->n_initrd);
	memset(b, 0, sizeof(*b));
}

/* ---- selections ---- */

static int select_error(struct app_select_error *err, int kind, const char *arg, const char *full)
{
	err->kind = kind;
	snprintf(err->arg, sizeof(err->arg), "%s", arg ? arg : "");
	snprintf(err->full, sizeof(err->full), "%s", full ? full : "");
	return -EINVAL;
}

/* --take-from-host: each address typed in full, selected, and host-critical
 * or in a group with the chipset's functions. */
static int confirm_taken(const struct inventory *inv, const char *list, const bool *sel, bool *confirmed,
			 struct app_select_error *err)
{
	char *copy = xstrdup(list), *save = NULL;
	int r = 0;

	for (char *a = strtok_r(copy, ",", &save); a && !r; a = strtok_r(NULL, ",", &save)) {
		struct device *d = inventory_find_str(inv, a);
		if (!d)
			r = select_error(err, TAKE_NO_DEVICE, a, NULL);
		else if (strcmp(a, d->addr_str) != 0)
			r = select_error(err, TAKE_NOT_FULL, a, d->addr_str);
		else if (!(d->flags & DEV_HOST_CRITICAL) && analysis_group_platform(inv, d) < 0)
			r = select_error(err, TAKE_NOT_CRITICAL, a, d->addr_str);
		else if (!sel[d - inv->devices])
			r = select_error(err, TAKE_NOT_SELECTED, a, d->addr_str);
		else
			confirmed[d - inv->devices] = true;
	}
	free(copy);
	return r;
}

static int select_addresses(const struct inventory *inv, const char *list, bool *sel,
			    struct app_select_error *err)
{
	char *copy = xstrdup(list), *save = NULL;
	int r = 0;

	if (strcmp(copy, "none") != 0)
		for (char *a = strtok_r(copy, ",", &save); a && !r; a = strtok_r(NULL, ",", &save)) {
			struct device *d = inventory_find_str(inv, a);
			struct pci_addr pa;
			if (pci_addr_parse(a, &pa) < 0)
				r = select_error(err, SELECT_NOT_ADDRESS, a, NULL);
			else if (!d)
				r = select_error(err, SELECT_NO_DEVICE, a, NULL);
			else
				sel[d - inv->devices] = true;
		}
	free(copy);
	return r;
}

/* Devices a hand-made setup binds to vfio-pci: they start selected, so
 * that taking the setup over loses none of them. */
static void select_by_hand(struct app *a, bool *sel)
{
	const struct eff_device *e = app_effective(a);

	for (size_t i = 0; i < a->inv.n_devices; i++)
		if (app_by_hand(&e[i]))
			sel[i] = true;
}

/* --match: every spec parsed (the first bad one is the error), the
 * devices any of them names ticked in named, how many in *count. A spec
 * that names nothing is an error unless a count is expected (--expect 0
 * is how a playbook says "none here"). */
static int select_matches(const struct inventory *inv, const struct strv *specs, bool expecting, bool *named,
			  size_t *count, struct app_select_error *err)
{
	*count = 0;
	for (size_t s = 0; specs && s < specs->n; s++) {
		struct match m;
		size_t hits = 0;
		if (match_parse(specs->v[s], &m, err->msg, sizeof(err->msg)) < 0)
			return select_error(err, SELECT_BAD_MATCH, specs->v[s], NULL);
		for (size_t i = 0; i < inv->n_devices; i++)
			if (match_device(&m, &inv->devices[i])) {
				hits++;
				*count += !named[i];
				named[i] = true;
			}
		match_free(&m);
		if (!hits && !expecting)
			return select_error(err, SELECT_NO_MATCH, specs->v[s], NULL);
	}
	return 0;
}

int app_select(struct app *a, const struct app_select *args, bool *sel, bool *confirmed,
	       struct app_select_error *err)
{
	const struct inventory *inv = &a->inv;
	bool named_any = args->select || (args->groups && args->groups->n) || (args->matches && args->matches->n);
	size_t n = inv->n_devices ? inv->n_devices : 1, count = 0;
	bool *named = xcalloc(n, sizeof(bool));
	int r = 0;

	memset(err, 0, sizeof(*err));
	if (args->mode != APP_SELECT_SET && !named_any) {
		r = select_error(err, SELECT_NOTHING_NAMED, NULL, NULL);
		goto out;
	}
	if (args->select && (r = select_addresses(inv, args->select, named, err)) < 0)
		goto out;
	for (size_t g = 0; args->groups && g < args->groups->n; g++) {
		unsigned long id;
		const struct iommu_group *grp;
		if (str_to_ulong(args->groups->v[g], 10, 1u << 30, &id) < 0 ||
		    !(grp = inventory_group(inv, (int)id))) {
			r = select_error(err, SELECT_NO_GROUP, args->groups->v[g], NULL);
			goto out;
		}
		for (size_t k = 0; k < grp->n_members; k++)
			if (!(inv->devices[grp->members[k]].flags & DEV_BRIDGE))
				named[grp->members[k]] = true;
	}
	if (args->matches && args->matches->n) {
		/* --expect counts the devices the specs name, before the
		 * functions that come along with them */
		bool *matched = xcalloc(n, sizeof(bool));
		r = select_matches(inv, args->matches, args->expect >= 0, matched, &count, err);
		if (r == 0 && args->expect >= 0 && count != (size_t)args->expect) {
			r = select_error(err, SELECT_EXPECT, NULL, NULL);
			err->count = count;
		}
		for (size_t i = 0; i < inv->n_devices; i++)
			named[i] = named[i] || matched[i];
		free(matched);
		if (r < 0)
			goto out;
	}
	if (!named_any || args->mode != APP_SELECT_SET) {
		/* start from what is configured now, by vfioconf or by hand */
		struct strv missing = {0};
		if (app_state(a) == 0)
			selection_from_state(inv, &a->state, sel, confirmed, &missing);
		for (size_t i = 0; i < missing.n; i++)
			log_warn(&a->log, "%s: %s is configured but not on this machine now", a->state_path,
				 missing.v[i]);
		strv_free(&missing);
		select_by_hand(a, sel);
	}
	for (size_t i = 0; i < inv->n_devices; i++) {
		if (!named[i])
			continue;
		if (args->mode == APP_SELECT_REMOVE)
			/* with the other functions of its card, as the screen unticks */
			selection_tick(inv, sel, confirmed, i, false);
		else
			sel[i] = true;
	}
	if (args->take_from_host)
		r = confirm_taken(inv, args->take_from_host, sel, confirmed, err);
out:
	free(named);
	return r;
}

void app_select_state(struct app *a, bool *sel, bool *confirmed)
{
	app_state(a);
	selection_from_state(&a->inv, &a->state, sel, confirmed, NULL);
	select_by_hand(a, sel);
}

/* ---- plans ---- */

/* Where vfioconf-bind lives on the target: the first installed one, else
 * where this build installs it. */
static const char *bind_helper(const struct sysroot *sr)
{
	static const char *const paths[] = {
		"usr/libexec/vfioconf/vfioconf-bind", "usr/lib/vfioconf/vfioconf-bind",
		"usr/local/libexec/vfioconf/vfioconf-bind", NULL};
	static char found[256];
	char *p = root_find(sr, paths);

	if (!p)
		return BIND_HELPER;
	snprintf(found, sizeof(found), "%s", p);
	free(p);
	return found;
}

const char *app_bind_helper(const struct app *a)
{
	return bind_helper(&a->o.scan.sr);
}

/* The journal's word on a token devices.conf's [added] names. */
static bool added_by_vfioconf(void *data, const char *path, const char *token)
{
	struct app *a = data;
	char *res = NULL;
	bool r;

	if (root_resolve(a->o.scan.sr.root, path, &res) < 0)
		res = xstrdup(path);
	r = journal_evidence_added(a->evidence, res, token);
	free(res);
	return r;
}

void app_plan(struct app *a, const bool *sel, const bool *confirmed, bool enable_iommu, struct app_plan *out)
{
	struct planner_opts po = {.bootloader = a->o.bootloader, .initramfs = a->o.initramfs};
	int r;

	memset(out, 0, sizeof(*out));
	app_state(a);
	po.prev = &a->state;
	po.bind_helper = bind_helper(&a->o.scan.sr);
	/* without a journal (or the right to read it) devices.conf is all
	 * there is; with one, it has the last word */
	journal_evidence_free(a->evidence);
	a->evidence = NULL;
	if (journal_evidence_open(a->o.scan.sr.root, &a->evidence) == 0) {
		po.added = added_by_vfioconf;
		po.added_data = a;
	}
	/* booted with the IOMMU's parameter and the IOMMU still off: the
	 * firmware is what is missing, and the parameter is what the next step
	 * needs; a plan never takes it out then (nor adds it unasked before) */
	enable_iommu = enable_iommu || (!inventory_iommu_enabled(&a->inv) && host_booted_with_iommu_param(&a->inv.host));
	intent_build(&a->inv, &a->settings, sel, confirmed, enable_iommu, &out->want);
	r = planner_run(&a->o.scan.sr, &a->inv, &a->settings, &out->want, &po, &out->plan, &out->log);
	out->refused = r < 0 || out->plan.refusals.n;
}

void app_plan_free(struct app_plan *p)
{
	intent_free(&p->want);
	plan_free(&p->plan);
	log_free(&p->log);
}
