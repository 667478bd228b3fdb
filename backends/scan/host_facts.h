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

/* Longest file read from procfs (mountinfo, routes). */
#define MAX_PROC_FILE (8u << 20)

/* ---- the scan's parts (host_storage.c, host_net.c) ---- */

void host_storage_scan(const struct sysroot *sr, struct host_facts *h, struct log *log);
/* conn: $SSH_CONNECTION or NULL. */
void host_net_scan(const struct sysroot *sr, const char *conn, struct host_facts *h, struct log *log);
/* The nearest PCI function above a sysfs device path, added to out. */
bool host_pci_above(const char *real, struct strv *out);

#endif
