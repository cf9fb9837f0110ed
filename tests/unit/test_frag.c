/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP fragments at the wm_frag API, on real mbufs under a no-hugepage EAL:
 * reassembly (in order, reversed, VLAN/QinQ, IPv6 Fragment header), what
 * is refused (overlap, duplicate, headers before the Fragment header),
 * atomic fragments taken as whole packets, the table-full verdict,
 * timeouts, and the split
 * back into fragments: sizes, offsets, MF flags, checksums, ids, and the
 * same bytes once the split output is reassembled again.
 */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "frame_bytes.h"
#include "wm_frag.h"
#include "wm_stream.h"
#include "wm_test.h"

#define MAX_FRAME 9000
#define TIMEOUT 1000 /* clock units of the tests' "now" */

static struct rte_mempool *pool;
static struct wm_stats stats;
static struct wm_frag *fr;
static unsigned int frag_ids;

/* ---- datagrams and fragments, built by hand ---- */

struct dgram {
	uint8_t b[MAX_FRAME];
	uint32_t len; /* whole frame */
	uint16_t l2;  /* L2 header length */
	uint16_t l3;  /* IP header length (unfragmented) */
	bool v6;
	uint32_t ident; /* IPv4: 16 bits; IPv6 Fragment header id */
};

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's-complement sum over @n bytes; a valid header sums to 0xffff. */
static uint16_t
sum16(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += rd16(p + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Write the IPv4 header checksum at @ip. */
static void
ip4_csum_fix(uint8_t *ip)
{
	put16(ip + 10, 0);
	put16(ip + 10, ip4_csum(ip));
}

/* Ethernet with @nvlan tags (802.1ad outer, 802.1Q inner). */
static uint16_t
l2_build(uint8_t *f, int nvlan, uint16_t type)
{
	uint16_t off = 12;

	memset(f, 0, 12);
	f[0] = 2;
	f[5] = 0xb;
	f[6] = 2;
	f[11] = 0xa;
	for (int i = 0; i < nvlan; i++, off += 4) {
		put16(f + off, nvlan == 2 && i == 0 ? 0x88a8 : 0x8100);
		put16(f + off + 2, (uint16_t)(100 + i));
	}
	put16(f + off, type);
	return (uint16_t)(off + 2);
}

/* TCP header + @paylen bytes of a pattern, after the IP header. */
static void
tcp_build(uint8_t *t, uint32_t paylen)
{
	memset(t, 0, 20);
	put16(t, 40000);
	put16(t + 2, 80);
	put32(t + 4, 1000);
	put32(t + 8, 1);
	t[12] = 5 << 4;
	t[13] = 0x18;
	put16(t + 14, 502);
	for (uint32_t i = 0; i < paylen; i++)
		t[20 + i] = (uint8_t)('A' + i % 26 + (i / 26) % 7);
}

static void
dgram4(struct dgram *d, int nvlan, uint16_t id, uint32_t paylen, bool df)
{
	uint8_t *ip;

	memset(d, 0, sizeof(*d));
	d->l2 = l2_build(d->b, nvlan, 0x0800);
	d->l3 = 20;
	d->ident = id;
	ip = d->b + d->l2;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 20 + paylen));
	put16(ip + 4, id);
	put16(ip + 6, df ? 0x4000 : 0);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, 0x0a000001);
	put32(ip + 16, 0x0a000002);
	ip4_csum_fix(ip);
	tcp_build(ip + 20, paylen);
	d->len = d->l2 + 40u + paylen;
}

static void
dgram6(struct dgram *d, int nvlan, uint32_t ident, uint32_t paylen)
{
	uint8_t *ip;

	memset(d, 0, sizeof(*d));
	d->l2 = l2_build(d->b, nvlan, 0x86dd);
	d->l3 = 40;
	d->v6 = true;
	d->ident = ident;
	ip = d->b + d->l2;
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(20 + paylen));
	ip[6] = 6;
	ip[7] = 64;
	ip[8] = 0x20;
	ip[9] = 0x01;
	ip[10] = 0x0d;
	ip[11] = 0xb8;
	ip[23] = 1;
	ip[24] = 0x20;
	ip[25] = 0x01;
	ip[26] = 0x0d;
	ip[27] = 0xb8;
	ip[39] = 2;
	tcp_build(ip + 40, paylen);
	d->len = d->l2 + 60u + paylen;
}

