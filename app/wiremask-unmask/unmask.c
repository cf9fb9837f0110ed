/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-unmask: give back the values the fpe operator enciphered
 * (FF1, NIST SP 800-38G), for whoever holds the key. No EAL.
 *
 *   wiremask-unmask --key FILE --tweak TWEAK --radix 10|36|62
 *                   [--encrypt] VALUE...
 *
 * Each VALUE is deciphered (enciphered with --encrypt) and printed on a
 * line of its own; "-" reads values from standard input, one a line.
 * Separators and other bytes come out as they went in. The key never
 * reaches the output or an error message.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wm_common.h"
#include "wm_token.h"

/* Longest value the operators take (the detectors' window). */
#define UNMASK_VALUE_MAX 256

struct unmask {
	struct wm_token_ctx *ctx;
	struct wm_key key;
	const char *tweak;
	unsigned int radix;
	bool encrypt;
	uint8_t buf[UNMASK_VALUE_MAX];
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: wiremask-unmask --key FILE --tweak TWEAK "
		"--radix 10|36|62 [--encrypt] VALUE...\n"
		"\n"
		"Deciphers values that wiremask's fpe operator enciphered "
		"(FF1, AES-256),\n"
		"one result a line, in the order given.\n"
		"\n"
		"  -k, --key FILE     key file of the policy (64 hex digits or "
		"base64),\n"
		"                     mode 0600 or stricter\n"
		"  -t, --tweak TWEAK  the tweak the value was enciphered with: "
		"the\n"
		"                     segment name when the policy says "
		"tweak = \"segment\"\n"
		"  -r, --radix N      10 (digits), 36 (letters and digits, "
		"case-folded)\n"
		"                     or 62 (letters and digits): as in the "
		"policy\n"
		"  -e, --encrypt      encipher instead (what the appliance "
		"does)\n"
		"  -h, --help         this text\n"
		"\n"
		"VALUE \"-\" reads values from standard input, one a line. "
		"Separators and\n"
		"other bytes are kept where they are. Exit status 1 on the "
		"first error.\n");
}

/* Convert one value and print it; 0 or 1 (message on stderr). */
static int
unmask_one(struct unmask *u, const char *value, size_t len, const char *where)
{
	int rc;

	if (len > UNMASK_VALUE_MAX) {
		fprintf(stderr, "wiremask-unmask: %s: longer than %d bytes\n",
			where, UNMASK_VALUE_MAX);
		return 1;
	}
	rc = wm_fpe_apply(u->ctx, &u->key, u->tweak, u->radix, !u->encrypt,
			  (const uint8_t *)value, u->buf, len);
	if (rc == -EINVAL) {
		fprintf(stderr,
			"wiremask-unmask: %s: fewer than %u characters for "
			"radix %u\n",
			where, wm_fpe_min_chars(u->radix), u->radix);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "wiremask-unmask: %s: %s\n", where,
			strerror(-rc));
		return 1;
	}
	fwrite(u->buf, 1, len, stdout);
	putchar('\n');
	OPENSSL_cleanse(u->buf, len);
	return 0;
}

static int
unmask_stdin(struct unmask *u)
{
	char *line = NULL, where[32];
	size_t cap = 0;
	unsigned long no = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
		no++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		snprintf(where, sizeof(where), "stdin line %lu", no);
		rc = unmask_one(u, line, (size_t)n, where);
	}
	if (line != NULL)
		OPENSSL_cleanse(line, cap);
	free(line);
	return rc;
}

static int
parse_radix(const char *s, unsigned int *radix)
{
	if (strcmp(s, "10") == 0 || strcmp(s, "36") == 0 ||
	    strcmp(s, "62") == 0) {
		*radix = (unsigned int)atoi(s);
		return 0;
	}
	return -EINVAL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"tweak", required_argument, NULL, 't'},
		{"radix", required_argument, NULL, 'r'},
		{"encrypt", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct unmask u;
	const char *key_path = NULL;
	char err[256], where[32];
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "k:t:r:eh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 't':
			u.tweak = optarg;
			break;
		case 'r':
			if (parse_radix(optarg, &u.radix) < 0) {
				fprintf(stderr, "wiremask-unmask: --radix: "
						"10, 36 or 62\n");
				return 1;
			}
			break;
		case 'e':
			u.encrypt = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (key_path == NULL || u.tweak == NULL || u.radix == 0 ||
	    optind >= argc) {
		fprintf(stderr, "wiremask-unmask: --key, --tweak, --radix and "
				"at least one VALUE are needed\n");
		usage(stderr);
		return 1;
	}
	if (wm_key_load(key_path, "unmask", &u.key, err, sizeof(err)) < 0) {
		fprintf(stderr, "wiremask-unmask: %s\n", err);
		return 1;
	}
	u.ctx = wm_token_ctx_create();
	if (u.ctx == NULL) {
		fprintf(stderr, "wiremask-unmask: OpenSSL context: %s\n",
			strerror(errno));
		rc = 1;
		goto wipe_key;
	}
	for (int i = optind; i < argc && rc == 0; i++) {
		if (strcmp(argv[i], "-") == 0) {
			rc = unmask_stdin(&u);
			continue;
		}
		snprintf(where, sizeof(where), "value %d", i - optind + 1);
		rc = unmask_one(&u, argv[i], strlen(argv[i]), where);
	}
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "wiremask-unmask: stdout: %s\n",
			strerror(errno));
		rc = 1;
	}
	wm_token_ctx_free(u.ctx);
wipe_key:
	wm_key_wipe(&u.key);
	return rc;
}
