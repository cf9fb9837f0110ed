/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader, what masks: custom detectors (regex detectors defined
 * in the file, after the built-in ones) and policies, each a named group
 * of rules, one per detector, read against the rule table below and then
 * checked against what their operator needs (fill, key, radix, drop).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libconfig.h>

#include "config_priv.h"
#include "wm_config.h"

#define CONF_KEEP_MAX 32

/* ------------------------------------------------------------------ */
/* custom detectors                                                   */
/* ------------------------------------------------------------------ */

/* detectors = { <name> = { regex; max_len; classes; validator; }; ... }; */
static int
conf_detector_one(struct conf_ctx *ctx, const config_setting_t *g,
		  struct wm_config *cfg)
{
	static const char *const known[] = { "regex", "max_len", "classes",
					     "validator" };
	const char *regex = NULL, *classes = NULL, *vname = "none";
	enum wm_validator v;
	int max_len = -1;
	char why[512];
	struct wm_detector *d;

	if (!config_setting_is_group(g))
		return conf_wrong_type(ctx, g, "a group");
	if (wm_detect_find(config_setting_name(g)) != NULL)
		return conf_err(ctx, g, NULL, "\"%s\" is a built-in detector",
				config_setting_name(g));
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, i);
		const char *name = config_setting_name(m);
		unsigned int k;

		for (k = 0; k < WM_ARRAY_SIZE(known); k++)
			if (strcmp(name, known[k]) == 0)
				break;
		if (k == WM_ARRAY_SIZE(known))
			return conf_err(ctx, m, NULL, "unknown setting");
		if (k == 1) {
			if (config_setting_type(m) != CONFIG_TYPE_INT)
				return conf_wrong_type(ctx, m, "an integer");
			max_len = config_setting_get_int(m);
			if (max_len < 1 || max_len > 250)
				return conf_err(ctx, m, NULL,
						"%d is out of range 1..250", max_len);
			continue;
		}
		if (conf_string(ctx, m) == NULL)
			return -EINVAL;
		if (k == 0)
			regex = config_setting_get_string(m);
		else if (k == 2)
			classes = config_setting_get_string(m);
		else
			vname = config_setting_get_string(m);
		if (k == 3 && wm_validator_parse(vname, &v) < 0)
			return conf_err(ctx, m, NULL,
					"unknown validator \"%.32s\" (none, luhn, mod97)",
					vname);
	}
	if (regex == NULL)
		return conf_err(ctx, g, "regex", "required setting is missing");
	if (max_len < 0)
		return conf_err(ctx, g, "max_len", "required setting is missing");
	wm_validator_parse(vname, &v);
	if (cfg->ncustom == WM_CONFIG_MAX_CUSTOM)
		return conf_err(ctx, g, NULL, "more than %d custom detectors",
				WM_CONFIG_MAX_CUSTOM);
	d = wm_detect_custom_create(config_setting_name(g), regex,
				    (unsigned int)max_len, classes, v, why,
				    sizeof(why));
	if (d == NULL)
		return conf_err(ctx, g, NULL, "%s", why);
	cfg->custom[cfg->ncustom++] = d;
	return 0;
}

