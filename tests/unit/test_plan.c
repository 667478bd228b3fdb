/* test_plan.c - file changes and commands, and how a plan is shown. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/plan.h"
#include "core/util.h"

#define GRUB "etc/default/grub"

static void set(struct plan *p, const char *path, const char *old, const char *new, const char *reason)
{
	plan_set_file(p, path, old, old ? strlen(old) : 0, new, new ? strlen(new) : 0, 0644, reason);
}

static void first_old_bytes_are_kept(void **state)
{
	struct plan p = {0};
	const char *cur;
	size_t len;

	(void)state;
	set(&p, GRUB, "A\n", "A\nB\n", "IOMMU on");
	/* a second backend works on the first one's result */
	assert_int_equal(plan_current(&p, GRUB, &cur, &len), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(cur, "A\nB\n", 4);
	set(&p, GRUB, cur, "A\nB\nC\n", "vfio-pci.ids");
	assert_int_equal(p.n_files, 1);
	assert_string_equal(p.files[0].path, GRUB);
	assert_string_equal(p.files[0].old, "A\n");
	assert_int_equal(p.files[0].old_len, 2);
	assert_string_equal(p.files[0].new, "A\nB\nC\n");
	assert_int_equal(p.files[0].new_len, 6);
	assert_int_equal(p.files[0].reasons.n, 2);
	assert_string_equal(p.files[0].reasons.v[0], "IOMMU on");
	assert_string_equal(p.files[0].reasons.v[1], "vfio-pci.ids");
	/* the same reason again is not repeated */
	set(&p, GRUB, "ignored\n", "A\nB\nC\n", "IOMMU on");
	assert_int_equal(p.files[0].reasons.n, 2);
	assert_string_equal(p.files[0].old, "A\n");
	plan_free(&p);
}

static void equal_content_records_nothing_unless_planned(void **state)
{
	struct plan p = {0};
	const char *cur = "x";
	struct strbuf sb = {0};

	(void)state;
	set(&p, "etc/modules", "vfio\n", "vfio\n", "unchanged");
	set(&p, "etc/absent", NULL, NULL, NULL);
	assert_int_equal(p.n_files, 0);
	assert_int_equal(plan_current(&p, "etc/modules", &cur, NULL), 0);
	assert_string_equal(cur, "x"); /* untouched when not planned */
	/* planned, then set back to what it was: recorded, but no change */
	set(&p, "etc/modules", "vfio\n", "vfio\nvfio_pci\n", "add");
	set(&p, "etc/modules", "vfio\nvfio_pci\n", "vfio\n", "remove again");
	assert_int_equal(p.n_files, 1);
	assert_int_equal(plan_current(&p, "etc/modules", &cur, NULL), 1);
	assert_string_equal(cur, "vfio\n");
	assert_int_equal(plan_changed_files(&p), 0);
	assert_true(plan_empty(&p));
	plan_render_text(&p, &sb);
	assert_string_equal(strbuf_str(&sb), "");
	plan_render_diff(&p, &sb);
	assert_string_equal(strbuf_str(&sb), "");
	strbuf_free(&sb);
	plan_free(&p);
}

/* An empty file made or removed: said in words, as a comment patch skips. */
static void empty_files_are_named(void **state)
{
	struct plan p = {0};
	struct strbuf sb = {0};

	(void)state;
	set(&p, "etc/made", NULL, "", "made");
	set(&p, "etc/gone", "", NULL, "gone");
	plan_render_diff(&p, &sb);
	assert_string_equal(strbuf_str(&sb), "# etc/made: created, empty\n# etc/gone: removed (it was empty)\n");
	strbuf_reset(&sb);
	plan_render_text(&p, &sb);
	assert_non_null(strstr(strbuf_str(&sb), "# etc/made: created, empty\n"));
	assert_null(strstr(strbuf_str(&sb), "+++"));
	strbuf_free(&sb);
	plan_free(&p);
}

