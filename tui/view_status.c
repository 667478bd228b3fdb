/* view_status.c - `vfioconf status` on the screen: after the reboot, is
 * every device vfioconf configured on its VFIO driver, every kernel
 * parameter in the running command line? The same text as the CLI's
 * (tui/report.c), so the two never disagree. */
#include "config.h"

#include "core/i18n.h"
#include "tui/report.h"
#include "tui/tui.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In force: the devices as the VM's configuration, as 'vfioconf export'
 * prints it, ready to paste (a reboot has proved the binding). */
static void status_handoff(struct tui *t, const struct status_report *r, struct strbuf *sb)
{
	const struct inventory *inv = t->inv;
	size_t n = inv->n_devices ? inv->n_devices : 1;
	bool *go = xcalloc(n, sizeof(bool));
	const char **drv = xcalloc(n, sizeof(char *));
	char nodebuf[EXPORT_NODE_MAX];
	bool any = false;

	for (size_t i = 0; i < r->n_dev; i++) {
		const struct device *d = r->dev[i].d;
		if (!d || !r->dev[i].on_vfio)
			continue;
		go[d - inv->devices] = any = true;
		drv[d - inv->devices] = r->dev[i].sd->driver[0] ? r->dev[i].sd->driver : NULL;
	}
	if (any) {
		strbuf_puts(sb, _("\nFor the VM: libvirt ('vfioconf export libvirt'):\n\n"));
		export_libvirt(inv, go, drv, sb);
		strbuf_puts(sb, _("\nProxmox VE ('vfioconf export proxmox'):\n\n"));
		export_proxmox(inv, go, drv, report_export_node(t->app, nodebuf), sb);
	}
	free(go);
	free(drv);
}

void status_open(struct tui *t)
{
	struct status_report r;
	struct app_trial tr;
	struct strbuf sb = {0};
	int e = app_status(t->app, &r);

	if (e == -ENOENT) {
		report_status_none(t->app, &sb);
	} else if (e < 0) {
		strbuf_printf(&sb, _("The status could not be read: %s\n"), strerror(-e));
		for (size_t i = 0; i < t->app->log.n; i++)
			strbuf_printf(&sb, "%s\n", t->app->log.e[i].msg);
	} else {
		report_status_text(&sb, &r, &t->inv->host);
		if (!r.bad)
			status_handoff(t, &r, &sb);
		status_report_free(&r);
	}
	if (app_trial_find(t->app, &tr) == 0) {
		strbuf_putc(&sb, '\n');
		report_trial_text(&sb, &tr);
		app_trial_free(&tr);
	}
	if (t->dirty)
		strbuf_puts(&sb, _("\nTicks on the screen that are not applied yet do not count here.\n"));
	text_open(t, &status_view, _("Status: is what was applied in force now?"), sb.buf);
	strbuf_free(&sb);
}

void status_summary(struct tui *t)
{
	struct status_report r;

	if (app_status(t->app, &r) < 0)
		return;
	if (r.bad)
		snprintf(t->status, sizeof(t->status),
			 P_("Status: %d thing is not as configured (before a reboot, that is expected); s shows which",
			    "Status: %d things are not as configured (before a reboot, that is expected); s shows which",
			    r.bad),
			 r.bad);
	else
		snprintf(t->status, sizeof(t->status), "%s",
			 _("Status: everything vfioconf configured is in force; s shows it"));
	status_report_free(&r);
}

const struct view status_view = {"status", text_draw, text_act};
