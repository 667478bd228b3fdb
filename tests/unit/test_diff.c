/* test_diff.c - unified diffs as patch(1) reads them. */
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

#include "core/diff.h"
#include "core/util.h"

/* The diff of two C strings (NULL: absent) with the given context. */
static char *diff_of(const char *path, const char *old, const char *new, int ctx, size_t *hunks)
{
	struct strbuf sb = {0};
	size_t h = diff_unified(&sb, path, old, old ? strlen(old) : 0, new, new ? strlen(new) : 0, ctx);

	if (hunks)
		*hunks = h;
	return strbuf_detach(&sb);
}

#define ASSERT_DIFF(old, new, ctx, want_hunks, want)                      \
	do {                                                              \
		size_t h_;                                                \
		char *d_ = diff_of("etc/f", old, new, ctx, &h_);          \
		assert_string_equal(d_, want);                            \
		assert_int_equal(h_, want_hunks);                         \
		free(d_);                                                 \
	} while (0)

static void equal_inputs_give_nothing(void **state)
{
	struct strbuf sb = {0};

	(void)state;
	strbuf_puts(&sb, "kept\n");
	assert_int_equal(diff_unified(&sb, "etc/f", "a\nb\n", 4, "a\nb\n", 4, 3), 0);
	assert_int_equal(diff_unified(&sb, "etc/f", NULL, 0, NULL, 0, 3), 0);
	assert_int_equal(diff_unified(&sb, "etc/f", "x", 1, "x", 1, 0), 0);
	assert_string_equal(strbuf_str(&sb), "kept\n"); /* appends, never resets */
	strbuf_free(&sb);
}

static void created_and_removed_files_use_dev_null(void **state)
{
	(void)state;
	ASSERT_DIFF(NULL, "a\nb\n", 3, 1, "--- /dev/null\n+++ etc/f\n@@ -0,0 +1,2 @@\n+a\n+b\n");
	ASSERT_DIFF("a\nb\n", NULL, 3, 1, "--- etc/f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n");
	ASSERT_DIFF(NULL, "one\n", 3, 1, "--- /dev/null\n+++ etc/f\n@@ -0,0 +1 @@\n+one\n");
	/* an empty file has no hunk: no header either (patch calls it garbage) */
	ASSERT_DIFF(NULL, "", 3, 0, "");
	ASSERT_DIFF("", NULL, 3, 0, "");
}

static void missing_final_newline_is_marked(void **state)
{
	(void)state;
	/* adding the newline */
	ASSERT_DIFF("a\nb", "a\nb\n", 3, 1,
		    "--- etc/f\n+++ etc/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
	/* appending to a file without one */
	ASSERT_DIFF("a", "a\nc", 3, 1,
		    "--- etc/f\n+++ etc/f\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+c\n"
		    "\\ No newline at end of file\n");
	/* a new file without one */
	ASSERT_DIFF(NULL, "x", 3, 1, "--- /dev/null\n+++ etc/f\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n");
}

static char *numbered(int n, int changed1, int changed2)
{
	struct strbuf sb = {0};

	for (int i = 1; i <= n; i++)
		strbuf_printf(&sb, "%s%d\n", i == changed1 || i == changed2 ? "new" : "line", i);
	return strbuf_detach(&sb);
}

static void hunk_headers_and_context(void **state)
{
	char *a = numbered(10, 0, 0), *b = numbered(10, 5, 0);
	char *d;
	size_t h;

	(void)state;
	d = diff_of("etc/f", a, b, 3, &h);
	assert_int_equal(h, 1);
	assert_string_equal(d, "--- etc/f\n+++ etc/f\n@@ -2,7 +2,7 @@\n line2\n line3\n line4\n-line5\n+new5\n"
			       " line6\n line7\n line8\n");
	free(d);
	/* context 1: one line either side */
	d = diff_of("etc/f", a, b, 1, &h);
	assert_string_equal(d, "--- etc/f\n+++ etc/f\n@@ -4,3 +4,3 @@\n line4\n-line5\n+new5\n line6\n");
	free(d);
	/* context 0: a one-line range has no count */
	d = diff_of("etc/f", a, b, 0, &h);
	assert_string_equal(d, "--- etc/f\n+++ etc/f\n@@ -5 +5 @@\n-line5\n+new5\n");
	free(d);
	/* change on the first line: context is clipped at the top */
	free(b);
	b = numbered(10, 1, 0);
	d = diff_of("etc/f", a, b, 3, &h);
	assert_true(str_starts_with(d, "--- etc/f\n+++ etc/f\n@@ -1,4 +1,4 @@\n-line1\n+new1\n line2\n"));
	free(d);
	free(a);
	free(b);
}

static void pure_insertion_with_no_context(void **state)
{
	(void)state;
	/* an empty range names the line before it */
	ASSERT_DIFF("a\nb\n", "a\nnew\nb\n", 0, 1, "--- etc/f\n+++ etc/f\n@@ -1,0 +2 @@\n+new\n");
	ASSERT_DIFF("a\nb\n", "new\na\nb\n", 0, 1, "--- etc/f\n+++ etc/f\n@@ -0,0 +1 @@\n+new\n");
	ASSERT_DIFF("a\nb\nc\n", "a\nc\n", 0, 1, "--- etc/f\n+++ etc/f\n@@ -2 +1,0 @@\n-b\n");
}

static void near_changes_share_a_hunk_far_ones_do_not(void **state)
{
	char *a = numbered(30, 0, 0), *b;
	char *d;
	size_t h;

	(void)state;
	/* 6 equal lines between (= 2 * context): one hunk */
	b = numbered(30, 5, 12);
	d = diff_of("etc/f", a, b, 3, &h);
	assert_int_equal(h, 1);
	assert_non_null(strstr(d, "@@ -2,14 +2,14 @@\n"));
	free(d);
	free(b);
	/* 7 equal lines between: two hunks */
	b = numbered(30, 5, 13);
	d = diff_of("etc/f", a, b, 3, &h);
	assert_int_equal(h, 2);
	assert_non_null(strstr(d, "@@ -2,7 +2,7 @@\n"));
	assert_non_null(strstr(d, "@@ -10,7 +10,7 @@\n"));
	free(d);
	free(b);
	free(a);
}

static void nul_bytes_are_compared_whole(void **state)
{
	static const char old[] = "head\na\0b\ntail\n";
	static const char new[] = "head\na\0c\ntail\n";
	struct strbuf sb = {0};
	static const char want[] = "--- bin\n+++ bin\n@@ -1,3 +1,3 @@\n head\n-a\0b\n+a\0c\n tail\n";

	(void)state;
	/* same up to the NUL: still different */
	assert_int_equal(diff_unified(&sb, "bin", old, sizeof(old) - 1, new, sizeof(new) - 1, 3), 1);
	assert_int_equal(sb.len, sizeof(want) - 1);
	assert_memory_equal(sb.buf, want, sizeof(want) - 1);
	strbuf_reset(&sb);
	/* same bytes after the NUL: nothing */
	assert_int_equal(diff_unified(&sb, "bin", old, sizeof(old) - 1, old, sizeof(old) - 1, 3), 0);
	assert_int_equal(sb.len, 0);
	/* lengths are honoured: a trailing part past a NUL counts */
	assert_int_equal(diff_unified(&sb, "bin", "x\0y", 3, "x\0z", 3, 3), 1);
	assert_true(sb.len > 0);
	strbuf_free(&sb);
}

/* ---- patch(1) as the oracle */

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = {0};
	char buf[4096];
	size_t r;

	if (!f)
		return NULL;
	while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, r);
	fclose(f);
	*n = sb.len;
	return strbuf_detach(&sb);
}

