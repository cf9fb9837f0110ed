/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-detect-bench: how well and how fast the built-in detectors
 * find values, as the stream engine runs them (one streaming database,
 * no start of match, confirm on the 256-byte window ending at each
 * trigger end).
 *
 *   wiremask-detect-bench [--corpus DIR] [--mb N] [--seed S]
 *
 * Accuracy: precision and recall per detector against labelled values:
 *   - generated JSON-like records (seeded): values of every detector and
 *     near misses (Luhn-valid numbers of no brand, SSN sample numbers,
 *     bad IBAN check digits, times, MAC addresses, versions, ...);
 *   - the shared PII corpus when DIR holds it (default
 *     /work/shared/corpus/pii): presidio's labelled sentences
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
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <hs/hs.h>

#include "wm_common.h"
#include "wm_detect.h"

#define CHUNK 1448
#define ROUNDS 3
#define DEFAULT_CORPUS "/work/shared/corpus/pii"
#define NDET_MAX WM_DETECT_MAX

/* ------------------------------------------------------------------ */
/* Growing buffers and label lists. */

struct buf {
	char *p;
	size_t n, cap;
};

static void
buf_reserve(struct buf *b, size_t more)
{
	if (b->n + more + 1 <= b->cap)
		return;
	b->cap = (b->n + more + 1) * 2;
	b->p = realloc(b->p, b->cap);
	if (b->p == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

struct label {
	int det;
	size_t start, end;
	bool found, exact;
};

struct labels {
	struct label *v;
	size_t n, cap;
};

static void
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
static void
buf_val(struct buf *b, struct labels *l, int det, const char *s)
{
	size_t at = b->n;

	buf_str(b, s);
	label_add(l, det, at, b->n);
}

/* ------------------------------------------------------------------ */
/* Detector ids and counts. */

static int
det_id(const char *name)
{
	for (unsigned int i = 0; i < wm_detect_count(); i++)
		if (strcmp(wm_detect_get(i)->name, name) == 0)
			return (int)i;
	return -1;
}

struct score {
	unsigned long labels, found, exact, det, tp, fp;
};

struct scores {
	struct score s[NDET_MAX];
};

/* ------------------------------------------------------------------ */
/* The engine: scan a text as one stream, confirm each trigger end. */

struct engine {
	hs_database_t *db;
	hs_scratch_t *scratch;
	const struct wm_detector *dets[NDET_MAX];
	unsigned int n;
};

static int
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

static void
engine_fini(struct engine *e)
{
	hs_free_scratch(e->scratch);
	hs_free_database(e->db);
}

struct detection {
	int det;
	size_t start, end;
};

struct scan_ctx {
	const struct engine *e;
	const uint8_t *text;  /* the stream, from its offset 0 */
	size_t base;          /* where the stream begins in the whole text */
	bool confirm;
	unsigned long triggers, confirmed;
	bool record;          /* keep the detections, not only count */
	struct detection *d;
	size_t nd, capd;
};

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
 * Scan @n bytes of @text in CHUNK-byte chunks as one stream (a new
 * stream every @flow bytes, as flows end), then the end-of-stream byte
 * the engine feeds. The text must be followed by one spare byte.
 */
static int
engine_scan(const struct engine *e, uint8_t *text, size_t n, size_t flow,
	    struct scan_ctx *c)
{
	hs_stream_t *st = NULL;
	int rc = 0;

	c->e = e;
	for (size_t f0 = 0; f0 < n && rc == 0; f0 += flow) {
		size_t fe = WM_MIN(n, f0 + flow);
		uint8_t next = text[fe];

		c->text = text + f0;
		c->base = f0;
		if (hs_open_stream(e->db, 0, &st) != HS_SUCCESS)
			return -1;
		for (size_t off = f0; off < fe; off += CHUNK)
			if (hs_scan_stream(st, (const char *)text + off,
					   (unsigned int)WM_MIN(CHUNK,
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
static int
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

static void
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

static void
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

/* ------------------------------------------------------------------ */
/* Seeded values. */

static uint64_t rng_state = 88172645463325252ull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static unsigned int
rn(unsigned int n)
{
	return rnd() % n;
}

static void
rnd_chars(char *out, size_t n, const char *set)
{
	size_t k = strlen(set);

	for (size_t i = 0; i < n; i++)
		out[i] = set[rn((unsigned int)k)];
	out[n] = '\0';
}

#define DIGITS "0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define B64URL UPPER LOWER DIGITS "-_"
#define B64 UPPER LOWER DIGITS "+/"

/* Set the last digit of @d (@n digits) so that Luhn holds, or fails. */
static void
luhn_fix(char *d, size_t n, bool valid)
{
	for (int c = 0; c < 10; c++) {
		d[n - 1] = (char)('0' + c);
		if (wm_detect_luhn((const uint8_t *)d, n) == valid)
			return;
	}
}

struct brand {
	const char *prefix;
	unsigned int len;
};

static const struct brand brands[] = {
	{ "4", 16 },    { "4", 13 },    { "4", 19 },    { "51", 16 },
	{ "55", 16 },   { "2221", 16 }, { "2720", 16 }, { "34", 15 },
	{ "37", 15 },   { "6011", 16 }, { "644", 16 },  { "65", 19 },
	{ "622126", 16 }, { "3528", 16 }, { "3589", 19 }, { "300", 14 },
	{ "36", 14 },   { "38", 16 },   { "62", 17 },
};

/* A card number: @valid a brand and Luhn, else Luhn-valid of no brand
 * or a brand failing Luhn. Grouped by 4 with ' ' or '-' sometimes. */
static void
gen_card(char *out, bool valid)
{
	const struct brand *b = &brands[rn(WM_ARRAY_SIZE(brands))];
	char d[24];
	size_t n = b->len, pl = strlen(b->prefix), o = 0;

	memcpy(d, b->prefix, pl);
	rnd_chars(d + pl, n - pl, DIGITS);
	if (!valid && rn(2) == 0) {
		/* Luhn-valid, no brand: a leading 1, 7, 8 or 9 or 0. */
		d[0] = "17890"[rn(5)];
		luhn_fix(d, n, true);
	} else {
		luhn_fix(d, n, valid);
	}
	if (n == 16 && rn(3) == 0) {
		char sep = rn(2) ? ' ' : '-';

		for (size_t i = 0; i < n; i++) {
			if (i > 0 && i % 4 == 0)
				out[o++] = sep;
			out[o++] = d[i];
		}
		out[o] = '\0';
		return;
	}
	memcpy(out, d, n);
	out[n] = '\0';
}

static void
gen_ssn(char *out, bool valid)
{
	static const char *const bad[] = { "078-05-1120", "219-09-9999",
					   "457-55-5462" };
	unsigned int area = 1 + rn(899);

	if (!valid) {
		switch (rn(4)) {
		case 0:
			strcpy(out, bad[rn(3)]);
			return;
		case 1:
			area = 666;
			break;
		case 2:
			area = 900 + rn(100);
			break;
		default:
			sprintf(out, "%03u-00-%04u", 1 + rn(665), 1 + rn(9999));
			return;
		}
	} else if (area == 666 || area == 78 || area == 219 || area == 457) {
		area++;
	}
	sprintf(out, "%03u-%02u-%04u", area, 1 + rn(99), 1 + rn(9999));
}

static void
gen_email(char *out, bool valid)
{
	static const char *const tld[] = { "com", "org", "net", "io", "co.uk",
					   "de" };
	char a[12], b[12], c[12];

	rnd_chars(a, 3 + rn(7), LOWER);
	rnd_chars(b, 2 + rn(6), LOWER);
	rnd_chars(c, 3 + rn(8), LOWER);
	if (valid)
		sprintf(out, "%s.%s@%s.%s", a, b, c, tld[rn(6)]);
	else if (rn(2))
		sprintf(out, "%s@localhost", a);
	else
		sprintf(out, "%s@%s.c", a, c);
}

/* An IBAN of a few countries' shapes; invalid: check digits off by 1. */
static void
gen_iban(char *out, bool valid)
{
	static const struct {
		const char *cc;
		const char *shape; /* 9 digit, A letter, X alnum */
	} c[] = {
		{ "DE", "999999999999999999" },
		{ "GB", "AAAA99999999999999" },
		{ "FR", "9999999999XXXXXXXXXXX99" },
		{ "NL", "AAAA9999999999" },
		{ "ES", "99999999999999999999" },
		{ "IT", "A9999999999XXXXXXXXXXXX" },
		{ "CH", "99999XXXXXXXXXXXX" },
		{ "NO", "99999999999" },
	};
	unsigned int k = rn(WM_ARRAY_SIZE(c));
	char bban[40], tmp[48], raw[48];
	unsigned int r = 0, check;
	size_t n = strlen(c[k].shape), o = 0;

	for (size_t i = 0; i < n; i++) {
		char s = c[k].shape[i];

		bban[i] = s == '9' ? DIGITS[rn(10)]
			: s == 'A' ? UPPER[rn(26)]
				   : (UPPER DIGITS)[rn(36)];
	}
	bban[n] = '\0';
	sprintf(tmp, "%s%s00", bban, c[k].cc);
	for (size_t i = 0; tmp[i] != '\0'; i++) {
		char ch = tmp[i];

		if (ch >= '0' && ch <= '9')
			r = (r * 10 + (unsigned int)(ch - '0')) % 97;
		else
			r = (r * 100 + 10 + (unsigned int)(ch - 'A')) % 97;
	}
	check = 98 - r;
	if (!valid)
		check = check == 97 ? 2 : check + 1;
	sprintf(raw, "%s%02u%s", c[k].cc, check, bban);
	if (rn(3) == 0) {
		for (size_t i = 0; raw[i] != '\0'; i++) {
			if (i > 0 && i % 4 == 0)
				out[o++] = ' ';
			out[o++] = raw[i];
		}
		out[o] = '\0';
	} else {
		strcpy(out, raw);
	}
}

static void
gen_phone(char *out, bool valid)
{
	unsigned int a = 200 + rn(800), x = 200 + rn(800), s = rn(10000);

	if (!valid) {
		switch (rn(3)) {
		case 0: /* exchange 1xx */
			sprintf(out, "%u-%u-%04u", a, 100 + rn(100), s);
			break;
		case 1: /* too short */
			sprintf(out, "+%u%u", 10 + rn(90), 1000 + rn(9000));
			break;
		default: /* 16 digits after '+', of no card brand */
			sprintf(out, "+1%05u%05u%05u", rn(100000), rn(100000),
				rn(100000));
			break;
		}
		return;
	}
	switch (rn(5)) {
	case 0:
		sprintf(out, "%u-%u-%04u", a, x, s);
		break;
	case 1:
		sprintf(out, "(%u) %u-%04u", a, x, s);
		break;
	case 2:
		sprintf(out, "%u.%u.%04u", a, x, s);
		break;
	case 3:
		sprintf(out, "+44 20 %04u %04u", rn(10000), s);
		break;
	default:
		sprintf(out, "+49%u%07u", 150 + rn(30), rn(10000000));
		break;
	}
}

static void
gen_ipv4(char *out, bool valid)
{
	unsigned int a = 1 + rn(254), b = rn(256), c = rn(256), d = rn(256);

	if (valid)
		sprintf(out, "%u.%u.%u.%u", a, b, c, d);
	else if (rn(2))
		sprintf(out, "%u.%u.%u.%u.%u", a, b, c, d, rn(10));
	else
		sprintf(out, "%u.%u.%u.%u", 256 + rn(100), b, c, d);
}

static void
gen_ipv6(char *out, bool valid)
{
	unsigned int g[8];

	for (int i = 0; i < 8; i++)
		g[i] = rn(65536);
	if (!valid) {
		if (rn(2))
			sprintf(out, "%02u:%02u:%02u", rn(24), rn(60), rn(60));
		else
			sprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x",
				g[0] & 255, g[1] & 255, g[2] & 255, g[3] & 255,
				g[4] & 255, g[5] & 255);
		return;
	}
	switch (rn(3)) {
	case 0:
		sprintf(out, "%x:%x:%x:%x:%x:%x:%x:%x", g[0], g[1], g[2], g[3],
			g[4], g[5], g[6], g[7]);
		break;
	case 1:
		sprintf(out, "2001:db8:%x::%x", g[2], g[7]);
		break;
	default:
		sprintf(out, "::ffff:%u.%u.%u.%u", 1 + rn(254), rn(256),
			rn(256), rn(256));
		break;
	}
}

static void
gen_aws(char *out, bool valid)
{
	strcpy(out, rn(2) ? "AKIA" : "ASIA");
	rnd_chars(out + 4, 16, valid ? UPPER "234567" : UPPER "0189");
	if (!valid && strpbrk(out + 4, "0189") == NULL)
		out[10] = '8';
}

static void
gen_gcp(char *out, bool valid)
{
	strcpy(out, "AIza");
	rnd_chars(out + 4, valid ? 35 : 34, B64URL);
}

static void
b64url_of(const char *in, char *out, bool url)
{
	const char *set = url ? B64URL : B64;
	size_t n = strlen(in), o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(uint8_t)in[i] << 16;
		size_t k = WM_MIN((size_t)3, n - i);

		if (k > 1)
			v |= (uint32_t)(uint8_t)in[i + 1] << 8;
		if (k > 2)
			v |= (uint8_t)in[i + 2];
		for (size_t j = 0; j < k + 1; j++)
			out[o++] = set[(v >> (18 - 6 * j)) & 63];
		if (!url)
			for (size_t j = k + 1; j < 4; j++)
				out[o++] = '=';
	}
	out[o] = '\0';
}

/* A JWT (HS256, 43-char signature; 1 in 5 RS256 with 342 chars, longer
 * than the window); invalid: a header without "alg". @out: 800 bytes. */
static void
gen_jwt(char *out, bool valid)
{
	char hdr[128], pay[256], sig[400], claims[160];
	bool rs = rn(5) == 0;

	b64url_of(valid ? (rs ? "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"
			      : "{\"alg\":\"HS256\",\"typ\":\"JWT\"}")
			: "{\"typ\":\"JWT\",\"kid\":\"k1\"}",
		  hdr, true);
	sprintf(claims, "{\"sub\":\"%u\",\"iat\":%u,\"scope\":\"read\"}",
		rn(1000000), 1600000000 + rn(100000000));
	b64url_of(claims, pay, true);
	rnd_chars(sig, rs ? 342 : 43, B64URL);
	snprintf(out, 800, "%.120s.%.250s.%.342s", hdr, pay, sig);
}

static void
gen_basic(char *out)
{
	char user[16], pass[16], plain[40];

	rnd_chars(user, 4 + rn(8), LOWER);
	rnd_chars(pass, 6 + rn(8), LOWER DIGITS);
	sprintf(plain, "%s:%s", user, pass);
	b64url_of(plain, out, false);
}

/* ------------------------------------------------------------------ */
/* Generated, labelled text. */

enum {
	D_CARD, D_SSN, D_EMAIL, D_IBAN, D_PHONE, D_IPV4, D_IPV6, D_AWS, D_GCP,
	D_JWT, D_BEARER, D_BASIC, D_PEM, D_N
};

static const char *const gen_names[D_N] = {
	"card", "ssn", "email", "iban", "phone", "ipv4", "ipv6",
	"aws_access_key", "gcp_api_key", "jwt", "bearer", "basic_auth",
	"pem_private_key",
};

static int gen_ids[D_N];

/* Filler: ordinary JSON with the numbers and words real records have. */
static void
gen_filler(struct buf *b, unsigned int i)
{
	static const char *const words[] = {
		"order", "shipped", "pending", "refund", "delivery", "invoice",
		"customer", "updated", "status", "account", "the", "and",
	};
	char tmp[400];

	sprintf(tmp, "{\"id\":%u,\"ts\":\"2023-11-%02uT%02u:%02u:%02u.%03uZ\","
		"\"uuid\":\"%08x-%04x-4%03x-a%03x-%08x%04x\","
		"\"amount\":%u.%02u,\"qty\":%u,\"ver\":\"%u.%u.%u\","
		"\"msg\":\"%s %s %s %s\",\"ref\":\"%u\"}",
		100000 + i, 1 + rn(28), rn(24), rn(60), rn(60), rn(1000),
		rnd(), rn(65536), rn(4096), rn(4096), rnd(), rn(65536),
		rn(100000), rn(100), rn(50), rn(10), rn(20), rn(100),
		words[rn(12)], words[rn(12)], words[rn(12)], words[rn(12)],
		rnd());
	buf_str(b, tmp);
}

/* One record carrying a value of @k (or, unless @valid, a near miss). */
static void
gen_record(struct buf *b, struct labels *l, unsigned int k, bool valid)
{
	char v[800], line[900];
	int id = valid ? gen_ids[k] : -1;

	switch (k) {
	case D_CARD: gen_card(v, valid); break;
	case D_SSN: gen_ssn(v, valid); break;
	case D_EMAIL: gen_email(v, valid); break;
	case D_IBAN: gen_iban(v, valid); break;
	case D_PHONE: gen_phone(v, valid); break;
	case D_IPV4: gen_ipv4(v, valid); break;
	case D_IPV6: gen_ipv6(v, valid); break;
	case D_AWS: gen_aws(v, valid); break;
	case D_GCP: gen_gcp(v, valid); break;
	case D_JWT: gen_jwt(v, valid); break;
	case D_BEARER:
		rnd_chars(v, 20 + rn(40), UPPER LOWER DIGITS "-._~");
		buf_str(b, valid ? "\r\nAuthorization: Bearer "
				 : "\r\nX-Note: Bearer ");
		buf_val(b, l, id, v);
		buf_str(b, "\r\n");
		return;
	case D_BASIC:
		if (valid) {
			gen_basic(v);
		} else {
			rnd_chars(line, 12, LOWER);
			b64url_of(line, v, false);
		}
		buf_str(b, "\r\nAuthorization: Basic ");
		buf_val(b, l, id, v);
		buf_str(b, "\r\n");
		return;
	case D_PEM:
		buf_str(b, valid ? "\"key\":\"-----BEGIN PRIVATE KEY-----\\n"
				 : "\"crt\":\"-----BEGIN CERTIFICATE-----\\n");
		for (unsigned int i = 0, n = 3 + rn(10); i <= n; i++) {
			rnd_chars(v, i < n ? 64 : 4 + rn(60), B64);
			buf_val(b, l, id, v);
			buf_str(b, "\\n");
		}
		buf_str(b, valid ? "-----END PRIVATE KEY-----\\n\","
				 : "-----END CERTIFICATE-----\\n\",");
		return;
	default:
		return;
	}
	sprintf(line, "{\"%s\":\"", gen_names[k]);
	buf_str(b, line);
	buf_val(b, l, id, v);
	buf_str(b, "\"},");
}

/* @records records: 1 in 4 a value (3 of them valid, 1 a near miss). */
static void
gen_text(struct buf *b, struct labels *l, unsigned int records)
{
	for (unsigned int i = 0; i < records; i++) {
		if (rn(4) == 0)
			gen_record(b, l, rn(D_N), rn(4) != 0);
		else
			gen_filler(b, i);
		buf_str(b, i % 8 == 7 ? "\n" : ",");
	}
}

/* ------------------------------------------------------------------ */
/* A minimal JSON reader (the presidio and Stripe files). */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype t;
	double num;
	char *str;
	size_t len;
	struct jval **v; /* items (array) or values (object) */
	char **k;        /* keys (object) */
	size_t n;
};

struct jin {
	const char *p, *end;
	bool bad;
};

static void
jws(struct jin *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\n' ||
				   *in->p == '\r' || *in->p == '\t'))
		in->p++;
}

static void
utf8_put(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 63));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 63));
		u[2] = (char)(0x80 | (cp & 63));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 63));
		u[2] = (char)(0x80 | ((cp >> 6) & 63));
		u[3] = (char)(0x80 | (cp & 63));
		n = 4;
	}
	buf_add(b, u, n);
}

