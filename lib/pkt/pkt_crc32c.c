/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C behind one function: the SSE4.2 crc32 instruction when the CPU
 * has it (checked once), else a byte table built at first use. Neither
 * needs DPDK (rte_hash_crc.h computes the same, but lib/proto, which
 * checks a Kafka batch's CRC as it parses, must build without EAL).
 */
#include <stdbool.h>
#include <string.h>

#include "wm_pkt.h"

#define CRC32C_POLY 0x82F63B78u /* reflected Castagnoli */

static uint32_t crc_table[256];
static bool crc_table_done;

static void
table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? CRC32C_POLY : 0);
		crc_table[i] = c;
	}
	crc_table_done = true;
}

static uint32_t
crc_sw(uint32_t c, const uint8_t *p, size_t n)
{
	if (!crc_table_done)
		table_init(); /* idempotent: a race writes the same values */
	while (n-- > 0)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t
crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
	uint64_t c64 = c;

	while (n > 0 && ((uintptr_t)p & 7) != 0) {
		c64 = _mm_crc32_u8((uint32_t)c64, *p++);
		n--;
	}
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c64 = _mm_crc32_u64(c64, v);
	}
	while (n-- > 0)
		c64 = _mm_crc32_u8((uint32_t)c64, *p++);
	return (uint32_t)c64;
}

static bool
have_hw(void)
{
	static int have = -1;

	if (have < 0)
		have = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	return have == 1;
}
#endif

uint32_t
wm_crc32c(uint32_t crc, const void *p, size_t n)
{
	uint32_t c = ~crc;

#if defined(__x86_64__)
	if (have_hw())
		return ~crc_hw(c, p, n);
#endif
	return ~crc_sw(c, p, n);
}

/* For tests: the table path, whatever the CPU (declared there). */
uint32_t wm_crc32c_sw(uint32_t crc, const void *p, size_t n);

uint32_t
wm_crc32c_sw(uint32_t crc, const void *p, size_t n)
{
	return ~crc_sw(~crc, p, n);
}
