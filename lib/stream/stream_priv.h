/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/stream: what its files share. stream.c takes segments
 * and connection life and answers reassembly (struct wm_reasm_ops);
 * stream_scan.c scans, confirms and masks; stream_hold.c holds packets
 * back, releases them and acts on hold timeouts.
 */
#ifndef STREAM_PRIV_H
#define STREAM_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "wm_stream.h"

/* The engine's state of @f (wm_stream_flow_of(), shorter). */
static inline struct wm_stream_flow *
sflow(struct wm_flow *f)
{
	return wm_stream_flow_of(f);
}

/* The cold part of direction @d (wm_stream_dcold(), shorter). */
static inline struct wm_stream_dcold *
dcold(const struct wm_stream_dir *d)
{
	return wm_stream_dcold(d);
}

/* The cold part of @f (the shared empty one until stream_cold_get()). */
static inline struct wm_stream_cold *
fcold(struct wm_flow *f)
{
	return wm_stream_cold_of(sflow(f));
}

/* ---- stream_cold.c ---- */

/*
 * Give @f a cold part of its own before anything of it is written.
 * False, counted stream.cold_full, when the pool is dry.
 */
bool stream_cold_get(struct wm_stream_ctx *ctx, struct wm_flow *f);
/* The shared empty cold part (read-only: a write to it faults). */
struct wm_stream_cold *cold_empty(void);
/* Make both directions of @sf point into @c. */
void cold_attach(struct wm_stream_flow *sf, struct wm_stream_cold *c);
/* Give @sf's cold part back to the pool, whatever it holds (released). */
void cold_put(struct wm_stream_ctx *ctx, struct wm_stream_flow *sf);

/*
 * How long @m was held, in us, for the held-time statistics: a multiply,
 * no division per packet (never short; over by at most 1 us per 2^32
 * clock units).
 */
static inline uint64_t
stream_held_us(const struct wm_stream_ctx *ctx, struct rte_mbuf *m)
{
	uint64_t t = ctx->now - wm_pkt_meta(m)->arrival_tsc;

	return (uint64_t)(((unsigned __int128)t * ctx->us_mul) >> 32);
}

/* The class that holds non-data packets: they never decide on their own. */
static inline unsigned int
stream_class_last(const struct wm_stream_ctx *ctx)
{
	return ctx->nclass - 1;
}

/*
 * Did a value starting at @start leave in clear? Bytes before released
 * have left; those of a tail decided at a hold timeout left masked as
 * far as a value there would be.
 */
static inline bool
stream_leaked(const struct wm_stream_dir *d, uint64_t start)
{
	return start < d->r.released &&
	       !((d->flags & WM_STREAM_DECIDED) && start >= d->tmo_start);
}

/*
 * May nothing in [start, end) of @d be modified? An encrypted flow
 * (TLS, SSH) or a region the protocol stage protects (SMTP envelope).
 */
static inline bool
stream_protected(struct wm_flow *f, const struct wm_stream_dir *d,
		 uint64_t start, uint64_t end)
{
	return wm_proto_protected(&fcold(f)->proto) ||
	       (!(d->flags & WM_STREAM_ANCHOR) && start < dcold(d)->prot_end &&
		end > dcold(d)->prot_start);
}

/* ---- stream_anchor.c ---- */

/** The protocol stage's anchors in @po, bytes fed from wire offset @base. */
void stream_anchor_feed(struct wm_stream_ctx *ctx, struct wm_flow *f,
			struct wm_stream_dir *d, const struct wm_proto_out *po,
			uint64_t base);
/** An open anchor of @d ends here (its message ended). */
void stream_anchor_close(struct wm_stream_dir *d);
/** Newest bytes of @d an open anchor holds (ctx: counts outgrown ones). */
size_t stream_anchor_hold(struct wm_stream_ctx *ctx, struct wm_stream_dir *d);
/**
 * Value of rule @ri masked from @off: inside an anchor, mask its bytes
 * from the anchor's start too.
 */
void stream_anchor_extend(struct wm_stream_ctx *ctx, struct wm_flow *f,
			  struct wm_stream_dir *d, uint32_t ri, uint64_t off);
/** Hold timeout: an open anchor's held bytes leave masked; bytes masked. */
uint64_t stream_anchor_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
			      struct wm_stream_dir *d);

/* ---- stream_view.c ---- */

/* Decoded bytes a view keeps: a confirm window plus a scan step. */
#define VIEW_HIST (2 * WM_DETECT_WINDOW)
#define VIEW_STEP WM_DETECT_WINDOW
#define VIEW_SPLITS 8
#define VIEW_UNIT_MAX 6         /* wire bytes of the longest escape */

/* An escape cut by chunk framing: k wire bytes at at, the rest at gap. */
struct wm_view_split {
	uint64_t at;
	uint64_t gap;
	uint8_t k;
};