/* IP payload of @d (TCP header + data). */
static uint32_t
dgram_payload(const struct dgram *d)
{
	return d->len - d->l2 - d->l3;
}

/*
 * The frame of fragment [off, off + len) of @d's IP payload; @more sets
 * MF/M. Returns its length.
 */
static uint32_t
frag_frame(const struct dgram *d, uint32_t off, uint32_t len, bool more,
	   uint8_t *f)
{
	const uint8_t *pay = d->b + d->l2 + d->l3;
	uint8_t *ip = f + d->l2;

	memcpy(f, d->b, d->l2 + d->l3);
	if (d->v6) {
		uint8_t *fh = ip + 40;

		put16(ip + 4, (uint16_t)(8 + len));
		ip[6] = 44;
		fh[0] = 6;
		fh[1] = 0;
		put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
		put32(fh + 4, d->ident);
		memcpy(fh + 8, pay + off, len);
		return d->l2 + 48u + len;
	}
	put16(ip + 2, (uint16_t)(20 + len));
	put16(ip + 6, (uint16_t)((rd16(d->b + d->l2 + 6) & 0x4000) |
				 (more ? 0x2000 : 0) | off / 8));
	ip4_csum_fix(ip);
	memcpy(ip + 20, pay + off, len);
	return d->l2 + 20u + len;
}

static struct rte_mbuf *
mbuf_of(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, f, len);
	return m;
}

/* Parse @f as the appliance does and feed it; *out on WM_FRAG_DONE. */
static enum wm_frag_verdict
feed_frame(struct wm_frag *t, const uint8_t *f, uint32_t len, uint64_t now,
	   struct rte_mbuf **out)
{
	struct rte_mbuf *m = mbuf_of(f, len);
	struct wm_pkt_info *pi;
	enum wm_frag_verdict v;

	*out = NULL;
	CHECK(m != NULL);
	if (m == NULL)
		return WM_FRAG_INVALID;
	pi = &wm_pkt_meta(m)->pi;
	CHECK_EQ(wm_pkt_parse(f, len, len, 4789, pi), WM_PKT_IP_FRAG);
	v = wm_frag_input(t, m, pi, now, out);
	if (v == WM_FRAG_FULL)
		rte_pktmbuf_free(m); /* the caller's policy: drop */
	return v;
}

static enum wm_frag_verdict
feed(struct wm_frag *t, const struct dgram *d, uint32_t off, uint32_t len,
     bool more, uint64_t now, struct rte_mbuf **out)
{
	static uint8_t f[MAX_FRAME];

	return feed_frame(t, f, frag_frame(d, off, len, more, f), now, out);
}

/* The bytes of @m, whatever its segments. */
static uint32_t
flat(const struct rte_mbuf *m, uint8_t *buf)
{
	const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);

	if (p != buf)
		memcpy(buf, p, m->pkt_len);
	return m->pkt_len;
}

/* The reassembled datagram equals @d (IPv4: but the header checksum). */
static void
check_whole(const struct rte_mbuf *m, const struct dgram *d)
{
	static uint8_t got[MAX_FRAME];

	CHECK_EQ(flat(m, got), d->len);
	CHECK_EQ(m->l2_len, d->l2);
	if (!d->v6) {
		CHECK_MEM(got, d->b, d->l2 + 10u);
		CHECK_MEM(got + d->l2 + 12, d->b + d->l2 + 12,
			  d->len - d->l2 - 12);
	} else {
		CHECK_MEM(got, d->b, d->len);
	}
}

static struct wm_frag *
frag_new(uint32_t max_datagrams)
{
	struct wm_frag *t = wm_frag_create(frag_ids++, max_datagrams, TIMEOUT,
					   256, SOCKET_ID_ANY, &stats);

	CHECK(t != NULL);
	return t;
}

static void
reset(void)
{
	wm_frag_flush(fr);
	memset(&stats, 0, sizeof(stats));
}

