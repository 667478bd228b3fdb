/* ini_text.h - INI text through inih, with the line number the handler is
 * looking at (the packaged inih does not pass it). Shared by the settings
 * file, vfioconf's state file and the early-boot helper.
 */
#ifndef VFIOCONF_INI_TEXT_H
#define VFIOCONF_INI_TEXT_H

/* handler returns nonzero to go on; line is the current line (1-based).
 * Returns 0, or the first line inih could not parse, or -1. */
typedef int (*ini_text_handler)(void *user, int line, const char *section, const char *key,
				const char *value);
int ini_text_parse(const char *text, ini_text_handler handler, void *user);

#endif
