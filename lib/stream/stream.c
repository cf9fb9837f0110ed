/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "wm_mask.h"
#include "wm_stream.h"

static inline struct wm_stream_flow *
sflow(struct wm_flow *f)
{
	return wm_stream_flow_of(f);
}

static const struct wm_reasm_ops reasm_ops;

void
wm_stream_ctx_init(struct wm_stream_ctx *ctx, hs_scratch_t *scratch,
		   struct wm_stats *stats, const struct wm_stream_conf *conf,
		   struct wm_rb_pool *pool, struct wm_win_pool *wins,
		   wm_stream_emit_t emit, void *emit_arg)
{
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
	ctx->scratch = scratch;
	ctx->stats = stats;
	ctx->conf = conf;
	ctx->win_pool = wins;
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
}

void
wm_stream_flow_init(struct wm_flow *f, const struct wm_policy *policy,
		    uint8_t segment)
{
	struct wm_stream_flow *sf = wm_stream_flow_of(f);
	hs_stream_t *hs[2] = { sf->dir[0].hs, sf->dir[1].hs };
	const struct wm_match_db *db = sf->hs_db;

	/* As the entry's last flow left it: keep only the pooled streams. */
	memset(sf, 0, sizeof(*sf));
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
	for (uint32_t i = 0; i < t->size; i++) {
		struct wm_stream_flow *sf = wm_stream_flow_of(&t->flows[i]);

		for (int d = 0; d < 2; d++) {
			wm_match_stream_close(sf->dir[d].hs);
			sf->dir[d].hs = NULL;
		}
		sf->hs_db = NULL;
	}
}

/* ---- packet lists: per lcore by arrival, per direction by offset ---- */

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
static void
held_add(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d,
	 struct rte_mbuf *m, uint64_t now, unsigned int cls)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	struct rte_mbuf **link = &d->held_head;

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

/* The class that holds non-data packets: they never decide on their own. */
static inline unsigned int
class_last(const struct wm_stream_ctx *ctx)
{
	return ctx->nclass - 1;
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
static unsigned int
hold_class(const struct wm_stream_ctx *ctx, struct wm_flow *f,
	   const struct wm_stream_dir *d, bool early)
{
	const struct wm_stream_flow *sf = sflow(f);
	uint64_t r0 = sf->dir[0].r.rtt, r1 = sf->dir[1].r.rtt, want;
	uint64_t sender = sf->dir[d == &sf->dir[0]].r.rtt;
	unsigned int c;

	if (early && sender != 0)
		want = sender + sender / 4 + ctx->conf->hold_min;
	else if (r0 == 0 && r1 == 0)
		return class_last(ctx);
	else
		want = 2 * (r0 + r1 + (r0 == 0 ? r1 : 0) + (r1 == 0 ? r0 : 0)) +
		       ctx->conf->hold_min;
	for (c = 0; c < class_last(ctx); c++)
		if (ctx->class_time[c] >= want)
			break;
	return c;
}

/* Emit the held packets of @d that end at or before stream offset @upto. */
static unsigned int
dir_release(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, uint64_t upto)
{
	unsigned int n = 0;

	while (d->held_head != NULL && wm_reasm_pkt_end(d->held_head) <= upto) {
		struct rte_mbuf *m = d->held_head;
		struct wm_pkt_meta *pm = wm_pkt_meta(m);

		d->held_head = pm->next;
		if (d->held_head == NULL)
			d->held_tail = NULL;
		wm_reasm_list_unlink(&ctx->held[pm->hold_class], m);
		if (pm->pi.payload_len != 0) /* not a waiting ACK (ack_wait) */
			d->r.released = RTE_MAX(d->r.released, wm_reasm_pkt_end(m));
		if (pm->held)
			wm_stats_held_add(ctx->stats,
					  (ctx->now - pm->arrival_tsc) /
					  RTE_MAX(ctx->conf->ticks_per_us,
						  (uint64_t)1));
		pm->owner = NULL;
		ctx->emit(m, ctx->emit_arg);
		n++;
	}
	if (d->held_head == NULL)
		d->r.released = d->r.offset;
	return n;
}

static void
pkt_drop(struct wm_stream_ctx *ctx, struct rte_mbuf *m, enum wm_counter c)
{
	ctx->stats->ctr[c]++;
	rte_pktmbuf_free(m);
}

/* Drop what @d holds and has queued (a drop policy fired). */
static void
dir_discard(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
	    enum wm_counter c)
{
	while (d->held_head != NULL) {
		struct rte_mbuf *m = d->held_head;

		d->held_head = wm_pkt_meta(m)->next;
		wm_reasm_list_unlink(&ctx->held[wm_pkt_meta(m)->hold_class], m);
		pkt_drop(ctx, m, c);
	}
	d->held_tail = NULL;
	wm_reasm_discard(&ctx->reasm, &d->r, c);
	d->r.released = d->r.offset;
}

/* Fail closed for the rest of the flow: nothing more of it leaves. */
static void
flow_block(struct wm_stream_ctx *ctx, struct wm_flow *f, enum wm_counter c)
{
	dir_discard(ctx, &sflow(f)->dir[0], c);
	dir_discard(ctx, &sflow(f)->dir[1], c);
	f->blocked = 1;
}

/*
 * Write the masked value @val for stream range [start, end) into every
 * held packet of @d that carries part of it, and into the retained
 * bytes. Bytes before d->r.released have already left: the value is then
 * a late match, masked from the first byte still held.
 */
static void
dir_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, uint64_t start,
	uint64_t end, const uint8_t *val)
{
	if (start < d->r.released) {
		val += d->r.released - start;
		start = d->r.released;
	}
	if (start >= end)
		return;
	for (struct rte_mbuf *m = d->held_head; m != NULL;
	     m = wm_pkt_meta(m)->next) {
		uint64_t ps = wm_pkt_meta(m)->stream_off, pe = wm_reasm_pkt_end(m);
		uint64_t s = RTE_MAX(start, ps), e = RTE_MIN(end, pe);

		if (s < e)
			wm_reasm_pkt_write(m, (uint32_t)(s - ps), val + (s - start),
				  (uint32_t)(e - s));
	}
	wm_rb_write(&d->r.rb, start, val, (uint32_t)(end - start));
}

