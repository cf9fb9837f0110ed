/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in detectors: triggers compiled by Hyperscan in streaming mode
 * (no SOM), confirm on the window the stream engine would build, hold
 * on stream tails, and the validators.
 *
 * Every scan case runs the way the engine runs: the text plus the
 * end-of-stream byte is scanned by one streaming database of all the
 * built-in triggers (ids = detector index); each reported end gets
 * confirm() on the up to WM_DETECT_WINDOW bytes ending there.
 */
#include <stdbool.h>
#include <stdint.h>

#include <hs/hs.h>

#include "wm_detect.h"
#include "wm_test.h"

#define MAX_FOUND 16
#define MAX_WANT 3
#define BUF_MAX 2048
/* Pushes values far from the stream start: confirm gets full windows. */
#define PREFIX_LEN 300

struct found {
	unsigned int id;
	size_t start, end; /* the value, stream offsets */
	size_t trig;       /* the trigger's end */
};

struct scan {
	const uint8_t *buf;
	struct found f[MAX_FOUND];
	unsigned int n;
	bool overflow;
};

static hs_database_t *db;
static hs_scratch_t *scratch;

/* ------------------------------------------------------------------ */
/* The engine, reduced to what a detector sees. */

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	struct scan *s = ctx;
	const struct wm_detector *d = wm_detect_get(id);
	size_t ws = to > WM_DETECT_WINDOW ? to - WM_DETECT_WINDOW : 0;
	struct wm_span sp;

	(void)from;
	(void)flags;
	if (!d->confirm(s->buf + ws, to - ws, &sp))
		return 0;
	if (s->n == MAX_FOUND || sp.start >= sp.end || sp.end > to - ws ||
	    sp.end - sp.start > d->max_len) {
		s->overflow = true;
		return 0;
	}
	s->f[s->n++] = (struct found){ id, ws + sp.start, ws + sp.end, to };
	return 0;
}

/* Scan @buf[0, len) (EOD byte included) in chunks of @chunk bytes. */
static void
scan_buf(const uint8_t *buf, size_t len, size_t chunk, struct scan *s)
{
	hs_stream_t *st = NULL;

	memset(s, 0, sizeof(*s));
	s->buf = buf;
	if (hs_open_stream(db, 0, &st) != HS_SUCCESS) {
		s->overflow = true;
		return;
	}
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (hs_scan_stream(st, (const char *)buf + off, (unsigned int)n,
				   0, scratch, on_match, s) != HS_SUCCESS)
			s->overflow = true;
	}
	hs_close_stream(st, scratch, NULL, NULL);
}

/* Stream = @prefix_len filler bytes (the last a space), @text, the EOD
 * byte. */
static size_t
build_stream(uint8_t *buf, size_t prefix_len, const char *text)
{
	static const char filler[] = "{\"k\":\"v\"}, ";
	size_t n = strlen(text);

	for (size_t i = 0; i < prefix_len; i++)
		buf[i] = (uint8_t)filler[i % (sizeof(filler) - 1)];
	if (prefix_len > 0)
		buf[prefix_len - 1] = ' ';
	memcpy(buf + prefix_len, text, n);
	buf[prefix_len + n] = WM_DETECT_EOD_BYTE;
	return prefix_len + n + 1;
}

static bool
found_is(const struct scan *s, const struct found *f, const char *det,
	 const char *val)
{
	size_t n = strlen(val);

	return strcmp(wm_detect_get(f->id)->name, det) == 0 &&
	       f->end - f->start == n &&
	       memcmp(s->buf + f->start, val, n) == 0;
}

/* ------------------------------------------------------------------ */
/* Scan cases: exact spans (or none) per text. */

struct want {
	const char *det;
	const char *val;
};

struct scan_case {
	const char *name;
	const char *text;
	struct want want[MAX_WANT]; /* confirmed values, none: no match */
};

#define LOCAL16 "abcdefghijklmnop"
#define LOCAL64 LOCAL16 LOCAL16 LOCAL16 LOCAL16

