/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-bench's timed passes: io-forward, the full data path (lib/
 * datapath with the bench's tx callback), the raw Hyperscan ceiling and a
 * profiled full pass, each on fresh copies of the capture's frames.
 */
#define _GNU_SOURCE             /* RUSAGE_THREAD */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <sys/resource.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>

#include "bench.h"

/* ---- passes ----------------------------------------------------------- */

/*
 * The lcore's clock: the TSC less the time it stood still while the
 * next window of frames was copied into mbufs. The data path is given
 * this clock, so holds and timeouts do not run on during a refill.
 */
static inline uint64_t
vnow(const struct blcore *b)
{
	return rte_rdtsc() - b->paused;
}

/* The data path's transmit: timestamps sampled, buffers freed. */
static uint16_t
bench_tx(void *arg, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct blcore *b = arg;

	RTE_SET_USED(port);
	if (b->lat != NULL) {
		uint64_t now = vnow(b);

		for (uint16_t i = 0; i < n; i++) {
			uint64_t a = wm_pkt_meta(pkts[i])->arrival_tsc;

			uint32_t d;

			if (a == 0)
				continue;       /* not a payload packet */
			/* Paced: from its arrival, not from the poll. */
			if (bench.kind == PASS_PACED ||
			    bench.kind == PASS_FLOOR)
				d = (uint32_t)RTE_MIN(now - *RTE_MBUF_DYNFIELD(
					pkts[i], bench.arrival_off, uint64_t *),
					UINT32_MAX);
			else
				d = (uint32_t)RTE_MIN(now - a, UINT32_MAX);
			if (b->nlat < NSAMPLE_MAX)
				b->lat[b->nlat++] = d;
			if (a == b->burst_now && b->nfresh < NSAMPLE_MAX) {
				if (b->fresh_at != NULL)
					b->fresh_at[b->nfresh] = now - d;
				b->fresh[b->nfresh++] = d;
			}
			if (a != b->burst_now && b->nheld < NSAMPLE_MAX)
				b->held[b->nheld++] = d;
		}
	}
	b->tx += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/* Of @left frames waiting, those the next rx burst takes. */
static inline uint32_t
rx_take(const struct blcore *b, uint32_t left)
{
	return RTE_MIN(left, (uint32_t)wm_dp_rx_size(b->dp));
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
						   wm_dp_rx_size(b->dp), NULL);

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
pass_handoff(struct blcore *b, struct rte_mbuf **m, uint32_t n)
{
	for (uint32_t i = 0, k; i < n; i += k) {
		uint64_t now = vnow(b);

		k = rx_take(b, n - i);
		b->burst_now = now;
		wm_dp_rx_burst(b->dp, m + i, (uint16_t)k, 0, now);
		ring_poll(b, now);
		wm_dp_tick(b->dp, now);
	}
}

/* The hand-off pass's end: every lcore done receiving, rings empty. */
static void
handoff_drain(struct blcore *b)
{
	__atomic_fetch_add(&bench.sent, 1, __ATOMIC_RELEASE);
	for (;;) {
		bool all = __atomic_load_n(&bench.sent, __ATOMIC_ACQUIRE) ==
			   bench.active;
		uint64_t now = vnow(b);

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
pass_io(struct blcore *b, struct rte_mbuf **m, uint32_t n)
{
	for (uint32_t i = 0; i < n; i += WM_DP_BURST) {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)WM_DP_BURST, n - i);

		b->tx += k;
		rte_pktmbuf_free_bulk(m + i, k);
	}
}

/*
 * Profiled pass, after a burst: its samples of packets that left in it
 * count as calm unless the scheduler took the CPU meanwhile (one
 * getrusage a burst, after its packets left: not in their latency).
 */
static void
burst_calm(struct blcore *b, uint32_t fresh0)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	b->bursts++;
	if ((uint64_t)ru.ru_nivcsw != b->csw) {
		b->csw = (uint64_t)ru.ru_nivcsw;
		b->bursts_preempted++;
		return;
	}
	for (uint32_t i = fresh0; i < b->nfresh && b->ncalm < NSAMPLE_MAX; i++)
		b->calm[b->ncalm++] = b->fresh[i];
}

/*
 * The full path (and the ACK pass: the same calls on pure ACKs), its
 * frames waiting as in a NIC's ring kept full: each burst takes what
 * the appliance's would (wm_dp_rx_size()).
 */
