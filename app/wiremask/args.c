/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask's own arguments (after "--"), its --help, and the options
 * handled with no EAL at all (--help, --version, --check-config).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <hs.h>
#include <rte_version.h>

#include "wiremask.h"
#include "wm_metrics.h"

static const char usage_text[] =
"Usage: wiremask [EAL options] -- -c FILE [options]\n"
"       wiremask --check-config FILE | --help | --version\n"
"\n"
"Inline masking of sensitive values (payment cards, SSNs, e-mail\n"
"addresses) in TCP traffic. Ports are paired as bumps in the wire\n"
"(0<->1, 2<->3, ... or ports.pairs in the config): what arrives on a\n"
"port leaves on its peer, with every detected value masked in place by\n"
"a same-length replacement and checksums fixed. A packet that may carry\n"
"the start of a value not yet ended is held until it is judged.\n"
"\n"
"Options (after --):\n"
"  -c, --config FILE         configuration file (required); see\n"
"                            configs/default.cfg for every setting\n"
"      --check-config FILE   validate FILE, print the values in effect,\n"
"                            exit 0 if valid, 1 if not (no EAL needed)\n"
"      --stats-json FILE     write the final counters to FILE as JSON\n"
"      --stats-interval SEC  print counters every SEC seconds (default 0:\n"
"                            only at exit)\n"
"      --status-file FILE    rewrite FILE about once a second (atomically:\n"
"                            a temporary file renamed over it) with one\n"
"                            JSON object for liveness/readiness probes:\n"
"                            {\"time\": UNIX-SECONDS, \"alive\": BOOL,\n"
"                            \"ready\": BOOL, \"ports\": [{\"port\": N,\n"
"                            \"link\": \"up\"|\"down\"|\"unknown\"}, ...],\n"
"                            \"workers\": N}; alive: every worker looped\n"
"                            since the last write; ready: alive and every\n"
"                            link up. Removed at exit; a probe should also\n"
"                            find \"time\" recent\n"
"      --idle-exit MS        exit once no frame has arrived for MS ms,\n"
"                            after flushing what is held; default: 100\n"
"                            when every port is net_pcap (a capture is\n"
"                            transformed and the program ends), otherwise\n"
"                            off (0); SIGINT/SIGTERM always stop cleanly\n"
"      --metrics-listen ADDR:PORT\n"
"                            serve Prometheus metrics at /metrics there\n"
"                            (overrides metrics.listen; :PORT is\n"
"                            127.0.0.1); DPDK telemetry has\n"
"                            /wiremask/stats, /wiremask/segments and\n"
"                            /wiremask/flows whatever this says\n"
"      --linger SEC          once the captures are read and everything\n"
"                            is flushed, keep /metrics and telemetry up\n"
"                            with the final counters for SEC s (0..3600)\n"
"                            or until SIGINT/SIGTERM\n"
"      --no-watch            do not reload when the config file changes\n"
"                            (SIGHUP and /wiremask/reload still do)\n"
"  -r, --read IN             capture mode: mask the capture IN (pcap or\n"
"                            pcapng; Ethernet, raw IP, Linux cooked\n"
"                            SLL/SLL2, loopback NULL/LOOP) read as port 0,\n"
"                            with no device and no vdev (give EAL\n"
"                            --no-pci); needs --write\n"
"  -w, --write OUT           capture mode: what leaves port 1 goes to OUT\n"
"                            (pcap) in IN's link type: IN's frames, link\n"
"                            headers and timestamps, only masked bytes\n"
"                            and TCP checksums changed; frames over\n"
"                            65,535 bytes are not carried (reported)\n"
"  -v, --verbose             log the configuration in effect and more\n"
"  -h, --help                this text\n"
"  -V, --version             print the version\n"
"\n"
"Workers: one worker per EAL worker lcore (config 'workers', 0 = all);\n"
"the main lcore only controls. Both directions of a connection are\n"
"judged by the same worker.\n"
"\n"
"Reload: SIGHUP (or the telemetry command /wiremask/reload, or the\n"
"config file changing, a Kubernetes ConfigMap's symlink swap included)\n"
"re-reads the config, checks it whole and compiles it off the workers,\n"
"then swaps it in without stopping traffic; flows keep their state and\n"
"go on under the new policy from their next byte. A bad file is refused\n"
"(FILE:LINE in the log) and the running config stays; so is a change\n"
"of workers, ports, reasm, hold/flow timeouts, flow_table_size,\n"
"metrics.listen or events.path, which need a restart.\n"
"\n"
"Links (config ports.link_propagation, default on): a port that loses\n"
"its link takes its peer's link down, and up again when it returns, so\n"
"routers on either side fail over; at exit every link is set down (no\n"
"traffic crosses a stopped appliance).\n"
"\n"
"Example, masking a capture (scripts/mask-pcap.sh does this):\n"
"  wiremask -l 0,1 --no-huge -m 512 --no-pci --no-shconf \\\n"
"    -- -c configs/default.cfg --read in.pcap --write out.pcap\n"
"or on net_pcap vdevs (Ethernet captures only):\n"
"  wiremask -l 0,1 --no-huge -m 512 --no-pci --no-shconf \\\n"
"    --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=/dev/null \\\n"
"    --vdev net_pcap1,rx_pcap=empty.pcap,tx_pcap=out.pcap \\\n"
"    -- -c configs/default.cfg\n"
"\n"
"At exit a summary is printed: frames in/out, flows, values masked per\n"
"detector, and every non-zero counter (drop.* and pass.* say why a\n"
"frame was not forwarded as judged). Exit status: 0 ok, 1 bad usage or\n"
"config, 2 start-up failure or --read/--write failed (IN unreadable or\n"
"cut short, OUT not written), 3 capture mode ended before every frame\n"
"of the captures was read (the workers stalled for 10 s: the output is\n"
"incomplete) or, with --read, a frame taken in or sent was lost, 4 with\n"
"--read, frames over 65,535 bytes were left out of OUT (each named).\n";

