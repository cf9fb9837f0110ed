/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader: the reference configs load with the expected values,
 * every malformed file is rejected with FILE:LINE and the setting's
 * dotted name, omitted keys take their defaults, segments map VLANs and
 * VNIs. Runs from tests/ (meson workdir), so configs are in ../configs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wm_config.h"
#include "wm_test.h"

#define CONFIGS "../configs/"

/* Smallest valid tail: one policy, the default segment. */
#define TAIL \
	"policies = { p = { card = { operator = \"redact\"; }; }; };\n" \
	"segments = { default = { policy = \"p\"; }; };\n"

static const struct wm_rule *
find_rule(const struct wm_policy_conf *pol, const char *detector)
{
	unsigned int i;

	for (i = 0; i < pol->nrules; i++)
		if (strcmp(pol->rules[i].detector->name, detector) == 0)
			return &pol->rules[i];
	return NULL;
}

static int
find_segment(const struct wm_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->nsegments; i++)
		if (strcmp(cfg->segments[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
find_policy(const struct wm_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->npolicies; i++)
		if (strcmp(cfg->policies[i].name, name) == 0)
			return (int)i;
	return -1;
}

static struct wm_config *
load_ok(const char *text)
{
	char err[512];
	struct wm_config *cfg;

	cfg = wm_config_load_string(text, "t.cfg", err, sizeof(err));
	if (cfg == NULL)
		fprintf(stderr, "  unexpected error: %s\n", err);
	CHECK(cfg != NULL);
	return cfg;
}

/* wm_config_dump() output in a malloc'd string. */
static char *
dump(const struct wm_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	wm_config_dump(cfg, f);
	fclose(f);
	return buf;
}

static void
check_all_vlans_unmapped(const struct wm_config *cfg)
{
	unsigned int v, mapped = 0;

	for (v = 0; v < WM_VLAN_COUNT; v++)
		mapped += cfg->vlan_segment[v] != WM_SEGMENT_NONE;
	CHECK_EQ(mapped, 0);
}

static void
check_default_values(const struct wm_config *cfg)
{
	CHECK_EQ(cfg->workers, 0);
	CHECK_EQ(cfg->hold_timeout_us, 200000);
	CHECK_EQ(cfg->hold_min_us, 1000);
	CHECK_EQ(cfg->flow_table_size, 65536);
	CHECK_EQ(cfg->flow_timeout_s, 120);
	CHECK_EQ(cfg->vxlan_port, 4789);
	CHECK_EQ(cfg->ports.npairs, 0);
	CHECK_EQ(cfg->ports.rx_desc, 1024);
	CHECK_EQ(cfg->ports.tx_desc, 1024);
	CHECK_EQ(cfg->ports.mbufs, 16383);
	CHECK_EQ(cfg->ports.mbuf_size, 10240);
	CHECK(cfg->ports.promiscuous);
	CHECK(cfg->ports.link_propagation);
	CHECK_EQ(cfg->fail.malformed, WM_FAIL_FORWARD);
	CHECK_EQ(cfg->fail.bad_tcp, WM_FAIL_DROP);
	CHECK_EQ(cfg->fail.ip_fragment, WM_FAIL_REASSEMBLE);
	CHECK_EQ(cfg->fail.flow_table_full, WM_FAIL_DROP);
	CHECK_EQ(cfg->fail.ooo_full, WM_FAIL_DROP);
	CHECK_EQ(cfg->fail.memcap, WM_FAIL_DROP);
	CHECK_EQ(cfg->fail.hold_timeout, WM_FAIL_MASK);
	CHECK_EQ(cfg->fail.gap, WM_FAIL_SKIP);
	CHECK_EQ(cfg->fail.frag_table_full, WM_FAIL_DROP);
	CHECK_EQ(cfg->flow_timeout_syn_s, 30);
	CHECK_EQ(cfg->flow_timeout_closed_s, 10);
	CHECK_EQ(cfg->reasm.ooo_segments, 64);
	CHECK_EQ(cfg->reasm.ooo_bytes, 262144);
	CHECK_EQ(cfg->reasm.retain_bytes, 1048576);
	CHECK_EQ(cfg->reasm.gap_timeout_ms, 1000);
	CHECK_EQ(cfg->reasm.frag_flows, 4096);
}

static void
default_cfg_loads(void)
{
	char err[512] = "";
	struct wm_config *cfg;
	const struct wm_rule *r;
	char *text;

	cfg = wm_config_load(CONFIGS "default.cfg", err, sizeof(err));
	if (cfg == NULL)
		fprintf(stderr, "  %s\n", err);
	CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	check_default_values(cfg);
	CHECK_EQ(cfg->npolicies, 1);
	CHECK(strcmp(cfg->policies[0].name, "default") == 0);
	CHECK_EQ(cfg->policies[0].nrules, 3);

	r = find_rule(&cfg->policies[0], "card");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_EQ(r->mask.op, WM_MASK_PARTIAL);
		CHECK_EQ(r->mask.keep_first, 6);
		CHECK_EQ(r->mask.keep_last, 4);
		CHECK_EQ(r->mask.fill, '*');
		CHECK(!r->mask.keep_domain);
	}
	r = find_rule(&cfg->policies[0], "ssn");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_EQ(r->mask.op, WM_MASK_PARTIAL);
		CHECK_EQ(r->mask.keep_first, 0);
		CHECK_EQ(r->mask.keep_last, 4);
		CHECK_EQ(r->mask.fill, '*');
	}
	r = find_rule(&cfg->policies[0], "email");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_EQ(r->mask.op, WM_MASK_REDACT);
		CHECK_EQ(r->mask.fill, '*');
		CHECK(r->mask.keep_domain);
	}

	CHECK_EQ(cfg->nsegments, 1);
	CHECK(strcmp(cfg->segments[0].name, "default") == 0);
	CHECK_EQ(cfg->segments[0].policy, 0);
	CHECK_EQ(cfg->nvnis, 0);
	check_all_vlans_unmapped(cfg);
	CHECK(strcmp(cfg->path, CONFIGS "default.cfg") == 0);

	text = dump(cfg);
	CHECK(strstr(text, "\nworkers = 0\n") != NULL);
	CHECK(strstr(text, "\nports.mbuf_size = 10240\n") != NULL);
	CHECK(strstr(text, "\nfail.malformed = \"forward\"\n") != NULL);
	CHECK(strstr(text, "\npolicies.default.card.keep_first = 6\n") != NULL);
	CHECK(strstr(text, "\npolicies.default.email.keep_domain = true\n") !=
	      NULL);
	/* keep_first/keep_last are not in effect with redact */
	CHECK(strstr(text, "policies.default.email.keep_first") == NULL);
	CHECK(strstr(text, "\nsegments.default.policy = \"default\"\n") != NULL);
	free(text);
	wm_config_free(cfg);
}

