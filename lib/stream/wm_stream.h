/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-order stream engine: scans each direction's payload in stream
 * order with Hyperscan, confirms matches with the detectors, masks values
 * in the packets that carry them (also across packets), fixes checksums
 * incrementally and releases packets only once they are judged.
 *
 * What it owns: a flow's state in the flow table's area (struct
 * wm_stream_flow: per direction the Hyperscan stream, pooled with the
 * entry and reset for the next flow, the history window, the held
 * packets and the hold-timeout state, with reassembly's part embedded),
 * and per lcore the hold lists, the end-of-data probes and the scan
 * buffers (struct wm_stream_ctx, which holds reassembly's context too).
 * Bytes reach it in order from wm_reasm, which calls back through
 * struct wm_reasm_ops to have them judged.
 *
 * The hold-back rule: after each packet, every detector of the policy
 * says how many of the newest stream bytes may begin a value that has
 * not ended yet; packets carrying those bytes are held. They leave when
 * later bytes decide (the value ends, or cannot be one), at FIN/RST or
 * flow expiry (flush: the end of stream terminates every value), or when
 * the hold time passes. A timeout decides, it does not just release
 * (fail.hold_timeout "mask"):
 *
 *   held tail  ... card=4111 1111 1111 1111 |   (sender paused)
 *   1. probe: a copy of the Hyperscan stream sees the end of data;
 *      values complete at the tail are masked by their operator
 *      (mask.at_timeout), the real stream is left as it was;
 *   2. what may still become a value leaves masked as far as a value
 *      starting there would be (partial keeps its first digits, the rest
 *      is filled: stream.hold_masked bytes): "4111 11** **** ****";
 *   3. a value that completes later is masked where still held
 *      (mask.after_timeout); one the probe masked that later bytes turn
 *      into no value is collateral (mask.timeout_collateral).
 *
 * How long: the hold time follows the flow's round trip as seen here
 * (data to the peer's ACK, both directions, delayed ACKs included, Karn's
 * rule; the handshake until data is timed): twice it plus hold_min,
 * rounded up to a power-of-two class, at most hold_time (also the hold
 * of a flow not timed yet). After the end of a write (PSH) that the peer
 * has acknowledged up to the held bytes, only bytes that ACK makes the
 * sender send can still come: the sender's side of the round trip (and
 * a quarter) plus hold_min. A new HTTP message after a decided tail ends
 * that tail's values in the real stream as well.
 *
 * Reassembly (wm_reasm) keeps the rest of the rule that no byte leaves
 * before it is judged: a segment beyond a gap waits in a bounded queue,
 * a retransmission or overlap of judged bytes is rewritten to them (the
 * first copy wins), a hole never filled is skipped after the gap timeout
 * or when the flow or the run ends (the stream ends there and scanning
 * restarts at the next byte held), and every limit has its configured
 * action and counter.
 */
#ifndef WM_STREAM_H
#define WM_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "wm_config.h"
#include "wm_detect.h"
#include "wm_flow.h"
#include "wm_pkt.h"
#include "wm_proto.h"
#include "wm_reasm.h"
#include "wm_segment.h"
#include "wm_stats.h"

/*
 * Stage profiling (wiremask-bench) for the stream engine and the worker:
 * no rdtsc unless a struct wm_prof is given.
 */
static inline uint64_t
wm_prof_start(const struct wm_prof *p)
{
	return unlikely(p != NULL) ? rte_rdtsc() : 0;
}

/* Add the cycles since @t0 to @stage; returns now (the next stage's t0). */
static inline uint64_t
wm_prof_stop(struct wm_prof *p, enum wm_stage stage, uint64_t t0)
{
	uint64_t t;

	if (likely(p == NULL))
		return 0;
	t = rte_rdtsc();
	p->cycles[stage] += t - t0;
	return t;
}

/* Direction flags of the engine (struct wm_stream_dir). */
#define WM_STREAM_BROKEN 0x01   /* Hyperscan error: fail closed */
#define WM_STREAM_DECIDED 0x02  /* a hold timeout decided a tail: from
				 * tmo_start on, bytes left masked as far
				 * as a value there would be */
#define WM_STREAM_HIST_CUT 0x04 /* the history no longer reaches back to
				 * the stream's start (only the tail was
				 * kept): detectors see it as a full
				 * window (stream_hist_view) */
