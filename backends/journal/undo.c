/* undo.c - taking committed transactions back, as new transactions: undo
 * of one, rollback of everything since vfioconf's first change. */
#include "config.h"

#include "backends/journal/tx.h"
#include "core/i18n.h"
#include "backends/sys/mounts.h"
#include "backends/sys/sysroot.h"
#include "core/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds "ITEM.0" .. "ITEM.n-1" of a header record (n from "COUNT"). */
static void header_list(const struct txrec *hdr, const char *count, const char *item, struct strv *into)
{
	for (long long a = 0; a < txrec_get_int(hdr, count, 0); a++) {
		char key[64];
		snprintf(key, sizeof(key), "%s.%lld", item, a);
		if (txrec_get(hdr, key))
			strv_push_unique(into, txrec_get(hdr, key));
	}
}

/* Builds the plan that takes the files of txs back to their pre state:
 * for each path, the pre of the first tx touching it; current must be the
 * post of the last one (drift otherwise). */
static int reverse_plan(struct journal *j, struct tx *txs, size_t n, bool force, bool dry, struct plan *p)
{
	/* the paths the last tx touching them has decided: a file that ends as
	 * it began (an apply and its undo) leaves no change in the plan, yet
	 * the earlier txs' posts must not be held against it */
	struct strv decided = {0};
	int drift = 0;

	for (size_t k = n; k > 0; k--) {
		struct tx *t = &txs[k - 1];
		for (size_t i = 0; i < t->nf; i++) {
			struct tx_file *f = &t->f[i];
			struct file_state cur;
			char sha[65];
			bool seen = false;
			if (f->artifact)
				continue;
			/* the earliest pre of this path */
			struct tx *first = t;
			size_t fi = i;
			for (size_t q = 0; q < k - 1 && !seen; q++)
				for (size_t m = 0; m < txs[q].nf; m++)
					if (!txs[q].f[m].artifact && strcmp(txs[q].f[m].path, f->path) == 0) {
						first = &txs[q];
						fi = m;
						seen = true;
						break;
					}
			if (strv_contains(&decided, f->path))
				continue; /* the latest tx touching it already decided */
			strv_push(&decided, f->path);
			if (file_state_read_at(j->rootfd, f->path, ROOTED_FOLLOW, &cur) < 0) {
				drift++;
				continue;
			}
			if (cur.exists)
				sha256_hex(cur.bytes, cur.len, sha);
			if (cur.exists != f->post_exists || (cur.exists && strcmp(sha, f->post_sha) != 0)) {
				char *pre = NULL, *post = NULL;
				size_t pl = 0, ql = 0;
				if (first->f[fi].pre_exists)
					tx_read_blob(j, first, "pre", fi, &pre, &pl);
				if (f->post_exists)
					tx_read_blob(j, t, "post", i, &post, &ql);
				log_error(j->log, "%s/%s: changed by hand since vfioconf wrote it", j->root, f->path);
				journal_say(j, _("%s was changed by hand since vfioconf wrote it:\n"), f->path);
				journal_say(j, "--- before vfioconf\n%s%s--- as vfioconf wrote it\n%s%s--- now\n%s%s",
					    pre ? pre : "(no file)\n", pre && pl && pre[pl - 1] != '\n' ? "\n" : "",
					    post ? post : "(no file)\n", post && ql && post[ql - 1] != '\n' ? "\n" : "",
					    cur.exists ? cur.bytes : "(no file)\n",
					    cur.exists && cur.len && cur.bytes[cur.len - 1] != '\n' ? "\n" : "");
				free(pre);
				free(post);
				if (!force) {
					drift++;
					file_state_free(&cur);
					continue;
				}
				/* keep the hand-edited copy beside it */
				if (cur.exists && !dry) {
					char *keep = xasprintf("%s.vfioconf-local-%s", f->path, t->id);
					int e = atomic_write_at(j->rootfd, keep, ROOTED_FOLLOW, cur.bytes, cur.len, cur.mode,
								cur.uid, cur.gid, "keep", "keep", NULL);
					if (e < 0) {
						/* never overwrite a hand edit without its copy */
						log_error(j->log, "%s/%s: cannot keep the hand-edited copy: %s", j->root, keep,
							  strerror(-e));
						drift++;
						free(keep);
						file_state_free(&cur);
						continue;
					}
					journal_say(j, _("kept the hand-edited copy as %s\n"), keep);
					free(keep);
				}
			}
			{
				char *pre = NULL;
				size_t pl = 0;
				int e = first->f[fi].pre_exists ? tx_read_blob_checked(j, first, "pre", fi,
										      first->f[fi].pre_sha, &pre, &pl)
								: 0;
				if (e < 0) {
					log_error(j->log, "%s/%s: the journal's copy of %s is %s: nothing was changed",
						  j->dir, first->rel, f->path,
						  e == -EBADMSG ? "damaged (it fails its checksum)" : "unreadable");
					drift++;
				} else {
					plan_set_file(p, f->path, cur.bytes, cur.len, pre, pl, first->f[fi].pre_mode,
						      "back to how it was before vfioconf");
				}
				free(pre);
			}
			file_state_free(&cur);
		}
		for (size_t c = 0; c < t->ncmds; c++) {
			const char **argv = xcalloc(t->cmds[c].n + 1, sizeof(char *));
			for (size_t a = 0; a < t->cmds[c].n; a++)
				argv[a] = t->cmds[c].v[a];
			plan_add_cmd(p, argv, "regenerate with the restored files");
			free(argv);
		}
		/* what those commands regenerate: as declared, and as copied */
		header_list(&t->header, "artifacts", "artifact", &p->artifacts);
		for (size_t i = 0; i < t->nf; i++)
			if (t->f[i].artifact)
				plan_add_artifact(p, t->f[i].path);
		header_list(&t->header, "vanish", "vanish", &p->vanish);
		for (size_t d = 0; d < t->created_dirs.n; d++)
			strv_push_unique(&p->rmdirs, t->created_dirs.v[d]);
	}
	strv_free(&decided);
	return drift ? -EEXIST : 0;
}

