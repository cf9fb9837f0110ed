/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Custom detectors: a user's Hyperscan expression (see wm_detect.h for
 * the contract). The trigger is the expression itself; confirm finds the
 * match's start with a block-mode database of the same expression
 * compiled with HS_FLAG_SOM_LEFTMOST, scanned over the window.
 * The block-mode scratch is the calling thread's (lib/match:
 * wm_match_block_scratch(), grown for every custom database).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "wm_detect.h"
#include "wm_match.h"
#include "detect_priv.h"

#define CUSTOM_MAX_LEN 250

struct custom {
	struct wm_detector det; /* first: the detector is the allocation */
	hs_database_t *som_db;  /* block mode, HS_FLAG_SOM_LEFTMOST */
	enum wm_validator v;
	bool any;               /* classes NULL: any byte */
	bool cls[256];
	char name[WM_NAME_MAX];
	char *pattern;
	char *classes;
};

/* "0-9A-Z-": ranges a-b and single bytes into @cls. 0 or -EINVAL. */
static int
classes_parse(const char *s, bool cls[256])
{
	size_t n = strlen(s);

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n;) {
		uint8_t a = (uint8_t)s[i];

		if (i + 2 < n && s[i + 1] == '-') {
			uint8_t b = (uint8_t)s[i + 2];

			if (a > b)
				return -EINVAL;
			for (unsigned int c = a; c <= b; c++)
				cls[c] = true;
			i += 3;
		} else {
			cls[a] = true;
			i++;
		}
	}
	return 0;
}

/* The leftmost start of a match that ends at the window's end. */
struct custom_hit {
	unsigned long long end;
	unsigned long long from;
	bool found;
};

static int
custom_on_match(unsigned int id, unsigned long long from,
		unsigned long long to, unsigned int flags, void *ctx)
{
	struct custom_hit *h = ctx;

	(void)id;
	(void)flags;
	if (to == h->end && (!h->found || from < h->from)) {
		h->from = from;
		h->found = true;
	}
	return 0;
}

/* The validator over the span's digits (luhn) or alphanumerics. */
static bool
custom_validate(enum wm_validator v, const uint8_t *s, size_t n)
{
	uint8_t keep[CUSTOM_MAX_LEN];
	size_t k = 0;

	if (v == WM_VALIDATE_NONE)
		return true;
	for (size_t i = 0; i < n && k < sizeof(keep); i++)
		if (v == WM_VALIDATE_LUHN ? wm_is_digit(s[i])
					  : wm_is_alnum(s[i]))
			keep[k++] = s[i];
	if (v == WM_VALIDATE_LUHN)
		return wm_detect_luhn(keep, k);
	return wm_detect_mod97(keep, k);
}

/* Candidates confirmed whole after an internal error, every thread's. */
static uint64_t custom_errors;

uint64_t
wm_detect_errors(void)
{
	return __atomic_load_n(&custom_errors, __ATOMIC_RELAXED);
}

/*
 * The trigger matched but its start cannot be looked for (no scratch, a
 * Hyperscan error): fail closed, the longest value that can end here is
 * the value. Masking a few bytes too many is the price; a value left in
 * clear as "not a value" would be a leak.
 */
static bool
custom_confirm_whole(const struct wm_detector *d, size_t len,
		     struct wm_span *span)
{
	__atomic_fetch_add(&custom_errors, 1, __ATOMIC_RELAXED);
	span->start = (uint16_t)(len > d->max_len ? len - d->max_len : 0);
	span->end = (uint16_t)len;
	return true;
}

static bool
custom_confirm(const struct wm_detector *d, const uint8_t *win, size_t len,
	       struct wm_span *span)
{
	const struct custom *c = d->priv;
	struct custom_hit hit = { .end = len };
	hs_scratch_t *s;

	if (len == 0)
		return false;
	s = wm_match_block_scratch();
	if (s == NULL ||
	    wm_match_block_scan(c->som_db, win, len, s, custom_on_match,
				&hit) != 0)
		return custom_confirm_whole(d, len, span);
	if (!hit.found || hit.from >= len || len - hit.from > d->max_len)
		return false;
	if (!custom_validate(c->v, win + hit.from, len - (size_t)hit.from))
		return false;
	span->start = (uint16_t)hit.from;
	span->end = (uint16_t)len;
	return true;
}

static size_t
custom_hold(const struct wm_detector *d, const uint8_t *tail, size_t len)
{
	const struct custom *c = d->priv;
	size_t n = 0;

	if (c->any)
		return WM_MIN(len, (size_t)d->max_len);
	while (n < len && n < d->max_len && c->cls[tail[len - 1 - n]])
		n++;
	return n;
}

