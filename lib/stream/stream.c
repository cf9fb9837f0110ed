/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's entry points: segments in (wm_stream_segment), the life
 * of a flow's state (init, flush, release, restart after a close) and
 * what reassembly asks of the engine (struct wm_reasm_ops).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "stream_priv.h"

/*
 * ---- what reassembly asks of the engine (struct wm_reasm_ops) ----
 * @arg is the engine's context, @owner the flow, @rd the reassembly part
 * of one of its directions.
 */

static inline struct wm_stream_dir *
sdir(struct wm_reasm_dir *rd)
{
	return container_of(rd, struct wm_stream_dir, r);
}

/* New bytes in order: scan, confirm, mask, then hold or release. */
static void
reasm_judge(void *arg, void *owner, struct wm_reasm_dir *rd,
	    struct rte_mbuf *m, uint32_t skip, uint64_t now)
{
	stream_judge(arg, owner, sdir(rd), m, skip, now);
}

/* Late bytes of a skipped hole: judged on their own. */
static int
reasm_hole(void *arg, void *owner, struct wm_reasm_dir *rd,
	   struct rte_mbuf *m, uint32_t pos, uint32_t n)
{
	struct wm_flow *f = owner;

	if (sdir(rd)->flags & WM_STREAM_BROKEN)
		return 0;
	if (stream_hole_judge(arg, f, sdir(rd), m, pos, n) < 0)
		return f->blocked ? -EPIPE : -EIO;
	return (int)n;
}

/* A packet that adds nothing new leaves with the held bytes it follows. */
static void
reasm_wait(void *arg, void *owner, struct wm_reasm_dir *rd,
	   struct rte_mbuf *m, uint64_t now)
{
	struct wm_stream_dir *d = sdir(rd);

	struct wm_stream_ctx *ctx = arg;
	struct wm_pkt_meta *pm = wm_pkt_meta(m);

	/* Whose held list it is in (an ACK waits in the other direction's). */
	pm->dir = (uint8_t)(d - sflow(owner)->dir);
	if (pm->pi.payload_len != 0 && wm_reasm_pkt_end(m) <= rd->released) {
		/* Repeats bytes that left: so does it, unless it carries a
		 * batch CRC not written yet. */
		pm->arrival_tsc = now;
		if (dcold(d)->fix_open && stream_fix_pin(ctx, d, m))
			pm->owner = owner;
		else
			ctx->emit(m, ctx->emit_arg);
		return;
	}
	stream_held_add(arg, owner, d, m, now, stream_class_last(arg));
}

/* A hole is skipped: the stream ends before it and restarts after it. */
static void
reasm_skip(void *arg, void *owner, struct wm_reasm_dir *rd, uint32_t gap)
{
	struct wm_stream_dir *d = sdir(rd);

	stream_dir_flush(arg, owner, d, rd->offset);
	wm_proto_lost(&fcold(owner)->proto, (unsigned int)(d - sflow(owner)->dir),
		      ((struct wm_stream_ctx *)arg)->stats);
	/* The parser lost its place: a region it opened ends here, the
	 * raw stream after the hole is masked (an MQTT direction is
	 * protected between payloads). */
	if (dcold(d)->prot_end == UINT64_MAX)
		dcold(d)->prot_end = rd->offset;
	if (d->hs != NULL)
		wm_match_stream_reset(d->hs);
	d->hist_len = 0;        /* the new stream starts after the hole */
	d->flags &= (uint8_t)~WM_STREAM_HIST_CUT;
	d->hs_base = rd->offset + gap;
}

/* The direction's FIN is in order; both ended: the connection closed. */
static void
reasm_fin(void *arg, void *owner, struct wm_reasm_dir *rd)
{
	struct wm_stream_ctx *ctx = arg;
	struct wm_flow *f = owner;
	const struct wm_stream_flow *sf = sflow(f);

	stream_dir_flush(ctx, f, sdir(rd), UINT64_MAX);
	if ((sf->dir[0].r.flags & WM_REASM_FIN) &&
	    (sf->dir[1].r.flags & WM_REASM_FIN) && !f->closed) {
		f->closed = 1;
		ctx->stats->ctr[WM_CTR_FLOW_CLOSED]++;
	}
}

