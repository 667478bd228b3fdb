/* settings.c - the INI settings file, read with inih. */
#include "config.h"

#include "core/settings.h"
#include "core/ini_text.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ctx {
	struct settings *s;
	int line;
	const char *name;
	struct log *log;
	int problems;
};

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return -1;
}

static void __attribute__((format(printf, 2, 3))) problem(struct ctx *c, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	log_warn(c->log, "%s:%d: %s", c->name, c->line, strbuf_str(&sb));
	strbuf_free(&sb);
	c->problems++;
}

static int handler(void *user, int line, const char *section, const char *key, const char *value)
{
	struct ctx *c = user;
	struct settings *s = c->s;

	c->line = line;
	if (strcmp(section, "kernel") == 0) {
		if (strcmp(key, "iommu_pt") == 0) {
			if (parse_bool(value, &s->iommu_pt) < 0)
				problem(c, "iommu_pt: '%s' is not a boolean (yes/no)", value);
			return 1;
		}
		if (strcmp(key, "extra_params") == 0) {
			free(s->extra_params);
			s->extra_params = *value ? xstrdup(value) : NULL;
			return 1;
		}
	} else if (strcmp(section, "binding") == 0) {
		if (strcmp(key, "method") == 0) {
			if (strcmp(value, "auto") == 0)
				s->method = BIND_AUTO;
			else if (strcmp(value, "ids") == 0)
				s->method = BIND_IDS;
			else if (strcmp(value, "driver-override") == 0)
				s->method = BIND_DRIVER_OVERRIDE;
			else
				problem(c, "method: '%s' is not one of auto, ids, driver-override", value);
			return 1;
		}
	} else {
		problem(c, "unknown section [%s]", section);
		return 1;
	}
	problem(c, "unknown key '%s' in [%s]", key, section);
	return 1;
}

void settings_defaults(struct settings *s)
{
	s->iommu_pt = true;
	s->extra_params = NULL;
	s->method = BIND_AUTO;
}

int settings_parse(struct settings *s, const char *text, const char *name, struct log *log)
{
	struct ctx c = {.s = s, .name = name, .log = log};
	int r;

	r = ini_text_parse(text, handler, &c);
	if (r > 0) {
		log_warn(log, "%s:%d: not a valid INI line (expected [section] or key = value)", name, r);
		c.problems++;
	} else if (r < 0) {
		log_warn(log, "%s:%d: longer than %d bytes; the rest of the line was ignored", name, -r,
			 INI_TEXT_MAX_LINE - 1);
		c.problems++;
	}
	return c.problems;
}

void settings_free(struct settings *s)
{
	free(s->extra_params);
	s->extra_params = NULL;
}

const char *bind_method_name(enum bind_method m)
{
	switch (m) {
	case BIND_IDS:
		return "ids";
	case BIND_DRIVER_OVERRIDE:
		return "driver-override";
	default:
		return "auto";
	}
}
