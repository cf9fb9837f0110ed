/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture mode (--read IN --write OUT): IN is port 0 and OUT is what
 * leaves port 1, in process, with no net_pcap vdev and no converted copy
 * of either file. The worker that polls port 0 reads IN with libpcap
 * straight into mbufs, each frame as its Ethernet view (pcap_link.h: any
 * link type wiremask-pcap reads, pcapng too); what the data path sends
 * out of port 1 goes back into IN's link type, link headers, timestamps
 * and lengths, through 1 MB buffers, into OUT (capture_write.c).
 *
 *   IN --pcap_next_ex--> view in an mbuf ---> data path ---> tx port 1
 *             | record per frame number (ts, link header)       |
 *             +--------------------> OUT <-- writer <-- buffers <-+
 *
 * Bursts are read as net_pcap reads them (WM_BURST frames, one mbuf per
 * frame that fits, a chain otherwise; a frame that finds no mbuf is lost
 * and counted), so the data path judges what it judged on net_pcap.
 * OUT's write(2)s are a thread's of their own (on the control lcore's
 * CPU, idle meanwhile), off the worker's path: it fills one buffer while
 * the thread writes the others.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "wiremask.h"
#include "capture_priv.h"

struct wm_cap wm_cap = { .fd = -1 };

int
wm_capture_open(const char *in, const char *out)
{
	char err[PCAP_ERRBUF_SIZE];

	wm_cap.in_path = in;
	wm_cap.out_path = out;
	/* Read in large blocks: libpcap's stream would read 4 KB at once. */
	wm_cap.in_file = fopen(in, "rbe");
	if (wm_cap.in_file == NULL) {
		wm_log(WM_LOG_ERR, "--read %s: %s", in, strerror(errno));
		return -errno;
	}
	setvbuf(wm_cap.in_file, NULL, _IOFBF, CAP_IN_BUF);
	/* ns: OUT keeps IN's resolution whatever it is (pcapng too). */
	wm_cap.in = pcap_fopen_offline_with_tstamp_precision(wm_cap.in_file,
		PCAP_TSTAMP_PRECISION_NANO, err);
	if (wm_cap.in == NULL) {
		fclose(wm_cap.in_file);
		wm_log(WM_LOG_ERR, "--read %s: %s", in, err);
		return -EINVAL;
	}
	wm_lt_file(in, wm_cap.in, &wm_cap.lt, &wm_cap.linktype, &wm_cap.nano);
	if (wm_cap.lt == NULL) {
		wm_log(WM_LOG_ERR, "--read %s: link type %" PRIu32 " is not one "
		       "wiremask reads (" WM_LT_NAMES ")", in, wm_cap.linktype);
		return -EINVAL;
	}
	wm_cap.snaplen = (uint32_t)pcap_snapshot(wm_cap.in);
	wm_cap.chunks = calloc(CAP_CHUNKS, sizeof(*wm_cap.chunks));
	if (wm_cap.chunks == NULL || cap_read_init() < 0)
		return -ENOMEM;
	return cap_out_open();
}

/*
 * Two ports with no device behind them, paired as the config says
 * (0<->1 by default), on capture time; the caller pairs them and
 * makes the pool.
 */
int
wm_capture_ports(struct wm_app *app)
{
	uint16_t n = rte_eth_dev_count_avail();

	if (n != 0) {
		wm_log(WM_LOG_ERR, "--read: capture mode reads a file, but EAL "
		       "found %u port(s): drop the --vdev and PCI options "
		       "(--no-pci)", n);
		return -EINVAL;
	}
	app->nports = 2;
	for (uint16_t p = 0; p < 2; p++) {
		struct wm_port *port = &app->ports[p];

		port->id = p;
		port->soft = true;
		port->nb_rxq = 1;
		port->nb_txq = 1;
		port->tx_shared = app->nworkers > 1;
		port->rx_frames = -1;
		for (unsigned int q = 0; q < WM_CONFIG_MAX_WORKERS; q++)
			rte_spinlock_init(&port->tx_lock[q]);
		snprintf(port->driver, sizeof(port->driver), "capture");
	}
	return 0;
}

