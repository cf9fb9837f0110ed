/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore contexts, HMAC tokens and fingerprints.
 *
 * Token of a value, exactly (wm_token_apply):
 *
 *   c[0..n-1]  the value's characters: its bytes that are ASCII letters
 *              or digits and not in @separators, in order (n <= 256)
 *   seed(a)    HMAC-SHA256(key, "tok" 0x00 || tweak || 0x00 || F || a ||
 *                               c[0..n-1])
 *              tweak: the string's bytes (NULL is ""), F: flags (one
 *              byte), a: attempt (one byte, 0 first)
 *   ks         seed(a) || H(1) || H(2) || ... (the first 2n bytes), with
 *              H(j) = HMAC-SHA256(key, "tks" 0x00 || seed(a) || be32(j))
 *   k[i]       be16(ks[2i], ks[2i+1])
 *   c'[i]      '0' + k[i] % 10   for a digit
 *              'A' + k[i] % 26   for an upper-case letter
 *              'a' + k[i] % 26   for a lower-case letter
 *              c[i] itself       when a flag keeps it
 *
 * The 16-bit modulo leaves a bias below 1e-4 of a class member's odds
 * (65536 mod 10 = 6, mod 26 = 16).
 *
 * Flags count digits among the characters only: KEEP_BIN keeps the first
 * 6, KEEP_LAST4 the last 4. LUHN then sets the last digit not kept so
 * that the digits (kept and new, in order) pass the Luhn check.
 *
 * A token never equals its value unless flags keep every character:
 * when c' == c, a = 1, 2, ... 15 are tried in turn; should all sixteen
 * give the value back (odds at most 10^-16), the last tokenised character
 * that Luhn does not set moves to the next member of its class (9 -> 0,
 * Z -> A, z -> a) and Luhn is applied again. When the Luhn digit is the
 * only character not kept, it is forced; if that gives the value back it
 * becomes the next digit, and the token then fails Luhn (a Luhn-valid
 * token would be the value itself).
 *
 * Tokens are a keyed hash, not a cipher: two values may share a token
 * (with 6 free digits, one pair in 10^6). Use fpe to get values back.
 *
 * Fingerprint: HMAC-SHA256(key, "fp" || value), first 8 bytes in hex.
 * "fp", "tok" 0x00 and "tks" 0x00 keep the three uses of one key apart.
 */
/*
 * The SHA256_Init() family is deprecated in OpenSSL 3.0 in favour of
 * EVP, whose HMAC allocates on every MAC; a SHA256_CTX is a plain struct
 * that HMAC pads can be copied from.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "token_priv.h"
#include "wm_token.h"

#define TOK_ATTEMPTS 16
#define TOK_FLAGS_ALL (WM_TOKEN_KEEP_BIN | WM_TOKEN_KEEP_LAST4 | WM_TOKEN_LUHN)
#define TOK_BIN_DIGITS 6
#define TOK_LAST_DIGITS 4
#define SHA256_LEN 32

enum tok_class { TOK_OTHER = 0, TOK_DIGIT, TOK_UPPER, TOK_LOWER };

static const struct {
	uint8_t base, size;
} tok_classes[] = {
	[TOK_DIGIT] = {'0', 10},
	[TOK_UPPER] = {'A', 26},
	[TOK_LOWER] = {'a', 26},
};

static enum tok_class
tok_class_of(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return TOK_DIGIT;
	if (c >= 'A' && c <= 'Z')
		return TOK_UPPER;
	if (c >= 'a' && c <= 'z')
		return TOK_LOWER;
	return TOK_OTHER;
}

struct wm_token_ctx *
wm_token_ctx_create(void)
{
	struct wm_token_ctx *ctx;
	void *mem;
	int rc;

	rc = posix_memalign(&mem, WM_CACHE_LINE, sizeof(*ctx));
	if (rc != 0) {
		errno = rc;
		return NULL;
	}
	ctx = mem;
	memset(ctx, 0, sizeof(*ctx));
	ctx->aes_cipher = -1;

	rc = wm_token_aes_init(ctx);
	if (rc < 0)
		goto free_ctx;
	return ctx;

free_ctx:
	ERR_clear_error();
	wm_token_ctx_free(ctx);
	errno = -rc;
	return NULL;
}

void
wm_token_ctx_free(struct wm_token_ctx *ctx)
{
	if (ctx == NULL)
		return;
	EVP_CIPHER_CTX_free(ctx->ecb);
	for (size_t i = 0; i < WM_ARRAY_SIZE(ctx->aes); i++)
		EVP_CIPHER_free(ctx->aes[i]);
	/* cached keys and every scratch buffer (values, keystreams) */
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	free(ctx);
}

