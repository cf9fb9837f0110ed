/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-detect-bench: throughput. JSON-like records scanned in
 * CHUNK-byte chunks by the database of all the built-ins and, side by
 * side, by the default one (card, ssn, email): best of ROUNDS rounds run
 * alternately; then the triggers issue 17 changed (phone, ssn) next to
 * the ones they replaced, in the same rounds; then each trigger alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect_bench.h"

/* ------------------------------------------------------------------ */
/* Throughput. */

#define ROUNDS 3

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct speed {
	double gbps;
	unsigned long triggers, confirmed;
};

/* One timed pass of @e over @text, @chunk bytes a call (0: CHUNK). */
static int
speed_pass_chunk(const struct engine *e, uint8_t *text, size_t n,
		 bool confirm, size_t chunk, struct speed *best)
{
	struct scan_ctx c = { .confirm = confirm, .chunk = chunk };
	double t0 = now_s(), dt;

	/* A flow ends every 256 KB: a new stream, as the engine opens. */
	if (engine_scan(e, text, n, 256 * 1024, &c) < 0)
		return -1;
	dt = now_s() - t0;
	if ((double)n * 8 / dt / 1e9 > best->gbps)
		best->gbps = (double)n * 8 / dt / 1e9;
	best->triggers = c.triggers;
	best->confirmed = c.confirmed;
	return 0;
}

static int
speed_pass(const struct engine *e, uint8_t *text, size_t n, bool confirm,
	   struct speed *best)
{
	return speed_pass_chunk(e, text, n, confirm, 0, best);
}

/*
 * The default database on SMALL_CHUNK-byte calls, beside CHUNK-byte
 * ones (scan alone, best of ROUNDS alternating): what a call costs
 * whatever its size, the 64 B mix's ~16-byte segments.
 */
#define SMALL_CHUNK 16

static int
small_calls(const struct engine *e, uint8_t *t, size_t n)
{
	struct speed big = { 0 }, small = { 0 };

	for (int r = 0; r < ROUNDS; r++)
		if (speed_pass_chunk(e, t, n, false, SMALL_CHUNK, &small) < 0 ||
		    speed_pass_chunk(e, t, n, false, CHUNK, &big) < 0)
			return -1;
	printf("\n  default database, %d-byte calls: %.2f Gbit/s, %.1f ns a "
	       "call (%d-byte calls: %.2f Gbit/s, %.1f ns a call)\n",
	       SMALL_CHUNK, small.gbps, SMALL_CHUNK * 8 / small.gbps,
	       CHUNK, big.gbps, CHUNK * 8 / big.gbps);
	return 0;
}

static void
speed_row(const char *name, unsigned int np, const struct engine *e,
	  const struct speed *raw, const struct speed *full, size_t n)
{
	size_t ss = 0;
	double mb = (double)n / (1 << 20);

	hs_stream_size(e->db, &ss);
	printf("  %-28s %3u %6zu %9.2f %9.2f %11.0f %11.1f\n", name, np, ss,
	       raw->gbps, full->gbps, (double)full->triggers / mb,
	       (double)full->confirmed / mb);
}

/*
 * The triggers before issue 17, kept here only to measure against:
 * phone took E.164 and NANP shapes, ssn the dashed form alone.
 */
static const char phone_before[] =
	"\\+[0-9](?:[ .\\-]?[0-9]){7,14}"
	"(?:[^0-9 .\\-]|[ .\\-][^0-9])"
	"|(?:\\([2-9][0-9]{2}\\) ?[2-9][0-9]{2}-"
	"|[2-9][0-9]{2}-[2-9][0-9]{2}-"
	"|[2-9][0-9]{2}\\.[2-9][0-9]{2}\\.)[0-9]{4}"
	"(?:[^0-9.\\-]|[.\\-][^0-9])";
static const char ssn_before[] = "[0-9]{3}-[0-9]{2}-[0-9]{4}[^0-9]";

/*
 * Scan cost of the new phone and ssn triggers next to the old ones, and
 * of all the built-ins with either, ROUNDS rounds run alternately (scan
 * alone for all; scan + confirm for the new ones, whose confirm is new).
 */
