/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parser on raw bytes: Ethernet, 802.1Q/802.1ad tags, IPv4/IPv6,
 * TCP, and one level of VXLAN over UDP.
 *
 * Each layer is a function (ctx, off, end): its header starts at @off and
 * the bytes that belong to it end at @end (the frame's end for Ethernet,
 * the IP payload's end for L4, the UDP datagram's end for the inner
 * frame). Two bounds apply to every header:
 *
 *   frame                                  hdr_len          end
 *   |-- eth --|-- ip --|-- tcp --|-- payload ...|... payload ...|
 *   <------ headers must fit here ------------->
 *   <------ lengths may reach here ---------------------------->
 *
 * pkt_fits() checks both, in uint32 without overflow, before any read.
 */
#include <string.h>

#include "wm_pkt.h"
#include "pkt_priv.h"

#define ETH_HLEN	14
#define VLAN_HLEN	4
#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define TCP_HLEN	20
#define UDP_HLEN	8
#define VXLAN_HLEN	8

#define IPV4_MF_OFFSET	0x3fff	/* MF flag + fragment offset */
#define IPV6_NH_FRAG	44	/* Fragment header */
#define IPV6_FRAG_HLEN	8
#define IPV6_FRAG_OFF_M	0xfff9	/* fragment offset + M flag */
#define IPV6_MAX_EXT	8	/* extension headers skipped at most */
#define VXLAN_FLAG_I	0x08	/* the VNI is valid */

struct pkt_ctx {
	const uint8_t *p;
	uint32_t hdr_len;	/* readable bytes at p */
	uint16_t vxlan_port;	/* 0: VXLAN off, or already inside one */
	struct wm_pkt_info *info;
};

static enum wm_pkt_kind pkt_parse_eth(struct pkt_ctx *c, uint32_t off,
				      uint32_t end);
static enum wm_pkt_kind pkt_parse_ipv4(struct pkt_ctx *c, uint32_t off,
				       uint32_t end);
static enum wm_pkt_kind pkt_parse_ipv6(struct pkt_ctx *c, uint32_t off,
				       uint32_t end);
static enum wm_pkt_kind pkt_parse_tcp(struct pkt_ctx *c, uint32_t off,
				      uint32_t end);
static enum wm_pkt_kind pkt_parse_udp(struct pkt_ctx *c, uint32_t off,
				      uint32_t end);

/* Protocols understood after Ethernet (by ethertype) and after IP. */
static const struct pkt_next {
	uint16_t id;
	enum wm_pkt_kind (*parse)(struct pkt_ctx *c, uint32_t off,
				  uint32_t end);
} pkt_l3_tab[] = {
	{ 0x0800, pkt_parse_ipv4 },
	{ 0x86dd, pkt_parse_ipv6 },
}, pkt_l4_tab[] = {
	{ 6, pkt_parse_tcp },
	{ 17, pkt_parse_udp },
};

/*
 * IPv6 next-header values that are not an upper layer. A skippable
 * header is (hdrlen + add) << shift bytes long; add == 0 ends the parse
 * with @stop.
 */
static const struct pkt_ipv6_ext {
	uint8_t nh;
	uint8_t add;
	uint8_t shift;
	uint8_t stop;
} pkt_ipv6_ext_tab[] = {
	{ 0, 1, 3, 0 },			/* hop-by-hop options */
	{ 43, 1, 3, 0 },		/* routing */
	{ 60, 1, 3, 0 },		/* destination options */
	{ 51, 2, 2, 0 },		/* authentication header */
	{ 44, 0, 0, WM_PKT_IP_FRAG },	/* fragment */
	{ 50, 0, 0, WM_PKT_NOT_TCP },	/* ESP: the rest is encrypted */
	{ 59, 0, 0, WM_PKT_NOT_TCP },	/* no next header */
};

static const char *const pkt_kind_names[] = {
	[WM_PKT_TCP] = "tcp",
	[WM_PKT_NOT_IP] = "not_ip",
	[WM_PKT_NOT_TCP] = "not_tcp",
	[WM_PKT_MALFORMED] = "malformed",
	[WM_PKT_BAD_TCP] = "bad_tcp",
	[WM_PKT_IP_FRAG] = "ip_frag",
};

/* True when [off, off + len) is inside both the layer and hdr_len. */
static inline bool
pkt_fits(const struct pkt_ctx *c, uint32_t off, uint32_t len, uint32_t end)
{
	uint32_t lim = end < c->hdr_len ? end : c->hdr_len;

	return off <= lim && len <= lim - off;
}

static enum wm_pkt_kind
pkt_dispatch(const struct pkt_next *tab, size_t n, uint16_t id,
	     struct pkt_ctx *c, uint32_t off, uint32_t end,
	     enum wm_pkt_kind unknown)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tab[i].id == id)
			return tab[i].parse(c, off, end);
	return unknown;
}