/* Writes old under a fresh root, applies the diff with patch -p0 -d ROOT
 * and checks the file then holds new (or is gone when new is NULL). */
static void check_with_patch(const char *old, const char *new, int ctx)
{
	char root[] = "/tmp/test_diff.XXXXXX";
	struct strbuf d = {0};
	char *p, *cmd, *got;
	size_t n;

	assert_non_null(mkdtemp(root));
	p = xasprintf("%s/etc", root);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/etc/f", root);
	if (old)
		write_file(p, old, strlen(old));
	diff_unified(&d, "etc/f", old, old ? strlen(old) : 0, new, new ? strlen(new) : 0, ctx);
	cmd = xasprintf("%s/patch.diff", root);
	write_file(cmd, d.buf ? d.buf : "", d.len);
	free(cmd);
	cmd = xasprintf("patch -s -f -p0 -d %s < %s/patch.diff >/dev/null 2>&1", root, root);
	if (system(cmd) != 0) {
		print_error("patch rejected:\n%s\n", strbuf_str(&d));
		fail();
	}
	free(cmd);
	got = read_file(p, &n);
	if (new) {
		assert_non_null(got);
		assert_int_equal(n, strlen(new));
		assert_memory_equal(got, new, n);
	} else if (got) {
		/* patch may leave an empty file where it does not remove */
		assert_int_equal(n, 0);
	}
	free(got);
	unlink(p);
	free(p);
	cmd = xasprintf("rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	strbuf_free(&d);
}

static void patch_applies_hand_picked_cases(void **state)
{
	(void)state;
	check_with_patch("a\nb\nc\n", "a\nB\nc\n", 3);
	check_with_patch("a\nb", "a\nb\n", 3);
	check_with_patch("a\nb\n", "a\nb", 3);
	check_with_patch("GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n",
			 "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash intel_iommu=on iommu=pt\"\n", 3);
	check_with_patch(NULL, "options vfio-pci ids=10de:13c2\n", 3);
	check_with_patch("vfio\nvfio_pci\n", NULL, 3);
	check_with_patch("", "x\n", 3);
}

/* Pseudo-random edits of a small line alphabet (so lines repeat and the
 * alignment is not trivial), with and without final newlines. */
static void patch_applies_random_edits(void **state)
{
	static const char *words[] = {"a", "b", "c", "", "vfio", "b"};
	unsigned long seed = 12345;

	(void)state;
	for (int round = 0; round < 60; round++) {
		struct strbuf t[2] = {{0}};
		for (int k = 0; k < 2; k++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			int lines = (int)((seed >> 33) % 14);
			for (int i = 0; i < lines; i++) {
				seed = seed * 6364136223846793005UL + 1442695040888963407UL;
				strbuf_printf(&t[k], "%s\n", words[(seed >> 33) % 6]);
			}
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			if (t[k].len && (seed >> 33) % 3 == 0)
				t[k].buf[--t[k].len] = '\0'; /* no final newline */
		}
		check_with_patch(strbuf_str(&t[0]), strbuf_str(&t[1]), round % 4);
		strbuf_free(&t[0]);
		strbuf_free(&t[1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(equal_inputs_give_nothing),
		cmocka_unit_test(created_and_removed_files_use_dev_null),
		cmocka_unit_test(missing_final_newline_is_marked),
		cmocka_unit_test(hunk_headers_and_context),
		cmocka_unit_test(pure_insertion_with_no_context),
		cmocka_unit_test(near_changes_share_a_hunk_far_ones_do_not),
		cmocka_unit_test(nul_bytes_are_compared_whole),
		cmocka_unit_test(patch_applies_hand_picked_cases),
		cmocka_unit_test(patch_applies_random_edits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
