/* trial_pmx.c - the trial on Proxmox VE's ESPs (trial.h says how
 * proxmox-boot-tool keeps them): the default entry made the way
 * proxmox-boot-tool writes it, and the trial's from it. Reads only the
 * root; the ESPs themselves are checked by the sync script, which mounts
 * them. */
#include "config.h"

#include "backends/boot/planner.h"
#include "backends/boot/trial.h"
#include "backends/sys/rooted.h"
#include "core/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A file's first line as proxmox-boot-tool's get_first_line reads it
 * (the text up to the first newline, as it is); owned, NULL when the file
 * cannot be read. */
static char *first_line(const struct sysroot *sr, const char *rel)
{
	char *text = NULL, *l;

	if (rooted_read_path(sr->root, rel, 1 << 16, &text, NULL) < 0)
		return NULL;
	l = xstrndup(text, strcspn(text, "\n"));
	free(text);
	return l;
}

/* A FAT file system's UUID as /dev/disk/by-uuid names it: XXXX-XXXX. */
static bool vfat_uuid(const char *s)
{
	for (int i = 0; i < 9; i++)
		if (i == 4 ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return s[9] == '\0';
}

static int read_uuids(const struct sysroot *sr, struct strv *out, char **why)
{
	char *text = NULL;
	int r = 0, n = 0;

	if (rooted_read_path(sr->root, TRIAL_PMX_UUIDS, 1 << 16, &text, NULL) < 0)
		return trial_fail(why, xasprintf(_("/%s cannot be read"), TRIAL_PMX_UUIDS));
	for (char *l = text, *nl; l && *l && r == 0; l = nl ? nl + 1 : NULL) {
		if ((nl = strchr(l, '\n')))
			*nl = '\0';
		n++;
		/* proxmox-boot-tool passes over what is no UUID; a comment
		 * or a blank line is nothing to say */
		if (!*l || *l == '#')
			continue;
		/* the UUIDs go on the sync script's command line: each one
		 * checked here, as proxmox-boot-tool checks them */
		if (!vfat_uuid(l))
			r = trial_fail(why, xasprintf(_("/%s:%d: '%s' is not an ESP's UUID (XXXX-XXXX); 'proxmox-boot-tool "
						  "clean' takes out what is not"),
						TRIAL_PMX_UUIDS, n, l));
		else if (!strv_contains(out, l))
			strv_push(out, l);
	}
	free(text);
	if (r == 0 && out->n == 0)
		r = trial_fail(why, xasprintf(_("/%s lists no ESP"), TRIAL_PMX_UUIDS));
	return r;
}

/* A kernel version as it goes on the sync script's command line and into
 * paths: letters, digits and ._+~- (as the script checks too), a letter or
 * digit first. */
static bool kver_ok(const char *k)
{
	if (!isalnum((unsigned char)*k))
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && !strchr("._+~-", *k))
			return false;
	return true;
}

/* Does proxmox-boot-tool put a kernel on the ESPs: its own kernels
 * (-pve), and those added by hand (proxmox-boot-tool kernel add). */
static bool pmx_kernel(const char *kver, const char *manual)
{
	size_t l = strlen(kver);

	if (l > 4 && strcmp(kver + l - 4, "-pve") == 0)
		return true;
	for (const char *m = manual; m && *m;) {
		size_t n = strcspn(m, "\n");
		if (n == l && strncmp(m, kver, l) == 0)
			return true;
		m += n + (m[n] == '\n');
	}
	return false;
}

/* The kernel systemd-boot takes for "default proxmox-*": the first
 * proxmox-KVER.conf in its order, the highest version (ids compared by
 * version, newest first). Kernels in /boot with an initramfs; owned. */
static char *newest_kernel(const struct sysroot *sr)
{
	struct strv names = {0};
	char *manual = NULL, *best = NULL;
	int base = rooted_base(sr->root);

	if (base < 0)
		return NULL;
	(void)rooted_read_path(sr->root, "etc/kernel/proxmox-boot-manual-kernels", 1 << 16, &manual, NULL);
	rooted_list(base, "boot", ROOTED_FOLLOW, &names);
	close(base);
	for (size_t i = 0; i < names.n; i++) {
		const char *k;
		char *img;
		bool ok;
		if (!str_starts_with(names.v[i], "vmlinuz-"))
			continue;
		k = names.v[i] + 8;
		if (!kver_ok(k) || !pmx_kernel(k, manual))
			continue;
		img = xasprintf("boot/initrd.img-%s", k);
		ok = root_exists(sr, img);
		free(img);
		if (ok && (!best || strverscmp(k, best) > 0)) {
			free(best);
			best = xstrdup(k);
		}
	}
	strv_free(&names);
	free(manual);
	return best;
}