/*
 * Did a value starting at @start leave in clear? Bytes before released
 * have left; those of a tail decided at a hold timeout left masked as
 * far as a value there would be.
 */
static inline bool
dir_leaked(const struct wm_stream_dir *d, uint64_t start)
{
	return start < d->r.released &&
	       !((d->flags & WM_STREAM_DECIDED) && start >= d->tmo_start);
}

/* dir_put() for a value judged now, counting one whose start had left. */
static void
dir_write(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, uint64_t start,
	  uint64_t end, const uint8_t *val)
{
	if (start < d->r.released)
		ctx->stats->ctr[dir_leaked(d, start) ? WM_CTR_MASK_LATE :
				WM_CTR_MASK_AFTER_TIMEOUT]++;
	dir_put(ctx, d, start, end, val);
}

/* ---- scanning ---- */

static int
on_match(unsigned int id, unsigned long long end, void *arg)
{
	struct wm_stream_ctx *ctx = arg;

	if (unlikely(ctx->nmatch >= ctx->match_max))
		return 1; /* cannot happen: chunks are sized to fit */
	ctx->match[ctx->nmatch].rule = id;
	ctx->match[ctx->nmatch].end = end;
	ctx->nmatch++;
	return 0;
}

_Static_assert(WM_WIN_BYTES == WM_DETECT_WINDOW, "a window is a confirm window");
_Static_assert(WM_STREAM_TAIL < WM_WIN_BYTES, "the tail fits a window");

/*
 * History windows. While a direction is judged, d->win holds its last
 * WM_WIN_BYTES bytes: its own pooled window when a value was pending
 * after its last packet, else the lcore's ctx->win seeded with the tail
 * it kept. Afterwards it keeps a pooled window only if a value may
 * still be pending (hold > 0): a value cannot begin before bytes the
 * detectors released, so the tail (context before a value) is enough.
 */
static void
win_attach(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	if (d->win != NULL)
		return;
	memcpy(ctx->win, d->tail, d->hist_len);
	d->win = ctx->win;
}

/* Done judging: keep the window if @hold > 0. False: none to be had. */
static bool
win_detach(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, size_t hold)
{
	uint8_t *w;

	if (d->win == NULL)
		return true;
	if (hold == 0) {
		uint16_t k = RTE_MIN(d->hist_len, (uint16_t)WM_STREAM_TAIL);

		memcpy(d->tail, d->win + d->hist_len - k, k);
		d->hist_len = k;
		if (d->win != ctx->win)
			wm_win_put(ctx->win_pool, d->win);
		d->win = NULL;
		return true;
	}
	if (d->win != ctx->win)
		return true;
	w = wm_win_get(ctx->win_pool);
	if (w == NULL) {
		win_detach(ctx, d, 0);
		return false;
	}
	memcpy(w, ctx->win, d->hist_len);
	d->win = w;
	return true;
}

