/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One worker's data path, run to completion (see wm_datapath.h):
 *
 *   rx burst -> parse -> segment/policy -> owner = flow hash % workers
 *     owner is us:   flow lookup -> stream (scan, mask, hold/release)
 *     owner is not:  conf.handoff, and the owner does the same
 *   -> tx buffers per port -> conf.tx
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "datapath_priv.h"
#include "wm_frag.h"
#include "wm_token.h"

/* Every detector a config can name has its own masked[] counter. */
_Static_assert(WM_DETECT_BUILTINS + WM_CONFIG_MAX_CUSTOM <= WM_STATS_DETECTORS,
	       "per-detector counters for the built-ins and every custom one");
/* Every segment and rule a config can define has its seg_values[][]. */
_Static_assert(WM_CONFIG_MAX_SEGMENTS <= WM_STATS_SEGMENTS &&
	       WM_DETECT_MAX <= WM_STATS_RULES,
	       "per-segment counters for every segment and rule");

/*
 * Idle this long, a direction whose bytes are all acknowledged gives
 * back its retained bytes (or after four of its round trips, if
 * longer): Linux's minimum retransmission timeout, so a sender that
 * lost the last ACK still finds its bytes rewritable when it resends.
 */
#define RETAIN_GRACE_US 200000
#define PREFETCH_AHEAD 4
/*
 * Packets judged leave in tx bursts of this many, not of a whole rx
 * burst: a packet decided early in a burst need not wait for the rest
 * to be judged (the bench: not-held p50 -30 %, p99 -20 % at 1500 B and
 * 64 B, full path Mpps unchanged; a tx burst of one cost 5-10 %).
 */
#define TX_EARLY 8


/*
 * Both lines of the mbuf: the first for where its data lies, the second
 * (pool, next) for the free after transmit, a miss of its own on every
 * pure ACK of a replay whose mbufs are cold.
 */
static inline void
mbuf_prefetch(struct rte_mbuf *m)
{
	rte_prefetch0(m);
	rte_prefetch0((char *)m + RTE_CACHE_LINE_SIZE);
}

/*
 * The cache lines a packet's first touch needs: its headers and its
 * whole meta (routing, the parse result; holding links it and keeps its
 * stream offset in the third line: prefetched once parsed, too late).
 */
static inline void
pkt_prefetch(struct rte_mbuf *m)
{
	char *priv = rte_mbuf_to_priv(m);

	_Static_assert(sizeof(struct wm_pkt_meta) <= 3 * RTE_CACHE_LINE_SIZE,
		       "three lines cover the whole meta");
	rte_prefetch0(rte_pktmbuf_mtod(m, void *));
	rte_prefetch0(priv);
	rte_prefetch0(priv + RTE_CACHE_LINE_SIZE);
	rte_prefetch0(priv + 2 * RTE_CACHE_LINE_SIZE);
}

static void
tx_flush(struct wm_dp *dp, uint16_t port)
{
	struct dp_txbuf *tb = &dp->tx[port];
	uint16_t sent;

	if (tb->n == 0)
		return;
	sent = dp->conf.tx(dp->conf.tx_arg, port, tb->pkts, tb->n);
	dp->stats.ctr[WM_CTR_TX] += sent;
	if (unlikely(sent < tb->n)) {
		dp->stats.ctr[WM_CTR_TX_DROP] += tb->n - sent;
		rte_pktmbuf_free_bulk(tb->pkts + sent, tb->n - sent);
	}
	tb->n = 0;
}

void
dp_tx_flush_all(struct wm_dp *dp)
{
	uint64_t t0 = wm_prof_start(dp->prof);

	for (uint16_t p = 0; p < dp->conf.nports; p++)
		tx_flush(dp, p);
	wm_prof_stop(dp->prof, WM_STAGE_TX, t0);
}

/* A datagram reassembled from fragments leaves as fragments again. */
static __rte_noinline void
emit_frag(struct wm_dp *dp, struct rte_mbuf *m, uint16_t p)
{
	struct dp_txbuf *tb = &dp->tx[p];
	struct rte_mbuf *out[WM_FRAG_MAX_OUT];
	int n = wm_frag_output(dp->frag, m, out, RTE_DIM(out));

	if (n < 0) {
		dp->stats.ctr[WM_CTR_DROP_FRAG_OUT]++;
		rte_pktmbuf_free(m);
		return;
	}
	for (int i = 0; i < n; i++) {
		tb->pkts[tb->n++] = out[i];
		if (tb->n >= TX_EARLY)
			tx_flush(dp, p);
	}
}

