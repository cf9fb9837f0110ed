/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Length-preserving masking operators over one contiguous value.
 *
 *   "4111 1111 1111 1111"  partial 6+4, separators " -"
 *    kept: 4111 11          1111     (separators copied, not counted)
 *   "4111 11** **** 1111"
 */
#include <errno.h>
#include <string.h>

#include "wm_common.h"
#include "wm_mask.h"
#include "wm_token.h"

static const char *const op_names[WM_MASK_OP_MAX] = {
	[WM_MASK_REDACT] = "redact",
	[WM_MASK_PARTIAL] = "partial",
	[WM_MASK_TOKEN] = "token",
	[WM_MASK_FPE] = "fpe",
	[WM_MASK_ALERT] = "alert",
	[WM_MASK_DROP] = "drop",
};

/*
 * A separator list ("- ", ".") as a set of bytes: one bit test a byte
 * where a loop over the list cost ~10 instructions a byte, twice (count,
 * then fill). The list's NUL terminator is never in the set.
 */
struct mask_seps {
	uint64_t w[4];
};

static inline void
mask_seps_make(struct mask_seps *s, const char *separators)
{
	memset(s, 0, sizeof(*s));
	for (const char *c = separators; *c != '\0'; c++)
		s->w[(uint8_t)*c >> 6] |= UINT64_C(1) << ((uint8_t)*c & 63);
}

static inline bool
mask_is_sep(const struct mask_seps *s, uint8_t c)
{
	return (s->w[c >> 6] >> (c & 63)) & 1;
}

/* Fill the maskable bytes of in[lo, hi) into out; how many there were. */
static size_t
mask_fill(const struct mask_seps *s, const uint8_t *in, uint8_t *out,
	  size_t lo, size_t hi, uint8_t fill)
{
	size_t n = 0;

	for (size_t i = lo; i < hi; i++) {
		bool sep = mask_is_sep(s, in[i]);

		out[i] = sep ? in[i] : fill;
		n += !sep;
	}
	return n;
}

/*
 * Mask in[0, len): the maskable bytes with index (among maskable bytes)
 * in [keep_first, n - keep_last) are filled, the others are copied.
 * Only the kept ends are walked to find the middle, which is filled in
 * one pass; a value with no maskable byte between them is short and is
 * never left in clear: all of it is filled.
 */
static void
mask_range(const char *separators, const uint8_t *in, uint8_t *out,
	   size_t len, uint8_t fill, size_t keep_first, size_t keep_last)
{
	struct mask_seps s;
	size_t lo = 0, hi = len, kf = 0, kl = 0;

	mask_seps_make(&s, separators);
	for (; lo < len && kf < keep_first; lo++)
		kf += !mask_is_sep(&s, in[lo]);
	for (; hi > lo && kl < keep_last; hi--)
		kl += !mask_is_sep(&s, in[hi - 1]);
	if (kf < keep_first || kl < keep_last ||
	    mask_fill(&s, in, out, lo, hi, fill) == 0) {
		mask_fill(&s, in, out, 0, len, fill);
		return;
	}
	if (in != out) {
		memcpy(out, in, lo);
		memcpy(out + hi, in + hi, len - hi);
	}
}

/* token and fpe over in[0, len); 0 or -errno. */
static int
mask_keyed(const struct wm_mask_params *p, const char *separators,
	   const uint8_t *in, uint8_t *out, size_t len,
	   const struct wm_mask_env *env)
{
	const char *tweak;
	unsigned int flags = 0;

	if (env == NULL || env->tok == NULL || p->key == NULL)
		return -EINVAL;
	tweak = strcmp(p->tweak, "segment") == 0 ? env->segment : p->tweak;
	if (p->op == WM_MASK_FPE)
		return wm_fpe_apply(env->tok, p->key, tweak, p->radix, false,
				    in, out, len);
	if (p->keep_bin)
		flags |= WM_TOKEN_KEEP_BIN;
	if (p->keep_last4)
		flags |= WM_TOKEN_KEEP_LAST4;
	if (p->luhn)
		flags |= WM_TOKEN_LUHN;
	return wm_token_apply(env->tok, p->key, tweak, flags, separators, in,
			      out, len);
}

int
wm_mask_apply(const struct wm_mask_params *p, const char *separators,
	      const uint8_t *in, uint8_t *out, size_t len,
	      const struct wm_mask_env *env)
{
	size_t keep_first = 0, keep_last = 0, mlen = len;
	const uint8_t *at;
	int rc;

	if (separators == NULL)
		separators = "";
	if (wm_mask_op_keeps_bytes(p->op)) {
		if (in != out)
			memmove(out, in, len);
		return 0;
	}
	if (p->keep_domain) {
		at = memchr(in, '@', len);
		if (at != NULL)
			mlen = (size_t)(at - in);
		if (in != out)
			memmove(out + mlen, in + mlen, len - mlen);
	}
	if (p->op == WM_MASK_TOKEN || p->op == WM_MASK_FPE) {
		rc = mask_keyed(p, separators, in, out, mlen, env);
		if (rc == 0)
			return 0;
		/* Fail closed: a keyed operator that failed redacts. */
		mask_range(separators, in, out, mlen, '*', 0, 0);
		return rc;
	}
	/* Anything but a known keeping operator masks everything. */
	if (p->op == WM_MASK_PARTIAL) {
		keep_first = p->keep_first;
		keep_last = p->keep_last;
	}
	mask_range(separators, in, out, mlen, (uint8_t)p->fill, keep_first,
		   keep_last);
	return 0;
}

/*
 *   held tail, card partial 6+4:   "4111 1111 11"   (may go on)
 *   leaves as:                     "4111 11** **"   (no last 4: not known)
 */
size_t
wm_mask_prefix(const struct wm_mask_params *p, const char *separators,
	       unsigned int min_chars, const uint8_t *in, uint8_t *out,
	       size_t len)
{
	uint8_t fill = p->fill != '\0' ? (uint8_t)p->fill : '*';
	size_t keep = 0, mlen = len, k = 0, changed = 0;
	struct mask_seps s;
	const uint8_t *at;

	mask_seps_make(&s, separators != NULL ? separators : "");
	if (p->op == WM_MASK_ALERT) {
		memmove(out, in, len);
		return 0;
	}
	/* A value keeps its first bytes only if it is long enough to. */
	if (p->op == WM_MASK_PARTIAL &&
	    min_chars > (unsigned int)p->keep_first + p->keep_last)
		keep = p->keep_first;
	if (p->keep_domain && p->op != WM_MASK_FPE &&
	    (at = memchr(in, '@', len)) != NULL)
		mlen = (size_t)(at - in);
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (i >= mlen || mask_is_sep(&s, c) || k++ < keep) {
			out[i] = c;
			continue;
		}
		out[i] = fill;
		changed += c != fill;
	}
	return changed;
}

int
wm_mask_op_parse(const char *name, enum wm_mask_op *op)
{
	if (name == NULL || op == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(op_names); i++) {
		if (strcmp(op_names[i], name) == 0) {
			*op = (enum wm_mask_op)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
wm_mask_op_name(enum wm_mask_op op)
{
	if ((unsigned int)op >= WM_ARRAY_SIZE(op_names))
		return "unknown";
	return op_names[op];
}
