/* state.c - /etc/vfioconf/devices.conf. */
#include "config.h"

#include "core/state.h"
#include "core/inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
	struct state *st;
	const char *name;
	struct log *log;
	int problems;
	struct state_device cur;
	bool in_dev;
	int dev_line;  /* the section's first key: inih does not report its header */
	char bad[64];  /* the last [device X] that is no address: warned once */
	unsigned have; /* bits: vendor, device, method */
};

static void flush(struct ctx *c)
{
	if (!c->in_dev)
		return;
	if ((c->have & 7) == 7)
		state_add_device(c->st, &c->cur);
	else {
		log_warn(c->log, "%s:%d: [device %s] lacks vendor, device or method; ignored", c->name,
			 c->dev_line, c->cur.addr);
		c->problems++;
	}
	c->in_dev = false;
}

static int hex_field(const char *v, unsigned long max, unsigned long *out)
{
	return str_to_ulong(v, 16, max, out);
}

/* "path" or "path slot": what vfioconf writes, and what reads back the
 * same (the key ends at the first =, blanks around it are trimmed). */
static bool added_key_ok(const char *k)
{
	if (!*k || *k == ' ' || k[strlen(k) - 1] == ' ')
		return false;
	for (; *k; k++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./- ", *k))
			return false;
	return true;
}

/* a's and b's blank-separated tokens, joined by single blanks. */
static char *tokens_join(const char *a, const char *b)
{
	struct strbuf sb = {0};
	const char *parts[] = {a, b};

	for (int k = 0; k < 2; k++)
		for (const char *p = parts[k]; *p;) {
			size_t n;
			while (*p == ' ' || *p == '\t')
				p++;
			n = strcspn(p, " \t");
			if (n)
				strbuf_printf(&sb, "%s%.*s", sb.len ? " " : "", (int)n, p);
			p += n;
		}
	return strbuf_detach(&sb);
}

/* Tokens joined by blanks, without control characters. */
static bool added_value_ok(const char *v)
{
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}

static int handler(void *user, int line, const char *section, const char *key, const char *value)
{
	struct ctx *c = user;
	unsigned long v, w;

	if (str_starts_with(section, "device ")) {
		struct pci_addr a;
		const char *addr = section + 7;
		char canon[sizeof(c->cur.addr)];
		/* 03:00.0 and 0000:03:00.0, any case: one device */
		if (pci_addr_parse(addr, &a) < 0) {
			flush(c);
			if (strncmp(c->bad, addr, sizeof(c->bad) - 1) == 0)
				return 1;
			snprintf(c->bad, sizeof(c->bad), "%.63s", addr);
			log_warn(c->log, "%s:%d: [device %s]: not a PCI address; ignored", c->name, line, addr);
			c->problems++;
			return 1;
		}
		pci_addr_format(&a, canon);
		if (!c->in_dev || strcmp(c->cur.addr, canon) != 0) {
			flush(c);
			memset(&c->cur, 0, sizeof(c->cur));
			c->have = 0;
			memcpy(c->cur.addr, canon, sizeof(canon));
			c->in_dev = true;
			c->dev_line = line;
		}
		if (strcmp(key, "vendor") == 0 && hex_field(value, 0xffff, &v) == 0) {
			c->cur.vendor = (uint16_t)v;
			c->have |= 1;
		} else if (strcmp(key, "device") == 0 && hex_field(value, 0xffff, &v) == 0) {
			c->cur.device = (uint16_t)v;
			c->have |= 2;
		} else if (strcmp(key, "subsystem") == 0 && strchr(value, ':')) {
			char *copy = xstrdup(value), *colon = strchr(copy, ':');
			*colon = '\0';
			if (hex_field(copy, 0xffff, &v) == 0 && hex_field(colon + 1, 0xffff, &w) == 0) {
				c->cur.subsys_vendor = (uint16_t)v;
				c->cur.subsys_device = (uint16_t)w;
			} else {
				log_warn(c->log, "%s:%d: subsystem '%s' is not VVVV:DDDD", c->name, line, value);
				c->problems++;
			}
			free(copy);
		} else if (strcmp(key, "class") == 0 && hex_field(value, 0xffffff, &v) == 0) {
			c->cur.class_code = (uint32_t)v;
		} else if (strcmp(key, "method") == 0 &&
			   (strcmp(value, "ids") == 0 || strcmp(value, "driver-override") == 0)) {
			c->cur.method = strcmp(value, "ids") == 0 ? BIND_IDS : BIND_DRIVER_OVERRIDE;
			c->have |= 4;
		} else if (strcmp(key, "driver") == 0 && driver_is_vfio_variant(value) &&
			   strlen(value) < sizeof(c->cur.driver) &&
			   strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(value)) {
			/* written into driver_override at boot: a variant's name, nothing else
			 * (vfio-pci itself is the default, and its module name is no driver name) */
			snprintf(c->cur.driver, sizeof(c->cur.driver), "%s", value);
		} else if (strcmp(key, "taken-from-host") == 0 &&
			   (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)) {
			c->cur.taken_from_host = strcmp(value, "yes") == 0;
		} else {
			log_warn(c->log, "%s:%d: %s = '%s': unknown key or bad value", c->name, line, key, value);
			c->problems++;
		}
		return 1;
	}
	flush(c);
	if (strcmp(section, "added") == 0) {
		/* a repeated key adds to what came before */
		char *val = tokens_join(state_added(c->st, key), value);
		if (!added_key_ok(key) || !added_value_ok(val)) {
			log_warn(c->log, "%s:%d: [added] %s: not a file and its tokens; ignored", c->name,
				 line, key);
			c->problems++;
			free(val);
			return 1;
		}
		state_set_added(c->st, key, val);
		free(val);
		return 1;
	}
	if (strcmp(section, "adopted") == 0) {
		const char *colon = strrchr(key, ':'), *sp = strchr(value, ' ');
		unsigned long at;
		if (colon && colon != key && sp && str_to_ulong(colon + 1, 10, 1u << 24, &at) == 0 && at > 0) {
			char *file = xstrndup(key, (size_t)(colon - key));
			char *before = pct_decode(value, (size_t)(sp - value));
			char *after = strcmp(sp + 1, "-") == 0 ? NULL : pct_decode(sp + 1, strlen(sp + 1));
			state_add_adopted(c->st, file, (int)at, before, after);
			free(file);
			free(before);
			free(after);
		} else {
			log_warn(c->log, "%s:%d: [adopted] %s: not FILE:LINE = BEFORE AFTER; ignored", c->name, line,
				 key);
			c->problems++;
		}
		return 1;
	}
	log_warn(c->log, "%s:%d: unknown section [%s]", c->name, line, section);
	c->problems++;
	return 1;
}

/* vfioconf's own file, so its own reader: no line-length limit, no
 * continuation lines, no inline comments (inih has all three, and each
 * broke a round trip under the fuzzer). Returns the first bad line or 0. */
static int parse_lines(const char *text, struct ctx *c)
{
	char section[256] = "";
	int line = 0, bad = 0;

	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *s = xstrndup(l, len), *p = s, *eq;

		line++;
		l += len + (nl ? 1 : 0);
		str_rstrip(p);
		p = (char *)str_lskip(p);
		if (!*p || *p == '#' || *p == ';') {
			free(s);
			continue;
		}
		if (*p == '[') {
			char *close = strrchr(p, ']');
			if (!close || close[1]) {
				if (!bad)
					bad = line;
			} else {
				*close = '\0';
				snprintf(section, sizeof(section), "%s", p + 1);
			}
		} else if ((eq = strchr(p, '='))) {
			char *k = p, *v = (char *)str_lskip(eq + 1);
			*eq = '\0';
			str_rstrip(k);
			handler(c, line, section, k, v);
		} else if (!bad) {
			bad = line;
		}
		free(s);
	}
	return bad;
}

