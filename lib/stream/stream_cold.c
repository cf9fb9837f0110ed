/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A flow's cold part: what it keeps only while bytes are in flight
 * (struct wm_stream_cold). The flow entry keeps what every packet reads
 * and what an idle flow needs to take up again; the rest comes from a
 * per-lcore pool when the flow first needs it and goes back when it
 * rests, so an idle flow costs its entry and its Hyperscan streams:
 *
 *   entry (hot, whole life)             pool block (cold, in flight)
 *   [ key hash next last_tsc        ]    [ dir[0]: queue, retained bytes,
 *   [ dir[0]: seq, offsets, rtt,    ]--->[   hole, RTT sample, timeout,
 *   [   held list, win, hs, tail    ]    [   region, probe, Kafka CRC,
 *   [ dir[1]: ...                   ]--->[   view;  dir[1]: ...        ]
 *   [ hs_db, proto_rest             ]    [ proto (parsers), syn times  ]
 *
 * A flow without a block of its own points to wm_stream_cold_none: all empty,
 * in read-only memory, so paths that only read (a bare ACK, ageing)
 * need no test, and a path that would write without taking a block
 * first faults at once instead of corrupting every idle flow.
 */
#include <stdint.h>
#include <string.h>

#include "stream_priv.h"

/* Zeroed, read-only (.rodata): a write to it faults. */
const struct wm_stream_cold wm_stream_cold_none;

struct wm_stream_cold *
cold_empty(void)
{
	return (struct wm_stream_cold *)(uintptr_t)&wm_stream_cold_none;
}

void
cold_attach(struct wm_stream_flow *sf, struct wm_stream_cold *c)
{
	sf->dir[0].r.c = &c->dir[0].r;
	sf->dir[1].r.c = &c->dir[1].r;
}

struct wm_slots *
wm_stream_cold_pool_create(uint32_t n)
{
	/* Cache-aligned blocks, zeroed when taken: pages are touched only
	 * by blocks ever used. */
	return wm_slots_create(n, sizeof(struct wm_stream_cold), WM_FLOW_LINE);
}

bool
stream_cold_get(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	struct wm_stream_flow *sf = sflow(f);
	struct wm_stream_cold *c;

	if (wm_stream_flow_cold(sf))
		return true;
	c = ctx->cold != NULL ? wm_slots_get(ctx->cold) : NULL;
	if (c == NULL) {
		ctx->stats->ctr[WM_CTR_STREAM_COLD_FULL]++;
		return false;
	}
	memset(c, 0, sizeof(*c));
	for (unsigned int i = 0; i < 2; i++) {
		struct wm_reasm_cold *rc = &c->dir[i].r;
		uint64_t off = sf->dir[i].r.offset;

		/* Bytes before the direction's offset were given back at
		 * rest (or never came): retained from here on. */
		rc->rb.base = rc->rb.end = off;
		rc->hole_rb.base = rc->hole_rb.end = off;
	}
	wm_proto_flow_wake(&c->proto, sf->proto_rest);
	cold_attach(sf, c);
	return true;
}

void
cold_put(struct wm_stream_ctx *ctx, struct wm_stream_flow *sf)
{
	struct wm_stream_cold *c = wm_stream_cold_of(sf);

	if (!wm_stream_flow_cold(sf))
		return;
	cold_attach(sf, cold_empty());
	for (unsigned int i = 0; i < 2; i++) {
		/* A round-trip sample's start and a closed anchor's bounds
		 * went with it. */
		sf->dir[i].r.flags &= (uint8_t)~WM_REASM_SAMPLE;
		sf->dir[i].flags &= (uint8_t)~WM_STREAM_ANCHOR;
	}
	wm_slots_put(ctx->cold, c);
}

/* Is nothing of direction @d in flight: could its cold part go? */
static bool
dir_rests(const struct wm_stream_dir *d)
{
	const struct wm_stream_dcold *dc = dcold(d);

	return dc->r.rb.head == NULL && dc->r.hole_rb.head == NULL &&
	       dc->r.ooo_head == NULL && dc->r.keep == 0 &&
	       d->r.released == d->r.offset && d->held_head == NULL &&
	       d->win == NULL && dc->pin_head == NULL && !dc->fix_open &&
	       dc->view == NULL && dc->probe_rules == 0 &&
	       /* no region or anchor open (a closed one ends with it) */
	       dc->prot_end != UINT64_MAX &&
	       /* a tail decided last: the next message must end it */
	       !((d->flags & WM_STREAM_DECIDED) &&
		 dc->tmo_end == d->r.offset);
}

bool
wm_stream_flow_rest(struct wm_stream_ctx *ctx, struct wm_flow *f)
{
	struct wm_stream_flow *sf = sflow(f);
	uint8_t sum[2];

	if (!wm_stream_flow_cold(sf))
		return true;
	if (!dir_rests(&sf->dir[0]) || !dir_rests(&sf->dir[1]) ||
	    !wm_proto_flow_rest(&wm_stream_cold_of(sf)->proto, sum))
		return false;
	sf->proto_rest[0] = sum[0];
	sf->proto_rest[1] = sum[1];
	cold_put(ctx, sf);
	ctx->stats->ctr[WM_CTR_STREAM_COLD_RESTED]++;
	return true;
}
