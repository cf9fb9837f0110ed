/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>

#include "wm_common.h"

static wm_log_sink_t log_sink;
static enum wm_log_level log_level = WM_LOG_NOTICE;

void
wm_log_set_sink(wm_log_sink_t sink)
{
	log_sink = sink;
}

void
wm_log_set_level(enum wm_log_level level)
{
	log_level = level;
}

void
wm_log(enum wm_log_level level, const char *fmt, ...)
{
	char line[9216];    /* a config error: two whole paths and why */
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_sink != NULL)
		log_sink(level, line);
	else
		fprintf(stderr, "wiremask: %s\n", line);
}
