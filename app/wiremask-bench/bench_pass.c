/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-bench's timed passes: io-forward, the full data path (lib/
 * datapath with the bench's tx callback), the raw Hyperscan ceiling and a
 * profiled full pass, each on fresh copies of the capture's frames.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "bench.h"

/* ---- passes ----------------------------------------------------------- */

/* The data path's transmit: timestamps sampled, buffers freed. */
static uint16_t
bench_tx(void *arg, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct blcore *b = arg;

	RTE_SET_USED(port);
	if (b->lat != NULL) {
		uint64_t now = rte_rdtsc();

		for (uint16_t i = 0; i < n; i++) {
			uint64_t a = wm_pkt_meta(pkts[i])->arrival_tsc;

			if (a == 0)
				continue;       /* not a payload packet */
			if (b->nlat < NSAMPLE_MAX)
				b->lat[b->nlat++] = (uint32_t)RTE_MIN(now - a,
								      UINT32_MAX);
			if (a == b->burst_now && b->nfresh < NSAMPLE_MAX)
				b->fresh[b->nfresh++] = (uint32_t)RTE_MIN(now - a,
									  UINT32_MAX);
			if (a != b->burst_now && b->nheld < NSAMPLE_MAX)
				b->held[b->nheld++] = (uint32_t)RTE_MIN(now - a,
									UINT32_MAX);
		}
	}
	b->tx += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/*
 * Frames are spread over the lcores by the flow hash the data path
 * uses to pick a flow's owner, so no packet is ever handed over.
 */
static uint16_t
bench_handoff(void *arg, unsigned int owner, struct rte_mbuf **pkts,
	      uint16_t n)
{
	RTE_SET_USED(arg);
	return (uint16_t)rte_ring_mp_enqueue_burst(bench.lc[owner].ring,
						   (void **)pkts, n, NULL);
}

/* What other lcores handed over, judged; how many. */
static unsigned int
ring_poll(struct blcore *b, uint64_t now)
{
	struct rte_mbuf *pkts[WM_DP_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(b->ring, (void **)pkts,
						   WM_DP_BURST, NULL);

	if (n > 0)
		wm_dp_judge_burst(b->dp, pkts, (uint16_t)n, now);
	return n;
}

/*
 * The software hand-off, as the appliance runs it without symmetric
 * RSS: each lcore receives its share, judges its own flows and hands
 * the rest to their owners' rings, polling its own after each burst,
 * until every lcore is done receiving and its ring is empty.
 */
static void
pass_handoff(struct blcore *b)
{
	uint64_t now;

	for (uint32_t i = 0; i < b->n; i += WM_DP_BURST) {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)WM_DP_BURST, b->n - i);

		now = rte_rdtsc();
		b->burst_now = now;
		wm_dp_rx_burst(b->dp, b->m + i, k, 0, now);
		ring_poll(b, now);
		wm_dp_tick(b->dp, now);
	}
	__atomic_fetch_add(&bench.sent, 1, __ATOMIC_RELEASE);
	for (;;) {
		bool all = __atomic_load_n(&bench.sent, __ATOMIC_ACQUIRE) ==
			   bench.active;

		now = rte_rdtsc();
		if (ring_poll(b, now) == 0 && all)
			break;
		wm_dp_tick(b->dp, now);
	}
}

static int
hs_count(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *arg)
{
	RTE_SET_USED(id);
	RTE_SET_USED(from);
	RTE_SET_USED(to);
	RTE_SET_USED(flags);
	(*(uint64_t *)arg)++;
	return 0;
}

static void
pass_io(struct blcore *b)
{
	for (uint32_t i = 0; i < b->n; i += WM_DP_BURST) {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)WM_DP_BURST, b->n - i);

		b->tx += k;
		rte_pktmbuf_free_bulk(b->m + i, k);
	}
}

static void
pass_full(struct blcore *b)
{
	for (uint32_t i = 0; i < b->n; i += WM_DP_BURST) {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)WM_DP_BURST, b->n - i);
		uint64_t now = rte_rdtsc();

		b->burst_now = now;
		wm_dp_rx_burst(b->dp, b->m + i, k, 0, now);
		wm_dp_tick(b->dp, now);
	}
}

