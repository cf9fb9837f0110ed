/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-bench's own state, shared by its files: bench.c (command
 * line, capture, setup), bench_pass.c (the timed passes over the data
 * path and its ceilings), bench_report.c (what a run measured).
 */
#ifndef WIREMASK_BENCH_H
#define WIREMASK_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "wm_datapath.h"
#include "wm_match.h"

#define MAX_RUNS 8
#define NSAMPLE_MAX (1u << 22)

enum pass { PASS_IO, PASS_FULL, PASS_HS, PASS_PROF, PASS_RAW, PASS_ACK,
	    PASS_HANDOFF, PASS_PACED, PASS_FLOOR, PASS_MAX };

/* Bytes of a pure ACK built from a data frame (headers, padded to 60). */
#define ACK_MAX 128

extern const char *const pass_name[PASS_MAX];

/* One frame of the capture, parsed once up front (not timed). */
struct frame {
	uint64_t off;           /* in bench.data */
	uint32_t len;
	uint32_t pay_off;       /* TCP payload, when scan */
	uint32_t pay_len;
	uint32_t fd;            /* flow direction id (hs ceiling) */
	uint32_t hash;          /* symmetric flow hash, the workers' own */
	uint8_t tcp;
	uint8_t scan;           /* TCP payload in a masking segment */
	uint8_t ack_len;        /* > 0: its pure ACK in bench.ack */
};

/* Flow directions seen in the capture: open addressing on the key. */
struct fdmap {
	uint32_t cap;           /* slots, power of two */
	uint32_t n;             /* flows (keys) */
	uint32_t *slot;         /* flow id + 1, 0: empty */
	struct wm_flow_key *keys;
	const struct wm_match_db **db; /* per flow */
};

/* One benchmark lcore. */
struct blcore {
	unsigned int lcore;
	struct wm_dp *dp;       /* the data path, as a worker of the run */
	uint32_t *idx;          /* its frames, in capture order */
	uint32_t n;
	struct rte_mbuf **m;    /* this pass's copies (a window of them) */
	uint32_t *aidx;         /* its frames that have a pure ACK */
	uint32_t an;
	uint64_t paused;        /* cycles spent refilling windows */
	/* Paced pass: frame j of the share arrives at pace_t0 + j * gap. */
	uint64_t pace_t0;
	uint64_t gap;
	uint64_t cost;          /* the full path's cycles a frame (floor pass) */
	uint64_t nivcsw;        /* the pass's involuntary context switches */
	uint64_t oncpu_ns;      /* ... and the time its thread was on a CPU */
	/* Hand-off pass: frames as a NIC without symmetric RSS would
	 * spread them (bursts round robin), the owners' through rings. */
	uint32_t *hidx;
	uint32_t hn;
	struct rte_ring *ring;  /* packets other lcores hand over */
	uint64_t t_start;
	uint64_t t_end;
	uint64_t burst_now;     /* TSC of the burst being judged */
	struct wm_prof *prof;   /* profiled pass */
	uint64_t matches;       /* hs ceiling */
	uint64_t tx;
	/* Profiled pass: cycles from arrival to transmit of payload
	 * packets, all of them and those held past their own burst. */
	uint32_t *lat;
	uint32_t nlat;
	uint32_t *held;
	uint32_t nheld;
	uint32_t *fresh;        /* ... and those that left in their burst */
	uint32_t nfresh;
	uint32_t *calm;         /* ... in a burst the scheduler left alone */
	uint32_t ncalm;
	uint64_t *fresh_at;     /* paced: each fresh sample's arrival */
	uint64_t pre_end;       /* paced: when the worker had caught up with
				 * the backlog of the last preemption */
	bool backlog;
	uint64_t bursts, bursts_preempted;
	uint64_t csw;           /* involuntary context switches so far */
} __rte_cache_aligned;

