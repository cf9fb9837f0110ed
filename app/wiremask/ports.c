/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: every port is paired with a peer (bump in the wire); what one
 * receives leaves on the other. A port paired with itself (one-VF mode)
 * sends frames back out where they came in. Each port gets one rx and
 * one tx queue per worker where the driver allows; fewer tx queues are
 * shared under a lock (net_pcap has one per file).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "wiremask.h"

static int
ports_pair(struct wm_app *app)
{
	const struct wm_config *cfg = app->cfg;
	bool paired[WM_CONFIG_MAX_PORTS] = { false };

	if (cfg->ports.npairs == 0) {
		if (app->nports % 2 != 0) {
			wm_log(WM_LOG_ERR, "%u port(s): port %u has no peer "
			       "(ports pair 0<->1, 2<->3, ...; set ports.pairs, "
			       "where [%u, %u] pairs a port with itself)",
			       app->nports, app->nports - 1, app->nports - 1,
			       app->nports - 1);
			return -EINVAL;
		}
		for (unsigned int p = 0; p < app->nports; p++)
			app->ports[p].peer = (uint16_t)(p ^ 1);
	} else {
		for (unsigned int i = 0; i < cfg->ports.npairs; i++) {
			uint16_t a = cfg->ports.pairs[i][0], b = cfg->ports.pairs[i][1];

			if (a >= app->nports || b >= app->nports) {
				wm_log(WM_LOG_ERR, "ports.pairs: pair (%u, %u) "
				       "names a port that does not exist "
				       "(%u ports)", a, b, app->nports);
				return -EINVAL;
			}
			app->ports[a].peer = b;
			app->ports[b].peer = a;
			paired[a] = paired[b] = true;
		}
		for (unsigned int p = 0; p < app->nports; p++)
			if (!paired[p]) {
				wm_log(WM_LOG_ERR, "port %u is in no pair "
				       "(ports.pairs)", p);
				return -EINVAL;
			}
	}
	for (unsigned int p = 0; p < app->nports; p++)
		app->ports[p].link = (uint16_t)RTE_MIN(p, app->ports[p].peer);
	return 0;
}

/*
 * Queue (i % WM_DP_RETA_PATTERN) % nb_rxq at redirection entry i of the
 * port's whole table: ports with tables of any size send a flow to the
 * same queue, and the data path picks owners in software the same way
 * (wm_dp_rss_owner()). False when it cannot be programmed so.
 */
static bool
rss_reta_set(struct wm_port *port, const struct rte_eth_dev_info *info)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 /
					     RTE_ETH_RETA_GROUP_SIZE];
	uint16_t size = info->reta_size;

	if (size < WM_DP_RETA_PATTERN || size > RTE_ETH_RSS_RETA_SIZE_512 ||
	    size % WM_DP_RETA_PATTERN != 0)
		return false;
	memset(reta, 0, sizeof(reta));
	for (unsigned int i = 0; i < size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
			UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)((i % WM_DP_RETA_PATTERN) % port->nb_rxq);
	}
	return rte_eth_dev_rss_reta_update(port->id, reta, size) == 0;
}

static int
port_setup(struct wm_app *app, struct wm_port *port)
{
	uint8_t key[64];
	const struct wm_config *cfg = app->cfg;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = cfg->ports.rx_desc, nb_txd = cfg->ports.tx_desc;
	int rc;

	rc = rte_eth_dev_info_get(port->id, &info);
	if (rc != 0)
		return rc;
	snprintf(port->driver, sizeof(port->driver), "%s", info.driver_name);
	port->nb_rxq = (uint16_t)RTE_MIN(app->nworkers, info.max_rx_queues);
	port->nb_txq = (uint16_t)RTE_MIN(app->nworkers, info.max_tx_queues);
	port->tx_shared = port->nb_txq < app->nworkers;
	port->pcap_tx = strcmp(info.driver_name, "net_pcap") == 0;
	for (unsigned int q = 0; q < WM_CONFIG_MAX_WORKERS; q++)
		rte_spinlock_init(&port->tx_lock[q]);
	port->rss = false;
	if (port->nb_rxq > 1) {
		/*
		 * Symmetric Toeplitz: the 0x6d5a key hashes both directions
		 * of a connection alike (DPDK 22.11 has no symmetric hash
		 * function in rss_conf; the key works on every Toeplitz
		 * NIC).
		 */
		uint8_t klen = info.hash_key_size ? info.hash_key_size : 40;

		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP |
			RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
		if (klen <= sizeof(key)) {
			for (unsigned int i = 0; i < klen; i++)
				key[i] = WM_DP_RSS_KEY_BYTE(i);
			conf.rx_adv_conf.rss_conf.rss_key = key;
			conf.rx_adv_conf.rss_conf.rss_key_len = klen;
		}
	}
	if (app->capture_clock &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(port->id, port->nb_rxq, port->nb_txq, &conf);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port->id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < port->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port->id, q, nb_rxd,
					    rte_eth_dev_socket_id(port->id),
					    NULL, app->pool);
		if (rc != 0)
			return rc;
	}
	for (uint16_t q = 0; q < port->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(port->id, q, nb_txd,
					    rte_eth_dev_socket_id(port->id),
					    NULL);
		if (rc != 0)
			return rc;
	}
	if (cfg->ports.promiscuous) {
		rc = rte_eth_promiscuous_enable(port->id);
		if (rc != 0 && rc != -ENOTSUP)
			return rc;
	}
	rc = rte_eth_dev_start(port->id);
	if (rc != 0)
		return rc;
	/*
	 * Each worker then gets its own flows from the NIC; else (fewer
	 * queues than workers, a table or key the PMD refuses) flows are
	 * handed over in software (wm_dp_owner()).
	 */
	if (port->nb_rxq > 1 && port->nb_rxq == app->nworkers &&
	    conf.rx_adv_conf.rss_conf.rss_key != NULL &&
	    (conf.rx_adv_conf.rss_conf.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) &&
	    rss_reta_set(port, &info))
		port->rss = true;
	if (port->nb_rxq > 1)
		wm_log(WM_LOG_INFO, "port %u (%s): %u rx queues, %s", port->id,
		       info.driver_name, port->nb_rxq, port->rss ?
		       "symmetric RSS: each worker gets its own flows" :
		       "no symmetric RSS: flows handed over in software");
	return 0;
}

