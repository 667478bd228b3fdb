/* cmd_plan.c - `vfioconf plan`: a selection as unified diffs and commands.
 * Nothing is written.
 */
#include "config.h"

#include "core/i18n.h"
#include "core/json.h"
#include "core/match.h"
#include "tui/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_say_select_error(const struct app_select_error *e)
{
	switch (e->kind) {
	case SELECT_NOT_ADDRESS:
		fprintf(stderr, _("%s: --select: '%s' is not a PCI address (like 0000:01:00.0)\n"), PACKAGE, e->arg);
		break;
	case SELECT_NO_DEVICE:
		fprintf(stderr, _("%s: --select: no device %s on this machine (see 'vfioconf list')\n"), PACKAGE,
			e->arg);
		break;
	case SELECT_NO_GROUP:
		fprintf(stderr, _("%s: --group: no IOMMU group '%s' on this machine\n"), PACKAGE, e->arg);
		break;
	case SELECT_BAD_MATCH:
		fprintf(stderr, _("%s: --match '%s': %s\n"), PACKAGE, e->arg, e->msg);
		break;
	case SELECT_NO_MATCH:
		fprintf(stderr, _("%s: --match '%s' names no device on this machine (--expect 0 allows that)\n"),
			PACKAGE, e->arg);
		break;
	case SELECT_NOTHING_NAMED:
		fprintf(stderr, _("%s: --add and --remove need devices: --select, --match or --group\n"), PACKAGE);
		break;
	case SELECT_EXPECT: /* a refusal in the plan (cli_build_plan) */
		break;
	case TAKE_NO_DEVICE:
		fprintf(stderr, _("%s: --take-from-host: no device '%s' on this machine\n"), PACKAGE, e->arg);
		break;
	case TAKE_NOT_FULL:
		fprintf(stderr, _("%s: --take-from-host: type the full address, %s\n"), PACKAGE, e->full);
		break;
	case TAKE_NOT_CRITICAL:
		fprintf(stderr, _("%s: --take-from-host: %s is not a device the host needs, nor in a group with the "
			  "chipset's functions; --select is enough\n"),
			PACKAGE, e->arg);
		break;
	case TAKE_NOT_SELECTED:
		fprintf(stderr, _("%s: --take-from-host: %s is not selected; add it to --select\n"), PACKAGE, e->arg);
		break;
	case SELECT_OK:
		break;
	}
}

static void print_list(const char *title, const struct strv *sv)
{
	if (!sv->n)
		return;
	printf("%s\n", title);
	for (size_t i = 0; i < sv->n; i++)
		printf("  %s\n", sv->v[i]);
}

/* The devices each --match spec names (the specs parsed already). */
static void each_match(const struct inventory *inv, const struct strv *specs,
		       void (*fn)(void *data, size_t spec, const struct device *d), void *data)
{
	for (size_t s = 0; s < specs->n; s++) {
		struct match m;
		char err[160];
		if (match_parse(specs->v[s], &m, err, sizeof(err)) < 0)
			continue;
		for (size_t i = 0; i < inv->n_devices; i++)
			if (match_device(&m, &inv->devices[i]))
				fn(data, s, &inv->devices[i]);
		match_free(&m);
	}
}

static void say_match(void *data, size_t spec, const struct device *d)
{
	struct strbuf *sb = data;
	(void)spec;
	strbuf_printf(sb, "%s%s (%s [%04x:%04x])", sb->len ? ", " : "", d->addr_str,
		      d->device_name ? d->device_name : "?", d->vendor, d->device);
}

char *cli_expect_refusal(const struct cli *cli, const struct app_select_error *err)
{
	struct strbuf names = {0};
	char *msg;

	each_match(&cli->app->inv, &cli->matches, say_match, &names);
	msg = xasprintf(P_("--expect %ld, but --match names %zu device here: %s",
			   "--expect %ld, but --match names %zu devices here: %s", err->count),
			cli->expect, err->count, names.len ? names.buf : _("none"));
	strbuf_free(&names);
	return msg;
}