#define WM_STREAM_ANCHOR 0x08   /* [prot_start, prot_end) is an anchor
				 * (stream_anchor.c), not protected */

/* Bytes of an anchored header value held until it ends, at most. */
#define WM_STREAM_ANCHOR_MAX 8192

/* Stream bytes a direction keeps at rest: context for the next packet. */
#define WM_STREAM_TAIL 64

/*
 * One direction of a connection, as the flow entry keeps it for the
 * flow's whole life: its reassembly (sequence space, round trip;
 * wm_reasm) and what the engine needs to judge its next bytes in order:
 *
 *   stream offset:  0 ......... r.released ......... r.offset
 *                   [ forwarded ][ held packets      ] r.next_seq ->
 *   history: the last bytes before r.offset (original bytes, for
 *   confirming matches that span packets): WM_WIN_BYTES of them in a
 *   pooled window while a value may be pending (hold > 0), else the
 *   last WM_STREAM_TAIL in tail[] (a value cannot reach further back;
 *   the context before it can: WM_STREAM_HIST_CUT tells detectors that
 *   bytes came before, so output never depends on where a stream is cut).
 *
 * What it needs only while bytes are in flight (queue, retained bytes,
 * timeouts, regions, probes, the Kafka CRC, the decoded view) is in its
 * cold part (struct wm_stream_dcold, wm_stream_dcold()), the protocol
 * stage's state in the flow's (struct wm_stream_cold).
 */
struct wm_stream_dir {
	struct wm_reasm_dir r;      /* reassembly's part; r.c: the cold part */
	uint64_t hs_base;           /* offset where the Hyperscan stream began */
	struct rte_mbuf *held_head; /* held packets, by end offset */
	struct rte_mbuf *held_tail;
	uint8_t *win;               /* pooled history window, or NULL */
	hs_stream_t *hs;            /* kept across flows, reset on reuse */
	uint64_t tmo_start;         /* WM_STREAM_DECIDED: see tmo_end */
	uint16_t hist_len;          /* bytes in win, or in tail when no win */
	uint8_t flags;
	uint8_t pad;
	uint16_t eod_at;            /* the last message end's offset, low
				 * bits (stream_msg_unend) */
	uint8_t tail[WM_STREAM_TAIL];
};

/*
 * A direction's state while bytes are in flight (empty at rest). The
 * reassembly part comes first: r.c of the direction points to it.
 */
struct wm_stream_dcold {
	struct wm_reasm_cold r;
	/*
	 * Hold timeouts (WM_STREAM_DECIDED): the undecided tail
	 * [tmo_start, tmo_end) left masked (tmo_start stays with the
	 * direction: values starting there never count as leaked); values
	 * found complete there by the probe (rules in probe_rules, ending
	 * at probe_end) are not judged again when the real stream reaches
	 * them.
	 */
	uint64_t tmo_end;
	/*
	 * The protocol stage's last region, [prot_start, prot_end),
	 * prot_end UINT64_MAX while it lasts: never modified (SMTP's
	 * envelope), or with WM_STREAM_ANCHOR an anchor (a header value
	 * masked whole: Authorization credentials, a cookie's value).
	 */
	uint64_t prot_start;
	uint64_t prot_end;
	uint64_t probe_end;
	/*
	 * An open Kafka batch CRC (stream_fix.c): the field's 4 bytes at
	 * fix_at cover the fix_len bytes after them; the packets carrying
	 * it wait in pin_head (off the hold lists) until the batch's last
	 * byte is judged and the CRC of the bytes as they leave is written.
	 */
	uint64_t fix_at;
	struct rte_mbuf *pin_head;
	struct wm_view *view;       /* decoded view near encodings, or NULL */
	uint32_t probe_rules;
	uint32_t fix_len;
	uint8_t fix_open;
};

/*
 * A flow's cold part: a block of the lcore's pool
 * (wm_stream_cold_pool_create()), taken when the flow first needs it (a
 * segment with bytes, a SYN, a FIN) and given back when it rests
 * (wm_stream_flow_rest()). Until then both directions point to a
 * shared empty one that is never written.
 */
struct wm_stream_cold {
	/* dir[0] first: wm_stream_cold_of() */
	_Alignas(WM_FLOW_LINE) struct wm_stream_dcold dir[2];
	struct wm_proto_flow proto;         /* the protocol stage's */
	uint64_t syn_t;             /* SYN and SYN-ACK seen (handshake round */
	uint64_t synack_t;          /* trips), 0 if not */
};

