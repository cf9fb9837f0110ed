/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture mode's output: what leaves port 1 goes back into IN's link
 * type, link headers, timestamps and lengths (the frame's record, by
 * the number its view carries) and into 1 MB buffers that a thread of
 * its own writes to OUT, on the control lcore's CPU (idle meanwhile),
 * off the worker's path: the worker fills one buffer while the thread
 * writes the others. OUT is a new file renamed into place when
 * complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "wiremask.h"
#include "capture_priv.h"

#define CAP_OUT_BUFS 4

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

	while (off < len && wm_cap.out_err == 0) {
		ssize_t w = write(wm_cap.fd, buf + off, len - off);

		if (w < 0 && errno != EINTR)
			wm_cap.out_err = errno;
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
		snprintf(wm_cap.tmp_path, sizeof(wm_cap.tmp_path),
			 "%s.wiremask-XXXXXX", out);
		fd = mkstemp(wm_cap.tmp_path);
		mask = umask(0);
		umask(mask);
		if (fd >= 0 && fchmod(fd, 0666 & ~mask) != 0) {
			close(fd);
			unlink(wm_cap.tmp_path);
			fd = -1;
		}
		if (fd < 0)
			wm_cap.tmp_path[0] = '\0';
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
int
cap_out_commit(bool ok)
{
	if (wm_cap.tmp_path[0] == '\0')
		return 0;
	if (!ok) {
		unlink(wm_cap.tmp_path);
		return 0;
	}
	if ((unlink(wm_cap.out_path) != 0 && errno != ENOENT) ||
	    rename(wm_cap.tmp_path, wm_cap.out_path) != 0) {
		wm_log(WM_LOG_ERR, "--write %s: %s (the output is in %s)",
		       wm_cap.out_path, strerror(errno), wm_cap.tmp_path);
		return -errno;
	}
	return 0;
}

int
cap_out_open(void)
{
	uint32_t h[6];

	for (unsigned int i = 0; i < CAP_OUT_BUFS; i++) {
		wr.buf[i] = malloc(CAP_OUT_BUF);
		if (wr.buf[i] == NULL)
			return -ENOMEM;
	}
	wm_cap.buf = wr.buf[0];
	wm_cap.fd = out_open(wm_cap.out_path);
	if (wm_cap.fd < 0)
		return wm_cap.fd;
	wm_lt_file_header(h, wm_cap.linktype, wm_cap.snaplen, wm_cap.nano);
	memcpy(wm_cap.buf, h, sizeof(h));
	wm_cap.len = sizeof(h);
	if (pthread_create(&wr.tid, NULL, writer_main, NULL) != 0) {
		wm_log(WM_LOG_ERR, "--write %s: no writer thread", wm_cap.out_path);
		return -EAGAIN;
	}
	wr.running = true;
	return 0;
}

/* The buffer filled goes to the writer; the next free one is filled. */
void
cap_out_flush(void)
{
	if (!wr.running) {
		out_write(wm_cap.buf, wm_cap.len);
		wm_cap.len = 0;
		return;
	}
	pthread_mutex_lock(&wr.lock);
	wr.len[wr.head % CAP_OUT_BUFS] = wm_cap.len;
	wr.head++;
	pthread_cond_broadcast(&wr.cond);
	while (wr.head - wr.tail >= CAP_OUT_BUFS)
		pthread_cond_wait(&wr.cond, &wr.lock);
	pthread_mutex_unlock(&wr.lock);
	wm_cap.buf = wr.buf[wr.head % CAP_OUT_BUFS];
	wm_cap.len = 0;
}

/* Everything filled written, the writer gone. */
void
cap_out_stop(void)
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

	if (idx < __atomic_load_n(&wm_cap.frames, __ATOMIC_ACQUIRE))
		r = cap_rec(idx);
	if (r == NULL || r->refused || m->pkt_len < r->cut) {
		wm_cap.unknown++;
		return;
	}
	caplen = r->keep + m->pkt_len - r->cut;
	if (wm_cap.len + sizeof(h) + caplen > CAP_OUT_BUF)
		cap_out_flush();
	h[0] = (uint32_t)r->ts_sec;
	h[1] = r->ts_frac;
	h[2] = caplen;
	h[3] = caplen + (r->len - r->caplen);
	memcpy(wm_cap.buf + wm_cap.len, h, sizeof(h));
	memcpy(wm_cap.buf + wm_cap.len + sizeof(h), r->hdr, r->keep);
	wm_cap.len += sizeof(h) + r->keep;
	off = r->cut;
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		uint32_t k = s->data_len > off ? s->data_len - off : 0;

		memcpy(wm_cap.buf + wm_cap.len,
		       rte_pktmbuf_mtod_offset(s, const uint8_t *, off), k);
		wm_cap.len += k;
		off = off > s->data_len ? off - s->data_len : 0;
	}
	wm_cap.written++;
}

uint16_t
wm_capture_tx(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	if (port != CAP_PORT_OUT)
		wm_cap.other += n;
	else
		for (uint16_t i = 0; i < n; i++)
			out_frame(pkts[i]);
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

void
cap_out_free(void)
{
	for (unsigned int i = 0; i < CAP_OUT_BUFS; i++) {
		free(wr.buf[i]);
		wr.buf[i] = NULL;
	}
	wm_cap.buf = NULL;
}
