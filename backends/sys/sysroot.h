/* sysroot.h - the two roots, and reading files and links beneath them.
 *
 * Every path the program reads is built here from one of three bases:
 * root (the installed system: etc/, boot/, lib/modules/), sysfs and procfs
 * (the live hardware and kernel). Nothing else opens absolute paths.
 * Functions return 0 or -errno; out-strings are owned by the caller.
 */
#ifndef VFIOCONF_SYSROOT_H
#define VFIOCONF_SYSROOT_H

#include <stdbool.h>
#include <stddef.h>

struct sysroot {
	const char *root;   /* "/" by default; borrowed */
	const char *sysfs;  /* "/sys" */
	const char *procfs; /* "/proc" */
};

/* base + "/" + rel, without doubled slashes ("/" + "etc" = "/etc"). */
char *path_join(const char *base, const char *rel);
char *path_joinf(const char *base, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Last component of path (borrowed, inside path). */
const char *path_basename(const char *path);

/* Whole file into a NUL-terminated buffer; *len may be NULL. Files over
 * max bytes give -EFBIG. */
int read_file(const char *path, size_t max, char **out, size_t *len);
/* The same from an open fd, which it closes. */
int read_fd(int fd, size_t max, char **out, size_t *len);
/* A sysfs/procfs attribute: one read, trailing whitespace stripped. */
int read_attr(const char *dir, const char *name, char **out);
/* Attribute parsed as hex ("0x10de" or "10de"); -EINVAL on garbage. */
int read_attr_hex(const char *dir, const char *name, unsigned long max, unsigned long *out);
/* The same relative to an open directory: on hosts with thousands of
 * devices, re-walking the whole path for every attribute dominates. */
int read_attr_at(int dirfd, const char *name, char **out);
int read_attr_hex_at(int dirfd, const char *name, unsigned long max, unsigned long *out);
/* Basename of a symlink's target (e.g. driver -> .../drivers/nouveau). */
int read_link_base(const char *dir, const char *name, char **out);
bool path_exists(const char *path);
/* Resolves a root-relative path as a chroot would: symlinks are followed
 * inside root (absolute targets start at root, ".." stops at root). On
 * success *out is the resolved root-relative path (caller frees); a
 * missing last component is fine. -ELOOP after 40 links. */
int root_resolve(const char *root, const char *rel, char **out);
bool dir_has_entries(const char *path);

#endif
