/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Masking operators. Every operator is length-preserving, so TCP
 * sequence numbers, ACKs and SACK blocks stay valid and only bytes and
 * checksums change. No EAL, no mbufs: values are contiguous copies.
 */
#ifndef WM_MASK_H
#define WM_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_common.h"

enum wm_mask_op {
	WM_MASK_REDACT = 0, /* every non-separator byte becomes @fill */
	WM_MASK_PARTIAL,    /* keep the first keep_first and last keep_last
			     * non-separator bytes, fill the rest */
	WM_MASK_TOKEN,      /* keyed HMAC pseudonym in the same classes */
	WM_MASK_FPE,        /* FF1 format-preserving encryption */
	WM_MASK_ALERT,      /* leave the bytes, count and log the event */
	WM_MASK_DROP,       /* drop the packet and the rest of the flow */
	WM_MASK_OP_MAX
};

/* Operators that change no byte: the caller acts on the event. */
static inline bool
wm_mask_op_keeps_bytes(enum wm_mask_op op)
{
	return op == WM_MASK_ALERT || op == WM_MASK_DROP;
}

struct wm_key;
struct wm_token_ctx;

/* What keyed operators need at run time, per lcore. */
struct wm_mask_env {
	struct wm_token_ctx *tok;   /* the lcore's OpenSSL contexts */
	const char *segment;        /* name of the flow's segment */
};

struct wm_mask_params {
	enum wm_mask_op op;
	char fill;          /* printable ASCII, not alphanumeric-ambiguous
			     * with the kept bytes: validated by config */
	uint8_t keep_first; /* partial */
	uint8_t keep_last;  /* partial */
	bool keep_domain;   /* bytes from the first '@' on are kept (e-mail:
			     * only the local part is masked) */
	/* token, fpe */
	uint8_t key_ref;             /* config: index + 1 of the key */
	const struct wm_key *key;
	char tweak[WM_NAME_MAX];     /* "segment": the flow's segment name */
	bool keep_bin;               /* token: first 6 digits kept */
	bool keep_last4;             /* token: last 4 digits kept */
	bool luhn;                   /* token: result passes Luhn */
	uint8_t radix;               /* fpe: 10, 36 or 62 */
	/* drop */
	char drop[8];                /* "flow" */
};

/**
 * Mask one value: write @len bytes to @out from the @len bytes of @in.
 * Bytes listed in @separators (NUL-terminated, may be empty) are copied
 * unchanged and do not count towards keep_first/keep_last. When the
 * value has no more maskable bytes than keep_first + keep_last, all of
 * them are filled (a short value is never left in clear). alert and
 * drop copy the value. @env is needed by token and fpe (NULL otherwise).
 * @in and @out may be the same buffer. Returns 0; -errno when a keyed
 * operator failed, and then @out is redacted (never the clear value).
 */
int wm_mask_apply(const struct wm_mask_params *p, const char *separators,
		  const uint8_t *in, uint8_t *out, size_t len,
		  const struct wm_mask_env *env);

/**
 * Mask the beginning of what may still become a value (a held tail whose
 * sender paused): write @len bytes to @out from @in, as far as @p would
 * mask any value that starts at in[0] or later, whatever its end. Only
 * first bytes may stay: partial keeps its first keep_first non-separator
 * bytes when every value of the detector (@min_chars or more) keeps them;
 * keep_domain keeps the bytes from the first '@' on; alert copies.
 * Everything else (redact, token, fpe, drop, keep_last) fills every
 * non-separator byte with @p->fill ('*' when unset). Separators are
 * copied. Returns how many bytes differ from @in.
 */
size_t wm_mask_prefix(const struct wm_mask_params *p, const char *separators,
		      unsigned int min_chars, const uint8_t *in, uint8_t *out,
		      size_t len);

/** Operator called @name ("redact", "partial"); 0 or -EINVAL. */
int wm_mask_op_parse(const char *name, enum wm_mask_op *op);

/** Config name of @op. */
const char *wm_mask_op_name(enum wm_mask_op op);

#endif /* WM_MASK_H */
