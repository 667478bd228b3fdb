/* cmd_plan.c - `vfioconf plan`: a selection as unified diffs and commands.
 * Nothing is written.
 */
#include "config.h"

#include "backends/boot/planner.h"
#include "core/i18n.h"
#include "core/intent.h"
#include "tui/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where vfioconf-bind lives on the target: the first installed one, else
 * where this build installs it. */
const char *cli_bind_helper(const struct sysroot *sr)
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

/* --take-from-host: each address typed in full, host-critical, selected. */
static int confirm_taken(struct cli *cli, const struct inventory *inv, const bool *sel, bool *confirmed)
{
	char *copy = xstrdup(cli->take_from_host), *save = NULL;
	int rc = 0;

	for (char *a = strtok_r(copy, ",", &save); a && !rc; a = strtok_r(NULL, ",", &save)) {
		struct device *d = inventory_find_str(inv, a);
		if (!d) {
			fprintf(stderr, _("%s: --take-from-host: no device '%s' on this machine\n"), PACKAGE, a);
			rc = EXIT_USAGE;
		} else if (strcmp(a, d->addr_str) != 0) {
			fprintf(stderr, _("%s: --take-from-host: type the full address, %s\n"), PACKAGE, d->addr_str);
			rc = EXIT_USAGE;
		} else if (!(d->flags & DEV_HOST_CRITICAL)) {
			fprintf(stderr, _("%s: --take-from-host: %s is not a device the host needs; --select is enough\n"),
				PACKAGE, a);
			rc = EXIT_USAGE;
		} else if (!sel[d - inv->devices]) {
			fprintf(stderr, _("%s: --take-from-host: %s is not selected; add it to --select\n"), PACKAGE, a);
			rc = EXIT_USAGE;
		} else {
			confirmed[d - inv->devices] = true;
		}
	}
	free(copy);
	return rc;
}

/* Selected devices from --select/--group, or from the state file (with the
 * host-critical ones confirmed then). Returns 0, or EXIT_USAGE after
 * printing what was wrong. */
static int build_selection(struct cli *cli, const struct inventory *inv, bool *sel, bool *confirmed)
{
	bool any = false;

	if (cli->select) {
		char *copy = xstrdup(cli->select), *save = NULL;
		any = true;
		if (strcmp(copy, "none") != 0)
			for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
				struct device *d = inventory_find_str(inv, a);
				struct pci_addr pa;
				if (pci_addr_parse(a, &pa) < 0) {
					fprintf(stderr, _("%s: --select: '%s' is not a PCI address (like 0000:01:00.0)\n"),
						PACKAGE, a);
					free(copy);
					return EXIT_USAGE;
				}
				if (!d) {
					fprintf(stderr, _("%s: --select: no device %s on this machine (see 'vfioconf list')\n"),
						PACKAGE, a);
					free(copy);
					return EXIT_USAGE;
				}
				sel[d - inv->devices] = true;
			}
		free(copy);
	}
	for (size_t g = 0; g < cli->groups.n; g++) {
		unsigned long id;
		const struct iommu_group *grp;
		any = true;
		if (str_to_ulong(cli->groups.v[g], 10, 1u << 30, &id) < 0 ||
		    !(grp = inventory_group(inv, (int)id))) {
			fprintf(stderr, _("%s: --group: no IOMMU group '%s' on this machine\n"), PACKAGE,
				cli->groups.v[g]);
			return EXIT_USAGE;
		}
		for (size_t k = 0; k < grp->n_members; k++)
			if (!(inv->devices[grp->members[k]].flags & DEV_BRIDGE))
				sel[grp->members[k]] = true;
	}
	if (!any) {
		/* re-plan what is configured now */
		char *full = path_join(cli->scan.sr.root, STATE_PATH), *text = NULL;
		struct state st;
		if (read_file(full, 1u << 20, &text, NULL) == 0) {
			state_parse(&st, text, full, &cli->log);
			for (size_t i = 0; i < st.n_dev; i++) {
				struct device *d = inventory_find_str(inv, st.dev[i].addr);
				if (d) {
					sel[d - inv->devices] = true;
					confirmed[d - inv->devices] = st.dev[i].taken_from_host;
				} else
					log_warn(&cli->log, "%s: %s is configured but not on this machine now",
						 full, st.dev[i].addr);
			}
			state_free(&st);
		}
		free(text);
		free(full);
	}
	return cli->take_from_host ? confirm_taken(cli, inv, sel, confirmed) : 0;
}

