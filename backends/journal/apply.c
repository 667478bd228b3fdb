/* apply.c - one plan as one transaction: record, apply the files, run the
 * commands, check what they generated (checks.c), commit; any failure
 * rolls back.
 */
#include "config.h"

#include "backends/journal/tx.h"
#include "core/i18n.h"
#include "backends/sys/failpoint.h"
#include "backends/sys/mounts.h"
#include "backends/sys/sysroot.h"
#include "core/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* Sorts by creation (nanoseconds), unique by a 64-bit random suffix. */
static void new_id(char *out, size_t n)
{
	unsigned char rnd[8] = {0};
	struct timespec ts;
	struct tm tm;
	char t[32];

	if (getrandom(rnd, sizeof(rnd), 0) < 0)
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(rand() & 0xff);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, n, "%s.%09ldZ-%02x%02x%02x%02x%02x%02x%02x%02x", t, ts.tv_nsec, rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
}

int tx_write_entry(struct journal *j, const struct tx *t, size_t i)
{
	const struct tx_file *f = &t->f[i];
	struct txrec r = {0};
	char name[48];
	int e;

	txrec_set(&r, "path", f->path);
	txrec_setf(&r, "artifact", "%d", f->artifact);
	txrec_setf(&r, "pre.exists", "%d", f->pre_exists);
	txrec_set(&r, "pre.sha256", f->pre_sha);
	txrec_setf(&r, "pre.mode", "0%o", (unsigned)f->pre_mode);
	txrec_setf(&r, "post.exists", "%d", f->post_exists);
	txrec_set(&r, "post.sha256", f->post_sha);
	txrec_setf(&r, "post.mode", "0%o", (unsigned)f->post_mode);
	txrec_setf(&r, "uid", "%u", (unsigned)f->uid);
	txrec_setf(&r, "gid", "%u", (unsigned)f->gid);
	snprintf(name, sizeof(name), "entry.%04zu", i);
	e = tx_write_record(j, t, name, &r);
	txrec_free(&r);
	return e;
}

/* The directories above a new file that do not exist yet: the apply makes
 * them, and an undo or rollback takes them away again when empty. */
static void note_new_dirs(struct journal *j, struct tx *t, const char *path)
{
	char *dir = xstrdup(path), *s;
	struct strv missing = {0};

	while ((s = strrchr(dir, '/'))) {
		int fd;
		*s = '\0';
		/* a link there, even one that leads nowhere now, is not ours to take away */
		fd = rooted_open(j->rootfd, dir, O_PATH | O_NOFOLLOW, 0, ROOTED_FOLLOW);
		if (fd >= 0) {
			close(fd);
			break;
		}
		strv_push(&missing, dir);
	}
	for (size_t i = missing.n; i > 0; i--)
		strv_push_unique(&t->created_dirs, missing.v[i - 1]);
	strv_free(&missing);
	free(dir);
}

/* The plan's files as they are now; each must still be what the plan saw.
 * Adds the bytes they need in the journal to *need. */
static int collect_files(struct journal *j, struct tx *t, const struct plan *p, unsigned long long *need)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct plan_file *pf = &p->files[i];
		struct file_state cur;
		struct tx_file *f;
		int e;

		if ((pf->old && pf->new && pf->old_len == pf->new_len && memcmp(pf->old, pf->new, pf->old_len) == 0) ||
		    (!pf->old && !pf->new))
			continue;
		e = file_state_read_at(j->rootfd, pf->path, ROOTED_FOLLOW, &cur);
		if (e < 0) {
			log_error(j->log, "%s/%s: %s", j->root, pf->path, e == -ENOLINK ? "a dangling link" : strerror(-e));
			return e;
		}
		if (cur.exists != (pf->old != NULL) ||
		    (cur.exists && (cur.len != pf->old_len || memcmp(cur.bytes, pf->old, cur.len) != 0))) {
			log_error(j->log, "%s/%s: changed since the plan was made; plan again", j->root, pf->path);
			file_state_free(&cur);
			return -ESTALE;
		}
		f = tx_add_file(t);
		if (rooted_resolve(j->rootfd, pf->path, &f->path) < 0)
			f->path = xstrdup(pf->path);
		if (!cur.exists)
			note_new_dirs(j, t, f->path);
		f->pre_exists = cur.exists;
		f->post_exists = pf->new != NULL;
		if (cur.exists)
			sha256_hex(cur.bytes, cur.len, f->pre_sha);
		if (pf->new)
			sha256_hex(pf->new, pf->new_len, f->post_sha);
		f->pre_mode = cur.exists ? cur.mode : 0;
		f->post_mode = cur.exists ? cur.mode : (pf->mode ? pf->mode : 0644);
		f->uid = cur.exists ? cur.uid : 0;
		f->gid = cur.exists ? cur.gid : 0;
		*need += cur.len + pf->new_len;
		file_state_free(&cur);
	}
	return 0;
}

