/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask: the appliance. EAL arguments come before "--", wiremask's
 * own after it. The main lcore is the control side (signals, idle exit,
 * periodic counters, link-state propagation, the status file); worker
 * lcores run the data path.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "wiremask.h"
#include "wm_metrics.h"

struct wm_app wm_app;

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static int logtype;

static void
log_to_rte(enum wm_log_level level, const char *line)
{
	static const uint32_t map[] = {
		[WM_LOG_ERR] = RTE_LOG_ERR, [WM_LOG_WARNING] = RTE_LOG_WARNING,
		[WM_LOG_NOTICE] = RTE_LOG_NOTICE, [WM_LOG_INFO] = RTE_LOG_INFO,
		[WM_LOG_DEBUG] = RTE_LOG_DEBUG,
	};

	rte_log(map[level], (uint32_t)logtype, "wiremask: %s\n", line);
}

static void
stats_sum(struct wm_stats *total)
{
	memset(total, 0, sizeof(*total));
	for (unsigned int i = 0; i < wm_app.nworkers; i++)
		wm_stats_add(total, wm_dp_stats(wm_app.workers[i]->dp));
	wm_reload_stats(total);
	wm_events_stats(total);
	/* counted by the detectors themselves, every thread's */
	total->ctr[WM_CTR_DETECT_ERROR] += wm_detect_errors();
}

/* Counter ids: built-in detectors, then the config's custom ones. */
static unsigned int
det_names(const char **names)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < wm_detect_count() && n < WM_STATS_DETECTORS; i++)
		names[n++] = wm_detect_get(i)->name;
	for (unsigned int i = 0; wm_app.cfg != NULL && i < wm_app.cfg->ncustom &&
	     n < WM_STATS_DETECTORS; i++)
		names[n++] = wm_app.cfg->custom[i]->name;
	return n;
}

/* Is detector @name enabled in some policy? */
static bool
det_used(const char *name)
{
	const struct wm_config *cfg = wm_app.cfg;

	for (unsigned int p = 0; cfg != NULL && p < cfg->npolicies; p++)
		for (unsigned int r = 0; r < cfg->policies[p].nrules; r++)
			if (strcmp(cfg->policies[p].rules[r].detector->name,
				   name) == 0)
				return true;
	return false;
}

#define LINK_POLL_MS 100
#define STATUS_PERIOD_MS 1000

/*
 * Packets denied per zone rule as "segment/rule": N (a shadow segment's:
 * would have been); "segment/default" for a segment that denies by
 * default. Every rule is listed, zero or not.
 */
static void
zones_json(FILE *f, const struct wm_stats *s)
{
	const struct wm_config *cfg = wm_app.cfg;
	const char *sep = "";

	for (unsigned int g = 0; g < cfg->nsegments; g++) {
		const struct wm_segment_conf *sc = &cfg->segments[g];

		for (unsigned int r = 0; r < sc->nrules; r++) {
			fprintf(f, "%s\"%s/%s\": %" PRIu64, sep, sc->name,
				cfg->zone_rules[sc->rule_first + r].name,
				s->zone_rule[sc->rule_first + r]);
			sep = ", ";
		}
		if (sc->deny_default) {
			fprintf(f, "%s\"%s/default\": %" PRIu64, sep, sc->name,
				s->zone_rule[WM_STATS_ZONE_RULES + g]);
			sep = ", ";
		}
	}
}

static int
capture_verdict(void)
{
	struct wm_stats s;

	stats_sum(&s);
	return wm_capture_verdict(s.ctr[WM_CTR_RX], s.ctr[WM_CTR_TX],
				  s.ctr[WM_CTR_DROP_OVERSIZE]);
}