static bool undone(struct tx *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		const char *of = txrec_get(&v[i].header, "of");
		if (strcmp(v[i].state, "COMMITTED") == 0 && of && strcmp(of, id) == 0)
			return true;
	}
	return false;
}

/* Why transaction v[pick] cannot be undone as it stands, from the
 * transactions after it (NULL: it can): already undone, taken back by a
 * rollback, or a file of it changed again by a later transaction still in
 * force (not the user's hand: say which, and what to undo first).
 * Caller frees. */
static char *undo_blocked(struct tx *v, size_t n, size_t pick, bool force)
{
	char sid[16];

	for (size_t i = pick + 1; i < n; i++) {
		const char *kind = txrec_get(&v[i].header, "kind"), *of = txrec_get(&v[i].header, "of");
		if (strcmp(v[i].state, "COMMITTED") != 0)
			continue;
		journal_short_id(v[i].id, sid);
		if (of && strcmp(of, v[pick].id) == 0)
			return xasprintf("it was undone already, by %s (%s)", sid, v[i].id);
		if (kind && strcmp(kind, "rollback") == 0)
			return xasprintf("the rollback %s (%s) took it back already", sid, v[i].id);
	}
	if (force)
		return NULL;
	for (size_t i = n; i > pick + 1; i--) {
		struct tx *l = &v[i - 1];
		const char *kind = txrec_get(&l->header, "kind");
		if (strcmp(l->state, "COMMITTED") != 0 || undone(v, n, l->id) || (kind && strcmp(kind, "undo") == 0))
			continue;
		for (size_t a = 0; a < v[pick].nf; a++)
			for (size_t b = 0; b < l->nf; b++)
				if (!v[pick].f[a].artifact && !l->f[b].artifact &&
				    strcmp(v[pick].f[a].path, l->f[b].path) == 0) {
					journal_short_id(l->id, sid);
					return xasprintf("the later transaction %s (%s, %s) changed %s again; undo "
							 "that one first ('vfioconf undo %s'), or use --force",
							 sid, txrec_get(&l->header, "created") ? txrec_get(&l->header, "created") : "?",
							 txrec_get(&l->header, "kind") ? txrec_get(&l->header, "kind") : "?",
							 l->f[b].path, sid);
				}
	}
	return NULL;
}

/* Undo and rollback stand on every transaction's records: a damaged one
 * (its state or its files unknown) stops them, with RECOVERY.txt. */
static int refuse_damaged(struct journal *j, const struct tx *v, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].damage) {
			char *why = xasprintf("A record of it is damaged or missing: %s. Undo and rollback stand on "
					      "every transaction's records, so they change nothing.", v[i].damage);
			char *path = tx_write_recovery(j, &v[i], why);
			log_error(j->log, "transaction %s: %s: nothing was changed; see %s", v[i].id, v[i].damage,
				  path ? path : "its directory");
			free(path);
			free(why);
			r = -EBADMSG;
		}
	return r;
}

/* The file systems the transactions wrote must be mounted before their
 * files are compared: an unmounted /boot looks like files changed by hand. */
static int mounted_for(struct journal *j, const struct tx *txs, size_t n)
{
	struct strv paths = {0};
	int e;

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < txs[k].nf; i++) {
			const char *p = txs[k].f[i].path, *s = strrchr(p, '/');
			char *dir = txs[k].f[i].artifact && s ? xstrndup(p, (size_t)(s - p)) : xstrdup(p);
			strv_push_unique(&paths, dir);
			free(dir);
		}
	e = mounts_check(j->rootfd, j->root, &paths, j->log);
	strv_free(&paths);
	return e;
}

/* The reverse plan of an undo (txid, NULL: the last one not undone) or
 * of a rollback, and which transaction an undo takes back (*of, caller
 * frees). */