static void
pass_hs(struct blcore *b)
{
	hs_scratch_t *scratch = bench.scratch[b - bench.lc];

	for (uint32_t i = 0; i < b->n; i++) {
		const struct frame *f = &bench.fr[b->idx[i]];

		if (!f->scan)
			continue;
		hs_scan_stream(bench.hs[f->fd],
			       rte_pktmbuf_mtod_offset(b->m[i], const char *,
						       f->pay_off),
			       f->pay_len, 0, scratch, hs_count, &b->matches);
	}
}

/*
 * The ACK pass: the pure ACKs after the capture's frames (m[n, ..)).
 * Not inlined, so a profiler (callgrind --toggle-collect=pass_ack)
 * can count its instructions alone.
 */
static __rte_noinline void
pass_ack(struct blcore *b)
{
	for (uint32_t i = 0; i < b->nack; i += WM_DP_BURST) {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)WM_DP_BURST,
					       b->nack - i);
		uint64_t now = rte_rdtsc();

		b->burst_now = now;
		wm_dp_rx_burst(b->dp, b->m + b->n + i, k, 0, now);
		wm_dp_tick(b->dp, now);
	}
}

static int
lcore_pass(void *arg)
{
	unsigned int i;

	RTE_SET_USED(arg);
	for (i = 0; i < bench.active; i++)
		if (bench.lc[i].lcore == rte_lcore_id())
			break;
	if (i == bench.active)
		return 0;
	/* Start together: the pass lasts from the first start to the last end. */
	__atomic_fetch_add(&bench.ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&bench.ready, __ATOMIC_ACQUIRE) < bench.active)
		rte_pause();
	bench.lc[i].t_start = rte_rdtsc();
	switch (bench.kind) {
	case PASS_IO:
		pass_io(&bench.lc[i]);
		break;
	case PASS_FULL:
	case PASS_PROF:
	case PASS_RAW:
		pass_full(&bench.lc[i]);
		break;
	case PASS_HS:
		pass_hs(&bench.lc[i]);
		break;
	case PASS_ACK:
		pass_ack(&bench.lc[i]);
		break;
	case PASS_HANDOFF:
		pass_handoff(&bench.lc[i]);
		break;
	default:
		break;
	}
	bench.lc[i].t_end = rte_rdtsc();
	return 0;
}

/* Give each active lcore fresh copies of its frames (not timed). */
static int
mbufs_prepare(void)
{
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		if (rte_pktmbuf_alloc_bulk(bench.pool, b->m, b->n) != 0) {
			fprintf(stderr, "wiremask-bench: %u mbufs: pool "
				"exhausted (give EAL more memory with -m)\n",
				b->n);
			return -ENOMEM;
		}
		for (uint32_t k = 0; k < b->n; k++) {
			const struct frame *f = &bench.fr[b->idx[k]];
			struct rte_mbuf *m = b->m[k];

			memcpy(rte_pktmbuf_mtod(m, void *), bench.data + f->off,
			       f->len);
			m->data_len = (uint16_t)f->len;
			m->pkt_len = f->len;
			wm_pkt_meta(m)->arrival_tsc = 0;
		}
	}
	return 0;
}

/*
 * The ACK pass's setup (not timed): each lcore's data path judges its
 * frames, so their flows are in the table with nothing held (holds
 * timed out); then the pure ACKs of its data frames, in capture order,
 * go after them in m[].
 */
static int
acks_prepare(void)
{
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];
		uint32_t k = 0;

		pass_full(b);
		wm_dp_expire(b->dp, rte_rdtsc() + rte_get_tsc_hz());
		for (uint32_t j = 0; j < b->n; j++)
			k += bench.fr[b->idx[j]].ack_len != 0;
		b->nack = k;
		if (k == 0)
			continue;
		if (rte_pktmbuf_alloc_bulk(bench.pool, b->m + b->n, k) != 0) {
			fprintf(stderr, "wiremask-bench: %u ACK mbufs: pool "
				"exhausted (give EAL more memory with -m)\n", k);
			return -ENOMEM;
		}
		k = 0;
		for (uint32_t j = 0; j < b->n; j++) {
			const struct frame *f = &bench.fr[b->idx[j]];
			struct rte_mbuf *m;

			if (f->ack_len == 0)
				continue;
			m = b->m[b->n + k++];
			memcpy(rte_pktmbuf_mtod(m, void *),
			       bench.ack + (size_t)b->idx[j] * ACK_MAX,
			       f->ack_len);
			m->data_len = f->ack_len;
			m->pkt_len = f->ack_len;
			wm_pkt_meta(m)->arrival_tsc = 0;
		}
	}
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

