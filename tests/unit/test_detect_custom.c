/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Custom detectors (wm_detect_custom_create): the user's expression as
 * a streaming trigger next to the built-ins, the start found by a
 * block-mode SOM database, validators, hold by byte classes, the errors
 * a config loader reports, and the per-thread scratch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <hs/hs.h>

#include "wm_detect.h"
#include "wm_test.h"

#define MAX_DET (WM_DETECT_MAX)
#define MAX_FOUND 32
#define BUF_MAX 1024

struct found {
	const struct wm_detector *d;
	size_t start, end;
};

struct scan {
	const struct wm_detector *const *dets;
	const uint8_t *buf;
	struct found f[MAX_FOUND];
	unsigned int n;
	bool overflow;
};

/* A streaming database of @n detectors (ids = index in @dets). */
static hs_database_t *
db_of(const struct wm_detector *const *dets, unsigned int n)
{
	const char *exprs[MAX_DET];
	unsigned int flags[MAX_DET], ids[MAX_DET];
	hs_compile_error_t *err = NULL;
	hs_database_t *db = NULL;

	for (unsigned int i = 0; i < n; i++) {
		exprs[i] = dets[i]->pattern;
		flags[i] = dets[i]->hs_flags;
		ids[i] = i;
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_STREAM, NULL, &db,
			     &err) != HS_SUCCESS) {
		fprintf(stderr, "  hs_compile_multi: %s\n", err->message);
		hs_free_compile_error(err);
		return NULL;
	}
	return db;
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	struct scan *s = ctx;
	const struct wm_detector *d = s->dets[id];
	size_t ws = to > WM_DETECT_WINDOW ? to - WM_DETECT_WINDOW : 0;
	struct wm_span sp;

	(void)from;
	(void)flags;
	if (!d->confirm(d, s->buf + ws, to - ws, &sp))
		return 0;
	if (s->n == MAX_FOUND || sp.start >= sp.end || sp.end > to - ws ||
	    sp.end - sp.start > d->max_len) {
		s->overflow = true;
		return 0;
	}
	s->f[s->n++] = (struct found){ d, ws + sp.start, ws + sp.end };
	return 0;
}

/* Scan @text and the EOD byte with @dets, one byte at a time when @bytewise. */
static void
scan_text(const struct wm_detector *const *dets, unsigned int n,
	  const char *text, bool bytewise, struct scan *s)
{
	static uint8_t buf[BUF_MAX];
	hs_database_t *db = db_of(dets, n);
	hs_scratch_t *scratch = NULL;
	hs_stream_t *st = NULL;
	size_t len = strlen(text);

	memset(s, 0, sizeof(*s));
	s->dets = dets;
	s->buf = buf;
	memcpy(buf, text, len);
	buf[len++] = WM_DETECT_EOD_BYTE;
	if (db == NULL || hs_alloc_scratch(db, &scratch) != HS_SUCCESS ||
	    hs_open_stream(db, 0, &st) != HS_SUCCESS) {
		s->overflow = true;
		goto out;
	}
	for (size_t off = 0, step = bytewise ? 1 : len; off < len; off += step)
		if (hs_scan_stream(st, (const char *)buf + off,
				   (unsigned int)WM_MIN(step, len - off), 0,
				   scratch, on_match, s) != HS_SUCCESS)
			s->overflow = true;
	hs_close_stream(st, scratch, NULL, NULL);
out:
	hs_free_scratch(scratch);
	hs_free_database(db);
}

static bool
found_is(const struct scan *s, unsigned int i, const struct wm_detector *d,
	 const char *val)
{
	size_t n = strlen(val);

	return s->f[i].d == d && s->f[i].end - s->f[i].start == n &&
	       memcmp(s->buf + s->f[i].start, val, n) == 0;
}

