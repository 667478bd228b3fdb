/* trial_bls.c - the trial as a BLS entry for GRUB's blscfg (Fedora, RHEL):
 * a copy of the entry GRUB boots by default, in /boot/loader/entries as
 * vfioconf-trial.conf, whose menu id blscfg makes of its file name
 * without .conf (grub-core/commands/blscfg.c, create_entry), so that
 * grub2-reboot vfioconf-trial boots it once. Reads only: the sync script
 * puts the entry there (grubby and grub2-mkconfig --update-bls-cmdline
 * rewrite every entry's options, so the journal keeps the entry's text in
 * /boot/vfioconf/ID/ and the sync script takes the file away by name). */
#include "config.h"

#include "backends/boot/trial.h"
#include "backends/sys/rooted.h"
#include "core/cmdline.h"
#include "core/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENTRIES "boot/loader/entries"

struct bls {
	char *name; /* file name without .conf: blscfg's id */
	char *text, *title, *version, *linux_path;
};

/* rpm's vercmp as blscfg has it: 1 a newer, -1 b newer, 0 the same. */
static int vercmp(const char *a, const char *b)
{
	char *abuf, *bbuf, *one, *two, *s1, *s2, o1, o2;
	int ret = 0;

	if (strcmp(a, b) == 0)
		return 0;
	abuf = xstrdup(a);
	bbuf = xstrdup(b);
	one = abuf;
	two = bbuf;
	while (*one || *two) {
		bool isnum;
		while (*one && !isalnum((unsigned char)*one) && *one != '~' && *one != '+')
			one++;
		while (*two && !isalnum((unsigned char)*two) && *two != '~' && *two != '+')
			two++;
		if (*one == '~' || *two == '~') {
			if (*one != '~') {
				ret = 1;
				goto out;
			}
			if (*two != '~') {
				ret = -1;
				goto out;
			}
			one++, two++;
			continue;
		}
		if (*one == '+' || *two == '+') {
			if (!*one || !*two || *one != '+' || *two != '+') {
				ret = !*one ? -1 : !*two ? 1 : *one != '+' ? 1 : -1;
				goto out;
			}
			one++, two++;
			continue;
		}
		if (!(*one && *two))
			break;
		s1 = one;
		s2 = two;
		if (isdigit((unsigned char)*s1)) {
			while (*s1 && isdigit((unsigned char)*s1))
				s1++;
			while (*s2 && isdigit((unsigned char)*s2))
				s2++;
			isnum = true;
		} else {
			while (*s1 && isalpha((unsigned char)*s1))
				s1++;
			while (*s2 && isalpha((unsigned char)*s2))
				s2++;
			isnum = false;
		}
		o1 = *s1;
		*s1 = '\0';
		o2 = *s2;
		*s2 = '\0';
		if (two == s2) { /* numeric segments are newer than alpha ones */
			ret = isnum ? 1 : -1;
			goto out;
		}
		if (isnum) {
			size_t l1, l2;
			while (*one == '0')
				one++;
			while (*two == '0')
				two++;
			l1 = strlen(one);
			l2 = strlen(two);
			if (l1 != l2) {
				ret = l1 > l2 ? 1 : -1;
				goto out;
			}
		}
		if ((ret = strcmp(one, two)) != 0) {
			ret = ret < 1 ? -1 : 1;
			goto out;
		}
		*s1 = o1;
		one = s1;
		*s2 = o2;
		two = s2;
	}
	if (!*one && !*two)
		ret = 0;
	else
		ret = !*one ? -1 : 1;
out:
	free(abuf);
	free(bbuf);
	return ret;
}

/* split_package_string: name-version-release at the last two '-'. */
static void split(char *s, char **name, char **version, char **release)
{
	char *p = strrchr(s, '-');

	*release = NULL;
	if (p) {
		*p++ = '\0';
		*release = p;
	}
	p = strrchr(s, '-');
	*version = NULL;
	if (p) {
		*p++ = '\0';
		*version = p;
	}
	*name = s;
	if (!*version) {
		*version = *release;
		*release = NULL;
	}
}

