/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 addresses in dotted-quad form: four octets 0..255 split by single
 * dots, no leading zero (but "0" itself). Not part of a longer dotted
 * run (a version "1.2.3.4.5", a host name "10.0.0.1.nip.io") nor glued
 * to a letter or digit; not the IPv4 tail of an IPv6 address (that is
 * ipv6's). A dot after the address is punctuation ("at 10.0.0.1.").
 *
 * Trigger: four groups of 1..3 digits, then a byte that is not a
 * letter, digit or dot, or a dot and a byte that is not a letter or a
 * digit. Confirm walks back four groups from the last digit.
 *
 * min_chars counts digits: 4.
 */
#include "wm_detect.h"
#include "detect_priv.h"

/* 1..3 digits, 0..255, no leading zero. */
static bool
v4_octet_ok(const uint8_t *p, size_t n)
{
	unsigned int v = 0;

	if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned int)(p[i] - '0');
	return v <= 255;
}

size_t
wm_ipv4_back(const uint8_t *b, size_t q)
{
	size_t e = q + 1;

	for (int g = 0; g < 4; g++) {
		size_t n = 0;

		while (n < 3 && n < e && wm_is_digit(b[e - 1 - n]))
			n++;
		if (!v4_octet_ok(b + e - n, n))
			return SIZE_MAX;
		e -= n;
		if (g == 3)
			break;
		if (e == 0 || b[e - 1] != '.')
			return SIZE_MAX;
		e--;
	}
	return e;
}

static bool
ipv4_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	     struct wm_span *span)
{
	size_t q, s;
	uint8_t t = len > 0 ? win[len - 1] : 0;

	(void)d;
	if (len < 8 || wm_is_alnum(t))
		return false;
	if (wm_is_digit(win[len - 2]) && t != '.')
		q = len - 2;
	else if (win[len - 2] == '.' && wm_is_digit(win[len - 3]))
		q = len - 3;
	else
		return false;
	s = wm_ipv4_back(win, q);
	if (s == SIZE_MAX)
		return false;
	if (s == 0) {
		if (!wm_win_at_stream_start(len))
			return false;
	} else if (wm_is_alnum(win[s - 1]) || win[s - 1] == '.' ||
		   (win[s - 1] == ':' && s >= 2 &&
		    (wm_is_hex(win[s - 2]) || win[s - 2] == ':'))) {
		return false;
	}
	span->start = (uint16_t)s;
	span->end = (uint16_t)(q + 1);
	return true;
}

static bool
v4_char(uint8_t c)
{
	return wm_is_digit(c) || c == '.';
}

/*
 * The tail ends in a dotted run that may still become (or has just
 * become) a quad: groups of 1..3 digits, single dots, at most four
 * groups, a dot at the end allowed (the next group, or the two-byte
 * terminator's first byte).
 */
static size_t
ipv4_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t n = wm_run_back(tail, len, v4_char, WM_IPV4_MAX_LEN + 2);
	size_t s = len - n, digits = 0;
	unsigned int groups = 1;

	(void)d;
	if (n == 0 || n > WM_IPV4_MAX_LEN + 1 || tail[s] == '.')
		return 0;
	if (s > 0 && wm_is_alnum(tail[s - 1]))
		return 0;
	for (size_t i = s; i < len; i++) {
		if (tail[i] != '.') {
			if (++digits > 3)
				return 0;
			continue;
		}
		if (digits == 0)
			return 0;
		digits = 0;
		if (i + 1 < len && ++groups > 4)
			return 0;
	}
	return n;
}

const struct wm_detector wm_detector_ipv4 = {
	.name = "ipv4",
	.pattern = "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"
		   "(?:[^0-9A-Za-z.]|\\.[^0-9A-Za-z])",
	.hs_flags = 0,
	.max_len = WM_IPV4_MAX_LEN,
	.separators = ".",
	.min_chars = 4,
	.classes = "0-9.",
	.hold = ipv4_hold,
	.confirm = ipv4_confirm,
};
