/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments as zones in the config loader (config_zones.c), without EAL:
 * rules parsed into plain structs, selectors ranked, unknown_segment;
 * bad prefixes, ports and names refused with FILE:LINE and why.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "wm_config.h"
#include "wm_test.h"

#define POL "policies = { p = { card = { operator = \"redact\"; }; }; };\n"

static struct wm_config *
load(const char *text, char *err, size_t len)
{
	err[0] = '\0';
	return wm_config_load_string(text, "z.cfg", err, len);
}

static void
rules_parsed_in_order(void)
{
	char err[512];
	struct wm_config *cfg = load(POL
		"segments = {\n default = { policy = \"p\"; };\n"
		" db = { policy = \"p\"; vlan = [30]; default = \"deny\";\n"
		"  rules = (\n"
		"   { name = \"q\"; action = \"deny\"; src = \"10.1.9.0/24\"; },\n"
		"   { name = \"app\"; action = \"allow\"; proto = \"tcp\";\n"
		"     src = \"10.1.0.0/16\"; dst = \"10.2.0.5\"; dport = 5432; },\n"
		"   { name = \"v6\"; action = \"allow\"; proto = \"udp\";\n"
		"     dst = \"2001:db8::/32\"; sport = [1024, 65535]; }\n"
		"  );\n };\n};\n", err, sizeof(err));

	CHECK(cfg != NULL);
	if (cfg == NULL) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_EQ(cfg->nzone_rules, 3);
	CHECK_EQ(cfg->segments[1].rule_first, 0);
	CHECK_EQ(cfg->segments[1].nrules, 3);
	CHECK(cfg->segments[1].deny_default);
	CHECK(!cfg->segments[0].deny_default);
	CHECK(!cfg->segments[1].shadow);
	/* a rule without a protocol matches any; src gives the family */
	CHECK_EQ(cfg->zone_rules[0].proto, WM_ZONE_PROTO_ANY);
	CHECK_EQ(cfg->zone_rules[0].family, 4);
	CHECK_EQ(cfg->zone_rules[0].src_len, 24);
	CHECK_EQ(cfg->zone_rules[0].dst_len, 0);
	CHECK(!cfg->zone_rules[0].allow);
	CHECK_EQ(cfg->zone_rules[1].dst_len, 32);
	CHECK_EQ(cfg->zone_rules[1].dport[0], 5432);
	CHECK_EQ(cfg->zone_rules[1].dport[1], 5432);
	CHECK_EQ(cfg->zone_rules[1].sport[0], 0);
	CHECK_EQ(cfg->zone_rules[1].sport[1], 65535);
	CHECK_EQ(cfg->zone_rules[1].segment, 1);
	CHECK_EQ(cfg->zone_rules[2].family, 6);
	CHECK_EQ(cfg->zone_rules[2].proto, 17);
	CHECK_EQ(cfg->zone_rules[2].dst[0], 0x20);
	CHECK_EQ(cfg->zone_rules[2].dst[1], 0x01);
	CHECK_EQ(cfg->zone_rules[2].sport[0], 1024);
	CHECK(strcmp(cfg->zone_rules[2].name, "v6") == 0);
	CHECK_EQ(cfg->unknown.action, WM_UNKNOWN_SEGMENT);
	CHECK_EQ(cfg->unknown.segment, 0);
	wm_config_free(cfg);
}

static void
ports_without_proto_mean_tcp(void)
{
	char err[512];
	struct wm_config *cfg = load(POL
		"segments = { default = { policy = \"p\";\n"
		" rules = ( { name = \"w\"; action = \"allow\"; dport = 80; } ); }; };\n",
		err, sizeof(err));

	CHECK(cfg != NULL);
	if (cfg != NULL)
		CHECK_EQ(cfg->zone_rules[0].proto, 6);
	wm_config_free(cfg);
}

