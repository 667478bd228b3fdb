/* log.h - messages collected during a scan or plan, shown by the front end.
 *
 * core/ and backends/ never print: they append here, and the CLI or TUI
 * decides how to show it. Messages are English, already formatted, and name
 * the file (and line) they are about.
 */
#ifndef VFIOCONF_LOG_H
#define VFIOCONF_LOG_H

#include <stddef.h>

enum log_level {
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

struct log_entry {
	enum log_level level;
	char *msg; /* owned */
};

struct log {
	struct log_entry *e;
	size_t n;
	size_t cap;
};

void log_add(struct log *log, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define log_warn(log, ...) log_add((log), LOG_WARN, __VA_ARGS__)
#define log_error(log, ...) log_add((log), LOG_ERROR, __VA_ARGS__)
#define log_info(log, ...) log_add((log), LOG_INFO, __VA_ARGS__)
size_t log_count(const struct log *log, enum log_level level);
void log_free(struct log *log);
/* Drops the entries after the first n (what a step that only asked
 * something logged). */
void log_truncate(struct log *log, size_t n);

#endif
