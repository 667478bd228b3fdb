/* host_net.c - the NIC the host cannot lose: the one carrying the SSH
 * session, through bridges, bonds and VLANs. */
#include "config.h"

#include "backends/scan/host_facts.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest-prefix match of the client address in the kernel's main
 * routing table: the interface the session's packets leave by. */
int host_route_iface(const struct sysroot *sr, const char *client_ip, char **iface)
{
	unsigned char a6[16];
	struct in_addr a4;
	char *p, *text = NULL, *save = NULL;
	int best_len = -1;
	unsigned long best_metric = 0;
	char best[64] = "";
	bool v6;

	if (str_starts_with(client_ip, "::ffff:") && inet_pton(AF_INET, client_ip + 7, &a4) == 1)
		v6 = false;
	else if (inet_pton(AF_INET, client_ip, &a4) == 1)
		v6 = false;
	else if (inet_pton(AF_INET6, client_ip, a6) == 1)
		v6 = true;
	else
		return -EINVAL;

	p = path_join(sr->procfs, v6 ? "net/ipv6_route" : "net/route");
	if (read_file(p, MAX_PROC_FILE, &text, NULL) < 0) {
		free(p);
		return -ENOENT;
	}
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char ifn[64];
		unsigned long metric;
		int plen;

		if (!v6) {
			unsigned dst, mask, flags;
			if (sscanf(line, "%63s %x %*x %x %*d %*d %lu %x", ifn, &dst, &flags, &metric,
				   &mask) != 5 || !(flags & 1))
				continue; /* header, or route not up */
			if ((a4.s_addr & mask) != dst)
				continue;
			plen = __builtin_popcount(mask);
		} else {
			char dst[33];
			unsigned pl, flags;
			if (sscanf(line, "%32s %x %*s %*x %*s %lx %*x %*x %x %63s", dst, &pl, &metric,
				   &flags, ifn) != 5 || !(flags & 1) || pl > 128)
				continue;
			bool match = true;
			for (unsigned bit = 0; bit < pl && match; bit++) {
				unsigned byte = bit / 8;
				unsigned hex;
				if (sscanf(dst + byte * 2, "%2x", &hex) != 1)
					match = false;
				else if (((a6[byte] ^ hex) >> (7 - bit % 8)) & 1)
					match = false;
			}
			if (!match || strcmp(ifn, "lo") == 0)
				continue;
			plen = (int)pl;
		}
		if (plen > best_len || (plen == best_len && metric < best_metric)) {
			best_len = plen;
			best_metric = metric;
			snprintf(best, sizeof(best), "%s", ifn);
		}
	}
	free(text);
	free(p);
	if (best_len < 0)
		return -ENOENT;
	*iface = xstrdup(best);
	return 0;
}

/* An interface to its PCI NICs: its own device link, or through the
 * lower_* links of bridges, bonds and VLANs. */
static void iface_to_pci(const struct sysroot *sr, const char *ifn, struct strv *out, int depth)
{
	char *dir = path_joinf(sr->sysfs, "class/net/%s", ifn);
	char *dev = path_join(dir, "device");
	char real[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (depth <= 8 && realpath(dev, real))
		host_pci_above(real, out);
	d = depth <= 8 ? opendir(dir) : NULL;
	while (d && (e = readdir(d)))
		if (str_starts_with(e->d_name, "lower_"))
			iface_to_pci(sr, e->d_name + 6, out, depth + 1);
	if (d)
		closedir(d);
	free(dev);
	free(dir);
}

void host_net_scan(const struct sysroot *sr, const char *conn, struct host_facts *h, struct log *log)
{
	char client[128], server[128];
	char *ifn = NULL;

	if (!conn || !*conn)
		return;
	if (sscanf(conn, "%127s %*s %127s", client, server) != 2) {
		log_warn(log, "SSH_CONNECTION='%s': not 'client port server port'; SSH NIC unknown", conn);
		return;
	}
	h->ssh_local = xstrdup(server);
	if (host_route_iface(sr, client, &ifn) < 0) {
		log_warn(log, "SSH client %s: no route found in %s/net; SSH NIC unknown", client,
			 sr->procfs);
		return;
	}
	h->ssh_iface = ifn;
	iface_to_pci(sr, ifn, &h->ssh_pci, 0);
}
