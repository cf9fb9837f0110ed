/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments as zones: each segment's 5-tuple rules (config_zones.c)
 * compiled into DPDK rte_acl contexts, one per address family, with the
 * segment as a field, so one lookup judges a flow of any segment.
 *
 *   input (network order)   proto | segment | src | dst | sport dport
 *   rule i of the config    priority MAX - i: the first match wins
 *   no match                the segment's default (allow, or deny)
 *
 * A flow is judged once, at its first packet, in the initiator's
 * direction; the verdict lives in the flow entry (lib/datapath), so
 * replies of an allowed flow pass and each packet after the first costs
 * nothing here. Everything is built by wm_acl_create() from a config and
 * read-only afterwards: a reload builds a new one and frees the old one
 * once no worker uses it.
 */
#ifndef WM_ACL_H
#define WM_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_config.h"
#include "wm_pkt.h"
#include "wm_stats.h"

struct rte_acl_ctx;

/*
 * A verdict: 0 not judged yet; else WM_ACL_ALLOW or not, and the id of
 * what decided (a rule: its index in the config; a segment's default:
 * WM_STATS_ZONE_RULES + segment) plus one, the index into
 * wm_stats.zone_rule[] of what decided plus one.
 */
#define WM_ACL_ALLOW 0x8000u
#define WM_ACL_ID_MASK 0x7fffu

static inline bool
wm_acl_allowed(uint16_t v)
{
	return (v & WM_ACL_ALLOW) != 0;
}

/** The zone_rule[] counter of verdict @v (judged, so != 0). */
static inline unsigned int
wm_acl_counter(uint16_t v)
{
	return (v & WM_ACL_ID_MASK) - 1u;
}

/* What is looked up: a flow's tuple, initiator first, network order. */
struct wm_acl_key {
	union {
		struct {
			uint8_t proto;
			uint8_t pad[3];
			uint32_t seg;
			uint32_t src, dst;
			uint16_t sport, dport;
		} v4;
		struct {
			uint8_t proto;
			uint8_t pad[3];
			uint32_t seg;
			uint8_t src[16], dst[16];
			uint16_t sport, dport;
		} v6;
	} in;
	uint8_t family;          /* 4 or 6 */
	uint8_t segment;
};

struct wm_acl {
	struct rte_acl_ctx *ctx[2];                   /* IPv4, IPv6; NULL:
						       * no rule there */
	bool active[WM_CONFIG_MAX_SEGMENTS];          /* rules or deny */
	bool shadow[WM_CONFIG_MAX_SEGMENTS];          /* count, never drop */
	uint16_t rule_verdict[WM_CONFIG_MAX_ZONE_RULES];
	uint16_t default_verdict[WM_CONFIG_MAX_SEGMENTS];
	unsigned int nactive;
};

/**
 * Compile the zones of @cfg for NUMA @socket (EAL must be up). NULL with
 * errno and a reason in @err. A config without zone rules and without
 * default = "deny" still gives one (nothing active).
 */
struct wm_acl *wm_acl_create(const struct wm_config *cfg, int socket,
			     char *err, size_t errlen);

/** Free what wm_acl_create() made; NULL is allowed. */
void wm_acl_free(struct wm_acl *acl);

/** Does segment @seg judge flows (it has rules, or denies by default)? */
static inline bool
wm_acl_active(const struct wm_acl *acl, uint8_t seg)
{
	return acl != NULL && seg < WM_CONFIG_MAX_SEGMENTS && acl->active[seg];
}

/**
 * The key of parsed packet @pi in segment @seg. @reverse: the packet
 * travels from the responder (a SYN-ACK seen first), so the tuple is
 * turned round to the initiator's view. Non-TCP/UDP: ports 0.
 */
void wm_acl_key_make(const struct wm_pkt_info *pi, uint8_t seg, bool reverse,
		     struct wm_acl_key *key);

/**
 * Judge @n keys (at most 64): @verdict[i] for @keys[i], never 0. One
 * rte_acl_classify() per family present in the burst.
 */
void wm_acl_classify(const struct wm_acl *acl,
		     const struct wm_acl_key *const *keys, unsigned int n,
		     uint16_t *verdict);

#endif /* WM_ACL_H */
