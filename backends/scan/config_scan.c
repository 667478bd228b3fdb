/* config_scan.c - the inputs of the effective-configuration model. */
#include "config.h"

#include "backends/scan/config_scan.h"
#include "backends/scan/dracut_conf.h"
#include "backends/sys/rooted.h"
#include "core/cmdline.h"
#include "core/intent.h"
#include "core/param_review.h"
#include "core/shellvar.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const config_modprobe_dirs[] = {"etc/modprobe.d", "run/modprobe.d", "usr/local/lib/modprobe.d",
					    "lib/modprobe.d", "usr/lib/modprobe.d", NULL};

/* ---- the root's files, as the plan leaves them ---- */

int config_read_as(const struct config_scan_opts *o, const char *rel, char **text)
{
	const char *cur;
	char *res = NULL;
	int r;

	if (o->plan && root_resolve(o->sr->root, rel, &res) == 0 && plan_current(o->plan, res, &cur, NULL)) {
		free(res);
		if (!cur)
			return -ENOENT;
		*text = xstrdup(cur);
		return 0;
	}
	free(res);
	r = rooted_read_path(o->sr->root, rel, 4u << 20, text, NULL);
	return r;
}

/* The names in dir (on disk, plus what the plan makes there, less what it
 * removes), sorted. */
void config_list_as(const struct config_scan_opts *o, const char *dir, struct strv *out)
{
	struct strv names = {0};
	int base = rooted_base(o->sr->root);
	size_t dl = strlen(dir);

	if (base >= 0) {
		rooted_list(base, dir, ROOTED_FOLLOW, &names);
		close(base);
	}
	for (size_t i = 0; o->plan && i < o->plan->n_files; i++) {
		const struct plan_file *f = &o->plan->files[i];
		if (strncmp(f->path, dir, dl) == 0 && f->path[dl] == '/' && !strchr(f->path + dl + 1, '/') && f->new)
			strv_push_unique(&names, f->path + dl + 1);
	}
	for (size_t i = 0; i < names.n; i++) {
		char *rel = xasprintf("%s/%s", dir, names.v[i]), *t = NULL;
		if (config_read_as(o, rel, &t) == 0 || !o->plan)
			strv_push(out, names.v[i]);
		free(t);
		free(rel);
	}
	strv_sort(out);
	strv_free(&names);
}

/* ---- modprobe.d, through libkmod ---- */

struct mline {
	char *file;   /* root-relative */
	int line;     /* where the logical line starts */
	char *cmd, *mod, *rest;
	bool used;
};

/* Blanks folded to one space, the ends trimmed: libkmod keeps the rest of
 * a line as written (tabs as spaces). */
static char *fold(const char *s)
{
	struct strbuf sb = {0};
	bool blank = false;

	for (s += strspn(s, " \t"); *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			blank = true;
			continue;
		}
		if (blank && sb.len)
			strbuf_putc(&sb, ' ');
		blank = false;
		strbuf_putc(&sb, *s);
	}
	return strbuf_detach(&sb);
}

static char *underscores(const char *m)
{
	char *s = xstrdup(m);

	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

/* The logical lines of one file (a backslash joins the next), as kmod
 * splits them. */
static void split_lines(const char *file, const char *text, struct mline **v, size_t *n)
{
	int line = 1;

	for (const char *p = text; *p;) {
		struct strbuf sb = {0};
		int start = line;
		char *copy, *save = NULL, *cmd, *mod;
		const char *rest;
		for (;;) {
			size_t l = strcspn(p, "\n");
			bool cont = l > 0 && p[l - 1] == '\\';
			strbuf_add(&sb, p, cont ? l - 1 : l);
			p += l;
			if (*p == '\n') {
				p++;
				line++;
			}
			if (!cont || !*p)
				break;
		}
		copy = strbuf_detach(&sb);
		if (copy[0] != '#' && (cmd = strtok_r(copy, "\t ", &save)) && (mod = strtok_r(NULL, "\t ", &save))) {
			rest = save ? save : "";
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = (struct mline){.file = xstrdup(file), .line = start, .cmd = xstrdup(cmd),
						      .mod = underscores(mod), .rest = fold(rest)};
		}
		free(copy);
	}
}

/* The line a libkmod entry comes from: the next unused one that says the
 * same. NULL for an entry of no file (kmod adds the running kernel's
 * command line). */
static struct mline *locate(struct mline *v, size_t n, const char *cmd, const char *key, const char *value)
{
	char *k = underscores(key), *val = value ? fold(value) : xstrdup("");
	struct mline *hit = NULL;

	for (size_t i = 0; i < n && !hit; i++)
		if (!v[i].used && strcmp(v[i].cmd, cmd) == 0 && strcmp(v[i].mod, k) == 0 &&
		    (strcmp(cmd, "blacklist") == 0 || strcmp(v[i].rest, val) == 0))
			hit = &v[i];
	if (hit)
		hit->used = true;
	free(k);
	free(val);
	return hit;
}

static void from_kmod(struct kmod_ctx *ctx, struct mline *lines, size_t n, struct eff_config *out)
{
	static const struct {
		const char *cmd;
		enum eff_kind kind;
		struct kmod_config_iter *(*get)(const struct kmod_ctx *);
	} kinds[] = {
		{"options", EFF_OPTIONS, kmod_config_get_options},
		{"install", EFF_INSTALL, kmod_config_get_install_commands},
		{"blacklist", EFF_BLACKLIST, kmod_config_get_blacklists},
		{"softdep", EFF_SOFTDEP, kmod_config_get_softdeps},
	};

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct kmod_config_iter *it = kinds[k].get(ctx);
		while (it && kmod_config_iter_next(it)) {
			const char *key = kmod_config_iter_get_key(it), *value = kmod_config_iter_get_value(it);
			struct mline *l = locate(lines, n, kinds[k].cmd, key, value);
			if (l)
				eff_config_add(out, kinds[k].kind, key, value, l->file, l->line,
					       strcmp(l->file, MODPROBE_PATH) == 0);
		}
		kmod_config_iter_free_iter(it);
	}
}

