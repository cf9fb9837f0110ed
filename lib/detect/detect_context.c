/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Settings of the built-ins that take them (ssn and phone): context
 * words before a value, numbering-plan regions, and the configured
 * copies of a built-in that a policy rule with such settings uses.
 *
 *   ... "ssn": "536228726" ...
 *        ^^^ ^^^^^ ^value
 *        word  context_bytes (word end to value start, at most)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_detect.h"
#include "wm_match.h"
#include "detect_priv.h"
#include "phone_meta.h"

static const struct wm_detect_spec *const specs[] = {
	&wm_ssn_spec,
	&wm_phone_spec,
};

/* A configured built-in: the copy, its settings, its own trigger. */
struct configured {
	struct wm_detector d;
	struct wm_detect_params p;
	char pattern[2048];
};

static const struct wm_detect_spec *
spec_of(const struct wm_detector *d)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(specs); i++)
		if (d != NULL && d->name != NULL &&
		    strcmp(specs[i]->d->name, d->name) == 0)
			return specs[i];
	return NULL;
}

unsigned int
wm_detect_takes(const struct wm_detector *d)
{
	const struct wm_detect_spec *spec = spec_of(d);

	return spec != NULL ? spec->takes : 0;
}

void
wm_detect_params_get(const struct wm_detector *d, struct wm_detect_params *p)
{
	const struct wm_detect_spec *spec = spec_of(d);

	memset(p, 0, sizeof(*p));
	if (spec != NULL)
		*p = *wm_params(d, spec);
}

static bool
word_byte_ok(char c)
{
	return wm_is_alnum((uint8_t)c) || c == ' ' || c == '_' || c == '-' ||
	       c == '.' || c == '#';
}

