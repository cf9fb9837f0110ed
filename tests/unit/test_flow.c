/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow table: canonical keys, lookup, full table, delete and reuse. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wm_flow.h"
#include "wm_test.h"

static struct wm_pkt_info
tcp4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct wm_pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.kind = WM_PKT_TCP;
	pi.ip_version = 4;
	memcpy(pi.saddr, &src, 4);
	memcpy(pi.daddr, &dst, 4);
	pi.sport = sport;
	pi.dport = dport;
	return pi;
}

static void
both_directions_same_key(void)
{
	struct wm_pkt_info a = tcp4(0x0100000a, 1234, 0x0200000a, 80);
	struct wm_pkt_info b = tcp4(0x0200000a, 80, 0x0100000a, 1234);
	struct wm_flow_key ka, kb;
	uint8_t da, db;

	wm_flow_key_make(&a, 0, &ka, &da);
	wm_flow_key_make(&b, 0, &kb, &db);
	CHECK_MEM(&ka, &kb, sizeof(ka));
	CHECK(da != db);
	CHECK_EQ(wm_flow_hash(&ka), wm_flow_hash(&kb));
}

static void
same_addresses_ports_ordered(void)
{
	/* Same address both ways: the ports decide the direction. */
	struct wm_pkt_info a = tcp4(0x0100007f, 5000, 0x0100007f, 80);
	struct wm_pkt_info b = tcp4(0x0100007f, 80, 0x0100007f, 5000);
	struct wm_flow_key ka, kb;
	uint8_t da, db;

	wm_flow_key_make(&a, 0, &ka, &da);
	wm_flow_key_make(&b, 0, &kb, &db);
	CHECK_MEM(&ka, &kb, sizeof(ka));
	CHECK(da != db);
}

static void
vlan_vni_link_tell_flows_apart(void)
{
	struct wm_pkt_info base = tcp4(0x0100000a, 1234, 0x0200000a, 80);
	struct wm_pkt_info tagged = base, vx = base;
	struct wm_flow_key k0, k1, k2, k3;
	uint8_t d;

	tagged.nvlan = 1;
	tagged.vlan[0] = 42;
	vx.vxlan = true;
	vx.vni = 5001;
	wm_flow_key_make(&base, 0, &k0, &d);
	wm_flow_key_make(&tagged, 0, &k1, &d);
	wm_flow_key_make(&vx, 0, &k2, &d);
	wm_flow_key_make(&base, 2, &k3, &d);
	CHECK(memcmp(&k0, &k1, sizeof(k0)) != 0);
	CHECK(memcmp(&k0, &k2, sizeof(k0)) != 0);
	CHECK(memcmp(&k0, &k3, sizeof(k0)) != 0);
}

static void
add_lookup_delete_reuse(void)
{
	struct wm_flow_table *t = wm_flow_table_create(1024);
	struct wm_flow_key keys[1024];
	struct wm_flow *f;
	uint8_t d;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < 1024; i++) {
		struct wm_pkt_info pi = tcp4(0x0100000a + (i << 24),
					     (uint16_t)(1000 + i), 0x0200000a, 80);

		wm_flow_key_make(&pi, 0, &keys[i], &d);
		f = wm_flow_add(t, &keys[i], wm_flow_hash(&keys[i]));
		CHECK(f != NULL);
	}
	CHECK_EQ(t->nused, 1024);
	for (uint32_t i = 0; i < 1024; i++)
		CHECK(wm_flow_lookup(t, &keys[i], wm_flow_hash(&keys[i])) != NULL);

	/* Full: the 1025th flow is refused with ENOSPC. */
	{
		struct wm_pkt_info pi = tcp4(0x0300000a, 1, 0x0200000a, 80);
		struct wm_flow_key k;

		wm_flow_key_make(&pi, 0, &k, &d);
		CHECK(wm_flow_add(t, &k, wm_flow_hash(&k)) == NULL);
		CHECK_EQ(errno, ENOSPC);
	}

	/* Delete every other flow; the rest are still found. */
	for (uint32_t i = 0; i < 1024; i += 2)
		wm_flow_del(t, wm_flow_lookup(t, &keys[i], wm_flow_hash(&keys[i])));
	CHECK_EQ(t->nused, 512);
	for (uint32_t i = 0; i < 1024; i++) {
		f = wm_flow_lookup(t, &keys[i], wm_flow_hash(&keys[i]));
		CHECK((f != NULL) == (i % 2 == 1));
	}

	/* A reused entry comes back clean (its area is the stream engine's). */
	f = wm_flow_add(t, &keys[0], wm_flow_hash(&keys[0]));
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK_EQ(f->last_tsc, 0);
		CHECK_EQ(f->closed, 0);
		CHECK_EQ(f->in_use, 1);
	}
	wm_flow_table_free(t);
}

static void
walk_visits_in_use_within_budget(void)
{
	struct wm_flow_table *t = wm_flow_table_create(1024);
	struct wm_pkt_info pi = tcp4(0x0100000a, 1, 0x0200000a, 80);
	struct wm_flow_key k;
	struct wm_flow *f;
	uint32_t budget;
	uint8_t d;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	wm_flow_key_make(&pi, 0, &k, &d);
	f = wm_flow_add(t, &k, wm_flow_hash(&k));
	budget = 1024;
	CHECK(wm_flow_next(t, &budget) == f);
	CHECK(wm_flow_next(t, &budget) == NULL);   /* one in-use entry */
	CHECK_EQ(budget, 0);
	/* Short walks of 16 entries: one full cycle finds it exactly once. */
	{
		int found = 0;

		for (int i = 0; i < 1024 / 16; i++) {
			budget = 16;
			while (wm_flow_next(t, &budget) != NULL)
				found++;
		}
		CHECK_EQ(found, 1);
	}
	wm_flow_table_free(t);
}
/* A caller's allocator: counts what it gave and got back. */
struct test_mem {
	int allocs;
	int frees;
	int fail_at;    /* the allocation that fails (1-based), 0: none */
};

