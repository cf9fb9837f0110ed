/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-bench's report: per worker count, the full path against its
 * ceilings, state per flow, stages, latency and held time; as text and,
 * with --json, as one JSON line (the keys scripts/bench.sh reads).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "bench.h"

/* ---- report ----------------------------------------------------------- */

double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t *
samples_of(struct blcore *b, enum samples which, uint32_t *n)
{
	switch (which) {
	case ALL:
		*n = b->nlat;
		return b->lat;
	case HELD:
		*n = b->nheld;
		return b->held;
	case FRESH:
		*n = b->nfresh;
		return b->fresh;
	default:
		*n = b->ncalm;
		return b->calm;
	}
}

/* Percentiles of the samples of every active lcore, in microseconds. */
void
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
	sum->cold_bytes += m->cold_bytes;
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
void
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

/* Flow entry and its share of the bucket array. */
static size_t
flow_entry_bytes(void)
{
	return wm_dp_flow_entry_bytes(bench.lc[0].dp);
}

/* History windows in use at the peak of the full pass, per flow. */
static double
window_bytes_per_flow(const struct run *r)
{
	return r->flows == 0 ? 0 :
	       (double)r->full.win_peak * WM_WIN_BYTES / (double)r->flows;
}

/*
 * Every byte a flow cost at the end of the full pass: entry and bucket
 * share, Hyperscan streams, retained blocks, views, held and queued
 * frames; history windows at their peak.
 */
static double
state_bytes_per_flow(const struct run *r)
{
	const struct wm_dp_mem *m = &r->full.live;

	if (m->flows == 0)
		return (double)flow_entry_bytes() + window_bytes_per_flow(r);
	return (double)(m->total - m->window_bytes) / (double)m->flows +
	       window_bytes_per_flow(r);
}

/* Every byte a flow costs once idle: data acknowledged, grace passed. */
static double
idle_flow_bytes(const struct run *r)
{
	const struct wm_dp_mem *m = &r->full.idle;

	return m->flows == 0 ? 0 : (double)m->total / (double)m->flows;
}

/* @what of @m per flow. */
static double
per_flow(const struct wm_dp_mem *m, uint64_t what)
{
	return m->flows == 0 ? 0 : (double)what / (double)m->flows;
}

static void
mem_human(const char *label, const struct wm_dp_mem *m)
{
	printf("  %s %" PRIu64 " flows: %.0f B a flow = entry %.0f + "
	       "Hyperscan %.0f + cold %.0f + windows %.0f + retained %.0f + "
	       "views %.0f + held %.0f + queued %.0f\n", label, m->flows,
	       per_flow(m, m->total), per_flow(m, m->entry_bytes),
	       per_flow(m, m->hs_bytes), per_flow(m, m->cold_bytes),
	       per_flow(m, m->window_bytes),
	       per_flow(m, m->retained_bytes), per_flow(m, m->view_bytes),
	       per_flow(m, m->held_bytes), per_flow(m, m->queued_bytes));
}

static size_t
hs_bytes_per_flow(void)
{
	size_t max = 0;

	for (uint32_t i = 0; i < bench.fds.n; i++)
		if (bench.fds.db[i] != NULL)
			max = RTE_MAX(max, bench.fds.db[i]->stream_size);
	return 2 * max;
}

static void
stage_cycles(const struct run *r, double *out)
{
	const uint64_t *c = r->prof.prof.cycles;
	double n = bench.nfr;
	double reasm = (double)c[WM_STAGE_STREAM] - (double)c[WM_STAGE_SCAN] -
		       (double)c[WM_STAGE_MASK];

	out[0] = c[WM_STAGE_PARSE] / n;
	out[1] = c[WM_STAGE_FLOW] / n;
	out[2] = RTE_MAX(reasm, 0.0) / n;
	out[3] = c[WM_STAGE_SCAN] / n;
	out[4] = c[WM_STAGE_MASK] / n;
	out[5] = c[WM_STAGE_TX] / n;
	out[6] = r->prof.busy / n - out[0] - out[1] - out[2] - out[3] -
		 out[4] - out[5];
}

static const char *const stage_names[7] = {
	"parse", "flow", "reasm", "scan", "mask", "tx", "other",
};

/* Bytes masked when a hold timeout decided a tail, per MB scanned. */
static double
stall_per_mb(const struct run *r)
{
	return ratio((double)r->full.stats.ctr[WM_CTR_STREAM_HOLD_MASKED],
		     (double)r->full.stats.ctr[WM_CTR_STREAM_BYTES] / 1e6);
}