int
conf_detectors(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	if (s == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return conf_wrong_type(ctx, s, "a group of detectors");
	for (int i = 0; i < config_setting_length(s); i++) {
		int rc = conf_detector_one(ctx, config_setting_get_elem(s, i),
					   base);

		if (rc < 0)
			return rc;
	}
	return 0;
}

void
conf_dump_detectors(const struct wm_config *cfg, const void *base,
		    const char *key, FILE *out)
{
	for (unsigned int i = 0; i < cfg->ncustom; i++)
		fprintf(out, "%s.%s = { max_len = %u; classes = \"%s\"; }\n",
			key, cfg->custom[i]->name, cfg->custom[i]->max_len,
			cfg->custom[i]->classes != NULL ?
				cfg->custom[i]->classes : "");
}

/* ------------------------------------------------------------------ */
/* policies                                                           */
/* ------------------------------------------------------------------ */

/* policies.<policy>.<detector> = { ... }; offsets in struct wm_mask_params */
enum {
	RULE_OPERATOR,
	RULE_FILL,
	RULE_KEEP_FIRST,
	RULE_KEEP_LAST,
	RULE_KEEP_DOMAIN,
	RULE_KEY,
	RULE_TWEAK,
	RULE_KEEP_BIN,
	RULE_KEEP_LAST4,
	RULE_LUHN,
	RULE_RADIX,
	RULE_DROP,
	RULE_CONTEXT,
	RULE_CONTEXT_BYTES,
	RULE_REGIONS,
};

static int conf_rule_context(struct conf_ctx *ctx, const config_setting_t *s,
			     void *base);
static int conf_rule_context_bytes(struct conf_ctx *ctx,
				   const config_setting_t *s, void *base);
static int conf_rule_regions(struct conf_ctx *ctx, const config_setting_t *s,
			     void *base);
static void conf_dump_rule_det(const struct wm_config *cfg, const void *base,
			       const char *key, FILE *out);

/* Printed with context by conf_dump_rule_det(). */
static void
conf_dump_none(const struct wm_config *cfg, const void *base, const char *key,
	       FILE *out)
{
	(void)cfg;
	(void)base;
	(void)key;
	(void)out;
}

#define OP(o) (1u << (o))
#define OPS_FILL (OP(WM_MASK_REDACT) | OP(WM_MASK_PARTIAL))
#define OPS_KEYED (OP(WM_MASK_TOKEN) | OP(WM_MASK_FPE))
#define CONF_RULE(n, ty, m, d, o) \
	{ .name = (n), .type = (ty), .def = (d), .ops = (o), \
	  .off = offsetof(struct wm_mask_params, m), \
	  .size = CONF_SIZE(struct wm_mask_params, m) }
#define CONF_RULE_STR(n, m, d, o) \
	{ .name = (n), .type = CT_STRING, .sdef = (d), .ops = (o), \
	  .off = offsetof(struct wm_mask_params, m), \
	  .size = CONF_SIZE(struct wm_mask_params, m) }

static const struct conf_field conf_rule_fields[] = {
	[RULE_OPERATOR] = CONF_SCALAR("operator", CT_OPERATOR,
				      struct wm_mask_params, op,
				      WM_MASK_REDACT, CF_REQUIRED),
	[RULE_FILL] = CONF_RULE("fill", CT_FILL, fill, '*', OPS_FILL),
	[RULE_KEEP_FIRST] = { .name = "keep_first", .type = CT_UINT,
			      .min = 0, .max = CONF_KEEP_MAX,
			      .ops = OP(WM_MASK_PARTIAL),
			      .off = offsetof(struct wm_mask_params, keep_first),
			      .size = 1 },
	[RULE_KEEP_LAST] = { .name = "keep_last", .type = CT_UINT,
			     .min = 0, .max = CONF_KEEP_MAX,
			     .ops = OP(WM_MASK_PARTIAL),
			     .off = offsetof(struct wm_mask_params, keep_last),
			     .size = 1 },
	[RULE_KEEP_DOMAIN] = CONF_RULE("keep_domain", CT_BOOL, keep_domain,
				       false, OPS_FILL | OP(WM_MASK_TOKEN)),
	[RULE_KEY] = CONF_RULE("key", CT_KEY, key_ref, 0, OPS_KEYED),
	[RULE_TWEAK] = CONF_RULE_STR("tweak", tweak, "segment", OPS_KEYED),
	[RULE_KEEP_BIN] = CONF_RULE("keep_bin", CT_BOOL, keep_bin, false,
				    OP(WM_MASK_TOKEN)),
	[RULE_KEEP_LAST4] = CONF_RULE("keep_last4", CT_BOOL, keep_last4, false,
				      OP(WM_MASK_TOKEN)),
	[RULE_LUHN] = CONF_RULE("luhn", CT_BOOL, luhn, false, OP(WM_MASK_TOKEN)),
	[RULE_RADIX] = { .name = "radix", .type = CT_UINT, .def = 10,
			 .min = 10, .max = 62, .ops = OP(WM_MASK_FPE),
			 .off = offsetof(struct wm_mask_params, radix),
			 .size = 1 },
	[RULE_DROP] = CONF_RULE_STR("drop", drop, "flow", OP(WM_MASK_DROP)),
	/* Detector settings: all three are printed by the first's dump. */
	[RULE_CONTEXT] = CONF_CUSTOM("context", conf_rule_context,
				     conf_dump_rule_det),
	[RULE_CONTEXT_BYTES] = CONF_CUSTOM("context_bytes",
					   conf_rule_context_bytes,
					   conf_dump_none),
	[RULE_REGIONS] = CONF_CUSTOM("regions", conf_rule_regions,
				     conf_dump_none),
};

static const struct conf_table conf_rule = CONF_TABLE(conf_rule_fields);

_Static_assert(WM_ARRAY_SIZE(conf_rule_fields) <= CONF_MAX_FIELDS, "rule");

/* ------------------------------------------------------------------ */
/* detector settings in a rule: context, context_bytes, regions        */
/* ------------------------------------------------------------------ */

/* The rule whose mask parameters are at @base. */
static const struct wm_rule *
rule_of(const void *base)
{
	return (const struct wm_rule *)((const char *)base -
					offsetof(struct wm_rule, mask));
}

/* Does the rule's detector take @what (WM_DETECT_TAKES_*)? */
static int
conf_det_takes(struct conf_ctx *ctx, const config_setting_t *s,
	       const void *base, unsigned int what)
{
	const struct wm_detector *d = rule_of(base)->detector;

	if (!(wm_detect_takes(d) & what))
		return conf_err(ctx, s, NULL,
				"%s does not apply to detector %s",
				config_setting_name(s), d->name);
	return 0;
}

/* A list or array of at most @max strings; its length, or -EINVAL. */
static int
conf_str_list(struct conf_ctx *ctx, const config_setting_t *s,
	      unsigned int max)
{
	int n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return conf_wrong_type(ctx, s, "a list of strings");
	n = config_setting_length(s);
	if ((unsigned int)n > max)
		return conf_err(ctx, s, NULL, "more than %u entries", max);
	for (int i = 0; i < n; i++)
		if (conf_string(ctx, config_setting_get_elem(s, i)) == NULL)
			return -EINVAL;
	return n;
}

/* context = ["ssn", "social security"]; ([] turns context off) */
static int
conf_rule_context(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	int n;

	if (s == NULL)
		return 0;
	if (conf_det_takes(ctx, s, base, WM_DETECT_TAKES_CONTEXT) < 0 ||
	    (n = conf_str_list(ctx, s, WM_CONTEXT_MAX)) < 0)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *w = config_setting_get_string(e);

		if (!wm_detect_context_word_ok(w))
			return conf_err(ctx, e, NULL,
					"context word %d: want 1..%d letters, digits, "
					"spaces, _ - . #, a letter first", i + 1,
					WM_CONTEXT_WORD_MAX - 1);
		snprintf(ctx->det.context[i], sizeof(ctx->det.context[i]),
			 "%s", w);
	}
	ctx->det.ncontext = (unsigned int)n;
	ctx->det_given = true;
	return 0;
}

