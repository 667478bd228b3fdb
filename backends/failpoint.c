/* failpoint.c - crash and fault injection. */
#include "config.h"

#include "backends/failpoint.h"

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

int fault(const char *name)
{
	static const struct {
		const char *n;
		int e;
	} errs[] = {{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EROFS", EROFS}, {"EPERM", EPERM}, {"EACCES", EACCES}};
	const char *f = getenv("VFIOCONF_FAULT");
	size_t l = strlen(name);

	if (!f || strncmp(f, name, l) != 0 || f[l] != '=')
		return 0;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (strcmp(f + l + 1, errs[i].n) == 0)
			return -errs[i].e;
	return -EIO;
}
