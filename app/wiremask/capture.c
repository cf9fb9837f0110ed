/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture mode (--read IN --write OUT): IN is port 0 and OUT is what
 * leaves port 1, in process, with no net_pcap vdev and no converted copy
 * of either file. The worker that polls port 0 reads IN with libpcap
 * straight into mbufs, each frame as its Ethernet view (pcap_link.h: any
 * link type wiremask-pcap reads, pcapng too); what the data path sends
 * out of port 1 goes back into IN's link type, link headers, timestamps
 * and lengths, through one write buffer, into OUT.
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
#include <fcntl.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "wiremask.h"
#include "../wiremask-pcap/pcap_link.h"

#define CAP_PORT_IN 0               /* reads IN */
#define CAP_PORT_OUT 1              /* written to OUT */
#define CAP_IN_BUF (1u << 20)
#define CAP_OUT_BUF (1u << 20)
#define CAP_OUT_BUFS 4
/*
 * mbufs come from pools made as the capture needs them, CAP_POOL_MBUFS
 * at a time, up to ports.mbufs in all: a pool of ports.mbufs buffers of
 * ports.mbuf_size bytes (172 MB by default) costs a page fault for each
 * one at start-up on 4 KB pages, while a capture's frames mostly reuse
 * the same few hundred.
 */
#define CAP_POOL_MBUFS 2048u
#define CAP_POOLS 512u
/* Per-frame records in chunks that never move (tx may be another lcore). */
#define CAP_CHUNK_SHIFT 12
#define CAP_CHUNK (1u << CAP_CHUNK_SHIFT)
#define CAP_CHUNKS (1u << (32 - CAP_CHUNK_SHIFT))

enum cap_state { CAP_READING, CAP_EOF, CAP_ERROR };

static struct {
	const char *in_path;
	const char *out_path;
	pcap_t *in;
	const struct wm_lt *lt;
	uint32_t linktype;
	uint32_t snaplen;
	bool nano;
	struct rte_mempool *pool[CAP_POOLS];
	unsigned int npools;
	unsigned int cur;               /* the pool that gave the last mbuf */
	uint32_t mbufs_left;            /* not yet in a pool */
	uint16_t room;                  /* data room of each */
	FILE *in_file;
	int ts_offset;
	uint64_t ts_flag;
	struct wm_lt_rec **chunks;      /* by frame number */
	/* The reader's (the worker polling port 0); frames: __atomic */
	uint64_t frames;                /* read from IN, refused too */
	uint64_t refused;               /* over WM_LT_FRAME_MAX as a view */
	uint64_t nombuf;                /* lost: no mbuf */
	int state;                      /* enum cap_state, __atomic */
	char err[PCAP_ERRBUF_SIZE + 64];
	char tmp_path[4096 + 32];       /* the new OUT until it is complete */
	/* The writer's (under port 1's tx lock with several workers) */
	int fd;
	int out_err;                    /* errno of the first failed write */
	size_t len;
	uint8_t *buf;                   /* the buffer being filled */
	uint64_t written;               /* frames in OUT */
	uint64_t other;                 /* sent out of port 0: not in OUT */
	uint64_t unknown;               /* not a view of IN: not in OUT */
} cap = { .fd = -1 };

/*
 * The writer thread: buffers [tail, head) are full, in order; head's is
 * the one being filled (at most CAP_OUT_BUFS - 1 wait to be written).
 */
static struct {
	pthread_t tid;
	bool running;
	bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int head;
	unsigned int tail;
	size_t len[CAP_OUT_BUFS];
	uint8_t *buf[CAP_OUT_BUFS];
} wr = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void
out_write(const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len && cap.out_err == 0) {
		ssize_t w = write(cap.fd, buf + off, len - off);

		if (w < 0 && errno != EINTR)
			cap.out_err = errno;
		else if (w > 0)
			off += (size_t)w;
	}
}

