/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wm_common.h"
#include "wm_reasm.h"

#define SLAB_BLOCKS 64

struct wm_rb_block {
	struct wm_rb_block *next;
	uint64_t off;           /* stream offset of data[0] */
	uint8_t data[WM_RB_BLOCK];
};

_Static_assert(sizeof(struct wm_rb_block) == 2048, "one block, 2 KiB");

struct wm_rb_pool *
wm_rb_pool_create(uint64_t max_bytes)
{
	struct wm_rb_pool *pool = calloc(1, sizeof(*pool));

	if (pool == NULL)
		return NULL;
	pool->max_blocks = max_bytes / sizeof(struct wm_rb_block);
	return pool;
}

void
wm_rb_pool_free(struct wm_rb_pool *pool)
{
	if (pool == NULL)
		return;
	for (uint64_t i = 0; i < pool->nslabs; i++)
		free(pool->slabs[i]);
	free(pool->slabs);
	free(pool);
}

uint64_t
wm_rb_pool_used(const struct wm_rb_pool *pool)
{
	return pool->in_use * sizeof(struct wm_rb_block);
}

/* Grow by one slab (never past the limit); false when full. */
static bool
pool_grow(struct wm_rb_pool *pool)
{
	uint64_t n = WM_MIN((uint64_t)SLAB_BLOCKS,
			    pool->max_blocks - pool->nblocks);
	struct wm_rb_block *slab;

	if (n == 0)
		return false;
	if (pool->nslabs == pool->slab_cap) {
		uint64_t cap = pool->slab_cap ? pool->slab_cap * 2 : 16;
		void **s = realloc(pool->slabs, cap * sizeof(*s));

		if (s == NULL)
			return false;
		pool->slabs = s;
		pool->slab_cap = cap;
	}
	slab = malloc(n * sizeof(*slab));
	if (slab == NULL)
		return false;
	pool->slabs[pool->nslabs++] = slab;
	for (uint64_t i = 0; i < n; i++) {
		slab[i].next = pool->free;
		pool->free = &slab[i];
	}
	pool->nblocks += n;
	return true;
}

static struct wm_rb_block *
block_get(struct wm_rb_pool *pool)
{
	struct wm_rb_block *b;

	if (pool->free == NULL && !pool_grow(pool))
		return NULL;
	b = pool->free;
	pool->free = b->next;
	b->next = NULL;
	pool->in_use++;
	return b;
}

static void
block_put(struct wm_rb_pool *pool, struct wm_rb_block *b)
{
	b->next = pool->free;
	pool->free = b;
	pool->in_use--;
}

/* Drop the head block; base moves to the next block (or to end). */
static void
head_drop(struct wm_rb_pool *pool, struct wm_rbuf *rb)
{
	struct wm_rb_block *b = rb->head;

	rb->head = b->next;
	if (rb->head == NULL) {
		rb->tail = NULL;
		rb->base = rb->end;
	} else {
		rb->base = rb->head->off;
	}
	block_put(pool, b);
}

void
wm_rb_reset(struct wm_rb_pool *pool, struct wm_rbuf *rb, uint64_t off)
{
	while (rb->head != NULL)
		head_drop(pool, rb);
	rb->base = rb->end = off;
}

int64_t
wm_rb_append(struct wm_rb_pool *pool, struct wm_rbuf *rb, const uint8_t *p,
	     uint32_t n, uint64_t limit)
{
	uint64_t evicted = 0;

	while (n > 0) {
		struct wm_rb_block *t = rb->tail;
		uint64_t used = t != NULL ? rb->end - t->off : WM_RB_BLOCK;
		uint32_t k;

		if (used == WM_RB_BLOCK) {
			t = block_get(pool);
			if (t == NULL) {
				wm_rb_reset(pool, rb, rb->end + n);
				return -ENOMEM;
			}
			t->off = rb->end;
			if (rb->tail != NULL)
				rb->tail->next = t;
			else
				rb->head = t;
			rb->tail = t;
			used = 0;
		}
		k = (uint32_t)WM_MIN((uint64_t)n, WM_RB_BLOCK - used);
		memcpy(t->data + used, p, k);
		rb->end += k;
		p += k;
		n -= k;
	}
	while (rb->head != NULL && rb->end - rb->base > limit) {
		uint64_t before = rb->base;

		head_drop(pool, rb);
		evicted += rb->base - before;
	}
	return (int64_t)evicted;
}

