/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What bearer and basic_auth share: the token of an HTTP
 * "Authorization: <scheme> <token>" header (the header name and the
 * scheme in any case; "Proxy-Authorization" too).
 *
 *     Authorization: Bearer mF_9.B5f-4.1JqM\r\n
 *                           ^token        ^ terminator (trigger end)
 *
 * The trigger ("authorization:", blanks, the scheme, blanks, token
 * bytes, one byte that is not a token byte) proves the context, so
 * confirm only has to find the token: the run of token bytes before the
 * terminator, after blanks. When the window shows the scheme it is
 * checked too. A token longer than max_len, or reaching the start of a
 * full window, is masked by its last max_len bytes (in HTTP, the stream
 * engine masks the rest: the header's credentials are an anchor).
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

static bool
authz_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Step back over blanks from buf[b]. */
static size_t
authz_skip_blanks(const uint8_t *buf, size_t b)
{
	while (b > 0 && authz_blank(buf[b - 1]))
		b--;
	return b;
}

#define AUTHZ_HEADER "authorization:"

/*
 * What precedes the token that starts at buf[s], as far as it can be
 * seen: blanks, the scheme, blanks, "authorization:". 1 all seen, 0 cut
 * off by the start of a full buffer (unknown), -1 not a token.
 */
static int
authz_context(const char *scheme, const uint8_t *buf, size_t s, size_t len)
{
	size_t b = authz_skip_blanks(buf, s), k = strlen(scheme);
	size_t h = sizeof(AUTHZ_HEADER) - 1;
	int cut = wm_win_at_stream_start(len) ? -1 : 0;

	if (b == s && s > 0)
		return -1;
	if (b < k)
		return cut;
	if (!wm_caseeq(buf + b - k, scheme, k))
		return -1;
	b = authz_skip_blanks(buf, b - k);
	if (b < h)
		return wm_caseeq(buf, &AUTHZ_HEADER[h - b], b) ? cut : -1;
	return wm_caseeq(buf + b - h, AUTHZ_HEADER, h) ? 1 : -1;
}

bool
wm_authz_confirm(const struct wm_detector *d, const char *scheme,
		 bool (*is)(uint8_t), const uint8_t *win, size_t len,
		 struct wm_span *span, bool *whole)
{
	size_t e, n, s;
	int ctx;
	bool alnum = false;

	if (len < 2 || is(win[len - 1]))
		return false;
	e = len - 1;
	n = wm_run_back(win, e, is, WM_DETECT_WINDOW);
	s = e - n;
	if (n == 0)
		return false;
	ctx = authz_context(scheme, win, s, len);
	if (ctx < 0)
		return false;
	*whole = ctx > 0 && n <= d->max_len;
	if (n > d->max_len)
		s = e - d->max_len;
	for (size_t i = s; i < e && !alnum; i++)
		alnum = wm_is_alnum(win[i]);
	if (!alnum)
		return false;
	span->start = (uint16_t)s;
	span->end = (uint16_t)e;
	return true;
}

size_t
wm_authz_hold(const struct wm_detector *d, const char *scheme,
	      bool (*is)(uint8_t), const uint8_t *tail, size_t len)
{
	size_t max = d->max_len;
	size_t n = wm_run_back(tail, len, is, max + 1);

	if (n == 0)
		return 0;
	/* Too long to see the scheme: the last max_len bytes may be masked. */
	if (n > max)
		return max;
	if (authz_context(scheme, tail, len - n, len) < 0)
		return 0;
	return n;
}
