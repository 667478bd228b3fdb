/* sysroot.c - reading files and links beneath the two roots. */
#include "config.h"

#include "backends/sys/sysroot.h"
#include "backends/sys/rooted.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *path_join(const char *base, const char *rel)
{
	size_t bl = strlen(base);

	while (*rel == '/')
		rel++;
	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	if (bl == 1 && base[0] == '/')
		return xasprintf("/%s", rel);
	if (!*rel)
		return xstrndup(base, bl);
	return xasprintf("%.*s/%s", (int)bl, base, rel);
}

char *path_joinf(const char *base, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;
	char *r;

	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	r = path_join(base, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

const char *path_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return read_fd(fd, max, out, len);
}

int read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct strbuf sb = {0};
	char buf[8192];
	int r = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > max) {
			r = -EFBIG;
			break;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	if (r < 0) {
		strbuf_free(&sb);
		return r;
	}
	if (len)
		*len = sb.len;
	*out = strbuf_detach(&sb);
	return 0;
}

int read_attr_at(int dirfd, const char *name, char **out)
{
	/* kernfs attributes are not seq_file: read once, up to a page. */
	char buf[4097];
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	close(fd);
	buf[n] = '\0';
	if (memchr(buf, '\0', (size_t)n))
		return -EINVAL;
	*out = xstrdup(str_rstrip(buf));
	return 0;
}

int read_attr_hex_at(int dirfd, const char *name, unsigned long max, unsigned long *out)
{
	char *s;
	int r = read_attr_at(dirfd, name, &s);

	if (r < 0)
		return r;
	r = str_to_ulong(s, 16, max, out);
	free(s);
	return r;
}

int read_attr(const char *dir, const char *name, char **out)
{
	char *p = path_join(dir, name);
	int r = read_attr_at(AT_FDCWD, p, out);

	free(p);
	return r;
}

int read_attr_hex(const char *dir, const char *name, unsigned long max, unsigned long *out)
{
	char *p = path_join(dir, name);
	int r = read_attr_hex_at(AT_FDCWD, p, max, out);

	free(p);
	return r;
}

int read_link_base(const char *dir, const char *name, char **out)
{
	char buf[PATH_MAX];
	char *p = path_join(dir, name);
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);

	free(p);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	*out = xstrdup(path_basename(buf));
	return 0;
}

bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

bool dir_has_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool any = false;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			any = true;
			break;
		}
	closedir(d);
	return any;
}

int root_resolve(const char *root, const char *rel, char **out)
{
	int base = rooted_base(root), r;

	*out = NULL;
	if (base < 0)
		return base;
	r = rooted_resolve(base, rel, out);
	close(base);
	return r;
}
