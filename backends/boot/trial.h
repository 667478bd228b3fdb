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
 * initramfs-tools: the trial's image is built by mkinitramfs -d from a
 * copy of /etc/initramfs-tools (the user's hooks and scripts with it)
 * whose modules list is the plan's, with a hook that puts the plan's
 * modprobe.d file and device list into the image; /etc is not touched.
 */
#ifndef VFIOCONF_TRIAL_H
#define VFIOCONF_TRIAL_H

#include <stdbool.h>

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

#endif