enum samples { ALL, HELD, FRESH };

static uint32_t *
samples_of(struct blcore *b, enum samples which, uint32_t *n)
{
	*n = which == ALL ? b->nlat : which == HELD ? b->nheld : b->nfresh;
	return which == ALL ? b->lat : which == HELD ? b->held : b->fresh;
}

/* Percentiles of the samples of every active lcore, in microseconds. */
static void
percentiles(enum samples which, double *p50, double *p99, double *max,
	    uint64_t *count)
{
	uint64_t n = 0, k = 0;
	uint32_t *all, m;

	for (unsigned int i = 0; i < bench.active; i++) {
		samples_of(&bench.lc[i], which, &m);
		n += m;
	}
	*count = n;
	*p50 = *p99 = *max = 0;
	if (n == 0 || (all = malloc(n * sizeof(*all))) == NULL)
		return;
	for (unsigned int i = 0; i < bench.active; i++) {
		const uint32_t *s = samples_of(&bench.lc[i], which, &m);

		memcpy(all + k, s, m * sizeof(*all));
		k += m;
	}
	qsort(all, n, sizeof(*all), cmp_u32);
	*p50 = all[n / 2] * 1e6 / (double)rte_get_tsc_hz();
	*p99 = all[RTE_MIN(n - 1, n * 99 / 100)] * 1e6 /
	       (double)rte_get_tsc_hz();
	*max = all[n - 1] * 1e6 / (double)rte_get_tsc_hz();
	free(all);
}

static void
mem_add(struct wm_dp_mem *sum, const struct wm_dp_mem *m)
{
	sum->flows += m->flows;
	sum->entry_bytes += m->entry_bytes;
	sum->hs_bytes += m->hs_bytes;
	sum->window_bytes += m->window_bytes;
	sum->retained_bytes += m->retained_bytes;
	sum->view_bytes += m->view_bytes;
	sum->held_bytes += m->held_bytes;
	sum->queued_bytes += m->queued_bytes;
	sum->total += m->total;
}

/*
 * Every byte the flows cost at the end of the full pass (not timed);
 * then idle: every hold timed out (a second later) and every direction
 * whose bytes are all acknowledged at rest, as the ageing sweep leaves
 * a flow once its grace has passed.
 */
static void
flows_cost(struct result *r)
{
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];
		struct wm_dp_mem m;

		wm_dp_mem(b->dp, &m);
		mem_add(&r->live, &m);
		wm_dp_expire(b->dp, rte_rdtsc() + rte_get_tsc_hz());
		wm_dp_rest(b->dp);
		wm_dp_mem(b->dp, &m);
		mem_add(&r->idle, &m);
	}
}

/* Between the symmetric spread and the hand-off pass's. */
static void
dist_swap(void)
{
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];
		uint32_t *idx = b->idx, n = b->n;

		b->idx = b->hidx;
		b->n = b->hn;
		b->hidx = idx;
		b->hn = n;
	}
}

