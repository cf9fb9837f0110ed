/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader, the file before libconfig sees it. libconfig 1.5 blocks
 * on a FIFO, exits the process when an @include names a directory
 * ("input in flex scanner failed"), wraps integers silently to 32 bits
 * (4294967297 reads as 1) or to -1, stops a string at a NUL byte and
 * answers a byte order mark or a stray byte with "syntax error". So the
 * file is read here (a regular file, at most CONF_TEXT_MAX bytes) and
 * its text checked, every @include target too, and each of those is
 * refused with "FILE:LINE: SETTING: reason":
 *
 *   - a byte order mark, a NUL byte, a byte sequence that is not UTF-8;
 *   - an integer literal libconfig would not store as written: beyond
 *     32 bits without the L suffix, beyond 64 bits with it;
 *   - groups, arrays and lists nested deeper than CONF_TEXT_DEPTH;
 *   - an @include of something that is not a regular file, or deeper
 *     than libconfig's own limit.
 *
 * The setting is known from the text alone: the names before '=' or ':'
 * of the groups the byte is in ("reasm.ooo_bytes"); none outside them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"

#define CONF_TEXT_MAX (1u << 20)    /* bytes of one config file */
#define CONF_TEXT_DEPTH 16          /* nested groups, arrays, lists */
#define CONF_INCLUDE_DEPTH 10       /* libconfig's own limit */
#define CONF_NAME_LEN 64

struct text_scan {
	const char *file;
	const char *incdir;
	const uint8_t *p, *end;
	unsigned int line;
	unsigned int depth;                  /* nesting now */
	unsigned int include_depth;
	char names[CONF_TEXT_DEPTH + 1][CONF_NAME_LEN];
	char pending[CONF_NAME_LEN];         /* "name =" not yet a value */
	char *err;
	size_t errlen;
};

/* "a.b.c" of the groups around the scan and the setting being given. */
static void
text_setting(const struct text_scan *t, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i <= t->depth && i <= CONF_TEXT_DEPTH; i++) {
		const char *s = i < t->depth ? t->names[i + 1] : t->pending;

		if (s[0] != '\0' && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n != 0 ? "." : "", s);
	}
}

static int __attribute__((format(printf, 2, 3)))
text_err(struct text_scan *t, const char *fmt, ...)
{
	char setting[256], reason[4096 + 256];
	va_list ap;

	text_setting(t, setting, sizeof(setting));
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(t->err, t->errlen, "%s:%u: %s%s%s", t->file, t->line,
		 setting, setting[0] != '\0' ? ": " : "", reason);
	return -EINVAL;
}

/* Length of the UTF-8 sequence at @p (RFC 3629), or 0 when invalid. */
static size_t
utf8_len(const uint8_t *p, const uint8_t *end)
{
	size_t n, avail = (size_t)(end - p);
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;   /* overlong, beyond Unicode, a surrogate */
	return n;
}

/* One byte (or UTF-8 sequence) of text: advance, or refuse it. */
static int
text_byte(struct text_scan *t, size_t *n)
{
	char hex[8];

	if (*t->p == '\0')
		return text_err(t, "a NUL byte: not a text file");
	*n = utf8_len(t->p, t->end);
	if (*n == 0) {
		snprintf(hex, sizeof(hex), "0x%02x", *t->p);
		return text_err(t, "byte %s is not UTF-8", hex);
	}
	if (*t->p == '\n')
		t->line++;
	return 0;
}

/*
 * An integer literal at t->p: libconfig 1.5 keeps one without the L
 * suffix in 32 bits (and wraps it), one with it in 64.
 */
