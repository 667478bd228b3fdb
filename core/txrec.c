/* txrec.c - journal records with a checksum line. */
#include "config.h"

#include "core/txrec.h"
#include "core/sha256.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void txrec_set(struct txrec *r, const char *key, const char *value)
{
	strmap_set(&r->kv, key, value);
}

void txrec_setf(struct txrec *r, const char *key, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	txrec_set(r, key, strbuf_str(&sb));
	strbuf_free(&sb);
}

const char *txrec_get(const struct txrec *r, const char *key)
{
	return strmap_get(&r->kv, key);
}

long long txrec_get_int(const struct txrec *r, const char *key, long long dflt)
{
	const char *v = txrec_get(r, key);
	char *end;
	long long x;

	if (!v || !*v)
		return dflt;
	x = strtoll(v, &end, 0);
	return *end ? dflt : x;
}

char *txrec_render(const struct txrec *r)
{
	struct strbuf sb = {0};
	char hex[65];

	for (size_t i = 0; i < r->kv.keys.n; i++) {
		strbuf_printf(&sb, "%s=", r->kv.keys.v[i]);
		pct_encode(&sb, r->kv.values.v[i], NULL);
		strbuf_putc(&sb, '\n');
	}
	sha256_hex(strbuf_str(&sb), sb.len, hex);
	strbuf_printf(&sb, "sha256=%s\n", hex);
	return strbuf_detach(&sb);
}

int txrec_parse(struct txrec *r, const char *text)
{
	const char *sum = strstr(text, "sha256=");
	char hex[65];

	memset(r, 0, sizeof(*r));
	/* the checksum line is the last one */
	while (sum && strstr(sum + 1, "\nsha256="))
		sum = strstr(sum + 1, "\nsha256=") + 1;
	if (!sum || (sum != text && sum[-1] != '\n') || strlen(sum) != 7 + 64 + 1 || sum[71] != '\n')
		return -EBADMSG;
	sha256_hex(text, (size_t)(sum - text), hex);
	if (strncmp(sum + 7, hex, 64) != 0)
		return -EBADMSG;
	for (const char *l = text; l < sum;) {
		const char *nl = memchr(l, '\n', (size_t)(sum - l));
		const char *eq;
		char *k, *v;

		if (!nl || !(eq = memchr(l, '=', (size_t)(nl - l)))) {
			txrec_free(r);
			return -EBADMSG;
		}
		v = pct_decode(eq + 1, (size_t)(nl - eq - 1));
		k = xstrndup(l, (size_t)(eq - l));
		txrec_set(r, k, v);
		free(k);
		free(v);
		l = nl + 1;
	}
	return 0;
}

void txrec_free(struct txrec *r)
{
	strmap_free(&r->kv);
}
