/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader: a libconfig file validated in one go against the
 * settings tables below (one table per group; see config_priv.h for how
 * the walker uses them). The first error rejects the whole file with
 * "FILE:LINE: SETTING: reason".
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
/* Errors                                                             */
/* ------------------------------------------------------------------ */

/* Dotted path of @s: "policies.default.card.fill", "ports.pairs[1][0]". */
static void
conf_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	const char *name = config_setting_name(s);
	size_t n;

	buf[0] = '\0';
	if (parent == NULL)
		return;
	conf_path(parent, buf, len);
	n = strlen(buf);
	if (name != NULL)
		snprintf(buf + n, len - n, "%s%s", n != 0 ? "." : "", name);
	else
		snprintf(buf + n, len - n, "[%d]", config_setting_index(s));
}

/*
 * Name of the file a setting or a syntax error comes from: @file as
 * libconfig recorded it (NULL: the top file, @ctx->name), with the
 * include directory in front of a relative @include path.
 */
static const char *
conf_file(const struct conf_ctx *ctx, const char *file, char *buf, size_t len)
{
	if (file == NULL)
		return ctx->name;
	if (file[0] == '/' || ctx->incdir == NULL ||
	    strcmp(ctx->incdir, ".") == 0)
		return file;
	snprintf(buf, len, "%s/%s", ctx->incdir, file);
	return buf;
}

/*
 * Report an error about @s (or about its absent member @member, or,
 * when @s is NULL, about the top-level path @member, with no line).
 * Always returns -EINVAL.
 */
int
conf_err(struct conf_ctx *ctx, const config_setting_t *s, const char *member,
	 const char *fmt, ...)
{
	const char *file = ctx->name;
	unsigned int line = 0;
	char fbuf[4096];
	char path[256];
	char reason[256];
	va_list ap;
	size_t n;

	path[0] = '\0';
	if (s != NULL) {
		conf_path(s, path, sizeof(path));
		line = config_setting_source_line(s);
		file = conf_file(ctx, config_setting_source_file(s), fbuf,
				 sizeof(fbuf));
	}
	if (member != NULL) {
		n = strlen(path);
		snprintf(path + n, sizeof(path) - n, "%s%s", n != 0 ? "." : "",
			 member);
	}
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	if (line != 0)
		snprintf(ctx->err, ctx->errlen, "%s:%u: %s: %s", file, line,
			 path, reason);
	else
		snprintf(ctx->err, ctx->errlen, "%s: %s: %s", file, path,
			 reason);
	return -EINVAL;
}

static const char *
conf_type_name(int type)
{
	static const char *const names[] = {
		[CONFIG_TYPE_NONE] = "nothing",
		[CONFIG_TYPE_GROUP] = "a group",
		[CONFIG_TYPE_INT] = "an integer",
		[CONFIG_TYPE_INT64] = "an integer",
		[CONFIG_TYPE_FLOAT] = "a float",
		[CONFIG_TYPE_STRING] = "a string",
		[CONFIG_TYPE_BOOL] = "a boolean",
		[CONFIG_TYPE_ARRAY] = "an array",
		[CONFIG_TYPE_LIST] = "a list",
	};

	if (type < 0 || (unsigned int)type >= WM_ARRAY_SIZE(names) ||
	    names[type] == NULL)
		return "an unknown type";
	return names[type];
}