static const struct wm_reasm_ops reasm_ops = {
	.judge = reasm_judge,
	.hole = reasm_hole,
	.wait = reasm_wait,
	.skip = reasm_skip,
	.fin = reasm_fin,
};

/* ---- contexts and flows ---- */

void
wm_stream_ctx_init(struct wm_stream_ctx *ctx, hs_scratch_t *scratch,
		   struct wm_stats *stats, const struct wm_stream_conf *conf,
		   struct wm_rb_pool *pool, struct wm_slots *wins,
		   wm_stream_emit_t emit, void *emit_arg)
{
	uint64_t tpu = RTE_MAX(conf->ticks_per_us, (uint64_t)1);

	memset(ctx, 0, offsetof(struct wm_stream_ctx, match));
	/* Hold classes: hold_min, doubling, up to hold_time. */
	ctx->class_time[0] = conf->hold_time;
	ctx->nclass = 1;
	if (conf->hold_min != 0 && conf->hold_min < conf->hold_time) {
		uint64_t t = conf->hold_min;

		ctx->nclass = 0;
		while (ctx->nclass < WM_HOLD_CLASSES - 1 && t < conf->hold_time) {
			ctx->class_time[ctx->nclass++] = t;
			t *= 2;
		}
		ctx->class_time[ctx->nclass++] = conf->hold_time;
	}
	ctx->us_mul = ((UINT64_C(1) << 32) + tpu - 1) / tpu;
	ctx->scratch = scratch;
	ctx->stats = stats;
	ctx->conf = conf;
	ctx->win_pool = wins;
	ctx->views = stream_view_pool_create(conf->views != 0 ? conf->views :
					     1024);
	ctx->cold = wm_stream_cold_pool_create(conf->colds != 0 ? conf->colds :
					       1024);
	ctx->emit = emit;
	ctx->emit_arg = emit_arg;
	wm_reasm_ctx_init(&ctx->reasm, &conf->reasm, stats, pool, &reasm_ops,
			  ctx, emit, emit_arg);
}

void
wm_stream_ctx_fini(struct wm_stream_ctx *ctx)
{
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(ctx->probe); i++) {
		wm_match_stream_close(ctx->probe[i].hs);
		ctx->probe[i].hs = NULL;
		ctx->probe[i].db = NULL;
	}
	stream_view_pool_free(ctx->views);
	ctx->views = NULL;
	wm_slots_free(ctx->cold);
	ctx->cold = NULL;
}

void
wm_stream_flow_init(struct wm_flow *f, const struct wm_policy *policy,
		    uint8_t segment)
{
	struct wm_stream_flow *sf = wm_stream_flow_of(f);
	hs_stream_t *hs[2] = { sf->dir[0].hs, sf->dir[1].hs };
	const struct wm_match_db *db = sf->hs_db;

	/*
	 * As the entry's last flow left it: keep only the pooled streams
	 * (its cold part went back when it was released).
	 */
	memset(sf, 0, sizeof(*sf));
	cold_attach(sf, cold_empty());
	f->policy = policy;
	f->segment = segment;
	for (int d = 0; d < 2; d++) {
		if (hs[d] == NULL)
			continue;
		if (db == policy->db) {
			wm_match_stream_reset(hs[d]);
			sf->dir[d].hs = hs[d];
		} else {
			wm_match_stream_close(hs[d]);
		}
	}
	sf->hs_db = policy->db;
}

bool
wm_stream_flow_has_data(const struct wm_flow *f)
{
	const struct wm_stream_flow *sf = (const void *)f->area;

	return sf->dir[0].r.offset != 0 || sf->dir[1].r.offset != 0;
}

void
wm_stream_table_fini(struct wm_flow_table *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->top; i++) {
		struct wm_stream_flow *sf = wm_stream_flow_of(&t->flows[i]);

		for (int d = 0; d < 2; d++) {
			wm_match_stream_close(sf->dir[d].hs);
			sf->dir[d].hs = NULL;
		}
		sf->hs_db = NULL;
	}
}

/* ---- connection life ---- */

void
wm_stream_flow_flush(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	for (int i = 0; i < 2; i++) {
		struct wm_stream_dir *d = &sflow(f)->dir[i];

		wm_reasm_flush(&ctx->reasm, &d->r, f);
		stream_dir_flush(ctx, f, d, UINT64_MAX);
	}
}

