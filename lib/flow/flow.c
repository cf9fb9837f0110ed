/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "wm_common.h"
#include "wm_flow.h"

/* 8 bytes at @p as a big-endian number: compares as memcmp() does. */
static inline uint64_t
rd_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

/* Is the source endpoint the greater one (address, then port)? */
static inline bool
endpoint_swap(const struct wm_pkt_info *pi)
{
	uint64_t s = rd_be64(pi->saddr), d = rd_be64(pi->daddr);

	if (s == d) {
		s = rd_be64(pi->saddr + 8);
		d = rd_be64(pi->daddr + 8);
	}
	if (s != d)
		return s > d;
	return pi->sport > pi->dport;
}

void
wm_flow_key_make(const struct wm_pkt_info *pi, uint16_t link,
		 struct wm_flow_key *key, uint8_t *dir)
{
	bool swap = endpoint_swap(pi);

	memcpy(key->addr[swap], pi->saddr, 16);
	memcpy(key->addr[!swap], pi->daddr, 16);
	key->port[swap] = pi->sport;
	key->port[!swap] = pi->dport;
	key->vni = pi->vxlan ? pi->vni : WM_FLOW_NO_VNI;
	key->vlan[0] = pi->nvlan > 0 ? pi->vlan[0] : WM_FLOW_NO_VLAN;
	key->vlan[1] = pi->nvlan > 1 ? pi->vlan[1] : WM_FLOW_NO_VLAN;
	key->link = link;
	key->family = pi->ip_version;
	key->pad = 0;
	*dir = swap;
}

/*
 * Each 64-bit word of the key times its own odd constant, summed (the
 * products are independent: no chain of multiplies from word to word),
 * then Murmur3's 64-bit finaliser mixes the sum.
 */
uint32_t
wm_flow_hash(const struct wm_flow_key *key)
{
	uint64_t h = wm_flow_key_word(key, 0) * 0xff51afd7ed558ccdull +
		     wm_flow_key_word(key, 1) * 0xc4ceb9fe1a85ec53ull +
		     wm_flow_key_word(key, 2) * 0x9e3779b97f4a7c15ull +
		     wm_flow_key_word(key, 3) * 0xbf58476d1ce4e5b9ull +
		     wm_flow_key_word(key, 4) * 0x94d049bb133111ebull +
		     wm_flow_key_word(key, 5) * 0xd6e8feb86659fd93ull;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/*
 * calloc(): the pages the C library maps for a large block are zero
 * until touched and it does not clear them, so neither start-up nor
 * exit pays for entries never used. Aligned by hand; the block's start
 * is kept just before what is returned.
 */
static void *
heap_zalloc(size_t size, size_t align, void *arg)
{
	uint8_t *raw = calloc(1, size + align + sizeof(void *));
	uintptr_t p;

	(void)arg;
	if (raw == NULL)
		return NULL;
	p = (uintptr_t)raw + sizeof(void *) + align - 1;
	p &= ~(uintptr_t)(align - 1);
	memcpy((void **)p - 1, &raw, sizeof(raw));
	return (void *)p;
}

static void
heap_free(void *p, void *arg)
{
	void *raw;

	(void)arg;
	memcpy(&raw, (void **)p - 1, sizeof(raw));
	free(raw);
}

static const struct wm_flow_mem heap_mem = {
	.zalloc = heap_zalloc,
	.free = heap_free,
};

struct wm_flow_table *
wm_flow_table_create(uint32_t size)
{
	return wm_flow_table_create_mem(size, NULL);
}

struct wm_flow_table *
wm_flow_table_create_mem(uint32_t size, const struct wm_flow_mem *mem)
{
	struct wm_flow_table *t;
	uint32_t nb = 1;

	if (size == 0 || size > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < size)
		nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->mem = mem != NULL ? *mem : heap_mem;
	t->size = size;
	t->mask = nb - 1;
	t->buckets = t->mem.zalloc((size_t)nb * sizeof(*t->buckets),
				   WM_FLOW_LINE, t->mem.arg);
	t->flows = t->mem.zalloc((size_t)size * sizeof(*t->flows),
				 WM_FLOW_LINE, t->mem.arg);
	if (t->buckets == NULL || t->flows == NULL) {
		wm_flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void
wm_flow_table_free(struct wm_flow_table *t)
{
	if (t == NULL)
		return;
	if (t->buckets != NULL)
		t->mem.free(t->buckets, t->mem.arg);
	if (t->flows != NULL)
		t->mem.free(t->flows, t->mem.arg);
	free(t);
}

struct wm_flow *
wm_flow_lookup(struct wm_flow_table *t, const struct wm_flow_key *key,
	       uint32_t hash)
{
	uint32_t i = t->buckets[hash & t->mask];

	while (i != 0) {
		struct wm_flow *f = &t->flows[i - 1];

		if (f->hash == hash && wm_flow_key_eq(&f->key, key))
			return f;
		i = f->next;
	}
	return NULL;
}

struct wm_flow *
wm_flow_add(struct wm_flow_table *t, const struct wm_flow_key *key,
	    uint32_t hash)
{
	uint32_t idx = t->free_head;
	struct wm_flow *f;

	if (idx != 0) {
		f = &t->flows[idx - 1];
		t->free_head = f->next;
	} else if (t->top < t->size) {
		idx = ++t->top;
		f = &t->flows[idx - 1];
	} else {
		errno = ENOSPC;
		return NULL;
	}
	/* The area is its owner's: what it pools there stays. */
	memset(f, 0, offsetof(struct wm_flow, area));
	f->key = *key;
	f->hash = hash;
	f->in_use = 1;
	f->next = t->buckets[hash & t->mask];
	t->buckets[hash & t->mask] = idx;
	t->nused++;
	return f;
}

void
wm_flow_del(struct wm_flow_table *t, struct wm_flow *f)
{
	uint32_t idx = (uint32_t)(f - t->flows) + 1;
	uint32_t *link = &t->buckets[f->hash & t->mask];

	while (*link != 0 && *link != idx)
		link = &t->flows[*link - 1].next;
	if (*link == idx)
		*link = f->next;
	f->in_use = 0;
	f->next = t->free_head;
	t->free_head = idx;
	t->nused--;
}

struct wm_flow *
wm_flow_next(struct wm_flow_table *t, uint32_t *budget)
{
	while (*budget > 0) {
		struct wm_flow *f = &t->flows[t->sweep];

		if (t->sweep >= t->top) {
			/* Never used, so free: passed over unread. */
			uint32_t rest = t->size - t->sweep;

			if (rest > *budget) {
				t->sweep += *budget;
				*budget = 0;
				break;
			}
			*budget -= rest;
			t->sweep = 0;
			continue;
		}
		(*budget)--;
		t->sweep = t->sweep + 1 < t->size ? t->sweep + 1 : 0;
		if (f->in_use)
			return f;
	}
	return NULL;
}
