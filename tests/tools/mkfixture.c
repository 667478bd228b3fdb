/* mkfixture.c - builds a fixture machine (sys/, proc/, root/) in the real
 * sysfs layout from a compact description. See tests/fixtures/README.md
 * for the format. Kernel modules are emitted as C sources under
 * OUT/.modules/KVER/ for build-fixture.sh to compile and index with depmod.
 *
 * Usage: mkfixture DESC OUTDIR
 */
#include "config.h"

#include "core/inventory.h"
#include "core/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *desc_name;
static int lineno;
static const char *out;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkfixture: %s:%d: ", desc_name, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void mkdirs(const char *rel)
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

static void parent_dirs(const char *rel)
{
	char *d = xstrdup(rel);
	char *s = strrchr(d, '/');

	if (s) {
		*s = '\0';
		mkdirs(d);
	}
	free(d);
}

static void write_bytes(const char *rel, const void *buf, size_t n, bool append)
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

static void __attribute__((format(printf, 2, 3))) writef(const char *rel, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwritef(rel, false, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3))) appendf(const char *rel, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwritef(rel, true, fmt, ap);
	va_end(ap);
}

/* A relative symlink at link (path under OUT) to target (path under OUT),
 * the way sysfs makes them: ../ up to the common top, then down. */
static void rel_link(const char *link, const char *target)
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

struct fdev {
	struct pci_addr addr;
	char name[PCI_ADDR_STRLEN];
	unsigned vendor, device, cls, rev, sv, sd;
	bool has_sub;
	int group;
	char *driver;
	int boot_vga;
	char *reset;
	int parent;          /* index, -1 = root bus */
	int physfn;          /* index, -1 = none */
	char *path;          /* under sys/, e.g. devices/pci0000:00/0000:00:01.0 */
	bool no_config;
	char *omit;          /* comma list of attributes not to write (bad input) */
	char *garbage;       /* attr=value written verbatim (bad input) */
};

static struct fdev *devs;
static size_t ndev;

static int find_dev(const char *s)
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

