/* rooted.c - paths beneath a directory fd, never out of it. */
#include "config.h"

#include "backends/sys/rooted.h"
#include "backends/sys/sysroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Set when the kernel has no openat2 (before 5.6), or by the unit test
 * that proves the walk resolves the same. */
static bool walk_only;

void rooted_force_walk(bool on);
void rooted_force_walk(bool on)
{
	walk_only = on;
}

int rooted_base(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* ---- the walk: openat2's RESOLVE_IN_ROOT done by hand ---- */

struct walk {
	int *fd;       /* the directories from the base down; fd[0] is the base (not ours) */
	size_t n, cap;
	struct strv todo; /* components still to resolve, in reverse order */
	int links;
};

static void push_fd(struct walk *w, int fd)
{
	void *p = w->fd;

	xgrow(&p, &w->cap, w->n + 1, sizeof(int));
	w->fd = p;
	w->fd[w->n++] = fd;
}

static void back_to_base(struct walk *w)
{
	while (w->n > 1)
		close(w->fd[--w->n]);
}

/* Pushes the components of path (reversed, so the first is popped first). */
static void queue(struct walk *w, const char *path)
{
	struct strv comps = {0};
	char *copy = xstrdup(path), *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		strv_push(&comps, c);
	for (size_t i = comps.n; i > 0; i--)
		strv_push(&w->todo, comps.v[i - 1]);
	strv_free(&comps);
	free(copy);
}

static char *pop(struct walk *w)
{
	return w->todo.n ? w->todo.v[--w->todo.n] : NULL;
}

/* A symlink at (dir, name): its target goes first in the queue. */
static int follow(struct walk *w, int dir, const char *name, enum rooted_how how)
{
	char buf[PATH_MAX];
	ssize_t l;

	if (how == ROOTED_NO_SYMLINKS)
		return -ELOOP;
	if (++w->links > 40)
		return -ELOOP;
	l = readlinkat(dir, name, buf, sizeof(buf) - 1);
	if (l < 0)
		return -errno;
	buf[l] = '\0';
	if (buf[0] == '/')
		back_to_base(w);
	queue(w, buf);
	return 0;
}

static int walk_open(int base, const char *rel, int flags, mode_t mode, enum rooted_how how)
{
	struct walk w = {0};
	int r = -ENOENT;
	char *c;

	push_fd(&w, base);
	queue(&w, rel);
	if (!w.todo.n) {
		r = openat(base, ".", flags | O_CLOEXEC, mode);
		r = r < 0 ? -errno : r;
		goto out;
	}
	while ((c = pop(&w))) {
		int top = w.fd[w.n - 1], fd;
		bool last = w.todo.n == 0;
		struct stat st;

		if (strcmp(c, ".") == 0) {
			free(c);
			if (last) {
				r = openat(top, ".", flags | O_CLOEXEC, mode);
				r = r < 0 ? -errno : r;
				break;
			}
			continue;
		}
		if (strcmp(c, "..") == 0) {
			if (w.n > 1)
				close(w.fd[--w.n]);
			free(c);
			if (last) {
				r = openat(w.fd[w.n - 1], ".", flags | O_CLOEXEC, mode);
				r = r < 0 ? -errno : r;
				break;
			}
			continue;
		}
		if (last) {
			bool nofollow = flags & O_NOFOLLOW; /* the caller wants the link itself */
			fd = openat(top, c, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			if (fd >= 0 && !nofollow && (flags & O_PATH) && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
				close(fd);
				fd = -1;
				errno = ELOOP;
			}
			/* O_DIRECTORY on a link says ENOTDIR: still a link to follow */
			if (fd < 0 && errno == ENOTDIR && fstatat(top, c, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				errno = ELOOP;
			if (fd < 0 && errno == ELOOP && !nofollow) {
				r = follow(&w, top, c, how);
				free(c);
				if (r < 0)
					break;
				r = -ENOENT;
				continue;
			}
			r = fd < 0 ? -errno : fd;
			free(c);
			break;
		}
		fd = openat(top, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			r = -errno;
			if (fd >= 0)
				close(fd);
			free(c);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			close(fd);
			r = follow(&w, top, c, how);
			free(c);
			if (r < 0)
				break;
			continue;
		}
		free(c);
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			r = -ENOTDIR;
			break;
		}
		push_fd(&w, fd);
	}
out:
	back_to_base(&w);
	free(w.fd);
	strv_free(&w.todo);
	return r;
}

int rooted_open(int base, const char *rel, int flags, mode_t mode, enum rooted_how how)
{
	if (!rel || !*rel)
		rel = ".";
	if (!walk_only) {
		struct open_how oh = {
			.flags = (unsigned long long)(flags | O_CLOEXEC),
			.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
				   (how == ROOTED_NO_SYMLINKS ? RESOLVE_NO_SYMLINKS : 0),
		};
		for (int tries = 0; tries < 8; tries++) {
			long fd = syscall(SYS_openat2, base, rel, &oh, sizeof(oh));
			if (fd >= 0)
				return (int)fd;
			if (errno == EAGAIN || errno == EINTR)
				continue; /* a rename raced with the lookup: look again */
			if (errno != ENOSYS)
				return -errno;
			walk_only = true;
			break;
		}
		if (!walk_only)
			return -EAGAIN;
	}
	return walk_open(base, rel, flags, mode, how);
}

/* Appends component c to the stack path (root-relative, no leading '/'). */
static void push_comp(struct strbuf *sb, const char *c, size_t n)
{
	if (n == 1 && c[0] == '.')
		return;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		char *slash = sb->len ? strrchr(sb->buf, '/') : NULL;
		if (slash)
			sb->len = (size_t)(slash - sb->buf);
		else
			sb->len = 0;
		if (sb->buf)
			sb->buf[sb->len] = '\0';
		return;
	}
	if (sb->len)
		strbuf_putc(sb, '/');
	strbuf_add(sb, c, n);
}

int rooted_resolve(int base, const char *rel, char **out)
{
	struct strbuf done = {0}, todo = {0};
	int links = 0;

	strbuf_puts(&todo, rel);
	while (todo.len) {
		char *p = todo.buf, *slash;
		size_t n;
		char buf[PATH_MAX];
		ssize_t l = -1;
		int fd;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		push_comp(&done, p, n);
		{
			/* what remains after this component */
			char *rest = xstrdup(slash ? slash : "");
			strbuf_reset(&todo);
			strbuf_puts(&todo, rest);
			free(rest);
		}
		fd = rooted_open(base, done.len ? done.buf : ".", O_PATH | O_NOFOLLOW, 0, ROOTED_FOLLOW);
		if (fd >= 0) {
			l = readlinkat(fd, "", buf, sizeof(buf) - 1);
			close(fd);
		}
		if (l < 0)
			continue; /* not a link (or missing): keep it */
		if (++links > 40) {
			strbuf_free(&done);
			strbuf_free(&todo);
			return -ELOOP;
		}
		buf[l] = '\0';
		/* drop the link itself, then walk its target before the rest */
		{
			char *slash2 = strrchr(done.buf, '/');
			done.len = slash2 ? (size_t)(slash2 - done.buf) : 0;
			done.buf[done.len] = '\0';
		}
		if (buf[0] == '/')
			strbuf_reset(&done);
		{
			char *rest = xasprintf("%s%s", buf, todo.buf ? todo.buf : "");
			strbuf_reset(&todo);
			strbuf_puts(&todo, rest);
			free(rest);
		}
	}
	strbuf_free(&todo);
	*out = strbuf_detach(&done);
	return 0;
}

int rooted_mkdirs(int base, const char *dir, mode_t mode, enum rooted_how how, struct strv *created)
{
	struct strbuf prefix = {0};
	char *copy = xstrdup(dir), *save = NULL;
	int fd = -1, r = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int parent = rooted_open(base, prefix.len ? prefix.buf : ".", O_RDONLY | O_DIRECTORY, 0, how);
		if (parent < 0) {
			r = parent;
			break;
		}
		if (prefix.len)
			strbuf_putc(&prefix, '/');
		strbuf_puts(&prefix, c);
		if (mkdirat(parent, c, mode) == 0) {
			if (created)
				strv_push(created, prefix.buf);
			if (fsync(parent) < 0)
				r = -errno;
		} else if (errno != EEXIST) {
			r = -errno;
		}
		close(parent);
		if (r < 0)
			break;
	}
	if (r == 0) {
		fd = rooted_open(base, prefix.len ? prefix.buf : ".", O_RDONLY | O_DIRECTORY, 0, how);
		r = fd;
	}
	strbuf_free(&prefix);
	free(copy);
	return r;
}

int rooted_read(int base, const char *rel, size_t max, char **out, size_t *len, enum rooted_how how)
{
	struct stat st;
	int fd;

	*out = NULL;
	fd = rooted_open(base, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, how);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EISDIR; /* a directory, FIFO or device is no file to read */
	}
	return read_fd(fd, max, out, len);
}

int rooted_read_path(const char *root, const char *rel, size_t max, char **out, size_t *len)
{
	int base = rooted_base(root), r;

	*out = NULL;
	if (base < 0)
		return base;
	r = rooted_read(base, rel, max, out, len, ROOTED_FOLLOW);
	close(base);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rooted_list(int base, const char *dir, enum rooted_how how, struct strv *out)
{
	int fd = rooted_open(base, dir, O_RDONLY | O_DIRECTORY, 0, how);
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		close(fd);
		return r;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			strv_push(out, e->d_name);
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_names);
	return 0;
}

bool rooted_exists(int base, const char *rel)
{
	int fd = rooted_open(base, rel, O_PATH, 0, ROOTED_FOLLOW);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}
