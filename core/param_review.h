/* param_review.h - what the host already has on its kernel command line
 * and in its early module lists that is obsolete, or does nothing, on the
 * kernels it has: video=efifb:off (or vesafb:off) where vfio-pci takes the
 * firmware framebuffer off the boot GPU itself (6.0 and later), vfio_virqfd
 * where no installed kernel has it any more (folded into vfio in 6.2; a
 * kernel that still has it is served by the line), pcie_acs_override=
 * on a kernel that does not carry the out-of-tree ACS override patch.
 * One judge for list, plan and status.
 */
#ifndef VFIOCONF_PARAM_REVIEW_H
#define VFIOCONF_PARAM_REVIEW_H

#include <stdbool.h>

#include "core/effective.h"
#include "core/inventory.h"

/* A command-line word this file judges (the scan keeps it as EFF_PARAM). */
bool param_review_watched(const char *word);

/* Appends one message per problem to out: for the inputs of c that are not
 * vfioconf's (their file and line first), then for the words of running
 * (the running kernel's command line, NULL to skip) that no input of c
 * already carries. c may be NULL. */
void param_review(const struct host_facts *h, const struct eff_config *c, const char *running, struct strv *out);

#endif
