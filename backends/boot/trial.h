/* trial.h - a trial boot: the plan's boot path as a boot entry of its own,
 * booted once by the boot loader, beside the default entry, which stays
 * as it is until the trial has proved itself (vfioconf trial promote).
 *
 * GRUB: the trial is a copy of the default entry of grub.cfg (its search,
 * insmods and root= stay the distribution's own) with the plan's kernel
 * parameters, "vfioconf.trial=ID panic=10" and the trial's initramfs,
 * in a block of /boot/grub/custom.cfg (sourced at boot by 41_custom), and
 * grub-reboot makes it the next boot only. A trial that panics reboots,
 * and the one-shot is used up by then: the default entry comes back.
 *
 * systemd-boot (kernel-install's /etc/kernel/cmdline, or loader entries
 * alone): the trial is a copy of the entry systemd-boot boots by default
 * (LoaderEntryDefault, else loader.conf's default, else the first in its
 * order) with the same parameters added, written as
 * loader/entries/vfioconf-trial+1-0.conf beside it: one try, counted by
 * systemd-boot (it renames the file +0-1 as it boots it; the entry is
 * "bad" unless systemd-bless-boot renames it at boot-complete.target,
 * which the health check is ordered before). Its initramfs is copied to
 * that partition's /vfioconf/ID/ (an entry names files on its own
 * partition only). bootctl set-oneshot boots it once (LoaderEntryOneShot:
 * the file's name, counter and all, as systemd-boot matches it). The entry has no sort-key, so
 * it sorts after every entry that has one, and a plan whose trial would
 * still become the default entry is refused; loader.conf is not touched.
 * The journal keeps the entry's text in /boot/vfioconf/ID/; the sync
 * script puts it on the partition, since the boot loader renames it there.
 *
 * initramfs-tools: the trial's image is built by mkinitramfs -d from a
 * copy of /etc/initramfs-tools (the user's hooks and scripts with it)
 * whose modules list is the plan's, with a hook that puts the plan's
 * modprobe.d file and device list into the image; /etc is not touched.
 * dracut, mkinitcpio and booster build theirs from copies of their own
 * configuration the same way (app/app_trial_image.c says how each carries
 * the two files).
 */
#ifndef VFIOCONF_TRIAL_H
#define VFIOCONF_TRIAL_H

#include <stdbool.h>

#include "backends/sys/sysroot.h"
#include "core/inventory.h"
#include "core/util.h"

#define TRIAL_DIR "boot/vfioconf"   /* root-relative; one directory per trial id */
#define TRIAL_GRUB_ID "vfioconf-trial"
#define TRIAL_PARAM "vfioconf.trial"

struct trial_grub_entry {
	char *title; /* the default entry's */
	char *kver;  /* its kernel: vmlinuz-KVER */
	char *text;  /* the trial's menuentry, whole */
};

/* From grub.cfg's text and GRUB_DEFAULT (NULL or "0": the first entry; a
 * number; an entry's id or title): the trial entry for id. 0, or -EINVAL
 * with *why (owned) saying what stands in the way. */
int trial_grub_entry(const char *cfg, const char *grub_default, const char *id, const struct strv *params,
		     struct trial_grub_entry *out, char **why);
void trial_grub_entry_free(struct trial_grub_entry *e);

/* custom.cfg's text with vfioconf's trial block set to block (NULL: taken
 * out), the rest as it was; owned. old may be NULL (no file). */
char *trial_custom_cfg(const char *old, const char *block);
/* The id of the trial the block in custom.cfg is for, or NULL; owned. */
char *trial_custom_cfg_id(const char *text);

/* Can GRUB write grubenv at boot, so that grub-reboot's one-shot is used
 * up? Not on LVM, RAID, an encrypted device, btrfs, zfs (Debian's
 * 00_header check_writable); from the mounts holding /boot/grub. false
 * with *why (owned). */
bool trial_grubenv_writable(const struct host_facts *h, char **why);

/* ---- systemd-boot (trial_sdboot.c) ---- */

/* *why := m (owned), -EINVAL: how each trial_*() refuses. */
int trial_fail(char **why, char *m);

/* A boot loader entry's (BLS, systemd-boot) first "key value" line's
 * value, blanks around it taken off; owned, NULL when there is none. */
char *trial_entry_field(const char *text, const char *key);