/* 0x8100 and 0x88a8 anywhere, 0x9100 (pre-standard QinQ) outermost. */
static inline bool
pkt_is_tpid(uint16_t type, unsigned int ntag)
{
	return type == 0x8100 || type == 0x88a8 ||
	       (type == 0x9100 && ntag == 0);
}

static enum wm_pkt_kind
pkt_parse_eth(struct pkt_ctx *c, uint32_t off, uint32_t end)
{
	struct wm_pkt_info *info = c->info;
	bool outer = !info->vxlan;
	unsigned int ntag;
	uint16_t type;

	if (!pkt_fits(c, off, ETH_HLEN, end))
		return WM_PKT_MALFORMED;
	type = pkt_rd16(c->p + off + 12);
	off += ETH_HLEN;
	for (ntag = 0; pkt_is_tpid(type, ntag); ntag++) {
		if (ntag == WM_PKT_MAX_VLANS)
			return WM_PKT_NOT_IP;
		if (!pkt_fits(c, off, VLAN_HLEN, end))
			return WM_PKT_MALFORMED;
		if (outer) {
			info->vlan[ntag] = pkt_rd16(c->p + off) & 0xfff;
			info->nvlan = (uint8_t)(ntag + 1);
		} else {
			if (ntag == 0)
				info->inner_vlan = pkt_rd16(c->p + off) & 0xfff;
			info->ninner_vlan = (uint8_t)(ntag + 1);
		}
		type = pkt_rd16(c->p + off + 2);
		off += VLAN_HLEN;
	}
	return pkt_dispatch(pkt_l3_tab, PKT_DIM(pkt_l3_tab), type, c, off,
			    end, WM_PKT_NOT_IP);
}

/* Record the innermost IP header seen so far; false if off overflows. */
static bool
pkt_set_l3(struct pkt_ctx *c, uint32_t off, uint8_t version,
	   const uint8_t *addrs, size_t alen)
{
	struct wm_pkt_info *info = c->info;

	if (off > UINT16_MAX)
		return false;
	info->ip_version = version;
	info->l3_off = (uint16_t)off;
	memset(info->saddr, 0, sizeof(info->saddr));
	memset(info->daddr, 0, sizeof(info->daddr));
	memcpy(info->saddr, addrs, alen);
	memcpy(info->daddr, addrs + alen, alen);
	return true;
}

static enum wm_pkt_kind
pkt_parse_ipv4(struct pkt_ctx *c, uint32_t off, uint32_t end)
{
	const uint8_t *ih = c->p + off;
	uint32_t hlen, tot;

	if (!pkt_fits(c, off, IPV4_HLEN, end) || ih[0] >> 4 != 4)
		return WM_PKT_MALFORMED;
	hlen = (uint32_t)(ih[0] & 0xf) * 4;
	tot = pkt_rd16(ih + 2);
	if (hlen < IPV4_HLEN || !pkt_fits(c, off, hlen, end) ||
	    tot < hlen || tot > end - off)
		return WM_PKT_MALFORMED;
	if (!pkt_set_l3(c, off, 4, ih + 12, 4))
		return WM_PKT_MALFORMED;
	c->info->l4_proto = ih[9];
	if (pkt_rd16(ih + 6) & IPV4_MF_OFFSET)
		return WM_PKT_IP_FRAG;
	return pkt_dispatch(pkt_l4_tab, PKT_DIM(pkt_l4_tab), ih[9], c,
			    off + hlen, off + tot, WM_PKT_NOT_TCP);
}

static const struct pkt_ipv6_ext *
pkt_ipv6_ext_find(uint8_t nh)
{
	size_t i;

	for (i = 0; i < PKT_DIM(pkt_ipv6_ext_tab); i++)
		if (pkt_ipv6_ext_tab[i].nh == nh)
			return &pkt_ipv6_ext_tab[i];
	return NULL;
}