static uint32_t
jhex4(struct jin *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++, in->p++) {
		char c = in->p < in->end ? *in->p : 0;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (uint32_t)((c | 0x20) - 'a' + 10);
		else
			in->bad = true;
	}
	return v;
}

static char *
jstring(struct jin *in, size_t *len)
{
	struct buf b = { 0 };

	buf_reserve(&b, 0);
	in->p++; /* '"' */
	while (in->p < in->end && *in->p != '"') {
		char c = *in->p++;

		if (c != '\\') {
			buf_add(&b, &c, 1);
			continue;
		}
		c = in->p < in->end ? *in->p++ : 0;
		switch (c) {
		case 'n': buf_add(&b, "\n", 1); break;
		case 't': buf_add(&b, "\t", 1); break;
		case 'r': buf_add(&b, "\r", 1); break;
		case 'b': buf_add(&b, "\b", 1); break;
		case 'f': buf_add(&b, "\f", 1); break;
		case 'u': {
			uint32_t cp = jhex4(in);

			if (cp >= 0xd800 && cp < 0xdc00 &&
			    in->p + 6 <= in->end && in->p[0] == '\\' &&
			    in->p[1] == 'u') {
				in->p += 2;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (jhex4(in) - 0xdc00);
			}
			utf8_put(&b, cp);
			break;
		}
		default: buf_add(&b, &c, 1); break;
		}
	}
	in->p++;
	*len = b.n;
	return b.p;
}