int state_parse(struct state *st, const char *text, const char *name, struct log *log)
{
	struct ctx c = {.st = st, .name = name, .log = log};
	int r;

	memset(st, 0, sizeof(*st));
	r = parse_lines(text, &c);
	flush(&c);
	if (r > 0) {
		log_warn(log, "%s:%d: not a valid INI line", name, r);
		c.problems++;
	}
	return c.problems;
}

char *state_render(const struct state *st)
{
	struct strbuf sb = {0};
	bool any_added = false;

	for (size_t i = 0; i < st->added.keys.n; i++)
		if (*st->added.values.v[i])
			any_added = true;
	if (!st->n_dev && !any_added && !st->n_adopted)
		return NULL;
	strbuf_puts(&sb, "# Managed by vfioconf: the devices it hands to vfio-pci at boot, and what it\n"
			 "# added to files it shares with others. Change it with vfioconf.\n");
	for (size_t i = 0; i < st->n_dev; i++) {
		const struct state_device *d = &st->dev[i];
		strbuf_printf(&sb, "\n[device %s]\nvendor = %04x\ndevice = %04x\n", d->addr, d->vendor,
			      d->device);
		if (d->subsys_vendor)
			strbuf_printf(&sb, "subsystem = %04x:%04x\n", d->subsys_vendor, d->subsys_device);
		strbuf_printf(&sb, "class = %06x\nmethod = %s\n", d->class_code, bind_method_name(d->method));
		if (d->driver[0])
			strbuf_printf(&sb, "driver = %s\n", d->driver);
		if (d->taken_from_host)
			strbuf_puts(&sb, "taken-from-host = yes\n");
	}
	if (any_added) {
		strbuf_puts(&sb, "\n[added]\n");
		for (size_t i = 0; i < st->added.keys.n; i++)
			if (*st->added.values.v[i])
				strbuf_printf(&sb, "%s = %s\n", st->added.keys.v[i], st->added.values.v[i]);
	}
	if (st->n_adopted) {
		strbuf_puts(&sb, "\n[adopted]\n# a hand-made VFIO setup vfioconf took over; it comes back when vfioconf\n"
				 "# manages nothing any more\n");
		for (size_t i = 0; i < st->n_adopted; i++) {
			const struct state_adopted *a = &st->adopted[i];
			strbuf_printf(&sb, "%s:%d = ", a->file, a->line);
			pct_encode(&sb, a->before, " ");
			strbuf_putc(&sb, ' ');
			if (a->after)
				pct_encode(&sb, *a->after ? a->after : "", " ");
			else
				strbuf_putc(&sb, '-');
			strbuf_putc(&sb, '\n');
		}
	}
	return strbuf_detach(&sb);
}