/* Snapshots of the files the commands regenerate, as the plan declares
 * them; a file the plan itself writes is not an artifact. */
static void collect_artifacts(struct journal *j, struct tx *t, const struct plan *p, unsigned long long *need)
{
	struct strv arts = {0};
	size_t nconf = t->nf;

	for (size_t i = 0; i < p->artifacts.n; i++)
		tx_expand_glob(j->root, p->artifacts.v[i], &arts);
	for (size_t i = 0; i < arts.n; i++) {
		struct file_state cur;
		struct tx_file *f;
		bool planned = false;
		for (size_t k = 0; k < nconf && !planned; k++)
			planned = strcmp(t->f[k].path, arts.v[i]) == 0;
		if (planned || file_state_read_at(j->rootfd, arts.v[i], ROOTED_FOLLOW, &cur) < 0 || !cur.exists) {
			if (!planned)
				file_state_free(&cur);
			continue;
		}
		f = tx_add_file(t);
		f->path = xstrdup(arts.v[i]);
		f->artifact = true;
		f->pre_exists = true;
		sha256_hex(cur.bytes, cur.len, f->pre_sha);
		f->pre_mode = f->post_mode = cur.mode;
		f->uid = cur.uid;
		f->gid = cur.gid;
		*need += cur.len;
		file_state_free(&cur);
	}
	strv_free(&arts);
}

/* Everything the transaction writes (its files, and the directories of
 * what its commands regenerate) on the file systems fstab puts there. */
static int check_mounts(struct journal *j, const struct tx *t, const struct plan *p)
{
	struct strv paths = {0};
	int e;

	for (size_t i = 0; i < t->nf; i++)
		strv_push(&paths, t->f[i].path);
	for (size_t i = 0; p->n_cmds && i < p->artifacts.n; i++) {
		const char *g = p->artifacts.v[i], *wild = strpbrk(g, "*?[");
		char *dir = wild ? xstrndup(g, (size_t)(wild - g)) : xstrdup(g);
		char *s = strrchr(dir, '/');
		if (s)
			*s = '\0';
		strv_push(&paths, dir);
		free(dir);
	}
	e = mounts_check(j->rootfd, j->root, &paths, j->log);
	strv_free(&paths);
	return e;
}

/* What the directories the commands write held before they ran, so that a
 * rollback can take away what a failed command left there. */
static int write_listing(struct journal *j, const struct tx *t, const struct plan *p)
{
	struct strv dirs = {0};
	struct txrec r = {0};
	char key[32];
	int e;

	for (size_t i = 0; i < t->nf; i++)
		if (t->f[i].artifact) {
			const char *s = strrchr(t->f[i].path, '/');
			char *d = s ? xstrndup(t->f[i].path, (size_t)(s - t->f[i].path)) : xstrdup("");
			strv_push_unique(&dirs, d);
			free(d);
		}
	for (size_t i = 0; i < p->artifacts.n; i++) {
		const char *s = strrchr(p->artifacts.v[i], '/');
		char *d = s ? xstrndup(p->artifacts.v[i], (size_t)(s - p->artifacts.v[i])) : xstrdup("");
		if (!strpbrk(d, "*?["))
			strv_push_unique(&dirs, d);
		free(d);
	}
	txrec_setf(&r, "dirs", "%zu", dirs.n);
	for (size_t d = 0; d < dirs.n; d++) {
		struct strv names = {0};
		struct strbuf sb = {0};
		rooted_list(j->rootfd, dirs.v[d], ROOTED_FOLLOW, &names);
		for (size_t k = 0; k < names.n; k++)
			strbuf_printf(&sb, "%s%s", k ? "\n" : "", names.v[k]);
		snprintf(key, sizeof(key), "d.%zu", d);
		txrec_set(&r, key, dirs.v[d]);
		snprintf(key, sizeof(key), "n.%zu", d);
		txrec_set(&r, key, strbuf_str(&sb));
		strbuf_free(&sb);
		strv_free(&names);
	}
	e = tx_write_record(j, t, "listing", &r);
	txrec_free(&r);
	strv_free(&dirs);
	return e;
}