static void
hist_append(struct wm_stream_dir *d, const uint8_t *p, uint32_t n)
{
	const uint32_t cap = WM_WIN_BYTES;

	if (n >= cap) {
		memcpy(d->win, p + n - cap, cap);
		d->hist_len = cap;
		return;
	}
	if (d->hist_len + n > cap) {
		uint32_t keep = cap - n;

		memmove(d->win, d->win + d->hist_len - keep, keep);
		d->hist_len = (uint16_t)keep;
	}
	memcpy(d->win + d->hist_len, p, n);
	d->hist_len = (uint16_t)(d->hist_len + n);
}

/* Count a value of rule @ri found (masked, or left by an alert rule). */
static void
value_count(struct wm_stream_ctx *ctx, const struct wm_flow *f, uint32_t ri)
{
	if (f->policy->conf->rules[ri].mask.op == WM_MASK_ALERT) {
		ctx->stats->ctr[WM_CTR_MASK_ALERT]++;
		return;
	}
	ctx->stats->ctr[WM_CTR_MASK_VALUES]++;
	ctx->stats->masked[f->policy->det_id[ri]]++;
}

/*
 * What rule @ri of @f's policy makes of the confirmed value @val: true
 * with its masked bytes in @out; false for "alert" and "drop" (the flow
 * is blocked: nothing more of it passes). With @count, the value is
 * counted (a probe's value is counted once the stream confirms it).
 */
static bool
value_mask(struct wm_stream_ctx *ctx, struct wm_flow *f, uint32_t ri,
	   const uint8_t *val, uint8_t *out, uint32_t len, bool count)
{
	const struct wm_rule *rule = &f->policy->conf->rules[ri];
	struct wm_mask_env env = {
		.tok = ctx->tok,
		.segment = ctx->segment_names != NULL ?
			ctx->segment_names[f->segment] : "",
	};

	if (count)
		value_count(ctx, f, ri);
	switch (rule->mask.op) {
	case WM_MASK_ALERT:
		return false;
	case WM_MASK_DROP:
		/* A value that must never pass: nothing more of the flow does. */
		flow_block(ctx, f, WM_CTR_DROP_POLICY);
		return false;
	default:
		break;
	}
	if (wm_mask_apply(&rule->mask, rule->detector->separators, val, out,
			  len, &env) < 0)
		ctx->stats->ctr[WM_CTR_MASK_KEY_ERROR]++;
	return true;
}

/*
 * A confirmed value at stream offset @off: report the decision, then mask
 * it where it lies (alert and drop leave it and act).
 */
static void
value_judged(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_stream_dir *d, uint32_t ri, uint64_t off,
	     const uint8_t *val, uint32_t len)
{
	struct wm_stream_event ev = {
		.flow = f, .dir = (uint8_t)(d - sflow(f)->dir), .rule = (uint16_t)ri,
		.offset = off, .len = len, .value = val,
		.late = dir_leaked(d, off),
	};
	uint8_t out[WM_DETECT_WINDOW];

	/*
	 * Judged already, by the probe of a hold timeout: it left masked
	 * (and was logged then); now it is known to be a value.
	 */
	if ((d->probe_rules & (1u << ri)) && off + len <= d->probe_end &&
	    off + len + 1 >= d->probe_end) {
		d->probe_rules &= ~(1u << ri);
		value_count(ctx, f, ri);
		return;
	}
	if (ctx->event != NULL)
		ctx->event(ctx->event_arg, &ev);
	if (value_mask(ctx, f, ri, val, out, len, true))
		dir_write(ctx, d, off, off + len, out);
}

/*
 * Confirm one trigger: the window is the WM_DETECT_WINDOW stream bytes
 * ending at the trigger end, taken from the history (before the chunk)
 * and the chunk's original bytes. A confirmed value is masked in place.
 */
