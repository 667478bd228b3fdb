/* util.c - allocation, growable strings and small string helpers. */
#include "config.h"

#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
	fputs("vfioconf: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t nmemb, size_t n)
{
	void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void xgrow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap;

	if (need <= c)
		return;
	if (c < 8)
		c = 8;
	while (c < need)
		c *= 2;
	*p = xrealloc(*p, c * elem);
	*cap = c;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		oom();
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb);
}

static void strbuf_reserve(struct strbuf *sb, size_t extra)
{
	void *p = sb->buf;

	xgrow(&p, &sb->cap, sb->len + extra + 1, 1);
	sb->buf = p;
}

void strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_reserve(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_putc(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	strbuf_reserve(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");

	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *str_rstrip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

const char *str_lskip(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int str_to_ulong(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	s = str_lskip(s);
	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno == ERANGE || v > max)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

void strv_push(struct strv *sv, const char *s)
{
	void *p = sv->v;

	xgrow(&p, &sv->cap, sv->n + 2, sizeof(char *));
	sv->v = p;
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

bool strv_contains(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void strv_push_unique(struct strv *sv, const char *s)
{
	if (!strv_contains(sv, s))
		strv_push(sv, s);
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(struct strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(char *), cmp_str);
}

char *strv_join(const struct strv *sv, const char *sep)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < sv->n; i++)
		strbuf_printf(&sb, "%s%s", i ? sep : "", sv->v[i]);
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

char *text_append_line(const char *text, const char *line)
{
	size_t len = strlen(text);

	if (len && text[len - 1] != '\n')
		return xasprintf("%s\n%s", text, line);
	return xasprintf("%s%s\n", text, line);
}

char *text_remove_line(const char *text, const char *line)
{
	struct strbuf sb = {0};
	size_t ll = strlen(line);

	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (len == ll && strncmp(l, line, ll) == 0) {
			if (!nl && sb.len && sb.buf[sb.len - 1] == '\n')
				sb.buf[--sb.len] = '\0'; /* last line: take the newline before it */
		} else {
			strbuf_add(&sb, l, len + (nl ? 1 : 0));
		}
		l += len + (nl ? 1 : 0);
	}
	return strbuf_detach(&sb);
}

void strmap_set(struct strmap *m, const char *key, const char *value)
{
	for (size_t i = 0; i < m->keys.n; i++)
		if (strcmp(m->keys.v[i], key) == 0) {
			free(m->values.v[i]);
			m->values.v[i] = xstrdup(value);
			return;
		}
	strv_push(&m->keys, key);
	strv_push(&m->values, value);
}

const char *strmap_get(const struct strmap *m, const char *key)
{
	for (size_t i = 0; i < m->keys.n; i++)
		if (strcmp(m->keys.v[i], key) == 0)
			return m->values.v[i];
	return NULL;
}

void strmap_free(struct strmap *m)
{
	strv_free(&m->keys);
	strv_free(&m->values);
}

void pct_encode(struct strbuf *sb, const char *s, const char *also)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '%' || (also && strchr(also, *p)))
			strbuf_printf(sb, "%%%02X", *p);
		else
			strbuf_putc(sb, (char)*p);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *pct_decode(const char *s, size_t n)
{
	struct strbuf v = {0};

	for (const char *p = s; p < s + n; p++) {
		if (*p == '%' && p + 2 < s + n && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			strbuf_putc(&v, (char)(hexval(p[1]) * 16 + hexval(p[2])));
			p += 2;
		} else {
			strbuf_putc(&v, *p);
		}
	}
	return strbuf_detach(&v);
}