/*
 * Split @m (a reassembled @d) and check every fragment: L2 header, sizes
 * (@size of payload but the last), offsets, MF, checksums, id, DF; the
 * payload pieces put together are @d's; reassembled again, the fragments
 * give @d back. Returns how many fragments.
 */
static int
check_split(struct rte_mbuf *m, const struct dgram *d, uint16_t size)
{
	static uint8_t f[MAX_FRAME], pay[MAX_FRAME];
	struct rte_mbuf *out[WM_FRAG_MAX_OUT], *again = NULL;
	struct wm_frag *t2 = frag_new(16);
	uint32_t total = dgram_payload(d), next = 0;
	uint64_t refrag = stats.ctr[WM_CTR_FRAG_REFRAGMENTED];
	int n = wm_frag_output(fr, m, out, WM_FRAG_MAX_OUT);

	CHECK(n > 1);
	CHECK_EQ(n, (int)((total + size - 1) / size));
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_REFRAGMENTED], refrag + (uint64_t)n);
	memset(pay, 0, sizeof(pay));
	for (int i = 0; i < n && n > 0; i++) {
		uint32_t len = flat(out[i], f), plen, off;
		const uint8_t *ip = f + d->l2;
		bool more;

		CHECK_MEM(f, d->b, d->l2);
		if (d->v6) {
			const uint8_t *fh = ip + 40;

			CHECK_EQ(ip[6], 44);
			CHECK_EQ(fh[0], 6);
			CHECK_EQ(rd16(ip + 4) + 40u + d->l2, len);
			CHECK_EQ((uint32_t)rd16(fh + 4) << 16 | rd16(fh + 6),
				 d->ident);
			CHECK_MEM(ip + 8, d->b + d->l2 + 8, 32);
			plen = len - d->l2 - 48;
			off = rd16(fh + 2) & 0xfff8;
			more = rd16(fh + 2) & 1;
			memcpy(pay + off, fh + 8, plen);
		} else {
			CHECK_EQ(sum16(ip, 20), 0xffff);
			CHECK_EQ(rd16(ip + 2) + d->l2, len);
			CHECK_EQ(rd16(ip + 4), d->ident);
			CHECK_EQ(rd16(ip + 6) & 0x4000,
				 rd16(d->b + d->l2 + 6) & 0x4000);
			plen = len - d->l2 - 20;
			off = (rd16(ip + 6) & 0x1fff) * 8u;
			more = rd16(ip + 6) & 0x2000;
			memcpy(pay + off, ip + 20, plen);
		}
		CHECK_EQ(off, next);
		CHECK_EQ(more, i < n - 1);
		if (i < n - 1)
			CHECK_EQ(plen, size);
		next = off + plen;
		CHECK_EQ(feed_frame(t2, f, len, 1, &again),
			 i < n - 1 ? WM_FRAG_HELD : WM_FRAG_DONE);
		rte_pktmbuf_free(out[i]);
	}
	CHECK_EQ(next, total);
	CHECK_MEM(pay, d->b + d->l2 + d->l3, total);
	CHECK(again != NULL);
	if (again != NULL) {
		check_whole(again, d);
		rte_pktmbuf_free(again);
	}
	wm_frag_free(t2);
	return n;
}

/* ---- reassembly ---- */

static void
ipv4_in_order(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 0x1234, 1400, false);
	CHECK_EQ(feed(fr, &d, 0, 512, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 512, 512, true, 2, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 1024, 396, false, 3, &m), WM_FRAG_DONE);
	CHECK(m != NULL);
	if (m == NULL)
		return;
	check_whole(m, &d);
	CHECK_EQ(wm_pkt_meta(m)->frag.size, 512);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_REASSEMBLED], 1);
	CHECK_EQ(check_split(m, &d, 512), 3);
}

static void
ipv4_reversed(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 0x2222, 1400, false);
	CHECK_EQ(feed(fr, &d, 1024, 396, false, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 512, 512, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 0, 512, true, 1, &m), WM_FRAG_DONE);
	if (m == NULL)
		return;
	check_whole(m, &d);
	check_split(m, &d, 512);
}

