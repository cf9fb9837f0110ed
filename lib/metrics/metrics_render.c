/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole exposition of one scrape: build info, every counter of
 * lib/stats (drops and unscanned passes by reason), values per segment,
 * detector and operator, the held-time histogram, the ports' own
 * counters (rte_eth_stats) and each worker's cycles and table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wm_metrics.h"

#define NAME_LEN 96

static const char *
family_help(const char *family, enum wm_counter c)
{
	if (strcmp(family, "wiremask_dropped") == 0)
		return "Frames not forwarded, by reason (the drop.* counters, "
		       "port.tx_drop and port.ring_drop).";
	if (strcmp(family, "wiremask_passed_unscanned") == 0)
		return "Frames forwarded without a scan, by reason (the "
		       "pass.* counters).";
	return wm_stats_help(c);
}

/* Every counter of lib/stats, one family at a time, reasons together. */
static void
render_counters(const struct wm_stats *s, struct wm_metrics_buf *b)
{
	char name[NAME_LEN], other[NAME_LEN], family[NAME_LEN + 8];
	const char *reason, *r2;

	for (unsigned int c = 0; c < WM_CTR_MAX; c++) {
		bool seen = false;

		wm_metrics_counter_name(c, name, sizeof(name), &reason);
		/* A family is written where its first counter is. */
		for (unsigned int p = 0; p < c && !seen; p++)
			seen = strcmp(wm_metrics_counter_name(p, other,
				      sizeof(other), &r2), name) == 0;
		if (seen)
			continue;
		snprintf(family, sizeof(family), "%s_total", name);
		wm_metrics_family(b, family, "counter", family_help(name, c));
		for (unsigned int k = c; k < WM_CTR_MAX; k++) {
			const char *lab[2] = { "reason", NULL };

			if (strcmp(wm_metrics_counter_name(k, other,
				   sizeof(other), &lab[1]), name) != 0)
				continue;
			wm_metrics_sample(b, family, NULL, lab,
					  lab[1][0] != '\0', s->ctr[k]);
		}
	}
}

static void
render_values(const struct wm_metrics_view *v, struct wm_metrics_buf *b,
	      bool alert)
{
	const char *fam = alert ? "wiremask_alerted_values_total" :
				  "wiremask_masked_values_total";

	wm_metrics_family(b, fam, "counter", alert ?
		"Values found and left as they were by an alert rule, by "
		"segment and detector." :
		"Values masked, by segment, detector and operator (drop: "
		"the flow was dropped).");
	for (unsigned int i = 0; i < v->nrules; i++) {
		const struct wm_metrics_rule *r = &v->rules[i];
		const char *lab[6] = { "segment", r->segment, "detector",
				       r->detector, "operator", r->op };

		if (r->alert != alert || r->seg >= WM_STATS_SEGMENTS ||
		    r->rule >= WM_STATS_RULES)
			continue;
		wm_metrics_sample(b, fam, NULL, lab, alert ? 2 : 3,
				  v->stats->seg_values[r->seg][r->rule]);
	}
}

/* Packets denied per zone rule: enforced, or counted by a shadow segment. */
static void
render_zones(const struct wm_metrics_view *v, struct wm_metrics_buf *b,
	     bool shadow)
{
	const char *fam = shadow ? "wiremask_zone_shadow_denied_packets_total" :
				   "wiremask_zone_denied_packets_total";

	wm_metrics_family(b, fam, "counter", shadow ?
		"Packets a shadow segment's zone rules would have dropped "
		"(forwarded), by segment and rule (default: no rule matched)." :
		"Packets dropped by a segment's zone rules, by segment and "
		"rule (default: no rule matched).");
	for (unsigned int i = 0; i < v->nzones; i++) {
		const struct wm_metrics_zone *z = &v->zones[i];
		const char *lab[4] = { "segment", z->segment, "rule", z->rule };

		if (z->shadow != shadow || z->id >= WM_STATS_ZONE_IDS)
			continue;
		wm_metrics_sample(b, fam, NULL, lab, 2, v->stats->zone_rule[z->id]);
	}
}

