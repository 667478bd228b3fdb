/* journal.c - transactions under ROOT/var/lib/vfioconf. */
#include "config.h"

#include "backends/journal/journal.h"
#include "backends/sys/atomic.h"
#include "backends/sys/failpoint.h"
#include "backends/sys/runner.h"
#include "backends/sys/sysroot.h"
#include "core/sha256.h"
#include "core/txrec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* ---- one transaction in memory ---- */

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

static const char *const terminal[] = {"COMMITTED", "ROLLED_BACK", "DISCARDED", NULL};

static bool is_terminal(const char *s)
{
	for (const char *const *t = terminal; *t; t++)
		if (strcmp(s, *t) == 0)
			return true;
	return false;
}

/* The random part of the id: names our temp files next to the targets. */
static const char *tx_tag(const struct tx *t)
{
	const char *d = strrchr(t->id, '-');

	return d ? d + 1 : t->id;
}

static void tx_free(struct tx *t)
{
	for (size_t i = 0; i < t->nf; i++)
		free(t->f[i].path);
	free(t->f);
	for (size_t i = 0; i < t->ncmds; i++)
		strv_free(&t->cmds[i]);
	free(t->cmds);
	txrec_free(&t->header);
	free(t->rel);
	memset(t, 0, sizeof(*t));
}

static char *blob_rel(const struct tx *t, const char *kind, size_t i)
{
	return xasprintf("%s/blobs/%s-%04zu", t->rel, kind, i);
}

/* The bytes of a blob; -errno when unreadable. Caller frees. */
static int read_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, char **bytes,
		     size_t *len)
{
	char *rel = blob_rel(t, kind, i), *full = path_join(j->root, rel);
	int e = read_file(full, 1u << 30, bytes, len);

	free(full);
	free(rel);
	return e;
}

/* A record in the transaction directory, written atomically. */
static int write_record(struct journal *j, const struct tx *t, const char *name, const struct txrec *r)
{
	char *text = txrec_render(r), *rel = xasprintf("%s/%s", t->rel, name), *fp;
	int e;

	fp = xasprintf("rec:%s", name);
	e = atomic_write(j->root, rel, text, strlen(text), 0600, 0, 0, fp, "rec");
	free(fp);
	free(text);
	free(rel);
	return e;
}

static int set_state(struct journal *j, struct tx *t, const char *state, const char *note)
{
	struct txrec r = {0};
	char name[48];
	int e;

	failpointf("state:%s", state);
	txrec_set(&r, "state", state);
	txrec_setf(&r, "seq", "%d", t->nstate);
	if (note)
		txrec_set(&r, "note", note);
	snprintf(name, sizeof(name), "state.%04d", t->nstate);
	e = write_record(j, t, name, &r);
	txrec_free(&r);
	if (e == 0) {
		t->nstate++;
		snprintf(t->state, sizeof(t->state), "%s", state);
	}
	return e;
}