int cli_select(struct cli *cli, bool **sel, bool **confirmed, struct app_select_error *err)
{
	struct app *a = cli->app;
	struct app_select args = {.select = cli->select, .groups = &cli->groups, .matches = &cli->matches,
				  .expect = cli->expect, .mode = cli->mode,
				  .take_from_host = cli->take_from_host};
	size_t n;

	*sel = *confirmed = NULL;
	memset(err, 0, sizeof(*err));
	if (app_scan(a) < 0) {
		report_log(&a->log);
		return EXIT_FAIL;
	}
	n = a->inv.n_devices ? a->inv.n_devices : 1;
	*sel = xcalloc(n, sizeof(bool));
	*confirmed = xcalloc(n, sizeof(bool));
	if (app_select(a, &args, *sel, *confirmed, err) == 0)
		return EXIT_OK;
	if (err->kind == SELECT_EXPECT)
		return EXIT_REFUSED;
	cli_say_select_error(err);
	return EXIT_USAGE;
}

int cli_build_plan(struct cli *cli, struct app_plan *p)
{
	struct app *a = cli->app;
	struct app_select_error err;
	const char *which;
	bool *sel, *confirmed;
	int rc;

	memset(p, 0, sizeof(*p));
	if (cli->argc > 0) {
		fprintf(stderr, _("%s: unexpected argument '%s' (use --select ADDR,...)\n"), PACKAGE, cli->argv[0]);
		return EXIT_USAGE;
	}
	if (app_check_backend_names(a, &which) < 0) {
		if (strcmp(which, "bootloader") == 0)
			fprintf(stderr, _("%s: unknown --bootloader '%s'; 'vfioconf list --backends' names them\n"),
				PACKAGE, a->o.bootloader);
		else
			fprintf(stderr, _("%s: unknown --initramfs '%s'; 'vfioconf list --backends' names them\n"),
				PACKAGE, a->o.initramfs);
		return EXIT_USAGE;
	}
	rc = cli_select(cli, &sel, &confirmed, &err);
	if (rc == EXIT_REFUSED) {
		/* the plan is refused, and says what the specs name, so the
		 * playbook's author sees which host differs and how */
		char *msg = cli_expect_refusal(cli, &err);
		strv_push(&p->plan.refusals, msg);
		p->refused = true;
		free(msg);
	} else if (rc == EXIT_OK) {
		app_plan(a, sel, confirmed, cli->enable_iommu, p);
		rc = p->refused ? EXIT_REFUSED : EXIT_OK;
	}
	free(sel);
	free(confirmed);
	return rc;
}

void cli_print_plan(const struct inventory *inv, const struct app_plan *p)
{
	const struct intent *want = &p->want;
	const struct plan *plan = &p->plan;
	struct strbuf out = {0};

	/* what it comes to, first; then how */
	print_list(_("After reboot:"), &plan->outcome);
	if (want->n_dev) {
		printf(P_("Bind %zu device to vfio-pci:\n", "Bind %zu devices to vfio-pci:\n", want->n_dev),
		       want->n_dev);
		for (size_t i = 0; i < want->n_dev; i++) {
			const struct device *d = &inv->devices[want->dev[i].idx];
			printf("  %s %s [%04x:%04x]  ", d->addr_str, d->device_name ? d->device_name : "?",
			       d->vendor, d->device);
			if (want->dev[i].driver)
				printf(_("by address, to %s (its vfio variant driver)\n"), want->dev[i].driver);
			else
				puts(want->dev[i].method == BIND_IDS ? _("by ID") : _("by address (its ID is shared)"));
		}
	} else {
		fputs(report_bind_none(p), stdout);
	}
	print_list(_("Backends:"), &plan->backends);
	print_list(_("Refused:"), &plan->refusals);
	print_list(_("Warnings:"), &plan->warnings);
	print_list(_("Notes:"), &plan->notes);
	putchar('\n');
	if (plan_empty(plan) && plan->refusals.n) {
		printf(_("Refused: nothing changes.\n"));
	} else if (plan_empty(plan)) {
		printf(_("Nothing to do: the system already looks like this.\n"));
	} else {
		plan_render_text(plan, &out);
		fputs(out.buf, stdout);
	}
	strbuf_free(&out);
}

void cli_json_begin(struct json *j, struct strbuf *out, const char *command)
{
	json_init(j, out, true);
	json_obj_begin(j);
	json_kint(j, "schema", CLI_JSON_SCHEMA);
	json_kstr(j, "command", command);
}

