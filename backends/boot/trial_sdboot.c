/* trial_sdboot.c - the trial as a systemd-boot loader entry: a copy of the
 * entry systemd-boot boots by default, counted (one try), never the
 * default itself; and whether the firmware's variables can take the
 * one-shot. Reads only: the sync script writes. */
#include "config.h"

#include "backends/boot/trial.h"
#include "backends/sys/rooted.h"
#include "core/cmdline.h"
#include "core/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where an ESP or XBOOTLDR partition is mounted, root-relative, in the
 * order bootctl looks (boot_loader_entries.c reads the same three). */
static const char *const parts[] = {"efi", "boot/efi", "boot", NULL};

struct sd_entry {
	char *file, *part, *id; /* id: systemd-boot's (lowercase, no counter) */
	char *text;
	char *title, *version, *sort_key, *machine_id, *linux_path, *efi;
	int tries_left; /* -1: not counted */
};

char *trial_entry_field(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		while (len && (*l == ' ' || *l == '\t'))
			l++, len--;
		if (len > kl && strncmp(l, key, kl) == 0 && (l[kl] == ' ' || l[kl] == '\t')) {
			const char *v = l + kl;
			size_t vl = len - kl;
			while (vl && (*v == ' ' || *v == '\t'))
				v++, vl--;
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r'))
				vl--;
			return xstrndup(v, vl);
		}
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* systemd-boot's id and tries from a file name (boot_entry_parse_tries):
 * "NAME+LEFT[-DONE].conf" is "NAME.conf" with LEFT tries left. */
static void parse_name(struct sd_entry *e)
{
	const char *plus = strrchr(e->file, '+');
	size_t n = strlen(e->file);
	char *end;
	long left;

	e->tries_left = -1;
	e->id = xstrdup(e->file);
	if (plus && n > 5) {
		left = strtol(plus + 1, &end, 10);
		if (end > plus + 1 && *end == '-')
			(void)strtol(end + 1, &end, 10);
		if (end > plus + 1 && strcmp(end, ".conf") == 0) {
			free(e->id);
			e->id = xasprintf("%.*s.conf", (int)(plus - e->file), e->file);
			e->tries_left = (int)left;
		}
	}
	for (char *c = e->id; *c; c++)
		*c = (char)tolower((unsigned char)*c);
}

static void entry_free(struct sd_entry *e)
{
	free(e->file);
	free(e->part);
	free(e->id);
	free(e->text);
	free(e->title);
	free(e->version);
	free(e->sort_key);
	free(e->machine_id);
	free(e->linux_path);
	free(e->efi);
}

/* boot_entry_compare: bad entries last, entries with a sort-key before
 * those without, then sort-key, machine-id, version (newest first), id
 * (highest first). glibc's strverscmp stands in for systemd's
 * strverscmp_improved: they agree on the version strings kernels use. */
static int vcmp(const char *a, const char *b)
{
	return strverscmp(a ? a : "", b ? b : "");
}

static int compare(const void *pa, const void *pb)
{
	const struct sd_entry *a = pa, *b = pb;
	int r;

	if ((a->tries_left == 0) != (b->tries_left == 0))
		return a->tries_left == 0 ? 1 : -1;
	if (!a->sort_key != !b->sort_key)
		return a->sort_key ? -1 : 1;
	if (a->sort_key) {
		if ((r = strcmp(a->sort_key, b->sort_key)) != 0)
			return r;
		if ((r = strcmp(a->machine_id ? a->machine_id : "", b->machine_id ? b->machine_id : "")) != 0)
			return r;
		if ((r = -vcmp(a->version, b->version)) != 0)
			return r;
	}
	if ((r = -vcmp(a->id, b->id)) != 0)
		return r;
	if (a->tries_left < 0 || b->tries_left < 0)
		return 0;
	return b->tries_left - a->tries_left;
}

/* Every entry on the partitions, ours left out. */
static size_t load_entries(const struct sysroot *sr, struct sd_entry **out)
{
	struct sd_entry *v = NULL;
	struct strv seen = {0};
	size_t n = 0;
	int base = rooted_base(sr->root);

	for (const char *const *p = parts; base >= 0 && *p; p++) {
		struct strv names = {0};
		char *dir = xasprintf("%s/loader/entries", *p), *res = NULL;
		/* /efi may be a link to /boot/efi: one partition, read once */
		if (root_resolve(sr->root, *p, &res) < 0 || strv_contains(&seen, res)) {
			free(res);
			free(dir);
			continue;
		}
		strv_push(&seen, res);
		free(res);
		rooted_list(base, dir, ROOTED_FOLLOW, &names);
		for (size_t i = 0; i < names.n; i++) {
			size_t l = strlen(names.v[i]);
			char *rel, *text = NULL;
			if (l <= 5 || strcmp(names.v[i] + l - 5, ".conf") != 0 ||
			    str_starts_with(names.v[i], TRIAL_SD_BASE))
				continue;
			rel = xasprintf("%s/%s", dir, names.v[i]);
			if (rooted_read_path(sr->root, rel, 1 << 16, &text, NULL) == 0) {
				struct sd_entry *e;
				v = xrealloc(v, (n + 1) * sizeof(*v));
				e = &v[n++];
				memset(e, 0, sizeof(*e));
				e->file = xstrdup(names.v[i]);
				e->part = xstrdup(*p);
				e->text = text;
				e->title = trial_entry_field(text, "title");
				e->version = trial_entry_field(text, "version");
				e->sort_key = trial_entry_field(text, "sort-key");
				e->machine_id = trial_entry_field(text, "machine-id");
				e->linux_path = trial_entry_field(text, "linux");
				e->efi = trial_entry_field(text, "efi");
				if (!e->efi)
					e->efi = trial_entry_field(text, "uki");
				parse_name(e);
			}
			free(rel);
		}
		strv_free(&names);
		free(dir);
	}
	if (base >= 0)
		close(base);
	strv_free(&seen);
	*out = v;
	return n;
}

/* loader.conf's "default", lowercased as systemd-boot matches it; owned. */
static char *conf_default(const struct sysroot *sr)
{
	for (const char *const *p = parts; *p; p++) {
		char *rel = xasprintf("%s/loader/loader.conf", *p), *text = NULL, *d = NULL;
		if (rooted_read_path(sr->root, rel, 1 << 16, &text, NULL) == 0)
			d = trial_entry_field(text, "default");
		free(text);
		free(rel);
		if (d) {
			for (char *c = d; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			return d;
		}
	}
	return NULL;
}

/* The kernel an entry boots: "version", else vmlinuz-KVER, else the
 * directory kernel-install names after it (/MACHINE-ID/KVER/linux). */
static char *entry_kver(const struct sd_entry *e)
{
	const char *b, *l = e->linux_path;

	if (e->version)
		return xstrdup(e->version);
	b = strrchr(l, '/') ? strrchr(l, '/') + 1 : l;
	if (str_starts_with(b, "vmlinuz-") && b[8])
		return xstrdup(b + 8);
	if (b > l + 1 && strcmp(b, "linux") == 0) {
		const char *s = b - 1, *p = s;
		while (p > l && p[-1] != '/')
			p--;
		if (s > p)
			return xstrndup(p, (size_t)(s - p));
	}
	return NULL;
}

static bool is_microcode(const char *path)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	return strstr(b, "ucode") || strstr(b, "microcode");
}

int trial_fail(char **why, char *m)
{
	*why = m;
	return -EINVAL;
}

/* The trial's entry from the default one: its title marked, no sort-key
 * (an entry without one sorts after every entry with one), its options
 * with the plan's parameters, the trial's id and panic=10, and the
 * trial's initramfs on the same partition instead of the kernel's. */
char *trial_sdboot_copy(const char *text, const char *name, const char *id, const struct strv *params,
			const char *img)
{
	struct strbuf sb = {0}, opts = {0};
	struct cmdline cl;
	bool opts_done = false, initrd_done = false;
	char *o;

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *line = xstrndup(l, len), *k = line;
		while (*k == ' ' || *k == '\t')
			k++;
		if (str_starts_with(k, "options") && (k[7] == ' ' || k[7] == '\t'))
			strbuf_printf(&opts, "%s%s", opts.len ? " " : "", k + 8 + strspn(k + 8, " \t"));
		free(line);
		l = nl ? nl + 1 : NULL;
	}
	cmdline_parse(&cl, strbuf_str(&opts));
	for (size_t i = 0; i < params->n; i++)
		if (!cmdline_has(&cl, params->v[i]))
			strbuf_printf(&opts, "%s%s", opts.len ? " " : "", params->v[i]);
	cmdline_free(&cl);
	strbuf_printf(&opts, "%s%s=%s panic=10", opts.len ? " " : "", TRIAL_PARAM, id);
	o = strbuf_detach(&opts);
	strbuf_printf(&sb, "# Managed by vfioconf: trial %s, booted once ('vfioconf trial abort' takes it out)\n", id);
	strbuf_printf(&sb, "title vfioconf trial %s (once): %s\n", id, name);
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *line = xstrndup(l, len), *k = line, *v;
		while (*k == ' ' || *k == '\t')
			k++;
		v = k + strcspn(k, " \t");
		v += strspn(v, " \t");
		if (str_starts_with(k, "title") || str_starts_with(k, "sort-key") || *k == '#' || !*k) {
			/* replaced above, or dropped (see the comment) */
		} else if (str_starts_with(k, "options")) {
			if (!opts_done)
				strbuf_printf(&sb, "options %s\n", o);
			opts_done = true;
		} else if (str_starts_with(k, "initrd") && !is_microcode(v)) {
			if (!initrd_done)
				strbuf_printf(&sb, "initrd %s\n", img);
			initrd_done = true;
		} else {
			strbuf_printf(&sb, "%s\n", k);
		}
		free(line);
		l = nl ? nl + 1 : NULL;
	}
	if (!opts_done)
		strbuf_printf(&sb, "options %s\n", o);
	free(o);
	if (!initrd_done) {
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

int trial_sdboot_entry(const struct sysroot *sr, const char *efi_default, const char *id, const struct strv *params,
		       struct trial_sd_entry *out, char **why)
{
	struct sd_entry *v = NULL;
	size_t n = load_entries(sr, &v), pick = 0;
	char *pattern = efi_default ? xstrdup(efi_default) : conf_default(sr), *img;
	int r = 0;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!n) {
		free(pattern);
		return trial_fail(why, xstrdup(_("no systemd-boot loader entry (loader/entries on /efi, /boot/efi or /boot): "
					   "a trial boot needs GRUB with update-grub, or systemd-boot with loader "
					   "entries")));
	}
	if (pattern && pattern[0] == '@') {
		r = trial_fail(why, xasprintf(_("systemd-boot's default is %s (the entry booted last), so a trial could "
					  "become it; set a fixed default first (bootctl set-default ID)"),
					pattern));
		goto out;
	}
	/* where systemd-boot puts the trial among the entries: it must not
	 * be the one it boots by default (the first match of the default
	 * pattern, else the first entry) */
	v = xrealloc(v, (n + 1) * sizeof(*v));
	memset(&v[n], 0, sizeof(v[n]));
	v[n].file = xstrdup(TRIAL_SD_FILE);
	parse_name(&v[n]);
	qsort(v, n + 1, sizeof(*v), compare);
	n++;
	for (pick = 0; pattern && pick < n; pick++)
		if (fnmatch(pattern, v[pick].id, 0) == 0)
			break;
	if (!pattern || pick == n)
		pick = 0; /* no default, or it matches nothing: the first entry */
	if (!v[pick].part) {
		/* TRANSLATORS: the first %s is one of the two below */
		r = trial_fail(why, xasprintf(_("systemd-boot would boot the trial by default: %s; give loader.conf a "
					  "default entry that is not %s (bootctl set-default ID) first"),
					pattern ? _("loader.conf's default matches it")
						: _("no default entry is set and it sorts first"),
					TRIAL_SD_FILE));
		goto out;
	}
	if (v[pick].efi || !v[pick].linux_path) {
		/* TRANSLATORS: the partition, the entry's file, one of the two
		 * below: what it boots */
		r = trial_fail(why, xasprintf(_("%s/loader/entries/%s boots %s; a trial needs an entry with linux and "
					  "initrd lines"),
					v[pick].part, v[pick].file,
					v[pick].efi ? _("a unified kernel image, whose command line and initramfs are inside it")
						    : _("no linux kernel")));
		goto out;
	}
	out->kver = entry_kver(&v[pick]);
	if (!out->kver) {
		r = trial_fail(why, xasprintf(_("%s/loader/entries/%s: which kernel it boots is not known (no version line, "
					  "no vmlinuz-VERSION)"),
					v[pick].part, v[pick].file));
		goto out;
	}
	img = xasprintf("/vfioconf/%s/initrd.img-%s", id, out->kver);
	out->text = trial_sdboot_copy(v[pick].text, v[pick].title ? v[pick].title : v[pick].id, id, params, img);
	free(img);
	if (!out->text) {
		r = trial_fail(why, xasprintf(_("%s/loader/entries/%s loads no initramfs"), v[pick].part, v[pick].file));
		goto out;
	}
	out->title = xstrdup(v[pick].title ? v[pick].title : v[pick].id);
	out->part = xstrdup(v[pick].part);
	out->file = xstrdup(v[pick].file);
out:
	if (r < 0)
		trial_sd_entry_free(out);
	for (size_t i = 0; i < n; i++)
		entry_free(&v[i]);
	free(v);
	free(pattern);
	return r;
}

