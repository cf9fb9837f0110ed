/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Google Cloud API keys: "AIza" and 35 characters of [0-9A-Za-z_-], not
 * glued to another of those on either side.
 *
 * Trigger: the 39 characters and one byte outside that class.
 *
 * min_chars counts letters and digits: 4 (the 35 may in principle all
 * be '-' or '_').
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

#define GCP_PREFIX "AIza"
#define GCP_PREFIX_LEN 4

static bool
gcp_char(uint8_t c)
{
	return wm_is_alnum(c) || c == '_' || c == '-';
}

/* Could the @n bytes at @p begin a key? */
static bool
gcp_prefix_ok(const uint8_t *p, size_t n)
{
	size_t k = WM_MIN(n, (size_t)GCP_PREFIX_LEN);

	if (memcmp(p, GCP_PREFIX, k) != 0)
		return false;
	for (size_t i = k; i < n; i++)
		if (!gcp_char(p[i]))
			return false;
	return true;
}

static bool
gcp_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	    struct wm_span *span)
{
	size_t s;

	(void)d;
	if (len < WM_GCP_KEY_LEN + 1 || gcp_char(win[len - 1]))
		return false;
	s = len - 1 - WM_GCP_KEY_LEN;
	if (!gcp_prefix_ok(win + s, WM_GCP_KEY_LEN))
		return false;
	if (s == 0 ? !wm_win_at_stream_start(len) : gcp_char(win[s - 1]))
		return false;
	span->start = (uint16_t)s;
	span->end = (uint16_t)(len - 1);
	return true;
}

/* The longest suffix that may begin a key after a non-key byte. */
static size_t
gcp_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	(void)d;
	for (size_t n = WM_MIN(len, (size_t)WM_GCP_KEY_LEN); n > 0; n--) {
		size_t p = len - n;

		if ((p == 0 || !gcp_char(tail[p - 1])) &&
		    gcp_prefix_ok(tail + p, n))
			return n;
	}
	return 0;
}

const struct wm_detector wm_detector_gcp_api_key = {
	.name = "gcp_api_key",
	.pattern = "AIza[0-9A-Za-z_\\-]{35}[^0-9A-Za-z_\\-]",
	.hs_flags = 0,
	.max_len = WM_GCP_KEY_LEN,
	.separators = "",
	.min_chars = GCP_PREFIX_LEN,
	.classes = "A-Za-z0-9_-",
	.hold = gcp_hold,
	.confirm = gcp_confirm,
};
