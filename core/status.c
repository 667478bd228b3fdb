/* status.c - the configured state against the running system. */
#include "config.h"

#include "core/status.h"
#include "core/analysis.h"
#include "core/cmdline.h"

#include <stdlib.h>
#include <string.h>

bool status_fingerprint_matches(const struct state_device *sd, unsigned long vendor, unsigned long device,
				unsigned long subsys_vendor, unsigned long subsys_device)
{
	return vendor == sd->vendor && device == sd->device &&
	       (!sd->subsys_vendor || (subsys_vendor == sd->subsys_vendor && subsys_device == sd->subsys_device));
}

/* Every other member of d's group is harmless or configured too. */
static bool group_viable(const struct inventory *inv, const struct state *st, const struct device *d)
{
	const struct iommu_group *g = d->group >= 0 ? inventory_group(inv, d->group) : NULL;

	if (!g)
		return false;
	for (size_t k = 0; k < g->n_members; k++) {
		const struct device *m = &inv->devices[g->members[k]];
		if (!analysis_device_harmless(m) && !state_find(st, m->addr_str))
			return false;
	}
	return true;
}

void status_check(const struct inventory *inv, const struct state *st, const struct strv *params,
		  struct status_report *out)
{
	struct cmdline cl;

	memset(out, 0, sizeof(*out));
	out->iommu = inventory_iommu_enabled(inv);
	if (!out->iommu)
		out->bad++;
	out->dev = xcalloc(st->n_dev ? st->n_dev : 1, sizeof(*out->dev));
	for (size_t i = 0; i < st->n_dev; i++) {
		struct status_device *s = &out->dev[out->n_dev++];
		const struct device *d = inventory_find_str(inv, st->dev[i].addr);
		s->sd = &st->dev[i];
		s->d = d;
		s->present = d != NULL;
		s->fingerprint = d && status_fingerprint_matches(s->sd, d->vendor, d->device, d->subsys_vendor,
								 d->subsys_device);
		s->on_vfio = d && d->driver && (s->sd->driver[0] ? strcmp(d->driver, s->sd->driver) == 0 :
							      strcmp(d->driver, "vfio-pci") == 0);
		s->viable = !d || group_viable(inv, st, d);
		if (!s->present || !s->fingerprint || !s->on_vfio || !s->viable)
			out->bad++;
	}
	cmdline_parse(&cl, inv->host.cmdline ? inv->host.cmdline : "");
	out->params = xcalloc(params->n ? params->n : 1, sizeof(*out->params));
	for (size_t i = 0; i < params->n; i++) {
		struct status_param *p = &out->params[out->n_params++];
		p->param = xstrdup(params->v[i]);
		p->present = cmdline_has(&cl, params->v[i]);
		if (!p->present)
			out->bad++;
	}
	cmdline_free(&cl);
}

void status_report_free(struct status_report *r)
{
	strv_free(&r->review);
	for (size_t i = 0; i < r->n_params; i++)
		free(r->params[i].param);
	free(r->params);
	free(r->dev);
	memset(r, 0, sizeof(*r));
}
