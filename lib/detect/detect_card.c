/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Card numbers (PAN): 13..19 digits of a known brand, Luhn-valid,
 * written plain or in groups split by single spaces or dashes (4-4-4-4,
 * 4-6-5, ...). Brands by leading digits (IIN) and length:
 *
 *   Visa        4                                  13, 16, 19
 *   Mastercard  51-55, 2221-2720                   16
 *   Amex        34, 37                             15
 *   Discover    6011, 644-649, 65, 622126-622925   16-19
 *   JCB         3528-3589                          16-19
 *   Diners      300-305, 36, 38-39                 14-19
 *   UnionPay    62                                 16-19
 *
 * A Luhn-valid run outside these (a dashed timestamp, "ps" columns, an
 * id) is not a card. min_chars counts digits: 13.
 *
 * Trigger: 13..19 digits (single separators allowed) and a terminator,
 * either one byte that is neither a digit nor a separator, or a
 * separator and any byte. The second form also fires at every group
 * boundary of a longer grouped run, so "<card> <cvv>" or two cards one
 * space apart each get a final report for their own last digit:
 *
 *     "4111 1111 1111 1111 123"}
 *                         ^^ fires here (value may end before ' ')
 *                             ^^ and here (run ends before '"')
 *
 * Confirm: from the value's last digit, walk back over the run. A value
 * may start only at a digit that follows a non-digit (a separator, any
 * other byte, or the stream start): a card is never cut out of a longer
 * plain digit run. After a '+', 13..15 digits are an international phone
 * number (E.164 has at most 15 digits), not a card. Of the starts with
 * 13..19 digits, the longest Luhn-valid one of a brand wins.
 *
 * Nor is a card taken out of an identifier: no card in a grouped run
 * that is glued to a letter ("a434-6405899702d0" in a UUID, the BBAN of
 * "ES41 4300 6096 0528 7769 9035") or that follows a separator after a
 * token of letters and digits ("1Z 626 853 00 4461 590 4", a UPS
 * number), and none followed by a letter. Only the WM_DETECT_LOOKBACK
 * bytes before the value say so, what every history holds: a run that
 * began further back (a list of cards after a long number) shows no
 * identifier, and its cards are masked however the stream was cut.
 * (The independent check tests/e2e/check_masking.py knows neither
 * brands nor these rules: no e2e or corpus capture holds such a run of
 * a brand, see BENCHMARKS-detect.md.)
 */
#include "wm_detect.h"
#include "detect_priv.h"

#define CARD_NONE SIZE_MAX
#define E164_DIGITS_MAX 15

/* Lengths as a bit set: bit n for n digits. */
#define LEN(n) (1u << (n))
#define LEN_16_19 (LEN(16) | LEN(17) | LEN(18) | LEN(19))
#define LEN_14_19 (LEN(14) | LEN(15) | LEN_16_19)

/* A range of the first @k digits, and the lengths allowed there. */
struct card_brand {
	uint32_t lo, hi;
	uint8_t k;
	uint32_t lens;
};

static const struct card_brand card_brands[] = {
	{ 4, 4, 1, LEN(13) | LEN(16) | LEN(19) },       /* Visa */
	{ 51, 55, 2, LEN(16) },                          /* Mastercard */
	{ 2221, 2720, 4, LEN(16) },                      /* Mastercard */
	{ 34, 34, 2, LEN(15) },                          /* Amex */
	{ 37, 37, 2, LEN(15) },                          /* Amex */
	{ 6011, 6011, 4, LEN_16_19 },                    /* Discover */
	{ 644, 649, 3, LEN_16_19 },                      /* Discover */
	{ 65, 65, 2, LEN_16_19 },                        /* Discover */
	{ 622126, 622925, 6, LEN_16_19 },                /* Discover */
	{ 3528, 3589, 4, LEN_16_19 },                    /* JCB */
	{ 300, 305, 3, LEN_14_19 },                      /* Diners */
	{ 36, 36, 2, LEN_14_19 },                        /* Diners */
	{ 38, 39, 2, LEN_14_19 },                        /* Diners */
	{ 62, 62, 2, LEN_16_19 },                        /* UnionPay */
};

/*
 * Is a card of @n digits whose digits, read from the last, are rev[0..n)
 * of a known brand?
 */
static bool
card_brand_ok(const uint8_t *rev, unsigned int n)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(card_brands); i++) {
		const struct card_brand *b = &card_brands[i];
		uint32_t v = 0;

		if (!(b->lens & LEN(n)))
			continue;
		for (unsigned int j = 0; j < b->k; j++)
			v = v * 10 + (uint32_t)(rev[n - 1 - j] - '0');
		if (v >= b->lo && v <= b->hi)
			return true;
	}
	return false;
}

static bool
card_is_sep(uint8_t c)
{
	return c == ' ' || c == '-';
}

