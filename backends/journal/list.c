/* list.c - the transactions, for history and the screen. */
#include "config.h"

#include "backends/journal/tx.h"
#include "backends/sys/sysroot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		snprintf(ti->kind, sizeof(ti->kind), "%s", (s = txrec_get(&v[i].header, "kind")) ? s : "?");
		snprintf(ti->of, sizeof(ti->of), "%s", (s = txrec_get(&v[i].header, "of")) ? s : "");
		snprintf(ti->created, sizeof(ti->created), "%s", (s = txrec_get(&v[i].header, "created")) ? s : "");
		snprintf(ti->state, sizeof(ti->state), "%s", v[i].state[0] ? v[i].state : "INCOMPLETE");
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
	struct journal j = {.root = xstrdup(root), .dir = path_join(root, JOURNAL_DIR), .lockfd = -1, .log = log};
	int r = journal_list(&j, v, n);

	free(j.root);
	free(j.dir);
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
