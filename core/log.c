/* log.c - messages collected during a scan or plan. */
#include "config.h"

#include "core/log.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdlib.h>

void log_add(struct log *log, enum log_level level, const char *fmt, ...)
{
	struct strbuf sb = {0};
	void *p = log->e;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	xgrow(&p, &log->cap, log->n + 1, sizeof(*log->e));
	log->e = p;
	log->e[log->n].level = level;
	log->e[log->n].msg = strbuf_detach(&sb);
	log->n++;
}

size_t log_count(const struct log *log, enum log_level level)
{
	size_t c = 0;

	for (size_t i = 0; i < log->n; i++)
		if (log->e[i].level == level)
			c++;
	return c;
}

void log_truncate(struct log *log, size_t n)
{
	for (size_t i = n; i < log->n; i++)
		free(log->e[i].msg);
	if (n < log->n)
		log->n = n;
}

void log_free(struct log *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->e[i].msg);
	free(log->e);
	log->e = NULL;
	log->n = log->cap = 0;
}
