/* cmd_tx.c - the commands that change the system, through the journal:
 * apply, undo, rollback, recover; and the ones that read it: history,
 * status.
 */
#include "config.h"

#include "backends/journal/journal.h"
#include "backends/boot/planner.h"
#include "core/analysis.h"
#include "core/cmdline.h"
#include "core/i18n.h"
#include "core/intent.h"
#include "core/json.h"
#include "core/state.h"
#include "tui/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int need_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, _("%s: %s changes the system and needs root: run it with sudo. "
			  "Nothing was changed.\n"), PACKAGE, what);
	return -1;
}

static bool confirm(const struct cli *cli, const char *question)
{
	char buf[16];

	if (cli->yes)
		return true;
	if (!isatty(0)) {
		fprintf(stderr, _("%s: no terminal to ask on: add --yes to go ahead\n"), PACKAGE);
		return false;
	}
	printf("%s [y/N] ", question);
	fflush(stdout);
	if (!fgets(buf, sizeof(buf), stdin))
		return false;
	return buf[0] == 'y' || buf[0] == 'Y';
}

static int timeout_s(void)
{
	const char *t = getenv("VFIOCONF_CMD_TIMEOUT");
	int v = t ? atoi(t) : 0;

	return v > 0 ? v : 900;
}

/* Takes the lock and finishes what an earlier run left, saying so. */
static int open_journal(struct cli *cli, struct journal *j)
{
	int n = 0, r;

	r = journal_open(j, cli->scan.sr.root, &cli->log, stdout);
	if (r == 0)
		r = journal_recover(j, &n);
	cli_print_log(&cli->log);
	log_free(&cli->log);
	return r;
}

static void print_next_boot(const struct inventory *inv, const struct intent *want, const struct plan *plan,
			    bool regenerated)
{
	if (want->n_dev) {
		printf(_("\nAt the next boot these go to vfio-pci:\n"));
		for (size_t i = 0; i < want->n_dev; i++) {
			const struct device *d = &inv->devices[want->dev[i].idx];
			printf("  %s [%04x:%04x] %s\n", d->addr_str, d->vendor, d->device,
			       d->device_name ? d->device_name : "");
		}
	} else {
		printf(_("\nAt the next boot no device goes to vfio-pci.\n"));
	}
	if (want->params.n) {
		printf(_("Kernel parameters:"));
		for (size_t i = 0; i < want->params.n; i++)
			printf(" %s", want->params.v[i]);
		putchar('\n');
	}
	if (!regenerated && plan->n_cmds) {
		printf(_("The initramfs and boot configuration were NOT regenerated (--no-regenerate); run:\n"));
		for (size_t i = 0; i < plan->n_cmds; i++) {
			printf("  ");
			for (size_t a = 0; a < plan->cmds[i].argv.n; a++)
				printf("%s%s", a ? " " : "", plan->cmds[i].argv.v[a]);
			putchar('\n');
		}
	}
	printf(_("Reboot for this to take effect, then check with 'vfioconf status'.\n"));
}

