/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP reassembly and re-fragmentation on rte_ip_frag.
 *
 * The library answers NULL both for "not complete yet" and for "refused";
 * what it refused is told by the death row: every mbuf it lets go of is
 * put there during the call. So, per call:
 *
 *   new on the death row   the fragment fed is among them?
 *   nothing                no: held                     (WM_FRAG_HELD)
 *   k mbufs                no: stale datagrams evicted  (frag.timeout)
 *   only the fragment      yes: no room in the table    (WM_FRAG_FULL,
 *                               taken back off the death row)
 *   the fragment + others  yes: its datagram refused    (WM_FRAG_INVALID)
 *
 * That reading holds because what the library would refuse on a fresh
 * entry (empty, oversized, atomic, misplaced Fragment header) is refused
 * here before it is called, and an entry in the table always holds at
 * least one fragment.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_ip_frag_table_del_expired_entries */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wm_frag.h"
#include "wm_stream.h"

#define FRAG_BUCKET_ENTRIES 16
#define FRAG_POOL_CACHE 32
#define FRAG_DIRECT_ROOM 128 /* IPv4 header + options, IPv6 + FH */
#define FRAG_PREFETCH 4
/* A first fragment with less payload than this: one buffer (headers whole) */
#define FRAG_LINEAR_MIN 256
#define FRAG_L2_MAX 64

#define IPV4_MF 0x2000
#define IPV4_DF 0x4000
#define IPV4_OFF_MASK 0x1fff
#define IPV4_MIN_MTU 68
#define IPV6_HLEN 40
#define IPV6_FH_LEN 8
#define IPV6_NH_FRAGMENT 44
#define IPV6_MIN_MTU 1280
#define IPV6_FH_OFF_MASK 0xfff8
#define IPV6_FH_MF 0x0001
#define IP_MAX_LEN 65535

/* The most mbufs one library call puts on the death row, twice. */
#define FRAG_DR_ROOM (2 * (RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1))

struct wm_frag {
	struct rte_ip_frag_tbl *tbl;
	struct rte_mempool *direct;   /* fragment headers (L2 + IP) */
	struct rte_mempool *indirect; /* fragment payloads, attached */
	struct wm_stats *stats;
	struct rte_ip_frag_death_row dr;
};

static struct rte_mempool *
frag_pool(const char *what, unsigned int id, uint32_t n, uint16_t room,
	  int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "wm_frag%s_%u", what, id);
	return rte_pktmbuf_pool_create(
		name, n, n >= 2 * FRAG_POOL_CACHE ? FRAG_POOL_CACHE : 0, 0,
		room, socket);
}

