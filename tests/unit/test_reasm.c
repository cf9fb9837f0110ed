/* SPDX-License-Identifier: BSD-3-Clause */
/* Retained stream bytes: append, read back, mask, ACK trim, limits. */
#include <errno.h>
#include <string.h>

#include "wm_reasm.h"
#include "wm_test.h"

static uint8_t data[3 * WM_RB_BLOCK + 100];

static void
fill(void)
{
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
}

static void
read_back_across_blocks(void)
{
	struct wm_rb_pool *pool = wm_rb_pool_create(1 << 20);
	struct wm_rbuf rb = { 0 };
	uint8_t out[sizeof(data)];

	wm_rb_reset(pool, &rb, 1000);
	CHECK_EQ(wm_rb_append(pool, &rb, data, 10, 1 << 20), 0);
	CHECK_EQ(wm_rb_append(pool, &rb, data + 10, sizeof(data) - 10, 1 << 20), 0);
	CHECK_EQ(rb.end, 1000 + sizeof(data));
	CHECK(wm_rb_read(&rb, 1000, sizeof(data), out));
	CHECK_MEM(out, data, sizeof(data));
	/* A range straddling a block boundary. */
	CHECK(wm_rb_read(&rb, 1000 + WM_RB_BLOCK - 5, 10, out));
	CHECK_MEM(out, data + WM_RB_BLOCK - 5, 10);
	wm_rb_reset(pool, &rb, 0);
	CHECK_EQ(wm_rb_pool_used(pool), 0);
	wm_rb_pool_free(pool);
}

static void
window_pool_reuses_and_runs_out(void)
{
	struct wm_slots *pool = wm_slots_create(2, WM_WIN_BYTES, WM_CACHE_LINE);
	uint8_t *a = wm_slots_get(pool), *b = wm_slots_get(pool);

	CHECK(a != NULL && b != NULL && a != b);
	CHECK((uintptr_t)a % WM_CACHE_LINE == 0 &&
	      (uintptr_t)b % WM_CACHE_LINE == 0);
	CHECK(wm_slots_get(pool) == NULL);      /* both in use */
	CHECK_EQ(pool->in_use, 2);
	memset(a, 0xa5, WM_WIN_BYTES);          /* a window is all its own */
	wm_slots_put(pool, a);
	CHECK(wm_slots_get(pool) == a);
	CHECK_EQ(pool->peak, 2);
	wm_slots_put(pool, a);
	wm_slots_put(pool, b);
	CHECK_EQ(pool->in_use, 0);
	wm_slots_free(pool);
	CHECK(wm_slots_create(0, WM_WIN_BYTES, WM_CACHE_LINE) == NULL);
	CHECK(wm_slots_create(2, 100, WM_CACHE_LINE) == NULL);
}

static void
read_outside_refused(void)
{
	struct wm_rb_pool *pool = wm_rb_pool_create(1 << 20);
	struct wm_rbuf rb = { 0 };
	uint8_t out[20];

	wm_rb_reset(pool, &rb, 50);
	wm_rb_append(pool, &rb, data, 20, 1 << 20);
	CHECK(!wm_rb_read(&rb, 49, 2, out));   /* before base */
	CHECK(!wm_rb_read(&rb, 65, 10, out));  /* past end */
	CHECK(wm_rb_read(&rb, 50, 20, out));   /* all of it */
	CHECK_MEM(out, data, 20);
	wm_rb_reset(pool, &rb, 0);
	wm_rb_pool_free(pool);
}

static void
mask_written_is_read_back(void)
{
	struct wm_rb_pool *pool = wm_rb_pool_create(1 << 20);
	struct wm_rbuf rb = { 0 };
	uint8_t out[WM_RB_BLOCK + 20], stars[40];

	memset(stars, '*', sizeof(stars));
	wm_rb_reset(pool, &rb, 0);
	wm_rb_append(pool, &rb, data, WM_RB_BLOCK + 20, 1 << 20);
	wm_rb_write(&rb, WM_RB_BLOCK - 10, stars, 20);  /* across blocks */
	CHECK(wm_rb_read(&rb, 0, WM_RB_BLOCK + 20, out));
	CHECK_MEM(out, data, WM_RB_BLOCK - 10);
	CHECK_MEM(out + WM_RB_BLOCK - 10, stars, 20);
	CHECK_MEM(out + WM_RB_BLOCK + 10, data + WM_RB_BLOCK + 10, 10);
	wm_rb_reset(pool, &rb, 0);
	wm_rb_pool_free(pool);
}

