/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments as zones at the lib/acl and lib/segment APIs, under a
 * no-hugepage EAL: rte_acl verdicts (first matching rule wins, by
 * priority; no match: the segment's default), overlapping prefixes,
 * IPv6, port ranges, protocols, the segment as a field, the initiator's
 * direction, VXLAN inner tuples parsed from real frames; and segment
 * selection (most specific wins, unknown_segment).
 */
#include <arpa/inet.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "wm_acl.h"
#include "wm_config.h"
#include "wm_pkt.h"
#include "wm_segment.h"
#include "wm_test.h"

#define POL "policies = { p = { card = { operator = \"redact\"; }; }; };\n"

static const char zones_cfg[] = POL
	"segments = {\n"
	" default = { policy = \"p\"; };\n"
	" db = { policy = \"p\"; vlan = [30]; default = \"deny\";\n"
	"  rules = (\n"
	"   { name = \"quarantine\"; action = \"deny\"; src = \"10.1.9.0/24\"; },\n"
	"   { name = \"app\"; action = \"allow\"; proto = \"tcp\";\n"
	"     src = \"10.1.0.0/16\"; dst = \"10.2.0.5\"; dport = 5432; },\n"
	"   { name = \"app6\"; action = \"allow\"; proto = \"tcp\";\n"
	"     src = \"2001:db8:1::/48\"; dst = \"2001:db8:2::/64\"; dport = [5432, 5433]; },\n"
	"   { name = \"deny6host\"; action = \"deny\"; src = \"2001:db8:1::66\"; },\n"
	"   { name = \"hi\"; action = \"allow\"; proto = \"tcp\";\n"
	"     sport = [1024, 65535]; dport = [8000, 8099]; },\n"
	"   { name = \"dns\"; action = \"allow\"; proto = \"udp\"; dport = 53; }\n"
	"  );\n };\n"
	" open = { policy = \"p\"; vlan = [31];\n"
	"  rules = ( { name = \"no-ssh\"; action = \"deny\"; proto = \"tcp\"; dport = 22; } );\n };\n"
	" ov = { policy = \"p\"; default = \"deny\"; shadow = true;\n"
	"  select = ( { vni = 5002; inner_vlan = 7; } );\n"
	"  rules = ( { name = \"inner\"; action = \"allow\"; proto = \"tcp\";\n"
	"    src = \"192.168.7.0/24\"; dport = 80; } );\n };\n"
	" qq = { policy = \"p\"; select = ( { port = 0; vlan = 10; inner_vlan = 20; } ); };\n"
	" p1 = { policy = \"p\"; select = ( { port = 1; } ); };\n"
	" v20 = { policy = \"p\"; vlan = [20]; };\n"
	" quar = { policy = \"p\"; default = \"deny\"; };\n"
	"};\n"
	"unknown_segment = \"quar\";\n";

static struct wm_config *cfg;
static struct wm_acl *acl;

enum { SEG_DEFAULT, SEG_DB, SEG_OPEN, SEG_OV, SEG_QQ, SEG_P1, SEG_V20, SEG_QUAR };

/* A parse result with the fields lib/acl reads. */
static struct wm_pkt_info
tuple(const char *src, const char *dst, uint8_t proto, uint16_t sport,
      uint16_t dport)
{
	struct wm_pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	if (strchr(src, ':') != NULL) {
		pi.ip_version = 6;
		inet_pton(AF_INET6, src, pi.saddr);
		inet_pton(AF_INET6, dst, pi.daddr);
	} else {
		pi.ip_version = 4;
		inet_pton(AF_INET, src, pi.saddr);
		inet_pton(AF_INET, dst, pi.daddr);
	}
	pi.l4_proto = proto;
	pi.sport = sport;
	pi.dport = dport;
	return pi;
}

static uint16_t
judge(const struct wm_pkt_info *pi, uint8_t seg, bool reverse)
{
	struct wm_acl_key key;
	const struct wm_acl_key *kp = &key;
	uint16_t v = 0;

	wm_acl_key_make(pi, seg, reverse, &key);
	wm_acl_classify(acl, &kp, 1, &v);
	return v;
}

/* The rule (or "default") that decided, and whether it allowed. */
static bool
decided(uint16_t v, bool allow, const char *rule, uint8_t seg)
{
	unsigned int id;

	if (v == 0 || wm_acl_allowed(v) != allow)
		return false;
	id = wm_acl_counter(v);
	if (strcmp(rule, "default") == 0)
		return id == WM_STATS_ZONE_RULES + (unsigned int)seg;
	return id < cfg->nzone_rules && strcmp(cfg->zone_rules[id].name, rule) == 0 &&
	       cfg->zone_rules[id].segment == seg;
}

struct acl_case {
	const char *name;
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t seg;
	bool allow;
	const char *rule;
};

static const struct acl_case acl_cases[] = {
	{ "allowed_by_exact_rule", "10.1.2.3", "10.2.0.5", 6, 40000, 5432, SEG_DB, true, "app" },
	{ "overlapping_prefix_first_wins", "10.1.9.7", "10.2.0.5", 6, 40000, 5432, SEG_DB, false, "quarantine" },
	{ "overlap_edge_below", "10.1.8.255", "10.2.0.5", 6, 40000, 5432, SEG_DB, true, "app" },
	{ "overlap_edge_above", "10.1.10.0", "10.2.0.5", 6, 40000, 5432, SEG_DB, true, "app" },
	{ "quarantine_any_proto", "10.1.9.1", "8.8.8.8", 17, 5000, 53, SEG_DB, false, "quarantine" },
	{ "wrong_dst_host_default_deny", "10.1.2.3", "10.2.0.6", 6, 40000, 5432, SEG_DB, false, "default" },
	{ "wrong_proto_default_deny", "10.1.2.3", "10.2.0.5", 17, 40000, 5432, SEG_DB, false, "default" },
	{ "outside_src_prefix", "10.3.2.3", "10.2.0.5", 6, 40000, 5432, SEG_DB, false, "default" },
	{ "ipv6_allowed", "2001:db8:1::10", "2001:db8:2::5", 6, 40000, 5433, SEG_DB, true, "app6" },
	{ "ipv6_port_beyond_range", "2001:db8:1::10", "2001:db8:2::5", 6, 40000, 5434, SEG_DB, false, "default" },
	{ "ipv6_dst_outside_64", "2001:db8:1::10", "2001:db8:2:1::5", 6, 40000, 5432, SEG_DB, false, "default" },
	{ "ipv6_host_after_prefix_rule", "2001:db8:1::66", "2001:db8:2::5", 6, 40000, 5432, SEG_DB, true, "app6" },
	{ "ipv6_host_rule_elsewhere", "2001:db8:1::66", "2001:db8:9::5", 6, 40000, 22, SEG_DB, false, "deny6host" },
	{ "port_range_low_edge", "10.5.0.1", "10.6.0.1", 6, 1024, 8000, SEG_DB, true, "hi" },
	{ "port_range_high_edge", "10.5.0.1", "10.6.0.1", 6, 65535, 8099, SEG_DB, true, "hi" },
	{ "sport_below_range", "10.5.0.1", "10.6.0.1", 6, 1023, 8000, SEG_DB, false, "default" },
	{ "dport_above_range", "10.5.0.1", "10.6.0.1", 6, 40000, 8100, SEG_DB, false, "default" },
	{ "udp_rule", "10.5.0.1", "10.6.0.1", 17, 40000, 53, SEG_DB, true, "dns" },
	{ "udp_rule_not_tcp", "10.5.0.1", "10.6.0.1", 6, 40000, 53, SEG_DB, false, "default" },
	{ "icmp_no_ports_default", "10.5.0.1", "10.6.0.1", 1, 0, 0, SEG_DB, false, "default" },
	/* the segment is a field: the same tuple elsewhere */
	{ "other_segment_default_allow", "10.1.9.7", "10.2.0.5", 6, 40000, 5432, SEG_OPEN, true, "default" },
	{ "other_segment_own_rule", "10.1.2.3", "10.2.0.5", 6, 40000, 22, SEG_OPEN, false, "no-ssh" },
	{ "segment_without_rules", "10.1.2.3", "10.2.0.5", 6, 40000, 22, SEG_DEFAULT, true, "default" },
};

static void
acl_verdicts(void)
{
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(acl_cases); i++) {
		const struct acl_case *c = &acl_cases[i];
		struct wm_pkt_info pi = tuple(c->src, c->dst, c->proto, c->sport,
					      c->dport);
		uint16_t v = judge(&pi, c->seg, false);
		bool ok = decided(v, c->allow, c->rule, c->seg);

		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  case %s: verdict 0x%04x\n", c->name, v);
	}
}

