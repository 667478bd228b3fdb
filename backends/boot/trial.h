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

#define TRIAL_SD_BASE "vfioconf-trial"
#define TRIAL_SD_FILE TRIAL_SD_BASE "+1-0.conf" /* one try left, none done */
/* LoaderEntryOneShot for it: systemd-boot's own id of an entry is its whole
 * file name, the counter too (only bootctl's listing shows it without);
 * the one-shot is matched against that id (Debian 12's systemd-boot 252
 * does not boot "vfioconf-trial.conf" as a one-shot: found by check-vm) */
#define TRIAL_SD_ID TRIAL_SD_FILE
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

/* An EFI variable of the boot loader's vendor GUID (LoaderEntryOneShot)
 * from SYSFS/firmware/efi/efivars, as text; owned, NULL when unset. */
char *trial_efivar(const struct sysroot *sr, const char *name);
/* Can bootctl write EFI variables: SYSFS/firmware/efi/efivars there, and
 * efivarfs mounted read-write (PROCFS/self/mountinfo). false with *why. */
bool trial_efivars_writable(const struct sysroot *sr, char **why);

#endif