static void *
writer_main(void *arg)
{
	RTE_SET_USED(arg);
	pthread_mutex_lock(&wr.lock);
	for (;;) {
		unsigned int i;

		while (wr.tail == wr.head && !wr.stop)
			pthread_cond_wait(&wr.cond, &wr.lock);
		if (wr.tail == wr.head)
			break;
		i = wr.tail % CAP_OUT_BUFS;
		pthread_mutex_unlock(&wr.lock);
		out_write(wr.buf[i], wr.len[i]);
		pthread_mutex_lock(&wr.lock);
		wr.tail++;
		pthread_cond_broadcast(&wr.cond);
	}
	pthread_mutex_unlock(&wr.lock);
	return NULL;
}

/*
 * OUT, or when it is a regular file (or none yet) a new file beside it
 * that replaces it once complete (out_commit): a run that fails leaves
 * OUT as it was, and OUT may be IN (read on to its end through its own
 * descriptor). Truncating OUT in place would also cost a writeback of
 * all of it at close on ext4 (its replace-by-truncate heuristic); OUT is
 * unlinked before the rename for the same reason (replace-by-rename).
 * Anything else (a FIFO, /dev/null, a symbolic link) is written as is.
 */
static int
out_open(const char *out)
{
	struct stat so;
	mode_t mask;
	int fd;

	if (lstat(out, &so) != 0 || S_ISREG(so.st_mode)) {
		snprintf(cap.tmp_path, sizeof(cap.tmp_path), "%s.wiremask-XXXXXX",
			 out);
		fd = mkstemp(cap.tmp_path);
		mask = umask(0);
		umask(mask);
		if (fd >= 0 && fchmod(fd, 0666 & ~mask) != 0) {
			close(fd);
			unlink(cap.tmp_path);
			fd = -1;
		}
		if (fd < 0)
			cap.tmp_path[0] = '\0';
	} else {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	}
	if (fd < 0) {
		wm_log(WM_LOG_ERR, "--write %s: %s", out, strerror(errno));
		return -errno;
	}
	return fd;
}

/* The new OUT in place of the old one, or gone if the run failed. */
static int
out_commit(bool ok)
{
	if (cap.tmp_path[0] == '\0')
		return 0;
	if (!ok) {
		unlink(cap.tmp_path);
		return 0;
	}
	if ((unlink(cap.out_path) != 0 && errno != ENOENT) ||
	    rename(cap.tmp_path, cap.out_path) != 0) {
		wm_log(WM_LOG_ERR, "--write %s: %s (the output is in %s)",
		       cap.out_path, strerror(errno), cap.tmp_path);
		return -errno;
	}
	return 0;
}