/* A burst of mixed families gives what one-by-one lookups give. */
static void
acl_burst_mixed_families(void)
{
	struct wm_acl_key keys[WM_ARRAY_SIZE(acl_cases)];
	const struct wm_acl_key *kp[WM_ARRAY_SIZE(acl_cases)];
	uint16_t v[WM_ARRAY_SIZE(acl_cases)];
	unsigned int n = WM_ARRAY_SIZE(acl_cases);

	for (unsigned int i = 0; i < n; i++) {
		const struct acl_case *c = &acl_cases[i];
		struct wm_pkt_info pi = tuple(c->src, c->dst, c->proto, c->sport,
					      c->dport);

		wm_acl_key_make(&pi, c->seg, false, &keys[i]);
		kp[i] = &keys[i];
	}
	wm_acl_classify(acl, kp, n, v);
	for (unsigned int i = 0; i < n; i++)
		CHECK(decided(v[i], acl_cases[i].allow, acl_cases[i].rule,
			      acl_cases[i].seg));
}

/* A reply (SYN-ACK seen first) is judged in the initiator's direction. */
static void
acl_reply_direction(void)
{
	struct wm_pkt_info reply = tuple("10.2.0.5", "10.1.2.3", 6, 5432, 40000);

	CHECK(decided(judge(&reply, SEG_DB, true), true, "app", SEG_DB));
	CHECK(decided(judge(&reply, SEG_DB, false), false, "default", SEG_DB));
}