struct result {
	uint64_t cycles;        /* wall TSC cycles of the pass */
	uint64_t busy;          /* sum over lcores */
	struct wm_stats stats;  /* counters of the pass (full) */
	struct wm_prof prof;    /* profiled pass */
	double lat_p50, lat_p99, held_p50, held_p99, held_max; /* us */
	double fresh_p50, fresh_p99, fresh_max;
	double calm_p50, calm_p99, calm_max;
	uint64_t nlat, nheld, nfresh, ncalm;
	uint64_t bursts, bursts_preempted;
	uint64_t nivcsw;        /* times the scheduler took a worker's CPU */
	uint64_t oncpu_ns;      /* the busiest worker's time on a CPU */
	uint64_t win_peak;      /* history windows in use at once, summed */
	/* Full pass: what the flows cost at its end (live), and once every
	 * hold timed out and every acknowledged direction rested (idle). */
	struct wm_dp_mem live, idle;
	/* ... and every byte the data paths hold on the heaps (libc and
	 * DPDK's) at its end: tables, pools, streams, reserved or not. */
	uint64_t dp_heap;
};

struct bench_state {
	const char *capture;
	const char *config;
	unsigned int passes;
	unsigned int nruns;
	unsigned int runs[MAX_RUNS];    /* worker counts */
	bool json;
	bool profile;
	uint32_t window;        /* frames in mbufs at once per lcore, 0: all */
	double load;            /* paced pass: share of the full path's rate */
	int arrival_off;        /* mbuf dynfield: paced arrival (TSC) */
	uint32_t table_size;    /* the config's flow_table_size */
	uint64_t heap_base;     /* heaps in use before the data paths */
	uint32_t fill_err;      /* a window found the pool dry (__atomic) */
	/* capture */
	uint8_t *data;
	struct frame *fr;
	uint32_t nfr;
	uint32_t max_len;
	uint64_t wire_bytes;    /* frames + 24 B each (FCS, preamble, gap) */
	uint64_t payload_bytes; /* TCP payload */
	uint64_t scan_bytes;    /* TCP payload in masking segments */
	struct fdmap fds;
	uint8_t *ack;           /* per frame, ACK_MAX bytes: the frame's
				 * headers as a payload-free ACK */
	uint32_t nack;          /* frames with one */
	/* lcores */
	unsigned int nlcores;
	struct blcore lc[RTE_MAX_LCORE];
	unsigned int active;    /* lcores taking part in this pass */
	enum pass kind;
	hs_stream_t **hs;       /* per flow direction (hs ceiling) */
	uint32_t ready;        /* lcores at the start line (__atomic) */
	uint32_t sent;         /* hand-off pass: lcores done receiving */
	/* what the data path judges with */
	struct wm_config *cfg;
	struct wm_segments *segs;
	const char *segment_names[WM_CONFIG_MAX_SEGMENTS];
	struct rte_mempool *pool;
	hs_scratch_t *scratch[RTE_MAX_LCORE]; /* hs ceiling, per lcore */
};

extern struct bench_state bench;

struct run {
	unsigned int workers;
	struct result io, full, hs, prof, raw;
	struct result paced;    /* latency at bench.load of the full rate */
	struct result floor;    /* the same arrivals, sent as taken */
	double full_mpps, full_gbps, full_wire_gbps, hs_gbps, io_mpps;
	double oncpu_mpps;      /* full path, over its busiest worker's CPU time */
	double raw_gbps;        /* the full path without the protocol stage */
	struct result ack;      /* pure ACKs of the flows in the table */
	double ack_mpps;
	struct result handoff;  /* flows handed over in software (> 1 worker) */
	double handoff_mpps;
	double cycles_per_pkt;
	uint64_t flows;
	uint64_t dropped;
};

/* bench.c: bytes in use on the libc and DPDK heaps. */
uint64_t bench_heap_in_use(void);
/* The flow table size for @n workers (bench.c). */
uint32_t bench_table_size(unsigned int n);
/* Hand-off rings for @n workers, made once: room for every frame. */
int bench_rings_make(unsigned int n);

/* bench_pass.c */
int run_workers(struct run *run);

/* bench_report.c */
enum samples { ALL, HELD, FRESH, CALM };

/* Percentiles of the @which samples of every active lcore, in us. */
void percentiles(enum samples which, double *p50, double *p99, double *max,
		 uint64_t *count);
double ratio(double a, double b);

/* What the flows of the full pass cost at its end and once idle. */
void flows_cost(struct result *r);
void report_human(const struct run *runs, unsigned int n);
void report_json(const struct run *runs, unsigned int n);

#endif /* WIREMASK_BENCH_H */
