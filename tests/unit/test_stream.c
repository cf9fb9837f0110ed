/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream engine at its API, on real mbufs under a no-hugepage EAL: the
 * hold-back rule, masking across packets, flushes, the in-order rule
 * (gaps, retransmissions, overlaps dropped), sequence wrap-around and
 * checksums (TCP, and VXLAN's outer UDP) after masking.
 */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "wm_config.h"
#include "wm_stream.h"
#include "wm_test.h"

#define MAX_OUT 4096

static const char test_cfg[] =
	"policies = { p = {\n"
	"  card = { operator = \"partial\"; keep_first = 6; keep_last = 4; fill = \"*\"; };\n"
	"  ssn = { operator = \"partial\"; keep_last = 4; fill = \"*\"; };\n"
	"  email = { operator = \"redact\"; fill = \"*\"; keep_domain = true; };\n"
	"}; };\n"
	"segments = { default = { policy = \"p\"; }; };\n";

static struct rte_mempool *pool;
static struct wm_config *cfg;
static struct wm_segments *segs;
static hs_scratch_t *scratch;
static struct wm_stream_ctx *ctx;
static struct wm_stats stats;
static struct wm_flow_table *flows;
static struct rte_mbuf *out[MAX_OUT];
static unsigned int nout;
static uint64_t now;

/* Emitted packets are kept for inspection. */
static void
collect(struct rte_mbuf *m, void *arg)
{
	if (nout < MAX_OUT)
		out[nout++] = m;
	else
		rte_pktmbuf_free(m);
}

static void
reset(void)
{
	for (unsigned int i = 0; i < nout; i++)
		rte_pktmbuf_free(out[i]);
	nout = 0;
	if (flows != NULL) {
		for (uint32_t i = 0; i < flows->size; i++)
			if (flows->flows[i].in_use) {
				wm_stream_flow_flush(ctx, &flows->flows[i]);
				wm_flow_del(flows, &flows->flows[i]);
			}
		for (unsigned int i = 0; i < nout; i++)
			rte_pktmbuf_free(out[i]);
		nout = 0;
	}
	memset(&stats, 0, sizeof(stats));
	now = 1000000;
}

/* ---- frame building ---- */

struct ep {
	uint32_t addr;  /* network order */
	uint16_t port;
};

static const struct ep client = { 0x0100000a, 40000 };
static const struct ep server = { 0x0200000a, 80 };

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

/* Ethernet + IPv4 + TCP (+ payload) at @f; returns the frame length. */
static uint32_t
tcp4_build(uint8_t *f, const struct ep *src, const struct ep *dst,
	   uint32_t seq, uint8_t flags, const void *data, uint32_t len)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint16_t ck;

	memset(f, 0, 54);
	f[0] = 2; f[6] = 2; f[11] = 1;
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + len));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &src->addr, 4);
	memcpy(ip + 16, &dst->addr, 4);
	put16(ip + 10, ip4_csum(ip));
	put16(tcp, src->port);
	put16(tcp + 2, dst->port);
	put32(tcp + 4, seq);
	put32(tcp + 8, 1);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	memcpy(tcp + 20, data, len);
	ck = wm_cksum_l4(ip, tcp, 20 + len, 6);
	memcpy(tcp + 16, &ck, 2);
	return 54 + len;
}

/* The same segment inside VXLAN (outer IPv4/UDP with a real checksum). */
static uint32_t
vxlan_build(uint8_t *f, uint32_t seq, uint8_t flags, const void *data,
	    uint32_t len)
{
	const struct ep o_src = { 0x0101a8c0, 51000 }, o_dst = { 0x0201a8c0, 4789 };
	uint8_t *ip = f + 14, *udp = ip + 20, *vx = udp + 8;
	uint32_t inner = tcp4_build(vx + 8, &client, &server, seq, flags, data, len);
	uint16_t ck;

	memset(f, 0, 50);
	f[0] = 2; f[6] = 2; f[11] = 3;
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + 8 + inner));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &o_src.addr, 4);
	memcpy(ip + 16, &o_dst.addr, 4);
	put16(ip + 10, ip4_csum(ip));
	put16(udp, o_src.port);
	put16(udp + 2, o_dst.port);
	put16(udp + 4, (uint16_t)(8 + 8 + inner));
	vx[0] = 0x08;
	vx[6] = 0x13; vx[5] = 0x89; /* VNI 5001 */
	ck = wm_cksum_l4(ip, udp, 8 + 8 + inner, 17);
	memcpy(udp + 6, &ck, 2);
	return 50 + inner;
}

