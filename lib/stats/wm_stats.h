/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters: one cache-aligned block per worker lcore, written only by its
 * owner, summed on the control side. Every limit and every packet the
 * appliance does not forward as it came has its own counter. Names are
 * dotted (module.event) and never carry data from the traffic.
 */
#ifndef WM_STATS_H
#define WM_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "wm_common.h"

/* Detectors with a per-detector "values masked" counter. */
#define WM_STATS_DETECTORS 32
/*
 * Values judged per segment and rule of its policy (rule = detector and
 * operator): as many segments and rules as a config can define
 * (WM_CONFIG_MAX_SEGMENTS, WM_DETECT_MAX; checked where they meet).
 */
#define WM_STATS_SEGMENTS 64
#define WM_STATS_RULES 32
/*
 * Packets denied per zone rule (a shadow segment's: would have been):
 * rule i of the config at i, segment s's default action at
 * WM_STATS_ZONE_RULES + s (checked against the config where they meet).
 */
#define WM_STATS_ZONE_RULES 256
#define WM_STATS_ZONE_IDS (WM_STATS_ZONE_RULES + WM_STATS_SEGMENTS)

/* X(enum suffix, dotted name, help) */
#define WM_COUNTERS(X) \
	X(RX, "port.rx", "frames received") \
	X(TX, "port.tx", "frames transmitted") \
	X(TX_DROP, "port.tx_drop", "frames dropped: transmit queue full") \
	X(RING_DROP, "port.ring_drop", "frames dropped: hand-off ring to the owning worker full") \
	X(PKT_TCP, "pkt.tcp", "TCP segments parsed") \
	X(PKT_NOT_IP, "pkt.not_ip", "frames without IPv4/IPv6 (forwarded untouched)") \
	X(PKT_NOT_TCP, "pkt.not_tcp", "IP packets that are not TCP (forwarded untouched)") \
	X(PKT_MALFORMED, "pkt.malformed", "frames truncated or inconsistent before any TCP header") \
	X(PKT_BAD_TCP, "pkt.bad_tcp", "TCP segments whose header or payload cannot be parsed safely") \
	X(PKT_IP_FRAG, "pkt.ip_frag", "IP fragments") \
	X(PKT_VXLAN, "pkt.vxlan", "frames decapsulated from VXLAN") \
	X(DROP_MALFORMED, "drop.malformed", "malformed frames dropped by policy") \
	X(DROP_BAD_TCP, "drop.bad_tcp", "unparsable TCP segments dropped by policy") \
	X(DROP_IP_FRAG, "drop.ip_frag", "IP fragments dropped by policy") \
	X(DROP_FLOW_FULL, "drop.flow_table_full", "segments dropped: flow table full") \
	X(DROP_OOO_FULL, "drop.ooo_full", "segments dropped: out-of-order queue full") \
	X(DROP_MEMCAP, "drop.memcap", "retransmissions dropped: their bytes are no longer retained") \
	X(DROP_WINDOW_FULL, "drop.window_full", "segments of flows dropped: no history window left for a pending value") \
	X(DROP_COLD_FULL, "drop.cold_full", "segments dropped: their flow needed a cold part (bytes in flight) and none was left (the sender resends)") \
	X(DROP_HOLD_TIMEOUT, "drop.hold_timeout", "held segments dropped by the hold-timeout policy") \
	X(DROP_GAP, "drop.gap", "segments dropped by the gap policy") \
	X(DROP_BLOCKED, "drop.blocked_flow", "segments of flows blocked by a drop policy") \
	X(DROP_SCAN_ERR, "drop.scan_error", "segments dropped: Hyperscan error") \
	X(FWD_FLOW_FULL, "pass.flow_table_full", "segments passed unscanned by policy: flow table full") \
	X(FWD_OOO_FULL, "pass.ooo_full", "segments passed unscanned by policy: out-of-order queue full") \
	X(FWD_MEMCAP, "pass.memcap", "retransmissions passed unrewritten by policy: bytes no longer retained") \
	X(FWD_MALFORMED, "pass.malformed", "malformed frames forwarded by policy") \
	X(FWD_BAD_TCP, "pass.bad_tcp", "unparsable TCP segments forwarded by policy") \
	X(FWD_IP_FRAG, "pass.ip_frag", "IP fragments forwarded by policy") \
	X(FWD_NO_POLICY, "pass.unmasked_segment", "TCP segments of segments whose policy masks nothing") \
	X(FLOW_NEW, "flow.new", "flows created") \
	X(FLOW_CLOSED, "flow.closed", "flows ended by FIN or RST") \
	X(FLOW_EXPIRED, "flow.expired", "flows removed after the idle timeout") \
	X(FLOW_TABLE_FULL, "flow.table_full", "flows that found the table full") \
	X(FLOW_REUSED, "flow.reused", "closed flows restarted by a new SYN") \
	X(FLOW_REBOUND, "flow.rebound", "flows moved to the new configuration's policy at a reload (each direction scans on from its next byte)") \
	X(FLOW_RELOAD_ENDED, "flow.reload_ended", "flows whose segment masks nothing after a reload: what they held was judged by the old policy and sent, the flow left the table") \
	X(REASM_OOO, "reasm.ooo_queued", "segments queued beyond a gap") \
	X(REASM_RETRANS, "reasm.retransmit", "segments rewritten to the bytes already judged") \
	X(REASM_RETRANS_DIFF, "reasm.retransmit_changed", "of those, segments whose bytes differed from what was forwarded (masks included)") \
	X(REASM_RETRANS_ACKED, "reasm.retransmit_acked", "retransmitted bytes the peer had acknowledged, no longer retained: blanked (a receiver discards them)") \
	X(REASM_GAP, "reasm.gap", "holes skipped (never filled)") \
	X(REASM_GAP_BYTES, "reasm.gap_bytes", "bytes never seen in skipped holes") \
	X(REASM_EVICTED, "reasm.retain_evicted", "retained bytes evicted by the per-direction limit") \
	X(REASM_MEMCAP, "reasm.memcap", "times the retained-bytes pool was exhausted") \
	X(REASM_RESTED, "reasm.retain_rested", "directions that gave back their retained bytes at rest: all acknowledged and forwarded, idle past the grace") \
	X(REASM_RETRANS_RESTED, "reasm.retransmit_rested", "retransmissions into bytes given back at rest (all acknowledged): blanked (reasm.retransmit_acked), so the receiver sends the ACK the sender lost") \
	X(REASM_HOLE_LATE, "reasm.gap_late", "segments carrying bytes of a skipped hole that came late: judged on their own") \
	X(REASM_HOLE_LATE_OOO, "reasm.gap_late_ooo", "segments dropped: late bytes of a skipped hole beyond those that came, not in order from its start (the sender resends)") \
	X(REASM_OUT_OF_WINDOW, "reasm.out_of_window", "segments dropped: beyond the receiver's window, they would open a hole no receiver waits for") \
	X(REASM_AFTER_FIN, "reasm.after_fin", "segments dropped: they carry bytes beyond the sender's FIN (a receiver discards them)") \
	X(REASM_WINDOW_FULL, "reasm.window_full", "times no history window was left for a direction with a value pending (fail.memcap decides)") \
	X(STREAM_BYTES, "stream.bytes", "payload bytes scanned") \
	X(STREAM_HELD, "stream.held", "segments held back for a value not yet ended") \
	X(STREAM_HOLD_TIMEOUT, "stream.hold_timeout", "held segments released by the hold timeout") \
	X(STREAM_FLUSH, "stream.flush", "directions flushed at FIN, RST, expiry or exit") \
	X(STREAM_MIDSTREAM, "stream.midstream", "directions picked up without a SYN") \
	X(STREAM_COLD_FULL, "stream.cold_full", "times a flow needed a cold part (bytes in flight) and the lcore's pool had none left") \
	X(STREAM_COLD_RESTED, "stream.cold_rested", "cold parts given back by flows at rest (nothing in flight, the protocol stage between messages)") \
	X(MASK_VALUES, "mask.values", "values masked, all detectors") \
	X(MASK_LATE, "mask.late_match", "values whose start had left after a hold timeout") \
	X(STREAM_HOLD_MASKED, "stream.hold_masked", "bytes that might begin a value, masked on their way out when a hold timeout decided (collateral unless a value completes)") \
	X(STREAM_HOLD_EARLY, "stream.hold_early", "held segments that ended a write (PSH or a short segment): decided after the short hold") \
	X(STREAM_MSG_BOUNDARY, "stream.message_boundary", "new messages after a tail decided at a hold timeout: the previous one's values end there") \
	X(PROTO_HTTP, "proto.http", "directions identified as HTTP/1.x") \
	X(PROTO_TLS, "proto.tls", "directions identified as TLS: never modified") \
	X(PROTO_SSH, "proto.ssh", "directions identified as SSH: never modified") \
	X(PROTO_SMTP, "proto.smtp", "directions identified as SMTP (the envelope is never modified)") \
	X(PROTO_REDIS, "proto.redis", "directions identified as Redis RESP (message ends from its framing)") \
	X(PROTO_MQTT, "proto.mqtt", "directions identified as MQTT (topics and properties never modified)") \
	X(PROTO_PG, "proto.pg", "directions identified as PostgreSQL (its framing is never modified)") \
	X(PROTO_KAFKA, "proto.kafka", "directions identified as Kafka (record keys, values and header values masked, batch CRCs fixed)") \
	X(KAFKA_BATCHES, "kafka.batches", "Kafka v2 record batches parsed (produce requests, fetch responses)") \
	X(KAFKA_CRC_FIXED, "kafka.crc_fixed", "Kafka batches whose CRC32C was recomputed over their masked bytes and written") \
	X(KAFKA_CRC_BAD, "kafka.crc_bad", "Kafka batches whose CRC32C did not match as they came: left as they were (the broker refuses them)") \
	X(KAFKA_CRC_FAILED, "kafka.crc_failed", "Kafka batches whose bytes were no longer retained to compute the CRC: the flow is dropped") \
	X(KAFKA_CRC_UNFINISHED, "kafka.crc_unfinished", "Kafka batches cut by the end of their stream (FIN, RST, a hole): their CRC packets leave as they are") \
	X(KAFKA_CRC_STALLED, "kafka.crc_stalled", "Kafka batches whose CRC packet waited past the hold limit (the sender waited for its ACK): it left as it came, the CRC kept right by forging") \
	X(KAFKA_CRC_FORGED, "kafka.crc_forged", "stalled Kafka batches whose CRC as sent was kept right: 12 masked bytes near the batch end chosen among '@A..O'") \
	X(KAFKA_CRC_UNFORGEABLE, "kafka.crc_unforgeable", "stalled Kafka batches that could not be forged (fewer than 12 masked bytes still held): left with the CRC as it came, refused by the broker and retried") \
	X(KAFKA_CRC_PINNED, "kafka.crc_pinned", "segments carrying a Kafka batch CRC held until the batch's last byte was judged") \
	X(KAFKA_COMPRESSED, "kafka.compressed", "compressed Kafka batches (gzip, snappy, lz4, zstd): cannot be masked in place (passed untouched, or dropped by policy)") \
	X(KAFKA_TOO_LARGE, "kafka.batch_too_large", "Kafka batches larger than kafka_max_batch (passed untouched, or dropped by policy)") \
	X(KAFKA_MALFORMED, "kafka.malformed", "Kafka messages or batches whose structure did not parse: the rest passed untouched") \
	X(KAFKA_UNSUPPORTED, "kafka.unsupported", "Kafka produce requests and batches of versions not parsed (Produce < v3, message sets v0/v1): passed untouched") \
	X(KAFKA_UNPAIRED, "kafka.unpaired", "Kafka connections with too many requests pending to pair responses: later fetch responses passed untouched") \
	X(PROTO_RAW, "proto.raw", "directions of no known protocol: scanned as the raw stream") \
	X(PROTO_ERROR, "proto.error", "directions whose parser met bytes it cannot parse: the raw stream from there") \
	X(PROTO_LOST, "proto.lost", "directions whose parser lost its place at a skipped hole: the raw stream from there") \
	X(PROTO_MSG_END, "proto.message_end", "message ends found by a protocol's framing: values end there, nothing held past them") \
	X(MASK_DECODED, "mask.decoded", "values found in a decoded view (behind percent-encoding, '+', JSON escapes or chunk framing), masked in the wire bytes that encode them") \
	X(MASK_RAW_ESCAPED, "mask.raw_in_escape", "raw-stream matches that run into an escape's bytes: left to the decoded view") \
	X(STREAM_VIEW_SCANS, "stream.view_scans", "times a direction's decoded view began scanning near an encoding") \
	X(STREAM_VIEW_FULL, "stream.view_full", "decoded views not had: pool exhausted (values behind encodings there not seen)") \
	X(MASK_ANCHORED, "mask.anchored", "values inside an anchored header value (Authorization credentials, a cookie's value) masked from its start: however long the credential") \
	X(STREAM_ANCHOR_LONG, "stream.anchor_long", "segments whose anchored header value outgrew the hold (8 KiB): its front left as judged") \
	X(MASK_PROTECTED, "mask.protected", "values found where nothing may be modified (TLS, SSH, SMTP envelope): logged, not masked") \
	X(HTTP_ACCEPT_ENC, "http.accept_encoding", "request Accept-Encoding values blanked (same length) so that servers answer uncompressed") \
	X(HTTP_NOT_A_MESSAGE, "http.not_a_message", "bytes after an HTTP message that begin no message (a declared length ended it early): its end taken back, values across it found, the raw stream from there") \
	X(HTTP_COMPRESSED, "http.compressed", "compressed HTTP bodies: cannot be masked in place (passed, or dropped by policy)") \
	X(DROP_PROTOCOL, "drop.protocol", "segments dropped: the policy does not allow the protocol found (encrypted, compressed)") \
	X(MASK_AT_TIMEOUT, "mask.at_timeout", "values complete at a held tail, masked by their operator when the hold timeout decided it") \
	X(MASK_AFTER_TIMEOUT, "mask.after_timeout", "values whose first bytes left masked at a hold timeout, completed later (masked where still held)") \
	X(MASK_TIMEOUT_COLLATERAL, "mask.timeout_collateral", "values masked at a hold timeout that later bytes showed were no values") \
	X(MASK_ESCAPE_LEFT, "mask.escape_left", "masked characters not written: the escape that encodes each (percent-encoding, a JSON unicode escape) had begun to leave as it came, and its rest alone would encode another character") \
	X(MASK_REJECTED, "mask.rejected", "triggers that failed the detector's validation") \
	X(MASK_ALERT, "mask.alert", "values left as they were by an alert rule (logged)") \
	X(MASK_KEY_ERROR, "mask.key_error", "keyed operator could not apply (value too short for FF1, crypto error): redacted instead") \
	X(DROP_POLICY, "drop.policy", "segments dropped: a drop rule matched (rest of flow dropped)") \
	X(EVENT, "event.written", "masking decisions written to the event log") \
	X(EVENT_LOST, "event.lost", "events lost: worker's event ring full, log write failed or line too long") \
	X(FRAG_REASSEMBLED, "frag.reassembled", "IP datagrams reassembled from fragments") \
	X(FRAG_REFRAGMENTED, "frag.out", "frames sent for reassembled datagrams: their fragments, or the datagram whole when it fits") \
	X(FRAG_TIMEOUT, "frag.timeout", "fragments freed: their datagram was incomplete at the timeout or at exit") \
	X(DROP_FRAG_TABLE_FULL, "drop.frag_table_full", "fragments dropped by policy: reassembly table full") \
	X(FWD_FRAG_TABLE_FULL, "pass.frag_table_full", "fragments passed unjudged by policy: reassembly table full") \
	X(DROP_FRAG_INVALID, "drop.frag_invalid", "fragments dropped with their datagram: overlapping, duplicate, too many or malformed") \
	X(DROP_FRAG_INNER, "drop.frag_in_vxlan", "fragments inside VXLAN dropped: not reassembled") \
	X(DROP_FRAG_OUT, "drop.frag_out", "judged datagrams dropped: could not be split again (no buffers)") \
	X(DROP_OVERSIZE, "drop.oversize", "frames dropped: larger than the port carries whole (net_pcap: 65,535 bytes), never truncated") \
	X(CONFIG_RELOAD_OK, "config.reload_ok", "configuration reloads done (SIGHUP, /wiremask/reload, the config file changed)") \
	X(CONFIG_RELOAD_FAILED, "config.reload_failed", "reloads refused: the file is invalid or a policy does not compile (FILE:LINE in the log); the running configuration stays") \
	X(CONFIG_RELOAD_RESTART, "config.reload_restart", "reloads refused: a setting that needs a restart changed (named in the log); the running configuration stays") \
	X(DETECT_ERROR, "detect.error", "candidates a detector could not check (scratch, Hyperscan error): masked whole, fail closed") \
	X(DROP_ZONE, "drop.zone_denied", "packets dropped: their segment's zone rules deny the flow (per rule: zone_rule)") \
	X(DROP_UNKNOWN_SEGMENT, "drop.unknown_segment", "frames dropped: no segment claims their VLAN/VNI (unknown_segment = \"drop\")") \
	X(FWD_UNKNOWN_SEGMENT, "pass.unknown_segment", "frames forwarded untouched: no segment claims their VLAN/VNI (unknown_segment = \"pass\")") \
	X(ZONE_FLOWS_ALLOWED, "zone.flows_allowed", "flows a segment's zone allowed (decided at their first packet)") \
	X(ZONE_FLOWS_DENIED, "zone.flows_denied", "flows a segment's zone denied (shadow segments included)") \
	X(ZONE_STATELESS, "zone.stateless", "packets that are not TCP judged one by one by their segment's zone") \
	X(ZONE_SHADOW_DENIED, "zone.shadow_denied", "packets a shadow segment's zone would have dropped: forwarded, counted") \
	X(SHADOW_VALUES, "shadow.values", "values a shadow segment found and left as they were (its policy would have masked them)")

