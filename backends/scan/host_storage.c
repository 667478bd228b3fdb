/* host_storage.c - the storage the host cannot lose: the PCI controllers
 * under /, /boot, the ESP, swap and every fstab mount, through dm and md. */
#include "config.h"

#include "backends/scan/host_facts.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A block device (a sysfs path to it) to the PCI controllers beneath it,
 * through dm/md slaves. */
static void block_to_pci(const struct sysroot *sr, const char *syspath, struct strv *out, int depth,
			 struct log *log)
{
	char real[PATH_MAX];
	char *slaves;
	DIR *d;
	struct dirent *e;
	bool any = false;

	if (depth > 16 || !realpath(syspath, real))
		return;
	slaves = path_join(real, "slaves");
	d = opendir(slaves);
	if (d) {
		while ((e = readdir(d))) {
			char *s;
			if (e->d_name[0] == '.')
				continue;
			any = true;
			s = path_join(slaves, e->d_name);
			block_to_pci(sr, s, out, depth + 1, log);
			free(s);
		}
		closedir(d);
	}
	free(slaves);
	if (!any)
		host_pci_above(real, out);
}

static char *unescape_octal(const char *s)
{
	struct strbuf sb = {0};

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			strbuf_putc(&sb, (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0')));
			s += 4;
		} else {
			strbuf_putc(&sb, *s++);
		}
	}
	return strbuf_detach(&sb);
}

struct mnt {
	char *target;
	char *source;
	char fstype[32];
	unsigned maj, min;
};

static size_t read_mountinfo(const struct sysroot *sr, struct mnt **out, struct log *log)
{
	char *p = path_join(sr->procfs, "self/mountinfo");
	char *text = NULL, *save = NULL;
	struct mnt *v = NULL;
	size_t n = 0;
	int lineno = 0;

	if (read_file(p, MAX_PROC_FILE, &text, NULL) < 0) {
		log_warn(log, "%s: unreadable; cannot tell which disks hold the host's mounts", p);
		free(p);
		*out = NULL;
		return 0;
	}
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char target[4096], source[4096], v_fstype[32];
		unsigned maj, min;
		char *dash = strstr(line, " - ");

		lineno++;
		if (!dash || sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, target) != 3 ||
		    sscanf(dash + 3, "%31s %4095s", v_fstype, source) != 2) {
			log_warn(log, "%s:%d: not a mountinfo line; ignored", p, lineno);
			continue;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].target = unescape_octal(target);
		v[n].source = unescape_octal(source);
		v[n].maj = maj;
		v[n].min = min;
		snprintf(v[n].fstype, sizeof(v[n].fstype), "%s", v_fstype);
		n++;
	}
	free(text);
	free(p);
	*out = v;
	return n;
}

/* Resolves a device name as fstab or /proc/swaps writes it (/dev/sda2,
 * /dev/mapper/x, UUID=..., LABEL=...) to its sysfs block directory. */
static char *resolve_blockdev(const struct sysroot *sr, const char *spec)
{
	static const struct {
		const char *tag, *dir;
	} tags[] = {
		{"UUID=", "dev/disk/by-uuid/"}, {"LABEL=", "dev/disk/by-label/"},
		{"PARTUUID=", "dev/disk/by-partuuid/"}, {"PARTLABEL=", "dev/disk/by-partlabel/"},
	};
	char *devpath = NULL, *name = NULL, *r = NULL;
	char buf[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(tags); i++)
		if (str_starts_with(spec, tags[i].tag))
			devpath = xasprintf("%s%s", tags[i].dir, spec + strlen(tags[i].tag));
	if (!devpath) {
		if (!str_starts_with(spec, "/dev/"))
			return NULL;
		devpath = xstrdup(spec + 1);
	}
	/* /dev links are relative (../sda2, ../../dm-0): their last component
	 * is the kernel name. */
	{
		char *full = path_join(sr->root, devpath);
		ssize_t n = readlink(full, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			name = xstrdup(path_basename(buf));
		} else {
			name = xstrdup(path_basename(devpath));
		}
		free(full);
	}
	if (str_starts_with(spec, "/dev/mapper/") && !str_starts_with(name, "dm-")) {
		/* Not a link: find the dm device by its name. */
		char *bdir = path_join(sr->sysfs, "block");
		DIR *d = opendir(bdir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char *dm = path_joinf(bdir, "%s/dm", e->d_name);
			char *dmname = NULL;
			if (read_attr(dm, "name", &dmname) == 0 && strcmp(dmname, name) == 0) {
				free(name);
				name = xstrdup(e->d_name);
			}
			free(dmname);
			free(dm);
		}
		if (d)
			closedir(d);
		free(bdir);
	}
	r = path_joinf(sr->sysfs, "class/block/%s", name);
	if (!path_exists(r)) {
		free(r);
		r = NULL;
	}
	free(name);
	free(devpath);
	return r;
}

static struct mount_info *add_mount(struct host_facts *h, const char *target, const char *source)
{
	struct mount_info *m;

	h->mounts = xrealloc(h->mounts, (h->n_mounts + 1) * sizeof(*h->mounts));
	m = &h->mounts[h->n_mounts++];
	memset(m, 0, sizeof(*m));
	m->target = xstrdup(target);
	m->source = xstrdup(source);
	return m;
}

static void mount_devices(const struct sysroot *sr, const struct mnt *mt, struct mount_info *mi,
			  struct log *log)
{
	char *p = path_joinf(sr->sysfs, "dev/block/%u:%u", mt->maj, mt->min);