/* The digit before win[p] in the same run (one separator may sit
 * between them), or CARD_NONE where the run begins. */
static inline size_t
card_prev_digit(const uint8_t *win, size_t p)
{
	if (p >= 1 && wm_is_digit(win[p - 1]))
		return p - 1;
	if (p >= 2 && card_is_sep(win[p - 1]) && wm_is_digit(win[p - 2]))
		return p - 2;
	return CARD_NONE;
}

/*
 * Is the grouped run that holds a value starting at win[s] part of an
 * identifier: glued to a letter, or after a separator that follows a
 * token holding letters and digits? Read no further back than
 * WM_DETECT_LOOKBACK bytes before the value: the stream's tail always
 * holds them, so the answer never depends on where the history was cut
 * (fuzz: stream-card-run-depends-on-segmentation,
 * stream-card-after-long-digit-run-depends-on-segmentation). A run or a
 * token reaching past them is seen as far as they go; a run's first
 * digit out of sight is no identifier.
 */
static bool
card_run_in_id(const uint8_t *win, size_t s)
{
	size_t lo = s > WM_DETECT_LOOKBACK ? s - WM_DETECT_LOOKBACK : 0;
	const uint8_t *b = win + lo; /* all that is read */
	size_t p = s - lo, i;
	bool alpha = false, digit = false;

	while (card_prev_digit(b, p) != CARD_NONE)
		p = card_prev_digit(b, p);
	if (p == 0)
		return false;
	if (wm_is_alpha(b[p - 1]))
		return true;
	if (!card_is_sep(b[p - 1]))
		return false;
	for (i = p - 1; i > 0 && wm_is_alnum(b[i - 1]); i--) {
		alpha |= wm_is_alpha(b[i - 1]);
		digit |= wm_is_digit(b[i - 1]);
	}
	return alpha && digit;
}

/* May a card of @n digits start at the digit win[p]? */
static bool
card_start_ok(const uint8_t *win, size_t p, size_t len, unsigned int n)
{
	if (p == 0)
		return wm_win_at_stream_start(len);
	if (win[p - 1] == '+')
		return n > E164_DIGITS_MAX;
	return !wm_is_digit(win[p - 1]);
}

static bool
card_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	     struct wm_span *span)
{
	uint8_t rev[WM_CARD_DIGITS_MAX];
	size_t q, p, best = CARD_NONE;
	unsigned int sum = 0, n = 0;

	(void)d;
	if (len < WM_CARD_DIGITS_MIN + 1)
		return false;
	/* Last digit: before a one-byte terminator, or before a separator. */
	q = wm_is_digit(win[len - 2]) ? len - 2 : len - 3;
	if (!wm_is_digit(win[q]) || wm_is_digit(win[q + 1]) ||
	    wm_is_alpha(win[q + 1]))
		return false;
	/* The Luhn sum grows from the check digit leftwards: one pass. */
	for (p = q; p != CARD_NONE && n < WM_CARD_DIGITS_MAX;
	     p = card_prev_digit(win, p)) {
		rev[n] = win[p];
		sum += wm_luhn_term(win[p] - '0', n++);
		if (n >= WM_CARD_DIGITS_MIN && sum % 10 == 0 &&
		    card_start_ok(win, p, len, n) && card_brand_ok(rev, n))
			best = p;
	}
	if (best == CARD_NONE || card_run_in_id(win, best))
		return false;
	span->start = (uint16_t)best;
	span->end = (uint16_t)(q + 1);
	return true;
}

/*
 * A value not yet reported ends at the last digit of the tail (more
 * digits may follow) or just before a trailing separator (the second
 * terminator byte has not arrived): up to WM_CARD_MAX_LEN + 1 bytes.
 * Hold from the earliest possible start that leaves at most 19 digits
 * to the end.
 */
static size_t
card_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t p, start = len;
	unsigned int n = 0;

	(void)d;
	if (len == 0)
		return 0;
	p = len - 1;
	if (card_is_sep(tail[p]) && p > 0)
		p--;
	if (!wm_is_digit(tail[p]))
		return 0;
	for (; p != CARD_NONE && n < WM_CARD_DIGITS_MAX;
	     p = card_prev_digit(tail, p)) {
		n++;
		/* tail[0]: what preceded it is unknown, assume a boundary. */
		if (p == 0 || !wm_is_digit(tail[p - 1]))
			start = p;
	}
	return len - start;
}

const struct wm_detector wm_detector_card = {
	.name = "card",
	.pattern = "[0-9](?:[ \\-]?[0-9]){12,18}"
		   "(?:[^0-9 \\-]|[ \\-][\\x00-\\xff])",
	.hs_flags = 0,
	.max_len = WM_CARD_MAX_LEN,
	.separators = " -",
	.min_chars = WM_CARD_DIGITS_MIN,
	.classes = "0-9 -",
	.hold = card_hold,
	.confirm = card_confirm,
};