enum wm_counter {
#define WM_X_ENUM(e, name, help) WM_CTR_##e,
	WM_COUNTERS(WM_X_ENUM)
#undef WM_X_ENUM
	WM_CTR_MAX
};

/*
 * Time held packets waited, in microseconds: 4 buckets per power of two,
 * so a percentile is exact to within 25 %. Buckets 0..3 hold 0..3 us;
 * bucket b >= 4 holds [(4 + b%4) << (b/4 - 1), (5 + b%4) << (b/4 - 1)).
 */
#define WM_HELD_BUCKETS 128

struct wm_stats {
	uint64_t ctr[WM_CTR_MAX];
	uint64_t masked[WM_STATS_DETECTORS]; /* values masked per detector id */
	uint64_t held_us[WM_HELD_BUCKETS];   /* held packets by time held */
	uint64_t held_sum_us;                /* their held times added up */
	uint64_t held_max_us;
	/* values found per segment and rule, alert rules included */
	uint64_t seg_values[WM_STATS_SEGMENTS][WM_STATS_RULES];
	uint64_t zone_rule[WM_STATS_ZONE_IDS]; /* packets denied per zone rule */
} WM_CACHE_ALIGNED;

/* Bucket of @us in held_us[]. */
static inline unsigned int
wm_stats_held_bucket(uint64_t us)
{
	unsigned int lg;

	if (us < 4)
		return (unsigned int)us;
	lg = 63u - (unsigned int)__builtin_clzll(us);  /* >= 2 */
	return WM_MIN(4 * (lg - 1) + (unsigned int)((us >> (lg - 2)) & 3),
		      WM_HELD_BUCKETS - 1u);
}

