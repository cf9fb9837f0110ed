/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus exposition (lib/metrics) without EAL: escaping, HELP and
 * TYPE lines, every counter exported once under a valid name, the
 * held-time histogram's cumulative buckets, +Inf, _sum and _count, and
 * the listen-address syntax. "test_metrics --dump" prints a rendered
 * exposition with awkward names for check_exposition.py (parsed by
 * python3-prometheus-client).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "wm_common.h"
#include "wm_metrics.h"
#include "wm_test.h"

static struct wm_stats st;

static const struct wm_metrics_rule rules[] = {
	{ 0, 0, "default", "card", "partial", false },
	{ 0, 1, "default", "ssn", "redact", false },
	{ 1, 0, "pci \"zone\"\\east\nwing", "card", "token", false },
	{ 1, 2, "pci \"zone\"\\east\nwing", "email", "alert", true },
};

static const struct wm_metrics_zone zones[] = {
	{ 0, "db", "quarantine", false },
	{ 1, "db", "app-to-db", false },
	{ WM_STATS_ZONE_RULES + 1, "db", "default", false },
	{ WM_STATS_ZONE_RULES + 2, "trial", "default", true },
};

static const struct wm_metrics_port ports[] = {
	{ .port = 0, .peer = 1, .name = "net_pcap0", .driver = "net_pcap",
	  .link = 1, .rx_packets = 10, .tx_packets = 11, .rx_bytes = 12,
	  .tx_bytes = 13, .rx_missed = 14, .rx_nombuf = 15, .rx_errors = 16,
	  .tx_errors = 17 },
	{ .port = 1, .peer = 0, .name = "net_pcap1", .driver = "net_pcap",
	  .link = -1 },
};

static const struct wm_metrics_worker workers[] = {
	{ .index = 0, .lcore = 1, .busy_cycles = 500, .cycles = 2000,
	  .flows = 7 },
};

static void
fill(void)
{
	static const uint64_t held[] = { 0, 1, 3, 4, 5, 7, 8, 1023, 1024,
					 1025, 200000, 67108863, 67108864,
					 UINT64_C(1) << 40 };

	memset(&st, 0, sizeof(st));
	for (unsigned int c = 0; c < WM_CTR_MAX; c++)
		st.ctr[c] = 1000 + c;
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(held); i++)
		wm_stats_held_add(&st, held[i]);
	st.seg_values[0][0] = 3;
	st.seg_values[0][1] = 4;
	st.seg_values[1][0] = 5;
	st.seg_values[1][2] = 6;
	st.zone_rule[0] = 7;
	st.zone_rule[WM_STATS_ZONE_RULES + 1] = 8;
	st.zone_rule[WM_STATS_ZONE_RULES + 2] = 9;
}

static char *
render(struct wm_metrics_buf *b)
{
	struct wm_metrics_view v = {
		.stats = &st, .rules = rules, .nrules = WM_ARRAY_SIZE(rules),
		.zones = zones, .nzones = WM_ARRAY_SIZE(zones),
		.ports = ports, .nports = WM_ARRAY_SIZE(ports),
		.workers = workers, .nworkers = WM_ARRAY_SIZE(workers),
		.tsc_hz = 2000000000, .start_time = 1700000000.5,
		.version = "0.1.0", .capture_frames = 42,
	};

	fill();
	wm_metrics_buf_reset(b);
	CHECK_EQ(wm_metrics_render(&v, b), 0);
	CHECK_EQ(strlen(b->p), b->len);
	return b->p;
}

/* Is @line (whole, with its newline) in @text? */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void
test_label_value_escaped(void)
{
	struct wm_metrics_buf b = { 0 };
	const char *lab[4] = { "segment", "a\"b\\c\nd", "x", "" };

	wm_metrics_sample(&b, "m", NULL, lab, 2, 5);
	CHECK(strcmp(b.p, "m{segment=\"a\\\"b\\\\c\\nd\",x=\"\"} 5\n") == 0);
	wm_metrics_buf_reset(&b);
	wm_metrics_sample(&b, "m", "_sum", NULL, 0, 0);
	CHECK(strcmp(b.p, "m_sum 0\n") == 0);
	wm_metrics_buf_free(&b);
}