static void
example_segments_cfg_loads(void)
{
	char err[512] = "";
	struct wm_config *cfg;
	int pay, bak;
	char *text;

	cfg = wm_config_load(CONFIGS "examples/segments.cfg", err, sizeof(err));
	if (cfg == NULL)
		fprintf(stderr, "  %s\n", err);
	CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->npolicies, 3);
	CHECK_EQ(cfg->nsegments, 3);
	CHECK(strcmp(cfg->segments[0].name, "default") == 0);
	pay = find_segment(cfg, "payments");
	bak = find_segment(cfg, "backup");
	CHECK(pay > 0 && bak > 0);
	CHECK_EQ(cfg->segments[pay].policy, find_policy(cfg, "cards-only"));
	CHECK_EQ(cfg->segments[bak].policy, find_policy(cfg, "passthrough"));
	CHECK_EQ(cfg->vlan_segment[100], pay);
	CHECK_EQ(cfg->vlan_segment[200], pay);
	CHECK_EQ(cfg->vlan_segment[104], WM_SEGMENT_NONE);
	CHECK_EQ(cfg->nvnis, 2);
	CHECK_EQ(cfg->vnis[0].vni, 5001);
	CHECK_EQ(cfg->vnis[0].segment, bak);

	text = dump(cfg);
	CHECK(strstr(text, "\nsegments.payments.vlan = 100-103, 200\n") != NULL);
	CHECK(strstr(text, "\nsegments.backup.vni = 5001-5002\n") != NULL);
	CHECK(strstr(text, "\npolicies.passthrough = { }\n") != NULL);
	free(text);
	wm_config_free(cfg);
}

/*
 * Rejected files: each case names the edge case, the text and the
 * substrings the message must hold (location first, then the reason).
 */
struct bad_case {
	const char *name;
	const char *text;
	const char *where;
	const char *why;
};

#define DEMO_KEY "keys = { demo = \"../configs/examples/keys/demo.key\"; };\n"
#define SEGS "segments = { default = { policy = \"p\"; }; };\n"

