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
#include <string.h>

#include "wm_detect.h"

/* Longest values, separators included (see each detector's file). */
#define WM_CARD_DIGITS_MIN 13
#define WM_CARD_DIGITS_MAX 19
#define WM_CARD_MAX_LEN 37   /* 19 digits, a separator between each two */
#define WM_SSN_MAX_LEN 11    /* ddd-dd-dddd */
#define WM_EMAIL_MAX_LEN 253 /* see detect_email.c: bounded by the window */
#define WM_EMAIL_LOCAL_MAX 64
#define WM_IBAN_MAX_LEN 42   /* 34 alphanumerics in groups of 4 */
#define WM_PHONE_MAX_LEN 32  /* "+", 15 digits, separators, "(0)" */
#define WM_IPV4_MAX_LEN 15   /* 255.255.255.255 */
#define WM_IPV6_MAX_LEN 45   /* ffff:...:ffff:255.255.255.255 */
#define WM_AWS_KEY_LEN 20    /* AKIA + 16 */
#define WM_GCP_KEY_LEN 39    /* AIza + 35 */
#define WM_TOKEN_MAX_LEN 253 /* jwt, bearer, basic_auth: window bound */
#define WM_PEM_LINE_MAX 250  /* one base64 line of a private key block */

_Static_assert(WM_CARD_MAX_LEN + 3 <= WM_DETECT_WINDOW, "card window");
_Static_assert(WM_SSN_MAX_LEN + 3 <= WM_DETECT_WINDOW, "ssn window");
_Static_assert(WM_EMAIL_MAX_LEN + 3 <= WM_DETECT_WINDOW, "email window");
_Static_assert(WM_TOKEN_MAX_LEN + 3 <= WM_DETECT_WINDOW, "token window");
_Static_assert(WM_PEM_LINE_MAX + 3 <= WM_DETECT_WINDOW, "pem window");

extern const struct wm_detector wm_detector_card;
extern const struct wm_detector wm_detector_ssn;
extern const struct wm_detector wm_detector_email;
extern const struct wm_detector wm_detector_iban;
extern const struct wm_detector wm_detector_phone;
extern const struct wm_detector wm_detector_ipv4;
extern const struct wm_detector wm_detector_ipv6;
extern const struct wm_detector wm_detector_aws_access_key;
extern const struct wm_detector wm_detector_gcp_api_key;
extern const struct wm_detector wm_detector_jwt;
extern const struct wm_detector wm_detector_bearer;
extern const struct wm_detector wm_detector_basic_auth;
extern const struct wm_detector wm_detector_pem_private_key;

static inline bool
wm_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline bool
wm_is_upper(uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
wm_is_alpha(uint8_t c)
{
	return wm_is_upper(c) || (c >= 'a' && c <= 'z');
}

static inline bool
wm_is_alnum(uint8_t c)
{
	return wm_is_digit(c) || wm_is_alpha(c);
}

static inline bool
wm_is_hex(uint8_t c)
{
	return wm_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static inline bool
wm_is_not_digit(uint8_t c)
{
	return !wm_is_digit(c);
}

/* A byte of a "word" in the \b sense. */
static inline bool
wm_is_word(uint8_t c)
{
	return wm_is_alnum(c) || c == '_';
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
 * boundary there. The same holds for a hold tail.
 */
static inline bool
wm_win_at_stream_start(size_t len)
{
	return len < WM_DETECT_WINDOW;
}

/* Length of the run of @is bytes ending at buf[end - 1], at most @max. */
static inline size_t
wm_run_back(const uint8_t *buf, size_t end, bool (*is)(uint8_t), size_t max)
{
	size_t n = 0;

	while (n < max && n < end && is(buf[end - 1 - n]))
		n++;
	return n;
}

/* Does @needle (@k bytes) occur in the @n bytes at @p? */
static inline bool
wm_contains(const uint8_t *p, size_t n, const char *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return true;
	return false;
}

/* Do the @n bytes at @p equal the lower-case ASCII @lit, in any case? */
static inline bool
wm_caseeq(const uint8_t *p, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] | 0x20) != (uint8_t)lit[i])
			return false;
	return true;
}

/*
 * Decode @n base64 bytes (standard alphabet, or URL-safe with @url) into
 * @out (room for @cap bytes). '=' padding is accepted at the end only,
 * and may be missing. Returns the decoded length, or -1 when @n bytes
 * are not base64 or do not fit.
 */
long wm_b64_decode(const uint8_t *in, size_t n, bool url, uint8_t *out,
		   size_t cap);

/*
 * Start of the dotted quad (ipv4's rules) whose last digit is b[q], or
 * SIZE_MAX. The byte before the start is not checked.
 */
size_t wm_ipv4_back(const uint8_t *b, size_t q);

/*
 * "Authorization: <scheme> <token>" detectors (bearer, basic_auth): the
 * token is the run of @is bytes after the scheme and its blanks, ended
 * by the first byte that is not one of them (the trigger's terminator).
 * Confirm finds the token's span; a token longer than @d->max_len or
 * reaching the start of a full window is masked by its last max_len
 * bytes. Returns false when the window shows no token there.
 * @whole tells whether the span is the whole token (so that a
 * validator may look at it).
 */
bool wm_authz_confirm(const struct wm_detector *d, const char *scheme,
		      bool (*is)(uint8_t), const uint8_t *win, size_t len,
		      struct wm_span *span, bool *whole);

/* Hold for an "Authorization: <scheme> <token>" detector. */
size_t wm_authz_hold(const struct wm_detector *d, const char *scheme,
		     bool (*is)(uint8_t), const uint8_t *tail, size_t len);

/*
 * A built-in that takes settings (wm_detect_params): its defaults and
 * the two parts of its trigger, which is
 *
 *     BASE|(?i:WORD|WORD...)[\s\S]{0,CONTEXT_BYTES}AFTER
 *
 * AFTER being the value a context word admits and its terminator. The
 * built-in's own pattern is that string for the defaults (a unit test
 * holds them together).
 */
struct wm_detect_spec {
	const struct wm_detector *d;
	unsigned int takes;                      /* WM_DETECT_TAKES_* */
	const struct wm_detect_params *defaults;
	const char *base;
	const char *after;
};

extern const struct wm_detect_spec wm_ssn_spec;
extern const struct wm_detect_spec wm_phone_spec;

/* The settings in effect: a configured copy's, or the defaults. */
static inline const struct wm_detect_params *
wm_params(const struct wm_detector *d, const struct wm_detect_spec *spec)
{
	return d->priv != NULL ? (const struct wm_detect_params *)d->priv
			       : spec->defaults;
}

/* Letters, digits, '_' glued after a context word ("ssn2"), at most. */
#define WM_CONTEXT_TOKEN_MAX 16

/*
 * Is there a context word of @p that starts a word of the text, whose
 * token (the word and up to WM_CONTEXT_TOKEN_MAX letters, digits, '_'
 * glued after it) ends at most p->context_bytes bytes before
 * buf[start], with no digit, ',', ';' or '&' between?  Only
 * buf[0..start) is read.
 */
bool wm_context_before(const struct wm_detect_params *p, const uint8_t *buf,
		       size_t start);

/* @spec's trigger for @p into @out (@cap bytes); 0, or -ENAMETOOLONG. */
int wm_context_pattern(const struct wm_detect_spec *spec,
		       const struct wm_detect_params *p, char *out,
		       size_t cap);

#endif /* DETECT_PRIV_H */