int cli_apply_plan(struct cli *cli, const struct inventory *inv, const struct intent *want,
		   const struct plan *plan)
{
	struct journal j;
	struct tx_opts o = {.regenerate = !cli->no_regenerate, .force = cli->force, .timeout = timeout_s(),
			    .kind = "apply"};
	char *txid = NULL;
	double t0;
	int r;

	if (open_journal(cli, &j) < 0) {
		journal_close(&j);
		return EXIT_FAIL;
	}
	printf(_("Applying:\n"));
	t0 = mono_ms();
	r = journal_apply(&j, plan, &o, &txid);
	if (getenv("VFIOCONF_TIMING"))
		fprintf(stderr, "timing: transaction %.2f ms\n", mono_ms() - t0);
	cli_print_log(&cli->log);
	log_free(&cli->log);
	if (r < 0) {
		fprintf(stderr, _("%s: not applied; every file is as it was before\n"), PACKAGE);
	} else {
		printf(_("Done: transaction %s ('vfioconf undo' takes it back).\n"), txid);
		print_next_boot(inv, want, plan, o.regenerate);
	}
	free(txid);
	journal_close(&j);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

int cmd_apply(struct cli *cli)
{
	struct inventory inv = {0};
	struct intent want = {0};
	struct plan plan = {0};
	int rc;

	if (need_root("apply") < 0)
		return EXIT_FAIL;
	rc = cli_build_plan(cli, &inv, &want, &plan);
	if (rc == EXIT_USAGE) {
		inventory_free(&inv);
		return rc;
	}
	cli_print_log(&cli->log);
	log_free(&cli->log);
	cli_print_plan(&inv, &want, &plan);
	if (rc != EXIT_OK) {
		fprintf(stderr, _("%s: not applied: something above was refused; change the selection\n"), PACKAGE);
		goto out;
	}
	if (plan_empty(&plan))
		goto out;
	if (!confirm(cli, _("Apply these changes?"))) {
		printf(_("Nothing was changed.\n"));
		rc = EXIT_FAIL;
		goto out;
	}
	rc = cli_apply_plan(cli, &inv, &want, &plan);
out:
	intent_free(&want);
	plan_free(&plan);
	inventory_free(&inv);
	return rc;
}

static int journal_cmd(struct cli *cli, const char *what, const char *question,
		       int (*fn)(struct journal *, const char *, const struct tx_opts *, char **), const char *arg)
{
	struct journal j;
	struct tx_opts o = {.regenerate = !cli->no_regenerate, .force = cli->force, .timeout = timeout_s()};
	char *txid = NULL;
	int r;

	if (need_root(what) < 0)
		return EXIT_FAIL;
	if (!confirm(cli, question)) {
		printf(_("Nothing was changed.\n"));
		return EXIT_FAIL;
	}
	if (open_journal(cli, &j) < 0) {
		journal_close(&j);
		return EXIT_FAIL;
	}
	double t0 = mono_ms();
	r = fn(&j, arg, &o, &txid);
	if (getenv("VFIOCONF_TIMING"))
		fprintf(stderr, "timing: transaction %.2f ms\n", mono_ms() - t0);
	cli_print_log(&cli->log);
	journal_close(&j);
	if (r == -ENODATA)
		return EXIT_OK;
	if (r < 0) {
		if (r == -EEXIST)
			fprintf(stderr, _("%s: %s refused: files were changed by hand (shown above); "
					  "--force keeps the hand-edited copies beside them and goes on\n"),
				PACKAGE, what);
		else
			fprintf(stderr, _("%s: %s failed; every file is as it was before\n"), PACKAGE, what);
		return EXIT_FAIL;
	}
	printf(_("Done: transaction %s. Reboot for this to take effect.\n"), txid);
	free(txid);
	return EXIT_OK;
}

static int do_rollback(struct journal *j, const char *arg, const struct tx_opts *o, char **txid)
{
	(void)arg;
	return journal_rollback(j, o, txid);
}

int cli_undo_last(struct cli *cli)
{
	bool yes = cli->yes;
	int r;

	cli->yes = true; /* the screen asked already */
	r = journal_cmd(cli, "undo", "", journal_undo, NULL);
	cli->yes = yes;
	return r;
}

int cmd_undo(struct cli *cli)
{
	if (cli->argc > 1) {
		fprintf(stderr, _("%s: undo takes one transaction id at most\n"), PACKAGE);
		return EXIT_USAGE;
	}
	return journal_cmd(cli, "undo", _("Undo the transaction?"), journal_undo, cli->argc ? cli->argv[0] : NULL);
}

int cmd_rollback(struct cli *cli)
{
	return journal_cmd(cli, "rollback", _("Take back every change vfioconf made?"), do_rollback, NULL);
}

int cmd_recover(struct cli *cli)
{
	struct journal j;
	int n = 0, r;

	if (need_root("recover") < 0)
		return EXIT_FAIL;
	r = journal_open(&j, cli->scan.sr.root, &cli->log, stdout);
	if (r == 0)
		r = journal_recover(&j, &n);
	cli_print_log(&cli->log);
	journal_close(&j);
	if (r < 0)
		return EXIT_FAIL;
	if (!n)
		printf(_("Nothing to recover: no transaction was interrupted.\n"));
	return EXIT_OK;
}

int cmd_history(struct cli *cli)
{
	struct tx_info *v = NULL;
	size_t n = 0;

	journal_list_at(cli->scan.sr.root, &cli->log, &v, &n);
	if (cli->json) {
		struct strbuf out = {0};
		struct json js;
		json_init(&js, &out, true);
		json_arr_begin(&js);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(&js);
			json_kstr(&js, "id", v[i].id);
			json_kstr(&js, "kind", v[i].kind);
			json_kstr(&js, "of", v[i].of[0] ? v[i].of : NULL);
			json_kstr(&js, "created", v[i].created);
			json_kstr(&js, "state", v[i].state);
			json_key(&js, "files");
			json_arr_begin(&js);
			for (size_t f = 0; f < v[i].files.n; f++)
				json_str(&js, v[i].files.v[f]);
			json_arr_end(&js);
			json_key(&js, "commands");
			json_arr_begin(&js);
			for (size_t c = 0; c < v[i].cmds.n; c++)
				json_str(&js, v[i].cmds.v[c]);
			json_arr_end(&js);
			json_obj_end(&js);
		}
		json_arr_end(&js);
		strbuf_putc(&out, '\n');
		fputs(out.buf, stdout);
		strbuf_free(&out);
	} else if (!n) {
		printf(_("No transaction yet.\n"));
	} else {
		for (size_t i = 0; i < n; i++) {
			printf("%s  %-8s %-12s %s", v[i].id, v[i].kind, v[i].state, v[i].created);
			if (v[i].of[0])
				printf(_("  (of %s)"), v[i].of);
			putchar('\n');
			for (size_t f = 0; f < v[i].files.n; f++)
				printf("    %s\n", v[i].files.v[f]);
			for (size_t c = 0; c < v[i].cmds.n; c++)
				printf("    $ %s\n", v[i].cmds.v[c]);
		}
	}
	journal_list_free(v, n);
	return EXIT_OK;
}

