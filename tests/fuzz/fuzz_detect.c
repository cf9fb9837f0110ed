/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: every built-in detector and every operator on
 * arbitrary text (lib/detect, lib/mask, lib/token; no EAL).
 *
 * Input: one byte of operator settings, then the text (a stream). Each
 * detector's trigger is scanned over the text and the end-of-data byte
 * with Hyperscan (block mode: the same ends as streaming without start of
 * match); each end is confirmed as the stream engine does it. For each
 * value found, [S, E) reported by a trigger ending at k:
 *
 *   hold never under-estimates: for every stream length p with
 *   S < p < k (the value begun, its trigger not yet seen), hold() on the
 *   newest bytes (at most WM_DETECT_WINDOW, as the engine keeps) covers
 *   S: hold >= p - S;
 *
 *   every operator keeps its contract on the value: same length;
 *   separators (and with keep_domain, the domain) kept; redact fills every
 *   other byte; partial keeps exactly its first/last characters (none
 *   when the value is too short); token keeps each byte's class; FF1
 *   decrypts back; the prefix mask of a held tail keeps nothing beyond
 *   what its operator would keep of any value.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "wm_detect.h"
#include "wm_mask.h"
#include "wm_token.h"

#define FUZZ_MAX_TEXT 2048

#define FUZZ_ASSERT(cond, d) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_detect: %s: %s:%d: %s\n", \
				(d)->name, __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static hs_database_t *db[WM_DETECT_BUILTINS];
static hs_scratch_t *scratch;
static struct wm_token_ctx *tok;
static struct wm_key key = { .id = "fuzz" };

/* the text scanned, and what the scan of one detector found */
static const uint8_t *text;
static size_t text_len;
static const struct wm_detector *det;
static struct wm_mask_params params;
static long hold_at[FUZZ_MAX_TEXT + 2];

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	hs_compile_error_t *ce;

	for (unsigned int i = 0; i < wm_detect_count(); i++) {
		const struct wm_detector *d = wm_detect_get(i);

		if (hs_compile(d->pattern, d->hs_flags, HS_MODE_BLOCK, NULL,
			       &db[i], &ce) != HS_SUCCESS ||
		    hs_alloc_scratch(db[i], &scratch) != HS_SUCCESS) {
			fprintf(stderr, "fuzz_detect: %s does not compile\n",
				d->name);
			abort();
		}
	}
	for (unsigned int i = 0; i < WM_KEY_LEN; i++)
		key.bytes[i] = (uint8_t)(i * 7 + 1);
	tok = wm_token_ctx_create();
	if (tok == NULL)
		abort();
	return 0;
}

static int
is_sep(const char *seps, uint8_t c)
{
	return seps != NULL && c != '\0' && strchr(seps, c) != NULL;
}

/* hold() after the first @p bytes of the stream, as the engine asks it */
static size_t
hold_after(size_t p)
{
	size_t t = p < WM_DETECT_WINDOW ? p : WM_DETECT_WINDOW;

	if (hold_at[p] < 0)
		hold_at[p] = (long)det->hold(det, text + p - t, t);
	return (size_t)hold_at[p];
}

/* Where keep_domain stops masking: the first '@', or @len. */
static size_t
domain_at(const uint8_t *v, size_t len, bool keep_domain)
{
	const uint8_t *at = keep_domain ? memchr(v, '@', len) : NULL;

	return at != NULL ? (size_t)(at - v) : len;
}

static void
check_fill(const uint8_t *v, const uint8_t *out, size_t len)
{
	const char *seps = det->separators;
	size_t mlen = domain_at(v, len, params.keep_domain), n = 0, k = 0;
	size_t kf = 0, kl = 0;

	for (size_t i = 0; i < mlen; i++)
		n += !is_sep(seps, v[i]);
	if (params.op == WM_MASK_PARTIAL && n > (size_t)params.keep_first +
						   params.keep_last) {
		kf = params.keep_first;
		kl = params.keep_last;
	}
	for (size_t i = 0; i < len; i++) {
		if (i >= mlen || is_sep(seps, v[i])) {
			FUZZ_ASSERT(out[i] == v[i], det);
			continue;
		}
		if (k < kf || k >= n - kl)
			FUZZ_ASSERT(out[i] == v[i], det);
		else
			FUZZ_ASSERT(out[i] == (uint8_t)params.fill, det);
		k++;
	}
}

static void
check_token(const uint8_t *v, size_t len)
{
	uint8_t out[WM_DETECT_WINDOW], again[WM_DETECT_WINDOW];
	struct wm_mask_env env = { .tok = tok, .segment = "fuzz" };
	struct wm_mask_params p = params;

	p.op = WM_MASK_TOKEN;
	p.key = &key;
	p.keep_bin = params.keep_first & 1;
	p.luhn = params.keep_first & 2;
	FUZZ_ASSERT(wm_mask_apply(&p, det->separators, v, out, len,
				  &env) == 0, det);
	FUZZ_ASSERT(wm_mask_apply(&p, det->separators, v, again, len,
				  &env) == 0, det);
	FUZZ_ASSERT(memcmp(again, out, len) == 0, det);   /* deterministic */
	for (size_t i = 0; i < len; i++) {
		if (is_sep(det->separators, v[i]) || !isalnum(v[i]) ||
		    i >= domain_at(v, len, p.keep_domain))
			FUZZ_ASSERT(out[i] == v[i], det);
		else if (isdigit(v[i]))
			FUZZ_ASSERT(isdigit(out[i]), det);
		else
			FUZZ_ASSERT(isalpha(out[i]), det);
	}
}

