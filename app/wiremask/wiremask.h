/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's private state: ports paired as bumps in the wire,
 * worker lcores that each own a flow table, and the control side.
 *
 *   port 0 rx --+                    +--> port 1 tx
 *               |-> worker (parse,   |
 *   port 1 rx --+   owner by flow) --+--> port 0 tx
 *                      |  ^
 *          rte_ring to the worker that owns the flow (symmetric hash)
 */
#ifndef WIREMASK_APP_H
#define WIREMASK_APP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "wm_config.h"
#include "wm_datapath.h"
#include "wm_segment.h"
#include "wm_stats.h"
#include "wm_stream.h"

#define WM_BURST WM_DP_BURST
#define WM_RING_SIZE 8192
#define WM_MAX_RXQ 64
/* Event log lines a worker may have waiting: bytes, a power of two. */
#define WM_EVENT_RING (1u << 20)
/* One event line at most (a longer one is lost and counted). */
#define WM_EVENT_LINE 1024
/*
 * net_pcap (DPDK 22.11) writes a chained frame through a buffer of
 * RTE_ETH_PCAP_SNAPLEN (16,128) bytes and drops the rest, keeping the
 * frame's length: such frames leave as one buffer of the jumbo pool,
 * 65,535 bytes (net_pcap reads no longer frame whole).
 */
#define WM_PCAP_TX_CHAIN_MAX 16128
#define WM_JUMBO_SIZE UINT16_MAX

enum wm_phase {
	WM_RUN = 0,     /* receive and judge */
	WM_STOP_RX,     /* stop receiving, drain hand-off rings */
	WM_EXIT,        /* flush every flow, transmit, return */
};

struct wm_port {
	uint16_t id;
	uint16_t peer;
	uint16_t link;          /* id of the pair: the lower port id */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	bool tx_shared;         /* fewer tx queues than workers */
	bool rss;               /* symmetric RSS: queue i feeds worker i,
				 * both directions of a flow alike */
	bool pcap_tx;           /* net_pcap: a chained frame is written
				 * through a WM_PCAP_TX_CHAIN_MAX buffer */
	int64_t rx_frames;      /* net_pcap: frames in its rx capture, or -1 */
	bool soft;              /* capture mode: no device (capture.c) */
	rte_spinlock_t tx_lock[WM_CONFIG_MAX_WORKERS];
	char driver[32];
};

/*
 * A worker lcore of the appliance: its receive queues and hand-off ring
 * around the data path (lib/datapath), which judges everything.
 */
struct wm_worker {
	unsigned int index;
	unsigned int lcore;
	struct wm_dp *dp;
	struct rte_ring *ring;          /* packets of flows this worker owns */
	unsigned int nrxq;
	struct wm_gen *gen;             /* configuration judged with */
	const struct wm_config *cfg;    /* ... its config (events) */
	struct {
		uint16_t port;
		uint16_t queue;
	} rxq[WM_MAX_RXQ];
	/* Written by the worker, read by the control side (__atomic). */
	uint64_t last_rx_tsc;
	uint64_t loops;                 /* main loop turns (liveness) */
	/* TSC cycles looped, and of turns that received or judged packets */
	uint64_t poll_cycles;
	uint64_t busy_cycles;
	int rx_stopped;                 /* release: its last hand-off done */
	/*
	 * Event log lines (events.c): the worker appends at ev_head, the
	 * control lcore writes them out from ev_tail (both __atomic).
	 */
	char *ev_ring;                  /* WM_EVENT_RING bytes, NULL: off */
	uint64_t ev_head __rte_cache_aligned;
	uint64_t ev_tail __rte_cache_aligned;
} __rte_cache_aligned;

struct wm_app {
	struct wm_config *cfg;          /* in effect (control side) */
	struct wm_segments *segs;
	struct wm_gen *gen;             /* published to workers (reload.c) */
	struct wm_acl *acl;             /* segments as zones */
	struct rte_mempool *pool;
	struct rte_mempool *jumbo;      /* net_pcap ports: long frames out */
	unsigned int nports;
	struct wm_port ports[WM_CONFIG_MAX_PORTS];
	unsigned int nworkers;
	struct wm_worker *workers[WM_CONFIG_MAX_WORKERS];
	int phase;                      /* enum wm_phase; __atomic, release */
	int events_fd;                  /* event log, -1: off */
	const char *segment_names[WM_CONFIG_MAX_SEGMENTS];
	/*
	 * Replaying captures, hold and idle timeouts follow the capture's
	 * own timestamps (microseconds), so a run does not depend on how
	 * the host schedules the workers; live ports use the TSC.
	 */
	bool capture_clock;
	bool capture;                   /* --read: ports are capture.c's */
	int ts_offset;                  /* mbuf timestamp dynfield */
	uint64_t ts_flag;
};