static void
pass_full(struct blcore *b, struct rte_mbuf **m, uint32_t n)
{
	for (uint32_t i = 0, k; i < n; i += k) {
		uint64_t now = vnow(b);
		uint32_t fresh0 = b->nfresh;

		k = rx_take(b, n - i);
		b->burst_now = now;
		wm_dp_rx_burst(b->dp, m + i, (uint16_t)k, 0, now);
		wm_dp_tick(b->dp, now);
		if (b->calm != NULL)
			burst_calm(b, fresh0);
	}
}

/*
 * Paced pass, after a poll: its fresh samples are calm if the scheduler
 * did not take the CPU during the poll, nor since they arrived, nor
 * left a backlog they waited behind: b->pre_end is the poll that found
 * the worker caught up after the last preemption.
 */
static void
poll_calm(struct blcore *b, uint32_t fresh0, uint64_t now)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	if ((uint64_t)ru.ru_nivcsw != b->csw) {
		b->csw = (uint64_t)ru.ru_nivcsw;
		b->pre_end = now;
		b->backlog = true;
		b->bursts_preempted++;
		return;
	}
	if (b->backlog)         /* still behind: they waited in it */
		return;
	for (uint32_t i = fresh0; i < b->nfresh && b->ncalm < NSAMPLE_MAX; i++)
		if (b->fresh_at[i] > b->pre_end)
			b->calm[b->ncalm++] = b->fresh[i];
}

/* The floor's burst: @m (frames @idx) leave unjudged after a busy loop
 * of the full path's mean cost (@k x b->cost cycles) that a stall of the
 * CPU lengthens as it would lengthen judging. */
static void
floor_burst(struct blcore *b, const uint32_t *idx, struct rte_mbuf **m,
	    uint16_t k, uint64_t now)
{
	uint64_t want = k * b->cost, done = 0, prev = rte_rdtsc();
	uint64_t step_max = rte_get_tsc_hz() / 500000;  /* 2 us: a stall */

	while (done < want) {
		uint64_t t = rte_rdtsc();

		if (t - prev < step_max)
			done += t - prev;
		prev = t;
	}
	for (uint16_t i = 0; i < k; i++)
		wm_pkt_meta(m[i])->arrival_tsc = bench.fr[idx[i]].scan ? now : 0;
	bench_tx(b, 0, m, k);
}

/*
 * The paced pass: frame j of the share arrives at pace_t0 + j * gap,
 * as from a link below the worker's capacity; each poll takes what has
 * arrived (at most a burst), as rx_burst would, then the timers run.
 * The floor pass: the same, every frame at the mean cost (queueing and
 * the machine's stalls, no more). @first: the share's index of m[0].
 */
static void
pass_paced(struct blcore *b, const uint32_t *idx, struct rte_mbuf **m,
	   uint32_t n, uint32_t first)
{
	uint32_t next = 0, fresh0;

	while (next < n) {
		uint64_t now = vnow(b);
		uint64_t due = (now - b->pace_t0) / b->gap + 1; /* arrived */
		uint16_t k;

		if (due <= (uint64_t)first + next) {
			wm_dp_tick(b->dp, now);
			continue;
		}
		k = (uint16_t)rx_take(b, (uint32_t)(RTE_MIN(due - first,
							   (uint64_t)n) - next));
		/* Everything that has arrived taken: caught up. */
		if (b->backlog && due - first - next <= k) {
			b->backlog = false;
			b->pre_end = now;
		}
		for (uint16_t i = 0; i < k; i++)
			*RTE_MBUF_DYNFIELD(m[next + i], bench.arrival_off,
					   uint64_t *) = b->pace_t0 +
				(uint64_t)(first + next + i) * b->gap;
		b->burst_now = now;
		fresh0 = b->nfresh;
		if (bench.kind == PASS_FLOOR)
			floor_burst(b, idx + next, m + next, k, now);
		else
			wm_dp_rx_burst(b->dp, m + next, k, 0, now);
		wm_dp_tick(b->dp, now);
		next += k;
		b->bursts++;
		poll_calm(b, fresh0, vnow(b));
	}
}

/* Not inlined: callgrind --toggle-collect=pass_ack counts it alone. */
static __rte_noinline void
pass_ack(struct blcore *b, struct rte_mbuf **m, uint32_t n)
{
	pass_full(b, m, n);
}