void
wm_stream_flow_release(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	struct wm_stream_flow *sf = sflow(f);

	/* Its end is judged with its protocol state: taken up if given back
	 * (none left: the streams end without it). */
	stream_cold_get(ctx, f);
	wm_stream_flow_flush(ctx, f);
	for (int i = 0; i < 2; i++) {
		stream_discard(ctx, &sf->dir[i], WM_CTR_DROP_BLOCKED);
		stream_win_detach(ctx, &sf->dir[i], 0);
		if (wm_stream_flow_cold(sf))
			wm_reasm_dir_fini(&ctx->reasm, &sf->dir[i].r);
	}
	cold_put(ctx, sf);
}

/* A new connection on the tuple of a closed one: start over. */
static void
flow_restart(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	wm_stream_flow_release(ctx, f);
	for (int i = 0; i < 2; i++) {
		struct wm_stream_dir *d = &sflow(f)->dir[i];
		hs_stream_t *hs = d->hs;

		/* Reassembly's part too: its queue and bytes went back. */
		memset(d, 0, offsetof(struct wm_stream_dir, hs));
		d->hs = hs;
		if (hs != NULL)
			wm_match_stream_reset(hs);
		d->tmo_start = 0;
		d->hist_len = 0;
		d->flags = 0;
		d->eod_at = 0;
	}
	cold_attach(sflow(f), cold_empty());
	memset(sflow(f)->proto_rest, 0, sizeof(sflow(f)->proto_rest));
	f->closed = 0;
	f->blocked = 0;
	ctx->stats->ctr[WM_CTR_FLOW_REUSED]++;
}

/*
 * The handshake's round trips, until data is timed: SYN to SYN-ACK is
 * the server side's (the client's bytes reach it and come back), SYN-ACK
 * to the client's ACK the client side's.
 */
static void
handshake_time(struct wm_stream_flow *sf, uint8_t dir, uint8_t fl,
	       uint64_t now)
{
	struct wm_reasm_dir *other = &sf->dir[!dir].r;
	struct wm_stream_cold *c = wm_stream_cold_of(sf);

	if (!wm_stream_flow_cold(sf))
		return; /* at rest, or none to be had: not timed */

	if ((fl & (WM_TCP_SYN | WM_TCP_ACK)) == WM_TCP_SYN) {
		c->syn_t = now;
		c->synack_t = 0;
	} else if ((fl & WM_TCP_SYN) && c->syn_t != 0 && c->synack_t == 0) {
		c->synack_t = now;
		if (other->rtt == 0)
			wm_reasm_rtt_sample(other, now - c->syn_t);
	} else if ((fl & WM_TCP_ACK) && c->synack_t != 0) {
		if (other->rtt == 0)
			wm_reasm_rtt_sample(other, now - c->synack_t);
		c->syn_t = c->synack_t = 0;
	}
}

bool
wm_stream_ack(struct wm_stream_ctx *ctx, struct wm_flow *f,
	      struct rte_mbuf *m, uint64_t now)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	struct wm_stream_flow *sf = sflow(f);
	struct wm_reasm_dir *d, *peer;

	/*
	 * What wm_stream_segment() would do besides this: a Kafka batch's
	 * pinned packets, a handshake still timed, a blocked flow.
	 */
	if (unlikely(f->blocked || fcold(f)->synack_t != 0 ||
		     dcold(&sf->dir[0])->pin_head != NULL ||
		     dcold(&sf->dir[1])->pin_head != NULL))
		return false;
	d = &sf->dir[pm->dir].r;
	peer = &sf->dir[!pm->dir].r;
	ctx->now = now;
	wm_reasm_ack(&ctx->reasm, peer, pm->pi.ack, now);
	wm_reasm_window(peer, d, pm->pi.window, false);
	/* Nothing of the peer's held, or not acknowledged yet: leave now. */
	if ((peer->released == peer->offset &&
	     (int32_t)(pm->pi.ack - peer->next_seq) <= 0) ||
	    !wm_reasm_ack_wait(&ctx->reasm, peer, f, m, pm->pi.ack, now))
		ctx->emit(m, ctx->emit_arg);
	return true;
}

