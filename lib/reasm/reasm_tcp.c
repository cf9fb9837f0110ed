/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly of one direction (see wm_reasm.h): segments in order
 * go to the judge, segments beyond a gap wait in a bounded queue,
 * retransmissions and overlaps of judged bytes are rewritten to what was
 * judged, holes that never fill are skipped, a FIN waits for the bytes
 * before it, and ACKs trim the retained bytes and time the round trip.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "wm_reasm.h"

void
wm_reasm_ctx_init(struct wm_reasm_ctx *rc, const struct wm_reasm_conf *conf,
		  struct wm_stats *stats, struct wm_rb_pool *pool,
		  const struct wm_reasm_ops *ops, void *ops_arg,
		  wm_reasm_emit_t emit, void *emit_arg)
{
	memset(rc, 0, offsetof(struct wm_reasm_ctx, buf));
	rc->conf = conf;
	rc->stats = stats;
	rc->pool = pool;
	rc->ops = ops;
	rc->ops_arg = ops_arg;
	rc->emit = emit;
	rc->emit_arg = emit_arg;
}

/* Drop @m, counted as @c. */
static void
pkt_drop(struct wm_reasm_ctx *rc, struct rte_mbuf *m, enum wm_counter c)
{
	rc->stats->ctr[c]++;
	rte_pktmbuf_free(m);
}

void
wm_reasm_fail(struct wm_reasm_ctx *rc, struct rte_mbuf *m,
	      enum wm_fail_action a, enum wm_counter fwd,
	      enum wm_counter dropped)
{
	if (a == WM_FAIL_FORWARD) {
		rc->stats->ctr[fwd]++;
		rc->emit(m, rc->emit_arg);
	} else {
		pkt_drop(rc, m, dropped);
	}
}

/* ---- bytes judged before ---- */

void
wm_reasm_retain(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		const uint8_t *p, uint32_t n)
{
	int64_t ev = wm_rb_append(rc->pool, &d->c->rb, p, n,
				  rc->conf->retain_bytes);

	if (ev < 0)
		rc->stats->ctr[WM_CTR_REASM_MEMCAP]++;
	else
		rc->stats->ctr[WM_CTR_REASM_EVICTED] += (uint64_t)ev;
}

void
wm_reasm_retain_prefetch(const struct wm_reasm_ctx *rc,
			 const struct wm_reasm_dir *d, uint32_t n)
{
	wm_rb_prefetch(rc->pool, &d->c->rb, n);
}

/*
 * Make the @n payload bytes of @m from @pos, at stream offset @off, what
 * was judged there before (retained in @rb). False when those bytes are
 * not retained.
 */
static bool
old_rewrite(struct wm_reasm_ctx *rc, const struct wm_rbuf *rb,
	    struct rte_mbuf *m, uint32_t pos, uint64_t off, uint32_t n)
{
	uint32_t changed = 0;

	for (uint32_t i = 0; i < n; i += WM_REASM_CHUNK) {
		uint32_t k = RTE_MIN(n - i, (uint32_t)WM_REASM_CHUNK);

		if (!wm_rb_read(rb, off + i, k, rc->buf))
			return false;
		changed += wm_reasm_pkt_write(m, pos + i, rc->buf, k);
	}
	rc->stats->ctr[WM_CTR_REASM_RETRANS]++;
	if (changed != 0)
		rc->stats->ctr[WM_CTR_REASM_RETRANS_DIFF]++;
	return true;
}

/*
 * Of the @n payload bytes of @m from @pos (stream offset @off), those
 * no longer retained in @rb because the peer acknowledged them: a receiver
 * discards bytes it has acknowledged, so they are blanked (nothing of
 * them leaves, whatever the sender put there) instead of failing the
 * whole segment: the receiver still waits for its new bytes (Linux
 * collapses retransmissions into larger segments), or the sender for
 * the ACK its arrival brings back. Returns how many.
 */
