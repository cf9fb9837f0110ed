/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-gen: a deterministic traffic generator for wiremask. Writes
 * HTTP/1.1 JSON API traffic over TCP as a classic pcap file (no
 * libpcap), with sensitive values at a chosen density and, optionally,
 * the ground truth: where each value is, as JSON lines. The same
 * arguments give the same bytes.
 *
 *   wiremask-gen -o OUT.pcap [--truth OUT.jsonl] [options]
 *
 * gen.c: command line and summary; gen_content.c: messages;
 * gen_values.c: the values in them; gen_flow.c: flows and truth;
 * gen_pcap.c: frames and the file.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"

#define FLOWS_MAX 1000000u
#define REQUESTS_MAX 65535u
#define POOL_MAX 1000000u
#define DENSITY_MAX 20.0

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

/* One line of help a line of source. */
/* clang-format off */
static void
usage(FILE *out)
{
	fprintf(out,
"usage: wiremask-gen -o FILE [options]\n"
"\n"
"Writes HTTP/1.1 JSON API traffic over TCP (POST /api/v1/customers with\n"
"JSON bodies, GET with query strings, 200 responses with JSON bodies) to\n"
"a classic pcap file (microseconds, Ethernet), with synthetic sensitive\n"
"values at a chosen density, for wiremask's tests and benchmarks. The\n"
"same arguments and seed give the same bytes.\n"
"\n"
"Output:\n"
"  -o, --output FILE     the capture (required)\n"
"  -t, --truth FILE      ground truth, one JSON line per value: flow\n"
"                        (client src, sport, server dst, dport), flow_id,\n"
"                        dir (c2s/s2c), seq (TCP sequence number of the\n"
"                        value's first byte), offset (stream offset, 0 =\n"
"                        first payload byte of that direction), len,\n"
"                        detector (wiremask's name), value\n"
"  -s, --seed N          seed of every random choice (default 1)\n"
"\n"
"How much:\n"
"  -n, --packets N       stop near N packets: finished flows are replaced\n"
"                        by new ones until N packets are written, then\n"
"                        flows not started yet are dropped, and the\n"
"                        others finish their exchange (in MSS-sized\n"
"                        segments) and close: each needs ~10 packets at\n"
"                        least, so with --flows close to N the total is\n"
"                        larger. Without it: --flows x --requests\n"
"      --cut             with --packets: stop at N packets exactly, flows\n"
"                        under way left open (no close), as a capture cut\n"
"                        from a busy link; with --flows near N/5 nearly\n"
"                        every flow is open at the end (a million flows\n"
"                        at once in ~5M packets). Truth may list values\n"
"                        whose bytes were cut off\n"
"  -f, --flows N         concurrent flows, 1..1000000 (default 16),\n"
"                        interleaved packet by packet\n"
"  -r, --requests N      request/response exchanges per flow (default 4)\n"
"      --interleave rr|random\n"
"                        which active flow sends the next packet: in turn\n"
"                        or a seeded random one (default random)\n"
"      --pool N          distinct requests and responses (default 1024);\n"
"                        flows draw their messages from these pools\n"
"\n"
"Shape:\n"
"      --size 64|imix|1500\n"
"                        64: 10-byte segments (64-byte frames), every\n"
"                        segment ACKed (pure ACKs padded to 60 bytes);\n"
"                        imix: 64/594/1514-byte frames about 7:4:1\n"
"                        counting ACKs; 1500: MSS segments (1460 bytes of\n"
"                        payload over IPv4), bulk responses (default imix)\n"
"  -d, --density V       sensitive values per KiB of payload, 0..20\n"
"                        (default 1; 0: none at all). Values count as\n"
"                        payload and JWTs are long (~200 bytes): with every\n"
"                        kind on, the density tops out near 12/KiB\n"
"      --kinds LIST      which values, comma-separated (default all):\n"
"                        card ssn email iban aws_access_key jwt bearer\n"
"      --card-format plain|space|dash|mix\n"
"                        how cards are written in JSON (default mix: half\n"
"                        plain, the rest grouped by spaces or dashes)\n"
"      --encap none|vlan|qinq|vxlan\n"
"                        802.1Q tag, 802.1ad S-tag + 802.1Q C-tag, or\n"
"                        VXLAN over IPv4/UDP 4789 (default none)\n"
"      --vlan ID         VLAN ID, or the QinQ S-tag (default 100)\n"
"      --cvlan ID        QinQ C-tag (default 200)\n"
"      --vni N           VXLAN network identifier (default 5001)\n"
"  -6, --ipv6            IPv6 inside (fd00:0:0:1::/64 clients,\n"
"                        fd00:0:0:2::/64 servers) instead of IPv4\n"
"      --no-handshake    flows start mid-stream (no SYN), at their first\n"
"                        request\n"
"      --reorder P       fraction of data segments swapped with the next\n"
"                        one of the same message (0..1, default 0)\n"
"      --retransmit P    fraction of data segments sent twice (0..1)\n"
"      --one-byte P      fraction of flows sent in 1-byte segments (0..1)\n"
"\n"
"Time:\n"
"      --rate-gbps G     timestamps paced as a link of G Gbit/s would\n"
"                        carry the frames (preamble, FCS and gap\n"
"                        counted; default 10)\n"
"      --start SEC       time of the first packet, Unix seconds\n"
"                        (default 1700000000)\n"
"\n"
"  -h, --help            this text\n"
"  -V, --version         version\n"
"\n"
"At the end one summary line goes to stdout: packets, bytes, flows,\n"
"payload bytes, values per detector and seconds taken. Values are\n"
"never printed (they are in the truth file only).\n"
"\n"
"Examples:\n"
"  wiremask-gen -o x.pcap --truth x.jsonl --flows 4 --requests 3 \\\n"
"      --reorder 0.1 --retransmit 0.05 --one-byte 0.25 --size 64\n"
"  wiremask-gen -o bench.pcap --packets 1000000 --flows 1000 --size imix\n"
"  wiremask-gen -o vx.pcap --encap vxlan --vni 5001 --density 5 -6\n"
"  wiremask-gen -o many.pcap --flows 1000000 --requests 1 --size 1500\n");
}
/* clang-format on */