static int
check_config(const char *path)
{
	char err[WM_CONFIG_ERR_LEN];
	struct wm_config *cfg = wm_config_load(path, err, sizeof(err));
	struct wm_segments *segs;

	/* Without EAL: zone rules are checked by the loader, built at start. */
	if (cfg == NULL) {
		fprintf(stderr, "wiremask: %s\n", err);
		return 1;
	}
	segs = wm_segments_create(cfg, err, sizeof(err));
	if (segs == NULL) {
		fprintf(stderr, "wiremask: %s: %s\n", path, err);
		wm_config_free(cfg);
		return 1;
	}
	wm_config_dump(cfg, stdout);
	printf("%s: valid\n", path);
	wm_segments_free(segs);
	wm_config_free(cfg);
	return 0;
}

enum {
	OPT_CHECK = 256,
	OPT_STATS_JSON,
	OPT_STATS_INTERVAL,
	OPT_IDLE_EXIT,
	OPT_STATUS_FILE,
	OPT_METRICS_LISTEN,
	OPT_LINGER,
	OPT_NO_WATCH,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", required_argument, NULL, OPT_CHECK },
	{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "idle-exit", required_argument, NULL, OPT_IDLE_EXIT },
	{ "status-file", required_argument, NULL, OPT_STATUS_FILE },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "no-watch", no_argument, NULL, OPT_NO_WATCH },
	{ "read", required_argument, NULL, 'r' },
	{ "write", required_argument, NULL, 'w' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static bool
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/*
 * Returns -1 to go on, else the exit status (for --help, --version,
 * --check-config and errors).
 */
int
wm_args_parse(int argc, char **argv, struct wm_opts *o)
{
	int c;
	long v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:r:w:vhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case OPT_CHECK:
			return check_config(optarg);
		case OPT_STATS_JSON:
			o->stats_json = optarg;
			break;
		case OPT_STATUS_FILE:
			if (optarg[0] == '\0' ||
			    strlen(optarg) + sizeof(".tmp") > PATH_MAX) {
				fprintf(stderr, "wiremask: --status-file: want "
					"a file name, got '%s'\n", optarg);
				return 1;
			}
			o->status_file = optarg;
			break;
		case OPT_STATS_INTERVAL:
			if (!parse_long(optarg, 0, 86400, &v)) {
				fprintf(stderr, "wiremask: --stats-interval: "
					"want 0..86400 seconds, got '%s'\n", optarg);
				return 1;
			}
			o->stats_interval_s = (unsigned int)v;
			break;
		case OPT_IDLE_EXIT:
			if (!parse_long(optarg, 0, 3600000, &v)) {
				fprintf(stderr, "wiremask: --idle-exit: want "
					"0..3600000 ms, got '%s'\n", optarg);
				return 1;
			}
			o->idle_exit_ms = v;
			break;
		case OPT_METRICS_LISTEN: {
			struct sockaddr_storage ss;
			socklen_t len;

			if (wm_metrics_listen_parse(optarg, &ss, &len) < 0) {
				fprintf(stderr, "wiremask: --metrics-listen: want "
					"ADDR:PORT, [IPV6]:PORT or :PORT, got "
					"'%s'\n", optarg);
				return 1;
			}
			o->metrics_listen = optarg;
			break;
		}
		case OPT_LINGER:
			if (!parse_long(optarg, 0, 3600, &v)) {
				fprintf(stderr, "wiremask: --linger: want "
					"0..3600 s, got '%s'\n", optarg);
				return 1;
			}
			o->linger_s = (unsigned int)v;
			break;
		case OPT_NO_WATCH:
			o->no_watch = true;
			break;
		case 'r':
			o->read = optarg;
			break;
		case 'w':
			o->write = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("wiremask %s (%s, Hyperscan %s)\n", WM_VERSION,
			       rte_version(), hs_version());
			return 0;
		default:
			fputs("Try 'wiremask --help'.\n", stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wiremask: unexpected argument '%s'\n",
			argv[optind]);
		return 1;
	}
	if ((o->read == NULL) != (o->write == NULL)) {
		fprintf(stderr, "wiremask: --read IN and --write OUT go "
			"together\n");
		return 1;
	}
	if (o->config == NULL) {
		fprintf(stderr, "wiremask: no configuration: give -c FILE "
			"after '--' (try 'wiremask --help')\n");
		return 1;
	}
	return -1;
}

/* Options that need no EAL (no hugepages, no root). */
static bool
early_opt(const char *a)
{
	static const char *const opts[] = { "--help", "-h", "--version", "-V",
					     "--check-config" };

	for (unsigned int i = 0; i < WM_ARRAY_SIZE(opts); i++)
		if (strcmp(a, opts[i]) == 0)
			return true;
	return false;
}

/* An early option given alone, or first after "--": handled before EAL. */
int
wm_args_early(int argc, char **argv)
{
	struct wm_opts o = { 0 };

	if (argc >= 2 && early_opt(argv[1]))
		return wm_args_parse(argc, argv, &o);
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--") == 0 && early_opt(argv[i + 1])) {
			argv[i] = argv[0];
			return wm_args_parse(argc - i, argv + i, &o);
		}
	return -1;
}