static const struct bad_case bad_cases[] = {
	{ "token_without_key",
	  "policies = {\n p = {\n  ssn = { operator = \"token\"; };\n };\n};\n" SEGS,
	  "t.cfg:3: policies.p.ssn.key: ", "operator token needs a key" },
	{ "unknown_key_id",
	  DEMO_KEY "policies = {\n p = {\n  ssn = { operator = \"fpe\";\n"
	  "   key = \"prod\"; };\n };\n};\n" SEGS,
	  "t.cfg:5: policies.p.ssn.key: ", "unknown key \"prod\"" },
	{ "fpe_domain_below_a_million",
	  DEMO_KEY "policies = {\n p = {\n  ipv6 = { operator = \"fpe\";\n"
	  "   key = \"demo\"; radix = 10; };\n };\n};\n" SEGS,
	  "t.cfg:5: policies.p.ipv6.radix: ", "FF1 domain below 10^6" },
	{ "fpe_radix_not_supported",
	  DEMO_KEY "policies = {\n p = {\n  card = { operator = \"fpe\";\n"
	  "   key = \"demo\"; radix = 16; };\n };\n};\n" SEGS,
	  "t.cfg:5: policies.p.card.radix: ", "want 10, 36 or 62" },
	{ "luhn_with_redact",
	  "policies = {\n p = {\n  card = { operator = \"redact\";\n"
	  "   luhn = true; };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.card.luhn: ", "does not apply to operator redact" },
	{ "custom_regex_not_compilable",
	  "detectors = {\n order = { regex = \"(ab\"; max_len = 10; };\n};\n"
	  "policies = { p = { order = { operator = \"redact\"; }; }; };\n" SEGS,
	  "t.cfg:2: detectors.order: ", "order" },
	{ "custom_max_len_out_of_range",
	  "detectors = {\n order = { regex = \"ORD[0-9]+\"; max_len = 300; };\n};\n" TAIL,
	  "t.cfg:2: detectors.order.max_len: ", "out of range 1..250" },
	{ "custom_shadows_builtin",
	  "detectors = {\n card = { regex = \"x\"; max_len = 3; };\n};\n" TAIL,
	  "t.cfg:2: detectors.card: ", "built-in detector" },
	{ "context_on_a_detector_without_context",
	  "policies = {\n p = {\n  card = { operator = \"redact\";\n"
	  "   context = [\"pan\"]; };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.card.context: ",
	  "context does not apply to detector card" },
	{ "regions_on_ssn",
	  "policies = {\n p = {\n  ssn = { operator = \"redact\";\n"
	  "   regions = [\"US\"]; };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.ssn.regions: ",
	  "regions does not apply to detector ssn" },
	{ "unknown_region",
	  "policies = {\n p = {\n  phone = { operator = \"redact\";\n"
	  "   fill = \"#\"; regions = [\"DE\", \"UK\"]; };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.phone.regions[1]: ", "unknown region \"UK\"" },
	{ "no_region",
	  "policies = {\n p = {\n  phone = { operator = \"redact\";\n"
	  "   fill = \"#\"; regions = []; };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.phone.regions: ", "at least one region" },
	{ "context_word_not_a_word",
	  "policies = {\n p = {\n  ssn = { operator = \"redact\";\n"
	  "   context = [\"ssn\", \"(ssn)\"]; };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.ssn.context[1]: ", "context word 2" },
	{ "protocols_unknown_protocol",
	  "policies = {\n p = {\n  protocols = {\n   ports = { gopher = [70]; };\n"
	  "  };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.protocols.ports.gopher: ", "unknown protocol" },
	{ "protocols_bad_encrypted",
	  "policies = {\n p = {\n  protocols = { encrypted = \"mask\"; };\n"
	  " };\n};\n" SEGS,
	  "t.cfg:3: policies.p.protocols.encrypted: ", "unknown value \"mask\"" },
	{ "protocols_port_pinned_twice",
	  "policies = {\n p = {\n  protocols = {\n   ports = { http = [80];\n"
	  "    smtp = [80]; };\n  };\n };\n};\n" SEGS,
	  "t.cfg:5: policies.p.protocols.ports.smtp[0]: ", "pinned twice" },
	{ "context_not_a_list",
	  "policies = {\n p = {\n  ssn = { operator = \"redact\";\n"
	  "   context = \"ssn\"; };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.ssn.context: ", "a list of strings" },
	{ "context_bytes_out_of_range",
	  "policies = {\n p = {\n  ssn = { operator = \"redact\";\n"
	  "   context_bytes = 33; };\n };\n};\n" SEGS,
	  "t.cfg:4: policies.p.ssn.context_bytes: ", "out of range 0..32" },
	{ "unknown_top_level_key",
	  "workers = 1;\nbogus = 1;\n" TAIL,
	  "t.cfg:2: bogus: ", "unknown setting" },
	{ "unknown_ports_key",
	  "ports = {\n  rx_desc = 512;\n  rx_ring = 512;\n};\n" TAIL,
	  "t.cfg:3: ports.rx_ring: ", "unknown setting" },
	{ "unknown_fail_key",
	  "fail = { overflow = \"drop\"; };\n" TAIL,
	  "t.cfg:1: fail.overflow: ", "unknown setting" },
	{ "workers_string",
	  "workers = \"4\";\n" TAIL,
	  "t.cfg:1: workers: ", "wrong type: expected an integer, got a string" },
	{ "hold_timeout_float",
	  "\nhold_timeout_us = 1000.0;\n" TAIL,
	  "t.cfg:2: hold_timeout_us: ", "expected an integer, got a float" },
	{ "promiscuous_int",
	  "ports = { promiscuous = 1; };\n" TAIL,
	  "t.cfg:1: ports.promiscuous: ", "wrong type" },
	{ "ports_not_group",
	  "ports = 1;\n" TAIL,
	  "t.cfg:1: ports: ", "expected a group" },
	{ "hold_timeout_zero",
	  "hold_timeout_us = 0;\n" TAIL,
	  "t.cfg:1: hold_timeout_us: ", "0 is out of range 1..1000000" },
	{ "workers_65",
	  "workers = 65;\n" TAIL,
	  "t.cfg:1: workers: ", "65 is out of range 0..64" },
	{ "workers_negative",
	  "workers = -1;\n" TAIL,
	  "t.cfg:1: workers: ", "out of range" },
	{ "flow_table_size_int64_too_big",
	  "flow_table_size = 4294967296;\n" TAIL,
	  "t.cfg:1: flow_table_size: ", "beyond 32 bits" },
	{ "mbufs_too_few",
	  "ports = {\n mbufs = 1022;\n};\n" TAIL,
	  "t.cfg:2: ports.mbufs: ", "out of range 1023..1048575" },
	{ "fail_action_unknown",
	  "fail = {\n ip_fragment = \"pass\";\n};\n" TAIL,
	  "t.cfg:2: fail.ip_fragment: ", "unknown action \"pass\"" },
	{ "fail_action_not_allowed_here",
	  "fail = {\n hold_timeout = \"forward\";\n};\n" TAIL,
	  "t.cfg:2: fail.hold_timeout: ",
	  "unknown action \"forward\" (expected \"drop\", \"release\", \"mask\")" },
	{ "reasm_gap_timeout_zero",
	  "reasm = {\n gap_timeout_ms = 0;\n};\n" TAIL,
	  "t.cfg:2: reasm.gap_timeout_ms: ", "out of range" },
	{ "self_pair_port_already_paired",
	  "ports = { pairs = ( [0, 1], [1, 1] ); };\n" TAIL,
	  "t.cfg:1: ports.pairs[1]: ", "port 1 is in two pairs" },
	{ "self_pair_twice",
	  "ports = { pairs = ( [2, 2], [2, 2] ); };\n" TAIL,
	  "t.cfg:1: ports.pairs[1]: ", "port 2 is in two pairs" },
	{ "link_propagation_int",
	  "ports = {\n link_propagation = 0;\n};\n" TAIL,
	  "t.cfg:2: ports.link_propagation: ", "wrong type" },
	{ "link_propagation_string",
	  "ports = { link_propagation = \"off\"; };\n" TAIL,
	  "t.cfg:1: ports.link_propagation: ", "wrong type" },
	{ "port_in_two_pairs",
	  "ports = { pairs = ( [0, 1], [1, 2] ); };\n" TAIL,
	  "t.cfg:1: ports.pairs[1]: ", "port 1 is in two pairs" },
	{ "pair_port_out_of_range",
	  "ports = { pairs = ( [0, 32] ); };\n" TAIL,
	  "t.cfg:1: ports.pairs[0][1]: ", "out of range 0..31" },
	{ "pair_of_three",
	  "ports = { pairs = ( [0, 1, 2] ); };\n" TAIL,
	  "t.cfg:1: ports.pairs[0]: ", "expected a pair" },
	{ "unknown_detector",
	  "policies = {\n p = {\n  passport = { operator = \"redact\"; };\n };\n};\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:3: policies.p.passport: ", "unknown detector \"passport\"" },
	{ "unknown_operator",
	  "policies = {\n p = {\n  card = {\n   operator = \"scramble\";\n"
	  "  };\n };\n};\nsegments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:4: policies.p.card.operator: ", "unknown operator \"scramble\"" },
	{ "missing_operator",
	  "policies = {\n p = {\n  card = { fill = \"#\"; };\n };\n};\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:3: policies.p.card.operator: ", "required setting is missing" },
	{ "fill_two_chars",
	  "policies = {\n p = {\n  card = {\n   operator = \"redact\";\n"
	  "   fill = \"**\";\n  };\n };\n};\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:5: policies.p.card.fill: ", "not one printable ASCII character" },
	{ "fill_space",
	  "policies = { p = { ssn = { operator = \"redact\"; fill = \" \"; }; }; };\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:1: policies.p.ssn.fill: ", "other than space" },
	{ "fill_empty",
	  "policies = { p = { ssn = { operator = \"redact\"; fill = \"\"; }; }; };\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:1: policies.p.ssn.fill: ", "not one printable" },
	{ "keep_first_with_redact",
	  "policies = {\n p = {\n  card = {\n   operator = \"redact\";\n"
	  "   keep_first = 6;\n  };\n };\n};\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:5: policies.p.card.keep_first: ",
	  "keep_first does not apply to operator redact" },
	{ "keep_last_33",
	  "policies = { p = { card = { operator = \"partial\"; keep_last = 33; }; }; };\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:1: policies.p.card.keep_last: ", "out of range 0..32" },
	{ "rule_not_group",
	  "policies = { p = { card = \"redact\"; }; };\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "t.cfg:1: policies.p.card: ", "expected a group" },
	{ "policy_name_too_long",
	  "policies = { abcdefghijklmnopqrstuvwxyz0123456 = { }; };\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "policies.abcdefghijklmnopqrstuvwxyz0123456: ", "longer than 31" },
	{ "segment_unknown_policy",
	  "policies = { p = { }; };\nsegments = {\n default = {\n"
	  "  policy = \"nope\";\n };\n};\n",
	  "t.cfg:4: segments.default.policy: ", "unknown policy \"nope\"" },
	{ "segment_missing_policy",
	  "policies = { p = { }; };\nsegments = {\n default = { policy = \"p\"; };\n"
	  " a = { vlan = [1]; };\n};\n",
	  "t.cfg:4: segments.a.policy: ", "required setting is missing" },
	{ "missing_default_segment",
	  "policies = { p = { }; };\nsegments = {\n a = { policy = \"p\"; vlan = [1]; };\n};\n",
	  "t.cfg:2: segments.default: ", "required segment is missing" },
	{ "missing_segments",
	  "policies = { p = { }; };\n",
	  "t.cfg: segments.default: ", "required segment is missing" },
	{ "default_segment_with_vlan",
	  "policies = { p = { }; };\nsegments = {\n default = {\n  policy = \"p\";\n"
	  "  vlan = [5];\n };\n};\n",
	  "t.cfg:5: segments.default.vlan: ", "cannot list VLANs" },
	{ "vlan_4096",
	  "policies = { p = { }; };\nsegments = {\n default = { policy = \"p\"; };\n"
	  " a = { policy = \"p\"; vlan = [4095, 4096]; };\n};\n",
	  "t.cfg:4: segments.a.vlan[1]: ", "4096 is out of range 0..4095" },
	{ "vlan_string",
	  "policies = { p = { }; };\nsegments = {\n default = { policy = \"p\"; };\n"
	  " a = { policy = \"p\"; vlan = (1, \"2\"); };\n};\n",
	  "t.cfg:4: segments.a.vlan[1]: ", "expected an integer" },
	{ "vni_16777216",
	  "policies = { p = { }; };\nsegments = {\n default = { policy = \"p\"; };\n"
	  " a = { policy = \"p\";\n  vni = [16777216]; };\n};\n",
	  "t.cfg:5: segments.a.vni[0]: ", "16777216 is out of range 0..16777215" },
	{ "vlan_in_two_segments",
	  "policies = { p = { }; };\nsegments = {\n default = { policy = \"p\"; };\n"
	  " a = { policy = \"p\"; vlan = [10, 11]; };\n"
	  " b = { policy = \"p\"; vlan = [12, 11]; };\n};\n",
	  "t.cfg:5: segments.b.vlan[1]: ",
	  "VLAN 11 is claimed by segments \"a\" and \"b\"" },
	{ "vni_in_two_segments",
	  "policies = { p = { }; };\nsegments = {\n default = { policy = \"p\"; };\n"
	  " a = { policy = \"p\"; vni = [7]; };\n"
	  " b = { policy = \"p\"; vni = [7]; };\n};\n",
	  "t.cfg:5: segments.b.vni[0]: ",
	  "VNI 7 is claimed by segments \"a\" and \"b\"" },
	{ "vlan_listed_twice",
	  "policies = { p = { }; };\nsegments = {\n default = { policy = \"p\"; };\n"
	  " a = { policy = \"p\"; vlan = [10, 10]; };\n};\n",
	  "t.cfg:4: segments.a.vlan[1]: ", "VLAN 10 is listed twice" },
	{ "metrics_listen_not_an_address",
	  "metrics = { listen = \"localhost:9469\"; };\n" TAIL,
	  "t.cfg:1: metrics.listen: ", "is not ADDR:PORT" },
	{ "metrics_listen_port_zero",
	  "metrics = {\n listen = \"127.0.0.1:0\"; };\n" TAIL,
	  "t.cfg:2: metrics.listen: ", "is not ADDR:PORT" },
	{ "metrics_listen_missing",
	  "metrics = { };\n" TAIL,
	  "t.cfg:1: metrics.listen: ", "required setting is missing" },
	{ "syntax_error",
	  "workers = 1;\nhold_timeout_us = ;\n" TAIL,
	  "t.cfg:2: syntax error: ", "" },
	{ "duplicate_key",
	  "workers = 1;\nworkers = 2;\n" TAIL,
	  "t.cfg:2: syntax error: ", "duplicate" },
};

static void
bad_configs_rejected(void)
{
	char err[512];
	struct wm_config *cfg;
	unsigned int i;

	for (i = 0; i < WM_ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		bool ok;

		err[0] = '\0';
		errno = 0;
		cfg = wm_config_load_string(c->text, "t.cfg", err, sizeof(err));
		ok = cfg == NULL && errno == EINVAL &&
		     strstr(err, c->where) != NULL &&
		     strstr(err, c->why) != NULL;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  case %s: got \"%s\" (errno %d)\n",
				c->name, err, errno);
		wm_config_free(cfg);
	}
}

static void
missing_file(void)
{
	char err[512] = "";
	struct wm_config *cfg;

	errno = 0;
	cfg = wm_config_load("no/such/dir/x.cfg", err, sizeof(err));
	CHECK(cfg == NULL);
	CHECK_EQ(errno, ENOENT);
	CHECK(strcmp(err, "no/such/dir/x.cfg: cannot open: "
			  "No such file or directory") == 0);
}

static void
directory_instead_of_file(void)
{
	char err[512] = "";

	errno = 0;
	CHECK(wm_config_load(CONFIGS, err, sizeof(err)) == NULL);
	CHECK_EQ(errno, EISDIR);
	CHECK(strstr(err, "cannot open") != NULL);
}

/* Only the mandatory policy and default segment: everything else default. */
static void
omitted_keys_take_defaults(void)
{
	struct wm_config *cfg = load_ok(TAIL);
	const struct wm_rule *r;

	if (cfg == NULL)
		return;
	check_default_values(cfg);
	CHECK_EQ(cfg->npolicies, 1);
	r = find_rule(&cfg->policies[0], "card");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_EQ(r->mask.op, WM_MASK_REDACT);
		CHECK_EQ(r->mask.fill, '*');
		CHECK_EQ(r->mask.keep_first, 0);
		CHECK_EQ(r->mask.keep_last, 0);
		CHECK(!r->mask.keep_domain);
	}
	CHECK_EQ(cfg->nsegments, 1);
	CHECK_EQ(cfg->nvnis, 0);
	check_all_vlans_unmapped(cfg);
	wm_config_free(cfg);
}