/* Queue @m for its peer port (the stream engine's emit callback). */
static void
emit(struct rte_mbuf *m, void *arg)
{
	struct wm_dp *dp = arg;
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint16_t p = pm->out_port;
	struct dp_txbuf *tb = &dp->tx[p];

	if (unlikely(pm->frag.size != 0)) {
		emit_frag(dp, m, p);
		return;
	}
	tb->pkts[tb->n++] = m;
	if (tb->n >= TX_EARLY)
		tx_flush(dp, p);
}

static void
drop(struct wm_dp *dp, struct rte_mbuf *m, enum wm_counter c)
{
	dp->stats.ctr[c]++;
	rte_pktmbuf_free(m);
}

/*
 * A packet that cannot be judged: the configured action decides, as it
 * does for reassembly's limits (the stream engine emits to emit()).
 */
static inline void
fail_apply(struct wm_dp *dp, struct rte_mbuf *m, enum wm_fail_action a,
	   enum wm_counter fwd, enum wm_counter dropped)
{
	wm_reasm_fail(&dp->stream.reasm, m, a, fwd, dropped);
}

/* Advance the capture clock with @m's timestamp; returns the clock. */
static inline uint64_t
clock_pkt(struct wm_dp *dp, const struct rte_mbuf *m, uint64_t tsc)
{
	if (!dp->conf.capture_clock)
		return tsc;
	if (m->ol_flags & dp->conf.ts_flag) {
		uint64_t ts = *RTE_MBUF_DYNFIELD(m, dp->conf.ts_offset,
						 const rte_mbuf_timestamp_t *);

		if (ts > dp->clock_us)
			dp->clock_us = ts;
	}
	return dp->clock_us;
}

/*
 * Segments as zones (lib/acl). A TCP flow is judged once, at its first
 * packet, in the initiator's direction (a SYN-ACK seen first: the
 * receiver's); the verdict stays in the flow entry. Other IP packets
 * have no flow here: each is judged on its own, in its own direction.
 * A shadow segment counts what it would deny and forwards it.
 */
static uint16_t
zone_judge(struct wm_dp *dp, const struct wm_pkt_info *pi, uint8_t seg,
	   bool reverse)
{
	const struct wm_acl_key *kp;
	struct wm_acl_key key;
	uint16_t v;

	wm_acl_key_make(pi, seg, reverse, &key);
	kp = &key;
	wm_acl_classify(dp->conf.acl, &kp, 1, &v);
	return v;
}

/* Apply verdict @v to @m: true when @m was dropped (counted per rule). */
static bool
zone_deny(struct wm_dp *dp, struct rte_mbuf *m, uint8_t seg, uint16_t v)
{
	if (likely(wm_acl_allowed(v)))
		return false;
	dp->stats.zone_rule[wm_acl_counter(v)]++;
	if (dp->conf.acl->shadow[seg]) {
		dp->stats.ctr[WM_CTR_ZONE_SHADOW_DENIED]++;
		return false;
	}
	drop(dp, m, WM_CTR_DROP_ZONE);
	return true;
}

/* A packet without a flow in a zone: judged alone; true when dropped. */
static bool
zone_packet(struct wm_dp *dp, struct rte_mbuf *m, uint8_t seg)
{
	const struct wm_pkt_info *pi = &wm_pkt_meta(m)->pi;

	if (!wm_acl_active(dp->conf.acl, seg) ||
	    (pi->ip_version != 4 && pi->ip_version != 6))
		return false;
	dp->stats.ctr[WM_CTR_ZONE_STATELESS]++;
	return zone_deny(dp, m, seg, zone_judge(dp, pi, seg, false));
}