/*
 * The engine's state of a flow, in the flow entry's area (wm_flow knows
 * only its size): both directions, the Hyperscan streams (pooled with
 * the entry) and, while the cold part is given back, what the protocol
 * stage needs to take up again (wm_proto_flow_rest()).
 */
struct wm_stream_flow {
	struct wm_stream_dir dir[2];
	const struct wm_match_db *hs_db; /* database the dir[].hs belong to */
	uint8_t proto_rest[2];      /* the protocol stage at rest */
};

_Static_assert(sizeof(struct wm_stream_flow) <= WM_FLOW_AREA_BYTES &&
	       sizeof(struct wm_stream_flow) + 64 > WM_FLOW_AREA_BYTES,
	       "the flow area fits the engine's state, not much more");
_Static_assert(_Alignof(struct wm_stream_flow) <= 8, "the area is 8-aligned");

/* The engine's state of @f. */
static inline struct wm_stream_flow *
wm_stream_flow_of(struct wm_flow *f)
{
	return (struct wm_stream_flow *)(void *)f->area;
}

/* The cold part of direction @d (the shared empty one if none). */
static inline struct wm_stream_dcold *
wm_stream_dcold(const struct wm_stream_dir *d)
{
	return (struct wm_stream_dcold *)(void *)d->r.c;
}

/* The cold part of the flow @sf (the shared empty one if none). */
static inline struct wm_stream_cold *
wm_stream_cold_of(const struct wm_stream_flow *sf)
{
	return (struct wm_stream_cold *)(void *)sf->dir[0].r.c;
}

/* The shared empty cold part (read-only) of flows that have none. */
extern const struct wm_stream_cold wm_stream_cold_none;

/* Has @sf a cold part of its own? */
static inline bool
wm_stream_flow_cold(const struct wm_stream_flow *sf)
{
	return sf->dir[0].r.c != &wm_stream_cold_none.dir[0].r;
}

/**
 * A per-lcore pool of @n cold parts, made at start-up (wm_slots_free()
 * it once every flow using it is released); NULL with errno on failure.
 */
struct wm_slots *wm_stream_cold_pool_create(uint32_t n);


/* Bytes scanned per Hyperscan call (bounds the match buffer). */
#define WM_STREAM_CHUNK 2048
#define WM_STREAM_MATCH_MAX 8192

typedef void (*wm_stream_emit_t)(struct rte_mbuf *m, void *arg);

struct wm_stream_match {
	uint32_t rule;
	uint64_t end;
};

/* Hold-time classes: hold_min << class, the last one hold_time. */
#define WM_HOLD_CLASSES 16

/* Limits and actions, in the caller's clock units (TSC or capture us). */
struct wm_stream_conf {
	uint64_t hold_time;             /* hold-back limit */
	uint64_t hold_min;              /* hold after the end of a write;
					 * 0: always hold_time (no classes) */
	uint64_t ticks_per_us;          /* clock units per microsecond */
	uint32_t views;                 /* decoded views per lcore (0: 1024) */
	uint32_t colds;                 /* flows' cold parts per lcore (0:
					 * 1024): flows with bytes in flight
					 * at once; past it, stream.cold_full */
	enum wm_fail_action hold_timeout;
	struct wm_reasm_conf reasm;     /* reassembly's (gaps, queue, memcap) */
};

/* A masking decision, for the event log: never carries the value's bytes
 * except for a keyed fingerprint computed by the receiver. */
struct wm_stream_event {
	const struct wm_flow *flow;
	uint8_t dir;
	uint8_t late;               /* start had already left in clear */
	uint8_t at_timeout;         /* judged by a hold timeout's probe */
	uint8_t protect;            /* where nothing may change: not masked */
	uint16_t rule;              /* index in the flow's policy */
	uint64_t offset;            /* stream offset of the value */
	uint32_t len;
	const uint8_t *value;       /* original bytes: fingerprint only */
};

typedef void (*wm_stream_event_t)(void *arg, const struct wm_stream_event *e);

