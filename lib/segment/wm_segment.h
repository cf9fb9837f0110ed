/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-segments: a VXLAN VNI or a VLAN ID names a segment; each segment
 * uses a policy; the default segment (index 0) catches the rest. This
 * module turns the config's policies into compiled ones (one Hyperscan
 * database each) and answers "which policy judges this packet".
 *
 * Lookup order: a mapped VNI, then the innermost VLAN ID of the outer
 * frame, then the default segment.
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
};

struct wm_segments {
	const struct wm_config *cfg;
	struct wm_policy policies[WM_CONFIG_MAX_POLICIES];
	hs_scratch_t *scratch;              /* prototype, fits every database */
};

/**
 * Compile every policy of @cfg (which must outlive the result). Returns
 * NULL with errno and a message naming the policy in @err.
 */
struct wm_segments *wm_segments_create(const struct wm_config *cfg, char *err,
				       size_t errlen);

/** Free what wm_segments_create() made; NULL is allowed. */
void wm_segments_free(struct wm_segments *segs);

/** Segment index of a parsed packet. */
static inline uint8_t
wm_segment_lookup(const struct wm_segments *segs, const struct wm_pkt_info *pi)
{
	const struct wm_config *cfg = segs->cfg;

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
	return &segs->policies[segs->cfg->segments[seg].policy];
}

/** True when @p changes bytes (and so fails closed). */
static inline bool
wm_policy_masks(const struct wm_policy *p)
{
	return p->db != NULL;
}

#endif /* WM_SEGMENT_H */
