/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AWS access key ids: "AKIA" (long-term) or "ASIA" (temporary) and 16
 * characters of AWS's base32 alphabet [A-Z2-7], as a word: no letter,
 * digit or '_' glued on either side. (A made-up id with 0, 1, 8 or 9 in
 * it, as some scanner fixtures use, is not one.)
 *
 * Trigger: the 20 characters and one byte that is not a word byte.
 *
 * min_chars counts letters and digits: 20.
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

#define AWS_PREFIX_LEN 4

static bool
aws_char(uint8_t c)
{
	return wm_is_upper(c) || (c >= '2' && c <= '7');
}

/* Could the @n bytes at @p begin a key id? */
static bool
aws_prefix_ok(const uint8_t *p, size_t n)
{
	size_t k = WM_MIN(n, (size_t)AWS_PREFIX_LEN);

	if (memcmp(p, "AKIA", k) != 0 && memcmp(p, "ASIA", k) != 0)
		return false;
	for (size_t i = k; i < n; i++)
		if (!aws_char(p[i]))
			return false;
	return true;
}

static bool
aws_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	    struct wm_span *span)
{
	size_t s;

	(void)d;
	if (len < WM_AWS_KEY_LEN + 1 || wm_is_word(win[len - 1]))
		return false;
	s = len - 1 - WM_AWS_KEY_LEN;
	if (!aws_prefix_ok(win + s, WM_AWS_KEY_LEN))
		return false;
	if (s == 0 ? !wm_win_at_stream_start(len) : wm_is_word(win[s - 1]))
		return false;
	span->start = (uint16_t)s;
	span->end = (uint16_t)(len - 1);
	return true;
}

/* The longest suffix that may begin a key id at a word boundary. */
static size_t
aws_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	(void)d;
	for (size_t n = WM_MIN(len, (size_t)WM_AWS_KEY_LEN); n > 0; n--) {
		size_t p = len - n;

		if ((p == 0 || !wm_is_word(tail[p - 1])) &&
		    aws_prefix_ok(tail + p, n))
			return n;
	}
	return 0;
}

const struct wm_detector wm_detector_aws_access_key = {
	.name = "aws_access_key",
	.pattern = "(?:AKIA|ASIA)[A-Z2-7]{16}[^A-Za-z0-9_]",
	.hs_flags = 0,
	.max_len = WM_AWS_KEY_LEN,
	.separators = "",
	.min_chars = WM_AWS_KEY_LEN,
	.classes = "A-Z2-7",
	.hold = aws_hold,
	.confirm = aws_confirm,
};
