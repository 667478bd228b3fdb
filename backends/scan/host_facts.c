/* host_facts.c - CPU, command line, IOMMU state, the running kernel; the
 * storage and the SSH NIC are in host_storage.c and host_net.c. */
#include "config.h"

#include "backends/scan/host_facts.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void scan_cpu(const struct sysroot *sr, struct host_facts *h, struct log *log)
{
	char *p = path_join(sr->procfs, "cpuinfo");
	char *text = NULL, *save = NULL;

	if (read_file(p, MAX_PROC_FILE, &text, NULL) < 0) {
		log_warn(log, "%s: unreadable; CPU vendor unknown", p);
		free(p);
		return;
	}
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (str_starts_with(line, "vendor_id") && h->cpu == CPU_UNKNOWN) {
			if (strstr(line, "GenuineIntel"))
				h->cpu = CPU_INTEL;
			else if (strstr(line, "AuthenticAMD") || strstr(line, "HygonGenuine"))
				h->cpu = CPU_AMD;
		} else if (str_starts_with(line, "flags") && !h->cpu_virt) {
			char *f = strchr(line, ':');
			for (char *tok = f ? strtok_r(f + 1, " \t", &f) : NULL; tok;
			     tok = strtok_r(NULL, " \t", &f))
				if (strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0)
					h->cpu_virt = true;
			break; /* the first CPU says enough */
		}
	}
	free(text);
	free(p);
}

/* The nearest PCI function above a sysfs device path. */
bool host_pci_above(const char *real, struct strv *out)
{
	char *copy = xstrdup(real);
	char *best = NULL, *save = NULL;

	for (char *tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		struct pci_addr a;
		if (strchr(tok, '.') && pci_addr_parse(tok, &a) == 0 && strchr(tok, ':') != strrchr(tok, ':'))
			best = tok;
	}
	if (best) {
		struct pci_addr a;
		char buf[PCI_ADDR_STRLEN];
		pci_addr_parse(best, &a);
		pci_addr_format(&a, buf);
		strv_push_unique(out, buf);
	}
	free(copy);
	return best != NULL;
}

/* SYSFS/class/iommu in one pass: whether it lists any unit, and whose.
 * The kernel names the units by their kind: dmar0 (VT-d), ivhd0 (AMD-Vi). */
static void scan_iommu_class(const char *class_dir, struct host_facts *h)
{
	DIR *d = opendir(class_dir);
	struct dirent *e;

	h->iommu_class = false;
	h->iommu_vendor = CPU_UNKNOWN;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		h->iommu_class = true;
		if (str_starts_with(e->d_name, "dmar"))
			h->iommu_vendor = CPU_INTEL;
		else if (str_starts_with(e->d_name, "ivhd"))
			h->iommu_vendor = CPU_AMD;
		if (h->iommu_vendor != CPU_UNKNOWN)
			break;
	}
	if (d)
		closedir(d);
}

/* Started with pcie_acs_override= and no System.map to say whether the
 * kernel has the patch: the running kernel's own symbols (PROCFS/kallsyms,
 * names readable without root) tell, for that kernel. */
static void running_acs_override(const struct sysroot *sr, struct host_facts *h)
{
	char *p, *text = NULL;

	if (!h->cmdline || !h->running_kernel || !strstr(h->cmdline, "pcie_acs_override"))
		return;
	for (size_t k = 0; k < h->n_kernels; k++) {
		struct kernel_info *ki = &h->kernels[k];
		if (strcmp(ki->version, h->running_kernel) != 0 || ki->acs_override >= 0)
			continue;
		p = path_join(sr->procfs, "kallsyms");
		if (read_file(p, 256 << 20, &text, NULL) == 0 && *text)
			ki->acs_override = strstr(text, "pcie_acs_override") != NULL;
		free(text);
		free(p);
	}
}

