/* cmd_trial.c - `vfioconf trial status|check|promote|abort`: the trial boot
 * that `apply --trial` made (app/app_trial.c): how it went, its health
 * check at boot, making it the default, taking it away.
 * Exit: status 0 a trial exists, 2 none; check 0 passed, 1 failed.
 */
#include "config.h"

#include "app/app_trial.h"
#include "core/i18n.h"
#include "tui/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int none(void)
{
	printf(_("No trial boot: 'vfioconf apply --trial' makes one.\n"));
	return EXIT_NOTHING;
}

static int trial_status(struct cli *cli, const struct app_trial *t)
{
	struct strbuf sb = {0};

	(void)cli;
	report_trial_text(&sb, t);
	fputs(sb.buf ? sb.buf : "", stdout);
	strbuf_free(&sb);
	return EXIT_OK;
}

static int promote(struct cli *cli, const struct app_trial *t);

/* Run by vfioconf-trial-check.service at the trial's boot. A trial made
 * with --promote-on-success is promoted here when it passes; if that
 * fails, the check still passed (the trial stays, to promote by hand). */
static int trial_check(struct cli *cli, const struct app_trial *t)
{
	struct strv problems = {0};
	int r = app_trial_check(cli->app, t, &problems);

	if (r < 0) {
		report_log(&cli->app->log);
		return EXIT_FAIL;
	}
	if (!r)
		printf(_("Trial %s: passed: every device on its VFIO driver, the parameters in force.\n"), t->id);
	else if (!t->running)
		printf(_("Trial %s: nothing checked (its verdict on record stays as it is):\n"), t->id);
	else
		printf(_("Trial %s: FAILED:\n"), t->id);
	for (size_t i = 0; i < problems.n; i++)
		printf("  %s\n", problems.v[i]);
	strv_free(&problems);
	if (!r && t->running && t->promote_on_success) {
		struct cli quiet = *cli;
		quiet.yes = true; /* asked when the trial was made */
		printf(_("Trial %s: made with --promote-on-success: promoting it.\n"), t->id);
		if (promote(&quiet, t) != EXIT_OK)
			printf(_("Trial %s: promoting it failed (see above); it stays, its check passed: "
				 "'vfioconf trial promote' tries again.\n"),
			       t->id);
	}
	return r ? EXIT_FAIL : EXIT_OK;
}

static bool passed(const struct app_trial *t)
{
	return t->result && strstr(t->result, "result = passed\n") == t->result;
}

static int trial_promote(struct cli *cli, const struct app_trial *t)
{
	if (cli_need_root("trial promote") < 0)
		return EXIT_FAIL;
	if (!passed(t) && !cli->app->o.force) {
		fprintf(stderr, _("%s: trial %s has no passed health check on record (see 'vfioconf trial status'); "
				  "--force promotes it anyway\n"),
			PACKAGE, t->id);
		return EXIT_FAIL;
	}
	return promote(cli, t);
}

/* Its selection applied as an ordinary transaction (the default boot
 * path changes only now), then the trial taken away. */
