/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-bench: replay a capture through the data path in memory and
 * measure it against the two ceilings that bound it, side by side in
 * one run, on the same mbufs:
 *
 *   io    the I/O ceiling: every packet handed straight to transmit (an
 *         io-forward path, no work);
 *   full  the full path: parse, segment, flow, reassembly, Hyperscan
 *         scan, confirm and mask, checksum, transmit (lib/datapath,
 *         called the way the appliance calls it, with a tx callback of
 *         the bench's own);
 *   hs    the matching ceiling: raw hs_scan_stream over the same payload
 *         bytes, in the same flow order, with the same databases.
 *
 * Packets go to workers the way symmetric RSS would spread them (the
 * flow hash the workers use to pick an owner), so no packet crosses a
 * ring. Each pass gets fresh copies of the capture's frames (outside
 * the timed part); flows are flushed between passes. One more, profiled
 * pass gives cycles per stage and how long packets were held.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "wm_datapath.h"

#define MAX_RUNS 8
#define NSAMPLE_MAX (1u << 22)

enum pass { PASS_IO, PASS_FULL, PASS_HS, PASS_PROF, PASS_MAX };

static const char *const pass_name[PASS_MAX] = {
	"io-forward", "full path", "hs ceiling", "profiled",
};

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
	struct rte_mbuf **m;    /* this pass's copies */
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
} __rte_cache_aligned;

struct result {
	uint64_t cycles;        /* wall TSC cycles of the pass */
	uint64_t busy;          /* sum over lcores */
	struct wm_stats stats;  /* counters of the pass (full) */
	struct wm_prof prof;    /* profiled pass */
	double lat_p50, lat_p99, held_p50, held_p99, held_max; /* us */
	uint64_t nlat, nheld;
	uint64_t win_peak;      /* history windows in use at once, summed */
};

static struct {
	const char *capture;
	const char *config;
	unsigned int passes;
	unsigned int nruns;
	unsigned int runs[MAX_RUNS];    /* worker counts */
	bool json;
	bool profile;
	/* capture */
	uint8_t *data;
	struct frame *fr;
	uint32_t nfr;
	uint32_t max_len;
	uint64_t wire_bytes;    /* frames + 24 B each (FCS, preamble, gap) */
	uint64_t payload_bytes; /* TCP payload */
	uint64_t scan_bytes;    /* TCP payload in masking segments */
	struct fdmap fds;
	/* lcores */
	unsigned int nlcores;
	struct blcore lc[RTE_MAX_LCORE];
	unsigned int active;    /* lcores taking part in this pass */
	enum pass kind;
	hs_stream_t **hs;       /* per flow direction (hs ceiling) */
	volatile uint32_t ready;
	/* what the data path judges with */
	struct wm_config *cfg;
	struct wm_segments *segs;
	const char *segment_names[WM_CONFIG_MAX_SEGMENTS];
	struct rte_mempool *pool;
	hs_scratch_t *scratch[RTE_MAX_LCORE]; /* hs ceiling, per lcore */
} bench = { .config = "configs/default.cfg", .passes = 3, .profile = true };

static const char usage_text[] =
"Usage: wiremask-bench [EAL options] -- -r CAPTURE [options]\n"
"\n"
"Replays CAPTURE from memory through wiremask's data path and reports, in\n"
"one run and on the same mbufs:\n"
"  full path    Mpps, Gbps (TCP payload and wire), TSC cycles per packet\n"
"  hs ceiling   raw hs_scan_stream over the same payload bytes, same flow\n"
"               order, same databases; ratio_hs = full / ceiling (Gbps)\n"
"  io ceiling   the same packets handed straight to transmit (no work);\n"
"               ratio_io = full / ceiling (Mpps)\n"
"  stages       cycles per packet in parse, flow, reasm, scan, mask, tx\n"
"               (a separate profiled pass: rdtsc around every stage)\n"
"  state        flows, bytes of state per flow, held-packet time p50/p99\n"
"Packets are spread over the workers as symmetric RSS would (by the flow\n"
"hash the workers use), every pass starts from fresh copies of the\n"
"frames and empty flow tables, and each figure is the median of the\n"
"passes. Use lcores on distinct cores: the main lcore is a worker too.\n"
"\n"
"Options (after --):\n"
"  -r, --capture FILE   Ethernet pcap to replay (wiremask-gen writes them)\n"
"  -c, --config FILE    wiremask configuration (default configs/default.cfg);\n"
"                       its policies and reasm limits apply, ports do not\n"
"  -w, --workers LIST   worker counts to run, e.g. 1,2 (default: 1 and\n"
"                       every lcore given to EAL); the last one is the\n"
"                       headline of the JSON, the others go in \"runs\"\n"
"  -n, --passes N       timed passes per measurement (default 3)\n"
"      --no-profile     skip the profiled pass\n"
"      --json           print the results as one JSON line after the report\n"
"  -h, --help           this text\n"
"\n"
"EAL: --no-huge -m MB works (no hugepages needed); MB must hold the\n"
"capture as mbufs (about 2.5 KB a frame for 1500 B frames), e.g.\n"
"  wiremask-bench -l 0,1 --no-huge -m 4096 --no-pci --no-shconf -- \\\n"
"      -r build/bench/http-1500.pcap --workers 1,2 --json\n";