static void *
test_zalloc(size_t size, size_t align, void *arg)
{
	struct test_mem *tm = arg;
	void *p;

	if (++tm->allocs == tm->fail_at || posix_memalign(&p, align, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

static void
test_free(void *p, void *arg)
{
	((struct test_mem *)arg)->frees++;
	free(p);
}

static void
caller_memory_cache_aligned_entries(void)
{
	struct test_mem tm = { 0 };
	const struct wm_flow_mem mem = { test_zalloc, test_free, &tm };
	struct wm_flow_table *t = wm_flow_table_create_mem(100, &mem);
	struct wm_pkt_info pi = tcp4(0x0100000a, 1, 0x0200000a, 80);
	struct wm_flow_key k;
	struct wm_flow *f;
	uint8_t d;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK_EQ(tm.allocs, 2);             /* buckets and entries */
	wm_flow_key_make(&pi, 0, &k, &d);
	f = wm_flow_add(t, &k, wm_flow_hash(&k));
	CHECK(f != NULL);
	/* Every entry starts a cache line: its lookup fields in one. */
	for (uint32_t i = 0; i < t->size; i++)
		CHECK_EQ((uintptr_t)&t->flows[i] % WM_FLOW_LINE, 0);
	CHECK(offsetof(struct wm_flow, last_tsc) + sizeof(f->last_tsc) <=
	      WM_FLOW_LINE);
	CHECK(wm_flow_lookup(t, &k, wm_flow_hash(&k)) == f);
	wm_flow_table_free(t);
	CHECK_EQ(tm.frees, 2);

	/* Entries refused: nothing leaks, ENOMEM. */
	tm = (struct test_mem){ .fail_at = 2 };
	errno = 0;
	CHECK(wm_flow_table_create_mem(100, &mem) == NULL);
	CHECK_EQ(errno, ENOMEM);
	CHECK_EQ(tm.frees, 1);
}

/*
 * An allocator of fresh anonymous pages (the C heap's large blocks are
 * the same, but MALLOC_PERTURB_, which meson sets, has calloc() write
 * them): a page the table never touches stays unmapped.
 */
struct map_mem {
	void *p[2];
	size_t len[2];
	int n;
};

static void *
map_zalloc(size_t size, size_t align, void *arg)
{
	struct map_mem *mm = arg;
	void *p;

	(void)align;    /* page-aligned */
	if (mm->n == 2)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	mm->p[mm->n] = p;
	mm->len[mm->n++] = size;
	return p;
}

static void
map_free(void *p, void *arg)
{
	struct map_mem *mm = arg;

	for (int i = 0; i < mm->n; i++)
		if (mm->p[i] == p)
			munmap(p, mm->len[i]);
}

/* Pages of [p, p + len) that are resident. */
static size_t
resident_pages(const void *p, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(pg - 1);
	size_t n = ((uintptr_t)p + len - a + pg - 1) / pg;
	unsigned char *v = calloc(n, 1);
	size_t r = 0;

	if (v == NULL || mincore((void *)a, n * pg, v) != 0) {
		free(v);
		return SIZE_MAX;
	}
	for (size_t i = 0; i < n; i++)
		r += v[i] & 1;
	free(v);
	return r;
}

static void
big_table_touches_only_used_entries(void)
{
	const uint32_t size = 1u << 20;        /* 448 MB of entries */
	struct map_mem mm = { .n = 0 };
	const struct wm_flow_mem mem = { map_zalloc, map_free, &mm };
	struct wm_flow_table *t = wm_flow_table_create_mem(size, &mem);
	size_t len = (size_t)size * sizeof(struct wm_flow);
	struct wm_flow *f[3];
	uint32_t budget = size;
	uint8_t d;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	/* Created: no entry read or written (start-up at any size). */
	CHECK_EQ(resident_pages(t->flows, len), 0);
	for (int i = 0; i < 3; i++) {
		struct wm_pkt_info pi = tcp4(0x0100000a, (uint16_t)(1 + i),
					     0x0200000a, 80);
		struct wm_flow_key k;

		wm_flow_key_make(&pi, 0, &k, &d);
		f[i] = wm_flow_add(t, &k, wm_flow_hash(&k));
		CHECK(f[i] == &t->flows[i]);
	}
	/* A whole ageing cycle finds the three and reads no other page. */
	for (int i = 0; i < 3; i++)
		CHECK(wm_flow_next(t, &budget) == f[i]);
	CHECK(wm_flow_next(t, &budget) == NULL);
	CHECK_EQ(budget, 0);
	CHECK_EQ(resident_pages(t->flows, len), 1);
	/* A freed entry is reused before a fresh one is touched. */
	wm_flow_del(t, f[1]);
	CHECK(wm_flow_add(t, &f[0]->key, 7) == f[1]);
	wm_flow_table_free(t);
}

int
main(void)
{
	RUN(both_directions_same_key);
	RUN(same_addresses_ports_ordered);
	RUN(vlan_vni_link_tell_flows_apart);
	RUN(add_lookup_delete_reuse);
	RUN(walk_visits_in_use_within_budget);
	RUN(caller_memory_cache_aligned_entries);
	RUN(big_table_touches_only_used_entries);
	TEST_END();
}
