/* util.h - allocation, growable strings and small string helpers.
 *
 * Allocation policy for core/ and backends/: x* wrappers abort with a message
 * on out-of-memory (there is nothing sensible a configuration tool can do
 * half-way through a scan). Every other failure is reported as -errno.
 */
#ifndef VFIOCONF_UTIL_H
#define VFIOCONF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
/* Grows *p to hold at least need elements of size elem; *cap is updated. */
void xgrow(void **p, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
/* NULL stays NULL. */
char *xstrdup_or_null(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated byte buffer. Zero-initialised is empty. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* Returns the string (never NULL) and leaves sb empty; caller frees. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* Returns buf, always NUL-terminated, "" when empty. Borrowed. */
const char *strbuf_str(const struct strbuf *sb);

bool str_starts_with(const char *s, const char *prefix);
/* Removes trailing whitespace (and newlines) in place; returns s. */
char *str_rstrip(char *s);
/* Skips leading blanks. */
const char *str_lskip(const char *s);
/* Parses a whole string as an unsigned number in base (0x prefix allowed
 * for 16); trailing whitespace is accepted. Returns -EINVAL or -ERANGE. */
int str_to_ulong(const char *s, int base, unsigned long max, unsigned long *out);

/* Line-oriented edits that undo each other byte for byte, also in a file
 * without a final newline: append adds "\nLINE" there (and "LINE\n"
 * otherwise); remove takes a line with its own newline, or with the one
 * before it when it is the last line and has none. Both return new
 * strings; remove drops every line equal to line (no newline in it). */
char *text_append_line(const char *text, const char *line);
char *text_remove_line(const char *text, const char *line);

/* Percent-encoding: control bytes, bytes >= 0x7f, '%' and the bytes in
 * also (may be NULL) become %XX; decoding takes %XX (either case) back
 * and leaves every other byte, so a line of any bytes fits in one field. */
void pct_encode(struct strbuf *sb, const char *s, const char *also);
char *pct_decode(const char *s, size_t n);

/* A NULL-terminated vector of owned strings. */
struct strv {
	char **v;
	size_t n;
	size_t cap;
};
void strv_push(struct strv *sv, const char *s);
/* Pushes s unless an equal string is already present. */
void strv_push_unique(struct strv *sv, const char *s);
bool strv_contains(const struct strv *sv, const char *s);
void strv_free(struct strv *sv);
void strv_sort(struct strv *sv);
/* The strings with sep between them (caller frees; "" when empty). */
char *strv_join(const struct strv *sv, const char *sep);

/* Keys to values, both owned strings, in insertion order (small maps:
 * lookups are linear). */
struct strmap {
	struct strv keys;
	struct strv values;
};
/* Sets key to value, replacing an earlier value in place. */
void strmap_set(struct strmap *m, const char *key, const char *value);
/* Borrowed; NULL when absent. */
const char *strmap_get(const struct strmap *m, const char *key);
void strmap_free(struct strmap *m);

#endif