/* Empty groups are allowed and mean "all defaults". */
static void
empty_groups_take_defaults(void)
{
	struct wm_config *cfg = load_ok("ports = { };\nfail = { };\n" TAIL);

	if (cfg == NULL)
		return;
	check_default_values(cfg);
	wm_config_free(cfg);
}

static void
bounds_are_inclusive(void)
{
	struct wm_config *cfg;

	cfg = load_ok("workers = 64; hold_timeout_us = 1000000;\n"
		      "flow_table_size = 16777216; flow_timeout_s = 86400;\n"
		      "vxlan_port = 0;\n"
		      "ports = { rx_desc = 16384; tx_desc = 64; mbufs = 1048575;\n"
		      "  mbuf_size = 65535; promiscuous = false; };\n" TAIL);
	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->workers, 64);
	CHECK_EQ(cfg->hold_timeout_us, 1000000);
	CHECK_EQ(cfg->flow_table_size, 16777216);
	CHECK_EQ(cfg->flow_timeout_s, 86400);
	CHECK_EQ(cfg->vxlan_port, 0);
	CHECK_EQ(cfg->ports.rx_desc, 16384);
	CHECK_EQ(cfg->ports.tx_desc, 64);
	CHECK_EQ(cfg->ports.mbufs, 1048575);
	CHECK_EQ(cfg->ports.mbuf_size, 65535);
	CHECK(!cfg->ports.promiscuous);
	wm_config_free(cfg);
}