static void current_follows_creation_and_removal(void **state)
{
	struct plan p = {0};
	const char *cur;
	size_t len = 99;

	(void)state;
	set(&p, "etc/modprobe.d/vfioconf.conf", NULL, "options vfio-pci ids=10de:13c2\n", "bind");
	assert_int_equal(plan_current(&p, "etc/modprobe.d/vfioconf.conf", &cur, &len), 1);
	assert_string_equal(cur, "options vfio-pci ids=10de:13c2\n");
	assert_null(p.files[0].old);
	assert_int_equal(p.files[0].mode, 0644);
	set(&p, "etc/vfioconf/devices.conf", "[added]\n", NULL, "nothing left");
	assert_int_equal(plan_current(&p, "etc/vfioconf/devices.conf", &cur, &len), 1);
	assert_null(cur);
	assert_int_equal(len, 0);
	assert_int_equal(plan_changed_files(&p), 2);
	assert_false(plan_empty(&p));
	plan_free(&p);
	assert_int_equal(p.n_files, 0);
	assert_null(p.files);
}

static void binary_content_counts_every_byte(void **state)
{
	struct plan p = {0};

	(void)state;
	plan_set_file(&p, "boot/x", "a\0b", 3, "a\0c", 3, 0644, NULL);
	assert_int_equal(p.n_files, 1);
	assert_int_equal(plan_changed_files(&p), 1);
	plan_set_file(&p, "boot/y", "a\0b", 3, "a\0b", 3, 0644, NULL);
	assert_int_equal(p.n_files, 1);
	assert_int_equal(p.files[0].reasons.n, 0); /* NULL reason adds none */
	plan_free(&p);
}

static void commands_are_deduplicated_by_argv(void **state)
{
	struct plan p = {0};
	const char *const upd[] = {"update-initramfs", "-u", "-k", "all", NULL};
	const char *const upd2[] = {"update-initramfs", "-u", "-k", "all", NULL};
	const char *const prefix[] = {"update-initramfs", "-u", NULL};
	const char *const longer[] = {"update-initramfs", "-u", "-k", "all", "-v", NULL};
	const char *const grub[] = {"update-grub", NULL};

	(void)state;
	plan_add_cmd(&p, upd, "modules changed");
	plan_add_cmd(&p, upd2, "modprobe.d changed");
	assert_int_equal(p.n_cmds, 1);
	assert_string_equal(p.cmds[0].reason, "modules changed"); /* the first reason wins */
	plan_add_cmd(&p, prefix, NULL);
	plan_add_cmd(&p, longer, NULL);
	plan_add_cmd(&p, grub, "cmdline changed");
	plan_add_cmd(&p, prefix, "again");
	assert_int_equal(p.n_cmds, 4);
	assert_int_equal(p.cmds[1].argv.n, 2);
	assert_null(p.cmds[1].reason);
	assert_int_equal(p.cmds[2].argv.n, 5);
	assert_string_equal(p.cmds[3].argv.v[0], "update-grub");
	/* commands alone change no file */
	assert_true(plan_empty(&p));
	plan_add_contains_check(&p, "boot/initrd", "vfio_pci");
	plan_add_contains_check(&p, "boot/initrd", "vfio_pci");
	plan_add_lists_check(&p, "lsinitramfs", "boot/initrd.img-*", "vfio-pci",
			     (const char *const[]){"vfio-pci.ko", "vfio_pci.ko", NULL});
	plan_add_lists_check(&p, "lsinitramfs", "boot/initrd.img-*", "vfio-pci",
			     (const char *const[]){"vfio-pci.ko", "vfio_pci.ko", NULL});
	assert_int_equal(p.n_checks, 2);
	assert_int_equal(p.checks[0].kind, PLAN_CHECK_CONTAINS);
	assert_string_equal(p.checks[0].text, "vfio_pci");
	assert_int_equal(p.checks[1].kind, PLAN_CHECK_LISTS);
	assert_int_equal(p.checks[1].any.n, 2);
	{
		char *d = plan_check_describe(&p.checks[1]);
		assert_string_equal(d, "lists lsinitramfs boot/initrd.img-* vfio-pci.ko|vfio_pci.ko");
		free(d);
	}
	plan_add_artifact(&p, "boot/initrd.img-*");
	plan_add_artifact(&p, "boot/initrd.img-*");
	assert_int_equal(p.artifacts.n, 1);
	plan_free(&p);
}