static const struct scan_case scan_cases[] = {
	/* cards: true positives */
	{ "card_visa_plain_at_stream_start", "4111111111111111",
	  { { "card", "4111111111111111" } } },
	{ "card_visa_spaces_json_quote", "{\"pan\":\"4111 1111 1111 1111\"}",
	  { { "card", "4111 1111 1111 1111" } } },
	{ "card_visa_dashes_json_brace", "{\"pan\":4111-1111-1111-1111}",
	  { { "card", "4111-1111-1111-1111" } } },
	{ "card_mastercard_2_series", "mc=2221000000000009&x=1",
	  { { "card", "2221000000000009" } } },
	{ "card_mastercard_5_series_eod", "mc 5555555555554444",
	  { { "card", "5555555555554444" } } },
	{ "card_amex_4_6_5_groups", "amex 3782 822463 10005.",
	  { { "card", "3782 822463 10005" } } },
	{ "card_amex_plain", "\"378282246310005\"",
	  { { "card", "378282246310005" } } },
	{ "card_discover", "disc:6011111111111117;",
	  { { "card", "6011111111111117" } } },
	{ "card_13_digits", "old visa 4222222222222\r\n",
	  { { "card", "4222222222222" } } },
	{ "card_19_digits", "pan 4000000000000000006 ok",
	  { { "card", "4000000000000000006" } } },
	{ "card_19_digits_4_4_4_4_3", "pan 4000 0000 0000 0000 006;",
	  { { "card", "4000 0000 0000 0000 006" } } },
	{ "card_groups_of_3_then_4", "n 400 000 000 000 000 0006 x",
	  { { "card", "400 000 000 000 000 0006" } } },
	{ "card_trailing_separator_then_eod", "pan 4111 1111 1111 1111 ",
	  { { "card", "4111 1111 1111 1111" } } },
	{ "card_then_space_cvv", "\"4111 1111 1111 1111 123\"",
	  { { "card", "4111 1111 1111 1111" } } },
	{ "two_cards_one_space_apart", "4111111111111111 5555555555554444}",
	  { { "card", "4111111111111111" }, { "card", "5555555555554444" } } },
	{ "card_after_short_number_group", "12 4111111111111111,",
	  { { "card", "4111111111111111" } } },
	/* cards: false positives */
	{ "card_luhn_fails", "pan 4111111111111112 x", { { NULL, NULL } } },
	{ "card_luhn_valid_16_inside_22_digit_run",
	  "id 1234111111111111111456 x", { { NULL, NULL } } },
	{ "card_luhn_valid_16_at_end_of_22_digit_run",
	  "id 1234564111111111111111 x", { { NULL, NULL } } },
	{ "card_12_digits_too_short", "n 411111111116 x", { { NULL, NULL } } },
	{ "card_20_digit_run", "n 41111111111111111111 x", { { NULL, NULL } } },
	{ "phone_dashes_not_card", "tel 555-123-4567\n", { { NULL, NULL } } },
	{ "phone_international_not_card", "tel +1 555 123 4567\n",
	  { { NULL, NULL } } },
	{ "card_dashed_timestamp_luhn_valid_is_masked",
	  "f=2016-09-14-00-30-57-300.txt",
	  { { "card", "2016-09-14-00-30-57-300" } } },
	{ "card_double_space_breaks_run", "4111  1111 1111 1111 x",
	  { { NULL, NULL } } },
	/* SSN */
	{ "ssn_plain", "ssn 123-45-6789 x", { { "ssn", "123-45-6789" } } },
	{ "ssn_at_stream_start_eod", "123-45-6789",
	  { { "ssn", "123-45-6789" } } },
	{ "ssn_json_quote", "{\"ssn\":\"078-05-1120\"}",
	  { { "ssn", "078-05-1120" } } },
	{ "ssn_sentence_dash_then_text", "ssn 123-45-6789- next",
	  { { "ssn", "123-45-6789" } } },
	{ "ssn_area_666", "ssn 666-45-6789 x", { { NULL, NULL } } },
	{ "ssn_area_000", "ssn 000-45-6789 x", { { NULL, NULL } } },
	{ "ssn_area_9xx", "ssn 912-45-6789 x", { { NULL, NULL } } },
	{ "ssn_group_00", "ssn 123-00-6789 x", { { NULL, NULL } } },
	{ "ssn_serial_0000", "ssn 123-45-0000 x", { { NULL, NULL } } },
	{ "ssn_preceded_by_digit", "ssn 1123-45-6789 x", { { NULL, NULL } } },
	{ "ssn_preceded_by_dash_digit_still_ssn", "n 1-123-45-6789 x",
	  { { "ssn", "123-45-6789" } } },
	{ "ssn_followed_by_digit", "n 123-45-67890 x", { { NULL, NULL } } },
	{ "ssn_followed_by_dash_digit_still_ssn", "n 123-45-6789-1 x",
	  { { "ssn", "123-45-6789" } } },
	{ "ssn_no_dashes_ignored", "n 123456789 x", { { NULL, NULL } } },
	/* e-mail */
	{ "email_plain", "to: john.doe@example.com\r\n",
	  { { "email", "john.doe@example.com" } } },
	{ "email_subdomains", "<ops@mail.eu.example.co.uk>",
	  { { "email", "ops@mail.eu.example.co.uk" } } },
	{ "email_plus_addressing", "\"jane+news@example.org\"",
	  { { "email", "jane+news@example.org" } } },
	{ "email_trailing_dot_sentence", "mail a@b.com. Next",
	  { { "email", "a@b.com" } } },
	{ "email_trailing_dot_eod", "mail a@b.com.",
	  { { "email", "a@b.com" } } },
	{ "email_at_stream_start_eod", "x_y%z@host-1.example.io",
	  { { "email", "x_y%z@host-1.example.io" } } },
	{ "email_numeric_label_after_tld", "a@b.com.1 x",
	  { { "email", "a@b.com" } } },
	{ "email_local_64", "<" LOCAL64 "@example.com>",
	  { { "email", LOCAL64 "@example.com" } } },
	{ "email_local_65_rejected", "<a" LOCAL64 "@example.com>",
	  { { NULL, NULL } } },
	{ "email_no_tld_rejected", "john@localhost now", { { NULL, NULL } } },
	{ "email_one_letter_tld_rejected", "john@example.c now",
	  { { NULL, NULL } } },
	{ "email_ip_literal_rejected", "john@10.1.2.3 now", { { NULL, NULL } } },
	{ "email_digits_after_tld", "a@b.com1 x", { { "email", "a@b.com" } } },
	{ "email_hyphen_after_tld", "a@b.com-x x", { { "email", "a@b.com" } } },
	{ "email_tld_25_letters_rejected", "a@b.abcdefghijklmnopqrstuvwxy x",
	  { { NULL, NULL } } },
	{ "email_double_dot_ends_domain", "a@b.com..x",
	  { { "email", "a@b.com" } } },
	{ "email_double_at_takes_last", "x@y@example.com ",
	  { { "email", "y@example.com" } } },
	/* several detectors in one stream */
	{ "card_ssn_email_in_one_record",
	  "{\"pan\":\"5555 5555 5555 4444\",\"ssn\":\"219-09-9999\","
	  "\"mail\":\"j@x.org\"}",
	  { { "card", "5555 5555 5555 4444" }, { "ssn", "219-09-9999" },
	    { "email", "j@x.org" } } },
};