/*
 * Frames in a classic pcap file (net_pcap reads no other format), or -1.
 * Record headers are 16 bytes; the captured length is at offset 8, in
 * the byte order the magic number tells. A last record cut short (a
 * capture whose writer was killed) is not a frame anyone can read.
 */
static int64_t
pcap_frames(const char *path)
{
	uint8_t gh[24], rh[16];
	int64_t n = 0;
	long size;
	bool swap;
	FILE *f = fopen(path, "rb");
	uint32_t magic;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    fread(gh, 1, sizeof(gh), f) != sizeof(gh))
		goto bad;
	memcpy(&magic, gh, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		swap = false;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		swap = true;
	else
		goto bad;
	while (fread(rh, 1, sizeof(rh), f) == sizeof(rh)) {
		uint32_t incl;

		memcpy(&incl, rh + 8, 4);
		if (swap)
			incl = __builtin_bswap32(incl);
		if (ftell(f) + (long)incl > size || fseek(f, incl, SEEK_CUR) != 0)
			break;
		n++;
	}
	fclose(f);
	return n;
bad:
	fclose(f);
	return -1;
}

/* net_pcap's rx capture, from the vdev's arguments ("rx_pcap=FILE"). */
static int64_t
port_capture_frames(uint16_t id)
{
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;
	char path[4096];
	const char *a;
	size_t n;

	if (rte_eth_dev_info_get(id, &info) != 0 || info.device == NULL ||
	    strcmp(info.driver_name, "net_pcap") != 0)
		return -1;
	da = rte_dev_devargs(info.device);
	if (da == NULL || da->args == NULL ||
	    (a = strstr(da->args, "rx_pcap=")) == NULL)
		return -1;
	a += strlen("rx_pcap=");
	n = strcspn(a, ",");
	if (n >= sizeof(path))
		return -1;
	memcpy(path, a, n);
	path[n] = '\0';
	return pcap_frames(path);
}

/*
 * Frames longer than net_pcap writes from a chain leave through these
 * (worker.c): as many as every worker's transmit burst at once, since
 * net_pcap frees each one as it writes it.
 */
