/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "wm_mask.h"
#include "wm_stream.h"

#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

static inline struct wm_stream_flow *
sflow(struct wm_flow *f)
{
	return wm_stream_flow_of(f);
}

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
	ctx->rb_pool = pool;
	ctx->win_pool = wins;
	ctx->emit = emit;
	ctx->emit_arg = emit_arg;
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

	return sf->dir[0].offset != 0 || sf->dir[1].offset != 0;
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

static inline uint32_t
pkt_seq(struct rte_mbuf *m)
{
	const struct wm_pkt_info *pi = &wm_pkt_meta(m)->pi;

	/* SYN data (TCP Fast Open) starts after the SYN. */
	return pi->seq + ((pi->tcp_flags & WM_TCP_SYN) ? 1 : 0);
}

/* ---- packet lists: per lcore by arrival, per direction by offset ---- */

static void
list_unlink(struct wm_pkt_list *l, struct rte_mbuf *m)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);

	if (pm->gprev != NULL)
		wm_pkt_meta(pm->gprev)->gnext = pm->gnext;
	else
		l->first = pm->gnext;
	if (pm->gnext != NULL)
		wm_pkt_meta(pm->gnext)->gprev = pm->gprev;
	else
		l->last = pm->gprev;
	pm->gprev = pm->gnext = NULL;
}

static void
list_append(struct wm_pkt_list *l, struct rte_mbuf *m)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);

	pm->gnext = NULL;
	pm->gprev = l->last;
	if (l->last != NULL)
		wm_pkt_meta(l->last)->gnext = m;
	else
		l->first = m;
	l->last = m;
}

static inline uint64_t
pkt_end(struct rte_mbuf *m)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);

	return pm->stream_off + pm->pi.payload_len;
}

/* Does @a leave before @b? By end offset; at equal ends, data first. */
static inline bool
held_before(struct rte_mbuf *a, struct rte_mbuf *b)
{
	return pkt_end(a) < pkt_end(b) ||
	       (pkt_end(a) == pkt_end(b) &&
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
	pm->flow = f;
	pm->arrival_tsc = now;
	pm->hold_class = (uint8_t)cls;
	pm->held = 0;
	list_append(&ctx->held[cls], m);
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
	uint64_t r0 = sflow(f)->dir[0].rtt, r1 = sflow(f)->dir[1].rtt, want;
	uint64_t sender = sflow(f)->dir[d == &sflow(f)->dir[0]].rtt;
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

/* A round-trip sample for @d: rise at once, fall slowly (1/8). */
static void
rtt_sample(struct wm_stream_dir *d, uint64_t t)
{
	if (t == 0)
		t = 1;
	if (d->rtt == 0 || t > d->rtt)
		d->rtt = t;
	else
		d->rtt -= (d->rtt - t) / 8;
}

/* Emit the held packets of @d that end at or before stream offset @upto. */
static unsigned int
dir_release(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, uint64_t upto)
{
	unsigned int n = 0;

	while (d->held_head != NULL && pkt_end(d->held_head) <= upto) {
		struct rte_mbuf *m = d->held_head;
		struct wm_pkt_meta *pm = wm_pkt_meta(m);

		d->held_head = pm->next;
		if (d->held_head == NULL)
			d->held_tail = NULL;
		list_unlink(&ctx->held[pm->hold_class], m);
		if (pm->pi.payload_len != 0) /* not a waiting ACK (ack_wait) */
			d->released = RTE_MAX(d->released, pkt_end(m));
		if (pm->held)
			wm_stats_held_add(ctx->stats,
					  (ctx->now - pm->arrival_tsc) /
					  RTE_MAX(ctx->conf->ticks_per_us,
						  (uint64_t)1));
		pm->flow = NULL;
		ctx->emit(m, ctx->emit_arg);
		n++;
	}
	if (d->held_head == NULL)
		d->released = d->offset;
	return n;
}

static void
pkt_drop(struct wm_stream_ctx *ctx, struct rte_mbuf *m, enum wm_counter c)
{
	ctx->stats->ctr[c]++;
	rte_pktmbuf_free(m);
}

/*
 * A limit was reached for @m: only an explicit "forward" lets it pass
 * unjudged (counted @fwd); every other action drops it (counted @dropped).
 */
static void
pkt_fail(struct wm_stream_ctx *ctx, struct rte_mbuf *m, enum wm_fail_action a,
	 enum wm_counter fwd, enum wm_counter dropped)
{
	if (a == WM_FAIL_FORWARD) {
		ctx->stats->ctr[fwd]++;
		ctx->emit(m, ctx->emit_arg);
	} else {
		pkt_drop(ctx, m, dropped);
	}
}

/* Drop what @d holds and has queued (a drop policy fired). */
static void
dir_discard(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
	    enum wm_counter c)
{
	while (d->held_head != NULL) {
		struct rte_mbuf *m = d->held_head;

		d->held_head = wm_pkt_meta(m)->next;
		list_unlink(&ctx->held[wm_pkt_meta(m)->hold_class], m);
		pkt_drop(ctx, m, c);
	}
	d->held_tail = NULL;
	while (d->ooo_head != NULL) {
		struct rte_mbuf *m = d->ooo_head;

		d->ooo_head = wm_pkt_meta(m)->next;
		list_unlink(&ctx->ooo, m);
		ctx->ooo_bytes -= wm_pkt_meta(m)->pi.payload_len;
		ctx->ooo_segs--;
		pkt_drop(ctx, m, c);
	}
	d->ooo_segs = 0;
	d->ooo_bytes = 0;
	d->released = d->offset;
}

/* Fail closed for the rest of the flow: nothing more of it leaves. */
static void
flow_block(struct wm_stream_ctx *ctx, struct wm_flow *f, enum wm_counter c)
{
	dir_discard(ctx, &sflow(f)->dir[0], c);
	dir_discard(ctx, &sflow(f)->dir[1], c);
	f->blocked = 1;
}

/* ---- writing into packets ---- */

static inline uint16_t
csum_get(const struct rte_mbuf *m, uint32_t off)
{
	uint16_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), 2);
	return v;
}

