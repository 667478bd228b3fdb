/* apply.c - one plan as one transaction: record, apply the files, run the
 * commands, check what they generated, commit; any failure rolls back.
 *
 * The plan says which files the commands regenerate (plan.artifacts) and
 * what must hold afterwards (plan.checks); the journal runs both without
 * knowing any boot loader or initramfs system.
 */
#include "config.h"

#include "backends/journal/tx.h"
#include "backends/sys/failpoint.h"
#include "backends/sys/runner.h"
#include "backends/sys/sysroot.h"
#include "core/sha256.h"

#include <errno.h>
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

static int write_entry(struct journal *j, const struct tx *t, size_t i)
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

/* The files that match a root-relative glob, root-relative and sorted. */
static void expand_glob(const char *root, const char *pattern, struct strv *out)
{
	char *full = path_join(root, pattern);
	size_t skip = strcmp(root, "/") == 0 ? 1 : strlen(root) + 1;
	glob_t g;

	if (glob(full, 0, NULL, &g) == 0) {
		for (size_t k = 0; k < g.gl_pathc; k++)
			if (strlen(g.gl_pathv[k]) > skip)
				strv_push_unique(out, g.gl_pathv[k] + skip);
		globfree(&g);
	}
	free(full);
}

/* Enough room on every filesystem involved for the new files, the journal
 * copies and the artifact snapshots, with a margin. */
static int check_space(struct journal *j, const struct tx *t, unsigned long long need_journal)
{
	struct statvfs sv;
	unsigned long long need_files = 0;

	for (size_t i = 0; i < t->nf; i++)
		need_files += 4096;
	if (statvfs(j->dir, &sv) == 0) {
		unsigned long long avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
		if (avail < need_journal + need_files + (1u << 20)) {
			log_error(j->log, "%s: %llu KiB free, %llu KiB needed for the journal; nothing was changed",
				  j->dir, avail / 1024, (need_journal + need_files + (1u << 20)) / 1024);
			return -ENOSPC;
		}
	}
	return 0;
}

/* After the commands: an artifact that was there must still be there, not
 * empty (dracut deletes its output when /boot fills up). */
static int verify_artifacts(struct journal *j, struct tx *t)
{
	int bad = 0;

	for (size_t i = 0; i < t->nf; i++) {
		struct tx_file *f = &t->f[i];
		struct file_state cur;
		if (!f->artifact)
			continue;
		if (file_state_read(j->root, f->path, &cur) < 0 || (f->pre_exists && (!cur.exists || cur.len == 0))) {
			log_error(j->log, "%s/%s: %s after the commands ran", j->root, f->path,
				  cur.exists ? "is empty" : "is gone");
			bad++;
		} else if (cur.exists) {
			sha256_hex(cur.bytes, cur.len, f->post_sha);
			f->post_exists = true;
		}
		file_state_free(&cur);
	}
	return bad ? -EIO : 0;
}

static int check_contains(struct journal *j, const struct plan_check *c)
{
	char *full = path_join(j->root, c->path), *text = NULL;
	int bad = 0;

	if (read_file(full, 64u << 20, &text, NULL) < 0) {
		log_error(j->log, "%s: missing after the commands ran", full);
		bad++;
	} else if (!strstr(text, c->text)) {
		log_error(j->log, "%s: does not carry %s after the commands ran", full, c->text);
		bad++;
	}
	free(text);
	free(full);
	return bad;
}

