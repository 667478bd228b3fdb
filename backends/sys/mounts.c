/* mounts.c - are the file systems a transaction writes mounted where the
 * installed system's fstab puts them? From a rescue system with only the
 * root under /mnt, /boot and the ESP are empty directories of the root
 * file system: writing there breaks nothing visible and fixes nothing. */
#include "config.h"

#include "backends/sys/mounts.h"
#include "backends/sys/rooted.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fstab's octal escapes (\040 for a blank). */
static char *unescape(const char *s)
{
	struct strbuf sb = {0};

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			strbuf_putc(&sb, (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0')));
			s += 4;
		} else {
			strbuf_putc(&sb, *s++);
		}
	}
	return strbuf_detach(&sb);
}

/* The mount points of ROOT/etc/fstab (without the leading '/'; "" is
 * the root), each with its source ("UUID=...", "/dev/sda1"). */
static void read_fstab(int rootfd, struct strv *targets, struct strv *sources)
{
	char *text = NULL;

	if (rooted_read(rootfd, "etc/fstab", 1u << 20, &text, NULL, ROOTED_FOLLOW) < 0)
		return;
	for (char *line = text, *next; line && *line; line = next) {
		char spec[1024], file[1024], type[256];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line += strspn(line, " \t");
		if (*line == '#' || sscanf(line, "%1023s %1023s %255s", spec, file, type) != 3)
			continue;
		if (file[0] != '/' || strcmp(type, "swap") == 0)
			continue;
		{
			char *f = unescape(file + 1), *sp = unescape(spec);
			size_t l = strlen(f);
			while (l && f[l - 1] == '/')
				f[--l] = '\0';
			strv_push(targets, f);
			strv_push(sources, sp);
			free(f);
			free(sp);
		}
	}
	free(text);
}

/* Is dir (root-relative, a mount point in fstab) mounted: another device
 * than its parent, or the same directory as the parent's (a bind)? */
static bool mounted(int rootfd, const char *dir)
{
	const char *slash = strrchr(dir, '/');
	char *parent = slash ? xstrndup(dir, (size_t)(slash - dir)) : xstrdup("");
	int fd = rooted_open(rootfd, dir, O_PATH | O_DIRECTORY, 0, ROOTED_FOLLOW);
	int pfd = rooted_open(rootfd, parent, O_PATH | O_DIRECTORY, 0, ROOTED_FOLLOW);
	struct stat a, b;
	bool r = true; /* what cannot be looked at is not blamed */

	if (fd >= 0 && pfd >= 0 && fstat(fd, &a) == 0 && fstat(pfd, &b) == 0)
		r = a.st_dev != b.st_dev || a.st_ino == b.st_ino;
	else if (fd == -ENOENT)
		r = false; /* not even the directory: nothing is mounted there */
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	free(parent);
	return r;
}

/* The deepest fstab mount point above path, or -1 (the root's own). */
static long mount_of(const struct strv *targets, const char *path)
{
	long best = -1;
	size_t best_len = 0;

	for (size_t i = 0; i < targets->n; i++) {
		const char *t = targets->v[i];
		size_t l = strlen(t);
		if (!l)
			continue;
		if (strncmp(path, t, l) == 0 && (path[l] == '/' || !path[l]) && l > best_len) {
			best = (long)i;
			best_len = l;
		}
	}
	return best;
}

int mounts_check(int rootfd, const char *root, const struct strv *paths, struct log *log)
{
	struct strv targets = {0}, sources = {0}, missing = {0};
	const char *shown = strcmp(root, "/") ? root : "";

	read_fstab(rootfd, &targets, &sources);
	for (size_t i = 0; i < paths->n; i++) {
		long m = mount_of(&targets, paths->v[i]);
		if (m >= 0 && !strv_contains(&missing, targets.v[m]) && !mounted(rootfd, targets.v[m]))
			strv_push(&missing, targets.v[m]);
	}
	for (size_t i = 0; i < missing.n; i++) {
		long m = mount_of(&targets, missing.v[i]);
		log_error(log, "%s/%s is not mounted, but %s/etc/fstab mounts %s there and vfioconf writes to it; "
			       "nothing was changed. Mount it first: mount %s %s/%s",
			  shown, missing.v[i], shown, sources.v[m], sources.v[m], shown, missing.v[i]);
	}
	strv_free(&targets);
	strv_free(&sources);
	{
		int r = missing.n ? -EXDEV : 0;
		strv_free(&missing);
		return r;
	}
}
