/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly, one direction at a time. What this module owns:
 *
 *  - a direction's sequence space (struct wm_reasm_dir): where its next
 *    byte in order goes (next_seq, and its stream offset), a bounded
 *    queue of the segments beyond a gap, the holes it skipped, a FIN
 *    that waits for a gap, what the peer acknowledged and the round trip
 *    measured from it;
 *  - the bytes already judged (struct wm_rbuf), as they were or will be
 *    forwarded, kept until the peer acknowledges them: a retransmission
 *    or overlap is rewritten to them, so the first copy wins and a
 *    masked value is masked the same way every time;
 *  - the per-packet state in the mbuf's private area (struct
 *    wm_pkt_meta): reassembly is the first stage that keeps packets;
 *  - pools: retained-byte blocks and history windows, per worker.
 *
 * It judges nothing itself: new bytes in order, late bytes of a skipped
 * hole and the end of a stream (before a hole, at a FIN) go to the stage
 * above through struct wm_reasm_ops (the stream engine), which holds
 * what it has judged and advances offset and released as it goes.
 *
 *   stream offset: 0 ..... acked ...... released ...... offset
 *                  [ acknowledged ][ forwarded ][ held  ]| hole |[ queued ]
 *                   rb: [ judged bytes, until acked and forwarded ]
 *   sequence:                                     next_seq       ooo_head
 *
 * Retained bytes:
 *
 *   stream offset:   base ................................. end
 *                    [blk 0: BLOCK bytes][blk 1 ]...[tail: partly used]
 *   trim(acked) frees whole blocks below the peer's ACK (the newest
 *   stays); once every byte is acknowledged and the direction has been
 *   idle past a grace of a few round trips, rest gives back the rest;
 *   the per-direction limit evicts from the head; the per-worker pool
 *   bounds the total (memcap). Blocks come from a per-worker pool, grown in
 *   slabs up to its limit and reused through a free list.
 */
#ifndef WM_REASM_H
#define WM_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "wm_config.h"
#include "wm_pkt.h"
#include "wm_stats.h"

#define WM_RB_BLOCK 2032        /* bytes per block (block = 2 KiB) */

struct wm_rb_block;

/* A per-worker pool of blocks. */
struct wm_rb_pool {
	struct wm_rb_block *free;
	uint64_t max_blocks;
	uint64_t nblocks;       /* allocated so far (free + in use) */
	uint64_t in_use;
	void **slabs;           /* allocations, freed with the pool */
	uint64_t nslabs;
	uint64_t slab_cap;
};

/* One direction's retained bytes: [base, end); base is head->off. */
struct wm_rbuf {
	struct wm_rb_block *head;
	struct wm_rb_block *tail;
	uint64_t base;
	uint64_t end;
};

/** Pool of at most @max_bytes (rounded down to blocks); NULL with errno. */
struct wm_rb_pool *wm_rb_pool_create(uint64_t max_bytes);

/** Free a pool and every block; buffers using it must be dropped first. */
void wm_rb_pool_free(struct wm_rb_pool *pool);

/** Bytes of blocks in use. */
uint64_t wm_rb_pool_used(const struct wm_rb_pool *pool);

/** Make @rb empty at stream offset @off, returning its blocks. */
void wm_rb_reset(struct wm_rb_pool *pool, struct wm_rbuf *rb, uint64_t off);

/**
 * Append @n bytes at rb->end. Past @limit bytes retained, blocks are
 * evicted from the head (returns how many bytes, >= 0). When the pool
 * is exhausted the buffer is emptied at the new end and -ENOMEM is
 * returned: earlier bytes can no longer be rewritten.
 */
int64_t wm_rb_append(struct wm_rb_pool *pool, struct wm_rbuf *rb,
		     const uint8_t *p, uint32_t n, uint64_t limit);

/**
 * Ask the cache, for writing, for where the next @n bytes appended to
 * @rb go: the room left in its tail block, then the block @pool gives
 * next. Nothing is allocated or changed. The copy of each segment's
 * payload otherwise waits for lines of a block last written many
 * packets ago, one read for ownership at a time.
 */
void wm_rb_prefetch(const struct wm_rb_pool *pool, const struct wm_rbuf *rb,
		    uint32_t n);

