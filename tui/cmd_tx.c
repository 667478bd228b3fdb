/* cmd_tx.c - the commands that change the system, through the journal:
 * apply, undo, rollback, recover; and the one that reads it: history.
 */
#include "config.h"

#include "core/i18n.h"
#include "core/json.h"
#include "tui/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_need_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, _("%s: %s changes the system and needs root: run it with sudo. "
			  "Nothing was changed.\n"), PACKAGE, what);
	return -1;
}

bool cli_confirm(const struct cli *cli, const char *question)
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

/* apply --json: what a script reads once the work is done. */
static void apply_json(struct cli *cli, const struct app_plan *p, const char *trial, const char *result,
		       const char *txid)
{
	struct strbuf out = {0};
	struct json j;

	cli_json_begin(&j, &out, "apply");
	json_kstr(&j, "result", result);
	json_kstr(&j, "transaction", txid);
	/* every file vfioconf writes is read at boot: the initramfs,
	 * modprobe.d, the kernel command line */
	json_kbool(&j, "reboot_required", strcmp(result, "applied") == 0);
	json_key(&j, "plan");
	json_obj_begin(&j);
	cli_plan_json_members(&j, cli, p, trial[0] ? trial : NULL);
	json_obj_end(&j);
	cli_json_messages(&j, &cli->app->log, &p->log);
	cli_json_end(&j, &out);
	strbuf_free(&out);
}

int cmd_apply(struct cli *cli)
{
	struct app *a = cli->app;
	struct app_plan p;
	char trial[16] = "";
	char *txid = NULL;
	const char *result = "failed";
	int saved_stdout = -1;
	int rc;

	if (cli_need_root("apply") < 0)
		return EXIT_FAIL;
	if (cli->json) {
		/* the text, and what the commands print, go to stderr; stdout
		 * carries the one JSON object at the end */
		fflush(stdout);
		saved_stdout = dup(1);
		if (saved_stdout < 0 || dup2(2, 1) < 0) {
			fprintf(stderr, "%s: %s\n", PACKAGE, strerror(errno));
			return EXIT_FAIL;
		}
	}
	rc = cli_build_plan(cli, &p);
	if (rc == EXIT_USAGE || (rc == EXIT_FAIL && !a->scanned))
		goto out;
	report_log(&a->log);
	report_log(&p.log);
	if (cli->trial && rc == EXIT_OK) {
		/* the same selection, as a trial: the plan shown is the trial's */
		struct plan tp;
		log_free(&a->log);
		if (app_trial_plan(a, &p, &tp, trial) < 0) {
			report_log(&a->log);
			plan_free(&tp);
			rc = EXIT_REFUSED;
			result = "refused";
			goto out;
		}
		plan_free(&p.plan);
		p.plan = tp;
		printf(_("Trial boot %s:\n"), trial);
	}
	cli_print_plan(&a->inv, &p);
	if (rc != EXIT_OK) {
		fprintf(stderr, _("%s: not applied: something above was refused; change the selection\n"), PACKAGE);
		result = "refused";
		goto out;
	}
	if (plan_empty(&p.plan)) {
		rc = EXIT_NOTHING;
		result = "unchanged";
		goto out;
	}
	if (!cli_confirm(cli, cli->trial ? _("Apply this trial?") : _("Apply these changes?"))) {
		printf(_("Nothing was changed.\n"));
		rc = EXIT_FAIL;
		result = "declined";
		goto out;
	}
	rc = report_apply(a, &p, cli->trial ? trial : NULL, &txid);
	result = rc == EXIT_OK ? "applied" : "failed";
out:
	if (saved_stdout >= 0) {
		fflush(stdout);
		dup2(saved_stdout, 1);
		close(saved_stdout);
		if (rc != EXIT_USAGE && a->scanned)
			apply_json(cli, &p, trial, result, txid);
	}
	free(txid);
	app_plan_free(&p);
	return rc;
}

/* A root without a journal: nothing vfioconf did is recorded there, and a
 * rescue system's --root that names the wrong disk must not say "nothing
 * to do". */
static int need_journal(struct cli *cli, const char *what)
{
	if (app_has_journal(cli->app))
		return 0;
	fprintf(stderr, _("%s: %s: %s/var/lib/vfioconf does not exist: vfioconf has changed nothing on this "
			  "root. Is --root the installed system (mounted, with /boot)?\n"),
		PACKAGE, what, strcmp(cli->app->o.scan.sr.root, "/") ? cli->app->o.scan.sr.root : "");
	return -1;
}

