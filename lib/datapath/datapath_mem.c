/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one worker's data path holds: windows and retained bytes (the
 * benchmark's peaks), every byte its flows cost, and idle flows at rest.
 */
#include <stdint.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "datapath_priv.h"

static void *
flows_zalloc(size_t size, size_t align, void *arg)
{
	return rte_zmalloc_socket("wm_flows", size, align,
				  (int)(intptr_t)arg);
}

static void
flows_free(void *p, void *arg)
{
	(void)arg;
	rte_free(p);
}

struct wm_flow_table *
dp_flows_create(uint32_t size, int socket)
{
	const struct wm_flow_mem mem = {
		.zalloc = flows_zalloc,
		.free = flows_free,
		.arg = (void *)(intptr_t)socket,
	};
	struct wm_flow_table *t;

	_Static_assert(WM_FLOW_LINE == RTE_CACHE_LINE_SIZE,
		       "flow entries aligned to DPDK's cache line");
	/*
	 * Without hugepages (--no-huge: captures, tests) DPDK's memory is
	 * 4 KiB pages like the heap's, and rte_free() zeroes all it frees:
	 * every page of a table most of whose entries were never used,
	 * at exit. The heap's pages cost only once touched.
	 */
	if (!rte_eal_has_hugepages())
		return wm_flow_table_create(size);
	/* Each packet reads its entry: hugepages (few TLB misses), the
	 * worker's own socket (no remote memory). */
	t = wm_flow_table_create_mem(size, &mem);
	if (t != NULL || size == 0)
		return t;
	/* EAL given too little memory (tests, --no-huge -m small): the
	 * same table from the C heap, said once. */
	wm_log(WM_LOG_WARNING,
	       "flow table: %u entries do not fit DPDK memory on socket %d; "
	       "taken from the heap (4 KiB pages)", size, socket);
	return wm_flow_table_create(size);
}

void
wm_dp_usage(struct wm_dp *dp, struct wm_dp_usage *u, bool reset_peak)
{
	u->flows = dp->flows->nused;
	u->windows = dp->win_pool->in_use;
	u->windows_peak = dp->win_pool->peak;
	u->retained_bytes = wm_rb_pool_used(dp->rb_pool);
	if (reset_peak)
		dp->win_pool->peak = dp->win_pool->in_use;
}

size_t
wm_dp_flow_entry_bytes(const struct wm_dp *dp)
{
	uint32_t size = dp->flows->size, nb = dp->flows->mask + 1;

	return sizeof(struct wm_flow) + (sizeof(uint32_t) * nb + size - 1) / size;
}

void
wm_dp_mem(struct wm_dp *dp, struct wm_dp_mem *m)
{
	struct wm_stream_mem sm;

	memset(m, 0, sizeof(*m));
	for (uint32_t i = 0; i < dp->flows->top; i++) {
		struct wm_flow *f = &dp->flows->flows[i];
		struct wm_stream_flow *sf = wm_stream_flow_of(f);

		if (!f->in_use)
			continue;
		m->flows++;
		for (unsigned int d = 0; d < 2; d++)
			if (sf->dir[d].hs != NULL && sf->hs_db != NULL)
				m->hs_bytes += sf->hs_db->stream_size;
	}
	m->entry_bytes = m->flows * wm_dp_flow_entry_bytes(dp);
	m->window_bytes = (uint64_t)dp->win_pool->in_use * WM_WIN_BYTES;
	m->retained_bytes = wm_rb_pool_used(dp->rb_pool);
	wm_stream_mem(&dp->stream, &sm);
	m->cold_bytes = sm.cold_bytes;
	m->view_bytes = sm.view_bytes;
	m->held_bytes = sm.held_bytes;
	m->queued_bytes = sm.queued_bytes;
	m->total = m->entry_bytes + m->hs_bytes + m->cold_bytes +
		   m->window_bytes +
		   m->retained_bytes + m->view_bytes + m->held_bytes +
		   m->queued_bytes;
}

uint64_t
wm_dp_rest(struct wm_dp *dp)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < dp->flows->top; i++) {
		struct wm_flow *f = &dp->flows->flows[i];

		if (!f->in_use)
			continue;
		for (unsigned int d = 0; d < 2; d++)
			n += wm_reasm_rest(&dp->stream.reasm,
					   &wm_stream_flow_of(f)->dir[d].r);
		wm_stream_flow_rest(&dp->stream, f);
	}
	return n;
}

