/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside of the token module: the per-lcore context shared by token.c
 * (HMAC) and ff1.c (AES), and the FF1 entry that takes a raw AES key of
 * any size (the NIST AES-128/192 samples are tested through it).
 *
 * Every buffer a call needs is in the context, sized for the longest
 * value (WM_TOKEN_VALUE_MAX bytes): a call allocates nothing itself.
 */
#ifndef WM_TOKEN_PRIV_H
#define WM_TOKEN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/sha.h>        /* SHA256_CTX: a plain struct, copied */

#include "wm_common.h"
#include "wm_token.h"

/* Longest value an operator takes (the detectors' window). */
#define WM_TOKEN_VALUE_MAX 256
/* FF1 bounds: numerals per call and tweak bytes. */
#define WM_FF1_N_MAX 256
#define WM_FF1_HALF_MAX (WM_FF1_N_MAX / 2)
#define WM_FF1_TWEAK_MAX 256
/* FF1 b (bytes of NUM_radix(B)) is at most 96 for radix 62, v = 128;
 * d = 4 * ceil(b / 4) + 4 is then at most 100. */
#define WM_FF1_B_MAX 96
#define WM_FF1_D_MAX 100
/* Q = tweak || 0^pad || round || NUM(B), a whole number of blocks. */
#define WM_FF1_Q_MAX (WM_FF1_TWEAK_MAX + 15 + 1 + WM_FF1_B_MAX)

struct wm_token_ctx {
	/*
	 * HMAC-SHA256 (RFC 2104) on SHA-256 states: the inner and outer
	 * pads are hashed once per key, and each MAC starts from a copy of
	 * them. (EVP_MAC duplicated a digest context, allocating, on every
	 * init and final: half of all the work with keyed operators.)
	 */
	SHA256_CTX hmac_inner;          /* after key ^ ipad */
	SHA256_CTX hmac_outer;          /* after key ^ opad */
	SHA256_CTX hmac;                /* the MAC being computed */
	uint8_t hmac_key[WM_KEY_LEN];
	bool hmac_keyed;

	/* AES-ECB, one block at a time (FF1's CBC-MAC is chained here).
	 * aes[0..2]: AES-128/192/256; 128 and 192 serve the tests only. */
	EVP_CIPHER *aes[3];
	EVP_CIPHER_CTX *ecb;
	int aes_cipher; /* index into aes[] the ecb context holds, -1 none */
	uint8_t aes_key[WM_KEY_LEN];
	size_t aes_keylen; /* 0: no key set */

	/* FF1: b for the last (radix, v) seen. */
	unsigned int ff1_b_radix, ff1_b_v, ff1_b;

	/* token scratch */
	uint8_t tok_chars[WM_TOKEN_VALUE_MAX];	/* input characters */
	uint16_t tok_pos[WM_TOKEN_VALUE_MAX];	/* their offsets */
	uint8_t tok_kept[WM_TOKEN_VALUE_MAX];	/* 1: kept by a flag */
	uint8_t tok_ks[2 * WM_TOKEN_VALUE_MAX]; /* keystream, 2 per char */

	/* FF1 and fpe scratch */
	uint16_t ff1_half[4][WM_FF1_HALF_MAX]; /* A, B, C, y in radix */
	uint8_t ff1_q[WM_FF1_Q_MAX];
	uint8_t ff1_s[WM_FF1_D_MAX + 16];
	uint16_t fpe_pos[WM_TOKEN_VALUE_MAX];
	uint16_t fpe_x[WM_TOKEN_VALUE_MAX];
	uint16_t fpe_y[WM_TOKEN_VALUE_MAX];
} WM_CACHE_ALIGNED;

/* ff1.c: set the AES key of the ECB context (16, 24 or 32 bytes). */
int wm_token_aes_setkey(struct wm_token_ctx *ctx, const uint8_t *key,
			size_t keylen);

/* ff1.c: fetch the AES ciphers and make the ECB context; 0 or -errno. */
int wm_token_aes_init(struct wm_token_ctx *ctx);

/**
 * FF1 under a raw AES key of @keylen bytes (16, 24 or 32): the work of
 * wm_ff1_encrypt() / wm_ff1_decrypt(), which pass the 32-byte key.
 */
int wm_ff1_crypt(struct wm_token_ctx *ctx, const uint8_t *key, size_t keylen,
		 const uint8_t *tweak, size_t tlen, unsigned int radix,
		 bool decrypt, const uint16_t *x, size_t n, uint16_t *y);

#endif /* WM_TOKEN_PRIV_H */
