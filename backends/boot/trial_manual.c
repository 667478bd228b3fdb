/* trial_manual.c - the trial as an entry picked by hand, for boot loaders
 * without a one-shot: rEFInd (a line of refind_linux.conf, offered in the
 * kernel's submenu; the first line stays its default options) and Limine
 * (an entry at the end of limine.conf; default_entry counts from the top,
 * so it keeps naming the entry it named). Text only: the journal writes
 * the file, and restores it byte for byte. */
#include "config.h"

#include "backends/boot/planner.h"
#include "backends/boot/trial.h"
#include "backends/sys/rooted.h"
#include "core/cmdline.h"
#include "core/i18n.h"

#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_microcode(const char *path)
{
	const char *b = path + strcspn(path, "");

	while (b > path && b[-1] != '/' && b[-1] != '\\')
		b--;
	return strstr(b, "ucode") || strstr(b, "microcode");
}

/* opts with the plan's parameters it lacks, the trial's id and panic=10. */
static void add_params(struct strbuf *sb, const char *opts, const struct strv *params, const char *id)
{
	struct cmdline cl;

	cmdline_parse(&cl, opts);
	strbuf_puts(sb, opts);
	for (size_t i = 0; i < params->n; i++)
		if (!cmdline_has(&cl, params->v[i]))
			strbuf_printf(sb, "%s%s", sb->len ? " " : "", params->v[i]);
	strbuf_printf(sb, "%s%s=%s panic=10", sb->len ? " " : "", TRIAL_PARAM, id);
	cmdline_free(&cl);
}

/* The directory of a path on disk, root-relative: mnt (the file system's
 * mount point, "" for /) and the path within it, '\' read as '/'. */
static char *disk_dir(const char *mnt, const char *path, size_t dir_len)
{
	struct strbuf sb = {0};

	strbuf_puts(&sb, mnt);
	for (size_t i = 0; i < dir_len; i++) {
		char c = path[i] == '\\' ? '/' : path[i];
		if (c == '/' && (!sb.len || sb.buf[sb.len - 1] == '/'))
			continue;
		strbuf_putc(&sb, c);
	}
	while (sb.len && sb.buf[sb.len - 1] == '/')
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb);
}

static char *appended(const char *old, const char *add)
{
	struct strbuf sb = {0};
	size_t l = old ? strlen(old) : 0;

	if (l)
		strbuf_puts(&sb, old);
	if (l && old[l - 1] != '\n')
		strbuf_putc(&sb, '\n');
	strbuf_puts(&sb, add);
	return strbuf_detach(&sb);
}

/* ---- rEFInd ---- */

