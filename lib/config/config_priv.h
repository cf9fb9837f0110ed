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
 */
#ifndef WM_CONFIG_PRIV_H
#define WM_CONFIG_PRIV_H

#include <stddef.h>
#include <stdio.h>

#include <libconfig.h>

#include "wm_config.h"

/* Most rows in one table (the walker keeps one slot per row). */
#define CONF_MAX_FIELDS 16

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

#endif /* WM_CONFIG_PRIV_H */
