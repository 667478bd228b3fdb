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

int cmd_apply(struct cli *cli)
{
	struct app *a = cli->app;
	struct app_plan p;
	int rc;

	if (need_root("apply") < 0)
		return EXIT_FAIL;
	rc = cli_build_plan(cli, &p);
	if (rc == EXIT_USAGE) {
		app_plan_free(&p);
		return rc;
	}
	report_log(&a->log);
	log_free(&a->log);
	report_log(&p.log);
	log_free(&p.log);
	cli_print_plan(&a->inv, &p);
	if (rc != EXIT_OK) {
		fprintf(stderr, _("%s: not applied: something above was refused; change the selection\n"), PACKAGE);
		goto out;
	}
	if (plan_empty(&p.plan))
		goto out;
	if (!confirm(cli, _("Apply these changes?"))) {
		printf(_("Nothing was changed.\n"));
		rc = EXIT_FAIL;
		goto out;
	}
	rc = report_apply(a, &p);
out:
	app_plan_free(&p);
	return rc;
}

/* undo and rollback: root, a question, then the journal. */
static int journal_cmd(struct cli *cli, enum report_tx kind, const char *what, const char *question,
		       const char *txid)
{
	if (need_root(what) < 0)
		return EXIT_FAIL;
	if (!confirm(cli, question)) {
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
	return journal_cmd(cli, REPORT_UNDO, "undo", _("Undo the transaction?"), cli->argc ? cli->argv[0] : NULL);
}

int cmd_rollback(struct cli *cli)
{
	return journal_cmd(cli, REPORT_ROLLBACK, "rollback", _("Take back every change vfioconf made?"), NULL);
}

int cmd_recover(struct cli *cli)
{
	struct app *a = cli->app;
	int n = 0, r;

	if (need_root("recover") < 0)
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

	json_init(&js, &out, true);
	json_arr_begin(&js);
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(&js);
		json_kstr(&js, "id", v[i].id);
		json_kstr(&js, "kind", v[i].kind);
		json_kstr(&js, "of", v[i].of[0] ? v[i].of : NULL);
		json_kstr(&js, "created", v[i].created);
		json_kstr(&js, "state", v[i].state);
		json_kstrv(&js, "files", &v[i].files);
		json_kstrv(&js, "commands", &v[i].cmds);
		json_obj_end(&js);
	}
	json_arr_end(&js);
	strbuf_putc(&out, '\n');
	fputs(out.buf, stdout);
	strbuf_free(&out);
}

int cmd_history(struct cli *cli)
{
	struct tx_info *v = NULL;
	size_t n = 0;

	app_history(cli->app, &v, &n);
	if (cli->json) {
		history_json(v, n);
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
