/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parsing and checksum update on raw buffers (no mbufs, no EAL).
 *
 * Stack understood, outermost first:
 *
 *   Ethernet [802.1ad|802.1Q tag]* (at most 2 tags: single or QinQ)
 *     IPv4 (options) | IPv6 (hop-by-hop, routing, destination options)
 *       TCP (options)                                  -> WM_PKT_TCP
 *       UDP dport == vxlan_port -> VXLAN -> inner Ethernet, same stack
 *                                   again (one level of VXLAN only)
 *
 * Everything else is classified so the caller can count it and apply
 * its policy; the parser never modifies the frame.
 */
#ifndef WM_PKT_H
#define WM_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a frame turned out to be. */
enum wm_pkt_kind {
	WM_PKT_TCP = 0,     /* a TCP segment: every field below is valid */
	WM_PKT_NOT_IP,      /* no IPv4/IPv6 (ARP, MPLS, LLDP, ...) */
	WM_PKT_NOT_TCP,     /* IP but not TCP (UDP that is not VXLAN, ICMP..) */
	WM_PKT_MALFORMED,   /* truncated/inconsistent before a TCP header
			     * could be identified (short Ethernet, bad IP
			     * version/IHL/length, truncated IPv6 ext hdr) */
	WM_PKT_BAD_TCP,     /* IP says TCP but the TCP header or payload
			     * cannot be parsed safely (truncated header,
			     * data offset < 5 or beyond the IP payload) */
	WM_PKT_IP_FRAG,     /* an IPv4 fragment (MF set or offset != 0) or an
			     * IPv6 packet with a Fragment header */
};

#define WM_PKT_MAX_VLANS 2

/* Parse result. Offsets are from the start of the frame. */
struct wm_pkt_info {
	enum wm_pkt_kind kind;
	uint8_t nvlan;                      /* tags of the outer frame */
	uint16_t vlan[WM_PKT_MAX_VLANS];    /* VLAN IDs (12 bits), outermost first */
	uint8_t ninner_vlan;                /* VXLAN: tags of the inner frame */
	uint16_t inner_vlan;                /* VXLAN: its outermost VLAN ID */
	uint8_t l4_proto;                   /* innermost IP's protocol (6 TCP,
					     * 17 UDP, ...); UDP that is not
					     * VXLAN sets sport and dport */
	bool vxlan;                         /* TCP found inside VXLAN */
	uint32_t vni;                       /* valid when vxlan */
	uint16_t outer_l3_off;              /* VXLAN: outer IP header */
	uint16_t outer_udp_off;             /* VXLAN: outer UDP header */
	bool outer_ipv6;                    /* VXLAN: outer IP is IPv6 */
	uint8_t ip_version;                 /* 4 or 6, innermost IP */
	uint16_t l3_off;                    /* innermost IP header */
	uint16_t l4_off;                    /* TCP header */
	uint32_t payload_off;               /* first TCP payload byte */
	uint32_t payload_len;               /* bytes of TCP payload, from the
					     * IP length (Ethernet padding
					     * excluded) */
	uint8_t saddr[16], daddr[16];       /* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;              /* host order */
	uint32_t seq, ack;                  /* host order */
	uint8_t tcp_flags;                  /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
	uint8_t wscale;                     /* a SYN's window scale option
					     * (shift, at most 14), else
					     * WM_PKT_NO_WSCALE */
	uint16_t window;                    /* receive window, host order,
					     * unscaled as on the wire */
};

#define WM_PKT_NO_WSCALE 0xff

#define WM_TCP_FIN 0x01
#define WM_TCP_SYN 0x02
#define WM_TCP_RST 0x04
#define WM_TCP_PSH 0x08
#define WM_TCP_ACK 0x10
#define WM_TCP_URG 0x20

/**
 * Parse a frame.
 *
 * @frame: first byte of the Ethernet header; @hdr_len bytes are readable
 * there (all headers must lie within them). @frame_len is the whole
 * frame's length (>= hdr_len; larger when the payload continues in
 * further buffers, as in a chained mbuf). @vxlan_port is the UDP
 * destination port that means VXLAN (host order; 0 disables VXLAN).
 *
 * Fills @info (kind always; the rest as far as parsing got) and returns
 * info->kind. Fields of a non-TCP result beyond kind, nvlan and vlan are
 * unspecified, except for WM_PKT_IP_FRAG: ip_version, l3_off (the IP
 * header that carries the fragment; IPv6: its Fragment header starts
 * inside the frame, not necessarily within @hdr_len), saddr, daddr and
 * vxlan (with vni, outer_l3_off, outer_udp_off, outer_ipv6 when true)
 * are valid too, for reassembly.
 */
enum wm_pkt_kind wm_pkt_parse(const uint8_t *frame, uint32_t hdr_len,
			      uint32_t frame_len, uint16_t vxlan_port,
			      struct wm_pkt_info *info);

/** Short name of a kind, for logs ("tcp", "not_ip", ...). */
const char *wm_pkt_kind_name(enum wm_pkt_kind kind);

/**
 * Update an Internet checksum (RFC 1071 / RFC 1624) for bytes that
 * changed from @old to @new (@len bytes each) inside the checksummed
 * region. @odd is true when the first changed byte sits at an odd offset
 * from the start of the checksummed region (the low byte of a 16-bit
 * word). @cksum and the result are as stored in the header (network
 * byte order, as read with memcpy).
 */
uint16_t wm_cksum_adjust(uint16_t cksum, const uint8_t *old,
			 const uint8_t *new, size_t len, bool odd);

/**
 * Full Internet checksum of a TCP or UDP segment with its IPv4 or IPv6
 * pseudo-header, for tests and for recomputing; @l3 is the IP header,
 * @l4 the TCP/UDP header, @l4_len the segment length (header+payload).
 * Returns the value to store (network order), with the checksum field
 * inside @l4 treated as zero.
 */
uint16_t wm_cksum_l4(const uint8_t *l3, const uint8_t *l4, uint32_t l4_len,
		     uint8_t proto);

/**
 * CRC32C (Castagnoli, reflected 0x82F63B78, as iSCSI and Kafka's v2
 * record batch use it) of @n bytes at @p, continuing @crc (0 to start):
 * wm_crc32c(wm_crc32c(0, a, x), b, y) is the CRC of a then b. The CPU's
 * instruction where it has one (SSE4.2), else a table.
 */
uint32_t wm_crc32c(uint32_t crc, const void *p, size_t n);

#endif /* WM_PKT_H */
