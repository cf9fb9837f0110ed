/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-gen: frames (Ethernet, 802.1Q / QinQ, VXLAN, IPv4 / IPv6,
 * TCP) with correct checksums, and a buffered classic pcap writer.
 *
 *   frame = [outer Ethernet | IPv4 | UDP 4789 | VXLAN]    (vxlan only)
 *           Ethernet [| S-tag 88a8] [| C-tag 8100] | IP | TCP | payload
 *           [| zero padding up to 60 bytes]
 *
 * The outer UDP checksum is 0 (allowed over IPv4, as most VTEPs send
 * it); its source port is a hash of the inner flow and direction, as
 * VTEPs choose it for ECMP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define TCP_SYN_OPTS 4 /* MSS */
#define UDP_HLEN 8
#define VXLAN_HLEN 8
#define VXLAN_OUTER (ETH_HLEN + IPV4_HLEN + UDP_HLEN + VXLAN_HLEN)
#define VXLAN_PORT 4789

#define PCAP_BUF (4u << 20)
#define PCAP_REC_HDR 16

static const uint8_t mac_client[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
static const uint8_t mac_server[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x02};
static const uint8_t mac_vtep_a[6] = {0x02, 0x00, 0x5e, 0x00, 0x01, 0x01};
static const uint8_t mac_vtep_b[6] = {0x02, 0x00, 0x5e, 0x00, 0x01, 0x02};
#define VTEP_A 0xc0a86401u /* 192.168.100.1, on the clients' side */
#define VTEP_B 0xc0a86402u /* 192.168.100.2 */

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Ones' complement sum of @n bytes, big-endian 16-bit words, unfolded. */
static uint64_t
csum_add(uint64_t acc, const uint8_t *p, size_t n)
{
	while (n >= 8) {
		acc += (uint64_t)p[0] << 8 | p[1];
		acc += (uint64_t)p[2] << 8 | p[3];
		acc += (uint64_t)p[4] << 8 | p[5];
		acc += (uint64_t)p[6] << 8 | p[7];
		p += 8;
		n -= 8;
	}
	while (n >= 2) {
		acc += (uint64_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		acc += (uint64_t)p[0] << 8;
	return acc;
}

static uint16_t
csum_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

void
gen_ipv6_addr(uint8_t out[16], uint32_t a, bool server)
{
	memset(out, 0, 16);
	out[0] = 0xfd;
	out[7] = server ? 2 : 1;
	wr32(out + 12, a);
}

size_t
gen_frame_hdr_len(const struct gen_net *net, bool syn)
{
	size_t n = ETH_HLEN + (net->ipv6 ? IPV6_HLEN : IPV4_HLEN) + TCP_HLEN;

	if (net->encap == GEN_ENCAP_VLAN)
		n += VLAN_HLEN;
	else if (net->encap == GEN_ENCAP_QINQ)
		n += 2 * VLAN_HLEN;
	else if (net->encap == GEN_ENCAP_VXLAN)
		n += VXLAN_OUTER;
	return n + (syn ? TCP_SYN_OPTS : 0);
}

/* Ethernet header and tags; returns the bytes written. */
static size_t
put_l2(uint8_t *p, const struct gen_net *net, bool c2s, uint16_t type)
{
	size_t o = 12;

	memcpy(p, c2s ? mac_server : mac_client, 6);
	memcpy(p + 6, c2s ? mac_client : mac_server, 6);
	if (net->encap == GEN_ENCAP_QINQ) {
		wr16(p + o, 0x88a8);
		wr16(p + o + 2, net->vlan);
		wr16(p + o + 4, 0x8100);
		wr16(p + o + 6, net->cvlan);
		o += 8;
	} else if (net->encap == GEN_ENCAP_VLAN) {
		wr16(p + o, 0x8100);
		wr16(p + o + 2, net->vlan);
		o += 4;
	}
	wr16(p + o, type);
	return o + 2;
}

/* IP header of @tlen transport bytes; the pseudo-header sum in *ps. */
static size_t
put_ip(uint8_t *p, const struct gen_net *net, const struct gen_seg *s,
       size_t tlen, uint16_t ipid, uint64_t *ps)
{
	if (net->ipv6) {
		p[0] = 0x60;
		p[1] = p[2] = p[3] = 0;
		wr16(p + 4, (uint16_t)tlen);
		p[6] = 6;
		p[7] = 64;
		gen_ipv6_addr(p + 8, s->saddr, !s->c2s);
		gen_ipv6_addr(p + 24, s->daddr, s->c2s);
		*ps = csum_add(6 + tlen, p + 8, 32);
		return IPV6_HLEN;
	}
	p[0] = 0x45;
	p[1] = 0;
	wr16(p + 2, (uint16_t)(IPV4_HLEN + tlen));
	wr16(p + 4, ipid);
	wr16(p + 6, 0x4000); /* DF */
	p[8] = 64;
	p[9] = 6;
	wr16(p + 10, 0);
	wr32(p + 12, s->saddr);
	wr32(p + 16, s->daddr);
	wr16(p + 10, csum_fold(csum_add(0, p, IPV4_HLEN)));
	*ps = csum_add(6 + tlen, p + 12, 8);
	return IPV4_HLEN;
}

static size_t
put_tcp(uint8_t *p, const struct gen_seg *s, uint64_t ps)
{
	size_t hlen = TCP_HLEN + ((s->flags & GEN_SYN) ? TCP_SYN_OPTS : 0);

	wr16(p, s->sport);
	wr16(p + 2, s->dport);
	wr32(p + 4, s->seq);
	wr32(p + 8, (s->flags & GEN_ACK) ? s->ack : 0);
	p[12] = (uint8_t)((hlen / 4) << 4);
	p[13] = s->flags;
	wr16(p + 14, 64240);
	wr16(p + 16, 0);
	wr16(p + 18, 0);
	if (hlen > TCP_HLEN) {
		p[20] = 2; /* MSS */
		p[21] = 4;
		wr16(p + 22, GEN_MSS_V4);
	}
	if (s->len)
		memcpy(p + hlen, s->payload, s->len);
	wr16(p + 16, csum_fold(csum_add(ps, p, hlen + s->len)));
	return hlen + s->len;
}

/* Outer Ethernet, IPv4, UDP and VXLAN around @inner bytes at p + 50. */
static void
put_vxlan(uint8_t *p, const struct gen_net *net, const struct gen_seg *s,
	  size_t inner, uint16_t ipid)
{
	uint8_t *ip = p + ETH_HLEN, *udp = ip + IPV4_HLEN;
	uint32_t h = (s->saddr ^ s->daddr) * 0x9e3779b1u ^
		     (uint32_t)(s->sport ^ s->dport) * 0x85ebca6bu;

	memcpy(p, s->c2s ? mac_vtep_b : mac_vtep_a, 6);
	memcpy(p + 6, s->c2s ? mac_vtep_a : mac_vtep_b, 6);
	wr16(p + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(IPV4_HLEN + UDP_HLEN + VXLAN_HLEN + inner));
	wr16(ip + 4, ipid);
	wr16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	wr16(ip + 10, 0);
	wr32(ip + 12, s->c2s ? VTEP_A : VTEP_B);
	wr32(ip + 16, s->c2s ? VTEP_B : VTEP_A);
	wr16(ip + 10, csum_fold(csum_add(0, ip, IPV4_HLEN)));
	h ^= h >> 15;
	wr16(udp, (uint16_t)(49152 + (h + s->c2s) % 16384));
	wr16(udp + 2, VXLAN_PORT);
	wr16(udp + 4, (uint16_t)(UDP_HLEN + VXLAN_HLEN + inner));
	wr16(udp + 6, 0);
	udp[8] = 0x08; /* VNI present */
	udp[9] = udp[10] = udp[11] = 0;
	wr32(udp + 12, net->vni << 8);
}

size_t
gen_frame_build(uint8_t *f, const struct gen_net *net, const struct gen_seg *s,
		uint16_t ipid)
{
	size_t outer = net->encap == GEN_ENCAP_VXLAN ? VXLAN_OUTER : 0;
	size_t tlen =
		TCP_HLEN + ((s->flags & GEN_SYN) ? TCP_SYN_OPTS : 0) + s->len;
	uint8_t *p = f + outer;
	uint64_t ps;
	size_t n;

	n = put_l2(p, net, s->c2s, net->ipv6 ? 0x86dd : 0x0800);
	n += put_ip(p + n, net, s, tlen, ipid, &ps);
	n += put_tcp(p + n, s, ps);
	if (outer) {
		put_vxlan(f, net, s, n, ipid);
		n += outer;
	}
	if (n < GEN_FRAME_MIN) {
		memset(f + n, 0, GEN_FRAME_MIN - n);
		n = GEN_FRAME_MIN;
	}
	return n;
}

static void
pcap_flush(struct gen_pcap *w)
{
	if (w->len && !w->err && fwrite(w->buf, 1, w->len, w->f) != w->len)
		w->err = errno ? errno : EIO;
	w->len = 0;
}

int
gen_pcap_open(struct gen_pcap *w, const char *path)
{
	uint8_t h[24];

	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "wb");
	if (w->f == NULL)
		return -errno;
	w->cap = PCAP_BUF;
	w->buf = malloc(w->cap);
	if (w->buf == NULL) {
		fclose(w->f);
		return -ENOMEM;
	}
	/* Little-endian: magic a1b2c3d4, 2.4, zone 0, snaplen 65535, Ethernet.
	 */
	memcpy(h, "\xd4\xc3\xb2\xa1\x02\x00\x04\x00", 8);
	memset(h + 8, 0, 8);
	memcpy(h + 16, "\xff\xff\x00\x00\x01\x00\x00\x00", 8);
	memcpy(w->buf, h, sizeof(h));
	w->len = sizeof(h);
	return 0;
}

uint8_t *
gen_pcap_reserve(struct gen_pcap *w)
{
	if (w->len + PCAP_REC_HDR + GEN_FRAME_MAX > w->cap)
		pcap_flush(w);
	return w->err ? NULL : w->buf + w->len + PCAP_REC_HDR;
}

static inline void
wr32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void
gen_pcap_commit(struct gen_pcap *w, uint64_t ts_ns, size_t flen)
{
	uint8_t *r = w->buf + w->len;
	uint64_t us = ts_ns / 1000;

	wr32le(r, (uint32_t)(us / 1000000));
	wr32le(r + 4, (uint32_t)(us % 1000000));
	wr32le(r + 8, (uint32_t)flen);
	wr32le(r + 12, (uint32_t)flen);
	w->len += PCAP_REC_HDR + flen;
}

int
gen_pcap_close(struct gen_pcap *w)
{
	int err;

	pcap_flush(w);
	if (fclose(w->f) != 0 && !w->err)
		w->err = errno ? errno : EIO;
	free(w->buf);
	err = w->err;
	memset(w, 0, sizeof(*w));
	return -err;
}
