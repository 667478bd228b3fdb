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
	char *rel;           /* JOURNAL_DIR/tx/<id>, root-relative */
	struct txrec header;
	struct tx_file *f;
	size_t nf;
	struct strv *cmds;
	size_t ncmds;
	char state[20];
	int nstate;          /* next state record number */
};

bool tx_is_terminal(const char *state);
/* The random part of the id: names our temp files next to the targets. */
const char *tx_tag(const struct tx *t);
void tx_free(struct tx *t);
/* Appends a zeroed file entry; returns it (invalidated by the next add). */
struct tx_file *tx_add_file(struct tx *t);

/* The bytes of blob KIND-i ("pre", "post", "art"); -errno when unreadable.
 * Caller frees. */
int tx_read_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, char **bytes, size_t *len);
int tx_write_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, const char *b, size_t n);
/* A record in the transaction directory, written atomically. */
int tx_write_record(struct journal *j, const struct tx *t, const char *name, const struct txrec *r);
/* Appends the next state record; t->state follows. */
int tx_set_state(struct journal *j, struct tx *t, const char *state, const char *note);
/* Appends a line to the transaction's log file. */
void tx_log(struct journal *j, const struct tx *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sorted names in dir (dot files left out). */
void tx_list_dir(const char *dir, struct strv *out);
/* Loads tx id; a bad checksum anywhere makes it -EBADMSG. */
int tx_load(struct journal *j, const char *id, struct tx *t);
/* Every transaction with a readable header, oldest first. */
void tx_load_all(struct journal *j, struct tx **v, size_t *n);
void tx_free_all(struct tx *v, size_t n);

/* Rolls t back: every file to its pre state, artifacts from their copies.
 * Idempotent: a crash in here is recovered by running it again. */
int tx_rollback(struct journal *j, struct tx *t, bool force);

/* Live output through the journal's progress callback. */
void journal_say(struct journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* argv joined with blanks, for people to read. Caller frees. */
char *tx_quote_argv(const struct strv *a);

#endif