static void emit_device(struct fdev *d, bool iommu)
{
	unsigned char cfg[64] = {0};
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
		rel = xasprintf("sys/%s/config", d->path);
		write_bytes(rel, cfg, sizeof(cfg), false);
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

/* ---- description parsing ------------------------------------------ */

static char *tok(char **s)
{
	char *p = *s, *start;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	start = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = '\0';
	*s = p;
	return start;
}

static const char *rest(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static unsigned hexval(const char *s, unsigned max, const char *what)
{
	unsigned long v;

	if (str_to_ulong(s, 16, max, &v) < 0)
		die("%s: '%s' is not hex (max %x)", what, s, max);
	return (unsigned)v;
}

struct kernel {
	char *ver;
	bool virqfd, vfio_pci_builtin;
};
static struct kernel kernels[8];
static size_t nkernels;
static struct strv modules; /* "name alias" */
static bool iommu = true;

static void emit_module(const char *kver, const char *name, const char *alias)
{
	static unsigned counter;
	char *rel = xasprintf(".modules/%s/%s.c", kver, name);

	appendf(rel, "static const char m%u[] __attribute__((section(\".modinfo\"),used,aligned(1))) = \"%s%s\";\n",
		counter++, alias ? "alias=" : "name=", alias ? alias : name);
	free(rel);
}

static void parse_dev(char *line)
{
	struct fdev d = {.group = -1, .boot_vga = -1, .parent = -1, .physfn = -1};
	char *t, *ids, *cls;

	t = tok(&line);
	ids = tok(&line);
	cls = tok(&line);
	if (!t || !ids || !cls || !strchr(ids, ':'))
		die("dev ADDR VVVV:DDDD CLASS [key=value...]");
	if (pci_addr_parse(t, &d.addr) < 0)
		die("'%s' is not a PCI address", t);
	pci_addr_format(&d.addr, d.name);
	*strchr(ids, ':') = '\0';
	d.vendor = hexval(ids, 0xffff, "vendor");
	d.device = hexval(ids + strlen(ids) + 1, 0xffff, "device");
	d.cls = hexval(cls, 0xffffff, "class");
	while ((t = tok(&line))) {
		char *eq = strchr(t, '=');
		if (!eq)
			die("'%s': expected key=value", t);
		*eq++ = '\0';
		if (strcmp(t, "rev") == 0)
			d.rev = hexval(eq, 0xff, "rev");
		else if (strcmp(t, "sub") == 0) {
			char *c = strchr(eq, ':');
			if (!c)
				die("sub=VVVV:DDDD");
			*c = '\0';
			d.sv = hexval(eq, 0xffff, "sub");
			d.sd = hexval(c + 1, 0xffff, "sub");
			d.has_sub = true;
		} else if (strcmp(t, "group") == 0)
			d.group = atoi(eq);
		else if (strcmp(t, "driver") == 0)
			d.driver = xstrdup(eq);
		else if (strcmp(t, "boot_vga") == 0)
			d.boot_vga = atoi(eq);
		else if (strcmp(t, "reset") == 0)
			d.reset = xstrdup(eq);
		else if (strcmp(t, "parent") == 0)
			d.parent = find_dev(eq);
		else if (strcmp(t, "physfn") == 0)
			d.physfn = find_dev(eq);
		else if (strcmp(t, "omit") == 0)
			d.omit = xstrdup(eq);
		else if (strcmp(t, "garbage") == 0)
			d.garbage = xstrdup(eq);
		else if (strcmp(t, "config") == 0)
			d.no_config = strcmp(eq, "no") == 0;
		else
			die("unknown device key '%s'", t);
	}
	if (d.parent < 0 && d.physfn >= 0)
		d.parent = devs[d.physfn].parent;
	if (d.parent >= 0)
		d.path = xasprintf("%s/%s", devs[d.parent].path, d.name);
	else
		d.path = xasprintf("devices/pci%04x:%02x/%s", d.addr.domain, d.addr.bus, d.name);
	devs = xrealloc(devs, (ndev + 1) * sizeof(*devs));
	devs[ndev++] = d;
}

/* block NAME MAJ:MIN on ADDR [path=sub/dirs] | part NAME MAJ:MIN of DISK |
 * dm NAME MAJ:MIN name=N slaves=a,b | md NAME MAJ:MIN slaves=a,b */
static struct strv blocks; /* "name\tpath-under-sys" */

static const char *block_path(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < blocks.n; i++)
		if (strncmp(blocks.v[i], name, n) == 0 && blocks.v[i][n] == '\t')
			return blocks.v[i] + n + 1;
	die("block device %s is not declared", name);
}

static void add_block(const char *name, const char *path, const char *majmin, bool whole)
{
	char *e = xasprintf("%s\t%s", name, path);
	char *l;

	strv_push(&blocks, e);
	free(e);
	l = xasprintf("sys/%s/dev", path);
	writef(l, "%s\n", majmin);
	free(l);
	l = xasprintf("sys/class/block/%s", name);
	e = xasprintf("sys/%s", path);
	rel_link(l, e);
	free(l);
	if (whole) {
		l = xasprintf("sys/block/%s", name);
		rel_link(l, e);
		free(l);
	}
	l = xasprintf("sys/dev/block/%s", majmin);
	rel_link(l, e);
	free(l);
	free(e);
}

static void add_slaves(const char *path, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;

	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		char *l = xasprintf("sys/%s/slaves/%s", path, s);
		char *t = xasprintf("sys/%s", block_path(s));
		rel_link(l, t);
		free(l);
		free(t);
	}
	free(copy);
}