/* ---- capture ---------------------------------------------------------- */

static uint32_t
fd_find(struct fdmap *m, const struct wm_flow_key *k, uint32_t hash,
	const struct wm_match_db *db)
{
	uint32_t i = hash & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		uint32_t id = m->slot[i];

		if (id == 0)
			break;
		if (memcmp(&m->keys[id - 1], k, sizeof(*k)) == 0)
			return id - 1;
	}
	m->keys[m->n] = *k;
	m->db[m->n] = db;
	m->slot[i] = ++m->n;
	return m->n - 1;
}

static int
capture_load(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	size_t cap_fr = 1 << 16, cap_data = 1 << 24, used = 0;
	pcap_t *pc = pcap_open_offline(path, err);
	int rc;

	if (pc == NULL) {
		fprintf(stderr, "wiremask-bench: %s: %s\n", path, err);
		return -1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "wiremask-bench: %s: not an Ethernet capture\n",
			path);
		pcap_close(pc);
		return -1;
	}
	bench.fr = malloc(cap_fr * sizeof(*bench.fr));
	bench.data = malloc(cap_data);
	while (bench.fr != NULL && bench.data != NULL &&
	       (rc = pcap_next_ex(pc, &h, &p)) == 1) {
		if (h->caplen != h->len || h->caplen > UINT16_MAX)
			continue;       /* cut frames cannot be replayed */
		if (bench.nfr == cap_fr) {
			cap_fr *= 2;
			bench.fr = realloc(bench.fr, cap_fr * sizeof(*bench.fr));
		}
		if (used + h->caplen > cap_data) {
			cap_data *= 2;
			bench.data = realloc(bench.data, cap_data);
		}
		if (bench.fr == NULL || bench.data == NULL)
			break;
		memcpy(bench.data + used, p, h->caplen);
		bench.fr[bench.nfr] = (struct frame){ .off = used,
						      .len = h->caplen };
		bench.nfr++;
		used += h->caplen;
		bench.max_len = RTE_MAX(bench.max_len, h->caplen);
		bench.wire_bytes += h->caplen + 24;
	}
	pcap_close(pc);
	if (bench.fr == NULL || bench.data == NULL) {
		fprintf(stderr, "wiremask-bench: %s: out of memory\n", path);
		return -1;
	}
	if (bench.nfr == 0) {
		fprintf(stderr, "wiremask-bench: %s: no complete frame\n", path);
		return -1;
	}
	return 0;
}

/* Parse every frame once: flow hash, payload, flow direction id. */
static int
capture_parse(void)
{
	struct fdmap *m = &bench.fds;

	m->cap = 1;
	while (m->cap < 2 * bench.nfr)
		m->cap <<= 1;
	m->slot = calloc(m->cap, sizeof(*m->slot));
	m->keys = malloc(bench.nfr * sizeof(*m->keys));
	m->db = malloc(bench.nfr * sizeof(*m->db));
	if (m->slot == NULL || m->keys == NULL || m->db == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < bench.nfr; i++) {
		struct frame *f = &bench.fr[i];
		const struct wm_policy *policy;
		struct wm_pkt_info pi;
		struct wm_flow_key key;
		uint8_t dir;

		f->hash = i;            /* not TCP: spread round robin */
		if (wm_pkt_parse(bench.data + f->off, f->len, f->len,
				 bench.cfg->vxlan_port, &pi) != WM_PKT_TCP)
			continue;
		f->tcp = 1;
		policy = wm_segment_policy(bench.segs,
					   wm_segment_lookup(bench.segs, &pi));
		wm_flow_key_make(&pi, 0, &key, &dir);
		f->hash = wm_flow_hash(&key);
		f->fd = 2 * fd_find(m, &key, f->hash, policy->db) + dir;
		f->pay_off = pi.payload_off;
		f->pay_len = pi.payload_len;
		f->scan = wm_policy_masks(policy) && pi.payload_len != 0;
		bench.payload_bytes += pi.payload_len;
		if (f->scan)
			bench.scan_bytes += pi.payload_len;
	}
	bench.hs = calloc(2 * (size_t)m->n + 2, sizeof(*bench.hs));
	return bench.hs == NULL ? -ENOMEM : 0;
}