/* One more pool (CAP_POOL_MBUFS mbufs at most), or NULL: none left. */
static struct rte_mempool *
pool_add(void)
{
	uint32_t n = RTE_MIN(CAP_POOL_MBUFS, wm_cap.mbufs_left);
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	if (n == 0 || wm_cap.npools == CAP_POOLS)
		return NULL;
	snprintf(name, sizeof(name), "wm_mbufs%u", wm_cap.npools);
	mp = rte_pktmbuf_pool_create(name, n, n >= 512 ? 256 : 0,
		WM_PKT_PRIV_SIZE,
		wm_cap.room, (int)rte_socket_id());
	if (mp == NULL) {
		wm_log(WM_LOG_ERR, "cannot create %u more mbufs of %u bytes: %s "
		       "(give EAL more memory with -m)", n, wm_cap.room,
		       rte_strerror(rte_errno));
		wm_cap.mbufs_left = 0;
		return NULL;
	}
	wm_cap.mbufs_left -= n;
	wm_cap.pool[wm_cap.npools++] = mp;
	return mp;
}

/* An mbuf from the pools, a new pool made if they are all empty. */
static struct rte_mbuf *
mbuf_get(void)
{
	struct rte_mbuf *m;

	for (unsigned int i = 0; i < wm_cap.npools; i++) {
		unsigned int k = (wm_cap.cur + i) % wm_cap.npools;

		m = rte_pktmbuf_alloc(wm_cap.pool[k]);
		if (m != NULL) {
			wm_cap.cur = k;
			return m;
		}
	}
	if (pool_add() == NULL)
		return NULL;
	wm_cap.cur = wm_cap.npools - 1;
	return rte_pktmbuf_alloc(wm_cap.pool[wm_cap.cur]);
}

/* The first pool; mbufs carry capture timestamps as net_pcap's do. */
int
wm_capture_start(struct wm_app *app)
{
	const struct wm_config *cfg = app->cfg;

	wm_cap.mbufs_left = cfg->ports.mbufs;
	wm_cap.room = (uint16_t)RTE_MIN(cfg->ports.mbuf_size + RTE_PKTMBUF_HEADROOM,
				     (uint32_t)UINT16_MAX);
	app->pool = pool_add();
	if (app->pool == NULL)
		return -ENOMEM;
	if (rte_mbuf_dyn_rx_timestamp_register(&app->ts_offset,
					       &app->ts_flag) < 0) {
		wm_log(WM_LOG_ERR, "--read: no mbuf timestamp field: %s",
		       rte_strerror(rte_errno));
		return -ENOSPC;
	}
	app->capture_clock = true;
	wm_cap.ts_offset = app->ts_offset;
	wm_cap.ts_flag = app->ts_flag;
	return 0;
}

static void
read_end(int state, const char *why)
{
	if (why != NULL)
		snprintf(wm_cap.err, sizeof(wm_cap.err), "--read %s: after frame %"
			 PRIu64 ": %s", wm_cap.in_path, wm_cap.frames, why);
	__atomic_store_n(&wm_cap.state, state, __ATOMIC_RELEASE);
}

/* Frame number @idx's record, its chunk made when it is the first. */
static struct wm_lt_rec *
rec_new(uint64_t idx)
{
	struct wm_lt_rec **c = &wm_cap.chunks[idx >> CAP_CHUNK_SHIFT];

	if (idx > UINT32_MAX) {
		read_end(CAP_ERROR, "more than 2^32 frames");
		return NULL;
	}
	if (*c == NULL) {
		struct wm_lt_rec *chunk = malloc(CAP_CHUNK * sizeof(**c));

		if (chunk == NULL) {
			read_end(CAP_ERROR, strerror(ENOMEM));
			return NULL;
		}
		__atomic_store_n(c, chunk, __ATOMIC_RELEASE);
	}
	return cap_rec(idx);
}

/*
 * @n bytes of @src onto the end of the chain @head whose last segment
 * is *@seg: segments after the first have no headroom (as net_pcap
 * chains a long frame). 0, or -ENOMEM.
 */
