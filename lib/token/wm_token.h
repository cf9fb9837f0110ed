/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed, length-preserving operators (OpenSSL 3 EVP), no EAL:
 *  - keys: 32 bytes from a file (hex or base64), refused when the file is
 *    readable by group or others; wiped from memory when freed; a key's
 *    bytes never reach a log or an error message;
 *  - token: a deterministic keyed pseudonym, HMAC-SHA256 of the value
 *    under a key (and a tweak, e.g. the segment name) mapped into the
 *    value's own character classes position by position (digit -> digit,
 *    upper -> upper, lower -> lower, everything else kept), optionally
 *    keeping a card's BIN and last four and making it Luhn-valid;
 *  - fpe: NIST SP 800-38G FF1 with AES-256 over the value's digits (radix
 *    10) or alphanumerics (36: case-folded, 62), separators kept,
 *    reversible by the key holder;
 *  - fingerprint: a keyed hash of a value for event logs (two events
 *    about one value can be linked; the value cannot be read back).
 *
 * Contexts (OpenSSL MAC/cipher objects) are per lcore: create one per
 * worker, never share it between threads.
 */
#ifndef WM_TOKEN_H
#define WM_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_common.h"

#define WM_KEY_LEN 32

struct wm_key {
	char id[WM_NAME_MAX];
	uint8_t bytes[WM_KEY_LEN];
};

/* wm_token_apply() flags */
#define WM_TOKEN_KEEP_BIN 0x01   /* keep the first 6 digits */
#define WM_TOKEN_KEEP_LAST4 0x02 /* keep the last 4 digits */
#define WM_TOKEN_LUHN 0x04       /* make the digits Luhn-valid */

struct wm_token_ctx;

/**
 * Load a 32-byte key (hex, 64 digits, or base64) from @path into @key
 * (id set to @id). Refuses a file readable or writable by group or
 * others. Returns 0 or -errno with a message naming the file (never the
 * key) in @err.
 */
int wm_key_load(const char *path, const char *id, struct wm_key *key,
		char *err, size_t errlen);

/** Wipe a key's bytes (OPENSSL_cleanse). */
void wm_key_wipe(struct wm_key *key);

/** Per-lcore context; NULL with errno on failure. */
struct wm_token_ctx *wm_token_ctx_create(void);

/** Free a context; NULL is allowed. */
void wm_token_ctx_free(struct wm_token_ctx *ctx);

/**
 * Token: write @len bytes to @out from @in. Bytes in @separators, and
 * bytes that are not ASCII letters or digits, are copied. @tweak (may
 * be NULL) separates token spaces (e.g. per segment). Deterministic:
 * same key, tweak, flags and value give the same token. 0 or -errno.
 */
int wm_token_apply(struct wm_token_ctx *ctx, const struct wm_key *key,
		   const char *tweak, unsigned int flags,
		   const char *separators, const uint8_t *in, uint8_t *out,
		   size_t len);

/**
 * FF1 (SP 800-38G, AES-256) on numerals: encrypt (or decrypt) @n numerals
 * of @x in @radix (2..62) under @key and @tweak (@tlen bytes) into @y.
 * 0, or -EINVAL when radix^n < 1000000 or n is out of range.
 */
int wm_ff1_encrypt(struct wm_token_ctx *ctx, const struct wm_key *key,
		   const uint8_t *tweak, size_t tlen, unsigned int radix,
		   const uint16_t *x, size_t n, uint16_t *y);
int wm_ff1_decrypt(struct wm_token_ctx *ctx, const struct wm_key *key,
		   const uint8_t *tweak, size_t tlen, unsigned int radix,
		   const uint16_t *x, size_t n, uint16_t *y);

/**
 * FPE over a value's characters: radix 10 enciphers the digits, 36 the
 * letters and digits case-folded (output lower case where a letter was),
 * 62 letters and digits with case; every other byte (separators) stays
 * where it is. @decrypt reverses it. 0, or -EINVAL when the value has too
 * few characters for the radix (domain < 10^6).
 */
int wm_fpe_apply(struct wm_token_ctx *ctx, const struct wm_key *key,
		 const char *tweak, unsigned int radix, bool decrypt,
		 const uint8_t *in, uint8_t *out, size_t len);

/** Smallest character count whose FF1 domain reaches 10^6 in @radix. */
unsigned int wm_fpe_min_chars(unsigned int radix);

/**
 * Fingerprint of a value: HMAC-SHA256 under @key, first 8 bytes as 16
 * lower-case hex digits plus NUL in @hex.
 */
int wm_token_fingerprint(struct wm_token_ctx *ctx, const struct wm_key *key,
			 const uint8_t *in, size_t len, char hex[17]);

#endif /* WM_TOKEN_H */