static int
pass_run(enum pass kind, struct result *r)
{
	uint64_t first = UINT64_MAX, last = 0;
	struct wm_stats before, after;
	struct wm_dp_usage u;

	memset(r, 0, sizeof(*r));
	if (kind == PASS_HANDOFF)
		dist_swap();
	if (mbufs_prepare() < 0)
		return -ENOMEM;
	memset(&before, 0, sizeof(before));
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		b->tx = b->matches = 0;
		b->nlat = b->nheld = b->nfresh = 0;
		wm_dp_usage(b->dp, &u, true);
		wm_stats_add(&before, wm_dp_stats(b->dp));
		if (kind == PASS_PROF) {
			b->lat = malloc(NSAMPLE_MAX * sizeof(*b->lat));
			b->held = malloc(NSAMPLE_MAX * sizeof(*b->held));
			b->fresh = malloc(NSAMPLE_MAX * sizeof(*b->fresh));
			b->prof = calloc(1, sizeof(*b->prof));
			if (b->lat == NULL || b->held == NULL ||
			    b->fresh == NULL || b->prof == NULL)
				return -ENOMEM;
			wm_dp_set_prof(b->dp, b->prof);
		}
		/* The same path, the protocol stage off: what it costs. */
		wm_dp_set_proto(b->dp, kind != PASS_RAW);
	}
	if (kind == PASS_ACK && acks_prepare() < 0)
		return -ENOMEM;
	if (kind == PASS_HS)
		for (unsigned int i = 0; i < bench.active; i++)
			for (uint32_t k = 0; k < bench.lc[i].n; k++) {
				const struct frame *f = &bench.fr[bench.lc[i].idx[k]];

				if (f->scan && bench.hs[f->fd] == NULL &&
				    wm_match_stream_open(bench.fds.db[f->fd / 2],
							 &bench.hs[f->fd]) < 0)
					return -ENOMEM;
			}
	bench.kind = kind;
	__atomic_store_n(&bench.ready, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&bench.sent, 0, __ATOMIC_RELAXED);
	rte_eal_mp_remote_launch(lcore_pass, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		first = RTE_MIN(first, b->t_start);
		last = RTE_MAX(last, b->t_end);
		r->busy += b->t_end - b->t_start;
		wm_dp_usage(b->dp, &u, false);
		r->win_peak += u.windows_peak;
	}
	r->cycles = last - first;
	if (kind == PASS_FULL)
		flows_cost(r);
	/* After the clock: what is still held leaves, and flows end. */
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		if (kind == PASS_FULL || kind == PASS_PROF || kind == PASS_RAW ||
		    kind == PASS_ACK || kind == PASS_HANDOFF) {
			wm_dp_flush(b->dp);
		} else if (kind == PASS_HS) {
			rte_pktmbuf_free_bulk(b->m, b->n);
			for (uint32_t k = 0; k < b->n; k++) {
				hs_stream_t **s = &bench.hs[bench.fr[b->idx[k]].fd];

				if (*s != NULL) {
					hs_close_stream(*s, bench.scratch[i],
							NULL, NULL);
					*s = NULL;
				}
			}
		}
	}
	if (kind == PASS_PROF) {
		double lat_max;

		percentiles(ALL, &r->lat_p50, &r->lat_p99, &lat_max, &r->nlat);
		percentiles(HELD, &r->held_p50, &r->held_p99, &r->held_max,
			    &r->nheld);
		percentiles(FRESH, &r->fresh_p50, &r->fresh_p99,
			    &r->fresh_max, &r->nfresh);
		for (unsigned int i = 0; i < bench.active; i++) {
			struct blcore *b = &bench.lc[i];

			for (unsigned int s = 0; s < WM_STAGE_MAX; s++)
				r->prof.cycles[s] += b->prof->cycles[s];
			wm_dp_set_prof(b->dp, NULL);
			free(b->prof);
			b->prof = NULL;
			free(b->lat);
			free(b->held);
			free(b->fresh);
			b->lat = b->held = b->fresh = NULL;
		}
	}
	if (kind == PASS_HANDOFF)
		dist_swap();
	memset(&after, 0, sizeof(after));
	for (unsigned int i = 0; i < bench.active; i++)
		wm_stats_add(&after, wm_dp_stats(bench.lc[i].dp));
	for (unsigned int c = 0; c < WM_CTR_MAX; c++)
		r->stats.ctr[c] = after.ctr[c] - before.ctr[c];
	for (unsigned int d = 0; d < WM_STATS_DETECTORS; d++)
		r->stats.masked[d] = after.masked[d] - before.masked[d];
	return 0;
}

/* ---- one worker count ------------------------------------------------- */

static int
cmp_cycles(const void *a, const void *b)
{
	uint64_t x = ((const struct result *)a)->cycles;
	uint64_t y = ((const struct result *)b)->cycles;

	return x < y ? -1 : x > y;
}

/*
 * Frames to @n lcores by flow hash, and each a fresh data path as
 * worker i of n (so a flow's owner is the lcore that has its frames).
 */