static void
ipv4_middle_first(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 0x2223, 2000, false);
	CHECK_EQ(feed(fr, &d, 600, 600, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 1800, 220, false, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 0, 600, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 1200, 600, true, 1, &m), WM_FRAG_DONE);
	if (m == NULL)
		return;
	check_whole(m, &d);
	check_split(m, &d, 600);
}

static void
ipv4_vlan_tag(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 1, 0x3333, 1000, false);
	CHECK_EQ(feed(fr, &d, 0, 520, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 520, 500, false, 1, &m), WM_FRAG_DONE);
	if (m == NULL)
		return;
	CHECK_EQ(m->l2_len, 18);
	check_whole(m, &d);
	check_split(m, &d, 520);
}

static void
ipv4_qinq_df(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 2, 0x3334, 1000, true);
	CHECK_EQ(feed(fr, &d, 520, 500, false, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 0, 520, true, 1, &m), WM_FRAG_DONE);
	if (m == NULL)
		return;
	CHECK_EQ(m->l2_len, 22);
	check_whole(m, &d);
	check_split(m, &d, 520);
}

/* The first fragment holds less than a TCP header's worth: one buffer. */
static void
ipv4_tiny_first_fragment(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 0x3335, 1000, false);
	CHECK_EQ(feed(fr, &d, 0, 16, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 16, 512, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 528, 492, false, 1, &m), WM_FRAG_DONE);
	if (m == NULL)
		return;
	CHECK_EQ(m->nb_segs, 1);
	CHECK_EQ(wm_pkt_meta(m)->frag.size, 512);
	check_whole(m, &d);
	check_split(m, &d, 512);
}

static void
ipv6_fragment_header(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram6(&d, 1, 0xa5d33a2d, 3000);
	CHECK_EQ(feed(fr, &d, 0, 1232, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 2464, 556, false, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 1232, 1232, true, 1, &m), WM_FRAG_DONE);
	if (m == NULL)
		return;
	CHECK_EQ(m->l2_len, 18);
	CHECK_EQ(m->l3_len, 40);
	CHECK_EQ(wm_pkt_meta(m)->frag.size, 1232);
	CHECK_EQ(wm_pkt_meta(m)->frag.ident, rte_cpu_to_be_32(0xa5d33a2d));
	check_whole(m, &d);
	CHECK_EQ(check_split(m, &d, 1232), 3);
}

/* IPv6 fragments below 1280 bytes leave at the IPv6 minimum MTU. */
static void
ipv6_small_fragments_grow(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram6(&d, 0, 77, 2000);
	CHECK_EQ(feed(fr, &d, 0, 440, true, 1, &m), WM_FRAG_HELD);
	for (uint32_t off = 440; off < 1760; off += 440)
		CHECK_EQ(feed(fr, &d, off, 440, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 1760, 260, false, 1, &m), WM_FRAG_DONE);
	if (m == NULL)
		return;
	CHECK_EQ(wm_pkt_meta(m)->frag.size, 1232);
	CHECK_EQ(check_split(m, &d, 1232), 2);
}

/* A datagram that fits one fragment of the output size leaves whole. */
static void
ipv6_fits_leaves_whole(void)
{
	static struct dgram d;
	static uint8_t got[MAX_FRAME];
	struct rte_mbuf *m, *out[WM_FRAG_MAX_OUT];

	reset();
	dgram6(&d, 1, 78, 1000);
	CHECK_EQ(feed(fr, &d, 440, 580, false, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 0, 440, true, 1, &m), WM_FRAG_DONE);
	if (m == NULL)
		return;
	CHECK_EQ(wm_frag_output(fr, m, out, WM_FRAG_MAX_OUT), 1);
	CHECK_EQ(flat(out[0], got), d.len);
	CHECK_MEM(got, d.b, d.len);
	rte_pktmbuf_free(out[0]);
}

/* ---- what is refused ---- */