static enum wm_pkt_kind
pkt_parse_ipv6(struct pkt_ctx *c, uint32_t off, uint32_t end)
{
	const uint8_t *ih = c->p + off;
	const struct pkt_ipv6_ext *ext;
	uint32_t plen, cur, len;
	unsigned int n;
	uint8_t nh;

	if (!pkt_fits(c, off, IPV6_HLEN, end) || ih[0] >> 4 != 6)
		return WM_PKT_MALFORMED;
	plen = pkt_rd16(ih + 4);
	/* plen 0 is a jumbogram (hop-by-hop Jumbo Payload): not handled */
	if (plen == 0 || plen > end - off - IPV6_HLEN)
		return WM_PKT_MALFORMED;
	if (!pkt_set_l3(c, off, 6, ih + 8, 16))
		return WM_PKT_MALFORMED;
	end = off + IPV6_HLEN + plen;
	cur = off + IPV6_HLEN;
	nh = ih[6];
	for (n = 0; (ext = pkt_ipv6_ext_find(nh)) != NULL; n++) {
		/*
		 * An atomic fragment (offset 0, M clear: RFC 6946) is a whole
		 * packet that carries a Fragment header: skip the header.
		 */
		if (nh == IPV6_NH_FRAG && n < IPV6_MAX_EXT &&
		    pkt_fits(c, cur, IPV6_FRAG_HLEN, end) &&
		    (pkt_rd16(c->p + cur + 2) & IPV6_FRAG_OFF_M) == 0) {
			nh = c->p[cur];
			cur += IPV6_FRAG_HLEN;
			continue;
		}
		if (ext->add == 0)
			return ext->stop;
		if (n == IPV6_MAX_EXT || !pkt_fits(c, cur, 2, end))
			return WM_PKT_MALFORMED;
		len = (uint32_t)(c->p[cur + 1] + ext->add) << ext->shift;
		if (!pkt_fits(c, cur, len, end))
			return WM_PKT_MALFORMED;
		nh = c->p[cur];
		cur += len;
	}
	c->info->l4_proto = nh;
	return pkt_dispatch(pkt_l4_tab, PKT_DIM(pkt_l4_tab), nh, c, cur, end,
			    WM_PKT_NOT_TCP);
}

/*
 * The window scale option (RFC 7323: kind 3, length 3, shift; more than
 * 14 means 14) among the @n option bytes at @opt, or WM_PKT_NO_WSCALE.
 */
static uint8_t
pkt_tcp_wscale(const uint8_t *opt, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && opt[i] != 0) {          /* 0: end of options */
		if (opt[i] == 1) {              /* NOP */
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || opt[i + 1] > n - i)
			break;
		if (opt[i] == 3 && opt[i + 1] == 3)
			return opt[i + 2] > 14 ? 14 : opt[i + 2];
		i += opt[i + 1];
	}
	return WM_PKT_NO_WSCALE;
}

/*
 * The fields of the TCP header at @th (@hlen bytes, at frame offset
 * @off <= UINT16_MAX; the segment ends at @end): both parsers fill them.
 */
static inline void
pkt_tcp_fill(struct wm_pkt_info *info, const uint8_t *th, uint32_t off,
	     uint32_t hlen, uint32_t end)
{
	info->l4_off = (uint16_t)off;
	info->payload_off = off + hlen;
	info->payload_len = end - off - hlen;
	info->sport = pkt_rd16(th);
	info->dport = pkt_rd16(th + 2);
	info->seq = pkt_rd32(th + 4);
	info->ack = pkt_rd32(th + 8);
	info->tcp_flags = th[13];
	info->window = pkt_rd16(th + 14);
	info->wscale = (th[13] & WM_TCP_SYN) ?
		       pkt_tcp_wscale(th + TCP_HLEN, hlen - TCP_HLEN) :
		       WM_PKT_NO_WSCALE;
}

static enum wm_pkt_kind
pkt_parse_tcp(struct pkt_ctx *c, uint32_t off, uint32_t end)
{
	struct wm_pkt_info *info = c->info;
	const uint8_t *th = c->p + off;
	uint32_t hlen;

	if (!pkt_fits(c, off, TCP_HLEN, end))
		return WM_PKT_BAD_TCP;
	hlen = (uint32_t)(th[12] >> 4) * 4;
	if (hlen < TCP_HLEN || !pkt_fits(c, off, hlen, end))
		return WM_PKT_BAD_TCP;
	if (off > UINT16_MAX)
		return WM_PKT_MALFORMED;
	pkt_tcp_fill(info, th, off, hlen, end);
	return WM_PKT_TCP;
}

/*
 * UDP: only VXLAN is of interest. The inner frame is bounded by the UDP
 * length; clearing vxlan_port makes a VXLAN inside it plain UDP.
 */