static uint32_t
old_blank(struct wm_reasm_ctx *rc, const struct wm_reasm_dir *d,
	  const struct wm_rbuf *rb, struct rte_mbuf *m, uint32_t pos,
	  uint64_t off, uint32_t n)
{
	uint64_t kept = rb->head != NULL ? rb->base : rb->end;
	uint32_t k;

	if (off >= kept || off >= d->acked)
		return 0;
	k = (uint32_t)RTE_MIN(RTE_MIN(kept, d->acked) - off, (uint64_t)n);
	memset(rc->buf, '*', RTE_MIN(k, (uint32_t)WM_REASM_CHUNK));
	for (uint32_t i = 0; i < k; i += WM_REASM_CHUNK)
		wm_reasm_pkt_write(m, pos + i, rc->buf,
				   RTE_MIN(k - i, (uint32_t)WM_REASM_CHUNK));
	rc->stats->ctr[WM_CTR_REASM_RETRANS_ACKED] += k;
	return k;
}

/* Retain the @n payload bytes of @m from @pos (as they leave) in @rb. */
static void
pkt_retain(struct wm_reasm_ctx *rc, struct wm_rbuf *rb, struct rte_mbuf *m,
	   uint32_t pos, uint32_t n)
{
	uint32_t at = wm_pkt_meta(m)->pi.payload_off + pos;

	for (uint32_t i = 0; i < n; i += WM_REASM_CHUNK) {
		uint32_t k = RTE_MIN(n - i, (uint32_t)WM_REASM_CHUNK);
		const uint8_t *p = rte_pktmbuf_read(m, at + i, k, rc->buf);
		int64_t ev = wm_rb_append(rc->pool, rb, p, k,
					  rc->conf->retain_bytes);

		if (ev < 0)
			rc->stats->ctr[WM_CTR_REASM_MEMCAP]++;
		else
			rc->stats->ctr[WM_CTR_REASM_EVICTED] += (uint64_t)ev;
	}
}

/*
 * @m (at @seq, its first payload byte at stream offset @off) carries
 * @k bytes of the skipped hole from its start. Those that left before
 * (hole_rb) are rewritten to what left; the next ones, in order, are
 * judged on their own and retained. Returns how many payload bytes were
 * taken care of (@k), or -1 when @m was dropped.
 */
static int
hole_process(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, void *owner,
	     struct rte_mbuf *m, uint32_t seq, uint64_t off, uint32_t k)
{
	uint32_t pos = seq - d->c->hole_seq;
	uint64_t start = off - pos;     /* stream offset of the hole */
	uint64_t came = d->c->hole_rb.end - start;
	uint32_t again = (uint32_t)RTE_MIN((uint64_t)k,
					   came > pos ? came - pos : 0);
	int n;

	if (pos > came) {
		/* Not in order from the hole's start: the sender resends. */
		pkt_drop(rc, m, WM_CTR_REASM_HOLE_LATE_OOO);
		return -1;
	}
	if (again > 0) {
		uint32_t b = old_blank(rc, d, &d->c->hole_rb, m, 0, off, again);

		if (b < again && !old_rewrite(rc, &d->c->hole_rb, m, b, off + b,
					      again - b)) {
			wm_reasm_fail(rc, m, rc->conf->memcap,
				      WM_CTR_FWD_MEMCAP, WM_CTR_DROP_MEMCAP);
			return -1;
		}
	}
	if (again == k)
		return (int)k;
	wm_pkt_meta(m)->stream_off = off;
	n = rc->ops->hole(rc->ops_arg, owner, d, m, again, k - again);
	if (n <= 0) {
		pkt_drop(rc, m, n == -EPIPE ? WM_CTR_DROP_BLOCKED :
			 WM_CTR_DROP_SCAN_ERR);
		return -1;
	}
	pkt_retain(rc, &d->c->hole_rb, m, again, k - again);
	return (int)k;
}

/*
 * A segment that starts at or before next_seq: the part already judged
 * is rewritten to the first copy, the rest is judged as new bytes. Bytes
 * of a skipped hole that come late are judged on their own.
 */
