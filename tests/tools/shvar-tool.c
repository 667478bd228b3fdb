/* shvar-tool.c - drives core/shellvar.c on one file, for the corpus test.
 *
 *   shvar-tool FILE VAR add PARAM      edited file on stdout
 *   shvar-tool FILE VAR remove PARAM   edited file on stdout
 *   shvar-tool FILE VAR value          the variable after sourcing
 * Exit 0 done, 3 refused ("LINE: why" on stderr), 1 on I/O errors.
 */
#include "config.h"

#include "core/shellvar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = {0};
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	*len = sb.len;
	return strbuf_detach(&sb);
}

int main(int argc, char **argv)
{
	struct sh_error err = {0};
	char *text, *out = NULL;
	size_t len;
	int r;

	if (argc < 4) {
		fprintf(stderr, "usage: shvar-tool FILE VAR add|remove PARAM | FILE VAR value\n");
		return 2;
	}
	text = slurp(argv[1], &len);
	if (!text) {
		perror(argv[1]);
		return 1;
	}
	if (strcmp(argv[3], "value") == 0) {
		struct sh_env env = {0};
		const char *vars[] = {argv[2], NULL};
		r = sh_source(text, &env, vars, &err);
		if (r == 0)
			printf("%s\n", sh_env_get(&env, argv[2]) ? sh_env_get(&env, argv[2]) : "");
		sh_env_free(&env);
	} else if (argc == 5 && strcmp(argv[3], "add") == 0) {
		r = sh_var_add(text, argv[2], argv[4], &out, &err);
	} else if (argc == 5 && strcmp(argv[3], "remove") == 0) {
		r = sh_var_remove(text, argv[2], argv[4], &out, &err);
	} else {
		fprintf(stderr, "shvar-tool: bad arguments\n");
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "%d: %s\n", err.line, err.why);
		sh_error_free(&err);
		free(text);
		return 3;
	}
	if (out)
		fwrite(out, 1, strlen(out), stdout);
	free(out);
	free(text);
	return 0;
}
