/* config_scan.h - what the installed system's configuration says about
 * drivers, as inputs for the effective-configuration model
 * (core/effective.h), each with its file and line.
 *
 * modprobe.d is read by libkmod's own config iterators, on a context over
 * the root's five directories in kmod's order (the files as a plan would
 * leave them, when a plan is given); the lines libkmod's entries come from
 * are found after it. The kernel command line is read from the files the
 * chosen boot backend takes it from (and from the running kernel), module
 * arguments from initramfs-tools' list and /etc/modules, overrides from
 * /etc/driverctl.d.
 */
#ifndef VFIOCONF_CONFIG_SCAN_H
#define VFIOCONF_CONFIG_SCAN_H

#include "backends/sys/sysroot.h"
#include "core/effective.h"
#include "core/inventory.h"
#include "core/log.h"
#include "core/plan.h"

struct config_scan_opts {
	const struct sysroot *sr;
	const struct plan *plan;       /* the files as it leaves them; NULL: as they are */
	const char *const *cmdline_files; /* globs (root-relative) of the next boot's command line, or NULL */
	const struct strv *our_params; /* kernel parameters vfioconf puts there (marked ours), or NULL */
	const char *bind_helper;       /* vfioconf-bind's path: our install line names it */
	bool running;                  /* the running kernel's command line too (PROCFS/cmdline) */
};

/* Fills out (zeroed by the caller). 0, or -errno when libkmod could not
 * read modprobe.d (logged; the rest is still there). */
int config_scan(const struct config_scan_opts *o, const struct inventory *inv, struct eff_config *out,
		struct log *log);

/* A root-relative file's bytes as o->plan leaves them (0, or -errno;
 * caller frees), and the names in a directory the same way, sorted. */
int config_read_as(const struct config_scan_opts *o, const char *rel, char **text);
void config_list_as(const struct config_scan_opts *o, const char *dir, struct strv *out);

/* mkinitcpio's MODULES (etc/mkinitcpio.conf and its conf.d, both
 * syntaxes) as early loads (backends/scan/mkinitcpio_conf.c). */
void mkinitcpio_conf_inputs(const struct config_scan_opts *o, struct eff_config *out);

/* One kernel command-line word from file:line: vfio-pci's parameters as
 * EFF_CMDLINE, the words core/param_review.c judges as EFF_PARAM (ours
 * when o names it among our_params; o may be NULL). out NULL: only asks.
 * true when the word is one of those. */
bool config_cmdline_word(const struct config_scan_opts *o, const char *word, const char *file, int line,
			 struct eff_config *out);

/* modprobe.d's directories beneath the root, in kmod's order. */
extern const char *const config_modprobe_dirs[];

#endif
