/* trial_grub.c - the trial as a GRUB entry: a copy of grub.cfg's default
 * entry, kept in custom.cfg, and whether GRUB can use up a one-shot. */
#include "config.h"

#include "backends/boot/trial.h"
#include "core/cmdline.h"
#include "core/i18n.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BEGIN "### BEGIN vfioconf trial "
#define BLOCK_END "### END vfioconf trial"

/* The first word of a line, after blanks: its length and start. */
static const char *first_word(const char *l, size_t len, size_t *wl)
{
	size_t i = 0, j;

	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	for (j = i; j < len && l[j] != ' ' && l[j] != '\t'; j++)
		;
	*wl = j - i;
	return l + i;
}

static bool word_is(const char *w, size_t wl, const char *s)
{
	return wl == strlen(s) && strncmp(w, s, wl) == 0;
}

/* The first quoted string of a menuentry line (its title), owned. */
static char *quoted(const char *l, size_t len)
{
	const char *q = memchr(l, '\'', len);
	const char *e = q ? memchr(q + 1, '\'', len - (size_t)(q + 1 - l)) : NULL;

	if (!q) {
		q = memchr(l, '"', len);
		e = q ? memchr(q + 1, '"', len - (size_t)(q + 1 - l)) : NULL;
	}
	return q && e ? xstrndup(q + 1, (size_t)(e - q - 1)) : NULL;
}

/* The entry's id: the word after $menuentry_id_option or --id, owned. */
static char *entry_id(const char *l, size_t len)
{
	char *line = xstrndup(l, len), *r = NULL;
	const char *p = strstr(line, "$menuentry_id_option ");

	if (p)
		p += strlen("$menuentry_id_option ");
	else if ((p = strstr(line, "--id ")))
		p += 5;
	if (p) {
		r = quoted(p, strlen(p));
		if (!r)
			r = xstrndup(p, strcspn(p, " \t{"));
	}
	free(line);
	return r;
}

/* The linux line with the parameters added that it does not have yet. */
static char *linux_line(const char *l, size_t len, const struct strv *params, const char *id)
{
	struct strbuf sb = {0};
	char *line = xstrndup(l, len);
	struct cmdline cl;

	cmdline_parse(&cl, line);
	strbuf_puts(&sb, line);
	for (size_t i = 0; i < params->n; i++)
		if (!cmdline_has(&cl, params->v[i]))
			strbuf_printf(&sb, " %s", params->v[i]);
	strbuf_printf(&sb, " %s=%s panic=10", TRIAL_PARAM, id);
	cmdline_free(&cl);
	free(line);
	return strbuf_detach(&sb);
}

/* "initrd A B": the image named initrd.img-KVER moves to the trial's
 * directory beside it (/boot/vfioconf/ID/, or /vfioconf/ID/ when /boot is
 * a file system of its own); microcode images stay. NULL when none is. */