static void parse_block(const char *kind, char *line)
{
	char *name = tok(&line), *mm = tok(&line), *t;
	char *path = NULL, *slaves = NULL, *dmname = NULL;

	if (!name || !mm)
		die("%s NAME MAJ:MIN ...", kind);
	if (strcmp(kind, "block") == 0) {
		char *on = tok(&line), *addr = tok(&line);
		const char *sub = "";
		if (!on || strcmp(on, "on") != 0 || !addr)
			die("block NAME MAJ:MIN on ADDR [path=DIRS]");
		while ((t = tok(&line)))
			if (str_starts_with(t, "path="))
				sub = t + 5;
		path = *sub ? xasprintf("%s/%s/block/%s", devs[find_dev(addr)].path, sub, name)
			    : xasprintf("%s/block/%s", devs[find_dev(addr)].path, name);
		add_block(name, path, mm, true);
	} else if (strcmp(kind, "part") == 0) {
		char *of = tok(&line), *disk = tok(&line);
		if (!of || strcmp(of, "of") != 0 || !disk)
			die("part NAME MAJ:MIN of DISK");
		path = xasprintf("%s/%s", block_path(disk), name);
		add_block(name, path, mm, false);
		char *p = xasprintf("sys/%s/partition", path);
		writef(p, "1\n");
		free(p);
	} else {
		while ((t = tok(&line))) {
			if (str_starts_with(t, "slaves="))
				slaves = t + 7;
			else if (str_starts_with(t, "name="))
				dmname = t + 5;
		}
		path = xasprintf("devices/virtual/block/%s", name);
		add_block(name, path, mm, true);
		if (slaves)
			add_slaves(path, slaves);
		if (dmname) {
			char *p = xasprintf("sys/%s/dm/name", path);
			writef(p, "%s\n", dmname);
			free(p);
		}
	}
	free(path);
}

static unsigned ip4(const char *s)
{
	unsigned a, b, c, d;

	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		die("'%s' is not an IPv4 address", s);
	/* /proc/net/route prints the in-memory (network order) word as hex */
	return a | b << 8 | c << 16 | d << 24;
}

static bool route_header;