/* The .conf files kmod reads: sorted by name, a name in an earlier
 * directory hiding the same name later. Copied (as the plan leaves them)
 * into tmp, for libkmod. */
static int modprobe(const struct config_scan_opts *o, struct eff_config *out, struct log *log)
{
	char tmp[] = "/tmp/vfioconf-modprobe.XXXXXX";
	struct strv seen = {0}, order = {0};
	struct mline *lines = NULL;
	size_t nlines = 0;
	struct kmod_ctx *ctx;
	const char *cfg[2] = {tmp, NULL};
	int r = 0;

	if (!mkdtemp(tmp)) {
		r = -errno;
		log_warn(log, "%s: %s; modprobe.d not read", tmp, strerror(-r));
		return r;
	}
	for (const char *const *d = config_modprobe_dirs; *d; d++) {
		struct strv names = {0};
		config_list_as(o, *d, &names);
		for (size_t i = 0; i < names.n; i++) {
			size_t l = strlen(names.v[i]);
			if (l > 5 && strcmp(names.v[i] + l - 5, ".conf") == 0 && !strv_contains(&seen, names.v[i])) {
				char *rel = xasprintf("%s/%s", *d, names.v[i]);
				strv_push(&seen, names.v[i]);
				strv_push(&order, rel);
				free(rel);
			}
		}
		strv_free(&names);
	}
	/* kmod's order: by name over all directories */
	for (size_t i = 1; i < order.n; i++)
		for (size_t k = i; k > 0 && strcmp(path_basename(order.v[k - 1]), path_basename(order.v[k])) > 0; k--) {
			char *t = order.v[k];
			order.v[k] = order.v[k - 1];
			order.v[k - 1] = t;
		}
	for (size_t i = 0; i < order.n; i++) {
		char *text = NULL, *dst;
		FILE *f;
		if (config_read_as(o, order.v[i], &text) < 0)
			continue;
		split_lines(order.v[i], text, &lines, &nlines);
		dst = path_join(tmp, path_basename(order.v[i]));
		if ((f = fopen(dst, "we"))) {
			fputs(text, f);
			fclose(f);
		}
		free(dst);
		free(text);
	}
	ctx = kmod_new(NULL, cfg);
	if (ctx) {
		kmod_set_log_priority(ctx, 0);
		from_kmod(ctx, lines, nlines, out);
		kmod_unref(ctx);
	} else {
		r = -ENOMEM;
		log_warn(log, "libkmod could not read %s/etc/modprobe.d", o->sr->root);
	}
	for (size_t i = 0; i < order.n; i++) {
		char *dst = path_join(tmp, path_basename(order.v[i]));
		unlink(dst);
		free(dst);
	}
	rmdir(tmp);
	for (size_t i = 0; i < nlines; i++) {
		free(lines[i].file);
		free(lines[i].cmd);
		free(lines[i].mod);
		free(lines[i].rest);
	}
	free(lines);
	strv_free(&seen);
	strv_free(&order);
	return r;
}

/* ---- kernel command lines ---- */

static bool ours_param(const struct config_scan_opts *o, const char *param)
{
	for (size_t i = 0; o->our_params && i < o->our_params->n; i++)
		if (eff_module_eq(o->our_params->v[i], param))
			return true;
	return false;
}

