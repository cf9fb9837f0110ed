/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader, the settings tables and their field types: how each
 * typed value (uint, bool, action, operator, fill, policy, key) is read
 * and printed, the value readers shared by every handler, and the
 * tables of the top level, ports, reasm and fail, with ports.pairs.
 * Policies (config_policy.c) and segments (config_keys.c) keep their
 * tables next to their handlers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libconfig.h>

#include "config_priv.h"
#include "wm_config.h"

static const char *const conf_action_names[WM_FAIL_ACTION_MAX] = {
	[WM_FAIL_FORWARD] = "forward",
	[WM_FAIL_DROP] = "drop",
	[WM_FAIL_REASSEMBLE] = "reassemble",
	[WM_FAIL_RELEASE] = "release",
	[WM_FAIL_SKIP] = "skip",
	[WM_FAIL_MASK] = "mask",
};

/* ------------------------------------------------------------------ */
/* Scalars                                                            */
/* ------------------------------------------------------------------ */

/* An int or an int64 in [min, max]; a float or a string is refused. */
int
conf_int(struct conf_ctx *ctx, const config_setting_t *s, long long min,
	 long long max, long long *v)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return conf_wrong_type(ctx, s, "an integer");
	*v = config_setting_get_int64(s);
	if (*v < min || *v > max)
		return conf_err(ctx, s, NULL, "%lld is out of range %lld..%lld",
				*v, min, max);
	return 0;
}

/* The string value of @s, or NULL (error reported) for another type. */
const char *
conf_string(struct conf_ctx *ctx, const config_setting_t *s)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_wrong_type(ctx, s, "a string");
		return NULL;
	}
	return config_setting_get_string(s);
}

static int
conf_parse_uint(struct conf_ctx *ctx, const struct conf_field *f,
		const config_setting_t *s, long long *v)
{
	return conf_int(ctx, s, f->min, f->max, v);
}

static int
conf_parse_bool(struct conf_ctx *ctx, const struct conf_field *f,
		const config_setting_t *s, long long *v)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_wrong_type(ctx, s, "a boolean (true or false)");
	*v = config_setting_get_bool(s) != 0;
	return 0;
}

static int
conf_parse_action(struct conf_ctx *ctx, const struct conf_field *f,
		  const config_setting_t *s, long long *v)
{
	char expected[128] = "";
	const char *str;
	unsigned int i;
	size_t n = 0;

	str = conf_string(ctx, s);
	if (str == NULL)
		return -EINVAL;
	/* f->max is the set of actions this setting allows. */
	for (i = 0; i < WM_ARRAY_SIZE(conf_action_names); i++) {
		if (!(f->max & (1LL << i)))
			continue;
		if (strcmp(str, conf_action_names[i]) == 0) {
			*v = i;
			return 0;
		}
		n += (size_t)snprintf(expected + n, sizeof(expected) - n,
				      "%s\"%s\"", n ? ", " : "",
				      conf_action_names[i]);
	}
	return conf_err(ctx, s, NULL,
			"unknown action \"%.64s\" (expected %s)", str, expected);
}

static int
conf_parse_operator(struct conf_ctx *ctx, const struct conf_field *f,
		    const config_setting_t *s, long long *v)
{
	enum wm_mask_op op;
	const char *str;

	str = conf_string(ctx, s);
	if (str == NULL)
		return -EINVAL;
	if (wm_mask_op_parse(str, &op) != 0)
		return conf_err(ctx, s, NULL, "unknown operator \"%.64s\"", str);
	*v = op;
	return 0;
}

/* One printable ASCII byte other than space (separators: see the rule). */
static int
conf_parse_fill(struct conf_ctx *ctx, const struct conf_field *f,
		const config_setting_t *s, long long *v)
{
	const char *str;

	str = conf_string(ctx, s);
	if (str == NULL)
		return -EINVAL;
	if (strlen(str) != 1 || str[0] < 0x21 || str[0] > 0x7e)
		return conf_err(ctx, s, NULL,
				"\"%.64s\" is not one printable ASCII character other than space",
				str);
	*v = (unsigned char)str[0];
	return 0;
}

