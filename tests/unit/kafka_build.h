/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kafka messages for tests (test_proto_kafka, test_stream): produce
 * requests, fetch requests and responses, v2 record batches with their
 * CRC32C, as a client and a broker write them.
 */
#ifndef KAFKA_BUILD_H
#define KAFKA_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "wm_pkt.h"

struct buf {
	uint8_t b[16384];
	size_t n;
};

static inline void
put(struct buf *o, const void *p, size_t n)
{
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static inline void
be(struct buf *o, uint64_t v, int w)
{
	for (int i = w - 1; i >= 0; i--)
		o->b[o->n++] = (uint8_t)(v >> (8 * i));
}

static inline void
uvarint(struct buf *o, uint32_t v)
{
	while (v >= 0x80) {
		o->b[o->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o->b[o->n++] = (uint8_t)v;
}

static inline void
varint(struct buf *o, int32_t v)
{
	uvarint(o, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

/* A varint-prefixed field (NULL: -1). */
static inline void
vfield(struct buf *o, const char *s)
{
	if (s == NULL) {
		varint(o, -1);
		return;
	}
	varint(o, (int32_t)strlen(s));
	put(o, s, strlen(s));
}

struct rec {
	const char *key, *val, *hkey, *hval;
};

/* A v2 record batch of @n records; its CRC spoiled with @bad. */
static inline void
batch(struct buf *o, const struct rec *r, int n, uint16_t attr, bool bad)
{
	size_t start = o->n, crc_at;
	uint32_t c;

	be(o, 0, 8);            /* baseOffset */
	be(o, 0, 4);            /* batchLength, below */
	be(o, 0, 4);            /* partitionLeaderEpoch */
	o->b[o->n++] = 2;       /* magic */
	crc_at = o->n;
	be(o, 0, 4);
	be(o, attr, 2);
	be(o, (uint64_t)(n - 1), 4);
	be(o, 1700000000000ull, 8);
	be(o, 1700000000000ull, 8);
	be(o, UINT64_MAX, 8);   /* producerId -1 */
	be(o, 0xffff, 2);
	be(o, 0xffffffff, 4);
	be(o, (uint64_t)n, 4);
	for (int i = 0; i < n; i++) {
		struct buf b = { .n = 0 };

		b.b[b.n++] = 0;
		varint(&b, 0);
		varint(&b, i);
		vfield(&b, r[i].key);
		vfield(&b, r[i].val);
		varint(&b, r[i].hkey != NULL ? 1 : 0);
		if (r[i].hkey != NULL) {
			vfield(&b, r[i].hkey);
			vfield(&b, r[i].hval);
		}
		varint(o, (int32_t)b.n);
		put(o, b.b, b.n);
	}
	{
		struct buf l = { .n = 0 };

		be(&l, o->n - start - 12, 4);
		memcpy(o->b + start + 8, l.b, 4);
	}
	c = wm_crc32c(0, o->b + crc_at + 4, o->n - crc_at - 4) ^ (bad ? 1 : 0);
	{
		struct buf l = { .n = 0 };

		be(&l, c, 4);
		memcpy(o->b + crc_at, l.b, 4);
	}
}

/* A string: compact (length + 1) in flexible versions, else int16. */
static inline void
str(struct buf *o, const char *s, bool flex)
{
	if (flex)
		uvarint(o, (uint32_t)strlen(s) + 1);
	else
		be(o, strlen(s), 2);
	put(o, s, strlen(s));
}

/* An array count or a bytes length: compact, or int32. */
static inline void
count(struct buf *o, uint32_t n, bool flex)
{
	if (flex)
		uvarint(o, n + 1);
	else
		be(o, n, 4);
}

/* Fill in the size of the message begun at @start. */
static inline void
msg_end(struct buf *o, size_t start)
{
	struct buf l = { .n = 0 };

	be(&l, o->n - start - 4, 4);
	memcpy(o->b + start, l.b, 4);
}

static inline void
req_header(struct buf *o, int key, int ver, uint32_t corr, bool flex)
{
	be(o, 0, 4);
	be(o, (uint64_t)key, 2);
	be(o, (uint64_t)ver, 2);
	be(o, corr, 4);
	str(o, "rdkafka", false); /* never compact */
	if (flex)
		uvarint(o, 0);
}

/* A Produce request of version @ver carrying @sets (one per partition). */
static inline void
produce(struct buf *o, int ver, int acks, const struct buf *sets, int nsets)
{
	bool flex = ver >= 9;
	size_t start = o->n;

	req_header(o, 0, ver, 7, flex);
	if (flex)
		uvarint(o, 0);          /* transactional_id null */
	else
		be(o, 0xffff, 2);
	be(o, (uint64_t)acks, 2);
	be(o, 30000, 4);
	count(o, 1, flex);
	str(o, "cards-4111111111111111", flex);
	count(o, (uint32_t)nsets, flex);
	for (int i = 0; i < nsets; i++) {
		be(o, (uint64_t)i, 4);
		count(o, (uint32_t)sets[i].n, flex);
		put(o, sets[i].b, sets[i].n);
		if (flex)
			uvarint(o, 0);
	}
	if (flex) {
		uvarint(o, 0);
		uvarint(o, 0);
	}
	msg_end(o, start);
}

/* A request whose body is not read (Fetch, ApiVersions, ...). */
static inline void
request(struct buf *o, int key, int ver, uint32_t corr)
{
	size_t start = o->n;

	req_header(o, key, ver, corr, false);
	be(o, 0x12345678, 4);
	msg_end(o, start);
}

/* A Fetch response of version @ver with one partition's @set. */
static inline void
fetch_resp(struct buf *o, int ver, uint32_t corr, const struct buf *set)
{
	bool flex = ver >= 12;
	size_t start = o->n;

	be(o, 0, 4);
	be(o, corr, 4);
	if (flex)
		uvarint(o, 0);
	be(o, 0, 4);                    /* throttle */
	if (ver >= 7) {
		be(o, 0, 2);
		be(o, 0, 4);
	}
	count(o, 1, flex);
	if (ver >= 13)
		put(o, "0123456789abcdef", 16); /* topic id */
	else
		str(o, "pii", flex);
	count(o, 1, flex);
	be(o, 0, 4);                    /* partition */
	be(o, 0, 2);
	be(o, 42, 8);
	be(o, 42, 8);
	if (ver >= 5)
		be(o, 0, 8);
	if (flex)
		uvarint(o, 0);          /* aborted: null */
	else
		be(o, 0xffffffff, 4);
	if (ver >= 11)
		be(o, 0xffffffff, 4);
	count(o, (uint32_t)set->n, flex);
	put(o, set->b, set->n);
	if (flex) {
		uvarint(o, 1);          /* a tagged field, skipped */
		uvarint(o, 0);
		uvarint(o, 3);
		put(o, "abc", 3);
		uvarint(o, 0);
		uvarint(o, 0);
	}
	msg_end(o, start);
}

/* An other response (ApiVersions, a Produce's answer). */
static inline void
other_resp(struct buf *o, uint32_t corr)
{
	size_t start = o->n;

	be(o, 0, 4);
	be(o, corr, 4);
	put(o, "4111111111111111", 16);
	msg_end(o, start);
}

#endif /* KAFKA_BUILD_H */
