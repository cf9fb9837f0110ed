/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private helpers of the pkt module: big-endian reads from raw bytes.
 * Byte loads only, so any alignment is fine.
 */
#ifndef PKT_PRIV_H
#define PKT_PRIV_H

#include <stdint.h>

#include "wm_pkt.h"

#define PKT_DIM(a) (sizeof(a) / sizeof((a)[0]))

static inline uint16_t
pkt_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
pkt_rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t
pkt_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | pkt_rd24(p + 1);
}

/*
 * The layered parser alone, without wm_pkt_parse()'s fast path for the
 * common frame: the tests check that both give the same result.
 */
enum wm_pkt_kind pkt_parse_general(const uint8_t *frame, uint32_t hdr_len,
				   uint32_t frame_len, uint16_t vxlan_port,
				   struct wm_pkt_info *info);

#endif /* PKT_PRIV_H */