static struct wm_detector *
make(const char *name, const char *regex, unsigned int max_len,
     const char *classes, enum wm_validator v)
{
	char err[256] = "";
	struct wm_detector *d = wm_detect_custom_create(name, regex, max_len,
							 classes, v, err,
							 sizeof(err));

	if (d == NULL)
		fprintf(stderr, "  create %s: %s\n", name, err);
	CHECK(d != NULL);
	return d;
}

/* ------------------------------------------------------------------ */

static void
custom_fields(void)
{
	struct wm_detector *d = make("emp_id", "EMP-[0-9]{6}", 10, "A-Z0-9-",
				     WM_VALIDATE_NONE);

	if (d == NULL)
		return;
	CHECK(strcmp(d->name, "emp_id") == 0);
	CHECK(strcmp(d->pattern, "EMP-[0-9]{6}") == 0);
	CHECK(strcmp(d->classes, "A-Z0-9-") == 0);
	CHECK(strcmp(d->separators, "") == 0);
	CHECK_EQ(d->max_len, 10);
	CHECK_EQ(d->min_chars, 1);
	CHECK_EQ(d->hs_flags & HS_FLAG_SOM_LEFTMOST, 0);
	CHECK(d->priv != NULL && d->hold != NULL && d->confirm != NULL);
	wm_detect_custom_free(d);
	wm_detect_custom_free(NULL);
}

/* Next to every built-in, the custom value is found with its exact span
 * and the built-ins still find theirs. */
static void
custom_next_to_builtins_exact_span(void)
{
	const struct wm_detector *dets[MAX_DET];
	struct wm_detector *d = make("emp_id", "EMP-[0-9]{6}", 10, "A-Z0-9-",
				     WM_VALIDATE_NONE);
	unsigned int n = wm_detect_count();
	struct scan s;

	if (d == NULL)
		return;
	for (unsigned int i = 0; i < n; i++)
		dets[i] = wm_detect_get(i);
	dets[n] = d;
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		scan_text(dets, n + 1, "{\"emp\":\"EMP-123456\",\"ssn\":"
			  "\"123-45-6789\"}", bytewise, &s);
		CHECK(!s.overflow);
		CHECK_EQ(s.n, 2);
		CHECK(found_is(&s, 0, d, "EMP-123456") ||
		      found_is(&s, 1, d, "EMP-123456"));
		CHECK(found_is(&s, 0, wm_detect_find("ssn"), "123-45-6789") ||
		      found_is(&s, 1, wm_detect_find("ssn"), "123-45-6789"));
	}
	wm_detect_custom_free(d);
}

/* Not terminator-based: every end is reported and confirmed; the spans
 * grow, and the longest is the whole value. */
static void
custom_every_end_confirmed_longest_is_whole(void)
{
	struct wm_detector *d = make("num", "[0-9]{4,8}", 8, "0-9",
				     WM_VALIDATE_NONE);
	const struct wm_detector *dets[1] = { d };
	struct scan s;

	if (d == NULL)
		return;
	scan_text(dets, 1, "n 123456 x", false, &s);
	CHECK(!s.overflow);
	CHECK_EQ(s.n, 3);
	for (unsigned int i = 0; i < s.n; i++) {
		CHECK_EQ(s.f[i].start, 2);
		CHECK_EQ(s.f[i].end, 6 + i);
	}
	wm_detect_custom_free(d);
}

static void
custom_luhn_validator(void)
{
	struct wm_detector *d = make("pan16", "[0-9]{4}(?:[ -]?[0-9]{4}){3}",
				     19, "0-9 -", WM_VALIDATE_LUHN);
	const struct wm_detector *dets[1] = { d };
	struct scan s;

	if (d == NULL)
		return;
	scan_text(dets, 1, "a 4111 1111 1111 1111 b", false, &s);
	CHECK_EQ(s.n, 1);
	CHECK(s.n == 1 && found_is(&s, 0, d, "4111 1111 1111 1111"));
	scan_text(dets, 1, "a 4111 1111 1111 1112 b", false, &s);
	CHECK_EQ(s.n, 0);
	wm_detect_custom_free(d);
}