static unsigned int
want_count(const struct scan_case *c)
{
	unsigned int n = 0;

	while (n < MAX_WANT && c->want[n].det != NULL)
		n++;
	return n;
}

/* Every wanted value is found once, nothing else is. */
static void
check_found(const struct scan_case *c, const struct scan *s)
{
	unsigned int nw = want_count(c);

	CHECK(!s->overflow);
	CHECK_EQ(s->n, nw);
	for (unsigned int w = 0; w < nw; w++) {
		unsigned int hits = 0;

		for (unsigned int i = 0; i < s->n; i++)
			hits += found_is(s, &s->f[i], c->want[w].det,
					 c->want[w].val);
		if (hits != 1)
			fprintf(stderr, "  case %s: want %s \"%s\"\n", c->name,
				c->want[w].det, c->want[w].val);
		CHECK_EQ(hits, 1);
	}
}

static bool
same_found(const struct scan *a, const struct scan *b, size_t shift)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (a->f[i].id != b->f[i].id ||
		    a->f[i].start + shift != b->f[i].start ||
		    a->f[i].end + shift != b->f[i].end)
			return false;
	return true;
}

/* One case: at the stream start, whole and one byte at a time, then far
 * from the start (full windows). All three must agree. */
static void
run_scan_case(const struct scan_case *c)
{
	static uint8_t buf[BUF_MAX], buf_far[BUF_MAX];
	struct scan whole, bytewise, far;
	size_t len = build_stream(buf, 0, c->text);
	size_t len_far = build_stream(buf_far, PREFIX_LEN, c->text);

	wm_test_case = c->name;
	scan_buf(buf, len, len, &whole);
	scan_buf(buf, len, 1, &bytewise);
	scan_buf(buf_far, len_far, 7, &far);
	check_found(c, &whole);
	CHECK(same_found(&whole, &bytewise, 0));
	CHECK(same_found(&whole, &far, PREFIX_LEN));
}

