/* mounts.h - the file systems a transaction writes must be mounted where
 * ROOT/etc/fstab puts them (mounts.c). */
#ifndef VFIOCONF_MOUNTS_H
#define VFIOCONF_MOUNTS_H

#include "core/log.h"
#include "core/util.h"

/* paths: root-relative files and directories the transaction writes. 0, or
 * -EXDEV with the mount command for each file system that is missing
 * (logged; root is for the messages). */
int mounts_check(int rootfd, const char *root, const struct strv *paths, struct log *log);

#endif
