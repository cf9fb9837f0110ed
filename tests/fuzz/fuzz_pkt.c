/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the frame parser (lib/pkt) on arbitrary bytes.
 *
 * Input: one frame, as it would sit in an mbuf. It is parsed twice: whole
 * in one buffer, and with only its first bytes contiguous (a chained
 * mbuf: hdr_len < frame_len), each from a heap copy of exactly the bytes
 * the parser may read, so ASan sees any read beyond them. Checked:
 *   - a TCP result's offsets lie inside the frame, in order, and the
 *     payload ends inside it;
 *   - both parses agree on the kind when every header is in the first
 *     part;
 *   - the incremental checksum update (RFC 1624) on a changed payload
 *     gives what a full recomputation gives;
 *   - the parser's fast path for the common frame gives exactly what
 *     the layered parser alone gives.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_pkt.h"
#include "pkt_priv.h"

#define FUZZ_CHAIN_HDR 128	/* contiguous bytes of a chained frame */

#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_pkt: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static void
check_offsets(const struct wm_pkt_info *pi, uint32_t hdr_len,
	      uint32_t frame_len)
{
	if (pi->kind != WM_PKT_TCP)
		return;
	FUZZ_ASSERT(pi->ip_version == 4 || pi->ip_version == 6);
	FUZZ_ASSERT(pi->l3_off < pi->l4_off);
	FUZZ_ASSERT((uint32_t)pi->l4_off + 20 <= pi->payload_off);
	FUZZ_ASSERT(pi->payload_off <= hdr_len);
	FUZZ_ASSERT(pi->payload_len <= frame_len - pi->payload_off);
	FUZZ_ASSERT(pi->nvlan <= WM_PKT_MAX_VLANS);
	if (pi->vxlan) {
		FUZZ_ASSERT(pi->outer_l3_off < pi->outer_udp_off);
		FUZZ_ASSERT(pi->outer_udp_off < pi->l3_off);
	}
}

/* ones' complement: 0x0000 and 0xffff are the same number */
static int
cksum_same(uint16_t a, uint16_t b)
{
	return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

/*
 * With a correct checksum in place, mask up to 9 payload bytes from an
 * odd or even offset and update the checksum incrementally: it must be
 * the full checksum of the changed segment.
 */
static void
check_cksum(uint8_t *f, const struct wm_pkt_info *pi)
{
	uint8_t *l3 = f + pi->l3_off, *l4 = f + pi->l4_off;
	uint32_t l4_len = pi->payload_off + pi->payload_len - pi->l4_off;
	uint16_t ck, want;
	uint8_t old[9];
	uint32_t at, n;

	if (pi->payload_len == 0)
		return;
	ck = wm_cksum_l4(l3, l4, l4_len, 6);
	memcpy(l4 + 16, &ck, 2);
	at = pi->payload_len > 1 ? 1 : 0;
	n = pi->payload_len - at < sizeof(old) ? pi->payload_len - at :
						 sizeof(old);
	memcpy(old, f + pi->payload_off + at, n);
	memset(f + pi->payload_off + at, '*', n);
	ck = wm_cksum_adjust(ck, old, f + pi->payload_off + at, n,
			     (pi->payload_off + at - pi->l4_off) & 1);
	want = wm_cksum_l4(l3, l4, l4_len, 6);
	FUZZ_ASSERT(cksum_same(ck, want));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_pkt_info whole, chain;
	uint32_t hdr;
	uint8_t *f;

	if (size > 65535)
		return 0;
	f = malloc(size ? size : 1);
	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	memset(&whole, 0xa5, sizeof(whole));
	wm_pkt_parse(f, (uint32_t)size, (uint32_t)size, 4789, &whole);
	check_offsets(&whole, (uint32_t)size, (uint32_t)size);
	{
		struct wm_pkt_info general;

		memset(&general, 0x3c, sizeof(general));
		pkt_parse_general(f, (uint32_t)size, (uint32_t)size, 4789,
				  &general);
		FUZZ_ASSERT(memcmp(&general, &whole, sizeof(whole)) == 0);
	}

	/* a chained frame: only the first part can be read */
	hdr = size < FUZZ_CHAIN_HDR ? (uint32_t)size : FUZZ_CHAIN_HDR;
	memset(&chain, 0x5a, sizeof(chain));
	{
		uint8_t *h = malloc(hdr ? hdr : 1);
		struct wm_pkt_info general;

		if (h != NULL) {
			memcpy(h, data, hdr);
			wm_pkt_parse(h, hdr, (uint32_t)size, 4789, &chain);
			check_offsets(&chain, hdr, (uint32_t)size);
			memset(&general, 0x3c, sizeof(general));
			pkt_parse_general(h, hdr, (uint32_t)size, 4789,
					  &general);
			FUZZ_ASSERT(memcmp(&general, &chain,
					   sizeof(chain)) == 0);
			free(h);
		}
	}
	if (whole.kind == WM_PKT_TCP && whole.payload_off <= hdr)
		FUZZ_ASSERT(chain.kind == WM_PKT_TCP &&
			    chain.payload_off == whole.payload_off &&
			    chain.payload_len == whole.payload_len);
	if (whole.kind == WM_PKT_TCP)
		check_cksum(f, &whole);
	free(f);
	return 0;
}
