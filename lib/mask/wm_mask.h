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

enum wm_mask_op {
	WM_MASK_REDACT = 0, /* every non-separator byte becomes @fill */
	WM_MASK_PARTIAL,    /* keep the first keep_first and last keep_last
			     * non-separator bytes, fill the rest */
	WM_MASK_OP_MAX
};

struct wm_mask_params {
	enum wm_mask_op op;
	char fill;          /* printable ASCII, not alphanumeric-ambiguous
			     * with the kept bytes: validated by config */
	uint8_t keep_first; /* partial */
	uint8_t keep_last;  /* partial */
	bool keep_domain;   /* bytes from the first '@' on are kept (e-mail:
			     * only the local part is masked) */
};

/**
 * Mask one value: write @len bytes to @out from the @len bytes of @in.
 * Bytes listed in @separators (NUL-terminated, may be empty) are copied
 * unchanged and do not count towards keep_first/keep_last. When the
 * value has no more maskable bytes than keep_first + keep_last, all of
 * them are filled (a short value is never left in clear). @in and @out
 * may be the same buffer.
 */
void wm_mask_apply(const struct wm_mask_params *p, const char *separators,
		   const uint8_t *in, uint8_t *out, size_t len);

/** Operator called @name ("redact", "partial"); 0 or -EINVAL. */
int wm_mask_op_parse(const char *name, enum wm_mask_op *op);

/** Config name of @op. */
const char *wm_mask_op_name(enum wm_mask_op op);

#endif /* WM_MASK_H */