static void
seg_process(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, void *owner,
	    struct rte_mbuf *m, uint32_t seq, uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t len = pm->pi.payload_len;
	/* Bytes before d->offset: the FIN's sequence number is no byte. */
	uint32_t behind = wm_reasm_seq_end(d) - seq;
	uint32_t old = RTE_MIN(behind, len);
	uint32_t in_hole = 0;

	if ((d->flags & WM_REASM_FIN) && len > behind) {
		/* Bytes beyond the FIN: the receiver discards them. */
		pkt_drop(rc, m, WM_CTR_REASM_AFTER_FIN);
		return;
	}
	if (behind == 0) {
		rc->ops->judge(rc->ops_arg, owner, d, m, 0, now);
		return;
	}
	if (seq - d->c->hole_seq < d->c->hole_len && behind <= d->offset) {
		uint32_t k = RTE_MIN(old, d->c->hole_len - (seq - d->c->hole_seq));
		int n = hole_process(rc, d, owner, m, seq, d->offset - behind,
				     k);

		if (n < 0)
			return;
		in_hole = (uint32_t)n;
	}
	/* Karn: a round trip timed over a retransmission means nothing. */
	if ((d->flags & WM_REASM_SAMPLE) && (int32_t)(seq - d->c->sample_seq) < 0)
		d->flags &= (uint8_t)~WM_REASM_SAMPLE;
	/*
	 * A retransmission of bytes all acknowledged and given back (the
	 * ACK was lost on its way to the sender) leaves blanked too: the
	 * receiver answers it with the ACK the sender waits for. Dropped,
	 * the sender resent it at each timeout and the flow stalled.
	 */
	if (d->flags & WM_REASM_RESTED)
		rc->stats->ctr[WM_CTR_REASM_RETRANS_RESTED]++;
	if (behind <= d->offset)
		in_hole += old_blank(rc, d, &d->c->rb, m, in_hole,
				     d->offset - behind + in_hole,
				     old - in_hole);
	if (behind > d->offset ||
	    !old_rewrite(rc, &d->c->rb, m, in_hole, d->offset - behind + in_hole,
			 old - in_hole)) {
		/* Judged once, but no longer retained: cannot be rewritten. */
		wm_reasm_fail(rc, m, rc->conf->memcap, WM_CTR_FWD_MEMCAP,
			 WM_CTR_DROP_MEMCAP);
		return;
	}
	if (len > behind) {
		rc->ops->judge(rc->ops_arg, owner, d, m, behind, now);
		return;
	}
	/* Nothing new: leave now, or with the held bytes it repeats. */
	pm->stream_off = d->offset - behind;
	rc->ops->wait(rc->ops_arg, owner, d, m, now);
}

/* ---- beyond a gap ---- */

/*
 * Queue @m (at @seq, beyond a gap) until the stream reaches it, within
 * the direction's and the lcore's limits; past them the ooo_full action
 * applies (dropped: the sender resends it).
 */
static void
ooo_queue(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, void *owner,
	  struct rte_mbuf *m, uint32_t seq, uint64_t now)
{
	const struct wm_reasm_conf *c = rc->conf;
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t len = pm->pi.payload_len;
	struct rte_mbuf **link = &d->c->ooo_head;

	if (d->c->ooo_segs + 1u > c->ooo_segments ||
	    d->c->ooo_bytes + len > c->ooo_bytes ||
	    rc->ooo_bytes + len > c->ooo_worker_bytes ||
	    rc->ooo_segs + 1u > c->ooo_worker_segments) {
		/* Dropped, the sender resends it. */
		wm_reasm_fail(rc, m, c->ooo_full, WM_CTR_FWD_OOO_FULL,
			 WM_CTR_DROP_OOO_FULL);
		return;
	}
	/* By sequence; equal ones in arrival order (the first copy first). */
	while (*link != NULL &&
	       (int32_t)(wm_reasm_pkt_seq(*link) - d->next_seq) <=
	       (int32_t)(seq - d->next_seq))
		link = &wm_pkt_meta(*link)->next;
	pm->next = *link;
	*link = m;
	pm->owner = owner;
	pm->arrival_tsc = now;
	wm_reasm_list_append(&rc->ooo, m);
	d->c->ooo_segs++;
	d->c->ooo_bytes += len;
	rc->ooo_bytes += len;
	rc->ooo_segs++;
	rc->stats->ctr[WM_CTR_REASM_OOO]++;
}

/* Take @m, the first queued segment of @d, off the queues. */
static void
ooo_unlink(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, struct rte_mbuf *m)
{
	uint32_t len = wm_pkt_meta(m)->pi.payload_len;

	d->c->ooo_head = wm_pkt_meta(m)->next;
	wm_reasm_list_unlink(&rc->ooo, m);
	d->c->ooo_segs--;
	d->c->ooo_bytes -= len;
	rc->ooo_bytes -= len;
	rc->ooo_segs--;
}