/* "COUNT = n" and "ITEM.0" .. "ITEM.n-1" in a header record. */
static void header_list(struct txrec *hdr, const char *count, const char *item, const struct strv *v)
{
	txrec_setf(hdr, count, "%zu", v->n);
	for (size_t a = 0; a < v->n; a++) {
		char key[64];
		snprintf(key, sizeof(key), "%s.%zu", item, a);
		txrec_set(hdr, key, v->v[a]);
	}
}

/* The journal's copy of everything before a byte changes: the directory,
 * the blobs, an entry per file, the header, PREPARED. */
static int prepare(struct journal *j, struct tx *t, const struct plan *p, const struct tx_opts *o, size_t nconf)
{
	struct txrec hdr = {0};
	time_t now = time(NULL);
	char created[32];
	int e = 0;

	failpoint("P1");
	{
		char *blobs = xasprintf("%s/blobs", t->rel);
		int fd = rooted_mkdirs(j->dirfd, blobs, 0700, ROOTED_NO_SYMLINKS, NULL);
		free(blobs);
		if (fd < 0) {
			log_error(j->log, "%s/%s: %s", j->dir, t->rel, strerror(-fd));
			return fd;
		}
		close(fd);
	}
	for (size_t i = 0; i < t->nf && e == 0; i++) {
		struct tx_file *f = &t->f[i];
		struct file_state cur;
		failpointf("P2:%zu", i);
		if ((e = file_state_read_at(j->rootfd, f->path, ROOTED_FOLLOW, &cur)) < 0)
			break;
		if (cur.exists)
			e = tx_write_blob(j, t, f->artifact ? "art" : "pre", i, cur.bytes, cur.len);
		file_state_free(&cur);
		if (e == 0 && !f->artifact && f->post_exists)
			for (size_t k = 0; k < p->n_files; k++) {
				char *res = NULL;
				if (rooted_resolve(j->rootfd, p->files[k].path, &res) == 0 && strcmp(res, f->path) == 0 &&
				    p->files[k].new)
					e = tx_write_blob(j, t, "post", i, p->files[k].new, p->files[k].new_len);
				free(res);
			}
		if (e == 0)
			e = tx_write_entry(j, t, i);
	}
	if (e == 0 && o->regenerate && p->n_cmds)
		e = write_listing(j, t, p);
	if (e < 0) {
		log_error(j->log, "%s/%s: cannot write the journal: %s", j->dir, t->rel, strerror(-e));
		return e;
	}
	failpoint("P4");
	txrec_set(&hdr, "format", "1");
	txrec_set(&hdr, "txid", t->id);
	txrec_setf(&hdr, "seq", "%lld", t->seq);
	txrec_setf(&hdr, "entries", "%zu", t->nf);
	txrec_set(&hdr, "kind", o->kind ? o->kind : "apply");
	if (o->of)
		txrec_set(&hdr, "of", o->of);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	txrec_set(&hdr, "created", created);
	txrec_set(&hdr, "root", j->root);
	txrec_set(&hdr, "tool", PACKAGE " " PACKAGE_VERSION);
	txrec_setf(&hdr, "files", "%zu", nconf);
	txrec_setf(&hdr, "cmds", "%zu", o->regenerate ? p->n_cmds : 0);
	for (size_t c = 0; o->regenerate && c < p->n_cmds; c++)
		for (size_t a = 0; a < p->cmds[c].argv.n; a++) {
			char key[64];
			snprintf(key, sizeof(key), "cmd.%zu.%zu", c, a);
			txrec_set(&hdr, key, p->cmds[c].argv.v[a]);
		}
	/* what the commands regenerate, and which of those they may take
	 * away: for an undo that runs them again */
	header_list(&hdr, "artifacts", "artifact", &p->artifacts);
	header_list(&hdr, "vanish", "vanish", &p->vanish);
	if (p->rerun_on_rollback && o->regenerate && p->n_cmds)
		txrec_set(&hdr, "rerun", "on-rollback");
	/* the directories the files need, taken away again by undo */
	txrec_setf(&hdr, "mkdirs", "%zu", t->created_dirs.n);
	for (size_t d = 0; d < t->created_dirs.n; d++) {
		char key[64];
		snprintf(key, sizeof(key), "mkdir.%zu", d);
		txrec_set(&hdr, key, t->created_dirs.v[d]);
	}
	e = tx_write_record(j, t, "header", &hdr);
	if (e == 0)
		e = tx_set_state(j, t, "PREPARED", NULL);
	/* what a rollback now reads of the header: the commands to run again */
	if (e == 0 && txrec_get(&hdr, "rerun")) {
		txrec_set(&t->header, "rerun", txrec_get(&hdr, "rerun"));
		t->cmds = xcalloc(p->n_cmds, sizeof(*t->cmds));
		for (t->ncmds = 0; t->ncmds < p->n_cmds; t->ncmds++)
			for (size_t a = 0; a < p->cmds[t->ncmds].argv.n; a++)
				strv_push(&t->cmds[t->ncmds], p->cmds[t->ncmds].argv.v[a]);
	}
	txrec_free(&hdr);
	if (e < 0) {
		log_error(j->log, "%s/%s: cannot write the journal: %s", j->dir, t->rel, strerror(-e));
		return e;
	}
	tx_log(j, t, "prepared %zu files, %zu commands", nconf, o->regenerate ? p->n_cmds : 0);
	return 0;
}

