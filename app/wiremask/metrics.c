/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metrics while the appliance runs, from the control lcore: a snapshot
 * of the workers' counters (summed), the ports' rte_eth_stats and the
 * workers' cycles, shown two ways:
 *
 *   GET /metrics on --metrics-listen / metrics.listen  (libmicrohttpd,
 *     no thread of its own: MHD_run() from the control loop, so a
 *     scrape is built on the control lcore, never on a worker)
 *   /wiremask/stats, /wiremask/segments, /wiremask/flows  (DPDK
 *     telemetry: its thread only copies the last snapshot, under a lock
 *     the control lcore takes to refresh it)
 *
 * Workers write their counters with plain stores and are never stopped
 * or locked: a snapshot reads aligned 64-bit words, as the summary does.
 * The snapshot owns copies of every name, so telemetry stays safe while
 * the config and the workers are freed at exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "wiremask.h"
#include "wm_metrics.h"

#define SNAP_PERIOD_MS 200
#define MAX_RULES (WM_STATS_SEGMENTS * WM_STATS_RULES)

static struct {
	pthread_mutex_t lock;           /* held by the refresh and telemetry */
	bool valid;
	uint64_t tsc;                   /* taken at */
	struct wm_stats stats;
	unsigned int nports;
	struct wm_metrics_port ports[WM_CONFIG_MAX_PORTS];
	char port_name[WM_CONFIG_MAX_PORTS][RTE_ETH_NAME_MAX_LEN];
	char port_driver[WM_CONFIG_MAX_PORTS][32];
	unsigned int nworkers;
	struct wm_metrics_worker workers[WM_CONFIG_MAX_WORKERS];
	int64_t capture_frames;
	/* (segment, rule) series: fixed at start, names copied */
	unsigned int nsegs;
	char seg_name[WM_STATS_SEGMENTS][WM_NAME_MAX];
	unsigned int nrules;
	struct wm_metrics_rule rules[MAX_RULES];
	char det_name[MAX_RULES][WM_NAME_MAX];
	/* zone rules and defaults (names point into the config) */
	unsigned int nzones;
	struct wm_metrics_zone zones[WM_STATS_ZONE_IDS];
} snap = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct {
	struct MHD_Daemon *mhd;
	struct wm_metrics_buf buf;
	double start_time;
	uint64_t scrapes;
} srv;

/* The zone series: every rule, and each denying segment's default. */
static void
zones_init(const struct wm_config *cfg)
{
	snap.nzones = 0;
	for (unsigned int s = 0; s < snap.nsegs; s++) {
		const struct wm_segment_conf *sc = &cfg->segments[s];

		for (unsigned int r = 0; r < sc->nrules; r++)
			snap.zones[snap.nzones++] = (struct wm_metrics_zone){
				.id = sc->rule_first + r,
				.segment = snap.seg_name[s],
				.rule = cfg->zone_rules[sc->rule_first + r].name,
				.shadow = sc->shadow,
			};
		if (sc->deny_default)
			snap.zones[snap.nzones++] = (struct wm_metrics_zone){
				.id = WM_STATS_ZONE_RULES + s,
				.segment = snap.seg_name[s], .rule = "default",
				.shadow = sc->shadow,
			};
	}
}

/* The (segment, rule) series, from the config: once, at start. */
static void
rules_init(const struct wm_config *cfg)
{
	snap.nsegs = WM_MIN(cfg->nsegments, (unsigned int)WM_STATS_SEGMENTS);
	snap.nrules = 0;
	for (unsigned int s = 0; s < snap.nsegs; s++) {
		const struct wm_policy_conf *p =
			&cfg->policies[cfg->segments[s].policy];

		snprintf(snap.seg_name[s], WM_NAME_MAX, "%s",
			 cfg->segments[s].name);
		for (unsigned int r = 0; r < p->nrules && r < WM_STATS_RULES;
		     r++) {
			unsigned int i = snap.nrules++;
			struct wm_metrics_rule *m = &snap.rules[i];

			snprintf(snap.det_name[i], WM_NAME_MAX, "%s",
				 p->rules[r].detector->name);
			m->seg = s;
			m->rule = r;
			m->segment = snap.seg_name[s];
			m->detector = snap.det_name[i];
			m->op = wm_mask_op_name(p->rules[r].mask.op);
			/* a shadow segment's values are found, not masked */
			m->alert = p->rules[r].mask.op == WM_MASK_ALERT ||
				   cfg->segments[s].shadow;
		}
	}
	zones_init(cfg);
}