static void
scan_table(void)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(scan_cases); i++)
		run_scan_case(&scan_cases[i]);
}

/*
 * The hold-back rule end to end: cut the stream after every byte; the
 * engine releases everything but the last hold() bytes (max over the
 * detectors). A value confirmed later must not start in released bytes.
 */
static void
check_hold_covers(const uint8_t *buf, size_t len, const struct scan *s)
{
	for (unsigned int i = 0; i < s->n; i++) {
		const struct found *f = &s->f[i];

		/* Until the trigger is scanned, the value is someone's hold. */
		CHECK(f->trig <= len && f->trig > f->end);
		for (size_t cut = f->start + 1; cut < f->trig; cut++) {
			size_t tl = WM_MIN(cut, (size_t)WM_DETECT_WINDOW);
			size_t hold = 0;

			for (unsigned int k = 0; k < wm_detect_count(); k++) {
				const struct wm_detector *d = wm_detect_get(k);
				size_t h = d->hold(buf + cut - tl, tl);

				CHECK(h <= tl && h <= (size_t)d->max_len + 1);
				hold = h > hold ? h : hold;
			}
			if (cut - hold > f->start)
				fprintf(stderr, "  leak: cut %zu hold %zu "
					"start %zu\n", cut, hold, f->start);
			CHECK(cut - hold <= f->start);
		}
	}
}

/*
 * A grouped run is reported at every group boundary past 13 digits, so
 * it may give overlapping spans: every byte of each wanted value must be
 * in some span, and each wanted span that ends the run is found whole.
 */
static void
check_run_covered(const char *text, const char *const *vals, unsigned int nv)
{
	static uint8_t buf[BUF_MAX];
	size_t len = build_stream(buf, 0, text);
	bool covered[BUF_MAX] = { false };
	struct scan s;

	scan_buf(buf, len, len, &s);
	CHECK(!s.overflow);
	CHECK(s.n >= 1);
	check_hold_covers(buf, len, &s);
	for (unsigned int i = 0; i < s.n; i++)
		for (size_t p = s.f[i].start; p < s.f[i].end; p++)
			covered[p] = true;
	for (unsigned int v = 0; v < nv; v++) {
		const char *at = strstr(text, vals[v]);

		CHECK(at != NULL);
		if (at == NULL)
			continue;
		for (size_t p = at - text; p < at - text + strlen(vals[v]); p++)
			CHECK(covered[p]);
	}
}

static void
two_grouped_cards_one_space_apart(void)
{
	static const char *const vals[] = { "4111 1111 1111 1111",
					    "5555 5555 5555 4444" };

	check_run_covered("\"4111 1111 1111 1111 5555 5555 5555 4444\"", vals, 2);
}

