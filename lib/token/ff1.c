/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FF1 (NIST SP 800-38G, with Rev. 1's radix^n >= 10^6) over AES, and
 * format-preserving encryption of a value's characters with it.
 *
 * Bounds: radix 2..62, n 2..256 numerals, tweak 0..256 bytes.
 *
 * Arithmetic is fixed-width (no BIGNUM, nothing allocated): NUM_radix()
 * of at most 128 numerals and NUM(S) of at most 100 bytes fit in 28
 * 32-bit limbs. (NUM_radix(A) + y) mod radix^m is done in radix itself:
 * y's m low digits in radix, then a digit-wise add (or subtract) that
 * drops the last carry, which is exactly the reduction mod radix^m.
 *
 * The PRF is a CBC-MAC chained by hand over AES-ECB. P is the same in
 * all ten rounds and so are the whole blocks of Q before the round
 * number (tweak and zero pad), so the chain state after them is computed
 * once per call:
 *
 *   P (16) | tweak ........ 0 pad | i | NUM_radix(B), b bytes |
 *   \______ fixed: chained once ______/\___ per round ________/
 *          (whole blocks only)
 *
 * fpe: characters -> numerals by radix, the rest of the value stays:
 *   10  '0'..'9' = 0..9; letters and all else stay
 *   36  '0'..'9' = 0..9, 'a'..'z' and 'A'..'Z' = 10..35 (case-folded);
 *       a numeral >= 10 comes out as a lower-case letter, or upper case
 *       where the input character at that position was an upper-case
 *       letter (the same rule both ways: decryption gives back the case
 *       of every letter that enciphered to a letter, lower case for one
 *       that enciphered to a digit)
 *   62  '0'..'9' = 0..9, 'A'..'Z' = 10..35, 'a'..'z' = 36..61
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "token_priv.h"
#include "wm_token.h"

#define FF1_ROUNDS 10
#define FF1_DOMAIN_MIN 1000000u
#define AES_BLOCK 16
#define BN_LIMBS 28

/* The per-round arithmetic is inlined into one copy per common radix,
 * where dividing by the radix is a multiplication. */
#define FF1_INLINE static inline __attribute__((always_inline))

_Static_assert(BN_LIMBS * 4 >= WM_FF1_D_MAX, "NUM(S) fits");

/* Little-endian 32-bit limbs; n limbs in use, no leading zero limb. */
struct ff1_bn {
	uint32_t w[BN_LIMBS];
	unsigned int n;
};

/* Numerals per 32-bit chunk: the largest k with radix^k < 2^32. */
struct ff1_chunk {
	unsigned int k;
	uint32_t base; /* radix^k */
};

static struct ff1_chunk
ff1_chunk_of(unsigned int radix)
{
	struct ff1_chunk c = {0, 1};

	while ((uint64_t)c.base * radix <= UINT32_MAX) {
		c.base *= radix;
		c.k++;
	}
	return c;
}

/* z = z * mul + add (mul, add < 2^32). */
static void
bn_mul_add(struct ff1_bn *z, uint32_t mul, uint32_t add)
{
	uint64_t carry = add;

	for (unsigned int i = 0; i < z->n; i++) {
		uint64_t t = (uint64_t)z->w[i] * mul + carry;

		z->w[i] = (uint32_t)t;
		carry = t >> 32;
	}
	if (carry != 0 && z->n < BN_LIMBS)
		z->w[z->n++] = (uint32_t)carry;
}

/* z = z / div, returns z mod div. */
FF1_INLINE uint32_t
bn_divmod(struct ff1_bn *z, uint32_t div)
{
	uint64_t rem = 0;

	for (unsigned int i = z->n; i-- > 0;) {
		uint64_t cur = rem << 32 | z->w[i];

		z->w[i] = (uint32_t)(cur / div);
		rem = cur % div;
	}
	while (z->n > 0 && z->w[z->n - 1] == 0)
		z->n--;
	return (uint32_t)rem;
}

/* z = NUM_radix(x[0..m-1]), most significant numeral first. */
FF1_INLINE void
bn_from_numerals(struct ff1_bn *z, const uint16_t *x, size_t m,
		 unsigned int radix, unsigned int k)
{
	size_t i = 0, first = m % k;

	z->n = 0;
	while (i < m) {
		size_t take = i == 0 && first != 0 ? first : k;
		uint32_t mul = 1, v = 0;

		for (size_t j = 0; j < take; j++) {
			v = v * radix + x[i + j];
			mul *= radix;
		}
		bn_mul_add(z, mul, v);
		i += take;
	}
}

/* y[0..m-1] = the m low digits of z in radix (z is consumed). */
FF1_INLINE void
bn_to_numerals(struct ff1_bn *z, uint16_t *y, size_t m, unsigned int radix,
	       unsigned int k, uint32_t base)
{
	size_t i = m;

	while (i > 0) {
		uint32_t r = z->n > 0 ? bn_divmod(z, base) : 0;

		for (unsigned int j = 0; j < k && i > 0; j++) {
			y[--i] = (uint16_t)(r % radix);
			r /= radix;
		}
	}
}

static void
bn_to_bytes(const struct ff1_bn *z, uint8_t *out, size_t len)
{
	memset(out, 0, len);
	for (unsigned int i = 0; i < z->n; i++)
		for (unsigned int j = 0; j < 4 && 4 * i + j < len; j++)
			out[len - 1 - (4 * i + j)] =
				(uint8_t)(z->w[i] >> 8 * j);
}

static void
bn_from_bytes(struct ff1_bn *z, const uint8_t *in, size_t len)
{
	z->n = (unsigned int)((len + 3) / 4);
	memset(z->w, 0, z->n * sizeof(z->w[0]));
	for (size_t k = 0; k < len; k++)
		z->w[k / 4] |= (uint32_t)in[len - 1 - k] << 8 * (k % 4);
	while (z->n > 0 && z->w[z->n - 1] == 0)
		z->n--;
}

/* b = ceil(ceil(v * log2(radix)) / 8) = bytes of the bit length of
 * radix^v - 1, exactly (no floating point). */
static unsigned int
ff1_b(struct wm_token_ctx *ctx, unsigned int radix, unsigned int v)
{
	struct ff1_bn z = {.w = {1}, .n = 1};
	unsigned int bits, i;

	if (ctx->ff1_b_radix == radix && ctx->ff1_b_v == v)
		return ctx->ff1_b;
	for (i = 0; i < v; i++)
		bn_mul_add(&z, radix, 0);
	for (i = 0; z.w[i] == 0; i++) /* z - 1, z >= 2 */
		z.w[i] = UINT32_MAX;
	z.w[i]--;
	while (z.n > 0 && z.w[z.n - 1] == 0)
		z.n--;
	bits = z.n == 0 ? 0
			: 32 * (z.n - 1) + 32 -
				  (unsigned int)__builtin_clz(z.w[z.n - 1]);
	ctx->ff1_b_radix = radix;
	ctx->ff1_b_v = v;
	ctx->ff1_b = (bits + 7) / 8;
	return ctx->ff1_b;
}

int
wm_token_aes_init(struct wm_token_ctx *ctx)
{
	static const char *const names[] = {"AES-128-ECB", "AES-192-ECB",
					    "AES-256-ECB"};

	for (size_t i = 0; i < WM_ARRAY_SIZE(names); i++) {
		ctx->aes[i] = EVP_CIPHER_fetch(NULL, names[i], NULL);
		if (ctx->aes[i] == NULL)
			return -EIO;
	}
	ctx->ecb = EVP_CIPHER_CTX_new();
	return ctx->ecb != NULL ? 0 : -ENOMEM;
}

int
wm_token_aes_setkey(struct wm_token_ctx *ctx, const uint8_t *key, size_t keylen)
{
	int idx = keylen == 16 ? 0 : keylen == 24 ? 1 : keylen == 32 ? 2 : -1;

	if (idx < 0)
		return -EINVAL;
	if (ctx->aes_keylen == keylen &&
	    CRYPTO_memcmp(ctx->aes_key, key, keylen) == 0)
		return 0;
	ctx->aes_keylen = 0;
	/* Same cipher: new key schedule only (no new provider context). */
	if (!EVP_EncryptInit_ex2(ctx->ecb,
				 ctx->aes_cipher == idx ? NULL : ctx->aes[idx],
				 key, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx->ecb, 0)) {
		ctx->aes_cipher = -1;
		ERR_clear_error();
		return -EIO;
	}
	ctx->aes_cipher = idx;
	memcpy(ctx->aes_key, key, keylen);
	ctx->aes_keylen = keylen;
	return 0;
}

/* ECB over whole blocks, in place allowed. */
static int
ff1_aes(struct wm_token_ctx *ctx, const uint8_t *in, uint8_t *out, size_t len)
{
	int outl = 0;

	if (EVP_EncryptUpdate(ctx->ecb, out, &outl, in, (int)len) &&
	    (size_t)outl == len)
		return 0;
	ERR_clear_error();
	return -EIO;
}

/* CBC-MAC continued: state = E(state ^ block) over @nblk blocks. */
static int
ff1_cbc_mac(struct wm_token_ctx *ctx, uint8_t state[AES_BLOCK],
	    const uint8_t *blk, size_t nblk)
{
	for (size_t i = 0; i < nblk; i++) {
		for (size_t j = 0; j < AES_BLOCK; j++)
			state[j] ^= blk[i * AES_BLOCK + j];
		if (ff1_aes(ctx, state, state, AES_BLOCK) < 0)
			return -EIO;
	}
	return 0;
}

static bool
ff1_domain_ok(unsigned int radix, size_t n)
{
	uint64_t dom = 1;

	for (size_t i = 0; i < n && dom < FF1_DOMAIN_MIN; i++)
		dom *= radix;
	return n >= 2 && dom >= FF1_DOMAIN_MIN;
}

/* S = R || E(R ^ [1]^16) || E(R ^ [2]^16) ..., d bytes; y = NUM(S). */
static int
ff1_expand(struct wm_token_ctx *ctx, const uint8_t r[AES_BLOCK], unsigned int d,
	   struct ff1_bn *y)
{
	uint8_t *s = ctx->ff1_s;
	size_t blocks = (d + AES_BLOCK - 1) / AES_BLOCK;

	memcpy(s, r, AES_BLOCK);
	for (size_t j = 1; j < blocks; j++) {
		memcpy(s + j * AES_BLOCK, r, AES_BLOCK);
		s[j * AES_BLOCK + AES_BLOCK - 1] ^= (uint8_t)j;
	}
	if (blocks > 1 && ff1_aes(ctx, s + AES_BLOCK, s + AES_BLOCK,
				  (blocks - 1) * AES_BLOCK) < 0)
		return -EIO;
	bn_from_bytes(y, s, d);
	return 0;
}

/* c = a + y mod radix^m, digit by digit. */
FF1_INLINE void
ff1_digits_add(const uint16_t *a, const uint16_t *y, uint16_t *c, size_t m,
	       unsigned int radix)
{
	unsigned int carry = 0;

	for (size_t j = m; j-- > 0;) {
		unsigned int s = a[j] + y[j] + carry;

		carry = s >= radix;
		c[j] = (uint16_t)(carry ? s - radix : s);
	}
}

/* c = a - y mod radix^m, digit by digit. */
FF1_INLINE void
ff1_digits_sub(const uint16_t *a, const uint16_t *y, uint16_t *c, size_t m,
	       unsigned int radix)
{
	unsigned int borrow = 0;

	for (size_t j = m; j-- > 0;) {
		unsigned int s = a[j] + radix - y[j] - borrow;

		borrow = s < radix;
		c[j] = (uint16_t)(borrow ? s : s - radix);
	}
}

struct ff1_call {
	unsigned int radix, n, u, v, b, d;
	size_t tlen, pad, fixed_blocks, qlen;
	uint8_t fixed_state[AES_BLOCK]; /* CBC-MAC after P and fixed Q */
};

static int
ff1_setup(struct wm_token_ctx *ctx, struct ff1_call *fc, const uint8_t *tweak)
{
	uint8_t p[AES_BLOCK] = {1, 2, 1};
	uint32_t n = fc->n, t = (uint32_t)fc->tlen;

	fc->u = fc->n / 2;
	fc->v = fc->n - fc->u;
	fc->b = ff1_b(ctx, fc->radix, fc->v);
	fc->d = 4 * ((fc->b + 3) / 4) + 4;
	fc->pad = (AES_BLOCK - (fc->tlen + fc->b + 1) % AES_BLOCK) % AES_BLOCK;
	fc->qlen = fc->tlen + fc->pad + 1 + fc->b;
	fc->fixed_blocks = (fc->tlen + fc->pad) / AES_BLOCK;

	p[3] = (uint8_t)(fc->radix >> 16);
	p[4] = (uint8_t)(fc->radix >> 8);
	p[5] = (uint8_t)fc->radix;
	p[6] = 10;
	p[7] = (uint8_t)(fc->u % 256);
	for (int i = 0; i < 4; i++) {
		p[8 + i] = (uint8_t)(n >> (24 - 8 * i));
		p[12 + i] = (uint8_t)(t >> (24 - 8 * i));
	}
	if (fc->tlen > 0)
		memcpy(ctx->ff1_q, tweak, fc->tlen);
	memset(ctx->ff1_q + fc->tlen, 0, fc->pad);

	memset(fc->fixed_state, 0, AES_BLOCK);
	if (ff1_cbc_mac(ctx, fc->fixed_state, p, 1) < 0 ||
	    ff1_cbc_mac(ctx, fc->fixed_state, ctx->ff1_q, fc->fixed_blocks) < 0)
		return -EIO;
	return 0;
}

/* y for round i from the numerals @src (B when encrypting, A when
 * decrypting), as m digits in radix into ctx->ff1_half[3]. */
FF1_INLINE int
ff1_round_y(struct wm_token_ctx *ctx, const struct ff1_call *fc, unsigned int i,
	    const uint16_t *src, size_t srclen, size_t m, unsigned int radix,
	    unsigned int k, uint32_t base)
{
	uint8_t *q = ctx->ff1_q;
	size_t off = fc->tlen + fc->pad, from = fc->fixed_blocks * AES_BLOCK;
	uint8_t r[AES_BLOCK];
	struct ff1_bn z;

	q[off] = (uint8_t)i;
	bn_from_numerals(&z, src, srclen, radix, k);
	bn_to_bytes(&z, q + off + 1, fc->b);
	memcpy(r, fc->fixed_state, AES_BLOCK);
	if (ff1_cbc_mac(ctx, r, q + from, (fc->qlen - from) / AES_BLOCK) < 0 ||
	    ff1_expand(ctx, r, fc->d, &z) < 0)
		return -EIO;
	bn_to_numerals(&z, ctx->ff1_half[3], m, radix, k, base);
	return 0;
}

/*
 * The ten Feistel rounds over x[0..n-1] into y. Halves rotate through
 * ff1_half[0..2] (A, B and the new C); ff1_half[3] holds y in radix.
 */
FF1_INLINE int
ff1_rounds(struct wm_token_ctx *ctx, const struct ff1_call *fc, bool decrypt,
	   const uint16_t *x, uint16_t *y, unsigned int radix, unsigned int k,
	   uint32_t base)
{
	uint16_t *a = ctx->ff1_half[0], *b = ctx->ff1_half[1];
	uint16_t *c = ctx->ff1_half[2], *t;
	size_t alen = fc->u, blen = fc->v;

	memcpy(a, x, alen * sizeof(*x));
	memcpy(b, x + alen, blen * sizeof(*x));
	for (unsigned int r = 0; r < FF1_ROUNDS; r++) {
		unsigned int i = decrypt ? FF1_ROUNDS - 1 - r : r;
		size_t m = (i & 1) ? fc->v : fc->u;

		if (!decrypt) {
			if (ff1_round_y(ctx, fc, i, b, blen, m, radix, k,
					base) < 0)
				return -EIO;
			ff1_digits_add(a, ctx->ff1_half[3], c, m, radix);
			t = a, a = b, b = c, c = t; /* A = B, B = C */
			alen = blen;
			blen = m;
		} else {
			if (ff1_round_y(ctx, fc, i, a, alen, m, radix, k,
					base) < 0)
				return -EIO;
			ff1_digits_sub(b, ctx->ff1_half[3], c, m, radix);
			t = b, b = a, a = c, c = t; /* B = A, A = C */
			blen = alen;
			alen = m;
		}
	}
	memcpy(y, a, alen * sizeof(*y));
	memcpy(y + alen, b, blen * sizeof(*y));
	return 0;
}

/* One copy of the rounds per radix fpe uses, one for all others. */
static int
ff1_run(struct wm_token_ctx *ctx, const struct ff1_call *fc, bool decrypt,
	const uint16_t *x, uint16_t *y)
{
	struct ff1_chunk ch;

	switch (fc->radix) {
	case 10:
		return ff1_rounds(ctx, fc, decrypt, x, y, 10, 9, 1000000000u);
	case 36:
		return ff1_rounds(ctx, fc, decrypt, x, y, 36, 6, 2176782336u);
	case 62:
		return ff1_rounds(ctx, fc, decrypt, x, y, 62, 5, 916132832u);
	default:
		ch = ff1_chunk_of(fc->radix);
		return ff1_rounds(ctx, fc, decrypt, x, y, fc->radix, ch.k,
				  ch.base);
	}
}

int
wm_ff1_crypt(struct wm_token_ctx *ctx, const uint8_t *key, size_t keylen,
	     const uint8_t *tweak, size_t tlen, unsigned int radix,
	     bool decrypt, const uint16_t *x, size_t n, uint16_t *y)
{
	struct ff1_call fc = {
		.radix = radix, .n = (unsigned int)n, .tlen = tlen};
	int rc;

	if (ctx == NULL || key == NULL || x == NULL || y == NULL || radix < 2 ||
	    radix > 62 || n > WM_FF1_N_MAX || !ff1_domain_ok(radix, n) ||
	    tlen > WM_FF1_TWEAK_MAX || (tlen > 0 && tweak == NULL))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (x[i] >= radix)
			return -EINVAL;
	rc = wm_token_aes_setkey(ctx, key, keylen);
	if (rc < 0)
		return rc;
	rc = ff1_setup(ctx, &fc, tweak);
	if (rc == 0)
		rc = ff1_run(ctx, &fc, decrypt, x, y);
	/* the halves held the value's numerals */
	for (size_t h = 0; h < WM_ARRAY_SIZE(ctx->ff1_half); h++)
		OPENSSL_cleanse(ctx->ff1_half[h], fc.v * sizeof(uint16_t));
	return rc;
}

int
wm_ff1_encrypt(struct wm_token_ctx *ctx, const struct wm_key *key,
	       const uint8_t *tweak, size_t tlen, unsigned int radix,
	       const uint16_t *x, size_t n, uint16_t *y)
{
	if (key == NULL)
		return -EINVAL;
	return wm_ff1_crypt(ctx, key->bytes, WM_KEY_LEN, tweak, tlen, radix,
			    false, x, n, y);
}

int
wm_ff1_decrypt(struct wm_token_ctx *ctx, const struct wm_key *key,
	       const uint8_t *tweak, size_t tlen, unsigned int radix,
	       const uint16_t *x, size_t n, uint16_t *y)
{
	if (key == NULL)
		return -EINVAL;
	return wm_ff1_crypt(ctx, key->bytes, WM_KEY_LEN, tweak, tlen, radix,
			    true, x, n, y);
}

unsigned int
wm_fpe_min_chars(unsigned int radix)
{
	unsigned int n = 2;

	if (radix < 2 || radix > 62)
		return 0;
	while (!ff1_domain_ok(radix, n))
		n++;
	return n;
}

/* Numeral of character @ch in @radix, or -1 when it is not enciphered. */
static int
fpe_numeral(uint8_t ch, unsigned int radix)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (radix == 10)
		return -1;
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + (radix == 36 ? 10 : 36);
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 10;
	return -1;
}

