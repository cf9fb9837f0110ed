/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * US Social Security numbers written ddd-dd-dddd, and, after a context
 * word (default "ssn", "social security", "ss#", at most 32 bytes
 * before), written ddddddddd or ddd dd dddd: nine digits alone are an
 * order number as often as an SSN, the key that names them is not
 * ("ssn": "536228726", "Social Security No. 536 22 8726").
 *
 * A value is not cut out of a longer dashed digit chain on its left:
 * the byte before it is not a digit and not a dash that follows a digit
 * ("1-123-45-6789" is not an SSN). After it comes any non-digit, which
 * is the trigger's one-byte terminator. Confirm checks the byte before
 * and the SSA rules (which also refuse the numbers known from advertising
 * and samples, see wm_detect_ssn_valid()). min_chars counts digits: 9.
 */

#include "wm_detect.h"
#include "detect_priv.h"

/* The value's bytes: 'd' is a digit. The first needs no context. */
#define SSN_DASHED "ddd-dd-dddd"
#define SSN_BARE "ddddddddd"
#define SSN_SPACED "ddd dd dddd"

static const char *const ssn_shapes[] = { SSN_DASHED, SSN_BARE, SSN_SPACED };
static const uint8_t ssn_shape_len[] = {
	sizeof(SSN_DASHED) - 1, sizeof(SSN_BARE) - 1, sizeof(SSN_SPACED) - 1,
};
_Static_assert(WM_ARRAY_SIZE(ssn_shape_len) == WM_ARRAY_SIZE(ssn_shapes),
	       "a length per shape");

static const struct wm_detect_params ssn_defaults = {
	.ncontext = 3,
	.context = { "ssn", "social security", "ss#" },
	.context_bytes = 32,
};

/* Do the @n bytes at @p follow @shape (a prefix of it)? */
static bool
ssn_shape_ok(const char *shape, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool digit = shape[i] == 'd';

		if (shape[i] == '\0' ||
		    (digit ? !wm_is_digit(p[i]) : p[i] != (uint8_t)shape[i]))
			return false;
	}
	return true;
}

/*
 * May a value start at buf[s]? At buf[0], or at buf[1] after a dash,
 * what came before is unknown: @unknown_ok says how to take it.
 */
static bool
ssn_start_ok(const uint8_t *buf, size_t s, bool unknown_ok)
{
	/*
	 * Only a digit right before disqualifies (the value would be part
	 * of a longer number). "1-123-45-6789" is masked: a list index or a
	 * prefix glued by a dash is no reason to let an SSN through.
	 */
	if (s == 0)
		return unknown_ok;
	return !wm_is_digit(buf[s - 1]);
}

/*
 * May shape @k start at buf[s]? The bare forms also need a context
 * word before and no letter glued on ("ID536228726").
 */
static bool
ssn_form_ok(const struct wm_detector *d, size_t k, const uint8_t *buf,
	    size_t s, bool unknown_ok)
{
	if (!ssn_start_ok(buf, s, unknown_ok))
		return false;
	if (k == 0)
		return true;
	return (s == 0 || !wm_is_alpha(buf[s - 1])) &&
	       wm_context_before(wm_params(d, &wm_ssn_spec), buf, s);
}

static bool
ssn_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	    struct wm_span *span)
{
	uint8_t digits[9];
	size_t end, s, n, o;

	if (len < 10)
		return false;
	/* The value ends before the one-byte terminator. */
	end = len - 1;
	if (wm_is_digit(win[end]))
		return false;
	for (size_t k = 0; k < WM_ARRAY_SIZE(ssn_shapes); k++) {
		n = ssn_shape_len[k];
		if (end < n)
			continue;
		s = end - n;
		if (!ssn_shape_ok(ssn_shapes[k], win + s, n) ||
		    !ssn_form_ok(d, k, win, s, wm_win_at_stream_start(len)))
			continue;
		o = 0;
		for (size_t i = s; i < end; i++)
			if (wm_is_digit(win[i]))
				digits[o++] = win[i];
		if (!wm_detect_ssn_valid(digits))
			return false;
		span->start = (uint16_t)s;
		span->end = (uint16_t)end;
		return true;
	}
	return false;
}

/*
 * The earliest start whose bytes up to the tail end fit a shape (a bare
 * form only after a context word: the tail holds the bytes before).
 */
static size_t
ssn_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t s = len > WM_SSN_MAX_LEN ? len - WM_SSN_MAX_LEN : 0;
	uint8_t last;

	/*
	 * Every shape is made of digits, '-' and ' ': a tail ending in
	 * anything else ends no prefix of one (most tails: this runs at
	 * the end of every packet).
	 */
	if (len == 0)
		return 0;
	last = tail[len - 1];
	if (!wm_is_digit(last) && last != '-' && last != ' ')
		return 0;
	for (; s < len; s++) {
		/* Every shape starts with a digit after a non-digit. */
		if (!wm_is_digit(tail[s]) || (s > 0 && wm_is_digit(tail[s - 1])))
			continue;
		for (size_t k = 0; k < WM_ARRAY_SIZE(ssn_shapes); k++)
			if (len - s <= ssn_shape_len[k] &&
			    ssn_shape_ok(ssn_shapes[k], tail + s, len - s) &&
			    ssn_form_ok(d, k, tail, s, true))
				return len - s;
	}
	return 0;
}

#define SSN_BASE "[0-9]{3}-[0-9]{2}-[0-9]{4}[^0-9]"
#define SSN_AFTER "[0-9]{3} ?[0-9]{2} ?[0-9]{4}[^0-9]"

const struct wm_detector wm_detector_ssn = {
	.name = "ssn",
	/* wm_context_pattern() of the defaults (test_detect checks). */
	.pattern = SSN_BASE "|(?i:ssn|social\\ security|ss\\#)"
		   "\\w{0,16}[^0-9]{0,32}" SSN_AFTER,
	.hs_flags = 0,
	.max_len = WM_SSN_MAX_LEN,
	.separators = "- ",
	.min_chars = 9,
	.classes = "0-9 -",
	.hold = ssn_hold,
	.confirm = ssn_confirm,
};

const struct wm_detect_spec wm_ssn_spec = {
	.d = &wm_detector_ssn,
	.takes = WM_DETECT_TAKES_CONTEXT,
	.defaults = &ssn_defaults,
	.base = SSN_BASE,
	.after = SSN_AFTER,
};
