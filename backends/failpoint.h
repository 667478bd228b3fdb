/* failpoint.h - crash and fault injection for the journal's tests.
 *
 * VFIOCONF_FAILPOINT=NAME   the process _exit(99)s when it reaches NAME,
 *                           as a power cut would stop it (no cleanup).
 * VFIOCONF_FAILPOINT_TRACE=1  prints "failpoint: NAME" for every point
 *                           passed, so a test can enumerate them.
 * VFIOCONF_FAULT=NAME=ERR   fault(NAME) returns -ERR (EIO, ENOSPC, EROFS,
 *                           EPERM) instead of 0.
 * Without the variables both are a getenv and a compare.
 */
#ifndef VFIOCONF_FAILPOINT_H
#define VFIOCONF_FAILPOINT_H

void failpoint(const char *name);
void failpointf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fault(const char *name);

#endif