/* zeek's fragmented-4: offsets 0, 48, 72 (last), then 24..72 overlapping. */
static void
ipv4_overlap_refused(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 0, 69, false); /* 20 + 69 = 89 bytes of IP payload */
	CHECK_EQ(feed(fr, &d, 0, 24, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 48, 24, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 72, 17, false, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 24, 48, true, 1, &m), WM_FRAG_INVALID);
	CHECK(m == NULL);
	CHECK_EQ(stats.ctr[WM_CTR_DROP_FRAG_INVALID], 4);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_REASSEMBLED], 0);
	/* nothing of it is left to complete later */
	CHECK_EQ(feed(fr, &d, 24, 24, true, 1, &m), WM_FRAG_HELD);
	wm_frag_flush(fr);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_TIMEOUT], 1);
}

/* A hole the overlap hides: 0..24, 8..24 and 40..56 add up to 56. */
static void
ipv4_overlap_hiding_a_hole(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 5, 36, false); /* 56 bytes of IP payload */
	CHECK_EQ(feed(fr, &d, 0, 24, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 8, 16, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 40, 16, false, 1, &m), WM_FRAG_INVALID);
	CHECK(m == NULL);
	CHECK_EQ(stats.ctr[WM_CTR_DROP_FRAG_INVALID], 3);
}

static void
ipv4_duplicate_first_refused(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 6, 1000, false);
	CHECK_EQ(feed(fr, &d, 0, 512, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 0, 512, true, 1, &m), WM_FRAG_INVALID);
	CHECK_EQ(stats.ctr[WM_CTR_DROP_FRAG_INVALID], 2);
}

static void
ipv4_not_multiple_of_8_refused(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 7, 1000, false);
	CHECK_EQ(feed(fr, &d, 0, 500, true, 1, &m), WM_FRAG_INVALID);
	CHECK_EQ(stats.ctr[WM_CTR_DROP_FRAG_INVALID], 1);
}

/*
 * An atomic fragment (offset 0, M clear) is a whole packet: the parser
 * skips its Fragment header and it never reaches the table.
 */
static void
ipv6_atomic_fragment_is_whole(void)
{
	static struct dgram d;
	static uint8_t f[MAX_FRAME];
	struct wm_pkt_info pi;
	uint32_t len;

	reset();
	dgram6(&d, 0, 8, 100);
	len = frag_frame(&d, 0, 120, false, f);
	CHECK_EQ(wm_pkt_parse(f, len, len, 4789, &pi), WM_PKT_TCP);
	CHECK_EQ(pi.l4_off, d.l2 + 40 + 8);
}

/* Hop-by-hop options before the Fragment header: not handled. */
static void
ipv6_header_before_fragment_refused(void)
{
	static struct dgram d;
	static uint8_t f[MAX_FRAME], g[MAX_FRAME];
	struct rte_mbuf *m;
	uint32_t len;

	reset();
	dgram6(&d, 0, 9, 1000);
	len = frag_frame(&d, 0, 512, true, f);
	/* insert an 8-byte hop-by-hop header (PadN) after the IPv6 header */
	memcpy(g, f, d.l2 + 40u);
	memcpy(g + d.l2 + 48, f + d.l2 + 40, len - d.l2 - 40);
	g[d.l2 + 6] = 0;
	g[d.l2 + 40] = 44;
	g[d.l2 + 41] = 0;
	g[d.l2 + 42] = 1;
	g[d.l2 + 43] = 4;
	put16(g + d.l2 + 4, (uint16_t)(rd16(f + d.l2 + 4) + 8));
	CHECK_EQ(feed_frame(fr, g, len + 8, 1, &m), WM_FRAG_INVALID);
	CHECK_EQ(stats.ctr[WM_CTR_DROP_FRAG_INVALID], 1);
}

/* ---- limits ---- */

static void
table_full(void)
{
	static struct dgram a, b, c;
	struct wm_frag *t = frag_new(2);
	struct rte_mbuf *m;

	reset();
	dgram4(&a, 0, 100, 1000, false);
	dgram4(&b, 0, 101, 1000, false);
	dgram4(&c, 0, 102, 1000, false);
	CHECK_EQ(feed(t, &a, 0, 512, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(t, &b, 0, 512, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(t, &c, 0, 512, true, 1, &m), WM_FRAG_FULL);
	CHECK(m == NULL);
	CHECK_EQ(stats.ctr[WM_CTR_DROP_FRAG_INVALID], 0);
	/* a datagram in the table still completes; then there is room */
	CHECK_EQ(feed(t, &a, 512, 508, false, 2, &m), WM_FRAG_DONE);
	if (m != NULL) {
		check_whole(m, &a);
		rte_pktmbuf_free(m);
	}
	CHECK_EQ(feed(t, &c, 0, 512, true, 3, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(t, &c, 512, 508, false, 4, &m), WM_FRAG_DONE);
	rte_pktmbuf_free(m);
	/* once b is old, a new datagram takes its place */
	CHECK_EQ(feed(t, &c, 0, 512, true, 5, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(t, &a, 0, 512, true, 2 + TIMEOUT, &m), WM_FRAG_HELD);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_TIMEOUT], 1);
	wm_frag_flush(t);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_TIMEOUT], 3);
	wm_frag_free(t);
}

