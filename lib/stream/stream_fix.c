/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Integrity fix-ups after masking: a Kafka v2 record batch carries a
 * CRC32C over its attributes .. its end. The protocol stage says where
 * the CRC lies when the batch begins (FIXUP) and when its last byte is
 * judged (FIXUP_END):
 *
 *   stream:  [ ... |crc| attributes ... records ............ ] end
 *                   ^ fix_at          (fix_len bytes after it)
 *   packets:  [  P1 (pinned)  ][ P2 leaves ][ P3 leaves ][ P4 ]
 *
 * The packets carrying the CRC field do not leave with the others
 * (stream_release hands them here: pin_head, off the hold lists, so no
 * hold timeout lets them go); the others leave as they are judged (the
 * receiver keeps them out of order, and the sender's window moves on
 * SACKs). At FIXUP_END every byte of the batch is final: the CRC is
 * computed over them as they leave (the retained bytes, masks written
 * in), written into the pinned packets (TCP checksum fixed) and the
 * retained bytes (a retransmission leaves with it too), and the pinned
 * packets go. A batch that never ends (FIN, RST, a hole) releases them
 * as they are: its receiver never has the whole batch.
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "stream_priv.h"

void
stream_fix_open(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		uint64_t at, uint32_t len)
{
	if (d->fix_open)
		stream_fix_flush(ctx, d); /* cannot happen: one at a time */
	d->fix_at = at;
	d->fix_len = len;
	d->fix_open = 1;
}

static bool
carries(struct rte_mbuf *m, uint64_t at)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);

	return pm->pi.payload_len != 0 && pm->stream_off < at + 4 &&
	       wm_reasm_pkt_end(m) > at;
}

bool
stream_fix_pin(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
	       struct rte_mbuf *m)
{
	struct rte_mbuf **link = &d->pin_head;

	if (!carries(m, d->fix_at))
		return false;
	while (*link != NULL)
		link = &wm_pkt_meta(*link)->next;
	wm_pkt_meta(m)->next = NULL;
	*link = m;
	ctx->stats->ctr[WM_CTR_KAFKA_CRC_PINNED]++;
	return true;
}

/* Let the pinned packets go, in order. */
static void
pins_emit(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	while (d->pin_head != NULL) {
		struct rte_mbuf *m = d->pin_head;
		struct wm_pkt_meta *pm = wm_pkt_meta(m);

		d->pin_head = pm->next;
		pm->next = NULL;
		pm->owner = NULL;
		wm_stats_held_add(ctx->stats, (ctx->now - pm->arrival_tsc) /
				  RTE_MAX(ctx->conf->ticks_per_us, (uint64_t)1));
		ctx->emit(m, ctx->emit_arg);
	}
}

/* Write the 4 CRC bytes into every packet that carries them. */
static void
crc_write(struct wm_stream_dir *d, const uint8_t crc[4])
{
	struct rte_mbuf *lists[2] = { d->held_head, d->pin_head };

	for (unsigned int l = 0; l < 2; l++)
		for (struct rte_mbuf *m = lists[l]; m != NULL;
		     m = wm_pkt_meta(m)->next) {
			uint64_t ps = wm_pkt_meta(m)->stream_off;
			uint64_t s = RTE_MAX(d->fix_at, ps);
			uint64_t e = RTE_MIN(d->fix_at + 4, wm_reasm_pkt_end(m));

			if (wm_pkt_meta(m)->pi.payload_len != 0 && s < e)
				wm_reasm_pkt_write(m, (uint32_t)(s - ps),
						   crc + (s - d->fix_at),
						   (uint32_t)(e - s));
		}
	wm_rb_write(&d->r.rb, d->fix_at, crc, 4);
}

int
stream_fix_end(struct wm_stream_ctx *ctx, struct wm_flow *f,
	       struct wm_stream_dir *d, bool ok)
{
	uint8_t buf[512], old[4], crc[4];
	uint64_t o = d->fix_at + 4, end = o + d->fix_len;
	uint32_t c = 0;

	if (!d->fix_open)
		return 0;
	d->fix_open = 0;
	if (!ok) {
		/* Corrupt as it came (the broker says so), or not walked. */
		pins_emit(ctx, d);
		return 0;
	}
	for (; o < end; o += sizeof(buf)) {
		uint32_t k = (uint32_t)RTE_MIN(end - o, (uint64_t)sizeof(buf));

		if (!wm_rb_read(&d->r.rb, o, k, buf))
			goto unfixable;
		c = wm_crc32c(c, buf, k);
	}
	if (!wm_rb_read(&d->r.rb, d->fix_at, 4, old))
		goto unfixable;
	crc[0] = (uint8_t)(c >> 24);
	crc[1] = (uint8_t)(c >> 16);
	crc[2] = (uint8_t)(c >> 8);
	crc[3] = (uint8_t)c;
	if (memcmp(old, crc, 4) != 0) {
		crc_write(d, crc);
		ctx->stats->ctr[WM_CTR_KAFKA_CRC_FIXED]++;
	}
	pins_emit(ctx, d);
	return 0;
unfixable:
	/* The batch's bytes are no longer retained: it must not leave. */
	ctx->stats->ctr[WM_CTR_KAFKA_CRC_FAILED]++;
	stream_block(ctx, f, WM_CTR_DROP_PROTOCOL);
	return -EPIPE;
}

void
stream_fix_stall(struct wm_stream_ctx *ctx, struct wm_stream_flow *sf)
{
	uint64_t limit = ctx->conf->hold_time;

	for (unsigned int i = 0; i < 2; i++) {
		struct wm_stream_dir *d = &sf->dir[i];

		if (d->pin_head == NULL ||
		    ctx->now - wm_pkt_meta(d->pin_head)->arrival_tsc < limit)
			continue;
		/*
		 * The receiver gets the CRC as it came: if a value of the
		 * batch was masked, it refuses the batch (CORRUPT_MESSAGE,
		 * which producers retry) instead of waiting for ever.
		 */
		ctx->stats->ctr[WM_CTR_KAFKA_CRC_STALLED]++;
		d->fix_open = 0;
		pins_emit(ctx, d);
	}
}

void
stream_fix_flush(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	if (d->fix_open) {
		ctx->stats->ctr[WM_CTR_KAFKA_CRC_UNFINISHED]++;
		d->fix_open = 0;
	}
	pins_emit(ctx, d);
}

void
stream_fix_discard(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		   enum wm_counter c)
{
	while (d->pin_head != NULL) {
		struct rte_mbuf *m = d->pin_head;

		d->pin_head = wm_pkt_meta(m)->next;
		stream_drop(ctx, m, c);
	}
	d->fix_open = 0;
}