static void
acl_active_and_shadow(void)
{
	CHECK(wm_acl_active(acl, SEG_DB));
	CHECK(wm_acl_active(acl, SEG_OPEN));
	CHECK(wm_acl_active(acl, SEG_OV));
	CHECK(wm_acl_active(acl, SEG_QUAR));
	CHECK(!wm_acl_active(acl, SEG_DEFAULT));
	CHECK(!wm_acl_active(acl, SEG_QQ));
	CHECK(acl->shadow[SEG_OV]);
	CHECK(!acl->shadow[SEG_DB]);
}

/* Ethernet / IPv4 / UDP 4789 / VXLAN / Ethernet / 802.1Q / IPv4 / TCP. */
static size_t
vxlan_frame(uint8_t *f, uint32_t vni, uint16_t ivlan, const char *isrc,
	    const char *idst, uint16_t sport, uint16_t dport)
{
	size_t o = 0;

	memset(f, 0, 200);
	f[12] = 0x08; o = 14;                           /* outer IPv4 */
	f[o] = 0x45; f[o + 2] = 0; f[o + 3] = 20 + 8 + 8 + 18 + 20 + 20;
	f[o + 8] = 64; f[o + 9] = 17;
	inet_pton(AF_INET, "172.16.0.1", f + o + 12);
	inet_pton(AF_INET, "172.16.0.2", f + o + 16);
	o += 20;                                        /* UDP */
	f[o + 0] = 0xc0; f[o + 2] = 0x12; f[o + 3] = 0xb5;
	f[o + 5] = 8 + 8 + 18 + 20 + 20;
	o += 8;                                         /* VXLAN */
	f[o] = 0x08;
	f[o + 4] = (uint8_t)(vni >> 16); f[o + 5] = (uint8_t)(vni >> 8);
	f[o + 6] = (uint8_t)vni;
	o += 8;                                         /* inner Ethernet */
	f[o + 12] = 0x81; f[o + 13] = 0x00;
	f[o + 14] = (uint8_t)(ivlan >> 8); f[o + 15] = (uint8_t)ivlan;
	f[o + 16] = 0x08; f[o + 17] = 0x00;
	o += 18;                                        /* inner IPv4 */
	f[o] = 0x45; f[o + 3] = 40; f[o + 8] = 64; f[o + 9] = 6;
	inet_pton(AF_INET, isrc, f + o + 12);
	inet_pton(AF_INET, idst, f + o + 16);
	o += 20;                                        /* TCP SYN */
	f[o] = (uint8_t)(sport >> 8); f[o + 1] = (uint8_t)sport;
	f[o + 2] = (uint8_t)(dport >> 8); f[o + 3] = (uint8_t)dport;
	f[o + 12] = 0x50; f[o + 13] = WM_TCP_SYN;
	return o + 20;
}