static int
ports_jumbo_pool(struct wm_app *app)
{
	unsigned int n = 2 * WM_BURST * app->nworkers;

	if (app->jumbo != NULL)
		return 0;
	app->jumbo = rte_pktmbuf_pool_create("wm_jumbo", n, 0, 0,
					     WM_JUMBO_SIZE,
					     (int)rte_socket_id());
	if (app->jumbo == NULL) {
		wm_log(WM_LOG_ERR, "cannot create %u mbufs of %u bytes for "
		       "long frames on net_pcap ports: %s (give EAL more "
		       "memory with -m)", n, WM_JUMBO_SIZE,
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

int
wm_ports_init(struct wm_app *app)
{
	const struct wm_config *cfg = app->cfg;
	uint16_t pid;
	unsigned int n = 0;
	int rc;

	if (app->capture) {
		rc = wm_capture_ports(app);
		if (rc != 0)
			return rc;
		n = app->nports;
	}
	RTE_ETH_FOREACH_DEV(pid) {
		if (app->capture)
			break;
		if (n == WM_CONFIG_MAX_PORTS) {
			wm_log(WM_LOG_ERR, "more than %d ports",
			       WM_CONFIG_MAX_PORTS);
			return -EINVAL;
		}
		app->ports[n++].id = pid;
	}
	app->nports = n;
	if (n == 0) {
		wm_log(WM_LOG_ERR, "no port found; wiremask needs a pair (a NIC "
		       "bound to DPDK, or --vdev net_pcap0,... --vdev "
		       "net_pcap1,...) or one port paired with itself "
		       "(ports.pairs = ( [0, 0] ))");
		return -ENODEV;
	}
	rc = ports_pair(app);
	if (rc != 0)
		return rc;
	if (app->capture)
		return wm_capture_start(app);
	app->pool = rte_pktmbuf_pool_create("wm_mbufs", cfg->ports.mbufs,
		256, WM_PKT_PRIV_SIZE,
		(uint16_t)RTE_MIN(cfg->ports.mbuf_size + RTE_PKTMBUF_HEADROOM,
				  (uint32_t)UINT16_MAX),
		(int)rte_socket_id());
	if (app->pool == NULL) {
		wm_log(WM_LOG_ERR, "cannot create %u mbufs of %u bytes: %s "
		       "(lower ports.mbufs or ports.mbuf_size, or give EAL "
		       "more memory with -m)", cfg->ports.mbufs,
		       cfg->ports.mbuf_size, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	/* A replay (every port reads a capture) runs on capture time. */
	app->capture_clock = true;
	for (unsigned int p = 0; p < n; p++) {
		struct rte_eth_dev_info info;

		if (rte_eth_dev_info_get(app->ports[p].id, &info) != 0 ||
		    strcmp(info.driver_name, "net_pcap") != 0)
			app->capture_clock = false;
		else if (ports_jumbo_pool(app) < 0)
			return -ENOMEM;
		app->ports[p].rx_frames = port_capture_frames(app->ports[p].id);
	}
	for (unsigned int p = 0; p < n; p++) {
		rc = port_setup(app, &app->ports[p]);
		if (rc != 0) {
			wm_log(WM_LOG_ERR, "port %u: setup failed: %s",
			       app->ports[p].id, rte_strerror(-rc));
			return rc;
		}
	}
	if (app->capture_clock) {
		int flag = rte_mbuf_dynflag_lookup(
			RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);

		app->ts_offset = rte_mbuf_dynfield_lookup(
			RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
		app->capture_clock = flag >= 0 && app->ts_offset >= 0;
		app->ts_flag = flag >= 0 ? RTE_BIT64(flag) : 0;
	}
	return 0;
}

/*
 * With link propagation on, every link goes down first, all at once:
 * a stopped appliance passes nothing (no bypass), and the routers on
 * both sides see it at once and fail over, rather than when a driver's
 * stop happens to drop the link (some keep it up). Held packets have
 * left by now (the workers flushed them).
 */
void
wm_ports_close(struct wm_app *app)
{
	unsigned int down = 0;

	if (app->capture)
		return;
	if (app->cfg != NULL && app->cfg->ports.link_propagation) {
		for (unsigned int p = 0; p < app->nports; p++)
			down += rte_eth_dev_set_link_down(app->ports[p].id) == 0;
		if (down > 0)
			wm_log(WM_LOG_NOTICE, "exit: link set down on %u of %u "
			       "port(s)", down, app->nports);
	}
	for (unsigned int p = 0; p < app->nports; p++) {
		rte_eth_dev_stop(app->ports[p].id);
		rte_eth_dev_close(app->ports[p].id);
	}
}

void
wm_ports_rx_progress(const struct wm_app *app, uint64_t *taken,
		     int64_t *total)
{
	if (app->capture) {
		wm_capture_progress(taken, total);
		return;
	}
	*taken = 0;
	*total = 0;
	for (unsigned int p = 0; p < app->nports; p++) {
		struct rte_eth_stats st;

		if (rte_eth_stats_get(app->ports[p].id, &st) == 0)
			*taken += st.ipackets + st.imissed + st.rx_nombuf +
				  st.ierrors;
		if (app->ports[p].rx_frames < 0 || *total < 0)
			*total = -1;
		else
			*total += app->ports[p].rx_frames;
	}
}

bool
wm_ports_all_pcap(const struct wm_app *app)
{
	if (app->capture)
		return true;
	for (unsigned int p = 0; p < app->nports; p++)
		if (strcmp(app->ports[p].driver, "net_pcap") != 0)
			return false;
	return app->nports > 0;
}

void
wm_ports_print(const struct wm_app *app, FILE *out)
{
	if (app->capture) {
		wm_capture_print(out);
		return;
	}
	for (unsigned int p = 0; p < app->nports; p++) {
		const struct wm_port *port = &app->ports[p];
		struct rte_eth_stats st;

		if (rte_eth_stats_get(port->id, &st) != 0)
			continue;
		fprintf(out, "  port %u (%s) -> port %u: rx %" PRIu64
			" tx %" PRIu64 " missed %" PRIu64 " rx_nombuf %" PRIu64
			" rx_errors %" PRIu64 " tx_errors %" PRIu64 "\n",
			port->id, port->driver, port->peer, st.ipackets,
			st.opackets, st.imissed, st.rx_nombuf, st.ierrors,
			st.oerrors);
	}
}
