/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-detect-bench: labelled texts, the engine as the stream engine
 * runs the detectors (one streaming database, confirm on the window that
 * ends at each trigger end), and scoring detections against labels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_bench.h"

/* ------------------------------------------------------------------ */
/* Growing buffers and label lists. */

void
buf_reserve(struct buf *b, size_t more)
{
	if (b->n + more + BENCH_TEXT_SLACK <= b->cap)
		return;
	b->cap = (b->n + more + BENCH_TEXT_SLACK) * 2;
	b->p = realloc(b->p, b->cap);
	if (b->p == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
}

void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
label_add(struct labels *l, int det, size_t start, size_t end)
{
	if (det < 0 || end <= start)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (l->v == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
	}
	l->v[l->n++] = (struct label){ det, start, end, false, false };
}

/* Append @s to @b as the value of detector @det (a label). */
void
buf_val(struct buf *b, struct labels *l, int det, const char *s)
{
	size_t at = b->n;

	buf_str(b, s);
	label_add(l, det, at, b->n);
}

/* ------------------------------------------------------------------ */
/* Detector ids and counts. */

int
det_id(const char *name)
{
	for (unsigned int i = 0; i < wm_detect_count(); i++)
		if (strcmp(wm_detect_get(i)->name, name) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* The engine: scan a text as one stream, confirm each trigger end. */

int
engine_init(struct engine *e, const struct wm_detector *const *dets,
	    unsigned int n)
{
	const char *exprs[NDET_MAX];
	unsigned int flags[NDET_MAX], ids[NDET_MAX];
	hs_compile_error_t *err = NULL;

	memset(e, 0, sizeof(*e));
	e->n = n;
	for (unsigned int i = 0; i < n; i++) {
		e->dets[i] = dets[i];
		exprs[i] = dets[i]->pattern;
		flags[i] = dets[i]->hs_flags;
		ids[i] = i;
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_STREAM, NULL,
			     &e->db, &err) != HS_SUCCESS) {
		fprintf(stderr, "hs_compile_multi: %s\n", err->message);
		hs_free_compile_error(err);
		return -1;
	}
	return hs_alloc_scratch(e->db, &e->scratch) == HS_SUCCESS ? 0 : -1;
}

void
engine_fini(struct engine *e)
{
	hs_free_scratch(e->scratch);
	hs_free_database(e->db);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *arg)
{
	struct scan_ctx *c = arg;
	const struct wm_detector *d = c->e->dets[id];
	size_t ws = to > WM_DETECT_WINDOW ? to - WM_DETECT_WINDOW : 0;
	struct wm_span sp;

	(void)from;
	(void)flags;
	c->triggers++;
	if (!c->confirm || !d->confirm(d, c->text + ws, to - ws, &sp))
		return 0;
	c->confirmed++;
	if (!c->record)
		return 0;
	if (c->nd == c->capd) {
		c->capd = c->capd ? c->capd * 2 : 256;
		c->d = realloc(c->d, c->capd * sizeof(*c->d));
		if (c->d == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
	}
	c->d[c->nd++] = (struct detection){ (int)id, c->base + ws + sp.start,
					    c->base + ws + sp.end };
	return 0;
}

/*
 * Scan @n bytes of @text in c->chunk-byte chunks (0: CHUNK) as one
 * stream (a new stream every @flow bytes, as flows end), then the
 * end-of-stream byte the engine feeds. The text must be followed by
 * BENCH_TEXT_SLACK spare bytes.
 */
int
engine_scan(const struct engine *e, uint8_t *text, size_t n, size_t flow,
	    struct scan_ctx *c)
{
	hs_stream_t *st = NULL;
	size_t chunk = c->chunk != 0 ? c->chunk : CHUNK;
	int rc = 0;

	c->e = e;
	for (size_t f0 = 0; f0 < n && rc == 0; f0 += flow) {
		size_t fe = WM_MIN(n, f0 + flow);
		uint8_t next = text[fe];

		c->text = text + f0;
		c->base = f0;
		if (hs_open_stream(e->db, 0, &st) != HS_SUCCESS)
			return -1;
		for (size_t off = f0; off < fe; off += chunk)
			if (hs_scan_stream(st, (const char *)text + off,
					   (unsigned int)WM_MIN(chunk,
								fe - off),
					   0, e->scratch, on_match,
					   c) != HS_SUCCESS)
				rc = -1;
		/* The end-of-stream byte, where a window may look at it. */
		text[fe] = WM_DETECT_EOD_BYTE;
		if (hs_scan_stream(st, (const char *)text + fe, 1, 0,
				   e->scratch, on_match, c) != HS_SUCCESS)
			rc = -1;
		text[fe] = next;
		hs_close_stream(st, e->scratch, NULL, NULL);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Scoring. */

static bool
overlaps(size_t a0, size_t a1, size_t b0, size_t b1)
{
	return a0 < b1 && b0 < a1;
}

/*
 * Score detections against labels (sorted by start; detections come in
 * trigger order, which a value's length bounds, hence the slack).
 */
static void
score(struct scores *sc, struct labels *l, const struct scan_ctx *c)
{
	size_t lo = 0;

	for (size_t i = 0; i < l->n; i++)
		sc->s[l->v[i].det].labels++;
	for (size_t k = 0; k < c->nd; k++) {
		const struct detection *d = &c->d[k];
		bool tp = false;

		while (lo < l->n && l->v[lo].end + 4096 < d->start)
			lo++;
		for (size_t i = lo; i < l->n && l->v[i].start <= d->end + 4096;
		     i++) {
			struct label *lb = &l->v[i];

			if (lb->det != d->det ||
			    !overlaps(lb->start, lb->end, d->start, d->end))
				continue;
			tp = true;
			lb->found = true;
			if (lb->start == d->start && lb->end == d->end)
				lb->exact = true;
		}
		sc->s[d->det].det++;
		if (tp)
			sc->s[d->det].tp++;
		else
			sc->s[d->det].fp++;
	}
	for (size_t i = 0; i < l->n; i++) {
		sc->s[l->v[i].det].found += l->v[i].found;
		sc->s[l->v[i].det].exact += l->v[i].exact;
	}
}

static int
label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Scan @text as one stream and score it against @l. */
int
score_text(const struct engine *e, struct buf *text, struct labels *l,
	   struct scores *sc)
{
	struct scan_ctx c = { .confirm = true, .record = true };
	int rc;

	buf_reserve(text, 1);
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), label_cmp);
	rc = engine_scan(e, (uint8_t *)text->p, text->n, text->n, &c);
	if (rc == 0)
		score(sc, l, &c);
	free(c.d);
	return rc;
}

void
scores_add(struct scores *to, const struct scores *from)
{
	for (int i = 0; i < NDET_MAX; i++) {
		to->s[i].labels += from->s[i].labels;
		to->s[i].found += from->s[i].found;
		to->s[i].exact += from->s[i].exact;
		to->s[i].det += from->s[i].det;
		to->s[i].tp += from->s[i].tp;
		to->s[i].fp += from->s[i].fp;
	}
}

static void
pct(char *out, size_t n, unsigned long num, unsigned long den)
{
	if (den == 0)
		snprintf(out, n, "%s", "-");
	else
		snprintf(out, n, "%.1f%%", 100.0 * (double)num / (double)den);
}

void
scores_print(const char *title, const struct scores *sc, bool all)
{
	printf("\n%s\n", title);
	printf("  %-16s %7s %7s %7s %7s %6s %6s %10s %8s\n", "detector",
	       "labels", "found", "exact", "detect", "TP", "FP", "precision",
	       "recall");
	for (unsigned int i = 0; i < wm_detect_count(); i++) {
		const struct score *s = &sc->s[i];
		char p[16], r[16];

		if (!all && s->labels == 0 && s->det == 0)
			continue;
		pct(p, sizeof(p), s->tp, s->det);
		pct(r, sizeof(r), s->found, s->labels);
		printf("  %-16s %7lu %7lu %7lu %7lu %6lu %6lu %10s %8s\n",
		       wm_detect_get(i)->name, s->labels, s->found, s->exact,
		       s->det, s->tp, s->fp, p, r);
	}
}