static void
summary_print(FILE *out)
{
	const char *names[WM_STATS_DETECTORS];
	unsigned int ndet = det_names(names);
	struct wm_stats s;
	uint64_t taken;
	int64_t total;

	stats_sum(&s);
	fprintf(out, "wiremask summary\n");
	fprintf(out, "  frames in      %" PRIu64 "\n", s.ctr[WM_CTR_RX]);
	wm_ports_rx_progress(&wm_app, &taken, &total);
	if (total >= 0)
		fprintf(out, "  capture frames %" PRId64 "%s\n", total,
			taken < (uint64_t)total ? " (NOT ALL READ)" : "");
	fprintf(out, "  frames out     %" PRIu64 "\n", s.ctr[WM_CTR_TX]);
	fprintf(out, "  flows          %" PRIu64 "\n", s.ctr[WM_CTR_FLOW_NEW]);
	fprintf(out, "  values masked  %" PRIu64 "\n", s.ctr[WM_CTR_MASK_VALUES]);
	for (unsigned int i = 0; i < ndet; i++)
		if (s.masked[i] != 0 || det_used(names[i]))
			fprintf(out, "    %-15s %" PRIu64 "\n", names[i],
				s.masked[i]);
	if (wm_app.acl != NULL && wm_app.acl->nactive != 0) {
		fprintf(out, "zone denied (segment/rule packets)\n  ");
		zones_json(out, &s);
		fprintf(out, "\n");
	}
	fprintf(out, "counters\n");
	wm_stats_print(&s, names, 0, out);
	fprintf(out, "ports\n");
	wm_ports_print(&wm_app, out);
	wm_links_print(out);
}

static int
stats_json_write(const char *path)
{
	const char *names[WM_STATS_DETECTORS];
	unsigned int ndet = det_names(names);
	struct wm_stats s;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		wm_log(WM_LOG_ERR, "%s: %s", path, strerror(errno));
		return -errno;
	}
	stats_sum(&s);
	fprintf(f, "{\"counters\": {");
	for (unsigned int i = 0; i < WM_CTR_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "",
			wm_stats_name(i), s.ctr[i]);
	fprintf(f, "}, \"masked\": {");
	for (unsigned int i = 0; i < ndet; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", names[i],
			s.masked[i]);
	fprintf(f, "}, \"zone_denied\": {");
	zones_json(f, &s);
	fprintf(f, "}, \"held_us\": {\"p50\": %" PRIu64 ", \"p99\": %" PRIu64
		", \"max\": %" PRIu64 "}, \"links\": ",
		wm_stats_held_quantile(&s, 0.5), wm_stats_held_quantile(&s, 0.99),
		s.held_max_us);
	wm_links_json(f);
	if (wm_app.capture) {
		fprintf(f, ", \"capture\": ");
		wm_capture_json(f);
	}
	fprintf(f, "}\n");
	return fclose(f) == 0 ? 0 : -errno;
}

static bool
all_idle(uint64_t now, uint64_t idle_tsc)
{
	for (unsigned int i = 0; i < wm_app.nworkers; i++) {
		const struct wm_worker *w = wm_app.workers[i];

		if (now - __atomic_load_n(&w->last_rx_tsc, __ATOMIC_RELAXED) <
		    idle_tsc || !rte_ring_empty(w->ring))
			return false;
	}
	return true;
}

/*
 * Capture mode ends once the workers are idle and every frame of every
 * capture has been taken in (net_pcap stops delivering at the end of its
 * file, it does not say so). Idle with frames still unread means a stall
 * (a worker kept off its CPU): wait on, and give up only after
 * CAPTURE_STALL_S of it, as an error.
 */
#define CAPTURE_STALL_S 10

static bool capture_short;      /* ended before every frame was read */

static bool
capture_done(uint64_t now, uint64_t idle_tsc, uint64_t *idle_since)
{
	uint64_t taken;
	int64_t total;

	/*
	 * Every frame taken in: nothing more can come, so no idle time is
	 * waited for (it was most of a small capture's run); the workers
	 * judge what they hold and drain their rings as they stop.
	 */
	wm_ports_rx_progress(&wm_app, &taken, &total);
	if (total >= 0 && taken >= (uint64_t)total)
		return true;
	if (!all_idle(now, idle_tsc)) {
		*idle_since = 0;
		return false;
	}
	if (total < 0)
		return true;
	if (*idle_since == 0)
		*idle_since = now;
	if (now - *idle_since < CAPTURE_STALL_S * rte_get_tsc_hz())
		return false;
	wm_log(WM_LOG_ERR, "the captures hold %" PRId64 " frames, %" PRIu64
	       " were read, then nothing for %d s: the output is incomplete",
	       total, taken, CAPTURE_STALL_S);
	capture_short = true;
	return true;
}

/*
 * Control loop on the main lcore until a signal or idle exit: counters,
 * links every LINK_POLL_MS, the status file every STATUS_PERIOD_MS. The
 * status file goes as soon as the loop ends: a stopping appliance is not
 * ready.
 */
