/* swapper.c - for the attack tests: swaps two paths with
 * renameat2(RENAME_EXCHANGE) as fast as it can, for SECONDS, so that a
 * directory vfioconf walks through is now and then a symlink that leads
 * out of the root.
 *
 * Usage: swapper A B SECONDS     prints how many swaps it made
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv)
{
	unsigned long swaps = 0;
	time_t end;

	if (argc != 4) {
		fprintf(stderr, "usage: swapper A B SECONDS\n");
		return 2;
	}
	end = time(NULL) + atoi(argv[3]);
	while (time(NULL) < end) {
		if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) == 0)
			swaps++;
		else if (errno != ENOENT) { /* one side away for a moment: try again */
			fprintf(stderr, "swapper: %s <-> %s: %s\n", argv[1], argv[2], strerror(errno));
			return 1;
		}
	}
	printf("%lu\n", swaps);
	return 0;
}