static void
timeout_drops_incomplete(void)
{
	static struct dgram d;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 200, 1400, false);
	CHECK_EQ(feed(fr, &d, 0, 512, true, 10, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &d, 512, 512, true, 20, &m), WM_FRAG_HELD);
	wm_frag_tick(fr, 10 + TIMEOUT);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_TIMEOUT], 0);
	wm_frag_tick(fr, 11 + TIMEOUT);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_TIMEOUT], 2);
	/* the last fragment alone starts a new datagram */
	CHECK_EQ(feed(fr, &d, 1024, 396, false, 12 + TIMEOUT, &m),
		 WM_FRAG_HELD);
	CHECK(m == NULL);
}

static void
flush_at_exit(void)
{
	static struct dgram d, e;
	struct rte_mbuf *m;

	reset();
	dgram4(&d, 0, 300, 1400, false);
	dgram6(&e, 0, 301, 3000);
	CHECK_EQ(feed(fr, &d, 0, 512, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &e, 0, 1232, true, 1, &m), WM_FRAG_HELD);
	CHECK_EQ(feed(fr, &e, 1232, 1232, true, 1, &m), WM_FRAG_HELD);
	wm_frag_flush(fr);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_TIMEOUT], 3);
	CHECK_EQ(stats.ctr[WM_CTR_FRAG_REASSEMBLED], 0);
}

/* The split output of a datagram that is not a judged one is refused. */
static void
output_needs_a_size(void)
{
	static struct dgram d;
	struct rte_mbuf *m, *out[4];

	reset();
	dgram4(&d, 0, 400, 100, false);
	m = mbuf_of(d.b, d.len);
	CHECK(m != NULL);
	if (m == NULL)
		return;
	wm_pkt_meta(m)->frag.size = 0;
	CHECK_EQ(wm_frag_output(fr, m, out, 4), -EINVAL);
	rte_pktmbuf_free(m);
}

int
main(int argc, char **argv)
{
	char *eal[] = {argv[0], "--no-huge", "-m",
		       "256",	"--no-pci",  "--no-shconf",
		       "-l",	"0",	     "--log-level=error"};

	if (rte_eal_init((int)WM_ARRAY_SIZE(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create(
		"t", 4095, 0,
		WM_PKT_PRIV_SIZE,
		2048 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	fr = pool == NULL ? NULL : frag_new(64);
	if (fr == NULL) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}

	RUN(ipv4_in_order);
	RUN(ipv4_reversed);
	RUN(ipv4_middle_first);
	RUN(ipv4_vlan_tag);
	RUN(ipv4_qinq_df);
	RUN(ipv4_tiny_first_fragment);
	RUN(ipv6_fragment_header);
	RUN(ipv6_small_fragments_grow);
	RUN(ipv6_fits_leaves_whole);
	RUN(ipv4_overlap_refused);
	RUN(ipv4_overlap_hiding_a_hole);
	RUN(ipv4_duplicate_first_refused);
	RUN(ipv4_not_multiple_of_8_refused);
	RUN(ipv6_atomic_fragment_is_whole);
	RUN(ipv6_header_before_fragment_refused);
	RUN(table_full);
	RUN(timeout_drops_incomplete);
	RUN(flush_at_exit);
	RUN(output_needs_a_size);

	reset();
	CHECK_EQ(rte_mempool_avail_count(pool), 4095);
	wm_frag_free(fr);
	rte_eal_cleanup();
	TEST_END();
}