static int check_lists(struct journal *j, struct tx *t, const struct plan_check *c, int timeout)
{
	static const char *const dirs[] = {"usr/bin", "usr/sbin", "bin", "sbin"};
	char *lister = NULL, *any = NULL;
	struct strv imgs = {0};
	struct strbuf sb = {0};
	int bad = 0;

	for (size_t i = 0; i < c->any.n; i++)
		strbuf_printf(&sb, "%s%s", i ? "|" : "", c->any.v[i]);
	any = strbuf_detach(&sb);
	for (size_t d = 0; d < ARRAY_SIZE(dirs) && !lister; d++) {
		char *rel = xasprintf("%s/%s", dirs[d], c->lister), *full = path_join(j->root, rel);
		if (access(full, X_OK) == 0)
			lister = xasprintf("/%s", rel);
		free(full);
		free(rel);
	}
	if (!lister) {
		journal_say(j, "  (no %s in the system: the initramfs contents are not checked)\n", c->lister);
		goto out;
	}
	expand_glob(j->root, c->path, &imgs);
	if (!imgs.n) {
		/* a kernel without an initramfs; one that vanished is caught
		 * with the other generated files */
		journal_say(j, "  (no %s: not checked)\n", c->path);
		goto out;
	}
	for (size_t k = 0; k < imgs.n; k++) {
		struct strv argv = {0};
		struct strbuf cap = {0};
		char *img = xasprintf("/%s", imgs.v[k]);
		struct run_opts ro = {.root = j->root, .timeout = timeout, .capture = &cap};
		bool found = false;
		strv_push(&argv, lister);
		strv_push(&argv, img);
		if (run_cmd(&argv, &ro) == 0)
			for (size_t a = 0; a < c->any.n && !found; a++)
				found = strstr(strbuf_str(&cap), c->any.v[a]) != NULL;
		if (!found) {
			log_error(j->log, "%s%s: %s does not list %s", strcmp(j->root, "/") ? j->root : "", img,
				  c->lister, any);
			bad++;
		} else {
			journal_say(j, "  checked: %s holds %s\n", img, c->text ? c->text : any);
		}
		tx_log(j, t, "$ %s %s\n%s", lister, img, strbuf_str(&cap));
		strbuf_free(&cap);
		strv_free(&argv);
		free(img);
	}
out:
	strv_free(&imgs);
	free(lister);
	free(any);
	return bad;
}

/* The plan's checks, after the commands ran (an exit status is no
 * evidence). 0, or -EIO with every failure logged. */
static int run_checks(struct journal *j, struct tx *t, const struct plan *p, int timeout)
{
	int bad = 0;

	for (size_t c = 0; c < p->n_checks; c++)
		bad += p->checks[c].kind == PLAN_CHECK_CONTAINS ? check_contains(j, &p->checks[c])
								: check_lists(j, t, &p->checks[c], timeout);
	return bad ? -EIO : 0;
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
		e = file_state_read(j->root, pf->path, &cur);
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
		if (root_resolve(j->root, pf->path, &f->path) < 0)
			f->path = xstrdup(pf->path);
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
		expand_glob(j->root, p->artifacts.v[i], &arts);
	for (size_t i = 0; i < arts.n; i++) {
		struct file_state cur;
		struct tx_file *f;
		bool planned = false;
		for (size_t k = 0; k < nconf && !planned; k++)
			planned = strcmp(t->f[k].path, arts.v[i]) == 0;
		if (planned || file_state_read(j->root, arts.v[i], &cur) < 0 || !cur.exists) {
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
		char *txdir = path_join(j->root, t->rel), *blobs = path_join(txdir, "blobs");
		e = atomic_write(j->root, JOURNAL_DIR "/tx/.keep", "", 0, 0600, 0, 0, "keep", "keep");
		if (e == 0 && mkdir(txdir, 0700) < 0 && errno != EEXIST)
			e = -errno;
		if (e == 0 && mkdir(blobs, 0700) < 0 && errno != EEXIST)
			e = -errno;
		free(blobs);
		free(txdir);
		if (e < 0) {
			log_error(j->log, "%s/%s: %s", j->root, t->rel, strerror(-e));
			return e;
		}
	}
	for (size_t i = 0; i < t->nf && e == 0; i++) {
		struct tx_file *f = &t->f[i];
		struct file_state cur;
		failpointf("P2:%zu", i);
		if ((e = file_state_read(j->root, f->path, &cur)) < 0)
			break;
		if (cur.exists)
			e = tx_write_blob(j, t, f->artifact ? "art" : "pre", i, cur.bytes, cur.len);
		file_state_free(&cur);
		if (e == 0 && !f->artifact && f->post_exists)
			for (size_t k = 0; k < p->n_files; k++) {
				char *res = NULL;
				if (root_resolve(j->root, p->files[k].path, &res) == 0 && strcmp(res, f->path) == 0 &&
				    p->files[k].new)
					e = tx_write_blob(j, t, "post", i, p->files[k].new, p->files[k].new_len);
				free(res);
			}
		if (e == 0)
			e = write_entry(j, t, i);
	}
	if (e < 0) {
		log_error(j->log, "%s/%s: cannot write the journal: %s", j->root, t->rel, strerror(-e));
		return e;
	}
	failpoint("P4");
	txrec_set(&hdr, "format", "1");
	txrec_set(&hdr, "txid", t->id);
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
	/* what the commands regenerate, for an undo that runs them again */
	txrec_setf(&hdr, "artifacts", "%zu", p->artifacts.n);
	for (size_t a = 0; a < p->artifacts.n; a++) {
		char key[64];
		snprintf(key, sizeof(key), "artifact.%zu", a);
		txrec_set(&hdr, key, p->artifacts.v[a]);
	}
	e = tx_write_record(j, t, "header", &hdr);
	if (e == 0)
		e = tx_set_state(j, t, "PREPARED", NULL);
	txrec_free(&hdr);
	if (e < 0) {
		log_error(j->log, "%s/%s: cannot write the journal: %s", j->root, t->rel, strerror(-e));
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
			e = tx_read_blob(j, t, "post", i, &bytes, &len);
			if (e == 0)
				e = atomic_write(j->root, f->path, bytes, len, f->post_mode, f->uid, f->gid, fp, tx_tag(t));
		} else {
			e = atomic_remove(j->root, f->path, fp);
		}
		free(bytes);
		free(fp);
		if (e < 0) {
			log_error(j->log, "%s/%s: %s", j->root, f->path,
				  e == -EMLINK ? "has other hard links; a rename would break them" : strerror(-e));
			return e;
		}
		journal_say(j, "  %s %s\n", !f->pre_exists ? "created" : !f->post_exists ? "removed" : "changed",
			    f->path);
	}
	return 0;
}

