/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What changes a worker's data path while it runs: a reloaded config
 * (wm_dp_rebind, called by the worker between bursts) and its hooks
 * (event log, profiler, the protocol stage on or off), and what it
 * shows (counters, keyed-operator contexts).
 */
#include <string.h>

#include "datapath_priv.h"

/* Index in @cfg of the segment named @name; the default one if none. */
static uint8_t
segment_find(const struct wm_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->nsegments; i++)
		if (strcmp(cfg->segments[i].name, name) == 0)
			return (uint8_t)i;
	return 0;
}

/* The new policy of flow @f, in new segment *@seg. */
static const struct wm_policy *
flow_new_policy(const struct wm_dp *dp, const struct wm_flow *f,
		const struct wm_config *cfg, const struct wm_segments *segs,
		uint8_t *seg)
{
	*seg = segment_find(cfg, dp->conf.cfg->segments[f->segment].name);
	return wm_segment_policy(segs, *seg);
}

void
wm_dp_rebind(struct wm_dp *dp, const struct wm_config *cfg,
	     const struct wm_segments *segs, const char *const *segment_names,
	     const struct wm_acl *acl, hs_scratch_t **scratch)
{
	hs_scratch_t *prev = dp->scratch;
	struct wm_flow *f;
	uint8_t seg = 0;

	/*
	 * First, with the old scratch and databases: flows whose segment
	 * masks nothing now are judged to their end by the old policy and
	 * leave the table (what follows passes unscanned), unless the
	 * segment is a zone: its flows keep their verdict (and the rule
	 * it names, counted under the old config's slot).
	 */
	for (uint32_t i = 0; i < dp->flows->top; i++) {
		f = &dp->flows->flows[i];
		if (!f->in_use ||
		    wm_policy_masks(flow_new_policy(dp, f, cfg, segs, &seg)) ||
		    wm_acl_active(acl, seg))
			continue;
		wm_stream_flow_end(&dp->stream, f);
		wm_stream_flow_unpool(f);
		wm_flow_del(dp->flows, f);
		dp->stats.ctr[WM_CTR_FLOW_RELOAD_ENDED]++;
	}
	/* Then every other flow onto its new policy, the new scratch. */
	dp->scratch = *scratch;
	*scratch = prev;
	wm_stream_ctx_rebind(&dp->stream, dp->scratch);
	for (uint32_t i = 0; i < dp->flows->top; i++) {
		f = &dp->flows->flows[i];
		if (f->in_use)
			wm_stream_flow_rebind(&dp->stream, f,
					      flow_new_policy(dp, f, cfg, segs,
							      &seg), seg);
		else
			wm_stream_flow_unpool(f);
	}
	/* The fail actions the stream engine copied. */
	dp->stream_conf.hold_timeout = cfg->fail.hold_timeout;
	dp->stream_conf.reasm.ooo_full = cfg->fail.ooo_full;
	dp->stream_conf.reasm.memcap = cfg->fail.memcap;
	dp->stream_conf.reasm.gap = cfg->fail.gap;
	dp->conf.cfg = cfg;
	dp->conf.segs = segs;
	dp->conf.acl = acl;
	dp->conf.segment_names = segment_names;
	dp->stream.segment_names = segment_names;
	dp_tx_flush_all(dp);
}

struct wm_stats *
wm_dp_stats(struct wm_dp *dp)
{
	return &dp->stats;
}

struct wm_token_ctx *
wm_dp_token(struct wm_dp *dp)
{
	return dp->tok;
}

void
wm_dp_set_event(struct wm_dp *dp, wm_stream_event_t fn, void *arg)
{
	dp->stream.event = fn;
	dp->stream.event_arg = arg;
}

void
wm_dp_set_prof(struct wm_dp *dp, struct wm_prof *prof)
{
	dp->prof = prof;
	dp->stream.prof = prof;
}

void
wm_dp_set_proto(struct wm_dp *dp, bool on)
{
	dp->stream.proto_off = !on;
}
