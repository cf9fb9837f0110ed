/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "wm_mask.h"
#include "wm_stream.h"

#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

void
wm_stream_ctx_init(struct wm_stream_ctx *ctx, hs_scratch_t *scratch,
		   struct wm_stats *stats, uint64_t hold_tsc,
		   wm_stream_emit_t emit, void *emit_arg)
{
	memset(ctx, 0, offsetof(struct wm_stream_ctx, match));
	ctx->scratch = scratch;
	ctx->stats = stats;
	ctx->hold_tsc = hold_tsc;
	ctx->emit = emit;
	ctx->emit_arg = emit_arg;
}

void
wm_stream_flow_init(struct wm_flow *f, const struct wm_policy *policy,
		    uint8_t segment)
{
	f->policy = policy;
	f->segment = segment;
	for (int d = 0; d < 2; d++) {
		hs_stream_t *hs = f->dir[d].hs;

		if (hs == NULL)
			continue;
		if (f->hs_db == policy->db) {
			wm_match_stream_reset(hs);
		} else {
			wm_match_stream_close(hs);
			f->dir[d].hs = NULL;
		}
	}
	f->hs_db = policy->db;
}

/* ---- held packets: per direction (FIFO) and per lcore (by arrival) ---- */

static void
global_unlink(struct wm_stream_ctx *ctx, struct rte_mbuf *m)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);

	if (pm->gprev != NULL)
		wm_pkt_meta(pm->gprev)->gnext = pm->gnext;
	else
		ctx->held_first = pm->gnext;
	if (pm->gnext != NULL)
		wm_pkt_meta(pm->gnext)->gprev = pm->gprev;
	else
		ctx->held_last = pm->gprev;
	pm->gprev = pm->gnext = NULL;
}

static void
global_append(struct wm_stream_ctx *ctx, struct rte_mbuf *m)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);

	pm->gnext = NULL;
	pm->gprev = ctx->held_last;
	if (ctx->held_last != NULL)
		wm_pkt_meta(ctx->held_last)->gnext = m;
	else
		ctx->held_first = m;
	ctx->held_last = m;
}

static void
dir_append(struct wm_flow_dir *d, struct rte_mbuf *m)
{
	wm_pkt_meta(m)->next = NULL;
	if (d->held_tail != NULL)
		wm_pkt_meta(d->held_tail)->next = m;
	else
		d->held_head = m;
	d->held_tail = m;
}

/*
 * Emit the held packets of @d that end at or before stream offset
 * @upto. Only the packet being judged right now (@cur) may be outside
 * the lcore's arrival list.
 */
static unsigned int
dir_release(struct wm_stream_ctx *ctx, struct wm_flow_dir *d, uint64_t upto,
	    struct rte_mbuf *cur)
{
	unsigned int n = 0;

	while (d->held_head != NULL) {
		struct rte_mbuf *m = d->held_head;
		struct wm_pkt_meta *pm = wm_pkt_meta(m);
		uint64_t end = pm->stream_off + pm->pi.payload_len;

		if (end > upto)
			break;
		d->held_head = pm->next;
		if (d->held_head == NULL)
			d->held_tail = NULL;
		if (m != cur)
			global_unlink(ctx, m);
		d->released = end;
		pm->flow = NULL;
		ctx->emit(m, ctx->emit_arg);
		n++;
	}
	if (d->held_head == NULL)
		d->released = d->offset;
	return n;
}

/* ---- writing masked bytes into packets ---- */

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
 * Overwrite @n bytes of @m's TCP payload from payload offset @pos with
 * @src, keeping the TCP checksum (and a VXLAN outer UDP checksum, when
 * one is set) right by incremental update (RFC 1624). Headers are in
 * the first segment; the payload may continue in further segments.
 */