static int
text_number(struct text_scan *t)
{
	const uint8_t *s = t->p, *q = s;
	bool neg = false, hex = false, big = false;
	unsigned __int128 v = 0;
	char lit[48];

	if (*q == '-' || *q == '+')
		neg = *q++ == '-';
	if (q[0] == '0' && q + 1 < t->end && (q[1] | 0x20) == 'x' &&
	    q + 2 < t->end && strchr("0123456789abcdefABCDEF", q[2]) != NULL) {
		hex = true;
		q += 2;
	}
	for (; q < t->end; q++) {
		unsigned int d;

		if (*q >= '0' && *q <= '9')
			d = *q - '0';
		else if (hex && (*q | 0x20) >= 'a' && (*q | 0x20) <= 'f')
			d = (*q | 0x20) - 'a' + 10;
		else
			break;
		v = v * (hex ? 16 : 10) + d;
		if (v > ((unsigned __int128)1 << 64)) {
			big = true;     /* stop growing: it is too big anyway */
			v = (unsigned __int128)1 << 64;
		}
	}
	if (!hex && q < t->end && (*q == '.' || (*q | 0x20) == 'e')) {
		/* a float: libconfig reads it as one, the tables say */
		while (q < t->end && strchr("0123456789.eE+-", *q) != NULL)
			q++;
		t->p = q;
		return 0;
	}
	snprintf(lit, sizeof(lit), "%.*s%s", (int)((q - s) < 40 ? q - s : 40),
		 (const char *)s, q - s > 40 ? "..." : "");
	if (q < t->end && *q == 'L')
		q++;
	if (big || v > (unsigned __int128)INT64_MAX + neg)
		return text_err(t, "%s is beyond 64 bits", lit);
	if (q[-1] != 'L' && v > (unsigned __int128)INT32_MAX + neg)
		return text_err(t, "%s is beyond 32 bits: an integer that "
				"needs more ends in L (4294967296L)", lit);
	t->p = q;
	return 0;
}

static int text_check(struct text_scan *t);

/* Check the included file open at @fd, one level deeper. */
static int
text_include_file(struct text_scan *t, int fd, const char *path)
{
	struct text_scan sub = {
		.file = path, .incdir = t->incdir, .line = 1,
		.include_depth = t->include_depth + 1,
		.err = t->err, .errlen = t->errlen,
	};
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = conf_text_read_fd(fd, path, &buf, &len, t->err, t->errlen);
	if (rc < 0)
		return rc;
	sub.p = (const uint8_t *)buf;
	sub.end = sub.p + len;
	rc = text_check(&sub);
	free(buf);
	return rc;
}

/* @include "FILE" at the start of a line: a regular file, checked too. */
static int
text_include(struct text_scan *t)
{
	static const char kw[] = "@include";
	const uint8_t *q = t->p + sizeof(kw) - 1, *e;
	char path[2 * 4096 + 8], name[4096];
	struct stat st;
	int fd, rc;

	if ((size_t)(t->end - t->p) < sizeof(kw) ||
	    memcmp(t->p, kw, sizeof(kw) - 1) != 0)
		return 0;   /* libconfig's syntax error says enough */
	while (q < t->end && (*q == ' ' || *q == '\t'))
		q++;
	if (q >= t->end || *q != '"' ||
	    (e = memchr(q + 1, '"', (size_t)(t->end - q - 1))) == NULL)
		return 0;
	snprintf(name, sizeof(name), "%.*s", (int)(e - q - 1),
		 (const char *)q + 1);
	if (name[0] == '/' || t->incdir == NULL)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", t->incdir, name);
	if (t->include_depth >= CONF_INCLUDE_DEPTH)
		return text_err(t, "@include nested deeper than %d",
				CONF_INCLUDE_DEPTH);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return text_err(t, "@include: cannot open %s: %s", path,
				strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return text_err(t, "@include: %s is not a regular file", path);
	}
	rc = text_include_file(t, fd, path);
	close(fd);
	if (rc < 0)
		return rc;
	t->p = e + 1;
	return 0;
}

/* Skip a "string" (escapes included), checking its bytes. */
static int
text_string(struct text_scan *t)
{
	size_t n;
	int rc;

	t->p++;
	while (t->p < t->end && *t->p != '"') {
		if (*t->p == '\\' && t->p + 1 < t->end && t->p[1] != '\0')
			t->p++;
		rc = text_byte(t, &n);
		if (rc < 0)
			return rc;
		t->p += n;
	}
	if (t->p < t->end)
		t->p++;
	return 0;
}

/* Skip a comment: # and // to the end of the line, or / * to * /. */
static int
text_comment(struct text_scan *t, bool block)
{
	size_t n;
	int rc;

	t->p += block ? 2 : 1;
	while (t->p < t->end) {
		if (!block && *t->p == '\n')
			return 0;
		if (block && *t->p == '*' && t->p + 1 < t->end &&
		    t->p[1] == '/') {
			t->p += 2;
			return 0;
		}
		rc = text_byte(t, &n);
		if (rc < 0)
			return rc;
		t->p += n;
	}
	return 0;
}