static struct jval *jparse(struct jin *in, int depth);

static void
jpush(struct jval *v, char *key, struct jval *item)
{
	v->v = realloc(v->v, (v->n + 1) * sizeof(*v->v));
	if (v->t == J_OBJ)
		v->k = realloc(v->k, (v->n + 1) * sizeof(*v->k));
	if (v->v == NULL || (v->t == J_OBJ && v->k == NULL)) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	v->v[v->n] = item;
	if (v->t == J_OBJ)
		v->k[v->n] = key;
	v->n++;
}

static struct jval *
jparse(struct jin *in, int depth)
{
	struct jval *v = calloc(1, sizeof(*v));

	if (v == NULL || depth > 64) {
		in->bad = true;
		return v;
	}
	jws(in);
	if (in->p >= in->end) {
		in->bad = true;
	} else if (*in->p == '"') {
		v->t = J_STR;
		v->str = jstring(in, &v->len);
	} else if (*in->p == '[' || *in->p == '{') {
		bool obj = *in->p == '{';

		v->t = obj ? J_OBJ : J_ARR;
		in->p++;
		for (;;) {
			char *key = NULL;
			size_t kl;

			jws(in);
			if (in->p < in->end && *in->p == (obj ? '}' : ']')) {
				in->p++;
				break;
			}
			if (obj) {
				if (in->p >= in->end || *in->p != '"') {
					in->bad = true;
					break;
				}
				key = jstring(in, &kl);
				jws(in);
				if (in->p < in->end && *in->p == ':')
					in->p++;
			}
			jpush(v, key, jparse(in, depth + 1));
			jws(in);
			if (in->p < in->end && *in->p == ',')
				in->p++;
			if (in->bad || in->p >= in->end)
				break;
		}
	} else if (strncmp(in->p, "null", 4) == 0) {
		in->p += 4;
	} else if (strncmp(in->p, "true", 4) == 0 ||
		   strncmp(in->p, "false", 5) == 0) {
		v->t = J_BOOL;
		in->p += *in->p == 't' ? 4 : 5;
	} else {
		char *e;

		v->t = J_NUM;
		v->num = strtod(in->p, &e);
		if (e == in->p)
			in->bad = true;
		in->p = e;
	}
	return v;
}

