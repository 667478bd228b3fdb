/* list.c - the transactions, for history and the screen. */
#include "config.h"

#include "backends/journal/tx.h"
#include "backends/sys/sysroot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void journal_short_id(const char *id, char *out)
{
	const char *dash = strrchr(id, '-');

	snprintf(out, 16, "%.8s", dash ? dash + 1 : id);
}

bool journal_id_matches(const char *id, const char *q)
{
	const char *dash = strrchr(id, '-');
	size_t n = strlen(q);

	if (strcmp(id, q) == 0)
		return true;
	return n >= 4 && (strncmp(id, q, n) == 0 || (dash && strncmp(dash + 1, q, n) == 0));
}

int journal_list(struct journal *j, struct tx_info **out, size_t *nout)
{
	struct tx *v;
	size_t n;

	tx_load_all(j, &v, &n);
	*out = xcalloc(n ? n : 1, sizeof(**out));
	*nout = n;
	for (size_t i = 0; i < n; i++) {
		struct tx_info *ti = &(*out)[i];
		const char *s;
		snprintf(ti->id, sizeof(ti->id), "%s", v[i].id);
		journal_short_id(v[i].id, ti->short_id);
		snprintf(ti->kind, sizeof(ti->kind), "%s", (s = txrec_get(&v[i].header, "kind")) ? s : "?");
		snprintf(ti->of, sizeof(ti->of), "%s", (s = txrec_get(&v[i].header, "of")) ? s : "");
		snprintf(ti->created, sizeof(ti->created), "%s", (s = txrec_get(&v[i].header, "created")) ? s : "");
		snprintf(ti->state, sizeof(ti->state), "%s", v[i].damage ? "DAMAGED" : v[i].state[0] ? v[i].state : "INCOMPLETE");
		for (size_t f = 0; f < v[i].nf; f++)
			if (!v[i].f[f].artifact)
				strv_push(&ti->files, v[i].f[f].path);
		for (size_t c = 0; c < v[i].ncmds; c++) {
			char *q = tx_quote_argv(&v[i].cmds[c]);
			strv_push(&ti->cmds, q);
			free(q);
		}
	}
	tx_free_all(v, n);
	return 0;
}

int journal_list_at(const char *root, struct log *log, struct tx_info **v, size_t *n)
{
	struct journal j;
	int r = journal_open_readonly(&j, root, log);

	*v = NULL;
	*n = 0;
	if (r == 0)
		r = journal_list(&j, v, n);
	journal_close(&j);
	return r;
}

void journal_list_free(struct tx_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		strv_free(&v[i].files);
		strv_free(&v[i].cmds);
	}
	free(v);
}

/* ---- evidence: what vfioconf added, as its transactions recorded it ---- */

struct journal_evidence {
	struct journal j;
	struct tx *v;
	size_t n;
};

int journal_evidence_open(const char *root, struct journal_evidence **out)
{
	struct journal_evidence *ev = xcalloc(1, sizeof(*ev));
	struct log quiet = {0};
	int r = journal_open_readonly(&ev->j, root, &quiet);

	*out = NULL;
	log_free(&quiet);
	if (r == 0) {
		tx_load_all(&ev->j, &ev->v, &ev->n);
		*out = ev;
		return 0;
	}
	journal_close(&ev->j);
	free(ev);
	return r;
}

void journal_evidence_free(struct journal_evidence *ev)
{
	if (!ev)
		return;
	tx_free_all(ev->v, ev->n);
	journal_close(&ev->j);
	free(ev);
}

/* Occurrences of token in text as a word of its own (a kernel parameter,
 * a module name), not inside a longer one. */
static size_t count_token(const char *text, size_t len, const char *token)
{
	size_t n = 0, tl = strlen(token);

	for (const char *p = text; tl && (p = memmem(p, len - (size_t)(p - text), token, tl)); p += tl) {
		char before = p > text ? p[-1] : ' ', after = p[tl];
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-=", before) &&
		    !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-=", after ? after : ' '))
			n++;
	}
	return n;
}

bool journal_evidence_added(struct journal_evidence *ev, const char *path, const char *token)
{
	for (size_t k = 0; k < ev->n; k++) {
		const struct tx *t = &ev->v[k];
		if (strcmp(t->state, "COMMITTED") != 0)
			continue;
		for (size_t i = 0; i < t->nf; i++) {
			const struct tx_file *f = &t->f[i];
			char *pre = NULL, *post = NULL;
			size_t pl = 0, ql = 0, before, after;
			if (f->artifact || strcmp(f->path, path) != 0 || !f->post_exists)
				continue;
			if (tx_read_blob_checked(&ev->j, t, "post", i, f->post_sha, &post, &ql) < 0)
				continue;
			if (f->pre_exists && tx_read_blob_checked(&ev->j, t, "pre", i, f->pre_sha, &pre, &pl) < 0) {
				free(post);
				continue;
			}
			before = pre ? count_token(pre, pl, token) : 0;
			after = count_token(post, ql, token);
			free(pre);
			free(post);
			if (after > before)
				return true;
		}
	}
	return false;
}

bool journal_info_undone(const struct tx_info *v, size_t n, size_t i, bool rollback_counts)
{
	for (size_t k = i + 1; k < n; k++)
		if (strcmp(v[k].state, "COMMITTED") == 0 &&
		    (strcmp(v[k].of, v[i].id) == 0 || (rollback_counts && strcmp(v[k].kind, "rollback") == 0)))
			return true;
	return false;
}
