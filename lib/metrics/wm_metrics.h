/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition (format 0.0.4) of the appliance's counters,
 * built from a view the control side fills (summed counters, names,
 * ports, workers): no EAL, no sockets, so it is unit-tested on its own.
 * The HTTP endpoint (libmicrohttpd) and DPDK telemetry live in
 * app/wiremask/metrics.c.
 *
 *   # HELP wiremask_dropped_total Frames not forwarded, by reason.
 *   # TYPE wiremask_dropped_total counter
 *   wiremask_dropped_total{reason="ooo_full"} 0
 *
 * Names come from the dotted counter names (lib/stats): "a.b" is
 * wiremask_a_b_total, but drop.* and pass.* are the reason label of
 * wiremask_dropped_total and wiremask_passed_unscanned_total, so that a
 * sum over the labels means something. Label values are names from the
 * config (segments, detectors), never bytes of the traffic.
 */
#ifndef WM_METRICS_H
#define WM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wm_stats.h"

/* A growing text buffer; @failed once an allocation failed. */
struct wm_metrics_buf {
	char *p;
	size_t len;
	size_t cap;
	bool failed;
};

/** Empty @b (keeps its memory). */
void wm_metrics_buf_reset(struct wm_metrics_buf *b);

/** Free @b's memory. */
void wm_metrics_buf_free(struct wm_metrics_buf *b);

/** Append formatted text; on allocation failure @b->failed is set. */
void wm_metrics_printf(struct wm_metrics_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** "# HELP" (escaped) and "# TYPE" lines of family @name. */
void wm_metrics_family(struct wm_metrics_buf *b, const char *name,
		       const char *type, const char *help);

/*
 * One sample: @name{k1="v1",...} @value. @labels holds @nlabels
 * name/value pairs (2 * @nlabels strings); values are escaped (\\, \",
 * \n). @suffix (or NULL) is appended to @name (_bucket, _sum, _count).
 */
void wm_metrics_sample(struct wm_metrics_buf *b, const char *name,
		       const char *suffix, const char *const *labels,
		       unsigned int nlabels, uint64_t value);

/** wm_metrics_sample() for a non-integer value (seconds). */
void wm_metrics_sample_f(struct wm_metrics_buf *b, const char *name,
			 const char *suffix, const char *const *labels,
			 unsigned int nlabels, double value);

/* The held-time histogram's upper bounds: 2^k microseconds, k = 0.. */
#define WM_METRICS_HELD_LE 27

/**
 * Packets held less than 2^@k us: the held_us[] buckets whose upper
 * edge is at most 2^@k (times are whole microseconds, rounded down, so
 * this is exactly "held <= 2^k us" in Prometheus's le sense).
 */
uint64_t wm_metrics_held_below(const struct wm_stats *s, unsigned int k);

/*
 * Prometheus name of counter @c (without the _total suffix) and its
 * reason label ("" when it has none), into @name (@len bytes).
 */
const char *wm_metrics_counter_name(enum wm_counter c, char *name, size_t len,
				    const char **reason);

/* One series of wiremask_masked_values_total: a rule of a segment. */
struct wm_metrics_rule {
	unsigned int seg;          /* index into seg_values[] */
	unsigned int rule;         /* rule of the segment's policy */
	const char *segment;
	const char *detector;
	const char *op;            /* operator name */
	bool alert;                /* alert rule: counted, not masked */
};

/*
 * One series of wiremask_zone_denied_packets_total (or, for a shadow
 * segment, wiremask_zone_shadow_denied_packets_total): a zone rule of a
 * segment, or its default ("default").
 */
struct wm_metrics_zone {
	unsigned int id;           /* index into zone_rule[] */
	const char *segment;
	const char *rule;
	bool shadow;
};

struct wm_metrics_port {
	unsigned int port;
	unsigned int peer;
	const char *name;          /* ethdev name (net_pcap0, 0000:3b:00.0) */
	const char *driver;
	int link;                  /* 1 up, 0 down, -1 unknown */
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_missed, rx_nombuf, rx_errors, tx_errors;
};

struct wm_metrics_worker {
	unsigned int index;
	unsigned int lcore;
	uint64_t busy_cycles;      /* loop turns that received or judged */
	uint64_t cycles;           /* every loop turn */
	uint64_t flows;            /* in its table now */
	uint64_t windows;          /* history windows in use */
	uint64_t retained_bytes;   /* retained-bytes pool in use */
};

/* What one scrape shows; filled by the control side. */
struct wm_metrics_view {
	const struct wm_stats *stats;          /* summed over the workers */
	const struct wm_metrics_rule *rules;
	unsigned int nrules;
	const struct wm_metrics_zone *zones;
	unsigned int nzones;
	const struct wm_metrics_port *ports;
	unsigned int nports;
	const struct wm_metrics_worker *workers;
	unsigned int nworkers;
	uint64_t tsc_hz;
	double start_time;                     /* unix seconds */
	const char *version;
	int64_t capture_frames;                /* frames in the captures, -1 */
};

/** Render @v into @b (appended); 0, or -ENOMEM. */
int wm_metrics_render(const struct wm_metrics_view *v,
		      struct wm_metrics_buf *b);

/* Port of the endpoint when the address gives none. */
#define WM_METRICS_PORT 9469

/**
 * Parse a listen address: "ADDR:PORT" (IPv4), "[ADDR]:PORT" (IPv6),
 * ":PORT" or "PORT" (127.0.0.1). 0, or -EINVAL.
 */
int wm_metrics_listen_parse(const char *s, struct sockaddr_storage *ss,
			    socklen_t *len);

#endif /* WM_METRICS_H */