struct wm_frag *
wm_frag_create(unsigned int id, uint32_t max_datagrams, uint64_t timeout,
	       uint32_t out_mbufs, int socket, struct wm_stats *stats)
{
	struct wm_frag *fr;
	uint32_t buckets;

	if (max_datagrams == 0 || out_mbufs == 0 || stats == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	fr = rte_zmalloc_socket("wm_frag", sizeof(*fr), RTE_CACHE_LINE_SIZE,
				socket);
	if (fr == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	fr->stats = stats;
	buckets =
		(max_datagrams + FRAG_BUCKET_ENTRIES - 1) / FRAG_BUCKET_ENTRIES;
	fr->tbl = rte_ip_frag_table_create(buckets, FRAG_BUCKET_ENTRIES,
					   max_datagrams, timeout, socket);
	if (fr->tbl == NULL) {
		rte_errno = ENOMEM;
		goto free_fr;
	}
	fr->direct = frag_pool("d", id, out_mbufs,
			       RTE_PKTMBUF_HEADROOM + FRAG_DIRECT_ROOM, socket);
	if (fr->direct == NULL)
		goto free_tbl;
	fr->indirect = frag_pool("i", id, 2 * out_mbufs, 0, socket);
	if (fr->indirect == NULL)
		goto free_direct;
	return fr;

free_direct:
	rte_mempool_free(fr->direct);
free_tbl:
	rte_ip_frag_table_destroy(fr->tbl);
free_fr:
	rte_free(fr);
	return NULL;
}

void
wm_frag_free(struct wm_frag *fr)
{
	if (fr == NULL)
		return;
	rte_ip_frag_free_death_row(&fr->dr, 0);
	rte_ip_frag_table_destroy(fr->tbl);
	/* Fragments still in a tx ring would come back to a freed pool. */
	if (rte_mempool_full(fr->direct))
		rte_mempool_free(fr->direct);
	if (rte_mempool_full(fr->indirect))
		rte_mempool_free(fr->indirect);
	rte_free(fr);
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Check an IPv4 fragment before the library sees it; false: refuse it.
 * Sets l3_len as the library needs it.
 */
static bool
frag_check_ipv4(struct rte_mbuf *m, const uint8_t *ip)
{
	uint32_t hl = (uint32_t)(ip[0] & 0xf) * 4;
	uint32_t tot = rd16(ip + 2);
	uint16_t fo = rd16(ip + 6);
	uint32_t len = tot - hl; /* the parser saw tot >= hl */
	uint32_t ofs = (uint32_t)(fo & IPV4_OFF_MASK) * 8;

	if (len == 0 || ofs + tot > IP_MAX_LEN || ((fo & IPV4_MF) && (len & 7)))
		return false;
	m->l3_len = hl;
	return true;
}

/*
 * The same for IPv6: the Fragment header must follow the IPv6 header
 * (the library removes it from there), and an atomic fragment (offset
 * 0, no more) has no datagram to wait for.
 */
static bool
frag_check_ipv6(struct rte_mbuf *m, const uint8_t *ip, uint32_t l3_off)
{
	const uint8_t *fh = ip + IPV6_HLEN;
	uint32_t plen = rd16(ip + 4), len, ofs;
	uint16_t fd;

	if (ip[6] != IPV6_NH_FRAGMENT || plen < IPV6_FH_LEN ||
	    m->data_len < l3_off + IPV6_HLEN + IPV6_FH_LEN)
		return false;
	fd = rd16(fh + 2);
	len = plen - IPV6_FH_LEN;
	ofs = fd & IPV6_FH_OFF_MASK;
	if (len == 0 || (ofs == 0 && !(fd & IPV6_FH_MF)) ||
	    ofs + len > IP_MAX_LEN || ((fd & IPV6_FH_MF) && (len & 7)))
		return false;
	m->l3_len = IPV6_HLEN + IPV6_FH_LEN;
	/* The reassembled datagram is the first fragment's mbuf. */
	if (ofs == 0)
		memcpy(&wm_pkt_meta(m)->frag.ident, fh + 4, 4);
	return true;
}

/*
 * The IP payload size to split @d into: the largest fragment it came in
 * (each fragment is one segment of the chain), a multiple of 8, within
 * what WM_FRAG_MAX_OUT fragments and the minimum MTU need.
 */
static uint16_t
frag_out_size(const struct rte_mbuf *d, bool v6)
{
	uint32_t hdr = (uint32_t)d->l2_len + d->l3_len;
	uint32_t total = d->pkt_len - hdr;
	uint32_t size = d->data_len - hdr, min;

	for (const struct rte_mbuf *s = d->next; s != NULL; s = s->next)
		size = RTE_MAX(size, (uint32_t)s->data_len);
	size = RTE_ALIGN_FLOOR(size, 8);
	size = RTE_MAX(size, RTE_ALIGN_CEIL((total + WM_FRAG_MAX_OUT - 1) /
						    WM_FRAG_MAX_OUT,
					    8));
	if (v6)
		min = IPV6_MIN_MTU - IPV6_HLEN - IPV6_FH_LEN;
	else
		min = RTE_ALIGN_CEIL(IPV4_MIN_MTU - d->l3_len, 8);
	return (uint16_t)RTE_MIN(RTE_MAX(size, min),
				 RTE_ALIGN_FLOOR(IP_MAX_LEN - hdr, 8));
}

/* A complete datagram: note how to split it again. */
static void
frag_done(struct wm_frag *fr, struct rte_mbuf *d, bool v6)
{
	if (v6)
		d->l3_len = IPV6_HLEN; /* the Fragment header is gone */
	wm_pkt_meta(d)->frag.size = frag_out_size(d, v6);
	if (d->nb_segs > 1 &&
	    d->data_len < (uint32_t)d->l2_len + d->l3_len + FRAG_LINEAR_MIN)
		rte_pktmbuf_linearize(d); /* no room: stays chained */
	fr->stats->ctr[WM_CTR_FRAG_REASSEMBLED]++;
}

enum wm_frag_verdict
wm_frag_input(struct wm_frag *fr, struct rte_mbuf *m,
	      const struct wm_pkt_info *pi, uint64_t now, struct rte_mbuf **out)
{
	struct rte_ip_frag_death_row *dr = &fr->dr;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l3_off);
	bool v6 = pi->ip_version == 6, mine = false;
	struct rte_mbuf *d;
	uint32_t c0, n;

	*out = NULL;
	wm_pkt_meta(m)->frag.size = 0;
	m->l2_len = pi->l3_off;
	if (pi->vxlan || !(v6 ? frag_check_ipv6(m, ip, pi->l3_off)
			      : frag_check_ipv4(m, ip))) {
		fr->stats->ctr[WM_CTR_DROP_FRAG_INVALID]++;
		rte_pktmbuf_free(m);
		return WM_FRAG_INVALID;
	}
	if (RTE_IP_FRAG_DEATH_ROW_MBUF_LEN - dr->cnt < FRAG_DR_ROOM)
		rte_ip_frag_free_death_row(dr, FRAG_PREFETCH);
	c0 = dr->cnt;
	if (v6)
		d = rte_ipv6_frag_reassemble_packet(
			fr->tbl, dr, m, now, (struct rte_ipv6_hdr *)ip,
			(struct rte_ipv6_fragment_ext *)(ip + IPV6_HLEN));
	else
		d = rte_ipv4_frag_reassemble_packet(fr->tbl, dr, m, now,
						    (struct rte_ipv4_hdr *)ip);
	n = dr->cnt - c0;
	for (uint32_t i = c0; i < dr->cnt && d == NULL; i++)
		mine |= dr->row[i] == m;
	if (d != NULL || !mine) {
		fr->stats->ctr[WM_CTR_FRAG_TIMEOUT] += n;
		if (d == NULL)
			return WM_FRAG_HELD;
		frag_done(fr, d, v6);
		*out = d;
		return WM_FRAG_DONE;
	}
	if (n == 1) {
		dr->cnt--; /* not stored: the caller's again */
		return WM_FRAG_FULL;
	}
	fr->stats->ctr[WM_CTR_DROP_FRAG_INVALID] += n;
	return WM_FRAG_INVALID;
}

/* Rebuild one fragment's front: L2 header, IP flags and checksum, id. */
static int
frag_finish(struct rte_mbuf *f, const uint8_t *l2, uint16_t l2_len, bool v6,
	    uint16_t df, uint32_t ident)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(f, l2_len);

	if (p == NULL)
		return -ENOMEM;
	memcpy(p, l2, l2_len);
	f->l2_len = l2_len;
	if (v6) {
		memcpy(p + l2_len + IPV6_HLEN + 4, &ident, 4);
	} else {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)(p + l2_len);
		uint16_t ck;

		h->fragment_offset |= df;
		h->hdr_checksum = 0;
		ck = rte_raw_cksum(h, f->l3_len);
		h->hdr_checksum = ck == 0xffff ? ck : (uint16_t)~ck;
	}
	return 0;
}

