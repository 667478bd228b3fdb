/* mkfixture_out.c - the fixture builder's output: files, relative links
 * and PCI devices in the real sysfs layout. */
#include "config.h"

#include "core/inventory.h"
#include "core/util.h"
#include "tests/tools/mkfixture.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


const char *desc_name;
int lineno;
const char *out;

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkfixture: %s:%d: ", desc_name, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void mkdirs(const char *rel)
{
	char *p = xasprintf("%s/%s", out, rel);

	for (char *s = p + strlen(out) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				die("mkdir %s: %s", p, strerror(errno));
			*s = '/';
		}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", p, strerror(errno));
	free(p);
}

void parent_dirs(const char *rel)
{
	char *d = xstrdup(rel);
	char *s = strrchr(d, '/');

	if (s) {
		*s = '\0';
		mkdirs(d);
	}
	free(d);
}

void write_bytes(const char *rel, const void *buf, size_t n, bool append)
{
	char *p = xasprintf("%s/%s", out, rel);
	FILE *f;

	parent_dirs(rel);
	f = fopen(p, append ? "ab" : "wb");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0)
		die("write %s: %s", p, strerror(errno));
	free(p);
}

static void vwritef(const char *rel, bool append, const char *fmt, va_list ap)
{
	struct strbuf sb = {0};

	strbuf_vprintf(&sb, fmt, ap);
	write_bytes(rel, sb.buf, sb.len, append);
	strbuf_free(&sb);
}

void writef(const char *rel, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwritef(rel, false, fmt, ap);
	va_end(ap);
}

void appendf(const char *rel, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwritef(rel, true, fmt, ap);
	va_end(ap);
}

/* A relative symlink at link (path under OUT) to target (path under OUT),
 * the way sysfs makes them: ../ up to the common top, then down. */
void rel_link(const char *link, const char *target)
{
	struct strbuf sb = {0};
	size_t common = 0, i;
	char *p;

	/* common leading components */
	for (i = 0; link[i] && link[i] == target[i]; i++)
		if (link[i] == '/')
			common = i + 1;
	for (i = common; link[i]; i++)
		if (link[i] == '/')
			strbuf_puts(&sb, "../");
	strbuf_puts(&sb, target + common);
	parent_dirs(link);
	p = xasprintf("%s/%s", out, link);
	unlink(p);
	if (symlink(strbuf_str(&sb), p) < 0)
		die("symlink %s: %s", p, strerror(errno));
	free(p);
	strbuf_free(&sb);
}


struct fdev *devs;
size_t ndev;

int find_dev(const char *s)
{
	struct pci_addr a;

	if (pci_addr_parse(s, &a) < 0)
		die("'%s' is not a PCI address", s);
	for (size_t i = 0; i < ndev; i++)
		if (pci_addr_cmp(&a, &devs[i].addr) == 0)
			return (int)i;
	die("device %s is not declared (declare it before use)", s);
}

static bool omitted(const struct fdev *d, const char *attr)
{
	size_t n = strlen(attr);

	for (const char *p = d->omit; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == n && strncmp(p, attr, n) == 0)
			return true;
		p = c ? c + 1 : p + l;
	}
	return false;
}