static void
test_help_escaped_quote_kept(void)
{
	struct wm_metrics_buf b = { 0 };

	wm_metrics_family(&b, "m_total", "counter", "a \"b\" c\\d\ne");
	CHECK(strcmp(b.p, "# HELP m_total a \"b\" c\\\\d\\ne\n"
		     "# TYPE m_total counter\n") == 0);
	wm_metrics_buf_free(&b);
}

static void
test_sample_float_special(void)
{
	struct wm_metrics_buf b = { 0 };

	wm_metrics_sample_f(&b, "m", NULL, NULL, 0, 0.5);
	wm_metrics_sample_f(&b, "m", NULL, NULL, 0, 1.0 / 0.0);
	CHECK(strcmp(b.p, "m 0.5\nm +Inf\n") == 0);
	wm_metrics_buf_free(&b);
}

/* Each family has HELP then TYPE, once; samples follow their TYPE. */
static void
test_help_type_once_per_family(void)
{
	struct wm_metrics_buf b = { 0 };
	char *text = strdup(render(&b)), *save = NULL, fam[128] = "";
	char seen[300][128];
	unsigned int nseen = 0;
	bool help_pending = false;

	for (char *l = strtok_r(text, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[128], type[32];

		if (sscanf(l, "# HELP %127s", name) == 1) {
			CHECK(!help_pending);
			for (unsigned int i = 0; i < nseen; i++)
				CHECK(strcmp(seen[i], name) != 0);
			snprintf(seen[nseen++ % 300], 128, "%s", name);
			snprintf(fam, sizeof(fam), "%s", name);
			help_pending = true;
		} else if (sscanf(l, "# TYPE %127s %31s", name, type) == 2) {
			CHECK(help_pending && strcmp(name, fam) == 0);
			help_pending = false;
		} else {
			size_t n = strlen(fam);

			CHECK(!help_pending && n > 0);
			/* the family's name, or it + _bucket/_sum/_count */
			CHECK(strncmp(l, fam, n) == 0 &&
			      (l[n] == ' ' || l[n] == '{' || l[n] == '_'));
		}
	}
	CHECK(nseen > 20);
	free(text);
	wm_metrics_buf_free(&b);
}

/* Every counter of lib/stats is in the output once, with its value. */
static void
test_every_counter_once(void)
{
	struct wm_metrics_buf b = { 0 };
	const char *text = render(&b);
	regex_t re;

	CHECK_EQ(regcomp(&re, "^wiremask_[a-z0-9_]+$", REG_EXTENDED | REG_NOSUB), 0);
	for (unsigned int c = 0; c < WM_CTR_MAX; c++) {
		char name[96], line[256];
		const char *reason;

		wm_metrics_counter_name(c, name, sizeof(name), &reason);
		CHECK(regexec(&re, name, 0, NULL, 0) == 0);
		if (reason[0] != '\0')
			snprintf(line, sizeof(line), "%s_total{reason=\"%s\"} %u",
				 name, reason, 1000 + c);
		else
			snprintf(line, sizeof(line), "%s_total %u", name,
				 1000 + c);
		if (!has_line(text, line))
			fprintf(stderr, "missing: %s\n", line);
		CHECK(has_line(text, line));
		/* no other counter maps to the same series */
		for (unsigned int k = 0; k < c; k++) {
			char other[96];
			const char *r2;

			wm_metrics_counter_name(k, other, sizeof(other), &r2);
			CHECK(strcmp(name, other) != 0 || strcmp(reason, r2) != 0);
		}
	}
	regfree(&re);
	CHECK(has_line(text, "wiremask_dropped_total{reason=\"ooo_full\"} " ) ||
	      strstr(text, "wiremask_dropped_total{reason=\"ooo_full\"} ") != NULL);
	wm_metrics_buf_free(&b);
}

static void
test_values_by_segment_detector_operator(void)
{
	struct wm_metrics_buf b = { 0 };
	const char *text = render(&b);

	CHECK(has_line(text, "wiremask_masked_values_total{segment=\"default\","
		       "detector=\"card\",operator=\"partial\"} 3"));
	CHECK(has_line(text, "wiremask_masked_values_total{segment=\"default\","
		       "detector=\"ssn\",operator=\"redact\"} 4"));
	CHECK(has_line(text, "wiremask_masked_values_total{segment=\"pci "
		       "\\\"zone\\\"\\\\east\\nwing\",detector=\"card\","
		       "operator=\"token\"} 5"));
	/* an alert rule is not a masked value */
	CHECK(strstr(text, "detector=\"email\",operator=\"alert\"") == NULL);
	CHECK(has_line(text, "wiremask_alerted_values_total{segment=\"pci "
		       "\\\"zone\\\"\\\\east\\nwing\",detector=\"email\"} 6"));
	wm_metrics_buf_free(&b);
}

/* Buckets count times below 2^k us, cumulatively; +Inf is every one. */
/* Packets denied per zone rule: enforced and shadow in their families. */
static void
test_zone_denied_by_rule(void)
{
	struct wm_metrics_buf b = { 0 };
	const char *t = render(&b);

	CHECK(has_line(t, "wiremask_zone_denied_packets_total{segment=\"db\",rule=\"quarantine\"} 7"));
	CHECK(has_line(t, "wiremask_zone_denied_packets_total{segment=\"db\",rule=\"app-to-db\"} 0"));
	CHECK(has_line(t, "wiremask_zone_denied_packets_total{segment=\"db\",rule=\"default\"} 8"));
	CHECK(has_line(t, "wiremask_zone_shadow_denied_packets_total{segment=\"trial\",rule=\"default\"} 9"));
	CHECK(strstr(t, "wiremask_zone_denied_packets_total{segment=\"trial\"") == NULL);
	CHECK(has_line(t, "# TYPE wiremask_zone_denied_packets_total counter"));
	wm_metrics_buf_free(&b);
}

static void
test_histogram_cumulative_inf(void)
{
	struct wm_metrics_buf b = { 0 };
	const char *text = render(&b);
	uint64_t prev = 0;

	CHECK(has_line(text, "# TYPE wiremask_held_seconds histogram"));
	CHECK(has_line(text, "wiremask_held_seconds_bucket{le=\"0.000001\"} 1"));
	CHECK(has_line(text, "wiremask_held_seconds_bucket{le=\"0.000002\"} 2"));
	CHECK(has_line(text, "wiremask_held_seconds_bucket{le=\"0.000004\"} 3"));
	CHECK(has_line(text, "wiremask_held_seconds_bucket{le=\"0.000008\"} 6"));
	CHECK(has_line(text, "wiremask_held_seconds_bucket{le=\"0.001024\"} 8"));
	CHECK(has_line(text, "wiremask_held_seconds_bucket{le=\"0.262144\"} 11"));
	CHECK(has_line(text, "wiremask_held_seconds_bucket{le=\"67.108864\"} 12"));
	CHECK(has_line(text, "wiremask_held_seconds_bucket{le=\"+Inf\"} 14"));
	CHECK(has_line(text, "wiremask_held_seconds_count 14"));
	CHECK(has_line(text, "wiremask_held_seconds_sum 1099646.048603"));
	CHECK(has_line(text, "wiremask_held_max_seconds 1099511.627776"));
	for (unsigned int k = 0; k < WM_METRICS_HELD_LE; k++) {
		uint64_t n = wm_metrics_held_below(&st, k);

		CHECK(n >= prev);
		prev = n;
	}
	/* The last line of the family is _count: +Inf came before _sum. */
	CHECK(strstr(text, "le=\"+Inf\"") < strstr(text, "wiremask_held_seconds_sum"));
	wm_metrics_buf_free(&b);
}

/* A time one below 2^k is under le=2^k, 2^k itself is not. */
static void
test_histogram_edges_exact(void)
{
	for (unsigned int k = 2; k < WM_METRICS_HELD_LE; k++) {
		memset(&st, 0, sizeof(st));
		wm_stats_held_add(&st, ((uint64_t)1 << k) - 1);
		CHECK_EQ(wm_metrics_held_below(&st, k), 1);
		CHECK_EQ(wm_metrics_held_below(&st, k - 1), 0);
		memset(&st, 0, sizeof(st));
		wm_stats_held_add(&st, (uint64_t)1 << k);
		CHECK_EQ(wm_metrics_held_below(&st, k), 0);
		CHECK_EQ(wm_metrics_held_below(&st, k + 1), 1);
	}
}

static void
test_ports_and_workers(void)
{
	struct wm_metrics_buf b = { 0 };
	const char *text = render(&b);

	CHECK(has_line(text, "wiremask_port_info{port=\"0\",name=\"net_pcap0\","
		       "driver=\"net_pcap\",peer=\"1\"} 1"));
	CHECK(has_line(text, "wiremask_port_link_up{port=\"0\"} 1"));
	CHECK(strstr(text, "wiremask_port_link_up{port=\"1\"}") == NULL);
	CHECK(has_line(text, "wiremask_port_rx_packets_total{port=\"0\"} 10"));
	CHECK(has_line(text, "wiremask_port_tx_bytes_total{port=\"0\"} 13"));
	CHECK(has_line(text, "wiremask_port_rx_missed_total{port=\"0\"} 14"));
	CHECK(has_line(text, "wiremask_port_rx_nombuf_total{port=\"0\"} 15"));
	CHECK(has_line(text, "wiremask_port_tx_errors_total{port=\"0\"} 17"));
	CHECK(has_line(text, "wiremask_worker_busy_cycles_total{worker=\"0\","
		       "lcore=\"1\"} 500"));
	CHECK(has_line(text, "wiremask_worker_flows{worker=\"0\",lcore=\"1\"} 7"));
	CHECK(has_line(text, "wiremask_capture_frames 42"));
	CHECK(has_line(text, "wiremask_build_info{version=\"0.1.0\"} 1"));
	wm_metrics_buf_free(&b);
}

static void
test_listen_address(void)
{
	static const struct {
		const char *s;
		int family;   /* 0: refused */
		const char *addr;
		uint16_t port;
	} cases[] = {
		{ "127.0.0.1:9469", AF_INET, "127.0.0.1", 9469 },
		{ "0.0.0.0:80", AF_INET, "0.0.0.0", 80 },
		{ ":9100", AF_INET, "127.0.0.1", 9100 },
		{ "9100", AF_INET, "127.0.0.1", 9100 },
		{ "[::1]:9469", AF_INET6, "::1", 9469 },
		{ "[fe80::1]:1", AF_INET6, "fe80::1", 1 },
		{ "127.0.0.1:0", 0, NULL, 0 },
		{ "127.0.0.1:65536", 0, NULL, 0 },
		{ "127.0.0.1:", 0, NULL, 0 },
		{ "127.0.0.1:+80", 0, NULL, 0 },
		{ "::1:80", 0, NULL, 0 },
		{ "[::1]", 0, NULL, 0 },
		{ "[::1]80", 0, NULL, 0 },
		{ "localhost:80", 0, NULL, 0 },
		{ "1.2.3:80", 0, NULL, 0 },
		{ "", 0, NULL, 0 },
	};

	for (unsigned int i = 0; i < WM_ARRAY_SIZE(cases); i++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;
		char got[64] = "";
		int rc = wm_metrics_listen_parse(cases[i].s, &ss, &len);

		if (cases[i].family == 0) {
			CHECK_EQ(rc, -EINVAL);
			continue;
		}
		CHECK_EQ(rc, 0);
		CHECK_EQ(ss.ss_family, cases[i].family);
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, got, sizeof(got));
			CHECK_EQ(ntohs(a->sin_port), cases[i].port);
			CHECK_EQ(len, sizeof(*a));
		} else {
			const struct sockaddr_in6 *a = (const void *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, got, sizeof(got));
			CHECK_EQ(ntohs(a->sin6_port), cases[i].port);
			CHECK_EQ(len, sizeof(*a));
		}
		CHECK(strcmp(got, cases[i].addr) == 0);
	}
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--dump") == 0) {
		struct wm_metrics_buf b = { 0 };

		fputs(render(&b), stdout);
		wm_metrics_buf_free(&b);
		return wm_test_failures != 0;
	}
	RUN(test_label_value_escaped);
	RUN(test_help_escaped_quote_kept);
	RUN(test_sample_float_special);
	RUN(test_help_type_once_per_family);
	RUN(test_every_counter_once);
	RUN(test_values_by_segment_detector_operator);
	RUN(test_zone_denied_by_rule);
	RUN(test_histogram_cumulative_inf);
	RUN(test_histogram_edges_exact);
	RUN(test_ports_and_workers);
	RUN(test_listen_address);
	TEST_END();
}