static void
custom_mod97_validator(void)
{
	struct wm_detector *d = make("de_iban", "DE[0-9]{20}", 22, "A-Z0-9",
				     WM_VALIDATE_MOD97);
	const struct wm_detector *dets[1] = { d };
	struct scan s;

	if (d == NULL)
		return;
	scan_text(dets, 1, "to DE89370400440532013000.", false, &s);
	CHECK_EQ(s.n, 1);
	CHECK(s.n == 1 && found_is(&s, 0, d, "DE89370400440532013000"));
	scan_text(dets, 1, "to DE89370400440532013001.", false, &s);
	CHECK_EQ(s.n, 0);
	wm_detect_custom_free(d);
}

/* A match longer than max_len is not a value. */
static void
custom_span_over_max_len_refused(void)
{
	struct wm_detector *d = make("as", "a+", 3, "a", WM_VALIDATE_NONE);
	const struct wm_detector *dets[1] = { d };
	struct scan s;

	if (d == NULL)
		return;
	scan_text(dets, 1, "x aaaaa y", false, &s);
	CHECK(!s.overflow);
	CHECK_EQ(s.n, 3);
	for (unsigned int i = 0; i < s.n; i++)
		CHECK(s.f[i].end - s.f[i].start <= 3);
	wm_detect_custom_free(d);
}

static void
custom_hold_by_classes(void)
{
	struct wm_detector *hex = make("hex", "[0-9A-F]{8}", 8, "0-9A-F",
				       WM_VALIDATE_NONE);
	struct wm_detector *any = make("any", "K[^ ]{6}", 7, NULL,
				       WM_VALIDATE_NONE);

	if (hex == NULL || any == NULL)
		goto out;
	CHECK_EQ(hex->hold(hex, (const uint8_t *)"xx 12AB", 7), 4);
	CHECK_EQ(hex->hold(hex, (const uint8_t *)"0123456789ABCDEF", 16), 8);
	CHECK_EQ(hex->hold(hex, (const uint8_t *)"12ab", 4), 0);
	CHECK_EQ(hex->hold(hex, (const uint8_t *)"", 0), 0);
	CHECK(any->classes == NULL);
	CHECK_EQ(any->hold(any, (const uint8_t *)"abc", 3), 3);
	CHECK_EQ(any->hold(any, (const uint8_t *)"abcdefghij", 10), 7);
out:
	wm_detect_custom_free(hex);
	wm_detect_custom_free(any);
}

struct bad_case {
	const char *name, *regex, *classes;
	unsigned int max_len;
	const char *want1, *want2; /* in the error text */
};

static const struct bad_case bad_cases[] = {
	{ "lookahead", "a(?=b)", NULL, 10, "detector lookahead",
	  "compiled for streaming" },
	{ "backref", "(a|b)\\1", NULL, 10, "detector backref",
	  "Back-references" },
	{ "empty_match", "a*", NULL, 10, "detector empty_match",
	  "empty buffer" },
	{ "no_som", "[a-z]{1,64}@[a-z]{1,200}\\.com", NULL, 250,
	  "detector no_som", "Pattern is too large" },
	{ "len0", "abc", NULL, 0, "detector len0", "max_len" },
	{ "len251", "abc", NULL, 251, "detector len251", "max_len" },
	{ "backwards", "abc", "z-a", 10, "detector backwards", "classes" },
	{ "noclass", "abc", "", 10, "detector noclass", "classes" },
	{ "card", "abc", NULL, 10, "detector card", "built-in" },
	{ "emptyre", "", NULL, 10, "detector emptyre", "regex" },
	{ "", "abc", NULL, 10, "name", "name" },
	{ "a_name_of_thirty_two_bytes_long_", "abc", NULL, 10, "name", "name" },
};