static enum wm_pkt_kind
pkt_parse_udp(struct pkt_ctx *c, uint32_t off, uint32_t end)
{
	struct wm_pkt_info *info = c->info;
	const uint8_t *uh = c->p + off;
	uint32_t ulen;

	if (!pkt_fits(c, off, UDP_HLEN, end))
		return c->vxlan_port == 0 ? WM_PKT_NOT_TCP : WM_PKT_MALFORMED;
	/* Zones judge UDP by its ports too (lib/acl). */
	info->sport = pkt_rd16(uh);
	info->dport = pkt_rd16(uh + 2);
	if (c->vxlan_port == 0 || info->dport != c->vxlan_port)
		return WM_PKT_NOT_TCP;
	ulen = pkt_rd16(uh + 4);
	if (ulen < UDP_HLEN || ulen > end - off || off > UINT16_MAX)
		return WM_PKT_MALFORMED;
	end = off + ulen;
	if (!pkt_fits(c, off + UDP_HLEN, VXLAN_HLEN, end))
		return WM_PKT_MALFORMED;
	/* reserved bits are often non-zero in real captures: ignore them */
	if (!(uh[UDP_HLEN] & VXLAN_FLAG_I))
		return WM_PKT_NOT_TCP;
	info->vxlan = true;
	info->sport = info->dport = 0;  /* the inner frame's, if any */
	info->vni = pkt_rd24(uh + UDP_HLEN + 4);
	info->outer_l3_off = info->l3_off;
	info->outer_udp_off = (uint16_t)off;
	info->outer_ipv6 = info->ip_version == 6;
	c->vxlan_port = 0;
	return pkt_parse_eth(c, off + UDP_HLEN + VXLAN_HLEN, end);
}

enum wm_pkt_kind
pkt_parse_general(const uint8_t *frame, uint32_t hdr_len, uint32_t frame_len,
		  uint16_t vxlan_port, struct wm_pkt_info *info)
{
	struct pkt_ctx c = {
		.p = frame,
		.hdr_len = hdr_len < frame_len ? hdr_len : frame_len,
		.vxlan_port = vxlan_port,
		.info = info,
	};

	memset(info, 0, sizeof(*info));
	info->kind = pkt_parse_eth(&c, 0, frame_len);
	return info->kind;
}

/*
 * The frame nearly every packet is: Ethernet with at most one 802.1Q
 * tag, IPv4 without options, not a fragment, TCP. Straight-line code
 * with the same checks and the same result as the layered parser
 * (tests/fuzz/fuzz_pkt.c compares the two); false for anything else,
 * which the layered parser then takes from the start.
 */
static inline bool
pkt_parse_fast(const uint8_t *p, uint32_t lim, uint32_t frame_len,
	       struct wm_pkt_info *info)
{
	uint32_t off = ETH_HLEN, hlen, tot, end;
	const uint8_t *ih, *th;
	uint16_t type, tci = 0;

	if (lim < ETH_HLEN + VLAN_HLEN + IPV4_HLEN + TCP_HLEN)
		return false;
	type = pkt_rd16(p + 12);
	if (type == 0x8100) {
		tci = pkt_rd16(p + ETH_HLEN);
		type = pkt_rd16(p + ETH_HLEN + 2);
		off += VLAN_HLEN;
	}
	ih = p + off;
	if (type != 0x0800 || ih[0] != 0x45 || ih[9] != 6 ||
	    (pkt_rd16(ih + 6) & IPV4_MF_OFFSET) != 0)
		return false;
	tot = pkt_rd16(ih + 2);
	/* The TCP header, options included, within both bounds. */
	end = off + tot;
	if (tot < IPV4_HLEN + TCP_HLEN || tot > frame_len - off)
		return false;
	th = ih + IPV4_HLEN;
	hlen = (uint32_t)(th[12] >> 4) * 4;
	if (hlen < TCP_HLEN || off + IPV4_HLEN + hlen > (end < lim ? end : lim))
		return false;
	memset(info, 0, sizeof(*info));
	if (off != ETH_HLEN) {
		info->nvlan = 1;
		info->vlan[0] = tci & 0xfff;
	}
	info->l4_proto = 6;
	info->ip_version = 4;
	info->l3_off = (uint16_t)off;
	memcpy(info->saddr, ih + 12, 4);
	memcpy(info->daddr, ih + 16, 4);
	off += IPV4_HLEN;
	pkt_tcp_fill(info, th, off, hlen, end);
	info->kind = WM_PKT_TCP;
	return true;
}

enum wm_pkt_kind
wm_pkt_parse(const uint8_t *frame, uint32_t hdr_len, uint32_t frame_len,
	     uint16_t vxlan_port, struct wm_pkt_info *info)
{
	uint32_t lim = hdr_len < frame_len ? hdr_len : frame_len;

	if (__builtin_expect(pkt_parse_fast(frame, lim, frame_len, info), 1))
		return WM_PKT_TCP;
	return pkt_parse_general(frame, hdr_len, frame_len, vxlan_port, info);
}

const char *
wm_pkt_kind_name(enum wm_pkt_kind kind)
{
	if ((unsigned int)kind >= PKT_DIM(pkt_kind_names) ||
	    pkt_kind_names[kind] == NULL)
		return "unknown";
	return pkt_kind_names[kind];
}