static void dev_attr(const struct fdev *d, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void dev_attr(const struct fdev *d, const char *attr, const char *fmt, ...)
{
	struct strbuf sb = {0};
	char *rel = xasprintf("sys/%s/%s", d->path, attr);
	size_t al = strlen(attr);
	va_list ap;

	if (omitted(d, attr))
		goto done;
	if (d->garbage && strncmp(d->garbage, attr, al) == 0 && d->garbage[al] == '=') {
		writef(rel, "%s\n", d->garbage + al + 1);
		goto done;
	}
	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	write_bytes(rel, sb.buf, sb.len, false);
done:
	strbuf_free(&sb);
	free(rel);
}

static bool multifunction(const struct fdev *d)
{
	for (size_t i = 0; i < ndev; i++)
		if (&devs[i] != d && pci_addr_same_slot(&devs[i].addr, &d->addr))
			return true;
	return false;
}

void emit_device(struct fdev *d, bool iommu)
{
	unsigned char cfg[4096] = {0};
	size_t cfg_len = 64;
	bool bridge = (d->cls >> 8) == 0x0604 || (d->cls >> 8) == 0x0609;
	char *rel;

	dev_attr(d, "vendor", "0x%04x\n", d->vendor);
	dev_attr(d, "device", "0x%04x\n", d->device);
	dev_attr(d, "class", "0x%06x\n", d->cls);
	dev_attr(d, "revision", "0x%02x\n", d->rev);
	dev_attr(d, "subsystem_vendor", "0x%04x\n", d->has_sub ? d->sv : 0);
	dev_attr(d, "subsystem_device", "0x%04x\n", d->has_sub ? d->sd : 0);
	dev_attr(d, "modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n", d->vendor,
		 d->device, d->has_sub ? d->sv : 0, d->has_sub ? d->sd : 0, d->cls >> 16,
		 (d->cls >> 8) & 0xff, d->cls & 0xff);
	dev_attr(d, "enable", "1\n");
	dev_attr(d, "irq", "%d\n", 16 + (int)(d - devs) % 100);
	dev_attr(d, "numa_node", "-1\n");
	if ((d->cls >> 16) == 0x03)
		dev_attr(d, "boot_vga", "%d\n", d->boot_vga > 0);
	if (d->reset)
		dev_attr(d, "reset_method", "%s\n", d->reset);
	dev_attr(d, "resource", "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");

	if (!d->no_config) {
		cfg[0] = d->vendor & 0xff;
		cfg[1] = d->vendor >> 8;
		cfg[2] = d->device & 0xff;
		cfg[3] = d->device >> 8;
		cfg[4] = 0x07;
		cfg[8] = d->rev & 0xff;
		cfg[9] = d->cls & 0xff;
		cfg[10] = (d->cls >> 8) & 0xff;
		cfg[11] = (d->cls >> 16) & 0xff;
		cfg[14] = (bridge ? 1 : 0) | (multifunction(d) ? 0x80 : 0);
		if (!bridge && d->has_sub) {
			cfg[0x2c] = d->sv & 0xff;
			cfg[0x2d] = d->sv >> 8;
			cfg[0x2e] = d->sd & 0xff;
			cfg[0x2f] = d->sd >> 8;
		}
		if (bridge) {
			/* primary/secondary/subordinate: the highest bus below */
			unsigned sec = 0, sub = 0;
			for (size_t i = 0; i < ndev; i++)
				if (devs[i].parent == (int)(d - devs)) {
					if (!sec || devs[i].addr.bus < sec)
						sec = devs[i].addr.bus;
					if (devs[i].addr.bus > sub)
						sub = devs[i].addr.bus;
				}
			cfg[0x18] = d->addr.bus;
			cfg[0x19] = (unsigned char)sec;
			cfg[0x1a] = (unsigned char)sub;
		}
		if (d->pcie >= 0 || d->acs >= 0) {
			/* a PCIe capability at 0x40 (it is what makes libpci look at the
			 * extended ones) and ACS at 0x100: root reads all 4096 bytes */
			cfg[6] |= 0x10;
			cfg[0x34] = 0x40;
			cfg[0x40] = 0x10;
			cfg[0x42] = (unsigned char)(0x02 | ((d->pcie >= 0 ? d->pcie : 0) << 4));
			if (d->acs >= 0) {
				cfg[0x100] = 0x0d;           /* ACS, version 1, no next */
				cfg[0x102] = 0x01;
				cfg[0x104] = 0x7f;           /* every ACS feature supported */
				cfg[0x106] = (unsigned char)(d->acs & 0xff);
				cfg[0x107] = (unsigned char)(d->acs >> 8);
			}
			cfg_len = sizeof(cfg);
		}
		rel = xasprintf("sys/%s/config", d->path);
		write_bytes(rel, cfg, cfg_len, false);
		free(rel);
	}

	/* bus/pci/devices link, driver links, group links */
	{
		char *link = xasprintf("sys/bus/pci/devices/%s", d->name);
		char *target = xasprintf("sys/%s", d->path);
		rel_link(link, target);
		free(link);
		if (d->driver) {
			char *drv = xasprintf("sys/bus/pci/drivers/%s", d->driver);
			char *back = xasprintf("%s/%s", drv, d->name);
			char *dl = xasprintf("%s/driver", target);
			mkdirs(drv);
			rel_link(dl, drv);
			rel_link(back, target);
			free(drv);
			free(back);
			free(dl);
		}
		if (iommu && d->group >= 0) {
			char *g = xasprintf("sys/kernel/iommu_groups/%d", d->group);
			char *gl = xasprintf("%s/iommu_group", target);
			char *member = xasprintf("%s/devices/%s", g, d->name);
			char *type = xasprintf("%s/type", g);
			mkdirs(g);
			writef(type, "DMA\n");
			rel_link(gl, g);
			rel_link(member, target);
			free(g);
			free(gl);
			free(member);
			free(type);
		}
		if (d->physfn >= 0) {
			struct fdev *pf = &devs[d->physfn];
			int total = 0;
			for (struct fdev *e = devs; e < devs + ndev; e++)
				if (e->physfn == d->physfn)
					total++;
			char *nv = xasprintf("sys/%s/sriov_numvfs", pf->path);
			char *tv = xasprintf("sys/%s/sriov_totalvfs", pf->path);
			writef(nv, "%d\n", total);
			writef(tv, "%d\n", 63);
			free(nv);
			free(tv);
			char *pft = xasprintf("sys/%s", pf->path);
			char *pl = xasprintf("%s/physfn", target);
			int n = 0;
			for (struct fdev *e = devs; e < d; e++)
				if (e->physfn == d->physfn)
					n++;
			char *vl = xasprintf("%s/virtfn%d", pft, n);
			rel_link(pl, pft);
			rel_link(vl, target);
			free(pft);
			free(pl);
			free(vl);
		}
		free(target);
	}
}