int
wm_capture_open(const char *in, const char *out)
{
	char err[PCAP_ERRBUF_SIZE];
	uint32_t h[6];

	cap.in_path = in;
	cap.out_path = out;
	/* Read in large blocks: libpcap's stream would read 4 KB at once. */
	cap.in_file = fopen(in, "rbe");
	if (cap.in_file == NULL) {
		wm_log(WM_LOG_ERR, "--read %s: %s", in, strerror(errno));
		return -errno;
	}
	setvbuf(cap.in_file, NULL, _IOFBF, CAP_IN_BUF);
	/* ns: OUT keeps IN's resolution whatever it is (pcapng too). */
	cap.in = pcap_fopen_offline_with_tstamp_precision(cap.in_file,
		PCAP_TSTAMP_PRECISION_NANO, err);
	if (cap.in == NULL) {
		fclose(cap.in_file);
		wm_log(WM_LOG_ERR, "--read %s: %s", in, err);
		return -EINVAL;
	}
	wm_lt_file(in, cap.in, &cap.lt, &cap.linktype, &cap.nano);
	if (cap.lt == NULL) {
		wm_log(WM_LOG_ERR, "--read %s: link type %" PRIu32 " is not one "
		       "wiremask reads (" WM_LT_NAMES ")", in, cap.linktype);
		return -EINVAL;
	}
	cap.snaplen = (uint32_t)pcap_snapshot(cap.in);
	cap.chunks = calloc(CAP_CHUNKS, sizeof(*cap.chunks));
	for (unsigned int i = 0; i < CAP_OUT_BUFS; i++) {
		wr.buf[i] = malloc(CAP_OUT_BUF);
		if (wr.buf[i] == NULL)
			return -ENOMEM;
	}
	cap.buf = wr.buf[0];
	if (cap.chunks == NULL)
		return -ENOMEM;
	cap.fd = out_open(out);
	if (cap.fd < 0)
		return cap.fd;
	wm_lt_file_header(h, cap.linktype, cap.snaplen, cap.nano);
	memcpy(cap.buf, h, sizeof(h));
	cap.len = sizeof(h);
	if (pthread_create(&wr.tid, NULL, writer_main, NULL) != 0) {
		wm_log(WM_LOG_ERR, "--write %s: no writer thread", out);
		return -EAGAIN;
	}
	wr.running = true;
	return 0;
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
	uint32_t n = RTE_MIN(CAP_POOL_MBUFS, cap.mbufs_left);
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	if (n == 0 || cap.npools == CAP_POOLS)
		return NULL;
	snprintf(name, sizeof(name), "wm_mbufs%u", cap.npools);
	mp = rte_pktmbuf_pool_create(name, n, n >= 512 ? 256 : 0,
		RTE_ALIGN_CEIL(sizeof(struct wm_pkt_meta), RTE_MBUF_PRIV_ALIGN),
		cap.room, (int)rte_socket_id());
	if (mp == NULL) {
		wm_log(WM_LOG_ERR, "cannot create %u more mbufs of %u bytes: %s "
		       "(give EAL more memory with -m)", n, cap.room,
		       rte_strerror(rte_errno));
		cap.mbufs_left = 0;
		return NULL;
	}
	cap.mbufs_left -= n;
	cap.pool[cap.npools++] = mp;
	return mp;
}

/* An mbuf from the pools, a new pool made if they are all empty. */
static struct rte_mbuf *
mbuf_get(void)
{
	struct rte_mbuf *m;

	for (unsigned int i = 0; i < cap.npools; i++) {
		unsigned int k = (cap.cur + i) % cap.npools;

		m = rte_pktmbuf_alloc(cap.pool[k]);
		if (m != NULL) {
			cap.cur = k;
			return m;
		}
	}
	if (pool_add() == NULL)
		return NULL;
	cap.cur = cap.npools - 1;
	return rte_pktmbuf_alloc(cap.pool[cap.cur]);
}

