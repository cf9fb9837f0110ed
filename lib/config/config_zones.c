/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader, segments as zones: a segment's 5-tuple rules, its
 * default action and shadow mode, the selectors that claim frames by
 * (port, outer VLAN, inner VLAN) or (VNI, inner VLAN), and what a frame
 * no segment claims gets (unknown_segment). Plain structs only: the
 * rte_acl contexts are built from them by lib/acl.
 *
 *   segments.<name> = {
 *     default = "deny";                 # "allow" (the default)
 *     shadow = true;                    # count only
 *     select = ( { port = 0; vlan = 10; inner_vlan = 20; } );
 *     rules = ( { name = "web"; action = "allow"; proto = "tcp";
 *                 src = "10.0.0.0/8"; dst = "10.1.0.0/16";  (one family)
 *                 sport = [1024, 65535]; dport = 443; } );
 *   };
 *   unknown_segment = "drop";           # | "pass" | a segment's name
 *
 * Selectors rank by how many fields they give, then by which (vni,
 * inner_vlan, vlan, port: the first given decides): the vlan = [...]
 * and vni = [...] lists of a segment rank as one-field selectors of
 * "innermost VLAN" and "VNI", after every selector of two or more
 * fields. A one-field selector may give only port or inner_vlan (the
 * lists already say "this VLAN", "this VNI").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config_priv.h"
#include "wm_config.h"

/* ------------------------------------------------------------------ */
/* default, shadow                                                    */
/* ------------------------------------------------------------------ */

/* default = "allow" | "deny"; */
int
conf_zone_default(struct conf_ctx *ctx, const config_setting_t *s,
		  void *base)
{
	struct wm_segment_conf *seg = base;
	const char *v;

	seg->deny_default = false;
	if (s == NULL)
		return 0;
	if ((v = conf_string(ctx, s)) == NULL)
		return -EINVAL;
	if (strcmp(v, "deny") == 0)
		seg->deny_default = true;
	else if (strcmp(v, "allow") != 0)
		return conf_err(ctx, s, NULL,
				"unknown value \"%.32s\" (allow, deny)", v);
	return 0;
}

void
conf_dump_zone_default(const struct wm_config *cfg, const void *base,
		       const char *key, FILE *out)
{
	const struct wm_segment_conf *seg = base;

	(void)cfg;
	fprintf(out, "%s = \"%s\"\n", key, seg->deny_default ? "deny" : "allow");
}

/* ------------------------------------------------------------------ */
/* rules                                                              */
/* ------------------------------------------------------------------ */

/* "10.0.0.0/8", "2001:db8::/32", "10.1.2.3" (a host): family, bits. */
static int
conf_prefix(struct conf_ctx *ctx, const config_setting_t *s, uint8_t *addr,
	    uint8_t *len, uint8_t *family)
{
	const char *v = conf_string(ctx, s);
	char buf[64], *slash, *end;
	long bits;
	int max;

	if (v == NULL)
		return -EINVAL;
	if (strlen(v) >= sizeof(buf))
		return conf_err(ctx, s, NULL, "not an address prefix");
	strcpy(buf, v);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = 6;
		max = 128;
	} else {
		return conf_err(ctx, s, NULL,
				"\"%.64s\" is not an IPv4 or IPv6 address prefix",
				v);
	}
	bits = max;
	if (slash != NULL) {
		errno = 0;
		bits = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || errno != 0 || bits < 0 ||
		    bits > max)
			return conf_err(ctx, s, NULL,
					"prefix length of \"%.64s\": want 0..%d",
					v, max);
	}
	/* Host bits set under the mask: a typo more often than intended. */
	for (int i = 0; i < max / 8; i++) {
		int keep = (int)bits - 8 * i;
		uint8_t m = keep >= 8 ? 0xff :
			    keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (addr[i] & ~m)
			return conf_err(ctx, s, NULL,
					"\"%.64s\" has bits set beyond its prefix length",
					v);
	}
	*len = (uint8_t)bits;
	return 0;
}