/* Copy a frame into an mbuf, split into two segments at @split if > 0. */
static struct rte_mbuf *
mbuf_from(const uint8_t *f, uint32_t len, uint32_t split)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *m2;
	uint32_t first = split > 0 && split < len ? split : len;

	memcpy(rte_pktmbuf_append(m, (uint16_t)first), f, first);
	if (first < len) {
		m2 = rte_pktmbuf_alloc(pool);
		memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - first)),
		       f + first, len - first);
		rte_pktmbuf_chain(m, m2);
	}
	return m;
}

/* The appliance's per-packet path for one TCP frame, as in the worker. */
static void
feed_mbuf(struct rte_mbuf *m)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	struct wm_flow_key key;
	struct wm_flow *f;

	CHECK_EQ(wm_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), m->data_len,
			      m->pkt_len, 4789, &pm->pi), WM_PKT_TCP);
	pm->out_port = 1;
	wm_flow_key_make(&pm->pi, 0, &key, &pm->dir);
	pm->hash = wm_flow_hash(&key);
	f = wm_flow_lookup(flows, &key, pm->hash);
	if (f == NULL) {
		if (pm->pi.payload_len == 0 && !(pm->pi.tcp_flags & WM_TCP_SYN)) {
			collect(m, NULL);
			return;
		}
		f = wm_flow_add(flows, &key, pm->hash);
		wm_stream_flow_init(f, wm_segment_policy(segs, 0), 0);
	}
	if (wm_stream_segment(ctx, f, m, now))
		wm_flow_del(flows, f);
}

static void
feed(const struct ep *src, const struct ep *dst, uint32_t seq, uint8_t flags,
     const char *data, uint32_t len)
{
	uint8_t f[2048];

	feed_mbuf(mbuf_from(f, tcp4_build(f, src, dst, seq, flags, data, len), 0));
}

/* Client data at @seq. */
static void
send_c(uint32_t seq, const char *s)
{
	feed(&client, &server, seq, WM_TCP_ACK | WM_TCP_PSH, s, (uint32_t)strlen(s));
}

/* ---- inspecting what came out ---- */

/* Emitted payload of one direction (by source port), in emit order. */
static size_t
stream_out(uint16_t sport, char *buf, size_t cap)
{
	size_t n = 0;

	for (unsigned int i = 0; i < nout; i++) {
		const struct wm_pkt_info *pi = &wm_pkt_meta(out[i])->pi;
		const void *p;

		if (pi->sport != sport || pi->payload_len == 0)
			continue;
		if (n + pi->payload_len >= cap)
			break;
		/* Copies into buf when the payload spans segments. */
		p = rte_pktmbuf_read(out[i], pi->payload_off, pi->payload_len,
				     buf + n);
		if (p != buf + n)
			memcpy(buf + n, p, pi->payload_len);
		n += pi->payload_len;
	}
	buf[n] = '\0';
	return n;
}

static void
linearize_copy(struct rte_mbuf *m, uint8_t *f)
{
	const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, f);

	if (p != f)
		memcpy(f, p, m->pkt_len);
}

/* Every emitted TCP checksum (and outer UDP one) is right. */
static void
check_csums(void)
{
	for (unsigned int i = 0; i < nout; i++) {
		const struct wm_pkt_info *pi = &wm_pkt_meta(out[i])->pi;
		uint8_t f[4096];
		uint16_t have, want;

		linearize_copy(out[i], f);
		memcpy(&have, f + pi->l4_off + 16, 2);
		want = wm_cksum_l4(f + pi->l3_off, f + pi->l4_off,
				   pi->payload_off - pi->l4_off + pi->payload_len, 6);
		CHECK_EQ(have, want);
		if (pi->vxlan) {
			uint8_t *udp = f + pi->outer_udp_off;
			uint32_t ulen = (uint32_t)(udp[4] << 8 | udp[5]);

			memcpy(&have, udp + 6, 2);
			want = wm_cksum_l4(f + pi->outer_l3_off, udp, ulen, 17);
			CHECK_EQ(have, want);
		}
	}
}

static void
expect_out(const char *want)
{
	char got[8192];

	stream_out(client.port, got, sizeof(got));
	CHECK_EQ(strlen(got), strlen(want));
	CHECK(strcmp(got, want) == 0);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "  got  [%s]\n  want [%s]\n", got, want);
	check_csums();
}

/* ---- cases ---- */

static void
value_in_one_segment(void)
{
	reset();
	send_c(1, "{\"card\":\"4111111111111111\",\"ssn\":\"123-45-6789\"}");
	CHECK_EQ(nout, 1);
	expect_out("{\"card\":\"411111******1111\",\"ssn\":\"***-**-6789\"}");
	CHECK_EQ(stats.ctr[WM_CTR_MASK_VALUES], 2);
}

