/* runner.c - run a regeneration command inside the root. */
#include "config.h"

#include "backends/sys/runner.h"
#include "backends/sys/sysroot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child_fail(int fd, const char *what, int err)
{
	dprintf(fd, "vfioconf: %s: %s\n", what, strerror(err));
	_exit(127);
}

/* /proc, /sys, /dev of the root, mounted when they exist as empty dirs. */
static void mount_api(const char *root, int out)
{
	static const struct {
		const char *dir, *src, *type;
		unsigned long flags;
	} m[] = {
		{"proc", "proc", "proc", 0},
		{"sys", "sysfs", "sysfs", 0},
		{"dev", "/dev", NULL, MS_BIND | MS_REC},
	};
	struct stat rs, ds;

	if (stat(root, &rs) < 0)
		return;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		char *t = path_join(root, m[i].dir);
		/* a mount point has another device than the root */
		if (stat(t, &ds) == 0 && S_ISDIR(ds.st_mode) && ds.st_dev == rs.st_dev &&
		    mount(m[i].src, t, m[i].type, m[i].flags, NULL) < 0)
			dprintf(out, "vfioconf: mount %s on %s: %s\n", m[i].src, t, strerror(errno));
		free(t);
	}
	/* the firmware's variables in the fresh sysfs, as a booted system has
	 * them: bootctl and the trial's sync script read and clear the
	 * one-shot there (a rollback from a rescue system). Best effort, and
	 * quiet: the sync script says so where it finds no variables */
	{
		char *sys = path_join(root, "sys"), *ev = path_join(root, "sys/firmware/efi/efivars");
		if (stat(sys, &rs) == 0 && stat(ev, &ds) == 0 && S_ISDIR(ds.st_mode) && ds.st_dev == rs.st_dev)
			(void)mount("efivarfs", ev, "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		free(sys);
		free(ev);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Captures buf and echoes the lines it completes; line holds the part of
 * a line not yet echoed (prefix included). */
static void emit(const struct run_opts *o, const char *buf, size_t n, struct strbuf *line)
{
	if (o->capture)
		strbuf_add(o->capture, buf, n);
	if (!o->echo)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!line->len && o->prefix)
			strbuf_puts(line, o->prefix);
		strbuf_putc(line, buf[i]);
		if (buf[i] == '\n') {
			o->echo(o->echo_data, line->buf);
			strbuf_reset(line);
		}
	}
}

int run_cmd(const struct strv *argv, const struct run_opts *o)
{
	static const char *const envp[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C", "LC_ALL=C", "HOME=/root", "TERM=dumb", NULL,
	};
	/* chrooted, a command runs in a mount namespace of the runner's own,
	 * its mounts private: the trial's sync script need not make one
	 * (unshare cannot where the root is no mount point) */
	static const char *const envp_chroot[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C", "LC_ALL=C", "HOME=/root", "TERM=dumb", "VFIOCONF_MOUNTS=private", NULL,
	};
	int pfd[2], status = 0;
	pid_t pid;
	bool chrooted = o->root && strcmp(o->root, "/") != 0, killed = false, reaped = false;
	struct strbuf line = {0};
	double deadline = now() + (o->timeout > 0 ? o->timeout : 600), term_at = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		/* what the tools write (initramfs images, grub.cfg) is read by
		 * everyone, whatever umask vfioconf was started with */
		umask(022);
		/* vfioconf ignores SIGPIPE (main.c); the tools' own pipelines
		 * (find | cpio) rely on it as a shell gives it them */
		signal(SIGPIPE, SIG_DFL);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (chrooted) {
			if (unshare(CLONE_NEWNS) < 0)
				child_fail(2, "unshare(CLONE_NEWNS)", errno);
			if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
				child_fail(2, "making mounts private", errno);
			mount_api(o->root, 2);
			if (chroot(o->root) < 0)
				child_fail(2, o->root, errno);
			if (chdir("/") < 0)
				child_fail(2, "chdir /", errno);
		}
		execve(argv->v[0], argv->v, (char *const *)(chrooted ? envp_chroot : envp));
		child_fail(2, argv->v[0], errno);
	}
	close(pfd[1]);
	setpgid(pid, pid);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	/* Until the command exits: its output as it comes. A daemon it started
	 * may hold the pipe open for ever; the command's own exit decides. */
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		double left = (killed ? term_at + 5 : deadline) - now();
		int pr = poll(&p, 1, left <= 0 ? 0 : left > 0.1 ? 100 : (int)(left * 1000) + 1);
		bool eof = false;
		for (;;) {
			char buf[4096];
			ssize_t n = read(pfd[0], buf, sizeof(buf));
			if (n > 0) {
				emit(o, buf, (size_t)n, &line);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			eof = n == 0;
			break;
		}
		if (pr < 0 && errno != EINTR)
			break;
		if (eof)
			break;
		if (!reaped) {
			pid_t w = waitpid(pid, &status, WNOHANG);
			reaped = w == pid || (w < 0 && errno == ECHILD);
			if (reaped)
				continue; /* what it wrote before it exited, then stop */
		} else {
			break;
		}
		if (now() < (killed ? term_at + 5 : deadline))
			continue;
		if (!killed) {
			kill(-pid, SIGTERM);
			killed = true;
			term_at = now();
		} else {
			kill(-pid, SIGKILL);
			break;
		}
	}
	close(pfd[0]);
	/* Output closed; the command may still hang: same deadline. */
	for (; !reaped;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (now() > (killed ? term_at + 5 : deadline)) {
			if (killed) {
				kill(-pid, SIGKILL);
				while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
					;
				break;
			}
			kill(-pid, SIGTERM);
			killed = true;
			term_at = now();
		}
		usleep(20000);
	}
	if (killed)
		kill(-pid, SIGKILL); /* whatever of the group is left */
	if (line.len) {
		strbuf_putc(&line, '\n');
		o->echo(o->echo_data, line.buf);
	}
	strbuf_free(&line);
	if (killed)
		return -ETIMEDOUT;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
