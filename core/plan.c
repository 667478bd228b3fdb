/* plan.c - file changes and commands, rendered as diffs or JSON. */
#include "config.h"

#include "core/plan.h"
#include "core/i18n.h"
#include "core/diff.h"
#include "core/json.h"

#include <stdlib.h>
#include <string.h>

static struct plan_file *find(const struct plan *p, const char *path)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (strcmp(p->files[i].path, path) == 0)
			return &p->files[i];
	return NULL;
}

int plan_current(const struct plan *p, const char *path, const char **text, size_t *len)
{
	const struct plan_file *f = find(p, path);

	if (!f)
		return 0;
	*text = f->new;
	if (len)
		*len = f->new_len;
	return 1;
}

static char *dup_bytes(const char *s, size_t n)
{
	char *d;

	if (!s)
		return NULL;
	d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static bool same(const char *a, size_t al, const char *b, size_t bl)
{
	if (!a || !b)
		return a == b;
	return al == bl && memcmp(a, b, al) == 0;
}

void plan_set_file(struct plan *p, const char *path, const char *old, size_t old_len, const char *new,
		   size_t new_len, unsigned mode, const char *reason)
{
	struct plan_file *f = find(p, path);

	if (!f) {
		if (same(old, old_len, new, new_len))
			return;
		p->files = xrealloc(p->files, (p->n_files + 1) * sizeof(*p->files));
		f = &p->files[p->n_files++];
		memset(f, 0, sizeof(*f));
		f->path = xstrdup(path);
		f->old = dup_bytes(old, old_len);
		f->old_len = old ? old_len : 0;
		f->mode = mode;
	} else {
		free(f->new);
	}
	f->new = dup_bytes(new, new_len);
	f->new_len = new ? new_len : 0;
	if (reason)
		strv_push_unique(&f->reasons, reason);
}

void plan_add_cmd(struct plan *p, const char *const *argv, const char *reason)
{
	struct plan_cmd *c;

	for (size_t i = 0; i < p->n_cmds; i++) {
		size_t k = 0;
		while (argv[k] && k < p->cmds[i].argv.n && strcmp(argv[k], p->cmds[i].argv.v[k]) == 0)
			k++;
		if (!argv[k] && k == p->cmds[i].argv.n)
			return;
	}
	p->cmds = xrealloc(p->cmds, (p->n_cmds + 1) * sizeof(*p->cmds));
	c = &p->cmds[p->n_cmds++];
	memset(c, 0, sizeof(*c));
	for (size_t k = 0; argv[k]; k++)
		strv_push(&c->argv, argv[k]);
	c->reason = xstrdup_or_null(reason);
}

char *plan_check_describe(const struct plan_check *c)
{
	struct strbuf sb = {0};

	if (c->kind == PLAN_CHECK_CONTAINS) {
		strbuf_printf(&sb, "contains %s %s", c->path, c->text);
	} else {
		strbuf_printf(&sb, "lists %s %s ", c->lister, c->path);
		for (size_t i = 0; i < c->any.n; i++)
			strbuf_printf(&sb, "%s%s", i ? "|" : "", c->any.v[i]);
	}
	return strbuf_detach(&sb);
}

static void add_check(struct plan *p, const struct plan_check *c)
{
	char *want = plan_check_describe(c);
	bool dup = false;

	for (size_t i = 0; i < p->n_checks && !dup; i++) {
		char *have = plan_check_describe(&p->checks[i]);
		dup = strcmp(have, want) == 0;
		free(have);
	}
	free(want);
	if (dup)
		return;
	p->checks = xrealloc(p->checks, (p->n_checks + 1) * sizeof(*p->checks));
	p->checks[p->n_checks] = (struct plan_check){
		.kind = c->kind, .path = xstrdup(c->path), .text = xstrdup_or_null(c->text),
		.lister = xstrdup_or_null(c->lister)};
	for (size_t i = 0; i < c->any.n; i++)
		strv_push(&p->checks[p->n_checks].any, c->any.v[i]);
	p->n_checks++;
}

void plan_add_contains_check(struct plan *p, const char *path, const char *text)
{
	struct plan_check c = {.kind = PLAN_CHECK_CONTAINS, .path = (char *)path, .text = (char *)text};

	add_check(p, &c);
}

void plan_add_lists_check(struct plan *p, const char *lister, const char *image_glob, const char *what,
			  const char *const *any)
{
	struct plan_check c = {.kind = PLAN_CHECK_LISTS, .path = (char *)image_glob, .text = (char *)what,
			       .lister = (char *)lister};

	for (; *any; any++)
		strv_push(&c.any, *any);
	add_check(p, &c);
	strv_free(&c.any);
}

void plan_add_artifact(struct plan *p, const char *glob)
{
	strv_push_unique(&p->artifacts, glob);
}

size_t plan_changed_files(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_files; i++)
		if (!same(p->files[i].old, p->files[i].old_len, p->files[i].new, p->files[i].new_len))
			n++;
	return n;
}

