/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text exposition format's pieces: a growing buffer, HELP and TYPE
 * lines, samples with escaped label values, the held-time histogram's
 * buckets and the counters' Prometheus names.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_metrics.h"

void
wm_metrics_buf_reset(struct wm_metrics_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void
wm_metrics_buf_free(struct wm_metrics_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool
buf_reserve(struct wm_metrics_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
wm_metrics_printf(struct wm_metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append @s with \ and newline escaped, and " too when @quote. */
static void
put_escaped(struct wm_metrics_buf *b, const char *s, bool quote)
{
	if (!buf_reserve(b, 2 * strlen(s)))
		return;
	for (; *s != '\0'; s++) {
		char c = *s;

		if (c == '\\' || c == '\n' || (quote && c == '"')) {
			b->p[b->len++] = '\\';
			c = c == '\n' ? 'n' : c;
		}
		b->p[b->len++] = c;
	}
	b->p[b->len] = '\0';
}

void
wm_metrics_family(struct wm_metrics_buf *b, const char *name,
		  const char *type, const char *help)
{
	wm_metrics_printf(b, "# HELP %s ", name);
	put_escaped(b, help, false);
	wm_metrics_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void
sample_head(struct wm_metrics_buf *b, const char *name, const char *suffix,
	    const char *const *labels, unsigned int nlabels)
{
	wm_metrics_printf(b, "%s%s", name, suffix != NULL ? suffix : "");
	for (unsigned int i = 0; i < nlabels; i++) {
		wm_metrics_printf(b, "%s%s=\"", i == 0 ? "{" : ",",
				  labels[2 * i]);
		put_escaped(b, labels[2 * i + 1], true);
		wm_metrics_printf(b, "\"%s", i + 1 == nlabels ? "}" : "");
	}
}

void
wm_metrics_sample(struct wm_metrics_buf *b, const char *name,
		  const char *suffix, const char *const *labels,
		  unsigned int nlabels, uint64_t value)
{
	sample_head(b, name, suffix, labels, nlabels);
	wm_metrics_printf(b, " %" PRIu64 "\n", value);
}

void
wm_metrics_sample_f(struct wm_metrics_buf *b, const char *name,
		    const char *suffix, const char *const *labels,
		    unsigned int nlabels, double value)
{
	sample_head(b, name, suffix, labels, nlabels);
	if (isnan(value))
		wm_metrics_printf(b, " NaN\n");
	else if (isinf(value))
		wm_metrics_printf(b, " %sInf\n", value < 0 ? "-" : "+");
	else
		wm_metrics_printf(b, " %.17g\n", value);
}

/* Upper edge (exclusive, us) of held_us[] bucket @i (wm_stats.h). */
static uint64_t
held_bucket_top(unsigned int i)
{
	if (i < 4)
		return i + 1;
	return ((uint64_t)5 + i % 4) << (i / 4 - 1);
}

uint64_t
wm_metrics_held_below(const struct wm_stats *s, unsigned int k)
{
	uint64_t le = (uint64_t)1 << k, n = 0;

	/* The last bucket also holds every longer time: never below. */
	for (unsigned int i = 0; i + 1 < WM_HELD_BUCKETS; i++)
		if (held_bucket_top(i) <= le)
			n += s->held_us[i];
	return n;
}

/*
 * Counters whose derived name would mislead: worker-side frame counts
 * (the ports' own are wiremask_port_*), frames dropped on the way out,
 * and a count of bytes.
 */
static const struct {
	const char *dotted;
	const char *name;
	const char *reason;
} renames[] = {
	{ "port.rx", "wiremask_frames_received", NULL },
	{ "port.tx", "wiremask_frames_sent", NULL },
	{ "port.tx_drop", "wiremask_dropped", "tx_queue_full" },
	{ "port.ring_drop", "wiremask_dropped", "handoff_ring_full" },
	{ "stream.hold_masked", "wiremask_stream_hold_masked_bytes", NULL },
};

const char *
wm_metrics_counter_name(enum wm_counter c, char *name, size_t len,
			const char **reason)
{
	const char *d = wm_stats_name(c);

	*reason = "";
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(renames); i++)
		if (strcmp(d, renames[i].dotted) == 0) {
			snprintf(name, len, "%s", renames[i].name);
			if (renames[i].reason != NULL)
				*reason = renames[i].reason;
			return name;
		}
	if (strncmp(d, "drop.", 5) == 0) {
		*reason = d + 5;
		snprintf(name, len, "wiremask_dropped");
	} else if (strncmp(d, "pass.", 5) == 0) {
		*reason = d + 5;
		snprintf(name, len, "wiremask_passed_unscanned");
	} else {
		size_t n = (size_t)snprintf(name, len, "wiremask_%s", d);

		for (size_t i = 0; i < n && i < len; i++)
			if (name[i] == '.')
				name[i] = '_';
	}
	return name;
}