static void
check_fpe(const uint8_t *v, size_t len, unsigned int radix)
{
	uint8_t enc[WM_DETECT_WINDOW], dec[WM_DETECT_WINDOW];
	int rc;

	rc = wm_fpe_apply(tok, &key, "fuzz", radix, false, v, enc, len);
	if (rc != 0)
		return;     /* too few characters: the operator redacts */
	FUZZ_ASSERT(wm_fpe_apply(tok, &key, "fuzz", radix, true, enc, dec,
				 len) == 0, det);
	for (size_t i = 0; i < len; i++) {
		if (radix == 62 || (radix == 10 && !isalpha(v[i])))
			FUZZ_ASSERT(dec[i] == v[i], det);
		else
			FUZZ_ASSERT(tolower(dec[i]) == tolower(v[i]), det);
		if (!isalnum(v[i]))
			FUZZ_ASSERT(enc[i] == v[i], det);
	}
}

/* A held tail @v (what may begin a value) masked as far as @params would. */
static void
check_prefix(const uint8_t *v, size_t len)
{
	uint8_t out[WM_DETECT_WINDOW + 2];
	size_t keep = 0, k = 0, changed = 0;
	size_t mlen = domain_at(v, len, params.keep_domain);
	uint8_t fill = params.fill != '\0' ? (uint8_t)params.fill : '*';

	if (params.op == WM_MASK_PARTIAL &&
	    det->min_chars > (unsigned int)params.keep_first + params.keep_last)
		keep = params.keep_first;
	FUZZ_ASSERT(wm_mask_prefix(&params, det->separators, det->min_chars,
				   v, out, len) <= len, det);
	for (size_t i = 0; i < len; i++) {
		if (i >= mlen || is_sep(det->separators, v[i]) || k++ < keep)
			FUZZ_ASSERT(out[i] == v[i], det);
		else
			FUZZ_ASSERT(out[i] == fill, det);
		changed += out[i] != v[i];
	}
	(void)changed;
}

static void
check_value(size_t s, size_t e, size_t k)
{
	const uint8_t *v = text + s;
	uint8_t out[WM_DETECT_WINDOW];
	size_t len = e - s;

	FUZZ_ASSERT(len > 0 && len <= det->max_len, det);
	FUZZ_ASSERT(k >= e, det);
	for (size_t p = s + 1; p < k && p <= text_len; p++)
		if (hold_after(p) < p - s) {
			fprintf(stderr, "fuzz_detect: %s: value [%zu, %zu) "
				"ends at %zu, hold after %zu bytes is %zu < "
				"%zu\n", det->name, s, e, k, p, hold_after(p),
				p - s);
			abort();
		}

	FUZZ_ASSERT(wm_mask_apply(&params, det->separators, v, out, len,
				  NULL) == 0, det);
	check_fill(v, out, len);
	check_token(v, len);
	check_fpe(v, len, 10);
	check_fpe(v, len, 36);
	check_fpe(v, len, 62);
	check_prefix(v, len);
	check_prefix(v, len > 3 ? len - 3 : len);
}

static int
on_end(unsigned int id, unsigned long long from, unsigned long long to,
       unsigned int flags, void *arg)
{
	size_t k = (size_t)to, base = k > WM_DETECT_WINDOW ?
					     k - WM_DETECT_WINDOW : 0;
	const uint8_t *stream = arg;
	struct wm_span sp;

	if (!det->confirm(det, stream + base, k - base, &sp))
		return 0;
	FUZZ_ASSERT(sp.start < sp.end && sp.end <= k - base, det);
	check_value(base + sp.start, base + sp.end, k);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fills[] = "*#xX0-";
	/* what Hyperscan scans: a copy with room after it, as it may read
	 * past a buffer's end (lib/match/match.c); the callbacks read the
	 * exactly sized one, where ASan sees an over-read of ours */
	static uint8_t scan[FUZZ_MAX_TEXT + 1 + 64];
	uint8_t *stream;
	uint8_t b;

	if (size < 1 || size - 1 > FUZZ_MAX_TEXT)
		return 0;
	b = data[0];
	memset(&params, 0, sizeof(params));
	params.op = (b & 1) ? WM_MASK_PARTIAL : WM_MASK_REDACT;
	params.keep_first = (b >> 1) & 7;
	params.keep_last = (b >> 4) & 3;
	params.keep_domain = (b >> 6) & 1;
	params.fill = fills[(b >> 7) + ((b >> 3) & 1) * 2];
	text_len = size - 1;
	/* the stream, then the byte fed at end of data, exactly sized */
	stream = malloc(text_len + 1);
	if (stream == NULL)
		return 0;
	memcpy(stream, data + 1, text_len);
	stream[text_len] = WM_DETECT_EOD_BYTE;
	text = stream;
	memcpy(scan, stream, text_len + 1);
	for (unsigned int i = 0; i < wm_detect_count(); i++) {
		det = wm_detect_get(i);
		memset(hold_at, 0xff, sizeof(hold_at));
		hs_scan(db[i], (const char *)scan,
			(unsigned int)text_len + 1, 0, scratch, on_end, stream);
	}
	free(stream);
	return 0;
}
