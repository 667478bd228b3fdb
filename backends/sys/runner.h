/* runner.h - run a regeneration command: execve with an argv (never a
 * shell), stdin from /dev/null, stdout and stderr streamed and captured.
 *
 * Under a root other than "/", the child enters its own mount namespace,
 * mounts /proc, /sys and /dev into the root where they are missing, and
 * chroots: the mounts vanish with the namespace, even if vfioconf dies.
 * A command gets its own process group and a timeout (SIGTERM, then
 * SIGKILL after 5 s).
 */
#ifndef VFIOCONF_RUNNER_H
#define VFIOCONF_RUNNER_H

#include "core/util.h"

struct run_opts {
	const char *root;     /* "/" or the installed system */
	int timeout;          /* seconds */
	/* Output as it comes, a whole line at a time with prefix before it
	 * and its newline (a last line without one gets one); or NULL. */
	void (*echo)(void *data, const char *line);
	void *echo_data;
	const char *prefix;
	struct strbuf *capture; /* all output, or NULL */
};

/* Exit status 0..255; 128+N when killed by signal N; -ETIMEDOUT; or
 * -errno when it could not be started (the reason is in capture). */
int run_cmd(const struct strv *argv, const struct run_opts *o);

#endif