/* An int64 literal (100L) in range is an integer like any other. */
static void
int64_in_range_accepted(void)
{
	struct wm_config *cfg = load_ok("flow_table_size = 131072L;\n" TAIL);

	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->flow_table_size, 131072);
	wm_config_free(cfg);
}

static void
fail_actions_parsed(void)
{
	struct wm_config *cfg;

	cfg = load_ok("fail = { malformed = \"drop\"; bad_tcp = \"forward\";\n"
		      "  ip_fragment = \"forward\"; };\n" TAIL);
	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->fail.malformed, WM_FAIL_DROP);
	CHECK_EQ(cfg->fail.bad_tcp, WM_FAIL_FORWARD);
	CHECK_EQ(cfg->fail.ip_fragment, WM_FAIL_FORWARD);
	CHECK_EQ(cfg->fail.flow_table_full, WM_FAIL_DROP);
	wm_config_free(cfg);
}

static void
port_pairs_parsed(void)
{
	struct wm_config *cfg;
	char *text;

	cfg = load_ok("ports = { pairs = ( [0, 1], [3, 2], (31, 4) ); };\n" TAIL);
	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->ports.npairs, 3);
	CHECK_EQ(cfg->ports.pairs[1][0], 3);
	CHECK_EQ(cfg->ports.pairs[1][1], 2);
	CHECK_EQ(cfg->ports.pairs[2][0], 31);
	CHECK_EQ(cfg->ports.pairs[2][1], 4);
	text = dump(cfg);
	CHECK(strstr(text, "\nports.pairs = 0<->1, 3<->2, 31<->4\n") != NULL);
	free(text);
	wm_config_free(cfg);
}