static int
parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end != '\0' || s[0] == '-' || x < lo ||
	    x > hi) {
		fprintf(stderr,
			"wiremask-gen: %s: '%s' is not a number in %" PRIu64
			"..%" PRIu64 "\n",
			opt, s, lo, hi);
		return -1;
	}
	*v = x;
	return 0;
}

static int
parse_double(const char *opt, const char *s, double lo, double hi, double *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(x) || x < lo ||
	    x > hi) {
		fprintf(stderr,
			"wiremask-gen: %s: '%s' is not a number in %g..%g\n",
			opt, s, lo, hi);
		return -1;
	}
	*v = x;
	return 0;
}

/* @s among @names (NULL-terminated) into *v. */
static int
parse_enum(const char *opt, const char *s, const char *const *names, int *v)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0) {
			*v = i;
			return 0;
		}
	fprintf(stderr, "wiremask-gen: %s: unknown value '%s' (", opt, s);
	for (int i = 0; names[i] != NULL; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", names[i]);
	fprintf(stderr, ")\n");
	return -1;
}

static int
parse_kinds(const char *s, unsigned int *kinds)
{
	char tmp[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(tmp)) {
		fprintf(stderr, "wiremask-gen: --kinds: list too long\n");
		return -1;
	}
	strcpy(tmp, s);
	*kinds = 0;
	for (tok = strtok_r(tmp, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		int k;

		for (k = 0; k < GEN_KIND_MAX; k++)
			if (strcmp(tok, gen_kind_names[k]) == 0)
				break;
		if (k == GEN_KIND_MAX) {
			fprintf(stderr,
				"wiremask-gen: --kinds: unknown kind '%s'\n",
				tok);
			return -1;
		}
		*kinds |= 1u << k;
	}
	if (*kinds == 0) {
		fprintf(stderr, "wiremask-gen: --kinds: empty list\n");
		return -1;
	}
	return 0;
}

enum {
	OPT_INTERLEAVE = 256,
	OPT_POOL,
	OPT_SIZE,
	OPT_KINDS,
	OPT_CARD_FORMAT,
	OPT_ENCAP,
	OPT_VLAN,
	OPT_CVLAN,
	OPT_VNI,
	OPT_NO_HANDSHAKE,
	OPT_REORDER,
	OPT_RETRANSMIT,
	OPT_ONE_BYTE,
	OPT_RATE,
	OPT_START,
	OPT_CUT,
};

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"truth", required_argument, NULL, 't'},
	{"seed", required_argument, NULL, 's'},
	{"packets", required_argument, NULL, 'n'},
	{"flows", required_argument, NULL, 'f'},
	{"requests", required_argument, NULL, 'r'},
	{"interleave", required_argument, NULL, OPT_INTERLEAVE},
	{"pool", required_argument, NULL, OPT_POOL},
	{"size", required_argument, NULL, OPT_SIZE},
	{"density", required_argument, NULL, 'd'},
	{"kinds", required_argument, NULL, OPT_KINDS},
	{"card-format", required_argument, NULL, OPT_CARD_FORMAT},
	{"encap", required_argument, NULL, OPT_ENCAP},
	{"vlan", required_argument, NULL, OPT_VLAN},
	{"cvlan", required_argument, NULL, OPT_CVLAN},
	{"vni", required_argument, NULL, OPT_VNI},
	{"ipv6", no_argument, NULL, '6'},
	{"no-handshake", no_argument, NULL, OPT_NO_HANDSHAKE},
	{"reorder", required_argument, NULL, OPT_REORDER},
	{"retransmit", required_argument, NULL, OPT_RETRANSMIT},
	{"one-byte", required_argument, NULL, OPT_ONE_BYTE},
	{"rate-gbps", required_argument, NULL, OPT_RATE},
	{"start", required_argument, NULL, OPT_START},
	{"cut", no_argument, NULL, OPT_CUT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static const char *const size_names[] = {"64", "imix", "1500", NULL};
static const char *const card_fmt_names[] = {"plain", "space", "dash", "mix",
					     NULL};
static const char *const encap_names[] = {"none", "vlan", "qinq", "vxlan",
					  NULL};
static const char *const sched_names[] = {"rr", "random", NULL};

/* One option into @c; 0, 1 to exit with success, -1 on a bad value. */
static int
parse_opt(int opt, const char *arg, struct gen_cfg *c)
{
	uint64_t u = 0;
	double g = 0;
	int e = 0, rc = 0;

	switch (opt) {
	case 'o':
		c->out_path = arg;
		break;
	case 't':
		c->truth_path = arg;
		break;
	case 's':
		rc = parse_u64("--seed", arg, 0, UINT64_MAX, &c->seed);
		break;
	case 'n':
		rc = parse_u64("--packets", arg, 1, UINT64_MAX / 2,
			       &c->packets);
		break;
	case 'f':
		rc = parse_u64("--flows", arg, 1, FLOWS_MAX, &u);
		c->flows = (uint32_t)u;
		break;
	case 'r':
		rc = parse_u64("--requests", arg, 1, REQUESTS_MAX, &u);
		c->requests = (uint32_t)u;
		break;
	case OPT_INTERLEAVE:
		rc = parse_enum("--interleave", arg, sched_names, &e);
		c->sched = (enum gen_sched)e;
		break;
	case OPT_POOL:
		rc = parse_u64("--pool", arg, 1, POOL_MAX, &u);
		c->pool = (uint32_t)u;
		break;
	case OPT_SIZE:
		rc = parse_enum("--size", arg, size_names, &e);
		c->content.size = (enum gen_size)e;
		break;
	case 'd':
		rc = parse_double("--density", arg, 0, DENSITY_MAX,
				  &c->content.density);
		break;
	case OPT_KINDS:
		rc = parse_kinds(arg, &c->content.kinds);
		break;
	case OPT_CARD_FORMAT:
		rc = parse_enum("--card-format", arg, card_fmt_names, &e);
		c->content.card_fmt = (enum gen_card_fmt)e;
		break;
	case OPT_ENCAP:
		rc = parse_enum("--encap", arg, encap_names, &e);
		c->net.encap = (enum gen_encap)e;
		break;
	case OPT_VLAN:
		rc = parse_u64("--vlan", arg, 1, 4094, &u);
		c->net.vlan = (uint16_t)u;
		break;
	case OPT_CVLAN:
		rc = parse_u64("--cvlan", arg, 1, 4094, &u);
		c->net.cvlan = (uint16_t)u;
		break;
	case OPT_VNI:
		rc = parse_u64("--vni", arg, 0, 0xffffff, &u);
		c->net.vni = (uint32_t)u;
		break;
	case '6':
		c->net.ipv6 = true;
		break;
	case OPT_NO_HANDSHAKE:
		c->handshake = false;
		break;
	case OPT_CUT:
		c->cut = true;
		break;
	case OPT_REORDER:
		rc = parse_double("--reorder", arg, 0, 1, &c->reorder);
		break;
	case OPT_RETRANSMIT:
		rc = parse_double("--retransmit", arg, 0, 1, &c->retransmit);
		break;
	case OPT_ONE_BYTE:
		rc = parse_double("--one-byte", arg, 0, 1, &c->one_byte);
		break;
	case OPT_RATE:
		rc = parse_double("--rate-gbps", arg, 0.001, 10000, &g);
		c->rate_mbps = (uint64_t)(g * 1000 + 0.5);
		break;
	case OPT_START:
		rc = parse_u64("--start", arg, 0, UINT32_MAX, &c->start_s);
		break;
	case 'h':
		usage(stdout);
		return 1;
	case 'V':
		printf("wiremask-gen %s\n", WM_VERSION);
		return 1;
	default:
		usage(stderr);
		return -1;
	}
	return rc;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct gen_cfg c = {
		.content =
			{
				.density = 1.0,
				.kinds = GEN_KINDS_ALL,
				.size = GEN_SIZE_IMIX,
				.card_fmt = GEN_CARD_MIX,
			},
		.net = {.encap = GEN_ENCAP_NONE,
			.vlan = 100,
			.cvlan = 200,
			.vni = 5001},
		.seed = 1,
		.flows = 16,
		.requests = 4,
		.pool = 1024,
		.handshake = true,
		.sched = GEN_SCHED_RANDOM,
		.rate_mbps = 10000,
		.start_s = 1700000000,
	};
	struct gen_stats st;
	double t0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "o:t:s:n:f:r:d:6hV", long_opts,
				  NULL)) != -1) {
		rc = parse_opt(opt, optarg, &c);
		if (rc != 0)
			return rc > 0 ? 0 : 2;
	}
	if (optind < argc) {
		fprintf(stderr, "wiremask-gen: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (c.out_path == NULL) {
		fprintf(stderr, "wiremask-gen: -o FILE is required (--help)\n");
		return 2;
	}
	if (c.cut && c.packets == 0) {
		fprintf(stderr, "wiremask-gen: --cut needs --packets\n");
		return 2;
	}
	c.content.seed = c.seed;
	t0 = now();
	if (gen_run(&c, &st) != 0)
		return 1;
	printf("wiremask-gen: packets=%" PRIu64 " bytes=%" PRIu64
	       " flows=%" PRIu64 " payload=%" PRIu64,
	       st.packets, st.bytes, st.flows, st.payload);
	for (int k = 0; k < GEN_KIND_MAX; k++)
		printf(" %s=%" PRIu64, gen_kind_names[k], st.values[k]);
	printf(" seconds=%.2f\n", now() - t0);
	return 0;
}
