/* txrec.h - journal records: "key=value" lines, values percent-encoded
 * (so any path or argv byte survives), ending in "sha256=<hex>" of the
 * lines before it. A record that fails its checksum is never acted on.
 */
#ifndef VFIOCONF_TXREC_H
#define VFIOCONF_TXREC_H

#include "core/util.h"

struct txrec {
	struct strmap kv; /* values decoded */
};

void txrec_set(struct txrec *r, const char *key, const char *value);
void txrec_setf(struct txrec *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* NULL when absent; borrowed. */
const char *txrec_get(const struct txrec *r, const char *key);
long long txrec_get_int(const struct txrec *r, const char *key, long long dflt);
/* Caller frees. */
char *txrec_render(const struct txrec *r);
/* 0, or -EBADMSG for a missing or wrong checksum or a malformed line. */
int txrec_parse(struct txrec *r, const char *text);
void txrec_free(struct txrec *r);

#endif
