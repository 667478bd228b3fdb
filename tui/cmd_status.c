/* cmd_status.c - `vfioconf status`: after the reboot, is every configured
 * device on vfio-pci and every kernel parameter in the running command
 * line? Exit 0 all good, 1 something off, 2 nothing configured.
 */
#include "config.h"

#include "core/i18n.h"
#include "core/json.h"
#include "tui/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static void status_json(const struct status_report *r)
{
	struct strbuf out = {0};
	struct json js;

	json_init(&js, &out, true);
	json_obj_begin(&js);
	json_kbool(&js, "iommu", r->iommu);
	json_key(&js, "devices");
	json_arr_begin(&js);
	for (size_t i = 0; i < r->n_dev; i++) {
		const struct status_device *s = &r->dev[i];
		json_obj_begin(&js);
		json_kstr(&js, "address", s->sd->addr);
		json_kbool(&js, "present", s->present);
		json_kbool(&js, "fingerprint_matches", s->fingerprint);
		json_kstr(&js, "driver", s->d ? s->d->driver : NULL);
		json_kstr(&js, "vfio_driver", s->sd->driver[0] ? s->sd->driver : "vfio-pci");
		json_kbool(&js, "on_vfio_pci", s->on_vfio);
		json_kbool(&js, "group_viable", s->viable);
		json_obj_end(&js);
	}
	json_arr_end(&js);
	json_key(&js, "parameters");
	json_arr_begin(&js);
	for (size_t i = 0; i < r->n_params; i++) {
		json_obj_begin(&js);
		json_kstr(&js, "parameter", r->params[i].param);
		json_kbool(&js, "in_cmdline", r->params[i].present);
		json_obj_end(&js);
	}
	json_arr_end(&js);
	json_kstrv(&js, "warnings", &r->review);
	json_kbool(&js, "ok", r->bad == 0);
	json_obj_end(&js);
	strbuf_putc(&out, '\n');
	fputs(out.buf, stdout);
	strbuf_free(&out);
}

static void status_text(const struct status_report *r, const struct host_facts *h)
{
	printf(_("IOMMU: %s\n"), r->iommu ? _("on") : _("OFF"));
	if (!r->iommu) {
		char *m = report_iommu_off(h);
		printf("  %s\n", m);
		free(m);
	}
	for (size_t i = 0; i < r->n_dev; i++) {
		const struct status_device *s = &r->dev[i];
		printf("  %s [%04x:%04x]  ", s->sd->addr, s->sd->vendor, s->sd->device);
		if (s->present && s->fingerprint && s->sd->driver[0])
			printf(s->on_vfio ? _("on %s") : _("NOT on %s"), s->sd->driver);
		else
			fputs(!s->present      ? _("MISSING: no device at this address")
			      : !s->fingerprint ? _("CHANGED: another card is in this slot; run vfioconf again")
			      : s->on_vfio     ? _("on vfio-pci")
					       : _("NOT on vfio-pci"), stdout);
		if (s->present && s->fingerprint && !s->on_vfio)
			printf(_(" (driver: %s)"), s->d->driver ? s->d->driver : _("none"));
		if (s->present && !s->viable)
			printf(_("; its IOMMU group holds devices in use by the host"));
		putchar('\n');
	}
	for (size_t i = 0; i < r->n_params; i++)
		printf(_("  kernel parameter %-28s %s\n"), r->params[i].param,
		       r->params[i].present ? _("in the running command line")
					    : _("MISSING from the running command line"));
	if (r->review.n)
		printf(_("\nSettings to look at:\n"));
	for (size_t i = 0; i < r->review.n; i++)
		printf("  ! %s\n", r->review.v[i]);
	if (r->bad)
		printf(_("\n%d thing(s) are not as configured. If you have not rebooted since applying, reboot; "
			 "otherwise see 'vfioconf plan' and dmesg | grep vfio.\n"), r->bad);
	else
		printf(_("\nEverything is as configured.\n"));
}

int cmd_status(struct cli *cli)
{
	struct app *a = cli->app;
	struct status_report r;
	int e = app_status(a, &r);

	if (e == -ENOENT) {
		printf(_("vfioconf has configured nothing here (%s does not exist).\n"), a->state_path);
		if (app_scan(a) == 0 && !inventory_iommu_enabled(&a->inv)) {
			char *m = report_iommu_off(&a->inv.host);
			printf("%s\n", m);
			free(m);
		}
		return 2;
	}
	report_log(&a->log);
	if (e < 0)
		return EXIT_FAIL;
	if (cli->json)
		status_json(&r);
	else
		status_text(&r, &a->inv.host);
	e = r.bad ? EXIT_FAIL : EXIT_OK;
	status_report_free(&r);
	return e;
}