bool config_cmdline_word(const struct config_scan_opts *o, const char *word, const char *file, int line,
			 struct eff_config *out)
{
	bool vfio = strncmp(word, "vfio-pci.", 9) == 0 || strncmp(word, "vfio_pci.", 9) == 0;

	if (!vfio && !param_review_watched(word))
		return false;
	if (out && vfio && strchr(word, '='))
		eff_config_add(out, EFF_CMDLINE, "vfio_pci", word + 9, file, line, o && ours_param(o, word));
	else if (out && !vfio)
		eff_config_add(out, EFF_PARAM, "", word, file, line, o && ours_param(o, word));
	return true;
}

/* The words of one line of text that config_cmdline_word keeps: any that
 * starts after a blank, a quote or '=' (GRUB_CMDLINE_LINUX=vfio-pci.ids=). */
static void cmdline_words(const struct config_scan_opts *o, const char *line, size_t len, const char *file,
			  int lineno, struct eff_config *out)
{
	for (size_t i = 0; i < len; i++) {
		const char *p = line + i;
		size_t w;
		char *word;
		if (i > 0 && !strchr(" \t\"'=", line[i - 1]))
			continue;
		w = strcspn(p, " \t\"'\n");
		if (w > len - i)
			w = len - i;
		word = xstrndup(p, w);
		if (config_cmdline_word(o, word, file, lineno, out))
			i += w;
		free(word);
	}
}

/* GRUB builds the line as ${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}:
 * what the _DEFAULT assignments carry comes after the rest, in any order
 * the file has them. */
static void cmdline_text(const struct config_scan_opts *o, const char *text, const char *file,
			 struct eff_config *out)
{
	for (int pass = 0; pass < 2; pass++) {
		int lineno = 1;
		for (const char *p = text; *p; lineno++) {
			size_t l = strcspn(p, "\n");
			size_t b = strspn(p, " \t");
			bool late = str_starts_with(p + b, "GRUB_CMDLINE_LINUX_DEFAULT");
			if (b < l && p[b] != '#' && late == (pass == 1))
				cmdline_words(o, p, l, file, lineno, out);
			p += l + (p[l] == '\n');
		}
	}
}

/* The files that match a glob: on disk and as the plan makes them. */
static void expand(const struct config_scan_opts *o, const char *pattern, struct strv *out)
{
	char *full = path_join(o->sr->root, pattern);
	size_t skip = strcmp(o->sr->root, "/") == 0 ? 1 : strlen(o->sr->root) + 1;
	glob_t g;

	if (glob(full, 0, NULL, &g) == 0) {
		for (size_t k = 0; k < g.gl_pathc; k++)
			if (strlen(g.gl_pathv[k]) > skip)
				strv_push_unique(out, g.gl_pathv[k] + skip);
		globfree(&g);
	}
	free(full);
	for (size_t i = 0; o->plan && i < o->plan->n_files; i++)
		if (o->plan->files[i].new && fnmatch(pattern, o->plan->files[i].path, FNM_PATHNAME) == 0)
			strv_push_unique(out, o->plan->files[i].path);
	strv_sort(out);
}

/* Line n of text contains word? */
static bool line_has(const char *text, int n, const char *word)
{
	const char *p = text;
	size_t l;
	bool r;

	for (int k = 1; k < n && p; k++)
		p = (p = strchr(p, '\n')) ? p + 1 : NULL;
	if (!p)
		return false;
	l = strcspn(p, "\n");
	{
		char *line = xstrndup(p, l);
		r = strstr(line, word) != NULL;
		free(line);
	}
	return r;
}

/* Files the shell sources one after the other (/etc/default/grub, then
 * grub.d): what counts is each variable's value at the end, the last
 * assignment winning; GRUB puts _DEFAULT after the rest. A file the reader
 * cannot follow is left out (the plan refuses to edit it). */
static void shell_chain(const struct config_scan_opts *o, const struct strv *files, struct eff_config *out)
{
	static const char *const vars[] = {"GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT", NULL};
	struct sh_env env = {0};
	char **texts = xcalloc(files->n + 1, sizeof(char *));

	for (size_t i = 0; i < files->n; i++)
		if (config_read_as(o, files->v[i], &texts[i]) == 0 && sh_source(texts[i], &env, vars, NULL) < 0) {
			free(texts[i]);
			texts[i] = NULL;
		}
	for (const char *const *v = vars; *v; v++) {
		struct strv words = {0};
		cmdline_split(sh_env_get(&env, *v) ? sh_env_get(&env, *v) : "", &words);
		for (size_t w = 0; w < words.n; w++) {
			const char *file = NULL;
			int line = 0;
			if (!config_cmdline_word(NULL, words.v[w], "", 0, NULL))
				continue;
			/* where it comes from: the last file whose last assignment has it */
			for (size_t i = files->n; i > 0 && !file; i--) {
				int l = texts[i - 1] ? sh_last_assignment(texts[i - 1], *v) : 0;
				if (l && line_has(texts[i - 1], l, words.v[w])) {
					file = files->v[i - 1];
					line = l;
				}
			}
			if (file)
				config_cmdline_word(o, words.v[w], file, line, out);
		}
		strv_free(&words);
	}
	for (size_t i = 0; i < files->n; i++)
		free(texts[i]);
	free(texts);
	sh_env_free(&env);
}

