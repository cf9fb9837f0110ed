/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture mode's reading of IN. A classic pcap file's records are read
 * here, from 1 MB blocks, each frame handed on where it lies in the
 * block: libpcap's pcap_next_ex() reads each record with two fread()s
 * into a buffer of its own, about as much again as the reading itself
 * (80 against 45 ms for the benchmark's 210,252 frames). pcapng, and a
 * pcap in the other byte order (libpcap swaps some link types' pseudo
 * headers there), is read by libpcap.
 *
 * What a record may say is what libpcap takes: a capture length over
 * 262,144 bytes (libpcap's limit for the link types wiremask reads) is
 * an error; one over the file's snapshot length is cut to it, the rest
 * skipped; a record cut short by the end of the file is an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wiremask.h"
#include "capture_priv.h"

#define CAP_REC_MAX 262144u         /* libpcap's MAXIMUM_SNAPLEN */
#define CAP_BLK (CAP_IN_BUF + CAP_REC_MAX + 16)

static struct {
	uint8_t *buf;               /* NULL: libpcap reads */
	size_t have;                /* bytes in buf */
	size_t off;                 /* the next record's */
	bool usec;                  /* stamps in us: made ns as libpcap does */
	bool eof;
	uint32_t snaplen;
	struct pcap_pkthdr ph;
	char err[128];
} rd;

/* Read here when IN is a classic pcap (libpcap read its header). */
int
cap_read_init(void)
{
	if (pcap_major_version(wm_cap.in) != 2 || pcap_is_swapped(wm_cap.in))
		return 0;
	rd.buf = malloc(CAP_BLK);
	if (rd.buf == NULL)
		return -ENOMEM;
	rd.usec = !wm_cap.nano;
	rd.snaplen = (uint32_t)pcap_snapshot(wm_cap.in);
	return 0;
}

void
cap_read_free(void)
{
	free(rd.buf);
	rd.buf = NULL;
}

/* At least @want bytes from off on in buf, unless the file ends first. */
static bool
fill(size_t want)
{
	while (rd.have - rd.off < want && !rd.eof) {
		size_t n;

		memmove(rd.buf, rd.buf + rd.off, rd.have - rd.off);
		rd.have -= rd.off;
		rd.off = 0;
		n = fread(rd.buf + rd.have, 1, CAP_BLK - rd.have, wm_cap.in_file);
		rd.have += n;
		rd.eof = n == 0;
	}
	return rd.have - rd.off >= want;
}

static uint32_t
field(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The next frame of IN: 1 with *@ph and *@f; PCAP_ERROR_BREAK at its
 * end; PCAP_ERROR (cap_read_err() says why). As pcap_next_ex().
 */
int
cap_read_next(struct pcap_pkthdr **ph, const uint8_t **f)
{
	const uint8_t *h;
	uint32_t caplen, keep;

	if (rd.buf == NULL)
		return pcap_next_ex(wm_cap.in, ph, f);
	if (!fill(16)) {
		if (rd.have == rd.off)
			return PCAP_ERROR_BREAK;
		snprintf(rd.err, sizeof(rd.err), "truncated dump file; "
			 "a record header of %zu of 16 bytes",
			 rd.have - rd.off);
		return PCAP_ERROR;
	}
	h = rd.buf + rd.off;
	caplen = field(h + 8);
	if (caplen > CAP_REC_MAX) {
		snprintf(rd.err, sizeof(rd.err), "invalid packet capture "
			 "length %u, bigger than maximum of %u", caplen,
			 CAP_REC_MAX);
		return PCAP_ERROR;
	}
	if (!fill(16 + (size_t)caplen)) {
		snprintf(rd.err, sizeof(rd.err), "truncated dump file; "
			 "a record of %u bytes, %zu there", caplen,
			 rd.have - rd.off - 16);
		return PCAP_ERROR;
	}
	h = rd.buf + rd.off;
	keep = caplen < rd.snaplen ? caplen : rd.snaplen;
	rd.ph.ts.tv_sec = field(h);
	rd.ph.ts.tv_usec = field(h + 4) * (rd.usec ? 1000u : 1u);
	rd.ph.caplen = keep;
	rd.ph.len = field(h + 12);
	*ph = &rd.ph;
	*f = h + 16;
	rd.off += 16 + (size_t)caplen;
	return 1;
}

const char *
cap_read_err(void)
{
	return rd.buf != NULL ? rd.err : pcap_geterr(wm_cap.in);
}