/* Microseconds @us as seconds, exactly ("0.000512", "67.108864"). */
static void
us_to_s(uint64_t us, char *out, size_t len)
{
	int n = snprintf(out, len, "%" PRIu64 ".%06" PRIu64, us / 1000000,
			 us % 1000000);

	while (n > 2 && out[n - 1] == '0' && out[n - 2] != '.')
		out[--n] = '\0';
}

static void
render_held(const struct wm_stats *s, struct wm_metrics_buf *b)
{
	static const char fam[] = "wiremask_held_seconds";
	uint64_t count = 0;
	char le[32];
	const char *lab[2] = { "le", le };

	wm_metrics_family(b, fam, "histogram",
		"Time held packets waited for their judgement (lib/stats "
		"held_us, 4 buckets per power of two; shown at powers of "
		"two microseconds).");
	for (unsigned int k = 0; k < WM_METRICS_HELD_LE; k++) {
		us_to_s((uint64_t)1 << k, le, sizeof(le));
		wm_metrics_sample(b, fam, "_bucket", lab, 1,
				  wm_metrics_held_below(s, k));
	}
	for (unsigned int i = 0; i < WM_HELD_BUCKETS; i++)
		count += s->held_us[i];
	snprintf(le, sizeof(le), "+Inf");
	wm_metrics_sample(b, fam, "_bucket", lab, 1, count);
	/* whole microseconds, written as exact decimal seconds */
	us_to_s(s->held_sum_us, le, sizeof(le));
	wm_metrics_printf(b, "%s_sum %s\n", fam, le);
	wm_metrics_sample(b, fam, "_count", NULL, 0, count);
	wm_metrics_family(b, "wiremask_held_max_seconds", "gauge",
			  "Longest time a packet was held.");
	us_to_s(s->held_max_us, le, sizeof(le));
	wm_metrics_printf(b, "wiremask_held_max_seconds %s\n", le);
}

#define PORT_CTR(f, h) { #f, offsetof(struct wm_metrics_port, f), h }
static const struct {
	const char *name;
	size_t off;
	const char *help;
} port_ctrs[] = {
	PORT_CTR(rx_packets, "Frames the port received (rte_eth_stats ipackets)."),
	PORT_CTR(tx_packets, "Frames the port sent (opackets)."),
	PORT_CTR(rx_bytes, "Bytes the port received (ibytes)."),
	PORT_CTR(tx_bytes, "Bytes the port sent (obytes)."),
	PORT_CTR(rx_missed, "Frames the NIC dropped: no room in the receive queue (imissed)."),
	PORT_CTR(rx_nombuf, "Frames lost for want of an mbuf (rx_nombuf)."),
	PORT_CTR(rx_errors, "Erroneous frames received (ierrors)."),
	PORT_CTR(tx_errors, "Frames that failed to go out (oerrors)."),
};

static void
render_ports(const struct wm_metrics_view *v, struct wm_metrics_buf *b)
{
	char id[16], peer[16], name[NAME_LEN];

	wm_metrics_family(b, "wiremask_port_info", "gauge",
			  "Ports: ethdev name, driver and the peer their "
			  "frames leave by (always 1).");
	for (unsigned int i = 0; i < v->nports; i++) {
		const struct wm_metrics_port *p = &v->ports[i];
		const char *lab[8] = { "port", id, "name", p->name, "driver",
				       p->driver, "peer", peer };

		snprintf(id, sizeof(id), "%u", p->port);
		snprintf(peer, sizeof(peer), "%u", p->peer);
		wm_metrics_sample(b, "wiremask_port_info", NULL, lab, 4, 1);
	}
	wm_metrics_family(b, "wiremask_port_link_up", "gauge",
			  "1 when the port's link is up, 0 when down "
			  "(absent: the driver reports none).");
	for (unsigned int i = 0; i < v->nports; i++) {
		const char *lab[2] = { "port", id };

		snprintf(id, sizeof(id), "%u", v->ports[i].port);
		if (v->ports[i].link >= 0)
			wm_metrics_sample(b, "wiremask_port_link_up", NULL,
					  lab, 1, (uint64_t)v->ports[i].link);
	}
	for (unsigned int c = 0; c < WM_ARRAY_SIZE(port_ctrs); c++) {
		snprintf(name, sizeof(name), "wiremask_port_%s_total",
			 port_ctrs[c].name);
		wm_metrics_family(b, name, "counter", port_ctrs[c].help);
		for (unsigned int i = 0; i < v->nports; i++) {
			const char *lab[2] = { "port", id };
			const char *p = (const char *)&v->ports[i];

			snprintf(id, sizeof(id), "%u", v->ports[i].port);
			wm_metrics_sample(b, name, NULL, lab, 1,
					  *(const uint64_t *)(p + port_ctrs[c].off));
		}
	}
}

