/* match.c - attribute selectors over an inventory's devices. */
#include "config.h"

#include "core/match.h"
#include "core/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char keys_help[] = "vendor, device, subsystem, class, boot-vga, slot";

/* exactly 4 hex digits (IDs are written so by lspci -n) */
static int hex4(const char *s, size_t n, int *out)
{
	unsigned long v;
	char buf[8];

	if (n != 4 || strspn(s, "0123456789abcdefABCDEF") < n)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (str_to_ulong(buf, 16, 0xffff, &v) < 0)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int __attribute__((format(printf, 3, 4))) fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_pair(struct match *m, const char *key, const char *val, char *err, size_t errlen)
{
	size_t n = strlen(val);

	if (!*val)
		return fail(err, errlen, "'%s=' has no value", key);
	if (strcmp(key, "vendor") == 0 || strcmp(key, "device") == 0) {
		if (hex4(val, n, key[0] == 'v' ? &m->vendor : &m->device) < 0)
			return fail(err, errlen, "%s=%s: four hex digits, as lspci -n shows them (10de)", key, val);
	} else if (strcmp(key, "subsystem") == 0) {
		const char *colon = strchr(val, ':');
		if (!colon || hex4(val, (size_t)(colon - val), &m->subsys_vendor) < 0 ||
		    hex4(colon + 1, strlen(colon + 1), &m->subsys_device) < 0)
			return fail(err, errlen, "%s=%s: VVVV:DDDD in hex, as lspci -nv shows it (1458:3ffc)", key,
				    val);
	} else if (strcmp(key, "class") == 0) {
		unsigned long v;
		if ((n != 2 && n != 4 && n != 6) || strspn(val, "0123456789abcdefABCDEF") != n || str_to_ulong(val, 16, 0xffffff, &v) < 0)
			return fail(err, errlen, "%s=%s: 2, 4 or 6 hex digits (03, 0300, 030000)", key, val);
		m->class_code = (uint32_t)v << (4 * (6 - n));
		m->class_digits = (unsigned)n;
	} else if (strcmp(key, "boot-vga") == 0) {
		if (strcmp(val, "yes") == 0 || strcmp(val, "1") == 0)
			m->boot_vga = 1;
		else if (strcmp(val, "no") == 0 || strcmp(val, "0") == 0)
			m->boot_vga = 0;
		else
			return fail(err, errlen, "%s=%s: yes or no", key, val);
	} else if (strcmp(key, "slot") == 0) {
		free(m->slot);
		m->slot = xstrdup(val);
	} else {
		return fail(err, errlen, "unknown key '%s' (the keys: %s)", key, keys_help);
	}
	return 0;
}

int match_parse(const char *spec, struct match *m, char *err, size_t errlen)
{
	char *copy = xstrdup(spec), *save = NULL;
	int given = 0, r = 0;

	memset(m, 0, sizeof(*m));
	m->vendor = m->device = m->subsys_vendor = m->subsys_device = m->boot_vga = -1;
	for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(part, '=');
		if (!eq) {
			r = fail(err, errlen, "'%s' is not key=value (the keys: %s)", part, keys_help);
			break;
		}
		*eq = '\0';
		if ((r = parse_pair(m, part, eq + 1, err, errlen)) < 0)
			break;
		given++;
	}
	if (r == 0 && !given)
		r = fail(err, errlen, "it names nothing to match (the keys: %s)", keys_help);
	free(copy);
	if (r < 0)
		match_free(m);
	return r;
}

void match_free(struct match *m)
{
	free(m->slot);
	m->slot = NULL;
}

bool match_device(const struct match *m, const struct device *d)
{
	if (m->vendor >= 0 && m->vendor != d->vendor)
		return false;
	if (m->device >= 0 && m->device != d->device)
		return false;
	/* a device without a subsystem ID matches no subsystem= */
	if (m->subsys_vendor >= 0 &&
	    (m->subsys_vendor != d->subsys_vendor || m->subsys_device != d->subsys_device ||
	     (!d->subsys_vendor && !d->subsys_device)))
		return false;
	if (m->class_digits && (d->class_code >> (4 * (6 - m->class_digits))) !=
				       (m->class_code >> (4 * (6 - m->class_digits))))
		return false;
	/* only display controllers have boot_vga: the others are not the boot GPU */
	if (m->boot_vga >= 0 && (d->boot_vga == 1) != (m->boot_vga == 1))
		return false;
	if (m->slot && (!d->slot || strcmp(m->slot, d->slot) != 0))
		return false;
	return true;
}
