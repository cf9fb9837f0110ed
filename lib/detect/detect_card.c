/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Card numbers (PAN): 13..19 digits, Luhn-valid, written plain or in
 * groups split by single spaces or dashes (4-4-4-4, 4-6-5, ...). No
 * issuer (IIN) or group-size rule: whatever Luhn accepts is masked, as
 * the independent leak check (shared/tools/verify-masking) expects.
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
 * plain digit run. Of the starts with 13..19 digits, the longest
 * Luhn-valid one wins.
 */
#include "wm_detect.h"
#include "detect_priv.h"

#define CARD_NONE SIZE_MAX

static bool
card_is_sep(uint8_t c)
{
	return c == ' ' || c == '-';
}

/* The digit before win[p] in the same run (one separator may sit
 * between them), or CARD_NONE where the run begins. */
static size_t
card_prev_digit(const uint8_t *win, size_t p)
{
	if (p >= 1 && wm_is_digit(win[p - 1]))
		return p - 1;
	if (p >= 2 && card_is_sep(win[p - 1]) && wm_is_digit(win[p - 2]))
		return p - 2;
	return CARD_NONE;
}

/* May a card start at the digit win[p]? */
static bool
card_start_ok(const uint8_t *win, size_t p, size_t len)
{
	if (p == 0)
		return wm_win_at_stream_start(len);
	return !wm_is_digit(win[p - 1]);
}

static bool
card_confirm(const uint8_t *win, size_t len, struct wm_span *span)
{
	size_t q, p, best = CARD_NONE;
	unsigned int sum = 0, n = 0;

	if (len < WM_CARD_DIGITS_MIN + 1)
		return false;
	/* Last digit: before a one-byte terminator, or before a separator. */
	q = wm_is_digit(win[len - 2]) ? len - 2 : len - 3;
	if (!wm_is_digit(win[q]) || wm_is_digit(win[q + 1]))
		return false;
	/* The Luhn sum grows from the check digit leftwards: one pass. */
	for (p = q; p != CARD_NONE && n < WM_CARD_DIGITS_MAX;
	     p = card_prev_digit(win, p)) {
		sum += wm_luhn_term(win[p] - '0', n++);
		if (n >= WM_CARD_DIGITS_MIN && sum % 10 == 0 &&
		    card_start_ok(win, p, len))
			best = p;
	}
	if (best == CARD_NONE)
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
card_hold(const uint8_t *tail, size_t len)
{
	size_t p, start = len;
	unsigned int n = 0;

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
	.hold = card_hold,
	.confirm = card_confirm,
};
