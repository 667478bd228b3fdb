/* kmod_facts.h - what each installed kernel provides, through libkmod.
 *
 * One libkmod context per ROOT/lib/modules/KVER (and ROOT/usr/lib/modules),
 * with the modprobe.d search path taken inside ROOT. Lookups are cached by
 * modalias because large hosts repeat a handful of aliases.
 */
#ifndef VFIOCONF_KMOD_FACTS_H
#define VFIOCONF_KMOD_FACTS_H

#include "backends/sys/sysroot.h"
#include "core/inventory.h"
#include "core/log.h"

struct kmod_facts;

/* Fills inv->host.kernels (sorted by version). *out is NULL when no kernel
 * is installed under ROOT; never fails otherwise. */
void kmod_facts_open(const struct sysroot *sr, struct inventory *inv, struct log *log,
		     struct kmod_facts **out);
/* Adds the modules that could drive modalias, over all kernels, to mods. */
void kmod_facts_modules(struct kmod_facts *kf, const char *modalias, struct strv *mods);
/* The vfio variant driver ("vfio_pci:" alias) every one of the n_kernels
 * installed kernels has for modalias (caller frees), or NULL; *partial when
 * some kernel has one and another does not (its index unreadable counts
 * as not): then NULL too, and vfio-pci binds the device everywhere. */
char *kmod_facts_variant(struct kmod_facts *kf, const char *modalias, size_t n_kernels, bool *partial);
void kmod_facts_free(struct kmod_facts *kf);

#endif
