/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's worker lcores: each polls its receive queues and its
 * hand-off ring and gives the bursts to its data path (lib/datapath),
 * which judges them and sends them back here to transmit.
 *
 *   rte_eth_rx_burst --> wm_dp_rx_burst --> tx(): rte_eth_tx_burst
 *                            | handoff(): rte_ring of the flow's owner
 *   rte_ring ----------> wm_dp_judge_burst
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "wiremask.h"

#define TX_RETRIES 8

/*
 * @m (chained) as one buffer of the jumbo pool, all of it data (no
 * headroom: nothing is prepended at transmit), or NULL: longer than
 * net_pcap carries whole, or a chain whose segments do not add up to
 * its length (net_pcap reads a frame over 65,535 bytes into one).
 */
static struct rte_mbuf *
tx_linear(struct rte_mbuf *m)
{
	struct rte_mbuf *j;
	uint32_t off = 0;

	if (m->pkt_len > WM_JUMBO_SIZE)
		return NULL;
	j = rte_pktmbuf_alloc(wm_app.jumbo);
	if (j == NULL)
		return NULL;
	j->data_off = 0;
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		if (s->data_len > m->pkt_len - off) {
			rte_pktmbuf_free(j);
			return NULL;
		}
		memcpy(rte_pktmbuf_mtod_offset(j, uint8_t *, off),
		       rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		off += s->data_len;
	}
	if (off != m->pkt_len) {
		rte_pktmbuf_free(j);
		return NULL;
	}
	j->data_len = (uint16_t)off;
	j->pkt_len = off;
	j->port = m->port;
	rte_pktmbuf_free(m);
	return j;
}

/*
 * Chained frames net_pcap would cut (WM_PCAP_TX_CHAIN_MAX) made whole;
 * those that cannot be are dropped and counted (drop.oversize), never
 * written cut short. Returns how many of @pkts remain, in order.
 */
static uint16_t
tx_pcap_whole(const struct wm_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct wm_stats *st = wm_dp_stats(w->dp);
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (m->nb_segs > 1 && m->pkt_len > WM_PCAP_TX_CHAIN_MAX) {
			m = tx_linear(pkts[i]);
			if (unlikely(m == NULL)) {
				rte_pktmbuf_free(pkts[i]);
				st->ctr[WM_CTR_DROP_OVERSIZE]++;
				/* the data path counts every frame taken */
				st->ctr[WM_CTR_TX]--;
				continue;
			}
		}
		pkts[k++] = m;
	}
	return k;
}

/* The data path's transmit: the worker's queue of @port. */
static uint16_t
tx(void *arg, uint16_t pidx, struct rte_mbuf **pkts, uint16_t n)
{
	const struct wm_worker *w = arg;
	struct wm_port *port = &wm_app.ports[pidx];
	uint16_t q = (uint16_t)(w->index % port->nb_txq);
	uint16_t k = port->pcap_tx ? tx_pcap_whole(w, pkts, n) : n;
	uint16_t sent = 0;

	if (port->tx_shared)
		rte_spinlock_lock(&port->tx_lock[q]);
	if (port->soft)
		sent = wm_capture_tx(pidx, pkts, k);
	for (int i = 0; i < TX_RETRIES && sent < k; i++)
		sent += rte_eth_tx_burst(port->id, q, pkts + sent,
					 (uint16_t)(k - sent));
	if (port->tx_shared)
		rte_spinlock_unlock(&port->tx_lock[q]);
	/* The data path frees pkts[return..n): the unsent go there. */
	if (sent < k && k < n)
		memmove(pkts + n - (k - sent), pkts + sent,
			(size_t)(k - sent) * sizeof(*pkts));
	return (uint16_t)(n - (k - sent));
}

/*
 * Packets of flows worker @owner judges: through its ring, a burst. A
 * capture is read no faster than its owners judge it (only one worker
 * reads, so none waits on another that waits on it): a full ring is
 * waited for, where a port's would drop (port.ring_drop).
 */
static uint16_t
handoff(void *arg, unsigned int owner, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_ring *r = wm_app.workers[owner]->ring;
	unsigned int k;

	RTE_SET_USED(arg);
	k = rte_ring_mp_enqueue_burst(r, (void **)pkts, n, NULL);
	while (wm_app.capture && k < n) {
		rte_pause();
		k += rte_ring_mp_enqueue_burst(r, (void **)(pkts + k), n - k,
					       NULL);
	}
	return (uint16_t)k;
}

/*
 * Receive and judge; returns how many packets came in. Each burst asks
 * a port for what the data path's rx budget holds (wm_dp_rx_size()):
 * the rest waits in the NIC's ring, not behind this burst's work. A
 * capture file has no latency to keep: read as net_pcap reads it.
 */
static unsigned int
rx_poll(struct wm_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[WM_BURST];
	unsigned int got = 0;

	for (unsigned int i = 0; i < w->nrxq; i++) {
		uint16_t pidx = w->rxq[i].port;
		uint16_t n = wm_app.ports[pidx].soft ?
			wm_capture_rx(pidx, pkts, WM_BURST) :
			rte_eth_rx_burst(wm_app.ports[pidx].id,
					 w->rxq[i].queue, pkts,
					 wm_dp_rx_size(w->dp));

		if (n != 0) {
			__atomic_store_n(&w->last_rx_tsc, now, __ATOMIC_RELAXED);
			wm_dp_rx_burst(w->dp, pkts, n, pidx, now);
			got += n;
		}
	}
	return got;
}

