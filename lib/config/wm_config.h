/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: a libconfig file loaded and validated in one go.
 *
 * Every setting has a type, a default and bounds in one table
 * (config_table.c, config_policy.c, config_keys.c). Any unknown key,
 * wrong type, out-of-range value, unknown detector/operator/policy name
 * or conflicting segment mapping rejects
 * the whole file with "FILE:LINE: SETTING: reason". Nothing from the
 * traffic ever passes through here, so messages may quote the file.
 *
 * File layout (configs/default.cfg is the reference):
 *
 *   workers = 0;                    # worker lcores, 0..64; 0: every
 *                                   # worker lcore EAL was given
 *   hold_timeout_us = 200000;       # longest hold, 1..1000000
 *   hold_min_us = 1000;             # hold after the end of a write,
 *                                   # 0..1000000 (0: always the longest)
 *   flow_table_size = 65536;        # flows per worker, 1024..16777216
 *   flow_timeout_s = 120;           # idle flow expiry, 1..86400
 *   vxlan_port = 4789;              # UDP port of VXLAN, 0 disables
 *   ports = {
 *     pairs = ( [0, 1] );           # bump-in-the-wire pairs; default
 *                                   # 0<->1, 2<->3, ... by port order;
 *                                   # [0, 0]: one port, frames leave
 *                                   # where they came in (one VF)
 *     rx_desc = 1024; tx_desc = 1024;   # 64..16384
 *     mbufs = 16383;                # 1023..1048575
 *     mbuf_size = 10240;            # data room, 2048..65535 (jumbo
 *                                   # frames need a large one)
 *     promiscuous = true;
 *     link_propagation = true;      # a link down takes its peer's
 *                                   # down; both go down at exit
 *   };
 *   flow_timeout_syn_s = 30;        # idle flows without data, 1..86400
 *   flow_timeout_closed_s = 10;     # after FIN/RST, 1..86400
 *   reasm = {
 *     ooo_segments = 64;            # out-of-order segments queued per
 *                                   # direction, 0..4096
 *     ooo_bytes = 262144;           # ... bytes per direction
 *     ooo_worker_bytes = 67108864;  # ... bytes per worker
 *     retain_bytes = 1048576;       # forwarded bytes kept per direction
 *                                   # until ACKed (retransmissions are
 *                                   # rewritten to them)
 *     retain_worker_bytes = 268435456; # ... per worker (memcap)
 *     gap_timeout_ms = 1000;        # a hole never filled is skipped
 *     frag_flows = 4096;            # IP datagrams in reassembly
 *     frag_timeout_ms = 2000;
 *   };
 *   fail = {                        # what to do at a limit or when a
 *                                   # packet cannot be judged
 *     malformed = "forward";        # no TCP payload can be found
 *     bad_tcp = "drop";             # a masked segment's TCP payload
 *                                   # cannot be parsed safely
 *     ip_fragment = "reassemble";   # or "drop" / "forward"
 *     flow_table_full = "drop";     # new flow, table full
 *     ooo_full = "drop";            # out-of-order queue full: newest
 *     memcap = "drop";              # a retransmission of bytes no
 *                                   # longer retained
 *     hold_timeout = "mask";        # decide: values at the tail masked,
 *                                   # what may begin one masked as far as
 *                                   # its operator would; or "release"
 *                                   # (may leak), or "drop": drop held
 *                                   # packets and
 *                                   # the rest of the flow
 *     gap = "skip";                 # or "drop": the rest of the flow
 *     frag_table_full = "drop";
 *   };
 *   policies = {
 *     default = {                   # policy name
 *       card  = { operator = "partial"; keep_first = 6; keep_last = 4; fill = "*"; };
 *       ssn   = { operator = "partial"; keep_first = 0; keep_last = 4; fill = "*"; };
 *       email = { operator = "redact"; fill = "x"; keep_domain = true; };
 *     };
 *     passthrough = { };            # masks nothing
 *   };
 *   segments = {
 *     default = { policy = "default"; };        # required: catches the rest
 *     finance = { vlan = [100, 101]; policy = "default"; };
 *     overlay = { vni = [5001]; policy = "default"; };
 *     db = {                                    # a zone (config_zones.c)
 *       policy = "default";
 *       select = ( { port = 0; vlan = 10; inner_vlan = 20; },
 *                  { vni = 5002; inner_vlan = 7; } );
 *       default = "deny";           # "allow" (the default) | "deny"
 *       shadow = false;             # true: count, drop and mask nothing
 *       rules = (                   # first match wins, initiator's view
 *         { name = "app-to-db"; action = "allow"; proto = "tcp";
 *           src = "10.1.0.0/16"; dst = "10.2.0.5"; dport = 5432; },
 *         { name = "no-admin"; action = "deny"; dport = [8000, 8999]; } );
 *     };
 *   };
 *   unknown_segment = "default";    # frames no segment claims: "drop",
 *                                   # "pass" or a segment's name
 *
 *   keys = { demo = "examples/keys/demo.key"; };   # id = file (hex or
 *                                   # base64, 32 bytes, mode 0600; a
 *                                   # relative path starts at the config
 *                                   # file's directory)
 *   detectors = {                   # custom detectors
 *     order_id = { regex = "ORD-[0-9]{8}"; max_len = 12;
 *                  classes = "A-Z0-9-"; validator = "none"; };
 *   };
 *   events = { path = "events.jsonl"; fingerprint_key = "demo"; };
 *
 * Rule settings (inside a policy, one group per detector name):
 *   operator     "redact" | "partial" | "token" | "fpe" | "alert" | "drop"
 *   fill         one printable ASCII byte    redact, partial; default "*";
 *                                            not a space, not a separator
 *   keep_first   0..32                       partial; default 0
 *   keep_last    0..32                       partial; default 0
 *   keep_domain  bool                        redact, partial, token;
 *                                            default false
 *   key          a key id                    token, fpe; required
 *   tweak        "segment" (the flow's       token, fpe; default "segment"
 *                segment name) or a string
 *   keep_bin, keep_last4, luhn  bool         token; default false
 *   radix        10 | 36 | 62                fpe; default 10
 *   drop         "flow"                      drop; default "flow"
 *
 * Detector settings in a rule (any operator; ssn and phone take them):
 *   context        ["ssn", "social security"]  context words, 0..8, each
 *                  1..31 bytes of letters, digits, space, _ - . #, a
 *                  letter first; [] turns them off (ssn: the bare forms
 *                  ddddddddd, ddd dd dddd need one; phone: bare and
 *                  short numbers need one). Default: the detector's own
 *   context_bytes  0..32: word end to value, at most; default 32
 *   regions        ["DE", "AT"] phone: numbering plans national numbers
 *                  are read in, 1..64 known region codes, the first the
 *                  default region; default: 20 most populous, EU, GB
 */