/* zz-proxmox-boot's LOADER_TITLE */
static const char *product_title(const struct sysroot *sr)
{
	if (root_exists(sr, "etc/pve"))
		return "Proxmox Virtual Environment";
	if (root_exists(sr, "usr/share/doc/proxmox-mailgateway"))
		return "Proxmox Mailgateway";
	if (root_exists(sr, "usr/share/doc/proxmox-backup"))
		return "Proxmox Backup Server";
	return "Proxmox Virtual Environment";
}

int trial_pmx_entry(const struct sysroot *sr, const char *efi_default, const char *loader_info, const char *id,
		    const struct strv *params, struct trial_pmx *out, char **why)
{
	char *pin = NULL, *cmdline = NULL, *img;
	int r;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if ((r = read_uuids(sr, &out->uuids, why)) < 0)
		goto out;
	/* GRUB on the ESPs (BIOS mode, or Secure Boot) reads its own grub.cfg
	 * there, which proxmox-boot-tool writes with update-grub */
	if (!loader_info || !str_starts_with(loader_info, "systemd-boot")) {
		/* TRANSLATORS: %s is the boot loader as it names itself
		 * ("GRUB 2.06"); this and the next begin the sentence after */
		char *who = loader_info ? xasprintf(_("%s started this boot (LoaderInfo)"), loader_info)
					: xstrdup(_("systemd-boot did not start this boot (no LoaderInfo EFI variable)"));
		/* TRANSLATORS: %s is one of the two above; then the list of
		 * ESPs (a file) */
		r = trial_fail(why, xasprintf(_("%s: so the ESPs of /%s boot GRUB, whose grub.cfg proxmox-boot-tool writes on "
					  "each of them; a trial is made for systemd-boot on them only"),
					who, TRIAL_PMX_UUIDS));
		free(who);
		goto out;
	}
	if ((pin = first_line(sr, "etc/kernel/next-boot-pin")) && *pin) {
		r = trial_fail(why, xasprintf(_("kernel %s is pinned for the next boot only (/etc/kernel/next-boot-pin): "
					  "boot it first, or 'proxmox-boot-tool kernel unpin --next-boot'"),
					pin));
		goto out;
	}
	free(pin);
	pin = NULL;
	if (efi_default) {
		size_t l = strlen(efi_default);
		if (!str_starts_with(efi_default, "proxmox-") || l <= 13 || strcmp(efi_default + l - 5, ".conf") != 0 ||
		    strpbrk(efi_default, "*?[/")) {
			r = trial_fail(why, xasprintf(_("systemd-boot's default is %s (LoaderEntryDefault), not an entry "
						  "proxmox-boot-tool writes; 'bootctl set-default \"\"' gives it back to "
						  "proxmox-boot-tool's loader.conf"),
						efi_default));
			goto out;
		}
		out->kver = xstrndup(efi_default + 8, l - 13);
	} else if ((pin = first_line(sr, "etc/kernel/proxmox-boot-pin")) && *pin) {
		out->kver = xstrdup(pin);
	} else if (!(out->kver = newest_kernel(sr))) {
		r = trial_fail(why, xstrdup(_("no kernel proxmox-boot-tool puts on the ESPs (/boot/vmlinuz-*-pve with its "
					"initrd.img, or one of /etc/kernel/proxmox-boot-manual-kernels)")));
		goto out;
	}
	if (!kver_ok(out->kver)) {
		r = trial_fail(why, xasprintf(_("'%s' is not a kernel version"), out->kver));
		goto out;
	}
	if (!(cmdline = first_line(sr, "etc/kernel/cmdline"))) {
		r = trial_fail(why, xstrdup(_("/etc/kernel/cmdline cannot be read: proxmox-boot-tool's entries carry its "
					"first line")));
		goto out;
	}
	if (!strstr(cmdline, "root=")) {
		r = trial_fail(why, xstrdup(_("/etc/kernel/cmdline's first line has no root= (proxmox-boot-tool refuses it "
					"too)")));
		goto out;
	}
	out->title = xstrdup(product_title(sr));
	out->entry = xasprintf("title    %s\nversion  %s\noptions  %s\nlinux    /EFI/proxmox/%s/vmlinuz-%s\n"
			       "initrd   /EFI/proxmox/%s/initrd.img-%s\n",
			       out->title, out->kver, cmdline, out->kver, out->kver, out->kver, out->kver);
	img = xasprintf("/vfioconf/%s/initrd.img-%s", id, out->kver);
	out->text = trial_sdboot_copy(out->entry, out->title, id, params, img);
	free(img);
	if (!out->text) /* the entry above has an initrd line */
		r = trial_fail(why, xstrdup("proxmox-boot-tool's entry made without an initrd line"));
out:
	if (r < 0)
		trial_pmx_free(out);
	free(pin);
	free(cmdline);
	return r;
}

void trial_pmx_free(struct trial_pmx *p)
{
	strv_free(&p->uuids);
	free(p->kver);
	free(p->title);
	free(p->entry);
	free(p->text);
	memset(p, 0, sizeof(*p));
}