/** Copy [off, off + n) to @out; false (nothing copied) unless all retained. */
bool wm_rb_read(const struct wm_rbuf *rb, uint64_t off, uint32_t n,
		uint8_t *out);

/** Overwrite the retained part of [off, off + n) with @p (masking). */
void wm_rb_write(struct wm_rbuf *rb, uint64_t off, const uint8_t *p,
		 uint32_t n);

/**
 * Release whole blocks that end at or before @off (the peer's ACK); the
 * newest block is kept, so recent bytes can still be rewritten.
 */
void wm_rb_trim(struct wm_rb_pool *pool, struct wm_rbuf *rb, uint64_t off);

/** Bytes of the blocks @rb holds (2 KiB each, headers included). */
uint64_t wm_rb_blocks_bytes(const struct wm_rbuf *rb);

/*
 * Confirm windows: the last WM_WIN_BYTES stream bytes of a direction,
 * needed between packets only while a value may be pending there (the
 * detectors' hold is not zero). A per-worker pool of such slots
 * (struct wm_slots, wm_common.h), so a flow at rest carries none.
 */
#define WM_WIN_BYTES 256

/* ---- packets ---- */

/*
 * Per-packet state, kept in the mbuf's private area (no allocation).
 * Each stage writes only its own fields: the data path the parse result
 * and routing, reassembly the queue links and offsets, the stream
 * engine the hold class, wm_frag the output fragment size.
 */
struct wm_pkt_meta {
	/*
	 * What every packet's path reads and writes comes first: with the
	 * parse result it fills the first two cache lines; a packet that
	 * is not held or queued uses no third one (the datapath prefetches
	 * all three with the headers: most segments with bytes are held).
	 */
	uint32_t hash;                  /* flow hash (picks the worker) */
	uint16_t out_port;
	uint8_t segment;
	uint8_t dir;
	struct {
		uint16_t size;          /* > 0: split into IP payloads of this
					 * size on output (wm_frag) */
		uint32_t ident;         /* IPv6 Fragment header id, as sent */
	} frag;                         /* owned by wm_frag; size 0 otherwise */
	struct wm_pkt_info pi;          /* parse result */
	uint8_t hold_class;             /* while held: the engine's list */
	uint8_t held;                   /* held past the call that judged it */
	struct rte_mbuf *next;          /* next held or queued packet, same
					 * direction */
	struct rte_mbuf *gprev;         /* held or queued packets of the */
	struct rte_mbuf *gnext;         /* lcore, in arrival order */
	void *owner;                    /* the flow, while held or queued */
	uint64_t arrival_tsc;
	uint64_t stream_off;            /* offset of the first payload byte */
};

_Static_assert(offsetof(struct wm_pkt_meta, pi) + sizeof(struct wm_pkt_info) <=
	       128, "a packet's routing and parse result fit two cache lines");

/*
 * The private area mbuf pools give each mbuf for its meta: whole cache
 * lines, so that a frame after the standard headroom starts on a line
 * and its Ethernet, IPv4 and TCP headers (54 bytes) lie in one. (At
 * sizeof rounded to 8 they began 32 bytes into a line: the TCP header
 * in a second line, a second miss of every cold frame.)
 */
#define WM_PKT_PRIV_SIZE \
	RTE_ALIGN_CEIL(sizeof(struct wm_pkt_meta), RTE_CACHE_LINE_SIZE)

_Static_assert(sizeof(struct rte_mbuf) % RTE_CACHE_LINE_SIZE == 0 &&
	       RTE_PKTMBUF_HEADROOM % RTE_CACHE_LINE_SIZE == 0,
	       "mbuf, private area and headroom in whole lines: frames on one");


static inline struct wm_pkt_meta *
wm_pkt_meta(struct rte_mbuf *m)
{
	return (struct wm_pkt_meta *)rte_mbuf_to_priv(m);
}

/* Sequence number of @m's first payload byte. */
static inline uint32_t
wm_reasm_pkt_seq(struct rte_mbuf *m)
{
	const struct wm_pkt_info *pi = &wm_pkt_meta(m)->pi;

	/* SYN data (TCP Fast Open) starts after the SYN. */
	return pi->seq + ((pi->tcp_flags & WM_TCP_SYN) ? 1 : 0);
}

/* Stream offset just past @m's payload (once stream_off is set). */
static inline uint64_t
wm_reasm_pkt_end(struct rte_mbuf *m)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);

	return pm->stream_off + pm->pi.payload_len;
}