/* sport / dport = 443; or [lo, hi]; */
static int
conf_port_range(struct conf_ctx *ctx, const config_setting_t *s,
		uint16_t *r)
{
	long long lo, hi;

	if (config_setting_is_array(s) || config_setting_is_list(s)) {
		if (config_setting_length(s) != 2)
			return conf_err(ctx, s, NULL,
					"want a port or [first, last]");
		if (conf_int(ctx, config_setting_get_elem(s, 0), 0, 65535,
			     &lo) < 0 ||
		    conf_int(ctx, config_setting_get_elem(s, 1), 0, 65535,
			     &hi) < 0)
			return -EINVAL;
		if (lo > hi)
			return conf_err(ctx, s, NULL,
					"port range %lld..%lld is reversed", lo, hi);
	} else {
		if (conf_int(ctx, s, 0, 65535, &lo) < 0)
			return -EINVAL;
		hi = lo;
	}
	r[0] = (uint16_t)lo;
	r[1] = (uint16_t)hi;
	return 0;
}

/* A label: letters, digits, _ . - (it names a counter). */
static bool
conf_word_ok(const char *w)
{
	size_t n = strlen(w);

	if (n == 0 || n >= WM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z') ||
		      (w[i] >= '0' && w[i] <= '9') || w[i] == '_' ||
		      w[i] == '-' || w[i] == '.'))
			return false;
	return true;
}

enum { ZR_NAME, ZR_ACTION, ZR_PROTO, ZR_SRC, ZR_DST, ZR_SPORT, ZR_DPORT };
static const char *const zr_keys[] = { "name", "action", "proto", "src",
				       "dst", "sport", "dport" };

static int
conf_zone_rule_member(struct conf_ctx *ctx, const config_setting_t *m,
		      unsigned int k, struct wm_zone_rule *r, uint8_t fam[2])
{
	const char *v;

	switch (k) {
	case ZR_SRC:
		return conf_prefix(ctx, m, r->src, &r->src_len, &fam[0]);
	case ZR_DST:
		return conf_prefix(ctx, m, r->dst, &r->dst_len, &fam[1]);
	case ZR_SPORT:
		return conf_port_range(ctx, m, r->sport);
	case ZR_DPORT:
		return conf_port_range(ctx, m, r->dport);
	}
	if ((v = conf_string(ctx, m)) == NULL)
		return -EINVAL;
	if (k == ZR_NAME) {
		if (!conf_word_ok(v))
			return conf_err(ctx, m, NULL,
					"want 1..%d letters, digits, _ . -",
					WM_NAME_MAX - 1);
		strcpy(r->name, v);
	} else if (k == ZR_ACTION) {
		if (strcmp(v, "allow") != 0 && strcmp(v, "deny") != 0)
			return conf_err(ctx, m, NULL,
					"unknown action \"%.32s\" (allow, deny)", v);
		r->allow = v[0] == 'a';
	} else {
		if (strcmp(v, "tcp") == 0)
			r->proto = 6;
		else if (strcmp(v, "udp") == 0)
			r->proto = 17;
		else if (strcmp(v, "any") == 0)
			r->proto = WM_ZONE_PROTO_ANY;
		else
			return conf_err(ctx, m, NULL,
					"unknown protocol \"%.32s\" (tcp, udp, any)",
					v);
	}
	return 0;
}

/* One { name; action; proto; src; dst; sport; dport; } of segment @idx. */
static int
conf_zone_rule(struct conf_ctx *ctx, const config_setting_t *g, uint8_t idx,
	       struct wm_zone_rule *r)
{
	const config_setting_t *given[WM_ARRAY_SIZE(zr_keys)] = { NULL };
	uint8_t fam[2] = { 0, 0 };