/* VXLAN: the segment from VNI + inner VLAN, the verdict from the inner tuple. */
static void
vxlan_inner_tuple(void)
{
	struct wm_segments *segs;
	struct wm_pkt_info pi;
	uint8_t f[200];
	char err[256];
	size_t n;

	segs = wm_segments_create(cfg, err, sizeof(err));
	CHECK(segs != NULL);
	if (segs == NULL)
		return;
	n = vxlan_frame(f, 5002, 7, "192.168.7.10", "192.168.8.20", 40000, 80);
	CHECK_EQ(wm_pkt_parse(f, (uint32_t)n, (uint32_t)n, 4789, &pi), WM_PKT_TCP);
	CHECK(pi.vxlan && pi.ninner_vlan == 1 && pi.inner_vlan == 7);
	CHECK_EQ(wm_segment_lookup(segs, &pi, 0), SEG_OV);
	CHECK(decided(judge(&pi, SEG_OV, false), true, "inner", SEG_OV));
	/* the outer tuple (172.16/UDP 4789) would match no rule */
	n = vxlan_frame(f, 5002, 7, "192.168.9.10", "192.168.8.20", 40000, 80);
	wm_pkt_parse(f, (uint32_t)n, (uint32_t)n, 4789, &pi);
	CHECK(decided(judge(&pi, SEG_OV, false), false, "default", SEG_OV));
	/* another inner VLAN: no segment claims it */
	n = vxlan_frame(f, 5002, 8, "192.168.7.10", "192.168.8.20", 40000, 80);
	wm_pkt_parse(f, (uint32_t)n, (uint32_t)n, 4789, &pi);
	CHECK_EQ(wm_segment_lookup(segs, &pi, 0), SEG_QUAR);
	/* the shadow segment's policy only alerts and never holds */
	CHECK(wm_segment_policy(segs, SEG_OV)->shadow);
	CHECK_EQ(wm_segment_policy(segs, SEG_OV)->conf->rules[0].mask.op,
		 WM_MASK_ALERT);
	CHECK(!wm_segment_policy(segs, SEG_DB)->shadow);
	wm_segments_free(segs);
}

/* Selection: most specific wins, untagged is default's, unknown by policy. */
static void
segment_selection(void)
{
	struct wm_segments *segs;
	struct wm_pkt_info pi;
	char err[256];

	segs = wm_segments_create(cfg, err, sizeof(err));
	CHECK(segs != NULL);
	if (segs == NULL)
		return;
	memset(&pi, 0, sizeof(pi));
	CHECK_EQ(wm_segment_lookup(segs, &pi, 0), SEG_DEFAULT);
	CHECK_EQ(wm_segment_lookup(segs, &pi, 1), SEG_P1);      /* port only */
	pi.nvlan = 2;
	pi.vlan[0] = 10;
	pi.vlan[1] = 20;
	/* port+vlan+inner beats the vlan = [20] list (innermost tag) */
	CHECK_EQ(wm_segment_lookup(segs, &pi, 0), SEG_QQ);
	/* on port 1 the three-field selector fails: the list, then port */
	CHECK_EQ(wm_segment_lookup(segs, &pi, 1), SEG_V20);
	pi.vlan[1] = 21;
	CHECK_EQ(wm_segment_lookup(segs, &pi, 1), SEG_P1);
	CHECK_EQ(wm_segment_lookup(segs, &pi, 0), SEG_QUAR);    /* unknown */
	pi.nvlan = 1;
	pi.vlan[0] = 30;
	CHECK_EQ(wm_segment_lookup(segs, &pi, 0), SEG_DB);
	wm_segments_free(segs);
}