/* The FIN is in order: the direction ends. */
static void
fin_apply(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, void *owner)
{
	d->flags &= (uint8_t)~WM_REASM_FIN_PENDING;
	if (d->flags & WM_REASM_FIN)
		return;
	d->next_seq++;
	d->flags |= WM_REASM_FIN;
	rc->ops->fin(rc->ops_arg, owner, d);
}

/*
 * Judge the queued segments that the stream has reached. A drop rule
 * that blocks the flow empties the queue: the loop ends with it.
 */
static void
ooo_drain(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, void *owner,
	  uint64_t now)
{
	struct rte_mbuf *m;

	while ((m = d->c->ooo_head) != NULL &&
	       (int32_t)(wm_reasm_pkt_seq(m) - d->next_seq) <= 0) {
		ooo_unlink(rc, d, m);
		if (wm_pkt_meta(m)->pi.payload_len == 0) {
			/* A FIN that waited for the bytes before it. */
			if ((d->flags & WM_REASM_FIN_PENDING) &&
			    d->next_seq == d->fin_seq)
				fin_apply(rc, d, owner);
			rc->emit(m, rc->emit_arg);
			continue;
		}
		seg_process(rc, d, owner, m, wm_reasm_pkt_seq(m), now);
	}
	if ((d->flags & WM_REASM_FIN_PENDING) && d->next_seq == d->fin_seq)
		fin_apply(rc, d, owner);
}

void
wm_reasm_gap_skip(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		  void *owner, uint64_t now)
{
	uint32_t gap = wm_reasm_pkt_seq(d->c->ooo_head) - d->next_seq;

	if ((int32_t)gap <= 0) {
		ooo_drain(rc, d, owner, now); /* reached already: no hole */
		return;
	}
	rc->ops->skip(rc->ops_arg, owner, d, gap);
	d->c->hole_seq = d->next_seq;
	d->c->hole_len = gap;
	wm_rb_reset(rc->pool, &d->c->hole_rb, d->offset);
	d->offset += gap;
	d->released = d->offset;
	d->next_seq += gap;
	wm_rb_reset(rc->pool, &d->c->rb, d->offset);
	rc->stats->ctr[WM_CTR_REASM_GAP]++;
	rc->stats->ctr[WM_CTR_REASM_GAP_BYTES] += gap;
	ooo_drain(rc, d, owner, now);
}

void
wm_reasm_flush(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, void *owner)
{
	while (d->c->ooo_head != NULL)
		wm_reasm_gap_skip(rc, d, owner, 0);
}

struct rte_mbuf *
wm_reasm_gap_expired(const struct wm_reasm_ctx *rc, uint64_t now)
{
	struct rte_mbuf *m = rc->ooo.first;

	if (m == NULL || now - wm_pkt_meta(m)->arrival_tsc < rc->conf->gap_time)
		return NULL;
	return m;
}

void
wm_reasm_discard(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		 enum wm_counter c)
{
	struct rte_mbuf *m;

	while ((m = d->c->ooo_head) != NULL) {
		ooo_unlink(rc, d, m);
		pkt_drop(rc, m, c);
	}
}

void
wm_reasm_dir_fini(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d)
{
	wm_rb_reset(rc->pool, &d->c->rb, 0);
	wm_rb_reset(rc->pool, &d->c->hole_rb, 0);
}

/* ---- segments ---- */

void
wm_reasm_syn(struct wm_reasm_dir *d, uint32_t seq, uint8_t wscale)
{
	d->flags |= WM_REASM_SYN_SEEN;
	if (wscale != WM_PKT_NO_WSCALE) {
		d->flags |= WM_REASM_WSCALE;
		d->wscale = wscale;
	}
	if (d->offset != 0)
		return;
	d->next_seq = seq;
	d->flags |= WM_REASM_SEQ_KNOWN;
}

/*
 * Does @seq, beyond next_seq, lie outside every window the receiver
 * offered @d? With no window seen it is taken as 64 KiB, or as the
 * largest a scaled window can be (2^30) when @d's SYN offered scaling;
 * with the handshake missed (scaling unknown), as at least 64 KiB. A
 * window read too small only drops segments the sender resends.
 */
static bool
beyond_window(const struct wm_reasm_dir *d, uint32_t seq)
{
	uint32_t w = d->wnd;

	if (w == 0)
		w = (d->flags & WM_REASM_WSCALE) ? UINT32_C(1) << 30 :
		    UINT16_MAX;
	else if (!(d->flags & WM_REASM_WND_EXACT))
		w = RTE_MAX(w, (uint32_t)UINT16_MAX);
	return seq - d->next_seq >= w;
}

