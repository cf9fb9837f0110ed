/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writing header fields of frames built by hand in the tests (unit and
 * fuzz), and the IPv4 header checksum computed here, apart from
 * lib/pkt, so a test never checks the library against itself.
 */
#ifndef WM_TEST_FRAME_BYTES_H
#define WM_TEST_FRAME_BYTES_H

#include <stdint.h>

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

/* The checksum of the 20-byte IPv4 header at @h (its field as it is). */
static inline uint16_t
ip4_csum(const uint8_t *h)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

#endif /* WM_TEST_FRAME_BYTES_H */
