/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/proto's Kafka (proto_kafka.c: identification, pairing
 * responses with requests; proto_kafka_walk.c: the walk of messages).
 */
#ifndef PROTO_KAFKA_H
#define PROTO_KAFKA_H

#include <string.h>

#include "proto_priv.h"

#define KAFKA_MAX_MSG (256u << 20)  /* a message larger is no Kafka */
#define KAFKA_API_PRODUCE 0
#define KAFKA_API_FETCH 1
#define KAFKA_BATCH_HDR 61          /* baseOffset .. count */
#define KAFKA_FETCH_MAX 4           /* pending Fetches paired */

/* struct wm_proto_dir.u.kafka.fl */
#define KF_PROT 0x01    /* the first PROTECT was said */
#define KF_MSG 0x02     /* msg_left counts */
#define KF_SET 0x04     /* set_left counts */
#define KF_BATCH 0x08   /* batch_left counts */
#define KF_REC 0x10     /* rec_left counts */
#define KF_CRC 0x20     /* bytes go into the batch's CRC */
#define KF_FIX 0x40     /* FIXUP said: FIXUP_END owed */
#define KF_FLEX 0x80    /* a flexible version: compact lengths, tags */

enum { KIND_OTHER, KIND_PRODUCE, KIND_FETCH };

/* Where the walk is (struct wm_proto_dir.state). "Z": takes no byte. */
enum {
	K_SIZE, K_KEY, K_VER, K_CORR, K_CID_LEN,
	K_HDR_DONE,     /* Z */
	K_RCORR, K_FHEAD /* Z */, K_TXN_LEN, K_ACKS, K_TOPICS,
	K_TOPIC /* Z */, K_TNAME, K_PARTS, K_PART /* Z */, K_PART_T /* Z */,
	K_ABORT_N, K_ABORT /* Z */, K_ABORT_T /* Z */, K_RECS_LEN,
	K_SET /* Z */, K_B_LEN, K_B_MAGIC, K_B_CRC, K_B_ATTR,
	K_REC /* Z */, K_R_LEN, K_R_TS, K_R_OFF, K_R_KLEN, K_R_VLEN, K_R_HN,
	K_HDR /* Z */, K_H_KLEN, K_H_VLEN, K_REC_END /* Z */, K_B_END /* Z */,
	K_BODY_END /* Z */, K_MSG_END /* Z */,
	K_VALUE,        /* len bytes masked by the engine, then ret */
	K_SKIP,         /* len bytes never modified, then ret */
	K_TAGS_N, K_TAG /* Z */, K_TAG_ID, K_TAG_LEN, K_TAG_SKIP,
	K_LOST,         /* lost its place: nothing more is modified */
};

#define KST(d) (&(d)->u.kafka)

/* The batch CRCs ride in the stash (unused once identified). */
static inline uint32_t
crc_get(const struct wm_proto_dir *d, unsigned int i)
{
	uint32_t v;

	memcpy(&v, d->stash + 4 * i, 4);
	return v;
}

static inline void
crc_set(struct wm_proto_dir *d, unsigned int i, uint32_t v)
{
	memcpy(d->stash + 4 * i, &v, 4);
}

#define CRC_WANT 0
#define CRC_RUN 1

/* The request the next response answers is a Fetch (kafka_fver)? */
bool kafka_resp_is_fetch(struct wm_proto_flow *pf);
/* A request whose response is not walked. */
void kafka_req_other(struct wm_proto_flow *pf);
/* A Fetch request of version @ver: its response is walked. */
void kafka_req_fetch(struct wm_proto_flow *pf, unsigned int ver);

/* Walk @n bytes at @p of Kafka direction @d (wm_proto_feed()). */
void kafka_walk(struct wm_proto_flow *pf, struct wm_proto_dir *d,
		const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
		struct wm_proto_out *out);

#endif /* PROTO_KAFKA_H */