/* One-VF mode: a port paired with itself, next to an ordinary pair. */
static void
port_self_pair_parsed(void)
{
	struct wm_config *cfg;
	char *text;

	cfg = load_ok("ports = { pairs = ( [0, 0], [2, 1] );\n"
		      "  link_propagation = false; };\n" TAIL);
	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->ports.npairs, 2);
	CHECK_EQ(cfg->ports.pairs[0][0], 0);
	CHECK_EQ(cfg->ports.pairs[0][1], 0);
	CHECK_EQ(cfg->ports.pairs[1][0], 2);
	CHECK(!cfg->ports.link_propagation);
	text = dump(cfg);
	CHECK(strstr(text, "\nports.pairs = 0<->0, 2<->1\n") != NULL);
	CHECK(strstr(text, "\nports.link_propagation = false\n") != NULL);
	free(text);
	wm_config_free(cfg);
}

/*
 * Policies after segments in the file, "default" listed last: default is
 * still segments[0], the others keep file order, VNIs come out sorted.
 */
static void
segments_mapping_filled(void)
{
	struct wm_config *cfg;
	char *text;

	cfg = load_ok(
		"segments = {\n"
		"  a = { policy = \"q\"; vlan = [1, 2, 3, 5, 7, 8]; };\n"
		"  b = { policy = \"p\"; vni = (900, 16777215, 0, 42); vlan = [4095]; };\n"
		"  c = { policy = \"q\"; vlan = [0]; vni = [43]; };\n"
		"  default = { policy = \"p\"; };\n"
		"};\n"
		"policies = { p = { }; q = { ssn = { operator = \"redact\"; }; }; };\n");
	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->nsegments, 4);
	CHECK(strcmp(cfg->segments[0].name, "default") == 0);
	CHECK(strcmp(cfg->segments[1].name, "a") == 0);
	CHECK(strcmp(cfg->segments[2].name, "b") == 0);
	CHECK(strcmp(cfg->segments[3].name, "c") == 0);
	CHECK_EQ(cfg->segments[0].policy, 0);
	CHECK_EQ(cfg->segments[1].policy, 1);
	CHECK_EQ(cfg->segments[2].policy, 0);

	CHECK_EQ(cfg->vlan_segment[0], 3);
	CHECK_EQ(cfg->vlan_segment[1], 1);
	CHECK_EQ(cfg->vlan_segment[3], 1);
	CHECK_EQ(cfg->vlan_segment[4], WM_SEGMENT_NONE);
	CHECK_EQ(cfg->vlan_segment[8], 1);
	CHECK_EQ(cfg->vlan_segment[9], WM_SEGMENT_NONE);
	CHECK_EQ(cfg->vlan_segment[4095], 2);

	CHECK_EQ(cfg->nvnis, 5);
	CHECK_EQ(cfg->vnis[0].vni, 0);
	CHECK_EQ(cfg->vnis[0].segment, 2);
	CHECK_EQ(cfg->vnis[1].vni, 42);
	CHECK_EQ(cfg->vnis[2].vni, 43);
	CHECK_EQ(cfg->vnis[2].segment, 3);
	CHECK_EQ(cfg->vnis[3].vni, 900);
	CHECK_EQ(cfg->vnis[4].vni, 16777215);

	text = dump(cfg);
	CHECK(strstr(text, "\nsegments.a.vlan = 1-3, 5, 7-8\n") != NULL);
	CHECK(strstr(text, "\nsegments.b.vni = 0, 42, 900, 16777215\n") != NULL);
	CHECK(strstr(text, "\nsegments.b.vlan = 4095\n") != NULL);
	CHECK(strstr(text, "\nsegments.a.policy = \"q\"\n") != NULL);
	CHECK(strstr(text, "segments.default.vlan") == NULL);
	free(text);
	wm_config_free(cfg);
}