static void
match_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
	    struct wm_stream_dir *d, const struct wm_stream_match *mt,
	    uint64_t chunk_off)
{
	const struct wm_rule *rule = &f->policy->conf->rules[mt->rule];
	uint8_t win[WM_DETECT_WINDOW];
	uint64_t in_chunk = mt->end - chunk_off;
	uint64_t want = RTE_MIN((uint64_t)WM_DETECT_WINDOW, in_chunk + d->hist_len);
	uint64_t from_hist = want > in_chunk ? want - in_chunk : 0;
	uint64_t win_off = mt->end - want;
	struct wm_span sp;

	memcpy(win, d->win + d->hist_len - from_hist, from_hist);
	memcpy(win + from_hist, ctx->chunk + (in_chunk - (want - from_hist)),
	       want - from_hist);
	if (!rule->detector->confirm(rule->detector, win, want, &sp)) {
		ctx->stats->ctr[WM_CTR_MASK_REJECTED]++;
		return;
	}
	value_judged(ctx, f, d, mt->rule, win_off + sp.start, win + sp.start,
		     sp.end - sp.start);
}

/*
 * Scan @n bytes (a copy is taken: the packet is written while the
 * chunk's matches are judged) as the next bytes of @d. With @eod the
 * byte is the virtual end-of-stream terminator: judged, not kept.
 * Returns 0 or -EIO.
 */
static int
chunk_scan(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d,
	   const uint8_t *p, uint32_t n, bool eod)
{
	uint64_t chunk_off = d->r.offset;
	uint64_t t0;
	int rc;

	memcpy(ctx->chunk, p, n);
	if (!eod)
		wm_reasm_retain(&ctx->reasm, &d->r, ctx->chunk, n);
	ctx->nmatch = 0;
	t0 = wm_prof_start(ctx->prof);
	rc = wm_match_scan(d->hs, ctx->chunk, n, ctx->scratch, on_match, ctx);
	t0 = wm_prof_stop(ctx->prof, WM_STAGE_SCAN, t0);
	if (rc < 0)
		return -EIO;
	for (uint32_t i = 0; i < ctx->nmatch && !f->blocked; i++) {
		/* Hyperscan counts from its own (re)start. */
		ctx->match[i].end += d->hs_base;
		match_judge(ctx, f, d, &ctx->match[i], chunk_off);
	}
	if (ctx->nmatch != 0)
		wm_prof_stop(ctx->prof, WM_STAGE_MASK, t0);
	if (f->blocked)
		return -EPIPE; /* a drop rule fired: the packet is gone */
	if (!eod) {
		hist_append(d, ctx->chunk, n);
		d->r.offset += n;
	}
	/* Values a probe masked: past their terminators, not found again. */
	if (d->probe_rules != 0 && (eod || d->r.offset >= d->probe_end + 2)) {
		ctx->stats->ctr[WM_CTR_MASK_TIMEOUT_COLLATERAL] +=
			(uint64_t)__builtin_popcount(d->probe_rules);
		d->probe_rules = 0;
	}
	return 0;
}

/* Scan the TCP payload of @m from payload offset @skip, in chunks. */
static int
payload_scan(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_stream_dir *d, struct rte_mbuf *m, uint32_t skip)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t chunk = WM_STREAM_CHUNK;
	uint32_t off = pm->pi.payload_off + skip;
	uint32_t left = pm->pi.payload_len - skip;
	struct rte_mbuf *seg = m;

	/* Each end offset reports a pattern at most once. */
	ctx->match_max = WM_STREAM_MATCH_MAX;
	if (chunk * f->policy->db->npatterns > WM_STREAM_MATCH_MAX)
		chunk = WM_STREAM_MATCH_MAX / f->policy->db->npatterns;
	ctx->stats->ctr[WM_CTR_STREAM_BYTES] += left;
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (left > 0 && seg != NULL) {
		uint32_t k = RTE_MIN(left, (uint32_t)seg->data_len - off);
		const uint8_t *p = rte_pktmbuf_mtod_offset(seg, uint8_t *, off);

		left -= k;
		while (k > 0) {
			uint32_t c = RTE_MIN(k, chunk);

			if (chunk_scan(ctx, f, d, p, c, false) < 0)
				return -EIO;
			p += c;
			k -= c;
		}
		seg = seg->next;
		off = 0;
	}
	return left == 0 ? 0 : -EIO;
}

/* Newest bytes of @d that may begin a value not yet ended. */
static size_t
dir_hold(const struct wm_flow *f, const struct wm_stream_dir *d)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	size_t hold = 0;

	for (unsigned int i = 0; i < pc->nrules; i++) {
		const struct wm_detector *det = pc->rules[i].detector;
		size_t h = det->hold(det, d->win, d->hist_len);

		hold = RTE_MAX(hold, h);
	}
	return hold;
}

