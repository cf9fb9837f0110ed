/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "wm_common.h"
#include "wm_flow.h"

static int
endpoint_cmp(const struct wm_pkt_info *pi)
{
	int c = memcmp(pi->saddr, pi->daddr, sizeof(pi->saddr));

	if (c != 0)
		return c;
	return (int)pi->sport - (int)pi->dport;
}

void
wm_flow_key_make(const struct wm_pkt_info *pi, uint16_t link,
		 struct wm_flow_key *key, uint8_t *dir)
{
	bool swap = endpoint_cmp(pi) > 0;

	memset(key, 0, sizeof(*key));
	memcpy(key->addr[swap], pi->saddr, 16);
	memcpy(key->addr[!swap], pi->daddr, 16);
	key->port[swap] = pi->sport;
	key->port[!swap] = pi->dport;
	key->vni = pi->vxlan ? pi->vni : WM_FLOW_NO_VNI;
	key->vlan[0] = pi->nvlan > 0 ? pi->vlan[0] : WM_FLOW_NO_VLAN;
	key->vlan[1] = pi->nvlan > 1 ? pi->vlan[1] : WM_FLOW_NO_VLAN;
	key->link = link;
	key->family = pi->ip_version;
	*dir = swap;
}

/* Murmur3-style mixing over the key's 64-bit words. */
uint32_t
wm_flow_hash(const struct wm_flow_key *key)
{
	uint64_t w[sizeof(*key) / 8];
	uint64_t h = 0x9e3779b97f4a7c15ull;

	memcpy(w, key, sizeof(w));
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(w); i++) {
		h ^= w[i] * 0xff51afd7ed558ccdull;
		h = (h << 31) | (h >> 33);
		h *= 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 33;
	return (uint32_t)(h ^ (h >> 29));
}

_Static_assert(sizeof(struct wm_flow_key) % 8 == 0, "key hashed in words");

static void *
heap_zalloc(size_t size, size_t align, void *arg)
{
	void *p;

	(void)arg;
	if (posix_memalign(&p, align, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

static void
heap_free(void *p, void *arg)
{
	(void)arg;
	free(p);
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
	t->buckets = t->mem.zalloc((size_t)nb * sizeof(*t->buckets),
				   WM_FLOW_LINE, t->mem.arg);
	t->flows = t->mem.zalloc((size_t)size * sizeof(*t->flows),
				 WM_FLOW_LINE, t->mem.arg);
	if (t->buckets == NULL || t->flows == NULL) {
		wm_flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->size = size;
	t->mask = nb - 1;
	for (uint32_t i = 0; i < size; i++)
		t->flows[i].next = i + 2 <= size ? i + 2 : 0;
	t->free_head = 1;
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

		if (f->hash == hash && memcmp(&f->key, key, sizeof(*key)) == 0)
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

	if (idx == 0) {
		errno = ENOSPC;
		return NULL;
	}
	f = &t->flows[idx - 1];
	t->free_head = f->next;
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

		(*budget)--;
		t->sweep = t->sweep + 1 < t->size ? t->sweep + 1 : 0;
		if (f->in_use)
			return f;
	}
	return NULL;
}
