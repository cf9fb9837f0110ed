/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telephone numbers, two families:
 *
 *   E.164   '+' then 8..15 digits, single spaces, dots or dashes allowed
 *           between digits: "+4915112345678", "+44 20 7946 0958"
 *   NANP    (NXX) NXX-XXXX, (NXX)NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX
 *           with N = 2..9 (area code and exchange), optionally after a
 *           country prefix "1", "+1" or "001" and one separator, which
 *           stays in clear: "1-800-555-0199" masks "800-555-0199"
 *
 * A number is never cut out of a longer number: an E.164 run of more
 * than 15 digits is none, and a NANP value after a digit (other than
 * the country prefix), a letter or a '+' is none. So a 16-digit card is
 * never a phone number, and (see detect_card.c) 13..15 digits after a
 * '+' are never a card. A NANP value may be followed by a letter (an
 * extension: "555-123-4567x89").
 *
 * Trigger, one expression for both families:
 *   E.164: '+' and the digits, then a byte that is not a digit nor a
 *          separator, or a separator and a non-digit;
 *   NANP:  the shape, then a byte that is not a digit, '.' or '-', or
 *          '.' or '-' and a non-digit.
 * The two end forms differ for a space: "555-123-4567 x" ends the NANP
 * form at the space and the E.164 form one byte later. Confirm tells
 * from the end which forms may have fired, tries E.164 first, and
 * leaves "+1" followed by a NANP shape to the NANP form (so that each
 * number is reported once).
 *
 * min_chars counts digits: 8 (the shortest E.164 number; NANP has 10).
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

#define E164_MIN 8
#define E164_MAX 15
#define NANP_LEN 12 /* NXX-NXX-XXXX */

/* N: 2..9, d: a digit, anything else stands for itself. */
static const char *const nanp_shapes[] = {
	"(Ndd) Ndd-dddd",
	"(Ndd)Ndd-dddd",
	"Ndd-Ndd-dddd",
	"Ndd.Ndd.dddd",
};

static bool
phone_is_sep(uint8_t c)
{
	return c == ' ' || c == '.' || c == '-';
}

/* Do the @n bytes at @p follow the first @n bytes of @shape? */
static bool
shape_match(const char *shape, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char sc = shape[i];
		bool ok;

		if (sc == 'N')
			ok = p[i] >= '2' && p[i] <= '9';
		else if (sc == 'd')
			ok = wm_is_digit(p[i]);
		else
			ok = sc != '\0' && p[i] == (uint8_t)sc;
		if (!ok)
			return false;
	}
	return true;
}

/*
 * May a NANP value start at win[s]? Before it: a byte no number
 * continues (not a digit, a letter or '+'), a separator after anything
 * but a digit, or a country prefix ("1", "+1", "001", then at most one
 * separator) after such a byte.
 */
static bool
nanp_start_ok(const uint8_t *win, size_t s, size_t len)
{
	size_t t = s;
	uint8_t b;

	if (s == 0)
		return wm_win_at_stream_start(len);
	b = win[s - 1];
	if (phone_is_sep(b)) {
		if (--t == 0 || !wm_is_digit(win[t - 1]))
			return true;
		b = win[t - 1];
	} else if (!wm_is_alnum(b) && b != '+') {
		return true;
	}
	if (b != '1')
		return false;
	t--;
	if (t > 0 && win[t - 1] == '+')
		t--;
	else if (t > 1 && win[t - 1] == '0' && win[t - 2] == '0')
		t -= 2;
	if (t == 0)
		return wm_win_at_stream_start(len);
	return !wm_is_alnum(win[t - 1]) && win[t - 1] != '+';
}

/* A NANP value ending at win[q]: its start in *start. */
static bool
nanp_find(const uint8_t *win, size_t len, size_t q, size_t *start)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(nanp_shapes); i++) {
		size_t n = strlen(nanp_shapes[i]);

		if (q + 1 < n)
			continue;
		if (shape_match(nanp_shapes[i], win + q + 1 - n, n) &&
		    nanp_start_ok(win, q + 1 - n, len)) {
			*start = q + 1 - n;
			return true;
		}
	}
	return false;
}

/* The digit before win[p] in the same run (one separator may sit
 * between), or SIZE_MAX. */
static size_t
e164_prev_digit(const uint8_t *b, size_t p)
{
	if (p >= 1 && wm_is_digit(b[p - 1]))
		return p - 1;
	if (p >= 2 && phone_is_sep(b[p - 1]) && wm_is_digit(b[p - 2]))
		return p - 2;
	return SIZE_MAX;
}

/*
 * First digit of the run ending at b[q] and its digit count (counting
 * stops past E164_MAX + 1).
 */