bool plan_empty(const struct plan *p)
{
	return plan_changed_files(p) == 0;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].path);
		free(p->files[i].old);
		free(p->files[i].new);
		strv_free(&p->files[i].reasons);
	}
	free(p->files);
	for (size_t i = 0; i < p->n_cmds; i++) {
		strv_free(&p->cmds[i].argv);
		free(p->cmds[i].reason);
	}
	free(p->cmds);
	strv_free(&p->refusals);
	strv_free(&p->warnings);
	strv_free(&p->notes);
	strv_free(&p->outcome);
	strv_free(&p->backends);
	for (size_t i = 0; i < p->n_checks; i++) {
		free(p->checks[i].path);
		free(p->checks[i].text);
		free(p->checks[i].lister);
		strv_free(&p->checks[i].any);
	}
	free(p->checks);
	strv_free(&p->artifacts);
	strv_free(&p->vanish);
	strv_free(&p->rmdirs);
	strv_free(&p->params);
	memset(p, 0, sizeof(*p));
}

/* The diff, or for an empty file made or removed a line saying so (patch
 * reads it as a comment). */
static void file_diff(struct strbuf *out, const struct plan_file *f)
{
	if (diff_unified(out, f->path, f->old, f->old_len, f->new, f->new_len, 3) ||
	    same(f->old, f->old_len, f->new, f->new_len))
		return;
	if (!f->old) {
		/* TRANSLATORS: what became of a file, after its path in a plan */
		strbuf_printf(out, "# %s: %s\n", f->path, _("created, empty"));
	} else if (!f->new) {
		/* TRANSLATORS: what became of a file, after its path in a plan */
		strbuf_printf(out, "# %s: %s\n", f->path, _("removed (it was empty)"));
	}
}

void plan_render_diff(const struct plan *p, struct strbuf *out)
{
	for (size_t i = 0; i < p->n_files; i++)
		file_diff(out, &p->files[i]);
}

/* A shell-quoted argv, for people to read and paste. */
static void render_argv(struct strbuf *out, const struct strv *argv)
{
	for (size_t k = 0; k < argv->n; k++) {
		const char *a = argv->v[k];
		bool plain = *a != '\0';
		for (const char *c = a; *c; c++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,+@%", *c))
				plain = false;
		if (k)
			strbuf_putc(out, ' ');
		if (plain) {
			strbuf_puts(out, a);
			continue;
		}
		strbuf_putc(out, '\'');
		for (const char *c = a; *c; c++) {
			if (*c == '\'')
				strbuf_puts(out, "'\\''");
			else
				strbuf_putc(out, *c);
		}
		strbuf_putc(out, '\'');
	}
}

void plan_render_text(const struct plan *p, struct strbuf *out)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct plan_file *f = &p->files[i];
		if (same(f->old, f->old_len, f->new, f->new_len))
			continue;
		for (size_t r = 0; r < f->reasons.n; r++)
			strbuf_printf(out, "# %s: %s\n", f->path, f->reasons.v[r]);
		file_diff(out, f);
	}
	if (p->n_cmds) {
		strbuf_puts(out, _("# then run:\n"));
		for (size_t i = 0; i < p->n_cmds; i++) {
			strbuf_puts(out, "#   ");
			render_argv(out, &p->cmds[i].argv);
			if (p->cmds[i].reason)
				strbuf_printf(out, "    (%s)", p->cmds[i].reason);
			strbuf_putc(out, '\n');
		}
	}
}

void plan_render_json(const struct plan *p, struct strbuf *out)
{
	struct json j;

	json_init(&j, out, true);
	json_obj_begin(&j);
	plan_json_members(p, &j);
	json_obj_end(&j);
	strbuf_putc(out, '\n');
}

void plan_json_members(const struct plan *p, struct json *j)
{
	json_kbool(j, "empty", plan_empty(p));
	json_kstrv(j, "outcome", &p->outcome);
	json_kstrv(j, "backends", &p->backends);
	json_key(j, "files");
	json_arr_begin(j);
	for (size_t i = 0; i < p->n_files; i++) {
		const struct plan_file *f = &p->files[i];
		struct strbuf d = {0};
		if (same(f->old, f->old_len, f->new, f->new_len))
			continue;
		diff_unified(&d, f->path, f->old, f->old_len, f->new, f->new_len, 3);
		json_obj_begin(j);
		json_kstr(j, "path", f->path);
		json_kstr(j, "action", !f->old ? "create" : !f->new ? "remove" : "modify");
		json_kstr(j, "old", f->old);
		json_kstr(j, "new", f->new);
		json_kstr(j, "diff", strbuf_str(&d));
		json_kstrv(j, "reasons", &f->reasons);
		json_obj_end(j);
		strbuf_free(&d);
	}
	json_arr_end(j);
	json_key(j, "commands");
	json_arr_begin(j);
	for (size_t i = 0; i < p->n_cmds; i++) {
		json_obj_begin(j);
		json_kstrv(j, "argv", &p->cmds[i].argv);
		json_kstr(j, "reason", p->cmds[i].reason);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "checks");
	json_arr_begin(j);
	for (size_t i = 0; i < p->n_checks; i++) {
		char *d = plan_check_describe(&p->checks[i]);
		json_str(j, d);
		free(d);
	}
	json_arr_end(j);
	json_kstrv(j, "refusals", &p->refusals);
	json_kstrv(j, "warnings", &p->warnings);
	json_kstrv(j, "notes", &p->notes);
}