static void
control_loop(const struct wm_opts *o)
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc();
	uint64_t idle_tsc = (uint64_t)o->idle_exit_ms * hz / 1000;
	uint64_t next_stats = start + (uint64_t)o->stats_interval_s * hz;
	uint64_t link_tsc = LINK_POLL_MS * hz / 1000, next_link = start;
	uint64_t status_tsc = STATUS_PERIOD_MS * hz / 1000;
	uint64_t next_status = start + status_tsc;
	uint64_t idle_since = 0;

	wm_status_init(o->status_file);
	wm_links_init(start);
	wm_progress_init(o->idle_exit_ms > 0 && wm_ports_all_pcap(&wm_app));
	while (!stop_signal) {
		uint64_t now;

		usleep(1000);
		now = rte_rdtsc();
		wm_events_drain(&wm_app);
		wm_metrics_poll(now);
		wm_reload_poll(now);
		wm_progress_poll(now);
		if (o->idle_exit_ms > 0 && capture_done(now, idle_tsc, &idle_since))
			break;
		if (now >= next_link && !wm_app.capture) {
			wm_links_poll(now);
			next_link = now + link_tsc;
		}
		if (o->status_file != NULL && now >= next_status) {
			wm_status_write();
			next_status = now + status_tsc;
		}
		if (o->stats_interval_s > 0 && now >= next_stats) {
			summary_print(stdout);
			fflush(stdout);
			next_stats = now + (uint64_t)o->stats_interval_s * hz;
		}
	}
	wm_status_remove();
	wm_progress_end();
	if (stop_signal)
		wm_log(WM_LOG_NOTICE, "signal %d: stopping", (int)stop_signal);
}

/* Stop receiving, drain the hand-off rings, then let workers flush. */
static void
workers_stop(void)
{
	bool busy = true;

	__atomic_store_n(&wm_app.phase, WM_STOP_RX, __ATOMIC_RELEASE);
	while (busy) {
		busy = false;
		for (unsigned int i = 0; i < wm_app.nworkers; i++)
			if (!__atomic_load_n(&wm_app.workers[i]->rx_stopped,
					     __ATOMIC_ACQUIRE) ||
			    !rte_ring_empty(wm_app.workers[i]->ring))
				busy = true;
		if (busy)
			rte_pause();
	}
	__atomic_store_n(&wm_app.phase, WM_EXIT, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
}

static int
workers_count(const struct wm_config *cfg)
{
	unsigned int avail = rte_lcore_count() - 1;

	if (avail == 0) {
		wm_log(WM_LOG_ERR, "no worker lcore: give EAL at least two "
		       "lcores (e.g. -l 0,1); the first one only controls");
		return -EINVAL;
	}
	if (cfg->workers > avail) {
		wm_log(WM_LOG_ERR, "%s: workers = %u but EAL gave %u worker "
		       "lcore(s) (-l / --lcores)", cfg->path, cfg->workers,
		       avail);
		return -EINVAL;
	}
	wm_app.nworkers = cfg->workers != 0 ? cfg->workers : avail;
	return 0;
}

/*
 * The config loaded and its detectors compiled (Hyperscan) by a thread
 * of their own while EAL starts: rte_eal_init() sleeps 100 ms to measure
 * the TSC where the CPU does not tell its frequency (AMD), and needs
 * neither. What a capture's user waits for shrinks by their time.
 */
static struct {
	pthread_t tid;
	bool started;
	const char *path;
	struct wm_config *cfg;
	struct wm_segments *segs;
	char err[WM_CONFIG_ERR_LEN];
} prep;

static void *
prep_main(void *arg)
{
	(void)arg;
	prep.cfg = wm_config_load(prep.path, prep.err, sizeof(prep.err));
	if (prep.cfg != NULL)
		prep.segs = wm_segments_create(prep.cfg, prep.err,
					       sizeof(prep.err));
	return NULL;
}

static void
prep_start(const char *path)
{
	prep.path = path;
	prep.started = pthread_create(&prep.tid, NULL, prep_main, NULL) == 0;
}

/* What prep_main() made, made here if its thread did not start. */
static void
prep_join(void)
{
	if (prep.started)
		pthread_join(prep.tid, NULL);
	else
		prep_main(NULL);
	prep.started = false;
}

static int
app_start(const struct wm_opts *o)
{
	char err[WM_CONFIG_ERR_LEN];
	unsigned int i = 0, lcore;

	prep_join();
	wm_app.cfg = prep.cfg;
	wm_app.segs = prep.segs;
	if (wm_app.cfg == NULL) {
		wm_log(WM_LOG_ERR, "%s", prep.err);
		return 1;
	}
	if (o->verbose)
		wm_config_dump(wm_app.cfg, stdout);
	if (workers_count(wm_app.cfg) < 0)
		return 1;
	if (wm_app.segs == NULL) {
		wm_log(WM_LOG_ERR, "%s: %s", o->config, prep.err);
		return 1;
	}
	wm_app.acl = wm_acl_create(wm_app.cfg, SOCKET_ID_ANY, err, sizeof(err));
	if (wm_app.acl == NULL) {
		wm_log(WM_LOG_ERR, "%s: %s", o->config, err);
		return 1;
	}
	for (unsigned int k = 0; k < wm_app.cfg->nsegments; k++)
		wm_app.segment_names[k] = wm_app.cfg->segments[k].name;
	if (wm_reload_init(o->config, !o->no_watch) < 0)
		return 2;
	if (wm_events_open(&wm_app) < 0)
		return 2;
	wm_app.capture = o->read != NULL;
	if (wm_app.capture && wm_capture_open(o->read, o->write) < 0)
		return 2;
	if (wm_ports_init(&wm_app) < 0 || wm_workers_init(&wm_app) < 0)
		return 2;
	if (wm_metrics_start(o->metrics_listen != NULL ? o->metrics_listen :
			     wm_app.cfg->metrics.listen) < 0)
		return 2;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == wm_app.nworkers)
			break;
		rte_eal_remote_launch(wm_worker_main, wm_app.workers[i++], lcore);
	}
	wm_log(WM_LOG_NOTICE, "%u port(s), %u worker(s), config %s, "
	       "timeouts on %s", wm_app.nports, wm_app.nworkers, o->config,
	       wm_app.capture_clock ? "capture time" : "the TSC");
	return 0;
}

