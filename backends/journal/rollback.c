/* rollback.c - taking one transaction back to before it, and finishing the
 * ones a crash interrupted.
 *
 * A rollback goes on past a step that fails (a full /boot included), puts
 * back what it can, removes what the failed tools left, then hashes every
 * file again: only a tree that verifies is called "as before". Otherwise
 * it names each file that is not, and writes RECOVERY.txt.
 */
#include "config.h"

#include "backends/journal/tx.h"
#include "core/i18n.h"
#include "backends/sys/sysroot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum fstat_kind { F_PRE, F_POST, F_OTHER };

static enum fstat_kind classify(struct journal *j, const struct tx_file *f, struct file_state *cur)
{
	char sha[65];

	if (file_state_read_at(j->rootfd, f->path, ROOTED_FOLLOW, cur) < 0)
		return F_OTHER;
	if (!cur->exists)
		return !f->pre_exists ? F_PRE : !f->post_exists ? F_POST : F_OTHER;
	sha256_hex(cur->bytes, cur->len, sha);
	if (f->pre_exists && strcmp(sha, f->pre_sha) == 0 &&
	    (f->artifact || (cur->mode == f->pre_mode && cur->uid == f->uid && cur->gid == f->gid)))
		return F_PRE;
	if (f->post_exists && f->post_sha[0] && strcmp(sha, f->post_sha) == 0)
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
		return atomic_remove_at(j->rootfd, f->path, ROOTED_FOLLOW, fp);
	e = tx_read_blob_checked(j, t, f->artifact ? "art" : "pre", i, f->pre_sha, &bytes, &len);
	if (e == 0)
		e = atomic_write_at(j->rootfd, f->path, ROOTED_FOLLOW, bytes, len, f->pre_mode, f->uid, f->gid, fp,
				    tx_tag(t), NULL);
	free(bytes);
	return e;
}

/* Files the failed tools left beside the ones they regenerate: names that
 * were not there before the commands (the listing record), no older than
 * the transaction's last record (what came later is someone else's). */
static void remove_leftovers(struct journal *j, struct tx *t)
{
	char *rel = xasprintf("%s/listing", t->rel);
	struct txrec r = {0};
	char *text = NULL;
	struct stat last;
	char *state = xasprintf("%s/state.%04d", t->rel, t->nstate - 1);
	int sfd = rooted_open(j->dirfd, state, O_PATH, 0, ROOTED_NO_SYMLINKS);

	free(state);
	if (sfd < 0 || fstat(sfd, &last) < 0 ||
	    rooted_read(j->dirfd, rel, 1u << 24, &text, NULL, ROOTED_NO_SYMLINKS) < 0 || txrec_parse(&r, text) < 0)
		goto out;
	for (long long d = 0; d < txrec_get_int(&r, "dirs", 0); d++) {
		char key[32];
		const char *dir, *before;
		struct strv now = {0}, was = {0};
		snprintf(key, sizeof(key), "d.%lld", d);
		dir = txrec_get(&r, key);
		snprintf(key, sizeof(key), "n.%lld", d);
		before = txrec_get(&r, key);
		if (!dir || !before || rooted_list(j->rootfd, dir, ROOTED_FOLLOW, &now) < 0) {
			strv_free(&now);
			continue;
		}
		for (const char *s = before; *s;) {
			size_t n = strcspn(s, "\n");
			char *name = xstrndup(s, n);
			strv_push(&was, name);
			free(name);
			s += n + (s[n] == '\n');
		}
		for (size_t i = 0; i < now.n; i++) {
			char *p = xasprintf("%s/%s", dir, now.v[i]);
			int fd = strv_contains(&was, now.v[i]) ? -1
				 : rooted_open(j->rootfd, p, O_PATH | O_NOFOLLOW, 0, ROOTED_FOLLOW);
			struct stat st;
			if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime <= last.st_mtime + 2) {
				bool ours = false;
				for (size_t k = 0; k < t->nf && !ours; k++)
					ours = strcmp(t->f[k].path, p) == 0;
				if (!ours && atomic_remove_at(j->rootfd, p, ROOTED_FOLLOW, "leftover") == 0) {
					journal_say(j, _("  removed %s (left by a failed command)\n"), p);
					tx_log(j, t, "removed leftover %s", p);
				}
			}
			if (fd >= 0)
				close(fd);
			free(p);
		}
		strv_free(&now);
		strv_free(&was);
	}
out:
	if (sfd >= 0)
		close(sfd);
	txrec_free(&r);
	free(text);
	free(rel);
}

/* The directories the transaction made, deepest first, when empty. */
static void remove_created_dirs(struct journal *j, const struct tx *t)
{
	for (size_t k = t->created_dirs.n; k > 0; k--) {
		const char *d = t->created_dirs.v[k - 1], *slash = strrchr(d, '/');
		char *parent = slash ? xstrndup(d, (size_t)(slash - d)) : xstrdup("");
		int pfd = rooted_open(j->rootfd, parent, O_RDONLY | O_DIRECTORY, 0, ROOTED_FOLLOW);
		if (pfd >= 0) {
			if (unlinkat(pfd, slash ? slash + 1 : d, AT_REMOVEDIR) == 0)
				fsync(pfd);
			close(pfd);
		}
		free(parent);
	}
}

/* The commands again, on the files as they were before: for artifacts that
 * changed since the transaction made them (a kernel update), a copy of the
 * old image would be older than the rest of the system. */
static int regenerate(struct journal *j, struct tx *t)
{
	for (size_t c = 0; c < t->ncmds; c++)
		if (tx_run(j, t, &t->cmds[c], j->timeout > 0 ? j->timeout : 900, false) != 0)
			return -ECHILD;
	return 0;
}

