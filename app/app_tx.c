/* app_tx.c - the application's transactions (through the journal) and its
 * status report after the reboot. */
#include "config.h"

#include "app/app.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int timeout_s(const struct app *a)
{
	const char *t = getenv("VFIOCONF_CMD_TIMEOUT");
	int v = t ? atoi(t) : 0;

	if (a->o.timeout > 0)
		return a->o.timeout;
	return v > 0 ? v : 900;
}

/* devices.conf may have changed: read it again when next asked. */
static void forget_state(struct app *a)
{
	if (a->state_loaded == 1)
		state_free(&a->state);
	a->state_loaded = 0;
	app_forget_effective(a);
}

int app_journal_open(struct app *a, int *count)
{
	int n = 0, r;

	if (a->journal_open)
		return 0;
	r = journal_open(&a->j, a->o.scan.sr.root, &a->log, a->o.progress, a->o.progress_data);
	a->journal_open = true; /* journal_close also frees a half-open one */
	a->j.timeout = timeout_s(a);
	a->j.regenerate = a->o.regenerate;
	if (r == 0)
		r = journal_recover(&a->j, &n);
	if (n)
		forget_state(a);
	if (count)
		*count = n;
	return r;
}

void app_journal_close(struct app *a)
{
	if (a->journal_open)
		journal_close(&a->j);
	a->journal_open = false;
}

static struct tx_opts tx_opts(const struct app *a, const char *kind)
{
	return (struct tx_opts){.regenerate = a->o.regenerate, .force = a->o.force, .timeout = timeout_s(a),
				.kind = kind};
}

int app_apply(struct app *a, const struct plan *p, char **txid)
{
	return app_apply_kind(a, p, "apply", txid);
}

int app_apply_kind(struct app *a, const struct plan *p, const char *kind, char **txid)
{
	struct tx_opts o = tx_opts(a, kind);
	int r = journal_apply(&a->j, p, &o, txid);

	forget_state(a);
	return r;
}

int app_undo(struct app *a, const char *txid, char **new_txid)
{
	struct tx_opts o = tx_opts(a, NULL);
	int r = journal_undo(&a->j, txid, &o, new_txid);

	forget_state(a);
	return r;
}

int app_rollback(struct app *a, char **new_txid)
{
	struct tx_opts o = tx_opts(a, NULL);
	int r = journal_rollback(&a->j, &o, new_txid);

	forget_state(a);
	return r;
}

int app_history(struct app *a, struct tx_info **v, size_t *n)
{
	struct log quiet = {0};
	int r = journal_list_at(a->o.scan.sr.root, &quiet, v, n);

	log_free(&quiet);
	return r;
}

bool app_has_journal(struct app *a)
{
	struct journal j;
	struct log quiet = {0};
	int r = journal_open_readonly(&j, a->o.scan.sr.root, &quiet);

	journal_close(&j);
	log_free(&quiet);
	return r != -ENOENT;
}

int app_reverse_preview(struct app *a, const char *txid, bool rollback, struct plan *p)
{
	struct journal j;
	struct log quiet = {0};
	int r = journal_open_readonly(&j, a->o.scan.sr.root, &quiet);

	memset(p, 0, sizeof(*p));
	if (r == 0)
		r = journal_reverse_preview(&j, txid, rollback, a->o.force, p);
	journal_close(&j);
	log_free(&quiet);
	return r;
}

bool app_unverified(const struct app *a)
{
	return a->journal_open && a->j.unverified;
}


int app_status(struct app *a, struct status_report *out)
{
	struct intent want;
	bool *sel;
	int r;

	memset(out, 0, sizeof(*out));
	if (app_state(a) < 0)
		return -ENOENT;
	if ((r = app_scan(a)) < 0)
		return r;
	/* the parameters vfioconf wants for what is configured and present */
	sel = xcalloc(a->inv.n_devices ? a->inv.n_devices : 1, sizeof(bool));
	for (size_t i = 0; i < a->state.n_dev; i++) {
		struct device *d = inventory_find_str(&a->inv, a->state.dev[i].addr);
		if (d)
			sel[d - a->inv.devices] = true;
	}
	intent_build(&a->inv, &a->settings, sel, NULL, true, &want);
	status_check(&a->inv, &a->state, &want.params, out);
	app_param_review(a, &out->review);
	intent_free(&want);
	free(sel);
	return 0;
}
