/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A configuration reload in the data path (wm_dp_rebind), on real mbufs
 * under a no-hugepage EAL: flows keep their state, the new policy judges
 * from the first packet after the swap, a value under way at the swap
 * is found whole, nothing is lost (every frame in leaves, or is counted).
 *
 *   policy A: e-mail only        policy B: e-mail and card (redact)
 */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "wm_datapath.h"
#include "wm_test.h"

#define MAX_OUT 256

static const char cfg_a[] =
	"policies = { p = {\n"
	"  email = { operator = \"redact\"; fill = \"*\"; };\n"
	"}; };\n"
	"segments = { default = { policy = \"p\"; }; };\n";
static const char cfg_b[] =
	"policies = { p = {\n"
	"  email = { operator = \"redact\"; fill = \"*\"; };\n"
	"  card = { operator = \"redact\"; fill = \"#\"; };\n"
	"}; };\n"
	"segments = { default = { policy = \"p\"; }; };\n";
static const char cfg_none[] =
	"policies = { p = { }; };\n"
	"segments = { default = { policy = \"p\"; }; };\n";

struct gen {
	struct wm_config *cfg;
	struct wm_segments *segs;
	const char *names[WM_CONFIG_MAX_SEGMENTS];
};

static struct rte_mempool *pool;
static struct rte_mbuf *out[MAX_OUT];
static unsigned int nout;
static uint64_t now = 1000;

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

static struct wm_dp *
dp_make(const struct gen *g)
{
	struct wm_dp_conf c = {
		.cfg = g->cfg, .segs = g->segs, .segment_names = g->names,
		.nworkers = 1, .nports = 2, .tx = tx,
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

/* What the appliance's worker does at a reload: its scratch swapped. */
static void
rebind(struct wm_dp *dp, const struct gen *g)
{
	hs_scratch_t *s = NULL;

	if (g->segs->scratch != NULL)
		CHECK_EQ(hs_clone_scratch(g->segs->scratch, &s), HS_SUCCESS);
	wm_dp_rebind(dp, g->cfg, g->segs, g->names, NULL, &s);
	if (s != NULL)
		hs_free_scratch(s);
}

/* ---- frames: client 10.0.0.1:40000 -> server 10.0.0.2:80 ---- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t
ip4_csum(const uint8_t *h)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One frame in on port @port (0: from the client), judged at once. */
static void
frame(struct wm_dp *dp, uint16_t port, uint32_t seq, uint32_t ack,
      uint8_t flags, const char *data)
{
	uint32_t len = (uint32_t)strlen(data);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t f[2048];
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	uint16_t ck;

	memset(f, 0, 54);
	f[0] = 2; f[6] = 2; f[11] = 1;
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + len));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, port == 0 ? a : b, 4);
	memcpy(ip + 16, port == 0 ? b : a, 4);
	put16(ip + 10, ip4_csum(ip));
	put16(tcp, port == 0 ? 40000 : 80);
	put16(tcp + 2, port == 0 ? 80 : 40000);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	memcpy(tcp + 20, data, len);
	ck = wm_cksum_l4(ip, tcp, 20 + len, 6);
	memcpy(tcp + 16, &ck, 2);
	memcpy(rte_pktmbuf_append(m, (uint16_t)(54 + len)), f, 54 + len);
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

/* The client payloads that left, in order, concatenated into @buf. */
static size_t
client_bytes(char *buf, size_t cap)
{
	size_t n = 0;

	for (unsigned int i = 0; i < nout; i++) {
		struct rte_mbuf *m = out[i];
		const uint8_t *tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, 34);
		uint32_t len = m->pkt_len - 54;

		if (tcp[0] != 40000 >> 8 || len == 0 || n + len >= cap)
			continue;
		memcpy(buf + n, tcp + 20, len);
		n += len;
	}
	buf[n] = '\0';
	if (getenv("WM_TEST_VERBOSE") != NULL)
		fprintf(stderr, "[%s]\n", buf);
	return n;
}

static struct gen ga, gb, gnone;

static void
new_policy_from_next_packet(void)
{
	struct wm_dp *dp = dp_make(&ga);
	const char *p1 = "card=4111 1111 1111 1111 mail=al@example.com\r\n";
	const char *p2 = "card=4012 8888 8888 1881 mail=bo@example.com\r\n";
	uint32_t seq = handshake(dp);
	char got[1024];

	frame(dp, 0, seq, 501, WM_TCP_ACK | WM_TCP_PSH, p1);
	seq += (uint32_t)strlen(p1);
	rebind(dp, &gb);
	frame(dp, 0, seq, 501, WM_TCP_ACK | WM_TCP_PSH, p2);
	wm_dp_flush(dp);
	client_bytes(got, sizeof(got));
	/* A: the card left as it was; B: masked from the next packet on. */
	CHECK(strstr(got, "card=4111 1111 1111 1111 mail=**@*******.***\r\n") != NULL);
	CHECK(strstr(got, "4012") == NULL);
	CHECK(strstr(got, "bo@") == NULL);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_FLOW_NEW], 1);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_FLOW_REBOUND], 1);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_RX], nout);
	out_free();
	wm_dp_free(dp);
}