/* Count one packet that was held @us microseconds. */
static inline void
wm_stats_held_add(struct wm_stats *s, uint64_t us)
{
	s->held_us[wm_stats_held_bucket(us)]++;
	s->held_sum_us += us;
	if (us > s->held_max_us)
		s->held_max_us = us;
}

/**
 * The held time (us) that fraction @q (0..1) of held packets did not
 * exceed: the upper edge of its bucket (held_max_us at most); 0 when
 * nothing was held.
 */
uint64_t wm_stats_held_quantile(const struct wm_stats *s, double q);

/*
 * Cycles per stage of the data path, for the benchmark's profiled pass
 * (wiremask-bench): filled only when a worker is given a struct wm_prof,
 * so the appliance pays one predicted branch per stage and no rdtsc.
 * STREAM is everything the stream engine does; the scan and mask parts
 * inside it are also counted on their own.
 */
#define WM_STAGES(X) \
	X(PARSE, "parse") \
	X(FLOW, "flow") \
	X(STREAM, "stream") \
	X(SCAN, "scan") \
	X(MASK, "mask") \
	X(TX, "tx")

enum wm_stage {
#define WM_X_ENUM(e, name) WM_STAGE_##e,
	WM_STAGES(WM_X_ENUM)
#undef WM_X_ENUM
	WM_STAGE_MAX
};

struct wm_prof {
	uint64_t cycles[WM_STAGE_MAX];
};

/** Dotted name of counter @c. */
const char *wm_stats_name(enum wm_counter c);

/** One-line description of counter @c. */
const char *wm_stats_help(enum wm_counter c);

/** Add @src into @dst (the control side sums the per-lcore blocks). */
void wm_stats_add(struct wm_stats *dst, const struct wm_stats *src);

/**
 * Print every non-zero counter as "name value", then the per-detector
 * masked counts as "mask.<detector> value"; @det_names has @ndet entries.
 */
void wm_stats_print(const struct wm_stats *s, const char *const *det_names,
		    unsigned int ndet, FILE *out);

#endif /* WM_STATS_H */
