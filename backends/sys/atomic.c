/* atomic.c - crash-safe replacement of one file under the root. */
#include "config.h"

#include "backends/sys/atomic.h"
#include "backends/sys/failpoint.h"
#include "backends/sys/rooted.h"
#include "backends/sys/sysroot.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

int file_state_read_at(int base, const char *rel, enum rooted_how how, struct file_state *st)
{
	struct stat sb;
	int fd, r;

	memset(st, 0, sizeof(*st));
	fd = rooted_open(base, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, how);
	if (fd == -ENOENT) {
		/* missing, or a link that leads nowhere */
		fd = rooted_open(base, rel, O_PATH | O_NOFOLLOW, 0, how);
		if (fd < 0)
			return fd == -ENOENT ? 0 : fd;
		r = fstat(fd, &sb) == 0 && S_ISLNK(sb.st_mode) ? -ENOLINK : 0;
		close(fd);
		return r;
	}
	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = -EISDIR; /* not a file */
		goto out;
	}
	close(fd);
	fd = -1;
	r = rooted_read(base, rel, 256u << 20, &st->bytes, &st->len, how);
	if (r < 0)
		goto out;
	st->exists = true;
	st->mode = sb.st_mode & 07777;
	st->uid = sb.st_uid;
	st->gid = sb.st_gid;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int file_state_read(const char *root, const char *rel, struct file_state *st)
{
	int base = rooted_base(root), r;

	memset(st, 0, sizeof(*st));
	if (base < 0)
		return base;
	r = file_state_read_at(base, rel, ROOTED_FOLLOW, st);
	close(base);
	return r;
}

void file_state_free(struct file_state *st)
{
	free(st->bytes);
	st->bytes = NULL;
}

static int write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Extended attributes of the replaced file go to the new one (SELinux
 * labels, ACLs); filesystems without xattrs are fine. */
static int copy_xattrs(int from, int to)
{
	char names[4096], val[4096];
	ssize_t n = flistxattr(from, names, sizeof(names));

	if (n <= 0)
		return 0;
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		ssize_t v = fgetxattr(from, k, val, sizeof(val));
		if (v >= 0 && fsetxattr(to, k, val, (size_t)v, 0) < 0 && errno != ENOTSUP && errno != EPERM)
			return -errno;
	}
	return 0;
}

/* The directory and the name of rel. Following symlinks, the final one is
 * resolved first (a link is written through to its target, never
 * replaced); the directories on the way are resolved beneath base when
 * they are opened. */
static int split(int base, const char *rel, enum rooted_how how, char **dir, char **leaf)
{
	char *res, *slash;
	int r = how == ROOTED_FOLLOW ? rooted_resolve(base, rel, &res) : 0;

	if (r < 0)
		return r;
	if (how != ROOTED_FOLLOW)
		res = xstrdup(rel);
	slash = strrchr(res, '/');
	*dir = slash ? xstrndup(res, (size_t)(slash - res)) : xstrdup("");
	*leaf = xstrdup(slash ? slash + 1 : res);
	free(res);
	return **leaf ? 0 : -EISDIR;
}

int atomic_write_at(int base, const char *rel, enum rooted_how how, const char *bytes, size_t len, mode_t mode,
		    uid_t uid, gid_t gid, const char *fp, const char *tag, struct strv *created)
{
	char *dir = NULL, *leaf = NULL, *tmp = NULL;
	int dfd = -1, fd = -1, old = -1, r;
	struct stat sb;

	r = split(base, rel, how, &dir, &leaf);
	if (r < 0)
		goto out;
	dfd = rooted_mkdirs(base, dir, 0755, how, created);
	if (dfd < 0) {
		r = dfd;
		dfd = -1;
		goto out;
	}
	if (fstatat(dfd, leaf, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(sb.st_mode)) {
			r = -ENOLINK; /* resolution ended on a link: it dangles */
			goto out;
		}
		if (sb.st_nlink > 1) {
			r = -EMLINK; /* a rename would break the hard link */
			goto out;
		}
		old = openat(dfd, leaf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	tmp = xasprintf(".#vfioconf.%s.%s", leaf, tag);
	unlinkat(dfd, tmp, 0); /* a leftover of ours from an earlier crash */
	failpointf("%s:W1", fp);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	failpointf("%s:W2", fp);
	r = fault(fp, "write");
	if (r == 0)
		r = write_all(fd, bytes, len);
	if (r < 0)
		goto fail;
	failpointf("%s:W3", fp);
	if ((fchown(fd, uid, gid) < 0 && errno != EPERM) || fchmod(fd, mode) < 0) {
		r = -errno;
		goto fail;
	}
	if (old >= 0 && (r = copy_xattrs(old, fd)) < 0)
		goto fail;
	failpointf("%s:W4", fp);
	r = fault(fp, "fsync");
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		goto fail; /* fatal: never retried and trusted */
	failpointf("%s:W5", fp);
	r = fault(fp, "rename");
	if (r == 0 && renameat(dfd, tmp, dfd, leaf) < 0)
		r = -errno;
	if (r < 0)
		goto fail;
	failpointf("%s:W6", fp);
	if (fsync(dfd) < 0)
		r = -errno;
	goto out;
fail:
	unlinkat(dfd, tmp, 0);
out:
	if (fd >= 0)
		close(fd);
	if (old >= 0)
		close(old);
	if (dfd >= 0)
		close(dfd);
	free(tmp);
	free(dir);
	free(leaf);
	return r;
}

int atomic_write(const char *root, const char *rel, const char *bytes, size_t len, mode_t mode, uid_t uid,
		 gid_t gid, const char *fp, const char *tag)
{
	int base = rooted_base(root), r;

	if (base < 0)
		return base;
	r = atomic_write_at(base, rel, ROOTED_FOLLOW, bytes, len, mode, uid, gid, fp, tag, NULL);
	close(base);
	return r;
}

int atomic_remove_at(int base, const char *rel, enum rooted_how how, const char *fp)
{
	char *dir = NULL, *leaf = NULL;
	int dfd, r;

	r = split(base, rel, how, &dir, &leaf);
	if (r < 0)
		goto out;
	dfd = rooted_open(base, dir, O_RDONLY | O_DIRECTORY, 0, how);
	if (dfd < 0) {
		r = dfd == -ENOENT ? 0 : dfd;
		goto out;
	}
	failpointf("%s:W5", fp);
	if (unlinkat(dfd, leaf, 0) < 0 && errno != ENOENT)
		r = -errno;
	failpointf("%s:W6", fp);
	if (r == 0 && fsync(dfd) < 0)
		r = -errno;
	close(dfd);
out:
	free(dir);
	free(leaf);
	return r;
}

int atomic_remove(const char *root, const char *rel, const char *fp)
{
	int base = rooted_base(root), r;

	if (base < 0)
		return base;
	r = atomic_remove_at(base, rel, ROOTED_FOLLOW, fp);
	close(base);
	return r;
}

void atomic_cleanup(const char *root, const char *rel, const char *tag)
{
	char *dir = NULL, *leaf = NULL;
	int base = rooted_base(root), dfd;

	if (base >= 0 && split(base, rel, ROOTED_FOLLOW, &dir, &leaf) == 0 &&
	    (dfd = rooted_open(base, dir, O_RDONLY | O_DIRECTORY, 0, ROOTED_FOLLOW)) >= 0) {
		char *tmp = xasprintf(".#vfioconf.%s.%s", leaf, tag);
		unlinkat(dfd, tmp, 0);
		free(tmp);
		close(dfd);
	}
	if (base >= 0)
		close(base);
	free(dir);
	free(leaf);
}
