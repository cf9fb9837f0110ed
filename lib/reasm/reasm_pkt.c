/* SPDX-License-Identifier: BSD-3-Clause */
/* Writing into packets: payload bytes, with their checksums kept valid. */
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "wm_reasm.h"

#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

static inline uint16_t
csum_get(const struct rte_mbuf *m, uint32_t off)
{
	uint16_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), 2);
	return v;
}

static inline void
csum_set(struct rte_mbuf *m, uint32_t off, uint16_t v)
{
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, off), &v, 2);
}

/*
 * Only bytes that differ are written, each run with an incremental
 * update (RFC 1624) of the TCP checksum and, when one is set, of a VXLAN
 * outer UDP checksum. Headers are in the first segment; the payload may
 * continue in further segments.
 */
uint32_t
wm_reasm_pkt_write(struct rte_mbuf *m, uint32_t pos, const uint8_t *src,
		   uint32_t n)
{
	const struct wm_pkt_info *pi = &wm_pkt_meta(m)->pi;
	uint32_t l4 = pi->l4_off, udp = pi->outer_udp_off;
	bool outer = pi->vxlan && csum_get(m, udp + UDP_CSUM_OFF) != 0;
	uint16_t tcp_old = csum_get(m, l4 + TCP_CSUM_OFF), tcp_ck = tcp_old;
	uint16_t udp_ck = outer ? csum_get(m, udp + UDP_CSUM_OFF) : 0;
	uint32_t off = pi->payload_off + pos; /* frame offset */
	struct rte_mbuf *seg = m;
	uint32_t seg_off = off, changed = 0;

	while (seg != NULL && seg_off >= seg->data_len) {
		seg_off -= seg->data_len;
		seg = seg->next;
	}
	while (n > 0 && seg != NULL) {
		uint8_t *p = rte_pktmbuf_mtod_offset(seg, uint8_t *, seg_off);
		uint32_t k = RTE_MIN(n, (uint32_t)seg->data_len - seg_off);

		for (uint32_t i = 0; i < k;) {
			uint32_t j = i;

			while (i < k && p[i] == src[i])
				i++;
			j = i;
			while (j < k && p[j] != src[j])
				j++;
			if (j == i)
				break;
			tcp_ck = wm_cksum_adjust(tcp_ck, p + i, src + i, j - i,
						 (off + i - l4) & 1);
			if (outer)
				udp_ck = wm_cksum_adjust(udp_ck, p + i, src + i,
							 j - i,
							 (off + i - udp) & 1);
			memcpy(p + i, src + i, j - i);
			changed += j - i;
			i = j;
		}
		src += k;
		off += k;
		n -= k;
		seg = seg->next;
		seg_off = 0;
	}
	if (changed == 0)
		return 0;
	csum_set(m, l4 + TCP_CSUM_OFF, tcp_ck);
	if (outer) {
		/* The inner TCP checksum is itself covered by the outer one. */
		udp_ck = wm_cksum_adjust(udp_ck, (const uint8_t *)&tcp_old,
					 (const uint8_t *)&tcp_ck, 2,
					 (l4 + TCP_CSUM_OFF - udp) & 1);
		csum_set(m, udp + UDP_CSUM_OFF, udp_ck == 0 ? 0xffff : udp_ck);
	}
	return changed;
}