static void
pkt_write(struct rte_mbuf *m, uint32_t pos, const uint8_t *src, uint32_t n)
{
	const struct wm_pkt_info *pi = &wm_pkt_meta(m)->pi;
	uint32_t l4 = pi->l4_off, udp = pi->outer_udp_off;
	bool outer = pi->vxlan && csum_get(m, udp + UDP_CSUM_OFF) != 0;
	uint16_t tcp_old = csum_get(m, l4 + TCP_CSUM_OFF), tcp_ck = tcp_old;
	uint16_t udp_ck = outer ? csum_get(m, udp + UDP_CSUM_OFF) : 0;
	uint32_t off = pi->payload_off + pos; /* frame offset */
	struct rte_mbuf *seg = m;
	uint32_t seg_off = off;

	while (seg != NULL && seg_off >= seg->data_len) {
		seg_off -= seg->data_len;
		seg = seg->next;
	}
	while (n > 0 && seg != NULL) {
		uint8_t *p = rte_pktmbuf_mtod_offset(seg, uint8_t *, seg_off);
		uint32_t k = RTE_MIN(n, (uint32_t)seg->data_len - seg_off);

		tcp_ck = wm_cksum_adjust(tcp_ck, p, src, k, (off - l4) & 1);
		if (outer)
			udp_ck = wm_cksum_adjust(udp_ck, p, src, k,
						 (off - udp) & 1);
		memcpy(p, src, k);
		src += k;
		off += k;
		n -= k;
		seg = seg->next;
		seg_off = 0;
	}
	csum_set(m, l4 + TCP_CSUM_OFF, tcp_ck);
	if (outer) {
		/* The inner TCP checksum is itself covered by the outer one. */
		udp_ck = wm_cksum_adjust(udp_ck, (const uint8_t *)&tcp_old,
					 (const uint8_t *)&tcp_ck, 2,
					 (l4 + TCP_CSUM_OFF - udp) & 1);
		csum_set(m, udp + UDP_CSUM_OFF, udp_ck == 0 ? 0xffff : udp_ck);
	}
}

/*
 * Write the masked value @val for stream range [start, end) into the
 * held packets of @d. Bytes before d->released have already left: the
 * value is then a late match, masked from the first byte still held.
 */
static void
dir_write(struct wm_stream_ctx *ctx, struct wm_flow_dir *d, uint64_t start,
	  uint64_t end, const uint8_t *val)
{
	if (start < d->released) {
		ctx->stats->ctr[WM_CTR_MASK_LATE]++;
		val += d->released - start;
		start = d->released;
	}
	for (struct rte_mbuf *m = d->held_head; m != NULL && start < end;
	     m = wm_pkt_meta(m)->next) {
		const struct wm_pkt_meta *pm = wm_pkt_meta(m);
		uint64_t ps = pm->stream_off, pe = ps + pm->pi.payload_len;
		uint64_t s = RTE_MAX(start, ps), e = RTE_MIN(end, pe);

		if (s >= e)
			continue;
		pkt_write(m, (uint32_t)(s - ps), val + (s - start),
			  (uint32_t)(e - s));
	}
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

static void
hist_append(struct wm_flow_dir *d, const uint8_t *p, uint32_t n)
{
	const uint32_t cap = WM_DETECT_WINDOW;

	if (n >= cap) {
		memcpy(d->hist, p + n - cap, cap);
		d->hist_len = cap;
		return;
	}
	if (d->hist_len + n > cap) {
		uint32_t keep = cap - n;

		memmove(d->hist, d->hist + d->hist_len - keep, keep);
		d->hist_len = (uint16_t)keep;
	}
	memcpy(d->hist + d->hist_len, p, n);
	d->hist_len = (uint16_t)(d->hist_len + n);
}

/*
 * Confirm one trigger: the window is the WM_DETECT_WINDOW stream bytes
 * ending at the trigger end, taken from the history (before the chunk)
 * and the chunk's original bytes. A confirmed value is masked in place.
 */
static void
match_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
	    struct wm_flow_dir *d, const struct wm_stream_match *mt,
	    uint64_t chunk_off)
{
	const struct wm_rule *rule = &f->policy->conf->rules[mt->rule];
	uint8_t win[WM_DETECT_WINDOW], out[WM_DETECT_WINDOW];
	uint64_t in_chunk = mt->end - chunk_off;
	uint64_t want = RTE_MIN((uint64_t)WM_DETECT_WINDOW, in_chunk + d->hist_len);
	uint64_t from_hist = want > in_chunk ? want - in_chunk : 0;
	uint64_t win_off = mt->end - want;
	struct wm_span sp;

	memcpy(win, d->hist + d->hist_len - from_hist, from_hist);
	memcpy(win + from_hist, ctx->chunk + (in_chunk - (want - from_hist)),
	       want - from_hist);
	if (!rule->detector->confirm(win, want, &sp)) {
		ctx->stats->ctr[WM_CTR_MASK_REJECTED]++;
		return;
	}
	wm_mask_apply(&rule->mask, rule->detector->separators, win + sp.start,
		      out, sp.end - sp.start);
	dir_write(ctx, d, win_off + sp.start, win_off + sp.end, out);
	ctx->stats->ctr[WM_CTR_MASK_VALUES]++;
	ctx->stats->masked[f->policy->det_id[mt->rule]]++;
}

