/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Declarative settings tables of the config loader (nginx directive
 * tables): each setting has a name, a type, a default and bounds in one
 * row; one generic walker validates a libconfig group against a table,
 * and one generic printer dumps the values in effect from the same
 * table.
 *
 *   conf_table "top"         base: struct wm_config
 *     workers ... vxlan_port   CT_UINT
 *     ports   -> "ports"       CT_GROUP (same base)
 *     fail    -> "fail"        CT_GROUP (same base)
 *     policies                 CT_CUSTOM: named groups of rules
 *       <policy>.<detector>    -> "rule", base: struct wm_mask_params
 *     segments                 CT_CUSTOM: named groups
 *       <segment>              -> "segment", base: struct wm_segment_conf
 *
 * Members are checked in file order (unknown key, type, range), then
 * nested groups and custom handlers run in table order, so that
 * "segments" may name policies wherever "policies" sits in the file.
 *
 * Which file owns what (each table sits next to its handlers):
 *   config.c         errors, the walker and the printer, loading, API
 *   config_table.c   field types (conf_types), value readers; tables
 *                    top, ports, reasm, fail; ports.pairs
 *   config_policy.c  custom detectors; table rule; policies
 *   config_keys.c    keys, events; table segment; VLAN and VNI mapping
 *   config_zones.c   a segment's zone rules, default, shadow, selectors;
 *                    unknown_segment
 */
#ifndef WM_CONFIG_PRIV_H
#define WM_CONFIG_PRIV_H

#include <stddef.h>
#include <stdio.h>

#include <libconfig.h>

#include "wm_config.h"

/* Most rows in one table (the walker keeps one slot per row). */
#define CONF_MAX_FIELDS 24

enum conf_type {
	CT_UINT,     /* integer (int or int64) in [min, max] */
	CT_BOOL,     /* true | false */
	CT_ACTION,   /* "forward" | "drop" -> enum wm_fail_action */
	CT_OPERATOR, /* wm_mask_op_parse() name -> enum wm_mask_op */
	CT_FILL,     /* one printable ASCII byte other than space */
	CT_POLICY,   /* name of a policy defined above -> index */
	CT_KEY,      /* id of a key under keys -> index + 1 */
	CT_STRING,   /* a string stored in a char[size] (default: sdef) */
	CT_GROUP,    /* nested table, same base */
	CT_CUSTOM,   /* handler: lists and named groups */
};

/* Row flags. */
#define CF_REQUIRED     0x1 /* must be present in its group */

struct conf_ctx {
	const char *name;       /* file name (or load_string name) */
	const char *incdir;     /* where @include paths start, or NULL */
	char *err;
	size_t errlen;
	struct wm_config *cfg;
	/* The rule being read: its detector's settings (context words,
	 * regions) and which of them the file gave (config_policy.c). */
	struct wm_detect_params det;
	bool det_given;
};

struct conf_table;

struct conf_field {
	const char *name;
	enum conf_type type;
	unsigned int flags;
	long long def;          /* CT_UINT, CT_BOOL, CT_ACTION, CT_FILL */
	long long min;          /* CT_UINT */
	long long max;          /* CT_UINT */
	size_t off;             /* where the value lives in the base */
	size_t size;            /* 1, 2 or 4 bytes; CT_STRING: the array */
	const char *sdef;       /* CT_STRING default */
	unsigned int ops;       /* rule rows: operators it applies to (bit
				 * per enum wm_mask_op), 0: all */
	const struct conf_table *sub;   /* CT_GROUP */
	/* CT_CUSTOM: @s is NULL when the setting is absent. */
	int (*parse)(struct conf_ctx *ctx, const config_setting_t *s,
		     void *base);
	void (*dump)(const struct wm_config *cfg, const void *base,
		     const char *prefix, FILE *out);
};

struct conf_table {
	const struct conf_field *fields;
	unsigned int nfields;
};

/* Rows of a table, in the table's own file. */
#define CONF_SIZE(st, m) sizeof(((st *)0)->m)

#define CONF_UINT(n, st, m, d, lo, hi, fl) \
	{ .name = (n), .type = CT_UINT, .flags = (fl), .def = (d), \
	  .min = (lo), .max = (hi), .off = offsetof(st, m), \
	  .size = CONF_SIZE(st, m) }
#define CONF_SCALAR(n, ty, st, m, d, fl) \
	{ .name = (n), .type = (ty), .flags = (fl), .def = (d), \
	  .off = offsetof(st, m), .size = CONF_SIZE(st, m) }
#define CONF_GROUP(n, t) \
	{ .name = (n), .type = CT_GROUP, .sub = &(t) }
#define CONF_CUSTOM(n, p, d) \
	{ .name = (n), .type = CT_CUSTOM, .parse = (p), .dump = (d) }
#define CONF_TABLE(f) \
	{ .fields = (f), .nfields = WM_ARRAY_SIZE(f) }

