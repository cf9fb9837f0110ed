/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key files. A key is 32 bytes written as one line:
 *
 *   64 hex digits (either case)           openssl rand -hex 32
 *   44 base64 characters, one '=' pad     openssl rand -base64 32
 *
 * optionally followed by white space (the newline). Anything else is
 * refused, as is a file that group or others may read or write: a key
 * that leaked through a permission bit cannot be unleaked.
 *
 * Messages name the file and what is wrong with it, never its content;
 * every buffer that held key material is wiped before it goes out of
 * scope.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "wm_token.h"

/* A file longer than this is not a key (a key line is 64 + newline). */
#define KEY_FILE_MAX 128
#define KEY_HEX_LEN (2 * WM_KEY_LEN)
#define KEY_B64_LEN 44 /* 4 * ceil(32 / 3), ends in one '=' */

static const char key_format_hint[] =
	"expected 64 hex digits or 44 base64 characters (32 bytes)";

static void __attribute__((format(printf, 3, 4)))
key_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
hex_val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
b64_val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool
key_decode_hex(const uint8_t *s, uint8_t *out)
{
	for (size_t i = 0; i < WM_KEY_LEN; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* 43 characters carry 258 bits: 256 of key, then 2 that must be zero
 * (canonical encoding), then the one '='. */
static bool
key_decode_b64(const uint8_t *s, uint8_t *out)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t o = 0;
	bool ok = true;

	if (s[KEY_B64_LEN - 1] != '=')
		return false;
	for (size_t i = 0; i < KEY_B64_LEN - 1; i++) {
		int v = b64_val(s[i]);

		if (v < 0) {
			ok = false;
			break;
		}
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < WM_KEY_LEN)
				out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (ok && (o != WM_KEY_LEN || bits != 2 || (acc & 0x3) != 0))
		ok = false;
	OPENSSL_cleanse(&acc, sizeof(acc));
	return ok;
}

/* Read the whole file (at most KEY_FILE_MAX + 1 bytes) into @buf. */
static int
key_read(int fd, uint8_t *buf, size_t *len)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, KEY_FILE_MAX + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > KEY_FILE_MAX)
			break;
	}
	*len = n;
	return 0;
}

static int
key_open_checked(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		key_err(err, errlen, "%s: cannot open key file: %s", path,
			strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		key_err(err, errlen, "%s: cannot stat key file: %s", path,
			strerror(-rc));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		key_err(err, errlen, "%s: key file is not a regular file",
			path);
		goto close_fd;
	}
	if (st.st_mode & 077) {
		rc = -EACCES;
		key_err(err, errlen,
			"%s: key file is accessible by group or others "
			"(chmod 600 %s)",
			path, path);
		goto close_fd;
	}
	return fd;

close_fd:
	close(fd);
	return rc;
}

/* @id may be key->id itself (a config that named the key first). */
static void
key_set_id(struct wm_key *key, const char *id)
{
	size_t n = id != NULL ? strnlen(id, sizeof(key->id) - 1) : 0;

	if (id != NULL)
		memmove(key->id, id, n);
	key->id[n] = '\0';
}

int
wm_key_load(const char *path, const char *id, struct wm_key *key, char *err,
	    size_t errlen)
{
	uint8_t buf[KEY_FILE_MAX + 1];
	size_t len = 0;
	bool ok = false;
	int fd, rc;

	if (path == NULL || key == NULL) {
		key_err(err, errlen, "no key file given");
		return -EINVAL;
	}
	fd = key_open_checked(path, err, errlen);
	if (fd < 0)
		return fd;
	rc = key_read(fd, buf, &len);
	close(fd);
	if (rc < 0) {
		key_err(err, errlen, "%s: cannot read key file: %s", path,
			strerror(-rc));
		goto wipe_buf;
	}
	if (len > KEY_FILE_MAX) {
		rc = -EINVAL;
		key_err(err, errlen, "%s: not a key: longer than %d bytes",
			path, KEY_FILE_MAX);
		goto wipe_buf;
	}
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
			   buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;

	if (len == KEY_HEX_LEN)
		ok = key_decode_hex(buf, key->bytes);
	else if (len == KEY_B64_LEN)
		ok = key_decode_b64(buf, key->bytes);
	if (!ok) {
		OPENSSL_cleanse(key->bytes, sizeof(key->bytes));
		rc = -EINVAL;
		key_err(err, errlen, "%s: not a key: %s", path,
			key_format_hint);
		goto wipe_buf;
	}
	key_set_id(key, id);
	rc = 0;

wipe_buf:
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

void
wm_key_wipe(struct wm_key *key)
{
	if (key != NULL)
		OPENSSL_cleanse(key->bytes, sizeof(key->bytes));
}