/* A datagram that fits in one fragment leaves whole. */
static int
frag_output_whole(struct wm_frag *fr, struct rte_mbuf *m, bool v6,
		  struct rte_mbuf **out)
{
	if (!v6) {
		struct rte_ipv4_hdr *h = rte_pktmbuf_mtod_offset(
			m, struct rte_ipv4_hdr *, m->l2_len);
		uint16_t ck;

		h->hdr_checksum = 0;
		ck = rte_raw_cksum(h, m->l3_len);
		h->hdr_checksum = ck == 0xffff ? ck : (uint16_t)~ck;
	}
	wm_pkt_meta(m)->frag.size = 0;
	out[0] = m;
	fr->stats->ctr[WM_CTR_FRAG_REFRAGMENTED]++;
	return 1;
}

int
wm_frag_output(struct wm_frag *fr, struct rte_mbuf *m, struct rte_mbuf **out,
	       unsigned int max)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint16_t l2_len = m->l2_len, size = pm->frag.size, df = 0;
	uint8_t l2[FRAG_L2_MAX];
	const uint8_t *ip;
	uint32_t l3_len;
	bool v6;
	int n;

	if (size == 0 || max == 0 || l2_len > FRAG_L2_MAX ||
	    m->data_len <= l2_len)
		return -EINVAL;
	ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, l2_len);
	v6 = ip[0] >> 4 == 6;
	l3_len = v6 ? IPV6_HLEN : (uint32_t)(ip[0] & 0xf) * 4;
	if (m->data_len < l2_len + l3_len || m->pkt_len < l2_len + l3_len)
		return -EINVAL;
	m->l3_len = l3_len;
	if (m->pkt_len - l2_len - l3_len <= size)
		return frag_output_whole(fr, m, v6, out);
	memcpy(l2, rte_pktmbuf_mtod(m, const uint8_t *), l2_len);
	rte_pktmbuf_adj(m, l2_len);
	if (v6) {
		n = rte_ipv6_fragment_packet(
			m, out,
			(uint16_t)RTE_MIN(max, (unsigned int)UINT16_MAX),
			(uint16_t)(size + IPV6_HLEN + IPV6_FH_LEN), fr->direct,
			fr->indirect);
	} else {
		struct rte_ipv4_hdr *h =
			rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

		/* DPDK will not split a DF datagram: its fragments had it. */
		df = h->fragment_offset & rte_cpu_to_be_16(IPV4_DF);
		h->fragment_offset &= ~rte_cpu_to_be_16(IPV4_DF);
		n = rte_ipv4_fragment_packet(
			m, out,
			(uint16_t)RTE_MIN(max, (unsigned int)UINT16_MAX),
			(uint16_t)(size + l3_len), fr->direct, fr->indirect);
		h->fragment_offset |= df;
	}
	if (n < 0) {
		rte_pktmbuf_prepend(m, l2_len);
		return n;
	}
	for (int i = 0; i < n; i++) {
		out[i]->l3_len = v6 ? IPV6_HLEN + IPV6_FH_LEN : l3_len;
		if (frag_finish(out[i], l2, l2_len, v6, df, pm->frag.ident) <
		    0) {
			for (int k = 0; k < n; k++)
				rte_pktmbuf_free(out[k]);
			rte_pktmbuf_prepend(m, l2_len);
			return -ENOMEM;
		}
		out[i]->port = m->port;
	}
	rte_pktmbuf_free(m);
	fr->stats->ctr[WM_CTR_FRAG_REFRAGMENTED] += (uint64_t)n;
	return n;
}

void
wm_frag_tick(struct wm_frag *fr, uint64_t now)
{
	struct rte_ip_frag_death_row *dr = &fr->dr;

	rte_ip_frag_free_death_row(dr, FRAG_PREFETCH);
	rte_ip_frag_table_del_expired_entries(fr->tbl, dr, now);
	if (dr->cnt == 0)
		return;
	fr->stats->ctr[WM_CTR_FRAG_TIMEOUT] += dr->cnt;
	rte_ip_frag_free_death_row(dr, FRAG_PREFETCH);
}

void
wm_frag_flush(struct wm_frag *fr)
{
	struct rte_ip_frag_death_row *dr = &fr->dr;

	rte_ip_frag_free_death_row(dr, 0);
	for (;;) {
		rte_ip_frag_table_del_expired_entries(fr->tbl, dr, UINT64_MAX);
		if (dr->cnt == 0)
			break;
		fr->stats->ctr[WM_CTR_FRAG_TIMEOUT] += dr->cnt;
		rte_ip_frag_free_death_row(dr, 0);
	}
}
