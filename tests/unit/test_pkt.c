/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pkt module: frame parsing and checksums.
 *
 * Frames are built from a list of layers (ETH, VLAN, IP4, ...); IP and
 * UDP lengths are filled in to cover everything up to the padding, then
 * a case may poke bytes to break the frame on purpose. The parser is
 * always handed a buffer of exactly hdr_len bytes, so that an ASan build
 * catches any read beyond it.
 */
#include <stdbool.h>
#include <stdint.h>

#include "wm_pkt.h"
#include "pkt_priv.h"
#include "wm_test.h"

#define FRAME_MAX	2048
#define VXLAN_PORT	4789
#define TCP_SPORT	40000
#define TCP_DPORT	80
#define TCP_SEQ		0x11223344u
#define TCP_ACK		0x55667788u

/* ---- frame builder ---------------------------------------------------- */

enum {
	L_END, L_ETH, L_VLAN, L_ETYPE, L_IP4, L_IP6, L_EXT, L_PROTO, L_TCP,
	L_UDP, L_VXLAN, L_ICMP, L_DATA, L_PAD, L_NUM
};

struct layer {
	uint8_t t;
	uint32_t a, b;
};

#define ETH()		{ L_ETH, 0, 0 }
#define VLAN(tpid, tci)	{ L_VLAN, tpid, tci }
#define ETYPE(type)	{ L_ETYPE, type, 0 }	/* sets the ethertype only */
#define IP4()		{ L_IP4, 5, 0 }
#define IP4X(ihl, frag)	{ L_IP4, ihl, frag }
#define IP6()		{ L_IP6, 0, 0 }
#define EXT(nh, hdrlen)	{ L_EXT, nh, hdrlen }
#define PROTO(nh)	{ L_PROTO, nh, 0 }	/* sets the IP protocol only */
#define TCP()		{ L_TCP, 5, 0x18 }
#define TCPX(doff, fl)	{ L_TCP, doff, fl }
#define UDP(dport)	{ L_UDP, dport, 0 }
#define VXLAN(fl, vni)	{ L_VXLAN, fl, vni }
#define ICMP()		{ L_ICMP, 0, 0 }
#define DATA(n)		{ L_DATA, n, 0 }
#define PAD(n)		{ L_PAD, n, 0 }		/* Ethernet padding, last */
#define END()		{ L_END, 0, 0 }

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t fix_off[8];	/* IP/UDP headers whose length to fill */
	uint8_t fix_t[8];
	unsigned int nfix;
	bool fixed;
	uint8_t depth;		/* VXLAN levels so far: varies addresses */
	/* what the innermost TCP segment was built with */
	uint8_t ipver, flags;
	uint8_t saddr[16], daddr[16];
};

static void
wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v);
}

static uint8_t *
put(struct frame *f, uint32_t n)
{
	uint8_t *p = f->b + f->len;

	if (f->len + n > FRAME_MAX) {
		fprintf(stderr, "test frame too long\n");
		exit(2);
	}
	memset(p, 0, n);
	f->len += n;
	return p;
}

static void
fix_later(struct frame *f, uint8_t t, uint32_t off)
{
	f->fix_off[f->nfix] = off;
	f->fix_t[f->nfix++] = t;
}

/* IP and UDP lengths cover everything built so far. */
static void
fix_lengths(struct frame *f)
{
	unsigned int i;
	uint32_t off;

	for (i = 0; i < f->nfix && !f->fixed; i++) {
		off = f->fix_off[i];
		if (f->fix_t[i] == L_IP4)
			wr16(f->b + off + 2, f->len - off);
		else if (f->fix_t[i] == L_IP6)
			wr16(f->b + off + 4, f->len - off - 40);
		else
			wr16(f->b + off + 4, f->len - off);
	}
	f->fixed = true;
}

static uint16_t
next_etype(const struct layer *l)
{
	static const uint16_t etype[L_NUM] = {
		[L_IP4] = 0x0800, [L_IP6] = 0x86dd,
	};

	if (l->t == L_VLAN || l->t == L_ETYPE)
		return (uint16_t)l->a;
	return etype[l->t] ? etype[l->t] : 0x88b5;
}

static uint8_t
next_proto(const struct layer *l)
{
	static const uint8_t proto[L_NUM] = {
		[L_TCP] = 6, [L_UDP] = 17, [L_ICMP] = 1,
	};

	if (l->t == L_EXT || l->t == L_PROTO)
		return (uint8_t)l->a;
	return proto[l->t] ? proto[l->t] : 59;
}

