/* atomic.c - crash-safe replacement of one file under the root. */
#include "config.h"

#include "backends/sys/atomic.h"
#include "backends/sys/failpoint.h"
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

int file_state_read(const char *root, const char *rel, struct file_state *st)
{
	char *res, *full;
	struct stat sb;
	int r;

	memset(st, 0, sizeof(*st));
	r = root_resolve(root, rel, &res);
	if (r < 0)
		return r;
	full = path_join(root, res);
	if (lstat(full, &sb) < 0) {
		r = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = S_ISLNK(sb.st_mode) ? -ENOLINK : -EISDIR; /* dangling link, or not a file */
		goto out;
	}
	r = read_file(full, 256u << 20, &st->bytes, &st->len);
	if (r < 0)
		goto out;
	st->exists = true;
	st->mode = sb.st_mode & 07777;
	st->uid = sb.st_uid;
	st->gid = sb.st_gid;
out:
	free(full);
	free(res);
	return r;
}

void file_state_free(struct file_state *st)
{
	free(st->bytes);
	st->bytes = NULL;
}

/* mkdir -p of the root-relative directory dir, each new one fsynced into
 * its parent. */
static int make_dirs(const char *root, const char *dir)
{
	char *p = xstrdup(dir);
	int r = 0;

	for (char *s = p;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (*p) {
				char *full = path_join(root, p);
				if (mkdir(full, 0755) == 0) {
					char *parent = xstrdup(full);
					*strrchr(parent, '/') = '\0';
					int fd = open(*parent ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
					if (fd >= 0) {
						if (fsync(fd) < 0)
							r = -errno;
						close(fd);
					}
					free(parent);
				} else if (errno != EEXIST) {
					r = -errno;
				}
				free(full);
			}
			*s = c;
			if (!c || r < 0)
				break;
		}
	}
	free(p);
	return r;
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

static int split(const char *root, const char *rel, char **dir, char **leaf)
{
	char *res;
	int r = root_resolve(root, rel, &res);
	char *slash;

	if (r < 0)
		return r;
	slash = strrchr(res, '/');
	*dir = slash ? xstrndup(res, (size_t)(slash - res)) : xstrdup("");
	*leaf = xstrdup(slash ? slash + 1 : res);
	free(res);
	return **leaf ? 0 : -EISDIR;
}

int atomic_write(const char *root, const char *rel, const char *bytes, size_t len, mode_t mode, uid_t uid,
		 gid_t gid, const char *fp, const char *tag)
{
	char *dir = NULL, *leaf = NULL, *dpath = NULL, *tmp = NULL;
	int dfd = -1, fd = -1, old = -1, r;
	struct stat sb;

	r = split(root, rel, &dir, &leaf);
	if (r < 0)
		goto out;
	r = make_dirs(root, dir);
	if (r < 0)
		goto out;
	dpath = path_join(root, dir);
	dfd = open(dpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
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
	free(dpath);
	free(dir);
	free(leaf);
	return r;
}

int atomic_remove(const char *root, const char *rel, const char *fp)
{
	char *dir = NULL, *leaf = NULL, *dpath;
	int dfd, r;

	r = split(root, rel, &dir, &leaf);
	if (r < 0)
		goto out;
	dpath = path_join(root, dir);
	dfd = open(dpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dpath);
	if (dfd < 0) {
		r = errno == ENOENT ? 0 : -errno;
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

void atomic_cleanup(const char *root, const char *rel, const char *tag)
{
	char *dir = NULL, *leaf = NULL;

	if (split(root, rel, &dir, &leaf) == 0) {
		char *p = path_joinf(root, "%s/.#vfioconf.%s.%s", dir, leaf, tag);
		unlink(p);
		free(p);
	}
	free(dir);
	free(leaf);
}
