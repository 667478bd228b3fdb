/* cmd_plan.c - `vfioconf plan`: a selection as unified diffs and commands.
 * Nothing is written.
 */
#include "config.h"

#include "core/i18n.h"
#include "tui/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The app's word on the flags, in the user's language. */
static void say_select_error(const struct app_select_error *e)
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

int cli_build_plan(struct cli *cli, struct app_plan *p)
{
	struct app *a = cli->app;
	struct app_select args = {.select = cli->select, .groups = &cli->groups,
				  .take_from_host = cli->take_from_host};
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
	if (app_scan(a) < 0) {
		report_log(&a->log);
		return EXIT_FAIL;
	}
	sel = xcalloc(a->inv.n_devices ? a->inv.n_devices : 1, sizeof(bool));
	confirmed = xcalloc(a->inv.n_devices ? a->inv.n_devices : 1, sizeof(bool));
	if (app_select(a, &args, sel, confirmed, &err) < 0) {
		say_select_error(&err);
		rc = EXIT_USAGE;
	} else {
		app_plan(a, sel, confirmed, cli->enable_iommu, p);
		rc = p->refused ? EXIT_FAIL : EXIT_OK;
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
		printf(plan->refusals.n  ? _("Bind no device: what was selected is refused (below).\n")
		       : want->params.n ? _("Bind no device; only turn the IOMMU on.\n")
					: _("Bind no device: take out everything vfioconf set up.\n"));
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
			report_log(&a->log);
			rc = EXIT_FAIL;
		} else if (cli->json) {
			plan_render_json(&tp.plan, &out);
			fputs(out.buf, stdout);
		} else {
			printf(_("Trial boot %s: what it would write and run (nothing is written; 'vfioconf apply "
				 "--trial' does it).\n"),
			       id);
			cli_print_plan(&a->inv, &tp);
		}
		plan_free(&tp.plan);
	} else if (cli->json) {
		plan_render_json(&p.plan, &out);
		fputs(out.buf, stdout);
	} else if (cli->diff_only) {
		plan_render_diff(&p.plan, &out);
		fputs(strbuf_str(&out), stdout);
	} else {
		cli_print_plan(&a->inv, &p);
	}
	strbuf_free(&out);
	app_plan_free(&p);
	return rc;
}
