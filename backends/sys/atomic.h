/* atomic.h - replace one file under the root so that a crash leaves the old
 * bytes or the new ones, never a mix (reliability.md §3.2).
 *
 * The path is resolved inside the root as a chroot would (symlinks are
 * written through to their target, never replaced), through directory fds
 * that cannot be led out of it (rooted.h). A temp file
 * ".#vfioconf.<name>.<tag>" in the same directory gets the bytes, the
 * owner, mode and extended attributes, is fsynced, renamed over the target
 * and the directory fsynced. An fsync error is fatal, never retried.
 * Failpoints: "<fp>:W1".."<fp>:W6" around each step.
 */
#ifndef VFIOCONF_ATOMIC_H
#define VFIOCONF_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "backends/sys/rooted.h"

struct file_state {
	bool exists;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	char *bytes;   /* owned; NULL when !exists */
	size_t len;
};

/* Current state of root/rel (resolved). 0 or -errno (not -ENOENT: a
 * missing file is exists = false). */
int file_state_read(const char *root, const char *rel, struct file_state *st);
/* The same beneath a directory fd (rooted.h). */
int file_state_read_at(int base, const char *rel, enum rooted_how how, struct file_state *st);
void file_state_free(struct file_state *st);

/* Writes bytes with mode/uid/gid (and the xattrs of the file replaced).
 * Parent directories are created (0755) when missing. fp names the
 * failpoints; tag makes the temp name unique. */
int atomic_write(const char *root, const char *rel, const char *bytes, size_t len, mode_t mode, uid_t uid,
		 gid_t gid, const char *fp, const char *tag);
/* The same beneath a directory fd; the directories it had to make are
 * appended to created (may be NULL). */
int atomic_write_at(int base, const char *rel, enum rooted_how how, const char *bytes, size_t len, mode_t mode,
		    uid_t uid, gid_t gid, const char *fp, const char *tag, struct strv *created);
/* Removes root/rel (if present) and fsyncs its directory. */
int atomic_remove(const char *root, const char *rel, const char *fp);
int atomic_remove_at(int base, const char *rel, enum rooted_how how, const char *fp);
/* Removes temp files a crash left: ".#vfioconf.<name>.<tag>" next to rel. */
void atomic_cleanup(const char *root, const char *rel, const char *tag);

#endif
