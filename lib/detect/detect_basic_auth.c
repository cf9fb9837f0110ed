/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP Basic credentials: the base64 of an "Authorization: Basic"
 * header whose decoding holds a ':' (user:password), only the base64
 * masked. Ended by the first byte that is not base64. See
 * detect_authz.c for the shared part; a credential longer than the
 * window is masked by its last max_len bytes without the ':' check.
 *
 * min_chars counts letters and digits: 2 (":" encodes as "Og==").
 */
#include <string.h>

#include <hs/hs.h>

#include "wm_detect.h"
#include "detect_priv.h"

#define BASIC_SCHEME "basic"

static bool
basic_char(uint8_t c)
{
	return wm_is_alnum(c) || c == '+' || c == '/' || c == '=';
}

static bool
basic_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	      struct wm_span *span)
{
	uint8_t plain[WM_DETECT_WINDOW];
	bool whole, ok;
	long n;

	if (!wm_authz_confirm(d, BASIC_SCHEME, basic_char, win, len, span,
			      &whole))
		return false;
	if (!whole)
		return true;
	n = wm_b64_decode(win + span->start, span->end - span->start, false,
			  plain, sizeof(plain));
	ok = n > 0 && memchr(plain, ':', (size_t)n) != NULL;
	/*
	 * user:password in clear: gone before the stack frame is (volatile
	 * stores the compiler cannot drop; explicit_bzero would bind to
	 * libbsd, which DPDK's link line brings, over glibc's).
	 */
	for (volatile uint8_t *p = plain; p < plain + sizeof(plain); p++)
		*p = 0;
	return ok;
}

static size_t
basic_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	return wm_authz_hold(d, BASIC_SCHEME, basic_char, tail, len);
}

const struct wm_detector wm_detector_basic_auth = {
	.name = "basic_auth",
	.pattern = "authorization:[ \\t]*basic[ \\t]+[A-Za-z0-9+/=]+"
		   "[^A-Za-z0-9+/=]",
	.hs_flags = HS_FLAG_CASELESS,
	.max_len = WM_TOKEN_MAX_LEN,
	.separators = "",
	.min_chars = 2,
	.classes = "A-Za-z0-9+/=",
	.hold = basic_hold,
	.confirm = basic_confirm,
};