/*
 * How each scalar type is parsed and printed, indexed by enum conf_type
 * (config_table.c); parse is NULL for CT_STRING, CT_GROUP and CT_CUSTOM.
 */
struct conf_type_ops {
	int (*parse)(struct conf_ctx *ctx, const struct conf_field *f,
		     const config_setting_t *s, long long *v);
	void (*print)(const struct wm_config *cfg, long long v, FILE *out);
};

extern const struct conf_type_ops conf_types[];

/* The top-level table (config_table.c); the others hang off it. */
extern const struct conf_table conf_top;

/*
 * Errors, all returning -EINVAL: about @s (or its absent member
 * @member; with @s NULL, about the top-level path @member, no line).
 */
int conf_err(struct conf_ctx *ctx, const config_setting_t *s,
	     const char *member, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int conf_wrong_type(struct conf_ctx *ctx, const config_setting_t *s,
		    const char *expected);

/* Values: an integer in [min, max]; a string (NULL: error reported). */
int conf_int(struct conf_ctx *ctx, const config_setting_t *s, long long min,
	     long long max, long long *v);
const char *conf_string(struct conf_ctx *ctx, const config_setting_t *s);
/* Name of named group @s (policy, segment, key id) into @dst. */
int conf_name(struct conf_ctx *ctx, const config_setting_t *s, char *dst);
/* A key id under keys -> index + 1 (@f unused). */
int conf_parse_key(struct conf_ctx *ctx, const struct conf_field *f,
		   const config_setting_t *s, long long *v);

/* The walker and the printer over a table (see above). */
/*
 * The text of config file @path (a regular file, read without blocking)
 * into *@text (malloc'd, NUL-terminated), checked with every file it
 * includes (from @incdir) for what libconfig would misread: a byte order
 * mark, NUL bytes, bytes that are not UTF-8, integers beyond their
 * bits, deep nesting, an @include that is not a regular file
 * (config_text.c). 0, or -errno with "FILE:LINE: SETTING: reason".
 */
int conf_text_load(const char *path, const char *incdir, char **text,
		   char *err, size_t errlen);

/* The same checks on @len bytes of @text, named @name in messages. */
int conf_text_check(const char *name, const char *text, size_t len,
		    const char *incdir, char *err, size_t errlen);

/* Read the regular file open at @fd (named @name) into *@text, *@len. */
int conf_text_read_fd(int fd, const char *name, char **text, size_t *len,
		      char *err, size_t errlen);

int conf_walk(struct conf_ctx *ctx, const struct conf_table *t,
	      const config_setting_t *g, void *base,
	      const config_setting_t **seen);
void conf_dump_table(const struct wm_config *cfg, const struct conf_table *t,
		     const void *base, const char *prefix, unsigned int skip,
		     FILE *out);

/* Top-level handlers, config_policy.c: custom detectors, policies. */
int conf_detectors(struct conf_ctx *ctx, const config_setting_t *s,
		   void *base);
void conf_dump_detectors(const struct wm_config *cfg, const void *base,
			 const char *key, FILE *out);
int conf_policies(struct conf_ctx *ctx, const config_setting_t *s,
		  void *base);
void conf_dump_policies(const struct wm_config *cfg, const void *base,
			const char *key, FILE *out);

/* Top-level handlers, config_keys.c: keys, events, segments. */
int conf_keys(struct conf_ctx *ctx, const config_setting_t *s, void *base);
void conf_dump_keys(const struct wm_config *cfg, const void *base,
		    const char *key, FILE *out);
int conf_events(struct conf_ctx *ctx, const config_setting_t *s, void *base);
int conf_metrics(struct conf_ctx *ctx, const config_setting_t *s, void *base);
void conf_dump_metrics(const struct wm_config *cfg, const void *base,
		       const char *key, FILE *out);
void conf_dump_events(const struct wm_config *cfg, const void *base,
		      const char *key, FILE *out);
int conf_segments(struct conf_ctx *ctx, const config_setting_t *s,
		  void *base);
void conf_dump_segments(const struct wm_config *cfg, const void *base,
			const char *key, FILE *out);

/* Segment rows and unknown_segment, config_zones.c: segments as zones. */
int conf_zone_default(struct conf_ctx *ctx, const config_setting_t *s,
		      void *base);
void conf_dump_zone_default(const struct wm_config *cfg, const void *base,
			    const char *key, FILE *out);
int conf_zone_rules(struct conf_ctx *ctx, const config_setting_t *s,
		    void *base);
void conf_dump_zone_rules(const struct wm_config *cfg, const void *base,
			  const char *key, FILE *out);
int conf_zone_select(struct conf_ctx *ctx, const config_setting_t *s,
		     void *base);
void conf_dump_zone_select(const struct wm_config *cfg, const void *base,
			   const char *key, FILE *out);
int conf_unknown_segment(struct conf_ctx *ctx, const config_setting_t *s,
			 void *base);
void conf_dump_unknown_segment(const struct wm_config *cfg, const void *base,
			       const char *key, FILE *out);

#endif /* WM_CONFIG_PRIV_H */
