/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path of one worker lcore, as a library: a burst in, judged
 * packets out through a transmit callback. It owns everything a worker
 * judges with (flow table, stream engine, retained bytes, history
 * windows, IP fragment table, keyed-operator contexts, counters) and no
 * global state: the appliance (app/wiremask) and the benchmark
 * (app/wiremask-bench) call it the same way, with their own callbacks.
 *
 *   wm_dp_rx_burst(port)  parse -> segment, policy -> owner: the NIC's
 *                         symmetric RSS queue, else the flow hash
 *      owner is this one: wm_dp_judge (flow lookup -> stream)
 *      another:           per owner, once a burst: conf.handoff(owner,
 *                         pkts, n) -> its wm_dp_judge_burst
 *   judged packets -> per-port tx buffers -> conf.tx(port, pkts, n)
 *   wm_dp_tick            hold and gap timeouts, flow ageing (and idle
 *                         flows' retained bytes given back), fragment
 *                         timeouts, tx buffers flushed
 *
 * Both directions of a connection hash alike (the flow key is canonical),
 * so one worker sees the whole connection whatever port brought it.
 * Everything runs on the worker's lcore; nothing is allocated per packet.
 */
#ifndef WM_DATAPATH_H
#define WM_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "wm_acl.h"
#include "wm_config.h"
#include "wm_segment.h"
#include "wm_stats.h"
#include "wm_stream.h"

/* Packets per burst, in and out, at most. */
#define WM_DP_BURST 32

/*
 * The work a burst may carry, in units of frame bytes plus
 * WM_DP_RX_PKT_UNITS a packet. A packet received in a burst leaves once
 * the packets ahead of it are judged, so a burst's work is the latency
 * it adds: 32 pure ACKs fit (~8 us), 4 frames of a 1500 B HTTP mix (half
 * of them ACKs) or 4 full-size frames (~10-20 us); 32 of the mix took
 * 100-125 us, and bursts of 8 still left a p99 of 46-55 us at a load
 * that made every packet 2.5-3x slower, where 4 left 29-43 us. A burst
 * received larger is judged in sub-bursts that each leave at their end
 * (wm_dp_rx_burst()), and the next one asks for fewer (wm_dp_rx_size()).
 */
#define WM_DP_RX_BUDGET 6400
/*
 * A packet's fixed cost in byte units: measured, a pure ACK (64 B)
 * costs ~0.23 us and a 1,514 B HTTP frame ~5 us on the same core,
 * about their sizes' ratio; this much more keeps small packets from
 * looking free.
 */
#define WM_DP_RX_PKT_UNITS 64

struct wm_dp;
struct wm_token_ctx;

/*
 * Send @n judged packets out of port @port: returns how many were taken;
 * the data path frees the rest and counts them (port.tx_drop).
 */
typedef uint16_t (*wm_dp_tx_t)(void *arg, uint16_t port,
			       struct rte_mbuf **pkts, uint16_t n);

/*
 * Hand @n packets (parsed, their flow hashed) to worker @owner, which
 * judges them with wm_dp_judge_burst(): called once per owner per burst.
 * Returns how many it took; the data path drops the rest
 * (port.ring_drop).
 */
typedef uint16_t (*wm_dp_handoff_t)(void *arg, unsigned int owner,
				    struct rte_mbuf **pkts, uint16_t n);

struct wm_dp_conf {
	const struct wm_config *cfg;
	const struct wm_segments *segs;
	const struct wm_acl *acl;          /* zones; NULL: none */
	const char *const *segment_names;  /* tweak "segment", by index */
	unsigned int nworkers;             /* owners a flow hash picks from */
	unsigned int nports;
	struct {
		uint16_t peer;                 /* where its frames leave */
		uint16_t link;                 /* the pair's id (flow key) */
		/*
		 * The NIC spreads this port's frames over the workers'
		 * queues with a symmetric RSS hash (queue i: worker i):
		 * a plain TCP frame received here is this worker's flow.
		 * VXLAN inner flows and reassembled datagrams still pick
		 * their owner in software, as the NIC would for a plain
		 * frame of their 4-tuple (symmetric Toeplitz, wm_dp_rss).
		 */
		bool rss;
	} ports[WM_CONFIG_MAX_PORTS];
	/*
	 * Replaying captures, timeouts follow the mbufs' timestamps (the
	 * rte_mbuf_timestamp dynamic field, microseconds), so a run does not
	 * depend on how the host schedules the worker; else the TSC.
	 */
	bool capture_clock;
	int ts_offset;
	uint64_t ts_flag;
	wm_dp_tx_t tx;
	void *tx_arg;
	wm_dp_handoff_t handoff;           /* NULL with one worker */
	void *handoff_arg;
};

/**
 * The data path of worker @index (0 .. conf->nworkers - 1), its memory
 * on NUMA @socket. @conf is copied; what it points to must outlive the
 * result. NULL with errno on failure.
 */
struct wm_dp *wm_dp_create(const struct wm_dp_conf *conf, unsigned int index,
			   int socket);

/*
 * The symmetric RSS key (0x6d5a repeated: Woo and Park, "Scalable TCP
 * session monitoring with symmetric receive-side scaling"): Toeplitz
 * with it hashes both directions of a connection alike.
 */
#define WM_DP_RSS_KEY_BYTE(i) ((i) % 2 == 0 ? 0x6d : 0x5a)
/*
 * Redirection tables are programmed with a pattern of this many entries,
 * repeated: queue (i % WM_DP_RETA_PATTERN) % nb_rxq at entry i. Every
 * table size a NIC has is a multiple of it, so ports with tables of
 * different sizes send a flow to the same queue.
 */
#define WM_DP_RETA_PATTERN 64

/**
 * The worker (of @nworkers) the NIC's symmetric RSS sends a plain TCP
 * frame of @pi's 4-tuple to (redirection tables as above).
 */
unsigned int wm_dp_rss_owner(const struct wm_pkt_info *pi,
			     unsigned int nworkers);

/*
 * The owner of a flow hash among @nworkers when no NIC chose (vdevs,
 * VXLAN inner flows without RSS): multiply-shift, no division.
 */
static inline unsigned int
wm_dp_owner(uint32_t hash, unsigned int nworkers)
{
	return (unsigned int)(((uint64_t)hash * nworkers) >> 32);
}

/** Free @dp (NULL is allowed); call wm_dp_flush() first. */
void wm_dp_free(struct wm_dp *dp);

/** Masking decisions go to @fn (the event log), or nowhere (NULL). */
void wm_dp_set_event(struct wm_dp *dp, wm_stream_event_t fn, void *arg);

/** Count cycles per stage into @prof (the benchmark), or stop (NULL). */
void wm_dp_set_prof(struct wm_dp *dp, struct wm_prof *prof);

/**
 * Run the protocol stage (the default) or not (@on false: every flow is
 * the raw stream; wiremask-bench measures what the stage costs).
 */
void wm_dp_set_proto(struct wm_dp *dp, bool on);

/**
 * Judge a burst received on port @port at TSC @now; returns @n. Packets
 * of flows another worker owns are handed over (conf->handoff). It is
 * judged in sub-bursts of at most WM_DP_RX_BUDGET units, each one's
 * judged packets sent before the next is parsed (the last one's before
 * it returns: not after the worker's other rx queues).
 */
uint16_t wm_dp_rx_burst(struct wm_dp *dp, struct rte_mbuf **pkts, uint16_t n,
			uint16_t port, uint64_t now);

/**
 * How many packets the next rx burst should ask for: as many as the
 * recent packets' sizes say fit in WM_DP_RX_BUDGET, a multiple of 4
 * (vector PMDs receive in fours, and nothing when asked for fewer)
 * from 4 to WM_DP_BURST. The appliance's workers and the benchmark's
 * replay both size their bursts with it.
 */
uint16_t wm_dp_rx_size(const struct wm_dp *dp);

/** Judge packets handed over by other workers (flows this one owns). */
uint16_t wm_dp_judge_burst(struct wm_dp *dp, struct rte_mbuf **pkts,
			   uint16_t n, uint64_t now);

/**
 * The rest of a poll loop at TSC @now: hold and gap timeouts, a few
 * flows aged, fragment timeouts, tx buffers sent.
 */
void wm_dp_tick(struct wm_dp *dp, uint64_t now);

/** Hold and gap timeouts only, and the tx buffers sent (stopping). */
void wm_dp_expire(struct wm_dp *dp, uint64_t now);

/**
 * End every flow and drop incomplete IP datagrams: what is held is
 * judged and sent.
 */
void wm_dp_flush(struct wm_dp *dp);

/**
 * A configuration reload, called by the worker's own lcore between
 * bursts: judge with @cfg and @segs (and @segment_names) from now on.
 * @scratch (a clone of segs->scratch) replaces the worker's, whose old
 * one is returned there for the caller to free once it is safe. Every
 * flow in the table goes on under its segment's new policy (the segment
 * of the same name, else the default one) from its next in-order byte
 * (wm_stream_flow_rebind()); a flow whose segment no longer masks
 * anything is flushed under the old policy and leaves the table, unless
 * @acl (the zones built for @cfg) has rules for it. The
 * old config and databases must stay valid during the call; afterwards
 * @dp refers to nothing of them. Settings fixed at creation (table
 * size, pools, hold times, reassembly limits) are not changed.
 */
void wm_dp_rebind(struct wm_dp *dp, const struct wm_config *cfg,
		  const struct wm_segments *segs,
		  const char *const *segment_names, const struct wm_acl *acl,
		  hs_scratch_t **scratch);

/** The counters (written by the worker's lcore only). */
struct wm_stats *wm_dp_stats(struct wm_dp *dp);

/** The worker's keyed-operator contexts (event fingerprints). */
struct wm_token_ctx *wm_dp_token(struct wm_dp *dp);

/** What the data path holds in memory now (for the benchmark). */
struct wm_dp_usage {
	uint64_t flows;            /* flows in the table */
	uint64_t windows;          /* history windows in use */
	uint64_t windows_peak;     /* ... most at once since the last reset */
	uint64_t retained_bytes;   /* retained-bytes blocks in use */
};

/** Fill @u; with @reset_peak, windows_peak restarts from now. */
void wm_dp_usage(struct wm_dp *dp, struct wm_dp_usage *u, bool reset_peak);

/** Bytes of one flow table entry and its share of the bucket array. */
size_t wm_dp_flow_entry_bytes(const struct wm_dp *dp);

/*
 * Every byte the flows in the table cost now (wm_dp_mem(); walks the
 * table: for reports, not per packet). Hyperscan streams are counted
 * for the directions of flows in use that have one.
 */
struct wm_dp_mem {
	uint64_t flows;            /* flows in the table */
	uint64_t entry_bytes;      /* their entries and bucket shares */
	uint64_t hs_bytes;         /* their Hyperscan stream state */
	uint64_t cold_bytes;       /* cold parts in use (bytes in flight) */
	uint64_t window_bytes;     /* history windows in use */
	uint64_t retained_bytes;   /* retained-bytes blocks in use */
	uint64_t view_bytes;       /* decoded views made (pooled) */
	uint64_t held_bytes;       /* frames held back */
	uint64_t queued_bytes;     /* payload queued beyond gaps */
	uint64_t total;            /* all of the above */
};

/** Fill @m. */
void wm_dp_mem(struct wm_dp *dp, struct wm_dp_mem *m);

/**
 * Every flow's directions at rest now, as if they had been idle past
 * the grace: retained bytes all acknowledged and forwarded are given
 * back (what the ageing sweep does for idle flows; the benchmark
 * measures an idle flow's cost with it). Returns the bytes given back.
 */
uint64_t wm_dp_rest(struct wm_dp *dp);

#endif /* WM_DATAPATH_H */
