/* kmod_facts.c - what each installed kernel provides, through libkmod. */
#include "config.h"

#include "backends/scan/kmod_facts.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cache_entry {
	char *alias;        /* NULL = empty slot */
	struct strv mods;
};

struct kmod_facts {
	struct kmod_ctx **ctx;  /* one per kernel with a usable modules dir */
	size_t n_ctx;
	struct cache_entry *cache;
	size_t cache_cap;       /* power of two */
	size_t cache_used;
	/* some kernel's modules.alias names a vfio variant driver (an alias
	 * "vfio_pci:v" with a vendor ID): otherwise no device needs the lookup */
	bool any_variant;
};

static struct log *kmod_log_target;

static void on_kmod_log(void *data, int priority, const char *file, int line, const char *fn,
			const char *fmt, va_list args)
{
	char buf[512];

	(void)data; (void)file; (void)line; (void)fn;
	/* libkmod logs errors (3) and below; anything chattier is noise. */
	if (priority > 3 || !kmod_log_target)
		return;
	vsnprintf(buf, sizeof(buf), fmt, args);
	log_warn(kmod_log_target, "libkmod: %s", str_rstrip(buf));
}

static int cmp_kernel(const void *a, const void *b)
{
	return strverscmp(((const struct kernel_info *)a)->version,
			  ((const struct kernel_info *)b)->version);
}

/* modules.builtin lists paths like kernel/drivers/vfio/pci/vfio-pci.ko;
 * module names treat '-' and '_' alike. */