	if (mt->maj != 0 && path_exists(p)) {
		block_to_pci(sr, p, &mi->pci, 0, log);
	} else {
		/* btrfs and friends report an anonymous 0:N; use the source. */
		char *b = resolve_blockdev(sr, mt->source);
		if (b)
			block_to_pci(sr, b, &mi->pci, 0, log);
		free(b);
	}
	free(p);
}

static bool interesting_target(const char *t)
{
	return strcmp(t, "/") == 0 || strcmp(t, "/boot") == 0 || strcmp(t, "/boot/efi") == 0 ||
	       strcmp(t, "/efi") == 0 || strcmp(t, "/usr") == 0 || strcmp(t, "/var") == 0;
}

/* Where an fstab target of the installed system is mounted now: under
 * ROOT when a rescue system has it at /mnt. */
static char *live_target(const struct sysroot *sr, const char *t)
{
	return path_join(sr->root, t);
}

void host_storage_scan(const struct sysroot *sr, struct host_facts *h, struct log *log)
{
	struct mnt *mt = NULL;
	size_t nmt = read_mountinfo(sr, &mt, log);
	char *fstab_path = path_join(sr->root, "etc/fstab");
	char *fstab = NULL, *save = NULL;
	struct strv seen = {0};
	int lineno = 0;

	/* A rescue system has the installed root mounted at ROOT (/mnt): its
	 * mounts are ROOT-prefixed. A captured or fixture procfs describes
	 * the installed system itself, with no mount at ROOT. */
	bool prefixed = false;
	for (size_t i = 0; i < nmt; i++)
		if (strcmp(sr->root, "/") != 0 && strcmp(mt[i].target, sr->root) == 0)
			prefixed = true;

	/* The well-known mounts first, as mounted now. */
	for (size_t i = 0; i < nmt; i++) {
		const char *rel = mt[i].target;
		size_t rl = strlen(sr->root);
		if (prefixed) {
			if (strncmp(rel, sr->root, rl) != 0 || (rel[rl] != '/' && rel[rl] != '\0'))
				continue;
			rel = rel[rl] ? rel + rl : "/";
		}
		if (!interesting_target(rel) || strv_contains(&seen, rel))
			continue;
		strv_push(&seen, rel);
		struct mount_info *mi = add_mount(h, rel, mt[i].source);
		snprintf(mi->fstype, sizeof(mi->fstype), "%s", mt[i].fstype);
		mount_devices(sr, &mt[i], mi, log);
	}

	if (read_file(fstab_path, MAX_PROC_FILE, &fstab, NULL) == 0) {
		for (char *line = strtok_r(fstab, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char spec[4096], target[4096], type[256];
			lineno++;
			line = (char *)str_lskip(line);
			if (*line == '#' || !*line)
				continue;
			if (sscanf(line, "%4095s %4095s %255s", spec, target, type) != 3) {
				log_warn(log, "%s:%d: not an fstab entry; ignored", fstab_path, lineno);
				continue;
			}
			char *t = unescape_octal(target), *s = unescape_octal(spec);
			if (strcmp(type, "swap") == 0 || strcmp(t, "none") == 0 ||
			    strv_contains(&seen, t) || !(s[0] == '/' || strchr(s, '='))) {
				free(t);
				free(s);
				continue; /* swap comes from /proc/swaps; tmpfs etc. hold no disk */
			}
			strv_push(&seen, t);
			char *live = prefixed ? live_target(sr, t) : xstrdup(t);
			struct mount_info *mi = NULL;
			for (size_t i = 0; i < nmt && !mi; i++)
				if (strcmp(mt[i].target, live) == 0) {
					mi = add_mount(h, t, mt[i].source);
					snprintf(mi->fstype, sizeof(mi->fstype), "%s", mt[i].fstype);
					mount_devices(sr, &mt[i], mi, log);
				}
			if (!mi) {
				char *b = resolve_blockdev(sr, s);
				mi = add_mount(h, t, s);
				mi->from_fstab_only = true;
				snprintf(mi->fstype, sizeof(mi->fstype), "%.31s", type);
				if (b)
					block_to_pci(sr, b, &mi->pci, 0, log);
				free(b);
			}
			free(live);
			free(t);
			free(s);
		}
		free(fstab);
	}
	free(fstab_path);

	/* Active swap: a partition, or a file on a mounted filesystem. */
	{
		char *p = path_join(sr->procfs, "swaps");
		char *text = NULL, *sv = NULL;
		if (read_file(p, MAX_PROC_FILE, &text, NULL) == 0) {
			bool header = true;
			for (char *line = strtok_r(text, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
				char name[4096], type[64];
				if (header) {
					header = false;
					continue;
				}
				if (sscanf(line, "%4095s %63s", name, type) != 2)
					continue;
				char *fn = unescape_octal(name);
				struct mount_info *mi = add_mount(h, "swap", fn);
				if (strcmp(type, "file") == 0) {
					size_t best = 0, bl = 0;
					for (size_t i = 0; i < nmt; i++) {
						size_t l = strlen(mt[i].target);
						if (strncmp(fn, mt[i].target, l) == 0 &&
						    (fn[l] == '/' || l == 1) && l >= bl) {
							best = i;
							bl = l;
						}
					}
					if (bl)
						mount_devices(sr, &mt[best], mi, log);
				} else {
					char *b = resolve_blockdev(sr, fn);
					if (b)
						block_to_pci(sr, b, &mi->pci, 0, log);
					free(b);
				}
				free(fn);
			}
			free(text);
		}
		free(p);
	}
	for (size_t i = 0; i < nmt; i++) {
		free(mt[i].target);
		free(mt[i].source);
	}
	free(mt);
	strv_free(&seen);
}