/* The first pool; mbufs carry capture timestamps as net_pcap's do. */
int
wm_capture_start(struct wm_app *app)
{
	const struct wm_config *cfg = app->cfg;

	cap.mbufs_left = cfg->ports.mbufs;
	cap.room = (uint16_t)RTE_MIN(cfg->ports.mbuf_size + RTE_PKTMBUF_HEADROOM,
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
	cap.ts_offset = app->ts_offset;
	cap.ts_flag = app->ts_flag;
	return 0;
}

static struct wm_lt_rec *
rec_get(uint64_t idx)
{
	struct wm_lt_rec *c = cap.chunks[idx >> CAP_CHUNK_SHIFT];

	return c != NULL ? &c[idx & (CAP_CHUNK - 1)] : NULL;
}

static void
read_end(int state, const char *why)
{
	if (why != NULL)
		snprintf(cap.err, sizeof(cap.err), "--read %s: after frame %"
			 PRIu64 ": %s", cap.in_path, cap.frames, why);
	__atomic_store_n(&cap.state, state, __ATOMIC_RELEASE);
}

/* Frame number @idx's record, its chunk made when it is the first. */
static struct wm_lt_rec *
rec_new(uint64_t idx)
{
	struct wm_lt_rec **c = &cap.chunks[idx >> CAP_CHUNK_SHIFT];

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
	return rec_get(idx);
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
	uint64_t idx = cap.frames;
	struct wm_lt_rec *r = rec_new(idx);
	uint8_t view[WM_LT_VIEW_MAX];
	struct rte_mbuf *m, *seg;
	bool ok;

	if (r == NULL)
		return -1;
	ok = wm_lt_convert(cap.lt, cap.nano, idx, ph, f, r, view);
	__atomic_store_n(&cap.frames, idx + 1, __ATOMIC_RELEASE);
	if (!ok) {
		cap.refused++;
		wm_log(WM_LOG_WARNING, "--read %s: frame %" PRIu64 " is %" PRIu32
		       " bytes: over the %u bytes wiremask carries whole: "
		       "refused, not in the output", cap.in_path, idx + 1,
		       ph->caplen, WM_LT_FRAME_MAX);
		return 0;
	}
	m = mbuf_get();
	seg = m;
	if (m == NULL || chain_put(m, &seg, view, r->cut) < 0 ||
	    chain_put(m, &seg, f + r->keep, ph->caplen - r->keep) < 0) {
		rte_pktmbuf_free(m);
		cap.nombuf++;
		return -1;
	}
	/* net_pcap's stamp: microseconds (libpcap gave ns here) */
	*RTE_MBUF_DYNFIELD(m, cap.ts_offset, rte_mbuf_timestamp_t *) =
		(uint64_t)ph->ts.tv_sec * 1000000 +
		(uint64_t)ph->ts.tv_usec / 1000;
	m->ol_flags |= cap.ts_flag;
	m->port = CAP_PORT_IN;
	*out = m;
	return 1;
}

uint16_t
wm_capture_rx(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct pcap_pkthdr *ph;
	const u_char *f;
	uint16_t k = 0;
	int r;

	if (port != CAP_PORT_IN ||
	    __atomic_load_n(&cap.state, __ATOMIC_RELAXED) != CAP_READING)
		return 0;
	while (k < n) {
		r = pcap_next_ex(cap.in, &ph, &f);
		if (r != 1) {
			/* A record cut short (its writer killed) ends IN. */
			read_end(r == PCAP_ERROR_BREAK ? CAP_EOF : CAP_ERROR,
				 r == PCAP_ERROR_BREAK ? NULL :
				 pcap_geterr(cap.in));
			break;
		}
		r = frame_take(ph, f, &pkts[k]);
		if (r < 0)
			break;
		k = (uint16_t)(k + r);
	}
	return k;
}

/* The buffer filled goes to the writer; the next free one is filled. */
static void
out_flush(void)
{
	if (!wr.running) {
		out_write(cap.buf, cap.len);
		cap.len = 0;
		return;
	}
	pthread_mutex_lock(&wr.lock);
	wr.len[wr.head % CAP_OUT_BUFS] = cap.len;
	wr.head++;
	pthread_cond_broadcast(&wr.cond);
	while (wr.head - wr.tail >= CAP_OUT_BUFS)
		pthread_cond_wait(&wr.cond, &wr.lock);
	pthread_mutex_unlock(&wr.lock);
	cap.buf = wr.buf[wr.head % CAP_OUT_BUFS];
	cap.len = 0;
}

/* Everything filled written, the writer gone. */
static void
writer_stop(void)
{
	if (!wr.running)
		return;
	pthread_mutex_lock(&wr.lock);
	wr.stop = true;
	pthread_cond_broadcast(&wr.cond);
	pthread_mutex_unlock(&wr.lock);
	pthread_join(wr.tid, NULL);
	wr.running = false;
}

/* @m, a view of a frame of IN, as that frame again at the end of OUT. */
static void
out_frame(const struct rte_mbuf *m)
{
	uint64_t idx = wm_lt_view_idx(rte_pktmbuf_mtod(m, const uint8_t *),
				      m->data_len);
	const struct wm_lt_rec *r = NULL;
	uint32_t h[4], caplen, off;

	if (idx < __atomic_load_n(&cap.frames, __ATOMIC_ACQUIRE))
		r = rec_get(idx);
	if (r == NULL || r->refused || m->pkt_len < r->cut) {
		cap.unknown++;
		return;
	}
	caplen = r->keep + m->pkt_len - r->cut;
	if (cap.len + sizeof(h) + caplen > CAP_OUT_BUF)
		out_flush();
	h[0] = (uint32_t)r->ts_sec;
	h[1] = r->ts_frac;
	h[2] = caplen;
	h[3] = caplen + (r->len - r->caplen);
	memcpy(cap.buf + cap.len, h, sizeof(h));
	memcpy(cap.buf + cap.len + sizeof(h), r->hdr, r->keep);
	cap.len += sizeof(h) + r->keep;
	off = r->cut;
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		uint32_t k = s->data_len > off ? s->data_len - off : 0;

		memcpy(cap.buf + cap.len,
		       rte_pktmbuf_mtod_offset(s, const uint8_t *, off), k);
		cap.len += k;
		off = off > s->data_len ? off - s->data_len : 0;
	}
	cap.written++;
}

