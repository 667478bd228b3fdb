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

int cmd_status(struct cli *cli)
{
	struct app *a = cli->app;
	struct status_report r;
	int e = app_status(a, &r);

	struct strbuf sb = {0};

	if (e == -ENOENT) {
		report_status_none(a, &sb);
		fputs(sb.buf, stdout);
		strbuf_free(&sb);
		return 2;
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