/* A new flow (or a new connection on a closed one's tuple) is judged. */
static void
zone_flow(struct wm_dp *dp, struct wm_flow *f, const struct wm_pkt_info *pi)
{
	bool reverse = (pi->tcp_flags & (WM_TCP_SYN | WM_TCP_ACK)) ==
		       (WM_TCP_SYN | WM_TCP_ACK);

	f->zone = zone_judge(dp, pi, f->segment, reverse);
	dp->stats.ctr[wm_acl_allowed(f->zone) ? WM_CTR_ZONE_FLOWS_ALLOWED :
		      WM_CTR_ZONE_FLOWS_DENIED]++;
}

/*
 * A frame no segment claims (@seg WM_SEGMENT_DROP or _PASS): dropped or
 * forwarded untouched, counted; true when it was consumed.
 */
static inline bool
segment_unknown(struct wm_dp *dp, struct rte_mbuf *m, uint8_t seg)
{
	if (likely(seg < WM_CONFIG_MAX_SEGMENTS))
		return false;
	if (seg == WM_SEGMENT_DROP) {
		drop(dp, m, WM_CTR_DROP_UNKNOWN_SEGMENT);
	} else {
		dp->stats.ctr[WM_CTR_FWD_UNKNOWN_SEGMENT]++;
		emit(m, dp);
	}
	return true;
}

/*
 * Judge a TCP segment of a flow this worker owns, once its flow is
 * looked up (@f, NULL if new; @t0 the flow stage's start): a new flow
 * is made (and judged by its zone), then the stream engine judges it.
 */
static void
flow_judge(struct wm_dp *dp, struct rte_mbuf *m, uint64_t now,
	   const struct wm_flow_key *key, struct wm_flow *f, uint64_t t0)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);

	if (f == NULL) {
		const struct wm_policy *policy =
			wm_segment_policy(dp->conf.segs, pm->segment);

		/* A bare ACK, FIN or RST of an unknown flow has nothing to judge. */
		if (pm->pi.payload_len == 0 && !(pm->pi.tcp_flags & WM_TCP_SYN)) {
			wm_prof_stop(dp->prof, WM_STAGE_FLOW, t0);
			if (!zone_packet(dp, m, pm->segment))
				emit(m, dp);
			return;
		}
		/* Handed over across a reload: its segment masks nothing now. */
		if (unlikely(!wm_policy_masks(policy) &&
			     !wm_acl_active(dp->conf.acl, pm->segment))) {
			wm_prof_stop(dp->prof, WM_STAGE_FLOW, t0);
			dp->stats.ctr[WM_CTR_FWD_NO_POLICY]++;
			emit(m, dp);
			return;
		}
		f = wm_flow_add(dp->flows, key, pm->hash);
		if (f == NULL) {
			wm_prof_stop(dp->prof, WM_STAGE_FLOW, t0);
			dp->stats.ctr[WM_CTR_FLOW_TABLE_FULL]++;
			fail_apply(dp, m, dp->conf.cfg->fail.flow_table_full,
				   WM_CTR_FWD_FLOW_FULL, WM_CTR_DROP_FLOW_FULL);
			return;
		}
		dp->stats.ctr[WM_CTR_FLOW_NEW]++;
		wm_stream_flow_init(f, policy, pm->segment);
		if (wm_acl_active(dp->conf.acl, pm->segment))
			zone_flow(dp, f, &pm->pi);
	} else if (f->zone != 0 && f->closed &&
		   (pm->pi.tcp_flags & (WM_TCP_SYN | WM_TCP_ACK)) == WM_TCP_SYN) {
		zone_flow(dp, f, &pm->pi);      /* a new connection */
	}
	f->last_tsc = now;
	wm_prof_stop(dp->prof, WM_STAGE_FLOW, t0);
	if (f->zone != 0 && zone_deny(dp, m, f->segment, f->zone))
		return;
	if (!wm_policy_masks(f->policy)) {      /* a zone that masks nothing */
		dp->stats.ctr[WM_CTR_FWD_NO_POLICY]++;
		emit(m, dp);
		return;
	}
	t0 = wm_prof_start(dp->prof);
	wm_stream_segment(&dp->stream, f, m, now);
	wm_prof_stop(dp->prof, WM_STAGE_STREAM, t0);
}