/* The pads of @key (shorter than a SHA-256 block: used as it is). */
static void
tok_hmac_key(struct wm_token_ctx *ctx, const struct wm_key *key)
{
	uint8_t pad[SHA256_CBLOCK];

	_Static_assert(WM_KEY_LEN <= SHA256_CBLOCK, "key fits a block");
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < WM_KEY_LEN; i++)
		pad[i] ^= key->bytes[i];
	SHA256_Init(&ctx->hmac_inner);
	SHA256_Update(&ctx->hmac_inner, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	SHA256_Init(&ctx->hmac_outer);
	SHA256_Update(&ctx->hmac_outer, pad, sizeof(pad));
	OPENSSL_cleanse(pad, sizeof(pad));
	memcpy(ctx->hmac_key, key->bytes, WM_KEY_LEN);
	ctx->hmac_keyed = true;
}

/* Start an HMAC under @key; the pads are hashed again only for a new key. */
static int
tok_hmac_begin(struct wm_token_ctx *ctx, const struct wm_key *key)
{
	if (!ctx->hmac_keyed ||
	    CRYPTO_memcmp(ctx->hmac_key, key->bytes, WM_KEY_LEN) != 0)
		tok_hmac_key(ctx, key);
	ctx->hmac = ctx->hmac_inner;
	return 0;
}

static int
tok_hmac_update(struct wm_token_ctx *ctx, const void *p, size_t len)
{
	return SHA256_Update(&ctx->hmac, p, len) ? 0 : -EIO;
}

static int
tok_hmac_final(struct wm_token_ctx *ctx, uint8_t out[SHA256_LEN])
{
	uint8_t inner[SHA256_LEN];

	if (!SHA256_Final(inner, &ctx->hmac))
		return -EIO;
	ctx->hmac = ctx->hmac_outer;
	if (!SHA256_Update(&ctx->hmac, inner, sizeof(inner)) ||
	    !SHA256_Final(out, &ctx->hmac))
		return -EIO;
	return 0;
}

/* ks = the first 2n bytes of seed(a) || H(1) || H(2) ... (see the top). */
static int
tok_keystream(struct wm_token_ctx *ctx, const struct wm_key *key,
	      const char *tweak, unsigned int flags, unsigned int attempt,
	      size_t n)
{
	static const uint8_t seed_label[4] = {'t', 'o', 'k', 0};
	static const uint8_t ks_label[4] = {'t', 'k', 's', 0};
	const uint8_t fa[3] = {0, (uint8_t)flags, (uint8_t)attempt};
	size_t need = 2 * n, blocks = (need + SHA256_LEN - 1) / SHA256_LEN;
	uint8_t *ks = ctx->tok_ks;
	int rc;

	if ((rc = tok_hmac_begin(ctx, key)) < 0 ||
	    (rc = tok_hmac_update(ctx, seed_label, sizeof(seed_label))) < 0 ||
	    (rc = tok_hmac_update(ctx, tweak, strlen(tweak))) < 0 ||
	    (rc = tok_hmac_update(ctx, fa, sizeof(fa))) < 0 ||
	    (rc = tok_hmac_update(ctx, ctx->tok_chars, n)) < 0 ||
	    (rc = tok_hmac_final(ctx, ks)) < 0)
		return rc;
	for (size_t j = 1; j < blocks; j++) {
		const uint8_t be[4] = {(uint8_t)(j >> 24), (uint8_t)(j >> 16),
				       (uint8_t)(j >> 8), (uint8_t)j};

		if ((rc = tok_hmac_begin(ctx, key)) < 0 ||
		    (rc = tok_hmac_update(ctx, ks_label, sizeof(ks_label))) <
			    0 ||
		    (rc = tok_hmac_update(ctx, ks, SHA256_LEN)) < 0 ||
		    (rc = tok_hmac_update(ctx, be, sizeof(be))) < 0 ||
		    (rc = tok_hmac_final(ctx, ks + j * SHA256_LEN)) < 0)
			return rc;
	}
	return 0;
}