void
report_human(const struct run *runs, unsigned int n)
{
	double hz = (double)rte_get_tsc_hz();

	printf("capture   %s: %u frames, avg %.0f B, %.1f MB TCP payload "
	       "(%.1f MB scanned)\n", bench.capture, bench.nfr,
	       (double)(bench.wire_bytes / bench.nfr - 24),
	       bench.payload_bytes / 1e6, bench.scan_bytes / 1e6);
	printf("config    %s; TSC %.2f GHz; median of %u passes\n",
	       bench.config, hz / 1e9, bench.passes);
	printf("state     %zu B per flow entry (%zu + buckets) + history "
	       "windows in use + %zu B Hyperscan stream state (2 directions)\n",
	       flow_entry_bytes(), sizeof(struct wm_flow), hs_bytes_per_flow());
	for (unsigned int i = 0; i < n; i++) {
		const struct run *r = &runs[i];
		double st[7];

		printf("\n%u worker(s), %" PRIu64 " flows, %.0f B state per "
		       "flow (windows: peak %" PRIu64 " in use, %.1f B per "
		       "flow)\n", r->workers, r->flows, state_bytes_per_flow(r),
		       r->full.win_peak, window_bytes_per_flow(r));
		mem_human("at the end: ", &r->full.live);
		mem_human("idle (acked, grace passed):", &r->full.idle);
		printf("  data path heap at the end: %.1f MB, %.0f B a flow "
		       "(tables, pools, streams: allocated, used or not)\n",
		       r->full.dp_heap / 1e6,
		       per_flow(&r->full.live, r->full.dp_heap));
		printf("  %-11s %8.3f Mpps %8.3f Gbit/s payload %8.3f Gbit/s wire"
		       "  %7.0f cycles/pkt\n", pass_name[PASS_FULL],
		       r->full_mpps, r->full_gbps, r->full_wire_gbps,
		       r->cycles_per_pkt);
		printf("  %-11s %8s      %8.3f Gbit/s payload       ratio_hs %.3f\n",
		       pass_name[PASS_HS], "", r->hs_gbps,
		       ratio(r->full_gbps, r->hs_gbps));
		printf("  %-11s %8s      %8.3f Gbit/s payload       ratio_proto %.3f\n",
		       pass_name[PASS_RAW], "", r->raw_gbps,
		       ratio(r->full_gbps, r->raw_gbps));
		printf("  %-11s %8.3f Mpps                              ratio_io %.3f\n",
		       pass_name[PASS_IO], r->io_mpps,
		       ratio(r->full_mpps, r->io_mpps));
		if (r->workers > 1 && bench.window == 0)
			printf("  %-11s %8.3f Mpps (frames spread in bursts, "
			       "owners through rings; %" PRIu64 " ring drops)"
			       "      ratio to symmetric RSS %.3f\n",
			       pass_name[PASS_HANDOFF], r->handoff_mpps,
			       r->handoff.stats.ctr[WM_CTR_RING_DROP],
			       ratio(r->handoff_mpps, r->full_mpps));
		printf("  %-11s %8.3f Mpps (%u pure ACKs of the flows in the "
		       "table, 64 B frames; %" PRIu64 " of them sent)\n",
		       pass_name[PASS_ACK], r->ack_mpps, bench.nack,
		       r->ack.stats.ctr[WM_CTR_TX] - bench.nfr);
		printf("  masked %" PRIu64 " values, held %" PRIu64
		       " packets, late %" PRIu64 ", dropped %" PRIu64 "\n",
		       r->full.stats.ctr[WM_CTR_MASK_VALUES],
		       r->full.stats.ctr[WM_CTR_STREAM_HELD],
		       r->full.stats.ctr[WM_CTR_MASK_LATE],
		       r->dropped);
		printf("  on a CPU  %8.3f Mpps (the busiest worker's time on a "
		       "CPU, preempted time not counted: %" PRIu64
		       " preemptions)\n", r->oncpu_mpps, r->full.nivcsw);
		if (i > 0 && runs[0].workers == 1)
			printf("  scaling   %.2fx the 1-worker Mpps (on a CPU: "
			       "%.2fx)\n",
			       ratio(r->full_mpps, runs[0].full_mpps),
			       ratio(r->oncpu_mpps, runs[0].oncpu_mpps));
		if (bench.load > 0)
			printf("  paced at %.0f%% of the full path's rate: payload "
			       "packets not held past their burst: %" PRIu64
			       ", added latency (from arrival) p50 %.2f us, p99 "
			       "%.2f us, max %.0f us; held past their burst "
			       "%.1f%%; workers preempted %" PRIu64 " times; "
			       "%" PRIu64 " not preempted since they arrived: "
			       "p50 %.2f us, p99 %.2f us\n",
			       100 * bench.load, r->paced.nfresh,
			       r->paced.fresh_p50, r->paced.fresh_p99,
			       r->paced.fresh_max,
			       100.0 * ratio((double)r->paced.nheld,
					     (double)r->paced.nlat),
			       r->paced.nivcsw, r->paced.ncalm,
			       r->paced.calm_p50, r->paced.calm_p99);
		if (bench.load > 0)
			printf("  paced floor (the same arrivals, each frame the "
			       "full path's mean cost, unjudged): p50 %.2f us, p99 %.2f us, "
			       "max %.0f us; not preempted: p99 %.2f us\n",
			       r->floor.fresh_p50, r->floor.fresh_p99,
			       r->floor.fresh_max, r->floor.calm_p99);
		if (!bench.profile)
			continue;
		stage_cycles(r, st);
		printf("  cycles/pkt by stage (profiled pass, rdtsc included):");
		for (unsigned int s = 0; s < 7; s++)
			printf(" %s %.0f", stage_names[s], st[s]);
		printf("\n  payload packets: arrival to transmit p50 %.2f us, "
		       "p99 %.2f us; held past their burst: %" PRIu64
		       " (%.1f%%), p50 %.2f us, p99 %.2f us, max %.0f us\n",
		       r->prof.lat_p50, r->prof.lat_p99, r->prof.nheld,
		       100.0 * ratio((double)r->prof.nheld,
				     (double)r->prof.nlat),
		       r->prof.held_p50, r->prof.held_p99, r->prof.held_max);
		printf("  payload packets not held past their burst: "
		       "%" PRIu64 ", added latency p50 %.2f us, p99 %.2f us, "
		       "max %.0f us (bursts back to back, as many as "
		       "wm_dp_rx_size() asks for, at most %u; workers "
		       "preempted %" PRIu64 " times)\n", r->prof.nfresh,
		       r->prof.fresh_p50, r->prof.fresh_p99, r->prof.fresh_max,
		       WM_DP_BURST, r->prof.nivcsw);
		printf("  ... in the %" PRIu64 " bursts of %" PRIu64 " the "
		       "scheduler left alone: p50 %.2f us, p99 %.2f us, max "
		       "%.0f us\n", r->prof.bursts - r->prof.bursts_preempted,
		       r->prof.bursts, r->prof.calm_p50, r->prof.calm_p99,
		       r->prof.calm_max);
		printf("  hold timeouts: %" PRIu64 " segments, %" PRIu64
		       " values decided at a tail, %.1f bytes masked at "
		       "stalls per MB scanned\n",
		       r->full.stats.ctr[WM_CTR_STREAM_HOLD_TIMEOUT],
		       r->full.stats.ctr[WM_CTR_MASK_AT_TIMEOUT],
		       stall_per_mb(r));
	}
}

