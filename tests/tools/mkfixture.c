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
#include "tests/tools/mkfixture.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


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
	struct fdev d = {.group = -1, .boot_vga = -1, .parent = -1, .physfn = -1, .pcie = -1, .acs = -1};
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
		else if (strcmp(t, "pcie") == 0) /* the PCIe capability's port type */
			d.pcie = strcmp(eq, "root") == 0 ? 4 : strcmp(eq, "upstream") == 0 ? 5
			       : strcmp(eq, "downstream") == 0 ? 6 : strcmp(eq, "endpoint") == 0 ? 0
												: (die("pcie=root|upstream|downstream|endpoint"), 0);
		else if (strcmp(t, "acs") == 0) /* ACS control: on = SV RR CR UF, off = none enabled */
			d.acs = strcmp(eq, "on") == 0 ? 0x1d : strcmp(eq, "off") == 0 ? 0 : (int)hexval(eq, 0xffff, "acs");
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
	} else if (strcmp(kw, "slot") == 0) {
		/* slot NAME BB:SS: a physical slot, as pciehp or acpiphp names it */
		char *name = tok(&line), *addr = tok(&line);
		if (!name || !addr)
			die("slot NAME BB:SS");
		char *f = xasprintf("sys/bus/pci/slots/%s/address", name);
		writef(f, "0000:%s\n", addr);
		free(f);
	} else if (strcmp(kw, "ssh") == 0) {
		writef("ssh_connection", "%s\n", rest(line));
	} else if (strcmp(kw, "irq_remap") == 0) {
		/* PROCFS/interrupts as the kernel writes it, with or without
		 * remapped chips (IR-...) */
		char *v = tok(&line);
		bool on = v && strcmp(v, "on") == 0;
		if (!v || (!on && strcmp(v, "off") != 0))
			die("irq_remap on|off");
		writef("proc/interrupts",
		       "           CPU0       CPU1       \n"
		       "  0:         33          0  %sIO-APIC    2-edge      timer\n"
		       "  9:          0          0  %sIO-APIC    9-fasteoi   acpi\n"
		       " 25:       1543          0  %s 512000-edge      ahci[0000:00:1f.2]\n"
		       "NMI:          0          0   Non-maskable interrupts\n",
		       on ? "IR-" : " ", on ? "IR-" : " ", on ? "IR-PCI-MSI-0000:00:1f.2" : " PCI-MSI");
	} else if (strcmp(kw, "file") == 0 || strcmp(kw, "procfile") == 0) {
		/* file REL (under root) or procfile REL (under proc) ... lines
		 * verbatim until a line "endfile" */
		char *rel = tok(&line), buf[4096];
		char *path;
		if (!rel)
			die("%s PATH", kw);
		path = xasprintf("%s/%s", kw[0] == 'p' ? "proc" : "root", rel);
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
