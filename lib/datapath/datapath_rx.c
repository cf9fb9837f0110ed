/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rx bursts sized by the work they carry, not by a packet count.
 *
 * A packet's added latency is the work judged between its arrival and
 * its departure: the packets of its rx burst ahead of it. Bursts of 32
 * frames of a 1500 B HTTP mix (half of them ACKs) cost 100-125 us; of
 * pure ACKs, 8 us. So the size asked of the NIC follows the recent
 * packets' sizes (an average over about four bursts), and a burst that
 * still brings more than the budget (small frames, then large ones) is
 * judged in sub-bursts, each sent on at its end:
 *
 *   wm_dp_rx_size() ---> rte_eth_rx_burst(n) ---> wm_dp_rx_burst
 *         ^                                          | dp_rx_sub: parse,
 *         |                                          | judge <= budget,
 *         +------ rx_learn(units / packets) <--------+ tx; next sub-burst
 */
#include "datapath_priv.h"

/* Fractional bits of dp->rx_avg; a burst moves it by 1 / 2^RX_WEIGHT. */
#define RX_SHIFT 8
#define RX_WEIGHT 2
/* rx sizes are multiples of this, and never less (vector PMDs). */
#define RX_QUANTUM 4

/* The average a burst of @n packets and @units moves; the size it gives. */
static void
rx_learn(struct wm_dp *dp, uint32_t units, uint16_t n)
{
	int64_t burst = ((int64_t)units << RX_SHIFT) / n;
	uint32_t size;

	dp->rx_avg = (uint32_t)((int64_t)dp->rx_avg +
				((burst - (int64_t)dp->rx_avg) >> RX_WEIGHT));
	size = (uint32_t)(((uint64_t)WM_DP_RX_BUDGET << RX_SHIFT) /
			  RTE_MAX(dp->rx_avg, 1u));
	size = RTE_ALIGN_FLOOR(size, RX_QUANTUM);
	dp->rx_size = (uint16_t)RTE_MIN(RTE_MAX(size, (uint32_t)RX_QUANTUM),
					(uint32_t)WM_DP_BURST);
}

void
dp_rx_init(struct wm_dp *dp)
{
	/* Small packets until some are seen: a full burst. */
	dp->rx_avg = (64 + WM_DP_RX_PKT_UNITS) << RX_SHIFT;
	dp->rx_size = WM_DP_BURST;
}

uint16_t
wm_dp_rx_size(const struct wm_dp *dp)
{
	return dp->rx_size;
}

uint16_t
wm_dp_rx_burst(struct wm_dp *dp, struct rte_mbuf **pkts, uint16_t n,
	       uint16_t port, uint64_t now)
{
	uint32_t units = 0;
	uint16_t k = 0;

	if (n == 0)
		return 0;
	dp->stats.ctr[WM_CTR_RX] += n;
	while (k < n) {
		k += dp_rx_sub(dp, pkts + k, (uint16_t)(n - k), port, now,
			       &units);
		/*
		 * What this sub-burst decided leaves before the next, and
		 * the last one's before the worker polls its other queues.
		 */
		dp_tx_flush_all(dp);
	}
	dp_handoff_flush(dp);
	rx_learn(dp, units, n);
	return n;
}
