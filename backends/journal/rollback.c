/* rollback.c - taking one transaction back to before it, and finishing the
 * ones a crash interrupted. */
#include "config.h"

#include "backends/journal/tx.h"
#include "backends/sys/sysroot.h"
#include "core/sha256.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum fstat_kind { F_PRE, F_POST, F_OTHER };

static enum fstat_kind classify(struct journal *j, const struct tx_file *f, struct file_state *cur)
{
	char sha[65];

	if (file_state_read(j->root, f->path, cur) < 0)
		return F_OTHER;
	if (!cur->exists)
		return !f->pre_exists ? F_PRE : !f->post_exists ? F_POST : F_OTHER;
	sha256_hex(cur->bytes, cur->len, sha);
	if (f->pre_exists && strcmp(sha, f->pre_sha) == 0 &&
	    (f->artifact || (cur->mode == f->pre_mode && cur->uid == f->uid && cur->gid == f->gid)))
		return F_PRE;
	if (f->post_exists && strcmp(sha, f->post_sha) == 0)
		return F_POST;
	if (f->pre_exists && strcmp(sha, f->pre_sha) == 0)
		return F_PRE; /* the bytes are back; metadata is restored below */
	return F_OTHER;
}

static int restore_pre(struct journal *j, const struct tx *t, size_t i, const char *fp)
{
	const struct tx_file *f = &t->f[i];
	char *bytes = NULL;
	size_t len = 0;
	int e;

	if (!f->pre_exists)
		return atomic_remove(j->root, f->path, fp);
	e = tx_read_blob(j, t, f->artifact ? "art" : "pre", i, &bytes, &len);
	if (e == 0) {
		char sha[65];
		sha256_hex(bytes, len, sha);
		if (strcmp(sha, f->pre_sha) != 0)
			e = -EBADMSG; /* the copy itself is damaged: never write it */
		else
			e = atomic_write(j->root, f->path, bytes, len, f->pre_mode, f->uid, f->gid, fp, tx_tag(t));
	}
	free(bytes);
	return e;
}

int tx_rollback(struct journal *j, struct tx *t, bool force)
{
	int e = 0, conflicts = 0;

	if (strcmp(t->state, "ROLLING_BACK") != 0 && (e = tx_set_state(j, t, "ROLLING_BACK", NULL)) < 0)
		return e;
	for (size_t k = t->nf; k > 0; k--) {
		size_t i = k - 1;
		struct tx_file *f = &t->f[i];
		struct file_state cur;
		enum fstat_kind c = classify(j, f, &cur);
		char *fp = xasprintf("rollback:%zu", i);

		atomic_cleanup(j->root, f->path, tx_tag(t));
		if (c == F_PRE) {
			/* bytes are right; the mode or owner may not be */
			if (cur.exists && (cur.mode != f->pre_mode || cur.uid != f->uid || cur.gid != f->gid))
				e = restore_pre(j, t, i, fp);
		} else if (c == F_POST || f->artifact || force) {
			e = restore_pre(j, t, i, fp);
		} else {
			log_error(j->log, "%s/%s: changed by someone else during the transaction; left as it is",
				  j->root, f->path);
			conflicts++;
		}
		if (e < 0)
			log_error(j->log, "%s/%s: cannot restore: %s", j->root, f->path, strerror(-e));
		file_state_free(&cur);
		free(fp);
		if (e < 0)
			return e;
	}
	if (conflicts)
		return -EEXIST;
	tx_log(j, t, "rolled back");
	return tx_set_state(j, t, "ROLLED_BACK", NULL);
}

int journal_recover(struct journal *j, int *count)
{
	char *dir = path_join(j->dir, "tx");
	struct strv ids = {0};
	int r = 0;

	*count = 0;
	tx_list_dir(dir, &ids);
	free(dir);
	for (size_t i = 0; i < ids.n; i++) {
		struct tx t;
		int e = tx_load(j, ids.v[i], &t);
		if (e < 0) {
			if (!t.state[0] || !tx_is_terminal(t.state)) {
				log_error(j->log, "%s/tx/%s: a record is damaged (%s); recover it by hand: see %s/RECOVERY.txt",
					  j->dir, ids.v[i], strerror(-e), j->dir);
				r = -EBADMSG;
			}
			tx_free(&t);
			continue;
		}
		if (tx_is_terminal(t.state)) {
			tx_free(&t);
			continue;
		}
		(*count)++;
		if (!t.state[0] || strcmp(t.state, "PREPARED") == 0) {
			/* nothing was touched yet */
			e = tx_set_state(j, &t, "DISCARDED", "interrupted before any change");
			log_info(j->log, "transaction %s was interrupted before it changed anything: discarded", t.id);
		} else {
			e = tx_rollback(j, &t, false);
			if (e == 0)
				log_info(j->log, "transaction %s was interrupted (%s): rolled back; every file is as before it",
					 t.id, t.state);
		}
		if (e < 0 && r == 0)
			r = e;
		tx_free(&t);
	}
	strv_free(&ids);
	return r;
}