bool
wm_reasm_segment(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, void *owner,
		 struct rte_mbuf *m, uint32_t seq, uint64_t now)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);

	if (!(d->flags & WM_REASM_SEQ_KNOWN)) {
		d->next_seq = seq;
		d->flags |= WM_REASM_SEQ_KNOWN;
		rc->stats->ctr[WM_CTR_STREAM_MIDSTREAM]++;
	}
	if ((int32_t)(seq - d->next_seq) > 0) {
		if (beyond_window(d, seq)) {
			pkt_drop(rc, m, WM_CTR_REASM_OUT_OF_WINDOW);
			return false;
		}
		if (pm->pi.tcp_flags & WM_TCP_FIN) {
			d->flags |= WM_REASM_FIN_PENDING;
			d->fin_seq = seq + pm->pi.payload_len;
		}
		ooo_queue(rc, d, owner, m, seq, now);
		return false;
	}
	seg_process(rc, d, owner, m, seq, now);
	ooo_drain(rc, d, owner, now);
	return true;
}

bool
wm_reasm_fin(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, void *owner,
	     struct rte_mbuf *m, uint32_t seq, uint64_t now)
{
	if (wm_reasm_at_next(d, seq)) {
		fin_apply(rc, d, owner);
		return false;
	}
	if (m == NULL || (int32_t)(seq - d->next_seq) <= 0)
		return false;
	if (beyond_window(d, seq)) {
		pkt_drop(rc, m, WM_CTR_REASM_OUT_OF_WINDOW);
		return true;
	}
	/* Beyond a gap: the FIN leaves after the bytes before it. */
	d->flags |= WM_REASM_FIN_PENDING;
	d->fin_seq = seq;
	ooo_queue(rc, d, owner, m, seq, now);
	return true;
}

/* ---- acknowledgements ---- */

void
wm_reasm_rtt_sample(struct wm_reasm_dir *d, uint64_t t)
{
	if (t == 0)
		t = 1;
	if (d->rtt == 0 || t > d->rtt)
		d->rtt = t;
	else
		d->rtt -= (d->rtt - t) / 8;
}

void
wm_reasm_trim(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, uint64_t acked)
{
	if (d->c->rb.head != NULL) {
		uint64_t base = d->c->rb.base;

		wm_rb_trim(rc->pool, &d->c->rb,
			   RTE_MIN(RTE_MIN(acked, d->released),
				   d->c->keep != 0 ? d->c->keep : UINT64_MAX));
		/* Blocks given back by ACKs again: no longer "at rest". */
		if (d->c->rb.base != base)
			d->flags &= (uint8_t)~WM_REASM_RESTED;
	}
	if (d->c->hole_rb.head != NULL)
		wm_rb_trim(rc->pool, &d->c->hole_rb, acked);
}

bool
wm_reasm_ack_wait(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		  void *owner, struct rte_mbuf *m, uint32_t ack, uint64_t now)
{
	int64_t ahead = (int32_t)(ack - d->next_seq);

	if (!(d->flags & WM_REASM_SEQ_KNOWN) ||
	    ahead < -(int64_t)d->offset ||
	    (int64_t)d->offset + ahead <= (int64_t)d->released)
		return false;
	wm_pkt_meta(m)->stream_off = (uint64_t)((int64_t)d->offset + ahead);
	rc->ops->wait(rc->ops_arg, owner, d, m, now);
	return true;
}

uint64_t
wm_reasm_rest(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d)
{
	uint64_t n;

	if (d->c->ooo_head != NULL || d->acked < d->c->rb.end ||
	    d->released < d->c->rb.end || d->acked < d->c->hole_rb.end ||
	    (d->c->rb.head == NULL && d->c->hole_rb.head == NULL))
		return 0;
	n = wm_rb_blocks_bytes(&d->c->rb) + wm_rb_blocks_bytes(&d->c->hole_rb);
	/* Empty at their ends: later bytes are retained from there on. */
	wm_rb_reset(rc->pool, &d->c->rb, d->c->rb.end);
	wm_rb_reset(rc->pool, &d->c->hole_rb, d->c->hole_rb.end);
	d->flags |= WM_REASM_RESTED;
	rc->stats->ctr[WM_CTR_REASM_RESTED]++;
	return n;
}
