/* rooted.h - opening paths beneath a directory so that nothing leads out.
 *
 * Every path is resolved from a directory fd (the root, or the journal's
 * directory) as a chroot at that directory would resolve it: symlinks
 * (absolute ones start at the base) and ".." never lead above it, and a
 * directory swapped for a symlink while vfioconf works cannot take a read
 * or a write elsewhere. openat2(2) with RESOLVE_IN_ROOT where the kernel
 * has it; otherwise a walk, component by component with O_NOFOLLOW, that
 * resolves the same way.
 *
 * ROOTED_NO_SYMLINKS refuses any symlink on the way (-ELOOP): for the
 * journal's own files, where a symlink can only have been planted.
 * Functions return an fd or 0, or -errno; fds are O_CLOEXEC and the
 * caller's to close.
 */
#ifndef VFIOCONF_ROOTED_H
#define VFIOCONF_ROOTED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/util.h"

enum rooted_how {
	ROOTED_FOLLOW = 0,      /* symlinks followed, inside the base */
	ROOTED_NO_SYMLINKS = 1, /* any symlink refused */
};

/* A directory fd of path (O_PATH), the base for the functions below. */
int rooted_base(const char *path);
/* Opens rel beneath base. flags as for openat(2) (O_CLOEXEC is added). */
int rooted_open(int base, const char *rel, int flags, mode_t mode, enum rooted_how how);
/* rel with every symlink on the way resolved beneath base, as a chroot
 * would (for names: what the journal records, what a message says); a
 * missing last component is fine. *out is the caller's. -ELOOP after 40
 * links. */
int rooted_resolve(int base, const char *rel, char **out);
/* An O_DIRECTORY fd of dir beneath base, creating what is missing (mode,
 * each new directory fsynced into its parent); the root-relative names of
 * the directories it made are appended to created (may be NULL). "" is
 * the base itself. */
int rooted_mkdirs(int base, const char *dir, mode_t mode, enum rooted_how how, struct strv *created);
/* A whole regular file beneath base, NUL-terminated (*len may be NULL):
 * -ENOENT, -EFBIG over max, -EISDIR for anything but a regular file. */
int rooted_read(int base, const char *rel, size_t max, char **out, size_t *len, enum rooted_how how);
/* The same from a path: opens the base, reads, closes. */
int rooted_read_path(const char *root, const char *rel, size_t max, char **out, size_t *len);
/* Sorted names in dir beneath base (dot files left out). */
int rooted_list(int base, const char *dir, enum rooted_how how, struct strv *out);
/* Does rel exist beneath base (as anything)? */
bool rooted_exists(int base, const char *rel);

#endif
