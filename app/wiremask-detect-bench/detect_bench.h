/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-detect-bench, private: what detect_bench.c (command line),
 * detect_bench_scan.c (labelled texts, the engine, scoring),
 * detect_bench_gen.c (generated labelled text), detect_bench_corpus.c
 * (the labelled corpus files) and detect_bench_speed.c (throughput)
 * share.
 */
#ifndef WM_DETECT_BENCH_H
#define WM_DETECT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#include "wm_common.h"
#include "wm_detect.h"

#define CHUNK 1448
#define NDET_MAX WM_DETECT_MAX

/* Growing buffers and label lists (detect_bench_scan.c). */

struct buf {
	char *p;
	size_t n, cap;
};

struct label {
	int det;
	size_t start, end;
	bool found, exact;
};

struct labels {
	struct label *v;
	size_t n, cap;
};

/* Room for @more bytes and a NUL after them; exits when out of memory. */
void buf_reserve(struct buf *b, size_t more);

/* Append @n bytes of @s (NUL-terminated after them). */
void buf_add(struct buf *b, const char *s, size_t n);

/* Append the string @s. */
void buf_str(struct buf *b, const char *s);

/* Label bytes [@start, @end) as a value of detector @det (none if < 0). */
void label_add(struct labels *l, int det, size_t start, size_t end);

/* Append @s to @b as the value of detector @det (a label). */
void buf_val(struct buf *b, struct labels *l, int det, const char *s);

/* Index of the built-in detector @name, -1 when there is none. */
int det_id(const char *name);

/* Counts per detector. */

struct score {
	unsigned long labels, found, exact, det, tp, fp;
};

struct scores {
	struct score s[NDET_MAX];
};

/* The engine: scan a text as one stream, confirm each trigger end. */

struct engine {
	hs_database_t *db;
	hs_scratch_t *scratch;
	const struct wm_detector *dets[NDET_MAX];
	unsigned int n;
};

struct detection {
	int det;
	size_t start, end;
};

struct scan_ctx {
	const struct engine *e;
	const uint8_t *text;  /* the stream, from its offset 0 */
	size_t base;          /* where the stream begins in the whole text */
	bool confirm;
	size_t chunk;         /* bytes a call (0: CHUNK) */
	unsigned long triggers, confirmed;
	bool record;          /* keep the detections, not only count */
	struct detection *d;
	size_t nd, capd;
};

/* One streaming database of the triggers of @dets; 0 or -1. */
int engine_init(struct engine *e, const struct wm_detector *const *dets,
		unsigned int n);

void engine_fini(struct engine *e);

/*
 * Scan @n bytes of @text in c->chunk-byte chunks (0: CHUNK) as one
 * stream (a new stream every @flow bytes), then the end-of-stream byte.
 * The text must be followed by BENCH_TEXT_SLACK spare bytes: one for
 * that byte, the rest for Hyperscan's reads past a buffer's end
 * (lib/match/match.c). 0 or -1.
 */
#define BENCH_TEXT_SLACK 64

int engine_scan(const struct engine *e, uint8_t *text, size_t n, size_t flow,
		struct scan_ctx *c);

/* Scan @text as one stream and score it against @l (sorted here). */
int score_text(const struct engine *e, struct buf *text, struct labels *l,
	       struct scores *sc);

void scores_add(struct scores *to, const struct scores *from);

/* A table of @sc under @title; @all: detectors without counts too. */
void scores_print(const char *title, const struct scores *sc, bool all);

/* Generated, labelled text (detect_bench_gen.c). */

/* Seed the generator and look the detectors up: before the others. */
void gen_init(unsigned long seed);

/* @records records: 1 in 4 a value (3 of them valid, 1 a near miss). */
void gen_text(struct buf *b, struct labels *l, unsigned int records);

/* JSON-like records, one value per ~20 records, @mb megabytes. */
void gen_speed_text(struct buf *b, size_t mb);

/* Precision and recall on the labelled files under @dir, printed
 * (detect_bench_corpus.c); a file that is not there is skipped. */
void accuracy_corpus(const struct engine *e, const char *dir);

/* Scan speed of the built-ins, all and the default ones, printed
 * (detect_bench_speed.c); 0 or -1. */
int throughput(size_t mb);

#endif /* WM_DETECT_BENCH_H */