static void
snap_ports(void)
{
	snap.nports = wm_app.nports;
	for (unsigned int p = 0; p < wm_app.nports; p++) {
		const struct wm_port *port = &wm_app.ports[p];
		struct wm_metrics_port *m = &snap.ports[p];
		const char *link = wm_link_name(p);
		struct rte_eth_stats st;

		if (port->soft)
			snprintf(snap.port_name[p], RTE_ETH_NAME_MAX_LEN,
				 "capture%u", p);
		else if (snap.port_name[p][0] == '\0' &&
		    rte_eth_dev_get_name_by_port(port->id, snap.port_name[p]) != 0)
			snprintf(snap.port_name[p], RTE_ETH_NAME_MAX_LEN, "?");
		snprintf(snap.port_driver[p], 32, "%s", port->driver);
		m->port = p;
		m->peer = port->peer;
		m->name = snap.port_name[p];
		m->driver = snap.port_driver[p];
		m->link = strcmp(link, "up") == 0 ? 1 :
			  strcmp(link, "down") == 0 ? 0 : -1;
		if (port->soft || rte_eth_stats_get(port->id, &st) != 0)
			continue;
		m->rx_packets = st.ipackets;
		m->tx_packets = st.opackets;
		m->rx_bytes = st.ibytes;
		m->tx_bytes = st.obytes;
		m->rx_missed = st.imissed;
		m->rx_nombuf = st.rx_nombuf;
		m->rx_errors = st.ierrors;
		m->tx_errors = st.oerrors;
	}
}

/* Take a new snapshot (control lcore). */
static void
snap_refresh(void)
{
	pthread_mutex_lock(&snap.lock);
	memset(&snap.stats, 0, sizeof(snap.stats));
	snap.nworkers = wm_app.nworkers;
	for (unsigned int i = 0; i < wm_app.nworkers; i++) {
		const struct wm_worker *w = wm_app.workers[i];
		struct wm_metrics_worker *m = &snap.workers[i];
		struct wm_dp_usage u;

		wm_stats_add(&snap.stats, wm_dp_stats(w->dp));
		wm_dp_usage(w->dp, &u, false);
		m->index = i;
		m->lcore = w->lcore;
		m->busy_cycles = __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED);
		m->cycles = __atomic_load_n(&w->poll_cycles, __ATOMIC_RELAXED);
		m->flows = u.flows;
		m->windows = u.windows;
		m->retained_bytes = u.retained_bytes;
	}
	wm_reload_stats(&snap.stats);
	wm_events_stats(&snap.stats);
	snap_ports();
	snap.tsc = rte_rdtsc();
	snap.valid = true;
	pthread_mutex_unlock(&snap.lock);
}

/* The exposition of a fresh snapshot into srv.buf; 0 or -ENOMEM. */
static int
render(void)
{
	struct wm_metrics_view v = {
		.stats = &snap.stats,
		.rules = snap.rules, .nrules = snap.nrules,
		.zones = snap.zones, .nzones = snap.nzones,
		.ports = snap.ports, .nports = snap.nports,
		.workers = snap.workers, .nworkers = snap.nworkers,
		.tsc_hz = rte_get_tsc_hz(),
		.start_time = srv.start_time,
		.version = WM_VERSION,
		.capture_frames = snap.capture_frames,
	};

	snap_refresh();
	wm_metrics_buf_reset(&srv.buf);
	return wm_metrics_render(&v, &srv.buf);
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned int status, const char *type,
      const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
					    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

#define TEXT "text/plain; charset=utf-8"

/* GET /metrics; "/" says where; anything else 404, other methods 405. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_len, void **con_cls)
{
	static const char root[] = "wiremask: metrics at /metrics\n";

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT,
			     "GET /metrics\n", 13);
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, TEXT, root, sizeof(root) - 1);
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, TEXT, "not found\n", 10);
	srv.scrapes++;
	if (render() < 0)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT,
			     "out of memory\n", 14);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
		     srv.buf.p, srv.buf.len);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	wm_log(WM_LOG_WARNING, "metrics endpoint: %s", line);
}

static int
http_start(const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned int flags = MHD_USE_ERROR_LOG;

	if (wm_metrics_listen_parse(listen, &ss, &len) < 0) {
		wm_log(WM_LOG_ERR, "metrics: '%s' is not ADDR:PORT, "
		       "[IPV6]:PORT or :PORT", listen);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* No MHD_USE_INTERNAL_POLLING_THREAD: MHD_run() from the loop. */
	srv.mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				   MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   MHD_OPTION_CONNECTION_LIMIT, 16u,
				   MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				   MHD_OPTION_END);
	if (srv.mhd == NULL) {
		wm_log(WM_LOG_ERR, "metrics: cannot listen on %s (in use, or "
		       "not an address of this host)", listen);
		return -EADDRINUSE;
	}
	wm_log(WM_LOG_NOTICE, "metrics: http://%s/metrics", listen);
	return 0;
}

/* ------------------------------------------------------------------ */
/* DPDK telemetry                                                     */
/* ------------------------------------------------------------------ */

/* A telemetry dict key: letters, digits, '_' and '/' only. */
static void
tel_key(char *out, size_t len, const char *a, const char *b, const char *c)
{
	snprintf(out, len, "%s%s%s%s%s", a, b ? "/" : "", b ? b : "",
		 c ? "/" : "", c ? c : "");
	for (char *p = out; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '/'))
			*p = '_';
}