static void
unknown_drop_and_pass(void)
{
	static const char *const tail[] = { "\"drop\"", "\"pass\"" };
	char text[512], err[WM_CONFIG_ERR_LEN];
	struct wm_pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	for (unsigned int i = 0; i < 2; i++) {
		struct wm_config *c;
		struct wm_segments *segs;

		snprintf(text, sizeof(text), POL
			 "segments = { default = { policy = \"p\"; };\n"
			 " s = { policy = \"p\"; vlan = [5]; }; };\n"
			 "unknown_segment = %s;\n", tail[i]);
		c = wm_config_load_string(text, "u.cfg", err, sizeof(err));
		segs = c != NULL ? wm_segments_create(c, err, sizeof(err)) : NULL;
		CHECK(segs != NULL);
		if (segs == NULL) {
			wm_config_free(c);
			continue;
		}
		pi.nvlan = 1;
		pi.vlan[0] = 6;
		CHECK_EQ(wm_segment_lookup(segs, &pi, 0),
			 i == 0 ? WM_SEGMENT_DROP : WM_SEGMENT_PASS);
		pi.vlan[0] = 5;
		CHECK_EQ(wm_segment_lookup(segs, &pi, 0), 1);
		pi.nvlan = 0;
		CHECK_EQ(wm_segment_lookup(segs, &pi, 0), 0);
		wm_segments_free(segs);
		wm_config_free(c);
	}
}

/* A reload builds another one next to the first (names stay unique). */
static void
acl_rebuilt_alongside(void)
{
	char err[256];
	struct wm_acl *again = wm_acl_create(cfg, SOCKET_ID_ANY, err, sizeof(err));
	struct wm_pkt_info pi = tuple("10.1.9.7", "10.2.0.5", 6, 40000, 5432);
	struct wm_acl *old = acl;

	CHECK(again != NULL);
	if (again == NULL)
		return;
	acl = again;
	CHECK(decided(judge(&pi, SEG_DB, false), false, "quarantine", SEG_DB));
	acl = old;
	wm_acl_free(again);
}

/*
 * WM_ACL_BENCH=1: what one lookup costs, alone and in bursts of 32 (a
 * figure for the README, not a test: timings here are noisy).
 */
static void
acl_bench(void)
{
	enum { N = 32, ROUNDS = 200000 };
	struct wm_acl_key keys[N];
	const struct wm_acl_key *kp[N];
	uint16_t v[N];
	uint64_t t0, t1, t2, sink = 0;

	for (unsigned int i = 0; i < N; i++) {
		const struct acl_case *c = &acl_cases[i % WM_ARRAY_SIZE(acl_cases)];
		struct wm_pkt_info pi = tuple(c->src, c->dst, c->proto, c->sport,
					      c->dport);

		wm_acl_key_make(&pi, c->seg, false, &keys[i]);
		kp[i] = &keys[i];
	}
	t0 = rte_rdtsc();
	for (unsigned int r = 0; r < ROUNDS; r++) {
		wm_acl_classify(acl, kp, N, v);
		sink += v[r % N];
	}
	t1 = rte_rdtsc();
	for (unsigned int r = 0; r < ROUNDS * N; r++) {
		wm_acl_classify(acl, &kp[r % N], 1, v);
		sink += v[0];
	}
	t2 = rte_rdtsc();
	printf("acl lookup: %.1f cycles/key in bursts of %d, %.1f cycles alone "
	       "(%u rules, both families; sink %llu)\n",
	       (double)(t1 - t0) / (ROUNDS * N), N,
	       (double)(t2 - t1) / (ROUNDS * N), cfg->nzone_rules,
	       (unsigned long long)(sink & 1));
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "128", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=error" };
	char err[WM_CONFIG_ERR_LEN];

	(void)argc;
	if (rte_eal_init((int)WM_ARRAY_SIZE(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	cfg = wm_config_load_string(zones_cfg, "zones.cfg", err, sizeof(err));
	acl = cfg != NULL ? wm_acl_create(cfg, SOCKET_ID_ANY, err, sizeof(err)) :
			    NULL;
	if (acl == NULL) {
		fprintf(stderr, "setup failed: %s\n", err);
		return 1;
	}
	RUN(acl_verdicts);
	RUN(acl_burst_mixed_families);
	RUN(acl_reply_direction);
	RUN(acl_active_and_shadow);
	RUN(vxlan_inner_tuple);
	RUN(segment_selection);
	RUN(unknown_drop_and_pass);
	RUN(acl_rebuilt_alongside);
	if (getenv("WM_ACL_BENCH") != NULL)
		acl_bench();
	wm_acl_free(acl);
	wm_config_free(cfg);
	rte_eal_cleanup();
	TEST_END();
}