static inline void
csum_set(struct rte_mbuf *m, uint32_t off, uint16_t v)
{
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, off), &v, 2);
}

/*
 * Make @n bytes of @m's TCP payload, from payload offset @pos, equal to
 * @src. Only bytes that differ are written, each run with an incremental
 * update (RFC 1624) of the TCP checksum and, when one is set, of a VXLAN
 * outer UDP checksum. Headers are in the first segment; the payload may
 * continue in further segments. Returns how many bytes changed.
 */
static uint32_t
pkt_write(struct rte_mbuf *m, uint32_t pos, const uint8_t *src, uint32_t n)
{
	const struct wm_pkt_info *pi = &wm_pkt_meta(m)->pi;
	uint32_t l4 = pi->l4_off, udp = pi->outer_udp_off;
	bool outer = pi->vxlan && csum_get(m, udp + UDP_CSUM_OFF) != 0;
	uint16_t tcp_old = csum_get(m, l4 + TCP_CSUM_OFF), tcp_ck = tcp_old;
	uint16_t udp_ck = outer ? csum_get(m, udp + UDP_CSUM_OFF) : 0;
	uint32_t off = pi->payload_off + pos; /* frame offset */
	struct rte_mbuf *seg = m;
	uint32_t seg_off = off, changed = 0;

	while (seg != NULL && seg_off >= seg->data_len) {
		seg_off -= seg->data_len;
		seg = seg->next;
	}
	while (n > 0 && seg != NULL) {
		uint8_t *p = rte_pktmbuf_mtod_offset(seg, uint8_t *, seg_off);
		uint32_t k = RTE_MIN(n, (uint32_t)seg->data_len - seg_off);

		for (uint32_t i = 0; i < k;) {
			uint32_t j = i;

			while (i < k && p[i] == src[i])
				i++;
			j = i;
			while (j < k && p[j] != src[j])
				j++;
			if (j == i)
				break;
			tcp_ck = wm_cksum_adjust(tcp_ck, p + i, src + i, j - i,
						 (off + i - l4) & 1);
			if (outer)
				udp_ck = wm_cksum_adjust(udp_ck, p + i, src + i,
							 j - i, (off + i - udp) & 1);
			memcpy(p + i, src + i, j - i);
			changed += j - i;
			i = j;
		}
		src += k;
		off += k;
		n -= k;
		seg = seg->next;
		seg_off = 0;
	}
	if (changed == 0)
		return 0;
	csum_set(m, l4 + TCP_CSUM_OFF, tcp_ck);
	if (outer) {
		/* The inner TCP checksum is itself covered by the outer one. */
		udp_ck = wm_cksum_adjust(udp_ck, (const uint8_t *)&tcp_old,
					 (const uint8_t *)&tcp_ck, 2,
					 (l4 + TCP_CSUM_OFF - udp) & 1);
		csum_set(m, udp + UDP_CSUM_OFF, udp_ck == 0 ? 0xffff : udp_ck);
	}
	return changed;
}