	if (!config_setting_is_group(g))
		return conf_wrong_type(ctx, g, "a group { name; action; ... }");
	memset(r, 0, sizeof(*r));
	r->segment = idx;
	r->sport[1] = r->dport[1] = 65535;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, i);
		unsigned int k;

		for (k = 0; k < WM_ARRAY_SIZE(zr_keys); k++)
			if (strcmp(config_setting_name(m), zr_keys[k]) == 0)
				break;
		if (k == WM_ARRAY_SIZE(zr_keys))
			return conf_err(ctx, m, NULL,
					"unknown setting (name, action, proto, src, dst, sport, dport)");
		given[k] = m;
		if (conf_zone_rule_member(ctx, m, k, r, fam) < 0)
			return -EINVAL;
	}
	if (given[ZR_NAME] == NULL)
		return conf_err(ctx, g, "name", "required setting is missing");
	if (given[ZR_ACTION] == NULL)
		return conf_err(ctx, g, "action", "required setting is missing");
	if (fam[0] != 0 && fam[1] != 0 && fam[0] != fam[1])
		return conf_err(ctx, given[ZR_DST], NULL,
				"src is IPv%u, dst IPv%u: one family per rule",
				fam[0], fam[1]);
	r->family = fam[0] != 0 ? fam[0] : fam[1];
	if ((given[ZR_SPORT] != NULL || given[ZR_DPORT] != NULL) &&
	    r->proto == WM_ZONE_PROTO_ANY && given[ZR_PROTO] != NULL)
		return conf_err(ctx, given[ZR_PROTO], NULL,
				"ports need proto \"tcp\" or \"udp\"");
	/* Ports without a protocol: TCP, the only one with flows here. */
	if ((given[ZR_SPORT] != NULL || given[ZR_DPORT] != NULL) &&
	    given[ZR_PROTO] == NULL)
		r->proto = 6;
	return 0;
}

/* rules = ( { ... }, ... ); */
int
conf_zone_rules(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	struct wm_config *cfg = ctx->cfg;
	struct wm_segment_conf *seg = base;
	uint8_t idx = (uint8_t)(seg - cfg->segments);

	seg->rule_first = cfg->nzone_rules;
	seg->nrules = 0;
	if (s == NULL)
		return 0;
	if (!config_setting_is_list(s))
		return conf_wrong_type(ctx, s, "a list ( { ... }, ... ) of rules");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *g = config_setting_get_elem(s, i);
		struct wm_zone_rule *r;

		if (cfg->nzone_rules == WM_CONFIG_MAX_ZONE_RULES)
			return conf_err(ctx, g, NULL,
					"more than %d zone rules in all segments",
					WM_CONFIG_MAX_ZONE_RULES);
		r = &cfg->zone_rules[cfg->nzone_rules];
		if (conf_zone_rule(ctx, g, idx, r) < 0)
			return -EINVAL;
		if (strcmp(r->name, "default") == 0)
			return conf_err(ctx, g, "name",
					"\"default\" names the segment's default action");
		for (unsigned int j = seg->rule_first; j < cfg->nzone_rules; j++)
			if (strcmp(cfg->zone_rules[j].name, r->name) == 0)
				return conf_err(ctx, g, "name",
						"rule \"%s\" is defined twice in segment \"%s\"",
						r->name, seg->name);
		cfg->nzone_rules++;
		seg->nrules++;
	}
	return 0;
}

static void
dump_prefix(FILE *out, const char *what, const uint8_t *a, uint8_t len,
	    uint8_t family)
{
	char txt[INET6_ADDRSTRLEN];

	if (family == 0)
		return;
	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, txt, sizeof(txt));
	fprintf(out, " %s = \"%s/%u\";", what, txt, len);
}