struct wm_view {
	hs_stream_t *hs;        /* of the policy's database, kept */
	const struct wm_match_db *db;
	struct wm_view *next;   /* free list */
	uint64_t n;             /* decoded bytes so far (view offsets) */
	uint64_t hs_base;       /* view offset where the scan began */
	uint64_t last_enc;      /* view offset after the last encoding */
	uint64_t wire_next;     /* wire offset after the last byte's, or
				 * UINT64_MAX after a separator */
	uint64_t tmo_from;      /* wire offset from which a hold timeout
				 * left the view's pending bytes masked */
	uint64_t probe_end;     /* view offset where the values of
				 * probe_rules end (stream_view_tmo.c) */
	uint32_t probe_rules;
	struct {                /* an escape cut at the tail, decided at a
				 * hold timeout (stream_view_tmo.c): */
		uint64_t at;    /* its first wire byte (UINT64_MAX: none) */
		uint8_t n;      /* its bytes that left, as they left */
		uint8_t left[VIEW_UNIT_MAX];
		uint8_t m;      /* the byte it decodes to once whole */
		uint8_t done;   /* its rest written */
	} tmo_esc;
	struct wm_view_split split[VIEW_SPLITS]; /* a ring */
	uint8_t nsplit;
	uint16_t hist_len;
	uint8_t active;         /* scanning (an encoding is near) */
	uint8_t hist[VIEW_HIST];
	uint8_t wlen[VIEW_HIST];
	uint64_t woff[VIEW_HIST];
};

/*
 * Does @v hold every decoded byte, scanning or not? A chunked body's
 * view does (its framing is the encoding); the others skip to escapes.
 */
static inline bool
stream_view_whole(const struct wm_view *v)
{
	return v->hist_len != 0 &&
	       (v->wlen[v->hist_len - 1] & WM_PROTO_WLEN_FRAMED);
}

struct wm_view_pool *stream_view_pool_create(uint32_t cap);
void stream_view_pool_free(struct wm_view_pool *p);
/** Bytes the views of @p have taken. */
size_t stream_view_bytes(const struct wm_view_pool *p);
/** Give @d's view back (after stream_view_end(), or dropping it). */
void stream_view_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d);
/** The @nview decoded bytes in ctx->view of wire bytes from @base. */
int stream_view_feed(struct wm_stream_ctx *ctx, struct wm_flow *f,
		     struct wm_stream_dir *d, uint64_t base, uint32_t nview);
/** The view's region or message ended: judge its end, give it back. */
int stream_view_end(struct wm_stream_ctx *ctx, struct wm_flow *f,
		    struct wm_stream_dir *d);
/** @d's view, one got for it if it has none (NULL: none to be had). */
struct wm_view *stream_view_get(struct wm_stream_ctx *ctx, struct wm_flow *f,
				struct wm_stream_dir *d);
/** Newest wire bytes of @d the view's pending decoded bytes begin at. */
size_t stream_view_pending(const struct wm_flow *f,
			   const struct wm_stream_dir *d);
/**
 * Newest wire bytes of @d the view may still find a value in: its
 * pending decoded bytes, or an escape cut at the tail (stream_view_tmo.c).
 */
size_t stream_view_hold(const struct wm_flow *f, const struct wm_stream_dir *d);
/** Does [s, e) of @d touch an escape's wire bytes (current batch or view)? */
bool stream_view_escaped(const struct wm_stream_ctx *ctx,
			 const struct wm_stream_dir *d, uint64_t s, uint64_t e);
/** Is the view of @d (non-NULL) scanning? */
bool stream_view_active(const struct wm_stream_dir *d);
/**
 * First wire offset of @d the view decides at a hold timeout: what it
 * covers while scanning, an escape cut at the tail (UINT64_MAX: none).
 */
uint64_t stream_view_from(const struct wm_flow *f,
			  const struct wm_stream_dir *d);
/*
 * The wire bytes that encode masked byte @m in an escape (or byte) of
 * view_wlen @wl, into @b: how many (0: a separator, never written).
 */
unsigned int stream_view_unit(uint8_t wl, uint8_t m,
			      uint8_t b[VIEW_UNIT_MAX]);
/** Put @b, the @len wire bytes of view byte @i of @v, where held. */
void stream_view_unit_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
			  const struct wm_view *v, unsigned int i,
			  const uint8_t *b, unsigned int len);
/**
 * Write masked byte @m for view byte @i of @v into the wire; nothing
 * (counted mask.escape_left) when its escape began to leave as it came.
 */
void stream_view_write(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		       const struct wm_view *v, unsigned int i, uint8_t m);

/* ---- stream_view_tmo.c ---- */

/** Wire bytes from an escape cut at @d's tail that a mask may reach. */
size_t stream_view_esc_hold(const struct wm_flow *f,
			    const struct wm_stream_dir *d);
