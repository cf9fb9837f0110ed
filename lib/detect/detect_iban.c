/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IBANs (ISO 13616): a country code, two check digits and the BBAN, as
 * long as the country's registry entry says (15..34 letters and digits),
 * mod-97 == 1. Written compact ("DE89370400440532013000") or in groups
 * of four split by single spaces ("DE89 3704 0044 0532 0130 00"), in
 * either case. Countries: the SWIFT IBAN registry (SEPA and the others)
 * and the national formats most banks accept (the French overseas
 * territories, several African countries); where two lengths were
 * published (Algeria, Burkina Faso, Burundi, Nicaragua) either is taken.
 *
 * Trigger: two letters, two digits, 11..30 more letters and digits
 * (single spaces allowed) and a terminator: one byte that is neither a
 * letter, a digit nor a space, or a space and any byte. As for cards,
 * the second form fires at every group boundary of a spaced run, so
 * "DE89 3704 0044 0532 0130 00 EUR" is reported after its last group
 * as well as at the end of the run.
 *
 * Confirm: from the last letter or digit, walk back over the run; a
 * value starts at "LLDD" after a byte that is not a letter or a digit.
 * Its letters and digits must number exactly the country's length (so
 * an IBAN is never cut out of a longer run) and pass mod 97; spaces,
 * if any, sit after every fourth character.
 *
 * min_chars counts letters and digits: 15 (Norway).
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

#define IBAN_MIN 15
#define IBAN_MAX 34

struct iban_country {
	char cc[3];
	uint8_t len;
	uint8_t alt; /* an older or second published length, or 0 */
};

/* Sorted by code. */
static const struct iban_country iban_countries[] = {
	{ "AD", 24, 0 }, { "AE", 23, 0 }, { "AL", 28, 0 }, { "AO", 25, 0 },
	{ "AT", 20, 0 }, { "AX", 18, 0 }, { "AZ", 28, 0 }, { "BA", 20, 0 },
	{ "BE", 16, 0 }, { "BF", 28, 27 }, { "BG", 22, 0 }, { "BH", 22, 0 },
	{ "BI", 27, 16 }, { "BJ", 28, 0 }, { "BL", 27, 0 }, { "BR", 29, 0 },
	{ "BY", 28, 0 }, { "CF", 27, 0 }, { "CG", 27, 0 }, { "CH", 21, 0 },
	{ "CI", 28, 0 }, { "CM", 27, 0 }, { "CR", 22, 0 }, { "CV", 25, 0 },
	{ "CY", 28, 0 }, { "CZ", 24, 0 }, { "DE", 22, 0 }, { "DJ", 27, 0 },
	{ "DK", 18, 0 }, { "DO", 28, 0 }, { "DZ", 26, 24 }, { "EE", 20, 0 },
	{ "EG", 29, 0 }, { "ES", 24, 0 }, { "FI", 18, 0 }, { "FK", 18, 0 },
	{ "FO", 18, 0 }, { "FR", 27, 0 }, { "GA", 27, 0 }, { "GB", 22, 0 },
	{ "GE", 22, 0 }, { "GF", 27, 0 }, { "GI", 23, 0 }, { "GL", 18, 0 },
	{ "GP", 27, 0 }, { "GQ", 27, 0 }, { "GR", 27, 0 }, { "GT", 28, 0 },
	{ "GW", 25, 0 }, { "HN", 28, 0 }, { "HR", 21, 0 }, { "HU", 28, 0 },
	{ "IE", 22, 0 }, { "IL", 23, 0 }, { "IQ", 23, 0 }, { "IR", 26, 0 },
	{ "IS", 26, 0 }, { "IT", 27, 0 }, { "JO", 30, 0 }, { "KM", 27, 0 },
	{ "KW", 30, 0 }, { "KZ", 20, 0 }, { "LB", 28, 0 }, { "LC", 32, 0 },
	{ "LI", 21, 0 }, { "LT", 20, 0 }, { "LU", 20, 0 }, { "LV", 21, 0 },
	{ "LY", 25, 0 }, { "MA", 28, 0 }, { "MC", 27, 0 }, { "MD", 24, 0 },
	{ "ME", 22, 0 }, { "MF", 27, 0 }, { "MG", 27, 0 }, { "MK", 19, 0 },
	{ "ML", 28, 0 }, { "MN", 20, 0 }, { "MQ", 27, 0 }, { "MR", 27, 0 },
	{ "MT", 31, 0 }, { "MU", 30, 0 }, { "MZ", 25, 0 }, { "NC", 27, 0 },
	{ "NE", 28, 0 }, { "NI", 28, 32 }, { "NL", 18, 0 }, { "NO", 15, 0 },
	{ "OM", 23, 0 }, { "PF", 27, 0 }, { "PK", 24, 0 }, { "PL", 28, 0 },
	{ "PM", 27, 0 }, { "PS", 29, 0 }, { "PT", 25, 0 }, { "QA", 29, 0 },
	{ "RE", 27, 0 }, { "RO", 24, 0 }, { "RS", 22, 0 }, { "RU", 33, 0 },
	{ "SA", 24, 0 }, { "SC", 31, 0 }, { "SD", 18, 0 }, { "SE", 24, 0 },
	{ "SI", 19, 0 }, { "SK", 24, 0 }, { "SM", 27, 0 }, { "SN", 28, 0 },
	{ "SO", 23, 0 }, { "ST", 25, 0 }, { "SV", 28, 0 }, { "TD", 27, 0 },
	{ "TF", 27, 0 }, { "TG", 28, 0 }, { "TL", 23, 0 }, { "TN", 24, 0 },
	{ "TR", 26, 0 }, { "UA", 29, 0 }, { "VA", 22, 0 }, { "VG", 24, 0 },
	{ "WF", 27, 0 }, { "XK", 20, 0 }, { "YE", 30, 0 }, { "YT", 27, 0 },
};

