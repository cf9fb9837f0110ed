/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores, run to completion:
 *
 *   rx burst -> parse -> segment/policy -> owner = flow hash % workers
 *     owner is us:   flow lookup -> stream (scan, mask, hold/release)
 *     owner is not:  rte_ring to the owner, which does the same
 *   -> tx buffers per port -> tx burst
 *
 * Both directions of a connection hash alike (the key is canonical), so
 * one worker sees the whole connection whatever port or queue brought it.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "wiremask.h"

#define FLOW_SWEEP_PER_LOOP 16
#define TX_RETRIES 8
#define PREFETCH_AHEAD 4

/* The cache lines a packet's first touch needs: headers and its meta. */
static inline void
pkt_prefetch(struct rte_mbuf *m)
{
	rte_prefetch0(rte_pktmbuf_mtod(m, void *));
	rte_prefetch0(rte_mbuf_to_priv(m));
}

static void
tx_flush(struct wm_worker *w, uint16_t pidx)
{
	struct wm_txbuf *tb = &w->tx[pidx];
	struct wm_port *port = &wm_app.ports[pidx];
	uint16_t q = (uint16_t)(w->index % port->nb_txq);
	uint16_t sent = 0;

	if (tb->n == 0)
		return;
	if (wm_app.tx_sink != NULL) {   /* benchmark: no device */
		w->stats.ctr[WM_CTR_TX] += tb->n;
		wm_app.tx_sink(w, pidx, tb->pkts, tb->n);
		tb->n = 0;
		return;
	}
	if (port->tx_shared)
		rte_spinlock_lock(&port->tx_lock[q]);
	for (int i = 0; i < TX_RETRIES && sent < tb->n; i++)
		sent += rte_eth_tx_burst(port->id, q, tb->pkts + sent,
					 (uint16_t)(tb->n - sent));
	if (port->tx_shared)
		rte_spinlock_unlock(&port->tx_lock[q]);
	w->stats.ctr[WM_CTR_TX] += sent;
	if (unlikely(sent < tb->n)) {
		w->stats.ctr[WM_CTR_TX_DROP] += tb->n - sent;
		rte_pktmbuf_free_bulk(tb->pkts + sent, tb->n - sent);
	}
	tb->n = 0;
}

static void
tx_flush_all(struct wm_worker *w)
{
	uint64_t t0 = wm_prof_start(w->prof);

	for (uint16_t p = 0; p < wm_app.nports; p++)
		tx_flush(w, p);
	wm_prof_stop(w->prof, WM_STAGE_TX, t0);
}

/*
 * Queue @m for its peer port (the stream engine's emit callback). A
 * datagram reassembled from fragments leaves as fragments again.
 */