static void
split_across_two_segments(void)
{
	reset();
	send_c(1, "pay 4111 1111 ");
	CHECK_EQ(nout, 0); /* may be the start of a card: held */
	send_c(15, "1111 1111 now;");
	CHECK_EQ(nout, 2);
	expect_out("pay 4111 11** **** 1111 now;");
}

static void
one_byte_segments(void)
{
	const char *s = "mail john.doe@example.com and 5500-0000-0000-0004;";
	size_t n = strlen(s);

	reset();
	for (size_t i = 0; i < n; i++) {
		char c[2] = { s[i], 0 };

		send_c((uint32_t)(1 + i), c);
	}
	CHECK_EQ(nout, n);
	expect_out("mail ****.***@example.com and 5500-00**-****-0004;");
}

static void
no_value_passes_unchanged_at_once(void)
{
	reset();
	send_c(1, "GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK_EQ(nout, 1); /* ends in CRLF: nothing can be starting */
	expect_out("GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK_EQ(stats.ctr[WM_CTR_MASK_VALUES], 0);
}

static void
tail_that_may_start_a_value_held(void)
{
	reset();
	send_c(1, "user jo");        /* may be an e-mail's local part */
	CHECK_EQ(nout, 0);
	send_c(8, "hn@example.com;");
	CHECK_EQ(nout, 2);
	expect_out("user ****@example.com;");
}

static void
luhn_failure_not_masked(void)
{
	reset();
	send_c(1, "id 4111111111111112;");
	expect_out("id 4111111111111112;");
	CHECK_EQ(stats.ctr[WM_CTR_MASK_REJECTED], 1);
}

static void
fin_flushes_value_at_end(void)
{
	reset();
	feed(&client, &server, 1, WM_TCP_ACK | WM_TCP_FIN, "ssn 123-45-6789", 15);
	CHECK_EQ(nout, 1);
	expect_out("ssn ***-**-6789");
}

static void
bare_fin_follows_held_data(void)
{
	reset();
	send_c(1, "x 4111111111111111");
	CHECK_EQ(nout, 0);
	feed(&client, &server, 19, WM_TCP_ACK | WM_TCP_FIN, "", 0);
	CHECK_EQ(nout, 2);
	CHECK_EQ(wm_pkt_meta(out[0])->pi.payload_len, 18);
	CHECK(wm_pkt_meta(out[1])->pi.tcp_flags & WM_TCP_FIN);
	expect_out("x 411111******1111");
}

static void
rst_flushes_and_closes(void)
{
	reset();
	send_c(1, "x 4111111111111111");
	feed(&client, &server, 19, WM_TCP_RST, "", 0);
	CHECK_EQ(nout, 2);
	CHECK(wm_pkt_meta(out[1])->pi.tcp_flags & WM_TCP_RST);
	CHECK_EQ(flows->nused, 0);
	expect_out("x 411111******1111");
}

static void
rst_out_of_window_ignored(void)
{
	reset();
	send_c(1, "x 4111 1111");
	feed(&client, &server, 5000, WM_TCP_RST, "", 0);
	CHECK_EQ(flows->nused, 1);  /* a blind RST does not end the stream */
	send_c(12, " 1111 1111;");
	expect_out("x 4111 11** **** 1111;");
}

static void
bare_ack_not_held(void)
{
	reset();
	send_c(1, "x 4111");
	feed(&server, &client, 1, WM_TCP_ACK, "", 0);
	CHECK_EQ(nout, 1);
	CHECK_EQ(wm_pkt_meta(out[0])->pi.payload_len, 0);
}

static void
hold_timeout_then_late_match(void)
{
	reset();
	send_c(1, "x 4111 1111 1111");
	CHECK_EQ(nout, 0);
	now += ctx->hold_tsc;
	wm_stream_expire(ctx, now);
	CHECK_EQ(nout, 1);
	CHECK_EQ(stats.ctr[WM_CTR_STREAM_HOLD_TIMEOUT], 1);
	send_c(17, " 1111!");
	CHECK_EQ(stats.ctr[WM_CTR_MASK_LATE], 1);
	CHECK_EQ(stats.ctr[WM_CTR_MASK_VALUES], 1);
}

static void
gap_dropped(void)
{
	reset();
	send_c(1, "hello ");
	send_c(100, "4111111111111111;");
	CHECK_EQ(stats.ctr[WM_CTR_DROP_GAP], 1);
	expect_out("hello ");
}

static void
retransmission_dropped(void)
{
	reset();
	send_c(1, "card 4111111111111111;");
	send_c(1, "card 4111111111111112;");  /* same range, other bytes */
	CHECK_EQ(stats.ctr[WM_CTR_DROP_RETRANS], 1);
	CHECK_EQ(nout, 1);
	expect_out("card 411111******1111;");
}

static void
overlap_dropped(void)
{
	reset();
	send_c(1, "abcd ");
	send_c(3, "cd 4111111111111111;");
	CHECK_EQ(stats.ctr[WM_CTR_DROP_OVERLAP], 1);
	expect_out("abcd ");
}

static void
midstream_pickup(void)
{
	reset();
	send_c(777777, "ssn=123-45-6789&");
	CHECK_EQ(stats.ctr[WM_CTR_STREAM_MIDSTREAM], 1);
	expect_out("ssn=***-**-6789&");
}

static void
syn_sets_sequence(void)
{
	reset();
	feed(&client, &server, 999, WM_TCP_SYN, "", 0);
	send_c(1000, "a@b.co ");
	CHECK_EQ(stats.ctr[WM_CTR_STREAM_MIDSTREAM], 0);
	expect_out("*@b.co ");
}

static void
sequence_wraparound(void)
{
	reset();
	feed(&client, &server, 0xfffffff0u, WM_TCP_SYN, "", 0);
	send_c(0xfffffff1u, "pan 4111 111");  /* 12 bytes: crosses 2^32 */
	send_c(0xfffffff1u + 12, "1 1111 1111;");
	CHECK_EQ(stats.ctr[WM_CTR_DROP_GAP] + stats.ctr[WM_CTR_DROP_RETRANS], 0);
	expect_out("pan 4111 11** **** 1111;");
}

static void
multi_segment_mbuf(void)
{
	const char *s = "{\"e\":\"jane.roe@example.org\",\"c\":\"3782 822463 10005\"}";
	uint8_t f[512];
	uint32_t len = tcp4_build(f, &client, &server, 1, WM_TCP_ACK, s,
				  (uint32_t)strlen(s));

	reset();
	/* Split inside the values, at an odd offset. */
	feed_mbuf(mbuf_from(f, len, 54 + 13));
	expect_out("{\"e\":\"****.***@example.org\",\"c\":\"3782 82**** *0005\"}");
}

static void
vxlan_outer_udp_checksum(void)
{
	const char *s = "to: a.b@c.io; card 4111-1111-1111-1111;";
	uint8_t f[512];

	reset();
	feed_mbuf(mbuf_from(f, vxlan_build(f, 1, WM_TCP_ACK, s,
					   (uint32_t)strlen(s)), 0));
	expect_out("to: *.*@c.io; card 4111-11**-****-1111;");
	CHECK(wm_pkt_meta(out[0])->pi.vxlan);
}

static void
both_directions_one_flow(void)
{
	char got[256];

	reset();
	send_c(1, "GET /?ssn=123-45-6789;");
	feed(&server, &client, 1, WM_TCP_ACK, "mail: x@y.com\r\n", 15);
	CHECK_EQ(flows->nused, 1);
	stream_out(server.port, got, sizeof(got));
	CHECK(strcmp(got, "mail: *@y.com\r\n") == 0);
	expect_out("GET /?ssn=***-**-6789;");
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=error" };
	char err[512];

	if (rte_eal_init((int)WM_ARRAY_SIZE(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("t", 8191, 0,
		RTE_ALIGN_CEIL(sizeof(struct wm_pkt_meta), RTE_MBUF_PRIV_ALIGN),
		2048 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	cfg = wm_config_load_string(test_cfg, "test", err, sizeof(err));
	if (pool == NULL || cfg == NULL) {
		fprintf(stderr, "setup: %s\n", cfg == NULL ? err : "no pool");
		return 1;
	}
	segs = wm_segments_create(cfg, err, sizeof(err));
	if (segs == NULL || hs_clone_scratch(segs->scratch, &scratch) != HS_SUCCESS) {
		fprintf(stderr, "segments: %s\n", err);
		return 1;
	}
	ctx = rte_zmalloc(NULL, sizeof(*ctx), 64);
	flows = wm_flow_table_create(64);
	wm_stream_ctx_init(ctx, scratch, &stats, 1000, collect, NULL);

	RUN(value_in_one_segment);
	RUN(split_across_two_segments);
	RUN(one_byte_segments);
	RUN(no_value_passes_unchanged_at_once);
	RUN(tail_that_may_start_a_value_held);
	RUN(luhn_failure_not_masked);
	RUN(fin_flushes_value_at_end);
	RUN(bare_fin_follows_held_data);
	RUN(rst_flushes_and_closes);
	RUN(rst_out_of_window_ignored);
	RUN(bare_ack_not_held);
	RUN(hold_timeout_then_late_match);
	RUN(gap_dropped);
	RUN(retransmission_dropped);
	RUN(overlap_dropped);
	RUN(midstream_pickup);
	RUN(syn_sets_sequence);
	RUN(sequence_wraparound);
	RUN(multi_segment_mbuf);
	RUN(vxlan_outer_udp_checksum);
	RUN(both_directions_one_flow);
	reset();
	TEST_END();
}