/* Packets of an lcore in arrival order (held, or queued beyond a gap). */
struct wm_pkt_list {
	struct rte_mbuf *first;
	struct rte_mbuf *last;
};

/* Append @m to @l (through its gprev/gnext links). */
static inline void
wm_reasm_list_append(struct wm_pkt_list *l, struct rte_mbuf *m)
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

/* Take @m out of @l. */
static inline void
wm_reasm_list_unlink(struct wm_pkt_list *l, struct rte_mbuf *m)
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

/**
 * Make @n bytes of @m's TCP payload, from payload offset @pos, equal to
 * @src, updating the TCP checksum (and a VXLAN outer UDP one) for the
 * bytes that change. The payload may span mbuf segments. Returns how
 * many bytes changed.
 */
uint32_t wm_reasm_pkt_write(struct rte_mbuf *m, uint32_t pos,
			    const uint8_t *src, uint32_t n);

/* ---- TCP reassembly ---- */

/* Limits and actions, in the caller's clock units (TSC or capture us). */
struct wm_reasm_conf {
	uint64_t gap_time;              /* a hole older than this is skipped */
	uint32_t ooo_segments;          /* per direction */
	uint32_t ooo_bytes;             /* per direction */
	uint64_t ooo_worker_bytes;      /* per lcore */
	uint32_t ooo_worker_segments;   /* per lcore: each pins an mbuf */
	uint64_t retain_bytes;          /* per direction */
	/*
	 * A direction whose bytes are all acknowledged and forwarded gives
	 * its retained bytes back once it has been idle this long, or four
	 * of its round trips if longer (wm_reasm_rest_due()).
	 */
	uint64_t retain_grace;
	enum wm_fail_action ooo_full;
	enum wm_fail_action memcap;     /* also: no history window left */
	enum wm_fail_action gap;
};

/* Direction flags. */
#define WM_REASM_SEQ_KNOWN 0x01   /* next_seq is valid */
#define WM_REASM_FIN 0x02         /* FIN seen: the direction has ended */
#define WM_REASM_FIN_PENDING 0x04 /* FIN seen beyond a gap, at fin_seq */
#define WM_REASM_SAMPLE 0x08      /* timing a data segment until its ACK */
#define WM_REASM_SYN_SEEN 0x10    /* its SYN was seen: wscale is known */
#define WM_REASM_WSCALE 0x20      /* its SYN offered window scaling */
#define WM_REASM_WND_EXACT 0x40   /* wnd read with both SYNs seen */
#define WM_REASM_RESTED 0x80      /* its retained bytes were given back
				   * at rest (wm_reasm_rest) */

/*
 * What a direction keeps only while it has bytes in flight: its queue
 * beyond a gap, the bytes it retains until they are acknowledged, the
 * last hole it skipped and a round-trip sample. Empty at rest, so the
 * stage above keeps it apart from the flow entry (lib/stream: a pooled
 * block, given back when the flow rests) and struct wm_reasm_dir points
 * to it. Until a direction is given one it points to an empty one that
 * must not be written (the stage above attaches a block before any
 * segment that carries bytes, a SYN or a FIN).
 */
struct wm_reasm_cold {
	struct wm_rbuf rb;          /* judged bytes until the peer ACKs */
	/*
	 * Late bytes of the last hole skipped, as they left: the hole's
	 * first bytes in order, from its start (hole_rb.end is how far
	 * they came); a later copy is rewritten to them.
	 */
	struct wm_rbuf hole_rb;
	struct rte_mbuf *ooo_head;  /* queued segments, by sequence */
	uint64_t keep;              /* retained bytes from here stay, however
				 * acknowledged (0: none; the stream
				 * engine's, a Kafka batch it forges) */
	uint64_t sample_t;          /* WM_REASM_SAMPLE: when it left */
	uint32_t sample_seq;        /* WM_REASM_SAMPLE: ACK that ends it */
	uint32_t hole_seq;          /* the last hole skipped: its bytes, */
	uint32_t hole_len;          /* if they come late, are judged alone */
	uint32_t ooo_bytes;
	uint16_t ooo_segs;          /* queued beyond a gap */
};

/*
 * One direction of a connection (see the drawing above): what it keeps
 * for its whole life, in the flow entry. The judge (struct
 * wm_reasm_ops) advances offset as it scans new bytes and released as
 * the packets it held leave; everything else is this module's.
 */