static void
emit(struct rte_mbuf *m, void *arg)
{
	struct wm_worker *w = arg;
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint16_t p = pm->out_port;
	struct wm_txbuf *tb = &w->tx[p];
	struct rte_mbuf *out[WM_FRAG_MAX_OUT];
	int n = 1;

	out[0] = m;
	if (unlikely(pm->frag.size != 0)) {
		n = wm_frag_output(w->frag, m, out, RTE_DIM(out));
		if (n < 0) {
			w->stats.ctr[WM_CTR_DROP_FRAG_OUT]++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	for (int i = 0; i < n; i++) {
		tb->pkts[tb->n++] = out[i];
		if (tb->n == WM_BURST)
			tx_flush(w, p);
	}
}

static void
drop(struct wm_worker *w, struct rte_mbuf *m, enum wm_counter c)
{
	w->stats.ctr[c]++;
	rte_pktmbuf_free(m);
}

/*
 * A packet that cannot be judged: the configured action decides. Only an
 * explicit "forward" lets it through; anything else fails closed.
 */
static void
fail_apply(struct wm_worker *w, struct rte_mbuf *m, enum wm_fail_action a,
	   enum wm_counter fwd, enum wm_counter dropped)
{
	if (a == WM_FAIL_FORWARD) {
		w->stats.ctr[fwd]++;
		emit(m, w);
	} else {
		drop(w, m, dropped);
	}
}

/* The worker's clock: the TSC, or the capture time when replaying. */
static inline uint64_t
clock_now(const struct wm_worker *w, uint64_t tsc)
{
	return wm_app.capture_clock ? w->clock_us : tsc;
}

/* Advance the capture clock with @m's timestamp; returns the clock. */
static inline uint64_t
clock_pkt(struct wm_worker *w, const struct rte_mbuf *m, uint64_t tsc)
{
	if (!wm_app.capture_clock)
		return tsc;
	if (m->ol_flags & wm_app.ts_flag) {
		uint64_t ts = *RTE_MBUF_DYNFIELD(m, wm_app.ts_offset,
						 const rte_mbuf_timestamp_t *);

		if (ts > w->clock_us)
			w->clock_us = ts;
	}
	return w->clock_us;
}

/*
 * Judge a TCP segment of a flow this worker owns. @key is its flow key
 * when the receiving worker made it; NULL when the packet came over a
 * ring (the key is made again rather than carried in every mbuf).
 */
static void
tcp_judge(struct wm_worker *w, struct rte_mbuf *m, uint64_t tsc,
	  const struct wm_flow_key *key)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint64_t now = clock_pkt(w, m, tsc);
	const struct wm_policy *policy = wm_segment_policy(wm_app.segs,
							   pm->segment);
	struct wm_flow_key k;
	struct wm_flow *f;
	uint64_t t0 = wm_prof_start(w->prof);

	/* What timed out before this packet arrived leaves before it. */
	wm_stream_expire(&w->stream, now);
	wm_prof_stop(w->prof, WM_STAGE_STREAM, t0);
	t0 = wm_prof_start(w->prof);
	if (key == NULL) {
		wm_flow_key_make(&pm->pi, wm_app.ports[pm->out_port].link, &k,
				 &pm->dir);
		key = &k;
	}
	f = wm_flow_lookup(w->flows, key, pm->hash);
	if (f == NULL) {
		/* A bare ACK, FIN or RST of an unknown flow has nothing to judge. */
		if (pm->pi.payload_len == 0 && !(pm->pi.tcp_flags & WM_TCP_SYN)) {
			wm_prof_stop(w->prof, WM_STAGE_FLOW, t0);
			emit(m, w);
			return;
		}
		f = wm_flow_add(w->flows, key, pm->hash);
		if (f == NULL) {
			wm_prof_stop(w->prof, WM_STAGE_FLOW, t0);
			w->stats.ctr[WM_CTR_FLOW_TABLE_FULL]++;
			fail_apply(w, m, wm_app.cfg->fail.flow_table_full,
				   WM_CTR_FWD_FLOW_FULL, WM_CTR_DROP_FLOW_FULL);
			return;
		}
		w->stats.ctr[WM_CTR_FLOW_NEW]++;
		wm_stream_flow_init(f, policy, pm->segment);
	}
	f->last_tsc = now;
	wm_prof_stop(w->prof, WM_STAGE_FLOW, t0);
	t0 = wm_prof_start(w->prof);
	wm_stream_segment(&w->stream, f, m, now);
	wm_prof_stop(w->prof, WM_STAGE_STREAM, t0);
}

/* Route a parsed TCP segment: its segment's policy, its flow's owner. */
static void
rx_tcp(struct wm_worker *w, struct rte_mbuf *m, uint16_t pidx, uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	struct wm_pkt_info *pi = &pm->pi;
	const struct wm_policy *policy;
	struct wm_flow_key key;
	unsigned int owner;
	uint64_t t0;

	w->stats.ctr[WM_CTR_PKT_TCP]++;
	if (pi->vxlan)
		w->stats.ctr[WM_CTR_PKT_VXLAN]++;
	pm->segment = wm_segment_lookup(wm_app.segs, pi);
	policy = wm_segment_policy(wm_app.segs, pm->segment);
	if (!wm_policy_masks(policy)) {
		w->stats.ctr[WM_CTR_FWD_NO_POLICY]++;
		emit(m, w);
		return;
	}
	t0 = wm_prof_start(w->prof);
	wm_flow_key_make(pi, wm_app.ports[pidx].link, &key, &pm->dir);
	pm->hash = wm_flow_hash(&key);
	wm_prof_stop(w->prof, WM_STAGE_FLOW, t0);
	owner = pm->hash % wm_app.nworkers;
	if (owner == w->index) {
		tcp_judge(w, m, now, &key);
	} else if (rte_ring_mp_enqueue(wm_app.workers[owner]->ring, m) != 0) {
		drop(w, m, WM_CTR_RING_DROP);
	}
}

/*
 * A fragment in a masking segment goes into the reassembly table; the
 * datagram, once whole, is judged like any packet (TCP: by its flow's
 * owner) and emit() splits it again. Nothing leaves unjudged.
 */
static void
rx_frag(struct wm_worker *w, struct rte_mbuf *m, uint16_t pidx, uint64_t now)
{
	const struct wm_config *cfg = wm_app.cfg;
	struct wm_pkt_meta *pm;
	struct rte_mbuf *d;

	switch (wm_frag_input(w->frag, m, &wm_pkt_meta(m)->pi,
			      clock_pkt(w, m, now), &d)) {
	case WM_FRAG_HELD:
	case WM_FRAG_INVALID:           /* freed and counted */
		return;
	case WM_FRAG_FULL:
		fail_apply(w, m, cfg->fail.frag_table_full,
			   WM_CTR_FWD_FRAG_TABLE_FULL,
			   WM_CTR_DROP_FRAG_TABLE_FULL);
		return;
	case WM_FRAG_DONE:
		break;
	}
	pm = wm_pkt_meta(d);
	pm->out_port = wm_app.ports[pidx].peer;
	switch (wm_pkt_parse(rte_pktmbuf_mtod(d, const uint8_t *), d->data_len,
			     d->pkt_len, cfg->vxlan_port, &pm->pi)) {
	case WM_PKT_TCP:
		rx_tcp(w, d, pidx, now);
		break;
	case WM_PKT_NOT_TCP:
		w->stats.ctr[WM_CTR_PKT_NOT_TCP]++;
		emit(d, w);
		break;
	case WM_PKT_BAD_TCP:
		w->stats.ctr[WM_CTR_PKT_BAD_TCP]++;
		fail_apply(w, d, cfg->fail.bad_tcp, WM_CTR_FWD_BAD_TCP,
			   WM_CTR_DROP_BAD_TCP);
		break;
	default:        /* malformed, or fragments again (inside VXLAN) */
		drop(w, d, WM_CTR_DROP_FRAG_INVALID);
		break;
	}
}

/* Parse, classify and route one received packet. */
static void
rx_one(struct wm_worker *w, struct rte_mbuf *m, uint16_t pidx, uint64_t now)
{
	const struct wm_config *cfg = wm_app.cfg;
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	struct wm_pkt_info *pi = &pm->pi;
	const struct wm_policy *policy;
	uint64_t t0 = wm_prof_start(w->prof);
	enum wm_pkt_kind r;

	pm->out_port = wm_app.ports[pidx].peer;
	pm->frag.size = 0;
	r = wm_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
			 m->pkt_len, cfg->vxlan_port, pi);
	wm_prof_stop(w->prof, WM_STAGE_PARSE, t0);
	switch (r) {
	case WM_PKT_TCP:
		break;
	case WM_PKT_NOT_IP:
		w->stats.ctr[WM_CTR_PKT_NOT_IP]++;
		emit(m, w);
		return;
	case WM_PKT_NOT_TCP:
		w->stats.ctr[WM_CTR_PKT_NOT_TCP]++;
		emit(m, w);
		return;
	case WM_PKT_MALFORMED:
		w->stats.ctr[WM_CTR_PKT_MALFORMED]++;
		fail_apply(w, m, cfg->fail.malformed, WM_CTR_FWD_MALFORMED,
			   WM_CTR_DROP_MALFORMED);
		return;
	case WM_PKT_BAD_TCP:
		w->stats.ctr[WM_CTR_PKT_BAD_TCP]++;
		policy = wm_segment_policy(wm_app.segs,
					   wm_segment_lookup(wm_app.segs, pi));
		if (wm_policy_masks(policy))
			fail_apply(w, m, cfg->fail.bad_tcp, WM_CTR_FWD_BAD_TCP,
				   WM_CTR_DROP_BAD_TCP);
		else
			emit(m, w);
		return;
	case WM_PKT_IP_FRAG:
		w->stats.ctr[WM_CTR_PKT_IP_FRAG]++;
		policy = wm_segment_policy(wm_app.segs,
					   wm_segment_lookup(wm_app.segs, pi));
		if (!wm_policy_masks(policy))
			emit(m, w);
		else if (cfg->fail.ip_fragment != WM_FAIL_REASSEMBLE)
			fail_apply(w, m, cfg->fail.ip_fragment,
				   WM_CTR_FWD_IP_FRAG, WM_CTR_DROP_IP_FRAG);
		else if (pi->vxlan)     /* inner fragments: not reassembled */
			drop(w, m, WM_CTR_DROP_FRAG_INNER);
		else
			rx_frag(w, m, pidx, now);
		return;
	}
	rx_tcp(w, m, pidx, now);
}

