/* effective.c - the next boot's driver for each device, from the inputs. */
#include "config.h"

#include "core/effective.h"
#include "core/i18n.h"
#include "core/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool eff_module_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static char *norm_module(const char *m)
{
	char *s = xstrdup(m);

	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

void eff_config_add(struct eff_config *c, enum eff_kind kind, const char *module, const char *value,
		    const char *file, int line, bool ours)
{
	struct eff_input *in;

	c->in = xrealloc(c->in, (c->n + 1) * sizeof(*c->in));
	in = &c->in[c->n++];
	*in = (struct eff_input){.kind = kind, .module = norm_module(module), .value = xstrdup_or_null(value),
				 .file = xstrdup(file), .line = line, .ours = ours,
				 .running = strcmp(file, "/proc/cmdline") == 0};
}

void eff_config_free(struct eff_config *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->in[i].module);
		free(c->in[i].value);
		free(c->in[i].file);
	}
	free(c->in);
	memset(c, 0, sizeof(*c));
}

/* The value of the last "ids=" word in a parameter list, or NULL (a
 * pointer into s; ends at the next blank). */
static const char *ids_in(const char *s, size_t *len)
{
	const char *found = NULL;

	for (const char *p = s; p && *p;) {
		p += strspn(p, " \t");
		if (strncmp(p, "ids=", 4) == 0)
			found = p + 4;
		p += strcspn(p, " \t");
	}
	if (found) {
		*len = strcspn(found, " \t");
		if (*found == '"' && *len >= 2 && found[*len - 1] == '"') {
			found++;
			*len -= 2;
		}
	}
	return found;
}

const struct eff_input *effective_ids(const struct eff_config *c)
{
	const struct eff_input *last = NULL;
	size_t len;

	/* modprobe.d first, the command line after it */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++) {
			const struct eff_input *in = &c->in[i];
			enum eff_kind want = pass == 0 ? EFF_OPTIONS : EFF_CMDLINE;
			if (in->kind != want || in->running || strcmp(in->module, "vfio_pci") != 0 || !in->value)
				continue;
			if (c->vfio_pci_builtin && want != EFF_CMDLINE)
				continue; /* a built-in vfio-pci reads only the command line */
			if (ids_in(in->value, &len))
				last = in;
		}
	/* the arguments of the explicit load, last: the first list line that
	 * loads vfio-pci decides; the module loads once */
	for (size_t i = 0; !c->vfio_pci_builtin && i < c->n; i++) {
		const struct eff_input *in = &c->in[i];
		if ((in->kind != EFF_MODARGS && in->kind != EFF_EARLY) || strcmp(in->module, "vfio_pci") != 0)
			continue;
		if (in->kind == EFF_MODARGS && in->value && ids_in(in->value, &len))
			last = in;
		break;
	}
	return last;
}

char *effective_ids_value(const struct eff_config *c)
{
	const struct eff_input *in = effective_ids(c);
	size_t len;
	const char *v = in ? ids_in(in->value, &len) : NULL;

	return v ? xstrndup(v, len) : NULL;
}

const struct eff_input *effective_install(const struct eff_config *c)
{
	/* the first one, as modprobe takes it */
	for (size_t i = 0; i < c->n; i++)
		if (c->in[i].kind == EFF_INSTALL && strcmp(c->in[i].module, "vfio_pci") == 0)
			return &c->in[i];
	return NULL;
}

/* Does an ids= list name the device? "vendor:device[:subvendor:subdevice
 * [:class[:mask]]]", comma separated, as vfio-pci reads it. */
static bool ids_match(const char *ids, size_t len, const struct device *d)
{
	char *copy = xstrndup(ids, len), *save = NULL;
	bool hit = false;

	for (char *id = strtok_r(copy, ",", &save); id && !hit; id = strtok_r(NULL, ",", &save)) {
		unsigned v = 0, dv = 0, sv = ~0u, sd = ~0u;
		int n = sscanf(id, "%x:%x:%x:%x", &v, &dv, &sv, &sd);
		if (n < 2)
			continue;
		hit = v == d->vendor && dv == d->device && (n < 3 || sv == ~0u || sv == 0xffffffffu || sv == d->subsys_vendor) &&
		      (n < 4 || sd == ~0u || sd == 0xffffffffu || sd == d->subsys_device);
	}
	free(copy);
	return hit;
}

