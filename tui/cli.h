/* cli.h - the command-line front end: options and subcommands over the
 * application layer (app/app.h).
 *
 * One table (cli_commands in main.c) drives dispatch, --help and the
 * completion script's word list; each command asks the app and prints.
 */
#ifndef VFIOCONF_CLI_H
#define VFIOCONF_CLI_H

#include <stdbool.h>

#include "app/app.h"
#include "tui/report.h"

struct cli {
	struct app *app;
	bool json;
	int argc;      /* command arguments after option parsing */
	char **argv;
	/* plan, apply */
	const char *select;         /* --select, or NULL */
	const char *take_from_host; /* --take-from-host: host-critical addresses, typed in full */
	struct strv groups;         /* --group, repeatable */
	bool enable_iommu;
	bool diff_only;
	bool trial;                  /* plan --trial */
	/* list */
	bool backends;
	/* apply, undo, rollback */
	bool yes;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli);
	const char *summary; /* N_() */
};

/* cmd_tx.c: for the commands that change the system */
int cli_need_root(const char *what);
bool cli_confirm(const struct cli *cli, const char *question);
/* undo (txid, NULL: the last) or rollback: root, a journal, what it puts
 * back, the question, then the journal. */
int cli_journal_cmd(struct cli *cli, enum report_tx kind, const char *what, const char *question, const char *txid);

int cmd_trial(struct cli *cli);
int cmd_list(struct cli *cli);
int cmd_plan(struct cli *cli);
int cmd_apply(struct cli *cli);
int cmd_history(struct cli *cli);
int cmd_undo(struct cli *cli);
int cmd_rollback(struct cli *cli);
int cmd_recover(struct cli *cli);
int cmd_status(struct cli *cli);

/* Scan, selection and plan, as plan and apply share them: EXIT_OK,
 * EXIT_FAIL (refusals; the plan is still filled) or EXIT_USAGE. */
int cli_build_plan(struct cli *cli, struct app_plan *p);
void cli_print_plan(const struct inventory *inv, const struct app_plan *p);

#endif