static int
before_after(uint8_t *t, size_t n)
{
	const struct wm_detector *all[NDET_MAX], *allb[NDET_MAX];
	struct wm_detector phone_b = *wm_detect_find("phone");
	struct wm_detector ssn_b = *wm_detect_find("ssn");
	const struct wm_detector *one[4] = {
		&phone_b, wm_detect_find("phone"), &ssn_b, wm_detect_find("ssn"),
	};
	static const char *const names[6] = {
		"phone before (E.164, NANP)", "phone now",
		"ssn before (dashed)", "ssn now (+ context)",
		"all built-ins, before", "all built-ins, now",
	};
	struct engine e[6];
	struct speed r[6], f[6];
	unsigned int nd = wm_detect_count();

	phone_b.pattern = phone_before;
	ssn_b.pattern = ssn_before;
	for (unsigned int i = 0; i < nd; i++) {
		all[i] = wm_detect_get(i);
		allb[i] = all[i] == one[1] ? &phone_b :
			  all[i] == one[3] ? &ssn_b : all[i];
	}
	memset(r, 0, sizeof(r));
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 4; i++)
		if (engine_init(&e[i], &one[i], 1) < 0)
			return -1;
	if (engine_init(&e[4], allb, nd) < 0 || engine_init(&e[5], all, nd) < 0)
		return -1;
	for (int k = 0; k < ROUNDS; k++)
		for (int i = 0; i < 6; i++)
			if (speed_pass(&e[i], t, n, false, &r[i]) < 0 ||
			    ((i & 1) && speed_pass(&e[i], t, n, true, &f[i]) < 0))
				return -1;
	printf("\n  issue 17, before and after (same text, same rounds; "
	       "+confirm: the new ones only):\n");
	for (int i = 0; i < 6; i++)
		speed_row(names[i], i < 4 ? 1 : nd, &e[i], &r[i], &f[i], n);
	printf("  %-28s %3s %6s %9.2f\n", "ratio phone now / before", "", "",
	       r[1].gbps / r[0].gbps);
	printf("  %-28s %3s %6s %9.2f\n", "ratio ssn now / before", "", "",
	       r[3].gbps / r[2].gbps);
	printf("  %-28s %3s %6s %9.2f\n", "ratio all now / before", "", "",
	       r[5].gbps / r[4].gbps);
	for (int i = 0; i < 6; i++)
		engine_fini(&e[i]);
	return 0;
}

int
throughput(size_t mb)
{
	const struct wm_detector *all[NDET_MAX], *def[3];
	struct engine e_all, e_def;
	struct speed r_all = { 0 }, f_all = { 0 }, r_def = { 0 },
		     f_def = { 0 };
	struct buf text = { 0 };
	unsigned int n = wm_detect_count();

	for (unsigned int i = 0; i < n; i++)
		all[i] = wm_detect_get(i);
	def[0] = wm_detect_find("card");
	def[1] = wm_detect_find("ssn");
	def[2] = wm_detect_find("email");
	gen_speed_text(&text, mb);
	buf_reserve(&text, 1);
	if (engine_init(&e_all, all, n) < 0 || engine_init(&e_def, def, 3) < 0)
		return -1;
	printf("\nthroughput: %zu MB of JSON-like records (a value every ~20 "
	       "records), %d-byte chunks,\n  streaming, one core, best of %d "
	       "rounds run alternately\n", mb, CHUNK, ROUNDS);
	for (int r = 0; r < ROUNDS; r++) {
		uint8_t *t = (uint8_t *)text.p;

		if (speed_pass(&e_def, t, text.n, false, &r_def) < 0 ||
		    speed_pass(&e_all, t, text.n, false, &r_all) < 0 ||
		    speed_pass(&e_def, t, text.n, true, &f_def) < 0 ||
		    speed_pass(&e_all, t, text.n, true, &f_all) < 0)
			return -1;
	}
	printf("  %-28s %3s %6s %9s %9s %11s %11s\n", "database", "pat",
	       "state", "scan", "+confirm", "triggers/MB", "values/MB");
	printf("  %-28s %3s %6s %9s %9s\n", "", "", "bytes", "Gbit/s",
	       "Gbit/s");
	speed_row("default (card, ssn, email)", 3, &e_def, &r_def, &f_def,
		  text.n);
	speed_row("all built-ins", n, &e_all, &r_all, &f_all, text.n);
	printf("  %-28s %3s %6s %9.2f %9.2f\n", "ratio all / default", "", "",
	       r_all.gbps / r_def.gbps, f_all.gbps / f_def.gbps);
	if (small_calls(&e_def, (uint8_t *)text.p, text.n) < 0 ||
	    before_after((uint8_t *)text.p, text.n) < 0)
		return -1;
	printf("\n  each trigger alone (scan + confirm, one round):\n");
	for (unsigned int i = 0; i < n; i++) {
		struct engine one;
		struct speed r = { 0 }, f = { 0 };

		if (engine_init(&one, &all[i], 1) < 0)
			return -1;
		speed_pass(&one, (uint8_t *)text.p, text.n, false, &r);
		speed_pass(&one, (uint8_t *)text.p, text.n, true, &f);
		speed_row(all[i]->name, 1, &one, &r, &f, text.n);
		engine_fini(&one);
	}
	engine_fini(&e_all);
	engine_fini(&e_def);
	free(text.p);
	return 0;
}
