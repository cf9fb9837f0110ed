/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kafka: produce requests (client side) and fetch responses (server
 * side), walked down to their v2 record batches. Every message is
 *
 *   int32 size | header | body                        (size bytes after it)
 *
 * Only record keys, values and header values may change; everything
 * else (lengths, varints, offsets, timestamps, attributes, header keys,
 * topic names, the request header) is never modified:
 *
 *   PROTECT at the first byte, then per value:
 *     UNPROTECT [ value bytes ] END_PROTECT (its values decided at once)
 *
 * A v2 batch carries a CRC32C over attributes .. its end:
 *
 *   baseOffset(8) length(4) epoch(4) magic(1)=2 crc(4) | attributes(2)
 *   lastOffsetDelta(4) baseTimestamp(8) maxTimestamp(8) producerId(8)
 *   producerEpoch(2) baseSequence(4) count(4) records...
 *     record: length attrs(1) tsDelta offDelta keyLen key valLen value
 *             headerCount [hdrKeyLen hdrKey hdrValLen hdrValue]*  (varints)
 *
 * After its attributes the stage says FIXUP (where the CRC lies, what it
 * covers): the engine keeps the packet carrying it; at the batch's end
 * FIXUP_END (with whether the CRC matched as it came, checked here on
 * the bytes as they came) and the engine writes the CRC of the bytes as
 * they leave. Compressed batches and batches larger than the policy's
 * kafka_max_batch are passed untouched or dropped (policy); control
 * batches and old message sets (magic 0, 1) pass untouched.
 *
 * Which request a response answers: Kafka answers in order, except a
 * Produce with acks = 0, which has no answer (not counted). The flow
 * keeps the pending Fetches (a byte each: responses before it) in
 * req_kind, and kafka_other the requests after the last one.
 *
 * Other API keys pass untouched (never modified, hits counted as
 * mask.protected): their fields are names, ids and configs that the
 * peers match on. A size out of range is no Kafka: the raw stream from
 * there (proto.error); a body that does not parse passes untouched to
 * its end (kafka.malformed), the framing still known.
 */
#include "proto_kafka.h"

static int
kafka_ident(const uint8_t *p, uint32_t n)
{
	uint32_t size;
	unsigned int key, ver;

	/* size < 16 MiB, api_key < 256, api_version < 256 */
	if ((n > 0 && p[0] != 0) || (n > 4 && p[4] != 0) ||
	    (n > 6 && p[6] != 0))
		return 0;
	if (n < 8)
		return -1;
	size = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	key = p[5];
	ver = p[7];
	/*
	 * A request header: api_key and api_version of today's range. A
	 * PostgreSQL startup message (protocol 3.0) reads as Metadata v0,
	 * which no client sends first: not taken.
	 */
	if (size < 10 || key > 100 || ver > 20 || (key == 3 && ver == 0))
		return 0;
	return 1;
}

static void
kafka_start(struct wm_proto_flow *pf, unsigned int dir, bool client)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	(void)client;
	memset(&d->u.kafka, 0, sizeof(d->u.kafka));
	memset(d->stash, 0, sizeof(d->stash));
	d->state = K_SIZE;
}

void
proto_kafka_lost(struct wm_proto_flow *pf, unsigned int dir)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	memset(&d->u.kafka, 0, sizeof(d->u.kafka));
	d->state = K_LOST;
}

/* ---- which request a response answers ---- */

void
kafka_req_other(struct wm_proto_flow *pf)
{
	if (pf->kafka_other == UINT8_MAX)
		pf->flags |= WM_PROTO_F_KUNPAIRED;
	else
		pf->kafka_other++;
}

void
kafka_req_fetch(struct wm_proto_flow *pf, unsigned int ver)
{
	/* One version for the pending ones (a client's is negotiated). */
	if (pf->nreq == KAFKA_FETCH_MAX ||
	    (pf->nreq > 0 && pf->kafka_fver != ver)) {
		pf->flags |= WM_PROTO_F_KUNPAIRED;
		return;
	}
	pf->req_kind |= (uint32_t)pf->kafka_other << (8 * pf->nreq);
	pf->nreq++;
	pf->kafka_other = 0;
	pf->kafka_fver = (uint8_t)ver;
}

/* A response begins: does it answer a Fetch? */
bool
kafka_resp_is_fetch(struct wm_proto_flow *pf)
{
	if (pf->nreq == 0) {
		if (pf->kafka_other > 0)
			pf->kafka_other--;
		return false;
	}
	if ((pf->req_kind & 0xff) != 0) {
		pf->req_kind--;
		return false;
	}
	pf->req_kind >>= 8;
	pf->nreq--;
	return true;
}

static void
kafka_feed(struct wm_proto_flow *pf, unsigned int dir,
	   const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	   struct wm_proto_out *out)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	/*
	 * Nothing of a Kafka direction is modified but its values: say so
	 * before its first byte (not to a feed of the stash's first bytes,
	 * which acts on nothing: view_cap 0).
	 */
	if (!(KST(d)->fl & KF_PROT) && ctx->view_cap != 0) {
		KST(d)->fl |= KF_PROT;
		out->n = 0;
		out->act = WM_PROTO_ACT_PROTECT;
		return;
	}
	kafka_walk(pf, d, ctx, p, n, out);
}

const struct proto_ops proto_kafka_ops = {
	.name = "kafka",
	.ident = kafka_ident,
	.start = kafka_start,
	.feed = kafka_feed,
};