/* ---- passes ----------------------------------------------------------- */

/* The data path's transmit: timestamps sampled, buffers freed. */
static uint16_t
bench_tx(void *arg, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct blcore *b = arg;

	RTE_SET_USED(port);
	if (b->lat != NULL) {
		uint64_t now = rte_rdtsc();

		for (uint16_t i = 0; i < n; i++) {
			uint64_t a = wm_pkt_meta(pkts[i])->arrival_tsc;

			if (a == 0)
				continue;       /* not a payload packet */
			if (b->nlat < NSAMPLE_MAX)
				b->lat[b->nlat++] = (uint32_t)RTE_MIN(now - a,
								      UINT32_MAX);
			if (a != b->burst_now && b->nheld < NSAMPLE_MAX)
				b->held[b->nheld++] = (uint32_t)RTE_MIN(now - a,
									UINT32_MAX);
		}
	}
	b->tx += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/*
 * Frames are spread over the lcores by the flow hash the data path
 * uses to pick a flow's owner, so no packet is ever handed over.
 */
static int
bench_handoff(void *arg, unsigned int owner, struct rte_mbuf *m)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(owner);
	RTE_SET_USED(m);
	return -1;
}

static int
hs_count(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *arg)
{
	RTE_SET_USED(id);
	RTE_SET_USED(from);
	RTE_SET_USED(to);
	RTE_SET_USED(flags);
	(*(uint64_t *)arg)++;
	return 0;
}

static void
pass_io(struct blcore *b)
{
	for (uint32_t i = 0; i < b->n; i += WM_DP_BURST) {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)WM_DP_BURST, b->n - i);

		b->tx += k;
		rte_pktmbuf_free_bulk(b->m + i, k);
	}
}

static void
pass_full(struct blcore *b)
{
	for (uint32_t i = 0; i < b->n; i += WM_DP_BURST) {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)WM_DP_BURST, b->n - i);
		uint64_t now = rte_rdtsc();

		b->burst_now = now;
		wm_dp_rx_burst(b->dp, b->m + i, k, 0, now);
		wm_dp_tick(b->dp, now);
	}
}

static void
pass_hs(struct blcore *b)
{
	hs_scratch_t *scratch = bench.scratch[b - bench.lc];

	for (uint32_t i = 0; i < b->n; i++) {
		const struct frame *f = &bench.fr[b->idx[i]];

		if (!f->scan)
			continue;
		hs_scan_stream(bench.hs[f->fd],
			       rte_pktmbuf_mtod_offset(b->m[i], const char *,
						       f->pay_off),
			       f->pay_len, 0, scratch, hs_count, &b->matches);
	}
}

static int
lcore_pass(void *arg)
{
	unsigned int i;

	RTE_SET_USED(arg);
	for (i = 0; i < bench.active; i++)
		if (bench.lc[i].lcore == rte_lcore_id())
			break;
	if (i == bench.active)
		return 0;
	/* Start together: the pass lasts from the first start to the last end. */
	__atomic_fetch_add(&bench.ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&bench.ready, __ATOMIC_ACQUIRE) < bench.active)
		rte_pause();
	bench.lc[i].t_start = rte_rdtsc();
	switch (bench.kind) {
	case PASS_IO:
		pass_io(&bench.lc[i]);
		break;
	case PASS_FULL:
	case PASS_PROF:
		pass_full(&bench.lc[i]);
		break;
	case PASS_HS:
		pass_hs(&bench.lc[i]);
		break;
	default:
		break;
	}
	bench.lc[i].t_end = rte_rdtsc();
	return 0;
}

/* Give each active lcore fresh copies of its frames (not timed). */
static int
mbufs_prepare(void)
{
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		if (rte_pktmbuf_alloc_bulk(bench.pool, b->m, b->n) != 0) {
			fprintf(stderr, "wiremask-bench: %u mbufs: pool "
				"exhausted (give EAL more memory with -m)\n",
				b->n);
			return -ENOMEM;
		}
		for (uint32_t k = 0; k < b->n; k++) {
			const struct frame *f = &bench.fr[b->idx[k]];
			struct rte_mbuf *m = b->m[k];

			memcpy(rte_pktmbuf_mtod(m, void *), bench.data + f->off,
			       f->len);
			m->data_len = (uint16_t)f->len;
			m->pkt_len = f->len;
			wm_pkt_meta(m)->arrival_tsc = 0;
		}
	}
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Percentiles of the samples of every active lcore, in microseconds. */
static void
percentiles(bool held, double *p50, double *p99, double *max,
	    uint64_t *count)
{
	uint64_t n = 0, k = 0;
	uint32_t *all;

	for (unsigned int i = 0; i < bench.active; i++)
		n += held ? bench.lc[i].nheld : bench.lc[i].nlat;
	*count = n;
	*p50 = *p99 = *max = 0;
	if (n == 0 || (all = malloc(n * sizeof(*all))) == NULL)
		return;
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];
		uint32_t m = held ? b->nheld : b->nlat;

		memcpy(all + k, held ? b->held : b->lat, m * sizeof(*all));
		k += m;
	}
	qsort(all, n, sizeof(*all), cmp_u32);
	*p50 = all[n / 2] * 1e6 / (double)rte_get_tsc_hz();
	*p99 = all[RTE_MIN(n - 1, n * 99 / 100)] * 1e6 /
	       (double)rte_get_tsc_hz();
	*max = all[n - 1] * 1e6 / (double)rte_get_tsc_hz();
	free(all);
}

