/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "wm_stats.h"

static const char *const ctr_names[WM_CTR_MAX] = {
#define WM_X_NAME(e, name, help) [WM_CTR_##e] = name,
	WM_COUNTERS(WM_X_NAME)
#undef WM_X_NAME
};

static const char *const ctr_help[WM_CTR_MAX] = {
#define WM_X_HELP(e, name, help) [WM_CTR_##e] = help,
	WM_COUNTERS(WM_X_HELP)
#undef WM_X_HELP
};

const char *
wm_stats_name(enum wm_counter c)
{
	return c < WM_CTR_MAX ? ctr_names[c] : "?";
}

const char *
wm_stats_help(enum wm_counter c)
{
	return c < WM_CTR_MAX ? ctr_help[c] : "?";
}

void
wm_stats_add(struct wm_stats *dst, const struct wm_stats *src)
{
	for (unsigned int i = 0; i < WM_CTR_MAX; i++)
		dst->ctr[i] += src->ctr[i];
	for (unsigned int i = 0; i < WM_STATS_DETECTORS; i++)
		dst->masked[i] += src->masked[i];
}

void
wm_stats_print(const struct wm_stats *s, const char *const *det_names,
	       unsigned int ndet, FILE *out)
{
	for (unsigned int i = 0; i < WM_CTR_MAX; i++)
		if (s->ctr[i] != 0)
			fprintf(out, "  %-28s %" PRIu64 "\n", ctr_names[i],
				s->ctr[i]);
	for (unsigned int i = 0; i < ndet && i < WM_STATS_DETECTORS; i++) {
		char name[64];

		snprintf(name, sizeof(name), "mask.%s", det_names[i]);
		fprintf(out, "  %-28s %" PRIu64 "\n", name, s->masked[i]);
	}
}
