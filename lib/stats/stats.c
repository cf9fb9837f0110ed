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
	for (unsigned int i = 0; i < WM_HELD_BUCKETS; i++)
		dst->held_us[i] += src->held_us[i];
	for (unsigned int g = 0; g < WM_STATS_SEGMENTS; g++)
		for (unsigned int r = 0; r < WM_STATS_RULES; r++)
			dst->seg_values[g][r] += src->seg_values[g][r];
	for (unsigned int i = 0; i < WM_STATS_ZONE_IDS; i++)
		dst->zone_rule[i] += src->zone_rule[i];
	dst->held_sum_us += src->held_sum_us;
	dst->held_max_us = WM_MAX(dst->held_max_us, src->held_max_us);
}

uint64_t
wm_stats_held_quantile(const struct wm_stats *s, double q)
{
	uint64_t n = 0, seen = 0, want;

	for (unsigned int b = 0; b < WM_HELD_BUCKETS; b++)
		n += s->held_us[b];
	if (n == 0)
		return 0;
	want = (uint64_t)(q * (double)n + 0.5);
	want = WM_MAX(want, (uint64_t)1);
	for (unsigned int b = 0; b < WM_HELD_BUCKETS; b++) {
		uint64_t top;

		seen += s->held_us[b];
		if (seen < want)
			continue;
		top = b < 4 ? b : (((uint64_t)5 + b % 4) << (b / 4 - 1)) - 1;
		return WM_MIN(top, s->held_max_us);
	}
	return s->held_max_us;
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
	if (s->ctr[WM_CTR_STREAM_HELD] != 0)
		fprintf(out, "  %-28s p50 %" PRIu64 " p99 %" PRIu64
			" max %" PRIu64 "\n", "stream.held_us",
			wm_stats_held_quantile(s, 0.5),
			wm_stats_held_quantile(s, 0.99), s->held_max_us);
}