/* A separator is kept by every operator: as a fill it would be ambiguous. */
static void
fill_separator_rejected(void)
{
	const struct wm_detector *det = wm_detect_find("card");
	char text[512], err[512] = "";
	const char *sep;

	CHECK(det != NULL);
	if (det == NULL || det->separators == NULL)
		return;
	for (sep = det->separators; *sep != '\0'; sep++)
		if (*sep > 0x20 && *sep < 0x7f && *sep != '"' && *sep != '\\')
			break;
	if (*sep == '\0')
		return; /* only spaces: rejected as such (fill_space) */
	snprintf(text, sizeof(text),
		 "policies = { p = {\n card = { operator = \"redact\"; "
		 "fill = \"%c\"; };\n}; };\n"
		 "segments = { default = { policy = \"p\"; }; };\n", *sep);
	CHECK(wm_config_load_string(text, "t.cfg", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "t.cfg:2: policies.p.card.fill: ") != NULL);
	CHECK(strstr(err, "separator of detector card") != NULL);
}

/* Any printable byte but space may fill, quoted back in the dump. */
static void
fill_quote_dumped_escaped(void)
{
	struct wm_config *cfg;
	char *text;

	cfg = load_ok("policies = { p = { card = { operator = \"redact\";"
		      " fill = \"\\\"\"; }; ssn = { operator = \"redact\";"
		      " fill = \"0\"; }; }; };\n"
		      "segments = { default = { policy = \"p\"; }; };\n");
	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->policies[0].rules[0].mask.fill, '"');
	CHECK_EQ(cfg->policies[0].rules[1].mask.fill, '0');
	text = dump(cfg);
	CHECK(strstr(text, "\npolicies.p.card.fill = \"\\\"\"\n") != NULL);
	free(text);
	wm_config_free(cfg);
}

/* A message that does not fit is cut, still NUL-terminated. */
static void
short_error_buffer(void)
{
	char err[8];

	memset(err, 'z', sizeof(err));
	CHECK(wm_config_load_string("workers = 65;\n" TAIL, "t.cfg", err,
				    sizeof(err)) == NULL);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	CHECK(strcmp(err, "t.cfg:1") == 0);
	CHECK(wm_config_load_string("workers = 65;\n", "t.cfg", NULL, 0) ==
	      NULL);
	CHECK_EQ(errno, EINVAL);
}

/* No metrics group: no endpoint; the group's address is kept as given. */
static void
metrics_listen_parsed(void)
{
	struct wm_config *cfg = load_ok(TAIL);

	CHECK(cfg != NULL && cfg->metrics.listen[0] == '\0');
	wm_config_free(cfg);
	cfg = load_ok("metrics = { listen = \"[::1]:9469\"; };\n" TAIL);
	CHECK(cfg != NULL && strcmp(cfg->metrics.listen, "[::1]:9469") == 0);
	wm_config_free(cfg);
}

static void
free_null(void)
{
	wm_config_free(NULL);
	CHECK(true);
}

static void
key_readable_by_others_refused(void)
{
	char err[512] = "", text[512];
	const char *path = "/tmp/wm-test-open.key";
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", f);
	fclose(f);
	chmod(path, 0644);
	snprintf(text, sizeof(text), "keys = { k = \"%s\"; };\n" TAIL, path);
	CHECK(wm_config_load_string(text, "t.cfg", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "t.cfg:1: keys.k: ") != NULL);
	CHECK(strstr(err, "group or others") != NULL);
	/* Never the key's bytes. */
	CHECK(strstr(err, "000102") == NULL);
	unlink(path);
}

static void
keyed_rules_load(void)
{
	char err[512] = "";
	struct wm_config *cfg = wm_config_load_string(
		DEMO_KEY
		"detectors = { order = { regex = \"ORD-[0-9]{8}\"; max_len = 12;"
		" classes = \"A-Z0-9-\"; validator = \"none\"; }; };\n"
		"events = { path = \"/dev/null\"; fingerprint_key = \"demo\"; };\n"
		"policies = { p = {\n"
		" card = { operator = \"token\"; key = \"demo\"; keep_bin = true;"
		" keep_last4 = true; luhn = true; };\n"
		" ssn = { operator = \"fpe\"; key = \"demo\"; tweak = \"x\"; };\n"
		" email = { operator = \"fpe\"; key = \"demo\"; radix = 36; };\n"
		" order = { operator = \"alert\"; };\n"
		" iban = { operator = \"drop\"; };\n"
		"}; };\n" SEGS, "t.cfg", err, sizeof(err));

	CHECK(cfg != NULL);
	if (cfg == NULL) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_EQ(cfg->nkeys, 1);
	CHECK_EQ(cfg->ncustom, 1);
	CHECK_EQ(cfg->events.fingerprint_key, 1);
	CHECK_EQ(cfg->policies[0].nrules, 5);
	CHECK(cfg->policies[0].rules[0].mask.key == &cfg->keys[0]);
	CHECK(cfg->policies[0].rules[0].mask.luhn);
	CHECK(strcmp(cfg->policies[0].rules[0].mask.tweak, "segment") == 0);
	CHECK(strcmp(cfg->policies[0].rules[1].mask.tweak, "x") == 0);
	CHECK_EQ(cfg->policies[0].rules[2].mask.radix, 36);
	CHECK(cfg->policies[0].rules[3].detector == cfg->custom[0]);
	CHECK_EQ(cfg->policies[0].rules[4].mask.op, WM_MASK_DROP);
	wm_config_free(cfg);
}