/*
 * Judge a TCP segment of a flow this worker owns. @key is its flow key
 * when this worker made it; NULL when the packet was handed over (the
 * key is made again rather than carried in every mbuf).
 */
static void
tcp_judge(struct wm_dp *dp, struct rte_mbuf *m, uint64_t tsc,
	  const struct wm_flow_key *key)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint64_t now = clock_pkt(dp, m, tsc);
	struct wm_flow_key k;
	uint64_t t0 = wm_prof_start(dp->prof);

	/*
	 * What timed out before this packet arrived leaves before it: on
	 * the capture clock each packet moves time; on the TSC the burst's
	 * callers did it once.
	 */
	if (dp->conf.capture_clock) {
		wm_stream_expire(&dp->stream, now);
		wm_prof_stop(dp->prof, WM_STAGE_STREAM, t0);
		t0 = wm_prof_start(dp->prof);
	}
	if (key == NULL) {
		wm_flow_key_make(&pm->pi, dp->conf.ports[pm->out_port].link, &k,
				 &pm->dir);
		key = &k;
	}
	flow_judge(dp, m, now, key, wm_flow_lookup(dp->flows, key, pm->hash),
		   t0);
}

/*
 * A pure ACK (ACK set, no SYN, FIN or RST; no payload) of a flow this
 * worker owns: the common packet of a busy link, judged in the fewest
 * steps (wm_stream_ack()); anything its flow needs more of goes the
 * whole way (flow_judge()).
 */
static inline void
tcp_ack(struct wm_dp *dp, struct rte_mbuf *m, uint64_t tsc,
	const struct wm_flow_key *key)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint64_t now = clock_pkt(dp, m, tsc);
	uint64_t t0 = wm_prof_start(dp->prof);
	struct wm_flow *f;

	if (dp->conf.capture_clock) {   /* as in tcp_judge() */
		wm_stream_expire(&dp->stream, now);
		wm_prof_stop(dp->prof, WM_STAGE_STREAM, t0);
		t0 = wm_prof_start(dp->prof);
	}
	f = wm_flow_lookup(dp->flows, key, pm->hash);
	if (unlikely(f == NULL || f->zone != 0 ||
		     !wm_policy_masks(f->policy))) {
		flow_judge(dp, m, now, key, f, t0);
		return;
	}
	f->last_tsc = now;
	t0 = wm_prof_stop(dp->prof, WM_STAGE_FLOW, t0);
	if (unlikely(!wm_stream_ack(&dp->stream, f, m, now)))
		wm_stream_segment(&dp->stream, f, m, now);
	wm_prof_stop(dp->prof, WM_STAGE_STREAM, t0);
}

static inline void
handoff(struct wm_dp *dp, unsigned int owner, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &dp->ho[owner];

	b->pkts[b->n++] = m;
	dp->ho_pending |= UINT64_C(1) << owner;
	if (b->n == WM_DP_BURST)
		dp_handoff_flush(dp);
}

/* Does segment @seg mask anything, or judge flows as a zone? */
static bool
seg_judges(const struct wm_dp *dp, uint8_t seg)
{
	return wm_policy_masks(wm_segment_policy(dp->conf.segs, seg)) ||
	       wm_acl_active(dp->conf.acl, seg);
}

/*
 * A parsed TCP segment's segment and policy; in a masking segment its
 * flow key into @key and its hash into its meta. False when its segment
 * masks nothing.
 */
static inline bool
tcp_key(struct wm_dp *dp, struct rte_mbuf *m, uint16_t port,
	struct wm_flow_key *key)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint64_t t0;

	pm->segment = wm_segment_lookup(dp->conf.segs, &pm->pi, port);
	if (pm->segment >= WM_CONFIG_MAX_SEGMENTS ||    /* unknown: routed */
	    !seg_judges(dp, pm->segment))
		return false;
	t0 = wm_prof_start(dp->prof);
	wm_flow_key_make(&pm->pi, dp->conf.ports[port].link, key, &pm->dir);
	pm->hash = wm_flow_hash(key);
	wm_prof_stop(dp->prof, WM_STAGE_FLOW, t0);
	return true;
}

/*
 * Route a TCP segment keyed by tcp_key() (@masks: its result): forward
 * it, judge it (its flow is ours) or hand it to its flow's owner.
 */
