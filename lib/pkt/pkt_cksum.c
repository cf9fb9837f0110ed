/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum (RFC 1071): full computation with the TCP/UDP
 * pseudo-header, and the incremental update of RFC 1624 used after
 * masking bytes in place.
 *
 * Sums are kept in host order over big-endian 16-bit words in a 64-bit
 * accumulator (no overflow below 2^48 words) and folded at the end;
 * only the values crossing the API are in network (stored) order.
 */
#include <string.h>

#include "wm_pkt.h"
#include "pkt_priv.h"

/* Where TCP and UDP keep their checksum field. */
static const struct cksum_field {
	uint8_t proto;
	uint8_t off;
} cksum_field_tab[] = {
	{ 6, 16 },	/* TCP */
	{ 17, 6 },	/* UDP */
};

/*
 * Add @len bytes to @sum as big-endian words. @odd: the first byte is the
 * low byte of its word. A last lone byte is the high byte of its word.
 */
static uint64_t
cksum_add(uint64_t sum, const uint8_t *p, size_t len, bool odd)
{
	size_t i;

	if (odd && len > 0) {
		sum += *p++;
		len--;
	}
	for (i = 0; i + 1 < len; i += 2)
		sum += pkt_rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
cksum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t
cksum_from_net(uint16_t v)
{
	uint8_t b[2];

	memcpy(b, &v, sizeof(b));
	return pkt_rd16(b);
}

static uint16_t
cksum_to_net(uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	uint16_t r;

	memcpy(&r, b, sizeof(r));
	return r;
}

uint16_t
wm_cksum_adjust(uint16_t cksum, const uint8_t *old, const uint8_t *new,
		size_t len, bool odd)
{
	/*
	 * HC' = ~(~HC + ~m + m'). Bytes of a partly changed word that did
	 * not change cancel out, so they may be taken as zero in m and m'.
	 */
	uint16_t m = cksum_fold(cksum_add(0, old, len, odd));
	uint16_t m2 = cksum_fold(cksum_add(0, new, len, odd));
	uint64_t sum;

	sum = (uint16_t)~cksum_from_net(cksum);
	sum += (uint16_t)~m;
	sum += m2;
	return cksum_to_net((uint16_t)~cksum_fold(sum));
}

/* Offset of the checksum field for @proto, or UINT32_MAX if none. */
static uint32_t
cksum_field_off(uint8_t proto)
{
	size_t i;

	for (i = 0; i < PKT_DIM(cksum_field_tab); i++)
		if (cksum_field_tab[i].proto == proto)
			return cksum_field_tab[i].off;
	return UINT32_MAX;
}

static uint64_t
cksum_pseudo(const uint8_t *l3, uint32_t l4_len, uint8_t proto)
{
	uint64_t sum;

	if (l3[0] >> 4 == 6)
		sum = cksum_add(0, l3 + 8, 32, false);	/* src, dst */
	else
		sum = cksum_add(0, l3 + 12, 8, false);	/* src, dst */
	return sum + (l4_len >> 16) + (l4_len & 0xffff) + proto;
}

uint16_t
wm_cksum_l4(const uint8_t *l3, const uint8_t *l4, uint32_t l4_len,
	    uint8_t proto)
{
	uint32_t field = cksum_field_off(proto);
	uint64_t sum = cksum_pseudo(l3, l4_len, proto);
	uint16_t ck;

	if (field < l4_len && l4_len - field >= 2) {
		/* the field is word aligned: skipping it keeps alignment */
		sum = cksum_add(sum, l4, field, false);
		sum = cksum_add(sum, l4 + field + 2, l4_len - field - 2, false);
	} else {
		sum = cksum_add(sum, l4, l4_len, false);
	}
	ck = (uint16_t)~cksum_fold(sum);
	if (proto == 17 && ck == 0)
		ck = 0xffff;	/* 0 means "no checksum" in UDP */
	return cksum_to_net(ck);
}