void
conf_dump_zone_rules(const struct wm_config *cfg, const void *base,
		     const char *key, FILE *out)
{
	const struct wm_segment_conf *seg = base;

	for (unsigned int i = 0; i < seg->nrules; i++) {
		const struct wm_zone_rule *r = &cfg->zone_rules[seg->rule_first + i];

		fprintf(out, "%s[%u] = { name = \"%s\"; action = \"%s\"; proto = \"%s\";",
			key, i, r->name, r->allow ? "allow" : "deny",
			r->proto == 6 ? "tcp" : r->proto == 17 ? "udp" : "any");
		dump_prefix(out, "src", r->src, r->src_len, r->family);
		dump_prefix(out, "dst", r->dst, r->dst_len, r->family);
		fprintf(out, " sport = [%u, %u]; dport = [%u, %u]; }\n",
			r->sport[0], r->sport[1], r->dport[0], r->dport[1]);
	}
}

/* ------------------------------------------------------------------ */
/* selectors                                                          */
/* ------------------------------------------------------------------ */

/* Rank: fields given first, then which (vni > inner_vlan > vlan > port). */
static unsigned int
sel_rank(const struct wm_segment_sel *s)
{
	return (unsigned int)__builtin_popcount(s->fields) * 16 + s->fields;
}

static int
sel_cmp(const void *a, const void *b)
{
	return (int)sel_rank(b) - (int)sel_rank(a);
}

static int
conf_sel_one(struct conf_ctx *ctx, const config_setting_t *g, uint8_t idx,
	     struct wm_segment_sel *sel)
{
	static const struct {
		const char *name;
		uint8_t bit;
		long long max;
	} keys[] = {
		{ "port", WM_SEL_PORT, WM_CONFIG_MAX_PORTS - 1 },
		{ "vlan", WM_SEL_VLAN, WM_VLAN_COUNT - 1 },
		{ "inner_vlan", WM_SEL_IVLAN, WM_VLAN_COUNT - 1 },
		{ "vni", WM_SEL_VNI, 16777215 },
	};
	long long v;

	if (!config_setting_is_group(g))
		return conf_wrong_type(ctx, g, "a group { port; vlan; inner_vlan; vni; }");
	memset(sel, 0, sizeof(*sel));
	sel->segment = idx;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, i);
		unsigned int k;

		for (k = 0; k < WM_ARRAY_SIZE(keys); k++)
			if (strcmp(config_setting_name(m), keys[k].name) == 0)
				break;
		if (k == WM_ARRAY_SIZE(keys))
			return conf_err(ctx, m, NULL,
					"unknown setting (port, vlan, inner_vlan, vni)");
		if (conf_int(ctx, m, 0, keys[k].max, &v) < 0)
			return -EINVAL;
		sel->fields |= keys[k].bit;
		if (k == 0)
			sel->port = (uint16_t)v;
		else if (k == 1)
			sel->vlan = (uint16_t)v;
		else if (k == 2)
			sel->ivlan = (uint16_t)v;
		else
			sel->vni = (uint32_t)v;
	}
	if ((sel->fields & WM_SEL_VNI) && (sel->fields & WM_SEL_VLAN))
		return conf_err(ctx, g, NULL,
				"vni selects by the inner frame: give inner_vlan, not vlan");
	if (sel->fields == 0)
		return conf_err(ctx, g, NULL, "an empty selector selects everything");
	if (sel->fields == WM_SEL_VLAN || sel->fields == WM_SEL_VNI)
		return conf_err(ctx, g, NULL,
				"a lone vlan or vni belongs in the segment's vlan = [...] or vni = [...]");
	return 0;
}