int trial_refind(const char *old, const char *kver, const char *mnt, const char *id, const struct strv *params,
		 struct trial_manual *out, char **why)
{
	const char *l = old, *q[4] = {0};
	struct strbuf opts = {0}, line = {0};
	char *o, *save = NULL;
	bool initrd_done = false;
	size_t nq = 0;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	/* the first line that is no comment: rEFInd's default options */
	while (l && *l) {
		const char *nl = strchr(l, '\n'), *t = l + strspn(l, " \t");
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (*t && *t != '#' && *t != '\n' && *t != '\r') {
			for (size_t k = 0; k < len && nq < 4; k++)
				if (l[k] == '"')
					q[nq++] = l + k;
			break;
		}
		l = nl ? nl + 1 : NULL;
	}
	if (nq < 4)
		return trial_fail(why, xstrdup(_("/boot/refind_linux.conf has no line \"LABEL\" \"OPTIONS\" to copy")));
	if (q[3][1] == '"' || q[1][1] == '"')
		return trial_fail(why, xstrdup(_("/boot/refind_linux.conf's first line has doubled quotes (\"\"), which a "
					   "trial does not copy")));
	o = xstrndup(q[2] + 1, (size_t)(q[3] - q[2] - 1));
	/* its initramfs moves to vfioconf\ID\ beside the one it names */
	for (char *w = strtok_r(o, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (opts.len)
			strbuf_putc(&opts, ' ');
		if (!initrd_done && str_starts_with(w, "initrd=") && !is_microcode(w + 7)) {
			const char *p = w + 7, *b = p + strlen(p);
			char sep;
			while (b > p && b[-1] != '/' && b[-1] != '\\')
				b--;
			sep = b > p ? b[-1] : '\\';
			strbuf_printf(&opts, "initrd=%.*svfioconf%c%s%cinitrd.img-%s", (int)(b - p), p, sep, id, sep, kver);
			out->img_dir = disk_dir(mnt, p, (size_t)(b - p));
			initrd_done = true;
		} else {
			strbuf_puts(&opts, w);
		}
	}
	free(o);
	if (!initrd_done) {
		/* rEFInd finds the kernel's image itself: the trial's is named,
		 * from the root of the file system holding /boot */
		const char *rel = strcmp(mnt, "boot") == 0 ? "" : "boot\\";
		strbuf_printf(&opts, "%sinitrd=\\%svfioconf\\%s\\initrd.img-%s", opts.len ? " " : "", rel, id, kver);
		out->img_dir = xstrdup("boot");
	}
	add_params(&line, strbuf_str(&opts), params, id);
	o = xasprintf("\"vfioconf trial %s\" \"%s\"\n", id, line.buf);
	out->text = appended(old, o);
	free(o);
	out->title = xstrndup(q[0] + 1, (size_t)(q[1] - q[0] - 1));
	out->kver = xstrdup(kver);
	strbuf_free(&opts);
	strbuf_free(&line);
	return 0;
}

/* ---- Limine ---- */

struct syntax {
	char entry;      /* '/' (limine.conf) or ':' (limine.cfg) */
	char assign;     /* ':' or '=' */
	const char *uri; /* the boot partition's prefix of a path */
};

static const struct syntax v8 = {'/', ':', "boot():"}, v7 = {':', '=', "boot://"};

/* "key: value" (or "KEY=VALUE") of a trimmed line: the key matches, case
 * aside; the value, NULL when another key. */
static const char *opt(const struct syntax *s, const char *t, const char *key)
{
	size_t kl = strlen(key);

	if (strncasecmp(t, key, kl) != 0)
		return NULL;
	t += kl;
	t += strspn(t, " \t");
	if (*t != s->assign)
		return NULL;
	t++;
	return t + strspn(t, " \t");
}

static const char *opt2(const struct syntax *s, const char *t, const char *k1, const char *k2)
{
	const char *v = opt(s, t, k1);

	return v ? v : opt(s, t, k2);
}

/* A path on the boot partition: the part after the prefix ("/X"), NULL
 * when the path names another partition (uuid(), hdd(), ...). */
static const char *on_boot(const struct syntax *s, const char *v)
{
	if (!str_starts_with(v, s->uri))
		return NULL;
	v += strlen(s->uri);
	return *v == '/' ? v : NULL;
}

int trial_limine(const char *old, const char *mnt, char *(*kver_of)(void *data, const char *kernel), void *data,
		 const char *id, const struct strv *params, struct trial_manual *out, char **why)
{
	const struct syntax *s = NULL;
	const char *l, *start = NULL, *end = NULL;
	long want = 1, n = 0;
	struct strbuf sb = {0};
	bool cmd_done = false, mod_done = false, is_linux = false;
	char *kernel = NULL;
	int r = 0;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	for (l = old; l && *l && !s;) {
		const char *t = l + strspn(l, " \t");
		if (*t == '/' || *t == ':')
			s = *t == '/' ? &v8 : &v7;
		l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL;
	}
	if (!s)
		return trial_fail(why, xstrdup(_("limine.conf has no entry")));
	/* the globals, anywhere in the file; the default entry's lines */
	for (l = old; l && *l;) {
		const char *nl = strchr(l, '\n'), *t = l + strspn(l, " \t"), *v;
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *line = xstrndup(t, len - (size_t)(t - l));
		while (*line && (line[strlen(line) - 1] == '\r' || line[strlen(line) - 1] == ' '))
			line[strlen(line) - 1] = '\0';
		if (*line == s->entry) {
			if (line[1] == s->entry) {
				r = trial_fail(why, xstrdup(_("limine.conf has sub-entries: which entry default_entry names is "
							"not certain, so a trial is not added to it")));
				free(line);
				goto out;
			}
			n++;
			if (start && !end)
				end = l;
		} else if ((v = opt(s, line, "default_entry"))) {
			char *e;
			want = strtol(v, &e, 10);
			if (*e || want < 1) {
				r = trial_fail(why, xasprintf(_("limine.conf: default_entry %s is not an entry's number"), v));
				free(line);
				goto out;
			}
		} else if ((v = opt(s, line, "remember_last_entry")) && strcasecmp(v, "yes") == 0) {
			r = trial_fail(why, xstrdup(_("limine.conf has remember_last_entry: yes, so the trial, once picked, "
						"would become the default entry")));
			free(line);
			goto out;
		}
		free(line);
		if (*t == s->entry && n == want && !start)
			start = l;
		l = nl ? nl + 1 : NULL;
	}
	if (!start) {
		r = trial_fail(why, xasprintf(_("limine.conf has no entry %ld (default_entry)"), want));
		goto out;
	}
	/* the copy: its title line replaced, cmdline and the initramfs */
	strbuf_printf(&sb, "\n# Managed by vfioconf: trial %s, picked by hand ('vfioconf trial abort' takes it out)\n"
			   "%cvfioconf trial %s\n", id, s->entry, id);
	for (l = strchr(start, '\n') ? strchr(start, '\n') + 1 : NULL; l && *l && l != end;) {
		const char *nl = strchr(l, '\n'), *t = l + strspn(l, " \t"), *v;
		size_t len = nl ? (size_t)(nl - l) : strlen(l), ind = (size_t)(t - l);
		char *line = xstrndup(t, len - ind);
		while (*line && (line[strlen(line) - 1] == '\r' || line[strlen(line) - 1] == ' '))
			line[strlen(line) - 1] = '\0';
		if (!*line || *line == '#') {
			/* blank lines and comments stay with the default */
		} else if ((v = opt(s, line, "protocol"))) {
			is_linux = strcasecmp(v, "linux") == 0;
			strbuf_printf(&sb, "%.*s%s\n", (int)ind, l, line);
		} else if ((v = opt2(s, line, "path", "kernel_path"))) {
			free(kernel);
			kernel = xstrdup(v);
			strbuf_printf(&sb, "%.*s%s\n", (int)ind, l, line);
		} else if ((v = opt2(s, line, "cmdline", "kernel_cmdline"))) {
			if (!cmd_done) {
				struct strbuf c = {0};
				add_params(&c, v, params, id);
				strbuf_printf(&sb, "%.*s%.*s %s\n", (int)ind, l, (int)(strchr(line, s->assign) - line + 1), line,
					      c.buf);
				strbuf_free(&c);
			}
			cmd_done = true;
		} else if ((v = opt(s, line, "module_path")) && !mod_done && !is_microcode(v)) {
			const char *p = on_boot(s, v), *b;
			if (!p) {
				r = trial_fail(why, xasprintf(_("limine.conf's default entry loads its initramfs from %s, not from "
							  "the partition limine.conf is on (%s/)"),
							v, s->uri));
				free(line);
				goto out;
			}
			for (b = v + strlen(v); b > p && b[-1] != '/'; b--)
				;
			out->img_dir = disk_dir(mnt, p, (size_t)(b - p));
			strbuf_printf(&sb, "%.*s%.*svfioconf/%s/initrd.img-", (int)ind, l, (int)(b - line), line, id);
			mod_done = true;
			/* the version follows, once the kernel is known */
			strbuf_puts(&sb, "\001\n");
		} else {
			strbuf_printf(&sb, "%.*s%s\n", (int)ind, l, line);
		}
		free(line);
		l = nl ? nl + 1 : NULL;
	}
	if (!is_linux) {
		r = trial_fail(why,
			 xasprintf(_("limine.conf's default entry (%ld) does not boot Linux (protocol: linux)"), want));
		goto out;
	}
	if (!kernel || !on_boot(s, kernel)) {
		/* TRANSLATORS: %s is "its kernel on another partition than
		 * limine.conf" or "no kernel path" */
		r = trial_fail(why, xasprintf(_("limine.conf's default entry (%ld) has %s"), want,
					kernel ? _("its kernel on another partition than limine.conf")
					       : _("no kernel path")));
		goto out;
	}
	if (!mod_done) {
		r = trial_fail(why, xasprintf(_("limine.conf's default entry (%ld) loads no initramfs (module_path)"), want));
		goto out;
	}
	{
		const char *p = on_boot(s, kernel);
		char *dir = disk_dir(mnt, p, strlen(p));
		out->kver = kver_of(data, dir);
		if (!out->kver) {
			r = trial_fail(why, xasprintf(_("which kernel version /%s is (for the trial's initramfs) is not known: "
						  "no /lib/modules/VERSION for it"),
						dir));
			free(dir);
			goto out;
		}
		free(dir);
	}
	if (!cmd_done) {
		struct strbuf c = {0};
		add_params(&c, "", params, id);
		strbuf_printf(&sb, "    %s%c %s\n", s->entry == '/' ? "cmdline" : "CMDLINE", s->assign, c.buf);
		strbuf_free(&c);
	}
	{
		/* the kernel version into the initramfs's name */
		char *c = strchr(sb.buf, '\001'), *t;
		*c = '\0';
		t = xasprintf("%s%s%s", sb.buf, out->kver, c + 1);
		out->text = appended(old, t);
		free(t);
	}
	out->title = xstrndup(start + strspn(start, " \t") + 1, strcspn(start + strspn(start, " \t") + 1, "\r\n"));
out:
	if (r < 0)
		trial_manual_free(out);
	free(kernel);
	strbuf_free(&sb);
	return r;
}

void trial_manual_free(struct trial_manual *m)
{
	free(m->title);
	free(m->kver);
	free(m->img_dir);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/* ---- where things are ---- */

const struct mount_info *trial_mount_of(const struct host_facts *h, const char *rel)
{
	const struct mount_info *m = NULL;
	size_t best = 0;

	for (size_t i = 0; i < h->n_mounts; i++) {
		const char *t = h->mounts[i].target;
		size_t tl = strlen(t);
		if (h->mounts[i].from_fstab_only || t[0] != '/')
			continue;
		if (strcmp(t, "/") == 0)
			tl = 1;
		else if (strncmp(t + 1, rel, tl - 1) != 0 || (rel[tl - 1] && rel[tl - 1] != '/'))
			continue;
		if (!m || tl > best) {
			m = &h->mounts[i];
			best = tl;
		}
	}
	return m;
}

char *trial_kernel_version(const struct sysroot *sr, const char *kernel)
{
	const char *b = strrchr(kernel, '/') ? strrchr(kernel, '/') + 1 : kernel;
	struct strv dirs = {0};
	char *r = NULL, *p;
	int base;

	if (!str_starts_with(b, "vmlinuz-") || !b[8])
		return NULL;
	b += 8;
	p = xasprintf("lib/modules/%s", b);
	if (root_exists(sr, p)) {
		free(p);
		return xstrdup(b);
	}
	free(p);
	/* Arch's vmlinuz-linux: the modules directory whose pkgbase names it */
	if ((base = rooted_base(sr->root)) < 0)
		return NULL;
	rooted_list(base, "lib/modules", ROOTED_FOLLOW, &dirs);
	for (size_t i = 0; i < dirs.n && !r; i++) {
		char *text = NULL;
		p = xasprintf("lib/modules/%s/pkgbase", dirs.v[i]);
		if (rooted_read(base, p, 4096, &text, NULL, ROOTED_FOLLOW) == 0) {
			text[strcspn(text, "\r\n")] = '\0';
			if (strcmp(text, b) == 0)
				r = xstrdup(dirs.v[i]);
		}
		free(text);
		free(p);
	}
	close(base);
	strv_free(&dirs);
	return r;
}

char *trial_newest_kernel(const struct sysroot *sr, const char *dir)
{
	struct strv names = {0};
	char *best = NULL;
	struct timespec bt = {0};
	int base = rooted_base(sr->root);

	if (base < 0)
		return NULL;
	rooted_list(base, dir, ROOTED_FOLLOW, &names);
	for (size_t i = 0; i < names.n; i++) {
		char *rel = xasprintf("%s/%s", dir, names.v[i]);
		struct stat st;
		int fd;
		if (!str_starts_with(names.v[i], "vmlinuz") && !str_starts_with(names.v[i], "bzImage") &&
		    !str_starts_with(names.v[i], "kernel")) {
			free(rel);
			continue;
		}
		fd = rooted_open(base, rel, O_RDONLY, 0, ROOTED_FOLLOW);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (!best || st.st_mtim.tv_sec > bt.tv_sec ||
		     (st.st_mtim.tv_sec == bt.tv_sec && st.st_mtim.tv_nsec > bt.tv_nsec))) {
			free(best);
			best = rel;
			rel = NULL;
			bt = st.st_mtim;
		}
		if (fd >= 0)
			close(fd);
		free(rel);
	}
	close(base);
	strv_free(&names);
	return best;
}

static char *kver_of(void *data, const char *kernel)
{
	return trial_kernel_version(data, kernel);
}

int trial_manual_entry(const struct sysroot *sr, const struct host_facts *h, bool refind, const char *file,
		       const char *old, const char *id, const struct strv *params, struct trial_manual *out, char **why)
{
	const struct mount_info *m = trial_mount_of(h, file);
	const char *mnt = m ? m->target + 1 : NULL;
	char *kernel = NULL, *kver = NULL, *mods;
	int r;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!mnt)
		return trial_fail(why, xasprintf(_("the file system holding /%s is unknown (no mount above it)"), file));
	if (refind) {
		/* rEFInd's default for /boot: its newest kernel */
		if (!(kernel = trial_newest_kernel(sr, "boot")))
			return trial_fail(why, xstrdup(_("rEFInd: no kernel (vmlinuz*) in /boot beside refind_linux.conf")));
		if (!(kver = trial_kernel_version(sr, kernel))) {
			r = trial_fail(why, xasprintf(_("which kernel version /%s is (for the trial's initramfs) is not known: "
						  "no /lib/modules/VERSION for it"),
						kernel));
			free(kernel);
			return r;
		}
		r = trial_refind(old, kver, mnt, id, params, out, why);
		if (r == 0) {
			char *title = xasprintf("%s, %s", strrchr(kernel, '/') + 1, out->title);
			free(out->title);
			out->title = title;
		}
		free(kver);
		free(kernel);
	} else {
		r = trial_limine(old, mnt, kver_of, (void *)sr, id, params, out, why);
	}
	if (r < 0)
		return r;
	mods = xasprintf("lib/modules/%s", out->kver);
	if (!root_exists(sr, mods)) {
		r = trial_fail(why, xasprintf(_("the default entry boots kernel %s, which has no /%s to build the trial's "
					  "initramfs from"),
					out->kver, mods));
		trial_manual_free(out);
	}
	free(mods);
	return r;
}
