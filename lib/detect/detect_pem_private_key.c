/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private keys in PEM form ("-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]
 * PRIVATE KEY-----", base64 lines, "-----END ... PRIVATE KEY-----"):
 * the base64 body is masked line by line, each line a value, as a body
 * of thousands of bytes cannot fit the 256-byte window. Line breaks are
 * CRLF or LF, or written escaped as "\n" or "\r\n" (a key inside a
 * JSON string, as in cloud credential files); inside a line, '/' may be
 * escaped as "\/" (JSON encoders that escape slashes).
 *
 *     -----BEGIN PRIVATE KEY-----\n
 *     MIIEvQIBADANBgkqhkiG9w0BAQEFAASC...\n    <- one value per line,
 *     ...                                        reported at the line's
 *     -----END PRIVATE KEY-----\n                first line-break byte
 *
 * Trigger: the BEGIN marker, a line break, any number of base64 lines
 * each ended by a line break, then base64 bytes and the start of a line
 * break ('\r', '\n', or "\r" or "\n" escaped). So Hyperscan itself
 * knows it is inside the block, however long the block: the END line
 * (dashes, a space) stops it, and nothing after the block is reported.
 * A block with header lines (legacy encrypted keys: "Proc-Type: ...")
 * is not reported at all; its body is encrypted.
 *
 * Confirm: the line is the run of base64 bytes (and escaped slashes)
 * before the line break the trigger ends on, after a line break. A line longer than 250 bytes (a body not
 * wrapped at 64 or 76) is masked by its last 250 bytes only: the rest
 * of that line leaves in clear.
 *
 * min_chars counts letters and digits: 1 (a line of only padding is not
 * taken).
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

#define PEM_MARKER_END "PRIVATE KEY-----"
#define PEM_MARKER_BEGIN "-----BEGIN "

static bool
pem_char(uint8_t c)
{
	return wm_is_alnum(c) || c == '+' || c == '/' || c == '=';
}

/*
 * Start of the run of line bytes (base64, and '\' before a '/') that
 * ends at buf[e - 1], looking back at most @max bytes.
 */
static size_t
pem_run_start(const uint8_t *buf, size_t e, size_t max)
{
	size_t i = e;

	while (i > 0 && e - i < max) {
		if (pem_char(buf[i - 1]))
			i--;
		else if (buf[i - 1] == '\\' && i < e && buf[i] == '/')
			i--;
		else
			break;
	}
	return i;
}

/* Is the line of @n bytes at @s base64 ('=' only at its end, '\' only
 * before '/'), with a letter or digit in it? */
static bool
pem_line_ok(const uint8_t *s, size_t n)
{
	size_t i = 0, alnum = 0;

	for (; i < n && s[i] != '='; i++) {
		if (s[i] == '\\' && (i + 1 == n || s[i + 1] != '/'))
			return false;
		alnum += wm_is_alnum(s[i]);
	}
	for (; i < n; i++)
		if (s[i] != '=')
			return false;
	return alnum > 0;
}

/*
 * Start of the line whose run of line bytes begins at buf[s] (s > 0),
 * or SIZE_MAX when no line break precedes it. An escaped break ends in
 * "\n": the run then begins with that 'n'.
 */
static size_t
pem_line_start(const uint8_t *buf, size_t s)
{
	if (buf[s - 1] == '\n' || buf[s - 1] == '\r')
		return s;
	if (buf[s - 1] == '\\' && buf[s] == 'n')
		return s + 1;
	return SIZE_MAX;
}

static bool
pem_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	    struct wm_span *span)
{
	size_t e, s;

	if (len < 2)
		return false;
	if (win[len - 1] == '\r' || win[len - 1] == '\n')
		e = len - 1;
	else if ((win[len - 1] == 'r' || win[len - 1] == 'n') &&
		 win[len - 2] == '\\')
		e = len - 2;
	else
		return false;
	s = pem_run_start(win, e, WM_DETECT_WINDOW);
	if (s == e)
		return false;
	if (s == 0) {
		/* A line longer than the window: the trigger vouches. */
		if (wm_win_at_stream_start(len))
			return false;
	} else {
		s = pem_line_start(win, s);
		if (s == SIZE_MAX || s >= e || !pem_line_ok(win + s, e - s))
			return false;
	}
	if (e - s > d->max_len)
		s = e - d->max_len;
	span->start = (uint16_t)s;
	span->end = (uint16_t)e;
	return true;
}

