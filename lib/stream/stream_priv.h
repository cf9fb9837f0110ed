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
/** Newest wire bytes of @d the view may still find a value in. */
size_t stream_view_hold(const struct wm_flow *f, const struct wm_stream_dir *d);
/** Does [s, e) of @d touch an escape's wire bytes (current batch or view)? */
bool stream_view_escaped(const struct wm_stream_ctx *ctx,
			 const struct wm_stream_dir *d, uint64_t s, uint64_t e);
/** Is the view of @d (non-NULL) scanning? */
bool stream_view_active(const struct wm_stream_dir *d);
/** First wire offset the view of @d covers (UINT64_MAX: none). */
uint64_t stream_view_from(const struct wm_stream_dir *d);
/**
 * Hold timeout: mask what the view may still find a value in (encoded
 * as the wire has it: raw masking would break escapes); bytes masked.
 */
uint64_t stream_view_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
			    struct wm_stream_dir *d);

/** A reload: @d's view goes on with @db, primed with its history. */
int stream_view_rebind(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		       const struct wm_match_db *db);
/** A reload: close the streams of the views not in use. */
void stream_view_pool_unpool(struct wm_view_pool *p);

/* ---- stream_hold.c ---- */

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