static void say_output(void *data, const char *text)
{
	struct journal *j = data;

	if (j->progress)
		j->progress(j->progress_data, text);
}

/* The plan's commands, in order, then the evidence they worked. */
static int regenerate(struct journal *j, struct tx *t, const struct plan *p, const struct tx_opts *o)
{
	int e;

	for (size_t c = 0; c < p->n_cmds; c++) {
		struct strbuf cap = {0};
		struct run_opts ro = {.root = j->root, .timeout = o->timeout, .echo = say_output, .echo_data = j,
				      .prefix = "  | ", .capture = &cap};
		char *q = tx_quote_argv(&p->cmds[c].argv);
		int rc;
		failpointf("R3:%zu", c);
		journal_say(j, "Running %s\n", q);
		rc = run_cmd(&p->cmds[c].argv, &ro);
		tx_log(j, t, "$ %s\n%s[exit %d]", q, strbuf_str(&cap), rc);
		strbuf_free(&cap);
		if (rc != 0) {
			log_error(j->log, "%s %s; everything is rolled back", q,
				  rc == -ETIMEDOUT ? "did not finish in time"
				  : rc < 0 ? "could not be started"
					   : rc > 128 ? "was killed" : "failed");
			free(q);
			return rc == -ETIMEDOUT ? -ETIMEDOUT : -ECHILD;
		}
		free(q);
	}
	if ((e = verify_artifacts(j, t)) < 0) {
		log_error(j->log, "a generated file is missing; everything is rolled back");
		return e;
	}
	if ((e = run_checks(j, t, p, o->timeout)) < 0) {
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
	t.rel = xasprintf("%s/tx/%s", JOURNAL_DIR, t.id);

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
	if ((e = check_space(j, &t, need)) < 0)
		goto out_free;
	if ((e = prepare(j, &t, p, o, nconf)) < 0)
		goto out_free;

	if ((e = tx_set_state(j, &t, "APPLYING", NULL)) < 0 || (e = apply_files(j, &t)) < 0 ||
	    (e = tx_set_state(j, &t, "FILES_APPLIED", NULL)) < 0)
		goto rollback;
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
		int re = tx_rollback(j, &t, true);
		if (re < 0)
			log_error(j->log, "the rollback of %s did not finish (%s); run 'vfioconf recover'", t.id,
				  strerror(-re));
	}
out_free:
	tx_free(&t);
	return e;
}