/** First wire byte of the escape cut at @d's tail (UINT64_MAX: none). */
uint64_t stream_view_esc_from(const struct wm_flow *f,
			      const struct wm_stream_dir *d);
/**
 * Hold timeout: judge the view's tail as a message end would (its
 * end-of-data probe), mask what may still become a value, encoded as
 * the wire has it, and decide an escape cut at the tail whole; bytes
 * masked. A drop rule may block @f.
 */
uint64_t stream_view_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
			    struct wm_stream_dir *d);
/** View bytes [@from, hist_len) of @v came: a decided escape ends whole. */
void stream_view_tmo_complete(struct wm_stream_ctx *ctx,
			      struct wm_stream_dir *d, struct wm_view *v,
			      unsigned int from);

/** A reload: @d's view goes on with @db, primed with its history. */
int stream_view_rebind(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		       const struct wm_match_db *db);
/** A reload: close the streams of the views not in use. */
void stream_view_pool_unpool(struct wm_view_pool *p);

/* ---- stream_hold.c ---- */

/**
 * Every byte of the @len bytes @h that may still begin a value (the
 * last ones each rule's hold asks for, at most @cap), masked in @out as
 * far as its rule would mask it (wm_mask_prefix) where @out has not
 * changed it already: what a hold timeout leaves of a tail, raw or
 * decoded. Returns where the first byte any rule holds lies in @h
 * (@len: none is held).
 */
size_t stream_prefix_decide(const struct wm_policy_conf *pc, const uint8_t *h,
			    size_t len, size_t cap, uint8_t *out);
/** This lcore's probe stream for @db (opened at its first use), or NULL. */
hs_stream_t *stream_probe(struct wm_stream_ctx *ctx,
			  const struct wm_match_db *db);
/*
 * The values a hold timeout's probe judged, of the rules in *@rules and
 * ending at @probe_end (the raw stream's or a view's own offsets):
 *
 * stream_probe_claim(): is the value of rule @ri ending at @end one of
 * them? Then it is counted now, once, and not judged again.
 * stream_probe_expire(): at offset @at (or the stream's @end), those
 * not found again are past their terminators: counted collateral.
 */
bool stream_probe_claim(struct wm_stream_ctx *ctx, const struct wm_flow *f,
			uint32_t *rules, uint64_t probe_end, uint32_t ri,
			uint64_t end);
void stream_probe_expire(struct wm_stream_ctx *ctx, uint32_t *rules,
			 uint64_t probe_end, uint64_t at, bool end);

/** Hold @m in @d, in hold class @cls, from @now. */
void stream_held_add(struct wm_stream_ctx *ctx, struct wm_flow *f,
		     struct wm_stream_dir *d, struct rte_mbuf *m, uint64_t now,
		     unsigned int cls);

/** The hold class for new held bytes of @d (@early: after a write ended). */
unsigned int stream_hold_class(const struct wm_stream_ctx *ctx,
			       struct wm_flow *f, const struct wm_stream_dir *d,
			       bool early);

/**
 * Decide @d's held tail now as a hold timeout's "mask" does (values at
 * it masked, what may begin one masked as far as its operator would).
 * False when a drop rule blocked the flow.
 */
bool stream_tail_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
			struct wm_stream_dir *d);

/** Emit the held packets of @d ending at or before @upto; how many. */
unsigned int stream_release(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
			    uint64_t upto);

/** Drop @m, counted as @c. */
void stream_drop(struct wm_stream_ctx *ctx, struct rte_mbuf *m,
		 enum wm_counter c);

/** Drop what @d holds and has queued, counted as @c. */
void stream_discard(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		    enum wm_counter c);

/** Fail closed for the rest of @f: nothing more of it leaves. */
void stream_block(struct wm_stream_ctx *ctx, struct wm_flow *f,
		  enum wm_counter c);

/* ---- stream_scan.c ---- */

/*
 * The confirm window of @d ending at @end, whose last @n bytes are not
 * yet in the history: up to WM_DETECT_WINDOW bytes into @win, history
 * first. Returns how many.
 */
size_t stream_window(const struct wm_stream_dir *d, const uint8_t *end,
		     size_t n, uint8_t win[WM_DETECT_WINDOW]);

/*
 * The history of @d as detectors see it (@len bytes): d->win, or in
 * @buf a full window when the history was cut (WM_STREAM_HIST_CUT).
 */
const uint8_t *stream_hist_view(const struct wm_stream_dir *d,
				uint8_t buf[WM_DETECT_WINDOW], size_t *len);

/** Count a value of rule @ri found (masked, or left by an alert rule). */
void stream_value_count(struct wm_stream_ctx *ctx, const struct wm_flow *f,
			uint32_t ri);

