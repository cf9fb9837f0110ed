/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flows' owners: as the NIC picks them (Toeplitz with the symmetric key
 * that app/wiremask/ports.c programs: both directions of a connection
 * hash alike) for the frames the NIC cannot place (VXLAN inner flows,
 * reassembled datagrams), and the hand-offs to them, once a burst.
 */
#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_thash.h>

#include "datapath_priv.h"

/* The symmetric RSS key, as the NIC has it (ports.c programs it). */
static const uint8_t rss_key[40] = {
#define K2 0x6d, 0x5a
	K2, K2, K2, K2, K2, K2, K2, K2, K2, K2,
	K2, K2, K2, K2, K2, K2, K2, K2, K2, K2,
#undef K2
};

uint32_t
dp_rss_hash(const struct wm_pkt_info *pi)
{
	uint32_t t[RTE_THASH_V6_L4_LEN];
	unsigned int n = pi->ip_version == 4 ? 1 : 4, k = 0;

	for (unsigned int i = 0; i < n; i++)
		t[k++] = rte_be_to_cpu_32(((const unaligned_uint32_t *)
					   (const void *)pi->saddr)[i]);
	for (unsigned int i = 0; i < n; i++)
		t[k++] = rte_be_to_cpu_32(((const unaligned_uint32_t *)
					   (const void *)pi->daddr)[i]);
	t[k++] = (uint32_t)pi->sport << 16 | pi->dport;
	return rte_softrss(t, k, rss_key);
}

unsigned int
wm_dp_rss_owner(const struct wm_pkt_info *pi, unsigned int nworkers)
{
	return (dp_rss_hash(pi) & (WM_DP_RETA_PATTERN - 1)) % nworkers;
}

/* Send the burst's hand-offs, one call per owner. */
void
dp_handoff_flush(struct wm_dp *dp)
{
	while (dp->ho_pending != 0) {
		unsigned int o = (unsigned int)rte_bsf64(dp->ho_pending);
		struct dp_txbuf *b = &dp->ho[o];
		uint16_t k = dp->conf.handoff(dp->conf.handoff_arg, o, b->pkts,
					      b->n);

		if (unlikely(k < b->n)) {
			dp->stats.ctr[WM_CTR_RING_DROP] += b->n - k;
			rte_pktmbuf_free_bulk(b->pkts + k, b->n - k);
		}
		b->n = 0;
		dp->ho_pending &= ~(UINT64_C(1) << o);
	}
}
