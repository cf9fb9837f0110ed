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
#include <malloc.h>
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
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>

#include "bench.h"


struct bench_state bench = { .config = "configs/default.cfg", .passes = 3,
			      .profile = true, .load = 0.5 };

const char *const pass_name[PASS_MAX] = {
	"io-forward", "full path", "hs ceiling", "profiled", "no proto",
	"pure ACKs", "hand-off", "paced", "paced floor",
};

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
"      --window N       frames in mbufs at once per lcore (default: all):\n"
"                       each pass copies the next N with its clock and\n"
"                       the data path's stopped, so a capture larger\n"
"                       than memory (a million flows) can be replayed\n"
"      --no-profile     skip the profiled pass\n"
"      --load L         the paced pass offers frames at L x the full\n"
"                       path's rate, evenly spaced (default 0.5; 0: no\n"
"                       paced pass); its latency counts from arrival,\n"
"                       the wait for the worker to poll included; then a\n"
"                       floor pass: the same arrivals, each frame costing\n"
"                       the full path's mean in a busy loop, unjudged\n"
"                       (queueing and the machine's stalls, no more)\n"
"      --json           print the results as one JSON line after the report\n"
"  -h, --help           this text\n"
"\n"
"EAL: --no-huge -m MB works (no hugepages needed); MB must hold the\n"
"capture as mbufs (a frame's buffer fits the capture's largest frame:\n"
"about 2 KB each for 1500 B frames, 0.4 KB for 64 B ones), or with\n"
"--window N, 2N per lcore and N more for held packets, e.g.\n"
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

/*
 * The pure ACK of a plain (not VXLAN) TCP data frame: its headers, the
 * IP length cut to them, no payload, flags ACK only, checksums made
 * again, padded to the 60-byte Ethernet minimum (64 with the FCS).
 */
static uint8_t
ack_make(const uint8_t *frame, const struct wm_pkt_info *pi, uint8_t *out)
{
	uint32_t hl = pi->payload_off, l4_len = hl - pi->l4_off;
	uint8_t *ip = out + pi->l3_off, *tcp = out + pi->l4_off;
	uint16_t ck;

	if (pi->vxlan || hl > ACK_MAX || pi->payload_len == 0)
		return 0;
	memset(out, 0, ACK_MAX);
	memcpy(out, frame, hl);
	tcp[13] = WM_TCP_ACK;
	tcp[16] = tcp[17] = 0;
	if (pi->ip_version == 4) {
		uint32_t sum = 0;
		uint16_t len = rte_cpu_to_be_16((uint16_t)(hl - pi->l3_off));

		memcpy(ip + 2, &len, 2);
		ip[10] = ip[11] = 0;
		for (unsigned int i = 0; i < (ip[0] & 0xfu) * 4u; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		ip[10] = (uint8_t)(~sum >> 8);
		ip[11] = (uint8_t)~sum;
	} else {
		uint16_t len = rte_cpu_to_be_16((uint16_t)l4_len);

		memcpy(ip + 4, &len, 2);
	}
	ck = wm_cksum_l4(ip, tcp, l4_len, 6);
	memcpy(tcp + 16, &ck, 2);
	return (uint8_t)RTE_MAX(hl, 60u);
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
	bench.ack = malloc((size_t)bench.nfr * ACK_MAX);
	if (m->slot == NULL || m->keys == NULL || m->db == NULL ||
	    bench.ack == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < bench.nfr; i++) {
		struct frame *f = &bench.fr[i];
		const struct wm_policy *policy;
		struct wm_pkt_info pi;
		struct wm_flow_key key;
		uint8_t dir, seg;

		f->hash = i;            /* not TCP: spread round robin */
		if (wm_pkt_parse(bench.data + f->off, f->len, f->len,
				 bench.cfg->vxlan_port, &pi) != WM_PKT_TCP)
			continue;
		f->tcp = 1;
		seg = wm_segment_lookup(bench.segs, &pi, 0);
		/* unknown_segment drop/pass: measured as the default's */
		policy = wm_segment_policy(bench.segs,
					   seg < WM_CONFIG_MAX_SEGMENTS ? seg : 0);
		wm_flow_key_make(&pi, 0, &key, &dir);
		f->hash = wm_flow_hash(&key);
		f->fd = 2 * fd_find(m, &key, f->hash, policy->db) + dir;
		f->pay_off = pi.payload_off;
		f->pay_len = pi.payload_len;
		f->scan = wm_policy_masks(policy) && pi.payload_len != 0;
		bench.payload_bytes += pi.payload_len;
		if (f->scan)
			bench.scan_bytes += pi.payload_len;
		if (f->scan)
			f->ack_len = ack_make(bench.data + f->off, &pi,
					      bench.ack + (size_t)i * ACK_MAX);
		bench.nack += f->ack_len != 0;
	}
	bench.hs = calloc(2 * (size_t)m->n + 2, sizeof(*bench.hs));
	return bench.hs == NULL ? -ENOMEM : 0;
}

/* ---- setup ------------------------------------------------------------ */

uint64_t
bench_heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	uint64_t n = mi.uordblks + mi.hblkhd;

	for (unsigned int s = 0; s < rte_socket_count(); s++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s),
						&st) == 0)
			n += st.heap_allocsz_bytes;
	}
	return n;
}