static void
custom_create_errors_name_the_detector(void)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[512] = "";
		struct wm_detector *d;

		wm_test_case = c->name;
		errno = 0;
		d = wm_detect_custom_create(c->name, c->regex, c->max_len,
					    c->classes, WM_VALIDATE_NONE, err,
					    sizeof(err));
		CHECK(d == NULL);
		CHECK_EQ(errno, EINVAL);
		if (strstr(err, c->want1) == NULL ||
		    strstr(err, c->want2) == NULL)
			fprintf(stderr, "  %s: \"%s\"\n", c->name, err);
		CHECK(strstr(err, c->want1) != NULL);
		CHECK(strstr(err, c->want2) != NULL);
		wm_detect_custom_free(d);
	}
	wm_test_case = "custom_create_errors_name_the_detector";
	{
		char err[128] = "";

		CHECK(wm_detect_custom_create("x", NULL, 10, NULL,
					      WM_VALIDATE_NONE, err,
					      sizeof(err)) == NULL);
		CHECK(wm_detect_custom_create(NULL, "a", 10, NULL,
					      WM_VALIDATE_NONE, err,
					      sizeof(err)) == NULL);
		CHECK(wm_detect_custom_create("x", "a", 10, NULL,
					      (enum wm_validator)7, err,
					      sizeof(err)) == NULL);
	}
}

/* Classes: ranges, single bytes, a dash first or last. */
static void
custom_classes_ranges_and_dash(void)
{
	struct wm_detector *d = make("cls", "[A-Z0-9-]{4}", 8, "-0-9A-Z",
				     WM_VALIDATE_NONE);
	struct wm_detector *e = make("cls2", "[a-c]{2}", 8, "a-c-",
				     WM_VALIDATE_NONE);

	if (d == NULL || e == NULL)
		goto out;
	CHECK_EQ(d->hold(d, (const uint8_t *)"x A-9Z", 6), 4);
	CHECK_EQ(d->hold(d, (const uint8_t *)"x a-9Z", 6), 3);
	CHECK_EQ(e->hold(e, (const uint8_t *)"da-bc", 5), 4);
out:
	wm_detect_custom_free(d);
	wm_detect_custom_free(e);
}

/* ------------------------------------------------------------------ */
/* Per-thread scratch: confirm from several threads, while another
 * custom detector is created (the prototype grows). */

struct worker {
	const struct wm_detector *d;
	unsigned int ok, bad;
};

static void *
worker_run(void *arg)
{
	static const char win[] = "id EMP-123456";
	struct worker *w = arg;
	struct wm_span sp;

	for (int i = 0; i < 20000; i++) {
		if (w->d->confirm(w->d, (const uint8_t *)win, sizeof(win) - 1,
				  &sp) &&
		    sp.start == 3 && sp.end == 13)
			w->ok++;
		else
			w->bad++;
	}
	return NULL;
}

static void
custom_confirm_from_threads_while_creating(void)
{
	struct wm_detector *d = make("emp_t", "EMP-[0-9]{6}", 10, NULL,
				     WM_VALIDATE_NONE);
	struct worker w[2];
	pthread_t t[2];
	struct wm_detector *late;

	if (d == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){ .d = d };
		CHECK(pthread_create(&t[i], NULL, worker_run, &w[i]) == 0);
	}
	late = make("late", "[a-z]{1,40}@late\\.example", 60, NULL,
		    WM_VALIDATE_NONE);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(w[i].bad, 0);
		CHECK_EQ(w[i].ok, 20000);
	}
	wm_detect_custom_free(late);
	wm_detect_custom_free(d);
}

int
main(void)
{
	RUN(custom_fields);
	RUN(custom_next_to_builtins_exact_span);
	RUN(custom_every_end_confirmed_longest_is_whole);
	RUN(custom_luhn_validator);
	RUN(custom_mod97_validator);
	RUN(custom_span_over_max_len_refused);
	RUN(custom_hold_by_classes);
	RUN(custom_classes_ranges_and_dash);
	RUN(custom_create_errors_name_the_detector);
	RUN(custom_confirm_from_threads_while_creating);
	TEST_END();
}
