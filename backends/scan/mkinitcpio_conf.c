/* mkinitcpio_conf.c - the modules mkinitcpio puts into the initramfs, as
 * the model's early loads (EFF_EARLY) with file and line.
 *
 * mkinitcpio sources etc/mkinitcpio.conf, then the *.conf of
 * etc/mkinitcpio.conf.d by name, with bash: MODULES=(a b) sets the array,
 * MODULES+=(c) appends, and the old string MODULES="a b" is split on
 * blanks (mkinitcpio's arrayize_config). Only these forms are followed; a
 * value built from other variables is not (the backend refuses to edit
 * such a file, so a plan never rests on it).
 */
#include "config.h"

#include "backends/scan/config_scan.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define OUR_DROPIN "etc/mkinitcpio.conf.d/vfioconf.conf"

struct early {
	char *mod;
	const char *file;
	int line;
};

struct early_list {
	struct early *v;
	size_t n, cap;
};

static void early_push(struct early_list *l, const char *s, size_t len, const char *file, int line)
{
	void *p = l->v;

	xgrow(&p, &l->cap, l->n + 1, sizeof(*l->v));
	l->v = p;
	l->v[l->n++] = (struct early){.mod = xstrndup(s, len), .file = file, .line = line};
}

static void early_clear(struct early_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].mod);
	l->n = 0;
}

/* The words of one value from p (after '='): an array up to its ')', a
 * quoted string, or a bare word; comments in an array skipped. */
static const char *value_words(const char *p, int *line, const char *file, struct early_list *l)
{
	char close = *p == '(' ? ')' : (*p == '"' || *p == '\'') ? *p : '\0';

	if (close)
		p++;
	while (*p) {
		size_t n;
		if (*p == '\n') {
			if (!close)
				break;
			++*line;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		if (close && *p == close)
			return p + 1;
		if (!close && *p == ';')
			break;
		if (close == ')' && *p == '#') { /* a comment inside the array */
			p += strcspn(p, "\n");
			continue;
		}
		if (close == ')' && (*p == '"' || *p == '\'')) {
			char q = *p++;
			n = strcspn(p, q == '"' ? "\"\n" : "'\n");
			if (n)
				early_push(l, p, n, file, *line);
			p += n + (p[n] == q);
			continue;
		}
		n = strcspn(p, close == ')' ? " \t\n)#" : close ? (close == '"' ? " \t\n\"" : " \t\n'") : " \t\n;");
		if (n)
			early_push(l, p, n, file, *line);
		p += n;
	}
	return p;
}

static void read_one(const struct config_scan_opts *o, const char *rel, struct early_list *l)
{
	char *text = NULL;
	int line = 1;

	if (config_read_as(o, rel, &text) < 0)
		return;
	for (const char *p = text; *p;) {
		const char *s = p + strspn(p, " \t");
		bool append = false;
		if (strncmp(s, "MODULES", 7) == 0 && (s[7] == '=' || (s[7] == '+' && s[8] == '='))) {
			append = s[7] == '+';
			if (!append)
				early_clear(l);
			p = value_words(s + 8 + append, &line, rel, l);
		}
		p += strcspn(p, "\n");
		if (*p == '\n') {
			p++;
			line++;
		}
	}
	free(text);
}

void mkinitcpio_conf_inputs(const struct config_scan_opts *o, struct eff_config *out)
{
	struct early_list l = {0};
	struct strv names = {0}, files = {0};
	char *t = NULL;

	if (config_read_as(o, "etc/mkinitcpio.conf", &t) < 0) {
		free(t);
		return; /* not a mkinitcpio system */
	}
	free(t);
	strv_push(&files, "etc/mkinitcpio.conf");
	config_list_as(o, "etc/mkinitcpio.conf.d", &names);
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		size_t n = strlen(names.v[i]);
		if (n > 5 && strcmp(names.v[i] + n - 5, ".conf") == 0) {
			char *rel = xasprintf("etc/mkinitcpio.conf.d/%s", names.v[i]);
			strv_push(&files, rel);
			free(rel);
		}
	}
	for (size_t i = 0; i < files.n; i++)
		read_one(o, files.v[i], &l);
	for (size_t i = 0; i < l.n; i++)
		eff_config_add(out, EFF_EARLY, l.v[i].mod, NULL, l.v[i].file, l.v[i].line,
			       strcmp(l.v[i].file, OUR_DROPIN) == 0);
	early_clear(&l);
	free(l.v);
	strv_free(&names);
	strv_free(&files);
}
