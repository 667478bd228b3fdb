/* param_review.c - obsolete and idle settings, judged per installed kernel. */
#include "config.h"

#include "core/param_review.h"
#include "core/cmdline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fb_off(const char *word)
{
	return str_starts_with(word, "video=") && (strstr(word, "efifb:off") || strstr(word, "vesafb:off"));
}

static bool acs_override(const char *word)
{
	return str_starts_with(word, "pcie_acs_override=") || strcmp(word, "pcie_acs_override") == 0;
}

bool param_review_watched(const char *word)
{
	return fb_off(word) || acs_override(word);
}

static bool at_least(const char *kver, const char *v)
{
	return kver && strverscmp(kver, v) >= 0;
}

/* The kernels a setting applies to: the running one for /proc/cmdline,
 * else every installed one. Appends the versions for which bad() holds. */
static void kernels_where(const struct host_facts *h, bool running, bool (*bad)(const struct kernel_info *),
			  struct strv *out)
{
	for (size_t k = 0; k < h->n_kernels; k++)
		if ((!running || (h->running_kernel && strcmp(h->kernels[k].version, h->running_kernel) == 0)) &&
		    bad(&h->kernels[k]))
			strv_push(out, h->kernels[k].version);
}

static bool before_6_0(const struct kernel_info *k)
{
	return !at_least(k->version, "6.0");
}

static bool no_acs_patch(const struct kernel_info *k)
{
	return k->acs_override == 0;
}

static bool no_virqfd(const struct kernel_info *k)
{
	return k->modules_dir_ok && !k->vfio_virqfd_module;
}

static char *where(const char *file, int line)
{
	return line ? xasprintf("%s:%d", file, line) : xstrdup(file);
}

static void judge_word(const struct host_facts *h, const char *word, const char *file, int line, struct strv *out)
{
	bool running = strcmp(file, "/proc/cmdline") == 0;
	struct strv ks = {0};
	char *at = where(file, line), *m = NULL, *list;

	if (fb_off(word)) {
		bool all_new;
		/* the running kernel by its own version (it may be installed no
		 * more, or this a rescue system's); with no kernel to judge by,
		 * say nothing */
		if (running) {
			all_new = at_least(h->running_kernel, "6.0");
		} else {
			kernels_where(h, false, before_6_0, &ks);
			all_new = !ks.n && h->n_kernels > 0;
		}
		if (all_new)
			m = xasprintf("%s: %s is not needed on %s: from 6.0 on vfio-pci takes the firmware framebuffer "
				      "off the GPU it binds; the parameter only leaves the host without a boot console",
				      at, word, running ? "the running kernel" : "the installed kernels");
	} else if (acs_override(word)) {
		kernels_where(h, running, no_acs_patch, &ks);
		if (ks.n) {
			list = strv_join(&ks, ", ");
			m = xasprintf("%s: %s does nothing on %s: %s not carry the ACS override patch (no "
				      "pcie_acs_override in System.map), so the IOMMU groups stay as the hardware makes them",
				      at, word, list, ks.n == 1 ? "it does" : "they do");
			free(list);
		}
	}
	if (m)
		strv_push_unique(out, m);
	free(m);
	free(at);
	strv_free(&ks);
}

void param_review(const struct host_facts *h, const struct eff_config *c, const char *running, struct strv *out)
{
	struct strv words = {0};

	for (size_t i = 0; c && i < c->n; i++) {
		const struct eff_input *in = &c->in[i];
		if (in->ours || in->running)
			continue;
		if (in->kind == EFF_PARAM && in->value) {
			judge_word(h, in->value, in->file, in->line, out);
		} else if ((in->kind == EFF_EARLY || in->kind == EFF_MODARGS) && eff_module_eq(in->module, "vfio_virqfd")) {
			/* while one kernel still has it (or may: its index is not
			 * readable), the line serves that one */
			struct strv ks = {0};
			kernels_where(h, false, no_virqfd, &ks);
			if (ks.n && ks.n == h->n_kernels) {
				char *at = where(in->file, in->line), *list = strv_join(&ks, ", ");
				char *m = xasprintf("%s: vfio_virqfd: no installed kernel has this module (%s; it went "
						    "into vfio in 6.2): take the line out, or the initramfs tools may "
						    "stop on it",
						    at, list);
				strv_push_unique(out, m);
				free(m);
				free(list);
				free(at);
			}
			strv_free(&ks);
		}
	}
	cmdline_split(running ? running : "", &words);
	for (size_t w = 0; w < words.n; w++) {
		bool carried = false;
		if (!param_review_watched(words.v[w]))
			continue;
		for (size_t i = 0; c && i < c->n && !carried; i++)
			carried = c->in[i].kind == EFF_PARAM && !c->in[i].running && c->in[i].value &&
				  strcmp(c->in[i].value, words.v[w]) == 0;
		if (!carried)
			judge_word(h, words.v[w], "/proc/cmdline", 0, out);
	}
	strv_free(&words);
}