static void
card_max_len_separator_after_every_digit(void)
{
	static const char text[] = "n 4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 6;";
	static const char *const vals[] = {
		"4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 6" };
	static uint8_t buf[BUF_MAX];
	struct scan s;
	unsigned int whole = 0;

	check_run_covered(text, vals, 1);
	scan_buf(buf, build_stream(buf, 0, text), 64, &s);
	for (unsigned int i = 0; i < s.n; i++)
		whole += found_is(&s, &s.f[i], "card", vals[0]);
	CHECK_EQ(whole, 1);
}

/* ------------------------------------------------------------------ */
/* Hold: how much of a tail may begin a value not yet reported. */

struct hold_case {
	const char *name;
	const char *det;
	const char *tail;
	size_t want;
};

static const struct hold_case hold_cases[] = {
	{ "card_grouped_in_progress", "card", "...4111 1111 11", 12 },
	{ "card_json_close_holds_nothing", "card", "...abc}", 0 },
	{ "card_full_value_trailing_space", "card",
	  "x 4111 1111 1111 1111 ", 20 },
	{ "card_19_digits_trailing_dash", "card",
	  "x 4111-1111-1111-1111-111-", 24 },
	{ "card_max_len_trailing_space", "card",
	  "x 4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 6 ", 38 },
	{ "card_single_digit_groups", "card", "0 0 0 0 0", 9 },
	{ "card_plain_run_over_19_digits", "card",
	  "x 41111111111111111111", 0 },
	{ "card_only_last_19_digits_of_groups", "card",
	  "1111 2222 3333 4444 5555 666", 23 },
	{ "card_double_space_ends_run", "card", "12  34", 2 },
	{ "card_lone_separator", "card", "abc ", 0 },
	{ "card_empty_tail", "card", "", 0 },
	{ "card_whole_tail_is_digits", "card", "1234", 4 },
	{ "ssn_complete_value_unterminated", "ssn", "x123-45-6789", 11 },
	{ "ssn_dash_after_value_already_reported", "ssn", "x123-45-6789-", 0 },
	{ "ssn_last_digit_missing", "ssn", "x123-45-678", 10 },
	{ "ssn_first_digits", "ssn", "abc 12", 2 },
	{ "ssn_four_digit_run_cannot_start", "ssn", "x 1234", 0 },
	{ "ssn_after_digit_dash", "ssn", "1-123-4", 5 },
	{ "ssn_json_close", "ssn", "\"123\"}", 0 },
	{ "email_local_part_in_progress", "email", "name jo", 2 },
	{ "email_domain_in_progress", "email", "x a@exam", 6 },
	{ "email_right_after_at", "email", "x john@", 5 },
	{ "email_trailing_dot", "email", "x a@b.com.", 8 },
	{ "email_plain_text_ends_in_space", "email", "hello ", 0 },
	{ "email_local_run_over_64", "email",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	{ "email_local_over_64_before_at", "email",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@ex",
	  2 },
};

static void
hold_table(void)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(hold_cases); i++) {
		const struct hold_case *c = &hold_cases[i];
		const struct wm_detector *d = wm_detect_find(c->det);

		wm_test_case = c->name;
		CHECK(d != NULL);
		if (d == NULL)
			continue;
		CHECK_EQ(d->hold((const uint8_t *)c->tail, strlen(c->tail)),
			 c->want);
	}
}

static void
hold_covers_every_confirmed_value(void)
{
	static uint8_t buf[BUF_MAX];

	for (size_t i = 0; i < WM_ARRAY_SIZE(scan_cases); i++) {
		const struct scan_case *c = &scan_cases[i];
		size_t len = build_stream(buf, 0, c->text);
		struct scan s;

		scan_buf(buf, len, len, &s);
		check_hold_covers(buf, len, &s);
		len = build_stream(buf, PREFIX_LEN, c->text);
		scan_buf(buf, len, len, &s);
		check_hold_covers(buf, len, &s);
	}
}

