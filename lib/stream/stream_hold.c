/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hold-back and release: held packets per direction (by end offset) and
 * per lcore (by arrival, one list per hold class), how long a hold
 * lasts, what leaves when, and what a hold timeout decides.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "stream_priv.h"
#include "wm_mask.h"

/* Does @a leave before @b? By end offset; at equal ends, data first. */
static inline bool
held_before(struct rte_mbuf *a, struct rte_mbuf *b)
{
	return wm_reasm_pkt_end(a) < wm_reasm_pkt_end(b) ||
	       (wm_reasm_pkt_end(a) == wm_reasm_pkt_end(b) &&
		(wm_pkt_meta(a)->pi.payload_len != 0 ||
		 wm_pkt_meta(b)->pi.payload_len == 0));
}

/*
 * Hold @m in @d: the list stays sorted by end offset (new data always
 * ends last; a retransmitted copy of held bytes, or an ACK waiting for
 * them, slots in before; data before an ACK ending at the same place).
 */
void
stream_held_add(struct wm_stream_ctx *ctx, struct wm_flow *f,
		struct wm_stream_dir *d, struct rte_mbuf *m, uint64_t now,
		unsigned int cls)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	struct rte_mbuf **link = &d->held_head;

	/* In order (the common case): after the tail, in O(1). */
	if (d->held_tail != NULL && held_before(d->held_tail, m))
		link = &wm_pkt_meta(d->held_tail)->next;
	while (*link != NULL && held_before(*link, m))
		link = &wm_pkt_meta(*link)->next;
	pm->next = *link;
	*link = m;
	if (pm->next == NULL)
		d->held_tail = m;
	pm->owner = f;
	pm->arrival_tsc = now;
	pm->hold_class = (uint8_t)cls;
	pm->held = 0;
	wm_reasm_list_append(&ctx->held[cls], m);
}

/*
 * How long the held bytes of @f's direction @d wait for the next ones:
 * twice the round trip measured here (both directions; one known stands
 * for both) plus hold_min, rounded up to a class; the longest class
 * while nothing was measured. After the end of a write that the peer
 * has acknowledged up to the held bytes (@early), new bytes can only be
 * on their way if that ACK made the sender send them: wait for the
 * sender's side of the round trip (and a quarter), plus hold_min.
 */
unsigned int
stream_hold_class(const struct wm_stream_ctx *ctx, struct wm_flow *f,
		  const struct wm_stream_dir *d, bool early)
{
	const struct wm_stream_flow *sf = sflow(f);
	uint64_t r0 = sf->dir[0].r.rtt, r1 = sf->dir[1].r.rtt, want;
	uint64_t sender = sf->dir[d == &sf->dir[0]].r.rtt;
	unsigned int c;

	if (early && sender != 0)
		want = sender + sender / 4 + ctx->conf->hold_min;
	else if (r0 == 0 && r1 == 0)
		return stream_class_last(ctx);
	else
		want = 2 * (r0 + r1 + (r0 == 0 ? r1 : 0) + (r1 == 0 ? r0 : 0)) +
		       ctx->conf->hold_min;
	for (c = 0; c < stream_class_last(ctx); c++)
		if (ctx->class_time[c] >= want)
			break;
	return c;
}

/* Emit the held packets of @d that end at or before stream offset @upto. */
unsigned int
stream_release(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
	       uint64_t upto)
{
	unsigned int n = 0;

	while (d->held_head != NULL && wm_reasm_pkt_end(d->held_head) <= upto) {
		struct rte_mbuf *m = d->held_head;
		struct wm_pkt_meta *pm = wm_pkt_meta(m);

		d->held_head = pm->next;
		if (d->held_head == NULL)
			d->held_tail = NULL;
		wm_reasm_list_unlink(&ctx->held[pm->hold_class], m);
		if (pm->pi.payload_len != 0) /* not a waiting ACK */
			d->r.released = RTE_MAX(d->r.released,
						wm_reasm_pkt_end(m));
		if (dcold(d)->fix_open && stream_fix_pin(ctx, d, m))
			continue; /* a batch CRC: waits for its batch */
		if (pm->held)
			wm_stats_held_add(ctx->stats, stream_held_us(ctx, m));
		pm->owner = NULL;
		ctx->emit(m, ctx->emit_arg);
		n++;
	}
	if (d->held_head == NULL)
		d->r.released = d->r.offset;
	return n;
}

void
stream_drop(struct wm_stream_ctx *ctx, struct rte_mbuf *m, enum wm_counter c)
{
	ctx->stats->ctr[c]++;
	rte_pktmbuf_free(m);
}

/* Drop what @d holds and has queued (a drop policy fired). */
void
stream_discard(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
	       enum wm_counter c)
{
	while (d->held_head != NULL) {
		struct rte_mbuf *m = d->held_head;

		d->held_head = wm_pkt_meta(m)->next;
		wm_reasm_list_unlink(&ctx->held[wm_pkt_meta(m)->hold_class], m);
		stream_drop(ctx, m, c);
	}
	d->held_tail = NULL;
	stream_fix_discard(ctx, d, c);
	wm_reasm_discard(&ctx->reasm, &d->r, c);
	d->r.released = d->r.offset;
}

