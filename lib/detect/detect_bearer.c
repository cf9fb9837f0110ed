/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bearer tokens (RFC 6750): the token of an "Authorization: Bearer"
 * header, only the token masked. The token is a b64token
 * [A-Za-z0-9-._~+/] with '=' padding, ended by the first byte outside
 * that set (normally the CR of the line end; a blank after it ends it
 * too). See detect_authz.c for the shared part and for tokens longer
 * than the window.
 *
 * min_chars counts letters and digits: 1 (a token with none is not
 * taken).
 */
#include <hs/hs.h>

#include "wm_detect.h"
#include "detect_priv.h"

#define BEARER_SCHEME "bearer"

static bool
bearer_char(uint8_t c)
{
	return wm_is_alnum(c) || c == '-' || c == '.' || c == '_' ||
	       c == '~' || c == '+' || c == '/' || c == '=';
}

static bool
bearer_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	       struct wm_span *span)
{
	bool whole;

	return wm_authz_confirm(d, BEARER_SCHEME, bearer_char, win, len, span,
				&whole);
}

static size_t
bearer_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	return wm_authz_hold(d, BEARER_SCHEME, bearer_char, tail, len);
}

const struct wm_detector wm_detector_bearer = {
	.name = "bearer",
	.pattern = "authorization:[ \\t]*bearer[ \\t]+[A-Za-z0-9\\-._~+/=]+"
		   "[^A-Za-z0-9\\-._~+/=]",
	.hs_flags = HS_FLAG_CASELESS,
	.max_len = WM_TOKEN_MAX_LEN,
	.separators = "",
	.min_chars = 1,
	.classes = "A-Za-z0-9-._~+/=",
	.hold = bearer_hold,
	.confirm = bearer_confirm,
};
