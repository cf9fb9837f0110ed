/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * E-mail addresses: local@domain.
 *
 *   local   1..64 of [A-Za-z0-9._%+-], after a byte that is none of them
 *   domain  labels of [A-Za-z0-9-] split by single dots, at least two;
 *           the value ends after the TLD: the 2..24 letters that open
 *           the last label they can (the rest of that label and any
 *           later labels are not part of it: "a@b.com1", "a@b.com.1"
 *           and "a@b.com-x" all hold "a@b.com", as the independent leak
 *           check shared/tools/verify-masking reads them)
 *   total   at most WM_EMAIL_MAX_LEN bytes
 *
 * WM_EMAIL_MAX_LEN is 253, one short of the 254 of RFC 5321: a value,
 * the byte before it and a two-byte terminator ("a@b.com. ") must fit
 * in WM_DETECT_WINDOW.
 *
 * Trigger: a local byte, '@', dotted labels, then a terminator: one
 * byte outside [A-Za-z0-9.-], or a dot and a byte that cannot start a
 * label (a trailing dot is sentence punctuation: "mail a@b.com. Next").
 * The TLD is left to confirm. Or, without waiting for a terminator:
 * EMAIL_DOMAIN_DECIDE domain bytes after the '@'. A domain that long is
 * no address's (the whole is at most 253 bytes, a label 63) but may
 * still hold one ("a@b.com" and 240 digits holds "a@b.com"); its value
 * is decided there, while the '@' and the local part are still in the
 * window and still held, instead of at a terminator too far away for
 * the window to show them.
 *
 * Confirm walks back from the terminator to the '@', finds the domain's
 * end, then walks back over the local part.
 *
 * min_chars counts letters and digits: 4, as in the shortest ordinary
 * address "a@b.co". The grammar also admits rarer ones with fewer
 * ("_@-.io": 2); FF1 refuses those at run time and the value is then
 * redacted instead (counted as mask.key_error), never left in clear.
 */
#include "wm_detect.h"
#include "detect_priv.h"

#define EMAIL_NONE SIZE_MAX
#define EMAIL_TLD_MIN 2
#define EMAIL_TLD_MAX 24
/* Local part, '@' and domain with one trailing dot, before the last
 * terminator byte: the most confirm and hold ever look at. */
#define EMAIL_RUN_MAX (WM_EMAIL_MAX_LEN + 1)
/*
 * Domain bytes after which the trigger decides without a terminator:
 * the byte before a 64-byte local part, the local part, '@' and these
 * fill the window; the hold keeps local part and domain held up to
 * EMAIL_RUN_MAX, so they are still held then.
 */
#define EMAIL_DOMAIN_DECIDE "190"
_Static_assert(1 + WM_EMAIL_LOCAL_MAX + 1 + 190 <= WM_DETECT_WINDOW,
	       "a decided domain's address fits the window");
_Static_assert(WM_EMAIL_LOCAL_MAX + 1 + 190 <= EMAIL_RUN_MAX + 1,
	       "a decided domain's address is still held");

/* Byte classes, a table: the hold walks them back at every packet's end. */
enum { EMAIL_C_DOMAIN = 1, EMAIL_C_LOCAL = 2 };
static const uint8_t email_class[256] = {
	['0' ... '9'] = EMAIL_C_DOMAIN | EMAIL_C_LOCAL,
	['A' ... 'Z'] = EMAIL_C_DOMAIN | EMAIL_C_LOCAL,
	['a' ... 'z'] = EMAIL_C_DOMAIN | EMAIL_C_LOCAL,
	['-'] = EMAIL_C_DOMAIN | EMAIL_C_LOCAL,
	['.'] = EMAIL_C_DOMAIN | EMAIL_C_LOCAL,
	['_'] = EMAIL_C_LOCAL, ['%'] = EMAIL_C_LOCAL, ['+'] = EMAIL_C_LOCAL,
};

static bool
email_is_domain(uint8_t c)
{
	return email_class[c] & EMAIL_C_DOMAIN;
}

static bool
email_is_local(uint8_t c)
{
	return email_class[c] & EMAIL_C_LOCAL;
}

/* Length of the run of @is bytes ending at buf[end - 1], at most @max. */
static size_t
email_run_back(const uint8_t *buf, size_t end, bool (*is)(uint8_t),
	       size_t max)
{
	size_t n = 0;

	while (n < max && n < end && is(buf[end - 1 - n]))
		n++;
	return n;
}