int
conf_wrong_type(struct conf_ctx *ctx, const config_setting_t *s,
		const char *expected)
{
	return conf_err(ctx, s, NULL, "wrong type: expected %s, got %s",
			expected, conf_type_name(config_setting_type(s)));
}

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
static const struct {
	int (*parse)(struct conf_ctx *ctx, const struct conf_field *f,
		     const config_setting_t *s, long long *v);
	void (*print)(const struct wm_config *cfg, long long v, FILE *out);
} conf_types[] = {
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

static bool
conf_is_scalar(const struct conf_field *f)
{
	return conf_types[f->type].parse != NULL;
}

static void
conf_store(void *base, const struct conf_field *f, long long v)
{
	char *p = (char *)base + f->off;
	uint8_t v8 = (uint8_t)v;
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	switch (f->size) {
	case 1:
		memcpy(p, &v8, 1);
		break;
	case 2:
		memcpy(p, &v16, 2);
		break;
	case 4:
		memcpy(p, &v32, 4);
		break;
	}
}

static long long
conf_load(const void *base, const struct conf_field *f)
{
	const char *p = (const char *)base + f->off;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	switch (f->size) {
	case 1:
		memcpy(&v8, p, 1);
		return v8;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Walker                                                             */
/* ------------------------------------------------------------------ */

static const struct conf_field *
conf_find(const struct conf_table *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return &t->fields[i];
	return NULL;
}

/*
 * Validate group @g (NULL: absent, defaults only) against @t, storing
 * into @base. 1) defaults; 2) every member in file order: known, right
 * type, in range; 3) required rows; 4) nested groups and custom handlers
 * in table order. @seen (CONF_MAX_FIELDS slots, may be NULL) receives
 * the setting given for each row, NULL where the default applies.
 */
int
conf_walk(struct conf_ctx *ctx, const struct conf_table *t,
	  const config_setting_t *g, void *base, const config_setting_t **seen)
{
	const config_setting_t *given[CONF_MAX_FIELDS] = { NULL };
	const struct conf_field *f;
	const config_setting_t *m;
	unsigned int i, n;
	long long v;
	int rc;

	for (i = 0; i < t->nfields; i++) {
		f = &t->fields[i];
		if (conf_is_scalar(f))
			conf_store(base, f, f->def);
		else if (f->type == CT_STRING)
			snprintf((char *)base + f->off, f->size, "%s",
				 f->sdef != NULL ? f->sdef : "");
	}

	n = g != NULL ? (unsigned int)config_setting_length(g) : 0;
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(g, i);
		f = conf_find(t, config_setting_name(m));
		if (f == NULL)
			return conf_err(ctx, m, NULL, "unknown setting");
		if (conf_is_scalar(f)) {
			rc = conf_types[f->type].parse(ctx, f, m, &v);
			if (rc < 0)
				return rc;
			conf_store(base, f, v);
		} else if (f->type == CT_STRING) {
			const char *str = conf_string(ctx, m);

			if (str == NULL)
				return -EINVAL;
			if (strlen(str) >= f->size)
				return conf_err(ctx, m, NULL,
						"longer than %zu characters",
						f->size - 1);
			memcpy((char *)base + f->off, str, strlen(str) + 1);
		} else if (f->type == CT_GROUP && !config_setting_is_group(m)) {
			return conf_wrong_type(ctx, m, "a group");
		}
		given[f - t->fields] = m;
	}

	for (i = 0; i < t->nfields; i++)
		if ((t->fields[i].flags & CF_REQUIRED) && given[i] == NULL)
			return conf_err(ctx, g, t->fields[i].name,
					"required setting is missing");

	for (i = 0; i < t->nfields; i++) {
		f = &t->fields[i];
		rc = 0;
		if (f->type == CT_GROUP)
			rc = conf_walk(ctx, f->sub, given[i], base, NULL);
		else if (f->type == CT_CUSTOM)
			rc = f->parse(ctx, given[i], base);
		if (rc < 0)
			return rc;
	}

	if (seen != NULL)
		memcpy(seen, given, sizeof(given));
	return 0;
}

/*
 * Print every row of @t as "PREFIXname = value"; with @skip (a rule's
 * operator bit), rows that do not apply to that operator are left out.
 */
void
conf_dump_table(const struct wm_config *cfg, const struct conf_table *t,
		const void *base, const char *prefix, unsigned int skip,
		FILE *out)
{
	char sub[128];
	unsigned int i;

	for (i = 0; i < t->nfields; i++) {
		const struct conf_field *f = &t->fields[i];

		if (skip != 0 && f->ops != 0 && !(f->ops & skip))
			continue;   /* a rule row of another operator */
		if (f->type == CT_STRING) {
			fprintf(out, "%s%s = \"%s\"\n", prefix, f->name,
				(const char *)base + f->off);
		} else if (conf_is_scalar(f)) {
			fprintf(out, "%s%s = ", prefix, f->name);
			conf_types[f->type].print(cfg, conf_load(base, f), out);
			fputc('\n', out);
		} else if (f->type == CT_GROUP) {
			/* Setting paths are far shorter than sub. */
			if (snprintf(sub, sizeof(sub), "%s%s.", prefix,
				     f->name) < (int)sizeof(sub))
				conf_dump_table(cfg, f->sub, base, sub, skip,
						out);
		} else if (snprintf(sub, sizeof(sub), "%s%s", prefix,
				    f->name) < (int)sizeof(sub)) {
			f->dump(cfg, base, sub, out);
		}
	}
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
	CONF_CUSTOM("policies", conf_policies, conf_dump_policies),
	CONF_CUSTOM("segments", conf_segments, conf_dump_segments),
};

static const struct conf_table conf_top = CONF_TABLE(conf_top_fields);

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
/* Public API                                                         */
/* ------------------------------------------------------------------ */

/* Turn a parsed libconfig tree (@ok: config_read() result) into a config. */
static struct wm_config *
conf_build(config_t *lc, int ok, const char *name, const char *incdir,
	   char *err, size_t errlen)
{
	struct conf_ctx ctx = {
		.name = name, .incdir = incdir, .err = err, .errlen = errlen,
	};
	struct wm_config *cfg;
	char fbuf[4096];
	const char *file;

	if (!ok) {
		file = conf_file(&ctx, config_error_file(lc), fbuf,
				 sizeof(fbuf));
		snprintf(err, errlen, "%s:%d: syntax error: %s", file,
			 config_error_line(lc),
			 config_error_text(lc) != NULL ? config_error_text(lc) :
							 "unknown error");
		errno = EINVAL;
		return NULL;
	}

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	memset(cfg->vlan_segment, WM_SEGMENT_NONE, sizeof(cfg->vlan_segment));
	ctx.cfg = cfg;

	if (conf_walk(&ctx, &conf_top, config_root_setting(lc), cfg, NULL) < 0) {
		free(cfg);
		errno = EINVAL;
		return NULL;
	}
	return cfg;
}

struct wm_config *
wm_config_load(const char *path, char *err, size_t errlen)
{
	char noerr[1], dir[sizeof(((struct wm_config *)0)->path)];
	struct wm_config *cfg;
	const char *incdir;
	struct stat st;
	config_t lc;
	FILE *fp;
	int ok, e;

	if (err == NULL || errlen == 0) {
		err = noerr;
		errlen = sizeof(noerr);
	}
	err[0] = '\0';
	if (path == NULL) {
		snprintf(err, errlen, "(null): no config file given");
		errno = EINVAL;
		return NULL;
	}
	fp = fopen(path, "r");
	if (fp != NULL && fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		fp = NULL;
		errno = EISDIR;
	}
	if (fp == NULL) {
		e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		errno = e;
		return NULL;
	}

	config_init(&lc);
	/* @include "x.cfg" is relative to the top file's directory. */
	snprintf(dir, sizeof(dir), "%s", path);
	incdir = dirname(dir);
	config_set_include_dir(&lc, incdir);
	ok = config_read(&lc, fp);
	fclose(fp);
	cfg = conf_build(&lc, ok, path, incdir, err, errlen);
	e = errno;
	config_destroy(&lc);
	errno = e;
	return cfg;
}

struct wm_config *
wm_config_load_string(const char *text, const char *name, char *err,
		      size_t errlen)
{
	struct wm_config *cfg;
	char noerr[1];
	config_t lc;
	int ok, e;

	if (err == NULL || errlen == 0) {
		err = noerr;
		errlen = sizeof(noerr);
	}
	err[0] = '\0';
	if (name == NULL)
		name = "(string)";
	if (text == NULL) {
		snprintf(err, errlen, "%s: no config text given", name);
		errno = EINVAL;
		return NULL;
	}
	config_init(&lc);
	ok = config_read_string(&lc, text);
	cfg = conf_build(&lc, ok, name, NULL, err, errlen);
	e = errno;
	config_destroy(&lc);
	errno = e;
	return cfg;
}

void
wm_config_free(struct wm_config *cfg)
{
	if (cfg == NULL)
		return;
	for (unsigned int i = 0; i < cfg->nkeys; i++)
		wm_key_wipe(&cfg->keys[i]);
	for (unsigned int i = 0; i < cfg->ncustom; i++)
		wm_detect_custom_free(cfg->custom[i]);
	free(cfg);
}

void
wm_config_dump(const struct wm_config *cfg, FILE *out)
{
	fprintf(out, "config = \"%s\"\n", cfg->path);
	conf_dump_table(cfg, &conf_top, cfg, "", 0, out);
}