struct wm_reasm_dir {
	uint64_t offset;            /* bytes judged: offset of next_seq */
	uint64_t released;          /* bytes forwarded (< offset while held) */
	uint64_t acked;             /* offset the peer has acknowledged */
	/*
	 * Round trip of this direction's bytes (clock units): from a data
	 * segment leaving to the peer's ACK of it coming back, the peer's
	 * delayed ACK included; the SYN's answer until data is timed.
	 * 0: not measured yet.
	 */
	uint64_t rtt;
	uint32_t next_seq;
	uint32_t fin_seq;           /* WM_REASM_FIN_PENDING */
	/*
	 * The largest receive window the peer offered this direction, in
	 * bytes (0: none seen). A segment further than it beyond next_seq
	 * lies outside any window the receiver accepts: it must not open
	 * a hole (reasm.out_of_window).
	 */
	uint32_t wnd;
	uint8_t flags;
	uint8_t wscale;             /* WM_REASM_WSCALE: its SYN's shift */
	struct wm_reasm_cold *c;    /* in flight (never NULL, see above) */
};

/*
 * What reassembly asks of the stage above, for direction @d of the flow
 * @owner (@arg: the context's ops_arg).
 */
struct wm_reasm_ops {
	/*
	 * Bytes in order: @m carries payload from stream offset d->offset -
	 * @skip; its first @skip bytes were judged before (and rewritten).
	 * Judge the rest, advancing d->offset as they are scanned and
	 * d->next_seq once they are; hold or emit @m (it is taken).
	 */
	void (*judge)(void *arg, void *owner, struct wm_reasm_dir *d,
		      struct rte_mbuf *m, uint32_t skip, uint64_t now);
	/*
	 * The @n payload bytes of @m from @pos belong to a skipped hole and
	 * come for the first time: judge them on their own (they lie at
	 * stream offset stream_off + @pos) and mask them in @m. Returns
	 * @n, 0 when the direction judges nothing more (a scan error),
	 * -EPIPE when a drop rule blocked the flow or -EIO; @m stays the
	 * caller's.
	 */
	int (*hole)(void *arg, void *owner, struct wm_reasm_dir *d,
		    struct rte_mbuf *m, uint32_t pos, uint32_t n);
	/*
	 * @m adds nothing in order (a repeat of judged bytes, or an ACK of
	 * held ones): it leaves with the held bytes of @d up to its
	 * stream_off, or now when they have left (the judge may still keep
	 * a repeat that carries bytes not final yet: a Kafka batch CRC).
	 */
	void (*wait)(void *arg, void *owner, struct wm_reasm_dir *d,
		     struct rte_mbuf *m, uint64_t now);
	/*
	 * A hole of @gap bytes at d->offset will not be filled: end the
	 * stream there (judge its end, emit what precedes the hole) and
	 * start afresh at d->offset + @gap.
	 */
	void (*skip)(void *arg, void *owner, struct wm_reasm_dir *d,
		     uint32_t gap);
	/* @d has ended (its FIN is in order): judge the end, emit it all. */
	void (*fin)(void *arg, void *owner, struct wm_reasm_dir *d);
};

typedef void (*wm_reasm_emit_t)(struct rte_mbuf *m, void *arg);

/* Bytes per read of retained bytes (and per blanking). */
#define WM_REASM_CHUNK 2048

/* Per-lcore state. */
struct wm_reasm_ctx {
	const struct wm_reasm_conf *conf;
	struct wm_stats *stats;
	struct wm_rb_pool *pool;        /* retained bytes of every flow */
	const struct wm_reasm_ops *ops;
	void *ops_arg;
	wm_reasm_emit_t emit;           /* where packets leave */
	void *emit_arg;
	struct wm_pkt_list ooo;         /* beyond a gap, by arrival */
	uint64_t ooo_bytes;             /* queued by this lcore */
	uint32_t ooo_segs;
	uint8_t buf[WM_REASM_CHUNK];    /* retained bytes read back */
};

/**
 * A limit was reached for @m, or it cannot be judged: only an explicit
 * "forward" lets it pass unjudged (to @rc's emit, counted @fwd); every
 * other action drops it (counted @dropped). The one place that decides.
 */