static int
distribute(unsigned int n)
{
	struct wm_dp_conf c = {
		.cfg = bench.cfg,
		.segs = bench.segs,
		.segment_names = bench.segment_names,
		.nworkers = n,
		.nports = 2,            /* a bump in the wire: 0 <-> 1 */
		.ports = { { .peer = 1, .link = 0 }, { .peer = 0, .link = 0 } },
		.tx = bench_tx,
		.handoff = bench_handoff,
	};

	bench.active = n;
	for (unsigned int i = 0; i < n; i++) {
		struct blcore *b = &bench.lc[i];

		b->n = b->hn = 0;
		wm_dp_free(b->dp);
		c.tx_arg = b;
		b->dp = wm_dp_create(&c, i,
				     (int)rte_lcore_to_socket_id(b->lcore));
		if (b->dp == NULL) {
			fprintf(stderr, "wiremask-bench: worker %u: out of "
				"memory (flow table %u)\n", i,
				bench.cfg->flow_table_size);
			return -ENOMEM;
		}
	}
	for (uint32_t k = 0; k < bench.nfr; k++) {
		struct blcore *b = &bench.lc[wm_dp_owner(bench.fr[k].hash, n)];
		struct blcore *h = &bench.lc[(k / WM_DP_BURST) % n];

		b->idx[b->n++] = k;
		h->hidx[h->hn++] = k;
	}
	for (unsigned int i = 0; i < n && n > 1; i++) {
		struct blcore *b = &bench.lc[i];
		char name[RTE_RING_NAMESIZE];

		if (b->ring != NULL)
			continue;
		/* Room for every frame: a hand-off never finds it full. */
		snprintf(name, sizeof(name), "bench_ho_%u", i);
		b->ring = rte_ring_create(name, rte_align32pow2(bench.nfr + 1),
					  (int)rte_lcore_to_socket_id(b->lcore),
					  RING_F_SC_DEQ);
		if (b->ring == NULL) {
			fprintf(stderr, "wiremask-bench: hand-off ring: %s\n",
				rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

static double
rate(uint64_t units, uint64_t cycles)
{
	return cycles == 0 ? 0 : (double)units * (double)rte_get_tsc_hz() /
				  (double)cycles;
}

int
run_workers(struct run *run)
{
	struct result *res[6];
	const enum pass order[6] = { PASS_IO, PASS_FULL, PASS_HS, PASS_RAW,
				     PASS_ACK, PASS_HANDOFF };
	/* One worker hands nothing over: no hand-off pass then. */
	unsigned int nk = run->workers > 1 ? 6 : 5;
	uint64_t drops = 0;

	if (distribute(run->workers) < 0)
		return -ENOMEM;
	for (unsigned int k = 0; k < 6; k++) {
		res[k] = calloc(bench.passes, sizeof(struct result));
		if (res[k] == NULL)
			return -ENOMEM;
	}
	/* Interleaved, so a noisy neighbour hits every kind alike. */
	for (unsigned int p = 0; p < bench.passes; p++)
		for (unsigned int k = 0; k < nk; k++)
			if (pass_run(order[k], &res[k][p]) < 0)
				return -ENOMEM;
	for (unsigned int k = 0; k < 6; k++)
		qsort(res[k], bench.passes, sizeof(struct result), cmp_cycles);
	run->io = res[0][bench.passes / 2];
	run->full = res[1][bench.passes / 2];
	run->hs = res[2][bench.passes / 2];
	run->raw = res[3][bench.passes / 2];
	run->ack = res[4][bench.passes / 2];
	run->handoff = res[5][bench.passes / 2];
	for (unsigned int k = 0; k < 6; k++)
		free(res[k]);
	if (bench.profile && pass_run(PASS_PROF, &run->prof) < 0)
		return -ENOMEM;
	run->io_mpps = rate(bench.nfr, run->io.cycles) / 1e6;
	run->full_mpps = rate(bench.nfr, run->full.cycles) / 1e6;
	run->full_gbps = rate(bench.payload_bytes * 8, run->full.cycles) / 1e9;
	run->full_wire_gbps = rate(bench.wire_bytes * 8, run->full.cycles) / 1e9;
	run->hs_gbps = rate(bench.scan_bytes * 8, run->hs.cycles) / 1e9;
	run->raw_gbps = rate(bench.payload_bytes * 8, run->raw.cycles) / 1e9;
	run->ack_mpps = rate(bench.nack, run->ack.cycles) / 1e6;
	run->handoff_mpps = rate(bench.nfr, run->handoff.cycles) / 1e6;
	run->cycles_per_pkt = (double)run->full.cycles * run->workers /
			      (double)bench.nfr;
	run->flows = run->full.stats.ctr[WM_CTR_FLOW_NEW];
	for (unsigned int c = 0; c < WM_CTR_MAX; c++)
		if (strncmp(wm_stats_name(c), "drop.", 5) == 0 ||
		    c == WM_CTR_TX_DROP || c == WM_CTR_RING_DROP)
			drops += run->full.stats.ctr[c];
	run->dropped = drops;
	return 0;
}
