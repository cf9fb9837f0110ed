/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path's own decisions, on real mbufs under a no-hugepage EAL:
 * which worker owns a flow (the NIC's symmetric RSS, reproduced in
 * software; the flow hash without RSS), what an idle flow costs
 * (retained bytes given back once acknowledged and the grace passed),
 * and when judged packets leave (before their rx burst ends; large
 * bursts in sub-bursts, the next rx burst sized by the frames' sizes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dp_test.h"

static const char cfg_text[] =
	"flow_table_size = 1024;\n"
	"policies = { p = {\n"
	"  email = { operator = \"redact\"; fill = \"*\"; };\n"
	"}; };\n"
	"segments = { default = { policy = \"p\"; }; };\n";

static struct gen g;

/* A 4-tuple and its reverse: same owner, for any number of workers. */
static void
rss_owner_symmetric(void)
{
	struct wm_pkt_info a = { .ip_version = 4 }, b;
	unsigned int seen[4] = { 0 };

	srand(7);
	for (unsigned int i = 0; i < 4000; i++) {
		a.ip_version = i % 2 ? 6 : 4;
		for (unsigned int k = 0; k < 16; k++) {
			a.saddr[k] = (uint8_t)rand();
			a.daddr[k] = (uint8_t)rand();
		}
		a.sport = (uint16_t)rand();
		a.dport = (uint16_t)rand();
		b = a;
		memcpy(b.saddr, a.daddr, 16);
		memcpy(b.daddr, a.saddr, 16);
		b.sport = a.dport;
		b.dport = a.sport;
		for (unsigned int n = 1; n <= 4; n++)
			CHECK_EQ(wm_dp_rss_owner(&a, n),
				 wm_dp_rss_owner(&b, n));
		seen[wm_dp_rss_owner(&a, 4)]++;
	}
	for (unsigned int w = 0; w < 4; w++)
		CHECK(seen[w] > 700);           /* and it spreads */
}

static unsigned int handed, handed_wrong;

/* Worker 0's hand-offs: each to the owner the NIC would have picked. */
static uint16_t
handoff_check(void *arg, unsigned int owner, struct rte_mbuf **pkts,
	      uint16_t n)
{
	RTE_SET_USED(arg);
	for (uint16_t i = 0; i < n; i++) {
		handed++;
		handed_wrong += owner == 0 ||
			owner != wm_dp_rss_owner(&wm_pkt_meta(pkts[i])->pi, 2);
		rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

/*
 * Port 0 has symmetric RSS, its peer port 1 none (a mixed link): what
 * port 0 receives is worker 0's (the NIC chose), what port 1 receives
 * goes where the NIC would send its flow; the two directions meet.
 */
static void
rss_link_owners(void)
{
	struct wm_dp_conf c = {
		.cfg = g.cfg, .segs = g.segs, .segment_names = g.names,
		.nworkers = 2, .nports = 2, .tx = tx, .handoff = handoff_check,
	};
	unsigned int mine = 0;
	struct wm_dp *dp;

	c.ports[0].peer = 1;
	c.ports[0].rss = true;
	c.ports[1].peer = 0;
	dp = wm_dp_create(&c, 0, SOCKET_ID_ANY);
	CHECK(dp != NULL);
	if (dp == NULL)
		return;
	handed = handed_wrong = 0;
	for (cport = 40000; cport < 40064; cport++) {
		frame(dp, 0, 100, 0, WM_TCP_SYN, "");     /* port 0: ours */
		CHECK_EQ(handed, 0);
		out_free();
	}
	CHECK_EQ(handed, 0);
	for (cport = 40000; cport < 40064; cport++) {
		unsigned int before = handed;

		frame(dp, 1, 500, 101, WM_TCP_SYN | WM_TCP_ACK, "");
		mine += handed == before;
		/* What worker 0 judged itself is its flow for the NIC too. */
		for (unsigned int i = 0; i < nout; i++)
			CHECK_EQ(wm_dp_rss_owner(&wm_pkt_meta(out[i])->pi, 2), 0);
		out_free();
	}
	CHECK_EQ(handed_wrong, 0);
	CHECK(handed > 10 && mine > 10);        /* both owners picked */
	CHECK_EQ(handed + mine, 64);
	cport = 40000;
	wm_dp_flush(dp);
	out_free();
	wm_dp_free(dp);
}

/*
 * Toeplitz as the NICs compute it (Microsoft's RSS specification): for
 * every set bit of the input, most significant first, the 32 key bits
 * from that position are XORed into the hash. Input: source address,
 * destination address, source port, destination port, network order.
 */
static uint32_t
toeplitz(const uint8_t *in, unsigned int len)
{
	uint8_t key[40];
	uint32_t h = 0;

	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = WM_DP_RSS_KEY_BYTE(i);
	for (unsigned int b = 0; b < len * 8; b++) {
		uint32_t w = 0;

		if (!(in[b / 8] & (0x80 >> (b % 8))))
			continue;
		for (unsigned int k = 0; k < 32; k++) {
			unsigned int kb = b + k;

			w = w << 1 | ((key[kb / 8] >> (7 - kb % 8)) & 1u);
		}
		h ^= w;
	}
	return h;
}

/* The software owner is the one a NIC's Toeplitz with the key picks. */
static void
rss_owner_is_nic_toeplitz(void)
{
	struct wm_pkt_info a = { 0 };
	uint8_t in[36];

	srand(11);
	for (unsigned int i = 0; i < 2000; i++) {
		unsigned int al = i % 2 ? 16 : 4, n = 2 + i % 3;

		a.ip_version = al == 4 ? 4 : 6;
		for (unsigned int k = 0; k < 16; k++) {
			a.saddr[k] = (uint8_t)rand();
			a.daddr[k] = (uint8_t)rand();
		}
		a.sport = (uint16_t)rand();
		a.dport = (uint16_t)rand();
		memcpy(in, a.saddr, al);
		memcpy(in + al, a.daddr, al);
		put16(in + 2 * al, a.sport);
		put16(in + 2 * al + 2, a.dport);
		CHECK_EQ(wm_dp_rss_owner(&a, n),
			 (toeplitz(in, 2 * al + 4) % WM_DP_RETA_PATTERN) % n);
	}
}

/* Without RSS: multiply-shift of the flow hash, in range and spread. */
static void
owner_multiply_shift(void)
{
	unsigned int seen[3] = { 0 };

	CHECK_EQ(wm_dp_owner(0, 3), 0);
	CHECK_EQ(wm_dp_owner(UINT32_MAX, 3), 2);
	for (uint32_t h = 0; h < 3000; h++)
		seen[wm_dp_owner(h * 2654435761u, 3)]++;
	for (unsigned int w = 0; w < 3; w++)
		CHECK(seen[w] > 900);
}

/*
 * An idle flow whose bytes are all acknowledged keeps them only for the
 * grace (200 ms here): the ageing sweep then gives back its retained
 * block; what is left is its entry and Hyperscan state. A late copy of
 * those bytes (the sender lost their ACK) leaves blanked, counted: the
 * receiver answers it with the ACK again.
 */
static void
idle_flow_gives_back_retained_bytes(void)
{
	struct wm_dp *dp = dp_make(&g);
	uint64_t hz = rte_get_tsc_hz();
	struct wm_dp_mem m;
	uint32_t seq = handshake(dp);

	frame(dp, 0, seq, 501, WM_TCP_ACK | WM_TCP_PSH, "hello there;");
	frame(dp, 1, 501, seq + 12, WM_TCP_ACK, "");
	wm_dp_mem(dp, &m);
	CHECK_EQ(m.flows, 1);
	CHECK_EQ(m.retained_bytes, 2048);
	/* Within the grace: kept, whatever the sweep visits. */
	for (unsigned int i = 0; i < 100; i++)
		wm_dp_tick(dp, now + hz / 10);
	wm_dp_mem(dp, &m);
	CHECK_EQ(m.retained_bytes, 2048);
	now += hz / 4;                          /* past the grace */
	for (unsigned int i = 0; i < 100; i++)
		wm_dp_tick(dp, now);
	wm_dp_mem(dp, &m);
	CHECK_EQ(m.flows, 1);
	CHECK_EQ(m.retained_bytes, 0);
	CHECK_EQ(m.total, m.entry_bytes + m.hs_bytes + m.view_bytes);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_REASM_RESTED], 1);
	out_free();
	frame(dp, 0, seq, 501, WM_TCP_ACK | WM_TCP_PSH, "hello there;");
	CHECK_EQ(nout, 1);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_DROP_MEMCAP], 0);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_REASM_RETRANS_RESTED], 1);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_REASM_RETRANS_ACKED], 12);
	if (nout == 1) {
		const struct wm_pkt_info *pi = &wm_pkt_meta(out[0])->pi;

		CHECK_EQ(pi->payload_len, 12);
		CHECK_MEM(rte_pktmbuf_mtod_offset(out[0], const char *,
						  pi->payload_off),
			  "************", 12);
	}
	/* The flow goes on: new bytes judged and retained again. */
	frame(dp, 0, seq + 12, 501, WM_TCP_ACK | WM_TCP_PSH, "more;");
	wm_dp_mem(dp, &m);
	CHECK_EQ(m.retained_bytes, 2048);
	wm_dp_flush(dp);
	out_free();
	wm_dp_free(dp);
}

