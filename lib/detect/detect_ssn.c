/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * US Social Security numbers written ddd-dd-dddd.
 *
 * A value is not cut out of a longer dashed digit chain on its left:
 * the byte before it is not a digit and not a dash that follows a digit
 * ("1-123-45-6789" is not an SSN). After it comes any non-digit, which
 * is the trigger's one-byte terminator. Confirm checks the byte before
 * and the SSA rules (which also refuse the numbers known from advertising
 * and samples, see wm_detect_ssn_valid()). min_chars counts digits: 9.
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

/* The value's bytes: 'd' is a digit. */
static const char ssn_shape[WM_SSN_MAX_LEN + 1] = "ddd-dd-dddd";

/* Do the @n bytes at @p follow the shape (a prefix of it)? */
static bool
ssn_shape_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool digit = ssn_shape[i] == 'd';

		if (digit ? !wm_is_digit(p[i]) : p[i] != '-')
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

static bool
ssn_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	    struct wm_span *span)
{
	uint8_t digits[9];
	size_t end, s;

	(void)d;
	if (len < WM_SSN_MAX_LEN + 1)
		return false;
	/* The value ends before the one-byte terminator. */
	end = len - 1;
	if (wm_is_digit(win[end]))
		return false;
	s = end - WM_SSN_MAX_LEN;
	if (!ssn_shape_ok(win + s, WM_SSN_MAX_LEN) ||
	    !ssn_start_ok(win, s, wm_win_at_stream_start(len)))
		return false;
	memcpy(digits, win + s, 3);
	memcpy(digits + 3, win + s + 4, 2);
	memcpy(digits + 5, win + s + 7, 4);
	if (!wm_detect_ssn_valid(digits))
		return false;
	span->start = (uint16_t)s;
	span->end = (uint16_t)end;
	return true;
}

/* The earliest start whose bytes up to the tail end fit the shape. */
static size_t
ssn_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t s = len > WM_SSN_MAX_LEN ? len - WM_SSN_MAX_LEN : 0;

	(void)d;
	for (; s < len; s++)
		if (ssn_shape_ok(tail + s, len - s) &&
		    ssn_start_ok(tail, s, true))
			return len - s;
	return 0;
}

const struct wm_detector wm_detector_ssn = {
	.name = "ssn",
	.pattern = "[0-9]{3}-[0-9]{2}-[0-9]{4}[^0-9]",
	.hs_flags = 0,
	.max_len = WM_SSN_MAX_LEN,
	.separators = "-",
	.min_chars = 9,
	.classes = "0-9-",
	.hold = ssn_hold,
	.confirm = ssn_confirm,
};