static void logf_tx(struct journal *j, const struct tx *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void logf_tx(struct journal *j, const struct tx *t, const char *fmt, ...)
{
	char *path = path_joinf(j->root, "%s/log", t->rel);
	FILE *f = fopen(path, "ae");
	va_list ap;

	if (f) {
		va_start(ap, fmt);
		vfprintf(f, fmt, ap);
		va_end(ap);
		fputc('\n', f);
		fflush(f);
		fsync(fileno(f));
		fclose(f);
	}
	free(path);
}

/* ---- open, lock ---- */

int journal_open(struct journal *j, const char *root, struct log *log, FILE *out)
{
	char *lock;
	int r;

	memset(j, 0, sizeof(*j));
	j->root = xstrdup(root);
	j->dir = path_join(root, JOURNAL_DIR);
	j->log = log;
	j->out = out;
	j->lockfd = -1;
	r = atomic_write(root, JOURNAL_DIR "/FORMAT", "vfioconf-journal 1\n", 19, 0600, 0, 0, "format", "fmt");
	if (r < 0) {
		log_error(log, "%s: cannot create the journal: %s", j->dir, strerror(-r));
		return r;
	}
	chmod(j->dir, 0700);
	lock = path_join(j->dir, "LOCK");
	j->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (j->lockfd < 0 || flock(j->lockfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		log_error(log, "%s/LOCK: %s", j->dir,
			  r == -EBUSY ? "another vfioconf is changing this system; try again when it is done"
				      : strerror(-r));
		return r;
	}
	return 0;
}

void journal_close(struct journal *j)
{
	if (j->lockfd >= 0)
		close(j->lockfd);
	free(j->root);
	free(j->dir);
	memset(j, 0, sizeof(*j));
	j->lockfd = -1;
}

/* ---- loading ---- */

static int load_record(struct journal *j, const char *rel, struct txrec *r)
{
	char *full = path_join(j->root, rel), *text = NULL;
	int e = read_file(full, 1u << 20, &text, NULL);

	if (e == 0)
		e = txrec_parse(r, text);
	free(text);
	free(full);
	return e;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *dir, struct strv *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			strv_push(out, e->d_name);
	if (d)
		closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_names);
}

/* Loads tx id; a bad checksum anywhere makes it -EBADMSG. */
static int tx_load(struct journal *j, const char *id, struct tx *t)
{
	struct strv names = {0};
	char *dir;
	int e = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->rel = xasprintf("%s/tx/%s", JOURNAL_DIR, id);
	dir = path_join(j->root, t->rel);
	list_dir(dir, &names);
	free(dir);
	for (size_t i = 0; i < names.n && e == 0; i++) {
		char *rel = xasprintf("%s/%s", t->rel, names.v[i]);
		struct txrec r = {0};
		if (strcmp(names.v[i], "header") == 0) {
			e = load_record(j, rel, &t->header);
		} else if (str_starts_with(names.v[i], "entry.")) {
			e = load_record(j, rel, &r);
			if (e == 0) {
				struct tx_file *f;
				t->f = xrealloc(t->f, (t->nf + 1) * sizeof(*t->f));
				f = &t->f[t->nf++];
				memset(f, 0, sizeof(*f));
				f->path = xstrdup(txrec_get(&r, "path") ? txrec_get(&r, "path") : "");
				f->artifact = txrec_get_int(&r, "artifact", 0) != 0;
				f->pre_exists = txrec_get_int(&r, "pre.exists", 0) != 0;
				f->post_exists = txrec_get_int(&r, "post.exists", 0) != 0;
				snprintf(f->pre_sha, 65, "%s", txrec_get(&r, "pre.sha256") ? txrec_get(&r, "pre.sha256") : "");
				snprintf(f->post_sha, 65, "%s", txrec_get(&r, "post.sha256") ? txrec_get(&r, "post.sha256") : "");
				f->pre_mode = (mode_t)txrec_get_int(&r, "pre.mode", 0644);
				f->post_mode = (mode_t)txrec_get_int(&r, "post.mode", 0644);
				f->uid = (uid_t)txrec_get_int(&r, "uid", 0);
				f->gid = (gid_t)txrec_get_int(&r, "gid", 0);
			}
		} else if (str_starts_with(names.v[i], "state.")) {
			/* the highest valid state record wins */
			if (load_record(j, rel, &r) == 0 && txrec_get(&r, "state")) {
				snprintf(t->state, sizeof(t->state), "%s", txrec_get(&r, "state"));
				t->nstate = (int)txrec_get_int(&r, "seq", 0) + 1;
			}
		}
		txrec_free(&r);
		free(rel);
	}
	strv_free(&names);
	if (e == 0 && t->header.kv.keys.n) {
		long long n = txrec_get_int(&t->header, "cmds", 0);
		for (long long c = 0; c < n; c++) {
			char key[64];
			const char *v;
			t->cmds = xrealloc(t->cmds, (t->ncmds + 1) * sizeof(*t->cmds));
			memset(&t->cmds[t->ncmds], 0, sizeof(*t->cmds));
			for (int a = 0;; a++) {
				snprintf(key, sizeof(key), "cmd.%lld.%d", c, a);
				if (!(v = txrec_get(&t->header, key)))
					break;
				strv_push(&t->cmds[t->ncmds], v);
			}
			t->ncmds++;
		}
	}
	return e;
}

/* ---- classification and restore ---- */

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
	e = read_blob(j, t, f->artifact ? "art" : "pre", i, &bytes, &len);
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

/* Rolls t back: every file to its pre state, artifacts from their copies.
 * Idempotent: a crash in here is recovered by running it again. */
static int tx_rollback(struct journal *j, struct tx *t, bool force)
{
	int e = 0, conflicts = 0;

	if (strcmp(t->state, "ROLLING_BACK") != 0 && (e = set_state(j, t, "ROLLING_BACK", NULL)) < 0)
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
	logf_tx(j, t, "rolled back");
	return set_state(j, t, "ROLLED_BACK", NULL);
}

int journal_recover(struct journal *j, int *count)
{
	char *dir = path_join(j->dir, "tx");
	struct strv ids = {0};
	int r = 0;

	*count = 0;
	list_dir(dir, &ids);
	free(dir);
	for (size_t i = 0; i < ids.n; i++) {
		struct tx t;
		int e = tx_load(j, ids.v[i], &t);
		if (e < 0) {
			if (!t.state[0] || !is_terminal(t.state)) {
				log_error(j->log, "%s/tx/%s: a record is damaged (%s); recover it by hand: see %s/RECOVERY.txt",
					  j->dir, ids.v[i], strerror(-e), j->dir);
				r = -EBADMSG;
			}
			tx_free(&t);
			continue;
		}
		if (is_terminal(t.state)) {
			tx_free(&t);
			continue;
		}
		(*count)++;
		if (!t.state[0] || strcmp(t.state, "PREPARED") == 0) {
			/* nothing was touched yet */
			e = set_state(j, &t, "DISCARDED", "interrupted before any change");
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

/* ---- apply ---- */

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

static int write_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, const char *b, size_t n)
{
	char *rel = blob_rel(t, kind, i), *fp = xasprintf("blob:%s:%zu", kind, i);
	int e = atomic_write(j->root, rel, b, n, 0600, 0, 0, fp, "blob");

	free(fp);
	free(rel);
	return e;
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
	e = write_record(j, t, name, &r);
	txrec_free(&r);
	return e;
}

/* Files the commands rewrite in place or replace: copied before. */
static void artifact_paths(struct journal *j, struct strv *out)
{
	static const char *const fixed[] = {"boot/grub/grub.cfg", "boot/grub2/grub.cfg", "boot/grub2/grubenv", NULL};
	static const char *const prefixes[] = {"initrd.img-", "initramfs-", "booster-", NULL};
	struct strv names = {0};
	char *boot = path_join(j->root, "boot"), *entries = path_join(j->root, "boot/loader/entries");

	for (const char *const *p = fixed; *p; p++) {
		char *full = path_join(j->root, *p);
		if (path_exists(full))
			strv_push(out, *p);
		free(full);
	}
	list_dir(boot, &names);
	for (size_t i = 0; i < names.n; i++)
		for (const char *const *p = prefixes; *p; p++)
			if (str_starts_with(names.v[i], *p)) {
				char *rel = xasprintf("boot/%s", names.v[i]);
				strv_push_unique(out, rel);
				free(rel);
			}
	strv_free(&names);
	list_dir(entries, &names);
	for (size_t i = 0; i < names.n; i++) {
		char *rel = xasprintf("boot/loader/entries/%s", names.v[i]);
		strv_push_unique(out, rel);
		free(rel);
	}
	strv_free(&names);
	free(boot);
	free(entries);
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

static char *quote_argv(const struct strv *a)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < a->n; i++)
		strbuf_printf(&sb, "%s%s", i ? " " : "", a->v[i]);
	return strbuf_detach(&sb);
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

/* Does any of the |-separated alternatives occur in text? */
static bool has_any(const char *text, const char *alts)
{
	char *copy = xstrdup(alts), *save = NULL;
	bool found = false;

	for (char *a = strtok_r(copy, "|", &save); a && !found; a = strtok_r(NULL, "|", &save))
		found = strstr(text, a) != NULL;
	free(copy);
	return found;
}

/* The plan's checks, after the commands ran (an exit status is no
 * evidence). 0, or -EIO with every failure logged. */
static int run_checks(struct journal *j, struct tx *t, const struct plan *p, int timeout)
{
	int bad = 0;

	for (size_t c = 0; c < p->checks.n; c++) {
		char *copy = xstrdup(p->checks.v[c]), *save = NULL;
		char *kind = strtok_r(copy, " ", &save), *a = strtok_r(NULL, " ", &save);
		char *b = strtok_r(NULL, " ", &save), *rest = strtok_r(NULL, "", &save);

		if (kind && a && b && strcmp(kind, "contains") == 0) {
			char *full = path_join(j->root, a), *text = NULL;
			if (read_file(full, 64u << 20, &text, NULL) < 0) {
				log_error(j->log, "%s: missing after the commands ran", full);
				bad++;
			} else if (!strstr(text, b)) {
				log_error(j->log, "%s: does not carry %s after the commands ran", full, b);
				bad++;
			}
			free(text);
			free(full);
		} else if (kind && a && b && rest && strcmp(kind, "lists") == 0) {
			const char *const dirs[] = {"usr/bin", "usr/sbin", "bin", "sbin"};
			char *lister = NULL;
			glob_t g;
			char *pattern = path_join(j->root, b);
			for (size_t d = 0; d < 4 && !lister; d++) {
				char *rel = xasprintf("%s/%s", dirs[d], a), *full = path_join(j->root, rel);
				if (access(full, X_OK) == 0)
					lister = xasprintf("/%s", rel);
				free(full);
				free(rel);
			}
			if (!lister) {
				if (j->out)
					fprintf(j->out, "  (no %s in the system: the initramfs contents are not checked)\n", a);
			} else if (glob(pattern, 0, NULL, &g) == 0) {
				for (size_t k = 0; k < g.gl_pathc; k++) {
					struct strv argv = {0};
					struct strbuf cap = {0};
					const char *img = g.gl_pathv[k] + strlen(j->root) - (strcmp(j->root, "/") == 0);
					struct run_opts ro = {.root = j->root, .timeout = timeout, .capture = &cap};
					strv_push(&argv, lister);
					strv_push(&argv, img);
					if (run_cmd(&argv, &ro) != 0 || !has_any(strbuf_str(&cap), rest)) {
						log_error(j->log, "%s%s: %s does not list %s", strcmp(j->root, "/") ? j->root : "",
							  img, a, rest);
						bad++;
					} else if (j->out) {
						fprintf(j->out, "  checked: %s holds vfio-pci\n", img);
					}
					logf_tx(j, t, "$ %s %s\n%s", lister, img, strbuf_str(&cap));
					strbuf_free(&cap);
					strv_free(&argv);
				}
				globfree(&g);
			} else if (j->out) {
				/* a kernel without an initramfs; one that vanished is
				 * caught with the other generated files */
				fprintf(j->out, "  (no %s: not checked)\n", b);
			}
			free(pattern);
			free(lister);
		}
		free(copy);
	}
	return bad ? -EIO : 0;
}

int journal_apply(struct journal *j, const struct plan *p, const struct tx_opts *o, char **txid)
{
	struct tx t = {0};
	struct txrec hdr = {0};
	unsigned long long need = 0;
	size_t nconf;
	int e = 0;
	time_t now = time(NULL);
	char created[32];

	new_id(t.id, sizeof(t.id));
	t.rel = xasprintf("%s/tx/%s", JOURNAL_DIR, t.id);

	/* the files, as they are now; each must still be what the plan saw */
	for (size_t i = 0; i < p->n_files; i++) {
		const struct plan_file *pf = &p->files[i];
		struct file_state cur;
		struct tx_file *f;
		char sha[65];

		if ((pf->old && pf->new && pf->old_len == pf->new_len && memcmp(pf->old, pf->new, pf->old_len) == 0) ||
		    (!pf->old && !pf->new))
			continue;
		e = file_state_read(j->root, pf->path, &cur);
		if (e < 0) {
			log_error(j->log, "%s/%s: %s", j->root, pf->path, e == -ENOLINK ? "a dangling link" : strerror(-e));
			goto out_free;
		}
		if (cur.exists != (pf->old != NULL) ||
		    (cur.exists && (cur.len != pf->old_len || memcmp(cur.bytes, pf->old, cur.len) != 0))) {
			log_error(j->log, "%s/%s: changed since the plan was made; plan again", j->root, pf->path);
			file_state_free(&cur);
			e = -ESTALE;
			goto out_free;
		}
		t.f = xrealloc(t.f, (t.nf + 1) * sizeof(*t.f));
		f = &t.f[t.nf++];
		memset(f, 0, sizeof(*f));
		if (root_resolve(j->root, pf->path, &f->path) < 0)
			f->path = xstrdup(pf->path);
		f->pre_exists = cur.exists;
		f->post_exists = pf->new != NULL;
		if (cur.exists)
			sha256_hex(cur.bytes, cur.len, f->pre_sha);
		if (pf->new) {
			sha256_hex(pf->new, pf->new_len, sha);
			memcpy(f->post_sha, sha, 65);
		}
		f->pre_mode = cur.exists ? cur.mode : 0;
		f->post_mode = cur.exists ? cur.mode : (pf->mode ? pf->mode : 0644);
		f->uid = cur.exists ? cur.uid : 0;
		f->gid = cur.exists ? cur.gid : 0;
		need += cur.len + pf->new_len;
		file_state_free(&cur);
	}
	nconf = t.nf;
	if (!nconf) {
		log_info(j->log, "nothing to change");
		e = -ENODATA;
		goto out_free;
	}
	if (o->regenerate && p->n_cmds) {
		struct strv arts = {0};
		artifact_paths(j, &arts);
		for (size_t i = 0; i < arts.n; i++) {
			struct file_state cur;
			struct tx_file *f;
			if (file_state_read(j->root, arts.v[i], &cur) < 0 || !cur.exists) {
				file_state_free(&cur);
				continue;
			}
			t.f = xrealloc(t.f, (t.nf + 1) * sizeof(*t.f));
			f = &t.f[t.nf++];
			memset(f, 0, sizeof(*f));
			f->path = xstrdup(arts.v[i]);
			f->artifact = true;
			f->pre_exists = true;
			sha256_hex(cur.bytes, cur.len, f->pre_sha);
			f->pre_mode = f->post_mode = cur.mode;
			f->uid = cur.uid;
			f->gid = cur.gid;
			need += cur.len;
			file_state_free(&cur);
		}
		strv_free(&arts);
	}
	e = check_space(j, &t, need);
	if (e < 0)
		goto out_free;

	/* ---- prepare ---- */
	failpoint("P1");
	{
		char *txdir = path_join(j->root, t.rel), *blobs = path_join(txdir, "blobs");
		e = atomic_write(j->root, JOURNAL_DIR "/tx/.keep", "", 0, 0600, 0, 0, "keep", "keep");
		if (e == 0 && mkdir(txdir, 0700) < 0 && errno != EEXIST)
			e = -errno;
		if (e == 0 && mkdir(blobs, 0700) < 0 && errno != EEXIST)
			e = -errno;
		free(blobs);
		free(txdir);
		if (e < 0) {
			log_error(j->log, "%s/%s: %s", j->root, t.rel, strerror(-e));
			goto out_free;
		}
	}
	for (size_t i = 0; i < t.nf && e == 0; i++) {
		struct tx_file *f = &t.f[i];
		struct file_state cur;
		failpointf("P2:%zu", i);
		if ((e = file_state_read(j->root, f->path, &cur)) < 0)
			break;
		if (cur.exists)
			e = write_blob(j, &t, f->artifact ? "art" : "pre", i, cur.bytes, cur.len);
		file_state_free(&cur);
		if (e == 0 && !f->artifact && f->post_exists)
			for (size_t k = 0; k < p->n_files; k++) {
				char *res = NULL;
				if (root_resolve(j->root, p->files[k].path, &res) == 0 && strcmp(res, f->path) == 0 &&
				    p->files[k].new)
					e = write_blob(j, &t, "post", i, p->files[k].new, p->files[k].new_len);
				free(res);
			}
		if (e == 0)
			e = write_entry(j, &t, i);
	}
	if (e < 0) {
		log_error(j->log, "%s/%s: cannot write the journal: %s", j->root, t.rel, strerror(-e));
		goto out_free;
	}
	failpoint("P4");
	txrec_set(&hdr, "format", "1");
	txrec_set(&hdr, "txid", t.id);
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
	e = write_record(j, &t, "header", &hdr);
	if (e == 0)
		e = set_state(j, &t, "PREPARED", NULL);
	if (e < 0) {
		log_error(j->log, "%s/%s: cannot write the journal: %s", j->root, t.rel, strerror(-e));
		goto out_free;
	}
	logf_tx(j, &t, "prepared %zu files, %zu commands", nconf, o->regenerate ? p->n_cmds : 0);

	/* ---- apply the files ---- */
	if ((e = set_state(j, &t, "APPLYING", NULL)) < 0)
		goto rollback;
	for (size_t i = 0; i < t.nf; i++) {
		struct tx_file *f = &t.f[i];
		char *fp, *bytes = NULL;
		size_t len = 0;
		if (f->artifact)
			continue;
		fp = xasprintf("apply:%zu", i);
		if (f->post_exists) {
			e = read_blob(j, &t, "post", i, &bytes, &len);
			if (e == 0)
				e = atomic_write(j->root, f->path, bytes, len, f->post_mode, f->uid, f->gid, fp, tx_tag(&t));
		} else {
			e = atomic_remove(j->root, f->path, fp);
		}
		free(bytes);
		free(fp);
		if (e < 0) {
			log_error(j->log, "%s/%s: %s", j->root, f->path,
				  e == -EMLINK ? "has other hard links; a rename would break them" : strerror(-e));
			goto rollback;
		}
		if (j->out)
			fprintf(j->out, "  %s %s\n", !f->pre_exists ? "created" : !f->post_exists ? "removed" : "changed",
				f->path);
	}
	if ((e = set_state(j, &t, "FILES_APPLIED", NULL)) < 0)
		goto rollback;

	/* ---- regenerate ---- */
	if (o->regenerate && p->n_cmds) {
		if ((e = set_state(j, &t, "REGENERATING", NULL)) < 0)
			goto rollback;
		for (size_t c = 0; c < p->n_cmds; c++) {
			struct strbuf cap = {0};
			struct run_opts ro = {.root = j->root, .timeout = o->timeout, .echo = j->out,
					      .prefix = "  | ", .capture = &cap};
			char *q = quote_argv(&p->cmds[c].argv);
			int rc;
			failpointf("R3:%zu", c);
			if (j->out)
				fprintf(j->out, "Running %s\n", q);
			rc = run_cmd(&p->cmds[c].argv, &ro);
			logf_tx(j, &t, "$ %s\n%s[exit %d]", q, strbuf_str(&cap), rc);
			strbuf_free(&cap);
			if (rc != 0) {
				log_error(j->log, "%s %s; everything is rolled back", q,
					  rc == -ETIMEDOUT ? "did not finish in time"
					  : rc < 0 ? "could not be started"
						   : rc > 128 ? "was killed" : "failed");
				free(q);
				e = rc == -ETIMEDOUT ? -ETIMEDOUT : -ECHILD;
				goto rollback;
			}
			free(q);
		}
		if ((e = verify_artifacts(j, &t)) < 0) {
			log_error(j->log, "a generated file is missing; everything is rolled back");
			goto rollback;
		}
		if ((e = run_checks(j, &t, p, o->timeout)) < 0) {
			log_error(j->log, "the generated files do not say what was planned; everything is rolled back");
			goto rollback;
		}
		if ((e = set_state(j, &t, "REGENERATED", NULL)) < 0)
			goto rollback;
	}

	/* ---- the commit point ---- */
	if ((e = set_state(j, &t, "COMMITTED", NULL)) < 0)
		goto rollback;
	failpoint("C2");
	logf_tx(j, &t, "committed");
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
	txrec_free(&hdr);
	tx_free(&t);
	return e;
}

/* ---- undo, rollback ---- */

/* Builds the plan that takes the files of txs back to their pre state:
 * for each path, the pre of the first tx touching it; current must be the
 * post of the last one (drift otherwise). */
static int reverse_plan(struct journal *j, struct tx *txs, size_t n, bool force, struct plan *p)
{
	int drift = 0;

	for (size_t k = n; k > 0; k--) {
		struct tx *t = &txs[k - 1];
		for (size_t i = 0; i < t->nf; i++) {
			struct tx_file *f = &t->f[i];
			struct file_state cur;
			const char *done_text;
			char sha[65];
			bool seen = false;
			if (f->artifact)
				continue;
			/* the earliest pre of this path */
			struct tx *first = t;
			size_t fi = i;
			for (size_t q = 0; q < k - 1 && !seen; q++)
				for (size_t m = 0; m < txs[q].nf; m++)
					if (!txs[q].f[m].artifact && strcmp(txs[q].f[m].path, f->path) == 0) {
						first = &txs[q];
						fi = m;
						seen = true;
						break;
					}
			if (plan_current(p, f->path, &done_text, NULL))
				continue; /* the latest tx touching it already decided */
			if (file_state_read(j->root, f->path, &cur) < 0) {
				drift++;
				continue;
			}
			if (cur.exists)
				sha256_hex(cur.bytes, cur.len, sha);
			if (cur.exists != f->post_exists || (cur.exists && strcmp(sha, f->post_sha) != 0)) {
				char *pre = NULL, *post = NULL;
				size_t pl = 0, ql = 0;
				if (first->f[fi].pre_exists)
					read_blob(j, first, "pre", fi, &pre, &pl);
				if (f->post_exists)
					read_blob(j, t, "post", i, &post, &ql);
				log_error(j->log, "%s/%s: changed by hand since vfioconf wrote it", j->root, f->path);
				if (j->out) {
					fprintf(j->out, "%s was changed by hand since vfioconf wrote it:\n", f->path);
					fprintf(j->out, "--- before vfioconf\n%s%s--- as vfioconf wrote it\n%s%s--- now\n%s%s",
						pre ? pre : "(no file)\n", pre && pl && pre[pl - 1] != '\n' ? "\n" : "",
						post ? post : "(no file)\n", post && ql && post[ql - 1] != '\n' ? "\n" : "",
						cur.exists ? cur.bytes : "(no file)\n",
						cur.exists && cur.len && cur.bytes[cur.len - 1] != '\n' ? "\n" : "");
				}
				free(pre);
				free(post);
				if (!force) {
					drift++;
					file_state_free(&cur);
					continue;
				}
				/* keep the hand-edited copy beside it */
				if (cur.exists) {
					char *keep = xasprintf("%s.vfioconf-local-%s", f->path, t->id);
					atomic_write(j->root, keep, cur.bytes, cur.len, cur.mode, cur.uid, cur.gid, "keep", "keep");
					if (j->out)
						fprintf(j->out, "kept the hand-edited copy as %s\n", keep);
					free(keep);
				}
			}
			{
				char *pre = NULL;
				size_t pl = 0;
				if (first->f[fi].pre_exists && read_blob(j, first, "pre", fi, &pre, &pl) < 0) {
					log_error(j->log, "%s/tx/%s: the copy of %s is unreadable", j->dir, first->id,
						  f->path);
					drift++;
				} else {
					plan_set_file(p, f->path, cur.bytes, cur.len, pre, pl, first->f[fi].pre_mode,
						      "back to how it was before vfioconf");
				}
				free(pre);
			}
			file_state_free(&cur);
		}
		for (size_t c = 0; c < t->ncmds; c++) {
			const char **argv = xcalloc(t->cmds[c].n + 1, sizeof(char *));
			for (size_t a = 0; a < t->cmds[c].n; a++)
				argv[a] = t->cmds[c].v[a];
			plan_add_cmd(p, argv, "regenerate with the restored files");
			free(argv);
		}
	}
	return drift ? -EEXIST : 0;
}

static int load_all(struct journal *j, struct tx **v, size_t *n)
{
	char *dir = path_join(j->dir, "tx");
	struct strv ids = {0};

	*v = NULL;
	*n = 0;
	list_dir(dir, &ids);
	free(dir);
	for (size_t i = 0; i < ids.n; i++) {
		struct tx t;
		if (tx_load(j, ids.v[i], &t) < 0 || !t.header.kv.keys.n) {
			tx_free(&t);
			continue;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = t;
	}
	strv_free(&ids);
	return 0;
}

static void free_all(struct tx *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tx_free(&v[i]);
	free(v);
}

static bool undone(struct tx *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		const char *of = txrec_get(&v[i].header, "of");
		if (strcmp(v[i].state, "COMMITTED") == 0 && of && strcmp(of, id) == 0)
			return true;
	}
	return false;
}

int journal_undo(struct journal *j, const char *txid, const struct tx_opts *o, char **new_txid)
{
	struct tx *v;
	size_t n, pick = (size_t)-1;
	struct plan p = {0};
	struct tx_opts uo = *o;
	int e;

	load_all(j, &v, &n);
	for (size_t i = n; i > 0; i--) {
		struct tx *t = &v[i - 1];
		if (txid ? strcmp(t->id, txid) == 0 : (strcmp(t->state, "COMMITTED") == 0 && !undone(v, n, t->id))) {
			pick = i - 1;
			break;
		}
	}
	if (pick == (size_t)-1) {
		log_error(j->log, txid ? "no transaction %s in %s/tx" : "nothing to undo%s%s", txid ? txid : "",
			  txid ? j->dir : "");
		free_all(v, n);
		return -ENOENT;
	}
	if (strcmp(v[pick].state, "COMMITTED") != 0) {
		log_error(j->log, "transaction %s is %s, not committed: there is nothing of it to undo", v[pick].id,
			  v[pick].state);
		free_all(v, n);
		return -EINVAL;
	}
	e = reverse_plan(j, &v[pick], 1, o->force, &p);
	if (e == 0) {
		uo.kind = "undo";
		uo.of = v[pick].id;
		e = journal_apply(j, &p, &uo, new_txid);
	}
	plan_free(&p);
	free_all(v, n);
	return e;
}

int journal_rollback(struct journal *j, const struct tx_opts *o, char **new_txid)
{
	struct tx *v, *c = NULL;
	size_t n, nc = 0;
	struct plan p = {0};
	struct tx_opts ro = *o;
	int e;

	load_all(j, &v, &n);
	/* the committed transactions since the last committed rollback */
	for (size_t i = 0; i < n; i++) {
		const char *kind = txrec_get(&v[i].header, "kind");
		if (strcmp(v[i].state, "COMMITTED") != 0)
			continue;
		if (kind && strcmp(kind, "rollback") == 0) {
			nc = 0;
			c = NULL;
			continue;
		}
		if (!c)
			c = &v[i];
		nc = (size_t)(&v[i] - c) + 1;
	}
	if (!nc) {
		log_info(j->log, "nothing to roll back: vfioconf has no change in force");
		free_all(v, n);
		return -ENODATA;
	}
	/* only committed ones count; the others are in between */
	struct tx *sel = xcalloc(nc, sizeof(*sel));
	size_t ns = 0;
	for (size_t i = 0; i < nc; i++)
		if (strcmp(c[i].state, "COMMITTED") == 0)
			sel[ns++] = c[i];
	e = reverse_plan(j, sel, ns, o->force, &p);
	free(sel);
	if (e == 0) {
		ro.kind = "rollback";
		e = journal_apply(j, &p, &ro, new_txid);
	}
	plan_free(&p);
	free_all(v, n);
	return e;
}

int journal_list(struct journal *j, struct tx_info **out, size_t *nout)
{
	struct tx *v;
	size_t n;

	load_all(j, &v, &n);
	*out = xcalloc(n ? n : 1, sizeof(**out));
	*nout = n;
	for (size_t i = 0; i < n; i++) {
		struct tx_info *ti = &(*out)[i];
		const char *s;
		snprintf(ti->id, sizeof(ti->id), "%s", v[i].id);
		snprintf(ti->kind, sizeof(ti->kind), "%s", (s = txrec_get(&v[i].header, "kind")) ? s : "?");
		snprintf(ti->of, sizeof(ti->of), "%s", (s = txrec_get(&v[i].header, "of")) ? s : "");
		snprintf(ti->created, sizeof(ti->created), "%s", (s = txrec_get(&v[i].header, "created")) ? s : "");
		snprintf(ti->state, sizeof(ti->state), "%s", v[i].state[0] ? v[i].state : "INCOMPLETE");
		for (size_t f = 0; f < v[i].nf; f++)
			if (!v[i].f[f].artifact)
				strv_push(&ti->files, v[i].f[f].path);
		for (size_t c = 0; c < v[i].ncmds; c++) {
			char *q = quote_argv(&v[i].cmds[c]);
			strv_push(&ti->cmds, q);
			free(q);
		}
	}
	free_all(v, n);
	return 0;
}

int journal_list_at(const char *root, struct log *log, struct tx_info **v, size_t *n)
{
	struct journal j = {.root = xstrdup(root), .dir = path_join(root, JOURNAL_DIR), .lockfd = -1, .log = log};
	int r = journal_list(&j, v, n);

	free(j.root);
	free(j.dir);
	return r;
}

void journal_list_free(struct tx_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		strv_free(&v[i].files);
		strv_free(&v[i].cmds);
	}
	free(v);
}
