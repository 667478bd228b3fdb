/* journal.h - transactions under ROOT/var/lib/vfioconf (reliability.md §8).
 *
 * One directory per transaction (tx/<time>-<random>/): the exact bytes and
 * metadata of every file before and after (blobs/), the argv of every
 * command, copies of the generated artifacts a command replaces, and
 * append-only state records:
 *   PREPARED -> APPLYING -> FILES_APPLIED -> REGENERATING -> REGENERATED
 *   -> COMMITTED (the one commit point); any failure or crash before it:
 *   ROLLING_BACK -> ROLLED_BACK; nothing touched yet: DISCARDED.
 * Every record ends in a checksum; recovery runs at the start of every
 * command that writes and leaves each file exactly as before or exactly as
 * after. Undo and rollback are new transactions through the same path.
 * One writer at a time (flock on LOCK).
 */
#ifndef VFIOCONF_JOURNAL_H
#define VFIOCONF_JOURNAL_H

#include <stdbool.h>

#include "core/log.h"
#include "core/plan.h"

#define JOURNAL_DIR "var/lib/vfioconf"

/* Live output for a person: whole lines (progress, each line a command
 * prints, prefixed "  | "), ending in a newline. */
typedef void journal_progress_fn(void *data, const char *text);

struct journal {
	char *root;
	char *dir;   /* absolute ROOT/var/lib/vfioconf */
	int lockfd;
	struct log *log;
	journal_progress_fn *progress; /* may be NULL */
	void *progress_data;
};

struct tx_opts {
	bool regenerate;   /* run the plan's commands */
	bool force;        /* overwrite files changed by hand, keeping a copy */
	int timeout;       /* per command, seconds */
	const char *kind;  /* "apply", "undo", "rollback" */
	const char *of;    /* the transaction undone, or NULL */
};

struct tx_info {
	char id[64];
	char kind[16];
	char of[64];
	char state[20];
	char created[32];
	struct strv files;
	struct strv cmds; /* shell-quoted for reading */
};

/* Creates the directory (0700) and takes the lock: -EBUSY when another
 * vfioconf holds it. */
int journal_open(struct journal *j, const char *root, struct log *log, journal_progress_fn *progress,
		 void *progress_data);
void journal_close(struct journal *j);
/* Finishes interrupted transactions (rolls them back); *count says how
 * many. 0, or -errno when one could not be recovered (logged). */
int journal_recover(struct journal *j, int *count);
/* Applies the plan's changed files and, with regenerate, its commands.
 * 0 committed (*txid set, caller frees), or -errno after rolling back
 * (the reason logged). */
int journal_apply(struct journal *j, const struct plan *p, const struct tx_opts *o, char **txid);
/* Reverts a committed transaction (NULL: the last one not undone) as a new
 * transaction; refuses files changed since unless o->force. */
int journal_undo(struct journal *j, const char *txid, const struct tx_opts *o, char **new_txid);
/* Back to the state before vfioconf's first committed change. */
int journal_rollback(struct journal *j, const struct tx_opts *o, char **new_txid);
/* Every transaction, oldest first; caller frees with journal_list_free. */
int journal_list(struct journal *j, struct tx_info **v, size_t *n);
/* The same without opening the journal (no lock, nothing created): for
 * reading the history, also without root. */
int journal_list_at(const char *root, struct log *log, struct tx_info **v, size_t *n);
void journal_list_free(struct tx_info *v, size_t n);

#endif