static void text_shows_reasons_diffs_and_quoted_commands(void **state)
{
	struct plan p = {0};
	struct strbuf sb = {0};
	const char *const sh[] = {"sh", "-c", "echo it's done", "", "--opt=a,b:c/d", NULL};
	const char *const grub[] = {"grub-mkconfig", "-o", "/boot/grub/grub.cfg", NULL};

	(void)state;
	set(&p, GRUB, "GRUB_CMDLINE_LINUX=\"\"\n", "GRUB_CMDLINE_LINUX=\"intel_iommu=on\"\n", "turn the IOMMU on");
	set(&p, "etc/modules", "vfio\n", "vfio\n", "unchanged"); /* not shown */
	plan_add_cmd(&p, grub, "the kernel command line changed");
	plan_add_cmd(&p, sh, NULL);
	plan_render_text(&p, &sb);
	assert_string_equal(strbuf_str(&sb),
			    "# etc/default/grub: turn the IOMMU on\n"
			    "--- etc/default/grub\n"
			    "+++ etc/default/grub\n"
			    "@@ -1 +1 @@\n"
			    "-GRUB_CMDLINE_LINUX=\"\"\n"
			    "+GRUB_CMDLINE_LINUX=\"intel_iommu=on\"\n"
			    "# then run:\n"
			    "#   grub-mkconfig -o /boot/grub/grub.cfg    (the kernel command line changed)\n"
			    "#   sh -c 'echo it'\\''s done' '' --opt=a,b:c/d\n");
	strbuf_free(&sb);
	plan_free(&p);
}

