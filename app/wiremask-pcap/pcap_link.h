/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link types a capture may have and the Ethernet view wiremask judges
 * them in: shared by wiremask-pcap (files to and from net_pcap) and
 * wiremask's capture mode (app/wiremask/capture.c, in process).
 *
 * The frame's number travels in its source MAC address, which wiremask
 * never changes, so frames may leave in any order (held packets, several
 * workers) and come back exactly:
 *
 *   input      [ link header (keep bytes) ][ L3 ...                ]
 *   view       [ dst 6 ][ 02 00 number 4 ][ type 2 ][ L3 ...       ]
 *   Ethernet   [ dst 6 ][ src 6 ][ type ...                        ]
 *     viewed   [ dst 6 ][ 02 00 number 4 ][ type ...               ]
 *   output     [ link header as input     ][ L3 ... as wiremask left it ]
 *
 * The type field of the pseudo header is IPv4 or IPv6 as the frame says,
 * the cooked header's protocol, or 0x88b5 (not IP: wiremask forwards it
 * untouched).
 */
#ifndef WM_PCAP_LINK_H
#define WM_PCAP_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>

/* The largest frame wiremask carries whole (net_pcap's limit). */
#define WM_LT_FRAME_MAX 65535u
#define WM_LT_HDR_MAX 24u           /* longest link header kept (SLL2: 20) */
#define WM_LT_VIEW_MAX 14u          /* pseudo header bytes */

enum wm_lt_kind { WM_LT_ETH, WM_LT_RAW, WM_LT_NULL, WM_LT_LOOP, WM_LT_SLL,
		  WM_LT_SLL2 };

struct wm_lt {
	uint32_t linktype;          /* as the file says (LINKTYPE_*) */
	int dlt;                    /* as libpcap reports it (DLT_*) */
	enum wm_lt_kind kind;
	uint16_t hdr;               /* link header bytes replaced */
	const char *name;
};

/* What one input frame's Ethernet view replaced, to put it back. */
struct wm_lt_rec {
	uint64_t ts_sec;
	uint32_t ts_frac;           /* ns or us, as the input's stamps */
	uint32_t len;               /* the frame's length on the wire */
	uint32_t caplen;            /* bytes captured */
	uint16_t keep;              /* link header bytes in @hdr */
	uint16_t cut;               /* pseudo header bytes that replace them */
	uint8_t refused;            /* too big for the view: not sent */
	uint8_t pad[7];
	uint8_t hdr[WM_LT_HDR_MAX];
};

/* The link types read, for messages. */
#define WM_LT_NAMES "Ethernet 1, raw IP 101/12/14/228/229, Linux cooked " \
	"SLL 113/SLL2 276, loopback NULL 0/LOOP 108"

/**
 * IN's link type as its file header says (classic pcap), so that the
 * output says the same; pcapng: from libpcap's DLT, stamps in ns.
 * *@lt is NULL for a link type not read (*@linktype says which).
 */
void wm_lt_file(const char *path, pcap_t *p, const struct wm_lt **lt,
		uint32_t *linktype, bool *nano);

/**
 * Frame number @idx (libpcap's header @ph, data @f, stamps in ns as
 * asked) as its record @r and the pseudo header @view (r->cut bytes)
 * that replaces its r->keep link header bytes. False if the view would
 * be over WM_LT_FRAME_MAX bytes (refused).
 */
bool wm_lt_convert(const struct wm_lt *lt, bool nano, uint64_t idx,
		   const struct pcap_pkthdr *ph, const uint8_t *f,
		   struct wm_lt_rec *r, uint8_t view[WM_LT_VIEW_MAX]);

/** The frame number a view carries (@f, @caplen bytes), or UINT64_MAX. */
static inline uint64_t
wm_lt_view_idx(const uint8_t *f, uint32_t caplen)
{
	if (caplen < 12 || f[6] != 0x02 || f[7] != 0x00)
		return UINT64_MAX;
	return (uint64_t)f[8] << 24 | (uint64_t)f[9] << 16 |
	       (uint64_t)f[10] << 8 | f[11];
}

/* Classic pcap file header: this host's byte order, @nano or us stamps. */
void wm_lt_file_header(uint32_t h[6], uint32_t linktype, uint32_t snaplen,
		       bool nano);

#endif /* WM_PCAP_LINK_H */