/* Prefetch for writing the lines of [p, p + n). */
static void
prefetch_write(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;

	p = (const uint8_t *)((uintptr_t)p & ~(uintptr_t)(WM_CACHE_LINE - 1));
	for (; p < end; p += WM_CACHE_LINE)
		__builtin_prefetch(p, 1);
}

void
wm_rb_prefetch(const struct wm_rb_pool *pool, const struct wm_rbuf *rb,
	       uint32_t n)
{
	const struct wm_rb_block *t = rb->tail;
	/*
	 * The tail's fill without reading its header (a miss of its own):
	 * every block but the tail is full, and base is the head's offset.
	 */
	uint32_t used = t != NULL ?
		(uint32_t)((rb->end - rb->base - 1) % WM_RB_BLOCK) + 1 :
		WM_RB_BLOCK;
	uint32_t room = WM_RB_BLOCK - used;

	if (t != NULL)
		__builtin_prefetch(t, 1);       /* the append reads its offset */
	if (room > 0)
		prefetch_write(t->data + used, WM_MIN(n, room));
	if (n <= room || pool->free == NULL)
		return;
	/* The next block: its header (written first), then its data. */
	prefetch_write((const uint8_t *)pool->free,
		       WM_MIN(n - room + offsetof(struct wm_rb_block, data),
			      sizeof(struct wm_rb_block)));
}

/* Visit the retained pieces of [off, off + n): fn(block bytes, buf). */
static void
range_walk(const struct wm_rbuf *rb, uint64_t off, uint32_t n, uint8_t *buf,
	   bool to_block)
{
	uint64_t end = off + n;

	for (struct wm_rb_block *b = rb->head; b != NULL && off < end;
	     b = b->next) {
		uint64_t bs = b->off, be = WM_MIN(b->off + WM_RB_BLOCK, rb->end);
		uint64_t s = WM_MAX(off, bs), e = WM_MIN(end, be);

		if (s >= e)
			continue;
		if (to_block)
			memcpy(b->data + (s - bs), buf + (s - off), e - s);
		else
			memcpy(buf + (s - off), b->data + (s - bs), e - s);
	}
}

bool
wm_rb_read(const struct wm_rbuf *rb, uint64_t off, uint32_t n, uint8_t *out)
{
	if (off < rb->base || off + n > rb->end)
		return false;
	range_walk(rb, off, n, out, false);
	return true;
}

void
wm_rb_write(struct wm_rbuf *rb, uint64_t off, const uint8_t *p, uint32_t n)
{
	range_walk(rb, off, n, (uint8_t *)(uintptr_t)p, true);
}

uint64_t
wm_rb_blocks_bytes(const struct wm_rbuf *rb)
{
	uint64_t n = 0;

	for (const struct wm_rb_block *b = rb->head; b != NULL; b = b->next)
		n += sizeof(*b);
	return n;
}

void
wm_rb_trim(struct wm_rb_pool *pool, struct wm_rbuf *rb, uint64_t off)
{
	/*
	 * The newest block stays even when acknowledged: a spurious
	 * retransmission of recent bytes is then still rewritten and sent
	 * on rather than dropped (at most one block per direction). The
	 * head's offset is base: an ACK that trims nothing reads no block.
	 */
	while (rb->head != NULL && rb->head != rb->tail &&
	       rb->base + WM_RB_BLOCK <= off)
		head_drop(pool, rb);
}
