/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_segment.h"

/*
 * Counter id of @d: built-ins by index, then the config's custom ones.
 * A built-in a rule gave settings is a copy with the built-in's name.
 */
static uint8_t
det_id(const struct wm_config *cfg, const struct wm_detector *d)
{
	for (unsigned int k = 0; k < wm_detect_count(); k++)
		if (wm_detect_get(k) == d ||
		    strcmp(wm_detect_get(k)->name, d->name) == 0)
			return (uint8_t)k;
	for (unsigned int k = 0; k < cfg->ncustom; k++)
		if (cfg->custom[k] == d)
			return (uint8_t)(wm_detect_count() + k);
	return 0;
}

static int
policy_compile(struct wm_policy *p, const struct wm_config *cfg,
	       const struct wm_policy_conf *pc, char *err, size_t errlen)
{
	const char *exprs[WM_DETECT_MAX];
	unsigned int flags[WM_DETECT_MAX];
	char why[256];

	p->conf = pc;
	if (pc->nrules == 0)
		return 0;
	for (unsigned int i = 0; i < pc->nrules; i++) {
		const struct wm_detector *d = pc->rules[i].detector;

		exprs[i] = d->pattern;
		flags[i] = d->hs_flags;
		wm_detect_prepare(d);   /* phone's metadata, off the data path */
		p->det_id[i] = det_id(cfg, d);
	}
	p->db = wm_match_db_build(exprs, flags, pc->nrules, why, sizeof(why));
	if (p->db == NULL) {
		snprintf(err, errlen, "policy %s: %s", pc->name, why);
		return -errno;
	}
	return 0;
}

/*
 * A shadow segment's policy: its policy's database and detectors, every
 * rule an alert, nothing rewritten by the protocol stage.
 */
static int
shadow_make(struct wm_segments *segs, unsigned int seg, char *err,
	    size_t errlen)
{
	const struct wm_policy *base = &segs->policies[segs->cfg->segments[seg].policy];
	struct wm_policy_conf *pc = malloc(sizeof(*pc));

	if (pc == NULL) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return -ENOMEM;
	}
	*pc = *base->conf;
	for (unsigned int i = 0; i < pc->nrules; i++)
		pc->rules[i].mask.op = WM_MASK_ALERT;
	pc->proto.compressed = WM_PROTO_COMP_ALERT;
	pc->proto.encrypted = WM_PROTO_ENC_PROTECT;
	segs->shadow_conf[seg] = pc;
	segs->shadow[seg] = *base;
	segs->shadow[seg].conf = pc;
	segs->shadow[seg].shadow = true;
	segs->seg_policy[seg] = &segs->shadow[seg];
	return 0;
}

/* Does @sel claim the frame @pi received on @port? */
static bool
sel_match(const struct wm_segment_sel *sel, const struct wm_pkt_info *pi,
	  uint16_t port)
{
	if ((sel->fields & WM_SEL_PORT) && sel->port != port)
		return false;
	if ((sel->fields & WM_SEL_VLAN) &&
	    (pi->nvlan == 0 || pi->vlan[0] != sel->vlan))
		return false;
	if ((sel->fields & WM_SEL_VNI) && (!pi->vxlan || pi->vni != sel->vni))
		return false;
	if (sel->fields & WM_SEL_IVLAN) {
		if (pi->vxlan)
			return pi->ninner_vlan != 0 && pi->inner_vlan == sel->ivlan;
		return pi->nvlan == 2 && pi->vlan[1] == sel->ivlan;
	}
	return true;
}

uint8_t
wm_segment_select(const struct wm_segments *segs, const struct wm_pkt_info *pi,
		  uint16_t port)
{
	const struct wm_config *cfg = segs->cfg;
	unsigned int i;

	/* Selectors of two or more fields, most specific first. */
	for (i = 0; i < cfg->nselectors &&
	     __builtin_popcount(cfg->selectors[i].fields) >= 2; i++)
		if (sel_match(&cfg->selectors[i], pi, port))
			return cfg->selectors[i].segment;
	if (pi->vxlan) {
		unsigned int lo = 0, hi = cfg->nvnis;

		while (lo < hi) {
			unsigned int mid = (lo + hi) / 2;

			if (cfg->vnis[mid].vni == pi->vni)
				return cfg->vnis[mid].segment;
			if (cfg->vnis[mid].vni < pi->vni)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (pi->nvlan != 0 &&
	    cfg->vlan_segment[pi->vlan[pi->nvlan - 1]] != WM_SEGMENT_NONE)
		return cfg->vlan_segment[pi->vlan[pi->nvlan - 1]];
	for (; i < cfg->nselectors; i++)
		if (sel_match(&cfg->selectors[i], pi, port))
			return cfg->selectors[i].segment;
	if (pi->nvlan == 0 && !pi->vxlan)
		return 0;
	switch (cfg->unknown.action) {
	case WM_UNKNOWN_DROP:
		return WM_SEGMENT_DROP;
	case WM_UNKNOWN_PASS:
		return WM_SEGMENT_PASS;
	default:
		return cfg->unknown.segment;
	}
}

struct wm_segments *
wm_segments_create(const struct wm_config *cfg, char *err, size_t errlen)
{
	struct wm_segments *segs = calloc(1, sizeof(*segs));

	if (segs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	segs->cfg = cfg;
	for (unsigned int i = 0; i < cfg->npolicies; i++) {
		struct wm_policy *p = &segs->policies[i];

		if (policy_compile(p, cfg, &cfg->policies[i], err, errlen) < 0)
			goto fail;
		if (p->db != NULL &&
		    wm_match_scratch_grow(p->db, &segs->scratch) < 0) {
			snprintf(err, errlen, "policy %s: no memory for scratch",
				 cfg->policies[i].name);
			errno = ENOMEM;
			goto fail;
		}
	}
	for (unsigned int i = 0; i < cfg->nsegments; i++) {
		segs->seg_policy[i] = &segs->policies[cfg->segments[i].policy];
		if (cfg->segments[i].shadow && shadow_make(segs, i, err, errlen) < 0)
			goto fail;
	}
	return segs;

fail:
	wm_segments_free(segs);
	return NULL;
}

void
wm_segments_free(struct wm_segments *segs)
{
	if (segs == NULL)
		return;
	for (unsigned int i = 0; i < WM_CONFIG_MAX_POLICIES; i++)
		wm_match_db_free(segs->policies[i].db);
	for (unsigned int i = 0; i < WM_CONFIG_MAX_SEGMENTS; i++)
		free(segs->shadow_conf[i]);
	if (segs->scratch != NULL)
		hs_free_scratch(segs->scratch);
	free(segs);
}
