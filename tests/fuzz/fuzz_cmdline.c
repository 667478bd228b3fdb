/* fuzz_cmdline.c - the kernel command line tokenizer and token edits.
 * Property: adding an absent parameter and removing it again gives back
 * the input; no input crashes or leaks. */
#include "config.h"

#include "core/cmdline.h"
#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct cmdline cl;
	char *a, *b, *c;

	cmdline_parse(&cl, s);
	for (size_t i = 0; i < cl.n; i++)
		if (cl.t[i].start > cl.t[i].end || cl.t[i].end > strlen(s))
			abort();
	cmdline_free(&cl);
	a = cmdline_add(s, "vfioconf.fuzz=1");
	if (a && !strstr(s, "vfioconf.fuzz") && !strstr(s, "vfioconf_fuzz")) {
		b = cmdline_remove(a, "vfioconf.fuzz=1");
		if (!b || strcmp(b, s) != 0)
			abort();
		free(b);
	}
	c = cmdline_set(s, "iommu=pt");
	free(a);
	free(c);
	free(s);
	return 0;
}