/** Hyperscan's match callback: collects (rule, end) into ctx->match. */
int stream_on_match(unsigned int id, unsigned long long end, void *arg);

/** Write masked bytes @val for [start, end) of @d where they are held. */
void stream_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		uint64_t start, uint64_t end, const uint8_t *val);

/*
 * stream_put() for a value judged now (@orig its bytes, @val masked),
 * counting one whose start had left. Only the bytes its mask changes are
 * written: masks add up, so a value that overlaps one masked before
 * (an SSN inside a list of digits) never puts back what that one hid.
 */
void stream_dir_write(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		      uint64_t start, uint64_t end, const uint8_t *orig,
		      const uint8_t *val);

/*
 * The @n bytes of @d at stream offset @off are judged where they lie:
 * masks inside them wait until stream_defer_flush() writes them.
 */
void stream_defer_start(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
			uint64_t off, uint32_t n);

/** Every match of the chunk is judged: its masks go into the packet. */
void stream_defer_flush(struct wm_stream_ctx *ctx);

/**
 * What rule @ri makes of value @val: true with its masked bytes in
 * @out; false for alert and drop (which blocks @f). Counted with @count.
 */
bool stream_value_mask(struct wm_stream_ctx *ctx, struct wm_flow *f,
		       uint32_t ri, const uint8_t *val, uint8_t *out,
		       uint32_t len, bool count);

/**
 * Report, count and mask value @val (rule @ri, wire offset @off, @len
 * bytes; @late: its start left in clear) into @out: false when nothing
 * is to be written (alert, drop, or where nothing may change).
 */
bool stream_value_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
			 struct wm_stream_dir *d, uint32_t ri, uint64_t off,
			 const uint8_t *val, uint32_t len, bool late,
			 uint8_t *out);

/** Newest bytes of @d that may begin a value not yet ended. */
size_t stream_dir_hold(const struct wm_flow *f, const struct wm_stream_dir *d);

/** Done judging @d: keep a history window if @hold > 0; false if none. */
bool stream_win_detach(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		       size_t hold);

/** End of @d's stream: judge its end, emit what is held up to @upto. */
void stream_dir_flush(struct wm_stream_ctx *ctx, struct wm_flow *f,
		      struct wm_stream_dir *d, uint64_t upto);

/** Judge new bytes of @m (its first @skip judged before); hold or emit. */
void stream_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
		  struct wm_stream_dir *d, struct rte_mbuf *m, uint32_t skip,
		  uint64_t now);


/* ---- stream_fix.c ---- */

/** A Kafka batch's CRC at @at covers the @len bytes after it. */
void stream_fix_open(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		     uint64_t at, uint32_t len);

/**
 * The open batch of @d is judged to its end: write its CRC over the
 * bytes as they leave (@ok: it matched as it came), let its CRC packets
 * go. 0, or -EPIPE when the bytes were not had (the flow is blocked).
 */
int stream_fix_end(struct wm_stream_ctx *ctx, struct wm_flow *f,
		   struct wm_stream_dir *d, bool ok);

/** Does @m, about to leave, carry the open CRC? Then it waits (taken). */
bool stream_fix_pin(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		    struct rte_mbuf *m);

/** @d ended inside a batch: its CRC packets leave as they are. */
void stream_fix_flush(struct wm_stream_ctx *ctx, struct wm_stream_dir *d);
/**
 * A batch whose CRC packet waited longer than the hold limit: its sender
 * waits for that packet's ACK (its window is full), so the batch never
 * ends. The pins leave as they are (kafka.crc_stalled), the batch's end
 * is forged to match (stream_fix.c).
 */
void stream_fix_stall(struct wm_stream_ctx *ctx, struct wm_stream_flow *sf);

/** Drop the CRC packets of @d, counted as @c. */
void stream_fix_discard(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
			enum wm_counter c);

/* ---- stream_hole.c ---- */
/** Judge @n payload bytes of @m from @pos alone (a skipped hole's). */
int stream_hole_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
		      struct wm_stream_dir *d, struct rte_mbuf *m,
		      uint32_t pos, uint32_t n);

/* ---- stream_rebind.c ---- */
/**
 * Open a stream on @db into *@hs that has seen the @n bytes of @hist
 * (their matches ignored: judged before). 0 or < 0.
 */
int stream_prime(struct wm_stream_ctx *ctx, const struct wm_match_db *db,
		 hs_stream_t **hs, const uint8_t *hist, size_t n);

/**
 * The last message end of @d was none (lib/proto: WM_PROTO_ACT_UNEND):
 * its end-of-data byte leaves the history and the stream is primed
 * again without it, so a value across it is found. 0 or < 0.
 */
int stream_msg_unend(struct wm_stream_ctx *ctx, struct wm_flow *f,
		     struct wm_stream_dir *d);

#endif /* STREAM_PRIV_H */