static int
pass_run(enum pass kind, struct result *r)
{
	uint64_t first = UINT64_MAX, last = 0;
	struct wm_stats before, after;
	struct wm_dp_usage u;

	memset(r, 0, sizeof(*r));
	if (mbufs_prepare() < 0)
		return -ENOMEM;
	memset(&before, 0, sizeof(before));
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		b->tx = b->matches = 0;
		b->nlat = b->nheld = 0;
		wm_dp_usage(b->dp, &u, true);
		wm_stats_add(&before, wm_dp_stats(b->dp));
		if (kind == PASS_PROF) {
			b->lat = malloc(NSAMPLE_MAX * sizeof(*b->lat));
			b->held = malloc(NSAMPLE_MAX * sizeof(*b->held));
			b->prof = calloc(1, sizeof(*b->prof));
			if (b->lat == NULL || b->held == NULL || b->prof == NULL)
				return -ENOMEM;
			wm_dp_set_prof(b->dp, b->prof);
		}
	}
	if (kind == PASS_HS)
		for (unsigned int i = 0; i < bench.active; i++)
			for (uint32_t k = 0; k < bench.lc[i].n; k++) {
				const struct frame *f = &bench.fr[bench.lc[i].idx[k]];

				if (f->scan && bench.hs[f->fd] == NULL &&
				    wm_match_stream_open(bench.fds.db[f->fd / 2],
							 &bench.hs[f->fd]) < 0)
					return -ENOMEM;
			}
	bench.kind = kind;
	bench.ready = 0;
	rte_eal_mp_remote_launch(lcore_pass, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		first = RTE_MIN(first, b->t_start);
		last = RTE_MAX(last, b->t_end);
		r->busy += b->t_end - b->t_start;
		wm_dp_usage(b->dp, &u, false);
		r->win_peak += u.windows_peak;
	}
	r->cycles = last - first;
	/* After the clock: what is still held leaves, and flows end. */
	for (unsigned int i = 0; i < bench.active; i++) {
		struct blcore *b = &bench.lc[i];

		if (kind == PASS_FULL || kind == PASS_PROF) {
			wm_dp_flush(b->dp);
		} else if (kind == PASS_HS) {
			rte_pktmbuf_free_bulk(b->m, b->n);
			for (uint32_t k = 0; k < b->n; k++) {
				hs_stream_t **s = &bench.hs[bench.fr[b->idx[k]].fd];

				if (*s != NULL) {
					hs_close_stream(*s, bench.scratch[i],
							NULL, NULL);
					*s = NULL;
				}
			}
		}
	}
	if (kind == PASS_PROF) {
		double lat_max;

		percentiles(false, &r->lat_p50, &r->lat_p99, &lat_max, &r->nlat);
		percentiles(true, &r->held_p50, &r->held_p99, &r->held_max,
			    &r->nheld);
		for (unsigned int i = 0; i < bench.active; i++) {
			struct blcore *b = &bench.lc[i];

			for (unsigned int s = 0; s < WM_STAGE_MAX; s++)
				r->prof.cycles[s] += b->prof->cycles[s];
			wm_dp_set_prof(b->dp, NULL);
			free(b->prof);
			b->prof = NULL;
			free(b->lat);
			free(b->held);
			b->lat = b->held = NULL;
		}
	}
	memset(&after, 0, sizeof(after));
	for (unsigned int i = 0; i < bench.active; i++)
		wm_stats_add(&after, wm_dp_stats(bench.lc[i].dp));
	for (unsigned int c = 0; c < WM_CTR_MAX; c++)
		r->stats.ctr[c] = after.ctr[c] - before.ctr[c];
	for (unsigned int d = 0; d < WM_STATS_DETECTORS; d++)
		r->stats.masked[d] = after.masked[d] - before.masked[d];
	return 0;
}

/* ---- one worker count ------------------------------------------------- */

