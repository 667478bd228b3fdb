/* test_rooted.c - paths beneath a base never lead out of it: absolute and
 * ".." symlinks resolve inside, as a chroot would; with openat2 and with
 * the walk the kernel-less fallback does (both must agree). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/sys/rooted.h"

void rooted_force_walk(bool on);

static char top[256], root[300], outside[300];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* top/outside/secret (the host); top/root/{etc/real, etc/abs -> /etc/real,
 * etc/up -> ../../../outside, etc/out -> <top>/outside, etc/loop -> loop} */
static int setup(void **state)
{
	char p[512];

	(void)state;
	snprintf(top, sizeof(top), "%s/vfioconf-rooted.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top))
		return -1;
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	snprintf(p, sizeof(p), "%s/secret", outside);
	put(p, "host secret\n");
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/real", root);
	put(p, "inside\n");
	snprintf(p, sizeof(p), "%s/etc/abs", root);
	if (symlink("/etc/real", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/etc/up", root);
	if (symlink("../../../outside", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/etc/out", root);
	if (symlink(outside, p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/etc/loop", root);
	if (symlink("loop", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/etc/fifo", root);
	if (mkfifo(p, 0600) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void both_ways(void (*fn)(int base))
{
	for (int walk = 0; walk < 2; walk++) {
		int base = rooted_base(root);
		assert_true(base >= 0);
		rooted_force_walk(walk);
		fn(base);
		close(base);
	}
	rooted_force_walk(false);
}

static void links_stay_inside(int base)
{
	char *text = NULL;

	/* an absolute link starts at the base */
	assert_int_equal(rooted_read(base, "etc/abs", 1024, &text, NULL, ROOTED_FOLLOW), 0);
	assert_string_equal(text, "inside\n");
	free(text);
	/* ".." stops at the base: ../../../outside is <root>/outside, which is not there */
	assert_int_equal(rooted_read(base, "etc/up/secret", 1024, &text, NULL, ROOTED_FOLLOW), -ENOENT);
	/* the host's path, absolute, is looked for under the base */
	assert_int_equal(rooted_read(base, "etc/out/secret", 1024, &text, NULL, ROOTED_FOLLOW), -ENOENT);
	assert_int_equal(rooted_read(base, "../outside/secret", 1024, &text, NULL, ROOTED_FOLLOW), -ENOENT);
	assert_int_equal(rooted_read(base, "etc/loop", 1024, &text, NULL, ROOTED_FOLLOW), -ELOOP);
}

static void symlinks_refused_when_asked(int base)
{
	char *text = NULL;
	int fd;

	assert_int_equal(rooted_read(base, "etc/abs", 1024, &text, NULL, ROOTED_NO_SYMLINKS), -ELOOP);
	assert_int_equal(rooted_read(base, "etc/real", 1024, &text, NULL, ROOTED_NO_SYMLINKS), 0);
	free(text);
	fd = rooted_open(base, "etc/out", O_RDONLY | O_DIRECTORY, 0, ROOTED_NO_SYMLINKS);
	assert_int_equal(fd, -ELOOP);
}

static void only_regular_files_are_read(int base)
{
	char *text = NULL;

	assert_int_equal(rooted_read(base, "etc/fifo", 1024, &text, NULL, ROOTED_FOLLOW), -EISDIR);
	assert_int_equal(rooted_read(base, "etc", 1024, &text, NULL, ROOTED_FOLLOW), -EISDIR);
	assert_int_equal(rooted_read(base, "etc/real", 3, &text, NULL, ROOTED_FOLLOW), -EFBIG);
}

static void mkdirs_through_a_link_stays_inside(int base)
{
	struct strv made = {0};
	char p[512];
	struct stat st;
	/* <top>/outside leads to <root><top>/outside, which is not there: as
	 * mkdir -p in a chroot, it fails; nothing is made outside */
	int fd = rooted_mkdirs(base, "etc/out/new/deeper", 0755, ROOTED_FOLLOW, &made);

	assert_true(fd < 0);
	snprintf(p, sizeof(p), "%s/new", outside);
	assert_int_equal(stat(p, &st), -1);
	strv_free(&made);
	fd = rooted_mkdirs(base, "etc/made/deeper", 0755, ROOTED_FOLLOW, &made);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(made.n, 2);
	assert_string_equal(made.v[0], "etc/made");
	assert_string_equal(made.v[1], "etc/made/deeper");
	strv_free(&made);
	snprintf(p, sizeof(p), "%s/etc/made/deeper", root);
	assert_int_equal(rmdir(p), 0);
	snprintf(p, sizeof(p), "%s/etc/made", root);
	assert_int_equal(rmdir(p), 0);
}

static void resolve_names_the_real_file(int base)
{
	char *res = NULL;

	assert_int_equal(rooted_resolve(base, "etc/abs", &res), 0);
	assert_string_equal(res, "etc/real");
	free(res);
	assert_int_equal(rooted_resolve(base, "etc/up/x", &res), 0);
	assert_string_equal(res, "outside/x");
	free(res);
}

static void test_links(void **s)
{
	(void)s;
	both_ways(links_stay_inside);
}

static void test_no_symlinks(void **s)
{
	(void)s;
	both_ways(symlinks_refused_when_asked);
}

static void test_regular(void **s)
{
	(void)s;
	both_ways(only_regular_files_are_read);
}

static void test_mkdirs(void **s)
{
	(void)s;
	both_ways(mkdirs_through_a_link_stays_inside);
}

static void test_resolve(void **s)
{
	(void)s;
	both_ways(resolve_names_the_real_file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_no_symlinks),
		cmocka_unit_test(test_regular),
		cmocka_unit_test(test_mkdirs),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
