/* host_facts.h - CPU, kernel command line, IOMMU state, and what the host
 * cannot lose: the storage under its mounts and swap, the NIC carrying the
 * SSH session.
 */
#ifndef VFIOCONF_HOST_FACTS_H
#define VFIOCONF_HOST_FACTS_H

#include "backends/sys/sysroot.h"
#include "core/inventory.h"
#include "core/log.h"

/* ssh_connection is the value of $SSH_CONNECTION or NULL. */
void host_facts_scan(const struct sysroot *sr, const char *ssh_connection, struct inventory *inv,
		     struct log *log);

/* Exposed for tests: "client cport server sport" -> interface name, via the
 * routing tables in PROCFS/net. Returns 0 or -ENOENT/-EINVAL. */
int host_route_iface(const struct sysroot *sr, const char *client_ip, char **iface);

#endif
