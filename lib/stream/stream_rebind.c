/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A configuration reload: the flows of a worker go on under the new
 * configuration's policies. Each direction switches at its next in-order
 * byte; nothing it holds is released early and nothing already judged
 * is judged again:
 *
 *   stream offset  ... [ history (original bytes) ] | next byte ...
 *   old policy     scanned every byte before |, its stream is closed
 *   new policy     its stream is primed with the history (matches there
 *                  ignored: those bytes were judged), then scans on from
 *                  |: a value under way at the swap is found whole when
 *                  it ends, masked where its bytes are still held (a
 *                  start that already left counts mask.late_match)
 *
 * Held packets stay held: the new policy's hold rule decides them with
 * the next bytes or at the hold timeout. Values a hold-timeout probe of
 * the old policy masked are not tracked across (rule indices change):
 * they are counted as decided there and then.
 */
#include <errno.h>
#include <string.h>

#include "stream_priv.h"

/* Hyperscan's callback while priming: those bytes were judged before. */
static int
prime_on_match(unsigned int id, unsigned long long end, void *arg)
{
	RTE_SET_USED(id);
	RTE_SET_USED(end);
	RTE_SET_USED(arg);
	return 0;
}

int
stream_prime(struct wm_stream_ctx *ctx, const struct wm_match_db *db,
	     hs_stream_t **hs, const uint8_t *hist, size_t n)
{
	hs_stream_t *s;

	if (wm_match_stream_open(db, &s) < 0)
		return -ENOMEM;
	if (n != 0 && wm_match_scan(s, hist, n, ctx->scratch, prime_on_match,
				    NULL) < 0) {
		wm_match_stream_close(s);
		return -EIO;
	}
	*hs = s;
	return 0;
}

int
stream_msg_unend(struct wm_stream_ctx *ctx, struct wm_flow *f,
		 struct wm_stream_dir *d)
{
	uint8_t *h = d->win != NULL ? d->win : d->tail;
	hs_stream_t *old = d->hs;
	/* Bytes scanned after the end (a method's first letters). */
	uint16_t back = (uint16_t)((uint16_t)d->r.offset - d->eod_at);
	size_t at = (size_t)d->hist_len - 1 - back;

	if (old == NULL || (d->flags & WM_STREAM_BROKEN) ||
	    back >= d->hist_len || h[at] != WM_DETECT_EOD_BYTE)
		return 0;
	memmove(h + at, h + at + 1, back);
	d->hist_len--;
	if (stream_prime(ctx, f->policy->db, &d->hs, h, d->hist_len) < 0) {
		d->hs = old;
		return -EIO;
	}
	wm_match_stream_close(old);
	/* Hyperscan's offset hist_len is the next byte's, d->r.offset. */
	d->hs_base = d->r.offset - d->hist_len;
	return 0;
}

/* One direction of @f onto @db (the flow's new policy's). */
static void
dir_rebind(struct wm_stream_ctx *ctx, struct wm_flow *f,
	   struct wm_stream_dir *d, const struct wm_match_db *db)
{
	hs_stream_t *old = d->hs;

	d->hs = NULL;
	wm_match_stream_close(old);
	stream_probe_expire(ctx, &dcold(d)->probe_rules, dcold(d)->probe_end,
			    d->r.offset, true);
	if (d->flags & WM_STREAM_BROKEN)
		return;         /* fails closed as before */
	if (dcold(d)->view != NULL && stream_view_rebind(ctx, d, db) < 0) {
		stream_view_put(ctx, d);
		d->flags |= WM_STREAM_BROKEN;
		return;
	}
	/* Not scanned yet: opened on the new database at its first byte. */
	if (old == NULL)
		return;
	if (stream_prime(ctx, db, &d->hs, d->win != NULL ? d->win : d->tail,
			 d->hist_len) < 0) {
		d->flags |= WM_STREAM_BROKEN;
		return;
	}
	/* Hyperscan's offset hist_len is the next byte's, d->r.offset. */
	d->hs_base = d->r.offset - d->hist_len;
	RTE_SET_USED(f);
}

void
wm_stream_flow_rebind(struct wm_stream_ctx *ctx, struct wm_flow *f,
		      const struct wm_policy *policy, uint8_t segment)
{
	struct wm_stream_flow *sf = sflow(f);

	f->policy = policy;
	f->segment = segment;
	for (int i = 0; i < 2; i++)
		dir_rebind(ctx, f, &sf->dir[i], policy->db);
	sf->hs_db = policy->db;
	ctx->stats->ctr[WM_CTR_FLOW_REBOUND]++;
}

void
wm_stream_flow_end(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	/* The stream goes on, unscanned: a tail is no value's end. */
	for (int i = 0; i < 2 && !f->blocked; i++)
		if (sflow(f)->dir[i].held_head != NULL &&
		    !stream_tail_decide(ctx, f, &sflow(f)->dir[i]))
			stream_block(ctx, f, WM_CTR_DROP_BLOCKED);
	wm_stream_flow_release(ctx, f);
}

void
wm_stream_flow_unpool(struct wm_flow *f)
{
	struct wm_stream_flow *sf = sflow(f);

	for (int i = 0; i < 2; i++) {
		wm_match_stream_close(sf->dir[i].hs);
		sf->dir[i].hs = NULL;
	}
	sf->hs_db = NULL;
}

void
wm_stream_ctx_rebind(struct wm_stream_ctx *ctx, hs_scratch_t *scratch)
{
	ctx->scratch = scratch;
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(ctx->probe); i++) {
		wm_match_stream_close(ctx->probe[i].hs);
		ctx->probe[i].hs = NULL;
		ctx->probe[i].db = NULL;
	}
	stream_view_pool_unpool(ctx->views);
}
