/* diff.c - unified diffs (Myers' O(ND) algorithm over lines, in linear space). */
#include "config.h"

#include "core/diff.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct line {
	const char *s;
	size_t len;    /* without the newline */
	bool nl;       /* ends with a newline */
	uint64_t hash; /* of the bytes and nl: most unequal lines differ here */
};

static uint64_t hash_line(const char *s, size_t n, bool nl)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return (h ^ nl) * 1099511628211ull;
}

static size_t split_lines(const char *s, size_t n, struct line **out)
{
	size_t cnt = 0, cap = 0, i = 0;

	*out = NULL;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
		void *p = *out;

		xgrow(&p, &cap, cnt + 1, sizeof(**out));
		*out = p;
		(*out)[cnt++] = (struct line){.s = s + i, .len = len, .nl = nl != NULL,
					      .hash = hash_line(s + i, len, nl != NULL)};
		i += len + (nl ? 1 : 0);
	}
	return cnt;
}

static bool line_eq(const struct line *a, const struct line *b)
{
	return a->hash == b->hash && a->len == b->len && a->nl == b->nl && memcmp(a->s, b->s, a->len) == 0;
}

enum op { OP_EQ, OP_DEL, OP_ADD };

/* Myers' O(ND) algorithm in linear space: the middle snake of the forward
 * and the reverse search splits the problem in two (as diff-match-patch's
 * bisect does). Lines that go are marked in del, lines that come in ins.
 * Past DIFF_MAX_COST rounds a part is given up as all-changed: the diff is
 * still exact for patch(1), only not the shortest (GNU diff does the
 * same), so a huge rewritten file costs time and memory linear in it. */
#define DIFF_MAX_COST 4096

struct lcs {
	const struct line *a, *b;
	bool *del, *ins;
	long *v1, *v2; /* scratch, 2 * (n + m) + 4 each */
};

static void lcs_run(struct lcs *c, long a0, long a1, long b0, long b1);

static void all_changed(struct lcs *c, long a0, long a1, long b0, long b1)
{
	for (long i = a0; i < a1; i++)
		c->del[i] = true;
	for (long j = b0; j < b1; j++)
		c->ins[j] = true;
}

static void bisect(struct lcs *c, long a0, long a1, long b0, long b1)
{
	long n = a1 - a0, m = b1 - b0;
	long max_d = (n + m + 1) / 2, off = max_d, vlen = 2 * max_d + 2;
	long delta = n - m, k1start = 0, k1end = 0, k2start = 0, k2end = 0;
	bool front = delta % 2 != 0;
	long *v1 = c->v1, *v2 = c->v2;

	for (long i = 0; i < vlen; i++)
		v1[i] = v2[i] = -1;
	v1[off + 1] = v2[off + 1] = 0;
	for (long d = 0; d < max_d && d < DIFF_MAX_COST; d++) {
		for (long k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
			long k1o = off + k1, x1, y1;
			if (k1 == -d || (k1 != d && v1[k1o - 1] < v1[k1o + 1]))
				x1 = v1[k1o + 1];
			else
				x1 = v1[k1o - 1] + 1;
			y1 = x1 - k1;
			while (x1 < n && y1 < m && line_eq(&c->a[a0 + x1], &c->b[b0 + y1])) {
				x1++;
				y1++;
			}
			v1[k1o] = x1;
			if (x1 > n) {
				k1end += 2;
			} else if (y1 > m) {
				k1start += 2;
			} else if (front) {
				long k2o = off + delta - k1;
				if (k2o >= 0 && k2o < vlen && v2[k2o] != -1 && x1 >= n - v2[k2o]) {
					lcs_run(c, a0, a0 + x1, b0, b0 + y1);
					lcs_run(c, a0 + x1, a1, b0 + y1, b1);
					return;
				}
			}
		}
		for (long k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
			long k2o = off + k2, x2, y2;
			if (k2 == -d || (k2 != d && v2[k2o - 1] < v2[k2o + 1]))
				x2 = v2[k2o + 1];
			else
				x2 = v2[k2o - 1] + 1;
			y2 = x2 - k2;
			while (x2 < n && y2 < m && line_eq(&c->a[a1 - x2 - 1], &c->b[b1 - y2 - 1])) {
				x2++;
				y2++;
			}
			v2[k2o] = x2;
			if (x2 > n) {
				k2end += 2;
			} else if (y2 > m) {
				k2start += 2;
			} else if (!front) {
				long k1o = off + delta - k2;
				if (k1o >= 0 && k1o < vlen && v1[k1o] != -1) {
					long x1 = v1[k1o], y1 = off + x1 - k1o;
					if (x1 >= n - x2) {
						lcs_run(c, a0, a0 + x1, b0, b0 + y1);
						lcs_run(c, a0 + x1, a1, b0 + y1, b1);
						return;
					}
				}
			}
		}
	}
	all_changed(c, a0, a1, b0, b1);
}

