/* tx.c - a transaction's records: the in-memory form, the files under
 * tx/<id>/, loading them back, and the journal's lock. */
#include "config.h"

#include "backends/journal/tx.h"
#include "backends/sys/failpoint.h"
#include "backends/sys/sysroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const terminal[] = {"COMMITTED", "ROLLED_BACK", "DISCARDED", NULL};

bool tx_is_terminal(const char *s)
{
	for (const char *const *t = terminal; *t; t++)
		if (strcmp(s, *t) == 0)
			return true;
	return false;
}

const char *tx_tag(const struct tx *t)
{
	const char *d = strrchr(t->id, '-');

	return d ? d + 1 : t->id;
}

void tx_free(struct tx *t)
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

int tx_read_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, char **bytes,
		     size_t *len)
{
	char *rel = blob_rel(t, kind, i), *full = path_join(j->root, rel);
	int e = read_file(full, 1u << 30, bytes, len);

	free(full);
	free(rel);
	return e;
}

int tx_write_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, const char *b, size_t n)
{
	char *rel = blob_rel(t, kind, i), *fp = xasprintf("blob:%s:%zu", kind, i);
	int e = atomic_write(j->root, rel, b, n, 0600, 0, 0, fp, "blob");

	free(fp);
	free(rel);
	return e;
}

int tx_write_record(struct journal *j, const struct tx *t, const char *name, const struct txrec *r)
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

int tx_set_state(struct journal *j, struct tx *t, const char *state, const char *note)
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
	e = tx_write_record(j, t, name, &r);
	txrec_free(&r);
	if (e == 0) {
		t->nstate++;
		snprintf(t->state, sizeof(t->state), "%s", state);
	}
	return e;
}

void tx_log(struct journal *j, const struct tx *t, const char *fmt, ...)
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

int journal_open(struct journal *j, const char *root, struct log *log, journal_progress_fn *progress,
		 void *progress_data)
{
	char *lock;
	int r;

	memset(j, 0, sizeof(*j));
	j->root = xstrdup(root);
	j->dir = path_join(root, JOURNAL_DIR);
	j->log = log;
	j->progress = progress;
	j->progress_data = progress_data;
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

void tx_list_dir(const char *dir, struct strv *out)
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

int tx_load(struct journal *j, const char *id, struct tx *t)
{
	struct strv names = {0};
	char *dir;
	int e = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->rel = xasprintf("%s/tx/%s", JOURNAL_DIR, id);
	dir = path_join(j->root, t->rel);
	tx_list_dir(dir, &names);
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

struct tx_file *tx_add_file(struct tx *t)
{
	struct tx_file *f;

	t->f = xrealloc(t->f, (t->nf + 1) * sizeof(*t->f));
	f = &t->f[t->nf++];
	memset(f, 0, sizeof(*f));
	return f;
}

void journal_say(struct journal *j, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	if (!j->progress)
		return;
	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	j->progress(j->progress_data, strbuf_str(&sb));
	strbuf_free(&sb);
}

char *tx_quote_argv(const struct strv *a)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < a->n; i++)
		strbuf_printf(&sb, "%s%s", i ? " " : "", a->v[i]);
	return strbuf_detach(&sb);
}

void tx_load_all(struct journal *j, struct tx **v, size_t *n)
{
	char *dir = path_join(j->dir, "tx");
	struct strv ids = {0};

	*v = NULL;
	*n = 0;
	tx_list_dir(dir, &ids);
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
}

void tx_free_all(struct tx *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tx_free(&v[i]);
	free(v);
}