/* Per-lcore engine state. */
struct wm_stream_ctx {
	hs_scratch_t *scratch;
	struct wm_stats *stats;
	const struct wm_stream_conf *conf;
	struct wm_slots *win_pool;   /* history windows (hold > 0) */
	struct wm_slots *cold; /* flows' cold parts (NULL: none
					   * can be had) */
	struct wm_view_pool *views;     /* decoded views (stream_view.c) */
	wm_stream_emit_t emit;          /* where judged packets go */
	void *emit_arg;
	wm_stream_event_t event;        /* masking decisions, or NULL */
	void *event_arg;
	struct wm_token_ctx *tok;       /* keyed operators, per lcore */
	const char *const *segment_names; /* tweak "segment" */
	struct wm_prof *prof;           /* cycles per stage, or NULL */
	bool proto_off;                 /* no protocol stage: raw stream only
					 * (wiremask-bench's comparison) */
	struct wm_pkt_list held[WM_HOLD_CLASSES]; /* held, per class by
						   * arrival */
	uint64_t class_time[WM_HOLD_CLASSES];
	uint64_t us_mul;                /* 2^32 / conf->ticks_per_us, up: clock
					 * units to us without a division */
	unsigned int nclass;
	uint64_t now;                   /* time of the current call */
	struct {                        /* end-of-data probes, per database */
		const struct wm_match_db *db;
		hs_stream_t *hs;
	} probe[WM_CONFIG_MAX_POLICIES];
	uint32_t nmatch;
	uint32_t match_max;             /* set per scan: never overflows */
	/*
	 * The chunk being judged (stream_scan.c): scanned and confirmed
	 * where its bytes lie, in the packet, so what values in it mask
	 * waits in chunk[] (the bytes marked in chunk_dirty, [dirty_lo,
	 * dirty_hi)) until every match of the chunk is judged on the
	 * original bytes; then it is written into the packet.
	 */
	const uint8_t *scan_src;        /* the chunk's original bytes */
	struct wm_stream_dir *defer_dir; /* whose masks wait, or NULL */
	uint64_t defer_off;             /* stream offset of the chunk */
	uint32_t defer_n;
	uint32_t dirty_lo, dirty_hi;
	uint64_t chunk_dirty[WM_STREAM_CHUNK / 64];
	struct wm_reasm_ctx reasm;      /* this lcore's TCP reassembly */
	struct wm_stream_match match[WM_STREAM_MATCH_MAX];
	uint8_t chunk[WM_STREAM_CHUNK]; /* masks waiting for the chunk */
	uint8_t view[WM_STREAM_CHUNK];  /* the protocol stage's decoded */
	int32_t view_off[WM_STREAM_CHUNK]; /* view of the bytes fed */
	uint8_t view_wlen[WM_STREAM_CHUNK];
	uint64_t view_base;             /* the batch in view[]: its wire */
	uint32_t view_n;                /* offsets from here, bytes, and */
	uint32_t view_nsplit;           /* its escapes cut by framing */
	struct {
		int32_t at;
		int32_t gap_at;
		uint8_t k;
	} view_split[WM_PROTO_MAX_EDITS];
	uint32_t nanchor;               /* anchors that ended in the batch */
	struct {                        /* (the last is also the dir's) */
		uint64_t start;
		uint64_t end;
	} anchor[WM_PROTO_MAX_ANCHORS];
	uint8_t win[WM_WIN_BYTES];      /* history of the direction being
					 * judged when it has no window */
	uint8_t hole[UINT16_MAX + 2];   /* late bytes of a skipped hole */
};

/**
 * Prepare @ctx for one lcore: @scratch is that lcore's Hyperscan scratch,
 * @conf and the pools outlive it. @wins bounds how many directions may
 * have a value pending at once (conf->memcap decides past it).
 */
void wm_stream_ctx_init(struct wm_stream_ctx *ctx, hs_scratch_t *scratch,
			struct wm_stats *stats,
			const struct wm_stream_conf *conf,
			struct wm_rb_pool *pool, struct wm_slots *wins,
			wm_stream_emit_t emit, void *emit_arg);

/** Free what @ctx allocated itself (probe streams, pools). */
void wm_stream_ctx_fini(struct wm_stream_ctx *ctx);

/** What the engine of one lcore holds beyond its flow entries. */
struct wm_stream_mem {
	uint64_t cold_bytes;        /* cold parts of flows, in use */
	uint64_t view_bytes;        /* decoded views made (pooled, reused) */
	uint64_t held_pkts;         /* packets held back */
	uint64_t held_bytes;        /* ... their frames' bytes */
	uint64_t queued_pkts;       /* segments queued beyond a gap */
	uint64_t queued_bytes;      /* ... their payload bytes */
};

