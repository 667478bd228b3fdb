/* cli.h - the command-line front end: global options and subcommands.
 *
 * One table (cli_commands in main.c) drives dispatch, --help and the
 * completion script's word list; each command is a function over the same
 * core calls the curses front end uses.
 */
#ifndef VFIOCONF_CLI_H
#define VFIOCONF_CLI_H

#include <stdbool.h>

#include "backends/scan/scan.h"
#include "core/settings.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

struct cli {
	struct scan_opts scan;
	struct settings settings; /* ROOT/etc/vfioconf/vfioconf.conf or defaults */
	struct log log;           /* every command's messages; printed by main */
	bool json;
	bool verbose;
	int argc;      /* command arguments after option parsing */
	char **argv;
	/* plan */
	const char *select;      /* --select, or NULL */
	const char *take_from_host; /* --take-from-host: host-critical addresses, typed in full */
	struct strv groups;      /* --group, repeatable */
	bool enable_iommu;
	bool diff_only;
	const char *bootloader;
	const char *initramfs;
	/* list */
	bool backends;
	/* apply, undo, rollback */
	bool yes;
	bool no_regenerate;
	bool force;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli);
	const char *summary; /* N_() */
};

int cmd_list(struct cli *cli);
int cmd_plan(struct cli *cli);
int cmd_apply(struct cli *cli);
int cmd_history(struct cli *cli);
int cmd_undo(struct cli *cli);
int cmd_rollback(struct cli *cli);
int cmd_recover(struct cli *cli);
int cmd_status(struct cli *cli);
/* Scan, selection, intent and plan, as plan and apply share them: EXIT_OK,
 * EXIT_FAIL (refusals; the plan is still filled) or EXIT_USAGE. */
struct intent;
struct plan;
int cli_build_plan(struct cli *cli, struct inventory *inv, struct intent *want, struct plan *plan);
void cli_print_plan(const struct inventory *inv, const struct intent *want, const struct plan *plan);
/* Applies a plan through the journal, printing progress and what happens
 * at the next boot; the caller has asked. EXIT_OK or EXIT_FAIL. */
int cli_apply_plan(struct cli *cli, const struct inventory *inv, const struct intent *want,
		   const struct plan *plan);
/* Undoes the last transaction (the caller has asked). */
int cli_undo_last(struct cli *cli);
/* vfioconf-bind's path on the target (borrowed). */
const char *cli_bind_helper(const struct sysroot *sr);
/* Prints collected messages to stderr as "vfioconf: warning: ...". */
void cli_print_log(const struct log *log);
/* Reads the settings file under the root into cli->settings, logging
 * problems with file:line into cli->log. */
void cli_load_settings(struct cli *cli);

#endif
