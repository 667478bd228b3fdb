/* dracut_conf.h - dracut's configuration as dracut.sh reads it: sourced
 * with bash, etc/dracut.conf first, then the *.conf of
 * usr/lib/dracut/dracut.conf.d and etc/dracut.conf.d in the order of their
 * names (a name in etc/ hides the same name in usr/lib/), the last
 * assignment winning and += appending.
 *
 * Only the variables that decide a driver or the kernel command line are
 * followed: force_drivers and add_drivers (loaded by the initramfs), uefi
 * and kernel_cmdline (a unified kernel image carries its command line).
 */
#ifndef VFIOCONF_DRACUT_CONF_H
#define VFIOCONF_DRACUT_CONF_H

#include "backends/scan/config_scan.h"
#include "core/shellvar.h"

struct dracut_var {
	const char *value; /* borrowed from env; NULL when never set */
	const char *file;  /* root-relative: where it was last assigned */
	int line;
};

struct dracut_conf {
	struct sh_env env;
	struct strv files;               /* in the order sourced */
	struct dracut_var force_drivers, add_drivers, uefi, kernel_cmdline;
	/* the first file a reader cannot follow (then the values are not
	 * known): owned, NULL when all could be read */
	char *bad;
	struct sh_error err;
};

/* Reads the files as o->plan leaves them (o->plan may be NULL). Always
 * fills c (zeroed by the caller); dracut_conf_free releases it. */
void dracut_conf_read(const struct config_scan_opts *o, struct dracut_conf *c);
void dracut_conf_free(struct dracut_conf *c);

/* A unified kernel image with its own command line: uefi=yes. */
bool dracut_conf_uki(const struct dracut_conf *c);

/* The early loads and the UKI's vfio-pci.* parameters as model inputs. */
void dracut_conf_inputs(const struct config_scan_opts *o, const struct dracut_conf *c, struct eff_config *out);

#endif
