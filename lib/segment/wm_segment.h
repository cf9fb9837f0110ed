/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-segments: a VXLAN VNI or a VLAN ID names a segment; each segment
 * uses a policy; the default segment (index 0) catches the rest. This
 * module turns the config's policies into compiled ones (one Hyperscan
 * database each) and answers "which policy judges this packet".
 *
 * Lookup order (most specific first): the config's selectors of two or
 * more fields (port, outer VLAN, inner VLAN; VNI + inner VLAN), a mapped
 * VNI, the innermost VLAN ID of the outer frame, one-field selectors
 * (port, inner VLAN); then an untagged frame is the default segment's
 * and a tagged one unknown: unknown_segment says which segment, or
 * WM_SEGMENT_DROP / WM_SEGMENT_PASS.
 *
 * A shadow segment (shadow = true) judges with a copy of its policy in
 * which every rule only alerts and nothing is rewritten (Accept-Encoding
 * left, encrypted protocols passed): values are found and counted, no
 * byte changes, no packet waits for a value (wm_policy.shadow).
 */
#ifndef WM_SEGMENT_H
#define WM_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "wm_config.h"
#include "wm_match.h"
#include "wm_pkt.h"

/* A compiled policy. */
struct wm_policy {
	const struct wm_policy_conf *conf;  /* rules; rule i = pattern i */
	struct wm_match_db *db;             /* NULL: the policy masks nothing */
	uint8_t det_id[WM_DETECT_MAX];      /* rule -> built-in detector index */
	bool shadow;                        /* a shadow segment's: alert only,
					     * never hold */
};

/* wm_segment_lookup(): frames no segment claims, by unknown_segment. */
#define WM_SEGMENT_DROP 0xfe
#define WM_SEGMENT_PASS 0xfd

struct wm_segments {
	const struct wm_config *cfg;
	struct wm_policy policies[WM_CONFIG_MAX_POLICIES];
	hs_scratch_t *scratch;              /* prototype, fits every database */
	/* What judges each segment: its policy, or its shadow copy. */
	const struct wm_policy *seg_policy[WM_CONFIG_MAX_SEGMENTS];
	struct wm_policy shadow[WM_CONFIG_MAX_SEGMENTS];
	struct wm_policy_conf *shadow_conf[WM_CONFIG_MAX_SEGMENTS];
};

/** The segment of a frame by the config's selectors (see above). */
uint8_t wm_segment_select(const struct wm_segments *segs,
			  const struct wm_pkt_info *pi, uint16_t port);

/**
 * Compile every policy of @cfg (which must outlive the result). Returns
 * NULL with errno and a message naming the policy in @err.
 */
struct wm_segments *wm_segments_create(const struct wm_config *cfg, char *err,
				       size_t errlen);

/** Free what wm_segments_create() made; NULL is allowed. */
void wm_segments_free(struct wm_segments *segs);

/**
 * Segment index of a parsed packet received on port @port, or
 * WM_SEGMENT_DROP / WM_SEGMENT_PASS for a frame no segment claims.
 */
static inline uint8_t
wm_segment_lookup(const struct wm_segments *segs, const struct wm_pkt_info *pi,
		  uint16_t port)
{
	const struct wm_config *cfg = segs->cfg;

	if (cfg->nselectors != 0 || cfg->unknown.action != WM_UNKNOWN_SEGMENT ||
	    cfg->unknown.segment != 0)
		return wm_segment_select(segs, pi, port);
	if (pi->vxlan && cfg->nvnis != 0) {
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
	if (pi->nvlan != 0) {
		uint8_t s = cfg->vlan_segment[pi->vlan[pi->nvlan - 1]];

		if (s != WM_SEGMENT_NONE)
			return s;
	}
	return 0;
}

/** The compiled policy that segment @seg uses. */
static inline const struct wm_policy *
wm_segment_policy(const struct wm_segments *segs, uint8_t seg)
{
	return segs->seg_policy[seg];
}

/** True when @p changes bytes (and so fails closed). */
static inline bool
wm_policy_masks(const struct wm_policy *p)
{
	return p->db != NULL;
}

#endif /* WM_SEGMENT_H */
