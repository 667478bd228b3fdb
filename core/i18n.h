/* i18n.h - gettext shorthands. What people read is translated where it is
 * made: _() on a message's format (a refusal, a warning, a plan's reason),
 * since its arguments are put in there; N_() on a name that is also a
 * value (the JSON's "platform", a device's short class), translated where
 * it is shown. What goes into a file (its content, its comments) never is;
 * --json sets LC_MESSAGES to C (main.c), so JSON is English throughout. A
 * lookup only: core/ stays pure. */
#ifndef VFIOCONF_I18N_H
#define VFIOCONF_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define P_(s, p, n) ngettext((s), (p), (n))
#else
#define _(s) (s)
#define P_(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s) (s)

#endif
