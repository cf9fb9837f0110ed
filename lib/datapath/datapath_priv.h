/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/datapath: one worker's state (datapath.c runs it,
 * datapath_age.c runs its timers, datapath_conf.c takes a reload and
 * hooks, datapath_mem.c reports what it holds, datapath_rss.c picks
 * owners as the NIC does).
 */
#ifndef DATAPATH_PRIV_H
#define DATAPATH_PRIV_H

#include <rte_common.h>

#include "wm_datapath.h"
#include "wm_reasm.h"
#include "wm_frag.h"
#include "wm_token.h"

struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[WM_DP_BURST];
};


struct wm_dp {
	struct wm_dp_conf conf;
	unsigned int index;
	struct wm_flow_table *flows;
	hs_scratch_t *scratch;
	/* Idle flow timeouts per state, in the clock's units. */
	uint64_t timeout_syn;           /* no data yet */
	uint64_t timeout_est;           /* established */
	uint64_t timeout_closed;        /* FIN both ways or RST */
	uint64_t clock_us;              /* capture clock: newest timestamp */
	struct wm_stream_conf stream_conf;
	struct wm_rb_pool *rb_pool;     /* retained bytes (memcap) */
	struct wm_slots *win_pool;   /* history windows (hold > 0) */
	struct wm_token_ctx *tok;       /* keyed operators, fingerprints */
	struct wm_frag *frag;           /* IP fragments in reassembly */
	struct wm_prof *prof;           /* cycles per stage, or NULL */
	struct dp_txbuf tx[WM_CONFIG_MAX_PORTS];
	/* Hand-offs of the burst, per owner (bit set: some pending). */
	uint64_t ho_pending;
	struct dp_txbuf ho[WM_CONFIG_MAX_WORKERS];
	/*
	 * The burst being received, between its two passes (rx_chunk):
	 * each packet's parse result, whether its segment masks, its key.
	 */
	uint8_t bkind[WM_DP_BURST];
	bool bmasks[WM_DP_BURST];
	struct wm_flow_key bkey[WM_DP_BURST];
	/* Work units of recent rx packets, an average (RX_SHIFT
	 * fractional bits), and the rx burst size it gives (datapath_rx.c). */
	uint32_t rx_avg;
	uint16_t rx_size;
	/* RSS redirection entry -> worker (queue i % nworkers). */
	uint8_t rss_owner[WM_DP_RETA_PATTERN];
	/* Per port: does a NIC place the flows of its link (its own RSS or
	 * its peer's)? Then software owners follow the NIC's hash. */
	bool rss_link[WM_CONFIG_MAX_PORTS];
	struct wm_stats stats;
	struct wm_stream_ctx stream;
} __rte_cache_aligned;

/** Toeplitz of @pi's 4-tuple with the symmetric RSS key. */
uint32_t dp_rss_hash(const struct wm_pkt_info *pi);

/** Send the burst's hand-offs, one call per owner (port.ring_drop). */
void dp_handoff_flush(struct wm_dp *dp);

/*
 * The worker that owns the flow of @pm (arrived on @port). A plain frame
 * from a port with symmetric RSS came to its owner; a VXLAN inner flow,
 * a reassembled datagram (@nic false: its fragments hashed on addresses
 * only) or a frame from a port without RSS whose peer has it goes where
 * the NIC sends the plain frames of its 4-tuple; on links without RSS
 * the flow hash decides.
 */
static inline unsigned int
dp_owner_of(const struct wm_dp *dp, const struct wm_pkt_meta *pm, uint16_t port,
	 bool nic)
{
	if (dp->conf.nworkers == 1)
		return 0;
	if (!dp->rss_link[port])
		return wm_dp_owner(pm->hash, dp->conf.nworkers);
	if (nic && !pm->pi.vxlan && dp->conf.ports[port].rss)
		return dp->index;
	return dp->rss_owner[dp_rss_hash(&pm->pi) & (WM_DP_RETA_PATTERN - 1)];
}

/*
 * The worker's flow table of @size entries, on hugepages of NUMA @socket
 * when DPDK has room there (datapath_mem.c); NULL with errno.
 */
struct wm_flow_table *dp_flows_create(uint32_t size, int socket);

/* The clock: the TSC, or the capture time when replaying. */
static inline uint64_t
dp_clock_now(const struct wm_dp *dp, uint64_t tsc)
{
	return dp->conf.capture_clock ? dp->clock_us : tsc;
}

/* Send what the transmit buffers hold, every port (datapath.c). */
void dp_tx_flush_all(struct wm_dp *dp);

/*
 * What @m costs to judge, in the rx budget's units (WM_DP_RX_BUDGET):
 * its bytes (scanned, copied, checksummed) and a packet's fixed share.
 */
static inline uint32_t
dp_rx_units(const struct rte_mbuf *m)
{
	return m->pkt_len + WM_DP_RX_PKT_UNITS;
}

/*
 * Judge the head of @pkts (at most @n, WM_DP_BURST) received on @port:
 * as many packets as the rx budget holds, at least one; their units
 * added to *@units. Returns how many (datapath.c).
 */
uint16_t dp_rx_sub(struct wm_dp *dp, struct rte_mbuf **pkts, uint16_t n,
		   uint16_t port, uint64_t now, uint32_t *units);

/* The rx burst size before any packet was seen (datapath_rx.c). */
void dp_rx_init(struct wm_dp *dp);

#endif /* DATAPATH_PRIV_H */