/* The device's own driver: the one bound now, unless that is vfio-pci
 * already, else its first candidate module. */
static const char *native(const struct device *d)
{
	static const char *const not_native[] = {"pci-stub", "pci_stub", NULL};

	if (d->driver) {
		bool skip = driver_is_vfio(d->driver);
		for (const char *const *n = not_native; *n && !skip; n++)
			skip = strcmp(d->driver, *n) == 0;
		if (!skip)
			return d->driver;
	}
	for (size_t i = 0; i < d->modules.n; i++) {
		bool skip = driver_is_vfio(d->modules.v[i]);
		for (const char *const *n = not_native; *n && !skip; n++)
			skip = strcmp(d->modules.v[i], *n) == 0;
		if (!skip)
			return d->modules.v[i];
	}
	return NULL;
}

static const struct eff_input *find(const struct eff_config *c, enum eff_kind kind, const char *module)
{
	const struct eff_input *last = NULL;

	for (size_t i = 0; i < c->n; i++)
		if (c->in[i].kind == kind && !c->in[i].running && eff_module_eq(c->in[i].module, module))
			last = &c->in[i];
	return last;
}

void effective_compute(const struct inventory *inv, const struct eff_config *c, const struct state *st,
		       struct eff_device *out)
{
	const struct eff_input *ids = effective_ids(c), *inst = effective_install(c);
	const char *ids_val = NULL;
	size_t ids_len = 0;
	/* our hook runs only when modprobe runs our install line */
	bool hook = inst && inst->ours && !c->vfio_pci_builtin;

	if (ids)
		ids_val = ids_in(ids->value, &ids_len);
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *d = &inv->devices[i];
		const struct state_device *sd = st ? state_find(st, d->addr_str) : NULL;
		const struct eff_input *in = NULL;
		const char *own = native(d);
		struct eff_device *o = &out[i];

		*o = (struct eff_device){.driver = own, .how = own ? EFF_NATIVE : EFF_NONE};
		if (d->flags & DEV_BRIDGE)
			continue;
		for (size_t k = 0; k < c->n; k++)
			if (c->in[k].kind == EFF_DRIVERCTL && c->in[k].value && strcmp(c->in[k].value, d->addr_str) == 0)
				in = &c->in[k];
		if (in) {
			*o = (struct eff_device){.driver = in->module, .how = EFF_BY_DRIVERCTL, .why = in};
			if (strcmp(in->module, "vfio_pci") == 0)
				o->driver = "vfio-pci";
			continue;
		}
		if (hook && sd && sd->method == BIND_DRIVER_OVERRIDE &&
		    status_fingerprint_matches(sd, d->vendor, d->device, d->subsys_vendor, d->subsys_device)) {
			*o = (struct eff_device){.driver = sd->driver[0] ? sd->driver : "vfio-pci",
						 .how = EFF_BY_ADDRESS, .why = inst};
			continue;
		}
		if (ids_val && ids_match(ids_val, ids_len, d)) {
			*o = (struct eff_device){.driver = "vfio-pci", .how = EFF_BY_IDS, .why = ids};
			continue;
		}
		if (own && (in = find(c, EFF_BLACKLIST, own)) && !find(c, EFF_EARLY, own))
			*o = (struct eff_device){.driver = NULL, .how = EFF_NONE, .why = in};
	}
}

char *effective_describe(const struct eff_device *d)
{
	char where[512] = "";

	if (d->why && d->why->line)
		snprintf(where, sizeof(where), _(" in %s:%d"), d->why->file, d->why->line);
	else if (d->why)
		snprintf(where, sizeof(where), _(" in %s"), d->why->file);
	switch (d->how) {
	case EFF_BY_IDS:
		return xasprintf(_("vfio-pci by ids=%s%s"), where, d->why && d->why->ours ? " (vfioconf)" : "");
	case EFF_BY_ADDRESS:
		return xasprintf(_("%s by address (vfioconf-bind)"), d->driver);
	case EFF_BY_DRIVERCTL:
		return xasprintf(_("%s by a driverctl override%s"), d->driver, where);
	case EFF_NONE:
		return d->why ? xasprintf(_("no driver: blacklisted%s"), where) : xstrdup(_("no driver"));
	case EFF_NATIVE:
		break;
	}
	return xstrdup(d->driver ? d->driver : _("no driver"));
}