/* Is @n the IBAN length of country @cc (either case)? */
static bool
iban_country_len_ok(const uint8_t *cc, size_t n)
{
	char up[2] = { (char)(cc[0] & ~0x20), (char)(cc[1] & ~0x20) };
	size_t lo = 0, hi = WM_ARRAY_SIZE(iban_countries);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(up, iban_countries[mid].cc, 2);

		if (c == 0)
			return n == iban_countries[mid].len ||
			       n == iban_countries[mid].alt;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* Could the @n bytes at @s begin an IBAN ("LLDD" or a prefix of it)? */
static bool
iban_prefix_ok(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n && i < 4; i++)
		if (i < 2 ? !wm_is_alpha(s[i]) : !wm_is_digit(s[i]))
			return false;
	return true;
}

/*
 * Are the @n bytes at @s one IBAN: compact or spaced every four, of the
 * country's length, mod 97 == 1?
 */
static bool
iban_value_ok(const uint8_t *s, size_t n)
{
	uint8_t an[IBAN_MAX];
	bool spaced = memchr(s, ' ', n) != NULL;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ') {
			/* After every fourth character, never last or twice. */
			if (k == 0 || k % 4 != 0 || i + 1 == n ||
			    s[i + 1] == ' ')
				return false;
			continue;
		}
		if (!wm_is_alnum(s[i]) || k == IBAN_MAX)
			return false;
		if (spaced && k > 0 && k % 4 == 0 && s[i - 1] != ' ')
			return false;
		an[k++] = s[i];
	}
	if (k < IBAN_MIN || !iban_prefix_ok(an, 4) ||
	    !iban_country_len_ok(an, k))
		return false;
	return wm_detect_mod97(an, k);
}

static bool
iban_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	     struct wm_span *span)
{
	size_t q, lo, best = SIZE_MAX;

	(void)d;
	if (len < IBAN_MIN + 1)
		return false;
	/* Last character: before a one-byte terminator or before a space. */
	if (wm_is_alnum(win[len - 2])) {
		if (win[len - 1] == ' ' || wm_is_alnum(win[len - 1]))
			return false;
		q = len - 2;
	} else if (win[len - 2] == ' ' && wm_is_alnum(win[len - 3])) {
		q = len - 3;
	} else {
		return false;
	}
	lo = q + 1 > WM_IBAN_MAX_LEN ? q + 1 - WM_IBAN_MAX_LEN : 0;
	for (size_t p = q + 1; p-- > lo;) {
		if (win[p] == ' ' && win[p + 1] != ' ')
			continue;
		if (!wm_is_alnum(win[p]))
			break;
		if (p > 0 ? wm_is_alnum(win[p - 1])
			  : !wm_win_at_stream_start(len))
			continue;
		if (iban_value_ok(win + p, q + 1 - p))
			best = p;
	}
	if (best == SIZE_MAX)
		return false;
	span->start = (uint16_t)best;
	span->end = (uint16_t)(q + 1);
	return true;
}

/*
 * A value not yet reported: the tail ends inside a run of letters,
 * digits and single spaces (one trailing space: the terminator's second
 * byte has not arrived). Hold from the earliest "LLDD" start at a word
 * boundary within max_len + 1 bytes of the end.
 */
static size_t
iban_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t lim = len > WM_IBAN_MAX_LEN + 1 ? len - WM_IBAN_MAX_LEN - 1 : 0;
	size_t best = 0;

	(void)d;
	for (size_t p = len; p-- > lim;) {
		if (tail[p] == ' ') {
			if (p + 1 < len && tail[p + 1] == ' ')
				break;
			continue;
		}
		if (!wm_is_alnum(tail[p]))
			break;
		/* tail[0]: what preceded it is unknown, assume a boundary. */
		if ((p == 0 || !wm_is_alnum(tail[p - 1])) &&
		    iban_prefix_ok(tail + p, len - p))
			best = len - p;
	}
	return best;
}

const struct wm_detector wm_detector_iban = {
	.name = "iban",
	.pattern = "[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,30}"
		   "(?:[^A-Za-z0-9 ]| [\\x00-\\xff])",
	.hs_flags = 0,
	.max_len = WM_IBAN_MAX_LEN,
	.separators = " ",
	.min_chars = IBAN_MIN,
	.classes = "A-Za-z0-9 ",
	.hold = iban_hold,
	.confirm = iban_confirm,
};