int trial_bls_cmp(const char *a, const char *b)
{
	char *x = xstrdup(a), *y = xstrdup(b), *n0, *v0, *r0, *n1, *v1, *r1;
	int r;

	split(x, &n0, &v0, &r0);
	split(y, &n1, &v1, &r1);
	if ((r = vercmp(n0 ? n0 : "", n1 ? n1 : "")) == 0 && (r = vercmp(v0 ? v0 : "", v1 ? v1 : "")) == 0)
		r = vercmp(r0 ? r0 : "", r1 ? r1 : "");
	free(x);
	free(y);
	return r;
}

static void bls_free(struct bls *b)
{
	free(b->name);
	free(b->text);
	free(b->title);
	free(b->version);
	free(b->linux_path);
}

/* The entries in blscfg's order (bls_add_entry: the newest first); ours
 * is sorted in when with_trial. */
static size_t load(const struct sysroot *sr, bool with_trial, struct bls **out)
{
	struct strv names = {0};
	struct bls *v = NULL;
	size_t n = 0;
	int base = rooted_base(sr->root);

	if (base >= 0) {
		rooted_list(base, ENTRIES, ROOTED_FOLLOW, &names);
		close(base);
	}
	for (size_t i = 0; i < names.n + (with_trial ? 1 : 0); i++) {
		const char *f = i < names.n ? names.v[i] : TRIAL_BLS_FILE;
		size_t l = strlen(f), at;
		char *rel, *text = NULL;
		struct bls b = {0};
		if (f[0] == '.' || l <= 5 || strcmp(f + l - 5, ".conf") != 0 || (i < names.n && strcmp(f, TRIAL_BLS_FILE) == 0))
			continue;
		if (i < names.n) {
			rel = xasprintf(ENTRIES "/%s", f);
			if (rooted_read_path(sr->root, rel, 1 << 16, &text, NULL) < 0) {
				free(rel);
				continue;
			}
			free(rel);
		}
		b.name = xstrndup(f, l - 5);
		b.text = text;
		b.title = text ? trial_entry_field(text, "title") : NULL;
		b.version = text ? trial_entry_field(text, "version") : NULL;
		b.linux_path = text ? trial_entry_field(text, "linux") : xstrdup("(trial)");
		/* insertion as bls_add_entry does it: before the first older one */
		for (at = 0; at < n && trial_bls_cmp(b.name, v[at].name) != 1; at++)
			;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memmove(&v[at + 1], &v[at], (n - at) * sizeof(*v));
		v[at] = b;
		n++;
	}
	strv_free(&names);
	*out = v;
	return n;
}

/* is_default_entry: the id, the title, or the index in that order. */
static size_t pick(const struct bls *v, size_t n, const char *def)
{
	char *end;
	long idx;

	if (!def || !*def)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(def, v[i].name) == 0 || (v[i].title && strcmp(def, v[i].title) == 0))
			return i;
	idx = strtol(def, &end, 0);
	if (*end || idx < 0)
		return n;
	return (size_t)idx < n ? (size_t)idx : n;
}

static bool is_microcode(const char *path)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	return strstr(b, "ucode") || strstr(b, "microcode");
}

/* The trial's entry: the default's lines, its title marked, its options
 * with the plan's parameters, the trial's id and panic=10, its initramfs
 * (not microcode) in vfioconf/ID beside it. NULL: it loads none. */