void state_add_adopted(struct state *st, const char *file, int line, const char *before, const char *after)
{
	st->adopted = xrealloc(st->adopted, (st->n_adopted + 1) * sizeof(*st->adopted));
	st->adopted[st->n_adopted++] = (struct state_adopted){.file = xstrdup(file), .line = line,
							      .before = xstrdup(before), .after = xstrdup_or_null(after)};
}

void state_free(struct state *st)
{
	free(st->dev);
	strmap_free(&st->added);
	for (size_t i = 0; i < st->n_adopted; i++) {
		free(st->adopted[i].file);
		free(st->adopted[i].before);
		free(st->adopted[i].after);
	}
	free(st->adopted);
	memset(st, 0, sizeof(*st));
}

const struct state_device *state_find(const struct state *st, const char *addr)
{
	for (size_t i = 0; i < st->n_dev; i++)
		if (strcmp(st->dev[i].addr, addr) == 0)
			return &st->dev[i];
	return NULL;
}

void state_add_device(struct state *st, const struct state_device *d)
{
	for (size_t i = 0; i < st->n_dev; i++)
		if (strcmp(st->dev[i].addr, d->addr) == 0) {
			st->dev[i] = *d; /* an address is listed once; the last wins */
			return;
		}
	st->dev = xrealloc(st->dev, (st->n_dev + 1) * sizeof(*st->dev));
	st->dev[st->n_dev++] = *d;
}

const char *state_added(const struct state *st, const char *key)
{
	const char *v = strmap_get(&st->added, key);

	return v ? v : "";
}

void state_set_added(struct state *st, const char *key, const char *tokens)
{
	strmap_set(&st->added, key, tokens);
}