static unsigned int tx_calls, tx_most;

static uint16_t
tx_count(void *arg, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(port);
	tx_calls++;
	tx_most = RTE_MAX(tx_most, (unsigned int)n);
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/* A burst of @n broadcast ARP frames of @len bytes (judged at once). */
static void
arp_burst(struct rte_mbuf **m, unsigned int n, uint16_t len)
{
	CHECK_EQ(rte_pktmbuf_alloc_bulk(pool, m, n), 0);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *f = rte_pktmbuf_mtod(m[i], uint8_t *);

		memset(f, 0, len);
		f[0] = 0xff;
		f[6] = 2;
		put16(f + 12, 0x0806);
		m[i]->data_len = len;
		m[i]->pkt_len = len;
		/* Not parsed yet: rx_parse() sets where it leaves. */
		wm_pkt_meta(m[i])->out_port = UINT16_MAX;
	}
}

/*
 * A packet decided early in a burst leaves before the rest is judged:
 * a burst of 32 frames that need no judging (ARP) leaves in four tx
 * bursts of 8, not one of 32 at its end.
 */
static void
decided_packets_leave_before_the_burst_ends(void)
{
	struct rte_mbuf *m[WM_DP_BURST];
	struct wm_dp *dp = dp_make_tx(&g, tx_count);

	arp_burst(m, WM_DP_BURST, 60);
	wm_dp_rx_burst(dp, m, WM_DP_BURST, 0, now);
	CHECK_EQ(tx_calls, 4);
	CHECK_EQ(tx_most, 8);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_TX], WM_DP_BURST);
	wm_dp_free(dp);
}