#ifndef WM_CONFIG_H
#define WM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wm_common.h"
#include "wm_detect.h"
#include "wm_mask.h"
#include "wm_proto.h"
#include "wm_token.h"

#define WM_CONFIG_MAX_POLICIES 32
#define WM_CONFIG_MAX_SEGMENTS 64
#define WM_CONFIG_MAX_VNIS 4096
#define WM_CONFIG_MAX_PORTS 32
#define WM_CONFIG_MAX_WORKERS 64
#define WM_VLAN_COUNT 4096
#define WM_SEGMENT_NONE 0xff
#define WM_CONFIG_MAX_KEYS 16
#define WM_CONFIG_MAX_CUSTOM 16
#define WM_CONFIG_MAX_TUNED 64   /* rules with their own detector settings */

/* What to do when a limit is reached or a packet cannot be judged. */
enum wm_fail_action {
	WM_FAIL_FORWARD = 0,    /* pass unjudged (counted): leaks by choice */
	WM_FAIL_DROP,           /* drop the packet (TCP retransmits) */
	WM_FAIL_REASSEMBLE,     /* IP fragments: reassemble, judge, refragment */
	WM_FAIL_RELEASE,        /* hold timeout: let the judged bytes go */
	WM_FAIL_SKIP,           /* gap: scan on after the hole (counted) */
	WM_FAIL_MASK,           /* hold timeout: decide the undecided tail
				 * (values at it masked, what may begin one
				 * masked as far as its operator would) */
	WM_FAIL_ACTION_MAX
};

