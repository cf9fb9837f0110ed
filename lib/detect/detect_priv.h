/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/detect: the built-in detectors (one per file) and the
 * byte-class helpers they share.
 */
#ifndef DETECT_PRIV_H
#define DETECT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_detect.h"

/* Longest values, separators included (see each detector's file). */
#define WM_CARD_DIGITS_MIN 13
#define WM_CARD_DIGITS_MAX 19
#define WM_CARD_MAX_LEN 37   /* 19 digits, a separator between each two */
#define WM_SSN_MAX_LEN 11    /* ddd-dd-dddd */
#define WM_EMAIL_MAX_LEN 253 /* see detect_email.c: bounded by the window */
#define WM_EMAIL_LOCAL_MAX 64

_Static_assert(WM_CARD_MAX_LEN + 3 <= WM_DETECT_WINDOW, "card window");
_Static_assert(WM_SSN_MAX_LEN + 3 <= WM_DETECT_WINDOW, "ssn window");
_Static_assert(WM_EMAIL_MAX_LEN + 3 <= WM_DETECT_WINDOW, "email window");

extern const struct wm_detector wm_detector_card;
extern const struct wm_detector wm_detector_ssn;
extern const struct wm_detector wm_detector_email;

static inline bool
wm_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline bool
wm_is_alpha(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline bool
wm_is_alnum(uint8_t c)
{
	return wm_is_digit(c) || wm_is_alpha(c);
}

/*
 * One digit's share of a Luhn sum, @k digits from the right (the check
 * digit is k = 0): every second digit is doubled, 10..18 fold to 1..9.
 */
static inline unsigned int
wm_luhn_term(unsigned int d, size_t k)
{
	if (k & 1) {
		d *= 2;
		if (d > 9)
			d -= 9;
	}
	return d;
}

/*
 * Is win[0] the first byte of the stream? A confirm window shorter than
 * WM_DETECT_WINDOW starts at the stream start; a full one does not tell
 * what came before win[0], so a value reaching win[0] has no known
 * boundary there.
 */
static inline bool
wm_win_at_stream_start(size_t len)
{
	return len < WM_DETECT_WINDOW;
}

#endif /* DETECT_PRIV_H */
