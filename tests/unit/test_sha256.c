/* test_sha256.c - SHA-256 against the FIPS 180-2 vectors, the padding
 * boundaries and incremental updates. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"

static void to_hex(const unsigned char d[32], char hex[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void assert_hex_of(const char *data, size_t len, const char *want)
{
	char hex[65];

	memset(hex, 'X', sizeof(hex));
	sha256_hex(data, len, hex);
	assert_int_equal(hex[64], '\0');
	assert_string_equal(hex, want);
}

static void empty_message(void **state)
{
	(void)state;
	assert_hex_of("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void abc(void **state)
{
	(void)state;
	assert_hex_of("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void message_448_bits(void **state)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	assert_int_equal(strlen(m) * 8, 448);
	assert_hex_of(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void message_896_bits(void **state)
{
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
			"klmnopqrlmnopqrsmnopqrstnopqrstu";

	(void)state;
	assert_int_equal(strlen(m) * 8, 896);
	assert_hex_of(m, strlen(m), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void one_million_a(void **state)
{
	char *m = malloc(1000000);

	(void)state;
	assert_non_null(m);
	memset(m, 'a', 1000000);
	assert_hex_of(m, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}

/* One million 'a' fed in pieces of awkward sizes (1, 3, 63, 64, 65, 1000
 * bytes) gives the same hash as one call. */
static void one_million_a_incremental(void **state)
{
	static const size_t chunks[] = {1, 3, 63, 64, 65, 1000, 7};
	char buf[1000];
	struct sha256 s;
	unsigned char d[32];
	char hex[65];
	size_t done = 0, k = 0;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	sha256_init(&s);
	while (done < 1000000) {
		size_t n = chunks[k++ % (sizeof(chunks) / sizeof(chunks[0]))];
		if (n > 1000000 - done)
			n = 1000000 - done;
		sha256_update(&s, buf, n);
		done += n;
	}
	sha256_final(&s, d);
	to_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the 56-byte padding boundary and the 64-byte block. */
static void padding_boundaries(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
		{55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
		{56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
		{63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
		{64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
		{65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
		{119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
		{120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
	};
	char buf[128];

	(void)state;
	memset(buf, 'a', sizeof(buf));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_hex_of(buf, v[i].n, v[i].hex);
}

/* Binary input: NUL bytes are data, not an end. */
static void nul_bytes_are_hashed(void **state)
{
	unsigned char all[768];

	(void)state;
	assert_hex_of("abc\0def", 7, "516a5e926ce20c5f4d80f00e1a01abdf14986def6588d6abeed9fce090bc660c");
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	assert_hex_of((const char *)all, sizeof(all),
		      "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363");
}

/* sha256_final's raw digest matches sha256_hex; a zero-length update
 * changes nothing; init resets a used context. */
static void raw_digest_and_reuse(void **state)
{
	struct sha256 s;
	unsigned char d[32];
	char hex[65];

	(void)state;
	sha256_init(&s);
	sha256_update(&s, "ab", 2);
	sha256_update(&s, "", 0);
	sha256_update(&s, "c", 1);
	sha256_final(&s, d);
	assert_int_equal(d[0], 0xba);
	assert_int_equal(d[31], 0xad);
	to_hex(d, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	sha256_init(&s);
	sha256_final(&s, d);
	to_hex(d, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_message),
		cmocka_unit_test(abc),
		cmocka_unit_test(message_448_bits),
		cmocka_unit_test(message_896_bits),
		cmocka_unit_test(one_million_a),
		cmocka_unit_test(one_million_a_incremental),
		cmocka_unit_test(padding_boundaries),
		cmocka_unit_test(nul_bytes_are_hashed),
		cmocka_unit_test(raw_digest_and_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