/* Luhn weight of a digit: doubled (digits summed) every second one from
 * the right; inverse: the digit whose doubled weight is w. (With today's
 * flags the Luhn digit is 0 or 4 from the right, never doubled; the
 * inverse keeps the fix right for any position.) */
static const uint8_t luhn_double[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};
static const uint8_t luhn_undouble[10] = {0, 5, 1, 6, 2, 7, 3, 8, 4, 9};

/* Set character @fix (a digit) so the value's digits pass Luhn. */
static void
tok_luhn_fix(struct wm_token_ctx *ctx, uint8_t *out, size_t n, size_t fix)
{
	unsigned int sum = 0, r = 0, fix_r = 0, need;

	for (size_t i = n; i-- > 0;) {
		uint8_t c = out[ctx->tok_pos[i]];

		if (tok_class_of(ctx->tok_chars[i]) != TOK_DIGIT)
			continue;
		if (i == fix)
			fix_r = r;
		else
			sum += (r & 1) ? luhn_double[c - '0'] : c - '0';
		r++;
	}
	need = (10 - sum % 10) % 10;
	out[ctx->tok_pos[fix]] =
		(uint8_t)('0' + ((fix_r & 1) ? luhn_undouble[need] : need));
}

/* Mark the characters flags keep; returns the Luhn digit (or n). */
static size_t
tok_mark_kept(struct wm_token_ctx *ctx, size_t n, unsigned int flags)
{
	size_t nd = 0, d = 0, luhn = n;

	for (size_t i = 0; i < n; i++)
		nd += tok_class_of(ctx->tok_chars[i]) == TOK_DIGIT;
	for (size_t i = 0; i < n; i++) {
		bool keep = false;

		if (tok_class_of(ctx->tok_chars[i]) == TOK_DIGIT) {
			keep = ((flags & WM_TOKEN_KEEP_BIN) &&
				d < TOK_BIN_DIGITS) ||
			       ((flags & WM_TOKEN_KEEP_LAST4) &&
				d + TOK_LAST_DIGITS >= nd);
			if (!keep && (flags & WM_TOKEN_LUHN))
				luhn = i;
			d++;
		}
		ctx->tok_kept[i] = keep;
	}
	return luhn;
}

static uint8_t
tok_next_in_class(uint8_t c)
{
	enum tok_class k = tok_class_of(c);

	return (uint8_t)(tok_classes[k].base +
			 (c - tok_classes[k].base + 1) % tok_classes[k].size);
}

static bool
tok_differs(const struct wm_token_ctx *ctx, const uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (out[ctx->tok_pos[i]] != ctx->tok_chars[i])
			return true;
	return false;
}