static void lcs_run(struct lcs *c, long a0, long a1, long b0, long b1)
{
	/* what both ends share is no change */
	while (a0 < a1 && b0 < b1 && line_eq(&c->a[a0], &c->b[b0])) {
		a0++;
		b0++;
	}
	while (a0 < a1 && b0 < b1 && line_eq(&c->a[a1 - 1], &c->b[b1 - 1])) {
		a1--;
		b1--;
	}
	if (a0 == a1 || b0 == b1)
		all_changed(c, a0, a1, b0, b1);
	else
		bisect(c, a0, a1, b0, b1);
}

/* The edit script: in each change, what goes before what comes. */
static size_t edit_script(const struct line *a, size_t n, const struct line *b, size_t m, enum op **ops)
{
	struct lcs c = {.a = a, .b = b};
	size_t nops = 0, i = 0, j = 0, vlen = 2 * (n + m) + 8;

	c.del = xcalloc(n + 1, sizeof(bool));
	c.ins = xcalloc(m + 1, sizeof(bool));
	c.v1 = xmalloc(vlen * sizeof(long));
	c.v2 = xmalloc(vlen * sizeof(long));
	lcs_run(&c, 0, (long)n, 0, (long)m);
	*ops = xmalloc((n + m + 1) * sizeof(enum op));
	while (i < n || j < m) {
		if (i < n && c.del[i]) {
			(*ops)[nops++] = OP_DEL;
			i++;
		} else if (j < m && c.ins[j]) {
			(*ops)[nops++] = OP_ADD;
			j++;
		} else {
			(*ops)[nops++] = OP_EQ;
			i++;
			j++;
		}
	}
	free(c.del);
	free(c.ins);
	free(c.v1);
	free(c.v2);
	return nops;
}

static void emit_line(struct strbuf *out, char tag, const struct line *l)
{
	strbuf_putc(out, tag);
	strbuf_add(out, l->s, l->len);
	strbuf_putc(out, '\n');
	if (!l->nl)
		strbuf_puts(out, "\\ No newline at end of file\n");
}

static void range(struct strbuf *out, size_t start, size_t count)
{
	/* An empty range names the line before it (0 at the top). */
	if (count == 1)
		strbuf_printf(out, "%zu", start + 1);
	else
		strbuf_printf(out, "%zu,%zu", count ? start + 1 : start, count);
}

size_t diff_unified(struct strbuf *out, const char *path, const char *old, size_t old_len,
		    const char *new, size_t new_len, int context)
{
	struct line *a, *b;
	size_t n = split_lines(old ? old : "", old ? old_len : 0, &a);
	size_t m = split_lines(new ? new : "", new ? new_len : 0, &b);
	enum op *ops;
	size_t nops, hunks = 0, i = 0, scanned = 0, pa = 0, pb = 0, mark;
	size_t ctx = context < 0 ? 0 : (size_t)context;

	if (old && new && old_len == new_len && memcmp(old, new, old_len) == 0) {
		free(a);
		free(b);
		return 0;
	}
	if (!old && !new) {
		free(a);
		free(b);
		return 0;
	}
	nops = edit_script(a, n, b, m, &ops);
	mark = out->len;
	strbuf_printf(out, "--- %s\n+++ %s\n", old ? path : "/dev/null", new ? path : "/dev/null");
	while (i < nops) {
		size_t start, end, ai, bi, as, bs, ac = 0, bc = 0;

		/* next change */
		while (i < nops && ops[i] == OP_EQ)
			i++;
		if (i >= nops)
			break;
		start = i >= ctx ? i - ctx : 0;
		/* extend while the gap between changes is at most 2*ctx */
		end = i;
		for (;;) {
			while (end < nops && ops[end] != OP_EQ)
				end++;
			size_t eq = end;
			while (eq < nops && ops[eq] == OP_EQ)
				eq++;
			if (eq < nops && eq - end <= 2 * ctx) {
				end = eq;
				continue;
			}
			end = end + ctx < nops ? end + ctx : nops;
			break;
		}
		/* positions of start in a and b: counted on from the last hunk */
		for (; scanned < start; scanned++) {
			if (ops[scanned] != OP_ADD)
				pa++;
			if (ops[scanned] != OP_DEL)
				pb++;
		}
		ai = as = pa;
		bi = bs = pb;
		for (size_t k = start; k < end; k++) {
			if (ops[k] != OP_ADD)
				ac++;
			if (ops[k] != OP_DEL)
				bc++;
		}
		strbuf_puts(out, "@@ -");
		range(out, as, ac);
		strbuf_puts(out, " +");
		range(out, bs, bc);
		strbuf_puts(out, " @@\n");
		for (size_t k = start; k < end; k++) {
			if (ops[k] == OP_EQ) {
				emit_line(out, ' ', &a[ai++]);
				bi++;
			} else if (ops[k] == OP_DEL) {
				emit_line(out, '-', &a[ai++]);
			} else {
				emit_line(out, '+', &b[bi++]);
			}
		}
		hunks++;
		i = end;
	}
	if (!hunks) {
		/* an empty file made or removed: a header alone is what patch(1)
		 * calls garbage, so the caller says it in words */
		out->len = mark;
		if (out->buf)
			out->buf[mark] = '\0';
	}
	free(ops);
	free(a);
	free(b);
	return hunks;
}
