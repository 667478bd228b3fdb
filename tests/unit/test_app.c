/* test_app.c - the application layer on a fixture machine (the debian
 * stack from $ROOTS): backends, selections and their errors, plans, a
 * transaction with progress, devices.conf read again after it, undo,
 * history and status. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"

static char work[256];

static void progress(void *data, const char *text)
{
	strbuf_puts(data, text);
}

static void init(struct app *a, struct strbuf *out)
{
	struct app_opts o = {.progress = progress, .progress_data = out};
	static char root[300], sys[300], proc[300];

	snprintf(root, sizeof(root), "%s/root", work);
	snprintf(sys, sizeof(sys), "%s/sys", work);
	snprintf(proc, sizeof(proc), "%s/proc", work);
	o.scan.sr.root = root;
	o.scan.sr.sysfs = sys;
	o.scan.sr.procfs = proc;
	o.scan.want_modules = true;
	app_init(a, &o);
	assert_int_equal(app_scan(a), 0);
}

static int setup(void **state)
{
	const char *roots = getenv("ROOTS");
	char cmd[700];

	(void)state;
	if (!roots)
		return -1;
	snprintf(work, sizeof(work), "%s/vfioconf-test-app.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(work))
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -a '%s/debian/.' '%s/'", roots, work);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	return system(cmd) == 0 ? 0 : -1;
}

static void backends_are_chosen_once(void **state)
{
	struct app a;
	struct strbuf out = {0};
	struct app_backends all;
	const char *boot, *initrd, *which = NULL;
	size_t chosen = 0;

	(void)state;
	init(&a, &out);
	app_backends_chosen(&a, &boot, &initrd);
	assert_string_equal(boot, "grub");
	assert_string_equal(initrd, "initramfs-tools");
	app_backends_survey(&a, &all);
	for (size_t i = 0; i < all.n_boot; i++)
		if (all.boot[i].chosen) {
			chosen++;
			assert_string_equal(all.boot[i].b->name, boot);
			assert_true(all.boot[i].detected);
		}
	assert_int_equal(chosen, 1);
	app_backends_free(&all);
	assert_int_equal(app_check_backend_names(&a, &which), 0);
	a.o.bootloader = "lilo";
	assert_int_equal(app_check_backend_names(&a, &which), -EINVAL);
	assert_string_equal(which, "bootloader");
	app_free(&a);
}

static void select_errors_name_the_argument(void **state)
{
	struct app a;
	struct strbuf out = {0};
	struct app_select_error err;
	struct strv groups = {0};
	bool sel[64] = {0}, conf[64] = {0};

	(void)state;
	init(&a, &out);
	assert_true(a.inv.n_devices <= 64);
	assert_int_equal(app_select(&a, &(struct app_select){.select = "02:00.0,zz"}, sel, conf, &err), -EINVAL);
	assert_int_equal(err.kind, SELECT_NOT_ADDRESS);
	assert_string_equal(err.arg, "zz");
	assert_int_equal(app_select(&a, &(struct app_select){.select = "0000:7f:00.0"}, sel, conf, &err), -EINVAL);
	assert_int_equal(err.kind, SELECT_NO_DEVICE);
	strv_push(&groups, "9999");
	assert_int_equal(app_select(&a, &(struct app_select){.groups = &groups}, sel, conf, &err), -EINVAL);
	assert_int_equal(err.kind, SELECT_NO_GROUP);
	assert_int_equal(app_select(&a, &(struct app_select){.select = "0000:02:00.0", .take_from_host = "02:00.0"},
				    sel, conf, &err),
			 -EINVAL);
	assert_int_equal(err.kind, TAKE_NOT_FULL);
	assert_string_equal(err.full, "0000:02:00.0");
	assert_int_equal(app_select(&a,
				    &(struct app_select){.select = "0000:02:00.0", .take_from_host = "0000:02:00.0"},
				    sel, conf, &err),
			 -EINVAL);
	assert_int_equal(err.kind, TAKE_NOT_CRITICAL);
	strv_free(&groups);
	app_free(&a);
}

static void plan_apply_undo(void **state)
{
	struct app a;
	struct strbuf out = {0};
	struct app_select_error err;
	struct app_plan p;
	struct tx_info *v;
	size_t n;
	char *txid = NULL, *undo_id = NULL;
	bool sel[64] = {0}, conf[64] = {0};
	size_t gpu;

	(void)state;
	init(&a, &out);
	a.o.regenerate = false;
	/* nothing configured yet */
	assert_int_equal(app_state(&a), -ENOENT);
	assert_int_equal(app_select(&a, &(struct app_select){.select = "0000:02:00.0"}, sel, conf, &err), 0);
	gpu = (size_t)(inventory_find_str(&a.inv, "0000:02:00.0") - a.inv.devices);
	assert_true(sel[gpu]);
	app_plan(&a, sel, conf, false, &p);
	assert_false(p.refused);
	assert_int_equal(p.want.n_dev, 2); /* the GPU and its audio */
	assert_false(plan_empty(&p.plan));
	assert_int_equal(p.plan.params.n, 2);
	assert_string_equal(p.plan.params.v[0], "intel_iommu=on");

	assert_int_equal(app_journal_open(&a, NULL), 0);
	assert_int_equal(app_apply(&a, &p.plan, &txid), 0);
	app_journal_close(&a);
	assert_non_null(strstr(out.buf, "created etc/modprobe.d/vfioconf.conf"));
	app_plan_free(&p);

	/* devices.conf is read again: the same selection now plans nothing */
	assert_int_equal(app_state(&a), 0);
	assert_int_equal(a.state.n_dev, 2); /* the GPU and its audio */
	memset(sel, 0, sizeof(sel));
	app_select_state(&a, sel, conf);
	assert_true(sel[gpu]);
	app_plan(&a, sel, conf, false, &p);
	assert_true(plan_empty(&p.plan));
	app_plan_free(&p);

	app_history(&a, &v, &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, txid);
	assert_string_equal(v[0].state, "COMMITTED");
	journal_list_free(v, n);

	assert_int_equal(app_journal_open(&a, NULL), 0);
	assert_int_equal(app_undo(&a, NULL, &undo_id), 0);
	assert_int_equal(app_undo(&a, "no-such-id", &txid), -ENOENT);
	app_journal_close(&a);
	assert_int_equal(app_state(&a), -ENOENT);
	free(txid);
	free(undo_id);
	strbuf_free(&out);
	app_free(&a);
}

static void status_needs_a_configuration(void **state)
{
	struct app a;
	struct strbuf out = {0};
	struct status_report r;

	(void)state;
	init(&a, &out);
	assert_int_equal(app_status(&a, &r), -ENOENT);
	app_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backends_are_chosen_once),
		cmocka_unit_test(select_errors_name_the_argument),
		cmocka_unit_test(plan_apply_undo),
		cmocka_unit_test(status_needs_a_configuration),
	};

	if (!getenv("ROOTS")) {
		puts("SKIP: ROOTS is not set (run under make check)");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
