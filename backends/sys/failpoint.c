/* failpoint.c - crash and fault injection, compiled in only for the test
 * build (tests/vfioconf-hooks, -DVFIOCONF_TEST_HOOKS): the installed
 * program has none, whatever its environment says. */
#include "config.h"

#include "backends/sys/failpoint.h"

#ifndef VFIOCONF_TEST_HOOKS

void failpoint(const char *name)
{
	(void)name;
}

void failpointf(const char *fmt, ...)
{
	(void)fmt;
}

int fault(const char *fp, const char *name)
{
	(void)fp;
	(void)name;
	return 0;
}

#else

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void failpoint(const char *name)
{
	const char *fp = getenv("VFIOCONF_FAILPOINT");

	if (getenv("VFIOCONF_FAILPOINT_TRACE"))
		fprintf(stderr, "failpoint: %s\n", name);
	if (fp && strcmp(fp, name) == 0) {
		fprintf(stderr, "vfioconf: failpoint %s: simulated crash\n", name);
		_exit(99);
	}
}

void failpointf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!getenv("VFIOCONF_FAILPOINT") && !getenv("VFIOCONF_FAILPOINT_TRACE"))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	failpoint(buf);
}

int fault(const char *fp, const char *name)
{
	static const struct {
		const char *n;
		int e;
	} errs[] = {{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EROFS", EROFS}, {"EPERM", EPERM}, {"EACCES", EACCES}};
	const char *f = getenv("VFIOCONF_FAULT"), *eq, *colon;
	size_t kl = fp ? strcspn(fp, ":") : 0;

	if (!f || !(eq = strchr(f, '=')))
		return 0;
	colon = memchr(f, ':', (size_t)(eq - f));
	if (colon) {
		/* KIND:NAME */
		if (!fp || (size_t)(colon - f) != kl || strncmp(f, fp, kl) != 0 ||
		    strlen(name) != (size_t)(eq - colon - 1) || strncmp(colon + 1, name, strlen(name)) != 0)
			return 0;
	} else if (strlen(name) != (size_t)(eq - f) || strncmp(f, name, strlen(name)) != 0) {
		return 0;
	}
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (strcmp(eq + 1, errs[i].n) == 0)
			return -errs[i].e;
	return -EIO;
}

#endif
