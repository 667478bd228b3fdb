/* bind_main.c - vfioconf-bind: runs in the initramfs when vfio-pci is
 * loaded (modprobe.d "install vfio-pci ..."), before any other driver can
 * take the devices that must be bound by address.
 *
 * For every [device] with method = driver-override in devices.conf it
 * checks the fingerprint (vendor, device, subsystem) in sysfs; a device
 * that matches gets driver_override = vfio-pci (and is unbound from any
 * other driver); one that moved or changed is skipped and said, never
 * grabbed. Messages go to the kernel log (/dev/kmsg) so they show in dmesg.
 *
 *   vfioconf-bind [--sysfs DIR] [--config FILE] [--only ADDR] [--dry-run]
 * --only: that device alone (the udev rule for a virtual function).
 * Exit status: 0 all bound, 1 some skipped, 2 no usable configuration.
 */
#include "config.h"

#include "backends/sys/sysroot.h"
#include "core/state.h"
#include "core/status.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int kmsg = -1;

static void __attribute__((format(printf, 2, 3))) say(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "<%d>vfioconf-bind: ", level);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = (int)sizeof(buf) - 1;
	if (kmsg >= 0 && write(kmsg, buf, (size_t)n) == n)
		return;
	fprintf(stderr, "%s\n", buf + 3);
}

static int write_attr(const char *dir, const char *name, const char *value, bool dry)
{
	char *p = path_join(dir, name);
	int fd, r = 0;

	if (dry) {
		printf("would write '%s' to %s\n", value, p);
		free(p);
		return 0;
	}
	fd = open(p, O_WRONLY | O_CLOEXEC | O_CREAT, 0644);
	if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && !r)
		r = -errno;
	free(p);
	return r;
}

static int bind_one(const char *sysfs, const struct state_device *d, bool dry)
{
	char *dir = path_joinf(sysfs, "bus/pci/devices/%s", d->addr);
	unsigned long v, dv, sv = 0, sd = 0;
	/* devices.conf names only vfio drivers here (state_parse checks) */
	const char *target = d->driver[0] ? d->driver : "vfio-pci";
	char *drv = NULL, *tdir = NULL;
	bool unbound = false;
	int r = 1;

	if (!path_exists(dir)) {
		say(4, "%s: not present; skipped", d->addr);
		goto out;
	}
	if (read_attr_hex(dir, "vendor", 0xffff, &v) < 0 || read_attr_hex(dir, "device", 0xffff, &dv) < 0) {
		say(4, "%s: vendor/device unreadable; skipped", d->addr);
		goto out;
	}
	read_attr_hex(dir, "subsystem_vendor", 0xffff, &sv);
	read_attr_hex(dir, "subsystem_device", 0xffff, &sd);
	if (!status_fingerprint_matches(d, v, dv, sv, sd)) {
		say(3, "%s: is %04lx:%04lx (subsystem %04lx:%04lx), expected %04x:%04x (%04x:%04x): "
		       "the card moved or changed; skipped, run vfioconf",
		    d->addr, v, dv, sv, sd, d->vendor, d->device, d->subsys_vendor, d->subsys_device);
		goto out;
	}
	if (write_attr(dir, "driver_override", target, dry) < 0) {
		say(3, "%s: cannot set driver_override: %s", d->addr, strerror(errno));
		goto out;
	}
	if (read_link_base(dir, "driver", &drv) == 0 && strcmp(drv, target) != 0) {
		/* a driver got there first (built in, or loaded early): let go */
		char *ddir = path_join(dir, "driver");
		if (write_attr(ddir, "unbind", d->addr, dry) < 0)
			say(4, "%s: cannot unbind from %s: %s", d->addr, drv, strerror(errno));
		free(ddir);
		unbound = true;
	}
	/* Run by hand after the boot (a virtual function made later, say),
	 * the target driver is loaded already and nothing else would probe
	 * the device again: ask the bus to. In the early boot the driver is
	 * not loaded yet and binds the device when it registers. */
	tdir = path_joinf(sysfs, "bus/pci/drivers/%s", target);
	if ((unbound || !drv) && path_exists(tdir)) {
		char *bus = path_join(sysfs, "bus/pci");
		if (write_attr(bus, "drivers_probe", d->addr, dry) < 0)
			say(4, "%s: cannot probe it for %s: %s", d->addr, target, strerror(errno));
		free(bus);
	}
	say(6, "%s (%04x:%04x): driver_override = %s", d->addr, d->vendor, d->device, target);
	r = 0;
out:
	free(tdir);
	free(drv);
	free(dir);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"sysfs", required_argument, NULL, 's'}, {"config", required_argument, NULL, 'c'},
		{"dry-run", no_argument, NULL, 'n'},     {"help", no_argument, NULL, 'h'},
		{"only", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const char *sysfs = "/sys", *config = "/" STATE_PATH, *only = NULL;
	struct state st;
	struct log log = {0};
	char *text = NULL;
	bool dry = false;
	int c, rc = 0, n = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sysfs = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 'o':
			only = optarg;
			break;
		case 'h':
			printf("Usage: vfioconf-bind [--sysfs DIR] [--config FILE] [--only ADDR] [--dry-run]\n"
			       "Sets driver_override (vfio-pci, or the device's vfio variant driver) on the\n"
			       "devices vfioconf binds by address, when their vendor, device and subsystem\n"
			       "still match. Run by modprobe, and by udev when a virtual function appears.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (strcmp(sysfs, "/sys") == 0)
		kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (read_file(config, 1u << 20, &text, NULL) < 0) {
		say(4, "%s: %s; nothing to bind by address", config, strerror(errno));
		return 2;
	}
	state_parse(&st, text, config, &log);
	for (size_t i = 0; i < log.n; i++)
		say(4, "%s", log.e[i].msg);
	for (size_t i = 0; i < st.n_dev; i++)
		if (st.dev[i].method == BIND_DRIVER_OVERRIDE && (!only || strcmp(only, st.dev[i].addr) == 0)) {
			n++;
			if (bind_one(sysfs, &st.dev[i], dry) != 0)
				rc = 1;
		}
	if (!n)
		say(6, "no device to bind by address");
	state_free(&st);
	log_free(&log);
	free(text);
	return rc;
}