/* One attempt: map every character not kept through the keystream. */
static int
tok_derive(struct wm_token_ctx *ctx, const struct wm_key *key,
	   const char *tweak, unsigned int flags, unsigned int attempt,
	   size_t n, size_t luhn, uint8_t *out)
{
	int rc = tok_keystream(ctx, key, tweak, flags, attempt, n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		enum tok_class k = tok_class_of(ctx->tok_chars[i]);
		unsigned int v = (unsigned int)ctx->tok_ks[2 * i] << 8 |
				 ctx->tok_ks[2 * i + 1];

		if (!ctx->tok_kept[i])
			out[ctx->tok_pos[i]] =
				(uint8_t)(tok_classes[k].base +
					  v % tok_classes[k].size);
	}
	if (luhn < n)
		tok_luhn_fix(ctx, out, n, luhn);
	return 0;
}

int
wm_token_apply(struct wm_token_ctx *ctx, const struct wm_key *key,
	       const char *tweak, unsigned int flags, const char *separators,
	       const uint8_t *in, uint8_t *out, size_t len)
{
	size_t n = 0, luhn, nfree = 0, last_free = 0;
	int rc;

	if (ctx == NULL || key == NULL ||
	    (len > 0 && (in == NULL || out == NULL)) ||
	    (flags & ~TOK_FLAGS_ALL) != 0 || len > WM_TOKEN_VALUE_MAX)
		return -EINVAL;
	if (tweak == NULL)
		tweak = "";
	for (size_t i = 0; i < len; i++) {
		if (tok_class_of(in[i]) == TOK_OTHER ||
		    (separators != NULL && strchr(separators, in[i]) != NULL))
			continue;
		ctx->tok_chars[n] = in[i];
		ctx->tok_pos[n++] = (uint16_t)i;
	}
	if (out != in)
		memmove(out, in, len);

	luhn = tok_mark_kept(ctx, n, flags);
	for (size_t i = 0; i < n; i++) {
		if (!ctx->tok_kept[i] && i != luhn) {
			nfree++;
			last_free = i;
		}
	}
	rc = 0;
	if (nfree == 0) {
		/* Nothing to derive: all kept, or only the Luhn digit left. */
		if (luhn < n) {
			tok_luhn_fix(ctx, out, n, luhn);
			if (!tok_differs(ctx, out, n))
				out[ctx->tok_pos[luhn]] = tok_next_in_class(
					out[ctx->tok_pos[luhn]]);
		}
		goto wipe;
	}

	for (unsigned int a = 0; a < TOK_ATTEMPTS; a++) {
		rc = tok_derive(ctx, key, tweak, flags, a, n, luhn, out);
		if (rc < 0)
			goto fail;
		if (tok_differs(ctx, out, n))
			goto wipe;
	}
	out[ctx->tok_pos[last_free]] =
		tok_next_in_class(out[ctx->tok_pos[last_free]]);
	if (luhn < n)
		tok_luhn_fix(ctx, out, n, luhn);
	goto wipe;

fail:
	/* never leave the value half tokenised, half clear */
	for (size_t i = 0; i < n; i++)
		out[ctx->tok_pos[i]] = '*';
wipe:
	/* the clear characters and what was derived from them */
	OPENSSL_cleanse(ctx->tok_chars, n);
	OPENSSL_cleanse(ctx->tok_ks,
			(2 * n + SHA256_LEN - 1) / SHA256_LEN * SHA256_LEN);
	return rc;
}

int
wm_token_fingerprint(struct wm_token_ctx *ctx, const struct wm_key *key,
		     const uint8_t *in, size_t len, char hex[17])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t mac[SHA256_LEN];
	int rc;

	if (ctx == NULL || key == NULL || hex == NULL ||
	    (len > 0 && in == NULL))
		return -EINVAL;
	if ((rc = tok_hmac_begin(ctx, key)) < 0 ||
	    (rc = tok_hmac_update(ctx, "fp", 2)) < 0 ||
	    (rc = tok_hmac_update(ctx, in, len)) < 0 ||
	    (rc = tok_hmac_final(ctx, mac)) < 0)
		return rc;
	for (size_t i = 0; i < 8; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 0xf];
	}
	hex[16] = '\0';
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}
