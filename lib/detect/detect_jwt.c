/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON Web Tokens in compact form (JWS): three base64url parts split by
 * dots, header.payload.signature; the signature may be empty (an
 * unsigned token ends with the second dot). The header must decode to a
 * JSON object holding "alg", so every token begins "eyJ". The whole
 * token is masked, dots kept. A dot after a signed token is punctuation.
 * Five-part tokens (JWE) are not taken.
 *
 * Trigger: the stream start or a byte that is not base64url nor '.',
 * "eyJ", a header holding the base64 of "alg" at one of its three
 * alignments ("ImFsZy", "JhbGci", "iYWxnI"), '.', a part, '.', an
 * optional part, then a byte that is not base64url nor '.', or a '.' and
 * a byte that is not base64url. The parts are unbounded: a token longer
 * than the window still fires, and the trigger itself proves that its
 * run of base64url and dots begins with "eyJ" at a boundary (which hold
 * relies on) and that the header mentions "alg" (which is all that can
 * be checked once the header has left the window).
 *
 * Longer than max_len (253, what the window allows): the header, when
 * still in the window, is decoded and checked as above; the last 253
 * bytes (the signature, at the end) are masked and the start leaves in
 * clear: the hold-back rule cannot hold more. Such a token can no
 * longer be replayed, but the start of its payload (claims) is
 * readable. In an HTTP Authorization or Cookie header the stream engine
 * masks it whole (an anchor: lib/stream/stream_anchor.c).
 *
 * min_chars counts letters and digits: 3 (the "eyJ" of the header; the
 * other base64url characters may include '-' and '_').
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

#define JWT_PREFIX "eyJ"
#define JWT_PREFIX_LEN 3

static bool
jwt_char(uint8_t c)
{
	return wm_is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* Does the base64url header decode to a JSON object holding "alg"? */
static bool
jwt_header_ok(const uint8_t *h, size_t n)
{
	uint8_t buf[WM_DETECT_WINDOW];
	long m = wm_b64_decode(h, n, true, buf, sizeof(buf));
	long i = 0;

	while (i < m && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
			 buf[i] == '\n'))
		i++;
	if (i >= m || buf[i] != '{')
		return false;
	return wm_contains(buf + i, (size_t)(m - i), "\"alg\"", 5);
}

/*
 * Are the @n bytes at @s one token: "eyJ", exactly two dots, header and
 * payload not empty, the header valid?
 */
static bool
jwt_token_ok(const uint8_t *s, size_t n)
{
	const uint8_t *d1, *d2;

	if (n < JWT_PREFIX_LEN || memcmp(s, JWT_PREFIX, JWT_PREFIX_LEN) != 0)
		return false;
	d1 = memchr(s, '.', n);
	if (d1 == NULL)
		return false;
	d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - s));
	if (d2 == NULL || d2 == d1 + 1 ||
	    memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - s)) != NULL)
		return false;
	return jwt_header_ok(s, (size_t)(d1 - s));
}

/* Dots in the @n bytes at @s. */
static unsigned int
jwt_dots(const uint8_t *s, size_t n)
{
	unsigned int k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '.';
	return k;
}

static bool
jwt_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	    struct wm_span *span)
{
	size_t e, n, s;
	bool whole;

	if (len < 8)
		return false;
	/* "..": the first is punctuation; else the last byte ends the run. */
	if (win[len - 1] == '.') {
		if (win[len - 2] != '.')
			return false;
		e = len - 2;
	} else if (jwt_char(win[len - 1])) {
		return false;
	} else {
		e = len - 1;
	}
	n = wm_run_back(win, e, jwt_char, WM_DETECT_WINDOW);
	s = e - n;
	whole = s > 0 || wm_win_at_stream_start(len);
	/* A trailing dot: an unsigned token's, or punctuation after one. */
	if (n > 0 && win[e - 1] == '.' &&
	    (!whole || jwt_dots(win + s, n) == 3)) {
		e--;
		n--;
	}
	if (whole && !jwt_token_ok(win + s, n))
		return false;
	if (n > d->max_len)
		s = e - d->max_len;
	if (n == 0)
		return false;
	span->start = (uint16_t)s;
	span->end = (uint16_t)e;
	return true;
}

/*
 * A token in progress: the tail ends in a run of base64url and dots
 * that begins "eyJ" (or a prefix of it), or that is too long for its
 * start to be seen (then its last max_len + 1 bytes may be masked).
 */
static size_t
jwt_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t lim = (size_t)d->max_len + 1;
	size_t n = wm_run_back(tail, len, jwt_char, lim + 1);
	size_t s = len - n;

	if (n == 0)
		return 0;
	if (n > lim || (s == 0 && !wm_win_at_stream_start(len)))
		return WM_MIN(n, lim);
	if (memcmp(tail + s, JWT_PREFIX, WM_MIN(n, (size_t)JWT_PREFIX_LEN)))
		return 0;
	return n;
}

const struct wm_detector wm_detector_jwt = {
	.name = "jwt",
	.pattern = "(?:^|[^A-Za-z0-9_.\\-])"
		   "(?:eyJhbGci|eyJ[A-Za-z0-9_\\-]*(?:ImFsZy|JhbGci|iYWxnI))"
		   "[A-Za-z0-9_\\-]*\\.[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]*"
		   "(?:[^A-Za-z0-9_.\\-]|\\.[^A-Za-z0-9_\\-])",
	.hs_flags = 0,
	.max_len = WM_TOKEN_MAX_LEN,
	.separators = ".",
	.min_chars = JWT_PREFIX_LEN,
	.classes = "A-Za-z0-9_.-",
	.hold = jwt_hold,
	.confirm = jwt_confirm,
};