void wm_reasm_fail(struct wm_reasm_ctx *rc, struct rte_mbuf *m,
		   enum wm_fail_action a, enum wm_counter fwd,
		   enum wm_counter dropped);

/**
 * Prepare @rc for one lcore. @conf (read at each use) and @pool outlive
 * it; @ops judge what comes in order, @emit forwards packets.
 */
void wm_reasm_ctx_init(struct wm_reasm_ctx *rc,
		       const struct wm_reasm_conf *conf, struct wm_stats *stats,
		       struct wm_rb_pool *pool, const struct wm_reasm_ops *ops,
		       void *ops_arg, wm_reasm_emit_t emit, void *emit_arg);

/**
 * A SYN at @seq: the direction's sequence starts there (no bytes yet).
 * @wscale: its window scale option, WM_PKT_NO_WSCALE if none.
 */
void wm_reasm_syn(struct wm_reasm_dir *d, uint32_t seq, uint8_t wscale);

/**
 * A segment of @d (flags @syn: a SYN) offers @win, as on the wire, to
 * the other direction @peer: scaled by @d's shift when both SYNs agreed
 * on scaling (never in a SYN), it bounds how far beyond a gap @peer's
 * segments may lie.
 */
static inline void
wm_reasm_window(struct wm_reasm_dir *peer, const struct wm_reasm_dir *d,
		uint16_t win, bool syn)
{
	uint32_t w = win;

	/* RFC 7323: a SYN's window is never scaled. */
	if (!syn && (d->flags & peer->flags & WM_REASM_WSCALE))
		w <<= d->wscale;
	if (d->flags & peer->flags & WM_REASM_SYN_SEEN)
		peer->flags |= WM_REASM_WND_EXACT;
	peer->wnd = RTE_MAX(peer->wnd, w);
}

/**
 * A segment of @d, flow @owner, with payload (the sequence of its first
 * byte is @seq); takes @m. A direction seen first here is picked up
 * mid-stream. Beyond a gap, @m is queued (its FIN waits with it) and
 * false is returned; beyond the receiver's window it is dropped
 * (reasm.out_of_window), and false is returned too. Otherwise its bytes judged before are rewritten to
 * what was judged, the rest and then the queued segments it reaches are
 * judged in order (ops->judge), and true is returned.
 */
bool wm_reasm_segment(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		      void *owner, struct rte_mbuf *m, uint32_t seq,
		      uint64_t now);

/** Is @seq the next byte of @d (or is its sequence not known yet)? */
static inline bool
wm_reasm_at_next(const struct wm_reasm_dir *d, uint32_t seq)
{
	return !(d->flags & WM_REASM_SEQ_KNOWN) || seq == d->next_seq;
}

/*
 * Sequence number of the byte at stream offset d->offset: next_seq,
 * less the one the FIN consumed once it is in order.
 */
static inline uint32_t
wm_reasm_seq_end(const struct wm_reasm_dir *d)
{
	return d->next_seq - ((d->flags & WM_REASM_FIN) ? 1u : 0u);
}

/**
 * A FIN of @d at @seq (just past its payload). In order, the direction
 * ends (ops->fin). Beyond a gap it waits for the bytes before it: @m, a
 * packet with no payload of its own (NULL once its payload went on), is
 * queued until then and true is returned (@m taken); beyond the
 * receiver's window it is dropped (true too).
 */
bool wm_reasm_fin(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		  void *owner, struct rte_mbuf *m, uint32_t seq, uint64_t now);

/** A round-trip sample @t for @d: rise at once, fall slowly (1/8). */
void wm_reasm_rtt_sample(struct wm_reasm_dir *d, uint64_t t);

/**
 * Give back @d's retained bytes that the peer acknowledged (up to
 * @acked) and that have left (wm_reasm_ack() calls it when any are
 * retained).
 */
void wm_reasm_trim(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		   uint64_t acked);

/**
 * The peer acknowledged @d up to @ack: ends a round-trip sample, and
 * retained bytes no longer needed (acknowledged and forwarded) are
 * given back.
 */