/* After the reboot: is every configured device on vfio-pci, and the rest
 * as intended? Exit 0 all good, 1 something off, 2 nothing configured. */
int cmd_status(struct cli *cli)
{
	struct inventory inv = {0};
	struct state st;
	struct intent want;
	char *full = path_join(cli->scan.sr.root, STATE_PATH), *text = NULL;
	struct strbuf out = {0};
	struct json js;
	struct cmdline cl;
	bool *sel;
	int bad = 0;

	if (read_file(full, 1u << 20, &text, NULL) < 0) {
		printf(_("vfioconf has configured nothing here (%s does not exist).\n"), full);
		free(full);
		return 2;
	}
	state_parse(&st, text, full, &cli->log);
	free(text);
	if (scan_system(&cli->scan, &inv, &cli->log) < 0) {
		cli_print_log(&cli->log);
		state_free(&st);
		free(full);
		return EXIT_FAIL;
	}
	cli_print_log(&cli->log);
	sel = xcalloc(inv.n_devices ? inv.n_devices : 1, sizeof(bool));
	cmdline_parse(&cl, inv.host.cmdline ? inv.host.cmdline : "");
	if (cli->json) {
		json_init(&js, &out, true);
		json_obj_begin(&js);
		json_kbool(&js, "iommu", inventory_iommu_enabled(&inv));
		json_key(&js, "devices");
		json_arr_begin(&js);
	} else {
		printf(_("IOMMU: %s\n"), inventory_iommu_enabled(&inv) ? _("on") : _("OFF"));
	}
	if (!inventory_iommu_enabled(&inv))
		bad++;
	for (size_t i = 0; i < st.n_dev; i++) {
		const struct state_device *sd = &st.dev[i];
		struct device *d = inventory_find_str(&inv, sd->addr);
		bool present = d != NULL;
		bool fp = d && d->vendor == sd->vendor && d->device == sd->device &&
			  (!sd->subsys_vendor || (d->subsys_vendor == sd->subsys_vendor && d->subsys_device == sd->subsys_device));
		bool on = d && d->driver && strcmp(d->driver, "vfio-pci") == 0;
		bool viable = true;
		if (d) {
			sel[d - inv.devices] = true;
			const struct iommu_group *g = d->group >= 0 ? inventory_group(&inv, d->group) : NULL;
			for (size_t k = 0; g && k < g->n_members; k++) {
				const struct device *m = &inv.devices[g->members[k]];
				if (!analysis_device_harmless(m) && !state_find(&st, m->addr_str))
					viable = false;
			}
			if (!g)
				viable = false;
		}
		if (!present || !fp || !on || !viable)
			bad++;
		if (cli->json) {
			json_obj_begin(&js);
			json_kstr(&js, "address", sd->addr);
			json_kbool(&js, "present", present);
			json_kbool(&js, "fingerprint_matches", fp);
			json_kstr(&js, "driver", d ? d->driver : NULL);
			json_kbool(&js, "on_vfio_pci", on);
			json_kbool(&js, "group_viable", viable);
			json_obj_end(&js);
		} else {
			printf("  %s [%04x:%04x]  %s", sd->addr, sd->vendor, sd->device,
			       !present ? _("MISSING: no device at this address")
			       : !fp    ? _("CHANGED: another card is in this slot; run vfioconf again")
			       : on     ? _("on vfio-pci")
					: _("NOT on vfio-pci"));
			if (present && fp && !on)
				printf(_(" (driver: %s)"), d->driver ? d->driver : _("none"));
			if (present && !viable)
				printf(_("; its IOMMU group holds devices in use by the host"));
			putchar('\n');
		}
	}
	if (cli->json) {
		json_arr_end(&js);
		json_key(&js, "parameters");
		json_arr_begin(&js);
	}
	intent_build(&inv, &cli->settings, sel, NULL, true, &want);
	for (size_t i = 0; i < want.params.n; i++) {
		bool has = cmdline_has(&cl, want.params.v[i]);
		if (!has)
			bad++;
		if (cli->json) {
			json_obj_begin(&js);
			json_kstr(&js, "parameter", want.params.v[i]);
			json_kbool(&js, "in_cmdline", has);
			json_obj_end(&js);
		} else {
			printf(_("  kernel parameter %-28s %s\n"), want.params.v[i],
			       has ? _("in the running command line") : _("MISSING from the running command line"));
		}
	}
	if (cli->json) {
		json_arr_end(&js);
		json_kbool(&js, "ok", bad == 0);
		json_obj_end(&js);
		strbuf_putc(&out, '\n');
		fputs(out.buf, stdout);
	} else if (bad) {
		printf(_("\n%d thing(s) are not as configured. If you have not rebooted since applying, reboot; "
			 "otherwise see 'vfioconf plan' and dmesg | grep vfio.\n"), bad);
	} else {
		printf(_("\nEverything is as configured.\n"));
	}
	intent_free(&want);
	cmdline_free(&cl);
	strbuf_free(&out);
	free(sel);
	state_free(&st);
	inventory_free(&inv);
	free(full);
	return bad ? EXIT_FAIL : EXIT_OK;
}
