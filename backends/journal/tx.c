/* tx.c - a transaction's records on disk, and the journal's directory and
 * lock. Every journal path is opened beneath the journal's directory fd
 * with no symlink followed: a link there can only have been planted. */
#include "config.h"

#include "backends/journal/tx.h"
#include "core/i18n.h"
#include "backends/sys/failpoint.h"
#include "backends/sys/runner.h"
#include "backends/sys/sysroot.h"

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
	free(t->damage);
	strv_free(&t->created_dirs);
	memset(t, 0, sizeof(*t));
}

struct tx_file *tx_add_file(struct tx *t)
{
	struct tx_file *f;

	t->f = xrealloc(t->f, (t->nf + 1) * sizeof(*t->f));
	f = &t->f[t->nf++];
	memset(f, 0, sizeof(*f));
	return f;
}

static char *blob_rel(const struct tx *t, const char *kind, size_t i)
{
	return xasprintf("%s/blobs/%s-%04zu", t->rel, kind, i);
}

int tx_read_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, char **bytes, size_t *len)
{
	char *rel = blob_rel(t, kind, i);
	int e = rooted_read(j->dirfd, rel, 1u << 30, bytes, len, ROOTED_NO_SYMLINKS);

	free(rel);
	return e;
}

int tx_read_blob_checked(struct journal *j, const struct tx *t, const char *kind, size_t i, const char *sha,
			 char **bytes, size_t *len)
{
	char got[65];
	int e = tx_read_blob(j, t, kind, i, bytes, len);

	if (e < 0)
		return e;
	sha256_hex(*bytes, *len, got);
	if (strcmp(got, sha) != 0) {
		free(*bytes);
		*bytes = NULL;
		return -EBADMSG; /* the copy itself is damaged: never write it */
	}
	return 0;
}

int tx_write_blob(struct journal *j, const struct tx *t, const char *kind, size_t i, const char *b, size_t n)
{
	char *rel = blob_rel(t, kind, i), *fp = xasprintf("blob:%s:%zu", kind, i);
	int e = atomic_write_at(j->dirfd, rel, ROOTED_NO_SYMLINKS, b, n, 0600, 0, 0, fp, "blob", NULL);

	free(fp);
	free(rel);
	return e;
}

int tx_write_record(struct journal *j, const struct tx *t, const char *name, const struct txrec *r)
{
	char *text = txrec_render(r), *rel = xasprintf("%s/%s", t->rel, name), *fp;
	int e;

	fp = xasprintf("rec:%s", name);
	e = atomic_write_at(j->dirfd, rel, ROOTED_NO_SYMLINKS, text, strlen(text), 0600, 0, 0, fp, "rec", NULL);
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
	char *rel = xasprintf("%s/log", t->rel);
	int fd = rooted_open(j->dirfd, rel, O_WRONLY | O_APPEND | O_CREAT, 0600, ROOTED_NO_SYMLINKS);
	struct strbuf sb = {0};
	struct stat st;
	va_list ap;

	free(rel);
	if (fd < 0)
		return;
	/* a log is the journal's: 0600 whatever the umask, and a file */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fchmod(fd, 0600) < 0) {
		close(fd);
		return;
	}
	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	strbuf_putc(&sb, '\n');
	if (write(fd, sb.buf, sb.len) == (ssize_t)sb.len)
		fsync(fd);
	close(fd);
	strbuf_free(&sb);
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

static void say_output(void *data, const char *text)
{
	struct journal *j = data;

	if (j->progress)
		j->progress(j->progress_data, text);
}

int tx_run(struct journal *j, const struct tx *t, const struct strv *argv, int timeout, bool echo)
{
	struct strbuf cap = {0};
	struct run_opts ro = {.root = j->root, .timeout = timeout, .echo = echo ? say_output : NULL,
			      .echo_data = j, .prefix = "  | ", .capture = &cap};
	char *q = tx_quote_argv(argv);
	int rc;

	journal_say(j, _("Running %s\n"), q);
	rc = run_cmd(argv, &ro);
	tx_log(j, t, "$ %s\n%s[exit %d]", q, strbuf_str(&cap), rc);
	strbuf_free(&cap);
	free(q);
	return rc;
}

