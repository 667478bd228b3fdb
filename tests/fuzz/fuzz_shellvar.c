/* fuzz_shellvar.c - the shell-variable reader and editor. Property: when an
 * edit is accepted, removing what was added gives back the input; refusals
 * name a line inside the file. */
#include "config.h"

#include "core/shellvar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const V = "GRUB_CMDLINE_LINUX_DEFAULT";
	char *s = xstrndup((const char *)data, size);
	struct sh_error err = {0};
	struct sh_env env = {0};
	char *a = NULL, *b = NULL;
	int lines = 1;

	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	sh_source(s, &env, NULL, NULL);
	sh_env_free(&env);
	if (sh_var_add(s, V, "vfioconf.fuzz=1", &a, &err) == 0) {
		if (!strstr(s, "vfioconf") && sh_var_remove(a, V, "vfioconf.fuzz=1", &b, &err) == 0 &&
		    strcmp(b, s) != 0)
			abort();
	} else if (err.line < 0 || err.line > lines || !err.why) {
		abort();
	}
	sh_error_free(&err);
	free(a);
	free(b);
	free(s);
	return 0;
}