static struct rte_mbuf *burst_last;
static bool last_parsed_at_first_tx;

static uint16_t
tx_first_sees_last(void *arg, uint16_t port, struct rte_mbuf **pkts,
		   uint16_t n)
{
	if (tx_calls == 0)
		last_parsed_at_first_tx =
			wm_pkt_meta(burst_last)->out_port != UINT16_MAX;
	return tx_count(arg, port, pkts, n);
}

/*
 * A burst of 32 full-size frames is more work than the rx budget
 * holds: it is judged in sub-bursts of what fits (6 of 1,514 B), and
 * the first leave before the last is even parsed.
 */
static void
large_burst_leaves_in_sub_bursts(void)
{
	unsigned int fit = (WM_DP_RX_BUDGET + 1514 + WM_DP_RX_PKT_UNITS - 1) /
			   (1514 + WM_DP_RX_PKT_UNITS);
	struct rte_mbuf *m[WM_DP_BURST];
	struct wm_dp *dp = dp_make_tx(&g, tx_first_sees_last);

	arp_burst(m, WM_DP_BURST, 1514);
	burst_last = m[WM_DP_BURST - 1];
	tx_calls = tx_most = 0;
	wm_dp_rx_burst(dp, m, WM_DP_BURST, 0, now);
	wm_dp_tick(dp, now);
	CHECK(!last_parsed_at_first_tx);
	CHECK_EQ(tx_most, fit);
	CHECK_EQ(tx_calls, (WM_DP_BURST + fit - 1) / fit);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_TX], WM_DP_BURST);
	wm_dp_free(dp);
}