/* Every file as it was before the transaction? Names each that is not. */
static int verify(struct journal *j, const struct tx *t, bool regenerated)
{
	int bad = 0;

	for (size_t i = 0; i < t->nf; i++) {
		const struct tx_file *f = &t->f[i];
		struct file_state cur;
		enum fstat_kind c = classify(j, f, &cur);
		bool ok = c == F_PRE && (!cur.exists || f->artifact ||
					 (cur.mode == f->pre_mode && cur.uid == f->uid && cur.gid == f->gid));
		/* a regenerated image is new bytes: it must be there, not empty */
		if (!ok && f->artifact && regenerated && cur.exists && cur.len > 0)
			ok = true;
		if (!ok) {
			log_error(j->log, "%s/%s: NOT as before the transaction", j->root, f->path);
			bad++;
		}
		file_state_free(&cur);
	}
	return bad;
}

int tx_rollback(struct journal *j, struct tx *t, enum tx_rollback_how how)
{
	int e = 0, failed = 0, conflicts = 0, stale = 0, bad;
	bool regenerated = false;
	const char *s;
	char *why;

	if (strcmp(t->state, "ROLLING_BACK") != 0 && (e = tx_set_state(j, t, "ROLLING_BACK", NULL)) < 0)
		return e;
	for (size_t k = t->nf; k > 0; k--) {
		size_t i = k - 1;
		struct tx_file *f = &t->f[i];
		struct file_state cur;
		enum fstat_kind c = classify(j, f, &cur);
		char *fp = xasprintf("rollback:%zu", i);

		e = 0;
		atomic_cleanup(j->root, f->path, tx_tag(t));
		if (c == F_PRE) {
			/* bytes are right; the mode or owner may not be */
			if (cur.exists && !f->artifact &&
			    (cur.mode != f->pre_mode || cur.uid != f->uid || cur.gid != f->gid))
				e = restore_pre(j, t, i, fp);
		} else if (f->artifact) {
			/* ours to copy back only while nothing else can have touched it */
			if (how == TX_ROLLBACK_NOW || c == F_POST)
				e = restore_pre(j, t, i, fp);
			else
				stale++;
		} else if (c == F_POST || how == TX_ROLLBACK_NOW) {
			e = restore_pre(j, t, i, fp);
		} else {
			log_error(j->log, "%s/%s: changed by someone else during the transaction; left as it is",
				  j->root, f->path);
			conflicts++;
		}
		if (e < 0) {
			log_error(j->log, "%s/%s: cannot restore: %s", j->root, f->path,
				  e == -EBADMSG ? "the journal's copy is damaged" : strerror(-e));
			failed++;
		}
		file_state_free(&cur);
		free(fp);
	}
	remove_leftovers(j, t);
	if (stale && t->ncmds) {
		if (!j->regenerate) {
			log_error(j->log, "generated files changed since transaction %s; regenerate them (without "
					  "--no-regenerate) to finish", t->id);
		} else {
			journal_say(j, _("Generated files changed since transaction %s: regenerating them\n"), t->id);
			regenerated = regenerate(j, t) == 0;
			if (!regenerated)
				log_error(j->log, "regenerating after transaction %s failed", t->id);
		}
	}
	/* what the commands made where the journal cannot see it: they take
	 * it away, run again on the files as before (a trial's sync script
	 * without the trial's files) */
	if (!regenerated && t->ncmds && (s = txrec_get(&t->header, "rerun")) && strcmp(s, "on-rollback") == 0) {
		journal_say(j, _("Running the commands of transaction %s again, on the files as before it\n"), t->id);
		if (regenerate(j, t) < 0) {
			log_error(j->log, "running the commands of transaction %s again failed: what they made outside "
					  "the files may be left",
				  t->id);
			failed++;
		}
	}
	remove_created_dirs(j, t);
	bad = verify(j, t, regenerated);
	if (!bad && !conflicts && !failed) {
		tx_log(j, t, "rolled back");
		return tx_set_state(j, t, "ROLLED_BACK", NULL);
	}
	j->unverified = true;
	why = xasprintf("Its rollback did not finish: %d file(s) are not as before it%s.", bad,
			conflicts ? " (some were changed by someone else meanwhile)" : "");
	{
		char *path = tx_write_recovery(j, t, why);
		if (path)
			log_error(j->log, "what to do by hand is in %s", path);
		free(path);
	}
	free(why);
	return conflicts && !failed && bad <= conflicts ? -EEXIST : -EIO;
}

int journal_recover(struct journal *j, int *count)
{
	struct strv ids = {0};
	int r = 0;

	*count = 0;
	tx_list_ids(j, &ids);
	for (size_t i = 0; i < ids.n; i++) {
		struct tx t;
		int e = tx_load(j, ids.v[i], &t);
		if (e < 0 && (!t.state_known || !tx_is_terminal(t.state))) {
			char *why = xasprintf("A record of it is damaged or missing: %s. vfioconf cannot tell which "
					      "files it changed, so it touches none.", t.damage);
			char *path = tx_write_recovery(j, &t, why);
			log_error(j->log, "transaction %s: %s: nothing was done; see %s", t.id, t.damage,
				  path ? path : "its directory");
			free(path);
			free(why);
			r = -EBADMSG;
			tx_free(&t);
			continue;
		}
		if (tx_is_terminal(t.state) || (!t.state[0] && !t.header.kv.keys.n)) {
			tx_free(&t);
			continue;
		}
		(*count)++;
		if (!t.state[0] || strcmp(t.state, "PREPARED") == 0) {
			/* nothing was touched yet */
			e = tx_set_state(j, &t, "DISCARDED", "interrupted before any change");
			log_info(j->log, "transaction %s was interrupted before it changed anything: discarded", t.id);
		} else {
			e = tx_rollback(j, &t, TX_ROLLBACK_LATER);
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
