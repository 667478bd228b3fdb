/* fuzz_ini.c - the INI readers (settings and vfioconf's state file): no
 * input crashes; a state that parses renders and parses to the same. */
#include "config.h"

#include "core/settings.h"
#include "core/state.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct settings st;
	struct state a, b;
	struct log log = {0};
	char *r1, *r2;

	settings_defaults(&st);
	settings_parse(&st, s, "fuzz", &log);
	settings_free(&st);
	state_parse(&a, s, "fuzz", &log);
	r1 = state_render(&a);
	if (r1) {
		state_parse(&b, r1, "fuzz", &log);
		r2 = state_render(&b);
		if (!r2 || strcmp(r1, r2) != 0)
			abort();
		free(r2);
		state_free(&b);
	}
	free(r1);
	state_free(&a);
	log_free(&log);
	free(s);
	return 0;
}
