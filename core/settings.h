/* settings.h - ROOT/etc/vfioconf/vfioconf.conf, an INI file.
 *
 *   [kernel]
 *   iommu_pt = yes            # add iommu=pt (default yes)
 *   extra_params = ...        # more kernel parameters to add, space separated
 *   [binding]
 *   method = auto             # auto | ids | driver-override
 *
 * Unknown sections/keys and bad values are warnings naming file:line; the
 * default stays in force. A missing file means defaults.
 */
#ifndef VFIOCONF_SETTINGS_H
#define VFIOCONF_SETTINGS_H

#include <stdbool.h>

#include "core/log.h"

enum bind_method {
	BIND_AUTO,            /* ids= when unique on the host, else per address */
	BIND_IDS,
	BIND_DRIVER_OVERRIDE,
};

struct settings {
	bool iommu_pt;
	char *extra_params;   /* owned, NULL when none */
	enum bind_method method;
};

void settings_defaults(struct settings *s);
/* Parses text (the file's bytes) named name in messages. Returns the number
 * of problems logged (0 = clean). s must hold defaults first. */
int settings_parse(struct settings *s, const char *text, const char *name, struct log *log);
void settings_free(struct settings *s);
const char *bind_method_name(enum bind_method m);

#endif