char *tx_quote_argv(const struct strv *a)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < a->n; i++)
		strbuf_printf(&sb, "%s%s", i ? " " : "", a->v[i]);
	return strbuf_detach(&sb);
}

/* ---- the journal's directory ---- */

/* ROOT/var/lib/vfioconf as a directory fd: var/lib resolved inside the
 * root, the last component never a symlink (that would make vfioconf
 * chmod and write wherever it points). create: make it (0700). */
static int journal_dir(int rootfd, bool create, int *dirfd)
{
	static const char parent[] = "var/lib", name[] = "vfioconf";
	int pfd, fd, r = 0;
	struct stat st;

	pfd = create ? rooted_mkdirs(rootfd, parent, 0755, ROOTED_FOLLOW, NULL)
		     : rooted_open(rootfd, parent, O_RDONLY | O_DIRECTORY, 0, ROOTED_FOLLOW);
	if (pfd < 0)
		return pfd;
	if (create && mkdirat(pfd, name, 0700) == 0)
		fsync(pfd);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		r = errno == ELOOP || errno == ENOTDIR ? -ENOTDIR : -errno;
	else if (fstat(fd, &st) < 0)
		r = -errno;
	close(pfd);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	*dirfd = fd;
	return 0;
}

static void journal_init(struct journal *j, const char *root, struct log *log)
{
	memset(j, 0, sizeof(*j));
	j->root = xstrdup(root);
	j->dir = path_join(root, JOURNAL_DIR);
	j->log = log;
	j->lockfd = j->rootfd = j->dirfd = -1;
}

int journal_open(struct journal *j, const char *root, struct log *log, journal_progress_fn *progress,
		 void *progress_data)
{
	int r;

	journal_init(j, root, log);
	j->progress = progress;
	j->progress_data = progress_data;
	j->rootfd = rooted_base(root);
	if (j->rootfd < 0) {
		r = j->rootfd;
		log_error(log, "%s: %s", root, strerror(-r));
		return r;
	}
	r = journal_dir(j->rootfd, true, &j->dirfd);
	if (r < 0) {
		log_error(log, "%s: cannot create the journal: %s", j->dir,
			  r == -ENOTDIR ? "it is not a directory (a symlink?); move it aside" : strerror(-r));
		return r;
	}
	if (fchmod(j->dirfd, 0700) < 0) {
		r = -errno;
		log_error(log, "%s: %s", j->dir, strerror(-r));
		return r;
	}
	j->lockfd = openat(j->dirfd, "LOCK", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (j->lockfd < 0 || flock(j->lockfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		log_error(log, "%s/LOCK: %s", j->dir,
			  r == -EBUSY ? "another vfioconf is changing this system; try again when it is done"
				      : strerror(-r));
		return r;
	}
	/* under the lock: two writers never race on it */
	r = atomic_write_at(j->dirfd, "FORMAT", ROOTED_NO_SYMLINKS, "vfioconf-journal 1\n", 19, 0600, 0, 0, "format",
			    "fmt", NULL);
	if (r < 0) {
		log_error(log, "%s: cannot create the journal: %s", j->dir, strerror(-r));
		return r;
	}
	return 0;
}

int journal_open_readonly(struct journal *j, const char *root, struct log *log)
{
	int r;

	journal_init(j, root, log);
	j->rootfd = rooted_base(root);
	if (j->rootfd < 0)
		return j->rootfd;
	r = journal_dir(j->rootfd, false, &j->dirfd);
	return r;
}

void journal_close(struct journal *j)
{
	if (j->lockfd >= 0)
		close(j->lockfd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	if (j->rootfd >= 0)
		close(j->rootfd);
	free(j->root);
	free(j->dir);
	memset(j, 0, sizeof(*j));
	j->lockfd = j->rootfd = j->dirfd = -1;
}
