/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writing header fields of frames built by hand in the tests (unit and
 * fuzz), an Ethernet/IPv4/TCP frame, and its checksums computed here,
 * apart from lib/pkt, so a test never checks the library against itself.
 */
#ifndef WM_TEST_FRAME_BYTES_H
#define WM_TEST_FRAME_BYTES_H

#include <stdint.h>
#include <string.h>

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* @s plus the 16-bit big-endian words of @n bytes at @p (an odd last
 * byte padded with zero), unfolded. */
static inline uint32_t
csum_add(uint32_t s, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* The one's complement of the folded sum @s: a checksum field's value. */
static inline uint16_t
csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The checksum of the 20-byte IPv4 header at @h (its field as it is). */
static inline uint16_t
ip4_csum(const uint8_t *h)
{
	return csum_fold(csum_add(0, h, 20));
}

/* One end of a connection: an IPv4 address and a port. */
struct ip4_ep {
	uint8_t addr[4];
	uint16_t port;
};

/*
 * Ethernet + IPv4 + TCP (no options) from @src to @dst carrying @len
 * bytes of @data at @f, both checksums right; returns the frame's
 * length (54 + @len).
 */
static inline uint32_t
tcp4_build(uint8_t *f, const struct ip4_ep *src, const struct ip4_ep *dst,
	   uint32_t seq, uint32_t ack, uint8_t flags, const void *data,
	   uint32_t len)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint32_t pseudo;

	memset(f, 0, 54);
	f[0] = 2; f[6] = 2; f[11] = 1;
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + len));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, src->addr, 4);
	memcpy(ip + 16, dst->addr, 4);
	put16(ip + 10, ip4_csum(ip));
	put16(tcp, src->port);
	put16(tcp + 2, dst->port);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	memcpy(tcp + 20, data, len);
	/* addresses, protocol and TCP length, then the segment */
	pseudo = csum_add(6 + 20 + len, ip + 12, 8);
	put16(tcp + 16, csum_fold(csum_add(pseudo, tcp, 20 + len)));
	return 54 + len;
}

#endif /* WM_TEST_FRAME_BYTES_H */
