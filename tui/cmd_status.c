/* cmd_status.c - `vfioconf status`: after the reboot, is every configured
 * device on vfio-pci and every kernel parameter in the running command
 * line? Exit 0 all good, 1 something off, 4 nothing configured.
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

	cli_json_begin(&js, &out, "status");
	json_kbool(&js, "configured", true);
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
	cli_json_end(&js, &out);
	strbuf_free(&out);
}

/* Nothing configured: the same words as the text, and the IOMMU's state,
 * which is the first thing a fleet wants to know of a fresh host. */
static void status_none_json(struct app *a, const char *text)
{
	struct strbuf out = {0};
	struct json js;

	cli_json_begin(&js, &out, "status");
	json_kbool(&js, "configured", false);
	json_kbool(&js, "iommu", a->scanned && inventory_iommu_enabled(&a->inv));
	json_key(&js, "devices");
	json_arr_begin(&js);
	json_arr_end(&js);
	json_key(&js, "parameters");
	json_arr_begin(&js);
	json_arr_end(&js);
	json_key(&js, "warnings");
	json_arr_begin(&js);
	json_arr_end(&js);
	json_kbool(&js, "ok", true);
	json_kstr(&js, "text", text);
	cli_json_end(&js, &out);
	strbuf_free(&out);
}

int cmd_status(struct cli *cli)
{
	struct app *a = cli->app;
	struct status_report r;
	int e = app_status(a, &r);

	struct strbuf sb = {0};

	if (e == -ENOENT) {
		report_status_none(a, &sb);
		if (cli->json)
			status_none_json(a, sb.buf);
		else
			fputs(sb.buf, stdout);
		strbuf_free(&sb);
		return EXIT_NOTHING;
	}
	report_log(&a->log);
	if (e < 0)
		return EXIT_FAIL;
	if (cli->json) {
		status_json(&r);
	} else {
		report_status_text(&sb, &r, &a->inv.host);
		fputs(sb.buf, stdout);
	}
	strbuf_free(&sb);
	e = r.bad ? EXIT_FAIL : EXIT_OK;
	status_report_free(&r);
	return e;
}