/* Name of a policy defined in "policies" (parsed before "segments"). */
static int
conf_parse_policy(struct conf_ctx *ctx, const struct conf_field *f,
		  const config_setting_t *s, long long *v)
{
	const struct wm_config *cfg = ctx->cfg;
	const char *str;
	unsigned int i;

	str = conf_string(ctx, s);
	if (str == NULL)
		return -EINVAL;
	for (i = 0; i < cfg->npolicies; i++) {
		if (strcmp(str, cfg->policies[i].name) == 0) {
			*v = i;
			return 0;
		}
	}
	return conf_err(ctx, s, NULL, "unknown policy \"%.64s\"", str);
}

int
conf_parse_key(struct conf_ctx *ctx, const struct conf_field *f,
	       const config_setting_t *s, long long *v)
{
	const struct wm_config *cfg = ctx->cfg;
	const char *str;
	unsigned int i;

	str = conf_string(ctx, s);
	if (str == NULL)
		return -EINVAL;
	for (i = 0; i < cfg->nkeys; i++) {
		if (strcmp(str, cfg->keys[i].id) == 0) {
			*v = i + 1;
			return 0;
		}
	}
	return conf_err(ctx, s, NULL, "unknown key \"%.64s\" (define it under keys)",
			str);
}

static void
conf_print_key(const struct wm_config *cfg, long long v, FILE *out)
{
	fprintf(out, "\"%s\"", v > 0 ? cfg->keys[v - 1].id : "");
}

static void
conf_print_uint(const struct wm_config *cfg, long long v, FILE *out)
{
	fprintf(out, "%lld", v);
}

static void
conf_print_bool(const struct wm_config *cfg, long long v, FILE *out)
{
	fputs(v ? "true" : "false", out);
}

static void
conf_print_action(const struct wm_config *cfg, long long v, FILE *out)
{
	fprintf(out, "\"%s\"", conf_action_names[v]);
}

static void
conf_print_operator(const struct wm_config *cfg, long long v, FILE *out)
{
	fprintf(out, "\"%s\"", wm_mask_op_name((enum wm_mask_op)v));
}

static void
conf_print_fill(const struct wm_config *cfg, long long v, FILE *out)
{
	if (v == '"' || v == '\\')
		fprintf(out, "\"\\%c\"", (char)v);
	else
		fprintf(out, "\"%c\"", (char)v);
}

static void
conf_print_policy(const struct wm_config *cfg, long long v, FILE *out)
{
	fprintf(out, "\"%s\"", cfg->policies[v].name);
}

/* How each scalar type is parsed and printed; NULL for CT_GROUP/CUSTOM. */
const struct conf_type_ops conf_types[] = {
	[CT_UINT] = { conf_parse_uint, conf_print_uint },
	[CT_BOOL] = { conf_parse_bool, conf_print_bool },
	[CT_ACTION] = { conf_parse_action, conf_print_action },
	[CT_OPERATOR] = { conf_parse_operator, conf_print_operator },
	[CT_FILL] = { conf_parse_fill, conf_print_fill },
	[CT_POLICY] = { conf_parse_policy, conf_print_policy },
	[CT_KEY] = { conf_parse_key, conf_print_key },
	[CT_STRING] = { NULL, NULL },   /* handled by conf_walk itself */
	[CT_GROUP] = { NULL, NULL },
	[CT_CUSTOM] = { NULL, NULL },
};

/* ------------------------------------------------------------------ */
/* Names                                                              */
/* ------------------------------------------------------------------ */