static void
json_run(const struct run *r)
{
	double st[7];

	printf("\"workers\": %u, \"full_gbps\": %.4f, \"full_wire_gbps\": %.4f, "
	       "\"full_mpps\": %.4f, \"hs_ceiling_gbps\": %.4f, "
	       "\"ratio_hs\": %.4f, \"io_ceiling_mpps\": %.4f, "
	       "\"ratio_io\": %.4f, \"cycles_per_pkt\": %.1f, "
	       "\"flows\": %" PRIu64 ", \"state_bytes_per_flow\": %.1f, "
	       "\"window_bytes_per_flow\": %.1f, \"values_masked\": %" PRIu64
	       ", \"dropped\": %" PRIu64 ", \"noproto_gbps\": %.4f, "
	       "\"ratio_proto\": %.4f",
	       r->workers, r->full_gbps, r->full_wire_gbps, r->full_mpps,
	       r->hs_gbps, ratio(r->full_gbps, r->hs_gbps), r->io_mpps,
	       ratio(r->full_mpps, r->io_mpps), r->cycles_per_pkt, r->flows,
	       state_bytes_per_flow(r), window_bytes_per_flow(r),
	       r->full.stats.ctr[WM_CTR_MASK_VALUES], r->dropped, r->raw_gbps,
	       ratio(r->full_gbps, r->raw_gbps));
	printf(", \"ack_mpps\": %.4f", r->ack_mpps);
	printf(", \"oncpu_mpps\": %.4f, \"full_preempted\": %" PRIu64,
	       r->oncpu_mpps, r->full.nivcsw);
	printf(", \"dp_heap_bytes\": %" PRIu64 ", \"dp_heap_bytes_per_flow\": "
	       "%.1f, \"flows_at_end\": %" PRIu64, r->full.dp_heap,
	       per_flow(&r->full.live, r->full.dp_heap), r->full.live.flows);
	if (r->workers > 1 && bench.window == 0)
		printf(", \"handoff_mpps\": %.4f, \"ratio_handoff\": %.4f",
		       r->handoff_mpps, ratio(r->handoff_mpps, r->full_mpps));
	printf(", \"idle_flow_bytes\": %.1f, \"idle_flow\": {\"entry\": %.1f, "
	       "\"hs\": %.1f, \"cold\": %.1f, \"windows\": %.1f, "
	       "\"retained\": %.1f, "
	       "\"views\": %.1f, \"held\": %.1f, \"queued\": %.1f}",
	       idle_flow_bytes(r), per_flow(&r->full.idle, r->full.idle.entry_bytes),
	       per_flow(&r->full.idle, r->full.idle.hs_bytes),
	       per_flow(&r->full.idle, r->full.idle.cold_bytes),
	       per_flow(&r->full.idle, r->full.idle.window_bytes),
	       per_flow(&r->full.idle, r->full.idle.retained_bytes),
	       per_flow(&r->full.idle, r->full.idle.view_bytes),
	       per_flow(&r->full.idle, r->full.idle.held_bytes),
	       per_flow(&r->full.idle, r->full.idle.queued_bytes));
	if (bench.load > 0)
		printf(", \"paced_load\": %.2f, \"paced_notheld_p50_us\": %.3f, "
		       "\"paced_notheld_p99_us\": %.3f, \"paced_held_share\": "
		       "%.4f, \"paced_preempted\": %" PRIu64
		       ", \"paced_notheld_calm_p50_us\": %.3f, "
		       "\"paced_notheld_calm_p99_us\": %.3f, "
		       "\"paced_calm_share\": %.4f", bench.load,
		       r->paced.fresh_p50, r->paced.fresh_p99,
		       ratio((double)r->paced.nheld, (double)r->paced.nlat),
		       r->paced.nivcsw, r->paced.calm_p50, r->paced.calm_p99,
		       ratio((double)r->paced.ncalm, (double)r->paced.nfresh));
	if (bench.load > 0)
		printf(", \"paced_floor_p50_us\": %.3f, \"paced_floor_p99_us\": "
		       "%.3f, \"paced_floor_calm_p99_us\": %.3f",
		       r->floor.fresh_p50, r->floor.fresh_p99,
		       r->floor.calm_p99);
	if (!bench.profile)
		return;
	stage_cycles(r, st);
	printf(", \"stage_cycles\": {");
	for (unsigned int s = 0; s < 7; s++)
		printf("%s\"%s\": %.1f", s ? ", " : "", stage_names[s], st[s]);
	printf("}, \"latency_p50_us\": %.3f, \"latency_p99_us\": %.3f, "
	       "\"held_p50_us\": %.3f, \"held_p99_us\": %.3f, "
	       "\"held_max_us\": %.1f, \"held_pkts\": %" PRIu64
	       ", \"hold_timeouts\": %" PRIu64
	       ", \"stall_masked_bytes_per_mb\": %.2f",
	       r->prof.lat_p50, r->prof.lat_p99, r->prof.held_p50,
	       r->prof.held_p99, r->prof.held_max, r->prof.nheld,
	       r->full.stats.ctr[WM_CTR_STREAM_HOLD_TIMEOUT], stall_per_mb(r));
	printf(", \"held_share\": %.4f, \"notheld_p50_us\": %.3f, "
	       "\"notheld_p99_us\": %.3f, \"prof_preempted\": %" PRIu64
	       ", \"notheld_calm_p50_us\": %.3f, \"notheld_calm_p99_us\": "
	       "%.3f, \"bursts_preempted\": %" PRIu64 ", \"bursts\": %" PRIu64,
	       ratio((double)r->prof.nheld, (double)r->prof.nlat),
	       r->prof.fresh_p50, r->prof.fresh_p99, r->prof.nivcsw,
	       r->prof.calm_p50, r->prof.calm_p99, r->prof.bursts_preempted,
	       r->prof.bursts);
}

void
report_json(const struct run *runs, unsigned int n)
{
	const struct run *top = &runs[n - 1];

	printf("{\"capture\": \"%s\", \"window\": %u, \"packets\": %u, \"avg_frame\": %.1f, "
	       "\"payload_bytes\": %" PRIu64 ", \"flow_entry_bytes\": %zu, "
	       "\"hs_state_bytes_per_flow\": %zu, ", bench.capture, bench.window,
	       bench.nfr,
	       (double)bench.wire_bytes / bench.nfr - 24, bench.payload_bytes,
	       flow_entry_bytes(), hs_bytes_per_flow());
	json_run(top);
	if (n > 1 && runs[0].workers == 1)
		printf(", \"scaling\": %.4f, \"scaling_oncpu\": %.4f",
		       ratio(top->full_mpps, runs[0].full_mpps),
		       ratio(top->oncpu_mpps, runs[0].oncpu_mpps));
	printf(", \"runs\": [");
	for (unsigned int i = 0; i < n; i++) {
		printf("%s{", i ? ", " : "");
		json_run(&runs[i]);
		printf("}");
	}
	printf("]}\n");
}
