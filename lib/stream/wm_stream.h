/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-order stream engine: scans each direction's payload in stream
 * order with Hyperscan, confirms matches with the detectors, masks values
 * in the packets that carry them (also across packets), fixes checksums
 * incrementally and releases packets only once they are judged.
 *
 * The hold-back rule: after each packet, every detector of the policy
 * says how many of the newest stream bytes may begin a value that has
 * not ended yet; packets carrying those bytes are held. They leave when
 * later bytes decide (the value ends, or cannot be one), at FIN/RST or
 * flow expiry (flush: the end of stream terminates every value), or when
 * the hold timeout passes (a value that completes later is then a
 * late match: counted, and masked from the first byte still held).
 *
 * Until out-of-order reassembly exists, a segment that is not the next
 * in order (a gap before it, or bytes already judged) is dropped and
 * counted: never forwarded unjudged.
 */
#ifndef WM_STREAM_H
#define WM_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "wm_flow.h"
#include "wm_pkt.h"
#include "wm_stats.h"

/* Per-packet state, kept in the mbuf's private area (no allocation). */
struct wm_pkt_meta {
	struct wm_pkt_info pi;          /* parse result */
	struct rte_mbuf *next;          /* next held packet, same direction */
	struct rte_mbuf *gprev;         /* held packets of the lcore, */
	struct rte_mbuf *gnext;         /* in arrival order */
	struct wm_flow *flow;           /* set while held */
	uint64_t arrival_tsc;
	uint64_t stream_off;            /* offset of the first payload byte */
	uint32_t hash;                  /* flow hash (picks the worker) */
	uint16_t out_port;
	uint8_t segment;
	uint8_t dir;
};

static inline struct wm_pkt_meta *
wm_pkt_meta(struct rte_mbuf *m)
{
	return (struct wm_pkt_meta *)rte_mbuf_to_priv(m);
}

/* Bytes scanned per Hyperscan call (bounds the match buffer). */
#define WM_STREAM_CHUNK 2048
#define WM_STREAM_MATCH_MAX 8192

typedef void (*wm_stream_emit_t)(struct rte_mbuf *m, void *arg);

struct wm_stream_match {
	uint32_t rule;
	uint64_t end;
};

/* Per-lcore engine state. */
struct wm_stream_ctx {
	hs_scratch_t *scratch;
	struct wm_stats *stats;
	uint64_t hold_tsc;              /* hold timeout in TSC cycles */
	wm_stream_emit_t emit;          /* where judged packets go */
	void *emit_arg;
	struct rte_mbuf *held_first;    /* oldest held packet of the lcore */
	struct rte_mbuf *held_last;
	uint32_t nmatch;
	uint32_t match_max;             /* set per scan: never overflows */
	struct wm_stream_match match[WM_STREAM_MATCH_MAX];
	uint8_t chunk[WM_STREAM_CHUNK]; /* original bytes of the chunk */
};

/** Prepare @ctx for one lcore; @scratch is that lcore's Hyperscan scratch. */
void wm_stream_ctx_init(struct wm_stream_ctx *ctx, hs_scratch_t *scratch,
			struct wm_stats *stats, uint64_t hold_tsc,
			wm_stream_emit_t emit, void *emit_arg);

/** A new flow @f judged by @policy (streams from the pool are reset). */
void wm_stream_flow_init(struct wm_flow *f, const struct wm_policy *policy,
			 uint8_t segment);

/**
 * Judge one TCP segment of flow @f (meta(m) holds its parse result and
 * direction). Takes ownership of @m: it is emitted now, held, or dropped
 * and counted. Returns true when the connection has ended (RST, or FIN
 * both ways) and the caller should delete the flow; it was flushed.
 */
bool wm_stream_segment(struct wm_stream_ctx *ctx, struct wm_flow *f,
		       struct rte_mbuf *m, uint64_t now);

/** Release what has been held longer than the hold timeout. */
void wm_stream_expire(struct wm_stream_ctx *ctx, uint64_t now);

/**
 * End both directions of @f: values at the end of a stream are judged,
 * everything held is masked as needed and emitted.
 */
void wm_stream_flow_flush(struct wm_stream_ctx *ctx, struct wm_flow *f);

/** Packets held by this lcore right now. */
static inline bool
wm_stream_holding(const struct wm_stream_ctx *ctx)
{
	return ctx->held_first != NULL;
}

#endif /* WM_STREAM_H */