static void
pass_hs(struct blcore *b, const uint32_t *idx, struct rte_mbuf **m,
	uint32_t n)
{
	hs_scratch_t *scratch = bench.scratch[b - bench.lc];

	for (uint32_t i = 0; i < n; i++) {
		const struct frame *f = &bench.fr[idx[i]];

		if (!f->scan)
			continue;
		hs_scan_stream(bench.hs[f->fd],
			       rte_pktmbuf_mtod_offset(m[i], const char *,
						       f->pay_off),
			       f->pay_len, 0, scratch, hs_count, &b->matches);
	}
}

/*
 * Copy frames @idx[0, n) (their pure ACKs if @ack) into fresh mbufs
 * b->m[0, n). False when the pool ran dry (held packets keep theirs).
 */
static bool
window_fill(struct blcore *b, const uint32_t *idx, uint32_t n, bool ack)
{
	if (rte_pktmbuf_alloc_bulk(bench.pool, b->m, n) != 0) {
		__atomic_store_n(&bench.fill_err, 1, __ATOMIC_RELAXED);
		return false;
	}
	for (uint32_t k = 0; k < n; k++) {
		const struct frame *f = &bench.fr[idx[k]];
		struct rte_mbuf *m = b->m[k];
		uint32_t len = ack ? f->ack_len : f->len;

		memcpy(rte_pktmbuf_mtod(m, void *),
		       ack ? bench.ack + (size_t)idx[k] * ACK_MAX :
			     bench.data + f->off, len);
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		wm_pkt_meta(m)->arrival_tsc = 0;
	}
	return true;
}

/* Frames a window holds: the whole share unless --window cuts it. */
static uint32_t
window_of(uint32_t n)
{
	return bench.window != 0 ? RTE_MIN(bench.window, n) : n;
}

/*
 * The ACK pass's setup (not timed): the data path judges the lcore's
 * frames, window by window, so their flows are in the table with
 * nothing held (holds timed out); the pure ACKs come next.
 */
static bool
acks_prepare(struct blcore *b)
{
	uint32_t w = window_of(b->n);

	for (uint32_t lo = 0; lo < b->n; lo += w) {
		uint32_t k = RTE_MIN(w, b->n - lo);

		if (!window_fill(b, b->idx + lo, k, false))
			return false;
		pass_full(b, b->m, k);
	}
	wm_dp_expire(b->dp, vnow(b) + rte_get_tsc_hz());
	return true;
}

/* This thread's time on a CPU, in ns (time preempted not counted). */
static uint64_t
oncpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Run one window of the pass, @first the share's index of its start. */
static void
window_run(struct blcore *b, const uint32_t *idx, uint32_t n, uint32_t first)
{
	switch (bench.kind) {
	case PASS_PACED:
	case PASS_FLOOR:
		pass_paced(b, idx, b->m, n, first);
		break;
	case PASS_IO:
		pass_io(b, b->m, n);
		break;
	case PASS_FULL:
	case PASS_PROF:
	case PASS_RAW:
		pass_full(b, b->m, n);
		break;
	case PASS_ACK:
		pass_ack(b, b->m, n);
		break;
	case PASS_HS:
		pass_hs(b, idx, b->m, n);
		break;
	case PASS_HANDOFF:
		pass_handoff(b, b->m, n);
		break;
	default:
		break;
	}
}

/*
 * One lcore's pass over its frames (the ACK pass: over its pure ACKs),
 * a window at a time: the first is copied before the start line, each
 * later one with the clock stopped (b->paused), so a capture larger
 * than memory is replayed in pieces and only the judging is timed.
 */