/* Every file to its new bytes (or away). */
static int apply_files(struct journal *j, struct tx *t)
{
	int e;

	for (size_t i = 0; i < t->nf; i++) {
		struct tx_file *f = &t->f[i];
		char *fp, *bytes = NULL;
		size_t len = 0;
		if (f->artifact)
			continue;
		fp = xasprintf("apply:%zu", i);
		if (f->post_exists) {
			e = tx_read_blob_checked(j, t, "post", i, f->post_sha, &bytes, &len);
			if (e == 0)
				e = atomic_write_at(j->rootfd, f->path, ROOTED_FOLLOW, bytes, len, f->post_mode, f->uid,
						    f->gid, fp, tx_tag(t), NULL);
		} else {
			e = atomic_remove_at(j->rootfd, f->path, ROOTED_FOLLOW, fp);
		}
		free(bytes);
		free(fp);
		if (e < 0) {
			log_error(j->log, "%s/%s: %s", j->root, f->path,
				  e == -EMLINK	  ? "has other hard links; a rename would break them"
				  : e == -EBADMSG ? "the journal's copy of the new bytes is damaged"
						  : strerror(-e));
			return e;
		}
		journal_say(j, !f->pre_exists ? _("  created %s\n") : !f->post_exists ? _("  removed %s\n") : _("  changed %s\n"),
			    f->path);
	}
	return 0;
}

/* An undo takes away the directories the undone transaction made, once
 * its files are gone and nothing else is in them. */
static void remove_dirs(struct journal *j, const struct plan *p)
{
	for (size_t k = p->rmdirs.n; k > 0; k--) {
		const char *d = p->rmdirs.v[k - 1], *slash = strrchr(d, '/');
		char *parent = slash ? xstrndup(d, (size_t)(slash - d)) : xstrdup("");
		int pfd = rooted_open(j->rootfd, parent, O_RDONLY | O_DIRECTORY, 0, ROOTED_FOLLOW);
		if (pfd >= 0) {
			if (unlinkat(pfd, slash ? slash + 1 : d, AT_REMOVEDIR) == 0) {
				fsync(pfd);
				journal_say(j, _("  removed %s/\n"), d);
			}
			close(pfd);
		}
		free(parent);
	}
}

/* What the commands made so far, recorded: a recovery copies an image
 * back only while it is still what the transaction made. */
