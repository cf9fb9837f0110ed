/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Retained stream bytes: what a direction has judged, as it was (or will
 * be) forwarded, kept until the peer acknowledges it. A retransmission
 * or an overlap of those bytes is rewritten to them, so the first copy
 * wins: a sender cannot get other bytes through by sending them again,
 * and a masked value is masked the same way every time.
 *
 *   stream offset:   base ................................. end
 *                    [blk 0: BLOCK bytes][blk 1 ]...[tail: partly used]
 *   trim(acked) frees whole blocks below the peer's ACK; the per-
 *   direction limit evicts from the head; the per-worker pool bounds
 *   the total (memcap).
 *
 * No EAL: blocks come from a per-worker pool, grown in slabs up to its
 * limit and reused through a free list.
 */
#ifndef WM_REASM_H
#define WM_REASM_H

#include <stdbool.h>
#include <stdint.h>

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

/* One direction's retained bytes: [base, end). */
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

/*
 * Confirm windows: the last WM_WIN_BYTES stream bytes of a direction,
 * needed between packets only while a value may be pending there (the
 * detectors' hold is not zero). A per-worker pool of fixed slots, so a
 * flow at rest carries none. No EAL.
 */
#define WM_WIN_BYTES 256

struct wm_win_pool {
	uint8_t *mem;           /* n slots, pages touched only when used */
	void *free;             /* free list through the slots */
	uint32_t n;
	uint32_t fresh;         /* slots never used yet: [fresh, n) */
	uint32_t in_use;
	uint32_t peak;
};

/** Pool of @n windows; NULL with errno on failure. */
struct wm_win_pool *wm_win_pool_create(uint32_t n);

void wm_win_pool_free(struct wm_win_pool *pool);

/** A window of WM_WIN_BYTES bytes, or NULL when every one is in use. */
uint8_t *wm_win_get(struct wm_win_pool *pool);

/** Give back a window from wm_win_get(). */
void wm_win_put(struct wm_win_pool *pool, uint8_t *win);

#endif /* WM_REASM_H */