static inline void
wm_reasm_ack(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d, uint32_t ack,
	     uint64_t now)
{
	int32_t behind = (int32_t)(d->next_seq - ack);
	uint64_t acked;

	if ((d->flags & WM_REASM_SAMPLE) &&
	    (int32_t)(ack - d->c->sample_seq) >= 0) {
		d->flags &= (uint8_t)~WM_REASM_SAMPLE;
		wm_reasm_rtt_sample(d, now - d->c->sample_t);
	}
	if (!(d->flags & WM_REASM_SEQ_KNOWN) || behind < 0 ||
	    (uint64_t)behind > d->offset)
		return;
	acked = d->offset - (uint64_t)behind;
	d->acked = RTE_MAX(d->acked, acked);
	if (d->c->rb.head != NULL || d->c->hole_rb.head != NULL)
		wm_reasm_trim(rc, d, acked);
}

/**
 * An ACK must not overtake the bytes it acknowledges: when @m (no
 * payload) acknowledges bytes of @d that are still held or queued, it
 * waits with them (ops->wait) and true is returned (@m taken). A
 * receiver cannot acknowledge what it has not received, but a replayed
 * capture can show it so.
 */
bool wm_reasm_ack_wait(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		       void *owner, struct rte_mbuf *m, uint32_t ack,
		       uint64_t now);

/** Time @d's bytes up to next_seq until their ACK, unless timing already. */
static inline void
wm_reasm_rtt_start(struct wm_reasm_dir *d, uint64_t now)
{
	if (d->flags & WM_REASM_SAMPLE)
		return;
	d->flags |= WM_REASM_SAMPLE;
	d->c->sample_seq = d->next_seq;
	d->c->sample_t = now;
}

/**
 * The oldest segment queued on this lcore, if it has waited beyond a gap
 * for gap_time or longer (its meta holds owner and dir); else NULL.
 */
struct rte_mbuf *wm_reasm_gap_expired(const struct wm_reasm_ctx *rc,
				      uint64_t now);

/**
 * A hole before @d's first queued segment will not be filled: the
 * stream ends before it (ops->skip), the hole is counted and skipped,
 * and what is queued is judged from the next byte held. A value cut in
 * two by the hole cannot be recognised; nothing leaves unscanned. Bytes
 * of the hole that turn up later, in order from its start, are judged on
 * their own (ops->hole) and retained as they left: a later copy is
 * rewritten to them. Late bytes beyond those that came are dropped
 * (reasm.gap_late_ooo) until the bytes before them come.
 */
void wm_reasm_gap_skip(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		       void *owner, uint64_t now);

/** The flow ends: skip every hole left in @d, judging all it queued. */
void wm_reasm_flush(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		    void *owner);

/** Drop every segment @d has queued, counted as @c. */
void wm_reasm_discard(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		      enum wm_counter c);

/** The flow is over: give back @d's retained bytes (nothing queued). */
void wm_reasm_dir_fini(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d);

/**
 * Has @d been idle long enough (@idle clock units since its flow's
 * last packet) to give back its retained bytes: the grace, at least
 * four round trips (a spurious retransmission comes within a few)?
 */
static inline bool
wm_reasm_rest_due(const struct wm_reasm_ctx *rc, const struct wm_reasm_dir *d,
		  uint64_t idle)
{
	uint64_t grace = d->rtt * 4;

	if (grace < rc->conf->retain_grace)
		grace = rc->conf->retain_grace;
	return idle >= grace &&
	       (d->c->rb.head != NULL || d->c->hole_rb.head != NULL);
}

/**
 * @d is at rest: when every byte it retains was acknowledged and
 * forwarded and nothing is queued, give all of them back (an idle flow
 * then costs its entry and Hyperscan state only). A later
 * retransmission of those bytes cannot be rewritten: it meets
 * fail.memcap (drop by default: nothing different from what left
 * before ever leaves), counted reasm.retransmit_rested. Returns the
 * bytes of blocks given back (0: not at rest).
 */
uint64_t wm_reasm_rest(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d);

/**
 * Keep @n bytes just judged at the end of @d (as they will leave) for
 * rewriting retransmissions; counted when the limits evict or refuse.
 */
void wm_reasm_retain(struct wm_reasm_ctx *rc, struct wm_reasm_dir *d,
		     const uint8_t *p, uint32_t n);

/** wm_rb_prefetch() for the next @n bytes wm_reasm_retain() keeps of @d. */
void wm_reasm_retain_prefetch(const struct wm_reasm_ctx *rc,
			      const struct wm_reasm_dir *d, uint32_t n);

#endif /* WM_REASM_H */
