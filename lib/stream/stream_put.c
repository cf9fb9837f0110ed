/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writing masks: a value's masked bytes go into the held packets that
 * carry it and into the retained bytes. While a chunk is judged, what
 * falls inside it waits (ctx->chunk, its bytes marked in chunk_dirty):
 * the chunk is scanned and confirmed where it lies, in the packet, so
 * the packet keeps its original bytes until every match is judged.
 *
 *   chunk (in the packet):  [ original bytes ..................... ]
 *   ctx->chunk:             [    ****    ..........  ****          ]
 *   chunk_dirty:                 1111                1111
 *                               dirty_lo                  dirty_hi
 */
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "stream_priv.h"

/* Write @val for stream range [start, end) into the held packets of @d. */
static void
held_write(struct wm_stream_dir *d, uint64_t start, uint64_t end,
	   const uint8_t *val)
{
	for (struct rte_mbuf *m = d->held_head; m != NULL && start < end;
	     m = wm_pkt_meta(m)->next) {
		uint64_t ps = wm_pkt_meta(m)->stream_off;
		uint64_t pe = wm_reasm_pkt_end(m);
		uint64_t s = RTE_MAX(start, ps), e = RTE_MIN(end, pe);

		if (s < e)
			wm_reasm_pkt_write(m, (uint32_t)(s - ps),
					   val + (s - start),
					   (uint32_t)(e - s));
	}
}

/*
 * The part of a mask that falls in the chunk being judged waits in
 * ctx->chunk: its bytes in the packet are still read as the original
 * ones by the chunk's later matches and by the history.
 */
static void
defer_put(struct wm_stream_ctx *ctx, uint32_t at, const uint8_t *val,
	  uint32_t n)
{
	uint32_t i = at, end = at + n;

	memcpy(ctx->chunk + at, val, n);
	while (i < end) {
		uint32_t k = RTE_MIN(end - i, 64 - i % 64);

		ctx->chunk_dirty[i / 64] |= (k == 64 ? UINT64_MAX :
					     (UINT64_C(1) << k) - 1) << (i % 64);
		i += k;
	}
	ctx->dirty_lo = RTE_MIN(ctx->dirty_lo, at);
	ctx->dirty_hi = RTE_MAX(ctx->dirty_hi, at + n);
}

void
stream_defer_start(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		   uint64_t off, uint32_t n)
{
	ctx->defer_dir = d;
	ctx->defer_off = off;
	ctx->defer_n = n;
	ctx->dirty_lo = n;
	ctx->dirty_hi = 0;
}

/*
 * The first byte at or after @i, below @hi, whose dirty bit is @set
 * (@hi if none): a word at a time, as a chunk's masks are a few short
 * runs among ~1,500 clean bytes.
 */
static uint32_t
dirty_find(const uint64_t *bits, uint32_t i, uint32_t hi, bool set)
{
	while (i < hi) {
		uint64_t w = (set ? bits[i / 64] : ~bits[i / 64]) >> (i % 64);

		if (w != 0)
			return RTE_MIN(hi, i + (uint32_t)__builtin_ctzll(w));
		i = (i | 63) + 1;
	}
	return hi;
}

void
stream_defer_flush(struct wm_stream_ctx *ctx)
{
	struct wm_stream_dir *d = ctx->defer_dir;
	uint32_t i = ctx->dirty_lo, hi = ctx->dirty_hi;

	ctx->defer_dir = NULL;
	while ((i = dirty_find(ctx->chunk_dirty, i, hi, true)) < hi) {
		uint32_t j = dirty_find(ctx->chunk_dirty, i, hi, false);

		held_write(d, ctx->defer_off + i, ctx->defer_off + j,
			   ctx->chunk + i);
		i = j;
	}
	for (i = ctx->dirty_lo / 64; i * 64 < hi; i++)
		ctx->chunk_dirty[i] = 0;
}

/*
 * Write the masked value @val for stream range [start, end) into every
 * held packet of @d that carries part of it, and into the retained
 * bytes. Bytes before d->r.released have already left: the value is then
 * a late match, masked from the first byte still held.
 */
void
stream_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, uint64_t start,
	   uint64_t end, const uint8_t *val)
{
	if (start < d->r.released) {
		val += d->r.released - start;
		start = d->r.released;
	}
	if (start >= end)
		return;
	if (ctx->defer_dir == d && end > ctx->defer_off &&
	    start < ctx->defer_off + ctx->defer_n) {
		uint64_t s = RTE_MAX(start, ctx->defer_off);
		uint64_t e = RTE_MIN(end, ctx->defer_off + ctx->defer_n);

		held_write(d, start, s, val);
		defer_put(ctx, (uint32_t)(s - ctx->defer_off),
			  val + (s - start), (uint32_t)(e - s));
		held_write(d, e, end, val + (e - start));
	} else {
		held_write(d, start, end, val);
	}
	wm_rb_write(&d->r.c->rb, start, val, (uint32_t)(end - start));
}

void
stream_dir_write(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		 uint64_t start, uint64_t end, const uint8_t *orig,
		 const uint8_t *val)
{
	uint32_t n = (uint32_t)(end - start), i = 0;

	if (start < d->r.released)
		ctx->stats->ctr[stream_leaked(d, start) ? WM_CTR_MASK_LATE :
				WM_CTR_MASK_AFTER_TIMEOUT]++;
	while (i < n) {
		uint32_t j;

		while (i < n && val[i] == orig[i])
			i++;
		for (j = i; j < n && val[j] != orig[j]; j++)
			;
		if (j > i)
			stream_put(ctx, d, start + i, start + j, val + i);
		i = j;
	}
}
