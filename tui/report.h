/* report.h - what both front ends print on the plain terminal: messages,
 * the live output of a transaction and its outcome. The CLI prints these
 * directly; the curses screen leaves curses to print them (tui.c outside).
 */
#ifndef VFIOCONF_REPORT_H
#define VFIOCONF_REPORT_H

#include "app/app.h"
#include "core/export.h"

/* Exit status, for scripts (vfioconf(8), EXIT STATUS): */
enum {
	EXIT_OK = 0,      /* done; plan: there are changes to make */
	EXIT_FAIL = 1,    /* an error, or (status) not in force */
	EXIT_USAGE = 2,   /* bad usage */
	EXIT_REFUSED = 3, /* plan, apply: something was refused, nothing applied */
	EXIT_NOTHING = 4, /* nothing to do, nothing configured, no trial */
};

/* With the IOMMU off: what to do, for this host's vendor, in one
 * sentence (caller frees): the firmware setting by its name, and whether
 * the kernel parameter is missing or already there (then the firmware is
 * what keeps it off). */
char *report_iommu_off(const struct host_facts *h);

/* The IOMMU is on but interrupt remapping is off: what that means and
 * what to do, one sentence (static). */
const char *report_irq_remap_off(void);
/* What a plan that binds no device does, in one line (the CLI's plan and
 * the screen's preview). */
const char *report_bind_none(const struct app_plan *p);

/* `vfioconf status` as text, for the CLI and the screen's status view:
 * the report of app_status(), or, when devices.conf does not exist,
 * that nothing is configured (and why the IOMMU is off, if it is). */
void report_status_text(struct strbuf *sb, const struct status_report *r, const struct host_facts *h);
void report_status_none(struct app *a, struct strbuf *sb);
/* `vfioconf trial status` as text, for the CLI and the status view. */
void report_trial_text(struct strbuf *sb, const struct app_trial *t);

/* Messages to stderr as "vfioconf: warning: ...". */
void report_log(const struct log *log);
/* The app's progress callback: the text to stdout, flushed. */
void report_progress(void *data, const char *text);

/* Applies a plan through the journal, printing progress and what happens
 * at the next boot; the caller has asked. trial: the trial's id when the
 * plan is a trial (app_trial_plan), else NULL. EXIT_OK (*txid_out, when
 * not NULL, gets the transaction's id; caller frees) or EXIT_FAIL. */
int report_apply(struct app *a, const struct app_plan *p, const char *trial, char **txid_out);

enum report_tx { REPORT_UNDO, REPORT_ROLLBACK };
/* Undo (of txid, NULL: the last one) or rollback through the journal,
 * with progress and the outcome; the caller has asked. what names the
 * command in messages. EXIT_OK or EXIT_FAIL. */
int report_journal_cmd(struct app *a, enum report_tx kind, const char *what, const char *txid);

/* The Proxmox node name of the system under --root (for export): the
 * running host's name when the root is its own /, else that root's
 * /etc/hostname. NULL when neither gives a usable name. */
const char *report_export_node(const struct app *a, char node[EXPORT_NODE_MAX]);

#endif
