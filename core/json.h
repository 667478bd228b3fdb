/* json.h - a small streaming JSON writer into a strbuf.
 *
 * The writer tracks nesting so callers never place commas by hand. Output is
 * compact unless pretty is set (two-space indent). Strings are escaped per
 * RFC 8259; invalid UTF-8 bytes are replaced by U+FFFD so output always parses.
 */
#ifndef VFIOCONF_JSON_H
#define VFIOCONF_JSON_H

#include <stdbool.h>

#include "core/util.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct strbuf *out;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, struct strbuf *out, bool pretty);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s); /* NULL writes null */
void json_int(struct json *j, long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* key + value shorthands */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, long long v);
void json_kbool(struct json *j, const char *key, bool v);
/* key: [strings] */
void json_kstrv(struct json *j, const char *key, const struct strv *sv);

/* Appends s as a JSON string literal (with quotes). */
void json_escape(struct strbuf *out, const char *s);

#endif
