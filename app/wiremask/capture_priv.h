/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture mode's state, shared by capture.c (IN, pools, progress) and
 * capture_write.c (OUT and its writer thread).
 */
#ifndef WIREMASK_CAPTURE_PRIV_H
#define WIREMASK_CAPTURE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "../wiremask-pcap/pcap_link.h"

#define CAP_PORT_IN 0               /* reads IN */
#define CAP_PORT_OUT 1              /* written to OUT */
#define CAP_IN_BUF (1u << 20)
#define CAP_OUT_BUF (1u << 20)
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

struct wm_cap {
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
};

extern struct wm_cap wm_cap;


/* Frame number @idx's record, or NULL (its chunk not made). */
static inline struct wm_lt_rec *
cap_rec(uint64_t idx)
{
	struct wm_lt_rec *c =
		__atomic_load_n(&wm_cap.chunks[idx >> CAP_CHUNK_SHIFT],
				__ATOMIC_ACQUIRE);

	return c != NULL ? &c[idx & (CAP_CHUNK - 1)] : NULL;
}

/* capture_read.c: IN's frames (classic pcap read here, else libpcap) */
int cap_read_init(void);            /* once libpcap read IN's header */
int cap_read_next(struct pcap_pkthdr **ph, const uint8_t **f);
const char *cap_read_err(void);     /* why cap_read_next() failed */
void cap_read_free(void);

/* capture_write.c */
int cap_out_open(void);             /* OUT (its new file), the writer */
void cap_out_flush(void);           /* the buffer filled to the writer */
void cap_out_stop(void);            /* all written, the writer gone */
int cap_out_commit(bool ok);        /* the new OUT in place, or gone */
void cap_out_free(void);

#endif /* WIREMASK_CAPTURE_PRIV_H */
