/* ini_text.h - INI text through inih, with the line number the handler is
 * looking at (the packaged inih does not pass it), for the settings file.
 */
#ifndef VFIOCONF_INI_TEXT_H
#define VFIOCONF_INI_TEXT_H

/* Longest line inih reads whole (its buffer, as packaged); the rest of a
 * longer line is dropped and reported as -(line) by ini_text_parse. */
#define INI_TEXT_MAX_LINE 200

/* handler returns nonzero to go on; line is the current line (1-based).
 * Returns 0, the first line inih could not parse (> 0), or minus the
 * first line that was too long (< 0). */
typedef int (*ini_text_handler)(void *user, int line, const char *section, const char *key,
				const char *value);
int ini_text_parse(const char *text, ini_text_handler handler, void *user);

#endif