/* Letters opening the label at @p (@n bytes): a TLD when 2..24. */
static bool
email_tld_len(const uint8_t *p, size_t n, size_t *tld)
{
	size_t k = 0;

	while (k < n && wm_is_alpha(p[k]))
		k++;
	*tld = k;
	return k >= EMAIL_TLD_MIN && k <= EMAIL_TLD_MAX;
}

/*
 * End of the longest domain in win[from, to) (domain bytes only), or
 * EMAIL_NONE. An empty label ends the domain.
 */
static size_t
email_domain_end(const uint8_t *win, size_t from, size_t to)
{
	size_t best = EMAIL_NONE, label = from, tld;
	unsigned int nlabels = 0;

	for (size_t i = from; i <= to; i++) {
		if (i < to && win[i] != '.')
			continue;
		if (i == label)
			break;
		if (nlabels++ > 0 &&
		    email_tld_len(win + label, i - label, &tld))
			best = label + tld;
		label = i + 1;
	}
	return best;
}

/*
 * Start of the local part that ends at the '@' win[at], or EMAIL_NONE
 * when it is empty, longer than 64 bytes or its start is unknown.
 */
static size_t
email_local_start(const uint8_t *win, size_t at, size_t len)
{
	size_t n = email_run_back(win, at, email_is_local,
				  WM_EMAIL_LOCAL_MAX + 1);

	if (n == 0 || n > WM_EMAIL_LOCAL_MAX)
		return EMAIL_NONE;
	if (n == at && !wm_win_at_stream_start(len))
		return EMAIL_NONE;
	return at - n;
}

static bool
email_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	      struct wm_span *span)
{
	size_t end, at, start, dend;

	(void)d;
	if (len < 6)
		return false;
	/* win[len - 1] is the terminator's last byte, never in the value. */
	end = len - 1;
	at = end - email_run_back(win, end, email_is_domain, EMAIL_RUN_MAX);
	if (at == 0 || win[at - 1] != '@')
		return false;
	at--;
	dend = email_domain_end(win, at + 1, end);
	if (dend == EMAIL_NONE)
		return false;
	start = email_local_start(win, at, len);
	if (start == EMAIL_NONE || end - start > EMAIL_RUN_MAX ||
	    dend - start > WM_EMAIL_MAX_LEN)
		return false;
	span->start = (uint16_t)start;
	span->end = (uint16_t)dend;
	return true;
}

/*
 * An address whose '@' is at tail[at] and whose domain (after it) is
 * still open.
 */
static size_t
email_hold_domain(const uint8_t *tail, size_t at, size_t d)
{
	/* At tail[0] what came before is unknown: assume a boundary. */
	size_t l = email_run_back(tail, at, email_is_local,
				  WM_EMAIL_LOCAL_MAX + 1);

	if (l == 0 || l > WM_EMAIL_LOCAL_MAX || l + 1 + d > EMAIL_RUN_MAX)
		return 0;
	return l + 1 + d;
}

/*
 * Either a local part is still being written (the tail ends in up to 64
 * local bytes, no '@' yet), or a domain is (see above). One walk back
 * over local bytes finds both runs: domain bytes are local bytes, so
 * the domain's run ends at the first local byte that is not one.
 */
static size_t
email_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t n = 0, dom = SIZE_MAX, local;

	(void)d;
	for (; n < EMAIL_RUN_MAX && n < len; n++) {
		uint8_t c = email_class[tail[len - 1 - n]];

		if (!(c & EMAIL_C_LOCAL))
			break;
		if (!(c & EMAIL_C_DOMAIN) && dom == SIZE_MAX)
			dom = n;
	}
	local = n > WM_EMAIL_LOCAL_MAX ? 0 : n;
	if (dom == SIZE_MAX)
		dom = n;
	if (dom == len || tail[len - dom - 1] != '@')
		return local;
	return WM_MAX(local, email_hold_domain(tail, len - dom - 1, dom));
}

const struct wm_detector wm_detector_email = {
	.name = "email",
	.pattern = "[A-Za-z0-9._%+\\-]@(?:[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)+"
		   "(?:[^A-Za-z0-9.\\-]|\\.[^A-Za-z0-9\\-])|"
		   "[A-Za-z0-9.\\-]{" EMAIL_DOMAIN_DECIDE "})",
	.hs_flags = 0,
	.max_len = WM_EMAIL_MAX_LEN,
	.separators = "@.",
	.min_chars = 4,
	.classes = "A-Za-z0-9._%+- @",
	.hold = email_hold,
	.confirm = email_confirm,
};