static int record_artifacts(struct journal *j, struct tx *t)
{
	for (size_t i = 0; i < t->nf; i++) {
		struct tx_file *f = &t->f[i];
		struct file_state cur;
		char sha[65];
		int e = 0;
		if (!f->artifact || file_state_read_at(j->rootfd, f->path, ROOTED_FOLLOW, &cur) < 0)
			continue;
		if (cur.exists) {
			sha256_hex(cur.bytes, cur.len, sha);
			if (strcmp(sha, f->pre_sha) != 0 && (!f->post_exists || strcmp(sha, f->post_sha) != 0)) {
				memcpy(f->post_sha, sha, sizeof(sha));
				f->post_exists = true;
				e = tx_write_entry(j, t, i);
			}
		}
		file_state_free(&cur);
		if (e < 0)
			return e;
	}
	return 0;
}

/* The plan's commands, in order, then the evidence they worked. */
static int regenerate(struct journal *j, struct tx *t, const struct plan *p, const struct tx_opts *o)
{
	int e;

	for (size_t c = 0; c < p->n_cmds; c++) {
		char *q = tx_quote_argv(&p->cmds[c].argv);
		int rc;
		failpointf("R3:%zu", c);
		rc = tx_run(j, t, &p->cmds[c].argv, o->timeout, true);
		if (rc != 0) {
			log_error(j->log, "%s %s; everything is rolled back", q,
				  rc == -ETIMEDOUT ? "did not finish in time"
				  : rc < 0 ? "could not be started"
					   : rc > 128 ? "was killed" : "failed");
			free(q);
			return rc == -ETIMEDOUT ? -ETIMEDOUT : -ECHILD;
		}
		free(q);
		if ((e = record_artifacts(j, t)) < 0)
			return e;
	}
	if ((e = tx_verify_artifacts(j, t, &p->vanish)) < 0) {
		log_error(j->log, "a generated file is missing; everything is rolled back");
		return e;
	}
	if ((e = tx_run_checks(j, t, p, o->timeout)) < 0) {
		log_error(j->log, "the generated files do not say what was planned; everything is rolled back");
		return e;
	}
	return 0;
}

int journal_apply(struct journal *j, const struct plan *p, const struct tx_opts *o, char **txid)
{
	struct tx t = {0};
	unsigned long long need = 0;
	size_t nconf;
	int e;

	new_id(t.id, sizeof(t.id));
	t.rel = xasprintf("tx/%s", t.id);
	t.seq = tx_next_seq(j);
	j->unverified = false;

	if ((e = collect_files(j, &t, p, &need)) < 0)
		goto out_free;
	nconf = t.nf;
	if (!nconf) {
		log_info(j->log, "nothing to change");
		e = -ENODATA;
		goto out_free;
	}
	if (o->regenerate && p->n_cmds)
		collect_artifacts(j, &t, p, &need);
	if ((e = check_mounts(j, &t, p)) < 0 || (e = tx_check_space(j, &t, p, need)) < 0)
		goto out_free;
	if ((e = prepare(j, &t, p, o, nconf)) < 0)
		goto out_free;

	if ((e = tx_set_state(j, &t, "APPLYING", NULL)) < 0 || (e = apply_files(j, &t)) < 0 ||
	    (e = tx_set_state(j, &t, "FILES_APPLIED", NULL)) < 0)
		goto rollback;
	remove_dirs(j, p);
	if (o->regenerate && p->n_cmds) {
		if ((e = tx_set_state(j, &t, "REGENERATING", NULL)) < 0 || (e = regenerate(j, &t, p, o)) < 0 ||
		    (e = tx_set_state(j, &t, "REGENERATED", NULL)) < 0)
			goto rollback;
	}

	/* ---- the commit point ---- */
	if ((e = tx_set_state(j, &t, "COMMITTED", NULL)) < 0)
		goto rollback;
	failpoint("C2");
	tx_log(j, &t, "committed");
	*txid = xstrdup(t.id);
	goto out_free;

rollback:
	{
		int re = tx_rollback(j, &t, TX_ROLLBACK_NOW);
		if (re < 0)
			log_error(j->log, "the rollback of %s did not finish (%s); run 'vfioconf recover'", t.id,
				  strerror(-re));
	}
out_free:
	tx_free(&t);
	return e;
}