bool
wm_detect_context_word_ok(const char *w)
{
	size_t n = w != NULL ? strlen(w) : 0;

	if (n == 0 || n >= WM_CONTEXT_WORD_MAX || !wm_is_alpha((uint8_t)w[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!word_byte_ok(w[i]))
			return false;
	return true;
}

bool
wm_detect_region_ok(const char *r)
{
	return r != NULL && strlen(r) == 2 && wm_is_upper((uint8_t)r[0]) &&
	       wm_is_upper((uint8_t)r[1]) && wm_phone_meta_region_known(r);
}

/*
 * Does word @w (@n bytes, lower case) start a word of the text at
 * buf[s]? Before it: the window's start, a byte that is neither letter
 * nor digit, or a lower-case letter when the word is written with a
 * capital (camelCase). "3faxPn" in a random token is no fax.
 */
static bool
word_at(const uint8_t *buf, size_t s, const char *w, size_t n)
{
	uint8_t prev;

	if (!wm_caseeq(buf + s, w, n))
		return false;
	if (s == 0)
		return true;
	prev = buf[s - 1];
	if (!wm_is_alnum(prev))
		return true;
	return wm_is_upper(buf[s]) && wm_is_alpha(prev) && !wm_is_upper(prev);
}

/* A byte that ends a context word's reach: a digit (another value's
 * word), or a field separator (',' ';' '&'). */
static bool
gap_breaker(uint8_t c)
{
	return wm_is_digit(c) || c == ',' || c == ';' || c == '&';
}

bool
wm_context_before(const struct wm_detect_params *p, const uint8_t *buf,
		  size_t start)
{
	for (unsigned int i = 0; i < p->ncontext; i++) {
		const char *w = p->context[i];
		size_t n = strlen(w);
		size_t reach = p->context_bytes + WM_CONTEXT_TOKEN_MAX + n;
		size_t lo = start > reach ? start - reach : 0;

		for (size_t s = lo; s + n <= start; s++) {
			size_t t = s + n, k = 0;

			if (!word_at(buf, s, w, n))
				continue;
			/* The rest of its token: "ssn2", "phone_number". */
			while (t < start && k < WM_CONTEXT_TOKEN_MAX &&
			       wm_is_word(buf[t]))
				t++, k++;
			if (start - t > p->context_bytes)
				continue;
			while (t < start && !gap_breaker(buf[t]))
				t++;
			if (t == start)
				return true;
		}
	}
	return false;
}

int
wm_context_pattern(const struct wm_detect_spec *spec,
		   const struct wm_detect_params *p, char *out, size_t cap)
{
	size_t o = 0;
	int k;

#define PUT(...)                                                             \
	do {                                                                 \
		k = snprintf(out + o, cap - o, __VA_ARGS__);                 \
		if (k < 0 || (size_t)k >= cap - o)                           \
			return -ENAMETOOLONG;                                \
		o += (size_t)k;                                              \
	} while (0)

	PUT("%s", spec->base);
	if (p->ncontext == 0)
		return 0;
	PUT("|(?i:");
	for (unsigned int i = 0; i < p->ncontext; i++) {
		PUT("%s", i > 0 ? "|" : "");
		for (const char *c = p->context[i]; *c != '\0'; c++)
			PUT(wm_is_alnum((uint8_t)*c) ? "%c" : "\\%c", *c);
	}
	PUT(")\\w{0,%u}[^0-9]{0,%u}%s", WM_CONTEXT_TOKEN_MAX,
	    p->context_bytes, spec->after);
#undef PUT
	return 0;
}

/* Settings @p checked against what @spec takes; 0 or -EINVAL. */
static int
params_check(const struct wm_detect_spec *spec,
	     const struct wm_detect_params *p, char *err, size_t errlen)
{
	if (p->ncontext > WM_CONTEXT_MAX || p->nregions > WM_REGIONS_MAX ||
	    p->context_bytes > WM_CONTEXT_BYTES_MAX) {
		snprintf(err, errlen, "%s: too many settings", spec->d->name);
		return -EINVAL;
	}
	if (p->nregions > 0 && !(spec->takes & WM_DETECT_TAKES_REGIONS)) {
		snprintf(err, errlen, "detector %s takes no regions",
			 spec->d->name);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < p->ncontext; i++)
		if (!wm_detect_context_word_ok(p->context[i])) {
			snprintf(err, errlen, "%s: context word %u refused "
				 "(letters, digits, space, _ - . #; a letter "
				 "first)", spec->d->name, i + 1);
			return -EINVAL;
		}
	for (unsigned int i = 0; i < p->nregions; i++)
		if (!wm_detect_region_ok(p->regions[i])) {
			snprintf(err, errlen, "%s: unknown region \"%.2s\"",
				 spec->d->name, p->regions[i]);
			return -EINVAL;
		}
	return 0;
}

struct wm_detector *
wm_detect_configure(const struct wm_detector *base,
		    const struct wm_detect_params *p, char *err, size_t errlen)
{
	const struct wm_detect_spec *spec = spec_of(base);
	struct wm_match_db *db;
	struct configured *c;
	const char *expr;
	unsigned int flags;
	char why[256];

	if (spec == NULL || spec->d != base) {
		snprintf(err, errlen, "detector %s takes no settings",
			 base != NULL ? base->name : "(null)");
		errno = EINVAL;
		return NULL;
	}
	if (params_check(spec, p, err, errlen) < 0) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", base->name);
		return NULL;
	}
	c->d = *base;
	c->p = *p;
	for (unsigned int i = 0; i < c->p.ncontext; i++)
		for (char *w = c->p.context[i]; *w != '\0'; w++)
			if (wm_is_upper((uint8_t)*w))
				*w = (char)(*w | 0x20);
	if (c->p.nregions == 0) {
		memcpy(c->p.regions, spec->defaults->regions,
		       sizeof(c->p.regions));
		c->p.nregions = spec->defaults->nregions;
	}
	if (wm_context_pattern(spec, &c->p, c->pattern, sizeof(c->pattern))
	    < 0) {
		snprintf(err, errlen, "%s: context words too long",
			 base->name);
		goto fail;
	}
	/* Compiled once here so that a refusal names the detector. */
	expr = c->pattern;
	flags = base->hs_flags;
	db = wm_match_db_build(&expr, &flags, 1, why, sizeof(why));
	if (db == NULL) {
		snprintf(err, errlen, "%s: %s", base->name, why);
		goto fail;
	}
	wm_match_db_free(db);
	c->d.pattern = c->pattern;
	c->d.priv = &c->p;
	return &c->d;
fail:
	free(c);
	errno = EINVAL;
	return NULL;
}

void
wm_detect_prepare(const struct wm_detector *d)
{
	struct wm_detect_params p;

	if (!(wm_detect_takes(d) & WM_DETECT_TAKES_REGIONS))
		return;
	wm_detect_params_get(d, &p);
	wm_phone_meta_prepare(p.regions, p.nregions);
}

void
wm_detect_configured_free(struct wm_detector *d)
{
	/* d is the first member of its struct configured. */
	free(d);
}
