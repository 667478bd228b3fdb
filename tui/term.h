/* term.h - the curses screen on the user's terminal or headless (term.c). */
#ifndef VFIOCONF_TERM_H
#define VFIOCONF_TERM_H

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

struct term_screen {
	bool headless;
	bool stats;       /* VFIOCONF_HEADLESS_STATS=1 */
	SCREEN *scr;      /* headless only */
	FILE *out;        /* headless: the scratch file the screen is drawn into */
	unsigned long frames;
	long last_us;      /* when the last frame was done (stats) */
};

/* When main() started (CLOCK_MONOTONIC), for the time to the first frame. */
extern struct timespec term_started;

/* Starts curses on the terminal, or headless when VFIOCONF_HEADLESS is set.
 * 0, or -errno after printing why. */
int term_open(struct term_screen *tm);
/* Headless, the key that resizes the screen (Ctrl-R; term.c). */
#define TERM_RESIZE_KEY 0x12
/* The next key of the main loop: getch(), except that headless, Ctrl-R
 * COLSxLINES Enter resizes the screen and comes back as KEY_RESIZE. */
int term_key(struct term_screen *tm);
/* After each refresh of the main loop; key is what led to it. */
void term_frame(struct term_screen *tm, int key);
/* Ends curses; headless, prints the last screen to stdout first. */
void term_close(struct term_screen *tm);

#endif