/* Every counter, as in --stats-json ("drop.gap" is drop_gap). */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char key[64];

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&snap.lock);
	for (unsigned int i = 0; snap.valid && i < WM_CTR_MAX; i++) {
		tel_key(key, sizeof(key), wm_stats_name(i), NULL, NULL);
		rte_tel_data_add_dict_u64(d, key, snap.stats.ctr[i]);
	}
	if (snap.valid) {
		rte_tel_data_add_dict_u64(d, "held_us_p50",
			wm_stats_held_quantile(&snap.stats, 0.5));
		rte_tel_data_add_dict_u64(d, "held_us_p99",
			wm_stats_held_quantile(&snap.stats, 0.99));
		rte_tel_data_add_dict_u64(d, "held_us_max",
					  snap.stats.held_max_us);
	}
	pthread_mutex_unlock(&snap.lock);
	return 0;
}

/*
 * Values per segment/detector/operator; with a parameter, only that
 * segment's (a dict holds at most RTE_TEL_MAX_DICT_ENTRIES).
 */
static int
tel_segments(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char key[3 * WM_NAME_MAX + 4];
	unsigned int n = 0;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&snap.lock);
	for (unsigned int i = 0; snap.valid && i < snap.nrules &&
	     n < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		const struct wm_metrics_rule *r = &snap.rules[i];

		if (params != NULL && params[0] != '\0' &&
		    strcmp(params, r->segment) != 0)
			continue;
		tel_key(key, sizeof(key), r->segment, r->detector, r->op);
		rte_tel_data_add_dict_u64(d, key,
					  snap.stats.seg_values[r->seg][r->rule]);
		n++;
	}
	pthread_mutex_unlock(&snap.lock);
	return 0;
}

/* Flows in the tables, per worker, and the flow.* counters. */
static int
tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char key[64];
	uint64_t total = 0;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&snap.lock);
	for (unsigned int i = 0; snap.valid && i < snap.nworkers; i++) {
		snprintf(key, sizeof(key), "worker_%u", i);
		rte_tel_data_add_dict_u64(d, key, snap.workers[i].flows);
		total += snap.workers[i].flows;
	}
	rte_tel_data_add_dict_u64(d, "flows", total);
	for (unsigned int i = 0; snap.valid && i < WM_CTR_MAX; i++)
		if (strncmp(wm_stats_name(i), "flow.", 5) == 0) {
			tel_key(key, sizeof(key), wm_stats_name(i), NULL, NULL);
			rte_tel_data_add_dict_u64(d, key, snap.stats.ctr[i]);
		}
	pthread_mutex_unlock(&snap.lock);
	return 0;
}

static void
tel_register(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	rte_telemetry_register_cmd("/wiremask/stats", tel_stats,
		"Every counter (as --stats-json, '.' as '_') and held time "
		"p50/p99/max in us. No parameters");
	rte_telemetry_register_cmd("/wiremask/segments", tel_segments,
		"Values found per segment/detector/operator. Parameter: a "
		"segment name (optional)");
	rte_telemetry_register_cmd("/wiremask/flows", tel_flows,
		"Flows in each worker's table and the flow counters. No "
		"parameters");
}

/* ------------------------------------------------------------------ */

int
wm_metrics_start(const char *listen)
{
	struct timespec ts;
	uint64_t taken;

	clock_gettime(CLOCK_REALTIME, &ts);
	srv.start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	rules_init(wm_app.cfg);
	wm_ports_rx_progress(&wm_app, &taken, &snap.capture_frames);
	snap_refresh();
	tel_register();
	if (listen == NULL || listen[0] == '\0')
		return 0;
	return http_start(listen);
}

void
wm_metrics_config(const struct wm_config *cfg)
{
	pthread_mutex_lock(&snap.lock);
	rules_init(cfg);
	pthread_mutex_unlock(&snap.lock);
}

void
wm_metrics_poll(uint64_t now)
{
	static uint64_t next;

	if (now >= next) {
		snap_refresh();
		next = now + SNAP_PERIOD_MS * rte_get_tsc_hz() / 1000;
	}
	if (srv.mhd != NULL)
		MHD_run(srv.mhd);
}

void
wm_metrics_linger(unsigned int seconds, volatile sig_atomic_t *stop)
{
	uint64_t end = rte_rdtsc() + (uint64_t)seconds * rte_get_tsc_hz();

	if (seconds == 0)
		return;
	fflush(stdout);
	wm_log(WM_LOG_NOTICE, "done: the final counters stay readable for "
	       "%u s (--linger; SIGTERM ends it)", seconds);
	while (!*stop && rte_rdtsc() < end) {
		usleep(1000);
		wm_metrics_poll(rte_rdtsc());
	}
}

void
wm_metrics_stop(void)
{
	if (srv.mhd != NULL)
		MHD_stop_daemon(srv.mhd);
	srv.mhd = NULL;
	wm_metrics_buf_free(&srv.buf);
	/* Telemetry may still ask: the snapshot stays, the workers go. */
	pthread_mutex_lock(&snap.lock);
	snap.valid = false;
	pthread_mutex_unlock(&snap.lock);
}