/* context_bytes = 32; */
static int
conf_rule_context_bytes(struct conf_ctx *ctx, const config_setting_t *s,
			void *base)
{
	long long v;

	if (s == NULL)
		return 0;
	if (conf_det_takes(ctx, s, base, WM_DETECT_TAKES_CONTEXT) < 0 ||
	    conf_int(ctx, s, 0, WM_CONTEXT_BYTES_MAX, &v) < 0)
		return -EINVAL;
	ctx->det.context_bytes = (unsigned int)v;
	ctx->det_given = true;
	return 0;
}

/* regions = ["DE", "AT"]; the first is the default region */
static int
conf_rule_regions(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	int n;

	if (s == NULL)
		return 0;
	if (conf_det_takes(ctx, s, base, WM_DETECT_TAKES_REGIONS) < 0 ||
	    (n = conf_str_list(ctx, s, WM_REGIONS_MAX)) < 0)
		return -EINVAL;
	if (n == 0)
		return conf_err(ctx, s, NULL, "at least one region");
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *r = config_setting_get_string(e);

		if (!wm_detect_region_ok(r))
			return conf_err(ctx, e, NULL,
					"unknown region \"%.8s\" (two upper-case "
					"letters of a numbering plan: \"DE\", \"GB\")",
					r);
		snprintf(ctx->det.regions[i], sizeof(ctx->det.regions[i]),
			 "%s", r);
	}
	ctx->det.nregions = (unsigned int)n;
	ctx->det_given = true;
	return 0;
}