/*
 * End of a stream (FIN, RST, a hole, expiry): terminate values and emit
 * what is held up to @upto (UINT64_MAX: all; a hole keeps the ACKs that
 * wait for the bytes after it).
 */
static void
dir_flush(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d,
	  uint64_t upto)
{
	static const uint8_t eod = WM_DETECT_EOD_BYTE;

	if (d->hs != NULL && d->r.offset > 0 && !(d->flags & WM_STREAM_BROKEN)) {
		ctx->match_max = WM_STREAM_MATCH_MAX;
		win_attach(ctx, d);
		if (chunk_scan(ctx, f, d, &eod, 1, true) < 0)
			d->flags |= WM_STREAM_BROKEN;
	}
	win_detach(ctx, d, 0);  /* the stream ended: nothing is pending */
	if (d->held_head != NULL)
		ctx->stats->ctr[WM_CTR_STREAM_FLUSH]++;
	dir_release(ctx, d, upto);
}

/* Request and status lines: the start of a new HTTP/1.x message. */
static const char *const http_starts[] = {
	"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "PATCH ", "OPTIONS ",
	"CONNECT ", "TRACE ", "HTTP/1.",
};

/*
 * A tail decided at a hold timeout, then a new message: the values of
 * the tail end where the message ends, in the real stream too, so the
 * next request's first bytes are never glued onto the end of a card.
 * Returns true when the end of data was fed to the stream.
 */
static bool
msg_boundary(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_stream_dir *d, struct rte_mbuf *m)
{
	static const uint8_t eod = WM_DETECT_EOD_BYTE;
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint8_t head[8];
	const uint8_t *p;
	uint32_t n = RTE_MIN(pm->pi.payload_len, (uint32_t)sizeof(head));
	bool start = false;

	if (!(d->flags & WM_STREAM_DECIDED) || d->tmo_end != d->r.offset ||
	    d->hs == NULL)
		return false;
	p = rte_pktmbuf_read(m, pm->pi.payload_off, n, head);
	for (size_t i = 0; p != NULL && i < WM_ARRAY_SIZE(http_starts); i++) {
		size_t k = strlen(http_starts[i]);

		start |= n >= k && memcmp(p, http_starts[i], k) == 0;
	}
	if (!start)
		return false;
	ctx->match_max = WM_STREAM_MATCH_MAX;
	if (chunk_scan(ctx, f, d, &eod, 1, true) < 0)
		return false;
	/* Hyperscan counted the byte: offsets map back one less (mod 2^64). */
	d->hs_base--;
	d->tmo_end = UINT64_MAX;
	return true;
}

/*
 * Judge new bytes: @m carries payload from stream offset d->r.offset -
 * @skip, of which the first @skip bytes were judged before (already
 * rewritten). Scan the rest, mask, then hold or release.
 */
static void
payload_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
	      struct wm_stream_dir *d, struct rte_mbuf *m, uint32_t skip,
	      uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t len = pm->pi.payload_len;
	/*
	 * The end of a write (PSH) after which the sender waits for the
	 * peer: every byte before these is acknowledged, so a sender with
	 * more to send and the window for it would not pause here; what
	 * follows waits for the held bytes themselves (the end of a
	 * request, Nagle). Mid-write, or with a flight still unacknowledged,
	 * the next bytes come within a round trip.
	 */
	bool early = (pm->pi.tcp_flags & WM_TCP_PSH) && d->r.acked >= d->r.released;
	size_t hold;

	if (d->hs == NULL && wm_match_stream_open(f->policy->db, &d->hs) < 0)
		d->flags |= WM_STREAM_BROKEN;
	pm->stream_off = d->r.offset - skip;
	held_add(ctx, f, d, m, now, hold_class(ctx, f, d, early));
	win_attach(ctx, d);
	if (!(d->flags & WM_STREAM_BROKEN) && skip == 0 && msg_boundary(ctx, f, d, m))
		ctx->stats->ctr[WM_CTR_STREAM_MSG_BOUNDARY]++;
	if ((d->flags & WM_STREAM_BROKEN) ||
	    payload_scan(ctx, f, d, m, skip) < 0) {
		win_detach(ctx, d, 0);
		if (f->blocked)
			return; /* dropped with the rest of the flow */
		/* Fail closed: nothing of this direction leaves unjudged. */
		d->flags |= WM_STREAM_BROKEN;
		dir_discard(ctx, d, WM_CTR_DROP_SCAN_ERR);
		return;
	}
	d->r.next_seq += len - skip;
	hold = dir_hold(f, d);
	if (!win_detach(ctx, d, hold)) {
		/*
		 * No window left for a value that may be pending: the next
		 * packet could not confirm it. The memcap policy decides:
		 * drop the flow, or let the held bytes go as judged so far.
		 */
		ctx->stats->ctr[WM_CTR_REASM_WINDOW_FULL]++;
		if (ctx->conf->reasm.memcap != WM_FAIL_FORWARD) {
			flow_block(ctx, f, WM_CTR_DROP_WINDOW_FULL);
			return;
		}
		hold = 0;
	}
	dir_release(ctx, d, d->r.offset - hold);
	if (d->held_tail == m) {
		ctx->stats->ctr[WM_CTR_STREAM_HELD]++;
		pm->held = 1;
		if (early)
			ctx->stats->ctr[WM_CTR_STREAM_HOLD_EARLY]++;
	} else {
		/* Left at once: time it until the peer's ACK (round trip). */
		wm_reasm_rtt_start(&d->r, now);
	}
}