/*
 * Table entries for @n workers: the flows the busiest one owns and a
 * sixteenth more (the table chains: it may fill), or the config's own
 * size if larger. Not a power of two: at a million flows each spare
 * entry is a flow's worth of memory.
 */
uint32_t
bench_table_size(unsigned int n)
{
	uint32_t owned[RTE_MAX_LCORE] = { 0 }, most = 0;

	for (uint32_t i = 0; i < bench.fds.n; i++) {
		unsigned int o = wm_dp_owner(wm_flow_hash(&bench.fds.keys[i]), n);

		most = RTE_MAX(most, ++owned[o]);
	}
	most += most / 16 + 1024;
	return RTE_MIN(RTE_MAX(most, bench.table_size), 1u << 24);
}

int
bench_rings_make(unsigned int n)
{
	for (unsigned int i = 0; i < n && n > 1; i++) {
		struct blcore *b = &bench.lc[i];
		char name[RTE_RING_NAMESIZE];

		if (b->ring != NULL)
			continue;
		snprintf(name, sizeof(name), "bench_ho_%u", i);
		b->ring = rte_ring_create(name, rte_align32pow2(bench.nfr + 1),
					  (int)rte_lcore_to_socket_id(b->lcore),
					  RING_F_SC_DEQ);
		if (b->ring == NULL) {
			fprintf(stderr, "wiremask-bench: hand-off ring: %s\n",
				rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

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
		{ "window", required_argument, NULL, 'W' },
		{ "load", required_argument, NULL, 'L' },
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
		case 'L':
			bench.load = strtod(optarg, NULL);
			if (!(bench.load >= 0 && bench.load < 1)) {
				fprintf(stderr, "wiremask-bench: --load: 0 "
					"(none) or below 1\n");
				return 1;
			}
			break;
		case 'W':
			bench.window = (uint32_t)strtoul(optarg, NULL, 10);
			if (bench.window < WM_DP_BURST) {
				fprintf(stderr, "wiremask-bench: --window: at "
					"least %u frames\n", WM_DP_BURST);
				return 1;
			}
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

/* When a frame of the paced pass arrived (before the worker polled). */
static const struct rte_mbuf_dynfield arrival_field = {
	.name = "wm_bench_arrival",
	.size = sizeof(uint64_t),
	.align = __alignof__(uint64_t),
};

static int
setup(void)
{
	struct wm_config *cfg;
	char err[512];
	uint32_t room, nmbufs;
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
	/*
	 * Buffers just big enough for the capture's largest frame; all its
	 * frames at once, or with --window a window per lcore and one more
	 * for packets held (or queued) across windows.
	 */
	bench.arrival_off = rte_mbuf_dynfield_register(&arrival_field);
	if (bench.arrival_off < 0) {
		fprintf(stderr, "wiremask-bench: mbuf field: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	room = RTE_ALIGN_CEIL(bench.max_len, RTE_CACHE_LINE_SIZE);
	nmbufs = bench.nfr;
	if (bench.window != 0)
		nmbufs = RTE_MIN(nmbufs, (rte_lcore_count() + 1) * bench.window);
	nmbufs += 4096;
	bench.pool = rte_pktmbuf_pool_create("wm_bench", nmbufs,
		256, WM_PKT_PRIV_SIZE,
		(uint16_t)(room + RTE_PKTMBUF_HEADROOM), (int)rte_socket_id());
	if (bench.pool == NULL) {
		fprintf(stderr, "wiremask-bench: %u mbufs of %u bytes: %s "
			"(give EAL more memory with -m, or use --window)\n",
			nmbufs, room, rte_strerror(rte_errno));
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
	/* The table is sized per run for the flows each worker owns. */
	bench.table_size = cfg->flow_table_size;
	for (unsigned int i = 0; i < bench.nlcores; i++) {
		struct blcore *b = &bench.lc[i];

		b->idx = malloc(bench.nfr * sizeof(*b->idx));
		b->hidx = malloc(bench.nfr * sizeof(*b->hidx));
		b->aidx = malloc(bench.nfr * sizeof(*b->aidx));
		b->m = malloc(bench.nfr * sizeof(*b->m));
		if (b->idx == NULL || b->m == NULL || b->hidx == NULL ||
		    b->aidx == NULL ||
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

