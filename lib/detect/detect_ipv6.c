/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 addresses in RFC 4291 text form: eight groups of 1..4 hex digits
 * split by ':', or fewer around one "::" (at most seven then), the last
 * two groups optionally written as a dotted quad ("::ffff:192.0.2.1").
 * Either case. An address needs two groups at least ("fe80::1", not
 * "::1" or "3::", which random binary bytes spell too often) and text
 * around it: the bytes before and after are printable ASCII or
 * whitespace (a gzip body is not searched for addresses). The address
 * is the whole run of hex digits, ':' and '.' between bytes that are not
 * letters or digits (so "12:34:56", a MAC address or a 9-group run are
 * not addresses, and none is cut out of a longer run); a '.' after it
 * is punctuation. A zone ("fe80::1%eth0") is left out.
 *
 * Trigger: ':', up to 4 hex digits or dots, ':', up to 41 more address
 * bytes, then a byte that is not a letter, digit, ':' or '.', or a '.'
 * and a byte that is not a letter or digit. The trigger needs two colons
 * and fires at the run's end; confirm walks back over the whole run.
 *
 * min_chars counts hex digits: 2 ("1::2").
 */
#include "wm_detect.h"
#include "detect_priv.h"

#define V6_GROUPS_MIN 2

/* Printable ASCII or whitespace: text around a textual address. */
static bool
v6_text(uint8_t c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

static bool
v6_char(uint8_t c)
{
	return wm_is_hex(c) || c == ':' || c == '.';
}

/* Are the @n bytes at @s exactly a dotted quad? */
static bool
v4_exact(const uint8_t *s, size_t n)
{
	return n > 0 && wm_is_digit(s[n - 1]) && wm_ipv4_back(s, n - 1) == 0;
}

/* Are the @n bytes at @s one IPv6 address? */
static bool
v6_valid(const uint8_t *s, size_t n)
{
	unsigned int groups = 0;
	bool dbl = false;
	size_t i = 0;

	if (n < 3 || n > WM_IPV6_MAX_LEN)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		dbl = true;
		i = 2;
	}
	for (;;) {
		size_t k = 0;

		while (i + k < n && k < 5 && wm_is_hex(s[i + k]))
			k++;
		if (i + k < n && s[i + k] == '.') {
			if (!v4_exact(s + i, n - i))
				return false;
			groups += 2;
			break;
		}
		if (k == 0 || k > 4)
			return false;
		groups++;
		i += k;
		if (i == n)
			break;
		if (s[i] != ':' || ++i == n)
			return false;
		if (s[i] == ':') {
			if (dbl)
				return false;
			dbl = true;
			if (++i == n)
				break;
		}
	}
	if (groups < V6_GROUPS_MIN)
		return false;
	return dbl ? groups <= 7 : groups == 8;
}

static bool
ipv6_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	     struct wm_span *span)
{
	size_t e, n, s;
	uint8_t t;

	(void)d;
	if (len < 4)
		return false;
	t = win[len - 1];
	if (wm_is_alnum(t) || t == ':' || t == '.' || !v6_text(t))
		return false;
	e = len - 1;
	n = wm_run_back(win, e, v6_char, WM_IPV6_MAX_LEN + 2);
	if (n > WM_IPV6_MAX_LEN + 1)
		return false;
	s = e - n;
	if (s == 0 ? !wm_win_at_stream_start(len)
		   : wm_is_alnum(win[s - 1]) || !v6_text(win[s - 1]))
		return false;
	/* A dot after the address is punctuation. */
	if (n > 0 && win[e - 1] == '.') {
		e--;
		n--;
	}
	if (!v6_valid(win + s, n))
		return false;
	span->start = (uint16_t)s;
	span->end = (uint16_t)e;
	return true;
}

/*
 * The tail ends in a run of address bytes that may still become one:
 * not after a letter, at most max_len + 1 bytes (a trailing '.'), and
 * before its first ':' at most four hex digits.
 */
static size_t
ipv6_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t n = wm_run_back(tail, len, v6_char, WM_IPV6_MAX_LEN + 2);
	size_t s = len - n;
	bool colon = false;

	(void)d;
	if (n == 0 || n > WM_IPV6_MAX_LEN + 1)
		return 0;
	if (s > 0 && wm_is_alnum(tail[s - 1]))
		return 0;
	for (size_t i = s; i < len && !colon; i++)
		colon = tail[i] == ':';
	if (!colon) {
		for (size_t i = s; i < len; i++)
			if (!wm_is_hex(tail[i]))
				return 0;
		if (n > 4)
			return 0;
	}
	return n;
}

const struct wm_detector wm_detector_ipv6 = {
	.name = "ipv6",
	.pattern = ":[0-9A-Fa-f.]{0,4}:[0-9A-Fa-f:.]{0,41}"
		   "(?:[^0-9A-Za-z:.]|\\.[^0-9A-Za-z])",
	.hs_flags = 0,
	.max_len = WM_IPV6_MAX_LEN,
	.separators = ":.",
	.min_chars = V6_GROUPS_MIN,
	.classes = "0-9A-Fa-f:.",
	.hold = ipv6_hold,
	.confirm = ipv6_confirm,
};