/*
 * The first @n payload bytes of @m belong to a hole that was skipped:
 * the stream went on without them, so they are judged on their own (a
 * value cut by the hole's edges cannot be recognised, as at the skip).
 * Returns 0, or -EPIPE when a drop rule blocked the flow, -EIO when
 * they cannot be scanned.
 */
static int
hole_judge(struct wm_stream_ctx *ctx, struct wm_flow *f, struct rte_mbuf *m,
	   uint32_t n)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	const struct wm_policy_conf *pc = f->policy->conf;
	uint32_t chunk = WM_STREAM_MATCH_MAX / f->policy->db->npatterns;
	uint8_t *buf = ctx->hole, out[WM_DETECT_WINDOW];
	hs_stream_t *hs;
	int rc = 0;

	if (rte_pktmbuf_read(m, pm->pi.payload_off, n, buf) != buf)
		memcpy(buf, rte_pktmbuf_mtod_offset(m, uint8_t *,
						    pm->pi.payload_off), n);
	buf[n] = WM_DETECT_EOD_BYTE;    /* the hole's end ends its values */
	if (wm_match_stream_open(f->policy->db, &hs) < 0)
		return -EIO;
	ctx->stats->ctr[WM_CTR_REASM_HOLE_LATE]++;
	for (uint32_t at = 0; at <= n && rc == 0; at += chunk) {
		uint32_t k = RTE_MIN(chunk, n + 1 - at);

		ctx->nmatch = 0;
		ctx->match_max = WM_STREAM_MATCH_MAX;
		if (wm_match_scan(hs, buf + at, k, ctx->scratch, on_match,
				  ctx) < 0) {
			rc = -EIO;
			break;
		}
		for (uint32_t i = 0; i < ctx->nmatch; i++) {
			const struct wm_rule *rule =
				&pc->rules[ctx->match[i].rule];
			uint64_t end = ctx->match[i].end;
			uint64_t w0 = end > WM_DETECT_WINDOW ?
				      end - WM_DETECT_WINDOW : 0;
			struct wm_span sp;
			uint32_t vs, ve;

			if (!rule->detector->confirm(rule->detector, buf + w0,
						     end - w0, &sp)) {
				ctx->stats->ctr[WM_CTR_MASK_REJECTED]++;
				continue;
			}
			vs = (uint32_t)(w0 + sp.start);
			ve = RTE_MIN((uint32_t)(w0 + sp.end), n);
			if (vs >= ve)
				continue;
			if (value_mask(ctx, f, ctx->match[i].rule, buf + vs, out,
				       ve - vs, true))
				wm_reasm_pkt_write(m, vs, out, ve - vs);
			else if (f->blocked) {
				rc = -EPIPE;
				break;
			}
		}
	}
	wm_match_stream_close(hs);
	return rc;
}

/* ---- what reassembly asks of the engine (struct wm_reasm_ops) ---- */

static inline struct wm_stream_dir *
sdir(struct wm_reasm_dir *rd)
{
	return container_of(rd, struct wm_stream_dir, r);
}

static void
reasm_judge(void *arg, void *owner, struct wm_reasm_dir *rd,
	    struct rte_mbuf *m, uint32_t skip, uint64_t now)
{
	payload_judge(arg, owner, sdir(rd), m, skip, now);
}

static int
reasm_hole(void *arg, void *owner, struct wm_reasm_dir *rd,
	   struct rte_mbuf *m, uint32_t n)
{
	struct wm_flow *f = owner;