static void cmdlines(const struct config_scan_opts *o, struct eff_config *out)
{
	struct strv files = {0}, shell = {0};

	for (const char *const *g = o->cmdline_files; g && *g; g++)
		expand(o, *g, &files);
	for (size_t i = 0; i < files.n; i++) {
		char *text = NULL;
		if (str_starts_with(files.v[i], "etc/default/"))
			strv_push(&shell, files.v[i]);
		else if (config_read_as(o, files.v[i], &text) == 0)
			cmdline_text(o, text, files.v[i], out);
		free(text);
	}
	shell_chain(o, &shell, out);
	strv_free(&shell);
	strv_free(&files);
	if (o->running) {
		char *p = path_join(o->sr->procfs, "cmdline"), *text = NULL;
		if (read_file(p, 1 << 20, &text, NULL) == 0)
			cmdline_text(o, text, "/proc/cmdline", out);
		free(text);
		free(p);
	}
}

/* ---- module lists, driverctl ---- */

/* "module [args]" a line: initramfs-tools' list and /etc/modules run
 * modprobe with the arguments; modules-load.d takes names only. Each line
 * is an early load (EFF_EARLY), the arguments of one an EFF_MODARGS before
 * it: vfio-pci loads once, so the first of them that names it decides
 * (core/effective.c). */
static void module_list(const struct config_scan_opts *o, const char *rel, bool args, struct eff_config *out)
{
	char *text = NULL;
	int lineno = 1;

	if (config_read_as(o, rel, &text) < 0)
		return;
	for (char *p = text; *p; lineno++) {
		size_t l = strcspn(p, "\n");
		char *line = xstrndup(p, l), *save = NULL, *mod, *rest;
		p += l + (p[l] == '\n');
		mod = strtok_r(line, " \t\r", &save);
		if (mod && mod[0] != '#' && mod[0] != ';') {
			rest = save ? save + strspn(save, " \t") : NULL;
			if (args && rest && *rest) {
				char *f = fold(rest);
				eff_config_add(out, EFF_MODARGS, mod, f, rel, lineno, false);
				free(f);
			}
			eff_config_add(out, EFF_EARLY, mod, NULL, rel, lineno, false);
		}
		free(line);
	}
	free(text);
}

static void driverctl(const struct config_scan_opts *o, struct eff_config *out)
{
	struct strv names = {0};

	config_list_as(o, "etc/driverctl.d", &names);
	for (size_t i = 0; i < names.n; i++) {
		char *rel = xasprintf("etc/driverctl.d/%s", names.v[i]), *text = NULL;
		if (str_starts_with(names.v[i], "pci-") && config_read_as(o, rel, &text) == 0) {
			char *drv = text + strspn(text, " \t\n");
			str_rstrip(drv);
			if (*drv)
				eff_config_add(out, EFF_DRIVERCTL, drv, names.v[i] + 4, rel, 1, false);
		}
		free(text);
		free(rel);
	}
	strv_free(&names);
}

int config_scan(const struct config_scan_opts *o, const struct inventory *inv, struct eff_config *out,
		struct log *log)
{
	int r = modprobe(o, out, log);

	cmdlines(o, out);
	/* the initramfs loads first, /etc/modules later in the boot */
	module_list(o, "etc/initramfs-tools/modules", true, out);
	mkinitcpio_conf_inputs(o, out);
	module_list(o, "etc/modules", true, out);
	{
		struct strv names = {0};
		config_list_as(o, "etc/modules-load.d", &names);
		for (size_t i = 0; i < names.n; i++) {
			char *rel = xasprintf("etc/modules-load.d/%s", names.v[i]);
			module_list(o, rel, false, out);
			free(rel);
		}
		strv_free(&names);
	}
	{
		struct dracut_conf dc = {0};
		dracut_conf_read(o, &dc);
		dracut_conf_inputs(o, &dc, out);
		dracut_conf_free(&dc);
	}
	driverctl(o, out);
	for (size_t k = 0; k < inv->host.n_kernels; k++)
		out->vfio_pci_builtin = out->vfio_pci_builtin || inv->host.kernels[k].vfio_pci_builtin;
	out->bind_helper = o->bind_helper;
	return r;
}
