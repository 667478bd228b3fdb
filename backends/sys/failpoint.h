/* failpoint.h - crash and fault injection for the journal's tests.
 *
 * VFIOCONF_FAILPOINT=NAME   the process _exit(99)s when it reaches NAME,
 *                           as a power cut would stop it (no cleanup).
 * VFIOCONF_FAILPOINT_TRACE=1  prints "failpoint: NAME" for every point
 *                           passed, so a test can enumerate them.
 * VFIOCONF_FAULT=NAME=ERR   fault(fp, NAME) returns -ERR (EIO, ENOSPC, EROFS,
 *                           EPERM, EACCES) instead of 0; KIND:NAME=ERR only
 *                           where the failpoint fp starts with KIND (apply:fsync).
 * Without the variables both are a getenv and a compare. Only the test
 * build honours them (failpoint.c); the installed program ignores them.
 */
#ifndef VFIOCONF_FAILPOINT_H
#define VFIOCONF_FAILPOINT_H

void failpoint(const char *name);
void failpointf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fault(const char *fp, const char *name);

#endif
