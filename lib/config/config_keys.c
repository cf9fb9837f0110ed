/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader, the settings that name things outside the policies:
 * keys (key files loaded at load time), events (the JSON-lines event
 * log), metrics (the Prometheus endpoint) and segments (the segment table, and the VLAN IDs and VXLAN VNIs
 * each segment claims), with their dumps.
 */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "config_priv.h"
#include "wm_config.h"
#include "wm_metrics.h"

#define CONF_VLAN_MAX (WM_VLAN_COUNT - 1)
#define CONF_VNI_MAX 16777215

/* ------------------------------------------------------------------ */
/* keys, events                                                       */
/* ------------------------------------------------------------------ */

/* keys = { <id> = "FILE"; ... }; a relative FILE starts at the config's dir */
int
conf_keys(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	struct wm_config *cfg = base;
	char path[4096], why[512];
	unsigned int i, n;
	int rc;

	if (s == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return conf_wrong_type(ctx, s, "a group of key files");
	n = (unsigned int)config_setting_length(s);
	for (i = 0; i < n; i++) {
		const config_setting_t *k = config_setting_get_elem(s, i);
		struct wm_key *key = &cfg->keys[cfg->nkeys];
		const char *file = conf_string(ctx, k);

		if (file == NULL)
			return -EINVAL;
		if (cfg->nkeys == WM_CONFIG_MAX_KEYS)
			return conf_err(ctx, k, NULL, "more than %d keys",
					WM_CONFIG_MAX_KEYS);
		rc = conf_name(ctx, k, key->id);
		if (rc < 0)
			return rc;
		if (file[0] == '/' || ctx->incdir == NULL)
			snprintf(path, sizeof(path), "%s", file);
		else
			snprintf(path, sizeof(path), "%s/%s", ctx->incdir, file);
		rc = wm_key_load(path, key->id, key, why, sizeof(why));
		if (rc < 0)
			return conf_err(ctx, k, NULL, "%s", why);
		cfg->nkeys++;
	}
	return 0;
}

void
conf_dump_keys(const struct wm_config *cfg, const void *base, const char *key,
	       FILE *out)
{
	/* Ids only: key material never reaches a log. */
	for (unsigned int i = 0; i < cfg->nkeys; i++)
		fprintf(out, "%s.%s = (loaded)\n", key, cfg->keys[i].id);
}

/*
 * The event log is opened (created, appended to) at start-up: a path the
 * appliance cannot write there is refused now, not after --check-config
 * said the file was valid. A relative path starts where wiremask runs.
 */
static int
conf_events_path(struct conf_ctx *ctx, const config_setting_t *m,
		 const char *path)
{
	char dir[sizeof(((struct wm_config *)0)->events.path)];
	const char *parent;
	struct stat st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return conf_err(ctx, m, NULL, "%s is a directory",
					path);
		if (access(path, W_OK) != 0)
			return conf_err(ctx, m, NULL, "cannot write %s: %s",
					path, strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return conf_err(ctx, m, NULL, "%s: %s", path, strerror(errno));
	snprintf(dir, sizeof(dir), "%s", path);
	parent = dirname(dir);
	if (stat(parent, &st) != 0)
		return conf_err(ctx, m, NULL, "directory %s: %s", parent,
				strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return conf_err(ctx, m, NULL, "%s is not a directory", parent);
	if (access(parent, W_OK | X_OK) != 0)
		return conf_err(ctx, m, NULL, "cannot create a file in %s: %s",
				parent, strerror(errno));
	return 0;
}

/* events = { path = "FILE"; fingerprint_key = "<key id>"; }; */
int
conf_events(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	struct wm_config *cfg = base;

	if (s == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return conf_wrong_type(ctx, s, "a group");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, i);
		const char *name = config_setting_name(m);
		const char *str = conf_string(ctx, m);
		long long v = 0;

		if (str == NULL)
			return -EINVAL;
		if (strcmp(name, "path") == 0) {
			if (strlen(str) >= sizeof(cfg->events.path))
				return conf_err(ctx, m, NULL, "path too long");
			if (conf_events_path(ctx, m, str) < 0)
				return -EINVAL;
			snprintf(cfg->events.path, sizeof(cfg->events.path),
				 "%s", str);
		} else if (strcmp(name, "fingerprint_key") == 0) {
			if (conf_parse_key(ctx, NULL, m, &v) < 0)
				return -EINVAL;
			cfg->events.fingerprint_key = (uint8_t)v;
		} else {
			return conf_err(ctx, m, NULL, "unknown setting");
		}
	}
	if (cfg->events.path[0] == '\0')
		return conf_err(ctx, s, "path", "required setting is missing");
	return 0;
}

void
conf_dump_events(const struct wm_config *cfg, const void *base,
		 const char *key, FILE *out)
{
	if (cfg->events.path[0] == '\0')
		return;
	fprintf(out, "%s.path = \"%s\"\n%s.fingerprint_key = \"%s\"\n", key,
		cfg->events.path, key, cfg->events.fingerprint_key ?
			cfg->keys[cfg->events.fingerprint_key - 1].id : "");
}

/*
 * metrics = { listen = "ADDR:PORT"; }: the Prometheus endpoint; absent,
 * there is none. ":PORT" listens on 127.0.0.1 only.
 */
int
conf_metrics(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	struct wm_config *cfg = base;
	struct sockaddr_storage ss;
	socklen_t len;

	if (s == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return conf_wrong_type(ctx, s, "a group");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, i);
		const char *str = conf_string(ctx, m);

		if (str == NULL)
			return -EINVAL;
		if (strcmp(config_setting_name(m), "listen") != 0)
			return conf_err(ctx, m, NULL, "unknown setting");
		if (strlen(str) >= sizeof(cfg->metrics.listen) ||
		    wm_metrics_listen_parse(str, &ss, &len) < 0)
			return conf_err(ctx, m, NULL, "\"%.64s\" is not "
					"ADDR:PORT, [IPV6]:PORT or :PORT", str);
		snprintf(cfg->metrics.listen, sizeof(cfg->metrics.listen),
			 "%s", str);
	}
	if (cfg->metrics.listen[0] == '\0')
		return conf_err(ctx, s, "listen", "required setting is missing");
	return 0;
}

void
conf_dump_metrics(const struct wm_config *cfg, const void *base,
		  const char *key, FILE *out)
{
	fprintf(out, "%s.listen = \"%s\"%s\n", key, cfg->metrics.listen,
		cfg->metrics.listen[0] == '\0' ? " (off)" : "");
}

/* ------------------------------------------------------------------ */
/* segments                                                           */
/* ------------------------------------------------------------------ */

static int conf_vlans(struct conf_ctx *ctx, const config_setting_t *s,
		      void *base);
static int conf_vnis(struct conf_ctx *ctx, const config_setting_t *s,
		     void *base);
static void conf_dump_vlans(const struct wm_config *cfg, const void *base,
			    const char *key, FILE *out);
static void conf_dump_vnis(const struct wm_config *cfg, const void *base,
			   const char *key, FILE *out);

/* segments.<segment> = { ... }; offsets in struct wm_segment_conf */
static const struct conf_field conf_segment_fields[] = {
	CONF_SCALAR("policy", CT_POLICY, struct wm_segment_conf, policy, 0,
		    CF_REQUIRED),
	CONF_CUSTOM("vlan", conf_vlans, conf_dump_vlans),
	CONF_CUSTOM("vni", conf_vnis, conf_dump_vnis),
	/* segments as zones: config_zones.c */
	CONF_CUSTOM("select", conf_zone_select, conf_dump_zone_select),
	CONF_CUSTOM("default", conf_zone_default, conf_dump_zone_default),
	CONF_SCALAR("shadow", CT_BOOL, struct wm_segment_conf, shadow, false, 0),
	CONF_CUSTOM("rules", conf_zone_rules, conf_dump_zone_rules),
};

static const struct conf_table conf_segment = CONF_TABLE(conf_segment_fields);

_Static_assert(WM_ARRAY_SIZE(conf_segment_fields) <= CONF_MAX_FIELDS,
	       "segment");
_Static_assert(WM_CONFIG_MAX_SEGMENTS < WM_SEGMENT_NONE, "segment index");

/* A space of IDs a segment can claim: VLAN IDs or VXLAN VNIs. */
struct conf_idspace {
	const char *what;
	long long max;
	uint8_t (*owner)(const struct wm_config *cfg, uint32_t id);
	int (*claim)(struct conf_ctx *ctx, const config_setting_t *e,
		     uint32_t id, uint8_t seg);
};

static uint8_t
conf_vlan_owner(const struct wm_config *cfg, uint32_t id)
{
	return cfg->vlan_segment[id];
}

static int
conf_vlan_claim(struct conf_ctx *ctx, const config_setting_t *e, uint32_t id,
		uint8_t seg)
{
	ctx->cfg->vlan_segment[id] = seg;
	return 0;
}

/* First index in the sorted vnis[] whose vni is >= @id. */
static unsigned int
conf_vni_index(const struct wm_config *cfg, uint32_t id)
{
	unsigned int lo = 0, hi = cfg->nvnis, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cfg->vnis[mid].vni < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint8_t
conf_vni_owner(const struct wm_config *cfg, uint32_t id)
{
	unsigned int i = conf_vni_index(cfg, id);

	if (i < cfg->nvnis && cfg->vnis[i].vni == id)
		return cfg->vnis[i].segment;
	return WM_SEGMENT_NONE;
}

/* Insert keeping vnis[] sorted. */
static int
conf_vni_claim(struct conf_ctx *ctx, const config_setting_t *e, uint32_t id,
	       uint8_t seg)
{
	struct wm_config *cfg = ctx->cfg;
	unsigned int i = conf_vni_index(cfg, id);

	if (cfg->nvnis == WM_CONFIG_MAX_VNIS)
		return conf_err(ctx, e, NULL, "more than %d VNIs in all segments",
				WM_CONFIG_MAX_VNIS);
	memmove(&cfg->vnis[i + 1], &cfg->vnis[i],
		(cfg->nvnis - i) * sizeof(cfg->vnis[0]));
	cfg->vnis[i].vni = id;
	cfg->vnis[i].segment = seg;
	cfg->nvnis++;
	return 0;
}

static const struct conf_idspace conf_vlan_space = {
	"VLAN", CONF_VLAN_MAX, conf_vlan_owner, conf_vlan_claim,
};

static const struct conf_idspace conf_vni_space = {
	"VNI", CONF_VNI_MAX, conf_vni_owner, conf_vni_claim,
};

/* vlan = [ ... ] or vni = [ ... ] of segment @base. */
static int
conf_ids(struct conf_ctx *ctx, const config_setting_t *s, void *base,
	 const struct conf_idspace *sp)
{
	struct wm_config *cfg = ctx->cfg;
	const struct wm_segment_conf *seg = base;
	uint8_t idx = (uint8_t)(seg - cfg->segments);
	const config_setting_t *e;
	unsigned int i, n;
	uint8_t owner;
	long long id = 0;
	int rc;

	if (s == NULL)
		return 0;
	if (idx == 0)
		return conf_err(ctx, s, NULL,
				"the default segment takes what no other segment claims: it cannot list %ss",
				sp->what);
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return conf_wrong_type(ctx, s, "an array of integers");
	n = (unsigned int)config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		rc = conf_int(ctx, e, 0, sp->max, &id);
		if (rc < 0)
			return rc;
		owner = sp->owner(cfg, (uint32_t)id);
		if (owner == idx)
			return conf_err(ctx, e, NULL, "%s %lld is listed twice",
					sp->what, id);
		if (owner != WM_SEGMENT_NONE)
			return conf_err(ctx, e, NULL,
					"%s %lld is claimed by segments \"%s\" and \"%s\"",
					sp->what, id, cfg->segments[owner].name,
					seg->name);
		rc = sp->claim(ctx, e, (uint32_t)id, idx);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
conf_vlans(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	return conf_ids(ctx, s, base, &conf_vlan_space);
}

static int
conf_vnis(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	return conf_ids(ctx, s, base, &conf_vni_space);
}

/* segments.<name> = { policy = ...; vlan = [...]; vni = [...]; }; */
static int
conf_segment_parse(struct conf_ctx *ctx, const config_setting_t *sg)
{
	struct wm_config *cfg = ctx->cfg;
	struct wm_segment_conf *seg;
	int rc;

	if (!config_setting_is_group(sg))
		return conf_wrong_type(ctx, sg, "a group");
	if (cfg->nsegments == WM_CONFIG_MAX_SEGMENTS)
		return conf_err(ctx, sg, NULL, "more than %d segments",
				WM_CONFIG_MAX_SEGMENTS);
	seg = &cfg->segments[cfg->nsegments++];
	rc = conf_name(ctx, sg, seg->name);
	if (rc < 0)
		return rc;
	return conf_walk(ctx, &conf_segment, sg, seg, NULL);
}

/* "default" becomes segments[0] wherever it sits in the file. */
int
conf_segments(struct conf_ctx *ctx, const config_setting_t *s, void *base)
{
	const config_setting_t *def, *sg;
	unsigned int i, n;
	int rc;

	if (s == NULL)
		return conf_err(ctx, NULL, "segments.default",
				"required segment is missing");
	if (!config_setting_is_group(s))
		return conf_wrong_type(ctx, s, "a group of segments");
	def = config_setting_get_member(s, "default");
	if (def == NULL)
		return conf_err(ctx, s, "default",
				"required segment is missing");
	rc = conf_segment_parse(ctx, def);
	if (rc < 0)
		return rc;
	n = (unsigned int)config_setting_length(s);
	for (i = 0; i < n; i++) {
		sg = config_setting_get_elem(s, i);
		if (sg == def)
			continue;
		rc = conf_segment_parse(ctx, sg);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void
conf_dump_segments(const struct wm_config *cfg, const void *base,
		   const char *key, FILE *out)
{
	char prefix[128];
	unsigned int i;

	for (i = 0; i < cfg->nsegments; i++) {
		snprintf(prefix, sizeof(prefix), "%s.%s.", key,
			 cfg->segments[i].name);
		conf_dump_table(cfg, &conf_segment, &cfg->segments[i], prefix,
				0, out);
	}
}

/* Ascending IDs printed as "1-3, 5, 7-8" on one "key = ..." line. */
struct conf_ranges {
	FILE *out;
	const char *key;
	bool started;
	bool open;
	uint32_t lo;
	uint32_t hi;
};

static void
conf_ranges_emit(struct conf_ranges *r)
{
	if (!r->open)
		return;
	fprintf(r->out, r->started ? ", " : "%s = ", r->key);
	r->started = true;
	r->open = false;
	if (r->lo == r->hi)
		fprintf(r->out, "%u", r->lo);
	else
		fprintf(r->out, "%u-%u", r->lo, r->hi);
}

static void
conf_ranges_add(struct conf_ranges *r, uint32_t id)
{
	if (r->open && id == r->hi + 1) {
		r->hi = id;
		return;
	}
	conf_ranges_emit(r);
	r->lo = r->hi = id;
	r->open = true;
}

static void
conf_ranges_end(struct conf_ranges *r)
{
	conf_ranges_emit(r);
	if (r->started)
		fputc('\n', r->out);
}

static void
conf_dump_vlans(const struct wm_config *cfg, const void *base,
		const char *key, FILE *out)
{
	struct conf_ranges r = { .out = out, .key = key };
	uint8_t idx = (uint8_t)((const struct wm_segment_conf *)base -
				cfg->segments);
	uint32_t v;

	for (v = 0; v < WM_VLAN_COUNT; v++)
		if (cfg->vlan_segment[v] == idx)
			conf_ranges_add(&r, v);
	conf_ranges_end(&r);
}

static void
conf_dump_vnis(const struct wm_config *cfg, const void *base,
	       const char *key, FILE *out)
{
	struct conf_ranges r = { .out = out, .key = key };
	uint8_t idx = (uint8_t)((const struct wm_segment_conf *)base -
				cfg->segments);
	unsigned int i;

	for (i = 0; i < cfg->nvnis; i++)
		if (cfg->vnis[i].segment == idx)
			conf_ranges_add(&r, cfg->vnis[i].vni);
	conf_ranges_end(&r);
}
