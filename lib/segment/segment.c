/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_segment.h"

/*
 * Counter id of @d: built-ins by index, then the config's custom ones.
 * A built-in a rule gave settings is a copy with the built-in's name.
 */
static uint8_t
det_id(const struct wm_config *cfg, const struct wm_detector *d)
{
	for (unsigned int k = 0; k < wm_detect_count(); k++)
		if (wm_detect_get(k) == d ||
		    strcmp(wm_detect_get(k)->name, d->name) == 0)
			return (uint8_t)k;
	for (unsigned int k = 0; k < cfg->ncustom; k++)
		if (cfg->custom[k] == d)
			return (uint8_t)(wm_detect_count() + k);
	return 0;
}

static int
policy_compile(struct wm_policy *p, const struct wm_config *cfg,
	       const struct wm_policy_conf *pc, char *err, size_t errlen)
{
	const char *exprs[WM_DETECT_MAX];
	unsigned int flags[WM_DETECT_MAX];
	char why[256];

	p->conf = pc;
	if (pc->nrules == 0)
		return 0;
	for (unsigned int i = 0; i < pc->nrules; i++) {
		const struct wm_detector *d = pc->rules[i].detector;

		exprs[i] = d->pattern;
		flags[i] = d->hs_flags;
		wm_detect_prepare(d);   /* phone's metadata, off the data path */
		p->det_id[i] = det_id(cfg, d);
	}
	p->db = wm_match_db_build(exprs, flags, pc->nrules, why, sizeof(why));
	if (p->db == NULL) {
		snprintf(err, errlen, "policy %s: %s", pc->name, why);
		return -errno;
	}
	return 0;
}

struct wm_segments *
wm_segments_create(const struct wm_config *cfg, char *err, size_t errlen)
{
	struct wm_segments *segs = calloc(1, sizeof(*segs));

	if (segs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	segs->cfg = cfg;
	for (unsigned int i = 0; i < cfg->npolicies; i++) {
		struct wm_policy *p = &segs->policies[i];

		if (policy_compile(p, cfg, &cfg->policies[i], err, errlen) < 0)
			goto fail;
		if (p->db != NULL &&
		    wm_match_scratch_grow(p->db, &segs->scratch) < 0) {
			snprintf(err, errlen, "policy %s: no memory for scratch",
				 cfg->policies[i].name);
			errno = ENOMEM;
			goto fail;
		}
	}
	return segs;

fail:
	wm_segments_free(segs);
	return NULL;
}

void
wm_segments_free(struct wm_segments *segs)
{
	if (segs == NULL)
		return;
	for (unsigned int i = 0; i < WM_CONFIG_MAX_POLICIES; i++)
		wm_match_db_free(segs->policies[i].db);
	if (segs->scratch != NULL)
		hs_free_scratch(segs->scratch);
	free(segs);
}