/* The detector settings in effect, for a detector that takes any. */
static void
conf_dump_rule_det(const struct wm_config *cfg, const void *base,
		   const char *key, FILE *out)
{
	const struct wm_detector *d = rule_of(base)->detector;
	unsigned int takes = wm_detect_takes(d);
	struct wm_detect_params p;
	size_t stem = strlen(key) - strlen("context");

	(void)cfg;
	if (takes == 0)
		return;
	wm_detect_params_get(d, &p);
	fprintf(out, "%s = [", key);
	for (unsigned int i = 0; i < p.ncontext; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", p.context[i]);
	fprintf(out, "]\n%.*scontext_bytes = %u\n", (int)stem, key,
		p.context_bytes);
	if (!(takes & WM_DETECT_TAKES_REGIONS))
		return;
	fprintf(out, "%.*sregions = [", (int)stem, key);
	for (unsigned int i = 0; i < p.nregions; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", p.regions[i]);
	fputs("]\n", out);
}

/* The rule's detector with the settings the file gave, if any. */
static int
conf_rule_tune(struct conf_ctx *ctx, const config_setting_t *r,
	       struct wm_rule *rule)
{
	struct wm_config *cfg = ctx->cfg;
	struct wm_detector *d;
	char why[256];

	if (!ctx->det_given)
		return 0;
	if (cfg->ntuned == WM_CONFIG_MAX_TUNED)
		return conf_err(ctx, r, NULL,
				"more than %d rules with detector settings",
				WM_CONFIG_MAX_TUNED);
	d = wm_detect_configure(rule->detector, &ctx->det, why, sizeof(why));
	if (d == NULL)
		return conf_err(ctx, r, NULL, "%s", why);
	cfg->tuned[cfg->ntuned++] = d;
	rule->detector = d;
	return 0;
}

/* A built-in detector, or one defined under detectors. */
static const struct wm_detector *
conf_detector(const struct wm_config *cfg, const char *name)
{
	const struct wm_detector *d = wm_detect_find(name);

	for (unsigned int i = 0; d == NULL && i < cfg->ncustom; i++)
		if (strcmp(cfg->custom[i]->name, name) == 0)
			d = cfg->custom[i];
	return d;
}

/* What a rule's operator needs, once its settings are read. */
static int
conf_rule_check(struct conf_ctx *ctx, const config_setting_t *r,
		struct wm_rule *rule, const config_setting_t **seen)
{
	const struct wm_detector *det = rule->detector;
	struct wm_mask_params *mp = &rule->mask;
	unsigned int i, need;

	for (i = 0; i < conf_rule.nfields; i++)
		if (conf_rule.fields[i].ops != 0 && seen[i] != NULL &&
		    !(conf_rule.fields[i].ops & OP(mp->op)))
			return conf_err(ctx, seen[i], NULL,
					"%s does not apply to operator %s",
					conf_rule.fields[i].name,
					wm_mask_op_name(mp->op));
	/* A separator is copied unchanged: as a fill it would be ambiguous. */
	if ((OP(mp->op) & OPS_FILL) && det->separators != NULL &&
	    strchr(det->separators, mp->fill) != NULL) {
		if (seen[RULE_FILL] != NULL)
			return conf_err(ctx, seen[RULE_FILL], NULL,
					"\"%c\" is a separator of detector %s",
					mp->fill, det->name);
		return conf_err(ctx, r, "fill",
				"default \"%c\" is a separator of detector %s, set another fill",
				mp->fill, det->name);
	}
	if (OP(mp->op) & OPS_KEYED) {
		if (mp->key_ref == 0)
			return conf_err(ctx, r, "key",
					"operator %s needs a key (an id under keys)",
					wm_mask_op_name(mp->op));
		mp->key = &ctx->cfg->keys[mp->key_ref - 1];
	}
	if (mp->op == WM_MASK_FPE) {
		if (mp->radix != 10 && mp->radix != 36 && mp->radix != 62)
			return conf_err(ctx, seen[RULE_RADIX], NULL,
					"radix %u: want 10, 36 or 62", mp->radix);
		/* SP 800-38G Rev.1: the domain must reach 10^6 values. */
		need = wm_fpe_min_chars(mp->radix);
		if (det->min_chars < need)
			return conf_err(ctx, seen[RULE_RADIX] != NULL ?
					seen[RULE_RADIX] : r, NULL,
					"fpe in radix %u needs values of at least %u characters, "
					"but a %s value may have %u (FF1 domain below 10^6)",
					mp->radix, need, det->name, det->min_chars);
	}
	if (mp->op == WM_MASK_DROP && strcmp(mp->drop, "flow") != 0)
		return conf_err(ctx, seen[RULE_DROP], NULL,
				"unknown drop action \"%s\" (expected \"flow\")",
				mp->drop);
	return 0;
}

/* policies.<policy>.<detector> = { operator = ...; ... }; */
static int
conf_rule_parse(struct conf_ctx *ctx, const config_setting_t *r,
		struct wm_policy_conf *pol)
{
	const config_setting_t *seen[CONF_MAX_FIELDS];
	const struct wm_detector *det;
	struct wm_rule *rule;
	int rc;

	det = conf_detector(ctx->cfg, config_setting_name(r));
	if (det == NULL)
		return conf_err(ctx, r, NULL, "unknown detector \"%s\"",
				config_setting_name(r));
	if (!config_setting_is_group(r))
		return conf_wrong_type(ctx, r, "a group");
	if (pol->nrules == WM_DETECT_MAX)
		return conf_err(ctx, r, NULL, "more than %d rules in a policy",
				WM_DETECT_MAX);
	rule = &pol->rules[pol->nrules++];
	rule->detector = det;
	wm_detect_params_get(det, &ctx->det);
	ctx->det_given = false;
	rc = conf_walk(ctx, &conf_rule, r, &rule->mask, seen);
	if (rc < 0)
		return rc;
	rc = conf_rule_check(ctx, r, rule, seen);
	if (rc < 0)
		return rc;
	return conf_rule_tune(ctx, r, rule);
}

/* ------------------------------------------------------------------ */
/* a policy's protocols                                               */
/* ------------------------------------------------------------------ */

/* @s is a string among @names (@n of them): its index in *@v. */
static int
conf_choice(struct conf_ctx *ctx, const config_setting_t *s,
	    const char *const *names, unsigned int n, uint8_t *v)
{
	const char *str = conf_string(ctx, s);

	if (str == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(str, names[i]) == 0) {
			*v = (uint8_t)i;
			return 0;
		}
	return conf_err(ctx, s, NULL, "unknown value \"%.32s\" (%s%s%s%s%s)",
			str, names[0], n > 1 ? ", " : "", n > 1 ? names[1] : "",
			n > 2 ? ", " : "", n > 2 ? names[2] : "");
}

static const char *const conf_encrypted[] = { "protect", "drop" };
static const char *const conf_compressed[] = { "identity", "alert", "drop" };
static const char *const conf_kafka_large[] = { "drop", "alert" };

/* protocols.ports = { http = [8080, ...]; smtp = [...]; ... }; */
static int
conf_proto_pins(struct conf_ctx *ctx, const config_setting_t *s,
		struct wm_proto_conf *pc)
{
	if (!config_setting_is_group(s))
		return conf_wrong_type(ctx, s, "a group of protocol = [ports]");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *l = config_setting_get_elem(s, i);
		int proto = wm_proto_parse(config_setting_name(l));

		if (proto < 0)
			return conf_err(ctx, l, NULL,
					"unknown protocol (raw, http, tls, ssh, smtp, redis, mqtt, pg, kafka)");
		if (!config_setting_is_array(l) && !config_setting_is_list(l))
			return conf_wrong_type(ctx, l, "an array of ports");
		for (int j = 0; j < config_setting_length(l); j++) {
			const config_setting_t *e = config_setting_get_elem(l, j);
			long long port;

			if (conf_int(ctx, e, 1, 65535, &port) < 0)
				return -EINVAL;
			for (unsigned int k = 0; k < pc->npins; k++)
				if (pc->pins[k].port == port)
					return conf_err(ctx, e, NULL,
							"port %lld is pinned twice",
							port);
			if (pc->npins == WM_PROTO_MAX_PINS)
				return conf_err(ctx, e, NULL,
						"more than %d pinned ports",
						WM_PROTO_MAX_PINS);
			pc->pins[pc->npins].port = (uint16_t)port;
			pc->pins[pc->npins].proto = (uint8_t)proto;
			pc->npins++;
		}
	}
	return 0;
}

/* protocols.kafka_max_batch: bytes of a batch whose CRC is fixed up. */
static int
conf_kafka_max(struct conf_ctx *ctx, const config_setting_t *s,
	       struct wm_proto_conf *pc)
{
	long long v;

	if (conf_int(ctx, s, 1024, 64LL << 20, &v) < 0)
		return -EINVAL;
	pc->kafka_max_batch = (uint32_t)v;
	return 0;
}

/* policies.<policy>.protocols = { encrypted; compressed; ports;
 * kafka_max_batch; kafka_too_large; }; */
static int
conf_protocols(struct conf_ctx *ctx, const config_setting_t *s,
	       struct wm_proto_conf *pc)
{
	if (!config_setting_is_group(s))
		return conf_wrong_type(ctx, s, "a group");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, i);
		const char *name = config_setting_name(m);
		int rc;

		if (strcmp(name, "encrypted") == 0)
			rc = conf_choice(ctx, m, conf_encrypted,
					 WM_ARRAY_SIZE(conf_encrypted),
					 &pc->encrypted);
		else if (strcmp(name, "compressed") == 0)
			rc = conf_choice(ctx, m, conf_compressed,
					 WM_ARRAY_SIZE(conf_compressed),
					 &pc->compressed);
		else if (strcmp(name, "ports") == 0)
			rc = conf_proto_pins(ctx, m, pc);
		else if (strcmp(name, "kafka_too_large") == 0)
			rc = conf_choice(ctx, m, conf_kafka_large,
					 WM_ARRAY_SIZE(conf_kafka_large),
					 &pc->kafka_too_large);
		else if (strcmp(name, "kafka_max_batch") == 0)
			rc = conf_kafka_max(ctx, m, pc);
		else
			rc = conf_err(ctx, m, NULL,
				      "unknown setting (encrypted, compressed, ports, kafka_max_batch, kafka_too_large)");
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* policies = { <name> = { <detector> = { ... }; ... }; ... }; */
int
conf_policies(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	struct wm_config *cfg = base;
	const config_setting_t *p;
	struct wm_policy_conf *pol;
	unsigned int i, j, n;
	int rc;

	if (s == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return conf_wrong_type(ctx, s, "a group of policies");
	n = (unsigned int)config_setting_length(s);
	for (i = 0; i < n; i++) {
		p = config_setting_get_elem(s, i);
		if (!config_setting_is_group(p))
			return conf_wrong_type(ctx, p, "a group");
		if (cfg->npolicies == WM_CONFIG_MAX_POLICIES)
			return conf_err(ctx, p, NULL, "more than %d policies",
					WM_CONFIG_MAX_POLICIES);
		pol = &cfg->policies[cfg->npolicies++];
		rc = conf_name(ctx, p, pol->name);
		if (rc < 0)
			return rc;
		for (j = 0; j < (unsigned int)config_setting_length(p); j++) {
			const config_setting_t *e = config_setting_get_elem(p, j);

			if (strcmp(config_setting_name(e), "protocols") == 0)
				rc = conf_protocols(ctx, e, &pol->proto);
			else
				rc = conf_rule_parse(ctx, e, pol);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

void
conf_dump_policies(const struct wm_config *cfg, const void *base,
		   const char *key, FILE *out)
{
	const struct wm_policy_conf *pol;
	const struct wm_rule *rule;
	char prefix[128];
	unsigned int i, j;

	for (i = 0; i < cfg->npolicies; i++) {
		pol = &cfg->policies[i];
		if (pol->nrules == 0)
			fprintf(out, "%s.%s = { }\n", key, pol->name);
		fprintf(out, "%s.%s.protocols = { encrypted = \"%s\"; compressed = \"%s\"; kafka_max_batch = %u; kafka_too_large = \"%s\"; ports = {",
			key, pol->name, conf_encrypted[pol->proto.encrypted],
			conf_compressed[pol->proto.compressed],
			pol->proto.kafka_max_batch != 0 ?
			pol->proto.kafka_max_batch : WM_PROTO_KAFKA_MAX_BATCH,
			conf_kafka_large[pol->proto.kafka_too_large]);
		for (j = 0; j < pol->proto.npins; j++)
			fprintf(out, " %s = %u;",
				wm_proto_name(pol->proto.pins[j].proto),
				pol->proto.pins[j].port);
		fprintf(out, " }; }\n");
		for (j = 0; j < pol->nrules; j++) {
			rule = &pol->rules[j];
			snprintf(prefix, sizeof(prefix), "%s.%s.%s.", key,
				 pol->name, rule->detector->name);
			conf_dump_table(cfg, &conf_rule, &rule->mask, prefix,
					OP(rule->mask.op), out);
		}
	}
}