/* One detector enabled in a policy, with the operator that masks it. */
struct wm_rule {
	const struct wm_detector *detector;
	struct wm_mask_params mask;
};

struct wm_policy_conf {
	char name[WM_NAME_MAX];
	unsigned int nrules;
	struct wm_rule rules[WM_DETECT_MAX];
	struct wm_proto_conf proto;    /* protocols = { ... } */
};

struct wm_segment_conf {
	char name[WM_NAME_MAX];
	unsigned int policy;   /* index into wm_config.policies */
	/* Zone (config_zones.c): rules zone_rules[rule_first ..
	 * rule_first + nrules - 1], first match wins, else the default. */
	bool deny_default;     /* default = "deny": least privilege */
	bool shadow;           /* count what would be denied or masked,
				* change and drop nothing */
	unsigned int rule_first;
	unsigned int nrules;
};

/*
 * A segment's 5-tuple rule, in the initiator's direction. A rule without
 * src and dst applies to IPv4 and IPv6 (family 0); a prefix fixes the
 * family. Ports are inclusive ranges (0-65535: any).
 */
#define WM_ZONE_PROTO_ANY 0
struct wm_zone_rule {
	char name[WM_NAME_MAX];     /* counter label: a config word */
	uint8_t segment;
	bool allow;
	uint8_t family;             /* 4, 6 or 0: both */
	uint8_t proto;              /* 6 tcp, 17 udp, 0 any */
	uint8_t src[16], dst[16];   /* network order; IPv4 in the first 4 */
	uint8_t src_len, dst_len;   /* prefix bits; 0: any */
	uint16_t sport[2], dport[2];/* [lo, hi] */
};

/*
 * A segment selector beyond the vlan/vni lists: the fields given must
 * all match (port: receiving port; vlan: the outermost tag; inner_vlan:
 * QinQ's inner tag, or in VXLAN the inner frame's tag; vni). The most
 * specific match wins (config_zones.c says how ties break).
 */
#define WM_SEL_PORT 0x1
#define WM_SEL_VLAN 0x2
#define WM_SEL_IVLAN 0x4
#define WM_SEL_VNI 0x8
struct wm_segment_sel {
	uint8_t fields;             /* WM_SEL_* given */
	uint8_t segment;
	uint16_t port, vlan, ivlan;
	uint32_t vni;
};

/* What a frame that no segment claims gets (unknown_segment). */
enum wm_unknown_action {
	WM_UNKNOWN_SEGMENT = 0,     /* unknown_segment.segment judges it */
	WM_UNKNOWN_DROP,
	WM_UNKNOWN_PASS,            /* forwarded untouched, counted */
};

#define WM_CONFIG_MAX_ZONE_RULES 256
#define WM_CONFIG_MAX_SELECTORS 256

struct wm_vni_map {
	uint32_t vni;          /* 0..16777215 */
	uint8_t segment;
};

struct wm_config {
	char path[4096];
	unsigned int workers;
	uint32_t hold_timeout_us;        /* longest hold */
	uint32_t hold_min_us;            /* hold after the end of a write */
	uint32_t flow_table_size;
	uint32_t flow_timeout_s;         /* established flows, idle */
	uint32_t flow_timeout_syn_s;     /* flows with no data yet */
	uint32_t flow_timeout_closed_s;  /* after FIN or RST */
	uint16_t vxlan_port;

	struct {
		unsigned int npairs;           /* 0: default pairing */
		uint16_t pairs[WM_CONFIG_MAX_PORTS][2];
		uint16_t rx_desc;
		uint16_t tx_desc;
		uint32_t mbufs;
		uint32_t mbuf_size;
		bool promiscuous;
		bool link_propagation;         /* mirror link state to the peer */
	} ports;