struct run {
	unsigned int workers;
	struct result io, full, hs, prof;
	double full_mpps, full_gbps, full_wire_gbps, hs_gbps, io_mpps;
	double cycles_per_pkt;
	uint64_t flows;
	uint64_t dropped;
};

static int
cmp_cycles(const void *a, const void *b)
{
	uint64_t x = ((const struct result *)a)->cycles;
	uint64_t y = ((const struct result *)b)->cycles;

	return x < y ? -1 : x > y;
}

/* Spread the frames over @n lcores by flow hash, like symmetric RSS. */
/*
 * Frames to @n lcores by flow hash, and each a fresh data path as
 * worker i of n (so a flow's owner is the lcore that has its frames).
 */
static int
distribute(unsigned int n)
{
	struct wm_dp_conf c = {
		.cfg = bench.cfg,
		.segs = bench.segs,
		.segment_names = bench.segment_names,
		.nworkers = n,
		.nports = 2,            /* a bump in the wire: 0 <-> 1 */
		.ports = { { .peer = 1, .link = 0 }, { .peer = 0, .link = 0 } },
		.tx = bench_tx,
		.handoff = bench_handoff,
	};

	bench.active = n;
	for (unsigned int i = 0; i < n; i++) {
		struct blcore *b = &bench.lc[i];

		b->n = 0;
		wm_dp_free(b->dp);
		c.tx_arg = b;
		b->dp = wm_dp_create(&c, i,
				     (int)rte_lcore_to_socket_id(b->lcore));
		if (b->dp == NULL) {
			fprintf(stderr, "wiremask-bench: worker %u: out of "
				"memory (flow table %u)\n", i,
				bench.cfg->flow_table_size);
			return -ENOMEM;
		}
	}
	for (uint32_t k = 0; k < bench.nfr; k++) {
		struct blcore *b = &bench.lc[bench.fr[k].hash % n];

		b->idx[b->n++] = k;
	}
	return 0;
}

static double
rate(uint64_t units, uint64_t cycles)
{
	return cycles == 0 ? 0 : (double)units * (double)rte_get_tsc_hz() /
				  (double)cycles;
}

static int
run_workers(struct run *run)
{
	struct result *res[3];
	const enum pass order[3] = { PASS_IO, PASS_FULL, PASS_HS };
	uint64_t drops = 0;

	if (distribute(run->workers) < 0)
		return -ENOMEM;
	for (unsigned int k = 0; k < 3; k++) {
		res[k] = calloc(bench.passes, sizeof(struct result));
		if (res[k] == NULL)
			return -ENOMEM;
	}
	/* Interleaved, so a noisy neighbour hits every kind alike. */
	for (unsigned int p = 0; p < bench.passes; p++)
		for (unsigned int k = 0; k < 3; k++)
			if (pass_run(order[k], &res[k][p]) < 0)
				return -ENOMEM;
	for (unsigned int k = 0; k < 3; k++)
		qsort(res[k], bench.passes, sizeof(struct result), cmp_cycles);
	run->io = res[0][bench.passes / 2];
	run->full = res[1][bench.passes / 2];
	run->hs = res[2][bench.passes / 2];
	for (unsigned int k = 0; k < 3; k++)
		free(res[k]);
	if (bench.profile && pass_run(PASS_PROF, &run->prof) < 0)
		return -ENOMEM;
	run->io_mpps = rate(bench.nfr, run->io.cycles) / 1e6;
	run->full_mpps = rate(bench.nfr, run->full.cycles) / 1e6;
	run->full_gbps = rate(bench.payload_bytes * 8, run->full.cycles) / 1e9;
	run->full_wire_gbps = rate(bench.wire_bytes * 8, run->full.cycles) / 1e9;
	run->hs_gbps = rate(bench.scan_bytes * 8, run->hs.cycles) / 1e9;
	run->cycles_per_pkt = (double)run->full.cycles * run->workers /
			      (double)bench.nfr;
	run->flows = run->full.stats.ctr[WM_CTR_FLOW_NEW];
	for (unsigned int c = 0; c < WM_CTR_MAX; c++)
		if (strncmp(wm_stats_name(c), "drop.", 5) == 0 ||
		    c == WM_CTR_TX_DROP || c == WM_CTR_RING_DROP)
			drops += run->full.stats.ctr[c];
	run->dropped = drops;
	return 0;
}

/* ---- report ----------------------------------------------------------- */

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* Flow entry and its share of the bucket array. */
static size_t
flow_entry_bytes(void)
{
	return wm_dp_flow_entry_bytes(bench.lc[0].dp);
}

/* History windows in use at the peak of the full pass, per flow. */
static double
window_bytes_per_flow(const struct run *r)
{
	return r->flows == 0 ? 0 :
	       (double)r->full.win_peak * WM_WIN_BYTES / (double)r->flows;
}

