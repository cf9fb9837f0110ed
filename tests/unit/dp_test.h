/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the unit tests that drive a whole worker's data path share
 * (test_datapath.c, test_reload.c): a config and its compiled segments,
 * one worker on two ports whose transmit keeps what leaves, and TCP
 * frames between client 10.0.0.1:cport and server 10.0.0.2:80 judged
 * one at a time. Included once by each test program: its state is the
 * program's.
 */
#ifndef DP_TEST_H
#define DP_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "frame_bytes.h"
#include "wm_datapath.h"
#include "wm_test.h"

#define MAX_OUT 256

struct gen {
	struct wm_config *cfg;
	struct wm_segments *segs;
	const char *names[WM_CONFIG_MAX_SEGMENTS];
};

static struct rte_mempool *pool;
static struct rte_mbuf *out[MAX_OUT];
static unsigned int nout;
static uint64_t now = 1000;
static uint16_t cport = 40000;    /* the client's port */

static uint16_t
tx(void *arg, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(port);
	for (uint16_t i = 0; i < n; i++)
		if (nout < MAX_OUT)
			out[nout++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	return n;
}

static void
out_free(void)
{
	for (unsigned int i = 0; i < nout; i++)
		rte_pktmbuf_free(out[i]);
	nout = 0;
}

/* EAL without devices or hugepages, and the mbufs the tests send. */
static int
dp_test_eal(char *argv0)
{
	char *eal[] = { argv0, "--no-huge", "-m", "256", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=error" };

	if (rte_eal_init((int)WM_ARRAY_SIZE(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return -1;
	}
	pool = rte_pktmbuf_pool_create("t", 4095, 0,
		WM_PKT_PRIV_SIZE,
		2048 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	return pool != NULL ? 0 : -1;
}

static struct gen
gen_load(const char *text)
{
	char err[512];
	struct gen g = { 0 };

	g.cfg = wm_config_load_string(text, "test", err, sizeof(err));
	if (g.cfg == NULL) {
		fprintf(stderr, "config: %s\n", err);
		exit(1);
	}
	g.segs = wm_segments_create(g.cfg, err, sizeof(err));
	if (g.segs == NULL) {
		fprintf(stderr, "segments: %s\n", err);
		exit(1);
	}
	for (unsigned int i = 0; i < g.cfg->nsegments; i++)
		g.names[i] = g.cfg->segments[i].name;
	return g;
}

static void
gen_free(struct gen *g)
{
	wm_segments_free(g->segs);
	wm_config_free(g->cfg);
}

/* One worker's data path on ports 0 <-> 1, sending through @send. */
static struct wm_dp *
dp_make_tx(const struct gen *g, wm_dp_tx_t send)
{
	struct wm_dp_conf c = {
		.cfg = g->cfg, .segs = g->segs, .segment_names = g->names,
		.nworkers = 1, .nports = 2, .tx = send,
	};
	struct wm_dp *dp;

	c.ports[0].peer = 1;
	c.ports[1].peer = 0;
	dp = wm_dp_create(&c, 0, SOCKET_ID_ANY);
	if (dp == NULL) {
		fprintf(stderr, "wm_dp_create failed\n");
		exit(1);
	}
	return dp;
}

/* The same, what it sends collected in out[] (tx()). */
static struct wm_dp *
dp_make(const struct gen *g)
{
	return dp_make_tx(g, tx);
}

/* One frame in on port @port (0: from the client), judged at once. */
static void
frame(struct wm_dp *dp, uint16_t port, uint32_t seq, uint32_t ack,
      uint8_t flags, const char *data)
{
	const struct ip4_ep c = { { 10, 0, 0, 1 }, cport };
	const struct ip4_ep s = { { 10, 0, 0, 2 }, 80 };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t f[2048];
	uint32_t n = tcp4_build(f, port == 0 ? &c : &s, port == 0 ? &s : &c,
				seq, ack, flags, data, (uint32_t)strlen(data));

	memcpy(rte_pktmbuf_append(m, (uint16_t)n), f, n);
	wm_dp_rx_burst(dp, &m, 1, port, now++);
	wm_dp_tick(dp, now);
}

/* Handshake; returns the client's next sequence number. */
static uint32_t
handshake(struct wm_dp *dp)
{
	frame(dp, 0, 100, 0, WM_TCP_SYN, "");
	frame(dp, 1, 500, 101, WM_TCP_SYN | WM_TCP_ACK, "");
	frame(dp, 0, 101, 501, WM_TCP_ACK, "");
	return 101;
}

#endif /* DP_TEST_H */