/* Character of numeral @v in @radix; @was is the input character at that
 * position (radix 36 keeps an upper-case letter's case). */
static uint8_t
fpe_char(unsigned int v, unsigned int radix, uint8_t was)
{
	if (v < 10)
		return (uint8_t)('0' + v);
	if (radix == 36)
		return (uint8_t)((was >= 'A' && was <= 'Z' ? 'A' : 'a') + v -
				 10);
	return (uint8_t)(v < 36 ? 'A' + v - 10 : 'a' + v - 36);
}

int
wm_fpe_apply(struct wm_token_ctx *ctx, const struct wm_key *key,
	     const char *tweak, unsigned int radix, bool decrypt,
	     const uint8_t *in, uint8_t *out, size_t len)
{
	size_t n = 0, tlen = tweak != NULL ? strlen(tweak) : 0;
	int rc;

	if (ctx == NULL || key == NULL ||
	    (len > 0 && (in == NULL || out == NULL)) ||
	    (radix != 10 && radix != 36 && radix != 62) ||
	    len > WM_TOKEN_VALUE_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int v = fpe_numeral(in[i], radix);

		if (v < 0)
			continue;
		ctx->fpe_x[n] = (uint16_t)v;
		ctx->fpe_pos[n++] = (uint16_t)i;
	}
	if (n < wm_fpe_min_chars(radix))
		return -EINVAL;
	rc = wm_ff1_crypt(ctx, key->bytes, WM_KEY_LEN, (const uint8_t *)tweak,
			  tlen, radix, decrypt, ctx->fpe_x, n, ctx->fpe_y);
	if (rc < 0)
		goto wipe;
	if (out != in)
		memmove(out, in, len);
	for (size_t i = 0; i < n; i++) {
		uint16_t p = ctx->fpe_pos[i];

		out[p] = fpe_char(ctx->fpe_y[i], radix, out[p]);
	}
wipe:
	OPENSSL_cleanse(ctx->fpe_x, n * sizeof(ctx->fpe_x[0]));
	OPENSSL_cleanse(ctx->fpe_y, n * sizeof(ctx->fpe_y[0]));
	return rc;
}
