/* diff.c - unified diffs (Myers' O(ND) algorithm over lines). */
#include "config.h"

#include "core/diff.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct line {
	const char *s;
	size_t len;    /* without the newline */
	bool nl;       /* ends with a newline */
};

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
		(*out)[cnt++] = (struct line){.s = s + i, .len = len, .nl = nl != NULL};
		i += len + (nl ? 1 : 0);
	}
	return cnt;
}

static bool line_eq(const struct line *a, const struct line *b)
{
	return a->len == b->len && a->nl == b->nl && memcmp(a->s, b->s, a->len) == 0;
}

enum op { OP_EQ, OP_DEL, OP_ADD };

/* Edit script from Myers' greedy algorithm with a saved trace. */
static size_t myers(const struct line *a, size_t n, const struct line *b, size_t m, enum op **ops)
{
	size_t max = n + m, off = max + 1, nops = 0;
	size_t vlen = 2 * max + 3;
	long *v = xcalloc(vlen, sizeof(long));
	long **trace = xcalloc(max + 2, sizeof(long *));
	long d, k, x, y;
	size_t dfinal = 0;

	for (d = 0; d <= (long)max; d++) {
		trace[d] = xmalloc(vlen * sizeof(long));
		memcpy(trace[d], v, vlen * sizeof(long));
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m && line_eq(&a[x], &b[y])) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= (long)n && y >= (long)m) {
				dfinal = (size_t)d;
				goto found;
			}
		}
	}
found:
	/* backtrack into a reversed op list */
	*ops = xmalloc((n + m + 1) * sizeof(enum op));
	x = (long)n;
	y = (long)m;
	for (d = (long)dfinal; d >= 0; d--) {
		long *vd = trace[d], pk, px, py;
		k = x - y;
		if (d == 0) {
			while (x > 0 && y > 0) {
				(*ops)[nops++] = OP_EQ;
				x--;
				y--;
			}
			break;
		}
		if (k == -d || (k != d && vd[off + k - 1] < vd[off + k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		px = vd[off + pk];
		py = px - pk;
		while (x > px && y > py) {
			(*ops)[nops++] = OP_EQ;
			x--;
			y--;
		}
		(*ops)[nops++] = x == px ? OP_ADD : OP_DEL;
		x = px;
		y = py;
	}
	for (size_t i = 0; i < nops / 2; i++) {
		enum op t = (*ops)[i];
		(*ops)[i] = (*ops)[nops - 1 - i];
		(*ops)[nops - 1 - i] = t;
	}
	for (d = 0; d <= (long)dfinal; d++)
		free(trace[d]);
	free(trace);
	free(v);
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
	size_t nops, hunks = 0, i = 0;
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
	nops = myers(a, n, b, m, &ops);
	strbuf_printf(out, "--- %s\n+++ %s\n", old ? path : "/dev/null", new ? path : "/dev/null");
	while (i < nops) {
		size_t start, end, ai = 0, bi = 0, as, bs, ac = 0, bc = 0;

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
		/* positions of start in a and b */
		for (size_t k = 0; k < start; k++) {
			if (ops[k] != OP_ADD)
				ai++;
			if (ops[k] != OP_DEL)
				bi++;
		}
		as = ai;
		bs = bi;
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
	free(ops);
	free(a);
	free(b);
	return hunks;
}