#define WORKER_VAL(f, n, t, h) { n, t, offsetof(struct wm_metrics_worker, f), h }
static const struct {
	const char *name;
	const char *type;
	size_t off;
	const char *help;
} worker_vals[] = {
	WORKER_VAL(busy_cycles, "wiremask_worker_busy_cycles_total", "counter",
		   "TSC cycles of loop turns that received or judged packets "
		   "(busy fraction: its rate over wiremask_worker_cycles_total's)."),
	WORKER_VAL(cycles, "wiremask_worker_cycles_total", "counter",
		   "TSC cycles the worker has looped."),
	WORKER_VAL(flows, "wiremask_worker_flows", "gauge",
		   "Flows in the worker's table (closed ones until they age out)."),
	WORKER_VAL(windows, "wiremask_worker_windows", "gauge",
		   "History windows in use (directions with a value pending)."),
	WORKER_VAL(retained_bytes, "wiremask_worker_retained_bytes", "gauge",
		   "Bytes of the retained-bytes pool in use (forwarded, not yet "
		   "acknowledged)."),
};

static void
render_workers(const struct wm_metrics_view *v, struct wm_metrics_buf *b)
{
	char idx[16], lc[16];

	for (unsigned int c = 0; c < WM_ARRAY_SIZE(worker_vals); c++) {
		wm_metrics_family(b, worker_vals[c].name, worker_vals[c].type,
				  worker_vals[c].help);
		for (unsigned int i = 0; i < v->nworkers; i++) {
			const char *lab[4] = { "worker", idx, "lcore", lc };
			const char *w = (const char *)&v->workers[i];

			snprintf(idx, sizeof(idx), "%u", v->workers[i].index);
			snprintf(lc, sizeof(lc), "%u", v->workers[i].lcore);
			wm_metrics_sample(b, worker_vals[c].name, NULL, lab, 2,
					  *(const uint64_t *)(w + worker_vals[c].off));
		}
	}
}

int
wm_metrics_render(const struct wm_metrics_view *v, struct wm_metrics_buf *b)
{
	const char *ver[2] = { "version", v->version != NULL ? v->version : "" };

	wm_metrics_family(b, "wiremask_build_info", "gauge",
			  "wiremask's version (always 1).");
	wm_metrics_sample(b, "wiremask_build_info", NULL, ver, 1, 1);
	wm_metrics_family(b, "wiremask_start_time_seconds", "gauge",
			  "When the appliance started, in unix seconds.");
	wm_metrics_sample_f(b, "wiremask_start_time_seconds", NULL, NULL, 0,
			    v->start_time);
	wm_metrics_family(b, "wiremask_tsc_hz", "gauge",
			  "TSC cycles per second (the workers' cycle counters).");
	wm_metrics_sample(b, "wiremask_tsc_hz", NULL, NULL, 0, v->tsc_hz);
	if (v->capture_frames >= 0) {
		wm_metrics_family(b, "wiremask_capture_frames", "gauge",
				  "Frames in the captures the net_pcap ports "
				  "replay.");
		wm_metrics_sample(b, "wiremask_capture_frames", NULL, NULL, 0,
				  (uint64_t)v->capture_frames);
	}
	render_counters(v->stats, b);
	render_values(v, b, false);
	render_values(v, b, true);
	render_zones(v, b, false);
	render_zones(v, b, true);
	render_held(v->stats, b);
	render_ports(v, b);
	render_workers(v, b);
	return b->failed ? -ENOMEM : 0;
}