static inline void
tcp_route(struct wm_dp *dp, struct rte_mbuf *m, uint16_t port, uint64_t now,
	  bool nic, bool masks, const struct wm_flow_key *key)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	unsigned int owner;

	dp->stats.ctr[WM_CTR_PKT_TCP]++;
	if (pm->pi.vxlan)
		dp->stats.ctr[WM_CTR_PKT_VXLAN]++;
	if (segment_unknown(dp, m, pm->segment))
		return;
	if (!masks) {
		dp->stats.ctr[WM_CTR_FWD_NO_POLICY]++;
		emit(m, dp);
		return;
	}
	owner = dp_owner_of(dp, pm, port, nic);
	if (owner == dp->index)
		tcp_judge(dp, m, now, key);
	else
		handoff(dp, owner, m);
}

/* Route a parsed TCP segment: its segment's policy, its flow's owner. */
static void
rx_tcp(struct wm_dp *dp, struct rte_mbuf *m, uint16_t port, uint64_t now,
       bool nic)
{
	struct wm_flow_key key;
	bool masks = tcp_key(dp, m, port, &key);

	tcp_route(dp, m, port, now, nic, masks, &key);
}

/*
 * A fragment in a masking segment goes into the reassembly table; the
 * datagram, once whole, is judged like any packet (TCP: by its flow's
 * owner) and emit() splits it again. Nothing leaves unjudged.
 */
static void
rx_frag(struct wm_dp *dp, struct rte_mbuf *m, uint16_t port, uint64_t now)
{
	const struct wm_config *cfg = dp->conf.cfg;
	struct wm_pkt_meta *pm;
	struct rte_mbuf *d;

	switch (wm_frag_input(dp->frag, m, &wm_pkt_meta(m)->pi,
			      clock_pkt(dp, m, now), &d)) {
	case WM_FRAG_HELD:
	case WM_FRAG_INVALID:           /* freed and counted */
		return;
	case WM_FRAG_FULL:
		fail_apply(dp, m, cfg->fail.frag_table_full,
			   WM_CTR_FWD_FRAG_TABLE_FULL,
			   WM_CTR_DROP_FRAG_TABLE_FULL);
		return;
	case WM_FRAG_DONE:
		break;
	}
	pm = wm_pkt_meta(d);
	pm->out_port = dp->conf.ports[port].peer;
	switch (wm_pkt_parse(rte_pktmbuf_mtod(d, const uint8_t *), d->data_len,
			     d->pkt_len, cfg->vxlan_port, &pm->pi)) {
	case WM_PKT_TCP:
		rx_tcp(dp, d, port, now, false);
		break;
	case WM_PKT_NOT_TCP:
		dp->stats.ctr[WM_CTR_PKT_NOT_TCP]++;
		if (!zone_packet(dp, d, wm_segment_lookup(dp->conf.segs,
							  &pm->pi, port)))
			emit(d, dp);
		break;
	case WM_PKT_BAD_TCP:
		dp->stats.ctr[WM_CTR_PKT_BAD_TCP]++;
		fail_apply(dp, d, cfg->fail.bad_tcp, WM_CTR_FWD_BAD_TCP,
			   WM_CTR_DROP_BAD_TCP);
		break;
	default:        /* malformed, or fragments again (inside VXLAN) */
		drop(dp, d, WM_CTR_DROP_FRAG_INVALID);
		break;
	}
}

/*
 * First pass over a burst: parse @m (burst slot @i), and for a TCP
 * segment in a masking segment make its flow key and prefetch its
 * bucket. Nothing leaves yet: the second pass keeps arrival order.
 */
static inline void
rx_parse(struct wm_dp *dp, struct rte_mbuf *m, uint16_t port, uint16_t i)
{
	const struct wm_config *cfg = dp->conf.cfg;
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint64_t t0 = wm_prof_start(dp->prof);
	enum wm_pkt_kind r;

	pm->out_port = dp->conf.ports[port].peer;
	pm->frag.size = 0;
	r = wm_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
			 m->pkt_len, cfg->vxlan_port, &pm->pi);
	wm_prof_stop(dp->prof, WM_STAGE_PARSE, t0);
	dp->bkind[i] = (uint8_t)r;
	dp->bmasks[i] = r == WM_PKT_TCP && tcp_key(dp, m, port, &dp->bkey[i]);
	if (dp->bmasks[i])
		wm_flow_prefetch_bucket(dp->flows, pm->hash);
}

