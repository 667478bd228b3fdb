/* report.h - what both front ends print on the plain terminal: messages,
 * the live output of a transaction and its outcome. The CLI prints these
 * directly; the curses screen leaves curses to print them (tui.c outside).
 */
#ifndef VFIOCONF_REPORT_H
#define VFIOCONF_REPORT_H

#include "app/app.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/* With the IOMMU off: what to do, for this host's vendor, in one
 * sentence (caller frees): the firmware setting by its name, and whether
 * the kernel parameter is missing or already there (then the firmware is
 * what keeps it off). */
char *report_iommu_off(const struct host_facts *h);

/* The IOMMU is on but interrupt remapping is off: what that means and
 * what to do, one sentence (static). */
const char *report_irq_remap_off(void);

/* `vfioconf status` as text, for the CLI and the screen's status view:
 * the report of app_status(), or, when devices.conf does not exist,
 * that nothing is configured (and why the IOMMU is off, if it is). */
void report_status_text(struct strbuf *sb, const struct status_report *r, const struct host_facts *h);
void report_status_none(struct app *a, struct strbuf *sb);

/* Messages to stderr as "vfioconf: warning: ...". */
void report_log(const struct log *log);
/* The app's progress callback: the text to stdout, flushed. */
void report_progress(void *data, const char *text);

/* Applies a plan through the journal, printing progress and what happens
 * at the next boot; the caller has asked. trial: the trial's id when the
 * plan is a trial (app_trial_plan), else NULL. EXIT_OK or EXIT_FAIL. */
int report_apply(struct app *a, const struct app_plan *p, const char *trial);

enum report_tx { REPORT_UNDO, REPORT_ROLLBACK };
/* Undo (of txid, NULL: the last one) or rollback through the journal,
 * with progress and the outcome; the caller has asked. what names the
 * command in messages. EXIT_OK or EXIT_FAIL. */
int report_journal_cmd(struct app *a, enum report_tx kind, const char *what, const char *txid);

#endif