/*
 * Scan @n bytes (a copy is taken: the packet is written while the
 * chunk's matches are judged) as the next bytes of @d. With @eod the
 * byte is the virtual end-of-stream terminator: judged, not kept.
 * Returns 0 or -EIO.
 */
static int
chunk_scan(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_flow_dir *d,
	   const uint8_t *p, uint32_t n, bool eod)
{
	uint64_t chunk_off = d->offset;

	memcpy(ctx->chunk, p, n);
	ctx->nmatch = 0;
	if (wm_match_scan(d->hs, ctx->chunk, n, ctx->scratch, on_match, ctx) < 0)
		return -EIO;
	for (uint32_t i = 0; i < ctx->nmatch; i++)
		match_judge(ctx, f, d, &ctx->match[i], chunk_off);
	if (!eod) {
		hist_append(d, ctx->chunk, n);
		d->offset += n;
	}
	return 0;
}

/* Scan the TCP payload of @m (all segments) in chunks. */
static int
payload_scan(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_flow_dir *d, struct rte_mbuf *m)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t chunk = WM_STREAM_CHUNK;
	uint32_t off = pm->pi.payload_off, left = pm->pi.payload_len;
	struct rte_mbuf *seg = m;

	/* Each end offset reports a pattern at most once. */
	ctx->match_max = WM_STREAM_MATCH_MAX;
	if (chunk * f->policy->db->npatterns > WM_STREAM_MATCH_MAX)
		chunk = WM_STREAM_MATCH_MAX / f->policy->db->npatterns;
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
	ctx->stats->ctr[WM_CTR_STREAM_BYTES] += pm->pi.payload_len;
	return left == 0 ? 0 : -EIO;
}

/* Newest bytes of @d that may begin a value not yet ended. */
static size_t
dir_hold(const struct wm_flow *f, const struct wm_flow_dir *d)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	size_t hold = 0;

	for (unsigned int i = 0; i < pc->nrules; i++) {
		size_t h = pc->rules[i].detector->hold(d->hist, d->hist_len);

		hold = RTE_MAX(hold, h);
	}
	return hold;
}

/* End of a direction: terminate values at the stream end, emit all. */
static void
dir_flush(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_flow_dir *d)
{
	static const uint8_t eod = WM_DETECT_EOD_BYTE;

	if (d->hs != NULL && d->offset > 0 && !(d->flags & WM_DIR_BROKEN)) {
		ctx->match_max = WM_STREAM_MATCH_MAX;
		if (chunk_scan(ctx, f, d, &eod, 1, true) < 0)
			d->flags |= WM_DIR_BROKEN;
	}
	if (d->held_head != NULL)
		ctx->stats->ctr[WM_CTR_STREAM_FLUSH]++;
	dir_release(ctx, d, UINT64_MAX, NULL);
}

void
wm_stream_flow_flush(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	dir_flush(ctx, f, &f->dir[0]);
	dir_flush(ctx, f, &f->dir[1]);
}

static void
pkt_drop(struct wm_stream_ctx *ctx, struct rte_mbuf *m, enum wm_counter c)
{
	ctx->stats->ctr[c]++;
	rte_pktmbuf_free(m);
}

/*
 * Where does a segment carrying payload stand against next_seq? Until
 * out-of-order reassembly exists, only the exact next one is judged.
 */
static enum wm_counter
seq_check(const struct wm_flow_dir *d, uint32_t seq, uint32_t len)
{
	int32_t ahead = (int32_t)(seq - d->next_seq);

	if (ahead == 0)
		return WM_CTR_MAX;
	if (ahead > 0)
		return WM_CTR_DROP_GAP;
	if ((int32_t)(seq + len - d->next_seq) <= 0)
		return WM_CTR_DROP_RETRANS;
	return WM_CTR_DROP_OVERLAP;
}