static char *initrd_line(const char *l, size_t len, const char *kver, const char *id)
{
	struct strbuf sb = {0};
	char *line = xstrndup(l, len), *save = NULL, *want = xasprintf("initrd.img-%s", kver);
	bool first = true, found = false;
	const char *lead = l;

	/* the keyword with the blanks around it as they were */
	while (lead < l + len && (*lead == ' ' || *lead == '\t'))
		lead++;
	while (lead < l + len && *lead != ' ' && *lead != '\t')
		lead++;
	while (lead < l + len && (*lead == ' ' || *lead == '\t'))
		lead++;
	strbuf_add(&sb, l, (size_t)(lead - l));
	for (char *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		const char *base = strrchr(w, '/');
		if (first) { /* the keyword: written above */
			first = false;
			continue;
		}
		if (sb.len && sb.buf[sb.len - 1] != ' ' && sb.buf[sb.len - 1] != '\t')
			strbuf_putc(&sb, ' ');
		if (base && strcmp(base + 1, want) == 0) {
			strbuf_printf(&sb, "%.*s/vfioconf/%s%s", (int)(base - w), w, id, base);
			found = true;
		} else {
			strbuf_puts(&sb, w);
		}
	}
	free(line);
	free(want);
	if (!found) {
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* The kernel version of "linux /boot/vmlinuz-KVER ...", owned, or NULL. */
static char *linux_kver(const char *l, size_t len)
{
	char *line = xstrndup(l, len), *save = NULL, *r = NULL;
	char *w = strtok_r(line, " \t", &save);

	w = w ? strtok_r(NULL, " \t", &save) : NULL;
	if (w) {
		const char *base = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
		if (strncmp(base, "vmlinuz-", 8) == 0 && base[8])
			r = xstrdup(base + 8);
	}
	free(line);
	return r;
}

/* The brace depth after a line: braces in quotes and after a comment's
 * # do not count (GRUB's script syntax, as sh's). */
static int brace_depth(const char *l, size_t len, int depth)
{
	char q = 0;

	for (size_t i = 0; i < len; i++) {
		char c = l[i];
		if (q) {
			if (c == q)
				q = 0;
			else if (c == '\\' && q == '"' && i + 1 < len)
				i++;
		} else if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '\\' && i + 1 < len) {
			i++;
		} else if (c == '#' && (i == 0 || l[i - 1] == ' ' || l[i - 1] == '\t')) {
			break;
		} else if (c == '{') {
			depth++;
		} else if (c == '}' && depth > 0) {
			depth--;
		}
	}
	return depth;
}

int trial_grub_entry(const char *cfg, const char *grub_default, const char *id, const struct strv *params,
		     struct trial_grub_entry *out, char **why)
{
	const char *l = cfg, *start = NULL, *end = NULL;
	int depth = 0, index = -1, want = 0;
	char *want_id = NULL, *title = NULL;
	struct strbuf sb = {0};
	bool have_linux = false, have_initrd = false;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (grub_default && *grub_default && strcmp(grub_default, "saved") == 0)
		return trial_fail(why, xstrdup(_("GRUB_DEFAULT=saved: the default entry is whatever booted last, so a trial "
					   "could become it; set GRUB_DEFAULT to an entry first")));
	if (grub_default && *grub_default && strchr(grub_default, '>'))
		return trial_fail(why, xasprintf(_("GRUB_DEFAULT=%s names an entry in a submenu; a trial copies only a "
					     "top-level default entry"),
					   grub_default));
	/* 0 (or nothing): the first entry. Another number counts entries GRUB
	 * may skip (30_uefi-firmware's is inside an if): only an id or a title
	 * names one for sure */
	if (grub_default && *grub_default && strcmp(grub_default, "0") != 0) {
		if (strspn(grub_default, "0123456789-") == strlen(grub_default))
			return trial_fail(why, xasprintf(_("GRUB_DEFAULT=%s counts menu entries, and GRUB skips some of them "
						     "(30_uefi-firmware's on BIOS); name the entry by its id, as "
						     "grub-set-default does, for a trial"),
						   grub_default));
		want_id = xstrdup(grub_default);
		want = -1;
	}
	/* the top-level items, numbered as GRUB numbers them (a submenu
	 * counts); the default one's lines */
	while (*l && !end) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l), wl;
		const char *w = first_word(l, len, &wl);
		if (depth == 0 && (word_is(w, wl, "menuentry") || word_is(w, wl, "submenu"))) {
			char *t = quoted(l, len), *eid = entry_id(l, len);
			bool hit;
			index++;
			hit = want >= 0 ? index == want
					: ((t && strcmp(t, want_id) == 0) || (eid && strcmp(eid, want_id) == 0));
			if (hit && word_is(w, wl, "submenu")) {
				free(t);
				free(eid);
				free(want_id);
				return trial_fail(why, xstrdup(_("grub.cfg's default entry is a submenu; a trial copies a menu "
							   "entry")));
			}
			if (hit) {
				start = nl ? nl + 1 : l + len;
				title = t;
				t = NULL;
			}
			free(t);
			free(eid);
		}
		depth = brace_depth(l, len, depth);
		if (start && !end && depth == 0 && l < start) {
			/* "menuentry 'x' { ... }" on one line */
			free(want_id);
			free(title);
			return trial_fail(why, xstrdup(_("grub.cfg's default entry is written on one line; a trial copies an "
						   "entry of several lines, as grub-mkconfig writes them")));
		}
		if (start && !end && depth == 0 && l >= start)
			end = l; /* the closing brace's line */
		l += len + (nl ? 1 : 0);
	}
	free(want_id);
	if (!start || !end) {
		free(title);
		return trial_fail(why, xasprintf(_("grub.cfg has no menu entry %s%s (GRUB_DEFAULT)"),
					   grub_default && *grub_default ? "" : "0",
					   grub_default && *grub_default ? grub_default : ""));
	}
	strbuf_printf(&sb, "menuentry 'vfioconf trial %s (once): %s' --id %s {\n", id, title ? title : "?",
		      TRIAL_GRUB_ID);
	for (l = start; l < end;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l), wl;
		const char *w = first_word(l, len, &wl);
		if (word_is(w, wl, "linux") || word_is(w, wl, "linuxefi") || word_is(w, wl, "linux16")) {
			char *line = linux_line(l, len, params, id);
			free(out->kver);
			out->kver = linux_kver(l, len);
			strbuf_printf(&sb, "%s\n", line);
			free(line);
			have_linux = true;
		} else if ((word_is(w, wl, "initrd") || word_is(w, wl, "initrdefi") || word_is(w, wl, "initrd16")) &&
			   out->kver) {
			char *line = initrd_line(l, len, out->kver, id);
			if (!line) {
				char *m = xasprintf(_("grub.cfg's default entry loads no initrd.img-%s"), out->kver);
				strbuf_free(&sb);
				trial_grub_entry_free(out);
				free(title);
				return trial_fail(why, m);
			}
			strbuf_printf(&sb, "%s\n", line);
			free(line);
			have_initrd = true;
		} else if (!word_is(w, wl, "savedefault")) {
			/* (savedefault would make the trial the default once picked) */
			strbuf_printf(&sb, "%.*s\n", (int)len, l);
		}
		l += len + (nl ? 1 : 0);
	}
	strbuf_puts(&sb, "}\n");
	if (!have_linux || !out->kver || !have_initrd) {
		char *m = xstrdup(have_linux && out->kver
					  ? _("grub.cfg's default entry loads no initrd")
					  : _("grub.cfg's default entry has no linux /boot/vmlinuz-VERSION line"));
		strbuf_free(&sb);
		free(title);
		trial_grub_entry_free(out);
		return trial_fail(why, m);
	}
	out->title = title;
	out->text = strbuf_detach(&sb);
	return 0;
}

