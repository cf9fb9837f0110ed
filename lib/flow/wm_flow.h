/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table. A flow is one TCP connection as seen on one
 * bump-in-the-wire link: both directions share one entry (the key is
 * canonical: the lower endpoint first) and the tags that tell colliding
 * connections apart (VLAN IDs, VNI) are part of the key.
 *
 * Fixed size, chosen at start-up: entries come from a free list, nothing
 * is allocated per packet. Hyperscan streams stay with their entry when
 * a flow ends and are reset for the next flow (a pool).
 *
 *   buckets[hash & mask] -> flow idx+1 -> flows[i].next -> ... -> 0
 */
#ifndef WM_FLOW_H
#define WM_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "wm_detect.h"
#include "wm_pkt.h"
#include "wm_reasm.h"
#include "wm_segment.h"

struct rte_mbuf;

struct wm_flow_key {
	uint8_t addr[2][16];    /* [0] is the lower (addr, port) endpoint */
	uint16_t port[2];
	uint32_t vni;           /* WM_FLOW_NO_VNI when not VXLAN */
	uint16_t vlan[2];       /* outer frame's tags, WM_FLOW_NO_VLAN if absent */
	uint16_t link;          /* port pair the flow crosses */
	uint8_t family;         /* 4 or 6 */
	uint8_t pad;
};

#define WM_FLOW_NO_VNI 0xffffffffu
#define WM_FLOW_NO_VLAN 0xffffu

/* Direction state flags. */
#define WM_DIR_SEQ_KNOWN 0x01   /* next_seq is valid */
#define WM_DIR_FIN 0x02         /* FIN seen: the direction has ended */
#define WM_DIR_BROKEN 0x04      /* Hyperscan error: fail closed */
#define WM_DIR_FIN_PENDING 0x08 /* FIN seen beyond a gap, at fin_seq */
#define WM_DIR_DECIDED 0x10     /* a hold timeout decided a tail: from
				 * tmo_start on, bytes left masked as far
				 * as a value there would be */
#define WM_DIR_SAMPLE 0x20      /* timing a data segment until its ACK */

/* Stream bytes a direction keeps at rest: context for the next packet. */
#define WM_FLOW_TAIL 32

/*
 * One direction of a connection:
 *
 *   stream offset:  0 ......... released ......... offset
 *                   [ forwarded ][ held packets    ] next_seq ->
 *   history: the last bytes before offset (original bytes, for
 *   confirming matches that span packets): WM_WIN_BYTES of them in a
 *   pooled window while a value may be pending (hold > 0), else the
 *   last WM_FLOW_TAIL in tail[] (a value cannot reach further back).
 */
struct wm_flow_dir {
	uint64_t offset;            /* bytes scanned = offset of next_seq */
	uint64_t released;          /* bytes forwarded (< offset while held) */
	uint64_t hs_base;           /* offset where the Hyperscan stream began */
	uint32_t next_seq;
	uint16_t hist_len;          /* bytes in win, or in tail when no win */
	uint8_t flags;
	uint8_t pad;
	uint32_t fin_seq;           /* WM_DIR_FIN_PENDING */
	uint32_t hole_seq;          /* the last hole skipped: its bytes, */
	uint32_t hole_len;          /* if they come late, are judged alone */
	uint16_t ooo_segs;          /* queued beyond a gap */
	uint16_t pad2;
	uint32_t ooo_bytes;
	struct rte_mbuf *ooo_head;  /* queued segments, by sequence */
	struct rte_mbuf *held_head; /* held packets, by end offset */
	struct rte_mbuf *held_tail;
	struct wm_rbuf rb;          /* judged bytes until the peer ACKs */
	/*
	 * Hold timeouts (WM_DIR_DECIDED): the undecided tail [tmo_start,
	 * tmo_end) left masked; values found complete there by the probe
	 * (rules in probe_rules, ending at probe_end) are not judged again
	 * when the real stream reaches them.
	 */
	uint64_t tmo_start;
	uint64_t tmo_end;
	uint64_t probe_end;
	uint32_t probe_rules;
	/*
	 * Round trip of this direction's bytes (clock units): from a data
	 * segment leaving to the peer's ACK of it coming back, the peer's
	 * delayed ACK included; the SYN's answer until data is timed.
	 * 0: not measured yet.
	 */
	uint64_t acked;             /* offset the peer has acknowledged */
	uint32_t sample_seq;        /* WM_DIR_SAMPLE: ACK that ends it */
	uint64_t sample_t;
	uint64_t rtt;
	uint8_t *win;               /* pooled history window, or NULL */
	uint8_t tail[WM_FLOW_TAIL];
	hs_stream_t *hs;            /* kept across flows, reset on reuse: last */
};

struct wm_flow {
	struct wm_flow_key key;
	uint32_t hash;
	uint32_t next;              /* bucket chain / free list, idx+1 */
	uint64_t last_tsc;          /* last packet seen */
	uint64_t syn_t;             /* SYN and SYN-ACK seen (handshake round */
	uint64_t synack_t;          /* trips), 0 if not */
	const struct wm_policy *policy;
	const struct wm_match_db *hs_db; /* database the dir[].hs belong to */
	uint8_t segment;
	uint8_t in_use;
	uint8_t closed;             /* FIN both ways or RST: closed timeout */
	uint8_t blocked;            /* a drop policy fired: drop the rest */
	struct wm_flow_dir dir[2];
};

struct wm_flow_table {
	uint32_t size;              /* entries */
	uint32_t nused;
	uint32_t mask;              /* buckets - 1 */
	uint32_t free_head;         /* idx+1 */
	uint32_t sweep;             /* next entry the idle sweep visits */
	uint32_t *buckets;
	struct wm_flow *flows;
};

/**
 * Build the key of a parsed TCP packet crossing link @link; sets *dir
 * to 0 when the packet travels from key endpoint 0 to endpoint 1, else 1.
 * The same connection gives the same key in both directions.
 */
void wm_flow_key_make(const struct wm_pkt_info *pi, uint16_t link,
		      struct wm_flow_key *key, uint8_t *dir);

/** Hash of a key (symmetric because the key is canonical). */
uint32_t wm_flow_hash(const struct wm_flow_key *key);

/** Table of @size flows; NULL with errno on failure. */
struct wm_flow_table *wm_flow_table_create(uint32_t size);

/**
 * Free a table. Every flow must have been flushed by the caller; their
 * Hyperscan streams are closed here.
 */
void wm_flow_table_free(struct wm_flow_table *t);

/** The flow with @key, or NULL. */
struct wm_flow *wm_flow_lookup(struct wm_flow_table *t,
			       const struct wm_flow_key *key, uint32_t hash);

/**
 * Insert a new flow (the caller checked it is absent). Returns it zeroed
 * except for key, hash, in_use and the pooled Hyperscan streams; NULL
 * with errno ENOSPC when the table is full.
 */
struct wm_flow *wm_flow_add(struct wm_flow_table *t,
			    const struct wm_flow_key *key, uint32_t hash);

/** Remove @f from the table; its entry (and streams) return to the pool. */
void wm_flow_del(struct wm_flow_table *t, struct wm_flow *f);

/**
 * Round-robin walk for ageing: the next in-use flow after the cursor,
 * visiting at most *budget entries (decremented per entry); NULL when
 * the budget is spent.
 */
struct wm_flow *wm_flow_next(struct wm_flow_table *t, uint32_t *budget);

#endif /* WM_FLOW_H */