/* Fail closed for the rest of the flow: nothing more of it leaves. */
void
stream_block(struct wm_stream_ctx *ctx, struct wm_flow *f, enum wm_counter c)
{
	stream_discard(ctx, &sflow(f)->dir[0], c);
	stream_discard(ctx, &sflow(f)->dir[1], c);
	f->blocked = 1;
}

/* ---- hold timeouts ---- */

hs_stream_t *
stream_probe(struct wm_stream_ctx *ctx, const struct wm_match_db *db)
{
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(ctx->probe); i++) {
		if (ctx->probe[i].db == db)
			return ctx->probe[i].hs;
		if (ctx->probe[i].db != NULL)
			continue;
		if (wm_match_stream_open(db, &ctx->probe[i].hs) < 0)
			return NULL;
		ctx->probe[i].db = db;
		return ctx->probe[i].hs;
	}
	return NULL;
}

size_t
stream_prefix_decide(const struct wm_policy_conf *pc, const uint8_t *h,
		     size_t len, size_t cap, uint8_t *out)
{
	uint8_t pre[WM_DETECT_WINDOW];
	size_t first = len;

	for (unsigned int r = 0; r < pc->nrules; r++) {
		const struct wm_detector *det = pc->rules[r].detector;
		size_t k = RTE_MIN(det->hold(det, h, len), RTE_MIN(cap, len));

		if (k == 0)
			continue;
		first = RTE_MIN(first, len - k);
		wm_mask_prefix(&pc->rules[r].mask, det->separators,
			       det->min_chars, h + len - k, pre, k);
		for (size_t j = len - k; j < len; j++)
			if (pre[j - (len - k)] != h[j] && out[j] == h[j])
				out[j] = pre[j - (len - k)];
	}
	return first;
}

bool
stream_probe_claim(struct wm_stream_ctx *ctx, const struct wm_flow *f,
		   uint32_t *rules, uint64_t probe_end, uint32_t ri,
		   uint64_t end)
{
	if (!(*rules & (1u << ri)) || end > probe_end || end + 1 < probe_end)
		return false;
	*rules &= ~(1u << ri);
	stream_value_count(ctx, f, ri);
	return true;
}

void
stream_probe_expire(struct wm_stream_ctx *ctx, uint32_t *rules,
		    uint64_t probe_end, uint64_t at, bool end)
{
	if (*rules == 0 || (!end && at < probe_end + 2))
		return;
	ctx->stats->ctr[WM_CTR_MASK_TIMEOUT_COLLATERAL] +=
		(uint64_t)__builtin_popcount(*rules);
	*rules = 0;
}

/*
 * The end-of-data probe: what would the stream report if it ended after
 * the held tail? On a copy of the Hyperscan stream, so the real one goes
 * on. Values complete there are judged now (event, counters, operator)
 * and their masked bytes written into @out, which holds the @n tail
 * bytes from stream offset @from. False when a drop rule blocked the flow.
 */
static bool
tail_probe(struct wm_stream_ctx *ctx, struct wm_flow *f,
	   struct wm_stream_dir *d, uint64_t from, uint8_t *out, size_t n)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	hs_stream_t *probe = d->hs != NULL ?
			     stream_probe(ctx, f->policy->db) : NULL;
	static const uint8_t eod = WM_DETECT_EOD_BYTE;
	uint8_t win[WM_DETECT_WINDOW], val[WM_DETECT_WINDOW];
	size_t want;
	uint64_t win_off;

	/* No probe: the prefix rule alone still keeps every value masked. */
	if (probe == NULL || wm_match_stream_copy(probe, d->hs) < 0)
		return true;
	want = stream_window(d, &eod + 1, 1, win);
	win_off = d->r.offset + 1 - want;
	ctx->nmatch = 0;
	ctx->match_max = WM_STREAM_MATCH_MAX;
	if (wm_match_scan(probe, win + want - 1, 1, ctx->scratch,
			  stream_on_match, ctx) < 0)
		return true;
	for (uint32_t i = 0; i < ctx->nmatch; i++) {
		uint32_t ri = ctx->match[i].rule;
		const struct wm_rule *rule = &pc->rules[ri];
		struct wm_stream_event ev = {
			.flow = f, .dir = (uint8_t)(d - sflow(f)->dir),
			.rule = (uint16_t)ri, .at_timeout = 1,
		};
		struct wm_span sp;
		uint64_t vs, ve;

		if (!rule->detector->confirm(rule->detector, win, want, &sp))
			continue;
		vs = win_off + sp.start;
		ve = RTE_MIN(win_off + sp.end, d->r.offset);
		if (ve <= RTE_MAX(vs, from))
			continue;
		ev.offset = vs;
		ev.len = (uint32_t)(ve - vs);
		ev.value = win + sp.start;
		ev.late = stream_leaked(d, vs);
		if (ctx->event != NULL)
			ctx->event(ctx->event_arg, &ev);
		ctx->stats->ctr[WM_CTR_MASK_AT_TIMEOUT]++;
		if (!stream_value_mask(ctx, f, ri, win + sp.start, val, ev.len,
				       false)) {
			if (f->blocked)
				return false;
			continue;
		}
		for (uint64_t o = RTE_MAX(vs, from); o < ve; o++)
			out[o - from] = val[o - vs];
		dcold(d)->probe_rules |= 1u << ri;
		dcold(d)->probe_end = ve;
	}
	return true;
}

