/* term.c - where the screen goes: the user's terminal, or a headless one.
 *
 * With VFIOCONF_HEADLESS=COLSxLINES the screen is a virtual terminal of that
 * size (newterm on a scratch file, TERM or xterm-256color), keys come from
 * stdin and, at the end of input, the last screen is printed to stdout as
 * text: fast screen tests and the benchmark need no tty (research:
 * aesthetics.md, tig's TIG_NO_DISPLAY and its caveat). With
 * VFIOCONF_HEADLESS_STATS=1 it also reports on stderr the time from the
 * start of main() to the first frame, and for each key the bytes its frame
 * wrote and the time from the frame before.
 *
 * A resize, headless: Ctrl-R, then the new COLSxLINES and Enter, among the
 * keys (printf 'p\02260x24\n'): the screen takes the new size and the
 * program gets KEY_RESIZE, as from a terminal's SIGWINCH. A size that does
 * not parse is ignored. Only the main loop's keys (term_key) take it.
 */
#include "config.h"

#include "core/i18n.h"
#include "tui/term.h"

#include <term.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

struct timespec term_started;

/* "COLSxLINES" within the bounds a headless screen takes. */
static bool parse_size(const char *s, unsigned *ncols, unsigned *nlines)
{
	char extra;

	return sscanf(s, "%ux%u%c", ncols, nlines, &extra) == 2 && *ncols >= 20 && *nlines >= 5 && *ncols <= 1000 &&
	       *nlines <= 1000;
}

static long since_start_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - term_started.tv_sec) * 1000000L + (now.tv_nsec - term_started.tv_nsec) / 1000;
}

int term_open(struct term_screen *tm)
{
	const char *hl = getenv("VFIOCONF_HEADLESS"), *type;
	unsigned ncols, nlines;
	int err = 0;
	char num[16];

	memset(tm, 0, sizeof(*tm));
	if (!hl || !*hl) {
		initscr();
		return 0;
	}
	if (!parse_size(hl, &ncols, &nlines)) {
		fprintf(stderr, _("%s: VFIOCONF_HEADLESS='%s': expected COLSxLINES, like 80x24\n"), PACKAGE, hl);
		return -EINVAL;
	}
	tm->out = tmpfile();
	if (!tm->out) {
		int e = errno;
		fprintf(stderr, "%s: headless screen: %s\n", PACKAGE, strerror(e));
		return -e;
	}
	/* /dev/null and a file have no window size: ncurses takes these */
	snprintf(num, sizeof(num), "%u", ncols);
	setenv("COLUMNS", num, 1);
	snprintf(num, sizeof(num), "%u", nlines);
	setenv("LINES", num, 1);
	type = getenv("TERM");
	if (!type || !*type || strcmp(type, "dumb") == 0)
		type = "xterm-256color";
	/* newterm leaks its half-made screen on an unknown type; setupterm
	 * answers the same question and frees cleanly */
	if (setupterm(type, fileno(tm->out), &err) == OK) {
		del_curterm(cur_term);
		cur_term = NULL;
		tm->scr = newterm(type, tm->out, stdin);
	}
	if (!tm->scr) {
		fprintf(stderr, _("%s: headless screen: unknown terminal type '%s'\n"), PACKAGE, type);
		fclose(tm->out);
		tm->out = NULL;
		return -EINVAL;
	}
	set_term(tm->scr);
	tm->headless = true;
	tm->stats = getenv("VFIOCONF_HEADLESS_STATS") && *getenv("VFIOCONF_HEADLESS_STATS") == '1';
	return 0;
}

int term_key(struct term_screen *tm)
{
	for (;;) {
		int c = getch();
		char size[24];
		size_t n = 0;
		unsigned ncols, nlines;

		if (!tm->headless || c != TERM_RESIZE_KEY)
			return c;
		/* the size up to Enter (or the end of input) */
		while ((c = getch()) != ERR && c != '\n' && c != '\r')
			if (n + 1 < sizeof(size))
				size[n++] = (char)c;
		size[n] = '\0';
		/* resize_term, not resizeterm: that one queues a KEY_RESIZE of
		 * its own, and the views would be drawn twice */
		if (parse_size(size, &ncols, &nlines) && resize_term((int)nlines, (int)ncols) == OK)
			return KEY_RESIZE;
		if (c == ERR)
			return ERR;
	}
}

/* Bytes ncurses wrote since the last call; the scratch file starts over. */
static long drain(struct term_screen *tm)
{
	int fd = fileno(tm->out);
	off_t n;

	fflush(tm->out);
	n = lseek(fd, 0, SEEK_CUR);
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	return (long)n;
}

void term_frame(struct term_screen *tm, int key)
{
	long bytes, now;

	if (!tm->headless)
		return;
	bytes = drain(tm); /* every frame: a long scripted run keeps no backlog */
	if (!tm->stats)
		return;
	now = since_start_us();
	if (!tm->frames++)
		fprintf(stderr, "first-frame-us %ld bytes %ld\n", now, bytes);
	else /* input is a pipe: from frame to frame is the key's work and its drawing */
		fprintf(stderr, "key %d bytes %ld us %ld\n", key, bytes, now - tm->last_us);
	tm->last_us = now;
}

/* The screen as text, one line a row, trailing blanks dropped. */
static void dump(void)
{
	wchar_t *w = calloc((size_t)COLS + 1, sizeof(*w));

	for (int y = 0; w && y < LINES; y++) {
		int n = mvinnwstr(y, 0, w, COLS);
		if (n < 0)
			n = 0;
		w[n] = L'\0';
		while (n > 0 && w[n - 1] == L' ')
			w[--n] = L'\0';
		printf("%ls\n", w);
	}
	free(w);
}

void term_close(struct term_screen *tm)
{
	if (tm->headless)
		dump();
	endwin();
	if (tm->headless) {
		delscreen(tm->scr);
		fclose(tm->out);
	}
	fflush(stdout);
}