static size_t
e164_run(const uint8_t *b, size_t q, unsigned int *n)
{
	size_t p = q, prev;

	*n = 1;
	while ((prev = e164_prev_digit(b, p)) != SIZE_MAX && *n <= E164_MAX) {
		p = prev;
		(*n)++;
	}
	return p;
}

/* An E.164 value ending at win[q]: the '+' in *start. */
static bool
e164_find(const uint8_t *win, size_t len, size_t q, size_t *start)
{
	unsigned int n;
	size_t p = e164_run(win, q, &n), plus, r;

	if (n < E164_MIN || n > E164_MAX || p == 0 || win[p - 1] != '+')
		return false;
	plus = p - 1;
	if (plus == 0 ? !wm_win_at_stream_start(len)
		      : wm_is_alnum(win[plus - 1]) || win[plus - 1] == '+')
		return false;
	/* "+1" and a NANP shape: the NANP form reports it. */
	r = p + 1 + (phone_is_sep(win[p + 1]) ? 1 : 0);
	if (n == 11 && win[p] == '1' && q + 1 - r == NANP_LEN &&
	    (shape_match(nanp_shapes[2], win + r, NANP_LEN) ||
	     shape_match(nanp_shapes[3], win + r, NANP_LEN)))
		return false;
	*start = plus;
	return true;
}

static bool
phone_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	      struct wm_span *span)
{
	bool e164_ok, nanp_ok;
	size_t q, start;

	(void)d;
	if (len < E164_MIN + 2)
		return false;
	if (wm_is_digit(win[len - 2])) {
		uint8_t t = win[len - 1];

		q = len - 2;
		if (wm_is_digit(t))
			return false;
		e164_ok = !phone_is_sep(t);
		nanp_ok = t != '.' && t != '-';
	} else if (phone_is_sep(win[len - 2]) && wm_is_digit(win[len - 3]) &&
		   !wm_is_digit(win[len - 1])) {
		q = len - 3;
		e164_ok = true;
		nanp_ok = win[len - 2] != ' ';
	} else {
		return false;
	}
	if (!(e164_ok && e164_find(win, len, q, &start)) &&
	    !(nanp_ok && nanp_find(win, len, q, &start)))
		return false;
	span->start = (uint16_t)start;
	span->end = (uint16_t)(q + 1);
	return true;
}

/* E.164 in progress: '+', digits, maybe a trailing separator. */
static size_t
e164_hold(const uint8_t *tail, size_t len)
{
	unsigned int n;
	size_t p, e = len;

	if (len == 0)
		return 0;
	if (tail[len - 1] == '+')
		return 1;
	if (phone_is_sep(tail[e - 1]))
		e--;
	if (e == 0 || !wm_is_digit(tail[e - 1]))
		return 0;
	p = e164_run(tail, e - 1, &n);
	if (n > E164_MAX || p == 0 || tail[p - 1] != '+')
		return 0;
	return len - (p - 1);
}

/*
 * NANP in progress: the tail ends in a prefix of a shape, or in a whole
 * shape and the '.' or '-' that may begin a two-byte terminator. Only a
 * digit other than a country prefix's '1' rules a start out here.
 */
static size_t
nanp_hold(const uint8_t *tail, size_t len)
{
	size_t best = 0;

	for (size_t i = 0; i < WM_ARRAY_SIZE(nanp_shapes); i++) {
		const char *sh = nanp_shapes[i];
		size_t n = strlen(sh), k = WM_MIN(n + 1, len);

		for (; k > best; k--) {
			size_t s = len - k, m = WM_MIN(k, n);

			if (k == n + 1 && tail[len - 1] != '.' &&
			    tail[len - 1] != '-')
				continue;
			if (shape_match(sh, tail + s, m) &&
			    (s == 0 || tail[s - 1] == '1' ||
			     !wm_is_digit(tail[s - 1]))) {
				best = k;
				break;
			}
		}
	}
	return best;
}

static size_t
phone_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	(void)d;
	return WM_MAX(e164_hold(tail, len), nanp_hold(tail, len));
}

const struct wm_detector wm_detector_phone = {
	.name = "phone",
	.pattern = "\\+[0-9](?:[ .\\-]?[0-9]){7,14}"
		   "(?:[^0-9 .\\-]|[ .\\-][^0-9])"
		   "|(?:\\([2-9][0-9]{2}\\) ?[2-9][0-9]{2}-"
		   "|[2-9][0-9]{2}-[2-9][0-9]{2}-"
		   "|[2-9][0-9]{2}\\.[2-9][0-9]{2}\\.)[0-9]{4}"
		   "(?:[^0-9.\\-]|[.\\-][^0-9])",
	.hs_flags = 0,
	.max_len = WM_PHONE_MAX_LEN,
	.separators = " -.()+",
	.min_chars = E164_MIN,
	.classes = "0-9 ().+-",
	.hold = phone_hold,
	.confirm = phone_confirm,
};
