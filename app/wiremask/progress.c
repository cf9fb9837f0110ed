/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture mode's progress line: frames taken in, share of the captures,
 * rate, rewritten on stderr about once a second when both stdout and
 * stderr are terminals (a pipe or a log file gets nothing of it), and
 * left as the last state with a newline at the end.
 *
 *   wiremask: 1843200 of 4000000 frames (46.1 %), 612.4 kframes/s
 */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "wiremask.h"

#define PROGRESS_PERIOD_MS 1000

static struct {
	bool on;
	bool shown;
	uint64_t start_tsc;
	uint64_t next;          /* TSC of the next line */
	uint64_t last_tsc;
	uint64_t last_taken;
	double rate;            /* frames/s over the last period */
} pr;

static void
progress_print(void)
{
	uint64_t taken;
	int64_t total;

	wm_ports_rx_progress(&wm_app, &taken, &total);
	fprintf(stderr, "\rwiremask: %" PRIu64, taken);
	if (total > 0)
		fprintf(stderr, " of %" PRId64 " frames (%.1f %%)", total,
			100.0 * (double)taken / (double)total);
	else
		fprintf(stderr, " frames");
	fprintf(stderr, ", %.1f kframes/s\033[K", pr.rate / 1000.0);
	fflush(stderr);
	pr.shown = true;
}

void
wm_progress_init(bool on)
{
	pr.on = on && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
	pr.start_tsc = pr.last_tsc = rte_rdtsc();
	pr.next = pr.last_tsc + PROGRESS_PERIOD_MS * rte_get_tsc_hz() / 1000;
}

void
wm_progress_poll(uint64_t now)
{
	uint64_t taken;
	int64_t total;

	if (!pr.on || now < pr.next)
		return;
	wm_ports_rx_progress(&wm_app, &taken, &total);
	pr.rate = (double)(taken - pr.last_taken) * (double)rte_get_tsc_hz() /
		  (double)(now - pr.last_tsc);
	pr.last_taken = taken;
	pr.last_tsc = now;
	pr.next = now + PROGRESS_PERIOD_MS * rte_get_tsc_hz() / 1000;
	progress_print();
}

/* The last line: where the run ended, at its average rate. */
void
wm_progress_end(void)
{
	uint64_t taken, now = rte_rdtsc();
	int64_t total;

	if (!pr.on)
		return;
	wm_ports_rx_progress(&wm_app, &taken, &total);
	if (now > pr.start_tsc)
		pr.rate = (double)taken * (double)rte_get_tsc_hz() /
			  (double)(now - pr.start_tsc);
	progress_print();
	fputc('\n', stderr);
	pr.on = false;
}