static bool builtin_has(const char *text, const char *module)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *base = line;
		size_t i;

		for (i = 0; i < len; i++)
			if (line[i] == '/')
				base = line + i + 1;
		len -= (size_t)(base - line);
		if (len > 3 && strncmp(base + len - 3, ".ko", 3) == 0) {
			len -= 3;
			for (i = 0; i < len && module[i]; i++) {
				char a = base[i] == '-' ? '_' : base[i];
				char b = module[i] == '-' ? '_' : module[i];
				if (a != b)
					break;
			}
			if (i == len && !module[i])
				return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static bool has_module(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL, *it;
	bool found = false;

	if (kmod_module_new_from_lookup(ctx, name, &list) < 0)
		return false;
	kmod_list_foreach(it, list) {
		struct kmod_module *m = kmod_module_get_module(it);
		if (kmod_module_get_path(m))
			found = true;
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	return found;
}

/* A bool option of kernel kver's build configuration, where distributions
 * install it: 1 =y, 0 not set, -1 no configuration found. */
static int kernel_config_flag(const struct sysroot *sr, const char *kver, const char *opt)
{
	static const char *const where[][2] = {
		{"boot/config-", ""}, {"lib/modules/", "/config"}, {"usr/lib/modules/", "/config"}};
	int r = -1;

	for (size_t i = 0; i < ARRAY_SIZE(where) && r < 0; i++) {
		char *rel = xasprintf("%s%s%s", where[i][0], kver, where[i][1]), *p = path_join(sr->root, rel), *text = NULL;
		if (read_file(p, 16 << 20, &text, NULL) == 0) {
			char *want = xasprintf("\n%s=y\n", opt);
			char *nl = xasprintf("\n%s", text); /* the first line too */
			r = strstr(nl, want) != NULL;
			free(nl);
			free(want);
		}
		free(text);
		free(p);
		free(rel);
	}
	return r;
}

/* Does kernel kver's System.map name a symbol containing what (the ACS
 * override patch's early_param handler, say)? 1, 0, -1 when unreadable or
 * a stand-in (Debian ships one line: "The real System.map is in the
 * linux-image-<version>-dbg package"). */
static int kernel_has_symbol(const struct sysroot *sr, const char *kver, const char *what)
{
	char *rel = xasprintf("boot/System.map-%s", kver), *p = path_join(sr->root, rel), *text = NULL;
	int r = -1;

	if (read_file(p, 64 << 20, &text, NULL) == 0 && !strstr(text, "The real System.map"))
		r = strstr(text, what) != NULL;
	free(text);
	free(p);
	free(rel);
	return r;
}

static void add_kernel(struct kmod_facts *kf, struct inventory *inv, const struct sysroot *sr,
		       const char *moddir, const char *kver, struct log *log)
{
	struct host_facts *h = &inv->host;
	char *dir = path_join(moddir, kver);
	char *dep = path_join(dir, "modules.dep");
	char *builtin_path = path_join(dir, "modules.builtin");
	char *builtin = NULL;
	struct kernel_info *k;
	const char *cfg[6];
	char *cfgp[5];

	for (size_t i = 0; i < h->n_kernels; i++)
		if (strcmp(h->kernels[i].version, kver) == 0)
			goto out; /* /lib/modules and /usr/lib/modules are often the same */
	if (!path_exists(dep) && !path_exists(builtin_path))
		goto out; /* an empty leftover directory, not a kernel */

	h->kernels = xrealloc(h->kernels, (h->n_kernels + 1) * sizeof(*h->kernels));
	k = &h->kernels[h->n_kernels++];
	memset(k, 0, sizeof(*k));
	k->version = xstrdup(kver);
	k->intel_iommu_default_on = kernel_config_flag(sr, kver, "CONFIG_INTEL_IOMMU_DEFAULT_ON");
	k->acs_override = kernel_has_symbol(sr, kver, "pcie_acs_override");
	if (read_file(builtin_path, 16 << 20, &builtin, NULL) == 0) {
		k->vfio_pci_builtin = builtin_has(builtin, "vfio_pci");
		k->vfio_builtin = builtin_has(builtin, "vfio");
	} else {
		log_warn(log, "%s: missing; cannot tell what kernel %s has built in", builtin_path, kver);
	}
	if (!path_exists(dep)) {
		log_warn(log, "%s: missing; run depmod for kernel %s", dep, kver);
		goto out;
	}
	cfgp[0] = path_join(sr->root, "etc/modprobe.d");
	cfgp[1] = path_join(sr->root, "run/modprobe.d");
	cfgp[2] = path_join(sr->root, "usr/local/lib/modprobe.d");
	cfgp[3] = path_join(sr->root, "lib/modprobe.d");
	cfgp[4] = path_join(sr->root, "usr/lib/modprobe.d");
	for (int i = 0; i < 5; i++)
		cfg[i] = cfgp[i];
	cfg[5] = NULL;
	kmod_log_target = log;
	struct kmod_ctx *ctx = kmod_new(dir, cfg);
	for (int i = 0; i < 5; i++)
		free(cfgp[i]);
	if (!ctx) {
		log_warn(log, "%s: libkmod could not open it", dir);
		goto out;
	}
	kmod_set_log_fn(ctx, on_kmod_log, NULL);
	kmod_set_log_priority(ctx, 3);
	if (kmod_load_resources(ctx) < 0)
		log_warn(log, "%s: module indexes missing or damaged (modules.*.bin); run depmod", dir);
	else
		k->modules_dir_ok = true; /* its facts are facts */
	{
		/* a few kilobytes of grep spare hundreds of lookups where, as on
		 * most kernels, vfio_pci's own catch-all is the only such alias */
		char *ap = path_join(dir, "modules.alias"), *at = NULL;
		if (read_file(ap, 64 << 20, &at, NULL) < 0)
			kf->any_variant = true; /* cannot tell: look */
		else
			for (const char *p = at; (p = strstr(p, "alias vfio_pci:v")); p += 16)
				if (p[16] != '*')
					kf->any_variant = true;
		free(at);
		free(ap);
	}
	k->vfio_virqfd_module = has_module(ctx, "vfio_virqfd");
	k->vfio_pci_module = has_module(ctx, "vfio_pci");
	kf->ctx = xrealloc(kf->ctx, (kf->n_ctx + 1) * sizeof(*kf->ctx));
	kf->ctx[kf->n_ctx++] = ctx;
out:
	free(builtin);
	free(builtin_path);
	free(dep);
	free(dir);
}

static void scan_moddir(struct kmod_facts *kf, struct inventory *inv, const struct sysroot *sr,
			const char *rel, struct log *log)
{
	char *moddir = path_join(sr->root, rel);
	DIR *d = opendir(moddir);
	struct dirent *e;
	struct strv names = {0};

	if (d) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				strv_push(&names, e->d_name);
		closedir(d);
	}
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++)
		add_kernel(kf, inv, sr, moddir, names.v[i], log);
	strv_free(&names);
	free(moddir);
}

void kmod_facts_open(const struct sysroot *sr, struct inventory *inv, struct log *log,
		     struct kmod_facts **out)
{
	struct kmod_facts *kf = xcalloc(1, sizeof(*kf));

	scan_moddir(kf, inv, sr, "lib/modules", log);
	scan_moddir(kf, inv, sr, "usr/lib/modules", log);
	if (inv->host.n_kernels > 1)
		qsort(inv->host.kernels, inv->host.n_kernels, sizeof(*inv->host.kernels), cmp_kernel);
	if (inv->host.n_kernels == 0)
		log_warn(log, "%s: no installed kernel found under lib/modules", sr->root);
	kf->cache_cap = 256;
	kf->cache = xcalloc(kf->cache_cap, sizeof(*kf->cache));
	*out = kf;
}

