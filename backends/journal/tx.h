/* tx.h - one transaction in memory and on disk: the journal's own parts
 * (tx.c records and loading, rollback.c, apply.c, undo.c, list.c). Not for
 * use outside backends/journal.
 *
 * On disk, ROOT/var/lib/vfioconf/tx/<id>/ holds "header" (kind, argv of
 * every command, the artifacts declared), "entry.NNNN" per file (path,
 * hashes, modes, owner), "state.NNNN" records (the highest valid one is the
 * state), blobs/{pre,post,art}-NNNN and an append-only "log".
 */
#ifndef VFIOCONF_JOURNAL_TX_H
#define VFIOCONF_JOURNAL_TX_H

#include <stdbool.h>
#include <sys/types.h>

#include "backends/journal/journal.h"
#include "backends/sys/atomic.h"
#include "backends/sys/rooted.h"
#include "core/sha256.h"
#include "core/txrec.h"

struct tx_file {
	char *path;          /* root-relative, resolved */
	bool pre_exists, post_exists;
	char pre_sha[65], post_sha[65];
	mode_t pre_mode, post_mode;
	uid_t uid;
	gid_t gid;
	bool artifact;       /* snapshot of a generated file: post unknown */
};

struct tx {
	char id[64];
	char *rel;           /* tx/<id>, relative to the journal's directory */
	long long seq;       /* order of creation (header "seq"; 0 in old journals) */
	struct txrec header;
	struct tx_file *f;
	size_t nf;
	struct strv *cmds;
	size_t ncmds;
	char state[20];      /* "" when none was recorded */
	int nstate;          /* next state record number */
	bool state_known;    /* the state records are whole: state can be trusted */
	char *damage;        /* what is damaged or missing, or NULL */
	struct strv created_dirs; /* directories the transaction made (header "mkdir.N") */
};

bool tx_is_terminal(const char *state);
/* The random part of the id: names our temp files next to the targets. */
const char *tx_tag(const struct tx *t);
void tx_free(struct tx *t);
/* Appends a zeroed file entry; returns it (invalidated by the next add). */
struct tx_file *tx_add_file(struct tx *t);

/* The bytes of blob KIND-i ("pre", "post", "art"); -errno when unreadable
 * or not a regular file. Caller frees. */
int tx_read_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, char **bytes, size_t *len);
/* The same, verified against sha: -EBADMSG when the copy is damaged. */
int tx_read_blob_checked(struct journal *j, const struct tx *t, const char *kind, size_t i, const char *sha,
			 char **bytes, size_t *len);
int tx_write_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, const char *b, size_t n);
/* A record in the transaction directory, written atomically. */
int tx_write_record(struct journal *j, const struct tx *t, const char *name, const struct txrec *r);
/* Appends the next state record; t->state follows. */
int tx_set_state(struct journal *j, struct tx *t, const char *state, const char *note);
/* Appends a line to the transaction's log file. */
void tx_log(struct journal *j, const struct tx *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The ids under tx/ (unsorted). */
void tx_list_ids(struct journal *j, struct strv *ids);
/* Loads tx id. A record that fails its checksum, or one missing from the
 * sequence the header and the state records promise, makes it -EBADMSG
 * with t->damage saying which; t->state_known tells whether the state
 * itself can still be trusted. A transaction interrupted before it was
 * prepared has no header and no state: 0, state "". */
int tx_load(struct journal *j, const char *id, struct tx *t);
/* Every transaction, in the order they were made (seq, then id). Damaged
 * ones are included (t->damage set). */
void tx_load_all(struct journal *j, struct tx **v, size_t *n);
void tx_free_all(struct tx *v, size_t n);
/* The next sequence number: one more than any transaction has. */
long long tx_next_seq(struct journal *j);

/* ---- checks.c ---- */

/* The files that match a root-relative glob, root-relative and sorted. */
void tx_expand_glob(const char *root, const char *pattern, struct strv *out);
/* Room for the transaction on every file system it writes (need_journal:
 * the bytes of the journal's copies). -ENOSPC, logged, when not. */
int tx_check_space(struct journal *j, const struct tx *t, const struct plan *p, unsigned long long need_journal);
/* After the commands: every image that was there is still there, not
 * empty (unless it matches a glob in vanish: the plan takes it away);
 * its new hash goes to the entry. -EIO, logged. */
int tx_verify_artifacts(struct journal *j, struct tx *t, const struct strv *vanish);
/* The plan's checks. 0, or -EIO with every failure logged. */
int tx_run_checks(struct journal *j, struct tx *t, const struct plan *p, int timeout);

/* Writes tx/<id>/RECOVERY.txt: why vfioconf stopped, each file with the
 * hashes the journal recorded and what it is now, and the commands that
 * finish by hand. Returns its path (caller frees) or NULL. */
char *tx_write_recovery(struct journal *j, const struct tx *t, const char *why);

enum tx_rollback_how {
	TX_ROLLBACK_NOW,   /* in the same run that failed: everything changed is ours */
	TX_ROLLBACK_LATER, /* after a crash: what changed since the journal's hashes is not */
};
/* Rolls t back: every file to its pre state, artifacts from their copies
 * while they are what the transaction made (else regenerated), leftovers
 * of failed commands removed, directories it made removed; then every file
 * verified. 0, -EEXIST (files changed by someone else, left alone) or -EIO
 * (not all as before: named in the log, RECOVERY.txt written). Idempotent:
 * a crash in here is recovered by running it again. */
int tx_rollback(struct journal *j, struct tx *t, enum tx_rollback_how how);
/* The entry record of file i, as t->f[i] says now. */
int tx_write_entry(struct journal *j, const struct tx *t, size_t i);

/* Live output through the journal's progress callback. */
void journal_say(struct journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs a command in the root: "Running ..." said, its output echoed (when
 * echo) and logged with its exit. run_cmd's result. */
int tx_run(struct journal *j, const struct tx *t, const struct strv *argv, int timeout, bool echo);
/* argv joined with blanks, for people to read. Caller frees. */
char *tx_quote_argv(const struct strv *a);

#endif
