/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader: a libconfig file validated in one go against the
 * settings tables (one table per group; see config_priv.h for how the
 * walker uses them and which file owns which table). This file holds
 * what is generic: error reporting, the walker and the printer over a
 * table, loading a file or a string, and the public API. The first
 * error rejects the whole file with "FILE:LINE: SETTING: reason".
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
/* Walker                                                             */
/* ------------------------------------------------------------------ */

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
		/* What the walk made so far (custom and tuned detectors, keys). */
		wm_config_free(cfg);
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
	char *text = NULL;
	config_t lc;
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
	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "%.200s...: path longer than %zu bytes",
			 path, sizeof(dir) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* @include "x.cfg" is relative to the top file's directory. */
	snprintf(dir, sizeof(dir), "%s", path);
	incdir = dirname(dir);
	/* read and checked here: libconfig 1.5 misreads some files */
	e = conf_text_load(path, incdir, &text, err, errlen);
	if (e < 0) {
		errno = -e;
		return NULL;
	}
	config_init(&lc);
	config_set_include_dir(&lc, incdir);
	ok = config_read_string(&lc, text);
	free(text);
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
	if (conf_text_check(name, text, strlen(text), NULL, err, errlen) < 0) {
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
	for (unsigned int i = 0; i < cfg->ntuned; i++)
		wm_detect_configured_free(cfg->tuned[i]);
	free(cfg);
}

void
wm_config_dump(const struct wm_config *cfg, FILE *out)
{
	fprintf(out, "config = \"%s\"\n", cfg->path);
	conf_dump_table(cfg, &conf_top, cfg, "", 0, out);
}