/*
 * Write the masked value @val for stream range [start, end) into every
 * held packet of @d that carries part of it, and into the retained
 * bytes. Bytes before d->released have already left: the value is then
 * a late match, masked from the first byte still held.
 */
static void
dir_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, uint64_t start,
	uint64_t end, const uint8_t *val)
{
	if (start < d->released) {
		val += d->released - start;
		start = d->released;
	}
	if (start >= end)
		return;
	for (struct rte_mbuf *m = d->held_head; m != NULL;
	     m = wm_pkt_meta(m)->next) {
		uint64_t ps = wm_pkt_meta(m)->stream_off, pe = pkt_end(m);
		uint64_t s = RTE_MAX(start, ps), e = RTE_MIN(end, pe);

		if (s < e)
			pkt_write(m, (uint32_t)(s - ps), val + (s - start),
				  (uint32_t)(e - s));
	}
	wm_rb_write(&d->rb, start, val, (uint32_t)(end - start));
}

/*
 * Did a value starting at @start leave in clear? Bytes before released
 * have left; those of a tail decided at a hold timeout left masked as
 * far as a value there would be.
 */
static inline bool
dir_leaked(const struct wm_stream_dir *d, uint64_t start)
{
	return start < d->released &&
	       !((d->flags & WM_DIR_DECIDED) && start >= d->tmo_start);
}

