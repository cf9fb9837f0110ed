/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-token-bench: values per second on one core for the keyed
 * operators, as a worker lcore runs them (one context, one key).
 *
 *   wiremask-token-bench [--seconds S]
 *
 * Each operator runs for S seconds (default 1) over 1024 distinct
 * values, so nothing is measured on one value only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>

#include "wm_common.h"
#include "wm_token.h"

#define BENCH_VALUES 1024
#define BENCH_BATCH 256
#define BENCH_VALUE_MAX 64

enum bench_op { OP_TOKEN, OP_FPE_ENC, OP_FPE_DEC, OP_FINGERPRINT };

struct bench_case {
	const char *name;
	enum bench_op op;
	const char *tmpl; /* '#': a varying digit, '@'..: as is */
	unsigned int flags;
	const char *separators;
	unsigned int radix;
};

static const struct bench_case cases[] = {
	{"token card bin+last4+luhn", OP_TOKEN, "4111 11## #### 1111",
	 WM_TOKEN_KEEP_BIN | WM_TOKEN_KEEP_LAST4 | WM_TOKEN_LUHN, " -", 0},
	{"token e-mail", OP_TOKEN, "john.doe####@example.com", 0, "@.", 0},
	{"fpe card radix 10", OP_FPE_ENC, "4111 11## #### 1111", 0, NULL, 10},
	{"fpe e-mail radix 36", OP_FPE_ENC, "john.doe####@example.com", 0, NULL,
	 36},
	{"fpe card radix 10 decrypt", OP_FPE_DEC, "4111 11## #### 1111", 0,
	 NULL, 10},
	{"fingerprint card", OP_FINGERPRINT, "4111 11## #### 1111", 0, NULL, 0},
};

static uint8_t values[BENCH_VALUES][BENCH_VALUE_MAX];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
make_values(const char *tmpl)
{
	size_t len = strlen(tmpl);

	for (unsigned int v = 0; v < BENCH_VALUES; v++) {
		unsigned int x = v * 2654435761u;

		for (size_t i = 0; i < len; i++) {
			values[v][i] = (uint8_t)tmpl[i];
			if (tmpl[i] == '#') {
				values[v][i] = (uint8_t)('0' + x % 10);
				x /= 10;
			}
		}
	}
}

static int
run_one(struct wm_token_ctx *ctx, const struct wm_key *key,
	const struct bench_case *c, const uint8_t *in, size_t len)
{
	uint8_t out[BENCH_VALUE_MAX];
	char hex[17];

	switch (c->op) {
	case OP_TOKEN:
		return wm_token_apply(ctx, key, "segment", c->flags,
				      c->separators, in, out, len);
	case OP_FPE_ENC:
	case OP_FPE_DEC:
		return wm_fpe_apply(ctx, key, "segment", c->radix,
				    c->op == OP_FPE_DEC, in, out, len);
	case OP_FINGERPRINT:
		return wm_token_fingerprint(ctx, key, in, len, hex);
	}
	return -EINVAL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"seconds", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct wm_token_ctx *ctx;
	struct wm_key key = {.id = "bench"};
	double seconds = 1.0;
	int c;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 's':
			seconds = strtod(optarg, &end);
			if (*end != '\0' || !(seconds > 0 && seconds <= 600)) {
				fprintf(stderr, "--seconds: 0 < S <= 600\n");
				return 1;
			}
			break;
		case 'h':
			printf("Usage: wiremask-token-bench [--seconds S]\n"
			       "Values per second on one core for token, fpe "
			       "and fingerprint;\n"
			       "each runs S seconds (default 1) under a random "
			       "key.\n");
			return 0;
		default:
			return 1;
		}
	}
	ctx = wm_token_ctx_create();
	if (ctx == NULL || RAND_bytes(key.bytes, sizeof(key.bytes)) != 1) {
		fprintf(stderr, "wiremask-token-bench: OpenSSL setup failed\n");
		return 1;
	}

	printf("%s, %.2f s per operator, one core\n\n",
	       OpenSSL_version(OPENSSL_VERSION), seconds);
	printf("| %-27s | %10s | %8s |\n", "operator", "values/s", "ns/value");
	printf("|-----------------------------|------------|----------|\n");
	for (size_t i = 0; i < WM_ARRAY_SIZE(cases); i++) {
		const struct bench_case *bc = &cases[i];
		size_t len = strlen(bc->tmpl);
		unsigned long n = 0;
		double t0, t;

		make_values(bc->tmpl);
		t0 = now();
		do {
			for (unsigned int b = 0; b < BENCH_BATCH; b++, n++) {
				if (run_one(ctx, &key, bc,
					    values[n % BENCH_VALUES],
					    len) < 0) {
					fprintf(stderr, "%s failed\n",
						bc->name);
					return 1;
				}
			}
			t = now() - t0;
		} while (t < seconds);
		printf("| %-27s | %10.0f | %8.0f |\n", bc->name, n / t,
		       t * 1e9 / n);
	}
	wm_token_ctx_free(ctx);
	wm_key_wipe(&key);
	return 0;
}