static void
emit_eth(struct frame *f, const struct layer *l)
{
	uint8_t *p = put(f, 14);

	memcpy(p, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	wr16(p + 12, next_etype(l + 1));
}

static void
emit_vlan(struct frame *f, const struct layer *l)
{
	uint8_t *p = put(f, 4);

	wr16(p, l->b);
	wr16(p + 2, next_etype(l + 1));
}

static void
set_addrs(struct frame *f, uint8_t ver, uint8_t *s, uint8_t *d)
{
	memset(f->saddr, 0, sizeof(f->saddr));
	memset(f->daddr, 0, sizeof(f->daddr));
	if (ver == 4) {
		memcpy(f->saddr, (uint8_t[]){ 10, f->depth, 0, 1 }, 4);
		memcpy(f->daddr, (uint8_t[]){ 10, f->depth, 0, 2 }, 4);
	} else {
		memcpy(f->saddr, "\x20\x01\x0d\xb8", 4);
		memcpy(f->daddr, "\x20\x01\x0d\xb8", 4);
		f->saddr[5] = f->daddr[5] = f->depth;
		f->saddr[15] = 1;
		f->daddr[15] = 2;
	}
	f->ipver = ver;
	memcpy(s, f->saddr, ver == 4 ? 4 : 16);
	memcpy(d, f->daddr, ver == 4 ? 4 : 16);
}

static void
emit_ip4(struct frame *f, const struct layer *l)
{
	uint8_t *p;

	fix_later(f, L_IP4, f->len);
	p = put(f, l->a * 4);
	memset(p + 20, 0x01, l->a * 4 - 20);	/* NOP options */
	p[0] = (uint8_t)(0x40 | l->a);
	wr16(p + 6, l->b);
	p[8] = 64;
	p[9] = next_proto(l + 1);
	set_addrs(f, 4, p + 12, p + 16);
}

static void
emit_ip6(struct frame *f, const struct layer *l)
{
	uint8_t *p;

	fix_later(f, L_IP6, f->len);
	p = put(f, 40);
	p[0] = 0x60;
	p[6] = next_proto(l + 1);
	p[7] = 64;
	set_addrs(f, 6, p + 8, p + 24);
}

/* IPv6 extension header @a with length field @b (Pad1 options). */
static void
emit_ext(struct frame *f, const struct layer *l)
{
	uint32_t len = (l->b + 1) * 8;
	uint8_t *p;

	if (l->a == 51)
		len = (l->b + 2) * 4;
	else if (l->a == 44)
		len = 8;
	p = put(f, len);
	p[0] = next_proto(l + 1);
	p[1] = l->a == 44 ? 0 : (uint8_t)l->b;
	if (l->a == 44)         /* @b: fragment offset and M flag */
		wr16(p + 2, (uint16_t)l->b);
}

static void
emit_tcp(struct frame *f, const struct layer *l)
{
	uint8_t *p = put(f, l->a * 4);

	memset(p + 20, 0x01, l->a * 4 - 20);	/* NOP options */
	wr16(p, TCP_SPORT);
	wr16(p + 2, TCP_DPORT);
	wr32(p + 4, TCP_SEQ);
	wr32(p + 8, TCP_ACK);
	p[12] = (uint8_t)(l->a << 4);
	p[13] = (uint8_t)l->b;
	wr16(p + 14, 65535);
	f->flags = (uint8_t)l->b;
}

static void
emit_udp(struct frame *f, const struct layer *l)
{
	uint8_t *p;

	fix_later(f, L_UDP, f->len);
	p = put(f, 8);
	wr16(p, 50000 + f->depth);
	wr16(p + 2, l->a);
}

static void
emit_vxlan(struct frame *f, const struct layer *l)
{
	uint8_t *p = put(f, 8);

	p[0] = (uint8_t)l->a;
	wr32(p + 4, l->b << 8);
	f->depth++;
}

static void
emit_icmp(struct frame *f, const struct layer *l)
{
	put(f, 8)[0] = 8;	/* echo request */
}

static void
emit_data(struct frame *f, const struct layer *l)
{
	uint8_t *p = put(f, l->a);
	uint32_t i;

	for (i = 0; i < l->a; i++)
		p[i] = (uint8_t)('a' + i % 26);
}

static void
emit_pad(struct frame *f, const struct layer *l)
{
	fix_lengths(f);
	put(f, l->a);
}

static void
emit_none(struct frame *f, const struct layer *l)
{
}

static void (*const emit[L_NUM])(struct frame *, const struct layer *) = {
	[L_ETH] = emit_eth, [L_VLAN] = emit_vlan, [L_ETYPE] = emit_none,
	[L_IP4] = emit_ip4, [L_IP6] = emit_ip6, [L_EXT] = emit_ext,
	[L_PROTO] = emit_none, [L_TCP] = emit_tcp, [L_UDP] = emit_udp,
	[L_VXLAN] = emit_vxlan, [L_ICMP] = emit_icmp, [L_DATA] = emit_data,
	[L_PAD] = emit_pad,
};

static void
build(struct frame *f, const struct layer *l)
{
	memset(f, 0, sizeof(*f));
	for (; l->t != L_END; l++)
		emit[l->t](f, l);
	fix_lengths(f);
}

/* ---- parse cases ------------------------------------------------------ */

struct poke {
	uint16_t off;
	uint16_t val;
	uint8_t width;	/* 1 or 2 bytes; 0 ends the list */
};

#define P8(o, v)	{ o, v, 1 }
#define P16(o, v)	{ o, v, 2 }

struct want {
	uint8_t nvlan;
	uint16_t vlan[WM_PKT_MAX_VLANS];
	bool vxlan;
	uint32_t vni;
	uint16_t outer_l3, outer_udp;
	bool outer_ipv6;
	uint8_t ipver;
	uint16_t l3, l4;
	uint32_t poff, plen;
};

struct parse_case {
	const char *name;
	struct layer l[20];
	struct poke poke[4];
	uint32_t cut;		/* frame_len: keep this many bytes (0: all) */
	uint32_t hdr;		/* hdr_len (0: frame_len) */
	bool novx;		/* parse with VXLAN off */
	enum wm_pkt_kind kind;
	struct want w;		/* nvlan/vlan always; the rest for TCP, and
				 * ipver/l3/vxlan... for IP_FRAG */
};

#define V4(l3_, l4_, poff_, plen_) \
	.ipver = 4, .l3 = l3_, .l4 = l4_, .poff = poff_, .plen = plen_
#define V6(l3_, l4_, poff_, plen_) \
	.ipver = 6, .l3 = l3_, .l4 = l4_, .poff = poff_, .plen = plen_

/* The VXLAN frames used by several cases, and their offsets. */
#define VX_V4_FRAME \
	ETH(), VLAN(0x8100, 10), IP4(), UDP(VXLAN_PORT), \
	VXLAN(0x08, 0x123456), ETH(), VLAN(0x8100, 99), IP4(), TCP()
#define VX_V4_WANT(plen_) \
	.nvlan = 1, .vlan = { 10 }, .vxlan = true, .vni = 0x123456, \
	.outer_l3 = 18, .outer_udp = 38, V4(72, 92, 112, plen_)
/* outer IPv4 at 14, UDP 34 (length at 38), VXLAN 42, inner IPv4 64 */
#define VX_PLAIN_FRAME \
	ETH(), IP4(), UDP(VXLAN_PORT), VXLAN(0x08, 11), ETH(), IP4(), TCP()

static const struct parse_case parse_cases[] = {
	/* Ethernet and VLAN tags */
	{ "tcp_over_ipv4_plain", { ETH(), IP4(), TCP(), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V4(14, 34, 54, 10) } },
	{ "tcp_options_doff8", { ETH(), IP4(), TCPX(8, 0x18), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V4(14, 34, 66, 10) } },
	{ "ipv4_options_ihl6", { ETH(), IP4X(6, 0), TCP(), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V4(14, 38, 58, 10) } },
	{ "tcp_flags_ecn_syn_kept_raw", { ETH(), IP4(), TCPX(5, 0xc2) },
	  .kind = WM_PKT_TCP, .w = { V4(14, 34, 54, 0) } },
	{ "vlan_8021q_id_recorded",
	  { ETH(), VLAN(0x8100, 100), IP4(), TCP(), DATA(5) },
	  .kind = WM_PKT_TCP,
	  .w = { .nvlan = 1, .vlan = { 100 }, V4(18, 38, 58, 5) } },
	{ "vlan_pcp_dei_not_in_id",
	  { ETH(), VLAN(0x8100, 0xb064), IP4(), TCP(), DATA(5) },
	  .kind = WM_PKT_TCP,
	  .w = { .nvlan = 1, .vlan = { 100 }, V4(18, 38, 58, 5) } },
	{ "qinq_88a8_8100_both_ids_outer_first",
	  { ETH(), VLAN(0x88a8, 200), VLAN(0x8100, 100), IP4(), TCP(),
	    DATA(5) },
	  .kind = WM_PKT_TCP,
	  .w = { .nvlan = 2, .vlan = { 200, 100 }, V4(22, 42, 62, 5) } },
	{ "qinq_9100_outer_accepted",
	  { ETH(), VLAN(0x9100, 7), VLAN(0x8100, 8), IP4(), TCP(), DATA(5) },
	  .kind = WM_PKT_TCP,
	  .w = { .nvlan = 2, .vlan = { 7, 8 }, V4(22, 42, 62, 5) } },
	{ "qinq_8100_8100_vid_4095_and_0",
	  { ETH(), VLAN(0x8100, 0xffff), VLAN(0x8100, 0), IP6(), TCP() },
	  .kind = WM_PKT_TCP,
	  .w = { .nvlan = 2, .vlan = { 4095, 0 }, V6(22, 62, 82, 0) } },
	{ "three_tags_not_ip",
	  { ETH(), VLAN(0x88a8, 1), VLAN(0x8100, 2), VLAN(0x8100, 3), IP4(),
	    TCP() },
	  .kind = WM_PKT_NOT_IP, .w = { .nvlan = 2, .vlan = { 1, 2 } } },
	{ "tpid_9100_as_inner_tag_not_ip",
	  { ETH(), VLAN(0x8100, 1), VLAN(0x9100, 2), IP4(), TCP() },
	  .kind = WM_PKT_NOT_IP, .w = { .nvlan = 1, .vlan = { 1 } } },
	{ "arp_not_ip", { ETH(), ETYPE(0x0806), DATA(28) },
	  .kind = WM_PKT_NOT_IP },
	{ "mpls_in_vlan_not_ip",
	  { ETH(), VLAN(0x8100, 3199), ETYPE(0x8847), DATA(40) },
	  .kind = WM_PKT_NOT_IP, .w = { .nvlan = 1, .vlan = { 3199 } } },
	{ "short_ethernet_malformed", { ETH(), IP4(), TCP() }, .cut = 13,
	  .kind = WM_PKT_MALFORMED },
	{ "vlan_tag_truncated_malformed",
	  { ETH(), VLAN(0x8100, 5), IP4(), TCP() }, .cut = 17,
	  .kind = WM_PKT_MALFORMED, .w = { .nvlan = 0 } },

	/* IPv4 */
	{ "eth_padding_excluded_from_payload",
	  { ETH(), IP4(), TCP(), DATA(2), PAD(4) },
	  .kind = WM_PKT_TCP, .w = { V4(14, 34, 54, 2) } },
	{ "eth_padding_only_no_payload", { ETH(), IP4(), TCP(), PAD(6) },
	  .kind = WM_PKT_TCP, .w = { V4(14, 34, 54, 0) } },
	{ "ipv4_mf_ip_frag", { ETH(), IP4X(5, 0x2000), TCP(), DATA(8) },
	  .kind = WM_PKT_IP_FRAG, .w = { .ipver = 4, .l3 = 14 } },
	{ "ipv4_offset_ip_frag", { ETH(), IP4X(5, 0x0001), TCP(), DATA(8) },
	  .kind = WM_PKT_IP_FRAG, .w = { .ipver = 4, .l3 = 14 } },
	{ "ipv4_qinq_fragment_ip_frag",
	  { ETH(), VLAN(0x88a8, 5), VLAN(0x8100, 6), IP4X(6, 0x2000), DATA(16) },
	  .kind = WM_PKT_IP_FRAG,
	  .w = { .nvlan = 2, .vlan = { 5, 6 }, .ipver = 4, .l3 = 22 } },
	{ "ipv4_df_is_not_a_fragment",
	  { ETH(), IP4X(5, 0x4000), TCP(), DATA(8) },
	  .kind = WM_PKT_TCP, .w = { V4(14, 34, 54, 8) } },
	{ "icmp_not_tcp", { ETH(), IP4(), ICMP(), DATA(8) },
	  .kind = WM_PKT_NOT_TCP },
	{ "udp_other_port_not_tcp", { ETH(), IP4(), UDP(53), DATA(20) },
	  .kind = WM_PKT_NOT_TCP },
	{ "ipv4_ihl_below_5_malformed", { ETH(), IP4(), TCP(), DATA(10) },
	  .poke = { P8(14, 0x44) }, .kind = WM_PKT_MALFORMED },
	{ "ipv4_ihl_beyond_frame_malformed", { ETH(), IP4(), TCP() },
	  .poke = { P8(14, 0x4f) }, .kind = WM_PKT_MALFORMED },
	{ "ipv4_ihl_above_total_length_malformed",
	  { ETH(), IP4(), TCP(), DATA(60) },
	  .poke = { P8(14, 0x4f), P16(16, 40) }, .kind = WM_PKT_MALFORMED },
	{ "ipv4_version_6_under_0800_malformed",
	  { ETH(), IP4(), TCP(), DATA(10) },
	  .poke = { P8(14, 0x65) }, .kind = WM_PKT_MALFORMED },
	{ "ipv4_total_length_beyond_frame_malformed",
	  { ETH(), IP4(), TCP(), DATA(10) },
	  .poke = { P16(16, 51) }, .kind = WM_PKT_MALFORMED },
	{ "ipv4_total_length_below_ihl_malformed",
	  { ETH(), IP4(), TCP(), DATA(10) },
	  .poke = { P16(16, 19) }, .kind = WM_PKT_MALFORMED },
	{ "ipv4_header_beyond_hdr_len_malformed",
	  { ETH(), IP4(), TCP(), DATA(10) }, .hdr = 33,
	  .kind = WM_PKT_MALFORMED },

	/* TCP */
	{ "tcp_doff_below_5_bad_tcp", { ETH(), IP4(), TCP(), DATA(10) },
	  .poke = { P8(46, 0x40) }, .kind = WM_PKT_BAD_TCP },
	{ "tcp_doff_beyond_ip_payload_bad_tcp", { ETH(), IP4(), TCP(), PAD(8) },
	  .poke = { P8(46, 0x60) }, .kind = WM_PKT_BAD_TCP },
	{ "tcp_header_beyond_ip_length_bad_tcp",
	  { ETH(), IP4(), TCP(), DATA(10) },
	  .poke = { P16(16, 30) }, .kind = WM_PKT_BAD_TCP },
	{ "tcp_header_beyond_hdr_len_bad_tcp",
	  { ETH(), IP4(), TCP(), DATA(10) }, .hdr = 53,
	  .kind = WM_PKT_BAD_TCP },
	{ "tcp_options_beyond_hdr_len_bad_tcp",
	  { ETH(), IP4(), TCPX(8, 0x18), DATA(10) }, .hdr = 65,
	  .kind = WM_PKT_BAD_TCP },
	{ "split_payload_beyond_hdr_len_is_tcp",
	  { ETH(), IP4(), TCP(), DATA(100) }, .hdr = 54,
	  .kind = WM_PKT_TCP, .w = { V4(14, 34, 54, 100) } },
	{ "split_inside_payload_is_tcp",
	  { ETH(), IP6(), TCP(), DATA(100) }, .hdr = 80,
	  .kind = WM_PKT_TCP, .w = { V6(14, 54, 74, 100) } },

	/* IPv6 */
	{ "tcp_over_ipv6", { ETH(), IP6(), TCP(), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V6(14, 54, 74, 10) } },
	{ "ipv6_hbh_and_dstopts_skipped",
	  { ETH(), IP6(), EXT(0, 0), EXT(60, 1), TCP(), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V6(14, 78, 98, 10) } },
	{ "ipv6_routing_and_ah_skipped",
	  { ETH(), IP6(), EXT(43, 0), EXT(51, 1), TCP(), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V6(14, 74, 94, 10) } },
	{ "ipv6_eight_ext_headers_ok",
	  { ETH(), IP6(), EXT(60, 0), EXT(60, 0), EXT(60, 0), EXT(60, 0),
	    EXT(60, 0), EXT(60, 0), EXT(60, 0), EXT(60, 0), TCP(), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V6(14, 118, 138, 10) } },
	{ "ipv6_nine_ext_headers_malformed",
	  { ETH(), IP6(), EXT(60, 0), EXT(60, 0), EXT(60, 0), EXT(60, 0),
	    EXT(60, 0), EXT(60, 0), EXT(60, 0), EXT(60, 0), EXT(60, 0), TCP(),
	    DATA(10) },
	  .kind = WM_PKT_MALFORMED },
	{ "ipv6_fragment_header_ip_frag",
	  { ETH(), IP6(), EXT(44, 1), TCP(), DATA(10) },
	  .kind = WM_PKT_IP_FRAG, .w = { .ipver = 6, .l3 = 14 } },
	{ "ipv6_fragment_offset_ip_frag",
	  { ETH(), IP6(), EXT(44, 0x0008), TCP(), DATA(10) },
	  .kind = WM_PKT_IP_FRAG, .w = { .ipver = 6, .l3 = 14 } },
	{ "ipv6_fragment_after_hbh_ip_frag",
	  { ETH(), VLAN(0x8100, 9), IP6(), EXT(0, 0), EXT(44, 1), TCP() },
	  .kind = WM_PKT_IP_FRAG,
	  .w = { .nvlan = 1, .vlan = { 9 }, .ipver = 6, .l3 = 18 } },
	/* RFC 6946: offset 0 and M clear, a whole packet (reserved bits set) */
	{ "ipv6_atomic_fragment_is_whole_tcp",
	  { ETH(), IP6(), EXT(44, 0x0006), TCP(), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V6(14, 62, 82, 10) } },
	{ "ipv6_atomic_fragment_after_dstopts_tcp",
	  { ETH(), IP6(), EXT(60, 0), EXT(44, 0), TCP(), DATA(10) },
	  .kind = WM_PKT_TCP, .w = { V6(14, 70, 90, 10) } },
	{ "ipv6_esp_not_tcp", { ETH(), IP6(), PROTO(50), DATA(16) },
	  .kind = WM_PKT_NOT_TCP },
	{ "ipv6_no_next_header_not_tcp", { ETH(), IP6(), PROTO(59), DATA(8) },
	  .kind = WM_PKT_NOT_TCP },
	{ "ipv6_icmpv6_not_tcp", { ETH(), IP6(), PROTO(58), DATA(8) },
	  .kind = WM_PKT_NOT_TCP },
	{ "ipv6_ext_hdr_beyond_payload_malformed",
	  { ETH(), IP6(), EXT(60, 0), TCP(), DATA(10) },
	  .poke = { P8(55, 200) }, .kind = WM_PKT_MALFORMED },
	{ "ipv6_ext_hdr_beyond_hdr_len_malformed",
	  { ETH(), IP6(), EXT(60, 1), TCP(), DATA(10) }, .hdr = 62,
	  .kind = WM_PKT_MALFORMED },
	{ "ipv6_ext_hdr_len_byte_beyond_payload_malformed",
	  { ETH(), IP6(), EXT(60, 0), TCP() }, .poke = { P16(18, 1) },
	  .kind = WM_PKT_MALFORMED },
	{ "ipv6_jumbogram_plen0_malformed", { ETH(), IP6(), TCP(), DATA(10) },
	  .poke = { P16(18, 0) }, .kind = WM_PKT_MALFORMED },
	{ "ipv6_plen_beyond_frame_malformed",
	  { ETH(), IP6(), TCP(), DATA(10) },
	  .poke = { P16(18, 31) }, .kind = WM_PKT_MALFORMED },
	{ "ipv6_version_4_under_86dd_malformed",
	  { ETH(), IP6(), TCP(), DATA(10) },
	  .poke = { P8(14, 0x45) }, .kind = WM_PKT_MALFORMED },
	{ "ipv6_padding_excluded_from_payload",
	  { ETH(), IP6(), TCP(), DATA(1), PAD(5) },
	  .kind = WM_PKT_TCP, .w = { V6(14, 54, 74, 1) } },

	/* VXLAN */
	{ "vxlan_ipv4_inner_vlan_not_recorded", { VX_V4_FRAME, DATA(20) },
	  .kind = WM_PKT_TCP, .w = { VX_V4_WANT(20) } },
	{ "vxlan_split_payload_beyond_hdr_len", { VX_V4_FRAME, DATA(200) },
	  .hdr = 112, .kind = WM_PKT_TCP, .w = { VX_V4_WANT(200) } },
	{ "vxlan_over_ipv6_inner_ipv6",
	  { ETH(), IP6(), UDP(VXLAN_PORT), VXLAN(0x08, 1), ETH(), IP6(),
	    TCP(), DATA(7) },
	  .kind = WM_PKT_TCP,
	  .w = { .vxlan = true, .vni = 1, .outer_l3 = 14, .outer_udp = 54,
		 .outer_ipv6 = true, V6(84, 124, 144, 7) } },
	{ "vxlan_over_ipv6_inner_ipv4",
	  { ETH(), IP6(), UDP(VXLAN_PORT), VXLAN(0x08, 0xffffff), ETH(),
	    IP4(), TCP(), DATA(7) },
	  .kind = WM_PKT_TCP,
	  .w = { .vxlan = true, .vni = 0xffffff, .outer_l3 = 14,
		 .outer_udp = 54, .outer_ipv6 = true, V4(84, 104, 124, 7) } },
	{ "vxlan_over_ipv6_ext_hdr",
	  { ETH(), IP6(), EXT(0, 0), UDP(VXLAN_PORT), VXLAN(0x08, 2), ETH(),
	    IP4(), TCP(), DATA(7) },
	  .kind = WM_PKT_TCP,
	  .w = { .vxlan = true, .vni = 2, .outer_l3 = 14, .outer_udp = 62,
		 .outer_ipv6 = true, V4(92, 112, 132, 7) } },
	{ "vxlan_reserved_bits_set", { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P8(42, 0xff), P16(43, 0xaabb), P8(45, 0xcc),
		    P8(49, 0xdd) },
	  .kind = WM_PKT_TCP,
	  .w = { .vxlan = true, .vni = 11, .outer_l3 = 14, .outer_udp = 34,
		 V4(64, 84, 104, 5) } },
	{ "vxlan_trailer_after_udp_ignored",
	  { VX_PLAIN_FRAME, DATA(5), PAD(3) },
	  .poke = { P16(16, 98) }, .kind = WM_PKT_TCP,
	  .w = { .vxlan = true, .vni = 11, .outer_l3 = 14, .outer_udp = 34,
		 V4(64, 84, 104, 5) } },
	{ "vxlan_i_flag_clear_not_tcp",
	  { ETH(), IP4(), UDP(VXLAN_PORT), VXLAN(0x00, 5), ETH(), IP4(),
	    TCP() },
	  .kind = WM_PKT_NOT_TCP },
	{ "vxlan_in_vxlan_not_tcp",
	  { ETH(), IP4(), UDP(VXLAN_PORT), VXLAN(0x08, 1), ETH(), IP4(),
	    UDP(VXLAN_PORT), VXLAN(0x08, 2), ETH(), IP4(), TCP(), DATA(4) },
	  .kind = WM_PKT_NOT_TCP },
	{ "vxlan_port_zero_disables", { VX_PLAIN_FRAME, DATA(5) },
	  .novx = true, .kind = WM_PKT_NOT_TCP },
	{ "vxlan_inner_non_ip_not_ip",
	  { ETH(), VLAN(0x8100, 3), IP4(), UDP(VXLAN_PORT), VXLAN(0x08, 1),
	    ETH(), ETYPE(0x0806), DATA(28) },
	  .kind = WM_PKT_NOT_IP, .w = { .nvlan = 1, .vlan = { 3 } } },
	{ "vxlan_inner_three_tags_not_ip",
	  { ETH(), IP4(), UDP(VXLAN_PORT), VXLAN(0x08, 1), ETH(),
	    VLAN(0x8100, 1), VLAN(0x8100, 2), VLAN(0x8100, 3), IP4(), TCP() },
	  .kind = WM_PKT_NOT_IP },
	{ "vxlan_udp_len_below_8_malformed", { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P16(38, 7) }, .kind = WM_PKT_MALFORMED },
	{ "vxlan_udp_len_beyond_ip_payload_malformed",
	  { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P16(38, 76) }, .kind = WM_PKT_MALFORMED },
	{ "vxlan_udp_header_beyond_ip_length_malformed",
	  { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P16(16, 24) }, .kind = WM_PKT_MALFORMED },
	{ "vxlan_header_beyond_udp_len_malformed", { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P16(38, 12) }, .kind = WM_PKT_MALFORMED },
	{ "vxlan_udp_len_bounds_inner_frame", { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P16(38, 74) }, .kind = WM_PKT_MALFORMED },
	{ "vxlan_inner_eth_truncated_malformed", { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P16(38, 26) }, .kind = WM_PKT_MALFORMED },
	{ "vxlan_inner_tcp_truncated_bad_tcp", { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P16(66, 30) }, .kind = WM_PKT_BAD_TCP },
	{ "vxlan_inner_fragment_ip_frag", { VX_PLAIN_FRAME, DATA(5) },
	  .poke = { P16(70, 0x2000) }, .kind = WM_PKT_IP_FRAG,
	  .w = { .vxlan = true, .vni = 11, .outer_l3 = 14, .outer_udp = 34,
		 .ipver = 4, .l3 = 64 } },
};

static void
check_tcp_fields(const struct wm_pkt_info *in, const struct want *w,
		 const struct frame *f)
{
	CHECK_EQ(in->vxlan, w->vxlan);
	if (w->vxlan) {
		CHECK_EQ(in->vni, w->vni);
		CHECK_EQ(in->outer_l3_off, w->outer_l3);
		CHECK_EQ(in->outer_udp_off, w->outer_udp);
		CHECK_EQ(in->outer_ipv6, w->outer_ipv6);
	}
	CHECK_EQ(in->ip_version, w->ipver);
	CHECK_EQ(in->l3_off, w->l3);
	CHECK_EQ(in->l4_off, w->l4);
	CHECK_EQ(in->payload_off, w->poff);
	CHECK_EQ(in->payload_len, w->plen);
	CHECK_MEM(in->saddr, f->saddr, 16);
	CHECK_MEM(in->daddr, f->daddr, 16);
	CHECK_EQ(in->sport, TCP_SPORT);
	CHECK_EQ(in->dport, TCP_DPORT);
	CHECK_EQ(in->seq, TCP_SEQ);
	CHECK_EQ(in->ack, TCP_ACK);
	CHECK_EQ(in->tcp_flags, f->flags);
}

/* A fragment: where its IP header is, and whether inside VXLAN. */
static void
check_frag_fields(const struct wm_pkt_info *in, const struct want *w)
{
	CHECK_EQ(in->vxlan, w->vxlan);
	if (w->vxlan) {
		CHECK_EQ(in->vni, w->vni);
		CHECK_EQ(in->outer_l3_off, w->outer_l3);
		CHECK_EQ(in->outer_udp_off, w->outer_udp);
	}
	CHECK_EQ(in->ip_version, w->ipver);
	CHECK_EQ(in->l3_off, w->l3);
}

/*
 * Parse @hdr_len bytes of @frame from a heap copy of exactly that size;
 * the fast path for the common frame must give what the layered parser
 * alone gives, byte for byte.
 */
static enum wm_pkt_kind
parse_exact(const uint8_t *frame, uint32_t hdr_len, uint32_t frame_len,
	    uint16_t vxlan_port, struct wm_pkt_info *info)
{
	uint8_t *copy = malloc(hdr_len ? hdr_len : 1);
	struct wm_pkt_info general;
	enum wm_pkt_kind kind;

	if (copy == NULL)
		exit(2);
	memcpy(copy, frame, hdr_len);
	kind = wm_pkt_parse(copy, hdr_len, frame_len, vxlan_port, info);
	memset(&general, 0x5a, sizeof(general));
	CHECK_EQ(pkt_parse_general(copy, hdr_len, frame_len, vxlan_port,
				   &general), kind);
	CHECK(memcmp(&general, info, sizeof(general)) == 0);
	free(copy);
	return kind;
}

static void
apply_pokes(struct frame *f, const struct poke *p, size_t n)
{
	for (; n > 0 && p->width != 0; n--, p++) {
		if (p->width == 1)
			f->b[p->off] = (uint8_t)p->val;
		else
			wr16(f->b + p->off, p->val);
	}
}

static void
run_parse_case(const struct parse_case *c)
{
	struct wm_pkt_info in;
	struct frame f;
	uint32_t flen, hdr;
	unsigned int i;

	build(&f, c->l);
	apply_pokes(&f, c->poke, sizeof(c->poke) / sizeof(c->poke[0]));
	flen = c->cut ? c->cut : f.len;
	hdr = c->hdr ? c->hdr : flen;
	CHECK_EQ(parse_exact(f.b, hdr, flen, c->novx ? 0 : VXLAN_PORT, &in),
		 c->kind);
	CHECK_EQ(in.kind, c->kind);
	CHECK_EQ(in.nvlan, c->w.nvlan);
	for (i = 0; i < in.nvlan && i < WM_PKT_MAX_VLANS; i++)
		CHECK_EQ(in.vlan[i], c->w.vlan[i]);
	if (c->kind == WM_PKT_TCP && in.kind == WM_PKT_TCP)
		check_tcp_fields(&in, &c->w, &f);
	if (c->kind == WM_PKT_IP_FRAG && in.kind == WM_PKT_IP_FRAG)
		check_frag_fields(&in, &c->w);
}

static void
run_named(const char *name, void (*fn)(const void *), const void *arg)
{
	int failures = wm_test_failures;

	wm_test_case = name;
	fn(arg);
	printf("%s %s\n", wm_test_failures == failures ? "ok  " : "FAIL", name);
}

static void
parse_case_fn(const void *arg)
{
	run_parse_case(arg);
}

/* ---- sweeps over a full VXLAN + TCP frame ----------------------------- */

static const struct layer vx_frame[] = { VX_V4_FRAME, DATA(20), END() };

/* Every cut: never a crash, never a TCP result reaching past the cut. */
static void
truncated_vxlan_frame_every_cut(void)
{
	struct wm_pkt_info in;
	struct frame f;
	uint32_t cut, bad = 0;

	build(&f, vx_frame);
	for (cut = 0; cut < f.len; cut++) {
		parse_exact(f.b, cut, cut, VXLAN_PORT, &in);
		if (in.kind == WM_PKT_TCP &&
		    in.payload_off + in.payload_len > cut)
			bad++;
		/* the outer IP length no longer fits: nothing is TCP */
		if (in.kind != WM_PKT_MALFORMED)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

/*
 * Every cut with the outer IP and UDP lengths shrunk to match: the inner
 * frame is what is truncated, and classifies like any short frame.
 */
static void
truncated_inner_frame_every_cut(void)
{
	struct wm_pkt_info in;
	struct frame f;
	uint32_t cut, bad = 0;

	build(&f, vx_frame);
	for (cut = 46; cut < f.len; cut++) {
		wr16(f.b + 18 + 2, cut - 18);
		wr16(f.b + 38 + 4, cut - 38);
		parse_exact(f.b, cut, cut, VXLAN_PORT, &in);
		if (in.kind != WM_PKT_MALFORMED)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

/* hdr_len at every byte, frame_len whole: TCP once the headers fit. */
static void
split_vxlan_frame_every_hdr_len(void)
{
	struct wm_pkt_info in;
	struct frame f;
	uint32_t hdr, bad = 0;
	enum wm_pkt_kind want;

	build(&f, vx_frame);
	for (hdr = 0; hdr <= f.len; hdr++) {
		want = hdr >= 112 ? WM_PKT_TCP :
		       hdr >= 92 ? WM_PKT_BAD_TCP : WM_PKT_MALFORMED;
		parse_exact(f.b, hdr, f.len, VXLAN_PORT, &in);
		if (in.kind != want ||
		    (want == WM_PKT_TCP &&
		     (in.payload_off != 112 || in.payload_len != 20)))
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static uint32_t prng_state = 0x2545f491;

static uint32_t
prng(void)
{
	uint32_t x = prng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return prng_state = x;
}

/* Random byte flips and cuts of valid frames: results stay in bounds. */
static void
random_mutations_stay_in_bounds(void)
{
	static const struct layer bases[][14] = {
		{ ETH(), IP4(), TCP(), DATA(10) },
		{ ETH(), VLAN(0x88a8, 1), VLAN(0x8100, 2), IP6(), EXT(0, 0),
		  EXT(51, 1), TCPX(8, 0x18), DATA(10) },
		{ VX_V4_FRAME, DATA(20) },
		{ ETH(), IP6(), UDP(VXLAN_PORT), VXLAN(0x08, 1), ETH(), IP6(),
		  EXT(60, 0), TCP(), DATA(7) },
	};
	struct wm_pkt_info in;
	struct frame f;
	uint32_t i, n, flen, hdr, bad = 0, tcp = 0;

	for (i = 0; i < 200000; i++) {
		build(&f, bases[i % 4]);
		for (n = prng() % 4 + 1; n > 0; n--)
			f.b[prng() % f.len] ^= (uint8_t)(1u << (prng() % 8));
		flen = f.len - prng() % 8 * (i & 1);
		hdr = prng() % 3 ? flen : prng() % (flen + 1);
		if (parse_exact(f.b, hdr, flen, VXLAN_PORT, &in) != WM_PKT_TCP)
			continue;
		tcp++;
		if (in.payload_off + in.payload_len > flen ||
		    in.payload_off > hdr || in.l4_off + 20u > in.payload_off ||
		    in.l3_off >= in.l4_off)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(tcp > 0);
}

static void
kind_names(void)
{
	static const struct {
		enum wm_pkt_kind kind;
		const char *name;
	} names[] = {
		{ WM_PKT_TCP, "tcp" },
		{ WM_PKT_NOT_IP, "not_ip" },
		{ WM_PKT_NOT_TCP, "not_tcp" },
		{ WM_PKT_MALFORMED, "malformed" },
		{ WM_PKT_BAD_TCP, "bad_tcp" },
		{ WM_PKT_IP_FRAG, "ip_frag" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(strcmp(wm_pkt_kind_name(names[i].kind),
			     names[i].name) == 0);
	CHECK(wm_pkt_kind_name((enum wm_pkt_kind)99) != NULL);
}

/* ---- frames from real captures ---------------------------------------- */

/* suricata-verify tests/tcp-split-handshake-01-4whs, frame 5: "EVIL" */
static const uint8_t real_ipv4_tcp[] = {
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06,
	0x74, 0xc6, 0x01, 0x01, 0x01, 0x01, 0x02, 0x02, 0x02, 0x02, 0x30, 0x39,
	0x00, 0x50, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x0b, 0xb9, 0x50, 0x10,
	0x20, 0x00, 0xba, 0xfd, 0x00, 0x00, 0x45, 0x56, 0x49, 0x4c,
};

/* suricata-verify tests/bug-6269-01, frame 7: IPv6 HTTP GET */
static const uint8_t real_ipv6_tcp[] = {
	0x00, 0x50, 0x56, 0x92, 0x23, 0xaa, 0x00, 0x50, 0x56, 0x92, 0x2b, 0x80,
	0x86, 0xdd, 0x60, 0x09, 0x5b, 0x7f, 0x00, 0x83, 0x06, 0x40, 0xfd, 0x00,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x36, 0x00, 0x50, 0x06, 0x39,
	0x93, 0x37, 0x77, 0xbc, 0x92, 0x32, 0x80, 0x18, 0x01, 0xfb, 0xae, 0x87,
	0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x8c, 0xb1, 0x83, 0x0f, 0x70, 0xd6,
	0x59, 0x4d, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x74, 0x65, 0x73, 0x74, 0x5f,
	0x6c, 0x61, 0x73, 0x74, 0x6c, 0x69, 0x6e, 0x65, 0x5f, 0x62, 0x6c, 0x6f,
	0x63, 0x6b, 0x69, 0x6e, 0x67, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31,
	0x2e, 0x31, 0x0d, 0x0a, 0x48, 0x6f, 0x73, 0x74, 0x3a, 0x20, 0x5b, 0x66,
	0x64, 0x30, 0x30, 0x3a, 0x32, 0x3a, 0x31, 0x3a, 0x3a, 0x32, 0x5d, 0x0d,
	0x0a, 0x55, 0x73, 0x65, 0x72, 0x2d, 0x41, 0x67, 0x65, 0x6e, 0x74, 0x3a,
	0x20, 0x63, 0x75, 0x72, 0x6c, 0x2f, 0x37, 0x2e, 0x34, 0x37, 0x2e, 0x30,
	0x0d, 0x0a, 0x41, 0x63, 0x63, 0x65, 0x70, 0x74, 0x3a, 0x20, 0x2a, 0x2f,
	0x2a, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* suricata-verify tests/vxlan-decoder-03, frame 6: SSH banner in VXLAN */
static const uint8_t real_vxlan_tcp[] = {
	0x06, 0xe2, 0x43, 0x9c, 0xff, 0x5e, 0x06, 0x1d, 0x3c, 0x34, 0xd0, 0x77,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x87, 0x00, 0x00, 0x00, 0x00, 0xff, 0x11,
	0x50, 0x7d, 0xac, 0x1f, 0x00, 0xee, 0xac, 0x1f, 0x11, 0xbc, 0xff, 0xc2,
	0x12, 0xb5, 0x00, 0x73, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x54, 0xfa,
	0x11, 0x00, 0x02, 0x85, 0x69, 0xc2, 0xab, 0x02, 0x02, 0x29, 0x23, 0x74,
	0xc7, 0x7d, 0x08, 0x00, 0x45, 0x00, 0x00, 0x55, 0xde, 0x12, 0x40, 0x00,
	0x3f, 0x06, 0x0b, 0xdf, 0x12, 0xc4, 0x91, 0xe0, 0xac, 0x1f, 0x00, 0xee,
	0x91, 0x3c, 0x00, 0x16, 0xe7, 0xd8, 0xab, 0x46, 0x6e, 0xaf, 0xc4, 0x96,
	0x80, 0x18, 0x01, 0xf6, 0x54, 0x32, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
	0xb3, 0x41, 0xf4, 0xdc, 0x32, 0x87, 0x05, 0xac, 0x53, 0x53, 0x48, 0x2d,
	0x32, 0x2e, 0x30, 0x2d, 0x4f, 0x70, 0x65, 0x6e, 0x53, 0x53, 0x48, 0x5f,
	0x37, 0x2e, 0x39, 0x70, 0x31, 0x20, 0x55, 0x62, 0x75, 0x6e, 0x74, 0x75,
	0x2d, 0x31, 0x30, 0x0d, 0x0a,
};

/* suricata-verify tests/vxlan-decoder-03, frame 1: NTP in VXLAN */
static const uint8_t real_vxlan_udp[] = {
	0x06, 0xe2, 0x43, 0x9c, 0xff, 0x5e, 0x06, 0x1d, 0x3c, 0x34, 0xd0, 0x77,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x7e, 0x00, 0x00, 0x00, 0x00, 0xff, 0x11,
	0x50, 0x86, 0xac, 0x1f, 0x00, 0xee, 0xac, 0x1f, 0x11, 0xbc, 0xff, 0xa5,
	0x12, 0xb5, 0x00, 0x6a, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x54, 0xfa,
	0x11, 0x00, 0x02, 0x29, 0x23, 0x74, 0xc7, 0x7d, 0x02, 0x85, 0x69, 0xc2,
	0xab, 0x02, 0x08, 0x00, 0x45, 0x00, 0x00, 0x4c, 0x09, 0x51, 0x40, 0x00,
	0xff, 0x11, 0x19, 0xed, 0xac, 0x1f, 0x00, 0xee, 0x4e, 0x2e, 0x5d, 0x27,
	0xec, 0xd7, 0x00, 0x7b, 0x00, 0x38, 0x01, 0x92, 0x23, 0x00, 0x09, 0x20,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x6e, 0x7c, 0x1f, 0x1d, 0xaa, 0x4d, 0x54, 0x2f,
};

/* The checksum as stored in a header, from its two bytes. */
static uint16_t
stored(uint8_t hi, uint8_t lo)
{
	uint16_t v;

	memcpy(&v, (uint8_t[]){ hi, lo }, 2);
	return v;
}

static uint16_t
stored_at(const uint8_t *p)
{
	return stored(p[0], p[1]);
}

struct real_case {
	const char *name;
	const uint8_t *frame;
	uint32_t len;
	enum wm_pkt_kind kind;
	uint8_t proto;		/* innermost L4, for the checksum */
	uint16_t l3, l4;	/* innermost IP and L4 */
	uint32_t l4_len;
	uint8_t ck_hi, ck_lo;	/* checksum as captured (verified valid) */
	struct want w;
};

static const struct real_case real_cases[] = {
	{ "real_ipv4_tcp", real_ipv4_tcp, sizeof(real_ipv4_tcp), WM_PKT_TCP,
	  6, 14, 34, 24, 0xba, 0xfd, { V4(14, 34, 54, 4) } },
	{ "real_ipv6_tcp_timestamps", real_ipv6_tcp, sizeof(real_ipv6_tcp),
	  WM_PKT_TCP, 6, 14, 54, 131, 0xae, 0x87, { V6(14, 54, 86, 99) } },
	{ "real_vxlan_aws_mirror_tcp", real_vxlan_tcp, sizeof(real_vxlan_tcp),
	  WM_PKT_TCP, 6, 64, 84, 65, 0x54, 0x32,
	  { .vxlan = true, .vni = 5569041, .outer_l3 = 14, .outer_udp = 34,
	    V4(64, 84, 116, 33) } },
	{ "real_vxlan_aws_mirror_ntp", real_vxlan_udp, sizeof(real_vxlan_udp),
	  WM_PKT_NOT_TCP, 17, 64, 84, 56, 0x01, 0x92, { 0 } },
};

/* Parse a real frame and recompute its captured L4 checksum. */
static void
run_real_case(const void *arg)
{
	const struct real_case *c = arg;
	struct wm_pkt_info in;

	CHECK_EQ(parse_exact(c->frame, c->len, c->len, VXLAN_PORT, &in),
		 c->kind);
	if (in.kind == WM_PKT_TCP) {
		CHECK_EQ(in.vxlan, c->w.vxlan);
		CHECK_EQ(in.vni, c->w.vni);
		CHECK_EQ(in.outer_l3_off, c->w.outer_l3);
		CHECK_EQ(in.outer_udp_off, c->w.outer_udp);
		CHECK_EQ(in.ip_version, c->w.ipver);
		CHECK_EQ(in.l3_off, c->w.l3);
		CHECK_EQ(in.l4_off, c->w.l4);
		CHECK_EQ(in.payload_off, c->w.poff);
		CHECK_EQ(in.payload_len, c->w.plen);
		CHECK_EQ(in.seq, (uint32_t)c->frame[c->l4 + 4] << 24 |
				 (uint32_t)c->frame[c->l4 + 5] << 16 |
				 (uint32_t)c->frame[c->l4 + 6] << 8 |
				 c->frame[c->l4 + 7]);
	}
	CHECK_EQ(wm_cksum_l4(c->frame + c->l3, c->frame + c->l4, c->l4_len,
			     c->proto),
		 stored(c->ck_hi, c->ck_lo));
}

/* ---- checksums -------------------------------------------------------- */

/* RFC 1071 by the book, independent of the module: host order. */
static uint16_t
ref_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* 0x0000 and 0xffff are the same one's complement value (+0 and -0). */
static bool
cksum_same(uint16_t a, uint16_t b)
{
	return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

/*
 * Rewrite @len random bytes at @pos of a TCP segment, update its
 * checksum incrementally and compare with a full recomputation.
 */
static uint32_t
adjust_and_compare(uint8_t *b, const struct wm_pkt_info *in, uint32_t l4len,
		   uint32_t pos, uint32_t len, uint32_t region)
{
	uint8_t old[64], *ck = b + in->l4_off + 16;
	uint16_t inc, full;
	uint32_t i;

	memcpy(old, b + pos, len);
	for (i = 0; i < len; i++)
		b[pos + i] = (uint8_t)prng();
	inc = wm_cksum_adjust(stored_at(ck), old, b + pos, len,
			      (pos - region) & 1);
	full = wm_cksum_l4(b + in->l3_off, b + in->l4_off, l4len, 6);
	memcpy(ck, &full, 2);
	return inc != full;
}

/*
 * Payload changes at every start parity, lengths 1..40, and rewrites of
 * header fields (ports, sequence number, source address) outside the
 * TCP checksum field.
 */
static void
adjust_vs_full(const struct layer *l)
{
	struct wm_pkt_info in;
	struct frame f;
	uint32_t s, n, l4len, bad = 0;
	uint16_t ck;

	build(&f, l);
	CHECK_EQ(wm_pkt_parse(f.b, f.len, f.len, VXLAN_PORT, &in), WM_PKT_TCP);
	l4len = f.len - in.l4_off;
	ck = wm_cksum_l4(f.b + in.l3_off, f.b + in.l4_off, l4len, 6);
	memcpy(f.b + in.l4_off + 16, &ck, 2);
	for (s = 0; s < 24; s++)
		for (n = 1; n <= 40; n++)
			bad += adjust_and_compare(f.b, &in, l4len,
						  in.payload_off + s, n,
						  in.l4_off);
	for (s = 0; s < 16; s++)
		for (n = 1; s + n <= 16; n++)
			bad += adjust_and_compare(f.b, &in, l4len,
						  in.l4_off + s, n, in.l4_off);
	/* source address: part of the pseudo-header, word aligned */
	for (s = 0; s < 4; s++)
		for (n = 1; s + n <= 4; n++)
			bad += adjust_and_compare(f.b, &in, l4len,
						  in.l3_off + 12 + s, n,
						  in.l3_off + 12);
	CHECK_EQ(bad, 0);
}

static void
cksum_adjust_equals_full_ipv4_tcp(void)
{
	static const struct layer l[] = {
		ETH(), IP4(), TCPX(8, 0x18), DATA(64), END()
	};

	adjust_vs_full(l);
}

static void
cksum_adjust_equals_full_ipv6_tcp(void)
{
	static const struct layer l[] = {
		ETH(), VLAN(0x8100, 1), IP6(), EXT(0, 0), TCP(), DATA(65),
		END()
	};

	adjust_vs_full(l);
}

/* Random buffers, random changes (including none) at any offset. */
static void
cksum_adjust_random_data(void)
{
	uint8_t buf[300], old[300];
	uint32_t i, j, k, len, s, n, bad = 0;
	uint16_t ck, inc;

	for (i = 0; i < 200000; i++) {
		len = prng() % sizeof(buf) + 1;
		for (j = 0; j < len; j++)
			buf[j] = (uint8_t)prng();
		if (i % 16 == 0) {	/* runs of 0x00 and 0xff */
			k = prng() % len;
			memset(buf + k, i % 32 ? 0xff : 0, len - k);
		}
		ck = ref_cksum(buf, len);
		s = prng() % len;
		n = prng() % (len - s + 1);
		memcpy(old, buf + s, n);
		for (j = 0; j < n; j++)
			buf[s + j] = i % 7 ? (uint8_t)prng() : (uint8_t)~old[j];
		inc = wm_cksum_adjust(stored(ck >> 8, ck & 0xff), old, buf + s,
				      n, s & 1);
		ck = ref_cksum(buf, len);
		if (!cksum_same(inc, stored(ck >> 8, ck & 0xff)))
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void
cksum_adjust_zero_length_is_identity(void)
{
	CHECK_EQ(wm_cksum_adjust(stored(0x12, 0x34), NULL, NULL, 0, false),
		 stored(0x12, 0x34));
	CHECK_EQ(wm_cksum_adjust(stored(0x00, 0x00), NULL, NULL, 0, true),
		 stored(0x00, 0x00));
}

/* A byte at an odd offset is the low byte of its word: 0x0001, not 0x0100 */
static void
cksum_adjust_odd_byte_is_low_byte(void)
{
	uint8_t o = 0, n = 1;

	/* sum +1: checksum -1 */
	CHECK_EQ(wm_cksum_adjust(stored(0x80, 0x00), &o, &n, 1, true),
		 stored(0x7f, 0xff));
	CHECK_EQ(wm_cksum_adjust(stored(0x80, 0x00), &o, &n, 1, false),
		 stored(0x7f, 0x00));
}

/* Verify a stored IPv4 UDP/TCP checksum the receiver's way: sums to -0. */
static bool
ref_verify_ipv4(const uint8_t *l3, const uint8_t *l4, uint32_t len,
		uint8_t proto)
{
	uint8_t buf[FRAME_MAX];

	memcpy(buf, l3 + 12, 8);
	buf[8] = 0;
	buf[9] = proto;
	wr16(buf + 10, len);
	memcpy(buf + 12, l4, len);
	return ref_cksum(buf, 12 + len) == 0;
}

static void
cksum_l4_ignores_checksum_field(void)
{
	static const struct layer l[] = {
		ETH(), IP4(), UDP(53), DATA(11), END()
	};
	struct frame f;
	uint16_t a, b;

	build(&f, l);
	a = wm_cksum_l4(f.b + 14, f.b + 34, f.len - 34, 17);
	wr16(f.b + 34 + 6, 0xbeef);
	b = wm_cksum_l4(f.b + 14, f.b + 34, f.len - 34, 17);
	CHECK_EQ(a, b);
	memcpy(f.b + 34 + 6, &a, 2);
	CHECK(ref_verify_ipv4(f.b + 14, f.b + 34, f.len - 34, 17));
}

/* Odd segment lengths: the last byte is padded as a high byte. */
static void
cksum_l4_odd_lengths_verify(void)
{
	static const struct layer l[] = {
		ETH(), IP4(), TCP(), DATA(40), END()
	};
	struct frame f;
	uint32_t len, bad = 0;
	uint16_t ck;

	build(&f, l);
	for (len = 20; len <= f.len - 34; len++) {
		ck = wm_cksum_l4(f.b + 14, f.b + 34, len, 6);
		memcpy(f.b + 34 + 16, &ck, 2);
		bad += !ref_verify_ipv4(f.b + 14, f.b + 34, len, 6);
	}
	CHECK_EQ(bad, 0);
}

/*
 * Make the computed checksum 0 by writing the checksum value itself into
 * a zero word of the payload: UDP must then store 0xffff, TCP 0.
 */
static void
zero_cksum(const struct layer *l, uint32_t l4, uint8_t proto, uint16_t want)
{
	struct frame f;
	uint16_t ck;

	build(&f, l);
	memset(f.b + f.len - 2, 0, 2);	/* a word-aligned zero word */
	ck = wm_cksum_l4(f.b + 14, f.b + l4, f.len - l4, proto);
	memcpy(f.b + f.len - 2, &ck, 2);
	CHECK_EQ(wm_cksum_l4(f.b + 14, f.b + l4, f.len - l4, proto), want);
}

static void
cksum_udp_zero_becomes_ffff(void)
{
	static const struct layer v4[] = {
		ETH(), IP4(), UDP(53), DATA(12), END()
	};
	static const struct layer v6[] = {
		ETH(), IP6(), UDP(53), DATA(12), END()
	};

	zero_cksum(v4, 34, 17, 0xffff);
	zero_cksum(v6, 54, 17, 0xffff);
}

static void
cksum_tcp_zero_stays_zero(void)
{
	static const struct layer v4[] = {
		ETH(), IP4(), TCP(), DATA(12), END()
	};

	zero_cksum(v4, 34, 6, 0);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
		run_named(parse_cases[i].name, parse_case_fn, &parse_cases[i]);
	for (i = 0; i < sizeof(real_cases) / sizeof(real_cases[0]); i++)
		run_named(real_cases[i].name, run_real_case, &real_cases[i]);
	RUN(truncated_vxlan_frame_every_cut);
	RUN(truncated_inner_frame_every_cut);
	RUN(split_vxlan_frame_every_hdr_len);
	RUN(random_mutations_stay_in_bounds);
	RUN(kind_names);
	RUN(cksum_adjust_equals_full_ipv4_tcp);
	RUN(cksum_adjust_equals_full_ipv6_tcp);
	RUN(cksum_adjust_random_data);
	RUN(cksum_adjust_zero_length_is_identity);
	RUN(cksum_adjust_odd_byte_is_low_byte);
	RUN(cksum_l4_ignores_checksum_field);
	RUN(cksum_l4_odd_lengths_verify);
	RUN(cksum_udp_zero_becomes_ffff);
	RUN(cksum_tcp_zero_stays_zero);
	TEST_END();
}
