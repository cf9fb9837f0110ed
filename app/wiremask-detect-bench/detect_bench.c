/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-detect-bench: how well and how fast the built-in detectors
 * find values, as the stream engine runs them (one streaming database,
 * no start of match, confirm on the 256-byte window ending at each
 * trigger end).
 *
 *   wiremask-detect-bench --corpus DIR [--mb N] [--seed S]
 *
 * Accuracy: precision and recall per detector against labelled values:
 *   - generated JSON-like records (seeded): values of every detector and
 *     near misses (Luhn-valid numbers of no brand, SSN sample numbers,
 *     bad IBAN check digits, times, MAC addresses, versions, ...);
 *   - the labelled PII corpus in DIR, when it is there (nothing is
 *     built in: the caller says where): presidio's labelled sentences
 *     (CREDIT_CARD, US_SSN, EMAIL_ADDRESS, IBAN_CODE, PHONE_NUMBER,
 *     IP_ADDRESS), Stripe's test cards, whispers' fixtures, php-iban's
 *     registry examples, FakeNameGenerator rows.
 * A label is found when a detection of its detector overlaps it; a
 * detection that overlaps no label of its detector is a false positive.
 *
 * Speed: N MB (default 64) of JSON-like records, one value per ~20
 * records, scanned in 1,448-byte chunks by the database of all the
 * built-ins and, side by side, by the default one (card, ssn, email):
 * Gbit/s of the scan alone and of scan + confirm, best of 3 rounds run
 * alternately, and their ratio; then each trigger alone.
 *
 * Values are never printed: only counts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "detect_bench.h"

/* ------------------------------------------------------------------ */

static void
usage(FILE *out)
{
	fprintf(out, "usage: wiremask-detect-bench --corpus DIR [--mb N] "
		"[--seed S]\n"
		"  --corpus DIR  labelled PII corpus (required; a DIR that "
		"does not exist:\n"
		"                generated text only)\n"
		"  --mb N        megabytes scanned for throughput (default "
		"64, 0: skip)\n"
		"  --seed S      seed of the generated text (default 1)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "corpus", required_argument, NULL, 'c' },
		{ "mb", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *corpus = NULL;
	const struct wm_detector *all[NDET_MAX];
	unsigned long mb = 64, seed = 1;
	struct engine e;
	struct scores gen = { 0 };
	struct buf text = { 0 };
	struct labels l = { 0 };
	struct stat st;
	bool have_corpus;
	char title[128];
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': corpus = optarg; break;
		case 'm': mb = strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || mb > 4096) {
		usage(stderr);
		return 2;
	}
	if (corpus == NULL) {
		fprintf(stderr, "wiremask-detect-bench: --corpus DIR is "
			"required: where the labelled PII corpus is (a DIR "
			"that does not exist: generated text only)\n");
		usage(stderr);
		return 2;
	}
	gen_init(seed);
	for (unsigned int i = 0; i < wm_detect_count(); i++)
		all[i] = wm_detect_get(i);
	if (engine_init(&e, all, wm_detect_count()) < 0)
		return 1;
	have_corpus = stat(corpus, &st) == 0 && S_ISDIR(st.st_mode);
	printf("wiremask-detect-bench: %u built-in detectors, Hyperscan %s\n",
	       wm_detect_count(), hs_version());
	if (have_corpus)
		printf("corpus: %s\n", corpus);
	else
		printf("corpus: none found at %s (generated text only)\n",
		       corpus);

	gen_text(&text, &l, 20000);
	if (score_text(&e, &text, &l, &gen) < 0)
		return 1;
	snprintf(title, sizeof(title), "generated (seed %lu): %zu records, "
		 "%zu bytes", seed, (size_t)20000, text.n);
	scores_print(title, &gen, true);
	free(text.p);
	free(l.v);
	if (have_corpus)
		accuracy_corpus(&e, corpus);
	engine_fini(&e);
	if (mb > 0 && throughput(mb) < 0)
		return 1;
	return 0;
}

