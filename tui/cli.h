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
	struct strv matches;        /* --match, repeatable */
	long expect;                /* --expect N, or -1 */
	enum app_select_mode mode;  /* --add, --remove */
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
/* cmd_export.c: libvirt|proxmox */
int cmd_export(struct cli *cli);

/* Scan, then the selection the flags ask for (--select, --group, --match
 * with --expect, --add/--remove, --take-from-host; without them, what is
 * configured): *sel and *confirmed one bool per device, the caller's to
 * free (NULL after a failed scan). EXIT_OK; EXIT_USAGE or EXIT_FAIL, said
 * on stderr; EXIT_REFUSED when --expect does not hold (err says how many:
 * cli_expect_refusal words it). */
int cli_select(struct cli *cli, bool **sel, bool **confirmed, struct app_select_error *err);
void cli_say_select_error(const struct app_select_error *e);
/* What --match named, against --expect, in one sentence (caller frees). */
char *cli_expect_refusal(const struct cli *cli, const struct app_select_error *err);
/* cli_select, then the plan, as plan and apply share them: EXIT_OK,
 * EXIT_REFUSED (refusals; the plan is still filled), EXIT_FAIL or
 * EXIT_USAGE. */
int cli_build_plan(struct cli *cli, struct app_plan *p);

/* --json output (man/vfioconf-json.7 documents it; doc/vfioconf.schema.json
 * checks it): every command's object opens with "schema" and "command". */
#define CLI_JSON_SCHEMA 1
struct json;
void cli_json_begin(struct json *j, struct strbuf *out, const char *command);
/* Closes the object and prints out to stdout. */
void cli_json_end(struct json *j, struct strbuf *out);
/* "messages": the logs' texts (what went to stderr; b may be NULL). */
void cli_json_messages(struct json *j, const struct log *a, const struct log *b);
/* A plan's members: changed, refused, trial, devices, matches, then
 * plan_json_members's. */
void cli_plan_json_members(struct json *j, const struct cli *cli, const struct app_plan *p, const char *trial);
void cli_print_plan(const struct inventory *inv, const struct app_plan *p);

#endif
