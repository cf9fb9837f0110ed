/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table. A flow is one TCP connection as seen on one
 * bump-in-the-wire link: both directions share one entry (the key is
 * canonical: the lower endpoint first) and the tags that tell colliding
 * connections apart (VLAN IDs, VNI) are part of the key.
 *
 * What it owns: the key and its hash, the bucket chains and the free
 * list, and per flow its timestamps, its life (in use, closed, blocked)
 * and what judges it (segment, policy). Everything else about a flow is
 * the stream engine's, in an area at the end of each entry that this
 * module neither reads nor clears: wm_stream defines it, starts it for
 * each new flow and, before the table is freed, lets go of what it
 * pools there (Hyperscan streams stay with their entry across flows).
 *
 * Fixed size, chosen at start-up: entries come from a free list, then
 * from those never used yet, nothing is allocated per packet and no entry
 * is touched before its first flow (a table costs the pages its flows
 * used). The caller may say where the memory comes from (struct
 * wm_flow_mem: the data path asks DPDK for hugepages on the worker's NUMA
 * socket); by default the C heap, whose large blocks are pages mapped
 * as touched. Entries are cache-line
 * aligned and a whole number of lines, so a lookup reads one line per
 * entry it compares and the per-packet fields never straddle two:
 *
 *   buckets[hash & mask] -> flow idx+1 -> flows[i].next -> ... -> 0
 *   flows[i]: line 0 [ key (48) hash next last_tsc ]     the lookup's
 *             line 1 [ policy segment flags zone | area: the engine's
 *                      per-packet fields ... ]           every packet's
 *             ...    [ area: the rest ]
 */
#ifndef WM_FLOW_H
#define WM_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wm_pkt.h"

struct wm_policy;

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
#define WM_FLOW_KEY_WORDS 6     /* 64-bit words of a key (no padding) */

_Static_assert(sizeof(struct wm_flow_key) == WM_FLOW_KEY_WORDS * 8,
	       "keys are hashed and compared in words");

/* Word @i of @k (a key is WM_FLOW_KEY_WORDS words, no padding). */
static inline uint64_t
wm_flow_key_word(const struct wm_flow_key *k, unsigned int i)
{
	uint64_t w;

	memcpy(&w, (const unsigned char *)k + 8 * i, sizeof(w));
	return w;
}

/** Are two keys equal? Word by word, without a call to memcmp(). */
static inline bool
wm_flow_key_eq(const struct wm_flow_key *a, const struct wm_flow_key *b)
{
	return ((wm_flow_key_word(a, 0) ^ wm_flow_key_word(b, 0)) |
		(wm_flow_key_word(a, 1) ^ wm_flow_key_word(b, 1)) |
		(wm_flow_key_word(a, 2) ^ wm_flow_key_word(b, 2)) |
		(wm_flow_key_word(a, 3) ^ wm_flow_key_word(b, 3)) |
		(wm_flow_key_word(a, 4) ^ wm_flow_key_word(b, 4)) |
		(wm_flow_key_word(a, 5) ^ wm_flow_key_word(b, 5))) == 0;
}

/*
 * Bytes of per-flow state the stream engine keeps in each entry (struct
 * wm_stream_flow, which asserts that it fits without wasting a cache
 * line). This module never reads them.
 */
#define WM_FLOW_AREA_BYTES 368

/* Cache line of the entries' alignment (checked against DPDK's). */
#define WM_FLOW_LINE 64

struct wm_flow {
	_Alignas(WM_FLOW_LINE) struct wm_flow_key key;
	uint32_t hash;
	uint32_t next;              /* bucket chain / free list, idx+1 */
	uint64_t last_tsc;          /* last packet seen */
	/* line 1: what every packet of a flow reads after its lookup */
	const struct wm_policy *policy; /* what judges the flow */
	uint8_t segment;
	uint8_t in_use;
	uint8_t closed;             /* FIN both ways or RST: closed timeout */
	uint8_t blocked;            /* a drop policy fired: drop the rest */
	uint16_t zone;              /* the zone's verdict (lib/acl), 0: none */
	/*
	 * The stream engine's state of the flow: as the entry's previous
	 * flow left it until wm_stream_flow_init() starts it afresh (what
	 * it pools with the entry, its Hyperscan streams, survives).
	 */
	_Alignas(8) unsigned char area[WM_FLOW_AREA_BYTES];
};

_Static_assert(sizeof(struct wm_flow) % WM_FLOW_LINE == 0,
	       "entries are whole cache lines");
_Static_assert(__builtin_offsetof(struct wm_flow, policy) == WM_FLOW_LINE,
	       "the lookup's fields fill the first line");

/*
 * Where a table's memory comes from: @zalloc returns @size zeroed bytes
 * aligned to @align (a power of two), or NULL; @free gives them back.
 */
struct wm_flow_mem {
	void *(*zalloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *arg;
};

struct wm_flow_table {
	uint32_t size;              /* entries */
	uint32_t nused;
	uint32_t mask;              /* buckets - 1 */
	uint32_t free_head;         /* idx+1 of the last entry given back */
	uint32_t top;               /* entries [0, top) were ever used; the
				     * rest are untouched zeros (a table
				     * costs the pages its flows touch) */
	uint32_t sweep;             /* next entry the idle sweep visits */
	uint32_t *buckets;
	struct wm_flow *flows;
	struct wm_flow_mem mem;     /* where buckets and flows came from */
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

/** Table of @size flows on the C heap; NULL with errno on failure. */
struct wm_flow_table *wm_flow_table_create(uint32_t size);

/**
 * Table of @size flows whose buckets and entries come from @mem (NULL:
 * the C heap); NULL with errno on failure.
 */
struct wm_flow_table *wm_flow_table_create_mem(uint32_t size,
					       const struct wm_flow_mem *mem);

/**
 * Free a table. The owner of the entries' areas must have let go of
 * what it keeps there first (wm_stream_table_fini()).
 */
void wm_flow_table_free(struct wm_flow_table *t);

/** Prefetch the bucket of @hash, a few packets before its lookup. */
static inline void
wm_flow_prefetch_bucket(const struct wm_flow_table *t, uint32_t hash)
{
	__builtin_prefetch(&t->buckets[hash & t->mask]);
}

/** Prefetch the first entry of @hash's chain (its bucket fetched before). */
static inline void
wm_flow_prefetch_entry(const struct wm_flow_table *t, uint32_t hash)
{
	uint32_t i = t->buckets[hash & t->mask];

	if (i != 0)
		__builtin_prefetch(&t->flows[i - 1]);
}

/** The flow with @key, or NULL. */
struct wm_flow *wm_flow_lookup(struct wm_flow_table *t,
			       const struct wm_flow_key *key, uint32_t hash);

/**
 * Insert a new flow (the caller checked it is absent). Returns it with
 * key, hash and in_use set, every other table field zero and the area
 * untouched (its owner starts it); NULL with errno ENOSPC when the table
 * is full.
 */
struct wm_flow *wm_flow_add(struct wm_flow_table *t,
			    const struct wm_flow_key *key, uint32_t hash);

/** Remove @f from the table; its entry (and its area) return to the pool. */
void wm_flow_del(struct wm_flow_table *t, struct wm_flow *f);

/**
 * Round-robin walk for ageing: the next in-use flow after the cursor,
 * visiting at most *budget entries (decremented per entry); NULL when
 * the budget is spent.
 */
struct wm_flow *wm_flow_next(struct wm_flow_table *t, uint32_t *budget);

#endif /* WM_FLOW_H */