/*
 * Hold timeout, "mask": decide the undecided tail now. Values complete
 * at it are masked by their operator (tail_probe); every byte that may
 * still begin a value leaves masked as far as that value's operator
 * would mask it (wm_mask_prefix: partial keeps its first bytes, nothing
 * else stays), whichever rule asks for more. The window keeps the
 * original bytes: a value that completes later is confirmed and masked
 * where it is still held. False when a drop rule blocked the flow.
 */
static bool
tail_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
	    struct wm_stream_dir *d)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	uint8_t out[WM_WIN_BYTES], view[WM_DETECT_WINDOW], all[WM_DETECT_WINDOW];
	const uint8_t *orig, *hist;
	uint64_t from, vfrom, masked = 0;
	size_t hold, skip, hist_len, keep, tail;

	if (d->flags & WM_STREAM_BROKEN)
		return true;    /* nothing may be pending */
	stream_view_decide(ctx, f, d);
	if (f->blocked)
		return false;   /* a drop rule's value, complete in the view */
	ctx->stats->ctr[WM_CTR_STREAM_HOLD_MASKED] +=
		stream_anchor_decide(ctx, f, d);
	if (d->win == NULL)
		return true;
	hold = stream_dir_hold(f, d);
	if (hold == 0 || d->r.offset <= d->r.released)
		return true;    /* nothing of the tail is held */
	from = d->r.offset - hold;
	orig = d->win + d->hist_len - hold;
	memcpy(out, orig, hold);
	if (!tail_probe(ctx, f, d, from, out, hold))
		return false;
	skip = from < d->r.released ? (size_t)(d->r.released - from) : 0;
	/* Where the view decodes, it decided (escapes stay valid). */
	vfrom = stream_view_from(f, d);
	keep = vfrom >= d->r.offset ? hold :
	       vfrom > from ? (size_t)(vfrom - from) : 0;
	/* The history ends with the held tail: the probe's bytes there. */
	hist = stream_hist_view(d, view, &hist_len);
	tail = hist_len - hold;
	memcpy(all, hist, tail);
	memcpy(all + tail, out, hold);
	stream_prefix_decide(pc, hist, hist_len, hold, all);
	for (size_t k = skip; k < keep; k++)
		masked += all[tail + k] != out[k];
	memcpy(out, all + tail, keep);
	stream_put(ctx, d, from, from + keep, out);
	ctx->stats->ctr[WM_CTR_STREAM_HOLD_MASKED] += masked;
	d->flags |= WM_STREAM_DECIDED;
	d->tmo_start = from;
	dcold(d)->tmo_end = d->r.offset;
	return true;
}

bool
stream_tail_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
		   struct wm_stream_dir *d)
{
	return tail_decide(ctx, f, d);
}

void
wm_stream_expire(struct wm_stream_ctx *ctx, uint64_t now)
{
	const struct wm_stream_conf *c = ctx->conf;
	struct rte_mbuf *m;

	ctx->now = now;
	for (unsigned int k = 0; k < ctx->nclass; k++) {
		while ((m = ctx->held[k].first) != NULL) {
			struct wm_pkt_meta *pm = wm_pkt_meta(m);
			struct wm_flow *f = pm->owner;
			struct wm_stream_dir *d = &sflow(f)->dir[pm->dir];

			if (now - pm->arrival_tsc < ctx->class_time[k])
				break;
			if (c->hold_timeout == WM_FAIL_DROP ||
			    (c->hold_timeout == WM_FAIL_MASK &&
			     !tail_decide(ctx, f, d))) {
				stream_block(ctx, f, WM_CTR_DROP_HOLD_TIMEOUT);
				continue;
			}
			/* Everything: waiting ACKs may lie past d->r.offset. */
			ctx->stats->ctr[WM_CTR_STREAM_HOLD_TIMEOUT] +=
				stream_release(ctx, d, UINT64_MAX);
		}
	}
	while ((m = wm_reasm_gap_expired(&ctx->reasm, now)) != NULL) {
		struct wm_pkt_meta *pm = wm_pkt_meta(m);
		struct wm_flow *f = pm->owner;

		struct wm_reasm_dir *d = &sflow(f)->dir[pm->dir].r;

		if (c->reasm.gap == WM_FAIL_DROP)
			stream_block(ctx, f, WM_CTR_DROP_GAP);
		else
			wm_reasm_gap_skip(&ctx->reasm, d, f, now);
	}
}
