/* json.c - a small streaming JSON writer. */
#include "config.h"

#include "core/json.h"

#include <stdint.h>

void json_init(struct json *j, struct strbuf *out, bool pretty)
{
	j->out = out;
	j->pretty = pretty;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

static void newline(struct json *j)
{
	if (!j->pretty)
		return;
	strbuf_putc(j->out, '\n');
	for (int i = 0; i < j->depth; i++)
		strbuf_puts(j->out, "  ");
}

/* Called before every value or key. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first[j->depth])
		strbuf_putc(j->out, ',');
	j->first[j->depth] = false;
	newline(j);
}

static void nest_begin(struct json *j, char c)
{
	sep(j);
	strbuf_putc(j->out, c);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void nest_end(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		newline(j);
	strbuf_putc(j->out, c);
}

void json_obj_begin(struct json *j) { nest_begin(j, '{'); }
void json_obj_end(struct json *j) { nest_end(j, '}'); }
void json_arr_begin(struct json *j) { nest_begin(j, '['); }
void json_arr_end(struct json *j) { nest_end(j, ']'); }

void json_key(struct json *j, const char *key)
{
	sep(j);
	json_escape(j->out, key);
	strbuf_puts(j->out, j->pretty ? ": " : ":");
	j->after_key = true;
}

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_escape(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	strbuf_putc(out, '"');
	while (*p) {
		size_t n;
		switch (*p) {
		case '"': strbuf_puts(out, "\\\""); p++; continue;
		case '\\': strbuf_puts(out, "\\\\"); p++; continue;
		case '\n': strbuf_puts(out, "\\n"); p++; continue;
		case '\t': strbuf_puts(out, "\\t"); p++; continue;
		case '\r': strbuf_puts(out, "\\r"); p++; continue;
		default: break;
		}
		if (*p < 0x20) {
			strbuf_printf(out, "\\u%04x", *p);
			p++;
			continue;
		}
		n = utf8_len(p);
		if (n == 0) {
			strbuf_puts(out, "\xef\xbf\xbd");
			p++;
			continue;
		}
		strbuf_add(out, (const char *)p, n);
		p += n;
	}
	strbuf_putc(out, '"');
}

void json_str(struct json *j, const char *s)
{
	sep(j);
	if (s)
		json_escape(j->out, s);
	else
		strbuf_puts(j->out, "null");
}

void json_int(struct json *j, long long v)
{
	sep(j);
	strbuf_printf(j->out, "%lld", v);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	strbuf_puts(j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
	sep(j);
	strbuf_puts(j->out, "null");
}

void json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kint(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kbool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_kstrv(struct json *j, const char *key, const struct strv *sv)
{
	json_key(j, key);
	json_arr_begin(j);
	for (size_t i = 0; i < sv->n; i++)
		json_str(j, sv->v[i]);
	json_arr_end(j);
}