void trial_sd_entry_free(struct trial_sd_entry *e)
{
	free(e->title);
	free(e->kver);
	free(e->part);
	free(e->file);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

char *trial_efivar(const struct sysroot *sr, const char *name)
{
	char *p = path_joinf(sr->sysfs, "firmware/efi/efivars/%s-%s", name, TRIAL_EFI_LOADER_GUID), *raw = NULL;
	struct strbuf sb = {0};
	size_t len = 0;

	if (read_file(p, 4096, &raw, &len) < 0) {
		free(p);
		return NULL;
	}
	free(p);
	/* 4 bytes of attributes, then UTF-16LE up to a NUL; ids are ASCII */
	for (size_t i = 4; i + 1 < len && (raw[i] || raw[i + 1]); i += 2)
		strbuf_putc(&sb, raw[i + 1] ? '?' : raw[i]);
	free(raw);
	return strbuf_detach(&sb);
}

bool trial_efivars_writable(const struct sysroot *sr, char **why)
{
	char *dir = path_join(sr->sysfs, "firmware/efi/efivars"), *mi = path_join(sr->procfs, "self/mountinfo");
	char *text = NULL, *save = NULL;
	struct stat st;
	bool ok = false, mounted = false;

	*why = NULL;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*why = xasprintf(_("%s is missing: no EFI variables (booted in BIOS mode?), so systemd-boot's one-shot "
				   "cannot be set"),
				 dir);
		goto out;
	}
	if (read_file(mi, 1 << 20, &text, NULL) < 0) {
		*why = xasprintf(_("%s cannot be read: whether EFI variables can be written is not known"), mi);
		goto out;
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char target[4096], opts[512], fstype[64];
		const char *dash = strstr(l, " - ");
		if (!dash || sscanf(l, "%*u %*u %*s %*s %4095s %511s", target, opts) != 2 ||
		    sscanf(dash + 3, "%63s", fstype) != 1 || strcmp(fstype, "efivarfs") != 0)
			continue;
		mounted = true;
		if (strcmp(opts, "ro") == 0 || str_starts_with(opts, "ro,")) {
			*why = xasprintf(_("efivarfs is mounted read-only on %s, so systemd-boot's one-shot cannot be "
					   "set (mount -o remount,rw %s)"),
					 target, target);
			goto out;
		}
	}
	if (!mounted) {
		*why = xstrdup(_("efivarfs is not mounted (/sys/firmware/efi/efivars), so systemd-boot's one-shot "
				 "cannot be set"));
		goto out;
	}
	ok = true;
out:
	free(text);
	free(mi);
	free(dir);
	return ok;
}
