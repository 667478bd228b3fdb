/* checks.c - what the journal checks around a transaction: room on every
 * file system it writes, before; after the commands, that the generated
 * files are there and say what the plan promised (plan.checks), without
 * knowing any boot loader or initramfs system. */
#include "config.h"

#include "backends/journal/tx.h"
#include "core/i18n.h"
#include "backends/sys/runner.h"
#include "backends/sys/sysroot.h"

#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The files that match a root-relative glob, root-relative and sorted. */
void tx_expand_glob(const char *root, const char *pattern, struct strv *out)
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

/* Room needed on one file system (by device). */
struct need {
	dev_t dev;
	unsigned long long bytes;
	int fd;            /* a directory on it, for fstatvfs */
	char *what;        /* the first file that needs it, for the message */
	bool images;       /* regenerated images go there */
	bool journal;      /* the journal is there */
};

/* Takes fd and what. */
static void add_need(struct need **v, size_t *n, int fd, unsigned long long bytes, char *what, bool image)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		free(what);
		return;
	}
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].dev == st.st_dev) {
			(*v)[i].bytes += bytes;
			(*v)[i].images = (*v)[i].images || image;
			close(fd);
			free(what);
			return;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (struct need){.dev = st.st_dev, .bytes = bytes, .fd = fd, .what = what, .images = image};
}

/* The directory of a root-relative file, opened beneath the root. */
static int dir_of(struct journal *j, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
	int fd = rooted_open(j->rootfd, dir, O_RDONLY | O_DIRECTORY, 0, ROOTED_FOLLOW);

	/* a directory still to be made: the nearest one that exists */
	while (fd == -ENOENT && *dir) {
		char *s = strrchr(dir, '/');
		if (s)
			*s = '\0';
		else
			dir[0] = '\0';
		fd = rooted_open(j->rootfd, dir, O_RDONLY | O_DIRECTORY, 0, ROOTED_FOLLOW);
	}
	free(dir);
	return fd;
}

/* Enough room on every file system the transaction writes, before a byte
 * changes: the journal's copies where the journal is; each new file where
 * it goes; each image the commands rewrite where it is (a tool writes the
 * new one beside the old), with a margin on each. */
int tx_check_space(struct journal *j, const struct tx *t, const struct plan *p, unsigned long long need_journal)
{
	struct need *v = NULL;
	size_t n = 0;
	int r = 0;

	add_need(&v, &n, dup(j->dirfd), need_journal + 4096 * t->nf, xstrdup(j->dir), false);
	if (n)
		v[0].journal = true;
	for (size_t i = 0; i < t->nf; i++) {
		const struct tx_file *f = &t->f[i];
		unsigned long long bytes = 4096;
		for (size_t k = 0; !f->artifact && k < p->n_files; k++)
			if (strcmp(p->files[k].path, f->path) == 0)
				bytes += p->files[k].new_len;
		if (f->artifact) {
			struct file_state cur;
			if (file_state_read_at(j->rootfd, f->path, ROOTED_FOLLOW, &cur) == 0)
				bytes += cur.len;
			file_state_free(&cur);
		}
		add_need(&v, &n, dir_of(j, f->path), bytes, xasprintf("%s/%s", strcmp(j->root, "/") ? j->root : "",
								       f->path), f->artifact);
	}
	for (size_t i = 0; i < n; i++) {
		struct statvfs sv;
		/* images and the journal's copies get a margin; a few small files less */
		unsigned long long margin = v[i].images || v[i].journal ? 1u << 20 : 64u << 10;
		if (r == 0 && fstatvfs(v[i].fd, &sv) == 0) {
			unsigned long long avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
			if (avail < v[i].bytes + margin) {
				log_error(j->log, "%s: %llu KiB free, %llu KiB needed for %s; nothing was changed",
					  v[i].what, avail / 1024, (v[i].bytes + margin) / 1024,
					  v[i].journal  ? "the journal"
					  : v[i].images ? "the images the commands rewrite, with a margin"
							: "the new files");
				r = -ENOSPC;
			}
		}
		close(v[i].fd);
		free(v[i].what);
	}
	free(v);
	return r;
}

/* After the commands: an artifact that was there must still be there, not
 * empty (dracut deletes its output when /boot fills up). */
/* path matches a glob the plan lets the commands take away */
static bool may_vanish(const struct strv *vanish, const char *path)
{
	for (size_t i = 0; vanish && i < vanish->n; i++)
		if (fnmatch(vanish->v[i], path, FNM_PATHNAME) == 0)
			return true;
	return false;
}

int tx_verify_artifacts(struct journal *j, struct tx *t, const struct strv *vanish)
{
	int bad = 0;

	for (size_t i = 0; i < t->nf; i++) {
		struct tx_file *f = &t->f[i];
		struct file_state cur;
		int rr;
		if (!f->artifact)
			continue;
		memset(&cur, 0, sizeof(cur));
		rr = file_state_read(j->root, f->path, &cur);
		if (rr == 0 && !cur.exists && may_vanish(vanish, f->path)) {
			f->post_exists = false; /* taken away, as planned */
		} else if (rr < 0 || (f->pre_exists && (!cur.exists || cur.len == 0))) {
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

	if (rooted_read(j->rootfd, c->path, 64u << 20, &text, NULL, ROOTED_FOLLOW) < 0) {
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
		/* one line per image, short enough for 80 columns */
		journal_say(j, _("  (no %s in the system: %s is not checked)\n"), c->lister, path_basename(c->path));
		goto out;
	}
	tx_expand_glob(j->root, c->path, &imgs);
	if (!imgs.n) {
		/* a kernel without an initramfs; one that vanished is caught
		 * with the other generated files */
		journal_say(j, _("  (no %s: not checked)\n"), c->path);
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
			journal_say(j, _("  checked: %s holds %s\n"), img, c->text ? c->text : any);
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
int tx_run_checks(struct journal *j, struct tx *t, const struct plan *p, int timeout)
{
	int bad = 0;

	for (size_t c = 0; c < p->n_checks; c++)
		bad += p->checks[c].kind == PLAN_CHECK_CONTAINS ? check_contains(j, &p->checks[c])
								: check_lists(j, t, &p->checks[c], timeout);
	return bad ? -EIO : 0;
}