static char *trial_text(const struct bls *d, const char *id, const char *kver, const struct strv *params)
{
	struct strbuf sb = {0};
	bool opts_done = false, initrd_done = false;

	strbuf_printf(&sb, "# Managed by vfioconf: trial %s, booted once by grub2-reboot ('vfioconf trial abort' "
			   "takes it out)\n", id);
	strbuf_printf(&sb, "title vfioconf trial %s (once): %s\n", id, d->title ? d->title : d->name);
	for (const char *l = d->text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *line = xstrndup(l, len), *k = line, *v;
		while (*k == ' ' || *k == '\t')
			k++;
		v = k + strcspn(k, " \t");
		v += strspn(v, " \t");
		if (*k == '#' || !*k || (str_starts_with(k, "title") && (k[5] == ' ' || k[5] == '\t'))) {
			/* written above */
		} else if (str_starts_with(k, "options") && (k[7] == ' ' || k[7] == '\t')) {
			struct cmdline cl;
			if (!opts_done) {
				cmdline_parse(&cl, v);
				strbuf_printf(&sb, "options %s", v);
				for (size_t i = 0; i < params->n; i++)
					if (!cmdline_has(&cl, params->v[i]))
						strbuf_printf(&sb, " %s", params->v[i]);
				strbuf_printf(&sb, " %s=%s panic=10\n", TRIAL_PARAM, id);
				cmdline_free(&cl);
			}
			opts_done = true;
		} else if (str_starts_with(k, "initrd") && (k[6] == ' ' || k[6] == '\t')) {
			/* one line may name several images */
			struct strbuf ln = {0};
			char *save = NULL;
			for (char *w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
				const char *slash = strrchr(w, '/');
				if (!initrd_done && !is_microcode(w) && w[0] != '$') {
					strbuf_printf(&ln, " %.*svfioconf/%s/initrd.img-%s", slash ? (int)(slash - w + 1) : 0, w,
						      id, kver);
					initrd_done = true;
				} else {
					strbuf_printf(&ln, " %s", w);
				}
			}
			strbuf_printf(&sb, "initrd%s\n", strbuf_str(&ln));
			strbuf_free(&ln);
		} else {
			strbuf_printf(&sb, "%s\n", k);
		}
		free(line);
		l = nl ? nl + 1 : NULL;
	}
	if (!opts_done) /* blscfg takes $default_kernelopts then: ours on top */
		strbuf_printf(&sb, "options $default_kernelopts %s=%s panic=10\n", TRIAL_PARAM, id);
	if (!initrd_done) {
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

int trial_bls_entry(const struct sysroot *sr, const char *grub_default, const char *saved_entry, const char *id,
		    const struct strv *params, struct trial_bls_entry *out, char **why)
{
	struct bls *v = NULL, *w = NULL;
	size_t n = load(sr, false, &v), nw = load(sr, true, &w), d, dw;
	const char *def = grub_default;
	int r = 0;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (def && strcmp(def, "saved") == 0)
		def = saved_entry;
	if (!n) {
		r = trial_fail(why, xasprintf(_("no BLS entry in /%s"), ENTRIES));
		goto out;
	}
	if (def && strchr(def, '>')) {
		r = trial_fail(why, xasprintf(_("GRUB's default (%s) names an entry in a submenu; a trial copies a BLS entry"),
					def));
		goto out;
	}
	d = pick(v, n, def);
	if (d == n) {
		r = trial_fail(why, xasprintf(_("GRUB's default entry (%s%s) is none of the BLS entries in /%s; set one with "
					  "grub2-set-default first"),
					grub_default && strcmp(grub_default, "saved") == 0 ? "saved_entry=" : "GRUB_DEFAULT=",
					def ? def : "", ENTRIES));
		goto out;
	}
	/* with the trial sorted in, the default must be the same entry */
	dw = pick(w, nw, def);
	if (dw == nw || !w[dw].text || strcmp(w[dw].name, v[d].name) != 0) {
		/* TRANSLATORS: the third %s is "a number" or "the first entry", the
		 * fourth "become the default" or "move the default to another entry" */
		r = trial_fail(why, xasprintf(_("blscfg sorts the trial's entry (%s) before %s, which GRUB boots by default "
					  "as %s: the trial would %s; name the default by its id first "
					  "(grub2-set-default %s)"),
					TRIAL_BLS_FILE, v[d].name, def && *def ? _("a number") : _("the first entry"),
					dw < nw && !w[dw].text ? _("become the default")
							       : _("move the default to another entry"),
					v[d].name));
		goto out;
	}
	if (!v[d].linux_path) {
		r = trial_fail(why, xasprintf(_("/%s/%s.conf has no linux line"), ENTRIES, v[d].name));
		goto out;
	}
	if (v[d].version) {
		out->kver = xstrdup(v[d].version);
	} else {
		const char *b = strrchr(v[d].linux_path, '/') ? strrchr(v[d].linux_path, '/') + 1 : v[d].linux_path;
		if (str_starts_with(b, "vmlinuz-") && b[8])
			out->kver = xstrdup(b + 8);
	}
	if (!out->kver) {
		r = trial_fail(why, xasprintf(_("/%s/%s.conf: which kernel it boots is not known (no version line, no "
					  "vmlinuz-VERSION)"),
					ENTRIES, v[d].name));
		goto out;
	}
	out->text = trial_text(&v[d], id, out->kver, params);
	if (!out->text) {
		r = trial_fail(why, xasprintf(_("/%s/%s.conf loads no initramfs"), ENTRIES, v[d].name));
		goto out;
	}
	out->title = xstrdup(v[d].title ? v[d].title : v[d].name);
	out->file = xasprintf("%s.conf", v[d].name);
out:
	if (r < 0)
		trial_bls_entry_free(out);
	for (size_t i = 0; i < n; i++)
		bls_free(&v[i]);
	for (size_t i = 0; i < nw; i++)
		bls_free(&w[i]);
	free(v);
	free(w);
	return r;
}

void trial_bls_entry_free(struct trial_bls_entry *e)
{
	free(e->title);
	free(e->kver);
	free(e->file);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

char *trial_grubenv_get(const char *text, const char *name)
{
	size_t nl = strlen(name);

	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (len > nl && strncmp(l, name, nl) == 0 && l[nl] == '=')
			return xstrndup(l + nl + 1, len - nl - 1);
		l = e ? e + 1 : NULL;
	}
	return NULL;
}

bool trial_grubenv_at_writable(const struct host_facts *h, const char *rel, char **why)
{
	static const char *const fs_no[] = {"btrfs", "zfs", "cpiofs", "newc", "odc", "romfs", "squash4",
					    "squashfs", "tarfs"};
	const struct mount_info *m = trial_mount_of(h, rel);

	*why = NULL;
	if (!m) {
		*why = xasprintf(_("the file system holding /%s is unknown (no mount above it)"), rel);
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fs_no); i++)
		if (strcmp(m->fstype, fs_no[i]) == 0) {
			*why = xasprintf(_("/%s is on %s (%s), where GRUB cannot write grubenv: a one-shot boot would "
					   "stay the default"),
					 rel, m->fstype, m->target);
			return false;
		}
	if (str_starts_with(m->source, "/dev/mapper/") || str_starts_with(m->source, "/dev/md") ||
	    str_starts_with(m->source, "/dev/dm-")) {
		*why = xasprintf(_("/%s is on %s (LVM, RAID or encryption), where GRUB cannot write grubenv: a "
				   "one-shot boot would stay the default"),
				 rel, m->source);
		return false;
	}
	return true;
}

int trial_bls_grubenv(const struct sysroot *sr, const struct host_facts *h, const char *rel, char **text, char **why)
{
	char *at = NULL;
	int r = 0;

	*text = NULL;
	*why = NULL;
	/* older Fedora on EFI: a link to the ESP's grubenv, which GRUB writes
	 * there (FAT): the one-shot is used up where the link leads */
	if (root_resolve(sr->root, rel, &at) < 0 || rooted_read_path(sr->root, at, 1 << 16, text, NULL) < 0) {
		*text = NULL;
		r = trial_fail(why, xasprintf(_("/%s cannot be read (grub2-editenv - create makes it)"), rel));
	} else if (!trial_grubenv_at_writable(h, at, why)) {
		free(*text);
		*text = NULL;
		r = -EINVAL;
	}
	free(at);
	return r;
}