void
wm_worker_rx(struct wm_worker *w, struct rte_mbuf **pkts, uint16_t n,
	     uint16_t pidx, uint64_t now)
{
	w->last_rx_tsc = now;
	w->stats.ctr[WM_CTR_RX] += n;
	/*
	 * Headers and per-packet state of the first packets are fetched
	 * while the first ones are parsed; then PREFETCH_AHEAD ahead.
	 */
	for (uint16_t k = 0; k < n && k < PREFETCH_AHEAD; k++)
		pkt_prefetch(pkts[k]);
	for (uint16_t k = 0; k < n; k++) {
		if (k + PREFETCH_AHEAD < n)
			pkt_prefetch(pkts[k + PREFETCH_AHEAD]);
		rx_one(w, pkts[k], pidx, now);
	}
}

static void
rx_poll(struct wm_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[WM_BURST];

	for (unsigned int i = 0; i < w->nrxq; i++) {
		uint16_t pidx = w->rxq[i].port;
		uint16_t n = rte_eth_rx_burst(wm_app.ports[pidx].id,
					      w->rxq[i].queue, pkts, WM_BURST);

		if (n != 0)
			wm_worker_rx(w, pkts, n, pidx, now);
	}
}

/* Judge what other workers handed over; returns how many. */
static unsigned int
ring_poll(struct wm_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[WM_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(w->ring, (void **)pkts,
						   WM_BURST, NULL);

	if (n > 0)
		w->last_rx_tsc = now;
	for (unsigned int k = 0; k < n; k++)
		tcp_judge(w, pkts[k], now, NULL);
	return n;
}

/* How long @f may stay idle: by state (no data yet, established, closed). */
static uint64_t
flow_timeout(const struct wm_worker *w, const struct wm_flow *f)
{
	if (f->closed)
		return w->timeout_closed;
	if (!wm_stream_flow_has_data(f))
		return w->timeout_syn;
	return w->timeout_est;
}

/* Age flows: a few table entries per loop, round robin. */
static void
flows_age(struct wm_worker *w, uint64_t now)
{
	uint32_t budget = FLOW_SWEEP_PER_LOOP;
	struct wm_flow *f;

	while ((f = wm_flow_next(w->flows, &budget)) != NULL) {
		if (now - f->last_tsc < flow_timeout(w, f) || now < f->last_tsc)
			continue;
		wm_stream_flow_release(&w->stream, f);
		wm_flow_del(w->flows, f);
		w->stats.ctr[WM_CTR_FLOW_EXPIRED]++;
	}
}

void
wm_worker_tick(struct wm_worker *w, uint64_t now)
{
	uint64_t t0 = wm_prof_start(w->prof);

	ring_poll(w, now);
	wm_stream_expire(&w->stream, clock_now(w, now));
	wm_prof_stop(w->prof, WM_STAGE_STREAM, t0);
	flows_age(w, clock_now(w, now));
	wm_frag_tick(w->frag, clock_now(w, now));
	tx_flush_all(w);
}

static void
flows_flush_all(struct wm_worker *w)
{
	for (uint32_t i = 0; i < w->flows->size; i++) {
		struct wm_flow *f = &w->flows->flows[i];

		if (!f->in_use)
			continue;
		wm_stream_flow_release(&w->stream, f);
		wm_flow_del(w->flows, f);
		tx_flush_all(w);
	}
}

int
wm_worker_main(void *arg)
{
	struct wm_worker *w = arg;
	uint64_t now;

	w->last_rx_tsc = rte_rdtsc();
	while (wm_app.phase == WM_RUN) {
		w->loops++;
		now = rte_rdtsc();
		rx_poll(w, now);
		wm_worker_tick(w, now);
		/* Event lines go out when the worker has a quiet moment. */
		if (w->ev_len != 0 && w->last_rx_tsc != now)
			wm_events_flush(w);
	}
	wm_frag_flush(w->frag);         /* incomplete datagrams never leave */
	/* Others may still hand us packets until they stop receiving. */
	w->rx_stopped = 1;
	while (wm_app.phase == WM_STOP_RX) {
		now = rte_rdtsc();
		ring_poll(w, now);
		wm_stream_expire(&w->stream, clock_now(w, now));
		tx_flush_all(w);
	}
	while (ring_poll(w, rte_rdtsc()) > 0)
		;
	wm_worker_flush(w);
	if (w->ev_len != 0)
		wm_events_flush(w);
	return 0;
}

void
wm_worker_flush(struct wm_worker *w)
{
	flows_flush_all(w);
	tx_flush_all(w);
}

void
wm_worker_free(struct wm_worker *w)
{
	if (w == NULL)
		return;
	wm_stream_ctx_fini(&w->stream);
	if (w->scratch != NULL)
		hs_free_scratch(w->scratch);
	wm_frag_free(w->frag);
	wm_stream_table_fini(w->flows);
	wm_flow_table_free(w->flows);
	wm_rb_pool_free(w->rb_pool);
	wm_win_pool_free(w->win_pool);
	wm_token_ctx_free(w->tok);
	rte_ring_free(w->ring);
	rte_free(w);
}

struct wm_worker *
wm_worker_create(struct wm_app *app, unsigned int index, unsigned int lcore)
{
	const struct wm_config *cfg = app->cfg;
	char name[RTE_RING_NAMESIZE];
	struct wm_worker *w;
	int socket = (int)rte_lcore_to_socket_id(lcore);
	double us;

	w = rte_zmalloc_socket("wm_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			       socket);
	if (w == NULL)
		return NULL;
	w->index = index;
	w->lcore = lcore;
	snprintf(name, sizeof(name), "wm_ring_%u", index);
	w->ring = rte_ring_create(name, WM_RING_SIZE, socket, RING_F_SC_DEQ);
	w->flows = wm_flow_table_create(cfg->flow_table_size);
	if (w->ring == NULL || w->flows == NULL)
		goto fail;
	if (app->segs->scratch != NULL &&
	    hs_clone_scratch(app->segs->scratch, &w->scratch) != HS_SUCCESS)
		goto fail;
	/* Fragments out: room for a tx ring and a tx buffer per port. */
	w->frag = wm_frag_create(index, cfg->reasm.frag_flows,
				 (uint64_t)cfg->reasm.frag_timeout_ms *
				 (app->capture_clock ? 1000 :
				  rte_get_tsc_hz() / 1000),
				 RTE_MAX(1024u, app->nports *
					 (cfg->ports.tx_desc + WM_BURST)),
				 socket, &w->stats);
	if (w->frag == NULL)
		goto fail;
	w->rb_pool = wm_rb_pool_create(cfg->reasm.retain_worker_bytes);
	/*
	 * History windows for directions with a value pending after their
	 * last packet: room for a quarter of the table's directions at
	 * once (calloc'd: only windows ever used take memory); past it
	 * fail.memcap decides.
	 */
	w->win_pool = wm_win_pool_create(RTE_MAX(cfg->flow_table_size / 2,
						 1024u));
	if (w->rb_pool == NULL || w->win_pool == NULL)
		goto fail;
	/* Clock units: capture microseconds when replaying, else TSC. */
	us = app->capture_clock ? 1.0 : (double)rte_get_tsc_hz() / 1e6;
	w->timeout_syn = (uint64_t)(cfg->flow_timeout_syn_s * 1e6 * us);
	w->timeout_est = (uint64_t)(cfg->flow_timeout_s * 1e6 * us);
	w->timeout_closed = (uint64_t)(cfg->flow_timeout_closed_s * 1e6 * us);
	w->stream_conf = (struct wm_stream_conf){
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
		.reasm.ooo_full = cfg->fail.ooo_full,
		.reasm.memcap = cfg->fail.memcap,
		.hold_timeout = cfg->fail.hold_timeout,
		.reasm.gap = cfg->fail.gap,
	};
	w->tok = wm_token_ctx_create();
	if (w->tok == NULL)
		goto fail;
	wm_stream_ctx_init(&w->stream, w->scratch, &w->stats, &w->stream_conf,
			   w->rb_pool, w->win_pool, emit, w);
	w->stream.tok = w->tok;
	w->stream.segment_names = app->segment_names;
	if (app->events_fd >= 0) {
		w->stream.event = wm_events_write;
		w->stream.event_arg = w;
	}
	return w;

fail:
	wm_worker_free(w);
	return NULL;
}

int
wm_workers_init(struct wm_app *app)
{
	unsigned int lcore, n = 0, k = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n == app->nworkers)
			break;
		app->workers[n] = wm_worker_create(app, n, lcore);
		if (app->workers[n] == NULL) {
			wm_log(WM_LOG_ERR, "worker %u (lcore %u): out of memory "
			       "(flow_table_size %u)", n, lcore,
			       app->cfg->flow_table_size);
			return -ENOMEM;
		}
		n++;
	}
	/* Spread every (port, queue) over the workers, round robin. */
	for (uint16_t p = 0; p < app->nports; p++)
		for (uint16_t q = 0; q < app->ports[p].nb_rxq; q++, k++) {
			struct wm_worker *w = app->workers[k % n];

			if (w->nrxq == WM_MAX_RXQ)
				return -E2BIG;
			w->rxq[w->nrxq].port = p;
			w->rxq[w->nrxq].queue = q;
			w->nrxq++;
		}
	return 0;
}

void
wm_workers_free(struct wm_app *app)
{
	for (unsigned int i = 0; i < app->nworkers; i++) {
		wm_worker_free(app->workers[i]);
		app->workers[i] = NULL;
	}
}