static int
lcore_pass(void *arg)
{
	const uint32_t *src;
	struct blcore *b;
	uint32_t n, w, k;
	bool ack = bench.kind == PASS_ACK, ok = true;
	struct rusage ru;
	unsigned int i;

	RTE_SET_USED(arg);
	for (i = 0; i < bench.active; i++)
		if (bench.lc[i].lcore == rte_lcore_id())
			break;
	if (i == bench.active)
		return 0;
	b = &bench.lc[i];
	src = ack ? b->aidx : b->idx;
	n = ack ? b->an : b->n;
	w = window_of(n);
	b->paused = 0;
	if (ack)
		ok = acks_prepare(b);
	k = RTE_MIN(w, n);
	ok = ok && window_fill(b, src, k, ack);
	/* Start together: the pass lasts from the first start to the last end. */
	__atomic_fetch_add(&bench.ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&bench.ready, __ATOMIC_ACQUIRE) < bench.active)
		rte_pause();
	getrusage(RUSAGE_THREAD, &ru);
	b->nivcsw = b->csw = (uint64_t)ru.ru_nivcsw;
	b->oncpu_ns = oncpu_ns();
	b->t_start = rte_rdtsc();
	b->pace_t0 = b->t_start;
	for (uint32_t lo = 0; ok && lo < n; lo += w) {
		if (lo > 0) {
			uint64_t t0 = rte_rdtsc();

			if (bench.kind == PASS_HS)
				rte_pktmbuf_free_bulk(b->m, k);
			k = RTE_MIN(w, n - lo);
			ok = window_fill(b, src + lo, k, ack);
			b->paused += rte_rdtsc() - t0;
			if (!ok)
				break;
		}
		window_run(b, src + lo, k, lo);
	}
	if (bench.kind == PASS_HANDOFF)
		handoff_drain(b);
	b->t_end = rte_rdtsc();
	getrusage(RUSAGE_THREAD, &ru);
	b->nivcsw = (uint64_t)ru.ru_nivcsw - b->nivcsw;
	/* Less the refills (copies, not judging). */
	b->oncpu_ns = oncpu_ns() - b->oncpu_ns;
	b->oncpu_ns -= RTE_MIN(b->oncpu_ns, (uint64_t)((double)b->paused * 1e9 /
						       (double)rte_get_tsc_hz()));
	if (bench.kind == PASS_HS && ok)
		rte_pktmbuf_free_bulk(b->m, k);
	return 0;
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
	bool fill_err;
	struct wm_dp_usage u;

	memset(r, 0, sizeof(*r));
	if (kind == PASS_HANDOFF)
		dist_swap();
	memset(&before, 0, sizeof(before));
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		b->tx = b->matches = 0;
		b->nlat = b->nheld = b->nfresh = b->ncalm = 0;
		b->bursts = b->bursts_preempted = 0;
		wm_dp_usage(b->dp, &u, true);
		wm_stats_add(&before, wm_dp_stats(b->dp));
		if (kind == PASS_PROF || kind == PASS_PACED ||
		    kind == PASS_FLOOR) {
			b->lat = malloc(NSAMPLE_MAX * sizeof(*b->lat));
			b->held = malloc(NSAMPLE_MAX * sizeof(*b->held));
			b->fresh = malloc(NSAMPLE_MAX * sizeof(*b->fresh));
			if (b->lat == NULL || b->held == NULL ||
			    b->fresh == NULL)
				return -ENOMEM;
		}
		if (kind == PASS_PACED || kind == PASS_FLOOR) {
			b->pre_end = 0;
			b->backlog = false;
			b->calm = malloc(NSAMPLE_MAX * sizeof(*b->calm));
			b->fresh_at = malloc(NSAMPLE_MAX * sizeof(*b->fresh_at));
			if (b->calm == NULL || b->fresh_at == NULL)
				return -ENOMEM;
		}
		if (kind == PASS_PROF) {
			b->prof = calloc(1, sizeof(*b->prof));
			b->calm = malloc(NSAMPLE_MAX * sizeof(*b->calm));
			if (b->prof == NULL || b->calm == NULL)
				return -ENOMEM;
			wm_dp_set_prof(b->dp, b->prof);
		}
		/* The same path, the protocol stage off: what it costs. */
		wm_dp_set_proto(b->dp, kind != PASS_RAW);
	}
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
	__atomic_store_n(&bench.fill_err, 0, __ATOMIC_RELAXED);
	rte_eal_mp_remote_launch(lcore_pass, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		/* Less the refills: from the first start to the last end. */
		first = RTE_MIN(first, b->t_start);
		last = RTE_MAX(last, b->t_end - b->paused);
		r->busy += b->t_end - b->t_start - b->paused;
		r->nivcsw += b->nivcsw;
		r->oncpu_ns = RTE_MAX(r->oncpu_ns, b->oncpu_ns);
		wm_dp_usage(b->dp, &u, false);
		r->win_peak += u.windows_peak;
	}
	r->cycles = last - first;
	fill_err = __atomic_load_n(&bench.fill_err, __ATOMIC_RELAXED) != 0;
	if (kind == PASS_FULL && !fill_err) {
		r->dp_heap = bench_heap_in_use() - bench.heap_base;
		flows_cost(r);
	}
	/* After the clock: what is still held leaves, and flows end. */
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		if (kind == PASS_FULL || kind == PASS_PROF || kind == PASS_RAW ||
		    kind == PASS_ACK || kind == PASS_HANDOFF ||
		    kind == PASS_PACED || kind == PASS_FLOOR) {
			wm_dp_flush(b->dp);
		} else if (kind == PASS_HS) {
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
	if (kind == PASS_PROF || kind == PASS_PACED || kind == PASS_FLOOR) {
		double lat_max;

		percentiles(ALL, &r->lat_p50, &r->lat_p99, &lat_max, &r->nlat);
		percentiles(HELD, &r->held_p50, &r->held_p99, &r->held_max,
			    &r->nheld);
		percentiles(FRESH, &r->fresh_p50, &r->fresh_p99,
			    &r->fresh_max, &r->nfresh);
		percentiles(CALM, &r->calm_p50, &r->calm_p99, &r->calm_max,
			    &r->ncalm);
		for (unsigned int i = 0; i < bench.active; i++) {
			struct blcore *b = &bench.lc[i];

			for (unsigned int s = 0; b->prof != NULL &&
						 s < WM_STAGE_MAX; s++)
				r->prof.cycles[s] += b->prof->cycles[s];
			wm_dp_set_prof(b->dp, NULL);
			free(b->prof);
			b->prof = NULL;
			free(b->lat);
			free(b->held);
			free(b->fresh);
			free(b->calm);
			free(b->fresh_at);
			b->fresh_at = NULL;
			r->bursts += b->bursts;
			r->bursts_preempted += b->bursts_preempted;
			b->lat = b->held = b->fresh = b->calm = NULL;
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
	if (fill_err) {
		fprintf(stderr, "wiremask-bench: %s pass: the mbuf pool ran "
			"dry (held packets keep theirs): a smaller --window, "
			"or more memory (-m)\n", pass_name[kind]);
		return -ENOMEM;
	}
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
 * What the heaps hold from here on is the data paths' (bench.heap_base).
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
	for (unsigned int i = 0; i < bench.nlcores; i++) {
		wm_dp_free(bench.lc[i].dp);
		bench.lc[i].dp = NULL;
	}
	if (bench_rings_make(n) < 0)
		return -ENOMEM;
	bench.cfg->flow_table_size = bench_table_size(n);
	bench.heap_base = bench_heap_in_use();
	for (unsigned int i = 0; i < n; i++) {
		struct blcore *b = &bench.lc[i];

		b->n = b->hn = b->an = 0;
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
		if (bench.fr[k].ack_len != 0)
			b->aidx[b->an++] = k;
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
	/*
	 * One worker hands nothing over: no hand-off pass then; nor with
	 * --window, as a ring may pin more mbufs than a window's slack.
	 */
	unsigned int nk = run->workers > 1 && bench.window == 0 ? 6 : 5;
	uint64_t drops = 0;

	for (unsigned int k = 0; k < 6; k++) {
		res[k] = calloc(bench.passes, sizeof(struct result));
		if (res[k] == NULL)
			return -ENOMEM;
	}
	if (distribute(run->workers) < 0)
		return -ENOMEM;
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
	/* Paced at bench.load of each share's full path rate. */
	for (unsigned int i = 0; i < run->workers && bench.load > 0; i++) {
		struct blcore *b = &bench.lc[i];

		b->gap = (uint64_t)((double)run->full.cycles /
				    (bench.load * RTE_MAX(b->n, 1u))) + 1;
		b->cost = (uint64_t)((double)run->full.cycles /
				     RTE_MAX(b->n, 1u));
	}
	if (bench.load > 0 && (pass_run(PASS_PACED, &run->paced) < 0 ||
			       pass_run(PASS_FLOOR, &run->floor) < 0))
		return -ENOMEM;
	run->io_mpps = rate(bench.nfr, run->io.cycles) / 1e6;
	run->full_mpps = rate(bench.nfr, run->full.cycles) / 1e6;
	run->oncpu_mpps = run->full.oncpu_ns == 0 ? 0 :
			  (double)bench.nfr / (double)run->full.oncpu_ns * 1e3;
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