/* dir_put() for a value judged now, counting one whose start had left. */
static void
dir_write(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, uint64_t start,
	  uint64_t end, const uint8_t *val)
{
	if (start < d->released)
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

/* Keep the chunk's original bytes for rewriting retransmissions. */
static void
retain(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, const uint8_t *p,
       uint32_t n)
{
	int64_t ev = wm_rb_append(ctx->rb_pool, &d->rb, p, n,
				  ctx->conf->retain_bytes);

	if (ev < 0)
		ctx->stats->ctr[WM_CTR_REASM_MEMCAP]++;
	else
		ctx->stats->ctr[WM_CTR_REASM_EVICTED] += (uint64_t)ev;
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
	uint64_t chunk_off = d->offset;
	uint64_t t0;
	int rc;

	memcpy(ctx->chunk, p, n);
	if (!eod)
		retain(ctx, d, ctx->chunk, n);
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
		d->offset += n;
	}
	/* Values a probe masked: past their terminators, not found again. */
	if (d->probe_rules != 0 && (eod || d->offset >= d->probe_end + 2)) {
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

	if (d->hs != NULL && d->offset > 0 && !(d->flags & WM_DIR_BROKEN)) {
		ctx->match_max = WM_STREAM_MATCH_MAX;
		win_attach(ctx, d);
		if (chunk_scan(ctx, f, d, &eod, 1, true) < 0)
			d->flags |= WM_DIR_BROKEN;
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

	if (!(d->flags & WM_DIR_DECIDED) || d->tmo_end != d->offset ||
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
 * Judge new bytes: @m carries payload from stream offset d->offset -
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
	bool early = (pm->pi.tcp_flags & WM_TCP_PSH) && d->acked >= d->released;
	size_t hold;

	if (d->hs == NULL && wm_match_stream_open(f->policy->db, &d->hs) < 0)
		d->flags |= WM_DIR_BROKEN;
	pm->stream_off = d->offset - skip;
	held_add(ctx, f, d, m, now, hold_class(ctx, f, d, early));
	win_attach(ctx, d);
	if (!(d->flags & WM_DIR_BROKEN) && skip == 0 && msg_boundary(ctx, f, d, m))
		ctx->stats->ctr[WM_CTR_STREAM_MSG_BOUNDARY]++;
	if ((d->flags & WM_DIR_BROKEN) ||
	    payload_scan(ctx, f, d, m, skip) < 0) {
		win_detach(ctx, d, 0);
		if (f->blocked)
			return; /* dropped with the rest of the flow */
		/* Fail closed: nothing of this direction leaves unjudged. */
		d->flags |= WM_DIR_BROKEN;
		dir_discard(ctx, d, WM_CTR_DROP_SCAN_ERR);
		return;
	}
	d->next_seq += len - skip;
	hold = dir_hold(f, d);
	if (!win_detach(ctx, d, hold)) {
		/*
		 * No window left for a value that may be pending: the next
		 * packet could not confirm it. The memcap policy decides:
		 * drop the flow, or let the held bytes go as judged so far.
		 */
		ctx->stats->ctr[WM_CTR_REASM_WINDOW_FULL]++;
		if (ctx->conf->memcap != WM_FAIL_FORWARD) {
			flow_block(ctx, f, WM_CTR_DROP_WINDOW_FULL);
			return;
		}
		hold = 0;
	}
	dir_release(ctx, d, d->offset - hold);
	if (d->held_tail == m) {
		ctx->stats->ctr[WM_CTR_STREAM_HELD]++;
		pm->held = 1;
		if (early)
			ctx->stats->ctr[WM_CTR_STREAM_HOLD_EARLY]++;
	} else if (!(d->flags & WM_DIR_SAMPLE)) {
		/* Left at once: time it until the peer's ACK (round trip). */
		d->flags |= WM_DIR_SAMPLE;
		d->sample_seq = d->next_seq;
		d->sample_t = now;
	}
}

/*
 * Make the first @n payload bytes of @m, at stream offset @off, what
 * was judged there before. False when those bytes are not retained.
 */
static bool
old_rewrite(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
	    struct rte_mbuf *m, uint32_t pos, uint64_t off, uint32_t n)
{
	uint32_t changed = 0;

	for (uint32_t i = 0; i < n; i += WM_STREAM_CHUNK) {
		uint32_t k = RTE_MIN(n - i, (uint32_t)WM_STREAM_CHUNK);

		if (!wm_rb_read(&d->rb, off + i, k, ctx->chunk))
			return false;
		changed += pkt_write(m, pos + i, ctx->chunk, k);
	}
	ctx->stats->ctr[WM_CTR_REASM_RETRANS]++;
	if (changed != 0)
		ctx->stats->ctr[WM_CTR_REASM_RETRANS_DIFF]++;
	return true;
}

/*
 * Of the @n payload bytes of @m from @pos (stream offset @off), those
 * no longer retained because the peer acknowledged them: a receiver
 * discards bytes it has acknowledged, so they are blanked (nothing of
 * them leaves, whatever the sender put there) instead of failing the
 * whole segment, whose new bytes the receiver still waits for (Linux
 * collapses retransmissions into larger segments). Returns how many.
 */
static uint32_t
old_blank(struct wm_stream_ctx *ctx, struct wm_stream_dir *d, struct rte_mbuf *m,
	  uint32_t pos, uint64_t off, uint32_t n)
{
	uint64_t kept = d->rb.head != NULL ? d->rb.base : d->offset;
	uint32_t k;

	if (off >= kept || off >= d->acked)
		return 0;
	k = (uint32_t)RTE_MIN(RTE_MIN(kept, d->acked) - off, (uint64_t)n);
	memset(ctx->chunk, '*', RTE_MIN(k, (uint32_t)WM_STREAM_CHUNK));
	for (uint32_t i = 0; i < k; i += WM_STREAM_CHUNK)
		pkt_write(m, pos + i, ctx->chunk,
			  RTE_MIN(k - i, (uint32_t)WM_STREAM_CHUNK));
	ctx->stats->ctr[WM_CTR_REASM_RETRANS_ACKED] += k;
	return k;
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
				pkt_write(m, vs, out, ve - vs);
			else if (f->blocked) {
				rc = -EPIPE;
				break;
			}
		}
	}
	wm_match_stream_close(hs);
	return rc;
}

/*
 * A segment that starts at or before next_seq: the part already judged
 * is rewritten to the first copy, the rest is judged as new bytes. Bytes
 * of a skipped hole that come late are judged on their own.
 */
static void
seg_process(struct wm_stream_ctx *ctx, struct wm_flow *f,
	    struct wm_stream_dir *d, struct rte_mbuf *m, uint32_t seq,
	    uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t len = pm->pi.payload_len;
	uint32_t behind = d->next_seq - seq;
	uint32_t old = RTE_MIN(behind, len);
	uint32_t in_hole = 0;

	if (behind == 0) {
		payload_judge(ctx, f, d, m, 0, now);
		return;
	}
	if (seq - d->hole_seq < d->hole_len && !(d->flags & WM_DIR_BROKEN)) {
		in_hole = RTE_MIN(old, d->hole_len - (seq - d->hole_seq));
		if (hole_judge(ctx, f, m, in_hole) < 0) {
			pkt_drop(ctx, m, f->blocked ? WM_CTR_DROP_BLOCKED :
				 WM_CTR_DROP_SCAN_ERR);
			return;
		}
	}
	/* Karn: a round trip timed over a retransmission means nothing. */
	if ((d->flags & WM_DIR_SAMPLE) && (int32_t)(seq - d->sample_seq) < 0)
		d->flags &= (uint8_t)~WM_DIR_SAMPLE;
	if (behind <= d->offset && len > behind)
		in_hole += old_blank(ctx, d, m, in_hole,
				     d->offset - behind + in_hole, old - in_hole);
	if (behind > d->offset ||
	    !old_rewrite(ctx, d, m, in_hole, d->offset - behind + in_hole,
			 old - in_hole)) {
		/* Judged once, but no longer retained: cannot be rewritten. */
		pkt_fail(ctx, m, ctx->conf->memcap, WM_CTR_FWD_MEMCAP,
			 WM_CTR_DROP_MEMCAP);
		return;
	}
	if (len > behind) {
		payload_judge(ctx, f, d, m, behind, now);
		return;
	}
	/* Nothing new: leave now, or with the held bytes it repeats. */
	pm->stream_off = d->offset - behind;
	if (pkt_end(m) <= d->released)
		ctx->emit(m, ctx->emit_arg);
	else
		held_add(ctx, f, d, m, now, class_last(ctx));
}

/* ---- beyond a gap ---- */

static void
ooo_queue(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d,
	  struct rte_mbuf *m, uint32_t seq, uint64_t now)
{
	const struct wm_stream_conf *c = ctx->conf;
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t len = pm->pi.payload_len;
	struct rte_mbuf **link = &d->ooo_head;

	if (d->ooo_segs + 1u > c->ooo_segments ||
	    d->ooo_bytes + len > c->ooo_bytes ||
	    ctx->ooo_bytes + len > c->ooo_worker_bytes ||
	    ctx->ooo_segs + 1u > c->ooo_worker_segments) {
		/* Dropped, the sender resends it. */
		pkt_fail(ctx, m, c->ooo_full, WM_CTR_FWD_OOO_FULL,
			 WM_CTR_DROP_OOO_FULL);
		return;
	}
	/* By sequence; equal ones in arrival order (the first copy first). */
	while (*link != NULL &&
	       (int32_t)(pkt_seq(*link) - d->next_seq) <=
	       (int32_t)(seq - d->next_seq))
		link = &wm_pkt_meta(*link)->next;
	pm->next = *link;
	*link = m;
	pm->flow = f;
	pm->arrival_tsc = now;
	list_append(&ctx->ooo, m);
	d->ooo_segs++;
	d->ooo_bytes += len;
	ctx->ooo_bytes += len;
	ctx->ooo_segs++;
	ctx->stats->ctr[WM_CTR_REASM_OOO]++;
}

static void fin_apply(struct wm_stream_ctx *ctx, struct wm_flow *f,
		      struct wm_stream_dir *d);

/* Judge the queued segments that the stream has reached. */
static void
ooo_drain(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d,
	  uint64_t now)
{
	struct rte_mbuf *m;

	while ((m = d->ooo_head) != NULL &&
	       (int32_t)(pkt_seq(m) - d->next_seq) <= 0 && !f->blocked) {
		uint32_t len = wm_pkt_meta(m)->pi.payload_len;

		d->ooo_head = wm_pkt_meta(m)->next;
		list_unlink(&ctx->ooo, m);
		d->ooo_segs--;
		d->ooo_bytes -= len;
		ctx->ooo_bytes -= len;
		ctx->ooo_segs--;
		if (len == 0) {
			/* A FIN that waited for the bytes before it. */
			if ((d->flags & WM_DIR_FIN_PENDING) &&
			    d->next_seq == d->fin_seq)
				fin_apply(ctx, f, d);
			ctx->emit(m, ctx->emit_arg);
			continue;
		}
		seg_process(ctx, f, d, m, pkt_seq(m), now);
	}
	if ((d->flags & WM_DIR_FIN_PENDING) && d->next_seq == d->fin_seq)
		fin_apply(ctx, f, d);
}

/*
 * A hole that will not be filled: end the stream before it (values
 * ending there are judged), then start afresh at the first queued byte.
 * A value cut in two by the hole cannot be recognised; nothing is
 * forwarded unscanned. Bytes of the hole that turn up later are older
 * than what is retained: they fall to the memcap policy.
 */
static void
gap_skip(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d,
	 uint64_t now)
{
	uint32_t gap = pkt_seq(d->ooo_head) - d->next_seq;

	if ((int32_t)gap <= 0) {
		ooo_drain(ctx, f, d, now); /* reached already: no hole */
		return;
	}
	dir_flush(ctx, f, d, d->offset);
	if (d->hs != NULL)
		wm_match_stream_reset(d->hs);
	d->hist_len = 0;
	d->hole_seq = d->next_seq;
	d->hole_len = gap;
	d->offset += gap;
	d->hs_base = d->offset;
	d->released = d->offset;
	d->next_seq += gap;
	wm_rb_reset(ctx->rb_pool, &d->rb, d->offset);
	ctx->stats->ctr[WM_CTR_REASM_GAP]++;
	ctx->stats->ctr[WM_CTR_REASM_GAP_BYTES] += gap;
	ooo_drain(ctx, f, d, now);
}

/* ---- connection life ---- */

static void
fin_apply(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d)
{
	d->flags &= (uint8_t)~WM_DIR_FIN_PENDING;
	if (d->flags & WM_DIR_FIN)
		return;
	d->next_seq++;
	d->flags |= WM_DIR_FIN;
	dir_flush(ctx, f, d, UINT64_MAX);
	if ((sflow(f)->dir[0].flags & WM_DIR_FIN) && (sflow(f)->dir[1].flags & WM_DIR_FIN) &&
	    !f->closed) {
		f->closed = 1;
		ctx->stats->ctr[WM_CTR_FLOW_CLOSED]++;
	}
}

static void
dir_end(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d)
{
	while (d->ooo_head != NULL && !f->blocked)
		gap_skip(ctx, f, d, 0);
	dir_flush(ctx, f, d, UINT64_MAX);
}

void
wm_stream_flow_flush(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	dir_end(ctx, f, &sflow(f)->dir[0]);
	dir_end(ctx, f, &sflow(f)->dir[1]);
}

void
wm_stream_flow_release(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	wm_stream_flow_flush(ctx, f);
	for (int i = 0; i < 2; i++) {
		dir_discard(ctx, &sflow(f)->dir[i], WM_CTR_DROP_BLOCKED);
		win_detach(ctx, &sflow(f)->dir[i], 0);
		wm_rb_reset(ctx->rb_pool, &sflow(f)->dir[i].rb, 0);
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

/* The peer acknowledged up to @ack: forget what no longer needs rewriting. */
static void
ack_apply(struct wm_stream_ctx *ctx, struct wm_stream_dir *peer, uint32_t ack)
{
	int32_t behind = (int32_t)(peer->next_seq - ack);
	uint64_t acked;

	if ((peer->flags & WM_DIR_SAMPLE) &&
	    (int32_t)(ack - peer->sample_seq) >= 0) {
		peer->flags &= (uint8_t)~WM_DIR_SAMPLE;
		rtt_sample(peer, ctx->now - peer->sample_t);
	}
	if (!(peer->flags & WM_DIR_SEQ_KNOWN) || behind < 0 ||
	    (uint64_t)behind > peer->offset)
		return;
	acked = peer->offset - (uint64_t)behind;
	peer->acked = RTE_MAX(peer->acked, acked);
	if (peer->rb.head != NULL)
		wm_rb_trim(ctx->rb_pool, &peer->rb, RTE_MIN(acked, peer->released));
}

/*
 * An ACK must not overtake the bytes it acknowledges: when @m (no
 * payload, from the other direction) acknowledges bytes of @peer that
 * are still held or queued, it waits in @peer's held list at the offset
 * it acknowledges and leaves with them. A receiver cannot acknowledge
 * what it has not received, but a replayed capture can show it so.
 */
static bool
ack_wait(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *peer,
	 struct rte_mbuf *m, uint32_t ack, uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	int64_t ahead = (int32_t)(ack - peer->next_seq);

	if (!(peer->flags & WM_DIR_SEQ_KNOWN) ||
	    ahead < -(int64_t)peer->offset ||
	    (int64_t)peer->offset + ahead <= (int64_t)peer->released)
		return false;
	pm->stream_off = (uint64_t)((int64_t)peer->offset + ahead);
	pm->dir = (uint8_t)(peer - sflow(f)->dir); /* whose held list it is in */
	held_add(ctx, f, peer, m, now, class_last(ctx));
	return true;
}

/*
 * The handshake's round trips, until data is timed: SYN to SYN-ACK is
 * the server side's (the client's bytes reach it and come back), SYN-ACK
 * to the client's ACK the client side's.
 */
static void
handshake_time(struct wm_flow *f, uint8_t dir, uint8_t fl, uint64_t now)
{
	if ((fl & (WM_TCP_SYN | WM_TCP_ACK)) == WM_TCP_SYN) {
		sflow(f)->syn_t = now;
		sflow(f)->synack_t = 0;
	} else if ((fl & WM_TCP_SYN) && sflow(f)->syn_t != 0 && sflow(f)->synack_t == 0) {
		sflow(f)->synack_t = now;
		if (sflow(f)->dir[!dir].rtt == 0)
			rtt_sample(&sflow(f)->dir[!dir], now - sflow(f)->syn_t);
	} else if ((fl & WM_TCP_ACK) && sflow(f)->synack_t != 0) {
		if (sflow(f)->dir[!dir].rtt == 0)
			rtt_sample(&sflow(f)->dir[!dir], now - sflow(f)->synack_t);
		sflow(f)->syn_t = sflow(f)->synack_t = 0;
	}
}

/*
 * A FIN or RST counts only at the exact next sequence number: a blind
 * RST must not split a value across a stream reset, and a FIN beyond a
 * gap waits for the gap.
 */
static bool
seq_at_next(const struct wm_stream_dir *d, uint32_t seq)
{
	return !(d->flags & WM_DIR_SEQ_KNOWN) || seq == d->next_seq;
}

void
wm_stream_segment(struct wm_stream_ctx *ctx, struct wm_flow *f,
		  struct rte_mbuf *m, uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	/* Copied: once judged, m may be transmitted and freed at any time. */
	const uint8_t fl = pm->pi.tcp_flags, dir = pm->dir;
	const uint32_t plen = pm->pi.payload_len, ack = pm->pi.ack;
	uint32_t seq = pkt_seq(m);
	struct wm_stream_dir *d = &sflow(f)->dir[dir];

	ctx->now = now;
	if (f->closed && (fl & WM_TCP_SYN) && !(fl & WM_TCP_ACK))
		flow_restart(ctx, f);
	handshake_time(f, dir, fl, now);
	if (f->blocked) {
		pkt_drop(ctx, m, WM_CTR_DROP_BLOCKED);
		return;
	}
	if (fl & WM_TCP_ACK)
		ack_apply(ctx, &sflow(f)->dir[!dir], ack);
	if ((fl & WM_TCP_SYN) && d->offset == 0) {
		d->next_seq = seq;
		d->flags |= WM_DIR_SEQ_KNOWN;
	}
	if (plen > 0) {
		if (!(d->flags & WM_DIR_SEQ_KNOWN)) {
			d->next_seq = seq;
			d->flags |= WM_DIR_SEQ_KNOWN;
			ctx->stats->ctr[WM_CTR_STREAM_MIDSTREAM]++;
		}
		if ((int32_t)(seq - d->next_seq) > 0) {
			if (fl & WM_TCP_FIN) {
				d->flags |= WM_DIR_FIN_PENDING;
				d->fin_seq = seq + plen;
			}
			ooo_queue(ctx, f, d, m, seq, now);
			return;
		}
		seg_process(ctx, f, d, m, seq, now);
		m = NULL; /* the engine owns it now */
		seq += plen;
		ooo_drain(ctx, f, d, now);
	}

	if ((fl & WM_TCP_RST) && seq_at_next(d, seq)) {
		wm_stream_flow_flush(ctx, f);
		if (m != NULL)
			ctx->emit(m, ctx->emit_arg); /* after what was held */
		if (!f->closed) {
			f->closed = 1;
			ctx->stats->ctr[WM_CTR_FLOW_CLOSED]++;
		}
		return;
	}
	if (fl & WM_TCP_FIN) {
		if (seq_at_next(d, seq)) {
			fin_apply(ctx, f, d);
		} else if (m != NULL && (int32_t)(seq - d->next_seq) > 0) {
			/* Beyond a gap: the FIN leaves after the bytes before it. */
			d->flags |= WM_DIR_FIN_PENDING;
			d->fin_seq = seq;
			ooo_queue(ctx, f, d, m, seq, now);
			return;
		}
	}
	/*
	 * A packet without payload leaves now: after a flush it follows
	 * what was held; otherwise overtaking held data of its direction is
	 * harmless (a bare ACK's sequence number is still acceptable).
	 */
	if (m != NULL && !((fl & WM_TCP_ACK) &&
			   ack_wait(ctx, f, &sflow(f)->dir[!dir], m, ack, now)))
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
	uint64_t win_off = d->offset + 1 - want;

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
		ve = RTE_MIN(win_off + sp.end, d->offset);
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

	if (d->win == NULL || (d->flags & WM_DIR_BROKEN))
		return true;    /* nothing may be pending */
	hold = dir_hold(f, d);
	if (hold == 0 || d->offset <= d->released)
		return true;    /* nothing of the tail is held */
	from = d->offset - hold;
	orig = d->win + d->hist_len - hold;
	memcpy(out, orig, hold);
	if (!tail_probe(ctx, f, d, from, out, hold))
		return false;
	skip = from < d->released ? (size_t)(d->released - from) : 0;
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
	dir_put(ctx, d, from, d->offset, out);
	ctx->stats->ctr[WM_CTR_STREAM_HOLD_MASKED] += masked;
	d->flags |= WM_DIR_DECIDED;
	d->tmo_start = from;
	d->tmo_end = d->offset;
	return true;
}

void
wm_stream_expire(struct wm_stream_ctx *ctx, uint64_t now)
{
	const struct wm_stream_conf *c = ctx->conf;

	ctx->now = now;
	for (unsigned int k = 0; k < ctx->nclass; k++) {
		struct rte_mbuf *m;

		while ((m = ctx->held[k].first) != NULL) {
			struct wm_pkt_meta *pm = wm_pkt_meta(m);
			struct wm_flow *f = pm->flow;
			struct wm_stream_dir *d = &sflow(f)->dir[pm->dir];

			if (now - pm->arrival_tsc < ctx->class_time[k])
				break;
			if (c->hold_timeout == WM_FAIL_DROP ||
			    (c->hold_timeout == WM_FAIL_MASK &&
			     !tail_decide(ctx, f, d))) {
				flow_block(ctx, f, WM_CTR_DROP_HOLD_TIMEOUT);
				continue;
			}
			/* Everything: waiting ACKs may lie past d->offset. */
			ctx->stats->ctr[WM_CTR_STREAM_HOLD_TIMEOUT] +=
				dir_release(ctx, d, UINT64_MAX);
		}
	}
	while (ctx->ooo.first != NULL) {
		struct wm_pkt_meta *pm = wm_pkt_meta(ctx->ooo.first);
		struct wm_flow *f = pm->flow;

		if (now - pm->arrival_tsc < c->gap_time)
			break;
		if (c->gap == WM_FAIL_DROP)
			flow_block(ctx, f, WM_CTR_DROP_GAP);
		else
			gap_skip(ctx, f, &sflow(f)->dir[pm->dir], now);
	}
}