/* Flow state the full pass used: entries, buckets, pending windows. */
static double
state_bytes_per_flow(const struct run *r)
{
	return (double)flow_entry_bytes() + window_bytes_per_flow(r);
}

static size_t
hs_bytes_per_flow(void)
{
	size_t max = 0;

	for (uint32_t i = 0; i < bench.fds.n; i++)
		if (bench.fds.db[i] != NULL)
			max = RTE_MAX(max, bench.fds.db[i]->stream_size);
	return 2 * max;
}

static void
stage_cycles(const struct run *r, double *out)
{
	const uint64_t *c = r->prof.prof.cycles;
	double n = bench.nfr;
	double reasm = (double)c[WM_STAGE_STREAM] - (double)c[WM_STAGE_SCAN] -
		       (double)c[WM_STAGE_MASK];

	out[0] = c[WM_STAGE_PARSE] / n;
	out[1] = c[WM_STAGE_FLOW] / n;
	out[2] = RTE_MAX(reasm, 0.0) / n;
	out[3] = c[WM_STAGE_SCAN] / n;
	out[4] = c[WM_STAGE_MASK] / n;
	out[5] = c[WM_STAGE_TX] / n;
	out[6] = r->prof.busy / n - out[0] - out[1] - out[2] - out[3] -
		 out[4] - out[5];
}

static const char *const stage_names[7] = {
	"parse", "flow", "reasm", "scan", "mask", "tx", "other",
};

/* Bytes masked when a hold timeout decided a tail, per MB scanned. */
static double
stall_per_mb(const struct run *r)
{
	return ratio((double)r->full.stats.ctr[WM_CTR_STREAM_HOLD_MASKED],
		     (double)r->full.stats.ctr[WM_CTR_STREAM_BYTES] / 1e6);
}

static void
report_human(const struct run *runs, unsigned int n)
{
	double hz = (double)rte_get_tsc_hz();

	printf("capture   %s: %u frames, avg %.0f B, %.1f MB TCP payload "
	       "(%.1f MB scanned)\n", bench.capture, bench.nfr,
	       (double)(bench.wire_bytes / bench.nfr - 24),
	       bench.payload_bytes / 1e6, bench.scan_bytes / 1e6);
	printf("config    %s; TSC %.2f GHz; median of %u passes\n",
	       bench.config, hz / 1e9, bench.passes);
	printf("state     %zu B per flow entry (%zu + buckets) + history "
	       "windows in use + %zu B Hyperscan stream state (2 directions)\n",
	       flow_entry_bytes(), sizeof(struct wm_flow), hs_bytes_per_flow());
	for (unsigned int i = 0; i < n; i++) {
		const struct run *r = &runs[i];
		double st[7];

		printf("\n%u worker(s), %" PRIu64 " flows, %.0f B state per "
		       "flow (windows: peak %" PRIu64 " in use, %.1f B per "
		       "flow)\n", r->workers, r->flows, state_bytes_per_flow(r),
		       r->full.win_peak, window_bytes_per_flow(r));
		printf("  %-11s %8.3f Mpps %8.3f Gbit/s payload %8.3f Gbit/s wire"
		       "  %7.0f cycles/pkt\n", pass_name[PASS_FULL],
		       r->full_mpps, r->full_gbps, r->full_wire_gbps,
		       r->cycles_per_pkt);
		printf("  %-11s %8s      %8.3f Gbit/s payload       ratio_hs %.3f\n",
		       pass_name[PASS_HS], "", r->hs_gbps,
		       ratio(r->full_gbps, r->hs_gbps));
		printf("  %-11s %8.3f Mpps                              ratio_io %.3f\n",
		       pass_name[PASS_IO], r->io_mpps,
		       ratio(r->full_mpps, r->io_mpps));
		printf("  masked %" PRIu64 " values, held %" PRIu64
		       " packets, late %" PRIu64 ", dropped %" PRIu64 "\n",
		       r->full.stats.ctr[WM_CTR_MASK_VALUES],
		       r->full.stats.ctr[WM_CTR_STREAM_HELD],
		       r->full.stats.ctr[WM_CTR_MASK_LATE],
		       r->dropped);
		if (i > 0 && runs[0].workers == 1)
			printf("  scaling   %.2fx the 1-worker Mpps\n",
			       ratio(r->full_mpps, runs[0].full_mpps));
		if (!bench.profile)
			continue;
		stage_cycles(r, st);
		printf("  cycles/pkt by stage (profiled pass, rdtsc included):");
		for (unsigned int s = 0; s < 7; s++)
			printf(" %s %.0f", stage_names[s], st[s]);
		printf("\n  payload packets: arrival to transmit p50 %.2f us, "
		       "p99 %.2f us; held past their burst: %" PRIu64
		       " (%.1f%%), p50 %.2f us, p99 %.2f us, max %.0f us\n",
		       r->prof.lat_p50, r->prof.lat_p99, r->prof.nheld,
		       100.0 * ratio((double)r->prof.nheld,
				     (double)r->prof.nlat),
		       r->prof.held_p50, r->prof.held_p99, r->prof.held_max);
		printf("  hold timeouts: %" PRIu64 " segments, %" PRIu64
		       " values decided at a tail, %.1f bytes masked at "
		       "stalls per MB scanned\n",
		       r->full.stats.ctr[WM_CTR_STREAM_HOLD_TIMEOUT],
		       r->full.stats.ctr[WM_CTR_MASK_AT_TIMEOUT],
		       stall_per_mb(r));
	}
}