static void
jfree(struct jval *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jfree(v->v[i]);
		if (v->k != NULL)
			free(v->k[i]);
	}
	free(v->v);
	free(v->k);
	free(v->str);
	free(v);
}

static const struct jval *
jget(const struct jval *o, const char *key)
{
	if (o == NULL || o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->k[i], key) == 0)
			return o->v[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Corpus files. */

static char *
read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = malloc((size_t)n + 2);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

/* Byte offset of code point @cp in the UTF-8 @s (@n bytes). */
static size_t
cp_offset(const char *s, size_t n, size_t cp)
{
	size_t i = 0;

	for (size_t k = 0; i < n; i++) {
		if (((uint8_t)s[i] & 0xc0) == 0x80)
			continue;
		if (k++ == cp)
			return i;
	}
	return n;
}

/* presidio entity types -> our detectors (IP_ADDRESS by its form). */
static int
presidio_det(const char *type, const char *val)
{
	if (strcmp(type, "CREDIT_CARD") == 0)
		return det_id("card");
	if (strcmp(type, "US_SSN") == 0)
		return det_id("ssn");
	if (strcmp(type, "EMAIL_ADDRESS") == 0)
		return det_id("email");
	if (strcmp(type, "IBAN_CODE") == 0)
		return det_id("iban");
	if (strcmp(type, "PHONE_NUMBER") == 0)
		return det_id("phone");
	if (strcmp(type, "IP_ADDRESS") == 0)
		return det_id(strchr(val, ':') != NULL ? "ipv6" : "ipv4");
	return -1;
}

static int
corpus_presidio(const struct engine *e, const char *dir, const char *name,
		struct scores *sc, unsigned long *texts)
{
	size_t len;
	char *raw = read_file(dir, name, &len);
	struct jin in;
	struct jval *root;

	if (raw == NULL)
		return -1;
	in = (struct jin){ raw, raw + len, false };
	root = jparse(&in, 0);
	if (root->t != J_ARR) {
		fprintf(stderr, "%s: not a JSON array\n", name);
		jfree(root);
		free(raw);
		return -1;
	}
	for (size_t i = 0; i < root->n; i++) {
		const struct jval *txt = jget(root->v[i], "full_text");
		const struct jval *spans = jget(root->v[i], "spans");
		struct buf b = { 0 };
		struct labels l = { 0 };

		if (txt == NULL || txt->t != J_STR)
			continue;
		buf_add(&b, txt->str, txt->len);
		for (size_t k = 0; spans != NULL && k < spans->n; k++) {
			const struct jval *t = jget(spans->v[k], "entity_type");
			const struct jval *v = jget(spans->v[k],
						    "entity_value");
			const struct jval *s0 = jget(spans->v[k],
						     "start_position");
			const struct jval *s1 = jget(spans->v[k],
						     "end_position");

			if (t == NULL || v == NULL || s0 == NULL || s1 == NULL)
				continue;
			label_add(&l, presidio_det(t->str, v->str),
				  cp_offset(b.p, b.n, (size_t)s0->num),
				  cp_offset(b.p, b.n, (size_t)s1->num));
		}
		score_text(e, &b, &l, sc);
		(*texts)++;
		free(b.p);
		free(l.v);
	}
	jfree(root);
	free(raw);
	return 0;
}

/* Stripe's test cards: each "number" in a record of its own. */
static int
corpus_stripe(const struct engine *e, const char *dir, struct scores *sc,
	      unsigned long *texts)
{
	size_t len;
	char *raw = read_file(dir, "stripe-test-cards.json", &len);
	struct jin in;
	struct jval *root;
	struct buf b = { 0 };
	struct labels l = { 0 };

	if (raw == NULL)
		return -1;
	in = (struct jin){ raw, raw + len, false };
	root = jparse(&in, 0);
	for (size_t i = 0; root->t == J_ARR && i < root->n; i++) {
		const struct jval *num = jget(root->v[i], "number");

		if (num == NULL || num->t != J_STR)
			continue;
		buf_str(&b, "{\"number\":\"");
		buf_val(&b, &l, det_id("card"), num->str);
		buf_str(&b, "\"}\n");
		(*texts)++;
	}
	score_text(e, &b, &l, sc);
	free(b.p);
	free(l.v);
	jfree(root);
	free(raw);
	return 0;
}

/*
 * whispers fixtures: "key: value" lines; under "noncompliant:" the
 * values of the keys named in @keys are labelled as @det.
 */
static int
corpus_whispers(const struct engine *e, const char *dir, const char *name,
		const char *det, const char *const *keys, struct scores *sc,
		unsigned long *texts)
{
	size_t len;
	char *raw = read_file(dir, name, &len);
	struct buf b = { 0 };
	struct labels l = { 0 };
	bool positive = false;

	if (raw == NULL)
		return -1;
	for (char *line = strtok(raw, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':');
		size_t at = b.n;
		bool labelled = false;

		if (strncmp(line, "noncompliant:", 13) == 0)
			positive = true;
		buf_str(&b, line);
		buf_str(&b, "\n");
		(*texts)++;
		if (colon == NULL || !positive || colon[1] != ' ')
			continue;
		for (size_t k = 0; keys[k] != NULL; k++) {
			const char *key = line + strspn(line, " ");
			size_t kl = strlen(keys[k]);

			labelled |= strncmp(key, keys[k], kl) == 0 &&
				    key + kl == colon;
		}
		if (labelled)
			label_add(&l, det_id(det),
				  at + (size_t)(colon + 2 - line),
				  at + strlen(line));
	}
	score_text(e, &b, &l, sc);
	free(b.p);
	free(l.v);
	free(raw);
	return 0;
}

/* php-iban's registry: every official example, compact and spaced. */
static int
corpus_php_iban(const struct engine *e, const char *dir, struct scores *sc,
		unsigned long *texts)
{
	size_t len;
	char *raw = read_file(dir, "php-iban-registry-examples.txt", &len);
	struct buf b = { 0 };
	struct labels l = { 0 };
	int iban = det_id("iban");

	if (raw == NULL)
		return -1;
	for (char *line = strtok(raw, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		char *f = line, ex[64], spaced[80];
		size_t o = 0;

		for (int k = 0; k < 7 && f != NULL; k++) {
			f = strchr(f, '|');
			f = f != NULL ? f + 1 : NULL;
		}
		if (f == NULL || strchr(f, '|') == NULL ||
		    (size_t)(strchr(f, '|') - f) >= sizeof(ex) ||
		    strncmp(line, "country_code", 12) == 0)
			continue;
		memcpy(ex, f, (size_t)(strchr(f, '|') - f));
		ex[strchr(f, '|') - f] = '\0';
		for (size_t i = 0; ex[i] != '\0'; i++) {
			if (i > 0 && i % 4 == 0)
				spaced[o++] = ' ';
			spaced[o++] = ex[i];
		}
		spaced[o] = '\0';
		buf_str(&b, "iban: ");
		buf_val(&b, &l, iban, ex);
		buf_str(&b, "\n{\"iban\":\"");
		buf_val(&b, &l, iban, spaced);
		buf_str(&b, "\"}\n");
		(*texts) += 2;
	}
	score_text(e, &b, &l, sc);
	free(b.p);
	free(l.v);
	free(raw);
	return 0;
}

/*
 * FakeNameGenerator rows as CSV lines: EmailAddress and CCNumber are
 * labelled on every row, NationalID (SSN) on the US rows and
 * TelephoneNumber on the US and Canadian ones (NANP). Every other field
 * is there too (GUIDs, UPS numbers, national ids, ...).
 */
static int
corpus_fakename(const struct engine *e, const char *dir, struct scores *sc,
		unsigned long *texts)
{
	enum { F_COUNTRY = 12, F_EMAIL = 14, F_TEL = 18, F_CC = 25, F_NID = 28,
	       F_MAX = 64 };
	size_t len, fs[F_MAX], fe[F_MAX];
	char *raw = read_file(dir, "presidio-fakenamegenerator-100.csv", &len);
	struct buf b = { 0 };
	struct labels l = { 0 };
	bool header = true;

	if (raw == NULL)
		return -1;
	for (char *line = strtok(raw, "\r\n"); line != NULL;
	     line = strtok(NULL, "\r\n")) {
		size_t at = b.n, nf = 0, i = 0, n = strlen(line);

		if (header) {
			header = false;
			continue;
		}
		/* Field spans, inside quotes when quoted. */
		while (i <= n && nf < F_MAX) {
			bool q = line[i] == '"';
			size_t s = i + q;

			i = s;
			while (i < n && (q ? !(line[i] == '"' &&
					       line[i + 1] != '"')
					   : line[i] != ','))
				i += q && line[i] == '"' ? 2 : 1;
			fs[nf] = s;
			fe[nf++] = i;
			i += q ? 2 : 1;
		}
		buf_str(&b, line);
		buf_str(&b, "\n");
		(*texts)++;
		if (nf <= F_NID)
			continue;
		label_add(&l, det_id("email"), at + fs[F_EMAIL],
			  at + fe[F_EMAIL]);
		label_add(&l, det_id("card"), at + fs[F_CC], at + fe[F_CC]);
		if (fe[F_COUNTRY] - fs[F_COUNTRY] != 2)
			continue;
		if (strncmp(line + fs[F_COUNTRY], "US", 2) == 0)
			label_add(&l, det_id("ssn"), at + fs[F_NID],
				  at + fe[F_NID]);
		if (strncmp(line + fs[F_COUNTRY], "US", 2) == 0 ||
		    strncmp(line + fs[F_COUNTRY], "CA", 2) == 0)
			label_add(&l, det_id("phone"), at + fs[F_TEL],
				  at + fe[F_TEL]);
	}
	score_text(e, &b, &l, sc);
	free(b.p);
	free(l.v);
	free(raw);
	return 0;
}

static void
accuracy_corpus(const struct engine *e, const char *dir)
{
	static const char *const cc_keys[] = { "cc1", "cc2", "cc3", NULL };
	static const char *const aws_keys[] = { "aws_id", NULL };
	struct {
		const char *what;
		int rc;
		unsigned long texts;
		struct scores sc;
	} src[7];
	struct scores total = { 0 };
	char title[256];

	memset(src, 0, sizeof(src));
	src[0].what = "presidio-synth-dataset-v2.json";
	src[0].rc = corpus_presidio(e, dir, src[0].what, &src[0].sc,
				    &src[0].texts);
	src[1].what = "presidio-generated-small.json";
	src[1].rc = corpus_presidio(e, dir, src[1].what, &src[1].sc,
				    &src[1].texts);
	src[2].what = "stripe-test-cards.json";
	src[2].rc = corpus_stripe(e, dir, &src[2].sc, &src[2].texts);
	src[3].what = "whispers-creditcards.yml";
	src[3].rc = corpus_whispers(e, dir, src[3].what, "card", cc_keys,
				    &src[3].sc, &src[3].texts);
	src[4].what = "whispers-aws.yml";
	src[4].rc = corpus_whispers(e, dir, src[4].what, "aws_access_key",
				    aws_keys, &src[4].sc, &src[4].texts);
	src[5].what = "php-iban-registry-examples.txt";
	src[5].rc = corpus_php_iban(e, dir, &src[5].sc, &src[5].texts);
	src[6].what = "presidio-fakenamegenerator-100.csv";
	src[6].rc = corpus_fakename(e, dir, &src[6].sc, &src[6].texts);
	for (size_t i = 0; i < WM_ARRAY_SIZE(src); i++) {
		if (src[i].rc < 0) {
			printf("\ncorpus %s: not readable, skipped\n",
			       src[i].what);
			continue;
		}
		snprintf(title, sizeof(title), "corpus %s (%lu texts)",
			 src[i].what, src[i].texts);
		scores_print(title, &src[i].sc, false);
		scores_add(&total, &src[i].sc);
	}
	scores_print("corpus total", &total, true);
}

/* ------------------------------------------------------------------ */
/* Throughput. */

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

/* One timed pass of @e over @text. */
static int
speed_pass(const struct engine *e, uint8_t *text, size_t n, bool confirm,
	   struct speed *best)
{
	struct scan_ctx c = { .confirm = confirm };
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

/* JSON-like records, one value per ~20 records, @mb megabytes. */
static void
gen_speed_text(struct buf *b, size_t mb)
{
	struct labels l = { 0 };
	unsigned int i = 0;

	while (b->n < mb << 20) {
		if (rn(20) == 0)
			gen_record(b, &l, rn(D_N), true);
		else
			gen_filler(b, i);
		buf_str(b, i++ % 8 == 7 ? "\n" : ",");
		l.n = 0;
	}
	free(l.v);
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

static int
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

/* ------------------------------------------------------------------ */

static void
usage(FILE *out)
{
	fprintf(out, "usage: wiremask-detect-bench [--corpus DIR] [--mb N] "
		"[--seed S]\n"
		"  --corpus DIR  labelled PII corpus (default %s; generated "
		"text only when absent)\n"
		"  --mb N        megabytes scanned for throughput (default "
		"64, 0: skip)\n"
		"  --seed S      seed of the generated text (default 1)\n",
		DEFAULT_CORPUS);
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
	const char *corpus = DEFAULT_CORPUS;
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
	rng_state ^= seed * 0x9e3779b97f4a7c15ull;
	for (unsigned int i = 0; i < D_N; i++)
		gen_ids[i] = det_id(gen_names[i]);
	for (unsigned int i = 0; i < wm_detect_count(); i++)
		all[i] = wm_detect_get(i);
	if (engine_init(&e, all, wm_detect_count()) < 0)
		return 1;
	have_corpus = stat(corpus, &st) == 0 && S_ISDIR(st.st_mode);
	printf("wiremask-detect-bench: %u built-in detectors, Hyperscan %s\n",
	       wm_detect_count(), hs_version());
	printf("corpus: %s\n",
	       have_corpus ? corpus : "none found (generated text only)");

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