	struct {
		uint32_t ooo_segments;       /* queued per direction */
		uint32_t ooo_bytes;          /* queued per direction */
		uint32_t ooo_worker_bytes;   /* queued per worker */
		uint32_t retain_bytes;       /* forwarded, unacked, per direction */
		uint32_t retain_worker_bytes;/* same, per worker (memcap) */
		uint32_t gap_timeout_ms;     /* a hole never filled is skipped */
		uint32_t frag_flows;         /* IP datagrams being reassembled */
		uint32_t frag_timeout_ms;
	} reasm;

	struct {
		enum wm_fail_action malformed;
		enum wm_fail_action bad_tcp;
		enum wm_fail_action ip_fragment;
		enum wm_fail_action flow_table_full;
		enum wm_fail_action ooo_full;
		enum wm_fail_action memcap;
		enum wm_fail_action hold_timeout;
		enum wm_fail_action gap;
		enum wm_fail_action frag_table_full;
	} fail;

	/* Keys, loaded from their files at load time; wiped on free. */
	unsigned int nkeys;
	struct wm_key keys[WM_CONFIG_MAX_KEYS];

	/* Detectors defined in the file (regex), after the built-in ones. */
	unsigned int ncustom;
	struct wm_detector *custom[WM_CONFIG_MAX_CUSTOM];

	/* Prometheus endpoint, "ADDR:PORT" ("" = off: the default). */
	struct {
		char listen[64];
	} metrics;

	/*
	 * Built-ins a rule gave settings (context, context_bytes, regions):
	 * the rule's detector is one of these copies (its name is the
	 * built-in's; wm_detect_configure()).
	 */
	unsigned int ntuned;
	struct wm_detector *tuned[WM_CONFIG_MAX_TUNED];

	/* JSON-lines event log of masking decisions (path "" = off). */
	struct {
		char path[4096];
		uint8_t fingerprint_key;   /* index + 1 into keys, 0: none */
	} events;

	unsigned int npolicies;
	struct wm_policy_conf policies[WM_CONFIG_MAX_POLICIES];

	unsigned int nsegments;              /* segments[0] is "default" */
	struct wm_segment_conf segments[WM_CONFIG_MAX_SEGMENTS];
	uint8_t vlan_segment[WM_VLAN_COUNT]; /* VLAN ID -> segment or NONE */
	unsigned int nvnis;
	struct wm_vni_map vnis[WM_CONFIG_MAX_VNIS]; /* sorted by vni */

	/* Segments as zones (config_zones.c). */
	unsigned int nzone_rules;
	struct wm_zone_rule zone_rules[WM_CONFIG_MAX_ZONE_RULES];
	unsigned int nselectors;    /* sorted, most specific first */
	struct wm_segment_sel selectors[WM_CONFIG_MAX_SELECTORS];
	struct {
		enum wm_unknown_action action;
		uint8_t segment;    /* WM_UNKNOWN_SEGMENT: which */
	} unknown;
};

/* Room for any message of the loader: two paths and a reason. */
#define WM_CONFIG_ERR_LEN (2 * 4096 + 1024)

/**
 * Load and validate @path. Returns a new config, or NULL with errno set
 * and a message "FILE:LINE: SETTING: reason" (or "FILE: reason" when no
 * line applies) in @err (@errlen bytes, always NUL-terminated; with
 * WM_CONFIG_ERR_LEN bytes never cut). A FIFO, a directory or another
 * file that is not a regular one is refused without blocking.
 */
struct wm_config *wm_config_load(const char *path, char *err, size_t errlen);

/** Same as wm_config_load() on a string; @name stands for the file name. */
struct wm_config *wm_config_load_string(const char *text, const char *name,
					char *err, size_t errlen);

/** Free a config from wm_config_load(). NULL is allowed. */
void wm_config_free(struct wm_config *cfg);

/** Log-friendly dump of the values in effect, one "key = value" per line. */
void wm_config_dump(const struct wm_config *cfg, FILE *out);

#endif /* WM_CONFIG_H */