uint16_t
wm_capture_tx(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	if (port != CAP_PORT_OUT)
		cap.other += n;
	else
		for (uint16_t i = 0; i < n; i++)
			out_frame(pkts[i]);
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

void
wm_capture_progress(uint64_t *taken, int64_t *total)
{
	uint64_t n = __atomic_load_n(&cap.frames, __ATOMIC_ACQUIRE);

	*taken = n;
	/* Until IN ends there is always one frame more to read. */
	*total = (int64_t)n +
		 (__atomic_load_n(&cap.state, __ATOMIC_ACQUIRE) == CAP_READING);
}

int
wm_capture_close(void)
{
	int rc = 0;

	if (cap.state == CAP_ERROR) {
		wm_log(WM_LOG_ERR, "%s: no output written", cap.err);
		rc = -EIO;
	}
	if (cap.fd >= 0) {
		out_flush();
		writer_stop();
		if (close(cap.fd) != 0 && cap.out_err == 0)
			cap.out_err = errno;
		cap.fd = -1;
		if (cap.out_err != 0) {
			wm_log(WM_LOG_ERR, "--write %s: %s", cap.out_path,
			       strerror(cap.out_err));
			rc = -cap.out_err;
		}
		if (out_commit(rc == 0) < 0)
			rc = -EIO;
	}
	if (cap.unknown != 0)
		wm_log(WM_LOG_ERR, "--write %s: %" PRIu64 " frame(s) sent out "
		       "of port %u are no frame of %s: not in it", cap.out_path,
		       cap.unknown, CAP_PORT_OUT, cap.in_path);
	if (cap.other != 0)
		wm_log(WM_LOG_WARNING, "port %u also sent %" PRIu64 " frame(s) "
		       "(not written to %s)", CAP_PORT_IN, cap.other,
		       cap.out_path);
	if (cap.in != NULL)
		pcap_close(cap.in);
	cap.in = NULL;
	for (uint64_t c = 0; cap.chunks != NULL && c < CAP_CHUNKS &&
	     cap.chunks[c] != NULL; c++)
		free(cap.chunks[c]);
	free(cap.chunks);
	for (unsigned int i = 0; i < CAP_OUT_BUFS; i++) {
		free(wr.buf[i]);
		wr.buf[i] = NULL;
	}
	cap.chunks = NULL;
	cap.buf = NULL;
	return rc;
}

void
wm_capture_abort(void)
{
	writer_stop();
	if (cap.fd >= 0)
		close(cap.fd);
	cap.fd = -1;
	out_commit(false);
	if (cap.in != NULL)
		pcap_close(cap.in);
	cap.in = NULL;
}

void
wm_capture_print(FILE *out)
{
	fprintf(out, "  capture %s: %" PRIu64 " frames read, %" PRIu64
		" refused (too long), %" PRIu64 " lost (no mbuf); %s: %"
		PRIu64 " written, %" PRIu64 " sent out of port %u\n",
		cap.in_path, cap.frames, cap.refused, cap.nombuf, cap.out_path,
		cap.written, cap.other, CAP_PORT_IN);
}

void
wm_capture_json(FILE *f)
{
	fprintf(f, "{\"frames\": %" PRIu64 ", \"refused\": %" PRIu64
		", \"nombuf\": %" PRIu64 ", \"written\": %" PRIu64
		", \"other_port\": %" PRIu64 ", \"unknown\": %" PRIu64 "}",
		cap.frames, cap.refused, cap.nombuf, cap.written, cap.other,
		cap.unknown);
}
