/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's timers (see wm_datapath.h): holds that time out, flows
 * that age out or rest (their acknowledged retained bytes and cold
 * parts given back),
 * fragments that never complete; and the flush at the end.
 */
#include "datapath_priv.h"

/* Flow table entries the idle sweep visits per call. */
#define FLOW_SWEEP_PER_LOOP 16

/* How long @f may stay idle: by state (no data yet, established, closed). */
static uint64_t
flow_timeout(const struct wm_dp *dp, const struct wm_flow *f)
{
	if (f->closed)
		return dp->timeout_closed;
	if (!wm_stream_flow_has_data(f))
		return dp->timeout_syn;
	return dp->timeout_est;
}

/*
 * @f has been idle for @idle: each direction past its grace gives back
 * its retained bytes if all are acknowledged (an idle flow costs its
 * entry and Hyperscan state only).
 */
static void
flow_rest(struct wm_dp *dp, struct wm_flow *f, uint64_t idle)
{
	struct wm_stream_flow *sf = wm_stream_flow_of(f);

	if (!wm_stream_flow_cold(sf))
		return; /* at rest already: nothing in flight */
	for (unsigned int i = 0; i < 2; i++)
		if (wm_reasm_rest_due(&dp->stream.reasm, &sf->dir[i].r, idle))
			wm_reasm_rest(&dp->stream.reasm, &sf->dir[i].r);
	/* Then its cold part, once nothing of it is in flight. */
	if (wm_stream_flow_cold(sf) && idle >= dp->stream_conf.reasm.retain_grace)
		wm_stream_flow_rest(&dp->stream, f);
}

/* Age flows: a few table entries per loop, round robin. */
static void
flows_age(struct wm_dp *dp, uint64_t now)
{
	uint32_t budget = FLOW_SWEEP_PER_LOOP;
	struct wm_flow *f;

	while ((f = wm_flow_next(dp->flows, &budget)) != NULL) {
		if (now < f->last_tsc)
			continue;
		if (now - f->last_tsc < flow_timeout(dp, f)) {
			flow_rest(dp, f, now - f->last_tsc);
			continue;
		}
		wm_stream_flow_release(&dp->stream, f);
		wm_flow_del(dp->flows, f);
		dp->stats.ctr[WM_CTR_FLOW_EXPIRED]++;
	}
}

void
wm_dp_expire(struct wm_dp *dp, uint64_t now)
{
	uint64_t t0 = wm_prof_start(dp->prof);

	wm_stream_expire(&dp->stream, dp_clock_now(dp, now));
	wm_prof_stop(dp->prof, WM_STAGE_STREAM, t0);
	dp_tx_flush_all(dp);
}

void
wm_dp_tick(struct wm_dp *dp, uint64_t now)
{
	uint64_t t0 = wm_prof_start(dp->prof);

	wm_stream_expire(&dp->stream, dp_clock_now(dp, now));
	wm_prof_stop(dp->prof, WM_STAGE_STREAM, t0);
	flows_age(dp, dp_clock_now(dp, now));
	wm_frag_tick(dp->frag, dp_clock_now(dp, now));
	dp_tx_flush_all(dp);
}

void
wm_dp_flush(struct wm_dp *dp)
{
	wm_frag_flush(dp->frag);        /* incomplete datagrams never leave */
	for (uint32_t i = 0; i < dp->flows->top; i++) {
		struct wm_flow *f = &dp->flows->flows[i];

		if (!f->in_use)
			continue;
		wm_stream_flow_release(&dp->stream, f);
		wm_flow_del(dp->flows, f);
		dp_tx_flush_all(dp);
	}
	dp_tx_flush_all(dp);
}