extern struct wm_app wm_app;

/* ports.c */
/* wiremask's own arguments (args.c) */
struct wm_opts {
	const char *config;
	const char *stats_json;
	const char *status_file;
	const char *metrics_listen;     /* NULL: the config's metrics.listen */
	const char *read;               /* capture mode: IN, --write OUT */
	const char *write;
	unsigned int linger_s;
	long idle_exit_ms;      /* -1: automatic (on for net_pcap ports) */
	unsigned int stats_interval_s;
	bool verbose;
	bool no_watch;           /* reload on SIGHUP/telemetry only */
};
/* The exit status of what was handled before EAL, or -1 to go on. */
int wm_args_early(int argc, char **argv);
/* Parse the arguments after "--" (argv[0] the program): -1 to go on. */
int wm_args_parse(int argc, char **argv, struct wm_opts *o);

int wm_ports_init(struct wm_app *app);
void wm_ports_close(struct wm_app *app);
bool wm_ports_all_pcap(const struct wm_app *app);
/* Frames the ports have taken in (rx, missed, no mbuf, errors), and how
 * many their captures hold (-1 if a port's is unknown). */
void wm_ports_rx_progress(const struct wm_app *app, uint64_t *taken,
			  int64_t *total);
void wm_ports_print(const struct wm_app *app, FILE *out);

/*
 * capture.c: capture mode (--read IN --write OUT), IN read as port 0 and
 * what leaves port 1 written to OUT, in process, in IN's link type.
 */
int wm_capture_open(const char *in, const char *out); /* before EAL ports */
int wm_capture_ports(struct wm_app *app);   /* instead of the devices */
int wm_capture_start(struct wm_app *app);   /* once the pool is made */
/* Port @port's next frames (the worker polling it), as net_pcap reads. */
uint16_t wm_capture_rx(uint16_t port, struct rte_mbuf **pkts, uint16_t n);
/* Port @port's frames out: written to OUT (port 1), all taken and freed. */
uint16_t wm_capture_tx(uint16_t port, struct rte_mbuf **pkts, uint16_t n);
/* Frames taken from IN, and IN's (one more while it is being read). */
void wm_capture_progress(uint64_t *taken, int64_t *total);
/* OUT flushed and closed: 0, or -errno (IN or OUT failed: reported). */
int wm_capture_close(void);
/* Exit status from the counts: 0, 3 (frames lost) or 4 (too long). */
int wm_capture_verdict(uint64_t rx, uint64_t tx, uint64_t oversize);
void wm_capture_abort(void);                /* start-up failed: no OUT */
void wm_capture_print(FILE *out);
void wm_capture_json(FILE *f);

/* events.c */
int wm_events_open(struct wm_app *app);
void wm_events_close(struct wm_app *app);
int wm_events_worker_init(struct wm_worker *w, int socket);
void wm_events_worker_free(struct wm_worker *w);
void wm_events_write(void *arg, const struct wm_stream_event *e);
void wm_events_drain(struct wm_app *app);    /* control lcore */
void wm_events_stats(struct wm_stats *total);

/* links.c: link-state propagation, the status file (control lcore) */
void wm_links_init(uint64_t now);
void wm_links_poll(uint64_t now);
void wm_links_print(FILE *out);
void wm_links_json(FILE *f);
const char *wm_link_name(unsigned int port);
void wm_status_init(const char *path);
void wm_status_write(void);
void wm_status_remove(void);

/* metrics.c: Prometheus endpoint, DPDK telemetry (control lcore) */
int wm_metrics_start(const char *listen);   /* NULL or "": no endpoint */
void wm_metrics_poll(uint64_t now);
void wm_metrics_linger(unsigned int seconds, volatile sig_atomic_t *stop);
void wm_metrics_stop(void);
/* The (segment, rule) series of a config now in effect (a reload). */
void wm_metrics_config(const struct wm_config *cfg);

/* reload.c: SIGHUP, /wiremask/reload, the config file watched */
struct wm_gen;
int wm_reload_init(const char *path, bool watch); /* before the workers */
void wm_reload_poll(uint64_t now);          /* control loop */
void wm_reload_signal(int sig);             /* SIGHUP handler */
void wm_reload_worker(struct wm_worker *w); /* worker, between bursts */
void wm_reload_stats(struct wm_stats *s);   /* add the reload counters */
void wm_reload_fini(void);                  /* after the workers */

/* progress.c: capture mode's progress line on a terminal */
void wm_progress_init(bool on);
void wm_progress_poll(uint64_t now);
void wm_progress_end(void);

/* worker.c */
int wm_workers_init(struct wm_app *app);
void wm_workers_free(struct wm_app *app);
int wm_worker_main(void *arg);

#endif /* WIREMASK_APP_H */