static int
chain_put(struct rte_mbuf *head, struct rte_mbuf **seg, const uint8_t *src,
	  uint32_t n)
{
	while (n > 0) {
		struct rte_mbuf *m = *seg;
		uint32_t k = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(m), n);

		if (k == 0) {
			m = mbuf_get();
			if (m == NULL)
				return -ENOMEM;
			m->data_off = 0;
			(*seg)->next = m;
			*seg = m;
			head->nb_segs++;
			continue;
		}
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), src, k);
		m->data_len = (uint16_t)(m->data_len + k);
		head->pkt_len += k;
		src += k;
		n -= k;
	}
	return 0;
}

/*
 * One frame of IN as an mbuf in *@out: 1; 0 if refused (too long for
 * its view, reported); -1 when no mbuf was left for it (it is lost, as
 * on net_pcap) or the reading ended.
 */
static int
frame_take(const struct pcap_pkthdr *ph, const uint8_t *f,
	   struct rte_mbuf **out)
{
	uint64_t idx = wm_cap.frames;
	struct wm_lt_rec *r = rec_new(idx);
	uint8_t view[WM_LT_VIEW_MAX];
	struct rte_mbuf *m, *seg;
	bool ok;

	if (r == NULL)
		return -1;
	ok = wm_lt_convert(wm_cap.lt, wm_cap.nano, idx, ph, f, r, view);
	__atomic_store_n(&wm_cap.frames, idx + 1, __ATOMIC_RELEASE);
	if (!ok) {
		wm_cap.refused++;
		wm_log(WM_LOG_WARNING, "--read %s: frame %" PRIu64 " is %" PRIu32
		       " bytes: over the %u bytes wiremask carries whole: "
		       "refused, not in the output", wm_cap.in_path, idx + 1,
		       ph->caplen, WM_LT_FRAME_MAX);
		return 0;
	}
	m = mbuf_get();
	seg = m;
	if (m == NULL || chain_put(m, &seg, view, r->cut) < 0 ||
	    chain_put(m, &seg, f + r->keep, ph->caplen - r->keep) < 0) {
		rte_pktmbuf_free(m);
		wm_cap.nombuf++;
		return -1;
	}
	/* net_pcap's stamp: microseconds (libpcap gave ns here) */
	*RTE_MBUF_DYNFIELD(m, wm_cap.ts_offset, rte_mbuf_timestamp_t *) =
		(uint64_t)ph->ts.tv_sec * 1000000 +
		(uint64_t)ph->ts.tv_usec / 1000;
	m->ol_flags |= wm_cap.ts_flag;
	m->port = CAP_PORT_IN;
	*out = m;
	return 1;
}

uint16_t
wm_capture_rx(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct pcap_pkthdr *ph;
	const uint8_t *f;
	uint16_t k = 0;
	int r;

	if (port != CAP_PORT_IN ||
	    __atomic_load_n(&wm_cap.state, __ATOMIC_RELAXED) != CAP_READING)
		return 0;
	while (k < n) {
		r = cap_read_next(&ph, &f);
		if (r != 1) {
			/* A record cut short (its writer killed) ends IN. */
			read_end(r == PCAP_ERROR_BREAK ? CAP_EOF : CAP_ERROR,
				 r == PCAP_ERROR_BREAK ? NULL : cap_read_err());
			break;
		}
		r = frame_take(ph, f, &pkts[k]);
		if (r < 0)
			break;
		k = (uint16_t)(k + r);
	}
	return k;
}

void
wm_capture_progress(uint64_t *taken, int64_t *total)
{
	uint64_t n = __atomic_load_n(&wm_cap.frames, __ATOMIC_ACQUIRE);

	*taken = n;
	/* Until IN ends there is always one frame more to read. */
	*total = (int64_t)n +
		 (__atomic_load_n(&wm_cap.state, __ATOMIC_ACQUIRE) == CAP_READING);
}