/* Judge what other workers handed over; returns how many. */
static unsigned int
ring_poll(struct wm_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[WM_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(w->ring, (void **)pkts,
						   wm_dp_rx_size(w->dp), NULL);

	if (n > 0) {
		__atomic_store_n(&w->last_rx_tsc, now, __ATOMIC_RELAXED);
		wm_dp_judge_burst(w->dp, pkts, (uint16_t)n, now);
	}
	return n;
}

int
wm_worker_main(void *arg)
{
	struct wm_worker *w = arg;
	uint64_t now, prev;
	bool busy = false;

	prev = rte_rdtsc();
	__atomic_store_n(&w->last_rx_tsc, prev, __ATOMIC_RELAXED);
	while (__atomic_load_n(&wm_app.phase, __ATOMIC_ACQUIRE) == WM_RUN) {
		__atomic_store_n(&w->loops, w->loops + 1, __ATOMIC_RELAXED);
		now = rte_rdtsc();
		/* The turn that just ended, busy if it had packets (metrics). */
		__atomic_store_n(&w->poll_cycles, w->poll_cycles + now - prev,
				 __ATOMIC_RELAXED);
		if (busy)
			__atomic_store_n(&w->busy_cycles,
					 w->busy_cycles + now - prev,
					 __ATOMIC_RELAXED);
		prev = now;
		busy = rx_poll(w, now) != 0;
		busy |= ring_poll(w, now) != 0;
		wm_dp_tick(w->dp, now);
		/* Quiescent between bursts; a new config taken here. */
		wm_reload_worker(w);
	}
	/* Others may still hand us packets until they stop receiving. */
	__atomic_store_n(&w->rx_stopped, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&wm_app.phase, __ATOMIC_ACQUIRE) == WM_STOP_RX) {
		now = rte_rdtsc();
		ring_poll(w, now);
		wm_dp_expire(w->dp, now);
	}
	while (ring_poll(w, rte_rdtsc()) > 0)
		;
	wm_dp_flush(w->dp);
	return 0;
}

static void
worker_free(struct wm_worker *w)
{
	if (w == NULL)
		return;
	wm_dp_free(w->dp);
	rte_ring_free(w->ring);
	wm_events_worker_free(w);
	rte_free(w);
}

static struct wm_worker *
worker_create(struct wm_app *app, unsigned int index, unsigned int lcore)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	char name[RTE_RING_NAMESIZE];
	struct wm_dp_conf c = {
		.cfg = app->cfg,
		.segs = app->segs,
		.acl = app->acl,
		.segment_names = app->segment_names,
		.nworkers = app->nworkers,
		.nports = app->nports,
		.capture_clock = app->capture_clock,
		.ts_offset = app->ts_offset,
		.ts_flag = app->ts_flag,
		.tx = tx,
		.handoff = handoff,
	};
	struct wm_worker *w;

	w = rte_zmalloc_socket("wm_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			       socket);
	if (w == NULL)
		return NULL;
	w->index = index;
	w->lcore = lcore;
	w->gen = app->gen;
	w->cfg = app->cfg;
	for (unsigned int p = 0; p < app->nports; p++) {
		c.ports[p].peer = app->ports[p].peer;
		c.ports[p].link = app->ports[p].link;
		c.ports[p].rss = app->ports[p].rss;
	}
	c.tx_arg = w;
	snprintf(name, sizeof(name), "wm_ring_%u", index);
	w->ring = rte_ring_create(name, WM_RING_SIZE, socket, RING_F_SC_DEQ);
	w->dp = wm_dp_create(&c, index, socket);
	if (w->ring == NULL || w->dp == NULL ||
	    wm_events_worker_init(w, socket) < 0) {
		worker_free(w);
		return NULL;
	}
	if (app->events_fd >= 0)
		wm_dp_set_event(w->dp, wm_events_write, w);
	return w;
}

int
wm_workers_init(struct wm_app *app)
{
	unsigned int lcore, n = 0, k = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n == app->nworkers)
			break;
		app->workers[n] = worker_create(app, n, lcore);
		if (app->workers[n] == NULL) {
			wm_log(WM_LOG_ERR, "worker %u (lcore %u): out of memory "
			       "(flow_table_size %u)", n, lcore,
			       app->cfg->flow_table_size);
			return -ENOMEM;
		}
		n++;
	}
	/*
	 * Spread every (port, queue) over the workers, round robin; with
	 * symmetric RSS queue q of every port is worker q's (both
	 * directions of a flow reach the worker that owns it).
	 */
	for (uint16_t p = 0; p < app->nports; p++)
		for (uint16_t q = 0; q < app->ports[p].nb_rxq; q++, k++) {
			struct wm_worker *w = app->workers[app->ports[p].rss ?
							   q : k % n];

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
		worker_free(app->workers[i]);
		app->workers[i] = NULL;
	}
}