/* Second pass: classify and route @m (burst slot @i), in arrival order. */
static void
rx_one(struct wm_dp *dp, struct rte_mbuf *m, uint16_t port, uint64_t now,
       uint16_t i)
{
	const struct wm_config *cfg = dp->conf.cfg;
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	struct wm_pkt_info *pi = &pm->pi;

	enum wm_pkt_kind r = (enum wm_pkt_kind)dp->bkind[i];
	uint8_t seg = 0;

	if (likely(r == WM_PKT_TCP && dp->bmasks[i]) && pi->payload_len == 0 &&
	    (pi->tcp_flags & (WM_TCP_ACK | WM_TCP_SYN | WM_TCP_FIN |
			      WM_TCP_RST)) == WM_TCP_ACK &&
	    dp_owner_of(dp, pm, port, true) == dp->index) {
		dp->stats.ctr[WM_CTR_PKT_TCP]++;
		if (pi->vxlan)
			dp->stats.ctr[WM_CTR_PKT_VXLAN]++;
		tcp_ack(dp, m, now, &dp->bkey[i]);
		return;
	}
	if (r != WM_PKT_TCP && r != WM_PKT_MALFORMED) {
		seg = wm_segment_lookup(dp->conf.segs, pi, port);
		if (segment_unknown(dp, m, seg))
			return;
	}
	switch (r) {
	case WM_PKT_TCP:
		break;
	case WM_PKT_NOT_IP:
		dp->stats.ctr[WM_CTR_PKT_NOT_IP]++;
		emit(m, dp);
		return;
	case WM_PKT_NOT_TCP:
		dp->stats.ctr[WM_CTR_PKT_NOT_TCP]++;
		if (!zone_packet(dp, m, seg))
			emit(m, dp);
		return;
	case WM_PKT_MALFORMED:
		dp->stats.ctr[WM_CTR_PKT_MALFORMED]++;
		fail_apply(dp, m, cfg->fail.malformed, WM_CTR_FWD_MALFORMED,
			   WM_CTR_DROP_MALFORMED);
		return;
	case WM_PKT_BAD_TCP:
		dp->stats.ctr[WM_CTR_PKT_BAD_TCP]++;
		if (seg_judges(dp, seg))
			fail_apply(dp, m, cfg->fail.bad_tcp, WM_CTR_FWD_BAD_TCP,
				   WM_CTR_DROP_BAD_TCP);
		else
			emit(m, dp);
		return;
	case WM_PKT_IP_FRAG:
		dp->stats.ctr[WM_CTR_PKT_IP_FRAG]++;
		if (!seg_judges(dp, seg))
			emit(m, dp);
		else if (cfg->fail.ip_fragment != WM_FAIL_REASSEMBLE)
			fail_apply(dp, m, cfg->fail.ip_fragment,
				   WM_CTR_FWD_IP_FRAG, WM_CTR_DROP_IP_FRAG);
		else if (pi->vxlan)     /* inner fragments: not reassembled */
			drop(dp, m, WM_CTR_DROP_FRAG_INNER);
		else
			rx_frag(dp, m, port, now);
		return;
	}
	tcp_route(dp, m, port, now, true, dp->bmasks[i], &dp->bkey[i]);
}

/*
 * Timers once per burst: what timed out before it leaves before it (on
 * the capture clock, tcp_judge does it per packet as time moves).
 */
static inline void
burst_expire(struct wm_dp *dp, uint64_t now)
{
	uint64_t t0;

	if (dp->conf.capture_clock)
		return;
	t0 = wm_prof_start(dp->prof);
	wm_stream_expire(&dp->stream, now);
	wm_prof_stop(dp->prof, WM_STAGE_STREAM, t0);
}