int
wm_capture_close(void)
{
	int rc = 0;

	if (wm_cap.state == CAP_ERROR) {
		wm_log(WM_LOG_ERR, "%s: no output written", wm_cap.err);
		rc = -EIO;
	}
	if (wm_cap.fd >= 0) {
		cap_out_flush();
		cap_out_stop();
		if (close(wm_cap.fd) != 0 && wm_cap.out_err == 0)
			wm_cap.out_err = errno;
		wm_cap.fd = -1;
		if (wm_cap.out_err != 0) {
			wm_log(WM_LOG_ERR, "--write %s: %s", wm_cap.out_path,
			       strerror(wm_cap.out_err));
			rc = -wm_cap.out_err;
		}
		if (cap_out_commit(rc == 0) < 0)
			rc = -EIO;
	}
	if (wm_cap.unknown != 0)
		wm_log(WM_LOG_ERR, "--write %s: %" PRIu64 " frame(s) sent out "
		       "of port %u are no frame of %s: not in it", wm_cap.out_path,
		       wm_cap.unknown, CAP_PORT_OUT, wm_cap.in_path);
	if (wm_cap.other != 0)
		wm_log(WM_LOG_WARNING, "port %u also sent %" PRIu64 " frame(s) "
		       "(not written to %s)", CAP_PORT_IN, wm_cap.other,
		       wm_cap.out_path);
	if (wm_cap.in != NULL)
		pcap_close(wm_cap.in);
	wm_cap.in = NULL;
	for (uint64_t c = 0; wm_cap.chunks != NULL && c < CAP_CHUNKS &&
	     wm_cap.chunks[c] != NULL; c++)
		free(wm_cap.chunks[c]);
	free(wm_cap.chunks);
	cap_read_free();
	cap_out_free();
	wm_cap.chunks = NULL;
	return rc;
}

void
wm_capture_abort(void)
{
	cap_out_stop();
	if (wm_cap.fd >= 0)
		close(wm_cap.fd);
	wm_cap.fd = -1;
	cap_out_commit(false);
	if (wm_cap.in != NULL)
		pcap_close(wm_cap.in);
	wm_cap.in = NULL;
}

/*
 * Every frame of IN taken in (or refused as too long, and named), every
 * frame sent out in OUT: 0. Else 3, OUT is incomplete; or 4, frames over
 * 65,535 bytes were left out, never cut (each named as it was met).
 */
int
wm_capture_verdict(uint64_t rx, uint64_t tx, uint64_t oversize)
{
	int rc = 0;

	if (rx != wm_cap.frames - wm_cap.refused) {
		wm_log(WM_LOG_ERR, "%s holds %" PRIu64 " frames (%" PRIu64
		       " refused), %" PRIu64 " were taken in: %s is "
		       "incomplete", wm_cap.in_path, wm_cap.frames,
		       wm_cap.refused, rx, wm_cap.out_path);
		rc = 3;
	}
	if (tx != wm_cap.written) {
		wm_log(WM_LOG_ERR, "%" PRIu64 " frames sent, %" PRIu64
		       " reached %s: it is incomplete", tx, wm_cap.written,
		       wm_cap.out_path);
		rc = 3;
	}
	if (wm_cap.refused + oversize != 0) {
		wm_log(WM_LOG_ERR, "%" PRIu64 " frame(s) over 65,535 bytes "
		       "were not carried (see above; drop.oversize): not in %s",
		       wm_cap.refused + oversize, wm_cap.out_path);
		if (rc == 0)
			rc = 4;
	}
	return rc;
}

void
wm_capture_print(FILE *out)
{
	fprintf(out, "  capture %s: %" PRIu64 " frames read, %" PRIu64
		" refused (too long), %" PRIu64 " lost (no mbuf); %s: %"
		PRIu64 " written, %" PRIu64 " sent out of port %u\n",
		wm_cap.in_path, wm_cap.frames, wm_cap.refused, wm_cap.nombuf,
		wm_cap.out_path, wm_cap.written, wm_cap.other, CAP_PORT_IN);
}

void
wm_capture_json(FILE *f)
{
	fprintf(f, "{\"frames\": %" PRIu64 ", \"refused\": %" PRIu64
		", \"nombuf\": %" PRIu64 ", \"written\": %" PRIu64
		", \"other_port\": %" PRIu64 ", \"unknown\": %" PRIu64 "}",
		wm_cap.frames, wm_cap.refused, wm_cap.nombuf, wm_cap.written,
		wm_cap.other, wm_cap.unknown);
}