/* An e-mail held under A when the swap comes: B finds it whole. */
static void
value_under_way_found_whole(void)
{
	struct wm_dp *dp = dp_make(&ga);
	uint32_t seq = handshake(dp);
	char got[1024];

	frame(dp, 0, seq, 501, WM_TCP_ACK, "contact: jonathan.doe@exa");
	seq += 25;
	rebind(dp, &gb);
	frame(dp, 0, seq, 501, WM_TCP_ACK | WM_TCP_PSH, "mple.com\r\n");
	wm_dp_flush(dp);
	client_bytes(got, sizeof(got));
	CHECK(strstr(got, "jonathan") == NULL);
	CHECK(strstr(got, "contact: ") != NULL);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_MASK_LATE], 0);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_RX], nout);
	out_free();
	wm_dp_free(dp);
}

/*
 * A card only B looks for, its first digits judged (and still held)
 * under A: B's stream, primed with the history, finds it when it ends
 * and masks it whole; a fresh stream would see 8 digits, no card.
 */
static void
new_detector_value_across_swap_found(void)
{
	struct wm_dp *dp = dp_make(&ga);
	uint32_t seq = handshake(dp);
	char got[1024];

	frame(dp, 0, seq, 501, WM_TCP_ACK, "pay 4111 1111");
	seq += 13;
	rebind(dp, &gb);
	frame(dp, 0, seq, 501, WM_TCP_ACK | WM_TCP_PSH, " 1111 1111 ok\r\n");
	wm_dp_flush(dp);
	client_bytes(got, sizeof(got));
	CHECK(strcmp(got, "pay #### #### #### #### ok\r\n") == 0);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_MASK_LATE], 0);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_RX], nout);
	out_free();
	wm_dp_free(dp);
}

/* The segment masks nothing after the swap: judged to its end by A. */
static void
segment_unmasked_flow_ends(void)
{
	struct wm_dp *dp = dp_make(&ga);
	uint32_t seq = handshake(dp);
	char got[1024];

	frame(dp, 0, seq, 501, WM_TCP_ACK, "to: jonathan.doe@exa");
	seq += 20;
	rebind(dp, &gnone);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_FLOW_RELOAD_ENDED], 1);
	frame(dp, 0, seq, 501, WM_TCP_ACK | WM_TCP_PSH, "mple.com\r\n");
	wm_dp_flush(dp);
	client_bytes(got, sizeof(got));
	/* The held start left masked as far as an e-mail's would be. */
	CHECK(strstr(got, "jonathan") == NULL);
	CHECK(strstr(got, "mple.com") != NULL);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_FWD_NO_POLICY], 1);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_RX], nout);
	out_free();
	wm_dp_free(dp);
}

/* Many swaps back and forth mid-flow: nothing lost, state kept. */
static void
swap_every_packet(void)
{
	struct wm_dp *dp = dp_make(&ga);
	uint32_t seq = handshake(dp);
	const char *p = "id=7 card=4111 1111 1111 1111 to=x@example.org\r\n";
	char got[8192];
	unsigned int masked = 0;

	for (int i = 0; i < 40; i++) {
		rebind(dp, (i & 1) ? &ga : &gb);
		frame(dp, 0, seq, 501, WM_TCP_ACK | WM_TCP_PSH, p);
		seq += (uint32_t)strlen(p);
	}
	wm_dp_flush(dp);
	client_bytes(got, sizeof(got));
	for (const char *s = got; (s = strstr(s, "card=####")) != NULL; s++)
		masked++;
	/* Even packets went out under B (cards masked), odd ones under A. */
	CHECK_EQ(masked, 20);
	CHECK(strstr(got, "x@") == NULL);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_FLOW_NEW], 1);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_FLOW_REBOUND], 40);
	CHECK_EQ(wm_dp_stats(dp)->ctr[WM_CTR_RX], nout);
	out_free();
	wm_dp_free(dp);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=error" };

	RTE_SET_USED(argc);
	if (rte_eal_init((int)WM_ARRAY_SIZE(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("t", 4095, 0,
		RTE_ALIGN_CEIL(sizeof(struct wm_pkt_meta), RTE_MBUF_PRIV_ALIGN),
		2048 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	ga = gen_load(cfg_a);
	gb = gen_load(cfg_b);
	gnone = gen_load(cfg_none);

	RUN(new_policy_from_next_packet);
	RUN(value_under_way_found_whole);
	RUN(new_detector_value_across_swap_found);
	RUN(segment_unmasked_flow_ends);
	RUN(swap_every_packet);
	gen_free(&ga);
	gen_free(&gb);
	gen_free(&gnone);
	rte_eal_cleanup();
	TEST_END();
}
