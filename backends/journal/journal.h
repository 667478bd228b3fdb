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
	char *dir;   /* absolute ROOT/var/lib/vfioconf, for messages */
	int rootfd;  /* the root: every path of the system beneath it */
	int dirfd;   /* the journal's directory: every path of ours beneath it */
	int lockfd;
	struct log *log;
	journal_progress_fn *progress; /* may be NULL */
	void *progress_data;
	int timeout;      /* per command run while recovering (0: 900 s) */
	bool regenerate;  /* recovery may run a transaction's commands again */
	bool unverified;  /* a rollback could not verify every file: not "as before" */
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
	char short_id[16]; /* journal_short_id() */
	char kind[16];
	char of[64];
	char state[20];
	char created[32];
	struct strv files;
	struct strv cmds; /* shell-quoted for reading */
};

/* Creates the directory (0700; -ENOTDIR when it is a symlink) and takes
 * the lock: -EBUSY when another vfioconf holds it. */
int journal_open(struct journal *j, const char *root, struct log *log, journal_progress_fn *progress,
		 void *progress_data);
/* The journal as it is, for reading: no lock, nothing created. -ENOENT
 * when the root has no journal, -EACCES without the right to read it. */
int journal_open_readonly(struct journal *j, const char *root, struct log *log);
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
/* What an undo (rollback false; txid as for journal_undo) or a rollback
 * would do, as a plan, changing nothing: for the question before it. */
int journal_reverse_preview(struct journal *j, const char *txid, bool rollback, bool force, struct plan *p);
/* Back to the state before vfioconf's first committed change. */
int journal_rollback(struct journal *j, const struct tx_opts *o, char **new_txid);
/* Every transaction, oldest first; caller frees with journal_list_free. */
int journal_list(struct journal *j, struct tx_info **v, size_t *n);
/* The part of an ID a person reads and types: the first 8 hex digits of
 * its random suffix ("20261202T114512.123456789Z-1a2b3c4d5e6f7a8b" gives
 * "1a2b3c4d"); out holds 16 bytes. */
void journal_short_id(const char *id, char *out);
/* q names id: the whole ID, or at least 4 characters that begin it or
 * its random suffix. */
bool journal_id_matches(const char *id, const char *q);
/* The same without opening the journal (no lock, nothing created): for
 * reading the history, also without root. */
int journal_list_at(const char *root, struct log *log, struct tx_info **v, size_t *n);
void journal_list_free(struct tx_info *v, size_t n);
/* v[i] (of a list, oldest first) was undone by a later committed
 * transaction; with rollback_counts, also when a later rollback took
 * everything back. */
bool journal_info_undone(const struct tx_info *v, size_t n, size_t i, bool rollback_counts);

/* What vfioconf's committed transactions added, for a plan that is about
 * to take out what devices.conf's [added] says vfioconf added: that file
 * can be edited by hand, the journal's verified copies cannot. -ENOENT: no
 * journal; -EACCES: not readable (not root). */
struct journal_evidence;
int journal_evidence_open(const char *root, struct journal_evidence **out);
/* Did a committed transaction add token (as a word of its own) to path? */
bool journal_evidence_added(struct journal_evidence *ev, const char *path, const char *token);
void journal_evidence_free(struct journal_evidence *ev);

#endif