/* Copy the name of named group @s (policy or segment) into @dst. */
int
conf_name(struct conf_ctx *ctx, const config_setting_t *s, char *dst)
{
	const char *name = config_setting_name(s);
	size_t len = strlen(name);

	if (len >= WM_NAME_MAX)
		return conf_err(ctx, s, NULL, "name longer than %d characters",
				WM_NAME_MAX - 1);
	memcpy(dst, name, len + 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

/* An action setting: @ok is the set of allowed actions, as a bitmask. */
#define CONF_ACTION(n, m, d, ok) \
	{ .name = (n), .type = CT_ACTION, .def = (d), .max = (ok), \
	  .off = offsetof(struct wm_config, m), \
	  .size = CONF_SIZE(struct wm_config, m) }
#define ACT(a) (1LL << (a))
#define ACT_FWD_DROP (ACT(WM_FAIL_FORWARD) | ACT(WM_FAIL_DROP))

static int conf_pairs(struct conf_ctx *ctx, const config_setting_t *s,
		      void *base);
static void conf_dump_pairs(const struct wm_config *cfg, const void *base,
			    const char *key, FILE *out);

/* ports = { ... }; offsets in struct wm_config */
static const struct conf_field conf_ports_fields[] = {
	CONF_CUSTOM("pairs", conf_pairs, conf_dump_pairs),
	CONF_UINT("rx_desc", struct wm_config, ports.rx_desc,
		  1024, 64, 16384, 0),
	CONF_UINT("tx_desc", struct wm_config, ports.tx_desc,
		  1024, 64, 16384, 0),
	CONF_UINT("mbufs", struct wm_config, ports.mbufs,
		  16383, 1023, 1048575, 0),
	CONF_UINT("mbuf_size", struct wm_config, ports.mbuf_size,
		  10240, 2048, 65535, 0),
	CONF_SCALAR("promiscuous", CT_BOOL, struct wm_config,
		    ports.promiscuous, true, 0),
	CONF_SCALAR("link_propagation", CT_BOOL, struct wm_config,
		    ports.link_propagation, true, 0),
};

/* reasm = { ... }; offsets in struct wm_config */
static const struct conf_field conf_reasm_fields[] = {
	CONF_UINT("ooo_segments", struct wm_config, reasm.ooo_segments,
		  64, 0, 4096, 0),
	CONF_UINT("ooo_bytes", struct wm_config, reasm.ooo_bytes,
		  262144, 0, 16777216, 0),
	CONF_UINT("ooo_worker_bytes", struct wm_config, reasm.ooo_worker_bytes,
		  67108864, 0, 4294967295LL, 0),
	CONF_UINT("retain_bytes", struct wm_config, reasm.retain_bytes,
		  1048576, 0, 67108864, 0),
	CONF_UINT("retain_worker_bytes", struct wm_config,
		  reasm.retain_worker_bytes, 268435456, 0, 4294967295LL, 0),
	CONF_UINT("gap_timeout_ms", struct wm_config, reasm.gap_timeout_ms,
		  1000, 1, 3600000, 0),
	CONF_UINT("frag_flows", struct wm_config, reasm.frag_flows,
		  4096, 16, 1048576, 0),
	CONF_UINT("frag_timeout_ms", struct wm_config, reasm.frag_timeout_ms,
		  2000, 1, 60000, 0),
};

/* fail = { ... }; what each limit does. Masking segments fail closed. */
static const struct conf_field conf_fail_fields[] = {
	CONF_ACTION("malformed", fail.malformed, WM_FAIL_FORWARD, ACT_FWD_DROP),
	CONF_ACTION("bad_tcp", fail.bad_tcp, WM_FAIL_DROP, ACT_FWD_DROP),
	CONF_ACTION("ip_fragment", fail.ip_fragment, WM_FAIL_REASSEMBLE,
		    ACT_FWD_DROP | ACT(WM_FAIL_REASSEMBLE)),
	CONF_ACTION("flow_table_full", fail.flow_table_full, WM_FAIL_DROP,
		    ACT_FWD_DROP),
	CONF_ACTION("ooo_full", fail.ooo_full, WM_FAIL_DROP, ACT_FWD_DROP),
	CONF_ACTION("memcap", fail.memcap, WM_FAIL_DROP, ACT_FWD_DROP),
	CONF_ACTION("hold_timeout", fail.hold_timeout, WM_FAIL_MASK,
		    ACT(WM_FAIL_MASK) | ACT(WM_FAIL_RELEASE) | ACT(WM_FAIL_DROP)),
	CONF_ACTION("gap", fail.gap, WM_FAIL_SKIP,
		    ACT(WM_FAIL_SKIP) | ACT(WM_FAIL_DROP)),
	CONF_ACTION("frag_table_full", fail.frag_table_full, WM_FAIL_DROP,
		    ACT_FWD_DROP),
};

static const struct conf_table conf_ports = CONF_TABLE(conf_ports_fields);
static const struct conf_table conf_fail = CONF_TABLE(conf_fail_fields);
static const struct conf_table conf_reasm = CONF_TABLE(conf_reasm_fields);

/* Top level; offsets in struct wm_config. Policies before segments. */
static const struct conf_field conf_top_fields[] = {
	CONF_UINT("workers", struct wm_config, workers,
		  0, 0, WM_CONFIG_MAX_WORKERS, 0),
	CONF_UINT("hold_timeout_us", struct wm_config, hold_timeout_us,
		  200000, 1, 1000000, 0),
	CONF_UINT("hold_min_us", struct wm_config, hold_min_us,
		  1000, 0, 1000000, 0),
	CONF_UINT("flow_table_size", struct wm_config, flow_table_size,
		  65536, 1024, 16777216, 0),
	CONF_UINT("flow_timeout_s", struct wm_config, flow_timeout_s,
		  120, 1, 86400, 0),
	CONF_UINT("flow_timeout_syn_s", struct wm_config, flow_timeout_syn_s,
		  30, 1, 86400, 0),
	CONF_UINT("flow_timeout_closed_s", struct wm_config,
		  flow_timeout_closed_s, 10, 1, 86400, 0),
	CONF_UINT("vxlan_port", struct wm_config, vxlan_port,
		  4789, 0, 65535, 0),
	CONF_GROUP("ports", conf_ports),
	CONF_GROUP("reasm", conf_reasm),
	CONF_GROUP("fail", conf_fail),
	CONF_CUSTOM("keys", conf_keys, conf_dump_keys),
	CONF_CUSTOM("detectors", conf_detectors, conf_dump_detectors),
	CONF_CUSTOM("events", conf_events, conf_dump_events),
	CONF_CUSTOM("metrics", conf_metrics, conf_dump_metrics),
	CONF_CUSTOM("policies", conf_policies, conf_dump_policies),
	CONF_CUSTOM("segments", conf_segments, conf_dump_segments),
	CONF_CUSTOM("unknown_segment", conf_unknown_segment,
		    conf_dump_unknown_segment),
};

const struct conf_table conf_top = CONF_TABLE(conf_top_fields);

_Static_assert(WM_ARRAY_SIZE(conf_top_fields) <= CONF_MAX_FIELDS, "top");
_Static_assert(WM_ARRAY_SIZE(conf_ports_fields) <= CONF_MAX_FIELDS, "ports");
_Static_assert(WM_ARRAY_SIZE(conf_fail_fields) <= CONF_MAX_FIELDS, "fail");

/* ------------------------------------------------------------------ */
/* ports.pairs                                                        */
/* ------------------------------------------------------------------ */

/*
 * pairs = ( [0, 1], [2, 3] ): each port in at most one pair. [N, N] pairs
 * a port with itself (one-VF mode: frames leave where they came in).
 */
static int
conf_pairs(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	struct wm_config *cfg = base;
	bool used[WM_CONFIG_MAX_PORTS] = { false };
	const config_setting_t *e;
	long long port[2];
	unsigned int i, n, k;
	int rc;

	if (s == NULL)
		return 0;
	if (!config_setting_is_list(s) && !config_setting_is_array(s))
		return conf_wrong_type(ctx, s, "a list of [port, port] pairs");
	n = (unsigned int)config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if ((!config_setting_is_array(e) && !config_setting_is_list(e)) ||
		    config_setting_length(e) != 2)
			return conf_err(ctx, e, NULL,
					"expected a pair [port, port]");
		for (k = 0; k < 2; k++) {
			rc = conf_int(ctx, config_setting_get_elem(e, k), 0,
				      WM_CONFIG_MAX_PORTS - 1, &port[k]);
			if (rc < 0)
				return rc;
		}
		for (k = 0; k < 2; k++) {
			if (used[port[k]])
				return conf_err(ctx, e, NULL,
						"port %lld is in two pairs",
						port[k]);
			used[port[k]] = true;
			if (port[0] == port[1])
				break;
		}
		cfg->ports.pairs[cfg->ports.npairs][0] = (uint16_t)port[0];
		cfg->ports.pairs[cfg->ports.npairs][1] = (uint16_t)port[1];
		cfg->ports.npairs++;
	}
	return 0;
}

static void
conf_dump_pairs(const struct wm_config *cfg, const void *base,
		const char *key, FILE *out)
{
	unsigned int i;

	fprintf(out, "%s = ", key);
	if (cfg->ports.npairs == 0)
		fputs("default (0<->1, 2<->3, ... by port order)", out);
	for (i = 0; i < cfg->ports.npairs; i++)
		fprintf(out, "%s%u<->%u", i != 0 ? ", " : "",
			cfg->ports.pairs[i][0], cfg->ports.pairs[i][1]);
	fputc('\n', out);
}