/*
 * Is the line that ends before the line break ending at t[line] (the
 * line before a body line in progress) the BEGIN marker or a body line,
 * or out of sight?
 */
static bool
pem_prev_line_ok(const uint8_t *t, size_t line, size_t len)
{
	size_t pe = line, ps;

	if (pe >= 2 && t[pe - 1] == 'n' && t[pe - 2] == '\\') {
		pe -= 2;
		if (pe >= 2 && t[pe - 1] == 'r' && t[pe - 2] == '\\')
			pe -= 2;
	} else {
		if (pe >= 1 && t[pe - 1] == '\n')
			pe--;
		if (pe >= 1 && t[pe - 1] == '\r')
			pe--;
	}
	for (ps = pe; ps > 0; ps--)
		if (t[ps - 1] == '\n' || t[ps - 1] == '\r' ||
		    (ps >= 2 && t[ps - 1] == 'n' && t[ps - 2] == '\\'))
			break;
	if (ps == 0 && !wm_win_at_stream_start(len))
		return true;
	if (pe - ps >= sizeof(PEM_MARKER_END) - 1 &&
	    memcmp(t + pe - (sizeof(PEM_MARKER_END) - 1), PEM_MARKER_END,
		   sizeof(PEM_MARKER_END) - 1) == 0)
		return wm_contains(t + ps, pe - ps, PEM_MARKER_BEGIN,
				   sizeof(PEM_MARKER_BEGIN) - 1);
	/* Any line of line bytes lets the trigger go on. */
	return pe > ps && pem_run_start(t, pe, pe - ps) == ps;
}

/*
 * A body line in progress: line bytes after a line break whose previous
 * line is the BEGIN marker or another base64 line (or cannot be seen).
 * A '\' at the very end may begin an escaped break (the line ends
 * before it) or an escaped '/' (the line goes on): both are held.
 */
static size_t
pem_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	size_t max = d->max_len;
	size_t e = len > 0 && tail[len - 1] == '\\' ? len - 1 : len;
	size_t s = pem_run_start(tail, e, max + 2), line;

	if (s == e) {
		/* A backslash after a line break: the line may begin with
		 * an escaped slash. */
		if (e == len || e == 0 ||
		    (tail[e - 1] != '\n' && tail[e - 1] != '\r') ||
		    !pem_prev_line_ok(tail, e, len))
			return 0;
		return len - e;
	}
	/* Too long to see where the line began: its last max_len bytes. */
	if (e - s > max + 1 || (s == 0 && !wm_win_at_stream_start(len)))
		return WM_MIN(len - s, max + (len - e));
	if (s == 0)
		return 0;
	line = pem_line_start(tail, s);
	if (line == SIZE_MAX || line > e || (line == e && e == len) ||
	    !pem_prev_line_ok(tail, line, len))
		return 0;
	return WM_MIN(len - line, max + (len - e));
}

const struct wm_detector wm_detector_pem_private_key = {
	.name = "pem_private_key",
	.pattern = "-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----"
		   "(?:\\r?\\n|\\\\r\\\\n|\\\\n)"
		   "(?:(?:[A-Za-z0-9+/=]|\\\\/)+"
		   "(?:\\r?\\n|\\\\r\\\\n|\\\\n))*"
		   "(?:[A-Za-z0-9+/=]|\\\\/)+(?:[\\r\\n]|\\\\[rn])",
	.hs_flags = 0,
	.max_len = WM_PEM_LINE_MAX,
	.separators = "",
	.min_chars = 1,
	.classes = "A-Za-z0-9+/=",
	.hold = pem_hold,
	.confirm = pem_confirm,
};