/* Context words and regions give the rule its own copy of a built-in. */
static void
detector_settings_load(void)
{
	struct wm_detect_params p;
	const struct wm_rule *r;
	struct wm_config *cfg;
	char *text;

	cfg = load_ok("policies = {\n p = {\n"
		      "  ssn = { operator = \"redact\"; context = [\"SSN\","
		      " \"Tax ID\"]; context_bytes = 16; };\n"
		      "  phone = { operator = \"redact\"; fill = \"#\";"
		      " regions = [\"DE\", \"AT\"]; context = []; };\n"
		      "  card = { operator = \"redact\"; };\n"
		      " };\n q = { ssn = { operator = \"redact\"; }; };\n};\n"
		      SEGS);
	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->ntuned, 2);
	r = find_rule(&cfg->policies[0], "ssn");
	CHECK(r != NULL && r->detector != wm_detect_find("ssn"));
	if (r != NULL) {
		wm_detect_params_get(r->detector, &p);
		CHECK_EQ(p.ncontext, 2);
		CHECK(strcmp(p.context[1], "tax id") == 0);
		CHECK_EQ(p.context_bytes, 16);
	}
	r = find_rule(&cfg->policies[0], "phone");
	CHECK(r != NULL && r->detector != wm_detect_find("phone"));
	if (r != NULL) {
		wm_detect_params_get(r->detector, &p);
		CHECK_EQ(p.ncontext, 0);
		CHECK_EQ(p.context_bytes, 32);
		CHECK_EQ(p.nregions, 2);
		CHECK(strcmp(p.regions[0], "DE") == 0);
	}
	/* Without settings a rule keeps the built-in itself. */
	r = find_rule(&cfg->policies[1], "ssn");
	CHECK(r != NULL && r->detector == wm_detect_find("ssn"));
	r = find_rule(&cfg->policies[0], "card");
	CHECK(r != NULL && r->detector == wm_detect_find("card"));
	text = dump(cfg);
	CHECK(strstr(text, "\npolicies.p.ssn.context = [\"ssn\", \"tax id\"]\n"
		      "policies.p.ssn.context_bytes = 16\n") != NULL);
	CHECK(strstr(text, "\npolicies.p.phone.regions = [\"DE\", \"AT\"]\n")
	      != NULL);
	CHECK(strstr(text, "\npolicies.q.ssn.context = [\"ssn\", "
		      "\"social security\", \"ss#\"]\n") != NULL);
	CHECK(strstr(text, "policies.p.card.context") == NULL);
	free(text);
	wm_config_free(cfg);
}

/* ports = { pg = [5432]; }: PostgreSQL pinned to its port, and dumped. */
static void
pg_port_pinned(void)
{
	struct wm_config *cfg = load_ok(
		"policies = {\n p = {\n  card = { operator = \"redact\"; };\n"
		"  protocols = { ports = { pg = [5432]; raw = [9000]; }; };\n"
		" };\n};\n" SEGS);
	char *d;

	if (cfg == NULL)
		return;
	CHECK_EQ(cfg->policies[0].proto.npins, 2);
	CHECK_EQ(cfg->policies[0].proto.pins[0].port, 5432);
	CHECK_EQ(cfg->policies[0].proto.pins[0].proto, WM_PROTO_PG);
	d = dump(cfg);
	CHECK(d != NULL && strstr(d, "pg = 5432") != NULL);
	if (d != NULL && strstr(d, "pg = 5432") == NULL)
		fprintf(stderr, "  dump: %s\n", d);
	free(d);
	wm_config_free(cfg);
}

int
main(void)
{
	RUN(default_cfg_loads);
	RUN(example_segments_cfg_loads);
	RUN(bad_configs_rejected);
	RUN(key_readable_by_others_refused);
	RUN(keyed_rules_load);
	RUN(missing_file);
	RUN(directory_instead_of_file);
	RUN(omitted_keys_take_defaults);
	RUN(empty_groups_take_defaults);
	RUN(bounds_are_inclusive);
	RUN(int64_in_range_accepted);
	RUN(fail_actions_parsed);
	RUN(port_pairs_parsed);
	RUN(port_self_pair_parsed);
	RUN(segments_mapping_filled);
	RUN(fill_separator_rejected);
	RUN(fill_quote_dumped_escaped);
	RUN(short_error_buffer);
	RUN(metrics_listen_parsed);
	RUN(free_null);
	RUN(detector_settings_load);
	RUN(pg_port_pinned);
	TEST_END();
}
