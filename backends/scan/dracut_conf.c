/* dracut_conf.c - dracut's configuration, followed as dracut.sh sources it. */
#include "config.h"

#include "backends/scan/dracut_conf.h"
#include "core/cmdline.h"

#include <stdlib.h>
#include <string.h>

#define OUR_DROPIN "etc/dracut.conf.d/10-vfioconf.conf"

static const char *const dracut_vars[] = {"force_drivers", "add_drivers", "uefi", "kernel_cmdline", NULL};

/* etc/dracut.conf, then the drop-ins by name, etc/ hiding usr/lib/ */
static void conf_files(const struct config_scan_opts *o, struct strv *out)
{
	static const char *const dirs[] = {"etc/dracut.conf.d", "usr/lib/dracut/dracut.conf.d", NULL};
	struct strv names = {0};
	char *t = NULL;

	if (config_read_as(o, "etc/dracut.conf", &t) == 0)
		strv_push(out, "etc/dracut.conf");
	free(t);
	for (const char *const *d = dirs; *d; d++)
		config_list_as(o, *d, &names);
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		size_t l = strlen(names.v[i]);
		if (l < 6 || strcmp(names.v[i] + l - 5, ".conf") != 0 || (i > 0 && strcmp(names.v[i], names.v[i - 1]) == 0))
			continue;
		for (const char *const *d = dirs; *d; d++) {
			char *rel = xasprintf("%s/%s", *d, names.v[i]);
			bool here = config_read_as(o, rel, &t) == 0;
			free(t);
			t = NULL;
			if (here) {
				strv_push(out, rel);
				free(rel);
				break;
			}
			free(rel);
		}
	}
	strv_free(&names);
}

static struct dracut_var *var_slot(struct dracut_conf *c, const char *name)
{
	return strcmp(name, "force_drivers") == 0 ? &c->force_drivers
	       : strcmp(name, "add_drivers") == 0 ? &c->add_drivers
	       : strcmp(name, "uefi") == 0	    ? &c->uefi
						    : &c->kernel_cmdline;
}

void dracut_conf_read(const struct config_scan_opts *o, struct dracut_conf *c)
{
	conf_files(o, &c->files);
	for (size_t i = 0; i < c->files.n && !c->bad; i++) {
		char *text = NULL;
		if (config_read_as(o, c->files.v[i], &text) < 0)
			continue;
		if (sh_source(text, &c->env, dracut_vars, &c->err) < 0)
			c->bad = xstrdup(c->files.v[i]);
		for (const char *const *v = dracut_vars; *v && !c->bad; v++) {
			int line = sh_last_assignment(text, *v);
			if (line) {
				var_slot(c, *v)->file = c->files.v[i];
				var_slot(c, *v)->line = line;
			}
		}
		free(text);
	}
	for (const char *const *v = dracut_vars; *v; v++)
		var_slot(c, *v)->value = sh_env_get(&c->env, *v);
}

void dracut_conf_free(struct dracut_conf *c)
{
	sh_env_free(&c->env);
	strv_free(&c->files);
	free(c->bad);
	sh_error_free(&c->err);
	memset(c, 0, sizeof(*c));
}

bool dracut_conf_uki(const struct dracut_conf *c)
{
	return c->uefi.value && strcmp(c->uefi.value, "yes") == 0;
}

/* The file and line a word of var's value comes from: the last file whose
 * last assignment of var has it, else where var was last assigned. */
static void word_origin(const struct config_scan_opts *o, const struct dracut_conf *c, const char *var,
			const char *word, const char **file, int *line)
{
	*file = var_slot((struct dracut_conf *)c, var)->file;
	*line = var_slot((struct dracut_conf *)c, var)->line;
	for (size_t i = c->files.n; i > 0; i--) {
		char *text = NULL;
		int l;
		bool found = false;
		if (config_read_as(o, c->files.v[i - 1], &text) < 0)
			continue;
		if ((l = sh_last_assignment(text, var))) {
			const char *p = text;
			for (int k = 1; k < l && p; k++)
				p = (p = strchr(p, '\n')) ? p + 1 : NULL;
			if (p) {
				char *ln = xstrndup(p, strcspn(p, "\n")), *save = NULL;
				char *eq = strchr(ln, '=');
				/* the value's words: blanks and quotes apart */
				for (char *x = eq ? strtok_r(eq + 1, " \t\"'", &save) : NULL; x && !found;
				     x = strtok_r(NULL, " \t\"'", &save))
					found = strcmp(x, word) == 0;
				free(ln);
			}
		}
		free(text);
		if (found) {
			*file = c->files.v[i - 1];
			*line = l;
			return;
		}
	}
}

void dracut_conf_inputs(const struct config_scan_opts *o, const struct dracut_conf *c, struct eff_config *out)
{
	static const char *const lists[] = {"force_drivers", "add_drivers", NULL};

	for (const char *const *v = lists; *v; v++) {
		const struct dracut_var *dv = var_slot((struct dracut_conf *)c, *v);
		struct strv words = {0};
		cmdline_split(dv->value ? dv->value : "", &words);
		for (size_t w = 0; w < words.n; w++) {
			const char *file;
			int line;
			word_origin(o, c, *v, words.v[w], &file, &line);
			if (file)
				eff_config_add(out, EFF_EARLY, words.v[w], NULL, file, line,
					       strcmp(file, OUR_DROPIN) == 0);
		}
		strv_free(&words);
	}
	if (dracut_conf_uki(c) && c->kernel_cmdline.value && c->kernel_cmdline.file) {
		struct strv words = {0};
		cmdline_split(c->kernel_cmdline.value, &words);
		for (size_t w = 0; w < words.n; w++)
			config_cmdline_word(NULL, words.v[w], c->kernel_cmdline.file, c->kernel_cmdline.line, out);
		strv_free(&words);
	}
}