/*
 * First pass over a sub-burst: parse and key pkts[0, n) until their work
 * reaches the rx budget (dp_rx_units()), prefetching headers and
 * per-packet state PREFETCH_AHEAD packets ahead (the mbuf itself twice
 * as far: pkt_prefetch() reads where its data lies from it, hot when a
 * NIC just wrote it, cold in a replay) and flow buckets as their hashes
 * are known. Returns how many it parsed; their work goes to *@units.
 */
static uint16_t
rx_parse_pass(struct wm_dp *dp, struct rte_mbuf **pkts, uint16_t n,
	      uint16_t port, uint32_t *units)
{
	uint32_t u = 0;
	uint16_t k;

	for (k = 0; k < n && k < 2 * PREFETCH_AHEAD; k++)
		mbuf_prefetch(pkts[k]);
	for (k = 0; k < n && k < PREFETCH_AHEAD; k++)
		pkt_prefetch(pkts[k]);
	for (k = 0; k < n && u < WM_DP_RX_BUDGET; k++) {
		if (k + 2 * PREFETCH_AHEAD < n)
			mbuf_prefetch(pkts[k + 2 * PREFETCH_AHEAD]);
		if (k + PREFETCH_AHEAD < n)
			pkt_prefetch(pkts[k + PREFETCH_AHEAD]);
		rx_parse(dp, pkts[k], port, k);
		u += dp_rx_units(pkts[k]);
	}
	*units += u;
	return k;
}

/*
 * One sub-burst of at most WM_DP_BURST, in two passes (VPP style):
 * parse and key as much of @pkts as the rx budget holds; then, timers
 * run once, route and judge in arrival order with each flow's first
 * entry prefetched PREFETCH_AHEAD / 2 ahead. Returns how many it took.
 */
uint16_t
dp_rx_sub(struct wm_dp *dp, struct rte_mbuf **pkts, uint16_t n, uint16_t port,
	  uint64_t now, uint32_t *units)
{
	n = rx_parse_pass(dp, pkts, RTE_MIN(n, WM_DP_BURST), port, units);
	burst_expire(dp, now);
	for (uint16_t k = 0; k < n && k < PREFETCH_AHEAD / 2; k++)
		if (dp->bmasks[k])
			wm_flow_prefetch_entry(dp->flows,
					       wm_pkt_meta(pkts[k])->hash);
	for (uint16_t k = 0; k < n; k++) {
		uint16_t a = k + PREFETCH_AHEAD / 2;

		if (a < n && dp->bmasks[a])
			wm_flow_prefetch_entry(dp->flows,
					       wm_pkt_meta(pkts[a])->hash);
		rx_one(dp, pkts[k], port, now, k);
	}
	return n;
}

uint16_t
wm_dp_judge_burst(struct wm_dp *dp, struct rte_mbuf **pkts, uint16_t n,
		  uint64_t now)
{
	burst_expire(dp, now);
	for (uint16_t k = 0; k < n; k++)
		tcp_judge(dp, pkts[k], now, NULL);
	return n;
}

void
wm_dp_free(struct wm_dp *dp)
{
	if (dp == NULL)
		return;
	wm_stream_ctx_fini(&dp->stream);
	if (dp->scratch != NULL)
		hs_free_scratch(dp->scratch);
	wm_frag_free(dp->frag);
	wm_stream_table_fini(dp->flows);
	wm_flow_table_free(dp->flows);
	wm_rb_pool_free(dp->rb_pool);
	wm_slots_free(dp->win_pool);
	wm_token_ctx_free(dp->tok);
	rte_free(dp);
}

/* The stream engine's limits, in the clock's units (@us per us). */
static void
stream_conf_make(struct wm_dp *dp, double us)
{
	const struct wm_config *cfg = dp->conf.cfg;

	dp->stream_conf = (struct wm_stream_conf){
		.hold_time = (uint64_t)(cfg->hold_timeout_us * us),
		.hold_min = (uint64_t)(cfg->hold_min_us * us),
		.ticks_per_us = (uint64_t)us,
		.reasm.gap_time = (uint64_t)(cfg->reasm.gap_timeout_ms * 1e3 * us),
		.reasm.ooo_segments = cfg->reasm.ooo_segments,
		.reasm.ooo_bytes = cfg->reasm.ooo_bytes,
		.reasm.ooo_worker_bytes = cfg->reasm.ooo_worker_bytes,
		/* Queued segments pin mbufs: leave most of the pool to rx. */
		.reasm.ooo_worker_segments = cfg->ports.mbufs / 4,
		.reasm.retain_bytes = cfg->reasm.retain_bytes,
		.reasm.retain_grace = (uint64_t)(RETAIN_GRACE_US * us),
		.reasm.ooo_full = cfg->fail.ooo_full,
		.reasm.memcap = cfg->fail.memcap,
		/* One per entry: a flow never waits for one (pages are
		 * touched only by parts ever used). */
		.colds = cfg->flow_table_size,
		.hold_timeout = cfg->fail.hold_timeout,
		.reasm.gap = cfg->fail.gap,
	};
}