/* What undo or rollback will put back, before the question. */
static void print_preview(struct cli *cli, enum report_tx kind, const char *txid)
{
	struct plan p;

	if (app_reverse_preview(cli->app, txid, kind == REPORT_ROLLBACK, &p) == 0 && p.n_files) {
		printf(kind == REPORT_ROLLBACK ? _("Rollback puts back:\n") : _("Undo puts back:\n"));
		bool all = kind == REPORT_ROLLBACK;
		for (size_t i = 0; i < p.n_files; i++)
			printf("  %s  %s\n", p.files[i].path,
			       !p.files[i].new	 ? (all ? _("(removed: vfioconf made it)")
							: _("(removed: that transaction made it)"))
			       : !p.files[i].old ? (all ? _("(made again, as before vfioconf)")
							: _("(made again, as before that transaction)"))
			       : all		 ? _("(as it was before vfioconf)")
						 : _("(as it was before that transaction)"));
		if (p.n_cmds)
			printf(_("and then runs:\n"));
		for (size_t i = 0; i < p.n_cmds; i++) {
			printf("  ");
			for (size_t a = 0; a < p.cmds[i].argv.n; a++)
				printf("%s%s", a ? " " : "", p.cmds[i].argv.v[a]);
			putchar('\n');
		}
	}
	plan_free(&p);
}

/* undo and rollback: root, a journal, what it puts back, a question. */
int cli_journal_cmd(struct cli *cli, enum report_tx kind, const char *what, const char *question,
		       const char *txid)
{
	if (cli_need_root(what) < 0 || need_journal(cli, what) < 0)
		return EXIT_FAIL;
	print_preview(cli, kind, txid);
	if (!cli_confirm(cli, question)) {
		printf(_("Nothing was changed.\n"));
		return EXIT_FAIL;
	}
	return report_journal_cmd(cli->app, kind, what, txid);
}

int cmd_undo(struct cli *cli)
{
	if (cli->argc > 1) {
		fprintf(stderr, _("%s: undo takes one transaction id at most\n"), PACKAGE);
		return EXIT_USAGE;
	}
	return cli_journal_cmd(cli, REPORT_UNDO, "undo", _("Undo the transaction?"), cli->argc ? cli->argv[0] : NULL);
}

int cmd_rollback(struct cli *cli)
{
	return cli_journal_cmd(cli, REPORT_ROLLBACK, "rollback", _("Take back every change vfioconf made?"), NULL);
}

int cmd_recover(struct cli *cli)
{
	struct app *a = cli->app;
	int n = 0, r;

	if (cli_need_root("recover") < 0 || need_journal(cli, "recover") < 0)
		return EXIT_FAIL;
	r = app_journal_open(a, &n);
	report_log(&a->log);
	app_journal_close(a);
	if (r < 0)
		return EXIT_FAIL;
	if (!n)
		printf(_("Nothing to recover: no transaction was interrupted.\n"));
	return EXIT_OK;
}

static void history_json(const struct tx_info *v, size_t n)
{
	struct strbuf out = {0};
	struct json js;

	cli_json_begin(&js, &out, "history");
	json_key(&js, "transactions");
	json_arr_begin(&js);
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(&js);
		json_kstr(&js, "id", v[i].id);
		json_kstr(&js, "short_id", v[i].short_id);
		json_kstr(&js, "kind", v[i].kind);
		json_kstr(&js, "of", v[i].of[0] ? v[i].of : NULL);
		json_kstr(&js, "created", v[i].created);
		json_kstr(&js, "state", v[i].state);
		json_kstrv(&js, "files", &v[i].files);
		json_kstrv(&js, "commands", &v[i].cmds);
		json_obj_end(&js);
	}
	json_arr_end(&js);
	cli_json_end(&js, &out);
	strbuf_free(&out);
}

int cmd_history(struct cli *cli)
{
	struct tx_info *v = NULL;
	size_t n = 0;
	int r = app_history(cli->app, &v, &n);

	if (r == -EACCES) {
		fprintf(stderr, _("%s: history: the journal (%s/var/lib/vfioconf) can be read by root only: "
				  "run it with sudo\n"),
			PACKAGE, strcmp(cli->app->o.scan.sr.root, "/") ? cli->app->o.scan.sr.root : "");
		return EXIT_FAIL;
	}
	if (r < 0 && r != -ENOENT) {
		fprintf(stderr, _("%s: history: %s/var/lib/vfioconf: %s\n"), PACKAGE,
			strcmp(cli->app->o.scan.sr.root, "/") ? cli->app->o.scan.sr.root : "", strerror(-r));
		return EXIT_FAIL;
	}
	if (cli->json) {
		history_json(v, n);
	} else if (!n) {
		printf(_("No transaction yet.\n"));
	} else {
		for (size_t i = 0; i < n; i++) {
			printf("%-8s  %-8s %-12s %s", v[i].short_id, v[i].kind, v[i].state, v[i].created);
			if (v[i].of[0]) {
				char of[16];
				journal_short_id(v[i].of, of);
				printf(_("  (of %s)"), of);
			}
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