static int reverse_for(struct journal *j, const char *txid, bool rollback, bool force, bool dry,
		       struct plan *p, char **of)
{
	struct tx *v, *c = NULL, *sel;
	size_t n, nc = 0, ns = 0, pick = (size_t)-1;
	int e;

	*of = NULL;
	tx_load_all(j, &v, &n);
	if ((e = refuse_damaged(j, v, n)) < 0)
		goto out;
	if (!rollback) {
		struct strbuf hits = {0};
		size_t nhits = 0;
		for (size_t i = n; i > 0; i--) {
			struct tx *t = &v[i - 1];
			if (txid ? journal_id_matches(t->id, txid)
				 : (strcmp(t->state, "COMMITTED") == 0 && !undone(v, n, t->id))) {
				if (pick == (size_t)-1)
					pick = i - 1;
				strbuf_printf(&hits, "%s%s", nhits++ ? ", " : "", t->id);
				if (!txid)
					break;
			}
		}
		if (nhits > 1) /* a short ID two transactions share: never guess */
			log_error(j->log, "%s names %zu transactions (%s): give more of its ID", txid, nhits, hits.buf);
		strbuf_free(&hits);
		if (nhits > 1) {
			e = -EINVAL;
			goto out;
		}
		if (pick == (size_t)-1 && txid && strlen(txid) < 4) {
			/* journal_id_matches: a shorter prefix would guess too easily */
			log_error(j->log, "'%s' is too short for a transaction ID: give at least 4 of its characters "
					  "('vfioconf history' shows them)",
				  txid);
			e = -EINVAL;
			goto out;
		}
		if (pick == (size_t)-1) {
			log_error(j->log, txid ? "no transaction %s in %s/tx" : "nothing to undo%s%s", txid ? txid : "",
				  txid ? j->dir : "");
			e = -ENOENT;
			goto out;
		}
		if (strcmp(v[pick].state, "COMMITTED") != 0) {
			log_error(j->log, "transaction %s is %s, not committed: there is nothing of it to undo",
				  v[pick].id, v[pick].state);
			e = -EINVAL;
			goto out;
		}
		{
			char *why = undo_blocked(v, n, pick, force);
			if (why) {
				char sid[16];
				/* the short ID, as history shows it and the reason names the rest */
				journal_short_id(v[pick].id, sid);
				log_error(j->log, "transaction %s cannot be undone: %s", sid, why);
				free(why);
				e = -EALREADY;
				goto out;
			}
		}
		*of = xstrdup(v[pick].id);
		if ((e = mounted_for(j, &v[pick], 1)) == 0)
			e = reverse_plan(j, &v[pick], 1, force, dry, p);
		goto out;
	}
	/* the committed transactions since the last committed rollback */
	for (size_t i = 0; i < n; i++) {
		const char *kind = txrec_get(&v[i].header, "kind");
		if (strcmp(v[i].state, "COMMITTED") != 0)
			continue;
		if (kind && strcmp(kind, "rollback") == 0) {
			nc = 0;
			c = NULL;
			continue;
		}
		if (!c)
			c = &v[i];
		nc = (size_t)(&v[i] - c) + 1;
	}
	if (!nc) {
		log_info(j->log, "nothing to roll back: vfioconf has no change in force");
		e = -ENODATA;
		goto out;
	}
	/* only committed ones count; the others are in between */
	sel = xcalloc(nc, sizeof(*sel));
	for (size_t i = 0; i < nc; i++)
		if (strcmp(c[i].state, "COMMITTED") == 0)
			sel[ns++] = c[i];
	if ((e = mounted_for(j, sel, ns)) == 0)
		e = reverse_plan(j, sel, ns, force, dry, p);
	free(sel);
out:
	tx_free_all(v, n);
	return e;
}

int journal_undo(struct journal *j, const char *txid, const struct tx_opts *o, char **new_txid)
{
	struct plan p = {0};
	struct tx_opts uo = *o;
	char *of;
	int e = reverse_for(j, txid, false, o->force, false, &p, &of);

	if (e == 0) {
		uo.kind = "undo";
		uo.of = of;
		e = journal_apply(j, &p, &uo, new_txid);
	}
	free(of);
	plan_free(&p);
	return e;
}

int journal_rollback(struct journal *j, const struct tx_opts *o, char **new_txid)
{
	struct plan p = {0};
	struct tx_opts ro = *o;
	char *of;
	int e = reverse_for(j, NULL, true, o->force, false, &p, &of);

	if (e == 0) {
		ro.kind = "rollback";
		e = journal_apply(j, &p, &ro, new_txid);
	}
	free(of);
	plan_free(&p);
	return e;
}

int journal_reverse_preview(struct journal *j, const char *txid, bool rollback, bool force, struct plan *p)
{
	char *of;
	int e = reverse_for(j, txid, rollback, force, true, p, &of);

	free(of);
	return e;
}
