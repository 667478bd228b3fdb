/* ini_text.c - INI text through inih, with line numbers. */
#include "config.h"

#include "core/ini_text.h"

#include <ini.h>

/* inih asks for exactly one line per reader call, so counting calls gives
 * the line its handler is about. */
struct reader {
	const char *p;
	int line;
	int too_long;    /* first overlong line */
	ini_text_handler handler;
	void *user;
};

static char *read_line(char *str, int num, void *stream)
{
	struct reader *rd = stream;
	int n = 0;

	if (!*rd->p)
		return 0;
	while (*rd->p && n < num - 1) {
		char c = *rd->p++;
		str[n++] = c;
		if (c == '\n')
			break;
	}
	str[n] = '\0';
	rd->line++;
	if (n == num - 1 && str[n - 1] != '\n' && *rd->p == '\n') {
		rd->p++; /* exactly as long as the buffer holds: whole */
	} else if (n == num - 1 && str[n - 1] != '\n' && *rd->p) {
		/* inih would take the rest as another line: drop it */
		if (!rd->too_long)
			rd->too_long = rd->line;
		while (*rd->p && *rd->p != '\n')
			rd->p++;
		if (*rd->p)
			rd->p++;
	}
	return str;
}

static int trampoline(void *user, const char *section, const char *key, const char *value)
{
	struct reader *rd = user;

	return rd->handler(rd->user, rd->line, section, key, value);
}

int ini_text_parse(const char *text, ini_text_handler handler, void *user)
{
	struct reader rd = {.p = text, .line = 0, .handler = handler, .user = user};
	int r = ini_parse_stream(read_line, &rd, trampoline, &rd);

	return r != 0 ? r : rd.too_long ? -rd.too_long : 0;
}
