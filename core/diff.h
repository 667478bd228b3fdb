/* diff.h - unified diffs of whole files, as patch(1) reads them.
 *
 * Paths are written as given (root-relative, e.g. "etc/default/grub"), so
 * `patch -p0 -d ROOT` applies a plan's diff. A NULL side is an absent file
 * (/dev/null). "\ No newline at end of file" marks a last line without one.
 */
#ifndef VFIOCONF_DIFF_H
#define VFIOCONF_DIFF_H

#include <stddef.h>

#include "core/util.h"

/* Appends the diff of old -> new to out; nothing when they are equal, and
 * nothing when an empty file is made or removed (a unified diff has no
 * hunk for it; the caller says it in words).
 * Lengths are explicit so files with NUL bytes are compared whole.
 * Returns the number of hunks. */
size_t diff_unified(struct strbuf *out, const char *path, const char *old, size_t old_len,
		    const char *new, size_t new_len, int context);

#endif