static void
json_run(const struct run *r)
{
	double st[7];

	printf("\"workers\": %u, \"full_gbps\": %.4f, \"full_wire_gbps\": %.4f, "
	       "\"full_mpps\": %.4f, \"hs_ceiling_gbps\": %.4f, "
	       "\"ratio_hs\": %.4f, \"io_ceiling_mpps\": %.4f, "
	       "\"ratio_io\": %.4f, \"cycles_per_pkt\": %.1f, "
	       "\"flows\": %" PRIu64 ", \"state_bytes_per_flow\": %.1f, "
	       "\"window_bytes_per_flow\": %.1f, \"values_masked\": %" PRIu64
	       ", \"dropped\": %" PRIu64,
	       r->workers, r->full_gbps, r->full_wire_gbps, r->full_mpps,
	       r->hs_gbps, ratio(r->full_gbps, r->hs_gbps), r->io_mpps,
	       ratio(r->full_mpps, r->io_mpps), r->cycles_per_pkt, r->flows,
	       state_bytes_per_flow(r), window_bytes_per_flow(r),
	       r->full.stats.ctr[WM_CTR_MASK_VALUES], r->dropped);
	if (!bench.profile)
		return;
	stage_cycles(r, st);
	printf(", \"stage_cycles\": {");
	for (unsigned int s = 0; s < 7; s++)
		printf("%s\"%s\": %.1f", s ? ", " : "", stage_names[s], st[s]);
	printf("}, \"latency_p50_us\": %.3f, \"latency_p99_us\": %.3f, "
	       "\"held_p50_us\": %.3f, \"held_p99_us\": %.3f, "
	       "\"held_max_us\": %.1f, \"held_pkts\": %" PRIu64
	       ", \"hold_timeouts\": %" PRIu64
	       ", \"stall_masked_bytes_per_mb\": %.2f",
	       r->prof.lat_p50, r->prof.lat_p99, r->prof.held_p50,
	       r->prof.held_p99, r->prof.held_max, r->prof.nheld,
	       r->full.stats.ctr[WM_CTR_STREAM_HOLD_TIMEOUT], stall_per_mb(r));
}

static void
report_json(const struct run *runs, unsigned int n)
{
	const struct run *top = &runs[n - 1];

	printf("{\"capture\": \"%s\", \"packets\": %u, \"avg_frame\": %.1f, "
	       "\"payload_bytes\": %" PRIu64 ", \"flow_entry_bytes\": %zu, "
	       "\"hs_state_bytes_per_flow\": %zu, ", bench.capture, bench.nfr,
	       (double)bench.wire_bytes / bench.nfr - 24, bench.payload_bytes,
	       flow_entry_bytes(), hs_bytes_per_flow());
	json_run(top);
	if (n > 1 && runs[0].workers == 1)
		printf(", \"scaling\": %.4f",
		       ratio(top->full_mpps, runs[0].full_mpps));
	printf(", \"runs\": [");
	for (unsigned int i = 0; i < n; i++) {
		printf("%s{", i ? ", " : "");
		json_run(&runs[i]);
		printf("}");
	}
	printf("]}\n");
}

/* ---- setup ------------------------------------------------------------ */

static int
parse_workers(const char *s)
{
	char *end;

	bench.nruns = 0;
	while (*s != '\0') {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > RTE_MAX_LCORE ||
		    bench.nruns == MAX_RUNS)
			return -1;
		bench.runs[bench.nruns++] = (unsigned int)v;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -1;
	}
	return bench.nruns > 0 ? 0 : -1;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "capture", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "passes", required_argument, NULL, 'n' },
		{ "no-profile", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "r:c:w:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			bench.capture = optarg;
			break;
		case 'c':
			bench.config = optarg;
			break;
		case 'w':
			if (parse_workers(optarg) < 0) {
				fprintf(stderr, "wiremask-bench: --workers %s: "
					"a list of counts like 1,2\n", optarg);
				return 1;
			}
			break;
		case 'n':
			bench.passes = (unsigned int)atoi(optarg);
			if (bench.passes < 1 || bench.passes > 101) {
				fprintf(stderr, "wiremask-bench: --passes: "
					"1..101\n");
				return 1;
			}
			break;
		case 'P':
			bench.profile = false;
			break;
		case 'j':
			bench.json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs("Try 'wiremask-bench --help'.\n", stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wiremask-bench: unexpected argument '%s'\n",
			argv[optind]);
		return 1;
	}
	if (bench.capture == NULL) {
		fputs("wiremask-bench: -r CAPTURE is required "
		      "(try --help)\n", stderr);
		return 1;
	}
	return -1;
}