#define TRIAL_SD_BASE "vfioconf-trial"
#define TRIAL_SD_FILE TRIAL_SD_BASE "+1-0.conf" /* one try left, none done */
/* LoaderEntryOneShot for it is systemd-boot's own id of the entry: until
 * 258 the whole file name, TRIAL_SD_FILE (Debian 12's 252 does not boot
 * "vfioconf-trial.conf" as a one-shot: found by check-vm), since 258 the
 * name without the counter, TRIAL_SD_ID; the sync script picks by
 * LoaderInfo */
#define TRIAL_SD_ID TRIAL_SD_BASE ".conf"
#define TRIAL_EFI_LOADER_GUID "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

struct trial_sd_entry {
	char *title; /* the default entry's */
	char *kver;  /* its kernel */
	char *part;  /* root-relative: the partition holding it ("boot/efi") */
	char *file;  /* its file name in part/loader/entries */
	char *text;  /* the trial's entry, whole */
};

/* The trial entry for id from the entries on /efi, /boot/efi and /boot;
 * efi_default: LoaderEntryDefault (NULL when unset), which systemd-boot
 * prefers to loader.conf's default. 0, or -EINVAL with *why (owned). */
int trial_sdboot_entry(const struct sysroot *sr, const char *efi_default, const char *id, const struct strv *params,
		       struct trial_sd_entry *out, char **why);
void trial_sd_entry_free(struct trial_sd_entry *e);

/* The trial's entry from an entry's text (name: its title, for the
 * trial's): title marked, no sort-key, the options with params, the
 * trial's id and panic=10, initrd img in place of the kernel's (microcode
 * images kept); owned, NULL when the entry loads no initramfs. */
char *trial_sdboot_copy(const char *text, const char *name, const char *id, const struct strv *params,
			const char *img);

/* ---- Proxmox VE's ESPs (trial_pmx.c) ----
 *
 * proxmox-boot-tool keeps every ESP of /etc/kernel/proxmox-boot-uuids
 * unmounted and writes them alone: each kernel as
 * /EFI/proxmox/KVER/{vmlinuz,initrd.img}-KVER and an entry
 * loader/entries/proxmox-KVER.conf whose options are /etc/kernel/cmdline's
 * first line; loader.conf's default "proxmox-*", or the pinned kernel's
 * entry (zz-proxmox-boot's copy_and_config_kernels and
 * set_systemd_boot_default). vfioconf does not mount them to plan, so the
 * default entry is made here as proxmox-boot-tool writes it, and the sync
 * script checks on each ESP it mounts that the ESP holds that entry, and
 * that systemd-boot takes it for the default, before it puts the trial's
 * entry beside it. systemd-bless-boot finds no ESP mounted there and
 * fails after the health check, which is harmless: the entry stays as
 * systemd-boot counted it, and taking the trial away removes it by any
 * name. */

#define TRIAL_PMX_UUIDS "etc/kernel/proxmox-boot-uuids"

struct trial_pmx {
	struct strv uuids; /* the ESPs' file system UUIDs, XXXX-XXXX */
	char *kver;        /* the kernel systemd-boot boots by default */
	char *title;       /* proxmox-boot-tool's title for the product */
	char *entry;       /* its entry, as proxmox-boot-tool writes it */
	char *text;        /* the trial's entry */
};

/* From the root: proxmox-boot-uuids, /etc/kernel/cmdline, the pins, the
 * kernels in /boot; efi_default: LoaderEntryDefault (NULL when unset);
 * loader_info: LoaderInfo (NULL when unset: not booted by systemd-boot).
 * 0, or -EINVAL with *why (owned). */
int trial_pmx_entry(const struct sysroot *sr, const char *efi_default, const char *loader_info, const char *id,
		    const struct strv *params, struct trial_pmx *out, char **why);
void trial_pmx_free(struct trial_pmx *p);

/* An EFI variable of the boot loader's vendor GUID (LoaderEntryOneShot)
 * from SYSFS/firmware/efi/efivars, as text; owned, NULL when unset. */
char *trial_efivar(const struct sysroot *sr, const char *name);
/* Can bootctl write EFI variables: SYSFS/firmware/efi/efivars there, and
 * efivarfs mounted read-write (PROCFS/self/mountinfo). false with *why. */
bool trial_efivars_writable(const struct sysroot *sr, char **why);

/* ---- GRUB with BLS entries, Fedora (trial_bls.c) ---- */

#define TRIAL_BLS_FILE TRIAL_GRUB_ID ".conf" /* blscfg's menu id: the name without .conf */

struct trial_bls_entry {
	char *title; /* the default entry's */
	char *kver;  /* its kernel */
	char *file;  /* its file name in /boot/loader/entries */
	char *text;  /* the trial's entry, whole */
};