void
wm_stream_segment(struct wm_stream_ctx *ctx, struct wm_flow *f,
		  struct rte_mbuf *m, uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	/* Copied: once judged, m may be transmitted and freed at any time. */
	const uint8_t fl = pm->pi.tcp_flags, dir = pm->dir;
	const uint32_t plen = pm->pi.payload_len, ack = pm->pi.ack;
	uint32_t seq = wm_reasm_pkt_seq(m);
	struct wm_stream_flow *sf = sflow(f);
	struct wm_reasm_dir *d = &sf->dir[dir].r, *peer = &sf->dir[!dir].r;

	ctx->now = now;
	if (unlikely(dcold(&sf->dir[0])->pin_head != NULL ||
		     dcold(&sf->dir[1])->pin_head != NULL))
		stream_fix_stall(ctx, sf);
	if (f->closed && (fl & WM_TCP_SYN) && !(fl & WM_TCP_ACK))
		flow_restart(ctx, f);
	if (f->blocked) {
		stream_drop(ctx, m, WM_CTR_DROP_BLOCKED);
		return;
	}
	/*
	 * Anything but a bare ACK may write what a flow keeps while bytes
	 * are in flight: its cold part first. None left: the segment is
	 * dropped (its sender resends), never passed unjudged. A SYN or
	 * RST without one goes on (nothing of it is kept).
	 */
	if (unlikely(!wm_stream_flow_cold(sf)) &&
	    (plen > 0 || (fl & (WM_TCP_SYN | WM_TCP_FIN | WM_TCP_RST))) &&
	    !stream_cold_get(ctx, f) && (plen > 0 || (fl & WM_TCP_FIN))) {
		stream_drop(ctx, m, WM_CTR_DROP_COLD_FULL);
		return;
	}
	handshake_time(sf, dir, fl, now);
	if (fl & WM_TCP_ACK)
		wm_reasm_ack(&ctx->reasm, peer, ack, now);
	if (fl & WM_TCP_SYN)
		wm_reasm_syn(d, seq, pm->pi.wscale);
	wm_reasm_window(peer, d, pm->pi.window, fl & WM_TCP_SYN);
	if (plen > 0) {
		if (!wm_reasm_segment(&ctx->reasm, d, f, m, seq, now))
			return; /* beyond a gap: queued */
		m = NULL; /* the engine owns it now */
		seq += plen;
	}
	/*
	 * A FIN or RST counts only at the exact next sequence number: a
	 * blind RST must not split a value across a stream reset, and a FIN
	 * beyond a gap waits for the gap.
	 */
	if ((fl & WM_TCP_RST) && wm_reasm_at_next(d, seq)) {
		wm_stream_flow_flush(ctx, f);
		if (m != NULL)
			ctx->emit(m, ctx->emit_arg); /* after what was held */
		if (!f->closed) {
			f->closed = 1;
			ctx->stats->ctr[WM_CTR_FLOW_CLOSED]++;
		}
		return;
	}
	if ((fl & WM_TCP_FIN) && wm_reasm_fin(&ctx->reasm, d, f, m, seq, now))
		return; /* beyond a gap: waits for the bytes before it */
	/*
	 * A packet without payload leaves now: after a flush it follows
	 * what was held; otherwise overtaking held data of its direction is
	 * harmless (a bare ACK's sequence number is still acceptable), but
	 * an ACK waits for the bytes it acknowledges.
	 */
	if (m != NULL &&
	    !((fl & WM_TCP_ACK) &&
	      wm_reasm_ack_wait(&ctx->reasm, peer, f, m, ack, now)))
		ctx->emit(m, ctx->emit_arg);
}

void
wm_stream_mem(const struct wm_stream_ctx *ctx, struct wm_stream_mem *m)
{
	m->cold_bytes = ctx->cold != NULL ?
			(uint64_t)ctx->cold->in_use * sizeof(struct wm_stream_cold) :
			0;
	m->view_bytes = stream_view_bytes(ctx->views);
	m->held_pkts = m->held_bytes = 0;
	for (unsigned int c = 0; c < ctx->nclass; c++)
		for (struct rte_mbuf *p = ctx->held[c].first; p != NULL;
		     p = wm_pkt_meta(p)->gnext) {
			m->held_pkts++;
			m->held_bytes += p->pkt_len;
		}
	m->queued_pkts = ctx->reasm.ooo_segs;
	m->queued_bytes = ctx->reasm.ooo_bytes;
}