static int
setup(void)
{
	struct wm_config *cfg;
	char err[512];
	uint32_t per_worker, room, size = 1024;
	unsigned int lcore;

	cfg = wm_config_load(bench.config, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "wiremask-bench: %s\n", err);
		return -1;
	}
	bench.cfg = cfg;                /* no event log in the timed path */
	bench.segs = wm_segments_create(cfg, err, sizeof(err));
	if (bench.segs == NULL) {
		fprintf(stderr, "wiremask-bench: %s: %s\n", bench.config, err);
		return -1;
	}
	for (unsigned int k = 0; k < cfg->nsegments; k++)
		bench.segment_names[k] = cfg->segments[k].name;
	if (capture_load(bench.capture) < 0 || capture_parse() < 0)
		return -1;
	/* Every frame in memory at once: buffers just big enough for it. */
	room = RTE_ALIGN_CEIL(bench.max_len, RTE_CACHE_LINE_SIZE);
	bench.pool = rte_pktmbuf_pool_create("wm_bench", bench.nfr + 4096,
		256, RTE_ALIGN_CEIL(sizeof(struct wm_pkt_meta),
				    RTE_MBUF_PRIV_ALIGN),
		(uint16_t)(room + RTE_PKTMBUF_HEADROOM), (int)rte_socket_id());
	if (bench.pool == NULL) {
		fprintf(stderr, "wiremask-bench: %u mbufs of %u bytes: %s "
			"(give EAL more memory with -m)\n", bench.nfr + 4096,
			room, rte_strerror(rte_errno));
		return -1;
	}
	/* Every lcore is a worker, the main one included. */
	RTE_LCORE_FOREACH(lcore)
		bench.lc[bench.nlcores++].lcore = lcore;
	if (bench.nruns == 0) {
		bench.runs[bench.nruns++] = 1;
		if (bench.nlcores > 1)
			bench.runs[bench.nruns++] = bench.nlcores;
	}
	for (unsigned int i = 0; i < bench.nruns; i++)
		if (bench.runs[i] > bench.nlcores) {
			fprintf(stderr, "wiremask-bench: %u workers but EAL gave "
				"%u lcores (-l)\n", bench.runs[i], bench.nlcores);
			return -1;
		}
	/* Room for every flow of the capture on one worker. */
	per_worker = bench.fds.n + bench.fds.n / 4;
	while (size < per_worker)
		size <<= 1;
	if (size > cfg->flow_table_size)
		cfg->flow_table_size = RTE_MIN(size, 1u << 24);
	for (unsigned int i = 0; i < bench.nlcores; i++) {
		struct blcore *b = &bench.lc[i];

		b->idx = malloc(bench.nfr * sizeof(*b->idx));
		b->m = malloc(bench.nfr * sizeof(*b->m));
		if (b->idx == NULL || b->m == NULL ||
		    (bench.segs->scratch != NULL &&
		     hs_clone_scratch(bench.segs->scratch,
				      &bench.scratch[i]) != HS_SUCCESS)) {
			fprintf(stderr, "wiremask-bench: lcore %u: out of "
				"memory\n", i);
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct run runs[MAX_RUNS];
	int eal, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
	eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "wiremask-bench: EAL init failed: %s (EAL "
			"options go before '--')\n", rte_strerror(rte_errno));
		return 2;
	}
	argv[eal] = argv[0];
	rc = parse_args(argc - eal, argv + eal);
	if (rc >= 0)
		goto out;
	rc = 1;
	if (setup() < 0)
		goto out;
	memset(runs, 0, sizeof(runs));
	for (unsigned int i = 0; i < bench.nruns; i++) {
		runs[i].workers = bench.runs[i];
		if (run_workers(&runs[i]) < 0) {
			fprintf(stderr, "wiremask-bench: out of memory\n");
			goto out;
		}
	}
	report_human(runs, bench.nruns);
	if (bench.json)
		report_json(runs, bench.nruns);
	rc = 0;
out:
	rte_eal_cleanup();
	return rc;
}
