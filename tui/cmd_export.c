/* cmd_export.c - `vfioconf export libvirt|proxmox`: the devices that go to
 * VFIO, as the hypervisor's own configuration (core/export.h), on stdout
 * for the user to paste or run. Nothing is written; messages go to stderr.
 *
 * The devices are the intent's for the selection plan would take (the
 * functions that come along included), so what is exported is what the
 * boot binds.
 */
#include "config.h"

#include "core/export.h"
#include "core/i18n.h"
#include "tui/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_export(struct cli *cli)
{
	struct app *a = cli->app;
	const char *what = cli->argc > 0 ? cli->argv[0] : NULL;
	struct app_plan p;
	struct strbuf out = {0};
	bool *sel = NULL, *confirmed = NULL, *go = NULL;
	const char **drv = NULL;
	char nodebuf[EXPORT_NODE_MAX];
	const char *node;
	struct app_select_error err;
	bool any = false;
	int rc;

	memset(&p, 0, sizeof(p));
	if (!what || (strcmp(what, "libvirt") != 0 && strcmp(what, "proxmox") != 0)) {
		if (what)
			fprintf(stderr, _("%s: export: unknown target '%s': 'libvirt' or 'proxmox'\n"), PACKAGE, what);
		else
			fprintf(stderr,
				_("%s: export: for which: 'vfioconf export libvirt' or 'vfioconf export proxmox'\n"),
				PACKAGE);
		return EXIT_USAGE;
	}
	if (cli->argc > 1) {
		fprintf(stderr, _("%s: unexpected argument '%s' (use --select ADDR,...)\n"), PACKAGE, cli->argv[1]);
		return EXIT_USAGE;
	}
	if (cli->json) {
		fprintf(stderr, _("%s: export writes libvirt XML or shell lines; --json does not apply\n"), PACKAGE);
		return EXIT_USAGE;
	}

	rc = cli_select(cli, &sel, &confirmed, &err);
	if (rc == EXIT_REFUSED) {
		char *msg = cli_expect_refusal(cli, &err);
		fprintf(stderr, _("%s: refused: %s\n"), PACKAGE, msg);
		free(msg);
	}
	if (rc != EXIT_OK)
		goto out;
	report_log(&a->log);
	for (size_t i = 0; i < a->inv.n_devices; i++)
		any = any || sel[i];
	if (!any) {
		if (cli->select || cli->groups.n || cli->matches.n)
			fprintf(stderr, _("%s: export: no device selected: nothing to export\n"), PACKAGE);
		else
			fprintf(stderr, _("%s: export: nothing is configured: name devices with --select, or apply a "
					  "selection first\n"),
				PACKAGE);
		rc = EXIT_NOTHING;
		goto out;
	}

	app_plan(a, sel, confirmed, false, &p);
	/* the intent's refusals, not the planner's: a boot file vfioconf
	 * cannot edit now does not change which devices a VM can have */
	if (p.want.refusals.n) {
		for (size_t i = 0; i < p.want.refusals.n; i++)
			fprintf(stderr, _("%s: refused: %s\n"), PACKAGE, p.want.refusals.v[i]);
		fprintf(stderr, _("%s: export: nothing exported ('vfioconf plan' says more)\n"), PACKAGE);
		rc = EXIT_REFUSED;
		goto out;
	}
	if (!p.want.n_dev) {
		fprintf(stderr, _("%s: export: no device goes to VFIO: nothing to export\n"), PACKAGE);
		rc = EXIT_NOTHING;
		goto out;
	}

	go = xcalloc(a->inv.n_devices, sizeof(bool));
	drv = xcalloc(a->inv.n_devices, sizeof(char *));
	for (size_t i = 0; i < p.want.n_dev; i++) {
		go[p.want.dev[i].idx] = true;
		drv[p.want.dev[i].idx] = p.want.dev[i].driver;
	}
	if (strcmp(what, "libvirt") == 0) {
		export_libvirt(&a->inv, go, drv, &out);
	} else {
		node = report_export_node(a, nodebuf);
		if (!node)
			fprintf(stderr, _("%s: warning: this node's name is unknown (no usable %s/etc/hostname); the "
					  "lines say NODE\n"),
				PACKAGE, strcmp(a->o.scan.sr.root, "/") == 0 ? "" : a->o.scan.sr.root);
		export_proxmox(&a->inv, go, drv, node, &out);
	}
	fputs(strbuf_str(&out), stdout);
	rc = EXIT_OK;
out:
	strbuf_free(&out);
	app_plan_free(&p);
	free(go);
	free(drv);
	free(sel);
	free(confirmed);
	return rc;
}