struct wm_dp *
wm_dp_create(const struct wm_dp_conf *conf, unsigned int index, int socket)
{
	const struct wm_config *cfg = conf->cfg;
	struct wm_dp *dp;
	double us;

	if (conf->nworkers == 0 || index >= conf->nworkers ||
	    conf->nworkers > WM_CONFIG_MAX_WORKERS ||
	    conf->tx == NULL || (conf->nworkers > 1 && conf->handoff == NULL) ||
	    conf->nports > WM_CONFIG_MAX_PORTS) {
		errno = EINVAL;
		return NULL;
	}
	dp = rte_zmalloc_socket("wm_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE,
				socket);
	if (dp == NULL)
		goto nomem;
	dp->conf = *conf;
	dp->index = index;
	for (unsigned int i = 0; i < WM_DP_RETA_PATTERN; i++)
		dp->rss_owner[i] = (uint8_t)(i % conf->nworkers);
	for (unsigned int p = 0; p < conf->nports; p++)
		dp->rss_link[p] = conf->ports[p].rss ||
				  (conf->ports[p].peer < conf->nports &&
				   conf->ports[conf->ports[p].peer].rss);
	/* Clock units: capture microseconds when replaying, else TSC. */
	us = conf->capture_clock ? 1.0 : (double)rte_get_tsc_hz() / 1e6;
	dp->timeout_syn = (uint64_t)(cfg->flow_timeout_syn_s * 1e6 * us);
	dp->timeout_est = (uint64_t)(cfg->flow_timeout_s * 1e6 * us);
	dp->timeout_closed = (uint64_t)(cfg->flow_timeout_closed_s * 1e6 * us);
	dp->flows = dp_flows_create(cfg->flow_table_size, socket);
	if (dp->flows == NULL)
		goto nomem;
	if (conf->segs->scratch != NULL &&
	    hs_clone_scratch(conf->segs->scratch, &dp->scratch) != HS_SUCCESS)
		goto nomem;
	/* Fragments out: room for a tx ring and a tx buffer per port. */
	dp->frag = wm_frag_create(index, cfg->reasm.frag_flows,
				  (uint64_t)(cfg->reasm.frag_timeout_ms * 1e3 * us),
				  RTE_MAX(1024u, conf->nports *
					  (cfg->ports.tx_desc + WM_DP_BURST)),
				  socket, &dp->stats);
	dp->rb_pool = wm_rb_pool_create(cfg->reasm.retain_worker_bytes);
	/*
	 * History windows for directions with a value pending after their
	 * last packet: room for a quarter of the table's directions at
	 * once (calloc'd: only windows ever used take memory); past it
	 * fail.memcap decides.
	 */
	dp->win_pool = wm_slots_create(RTE_MAX(cfg->flow_table_size / 2, 1024u),
				       WM_WIN_BYTES, WM_CACHE_LINE);
	dp->tok = wm_token_ctx_create();
	if (dp->frag == NULL || dp->rb_pool == NULL || dp->win_pool == NULL ||
	    dp->tok == NULL)
		goto nomem;
	stream_conf_make(dp, us);
	dp_rx_init(dp);
	wm_stream_ctx_init(&dp->stream, dp->scratch, &dp->stats,
			   &dp->stream_conf, dp->rb_pool, dp->win_pool, emit, dp);
	dp->stream.tok = dp->tok;
	dp->stream.segment_names = conf->segment_names;
	return dp;

nomem:
	wm_dp_free(dp);
	errno = ENOMEM;
	return NULL;
}