static void diff_is_only_diffs_and_patch_applies_it(void **state)
{
	struct plan p = {0};
	struct strbuf sb = {0};
	const char *const cmd[] = {"update-grub", NULL};
	char root[] = "/tmp/test_plan.XXXXXX";
	char *cmdline, *path;
	char buf[256];
	FILE *f;
	size_t n;

	(void)state;
	set(&p, GRUB, "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"quiet\"\n",
	    "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"quiet amd_iommu=on iommu=pt\"\n", "IOMMU");
	set(&p, "etc/modprobe.d/vfioconf.conf", NULL, "options vfio-pci ids=1002:67df\n", "bind");
	plan_add_cmd(&p, cmd, "cmdline");
	plan_render_diff(&p, &sb);
	assert_null(strstr(strbuf_str(&sb), "# "));
	assert_null(strstr(strbuf_str(&sb), "update-grub"));
	assert_true(str_starts_with(strbuf_str(&sb), "--- etc/default/grub\n"));
	assert_non_null(strstr(strbuf_str(&sb), "--- /dev/null\n+++ etc/modprobe.d/vfioconf.conf\n"));

	assert_non_null(mkdtemp(root));
	cmdline = xasprintf("mkdir -p %s/etc/default %s/etc/modprobe.d && "
			    "printf 'GRUB_TIMEOUT=5\\nGRUB_CMDLINE_LINUX=\"quiet\"\\n' > %s/etc/default/grub",
			    root, root, root);
	assert_int_equal(system(cmdline), 0);
	free(cmdline);
	path = xasprintf("%s/plan.diff", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(sb.buf, 1, sb.len, f);
	fclose(f);
	free(path);
	cmdline = xasprintf("patch -s -p0 -d %s < %s/plan.diff >/dev/null 2>&1", root, root);
	assert_int_equal(system(cmdline), 0);
	free(cmdline);
	path = xasprintf("%s/etc/default/grub", root);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	free(path);
	assert_string_equal(buf, p.files[0].new);
	path = xasprintf("%s/etc/modprobe.d/vfioconf.conf", root);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	free(path);
	assert_string_equal(buf, "options vfio-pci ids=1002:67df\n");
	cmdline = xasprintf("rm -rf %s", root);
	assert_int_equal(system(cmdline), 0);
	free(cmdline);
	strbuf_free(&sb);
	plan_free(&p);
}

/* Runs jq -e FILTER on json; true when it printed true. */
static bool jq(const char *json, const char *filter)
{
	char tmp[] = "/tmp/test_plan_json.XXXXXX";
	int fd = mkstemp(tmp);
	char *cmd;
	int r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	cmd = xasprintf("jq -e '%s' < %s >/dev/null 2>&1", filter, tmp);
	r = system(cmd);
	free(cmd);
	unlink(tmp);
	return r == 0;
}

static void json_is_valid_and_complete(void **state)
{
	struct plan p = {0};
	struct strbuf sb = {0};
	const char *const cmd[] = {"sh", "-c", "echo \"quoted\" \\ back", NULL};

	(void)state;
	if (system("command -v jq >/dev/null 2>&1") != 0)
		skip();
	set(&p, GRUB, "a\n", "a\tb \"q\"\n", "IOMMU");
	set(&p, "etc/new", NULL, "n\n", NULL);
	set(&p, "etc/gone", "g\n", NULL, "deselected");
	set(&p, "etc/same", "s\n", "s\n", NULL);
	plan_add_cmd(&p, cmd, NULL);
	plan_add_contains_check(&p, "boot/initrd.img", "vfio_pci");
	strv_push(&p.warnings, "warn \"me\"");
	strv_push(&p.backends, "boot: grub");
	plan_render_json(&p, &sb);
	assert_true(jq(sb.buf, "."));
	assert_true(jq(sb.buf, ".empty == false"));
	assert_true(jq(sb.buf, ".files | length == 3"));
	assert_true(jq(sb.buf, ".files[0].path == \"etc/default/grub\" and .files[0].action == \"modify\""));
	assert_true(jq(sb.buf, ".files[0].new == \"a\\tb \\\"q\\\"\\n\""));
	assert_true(jq(sb.buf, ".files[0].reasons == [\"IOMMU\"]"));
	assert_true(jq(sb.buf, ".files[0].diff | startswith(\"--- etc/default/grub\\n\")"));
	assert_true(jq(sb.buf, ".files[1].action == \"create\" and .files[1].old == null"));
	assert_true(jq(sb.buf, ".files[2].action == \"remove\" and .files[2].new == null"));
	assert_true(jq(sb.buf, ".commands[0].argv[2] == \"echo \\\"quoted\\\" \\\\ back\""));
	assert_true(jq(sb.buf, ".commands[0].reason == null"));
	assert_true(jq(sb.buf, ".checks == [\"contains boot/initrd.img vfio_pci\"]"));
	assert_true(jq(sb.buf, ".warnings == [\"warn \\\"me\\\"\"] and .refusals == [] and .notes == []"));
	assert_true(jq(sb.buf, ".backends == [\"boot: grub\"]"));
	assert_false(jq(sb.buf, ".empty == true")); /* the oracle can say no */
	strbuf_free(&sb);
	plan_free(&p);

	/* an empty plan is still a document */
	plan_render_json(&p, &sb);
	assert_true(jq(sb.buf, ".empty == true and .files == [] and .commands == []"));
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_old_bytes_are_kept),
		cmocka_unit_test(equal_content_records_nothing_unless_planned),
		cmocka_unit_test(current_follows_creation_and_removal),
		cmocka_unit_test(empty_files_are_named),
		cmocka_unit_test(binary_content_counts_every_byte),
		cmocka_unit_test(commands_are_deduplicated_by_argv),
		cmocka_unit_test(text_shows_reasons_diffs_and_quoted_commands),
		cmocka_unit_test(diff_is_only_diffs_and_patch_applies_it),
		cmocka_unit_test(json_is_valid_and_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