static void
app_stop(void)
{
	wm_workers_free(&wm_app);
	wm_reload_fini();
	wm_events_close(&wm_app);
	wm_ports_close(&wm_app);
	wm_acl_free(wm_app.acl);
	wm_segments_free(wm_app.segs);
	wm_config_free(wm_app.cfg);
}

int
main(int argc, char **argv)
{
	struct wm_opts o = { .idle_exit_ms = -1 };
	int rc, k;

	rc = wm_args_early(argc, argv);
	if (rc >= 0)
		return rc;
	/* wiremask's own arguments first: they name the config to prepare. */
	for (k = 1; k < argc && strcmp(argv[k], "--") != 0; k++)
		;
	if (k < argc) {
		argv[k] = argv[0];
		rc = wm_args_parse(argc - k, argv + k, &o);
		if (rc >= 0)
			return rc;
		prep_start(o.config);
	}
	if (rte_eal_init(k, argv) < 0) {
		fprintf(stderr, "wiremask: EAL init failed: %s (EAL options "
			"go before '--'; try 'wiremask --help')\n",
			rte_strerror(rte_errno));
		return 2;
	}
	logtype = rte_log_register_type_and_pick_level("wiremask",
						       RTE_LOG_NOTICE);
	wm_log_set_sink(log_to_rte);
	if (k == argc) {
		/* No "--": no config, said the same way. */
		rc = wm_args_parse(1, argv, &o);
		goto out;
	}
	if (o.verbose)
		wm_log_set_level(WM_LOG_DEBUG);
	/* A status file left by a run that died must not say "ready". */
	if (o.status_file != NULL)
		unlink(o.status_file);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, wm_reload_signal);
	rc = app_start(&o);
	if (rc != 0) {
		if (wm_app.capture)
			wm_capture_abort();
		__atomic_store_n(&wm_app.phase, WM_EXIT, __ATOMIC_RELEASE);
		rte_eal_mp_wait_lcore();
		goto out_app;
	}
	if (o.idle_exit_ms < 0)
		o.idle_exit_ms = wm_ports_all_pcap(&wm_app) ? 100 : 0;
	control_loop(&o);
	workers_stop();
	wm_events_drain(&wm_app);       /* the workers' last lines */
	summary_print(stdout);
	if (o.stats_json != NULL && stats_json_write(o.stats_json) < 0)
		rc = 2;
	if (capture_short)
		rc = 3;
	if (wm_app.capture && wm_capture_close() < 0)
		rc = 2;
	else if (wm_app.capture && rc == 0)
		rc = capture_verdict();
	wm_metrics_linger(o.linger_s, &stop_signal);
out_app:
	wm_metrics_stop();
	app_stop();
out:
	rte_eal_cleanup();
	return rc;
}