/* Judge an in-order payload: scan, mask, then hold or release. */
static void
payload_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
	      struct wm_flow_dir *d, struct rte_mbuf *m, uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t len = pm->pi.payload_len;

	if (d->hs == NULL && wm_match_stream_open(f->policy->db, &d->hs) < 0)
		d->flags |= WM_DIR_BROKEN;
	pm->stream_off = d->offset;
	pm->arrival_tsc = now;
	pm->flow = f;
	dir_append(d, m);
	if ((d->flags & WM_DIR_BROKEN) || payload_scan(ctx, f, d, m) < 0) {
		/* Fail closed: nothing of this direction leaves unjudged. */
		d->flags |= WM_DIR_BROKEN;
		d->held_tail = NULL;
		for (struct rte_mbuf *h = d->held_head, *nx; h != NULL; h = nx) {
			nx = wm_pkt_meta(h)->next;
			if (h != m)
				global_unlink(ctx, h);
			pkt_drop(ctx, h, WM_CTR_DROP_SCAN_ERR);
		}
		d->held_head = NULL;
		return;
	}
	d->next_seq += len;
	dir_release(ctx, d, d->offset - dir_hold(f, d), m);
	if (d->held_tail == m) {
		/* m stayed: it may carry the start of a value. */
		global_append(ctx, m);
		ctx->stats->ctr[WM_CTR_STREAM_HELD]++;
	}
}

/*
 * A FIN or RST counts only at the exact next sequence number: one beyond
 * a gap must not end the direction (the missing bytes are still to come)
 * and a blind RST must not split a value across a stream reset.
 */
static bool
seq_at_next(const struct wm_flow_dir *d, uint32_t seq)
{
	return !(d->flags & WM_DIR_SEQ_KNOWN) || seq == d->next_seq;
}

bool
wm_stream_segment(struct wm_stream_ctx *ctx, struct wm_flow *f,
		  struct rte_mbuf *m, uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	/* Copied: once judged, m may be transmitted and freed at any time. */
	const uint8_t fl = pm->pi.tcp_flags, dir = pm->dir;
	const uint32_t plen = pm->pi.payload_len;
	uint32_t seq = pm->pi.seq;
	struct wm_flow_dir *d = &f->dir[dir];

	if ((fl & WM_TCP_SYN) && d->offset == 0) {
		d->next_seq = seq + 1;
		d->flags |= WM_DIR_SEQ_KNOWN;
	}
	if (fl & WM_TCP_SYN)
		seq++; /* SYN data (TCP Fast Open) starts after the SYN */
	if (plen > 0) {
		enum wm_counter bad;

		if (!(d->flags & WM_DIR_SEQ_KNOWN)) {
			d->next_seq = seq;
			d->flags |= WM_DIR_SEQ_KNOWN;
			ctx->stats->ctr[WM_CTR_STREAM_MIDSTREAM]++;
		}
		bad = seq_check(d, seq, plen);
		if (bad != WM_CTR_MAX) {
			pkt_drop(ctx, m, bad);
			return false;
		}
		payload_judge(ctx, f, d, m, now);
		m = NULL; /* the engine owns it now */
		seq += plen;
	}

	if ((fl & WM_TCP_RST) && seq_at_next(d, seq)) {
		wm_stream_flow_flush(ctx, f);
		if (m != NULL)
			ctx->emit(m, ctx->emit_arg); /* after what was held */
		ctx->stats->ctr[WM_CTR_FLOW_CLOSED]++;
		return true;
	}
	if ((fl & WM_TCP_FIN) && !(d->flags & WM_DIR_FIN) &&
	    seq_at_next(d, seq)) {
		d->next_seq++;
		d->flags |= WM_DIR_FIN;
		dir_flush(ctx, f, d);
	}
	/*
	 * A packet without payload leaves now: after a flush it follows
	 * what was held; otherwise overtaking held data of its direction is
	 * harmless (a bare ACK's sequence number is still acceptable).
	 */
	if (m != NULL)
		ctx->emit(m, ctx->emit_arg);
	if ((f->dir[0].flags & WM_DIR_FIN) && (f->dir[1].flags & WM_DIR_FIN)) {
		ctx->stats->ctr[WM_CTR_FLOW_CLOSED]++;
		return true;
	}
	return false;
}

void
wm_stream_expire(struct wm_stream_ctx *ctx, uint64_t now)
{
	while (ctx->held_first != NULL) {
		struct wm_pkt_meta *pm = wm_pkt_meta(ctx->held_first);
		struct wm_flow_dir *d;

		if (now - pm->arrival_tsc < ctx->hold_tsc)
			break;
		d = &pm->flow->dir[pm->dir];
		ctx->stats->ctr[WM_CTR_STREAM_HOLD_TIMEOUT] +=
			dir_release(ctx, d, UINT64_MAX, NULL);
	}
}
