/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP fragments: reassembly before judging, re-fragmentation after, per
 * lcore, on DPDK's rte_ip_frag.
 *
 *   fragment --wm_frag_input()--> held in the table: nothing leaves
 *                            \--> the last missing one: the datagram,
 *                                 one chained mbuf (L2 + IP header of
 *                                 the first fragment, then the payload)
 *   judged datagram --wm_frag_output()--> fragments again: a direct mbuf
 *                                 (L2 + IP header) + indirect mbufs on
 *                                 the payload, per fragment
 *
 * Only a datagram the library assembled whole is ever forwarded, and
 * only as it was judged: the original fragments are never sent on. A
 * fragment the library refuses (an overlap, a duplicate, more than
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments) takes its whole datagram to
 * the death row; so does a datagram still incomplete after the timeout.
 *
 * Handled: outer IPv4 and IPv6 (the Fragment header right after the
 * IPv6 header), after up to 2 VLAN tags. Refused as invalid: an IPv6
 * Fragment header behind other extension headers, an atomic fragment
 * (offset 0, no more fragments), an empty or oversized fragment, a
 * fragment that is not the last and not a multiple of 8 bytes long.
 *
 * Output sizes: the largest fragment payload seen (a multiple of 8), at
 * least what the IP minimum MTU needs (IPv4 68, IPv6 1280: DPDK will
 * not cut IPv6 below it, and every IPv6 link carries it), so a datagram
 * may leave in fewer, larger fragments than it came in. One that then
 * fits whole leaves unfragmented.
 *
 * The fragment fields of the mbuf meta (wm_stream.h) belong to this
 * module: frag.size != 0 marks a reassembled datagram to split again.
 */
#ifndef WM_FRAG_H
#define WM_FRAG_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "wm_pkt.h"
#include "wm_stats.h"

/* Fragments one datagram is split into at most. */
#define WM_FRAG_MAX_OUT 64

struct wm_frag;

/* What became of a fragment given to wm_frag_input(). */
enum wm_frag_verdict {
	WM_FRAG_HELD = 0, /* stored: the datagram is not complete yet */
	WM_FRAG_DONE,	  /* the datagram is complete: see *out */
	WM_FRAG_FULL,	  /* no room in the table: the fragment is given
			   * back to the caller (its failure policy) */
	WM_FRAG_INVALID,  /* refused, with the rest of its datagram:
			   * freed and counted (drop.frag_invalid) */
};

/**
 * Per-lcore state: a table of @max_datagrams datagrams in reassembly,
 * each dropped @timeout after its first fragment (in the clock units
 * the caller passes as @now: TSC cycles or capture microseconds), and
 * @out_mbufs direct and twice as many indirect mbufs to split judged
 * datagrams with. @id names the pools (unique per process); @stats
 * receives the frag.* counters. Returns NULL with rte_errno set.
 */
struct wm_frag *wm_frag_create(unsigned int id, uint32_t max_datagrams,
			       uint64_t timeout, uint32_t out_mbufs, int socket,
			       struct wm_stats *stats);

/**
 * Free @fr: datagrams still incomplete are freed uncounted. The mbuf
 * pools are kept when mbufs from them are still out (in a NIC's tx
 * ring): EAL cleanup reclaims them.
 */
void wm_frag_free(struct wm_frag *fr);

/**
 * Feed one fragment @m, parsed into @pi (kind WM_PKT_IP_FRAG, not
 * inside VXLAN), received at @now. Takes @m except on WM_FRAG_FULL.
 * On WM_FRAG_DONE, *out is the whole datagram, Ethernet to payload:
 * m->l2_len is its L2 header length and meta(*out)->frag.size the IP
 * payload size wm_frag_output() will split it to.
 */
enum wm_frag_verdict wm_frag_input(struct wm_frag *fr, struct rte_mbuf *m,
				   const struct wm_pkt_info *pi, uint64_t now,
				   struct rte_mbuf **out);

/**
 * Split a judged datagram @m (from WM_FRAG_DONE, meta frag.size != 0)
 * into fragments of meta(m)->frag.size bytes of IP payload: @out
 * receives up to @max frames, each with @m's L2 header (VLAN tags
 * included), valid IPv4 header checksums and, for IPv6, the datagram's
 * Fragment header identification. Returns how many, and frees @m; or
 * -errno (-ENOMEM: pools empty, -EINVAL: not a datagram it can split),
 * and @m is left to the caller to drop.
 */
int wm_frag_output(struct wm_frag *fr, struct rte_mbuf *m,
		   struct rte_mbuf **out, unsigned int max);

/**
 * Once per loop: free what the library put on the death row and drop
 * datagrams older than the timeout at @now (counted as frag.timeout).
 */
void wm_frag_tick(struct wm_frag *fr, uint64_t now);

/** At exit: drop every incomplete datagram, counted as frag.timeout. */
void wm_frag_flush(struct wm_frag *fr);

#endif /* WM_FRAG_H */