/* Deterministic xorshift: the same streams on every run. */
static uint32_t
rnd(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

/*
 * Streams stitched from value-like pieces (valid cards, SSNs, addresses,
 * their fragments, separators, digits): hold must cover every value any
 * trigger confirms, wherever the stream is cut.
 */
static void
hold_covers_random_streams(void)
{
	static const char *const pieces[] = {
		"4111", "1111", "4111111111111111", "5555555555554444",
		"378282246310005", "123-45-6789", "078-05-1120", "-", " ",
		" ", "0", "7", "12", "a", "b.", "@", ".", "x@y.com",
		"john.doe", "@example.com", ".org", "\"", "}", ",", "\n", "%+_",
	};
	static uint8_t buf[BUF_MAX];
	uint32_t st = 2463534242u;
	unsigned int confirmed = 0;

	for (int iter = 0; iter < 3000; iter++) {
		size_t len = 0;
		struct scan s;

		while (len < 200) {
			const char *p = pieces[rnd(&st) % WM_ARRAY_SIZE(pieces)];

			memcpy(buf + len, p, strlen(p));
			len += strlen(p);
		}
		buf[len++] = WM_DETECT_EOD_BYTE;
		scan_buf(buf, len, len, &s);
		CHECK(!s.overflow);
		check_hold_covers(buf, len, &s);
		confirmed += s.n;
	}
	/* The streams did exercise confirm. */
	CHECK(confirmed > 1000);
}

/* ------------------------------------------------------------------ */
/* Confirm called directly: windows the engine would not send twice. */

static void
confirm_full_window_unknown_start(void)
{
	/* A 256-byte window that is all digits up to the value: the run
	 * reaches win[0], what precedes it is unknown, so no boundary. */
	uint8_t win[WM_DETECT_WINDOW];
	const struct wm_detector *card = wm_detect_find("card");
	struct wm_span sp;

	memset(win, ' ', sizeof(win));
	memcpy(win, "4111111111111111\"", 17);
	CHECK(card->confirm(win, 17, &sp));
	CHECK_EQ(sp.start, 0);
	CHECK_EQ(sp.end, 16);
	/* Same bytes at the end of a full window that starts mid-run. */
	memset(win, '1', sizeof(win));
	memcpy(win + WM_DETECT_WINDOW - 17, "4111111111111111\"", 17);
	win[WM_DETECT_WINDOW - 18] = ' ';
	CHECK(card->confirm(win, WM_DETECT_WINDOW, &sp));
	CHECK_EQ(sp.start, WM_DETECT_WINDOW - 17);
	win[WM_DETECT_WINDOW - 18] = '1';
	CHECK(!card->confirm(win, WM_DETECT_WINDOW, &sp));
}

static void
confirm_rejects_unterminated_window(void)
{
	const struct wm_detector *card = wm_detect_find("card");
	const struct wm_detector *ssn = wm_detect_find("ssn");
	const struct wm_detector *email = wm_detect_find("email");
	struct wm_span sp;

	CHECK(!card->confirm((const uint8_t *)"x4111111111111111", 17, &sp));
	CHECK(!ssn->confirm((const uint8_t *)"x123-45-6789", 12, &sp));
	CHECK(!email->confirm((const uint8_t *)"a@b", 3, &sp));
	CHECK(!email->confirm((const uint8_t *)"", 0, &sp));
	CHECK(!card->confirm((const uint8_t *)"", 0, &sp));
	CHECK(!ssn->confirm((const uint8_t *)"", 0, &sp));
}

/* ------------------------------------------------------------------ */
/* Registry, patterns and validators. */

static void
registry_find_count_get(void)
{
	static const char *const names[] = { "card", "ssn", "email" };

	CHECK_EQ(wm_detect_count(), 3);
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(names); i++) {
		const struct wm_detector *d = wm_detect_find(names[i]);

		CHECK(d != NULL);
		CHECK(d == wm_detect_get(i));
	}
	CHECK(wm_detect_find("iban") == NULL);
	CHECK(wm_detect_find("") == NULL);
	CHECK(wm_detect_find(NULL) == NULL);
	CHECK(wm_detect_get(wm_detect_count()) == NULL);
}