void
wm_detect_custom_free(struct wm_detector *d)
{
	struct custom *c;

	if (d == NULL)
		return;
	c = d->priv;
	hs_free_database(c->som_db);
	free(c->pattern);
	free(c->classes);
	free(c);
}

/* Compile @regex in @mode with @flags; NULL with Hyperscan's reason. */
static hs_database_t *
custom_compile(const char *regex, unsigned int flags, unsigned int mode,
	       char *why, size_t whylen)
{
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;

	if (hs_compile(regex, flags, mode, NULL, &db, &cerr) != HS_SUCCESS) {
		snprintf(why, whylen, "%s",
			 cerr != NULL ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		return NULL;
	}
	return db;
}

/* Arguments that need no Hyperscan: 0, or -EINVAL with @err set. */
static int
custom_args_check(const char *name, const char *regex, unsigned int max_len,
		  const char *classes, enum wm_validator v, bool cls[256],
		  char *err, size_t errlen)
{
	if (name == NULL || name[0] == '\0' || strlen(name) >= WM_NAME_MAX) {
		snprintf(err, errlen, "custom detector: name must be 1..%d "
			 "bytes", WM_NAME_MAX - 1);
		return -EINVAL;
	}
	if (wm_detect_find(name) != NULL) {
		snprintf(err, errlen, "detector %s: name of a built-in "
			 "detector", name);
		return -EINVAL;
	}
	if (regex == NULL || regex[0] == '\0') {
		snprintf(err, errlen, "detector %s: empty regex", name);
		return -EINVAL;
	}
	if (max_len < 1 || max_len > CUSTOM_MAX_LEN) {
		snprintf(err, errlen, "detector %s: max_len %u not in 1..%d",
			 name, max_len, CUSTOM_MAX_LEN);
		return -EINVAL;
	}
	if (classes != NULL && classes_parse(classes, cls) < 0) {
		snprintf(err, errlen, "detector %s: classes \"%s\": empty or "
			 "a range runs backwards", name, classes);
		return -EINVAL;
	}
	if (v != WM_VALIDATE_NONE && v != WM_VALIDATE_LUHN &&
	    v != WM_VALIDATE_MOD97) {
		snprintf(err, errlen, "detector %s: unknown validator", name);
		return -EINVAL;
	}
	return 0;
}

struct wm_detector *
wm_detect_custom_create(const char *name, const char *regex,
			unsigned int max_len, const char *classes,
			enum wm_validator v, char *err, size_t errlen)
{
	struct custom *c = calloc(1, sizeof(*c));
	hs_database_t *stream_db;
	char why[256];
	int rc;

	if (c == NULL)
		goto fail_nomem;
	rc = custom_args_check(name, regex, max_len, classes, v, c->cls, err,
			       errlen);
	if (rc < 0) {
		free(c);
		errno = -rc;
		return NULL;
	}
	stream_db = custom_compile(regex, 0, HS_MODE_STREAM, why, sizeof(why));
	if (stream_db == NULL) {
		snprintf(err, errlen, "detector %s: regex cannot be compiled "
			 "for streaming: %s", name, why);
		goto fail_inval;
	}
	hs_free_database(stream_db);
	c->som_db = custom_compile(regex, HS_FLAG_SOM_LEFTMOST, HS_MODE_BLOCK,
				   why, sizeof(why));
	if (c->som_db == NULL) {
		snprintf(err, errlen, "detector %s: the start of a match "
			 "cannot be located (start of match): %s", name, why);
		goto fail_inval;
	}
	c->pattern = strdup(regex);
	c->classes = classes != NULL ? strdup(classes) : NULL;
	if (c->pattern == NULL || (classes != NULL && c->classes == NULL) ||
	    wm_match_block_register(c->som_db) < 0)
		goto fail_db;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->v = v;
	c->any = classes == NULL;
	c->det = (struct wm_detector){
		.name = c->name,
		.pattern = c->pattern,
		.hs_flags = 0,
		.max_len = (uint16_t)max_len,
		.separators = "",
		.min_chars = 1,
		.classes = c->classes,
		.hold = custom_hold,
		.confirm = custom_confirm,
		.priv = c,
	};
	return &c->det;

fail_db:
	hs_free_database(c->som_db);
	free(c->pattern);
	free(c->classes);
	free(c);
fail_nomem:
	snprintf(err, errlen, "detector %s: out of memory",
		 name != NULL ? name : "(custom)");
	errno = ENOMEM;
	return NULL;
fail_inval:
	free(c);
	errno = EINVAL;
	return NULL;
}
