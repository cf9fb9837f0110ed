/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telephone numbers as people write them, checked against real
 * numbering-plan metadata (libphonenumber, through phone_meta.h):
 *
 *   international  "+44 20 7946 0958", "+4915112345678",
 *                  "+46 (0)8 928 571 38", "0044 20 7946 0958"
 *   national       "020 7946 0958", "030 12345678", "06-12345678",
 *                  "(02) 9876 5432", "0490 75 40 81", "(415) 555-2671"
 *   after a word   "tel: 4673395", "phone=9498777106"
 *
 * A value is a run of digits in groups joined by one separator (space,
 * '.', '-', '/') or parentheses, '+' or "00" first for an international
 * number; it is never cut out of a longer run, nor glued to a letter,
 * '+', '_', '@', '#' or a currency sign before it, nor followed by a
 * letter other than an extension's 'x' (" ext" has a space).
 *
 * Which values count (the settings: wm_detect_params, defaults below):
 *   - international ('+' or "00"): 8..15 digits that some plan may
 *     have (possible length);
 *   - national, 8..13 digits in two or more groups: valid in the
 *     default region (regions[0]), or valid in another listed region
 *     and grouped exactly as that region writes it ("2026-11-22" is a
 *     valid Danish number, written as no plan writes one);
 *   - with a context word before (phone, tel, mobile, cell, fax, call,
 *     at most context_bytes before, no digit between): a number of
 *     8..13 digits, grouped or not, valid in some listed region; or of
 *     6..7 digits and a possible length in some listed region.
 * Dates (yyyy-mm-dd, dd.mm.yyyy, ...), dotted quads, SSN shapes and
 * Luhn-valid runs of 13 or more digits are never phone numbers.
 *
 * Default regions: the 20 most populous countries and the EU, plus the
 * UK: US first (the default region), then IN CN ID PK NG BR BD RU ET
 * MX JP EG PH CD VN IR TR DE TH, AT BE BG HR CY CZ DK EE FI FR GR HU IE
 * IT LV LT LU MT NL PL PT RO SK SI ES SE, GB.
 *
 * Trigger (no start of match), one terminator for every alternative
 * (a byte that is not a digit nor a separator, or a separator and a
 * non-digit), so that every value is reported once, at one end:
 *   '+' and 7..15 digits (compact international);
 *   grouped numbers by their last groups, shaped so that the digit runs
 *   of JSON (dates, times, amounts, UUIDs) seldom fire: 3+ digits then
 *   4+ ("030 12345678", "555-2671"), 2 then 5+ ("06-12345678"), or
 *   three groups of 2..3 after a non-digit ("(37) 788-063", and the
 *   last three of "0490 75 40 81": a separator is a non-digit too); a
 *   group may also end in ')' and a space ("(02) 9876 5432");
 *   a context word, its token, up to context_bytes non-digits, 6..15
 *   digits.
 * The first two find every form above but bare digits (and groups of
 * one digit), which only the third (literal-led, cheap) reports. A
 * yyyy-mm-dd date is none of these shapes; dd.mm.yyyy neither.
 *
 * min_chars counts digits: 6.
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"
#include "phone_meta.h"

#define DIGITS_MIN_CONTEXT 6
#define DIGITS_MIN 8         /* national, without a context word */
#define DIGITS_NATIONAL_MAX 13
#define DIGITS_INTL_MIN 8    /* after '+' or "00" */
#define DIGITS_INTL_MAX 15

static const struct wm_detect_params phone_defaults = {
	.ncontext = 6,
	.context = { "phone", "tel", "mobile", "cell", "fax", "call" },
	.context_bytes = 32,
	.nregions = 47,
	.regions = { "US", "IN", "CN", "ID", "PK", "NG", "BR", "BD", "RU",
		     "ET", "MX", "JP", "EG", "PH", "CD", "VN", "IR", "TR",
		     "DE", "TH", "AT", "BE", "BG", "HR", "CY", "CZ", "DK",
		     "EE", "FI", "FR", "GR", "HU", "IE", "IT", "LV", "LT",
		     "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES",
		     "SE", "GB" },
};

static bool
phone_is_sep(uint8_t c)
{
	return c == ' ' || c == '.' || c == '-' || c == '/';
}

/*
 * Start of the run of value bytes that ends before b[end], walking back
 * at most @max bytes: digits, parentheses, a '+' (the first byte),
 * single separators after a digit or ')'; then forward to its first
 * digit, '+' or '('.
 */
static size_t
phone_start(const uint8_t *b, size_t end, size_t max)
{
	size_t p = end;

	while (p > 0 && end - p < max) {
		uint8_t c = b[p - 1];

		if (wm_is_digit(c) || c == '(' || c == ')') {
			p--;
		} else if (c == '+') {
			p--;
			break;
		} else if (phone_is_sep(c) && p >= 2 &&
			   (wm_is_digit(b[p - 2]) || b[p - 2] == ')')) {
			p--;
		} else {
			break;
		}
	}
	while (p < end && !wm_is_digit(b[p]) && b[p] != '+' && b[p] != '(')
		p++;
	return p;
}