static void
detector_fields_and_window_bound(void)
{
	for (unsigned int i = 0; i < wm_detect_count(); i++) {
		const struct wm_detector *d = wm_detect_get(i);

		CHECK(d->name != NULL && strlen(d->name) < WM_NAME_MAX);
		CHECK(d->pattern != NULL && d->separators != NULL);
		CHECK(d->hold != NULL && d->confirm != NULL);
		CHECK(d->max_len > 0);
		CHECK(d->max_len + 3 <= WM_DETECT_WINDOW);
	}
	CHECK_EQ(wm_detect_find("card")->max_len, 37);
	CHECK_EQ(wm_detect_find("ssn")->max_len, 11);
	CHECK_EQ(wm_detect_find("email")->max_len, 253);
}

/* Each trigger on its own: streaming mode, no SOM flag. */
static void
patterns_compile_streaming_without_som(void)
{
	for (unsigned int i = 0; i < wm_detect_count(); i++) {
		const struct wm_detector *d = wm_detect_get(i);
		hs_database_t *one = NULL;
		hs_compile_error_t *err = NULL;

		CHECK((d->hs_flags & HS_FLAG_SOM_LEFTMOST) == 0);
		if (hs_compile(d->pattern, d->hs_flags, HS_MODE_STREAM, NULL,
			       &one, &err) != HS_SUCCESS) {
			fprintf(stderr, "  %s: %s\n", d->name, err->message);
			hs_free_compile_error(err);
			CHECK(false);
			continue;
		}
		CHECK(one != NULL);
		hs_free_database(one);
	}
}

static void
luhn_validator(void)
{
	CHECK(wm_detect_luhn((const uint8_t *)"4111111111111111", 16));
	CHECK(wm_detect_luhn((const uint8_t *)"378282246310005", 15));
	CHECK(wm_detect_luhn((const uint8_t *)"0", 1));
	CHECK(!wm_detect_luhn((const uint8_t *)"4111111111111112", 16));
	CHECK(!wm_detect_luhn((const uint8_t *)"4111 1111", 9));
	CHECK(!wm_detect_luhn((const uint8_t *)"", 0));
}

static void
ssn_validator(void)
{
	CHECK(wm_detect_ssn_valid((const uint8_t *)"123456789"));
	CHECK(wm_detect_ssn_valid((const uint8_t *)"899990001"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"000456789"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"666456789"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"900456789"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"123006789"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"123450000"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"12345678a"));
}

static int
db_build(void)
{
	const char *exprs[WM_DETECT_MAX];
	unsigned int flags[WM_DETECT_MAX], ids[WM_DETECT_MAX];
	unsigned int n = wm_detect_count();
	hs_compile_error_t *err = NULL;

	for (unsigned int i = 0; i < n; i++) {
		exprs[i] = wm_detect_get(i)->pattern;
		flags[i] = wm_detect_get(i)->hs_flags;
		ids[i] = i;
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_STREAM, NULL, &db,
			     &err) != HS_SUCCESS) {
		fprintf(stderr, "hs_compile_multi: %s\n", err->message);
		hs_free_compile_error(err);
		return -1;
	}
	return hs_alloc_scratch(db, &scratch) == HS_SUCCESS ? 0 : -1;
}

int
main(void)
{
	RUN(registry_find_count_get);
	RUN(detector_fields_and_window_bound);
	RUN(patterns_compile_streaming_without_som);
	RUN(luhn_validator);
	RUN(ssn_validator);
	RUN(hold_table);
	RUN(confirm_full_window_unknown_start);
	RUN(confirm_rejects_unterminated_window);
	if (db_build() < 0) {
		CHECK(false);
		TEST_END();
	}
	RUN(scan_table);
	RUN(two_grouped_cards_one_space_apart);
	RUN(card_max_len_separator_after_every_digit);
	RUN(hold_covers_every_confirmed_value);
	RUN(hold_covers_random_streams);
	hs_free_scratch(scratch);
	hs_free_database(db);
	TEST_END();
}