/* select = ( { port = 0; vlan = 10; inner_vlan = 20; }, { vni; inner_vlan; } ); */
int
conf_zone_select(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	struct wm_config *cfg = ctx->cfg;
	struct wm_segment_conf *seg = base;
	uint8_t idx = (uint8_t)(seg - cfg->segments);

	if (s == NULL)
		return 0;
	if (idx == 0)
		return conf_err(ctx, s, NULL,
				"the default segment takes what no other segment claims: it cannot select");
	if (!config_setting_is_list(s))
		return conf_wrong_type(ctx, s, "a list ( { ... }, ... ) of selectors");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *g = config_setting_get_elem(s, i);
		struct wm_segment_sel sel;

		if (conf_sel_one(ctx, g, idx, &sel) < 0)
			return -EINVAL;
		for (unsigned int j = 0; j < cfg->nselectors; j++) {
			const struct wm_segment_sel *o = &cfg->selectors[j];

			if (o->fields == sel.fields && o->port == sel.port &&
			    o->vlan == sel.vlan && o->ivlan == sel.ivlan &&
			    o->vni == sel.vni)
				return conf_err(ctx, g, NULL,
						"the same selector is claimed by segments \"%s\" and \"%s\"",
						cfg->segments[o->segment].name,
						seg->name);
		}
		if (cfg->nselectors == WM_CONFIG_MAX_SELECTORS)
			return conf_err(ctx, g, NULL, "more than %d selectors",
					WM_CONFIG_MAX_SELECTORS);
		cfg->selectors[cfg->nselectors++] = sel;
		/* Stable enough: ranks differ or the selectors are disjoint. */
		qsort(cfg->selectors, cfg->nselectors, sizeof(sel), sel_cmp);
	}
	return 0;
}

void
conf_dump_zone_select(const struct wm_config *cfg, const void *base,
		      const char *key, FILE *out)
{
	uint8_t idx = (uint8_t)((const struct wm_segment_conf *)base -
				cfg->segments);

	for (unsigned int i = 0; i < cfg->nselectors; i++) {
		const struct wm_segment_sel *s = &cfg->selectors[i];

		if (s->segment != idx)
			continue;
		fprintf(out, "%s = {", key);
		if (s->fields & WM_SEL_PORT)
			fprintf(out, " port = %u;", s->port);
		if (s->fields & WM_SEL_VLAN)
			fprintf(out, " vlan = %u;", s->vlan);
		if (s->fields & WM_SEL_IVLAN)
			fprintf(out, " inner_vlan = %u;", s->ivlan);
		if (s->fields & WM_SEL_VNI)
			fprintf(out, " vni = %u;", s->vni);
		fprintf(out, " }\n");
	}
}

/* ------------------------------------------------------------------ */
/* unknown_segment                                                    */
/* ------------------------------------------------------------------ */

/* unknown_segment = "drop" | "pass" | "<segment>"; after segments. */
int
conf_unknown_segment(struct conf_ctx *ctx, const config_setting_t *s,
		     void *base)
{
	struct wm_config *cfg = base;
	const char *v;

	cfg->unknown.action = WM_UNKNOWN_SEGMENT;
	cfg->unknown.segment = 0;
	if (s == NULL)
		return 0;
	if ((v = conf_string(ctx, s)) == NULL)
		return -EINVAL;
	if (strcmp(v, "drop") == 0) {
		cfg->unknown.action = WM_UNKNOWN_DROP;
		return 0;
	}
	if (strcmp(v, "pass") == 0) {
		cfg->unknown.action = WM_UNKNOWN_PASS;
		return 0;
	}
	for (unsigned int i = 0; i < cfg->nsegments; i++)
		if (strcmp(cfg->segments[i].name, v) == 0) {
			cfg->unknown.segment = (uint8_t)i;
			return 0;
		}
	return conf_err(ctx, s, NULL,
			"unknown segment \"%.32s\" (drop, pass or a segment's name)",
			v);
}

void
conf_dump_unknown_segment(const struct wm_config *cfg, const void *base,
			  const char *key, FILE *out)
{
	(void)base;
	fprintf(out, "%s = \"%s\"\n", key,
		cfg->unknown.action == WM_UNKNOWN_DROP ? "drop" :
		cfg->unknown.action == WM_UNKNOWN_PASS ? "pass" :
		cfg->segments[cfg->unknown.segment].name);
}