static void
selectors_most_specific_first(void)
{
	char err[512];
	struct wm_config *cfg = load(POL
		"segments = {\n default = { policy = \"p\"; };\n"
		" a = { policy = \"p\"; select = ( { port = 1; } ); };\n"
		" b = { policy = \"p\"; select = ( { port = 0; vlan = 10; inner_vlan = 20; } ); };\n"
		" c = { policy = \"p\"; select = ( { vni = 7; inner_vlan = 3; }, { vlan = 10; inner_vlan = 20; } ); shadow = true; };\n"
		" q = { policy = \"p\"; default = \"deny\"; };\n"
		"};\nunknown_segment = \"q\";\n", err, sizeof(err));

	CHECK(cfg != NULL);
	if (cfg == NULL) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_EQ(cfg->nselectors, 4);
	/* three fields, then two (vni beats vlan), then one */
	CHECK_EQ(cfg->selectors[0].segment, 2);
	CHECK_EQ(cfg->selectors[1].fields, WM_SEL_VNI | WM_SEL_IVLAN);
	CHECK_EQ(cfg->selectors[2].fields, WM_SEL_VLAN | WM_SEL_IVLAN);
	CHECK_EQ(cfg->selectors[3].fields, WM_SEL_PORT);
	CHECK(cfg->segments[3].shadow);
	CHECK_EQ(cfg->unknown.action, WM_UNKNOWN_SEGMENT);
	CHECK_EQ(cfg->unknown.segment, 4);
	wm_config_free(cfg);
}

static void
unknown_segment_drop_pass(void)
{
	static const char *const v[] = { "drop", "pass" };
	char text[512], err[512];

	for (unsigned int i = 0; i < 2; i++) {
		struct wm_config *cfg;

		snprintf(text, sizeof(text), POL
			 "segments = { default = { policy = \"p\"; }; };\n"
			 "unknown_segment = \"%s\";\n", v[i]);
		cfg = load(text, err, sizeof(err));
		CHECK(cfg != NULL);
		if (cfg != NULL)
			CHECK_EQ(cfg->unknown.action,
				 i == 0 ? WM_UNKNOWN_DROP : WM_UNKNOWN_PASS);
		wm_config_free(cfg);
	}
}

struct bad_case {
	const char *name;
	const char *text;
	const char *where;
	const char *why;
};

#define SEG_RULE(r) POL "segments = { default = { policy = \"p\";\n" \
	" rules = ( { name = \"r\"; action = \"allow\";\n " r " } ); }; };\n"