static int promote(struct cli *cli, const struct app_trial *t)
{
	struct app *a = cli->app;
	struct state st;
	struct app_plan p;
	bool *sel, *confirmed;
	int r;

	if (app_trial_state(a, t, &st) < 0 || app_scan(a) < 0) {
		fprintf(stderr, _("%s: trial %s: its devices.conf under /boot/vfioconf cannot be read\n"), PACKAGE, t->id);
		report_log(&a->log);
		return EXIT_FAIL;
	}
	sel = xcalloc(a->inv.n_devices + 1, sizeof(bool));
	confirmed = xcalloc(a->inv.n_devices + 1, sizeof(bool));
	for (size_t i = 0; i < st.n_dev; i++) {
		struct device *d = inventory_find_str(&a->inv, st.dev[i].addr);
		if (d) {
			sel[d - a->inv.devices] = true;
			confirmed[d - a->inv.devices] = st.dev[i].taken_from_host;
		}
	}
	state_free(&st);
	if (app_trial_promote_abort_first(t)) {
		/* its entry is in the file the default's apply changes: after
		 * that apply the journal could not take the trial back, so it
		 * goes first, then the plan is made from the files as they are */
		struct cli quiet = *cli;
		printf(_("Promote trial %s: take the trial away (its entry is in %s's file, which the default "
			 "boot path changes too), then apply its selection as the default boot path.\n"),
		       t->id, t->loader_shown);
		if (!cli_confirm(cli, _("Go ahead?"))) {
			printf(_("Nothing was changed.\n"));
			free(sel);
			free(confirmed);
			return EXIT_FAIL;
		}
		quiet.yes = true;
		r = cli_journal_cmd(&quiet, REPORT_UNDO, "trial promote", NULL, t->txid);
		if (r == EXIT_OK) {
			app_plan(a, sel, confirmed, false, &p);
			report_log(&p.log);
			cli_print_plan(&a->inv, &p);
			/* the plan is seen before it is applied: asked again (--yes:
			 * not); the trial is gone either way, and said so */
			if (p.refused || (!plan_empty(&p.plan) && !cli_confirm(cli, _("Apply this as the default boot path?")))) {
				printf(_("The trial is taken away; nothing else was changed ('vfioconf apply' with the "
					 "same selection applies it later).\n"));
				r = EXIT_FAIL;
			} else {
				r = plan_empty(&p.plan) ? EXIT_OK : report_apply(a, &p, NULL, NULL);
			}
			app_plan_free(&p);
		}
		free(sel);
		free(confirmed);
		return r;
	}
	/* the default path first: if that fails, nothing changed and the
	 * trial is still there; then the trial goes (it touched only /boot) */
	printf(_("Promote trial %s: apply its selection as the default boot path, then take the trial away.\n"),
	       t->id);
	app_plan(a, sel, confirmed, false, &p);
	report_log(&p.log);
	cli_print_plan(&a->inv, &p);
	if (p.refused) {
		r = EXIT_FAIL;
	} else if (!cli_confirm(cli, _("Go ahead?"))) {
		printf(_("Nothing was changed.\n"));
		r = EXIT_FAIL;
	} else {
		r = plan_empty(&p.plan) ? EXIT_OK : report_apply(a, &p, NULL, NULL);
		if (r == EXIT_OK) {
			struct cli quiet = *cli;
			quiet.yes = true; /* asked above */
			r = cli_journal_cmd(&quiet, REPORT_UNDO, "trial promote", NULL, t->txid);
		}
	}
	app_plan_free(&p);
	free(sel);
	free(confirmed);
	return r;
}

static int trial_abort(struct cli *cli, const struct app_trial *t)
{
	printf(_("Abort trial %s: its entry, its initramfs and its one-shot go; nothing else changes.\n"), t->id);
	return cli_journal_cmd(cli, REPORT_UNDO, "trial abort", _("Take the trial away?"), t->txid);
}

int cmd_trial(struct cli *cli)
{
	static const struct {
		const char *name;
		int (*run)(struct cli *cli, const struct app_trial *t);
	} sub[] = {{"status", trial_status}, {"check", trial_check}, {"promote", trial_promote}, {"abort", trial_abort}};
	const char *what = cli->argc ? cli->argv[0] : "status";
	struct app_trial t;
	int r;

	if (cli->argc > 1) {
		fprintf(stderr, _("%s: trial takes one of status, check, promote, abort\n"), PACKAGE);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		if (strcmp(what, sub[i].name) != 0)
			continue;
		/* every one of them is about the trial there is, if any */
		if ((r = app_trial_find(cli->app, &t)) == -ENOENT)
			return none();
		if (r < 0) {
			report_log(&cli->app->log);
			return EXIT_FAIL;
		}
		r = sub[i].run(cli, &t);
		app_trial_free(&t);
		return r;
	}
	fprintf(stderr, _("%s: trial %s: unknown; one of status, check, promote, abort\n"), PACKAGE, what);
	return EXIT_USAGE;
}