void trial_grub_entry_free(struct trial_grub_entry *e)
{
	free(e->title);
	free(e->kver);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

/* Where vfioconf's block is in text: [*b, *e) (e past its END line). */
static bool find_block(const char *text, const char **b, const char **e)
{
	const char *s = text ? strstr(text, BLOCK_BEGIN) : NULL, *t;

	if (!s || (s != text && s[-1] != '\n'))
		return false;
	t = strstr(s, BLOCK_END);
	if (!t)
		return false;
	t += strlen(BLOCK_END);
	t += strcspn(t, "\n");
	if (*t == '\n')
		t++;
	*b = s;
	*e = t;
	return true;
}

char *trial_custom_cfg(const char *old, const char *block)
{
	struct strbuf sb = {0};
	const char *b, *e;

	if (old && find_block(old, &b, &e)) {
		strbuf_add(&sb, old, (size_t)(b - old));
		if (block)
			strbuf_puts(&sb, block);
		strbuf_puts(&sb, e);
	} else {
		if (old)
			strbuf_puts(&sb, old);
		if (old && *old && old[strlen(old) - 1] != '\n')
			strbuf_putc(&sb, '\n');
		if (block)
			strbuf_puts(&sb, block);
	}
	return strbuf_detach(&sb);
}

char *trial_custom_cfg_id(const char *text)
{
	const char *b, *e;

	if (!find_block(text, &b, &e))
		return NULL;
	b += strlen(BLOCK_BEGIN);
	return xstrndup(b, strcspn(b, " \n"));
}

bool trial_grubenv_writable(const struct host_facts *h, char **why)
{
	const struct mount_info *m = NULL;
	static const char *const fs_no[] = {"btrfs", "zfs", "cpiofs", "newc", "odc", "romfs", "squash4",
					    "squashfs", "tarfs"};

	*why = NULL;
	for (size_t i = 0; i < h->n_mounts; i++)
		if (strcmp(h->mounts[i].target, "/boot") == 0 ||
		    (!m && strcmp(h->mounts[i].target, "/") == 0))
			m = &h->mounts[i];
	if (!m) {
		*why = xstrdup(_("the file system holding /boot/grub is unknown (no mount for / or /boot)"));
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fs_no); i++)
		if (strcmp(m->fstype, fs_no[i]) == 0) {
			*why = xasprintf(_("%s is on %s, where GRUB cannot write grubenv: a one-shot boot would "
					   "stay the default"),
					 m->target, m->fstype);
			return false;
		}
	if (str_starts_with(m->source, "/dev/mapper/") || str_starts_with(m->source, "/dev/md") ||
	    str_starts_with(m->source, "/dev/dm-")) {
		*why = xasprintf(_("%s is on %s (LVM, RAID or encryption), where GRUB cannot write grubenv: a "
				   "one-shot boot would stay the default"),
				 m->target, m->source);
		return false;
	}
	return true;
}