static const struct bad_case bad_cases[] = {
	{ "prefix_not_an_address", SEG_RULE("src = \"10.1.2/24\";"),
	  "z.cfg:4: segments.default.rules[0].src: ", "not an IPv4 or IPv6" },
	{ "prefix_too_long_v4", SEG_RULE("dst = \"10.0.0.0/33\";"),
	  "z.cfg:4: segments.default.rules[0].dst: ", "want 0..32" },
	{ "prefix_too_long_v6", SEG_RULE("dst = \"2001:db8::/129\";"),
	  "z.cfg:4: ", "want 0..128" },
	{ "prefix_host_bits", SEG_RULE("src = \"10.1.2.3/16\";"),
	  "z.cfg:4: ", "bits set beyond its prefix length" },
	{ "prefix_junk_length", SEG_RULE("src = \"10.0.0.0/8x\";"),
	  "z.cfg:4: ", "prefix length" },
	{ "families_mixed", SEG_RULE("src = \"10.0.0.0/8\"; dst = \"2001:db8::/32\";"),
	  "z.cfg:4: ", "one family per rule" },
	{ "port_out_of_range", SEG_RULE("dport = 65536;"),
	  "z.cfg:4: segments.default.rules[0].dport: ", "out of range 0..65535" },
	{ "port_range_reversed", SEG_RULE("dport = [90, 80];"),
	  "z.cfg:4: ", "reversed" },
	{ "port_range_three", SEG_RULE("sport = [1, 2, 3];"),
	  "z.cfg:4: ", "want a port or [first, last]" },
	{ "port_string", SEG_RULE("dport = \"http\";"),
	  "z.cfg:4: ", "wrong type" },
	{ "ports_with_proto_any", SEG_RULE("proto = \"any\"; dport = 80;"),
	  "z.cfg:4: ", "ports need proto" },
	{ "proto_unknown", SEG_RULE("proto = \"icmp\";"),
	  "z.cfg:4: ", "unknown protocol \"icmp\"" },
	{ "action_unknown",
	  POL "segments = { default = { policy = \"p\";\n rules = (\n"
	  "  { name = \"r\"; action = \"permit\"; } ); }; };\n",
	  "z.cfg:4: segments.default.rules[0].action: ", "unknown action" },
	{ "rule_without_name",
	  POL "segments = { default = { policy = \"p\";\n rules = (\n"
	  "  { action = \"allow\"; } ); }; };\n",
	  "z.cfg:4: ", "name: required setting is missing" },
	{ "rule_name_not_a_word",
	  POL "segments = { default = { policy = \"p\";\n rules = (\n"
	  "  { name = \"a b\"; action = \"allow\"; } ); }; };\n",
	  "z.cfg:4: ", "letters, digits" },
	{ "rule_name_twice",
	  POL "segments = { default = { policy = \"p\";\n rules = (\n"
	  "  { name = \"r\"; action = \"allow\"; },\n"
	  "  { name = \"r\"; action = \"deny\"; } ); }; };\n",
	  "z.cfg:5: ", "defined twice" },
	{ "rule_named_default",
	  POL "segments = { default = { policy = \"p\";\n rules = (\n"
	  "  { name = \"default\"; action = \"deny\"; } ); }; };\n",
	  "z.cfg:4: ", "names the segment's default" },
	{ "rule_unknown_setting", SEG_RULE("port = 80;"),
	  "z.cfg:4: segments.default.rules[0].port: ", "unknown setting" },
	{ "default_unknown",
	  POL "segments = { default = { policy = \"p\";\n default = \"block\"; }; };\n",
	  "z.cfg:3: segments.default.default: ", "(allow, deny)" },
	{ "unknown_segment_name",
	  POL "segments = { default = { policy = \"p\"; }; };\n"
	  "unknown_segment = \"nowhere\";\n",
	  "z.cfg:3: unknown_segment: ", "unknown segment \"nowhere\"" },
	{ "selector_lone_vlan",
	  POL "segments = { default = { policy = \"p\"; };\n"
	  " s = { policy = \"p\"; select = ( { vlan = 10; } ); }; };\n",
	  "z.cfg:3: ", "vlan = [...]" },
	{ "selector_vni_with_outer_vlan",
	  POL "segments = { default = { policy = \"p\"; };\n"
	  " s = { policy = \"p\"; select = ( { vni = 1; vlan = 10; } ); }; };\n",
	  "z.cfg:3: ", "give inner_vlan" },
	{ "selector_twice",
	  POL "segments = { default = { policy = \"p\"; };\n"
	  " s = { policy = \"p\"; select = ( { port = 1; vlan = 2; } ); };\n"
	  " t = { policy = \"p\"; select = ( { vlan = 2; port = 1; } ); }; };\n",
	  "z.cfg:4: ", "claimed by segments \"s\" and \"t\"" },
	{ "selector_on_default",
	  POL "segments = { default = { policy = \"p\";\n"
	  " select = ( { port = 1; } ); }; };\n",
	  "z.cfg:3: ", "cannot select" },
	{ "selector_port_beyond",
	  POL "segments = { default = { policy = \"p\"; };\n"
	  " s = { policy = \"p\"; select = ( { port = 32; } ); }; };\n",
	  "z.cfg:3: ", "out of range" },
};

static void
bad_configs_rejected(void)
{
	char err[512];

	for (unsigned int i = 0; i < WM_ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct wm_config *cfg;
		bool ok;

		errno = 0;
		cfg = load(c->text, err, sizeof(err));
		ok = cfg == NULL && errno == EINVAL &&
		     strstr(err, c->where) != NULL && strstr(err, c->why) != NULL;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  case %s: got \"%s\" (errno %d)\n",
				c->name, err, errno);
		wm_config_free(cfg);
	}
}

int
main(void)
{
	RUN(rules_parsed_in_order);
	RUN(ports_without_proto_mean_tcp);
	RUN(selectors_most_specific_first);
	RUN(unknown_segment_drop_pass);
	RUN(bad_configs_rejected);
	TEST_END();
}