/* Start of the run of value bytes that ends at the digit b[q]. */
static size_t
phone_run(const uint8_t *b, size_t q)
{
	return phone_start(b, q + 1, WM_PHONE_MAX_LEN);
}

/*
 * No number continues into b[s] from the bytes before it: not a digit,
 * letter, '+', ')', '_', '@', '#', a currency sign (any non-ASCII
 * byte), ',' or ':' after a digit, nor a space or '(' after a digit,
 * nor '-', '.', '/' after a letter or digit ("ORD-1234 5678", "v1.22
 * 333", "2 030 1234567").
 */
/* Four upper-case letters or digits (a group of a spaced IBAN). */
static bool
iban_group(const uint8_t *g)
{
	for (int i = 0; i < 4; i++)
		if (!wm_is_upper(g[i]) && !wm_is_digit(g[i]))
			return false;
	return true;
}

static bool
phone_start_ok(const uint8_t *b, size_t s, size_t len)
{
	uint8_t c, cc;

	if (s == 0)
		return wm_win_at_stream_start(len);
	c = b[s - 1];
	cc = s >= 2 ? b[s - 2] : 0;
	if (s == 1 && (phone_is_sep(c) || c == '('))
		return wm_win_at_stream_start(len);
	if (c == ' ' && s >= 11 && iban_group(b + s - 5) && b[s - 6] == ' ' &&
	    iban_group(b + s - 10))
		return false;   /* NL76 OACO 2076 1335 70: an IBAN's BBAN */
	if (c == ' ' || c == '(')
		return !wm_is_digit(cc) && cc != '+' && cc != ')';
	if (phone_is_sep(c))
		return !wm_is_alnum(cc) && cc != '+' && cc != ')';
	if ((c == ',' || c == ':') && wm_is_digit(cc))
		return false;   /* 1,234 567; 12:30 4567 */
	return !wm_is_alnum(c) && c != '+' && c != ')' && c != '_' &&
	       c != '@' && c != '#' && c != '$' && c < 0x80;
}

/* What the bytes [s, q] are made of. */
struct phone_shape {
	unsigned int digits, groups;
	unsigned int len[16];    /* digits per group (first 16) */
	uint8_t sep;             /* the separator, 0: none, '*': mixed */
	bool plus, intl_00, parens;
	uint8_t after[16];       /* the byte after each group */
};

static bool
phone_shape(const uint8_t *b, size_t s, size_t q, struct phone_shape *sh)
{
	int depth = 0;

	memset(sh, 0, sizeof(*sh));
	sh->plus = b[s] == '+';
	for (size_t i = s + sh->plus; i <= q; i++) {
		uint8_t c = b[i];

		if (wm_is_digit(c)) {
			if (i == s + sh->plus || !wm_is_digit(b[i - 1]))
				sh->groups++;
			if (sh->groups <= 16)
				sh->len[sh->groups - 1]++;
			sh->digits++;
		} else if (c == '(') {
			if (depth++ != 0 || i + 1 > q || !wm_is_digit(b[i + 1]))
				return false;
			sh->parens = true;
		} else if (c == ')') {
			if (depth-- != 1 || !wm_is_digit(b[i - 1]))
				return false;
			if (sh->groups <= 16)
				sh->after[sh->groups - 1] = c;
		} else if (phone_is_sep(c)) {
			if (sh->groups <= 16)
				sh->after[sh->groups - 1] = c;
			sh->sep = sh->sep == 0 || sh->sep == c ? c : '*';
		} else {
			return false;
		}
	}
	sh->intl_00 = !sh->plus && sh->len[0] >= 2 && b[s] == '0' &&
		      b[s + 1] == '0';
	return depth == 0 && sh->groups > 0;
}

/* Shapes that are something else: dates, dotted quads, SSNs. */
static bool
phone_other_shape(const struct phone_shape *sh)
{
	const unsigned int *l = sh->len;

	const uint8_t *a = sh->after;

	/* 2026-11-22, 22.11.2026, 11/22/26, and a time after a space */
	if (sh->groups >= 3 && a[0] == a[1] && a[0] != ' ' && a[0] != ')' &&
	    (sh->groups == 3 || a[2] == ' ') &&
	    ((l[0] == 4 && l[1] <= 2 && l[2] <= 2) ||
	     (l[0] <= 2 && l[1] <= 2 && (l[2] == 4 || l[2] == 2))))
		return true;
	if (sh->groups == 2 && sh->sep == '.')
		return true;   /* 50.072755: a decimal number */
	if (sh->groups == 4 && sh->sep == '.' && l[0] <= 3 && l[1] <= 3 &&
	    l[2] <= 3 && l[3] <= 3)
		return true;   /* 192.168.10.20 */
	return sh->groups == 3 && sh->sep == '-' && l[0] == 3 && l[1] == 2 &&
	       l[2] == 4;      /* an SSN's shape: ssn's */
}

/* Luhn over the digits of [s, q] (a card number, not a phone). */
static bool
phone_luhn(const uint8_t *b, size_t s, size_t q)
{
	unsigned int sum = 0;
	size_t k = 0;

	for (size_t i = q + 1; i-- > s;)
		if (wm_is_digit(b[i]))
			sum += wm_luhn_term(b[i] - '0', k++);
	return sum % 10 == 0;
}