static void scan_irq_remap(const struct sysroot *sr, struct host_facts *h)
{
	char *p = path_join(sr->procfs, "interrupts"), *text = NULL;

	h->irq_remap = IRQ_REMAP_UNKNOWN;
	if (read_file(p, 64 << 20, &text, NULL) == 0) {
		if (strstr(text, " IR-"))
			h->irq_remap = IRQ_REMAP_ON;
		else if (strstr(text, "IO-APIC") || strstr(text, "PCI-MSI"))
			h->irq_remap = IRQ_REMAP_OFF; /* interrupts listed, none remapped */
	}
	free(text);
	free(p);
}

/* PROCFS/iomem nests each region under the one it lies in, two blanks a
 * level; the names and the nesting show without root (the addresses read
 * 0 then). A framebuffer region under a PCI function's region lies in
 * that function's BAR: vfio-pci cannot reserve the BAR while it is held. */
static void scan_bootfb(const struct sysroot *sr, struct host_facts *h)
{
	static const char *const fb[] = {"BOOTFB", "efifb", "vesafb", "simplefb", "simpledrm",
					 "simple-framebuffer"};
	char *p = path_join(sr->procfs, "iomem"), *text = NULL, *save = NULL;
	struct {
		size_t indent;
		char addr[PCI_ADDR_STRLEN];
	} stack[16];
	size_t n = 0;

	h->bootfb_dev[0] = '\0';
	if (read_file(p, 16 << 20, &text, NULL) < 0)
		goto out;
	for (char *line = strtok_r(text, "\n", &save); line && !h->bootfb_dev[0]; line = strtok_r(NULL, "\n", &save)) {
		size_t indent = strspn(line, " ");
		char *name = strstr(line, " : ");
		struct pci_addr a;
		if (!name)
			continue;
		name += 3;
		while (n && stack[n - 1].indent >= indent)
			n--;
		for (size_t i = 0; i < ARRAY_SIZE(fb); i++)
			if (strcmp(name, fb[i]) == 0 && n) {
				snprintf(h->bootfb_dev, sizeof(h->bootfb_dev), "%s", stack[n - 1].addr);
				h->bootfb_name = xstrdup(name);
			}
		if (n < ARRAY_SIZE(stack) && strchr(name, ':') != strrchr(name, ':') && pci_addr_parse(name, &a) == 0) {
			stack[n].indent = indent;
			pci_addr_format(&a, stack[n].addr);
			n++;
		}
	}
out:
	free(text);
	free(p);
}

void host_facts_scan(const struct sysroot *sr, const char *ssh_connection, struct inventory *inv,
		     struct log *log)
{
	struct host_facts *h = &inv->host;
	char *p;

	p = path_join(sr->sysfs, "kernel/iommu_groups");
	h->iommu_groups = dir_has_entries(p);
	free(p);
	p = path_join(sr->sysfs, "class/iommu");
	scan_iommu_class(p, h);
	free(p);

	scan_cpu(sr, h, log);
	{
		char *v = NULL;
		p = path_join(sr->sysfs, "module/kvm_amd/parameters");
		h->sev_snp = read_attr(p, "sev_snp", &v) == 0 && (v[0] == 'Y' || v[0] == '1');
		free(v);
		free(p);
	}
	p = path_join(sr->procfs, "cmdline");
	if (read_file(p, 1 << 20, &h->cmdline, NULL) < 0)
		log_warn(log, "%s: unreadable; current kernel command line unknown", p);
	else
		str_rstrip(h->cmdline);
	free(p);
	p = path_join(sr->procfs, "sys/kernel");
	if (read_attr(p, "osrelease", &h->running_kernel) < 0)
		h->running_kernel = NULL;
	free(p);
	running_acs_override(sr, h);
	scan_irq_remap(sr, h);
	scan_bootfb(sr, h);

	host_storage_scan(sr, h, log);
	host_net_scan(sr, ssh_connection, h, log);
}