	if (sdir(rd)->flags & WM_STREAM_BROKEN)
		return 0;
	if (hole_judge(arg, f, m, n) < 0)
		return f->blocked ? -EPIPE : -EIO;
	return (int)n;
}

static void
reasm_wait(void *arg, void *owner, struct wm_reasm_dir *rd,
	   struct rte_mbuf *m, uint64_t now)
{
	struct wm_stream_dir *d = sdir(rd);

	/* Whose held list it is in (an ACK waits in the other direction's). */
	wm_pkt_meta(m)->dir = (uint8_t)(d - sflow(owner)->dir);
	held_add(arg, owner, d, m, now, class_last(arg));
}

static void
reasm_skip(void *arg, void *owner, struct wm_reasm_dir *rd, uint32_t gap)
{
	struct wm_stream_dir *d = sdir(rd);

	dir_flush(arg, owner, d, rd->offset);
	if (d->hs != NULL)
		wm_match_stream_reset(d->hs);
	d->hist_len = 0;
	d->hs_base = rd->offset + gap;
}

static void
reasm_fin(void *arg, void *owner, struct wm_reasm_dir *rd)
{
	struct wm_stream_ctx *ctx = arg;
	struct wm_flow *f = owner;
	const struct wm_stream_flow *sf = sflow(f);

	dir_flush(ctx, f, sdir(rd), UINT64_MAX);
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

/* ---- connection life ---- */

void
wm_stream_flow_flush(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	for (int i = 0; i < 2; i++) {
		struct wm_stream_dir *d = &sflow(f)->dir[i];

		wm_reasm_flush(&ctx->reasm, &d->r, f);
		dir_flush(ctx, f, d, UINT64_MAX);
	}
}

void
wm_stream_flow_release(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	wm_stream_flow_flush(ctx, f);
	for (int i = 0; i < 2; i++) {
		dir_discard(ctx, &sflow(f)->dir[i], WM_CTR_DROP_BLOCKED);
		win_detach(ctx, &sflow(f)->dir[i], 0);
		wm_reasm_dir_fini(&ctx->reasm, &sflow(f)->dir[i].r);
	}
}

/* A new connection on the tuple of a closed one: start over. */
static void
flow_restart(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	wm_stream_flow_release(ctx, f);
	for (int i = 0; i < 2; i++) {
		struct wm_stream_dir *d = &sflow(f)->dir[i];
		hs_stream_t *hs = d->hs;

		memset(d, 0, offsetof(struct wm_stream_dir, hs));
		d->hs = hs;
		if (hs != NULL)
			wm_match_stream_reset(hs);
	}
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

	if ((fl & (WM_TCP_SYN | WM_TCP_ACK)) == WM_TCP_SYN) {
		sf->syn_t = now;
		sf->synack_t = 0;
	} else if ((fl & WM_TCP_SYN) && sf->syn_t != 0 && sf->synack_t == 0) {
		sf->synack_t = now;
		if (other->rtt == 0)
			wm_reasm_rtt_sample(other, now - sf->syn_t);
	} else if ((fl & WM_TCP_ACK) && sf->synack_t != 0) {
		if (other->rtt == 0)
			wm_reasm_rtt_sample(other, now - sf->synack_t);
		sf->syn_t = sf->synack_t = 0;
	}
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
	if (f->closed && (fl & WM_TCP_SYN) && !(fl & WM_TCP_ACK))
		flow_restart(ctx, f);
	handshake_time(sf, dir, fl, now);
	if (f->blocked) {
		pkt_drop(ctx, m, WM_CTR_DROP_BLOCKED);
		return;
	}
	if (fl & WM_TCP_ACK)
		wm_reasm_ack(&ctx->reasm, peer, ack, now);
	if (fl & WM_TCP_SYN)
		wm_reasm_syn(d, seq);
	if (plen > 0) {
		if (!wm_reasm_segment(&ctx->reasm, d, f, m, seq, now))
			return; /* beyond a gap: queued */
		m = NULL; /* the engine owns it now */
		seq += plen;
	}
	/* A FIN or RST counts only at the exact next sequence number. */
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
	if (m != NULL && !((fl & WM_TCP_ACK) &&
			   wm_reasm_ack_wait(&ctx->reasm, peer, f, m, ack, now)))
		ctx->emit(m, ctx->emit_arg);
}

/* This lcore's probe stream for @db (opened at its first use), or NULL. */
static hs_stream_t *
probe_stream(struct wm_stream_ctx *ctx, const struct wm_match_db *db)
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

/*
 * The end-of-data probe: what would the stream report if it ended after
 * the held tail? On a copy of the Hyperscan stream, so the real one goes
 * on. Values complete there are judged now (event, counters, operator)
 * and their masked bytes written into @out, which holds the @n tail
 * bytes from stream offset @from. False when a drop rule blocked the flow.
 */
static bool
tail_probe(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d,
	   uint64_t from, uint8_t *out, size_t n)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	hs_stream_t *probe = d->hs != NULL ?
			     probe_stream(ctx, f->policy->db) : NULL;
	uint8_t win[WM_DETECT_WINDOW], val[WM_DETECT_WINDOW];
	size_t want = RTE_MIN((size_t)WM_DETECT_WINDOW, (size_t)d->hist_len + 1);
	uint64_t win_off = d->r.offset + 1 - want;

	/* No probe: the prefix rule alone still keeps every value masked. */
	if (probe == NULL || wm_match_stream_copy(probe, d->hs) < 0)
		return true;
	memcpy(win, d->win + d->hist_len - (want - 1), want - 1);
	win[want - 1] = WM_DETECT_EOD_BYTE;
	ctx->nmatch = 0;
	ctx->match_max = WM_STREAM_MATCH_MAX;
	if (wm_match_scan(probe, win + want - 1, 1, ctx->scratch, on_match,
			  ctx) < 0)
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
		ev.late = dir_leaked(d, vs);
		if (ctx->event != NULL)
			ctx->event(ctx->event_arg, &ev);
		ctx->stats->ctr[WM_CTR_MASK_AT_TIMEOUT]++;
		if (!value_mask(ctx, f, ri, win + sp.start, val, ev.len,
				false)) {
			if (f->blocked)
				return false;
			continue;
		}
		for (uint64_t o = RTE_MAX(vs, from); o < ve; o++)
			out[o - from] = val[o - vs];
		d->probe_rules |= 1u << ri;
		d->probe_end = ve;
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
tail_decide(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	uint8_t out[WM_WIN_BYTES], pre[WM_WIN_BYTES];
	const uint8_t *orig;
	uint64_t from, masked = 0;
	size_t hold, skip;

	if (d->win == NULL || (d->flags & WM_STREAM_BROKEN))
		return true;    /* nothing may be pending */
	hold = dir_hold(f, d);
	if (hold == 0 || d->r.offset <= d->r.released)
		return true;    /* nothing of the tail is held */
	from = d->r.offset - hold;
	orig = d->win + d->hist_len - hold;
	memcpy(out, orig, hold);
	if (!tail_probe(ctx, f, d, from, out, hold))
		return false;
	skip = from < d->r.released ? (size_t)(d->r.released - from) : 0;
	for (unsigned int i = 0; i < pc->nrules; i++) {
		const struct wm_detector *det = pc->rules[i].detector;
		size_t h = RTE_MIN(det->hold(det, d->win, d->hist_len), hold);
		size_t at = hold - h;

		if (h == 0)
			continue;
		wm_mask_prefix(&pc->rules[i].mask, det->separators,
			       det->min_chars, orig + at, pre, h);
		for (size_t k = at; k < hold; k++) {
			if (pre[k - at] == orig[k] || out[k] != orig[k])
				continue;
			out[k] = pre[k - at];
			masked += k >= skip;
		}
	}
	dir_put(ctx, d, from, d->r.offset, out);
	ctx->stats->ctr[WM_CTR_STREAM_HOLD_MASKED] += masked;
	d->flags |= WM_STREAM_DECIDED;
	d->tmo_start = from;
	d->tmo_end = d->r.offset;
	return true;
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
				flow_block(ctx, f, WM_CTR_DROP_HOLD_TIMEOUT);
				continue;
			}
			/* Everything: waiting ACKs may lie past d->r.offset. */
			ctx->stats->ctr[WM_CTR_STREAM_HOLD_TIMEOUT] +=
				dir_release(ctx, d, UINT64_MAX);
		}
	}
	while ((m = wm_reasm_gap_expired(&ctx->reasm, now)) != NULL) {
		struct wm_pkt_meta *pm = wm_pkt_meta(m);
		struct wm_flow *f = pm->owner;

		if (c->reasm.gap == WM_FAIL_DROP)
			flow_block(ctx, f, WM_CTR_DROP_GAP);
		else
			wm_reasm_gap_skip(&ctx->reasm, &sflow(f)->dir[pm->dir].r,
					  f, now);
	}
}