/* Is [s, q] a phone number by the rules at the top? */
static bool
phone_judge(const struct wm_detect_params *p, const uint8_t *b, size_t s,
	    size_t q)
{
	struct phone_shape sh;
	enum wm_phone_fit fit;
	char text[WM_PHONE_MAX_LEN + 2];
	size_t n = 0;
	bool ctx, intl;

	if (!phone_shape(b, s, q, &sh))
		return false;
	intl = sh.plus || sh.intl_00;
	if (intl) {
		unsigned int nd = sh.digits - (sh.intl_00 ? 2 : 0);

		if (nd < DIGITS_INTL_MIN || nd > DIGITS_INTL_MAX)
			return false;
	} else {
		if (sh.digits < DIGITS_MIN_CONTEXT ||
		    sh.digits > DIGITS_NATIONAL_MAX || phone_other_shape(&sh))
			return false;
		if (sh.digits >= 13 && phone_luhn(b, s, q))
			return false;
	}
	ctx = wm_context_before(p, b, s);
	if (!ctx && !intl && (sh.groups < 2 || sh.digits < DIGITS_MIN))
		return false;
	if (sh.intl_00) {
		text[n++] = '+';
		s += 2;
	}
	memcpy(text + n, b + s, q + 1 - s);
	n += q + 1 - s;
	fit = wm_phone_meta_fit(text, n, p->regions, p->nregions, ctx);
	if (intl || (ctx && sh.digits < DIGITS_MIN))
		return fit >= WM_PHONE_POSSIBLE;
	if (ctx)
		return fit >= WM_PHONE_VALID_OTHER;
	return fit >= WM_PHONE_VALID_GROUPED;
}

static bool
phone_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	      struct wm_span *span)
{
	size_t q, s;
	uint8_t t;

	if (len < DIGITS_MIN_CONTEXT + 1)
		return false;
	t = win[len - 1];
	if (wm_is_digit(t))
		return false;
	if (wm_is_digit(win[len - 2]) && !phone_is_sep(t))
		q = len - 2;
	else if (phone_is_sep(win[len - 2]) && wm_is_digit(win[len - 3]))
		q = len - 3;
	else
		return false;
	/* After it: an extension's 'x' or "ext", or no letter at all. */
	t = win[q + 1];
	if (wm_is_alpha(t) && (t | 0x20) != 'x')
		return false;
	if (t == '@' || t == '%' || t == '_')
		return false;
	s = phone_run(win, q);
	if (s > q || !phone_start_ok(win, s, len) ||
	    !phone_judge(wm_params(d, &wm_phone_spec), win, s, q))
		return false;
	span->start = (uint16_t)s;
	span->end = (uint16_t)(q + 1);
	return true;
}

/*
 * A value in progress lies in the run of value bytes at the end of the
 * tail, as phone_run() walks it (a separator may be pending): hold from
 * the earliest byte of its last WM_PHONE_MAX_LEN + 1 that may begin
 * one. No context or metadata is consulted (a value still arriving
 * cannot be judged), and context words lie before a value, so they
 * never lengthen a hold.
 */
static size_t
phone_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	(void)d;
	/* phone_run()'s walk, from whatever byte the tail ends with. */
	return len - phone_start(tail, len, WM_PHONE_MAX_LEN + 1);
}

#define PHONE_TERM "(?:[^0-9 .\\-/]|[ .\\-/][^0-9])"
#define PHONE_JOIN "(?:[ .\\-/]|\\) ?)"
#define PHONE_SEP "[ .\\-/]"
#define PHONE_BASE "\\+[0-9]{7,15}" PHONE_TERM \
	"|[0-9]{3,}" PHONE_JOIN "[0-9]{4,}" PHONE_TERM \
	"|[0-9]{2}" PHONE_JOIN "[0-9]{5,}" PHONE_TERM \
	"|[^0-9][0-9]{2,3}" PHONE_JOIN "[0-9]{2,3}" PHONE_SEP "[0-9]{2,3}" \
	PHONE_TERM
#define PHONE_AFTER "[0-9]{6,15}" PHONE_TERM

const struct wm_detector wm_detector_phone = {
	.name = "phone",
	/* wm_context_pattern() of the defaults (test_detect checks). */
	.pattern = PHONE_BASE "|(?i:phone|tel|mobile|cell|fax|call)"
		   "\\w{0,16}[^0-9]{0,32}" PHONE_AFTER,
	.hs_flags = 0,
	.max_len = WM_PHONE_MAX_LEN,
	.separators = " -./()+",
	.min_chars = DIGITS_MIN_CONTEXT,
	.classes = "0-9 ()./+-",
	.hold = phone_hold,
	.confirm = phone_confirm,
};

const struct wm_detect_spec wm_phone_spec = {
	.d = &wm_detector_phone,
	.takes = WM_DETECT_TAKES_CONTEXT | WM_DETECT_TAKES_REGIONS,
	.defaults = &phone_defaults,
	.base = PHONE_BASE,
	.after = PHONE_AFTER,
};
