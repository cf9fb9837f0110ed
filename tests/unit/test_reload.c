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

#include "dp_test.h"

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
	RTE_SET_USED(argc);
	if (dp_test_eal(argv[0]) < 0)
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