/* blscfg's comparison of two entries' file names (.conf taken off): rpm's
 * vercmp of name, version and release, split at the last two '-'; 1: a is
 * newer (sorts first), 0, -1. */
int trial_bls_cmp(const char *a, const char *b);
/* The trial entry for id from /boot/loader/entries, copied from the entry
 * GRUB boots by default: grub_default is GRUB_DEFAULT ("saved": then
 * saved_entry, grubenv's, NULL when unset; an entry's id, its title or its
 * index in blscfg's order; NULL or "": the first). Refused where the trial,
 * sorted in among them, would be or shift the default. 0, or -EINVAL with
 * *why (owned). */
int trial_bls_entry(const struct sysroot *sr, const char *grub_default, const char *saved_entry, const char *id,
		    const struct strv *params, struct trial_bls_entry *out, char **why);
void trial_bls_entry_free(struct trial_bls_entry *e);
/* trial_grubenv_writable for a grubenv at rel (root-relative, links
 * resolved: /boot/grub2/grubenv may lead to the ESP on older Fedora). */
bool trial_grubenv_at_writable(const struct host_facts *h, const char *rel, char **why);
/* grubenv at rel read (its text into *text, owned) where it can take the
 * one-shot: 0, or -EINVAL with *why. */
int trial_bls_grubenv(const struct sysroot *sr, const struct host_facts *h, const char *rel, char **text, char **why);
/* "NAME=VALUE" of a grubenv's text, owned; NULL when unset. */
char *trial_grubenv_get(const char *text, const char *name);

/* ---- rEFInd and Limine: an entry picked by hand (trial_manual.c) ---- */

/* Neither has a one-shot: the trial is an entry beside the default one, in
 * the file the default's command line is in, appended so that the default
 * stays what it was (refind_linux.conf's first line; Limine's default_entry
 * counts from the top). Its initramfs is named where the default entry's
 * is: on disk DIR/vfioconf/ID/initrd.img-KVER, DIR the default image's
 * directory; the sync script copies it there when DIR is not /boot. */
struct trial_manual {
	char *title; /* the default entry's (Limine) or line's label (rEFInd) */
	char *kver;
	char *img_dir; /* root-relative: where the trial's image must be ("boot") */
	char *text;    /* the file with the trial's entry appended */
};

/* rEFInd: refind_linux.conf's text (old), the kernel version of the
 * default kernel of its directory (kver), the root-relative mount point
 * of the file system holding /boot (mnt: "boot", or "" for /), which the
 * paths of initrd= start from. */
int trial_refind(const char *old, const char *kver, const char *mnt, const char *id, const struct strv *params,
		 struct trial_manual *out, char **why);
/* Limine: limine.conf (v8 syntax: "/Title", "key: value") or limine.cfg
 * (":Title", "KEY=VALUE"). mnt: root-relative mount point of the file
 * system holding the file ("" for /), which boot():/ names. kver_of maps
 * the default entry's kernel path (on disk, root-relative) to its kernel
 * version, NULL when unknown. */
int trial_limine(const char *old, const char *mnt, char *(*kver_of)(void *data, const char *kernel), void *data,
		 const char *id, const struct strv *params, struct trial_manual *out, char **why);
void trial_manual_free(struct trial_manual *m);
/* The trial's entry in file (refind_linux.conf, or limine.conf) whose
 * text is old: the mount holding it from h, the kernel and its version
 * from the root (its lib/modules there, to build from); 0, or -EINVAL
 * with *why. */
int trial_manual_entry(const struct sysroot *sr, const struct host_facts *h, bool refind, const char *file,
		       const char *old, const char *id, const struct strv *params, struct trial_manual *out, char **why);

/* The mount holding the root-relative path rel (the longest mount point
 * above it), NULL when none is known. */
const struct mount_info *trial_mount_of(const struct host_facts *h, const char *rel);
/* The kernel version of a root-relative vmlinuz-X: X where lib/modules/X
 * is, else the lib/modules directory whose pkgbase is X (Arch's
 * vmlinuz-linux); owned, NULL when unknown. */
char *trial_kernel_version(const struct sysroot *sr, const char *kernel);
/* The kernel rEFInd takes for a directory's default: the newest time
 * stamp among vmlinuz*, bzImage*, kernel* there; root-relative, owned. */
char *trial_newest_kernel(const struct sysroot *sr, const char *dir);

#endif