/** Fill @m (walks the held lists: for reports, not per packet). */
void wm_stream_mem(const struct wm_stream_ctx *ctx, struct wm_stream_mem *m);

/**
 * Start the engine's state of a new flow @f (just added to its table),
 * judged by @policy: the streams pooled in the entry are reset.
 */
void wm_stream_flow_init(struct wm_flow *f, const struct wm_policy *policy,
			 uint8_t segment);

/**
 * @f may rest: when nothing of it is in flight (every byte forwarded,
 * retained bytes given back, nothing held, queued or pinned, no open
 * region, view or decided tail) and the protocol stage can take up
 * again from a summary, its cold part goes back to the pool. Returns
 * whether @f has none left.
 */
bool wm_stream_flow_rest(struct wm_stream_ctx *ctx, struct wm_flow *f);

/** Has @f carried payload yet, in either direction? */
bool wm_stream_flow_has_data(const struct wm_flow *f);

/**
 * Close the Hyperscan streams pooled in every entry of @t, in use or
 * not (before wm_flow_table_free()). NULL is allowed.
 */
void wm_stream_table_fini(struct wm_flow_table *t);

/**
 * Judge one TCP segment of flow @f (meta(m) holds its parse result and
 * direction). Takes ownership of @m: it is emitted now, held, queued, or
 * dropped and counted. A connection that ends (RST, FIN both ways) is
 * flushed and marked f->closed; the caller ages it out later, so late
 * retransmissions are still rewritten.
 */
void wm_stream_segment(struct wm_stream_ctx *ctx, struct wm_flow *f,
		       struct rte_mbuf *m, uint64_t now);

/**
 * wm_stream_segment() for a pure ACK (ACK set, no SYN, FIN or RST; no
 * payload) of flow @f, in fewer steps: the peer's retained bytes are
 * trimmed, its round trip sampled, its window noted, and @m leaves (or
 * waits for the held bytes it acknowledges). False, with nothing done,
 * when the flow needs more (a handshake still timed, a blocked flow, a
 * Kafka batch pinned): then wm_stream_segment() judges it.
 */
bool wm_stream_ack(struct wm_stream_ctx *ctx, struct wm_flow *f,
		   struct rte_mbuf *m, uint64_t now);

/**
 * Act on time: decide (or release, or drop, per policy) what has been
 * held longer than its hold time; skip holes older than the gap timeout.
 */
void wm_stream_expire(struct wm_stream_ctx *ctx, uint64_t now);

/**
 * End both directions of @f: holes are skipped, queued segments judged,
 * values at the end of a stream judged, and everything emitted.
 */
void wm_stream_flow_flush(struct wm_stream_ctx *ctx, struct wm_flow *f);

/** Flush @f and give back its retained bytes (before wm_flow_del). */
void wm_stream_flow_release(struct wm_stream_ctx *ctx, struct wm_flow *f);

/*
 * A configuration reload, on the lcore that owns @ctx, between bursts:
 * first wm_stream_ctx_rebind() with a scratch that fits the new
 * databases, then wm_stream_flow_rebind() for every flow in use and
 * wm_stream_flow_unpool() for every other entry. Afterwards nothing of
 * @ctx refers to the old policies' databases (they may be freed).
 */

/** Use @scratch from now on; drop the probe and pooled view streams. */
void wm_stream_ctx_rebind(struct wm_stream_ctx *ctx, hs_scratch_t *scratch);

/**
 * Go on judging @f under @policy (which masks: a database) in @segment:
 * each direction's new Hyperscan stream is primed with the history it
 * keeps and scans from its next in-order byte; held packets stay held
 * (stream_rebind.c draws it).
 */
void wm_stream_flow_rebind(struct wm_stream_ctx *ctx, struct wm_flow *f,
			   const struct wm_policy *policy, uint8_t segment);

/**
 * Stop judging @f though its connection goes on (its segment masks
 * nothing after a reload): held tails are decided as a hold timeout's
 * "mask" would, then everything is flushed (wm_stream_flow_release()).
 */
void wm_stream_flow_end(struct wm_stream_ctx *ctx, struct wm_flow *f);

/** Close the Hyperscan streams pooled in the unused entry @f. */
void wm_stream_flow_unpool(struct wm_flow *f);

#endif /* WM_STREAM_H */
