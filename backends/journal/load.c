/* load.c - reading transactions back, trusting nothing: every record must
 * pass its checksum and none may be missing from the sequence the header
 * and the state records promise. */
#include "config.h"

#include "backends/journal/tx.h"
#include "backends/sys/sysroot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_record(struct journal *j, const char *rel, struct txrec *r)
{
	char *text = NULL;
	int e = rooted_read(j->dirfd, rel, 1u << 20, &text, NULL, ROOTED_NO_SYMLINKS);

	if (e == 0)
		e = txrec_parse(r, text);
	free(text);
	return e;
}

void tx_list_ids(struct journal *j, struct strv *ids)
{
	rooted_list(j->dirfd, "tx", ROOTED_NO_SYMLINKS, ids);
}

/* "NAME fails its checksum", "NAME: No such file...": the first is enough */
static void damaged(struct tx *t, const char *name, int e)
{
	if (t->damage)
		return;
	t->damage = e == -EBADMSG ? xasprintf("%s fails its checksum", name)
		    : e == -ENOENT ? xasprintf("%s is missing", name)
				   : xasprintf("%s: %s", name, strerror(-e));
}

static void read_entry(struct tx_file *f, const struct txrec *r)
{
	const char *s;

	f->path = xstrdup((s = txrec_get(r, "path")) ? s : "");
	f->artifact = txrec_get_int(r, "artifact", 0) != 0;
	f->pre_exists = txrec_get_int(r, "pre.exists", 0) != 0;
	f->post_exists = txrec_get_int(r, "post.exists", 0) != 0;
	snprintf(f->pre_sha, 65, "%s", (s = txrec_get(r, "pre.sha256")) ? s : "");
	snprintf(f->post_sha, 65, "%s", (s = txrec_get(r, "post.sha256")) ? s : "");
	f->pre_mode = (mode_t)txrec_get_int(r, "pre.mode", 0644);
	f->post_mode = (mode_t)txrec_get_int(r, "post.mode", 0644);
	f->uid = (uid_t)txrec_get_int(r, "uid", 0);
	f->gid = (gid_t)txrec_get_int(r, "gid", 0);
}

/* "entry.0012" -> 12; -1 for a name that is not NAME.NNNN */
static long record_index(const char *name, const char *prefix)
{
	unsigned long v;

	if (!str_starts_with(name, prefix) || str_to_ulong(name + strlen(prefix), 10, 1u << 20, &v) < 0)
		return -1;
	return (long)v;
}

static void read_header(struct tx *t)
{
	long long n = txrec_get_int(&t->header, "cmds", 0);
	char key[64];
	const char *v;

	t->seq = txrec_get_int(&t->header, "seq", 0);
	for (long long c = 0; c < n; c++) {
		t->cmds = xrealloc(t->cmds, (t->ncmds + 1) * sizeof(*t->cmds));
		memset(&t->cmds[t->ncmds], 0, sizeof(*t->cmds));
		for (int a = 0;; a++) {
			snprintf(key, sizeof(key), "cmd.%lld.%d", c, a);
			if (!(v = txrec_get(&t->header, key)))
				break;
			strv_push(&t->cmds[t->ncmds], v);
		}
		t->ncmds++;
	}
	for (long long d = 0; d < txrec_get_int(&t->header, "mkdirs", 0); d++) {
		snprintf(key, sizeof(key), "mkdir.%lld", d);
		if ((v = txrec_get(&t->header, key)))
			strv_push(&t->created_dirs, v);
	}
}

int tx_load(struct journal *j, const char *id, struct tx *t)
{
	struct strv names = {0};
	long max_entry = -1, max_state = -1, n_entries = 0, n_states = 0;
	bool have_header = false;
	int e;

	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->rel = xasprintf("tx/%s", id);
	e = rooted_list(j->dirfd, t->rel, ROOTED_NO_SYMLINKS, &names);
	if (e < 0)
		damaged(t, t->rel, e);
	for (size_t i = 0; i < names.n; i++) {
		const char *nm = names.v[i];
		char *rel = xasprintf("%s/%s", t->rel, nm);
		struct txrec r = {0};
		long k;
		if (strcmp(nm, "header") == 0) {
			if ((e = load_record(j, rel, &t->header)) < 0)
				damaged(t, nm, e);
			have_header = true;
		} else if ((k = record_index(nm, "entry.")) >= 0) {
			if ((e = load_record(j, rel, &r)) < 0) {
				damaged(t, nm, e);
			} else {
				while (t->nf <= (size_t)k)
					tx_add_file(t);
				read_entry(&t->f[k], &r);
			}
			n_entries++;
			max_entry = k > max_entry ? k : max_entry;
		} else if ((k = record_index(nm, "state.")) >= 0) {
			/* the state records are appended in order; the last one is the state */
			if ((e = load_record(j, rel, &r)) < 0 || !txrec_get(&r, "state")) {
				damaged(t, nm, e < 0 ? e : -EBADMSG);
				max_state = -2; /* the state cannot be trusted */
			} else if (max_state != -2 && k > max_state) {
				snprintf(t->state, sizeof(t->state), "%s", txrec_get(&r, "state"));
				max_state = k;
			}
			n_states++;
		}
		txrec_free(&r);
		free(rel);
	}
	strv_free(&names);
	if (max_state >= 0 && n_states != max_state + 1) {
		damaged(t, "a state record", -ENOENT);
		max_state = -2;
	}
	t->state_known = max_state != -2;
	t->nstate = max_state >= 0 ? (int)max_state + 1 : 0;
	if (!t->state_known)
		t->state[0] = '\0';
	if (have_header && t->header.kv.keys.n) {
		long long want = txrec_get_int(&t->header, "entries", -1);
		read_header(t);
		/* journals before "entries" promise only a gapless run */
		if ((want >= 0 && (n_entries != want || max_entry != want - 1)) ||
		    (want < 0 && n_entries != max_entry + 1))
			damaged(t, "an entry record", -ENOENT);
	} else if (!have_header && n_states && strcmp(t->state, "DISCARDED") != 0) {
		damaged(t, "the header", -ENOENT);
	}
	for (size_t i = 0; i < t->nf && !t->damage; i++)
		if (!t->f[i].path || !*t->f[i].path)
			damaged(t, "an entry record", -ENOENT);
	return t->damage ? -EBADMSG : 0;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct tx *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->id, y->id);
}

void tx_load_all(struct journal *j, struct tx **v, size_t *n)
{
	struct strv ids = {0};

	*v = NULL;
	*n = 0;
	tx_list_ids(j, &ids);
	for (size_t i = 0; i < ids.n; i++) {
		struct tx t;
		if (tx_load(j, ids.v[i], &t) == 0 && !t.header.kv.keys.n && !t.state[0]) {
			tx_free(&t); /* interrupted before it was prepared: nothing of it happened */
			continue;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = t;
	}
	strv_free(&ids);
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), cmp_seq);
}

void tx_free_all(struct tx *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tx_free(&v[i]);
	free(v);
}

long long tx_next_seq(struct journal *j)
{
	struct tx *v;
	size_t n;
	long long max = 0;

	tx_load_all(j, &v, &n);
	for (size_t i = 0; i < n; i++)
		if (v[i].seq > max)
			max = v[i].seq;
	tx_free_all(v, n);
	/* old journals have no numbers: count them, so new ones sort after */
	return (max ? max : (long long)n) + 1;
}