/*
 * What a burst decided has left when wm_dp_rx_burst() returns: it does
 * not wait for the timers, which a worker runs after polling its other
 * rx queues and its hand-off ring.
 */
static void
burst_leaves_before_the_next_poll(void)
{
	struct rte_mbuf *m[3];
	struct wm_dp *dp = dp_make_tx(&g, tx_count);

	arp_burst(m, 3, 60);
	tx_calls = tx_most = 0;
	wm_dp_rx_burst(dp, m, 3, 0, now);
	CHECK_EQ(tx_calls, 1);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_TX], 3);
	wm_dp_free(dp);
}

/*
 * The size the next rx burst asks for follows the frames' sizes: 32
 * small ones, fewer once full-size frames come (a multiple of 4, for
 * vector PMDs), 32 again when small ones do.
 */
static void
rx_size_follows_frame_sizes(void)
{
	struct rte_mbuf *m[WM_DP_BURST];
	struct wm_dp *dp = dp_make_tx(&g, tx_count);
	uint16_t n;

	CHECK_EQ(wm_dp_rx_size(dp), WM_DP_BURST);
	for (unsigned int i = 0; i < 8; i++) {
		n = wm_dp_rx_size(dp);
		arp_burst(m, n, 1514);
		wm_dp_rx_burst(dp, m, n, 0, now);
	}
	n = wm_dp_rx_size(dp);
	CHECK(n >= 4 && n % 4 == 0);
	CHECK(n * (1514 + WM_DP_RX_PKT_UNITS) <= WM_DP_RX_BUDGET);
	/* The average forgets a quarter a burst: 16 bursts, 1 % left. */
	for (unsigned int i = 0; i < 16; i++) {
		n = wm_dp_rx_size(dp);
		arp_burst(m, n, 60);
		wm_dp_rx_burst(dp, m, n, 0, now);
	}
	CHECK_EQ(wm_dp_rx_size(dp), WM_DP_BURST);
	wm_dp_tick(dp, now);
	wm_dp_free(dp);
}

/*
 * A pool with the meta's private area (WM_PKT_PRIV_SIZE) puts every
 * frame on a cache line: Ethernet, IPv4 and TCP headers in one.
 */
static void
frames_start_on_a_line(void)
{
	struct rte_mbuf *m[8];

	CHECK_EQ(rte_pktmbuf_alloc_bulk(pool, m, 8), 0);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ((uintptr_t)rte_pktmbuf_mtod(m[i], char *) %
			 RTE_CACHE_LINE_SIZE, 0);
		CHECK_EQ((uintptr_t)wm_pkt_meta(m[i]) % RTE_CACHE_LINE_SIZE, 0);
	}
	rte_pktmbuf_free_bulk(m, 8);
}

int
main(int argc, char **argv)
{
	RTE_SET_USED(argc);
	if (dp_test_eal(argv[0]) < 0)
		return 1;
	g = gen_load(cfg_text);

	RUN(frames_start_on_a_line);
	RUN(rss_owner_symmetric);
	RUN(rss_owner_is_nic_toeplitz);
	RUN(owner_multiply_shift);
	RUN(rss_link_owners);
	RUN(idle_flow_gives_back_retained_bytes);
	RUN(decided_packets_leave_before_the_burst_ends);
	RUN(large_burst_leaves_in_sub_bursts);
	RUN(rx_size_follows_frame_sizes);
	RUN(burst_leaves_before_the_next_poll);
	gen_free(&g);
	rte_eal_cleanup();
	TEST_END();
}