static bool
is_name(uint8_t c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' ||
	       (!first && ((c >= '0' && c <= '9') || c == '-' || c == '_'));
}

/* A name: remembered as the setting if '=' or ':' follows. */
static void
text_name(struct text_scan *t, char *last)
{
	const uint8_t *s = t->p;

	while (t->p < t->end && is_name(*t->p, false))
		t->p++;
	snprintf(last, CONF_NAME_LEN, "%.*s", (int)(t->p - s),
		 (const char *)s);
}

/* One token outside strings and comments; @bol: first on its line. */
static int
text_token(struct text_scan *t, char *last, bool bol)
{
	uint8_t c = *t->p;
	size_t n;

	if (c == '"')
		return text_string(t);
	if (c == '#' || (c == '/' && t->p + 1 < t->end && t->p[1] == '/'))
		return text_comment(t, false);
	if (c == '/' && t->p + 1 < t->end && t->p[1] == '*')
		return text_comment(t, true);
	if (c == '@' && bol)
		return text_include(t);
	if ((c >= '0' && c <= '9') || ((c == '-' || c == '+') &&
	    t->p + 1 < t->end && t->p[1] >= '0' && t->p[1] <= '9'))
		return text_number(t);
	if (is_name(c, true)) {
		text_name(t, last);
		return 0;
	}
	if (c == '=' || c == ':') {
		snprintf(t->pending, sizeof(t->pending), "%s", last);
	} else if (c == '{' || c == '(' || c == '[') {
		if (t->depth == CONF_TEXT_DEPTH)
			return text_err(t, "nested deeper than %d levels",
					CONF_TEXT_DEPTH);
		t->depth++;
		memcpy(t->names[t->depth], t->pending, sizeof(t->pending));
		t->pending[0] = '\0';
	} else if (c == '}' || c == ')' || c == ']') {
		if (t->depth > 0)
			memcpy(t->pending, t->names[t->depth--],
			       sizeof(t->pending));
	} else if (c == ';' || c == ',') {
		t->pending[0] = '\0';
	}
	if (text_byte(t, &n) < 0)
		return -EINVAL;
	t->p += n;
	return 0;
}

static int
text_check(struct text_scan *t)
{
	char last[CONF_NAME_LEN] = "";
	bool bol = true;
	int rc;

	if (t->end - t->p >= 3 && memcmp(t->p, "\xef\xbb\xbf", 3) == 0)
		return text_err(t, "starts with a byte order mark (EF BB BF): "
				"save it as UTF-8 without one");
	while (t->p < t->end) {
		uint8_t c = *t->p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
			t->p++;
			continue;
		}
		if (c == '\n') {
			t->line++;
			t->p++;
			bol = true;
			continue;
		}
		rc = text_token(t, last, bol);
		if (rc < 0)
			return rc;
		bol = false;
	}
	return 0;
}

int
conf_text_read_fd(int fd, const char *name, char **text, size_t *len,
		  char *err, size_t errlen)
{
	struct stat st;
	size_t n = 0;
	char *buf;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot open: %s", name,
			 strerror(errno));
		return -EINVAL;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot open: %s", name,
			 strerror(EISDIR));
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		/* a FIFO would block libconfig, a device never end */
		snprintf(err, errlen, "%s: cannot open: not a regular file "
			 "(a FIFO, a device or a socket)", name);
		return -EINVAL;
	}
	if ((uintmax_t)st.st_size > CONF_TEXT_MAX) {
		snprintf(err, errlen, "%s: larger than %u bytes", name,
			 CONF_TEXT_MAX);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break;  /* shorter than fstat said: read what is */
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int
conf_text_check(const char *name, const char *text, size_t len,
		const char *incdir, char *err, size_t errlen)
{
	struct text_scan t = {
		.file = name, .incdir = incdir, .line = 1,
		.p = (const uint8_t *)text, .end = (const uint8_t *)text + len,
		.err = err, .errlen = errlen,
	};

	return text_check(&t);
}

int
conf_text_load(const char *path, const char *incdir, char **text,
	       char *err, size_t errlen)
{
	size_t len;
	int fd, rc;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(-rc));
		return rc;
	}
	rc = conf_text_read_fd(fd, path, text, &len, err, errlen);
	close(fd);
	if (rc < 0)
		return rc;
	rc = conf_text_check(path, *text, len, incdir, err, errlen);
	if (rc < 0) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