static void
ack_trims_whole_blocks(void)
{
	struct wm_rb_pool *pool = wm_rb_pool_create(1 << 20);
	struct wm_rbuf rb = { 0 };
	uint8_t out[8];

	wm_rb_reset(pool, &rb, 0);
	wm_rb_append(pool, &rb, data, 3 * WM_RB_BLOCK, 1 << 20);
	wm_rb_trim(pool, &rb, WM_RB_BLOCK + 100);
	CHECK_EQ(rb.base, WM_RB_BLOCK);           /* block 0 freed only */
	CHECK(!wm_rb_read(&rb, 10, 4, out));
	CHECK(wm_rb_read(&rb, WM_RB_BLOCK, 4, out));
	wm_rb_trim(pool, &rb, 3 * WM_RB_BLOCK);   /* all acked */
	CHECK_EQ(rb.base, 2 * WM_RB_BLOCK);       /* the newest block stays */
	CHECK_EQ(wm_rb_pool_used(pool), 2048);
	CHECK(wm_rb_read(&rb, 3 * WM_RB_BLOCK - 4, 4, out));
	wm_rb_reset(pool, &rb, 0);
	CHECK_EQ(wm_rb_pool_used(pool), 0);
	/* From any offset, past a limit's eviction: whole blocks again. */
	wm_rb_reset(pool, &rb, 1000);
	wm_rb_append(pool, &rb, data, 3 * WM_RB_BLOCK, 2 * WM_RB_BLOCK);
	CHECK_EQ(rb.base, 1000 + WM_RB_BLOCK);    /* block 0 evicted */
	wm_rb_trim(pool, &rb, 1000 + 2 * WM_RB_BLOCK - 1);
	CHECK_EQ(rb.base, 1000 + WM_RB_BLOCK);    /* not all of block 1 */
	wm_rb_trim(pool, &rb, 1000 + 2 * WM_RB_BLOCK);
	CHECK_EQ(rb.base, 1000 + 2 * WM_RB_BLOCK);
	CHECK(wm_rb_read(&rb, 1000 + 2 * WM_RB_BLOCK, 4, out));
	CHECK_EQ(memcmp(out, data + 2 * WM_RB_BLOCK, 4), 0);
	wm_rb_reset(pool, &rb, 0);
	CHECK_EQ(wm_rb_pool_used(pool), 0);
	wm_rb_pool_free(pool);
}

static void
direction_limit_evicts_oldest(void)
{
	struct wm_rb_pool *pool = wm_rb_pool_create(1 << 20);
	struct wm_rbuf rb = { 0 };
	uint8_t out[8];
	int64_t ev;

	wm_rb_reset(pool, &rb, 0);
	ev = wm_rb_append(pool, &rb, data, 3 * WM_RB_BLOCK, 2 * WM_RB_BLOCK);
	CHECK_EQ(ev, WM_RB_BLOCK);
	CHECK(!wm_rb_read(&rb, 0, 4, out));
	CHECK(wm_rb_read(&rb, 3 * WM_RB_BLOCK - 4, 4, out));
	CHECK_MEM(out, data + 3 * WM_RB_BLOCK - 4, 4);
	wm_rb_reset(pool, &rb, 0);
	wm_rb_pool_free(pool);
}