/* The names of the modules alias resolves to in one kernel, added to out. */
static void lookup_names(struct kmod_ctx *ctx, const char *alias, struct strv *out)
{
	struct kmod_list *list = NULL, *it;

	if (kmod_module_new_from_lookup(ctx, alias, &list) < 0)
		return;
	kmod_list_foreach(it, list) {
		struct kmod_module *m = kmod_module_get_module(it);
		strv_push_unique(out, kmod_module_get_name(m));
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct cache_entry *cache_slot(struct cache_entry *c, size_t cap, const char *alias)
{
	size_t i = hash(alias) & (cap - 1);

	while (c[i].alias && strcmp(c[i].alias, alias) != 0)
		i = (i + 1) & (cap - 1);
	return &c[i];
}

static void cache_grow(struct kmod_facts *kf)
{
	size_t ncap = kf->cache_cap * 2;
	struct cache_entry *n = xcalloc(ncap, sizeof(*n));

	for (size_t i = 0; i < kf->cache_cap; i++)
		if (kf->cache[i].alias)
			*cache_slot(n, ncap, kf->cache[i].alias) = kf->cache[i];
	free(kf->cache);
	kf->cache = n;
	kf->cache_cap = ncap;
}

void kmod_facts_modules(struct kmod_facts *kf, const char *modalias, struct strv *mods)
{
	struct cache_entry *e;

	if (!kf || !modalias || !*modalias)
		return;
	if ((kf->cache_used + 1) * 2 > kf->cache_cap)
		cache_grow(kf);
	e = cache_slot(kf->cache, kf->cache_cap, modalias);
	if (!e->alias) {
		e->alias = xstrdup(modalias);
		kf->cache_used++;
		for (size_t i = 0; i < kf->n_ctx; i++)
			lookup_names(kf->ctx[i], modalias, &e->mods);
		strv_sort(&e->mods);
	}
	for (size_t i = 0; i < e->mods.n; i++)
		strv_push_unique(mods, e->mods.v[i]);
}

char *kmod_facts_variant(struct kmod_facts *kf, const char *modalias, size_t n_kernels, bool *partial)
{
	char *alias, *found = NULL;
	size_t have = 0;
	struct cache_entry *e;

	*partial = false;
	if (!kf || !kf->any_variant || !modalias || !str_starts_with(modalias, "pci:"))
		return NULL;
	alias = xasprintf("vfio_pci:%s", modalias + 4);
	/* hosts repeat a few IDs hundreds of times (VFs, NIC ports): cached
	 * under the alias, with "" for none and "\x01" for only some kernels */
	if ((kf->cache_used + 1) * 2 > kf->cache_cap)
		cache_grow(kf);
	e = cache_slot(kf->cache, kf->cache_cap, alias);
	if (e->alias) {
		free(alias);
		*partial = e->mods.n && e->mods.v[0][0] == '\x01';
		return e->mods.n && e->mods.v[0][0] && !*partial ? xstrdup(e->mods.v[0]) : NULL;
	}
	e->alias = xstrdup(alias);
	kf->cache_used++;
	for (size_t i = 0; i < kf->n_ctx; i++) {
		struct strv names = {0};
		const char *mine = NULL;
		lookup_names(kf->ctx[i], alias, &names);
		/* vfio_pci's own catch-all alias is no variant */
		for (size_t k = 0; k < names.n && !mine; k++)
			if (driver_is_vfio_variant(names.v[k]))
				mine = names.v[k];
		if (mine && (!found || strcmp(found, mine) == 0)) {
			if (!found)
				found = xstrdup(mine);
			have++;
		}
		strv_free(&names);
	}
	free(alias);
	if (found && have < n_kernels) {
		/* a kernel without it would leave the device with no driver */
		*partial = true;
		free(found);
		found = NULL;
	}
	strv_push(&e->mods, *partial ? "\x01" : found ? found : "");
	return found;
}

void kmod_facts_free(struct kmod_facts *kf)
{
	if (!kf)
		return;
	for (size_t i = 0; i < kf->n_ctx; i++)
		kmod_unref(kf->ctx[i]);
	free(kf->ctx);
	for (size_t i = 0; i < kf->cache_cap; i++)
		if (kf->cache[i].alias) {
			free(kf->cache[i].alias);
			strv_free(&kf->cache[i].mods);
		}
	free(kf->cache);
	free(kf);
	kmod_log_target = NULL;
}