void cli_json_end(struct json *j, struct strbuf *out)
{
	json_obj_end(j);
	strbuf_putc(out, '\n');
	fputs(out->buf, stdout);
	fflush(stdout);
}

void cli_json_messages(struct json *j, const struct log *a, const struct log *b)
{
	json_key(j, "messages");
	json_arr_begin(j);
	for (size_t i = 0; a && i < a->n; i++)
		json_str(j, a->e[i].msg);
	for (size_t i = 0; b && i < b->n; i++)
		json_str(j, b->e[i].msg);
	json_arr_end(j);
}

static void json_match(void *data, size_t spec, const struct device *d)
{
	(void)spec;
	json_str(data, d->addr_str);
}

void cli_plan_json_members(struct json *j, const struct cli *cli, const struct app_plan *p, const char *trial)
{
	const struct inventory *inv = &cli->app->inv;

	json_kbool(j, "changed", !p->refused && !plan_empty(&p->plan));
	json_kbool(j, "refused", p->refused);
	json_kstr(j, "trial", trial);
	json_key(j, "devices");
	json_arr_begin(j);
	for (size_t i = 0; i < p->want.n_dev; i++) {
		const struct intent_device *w = &p->want.dev[i];
		const struct device *d = &inv->devices[w->idx];
		char id[16];
		json_obj_begin(j);
		json_kstr(j, "address", d->addr_str);
		snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
		json_kstr(j, "id", id);
		json_kstr(j, "name", d->device_name);
		json_kstr(j, "driver", w->driver ? w->driver : "vfio-pci");
		json_kstr(j, "method", w->driver ? "variant" : w->method == BIND_IDS ? "ids" : "address");
		json_kbool(j, "taken_from_host", w->taken_from_host);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "matches");
	json_arr_begin(j);
	for (size_t s = 0; s < cli->matches.n; s++) {
		struct strv one = {0};
		strv_push(&one, cli->matches.v[s]);
		json_obj_begin(j);
		json_kstr(j, "spec", cli->matches.v[s]);
		json_key(j, "devices");
		json_arr_begin(j);
		each_match(inv, &one, json_match, j);
		json_arr_end(j);
		json_obj_end(j);
		strv_free(&one);
	}
	json_arr_end(j);
	plan_json_members(&p->plan, j);
}

int cmd_plan(struct cli *cli)
{
	struct app *a = cli->app;
	struct app_plan p;
	struct strbuf out = {0};
	int rc;

	rc = cli_build_plan(cli, &p);
	if (rc == EXIT_USAGE || (rc == EXIT_FAIL && !a->scanned)) {
		app_plan_free(&p);
		return rc;
	}
	report_log(&a->log);
	report_log(&p.log);
	if (cli->trial && rc == EXIT_OK) {
		struct app_plan tp = {.want = p.want};
		char id[16];
		log_free(&a->log);
		if (app_trial_plan(a, &p, &tp.plan, id) < 0) {
			/* no trial here, and why: a refusal like the plan's own */
			report_log(&a->log);
			rc = EXIT_REFUSED;
		} else if (cli->json) {
			struct json j;
			cli_json_begin(&j, &out, "plan");
			cli_plan_json_members(&j, cli, &tp, id);
			cli_json_messages(&j, &cli->app->log, &p.log);
			cli_json_end(&j, &out);
		} else {
			printf(_("Trial boot %s: what it would write and run (nothing is written; 'vfioconf apply "
				 "--trial' does it).\n"),
			       id);
			cli_print_plan(&a->inv, &tp);
		}
		plan_free(&tp.plan);
	} else if (cli->json) {
		struct json j;
		cli_json_begin(&j, &out, "plan");
		cli_plan_json_members(&j, cli, &p, NULL);
		cli_json_messages(&j, &cli->app->log, &p.log);
		cli_json_end(&j, &out);
	} else if (cli->diff_only) {
		plan_render_diff(&p.plan, &out);
		fputs(strbuf_str(&out), stdout);
	} else {
		cli_print_plan(&a->inv, &p);
	}
	if (rc == EXIT_OK && plan_empty(&p.plan))
		rc = EXIT_NOTHING;
	strbuf_free(&out);
	app_plan_free(&p);
	return rc;
}