static void print_list(const char *title, const struct strv *sv)
{
	if (!sv->n)
		return;
	printf("%s\n", title);
	for (size_t i = 0; i < sv->n; i++)
		printf("  %s\n", sv->v[i]);
}

int cli_build_plan(struct cli *cli, struct inventory *inv, struct intent *want, struct plan *plan)
{
	struct planner_opts po = {.bootloader = cli->bootloader, .initramfs = cli->initramfs};
	bool *sel, *confirmed;
	int r, rc;

	if (cli->argc > 0) {
		fprintf(stderr, _("%s: unexpected argument '%s' (use --select ADDR,...)\n"), PACKAGE, cli->argv[0]);
		return EXIT_USAGE;
	}
	if (cli->bootloader && !backend_by_name(boot_backends, cli->bootloader)) {
		fprintf(stderr, _("%s: unknown --bootloader '%s'; 'vfioconf list --backends' names them\n"),
			PACKAGE, cli->bootloader);
		return EXIT_USAGE;
	}
	if (cli->initramfs && !backend_by_name(initramfs_backends, cli->initramfs)) {
		fprintf(stderr, _("%s: unknown --initramfs '%s'; 'vfioconf list --backends' names them\n"),
			PACKAGE, cli->initramfs);
		return EXIT_USAGE;
	}
	r = scan_system(&cli->scan, inv, &cli->log);
	if (r < 0) {
		cli_print_log(&cli->log);
		return EXIT_FAIL;
	}
	sel = xcalloc(inv->n_devices ? inv->n_devices : 1, sizeof(bool));
	confirmed = xcalloc(inv->n_devices ? inv->n_devices : 1, sizeof(bool));
	rc = build_selection(cli, inv, sel, confirmed);
	if (rc == EXIT_OK) {
		intent_build(inv, &cli->settings, sel, confirmed, cli->enable_iommu, want);
		po.bind_helper = cli_bind_helper(&cli->scan.sr);
		r = planner_run(&cli->scan.sr, inv, &cli->settings, want, &po, plan, &cli->log);
		rc = r < 0 || plan->refusals.n ? EXIT_FAIL : EXIT_OK;
	} else {
		memset(want, 0, sizeof(*want));
	}
	free(sel);
	free(confirmed);
	return rc;
}

void cli_print_plan(const struct inventory *inv, const struct intent *want, const struct plan *plan)
{
	struct strbuf out = {0};

	if (want->n_dev) {
		printf(P_("Bind %zu device to vfio-pci:\n", "Bind %zu devices to vfio-pci:\n", want->n_dev),
		       want->n_dev);
		for (size_t i = 0; i < want->n_dev; i++) {
			const struct device *d = &inv->devices[want->dev[i].idx];
			printf("  %s %s [%04x:%04x]  %s\n", d->addr_str, d->device_name ? d->device_name : "?",
			       d->vendor, d->device,
			       want->dev[i].method == BIND_IDS ? _("by ID") : _("by address (its ID is shared)"));
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
	if (plan_empty(plan)) {
		printf(_("Nothing to do: the system already looks like this.\n"));
	} else {
		plan_render_text(plan, &out);
		fputs(out.buf, stdout);
	}
	strbuf_free(&out);
}

int cmd_plan(struct cli *cli)
{
	struct inventory inv = {0};
	struct intent want = {0};
	struct plan plan = {0};
	struct strbuf out = {0};
	int rc;

	rc = cli_build_plan(cli, &inv, &want, &plan);
	if (rc == EXIT_USAGE || (rc == EXIT_FAIL && !inv.n_devices && !plan.n_files)) {
		inventory_free(&inv);
		return rc;
	}
	cli_print_log(&cli->log);
	if (cli->json) {
		plan_render_json(&plan, &out);
		fputs(out.buf, stdout);
	} else if (cli->diff_only) {
		plan_render_diff(&plan, &out);
		fputs(strbuf_str(&out), stdout);
	} else {
		cli_print_plan(&inv, &want, &plan);
	}
	intent_free(&want);
	strbuf_free(&out);
	plan_free(&plan);
	inventory_free(&inv);
	return rc;
}
