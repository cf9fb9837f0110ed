/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link types and the Ethernet view (pcap_link.h): Ethernet (1), raw IP
 * (101, 12, 14, IPv4 228, IPv6 229), Linux cooked SLL (113) and SLL2
 * (276), BSD loopback NULL (0) and LOOP (108).
 */
#include <stdio.h>
#include <string.h>

#include "pcap_link.h"

#define TYPE_NOT_IP 0x88b5          /* IEEE local experimental */

static const struct wm_lt lts[] = {
	{ 1, DLT_EN10MB, WM_LT_ETH, 12, "Ethernet" },
	{ 101, DLT_RAW, WM_LT_RAW, 0, "raw IP" },
	{ 12, 12, WM_LT_RAW, 0, "raw IP (DLT 12)" },
	{ 14, 14, WM_LT_RAW, 0, "raw IP (DLT 14)" },
	{ 228, 228, WM_LT_RAW, 0, "raw IPv4" },
	{ 229, 229, WM_LT_RAW, 0, "raw IPv6" },
	{ 0, DLT_NULL, WM_LT_NULL, 4, "BSD loopback (NULL)" },
	{ 108, 108, WM_LT_LOOP, 4, "OpenBSD loopback (LOOP)" },
	{ 113, 113, WM_LT_SLL, 16, "Linux cooked (SLL)" },
	{ 276, 276, WM_LT_SLL2, 20, "Linux cooked v2 (SLL2)" },
};

static const struct wm_lt *
lt_find(uint32_t linktype)
{
	for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
		if (lts[i].linktype == (linktype & 0xffff))
			return &lts[i];
	return NULL;
}

static const struct wm_lt *
lt_find_dlt(int dlt)
{
	for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
		if (lts[i].dlt == dlt)
			return &lts[i];
	return NULL;
}

void
wm_lt_file(const char *path, pcap_t *p, const struct wm_lt **lt,
	   uint32_t *linktype, bool *nano)
{
	uint8_t h[24];
	uint32_t magic, v;
	FILE *f = fopen(path, "rb");
	size_t n = f != NULL ? fread(h, 1, sizeof(h), f) : 0;

	if (f != NULL)
		fclose(f);
	*lt = lt_find_dlt(pcap_datalink(p));
	*linktype = *lt != NULL ? (*lt)->linktype : (uint32_t)pcap_datalink(p);
	*nano = true;               /* pcapng: ns keeps any resolution */
	if (n < sizeof(h))
		return;
	memcpy(&magic, h, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
		memcpy(&v, h + 20, 4);
	} else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
		memcpy(&v, h + 20, 4);
		v = __builtin_bswap32(v);
		magic = __builtin_bswap32(magic);
	} else {
		return;
	}
	*nano = magic == 0xa1b23c4d;
	*linktype = v;
	*lt = lt_find(v);
}

/* The pseudo header's type field for one frame's link header. */
static uint16_t
frame_type(enum wm_lt_kind kind, const uint8_t *f, uint32_t caplen)
{
	uint32_t af;
	uint16_t proto;

	switch (kind) {
	case WM_LT_RAW:
		if (caplen >= 1 && f[0] >> 4 == 4)
			return 0x0800;
		if (caplen >= 1 && f[0] >> 4 == 6)
			return 0x86dd;
		return TYPE_NOT_IP;
	case WM_LT_NULL:
	case WM_LT_LOOP:
		/* NULL: the capturing host's byte order; LOOP: network. */
		af = (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 |
		     (uint32_t)f[2] << 8 | f[3];
		if (kind == WM_LT_NULL && (af & 0xffff) == 0)
			af = __builtin_bswap32(af);
		if (af == 2)
			return 0x0800;
		if (af == 10 || af == 24 || af == 28 || af == 30)
			return 0x86dd;
		return TYPE_NOT_IP;
	case WM_LT_SLL:
	case WM_LT_SLL2:
		proto = kind == WM_LT_SLL ? (uint16_t)(f[14] << 8 | f[15])
					  : (uint16_t)(f[0] << 8 | f[1]);
		/* Under 0x0600 it is a Linux protocol number, not a type. */
		return proto >= 0x0600 ? proto : TYPE_NOT_IP;
	case WM_LT_ETH:
		break;
	}
	return TYPE_NOT_IP;
}

bool
wm_lt_convert(const struct wm_lt *lt, bool nano, uint64_t idx,
	      const struct pcap_pkthdr *ph, const uint8_t *f,
	      struct wm_lt_rec *r, uint8_t view[WM_LT_VIEW_MAX])
{
	uint16_t type;

	memset(r, 0, sizeof(*r));
	r->ts_sec = (uint64_t)ph->ts.tv_sec;
	/* libpcap gives ns (asked for them); the output has IN's. */
	r->ts_frac = (uint32_t)ph->ts.tv_usec / (nano ? 1 : 1000);
	r->len = ph->len;
	r->caplen = ph->caplen;
	/* A frame shorter than its link header is carried as "not IP". */
	r->keep = (uint16_t)(ph->caplen < lt->hdr ? ph->caplen : lt->hdr);
	memcpy(r->hdr, f, r->keep);
	if (lt->kind == WM_LT_ETH && r->keep == lt->hdr) {
		memcpy(view, f, 6);
		r->cut = 12;
	} else {
		memset(view, 0, 6);
		view[0] = 0x02;
		view[5] = 0x01;
		type = r->keep < lt->hdr ? TYPE_NOT_IP
					 : frame_type(lt->kind, f, ph->caplen);
		view[12] = (uint8_t)(type >> 8);
		view[13] = (uint8_t)type;
		r->cut = 14;
	}
	view[6] = 0x02;
	view[7] = 0x00;
	view[8] = (uint8_t)(idx >> 24);
	view[9] = (uint8_t)(idx >> 16);
	view[10] = (uint8_t)(idx >> 8);
	view[11] = (uint8_t)idx;
	r->refused = (uint64_t)r->cut + ph->caplen - r->keep > WM_LT_FRAME_MAX;
	return !r->refused;
}

void
wm_lt_file_header(uint32_t h[6], uint32_t linktype, uint32_t snaplen,
		  bool nano)
{
	h[0] = nano ? 0xa1b23c4d : 0xa1b2c3d4;
	h[1] = 2 | 4u << 16;
	h[2] = 0;
	h[3] = 0;
	h[4] = snaplen;
	h[5] = linktype;
}