static void
memcap_exhausted_empties(void)
{
	struct wm_rb_pool *pool = wm_rb_pool_create(2 * 2048);  /* 2 blocks */
	struct wm_rbuf a = { 0 }, b = { 0 };
	uint8_t out[8];

	wm_rb_reset(pool, &a, 0);
	wm_rb_reset(pool, &b, 0);
	CHECK_EQ(wm_rb_append(pool, &a, data, 2 * WM_RB_BLOCK, 1 << 20), 0);
	CHECK_EQ(wm_rb_append(pool, &b, data, 10, 1 << 20), -ENOMEM);
	CHECK_EQ(b.base, 10);            /* empty at the new end */
	CHECK(!wm_rb_read(&b, 0, 4, out));
	wm_rb_trim(pool, &a, 2 * WM_RB_BLOCK);
	CHECK_EQ(wm_rb_append(pool, &b, data, 10, 1 << 20), 0);
	CHECK(wm_rb_read(&b, 10, 8, out));
	wm_rb_reset(pool, &b, 0);
	wm_rb_pool_free(pool);
}

/*
 * Appends of any size, trims and a limit's evictions, drawn: what is
 * retained always reads back as the bytes appended there.
 */
static void
drawn_appends_read_back(void)
{
	static uint8_t src[1 << 16];
	struct wm_rb_pool *pool = wm_rb_pool_create(1 << 20);
	struct wm_rbuf rb = { 0 };
	uint64_t x = 88172645463325252ull, at = 0;
	uint8_t out[WM_RB_BLOCK];
	int bad = 0;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 131 + (i >> 8));
	wm_rb_reset(pool, &rb, 0);
	for (int i = 0; i < 3000 && at < sizeof(src) - 3000; i++) {
		uint32_t n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = (uint32_t)(x % 3000) + 1;
		wm_rb_append(pool, &rb, src + at, n, 3 * WM_RB_BLOCK);
		at += n;
		if (x & 0x100000)       /* an ACK somewhere in what is kept */
			wm_rb_trim(pool, &rb, rb.base + (x >> 40) %
					      (rb.end - rb.base + 1));
		/* Every block but the tail full (wm_rb_prefetch counts on it). */
		if (wm_rb_blocks_bytes(&rb) / 2048 !=
		    (rb.end - rb.base + WM_RB_BLOCK - 1) / WM_RB_BLOCK)
			bad++;
		for (uint64_t o = rb.base; o < rb.end; o += sizeof(out)) {
			uint32_t k = (uint32_t)WM_MIN(sizeof(out), rb.end - o);

			if (!wm_rb_read(&rb, o, k, out) ||
			    memcmp(out, src + o, k) != 0)
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(rb.end, at);
	wm_rb_reset(pool, &rb, 0);
	wm_rb_pool_free(pool);
}

/* A prefetch of the next append's lines, in every state: changes nothing. */
static void
prefetch_changes_nothing(void)
{
	struct wm_rb_pool *pool = wm_rb_pool_create(2 * 2048);  /* 2 blocks */
	const uint32_t sizes[] = { 0, 1, 100, WM_RB_BLOCK, UINT32_MAX };
	struct wm_rbuf rb = { 0 };
	/* empty; mid-block; the tail full; the pool exhausted */
	const uint32_t fills[] = { 0, 700, WM_RB_BLOCK - 700, WM_RB_BLOCK };

	wm_rb_reset(pool, &rb, 5);
	for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
		if (fills[f] > 0)
			CHECK_EQ(wm_rb_append(pool, &rb, data, fills[f],
					      1 << 20), 0);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct wm_rbuf before = rb;
			struct wm_rb_pool pbefore = *pool;

			wm_rb_prefetch(pool, &rb, sizes[i]);
			CHECK_MEM(&rb, &before, sizeof(rb));
			CHECK_MEM(pool, &pbefore, sizeof(*pool));
		}
	}
	CHECK(pool->free == NULL);      /* the last state had none to give */
	CHECK_EQ(rb.end, 5 + 2 * WM_RB_BLOCK);
	wm_rb_reset(pool, &rb, 0);
	wm_rb_pool_free(pool);
}

int
main(void)
{
	fill();
	RUN(read_back_across_blocks);
	RUN(window_pool_reuses_and_runs_out);
	RUN(read_outside_refused);
	RUN(mask_written_is_read_back);
	RUN(ack_trims_whole_blocks);
	RUN(direction_limit_evicts_oldest);
	RUN(memcap_exhausted_empties);
	RUN(drawn_appends_read_back);
	RUN(prefetch_changes_nothing);
	TEST_END();
}