static void parse_route(char *line)
{
	char *ifn = tok(&line), *dst = tok(&line), *t;
	unsigned addr = 0, mask = 0, gw = 0, metric = 0, flags = 1;

	if (!ifn || !dst)
		die("route IFACE CIDR|default [via GW] [metric N]");
	if (strcmp(dst, "default") != 0) {
		char *slash = strchr(dst, '/');
		int plen = slash ? atoi(slash + 1) : 32;
		if (slash)
			*slash = '\0';
		addr = ip4(dst);
		unsigned hm = plen ? 0xffffffffu << (32 - plen) : 0;
		mask = (hm >> 24) | ((hm >> 8) & 0xff00) | ((hm << 8) & 0xff0000) | (hm << 24);
		addr &= mask;
	}
	while ((t = tok(&line))) {
		char *v = tok(&line);
		if (!v)
			die("'%s' needs a value", t);
		if (strcmp(t, "via") == 0) {
			gw = ip4(v);
			flags |= 2;
		} else if (strcmp(t, "metric") == 0) {
			metric = (unsigned)atoi(v);
		}
	}
	if (!route_header) {
		writef("proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
		route_header = true;
	}
	appendf("proc/net/route", "%s\t%08X\t%08X\t%04X\t0\t0\t%u\t%08X\t0\t0\t0\n", ifn, addr, gw,
		flags, metric, mask);
}

static void parse_line(char *line, FILE *in)
{
	char *kw = tok(&line);

	if (!kw || kw[0] == '#')
		return;
	if (strcmp(kw, "cpu") == 0) {
		char *v = tok(&line);
		bool amd = v && strcmp(v, "amd") == 0;
		if (!v || (!amd && strcmp(v, "intel") != 0))
			die("cpu intel|amd");
		for (int c = 0; c < 2; c++)
			appendf("proc/cpuinfo",
				"processor\t: %d\nvendor_id\t: %s\nmodel name\t: %s\nflags\t\t: fpu vme de pse tsc msr pae %s sse sse2\n\n",
				c, amd ? "AuthenticAMD" : "GenuineIntel",
				amd ? "AMD Ryzen 7 5800X 8-Core Processor" : "Intel(R) Core(TM) i7-6700K CPU @ 4.00GHz",
				amd ? "svm" : "vmx");
	} else if (strcmp(kw, "cmdline") == 0) {
		writef("proc/cmdline", "%s\n", rest(line));
	} else if (strcmp(kw, "iommu") == 0) {
		char *v = tok(&line);
		iommu = !(v && strcmp(v, "off") == 0);
		mkdirs("sys/kernel/iommu_groups");
		mkdirs("sys/class/iommu");
	} else if (strcmp(kw, "iommu_class") == 0) {
		char *v = tok(&line);
		char *p = xasprintf("sys/devices/virtual/iommu/%s", v ? v : "dmar0");
		char *l = xasprintf("sys/class/iommu/%s", v ? v : "dmar0");
		mkdirs(p);
		rel_link(l, p);
		free(p);
		free(l);
	} else if (strcmp(kw, "kernel") == 0) {
		char *v = tok(&line), *t;
		struct kernel *k;
		if (!v || nkernels == ARRAY_SIZE(kernels))
			die("kernel VERSION [virqfd] [vfio-pci-builtin]");
		k = &kernels[nkernels++];
		k->ver = xstrdup(v);
		while ((t = tok(&line))) {
			if (strcmp(t, "virqfd") == 0)
				k->virqfd = true;
			else if (strcmp(t, "vfio-pci-builtin") == 0)
				k->vfio_pci_builtin = true;
			else
				die("unknown kernel flag '%s'", t);
		}
	} else if (strcmp(kw, "running") == 0) {
		writef("proc/sys/kernel/osrelease", "%s\n", rest(line));
	} else if (strcmp(kw, "module") == 0) {
		char *name = tok(&line), *alias = tok(&line);
		if (!name || !alias)
			die("module NAME MODALIAS-PATTERN");
		char *e = xasprintf("%s %s", name, alias);
		strv_push(&modules, e);
		free(e);
	} else if (strcmp(kw, "dev") == 0) {
		parse_dev(line);
	} else if (strcmp(kw, "block") == 0 || strcmp(kw, "part") == 0 || strcmp(kw, "dm") == 0 ||
		   strcmp(kw, "md") == 0) {
		parse_block(kw, line);
	} else if (strcmp(kw, "mount") == 0) {
		char *target = tok(&line), *mm = tok(&line), *type = tok(&line), *src = tok(&line);
		static int id = 20;
		if (!target || !mm || !type || !src)
			die("mount TARGET MAJ:MIN FSTYPE SOURCE");
		appendf("proc/self/mountinfo", "%d 1 %s / %s rw,relatime shared:1 - %s %s rw\n", id++,
			mm, target, type, src);
	} else if (strcmp(kw, "swap") == 0) {
		char *src = tok(&line), *type = tok(&line);
		if (!src || !type)
			die("swap SOURCE partition|file");
		appendf("proc/swaps", "%-40s%s\t8388604\t\t0\t\t-2\n", src, type);
	} else if (strcmp(kw, "fstab") == 0) {
		appendf("root/etc/fstab", "%s\n", rest(line));
	} else if (strcmp(kw, "devlink") == 0) {
		char *l = tok(&line), *t = tok(&line);
		if (!l || !t)
			die("devlink dev/PATH TARGET");
		char *p = xasprintf("%s/root/%s", out, l);
		char *rel = xasprintf("root/%s", l);
		parent_dirs(rel);
		unlink(p);
		if (symlink(t, p) < 0)
			die("symlink %s: %s", p, strerror(errno));
		free(p);
		free(rel);
	} else if (strcmp(kw, "net") == 0) {
		char *ifn = tok(&line), *on = tok(&line), *addr = tok(&line);
		if (!ifn || !on || !addr || strcmp(on, "on") != 0)
			die("net IFACE on ADDR");
		struct fdev *d = &devs[find_dev(addr)];
		char *p = xasprintf("sys/%s/net/%s", d->path, ifn);
		char *dl = xasprintf("%s/device", p);
		char *dt = xasprintf("sys/%s", d->path);
		char *cl = xasprintf("sys/class/net/%s", ifn);
		mkdirs(p);
		rel_link(dl, dt);
		rel_link(cl, p);
		free(p);
		free(dl);
		free(dt);
		free(cl);
	} else if (strcmp(kw, "bridge") == 0 || strcmp(kw, "bond") == 0 || strcmp(kw, "vlan") == 0) {
		char *ifn = tok(&line), *ports = tok(&line), *save = NULL;
		if (!ifn || !ports || !str_starts_with(ports, "ports="))
			die("%s IFACE ports=a,b", kw);
		char *p = xasprintf("sys/devices/virtual/net/%s", ifn);
		char *cl = xasprintf("sys/class/net/%s", ifn);
		mkdirs(p);
		rel_link(cl, p);
		for (char *s = strtok_r(ports + 6, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
			char *l = xasprintf("%s/lower_%s", p, s);
			char *pl = xasprintf("%s/%s", out, "sys/class/net/");
			char buf[4096];
			char *lp = xasprintf("sys/class/net/%s", s);
			char *full = xasprintf("%s/%s", out, lp);
			ssize_t n = readlink(full, buf, sizeof(buf) - 1);
			if (n < 0)
				die("%s: port %s is not declared", ifn, s);
			buf[n] = '\0';
			/* class/net/X -> ../../devices/...: make it relative to sys/ */
			char *target = xasprintf("sys/%s", buf + 6);
			rel_link(l, target);
			free(l);
			free(pl);
			free(lp);
			free(full);
			free(target);
		}
		free(p);
		free(cl);
	} else if (strcmp(kw, "route") == 0) {
		parse_route(line);
	} else if (strcmp(kw, "ssh") == 0) {
		writef("ssh_connection", "%s\n", rest(line));
	} else if (strcmp(kw, "file") == 0) {
		/* file REL ... lines verbatim until a line "endfile" */
		char *rel = tok(&line), buf[4096];
		char *path;
		if (!rel)
			die("file PATH");
		path = xasprintf("root/%s", rel);
		write_bytes(path, "", 0, false);
		while (fgets(buf, sizeof(buf), in)) {
			lineno++;
			if (strcmp(buf, "endfile\n") == 0 || strcmp(buf, "endfile") == 0)
				break;
			write_bytes(path, buf, strlen(buf), true);
		}
		free(path);
	} else {
		die("unknown keyword '%s'", kw);
	}
}

int main(int argc, char **argv)
{
	char buf[8192];
	FILE *in;

	if (argc != 3) {
		fprintf(stderr, "usage: mkfixture DESC OUTDIR\n");
		return 2;
	}
	desc_name = argv[1];
	out = argv[2];
	in = fopen(desc_name, "r");
	if (!in) {
		fprintf(stderr, "mkfixture: %s: %s\n", desc_name, strerror(errno));
		return 1;
	}
	mkdirs("sys/bus/pci/devices");
	mkdirs("sys/bus/pci/drivers");
	mkdirs("proc/sys/kernel");
	mkdirs("root/etc");
	writef("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	while (fgets(buf, sizeof(buf), in)) {
		lineno++;
		str_rstrip(buf);
		parse_line(buf, in);
	}
	fclose(in);
	lineno = 0;
	for (size_t i = 0; i < ndev; i++)
		emit_device(&devs[i], iommu);
	for (size_t k = 0; k < nkernels; k++) {
		const struct kernel *kn = &kernels[k];
		char *mb = xasprintf("root/lib/modules/%s/modules.builtin", kn->ver);
		char *rel = xasprintf("root/lib/modules/%s/kernel", kn->ver);
		mkdirs(rel);
		write_bytes(mb, "", 0, false);
		appendf(mb, "kernel/drivers/pci/pcieport.ko\n");
		if (kn->vfio_pci_builtin)
			appendf(mb, "kernel/drivers/vfio/vfio.ko\nkernel/drivers/vfio/vfio_iommu_type1.ko\n"
				    "kernel/drivers/vfio/pci/vfio-pci.ko\n");
		else {
			emit_module(kn->ver, "vfio", NULL);
			emit_module(kn->ver, "vfio_iommu_type1", NULL);
			emit_module(kn->ver, "vfio-pci", "vfio_pci:v*d*sv*sd*bc*sc*i*");
		}
		if (kn->virqfd)
			emit_module(kn->ver, "vfio_virqfd", NULL);
		for (size_t m = 0; m < modules.n; m++) {
			char *name = xstrdup(modules.v[m]);
			char *sp = strchr(name, ' ');
			*sp = '\0';
			emit_module(kn->ver, name, sp + 1);
			free(name);
		}
		free(mb);
		free(rel);
	}
	return 0;
}
