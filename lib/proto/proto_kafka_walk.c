/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kafka's walk (proto_kafka.c says what it gives the engine): a message
 * at a time, a field at a time, a byte at a time where a field may be
 * cut between feeds; value bytes and skipped bytes in bulk. Every
 * structure's bytes left are counted (message, a partition's records, a
 * batch, a record): a length beyond its structure does not parse.
 */
#include "proto_kafka.h"
#include "wm_pkt.h"

/* ---- reading fields a byte at a time ---- */

/* A big-endian integer of @w bytes into k->len: true once whole. */
static bool
rd_be(struct wm_proto_dir *d, uint8_t b, unsigned int w)
{
	typeof(d->u.kafka) *k = KST(d);

	k->len = k->nb == 0 ? b : k->len << 8 | b;
	if (++k->nb < w)
		return false;
	k->nb = 0;
	return true;
}

/* An unsigned varint into k->len: 1 whole, 0 more, -1 too long. */
static int
rd_uvarint(struct wm_proto_dir *d, uint8_t b)
{
	typeof(d->u.kafka) *k = KST(d);

	if (k->nb == 0)
		k->len = 0;
	k->len |= (uint32_t)(b & 0x7f) << (7 * k->nb);
	k->nb++;
	if (!(b & 0x80)) {
		k->nb = 0;
		return 1;
	}
	return k->nb == 5 ? -1 : 0;
}

/* A zigzag varint: 1 with *v, 0 more, -1 too long. */
static int
rd_varint(struct wm_proto_dir *d, uint8_t b, int32_t *v)
{
	int r = rd_uvarint(d, b);
	uint32_t u = KST(d)->len;

	if (r == 1)
		*v = (int32_t)(u >> 1) ^ -(int32_t)(u & 1);
	return r;
}

/*
 * A length (@w 2: a string, 4: an array or bytes; compact in flexible
 * versions): 1 with k->len (null is 0), 0 more, -1 invalid.
 */
static int
rd_len(struct wm_proto_dir *d, uint8_t b, unsigned int w)
{
	typeof(d->u.kafka) *k = KST(d);
	int32_t v;

	if (k->fl & KF_FLEX) {
		int r = rd_uvarint(d, b);

		if (r == 1)
			k->len = k->len == 0 ? 0 : k->len - 1;
		return r;
	}
	if (!rd_be(d, b, w))
		return 0;
	v = w == 2 ? (int16_t)k->len : (int32_t)k->len;
	if (v < -1)
		return -1;
	k->len = v < 0 ? 0 : (uint32_t)v;
	return 1;
}

/* Bytes the innermost structure has left (UINT32_MAX: between messages). */
static uint32_t
room(const struct wm_proto_dir *d)
{
	const typeof(d->u.kafka) *k = &d->u.kafka;

	if (k->fl & KF_REC)
		return k->rec_left;
	if (k->fl & KF_BATCH)
		return k->batch_left;
	if (k->fl & KF_SET)
		return k->set_left;
	if (k->fl & KF_MSG)
		return k->msg_left;
	return UINT32_MAX;
}

/* @c bytes at @p consumed: every enclosing count, and the CRC. */
static void
take(struct wm_proto_dir *d, const uint8_t *p, uint32_t c)
{
	typeof(d->u.kafka) *k = KST(d);

	if (k->fl & KF_MSG)
		k->msg_left -= c;
	if (k->fl & KF_SET)
		k->set_left -= c;
	if (k->fl & KF_BATCH)
		k->batch_left -= c;
	if (k->fl & KF_REC)
		k->rec_left -= c;
	if (k->fl & KF_CRC)
		crc_set(d, CRC_RUN, wm_crc32c(crc_get(d, CRC_RUN), p, c));
}

/* Skip @len bytes (never modified), then @ret; false: beyond the room. */
static bool
skip(struct wm_proto_dir *d, uint32_t len, uint8_t ret)
{
	if (len > room(d))
		return false;
	KST(d)->len = len;
	KST(d)->ret = ret;
	d->state = K_SKIP;
	return true;
}

/* Tagged fields (flexible versions), then @ret. */
static void
tags(struct wm_proto_dir *d, uint8_t ret)
{
	KST(d)->tret = ret;
	d->state = (KST(d)->fl & KF_FLEX) ? K_TAGS_N : ret;
}

/*
 * What does not parse: the innermost structure passes untouched to its
 * end (a batch, a partition's records, the message); before a message,
 * this is no Kafka (false: the raw stream from here).
 */
static bool
kerr(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx)
{
	typeof(d->u.kafka) *k = KST(d);

	k->nb = 0;
	proto_count(ctx, WM_CTR_KAFKA_MALFORMED);
	if (k->fl & (KF_BATCH | KF_REC)) {
		k->fl &= (uint8_t)~KF_REC;
		return skip(d, k->batch_left, K_B_END);
	}
	if (k->fl & KF_SET)
		return skip(d, k->set_left, K_SET);
	if (k->fl & KF_MSG)
		return skip(d, k->msg_left, K_MSG_END);
	return false;
}

/* A value region of @len bytes: UNPROTECT now, END_PROTECT at its end. */
static int
value(struct wm_proto_dir *d, int32_t len, uint8_t ret)
{
	if (len == 0 || len == -1) {
		d->state = ret;
		return 0;
	}
	if (len < -1 || (uint32_t)len > room(d))
		return -1;
	KST(d)->len = (uint32_t)len;
	KST(d)->ret = ret;
	d->state = K_VALUE;
	return 1;
}

/* The request header read: what the body is. */
static void
hdr_done(struct wm_proto_flow *pf, struct wm_proto_dir *d,
	 const struct wm_proto_ctx *ctx)
{
	typeof(d->u.kafka) *k = KST(d);

	if (k->kind == KAFKA_API_PRODUCE && k->ver >= 3 && k->ver <= 13) {
		k->kind = KIND_PRODUCE;
		if (k->ver >= 9)
			k->fl |= KF_FLEX;
		tags(d, K_TXN_LEN);
		return;
	}
	uint8_t was = pf->flags;

	if (k->kind == KAFKA_API_FETCH && k->ver >= 4 && k->ver <= 17)
		kafka_req_fetch(pf, k->ver);
	else
		kafka_req_other(pf);
	if ((pf->flags & ~was) & WM_PROTO_F_KUNPAIRED)
		proto_count(ctx, WM_CTR_KAFKA_UNPAIRED);
	if (k->kind == KAFKA_API_PRODUCE)
		proto_count(ctx, WM_CTR_KAFKA_UNSUPPORTED);
	k->kind = KIND_OTHER;
	skip(d, k->msg_left, K_MSG_END);
}

/*
 * A batch's length read (@at bytes into the feed): its CRC field lies 5
 * bytes on. Fix it up (FIXUP now: the packet carrying it may be the
 * next), or pass it untouched or drop it (policy) when too large.
 */
static enum wm_proto_act
batch_begin(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
	    uint32_t at, struct wm_proto_out *out)
{
	typeof(d->u.kafka) *k = KST(d);
	const struct wm_proto_conf *c = ctx->conf;
	uint32_t max = c != NULL && c->kafka_max_batch != 0 ?
		       c->kafka_max_batch : WM_PROTO_KAFKA_MAX_BATCH;

	if (k->batch_left + 12 > max) {
		proto_count(ctx, WM_CTR_KAFKA_TOO_LARGE);
		if (c == NULL || c->kafka_too_large == WM_PROTO_KLARGE_DROP)
			return WM_PROTO_ACT_DROP;
		skip(d, k->batch_left, K_B_END);
		return WM_PROTO_ACT_NONE;
	}
	k->fl |= KF_FIX;
	out->fix_at = (int32_t)at + 5;
	out->fix_len = k->batch_left - 9; /* attributes .. the end */
	skip(d, 4, K_B_MAGIC);            /* partitionLeaderEpoch */
	return WM_PROTO_ACT_FIXUP;
}

/*
 * A batch's attributes read: its records are walked, or it passes
 * untouched (compressed, per policy; a control batch's records are
 * transaction markers). Untouched, its CRC stays as it came.
 */
static enum wm_proto_act
batch_attr(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
	   uint16_t attr)
{
	typeof(d->u.kafka) *k = KST(d);
	const struct wm_proto_conf *c = ctx->conf;

	proto_count(ctx, WM_CTR_KAFKA_BATCHES);
	if ((attr & 0x07) != 0) {
		proto_count(ctx, WM_CTR_KAFKA_COMPRESSED);
		if (c != NULL && c->compressed == WM_PROTO_COMP_DROP)
			return WM_PROTO_ACT_DROP;
	}
	if ((attr & 0x07) != 0 || (attr & 0x20) != 0) {
		k->fl &= (uint8_t)~KF_CRC;
		skip(d, k->batch_left, K_B_END);
		return WM_PROTO_ACT_NONE;
	}
	skip(d, KAFKA_BATCH_HDR - 23, K_REC); /* lastOffsetDelta .. count */
	return WM_PROTO_ACT_NONE;
}

/* Say @act after the first @i bytes. */
static void
act_at(struct wm_proto_out *out, uint32_t i, enum wm_proto_act act)
{
	out->n = i;
	out->act = (uint8_t)act;
}

/*
 * States that take no byte: where a structure ends or begins. Returns
 * the act to say now (NONE: go on), or -1 when this is no Kafka.
 */
static int
walk_z(struct wm_proto_flow *pf, struct wm_proto_dir *d,
       const struct wm_proto_ctx *ctx, struct wm_proto_out *out)
{
	typeof(d->u.kafka) *k = KST(d);
	bool ok = true;

	switch (d->state) {
	case K_HDR_DONE:
		hdr_done(pf, d, ctx);
		break;
	case K_FHEAD:
		/* throttle_time_ms; error_code and session_id from v7 */
		ok = skip(d, k->ver >= 7 ? 10 : 4, K_TOPICS);
		break;
	case K_TOPIC:
		if (k->topics == 0) {
			tags(d, K_BODY_END);
			break;
		}
		k->topics--;
		if (k->ver >= 13)       /* topic ids, not names */
			ok = skip(d, 16, K_PARTS);
		else
			d->state = K_TNAME;
		break;
	case K_PART:
		if (k->parts == 0) {
			tags(d, K_TOPIC);
			break;
		}
		k->parts--;
		if (k->kind == KIND_PRODUCE)
			ok = skip(d, 4, K_RECS_LEN);
		else    /* index, error, high watermark, last stable, start */
			ok = skip(d, k->ver >= 5 ? 30 : 22, K_ABORT_N);
		break;
	case K_PART_T:
		tags(d, K_PART);
		break;
	case K_ABORT:
		if (k->rec_left == 0) {
			if (k->ver >= 11) /* preferred_read_replica */
				ok = skip(d, 4, K_RECS_LEN);
			else
				d->state = K_RECS_LEN;
			break;
		}
		k->rec_left--;
		ok = skip(d, 16, K_ABORT_T);
		break;
	case K_ABORT_T:
		tags(d, K_ABORT);
		break;
	case K_SET:
		if (k->set_left == 0) {
			k->fl &= (uint8_t)~KF_SET;
			d->state = K_PART_T;
		} else if (k->set_left < KAFKA_BATCH_HDR) {
			/* A fetch's last batch may be cut: it is not read. */
			ok = skip(d, k->set_left, K_SET);
		} else {
			ok = skip(d, 8, K_B_LEN);
		}
		break;
	case K_REC:
		d->state = k->batch_left == 0 ? K_B_END : K_R_LEN;
		break;
	case K_HDR:
		if (k->items == 0) {
			d->state = K_REC_END;
			break;
		}
		k->items--;
		d->state = K_H_KLEN;
		break;
	case K_REC_END:
		if (k->rec_left != 0)
			return kerr(d, ctx) ? WM_PROTO_ACT_NONE : -1;
		k->fl &= (uint8_t)~KF_REC;
		d->state = K_REC;
		break;
	case K_B_END:
		/* Walked with its CRC checked as it came: fixed up if good. */
		out->fix_ok = (k->fl & KF_CRC) &&
			      crc_get(d, CRC_WANT) == crc_get(d, CRC_RUN);
		if ((k->fl & KF_CRC) && !out->fix_ok)
			proto_count(ctx, WM_CTR_KAFKA_CRC_BAD);
		k->fl &= (uint8_t)~(KF_BATCH | KF_REC | KF_CRC);
		d->state = K_SET;
		if (k->fl & KF_FIX) {
			k->fl &= (uint8_t)~KF_FIX;
			return WM_PROTO_ACT_FIXUP_END;
		}
		break;
	case K_BODY_END:
		ok = skip(d, k->msg_left, K_MSG_END); /* trailing bytes */
		break;
	case K_MSG_END:
		k->fl &= KF_PROT;
		d->state = K_SIZE;
		proto_count(ctx, WM_CTR_PROTO_MSG_END);
		break;
	case K_TAG:
		if (k->items == 0) {
			d->state = k->tret;
			break;
		}
		k->items--;
		d->state = K_TAG_ID;
		break;
	}
	if (!ok)
		return kerr(d, ctx) ? WM_PROTO_ACT_NONE : -1;
	return WM_PROTO_ACT_NONE;
}

static bool
state_z(uint8_t s)
{
	switch (s) {
	case K_HDR_DONE: case K_FHEAD: case K_TOPIC: case K_PART:
	case K_PART_T: case K_ABORT: case K_ABORT_T: case K_SET: case K_REC:
	case K_HDR: case K_REC_END: case K_B_END: case K_BODY_END:
	case K_MSG_END: case K_TAG:
		return true;
	default:
		return false;
	}
}

/* A message's size read: is it one? */
static bool
msg_begin(struct wm_proto_dir *d)
{
	typeof(d->u.kafka) *k = KST(d);
	bool client = d->flags & WM_PROTO_D_CLIENT;

	if (k->len < (client ? 10u : 4u) || k->len > KAFKA_MAX_MSG)
		return false;
	k->msg_left = k->len;
	/*
	 * KF_PROT says the first PROTECT was said: not by a size read in
	 * the stash's replay (bytes fed before the direction was known),
	 * which acts on nothing.
	 */
	k->fl = (uint8_t)((k->fl & KF_PROT) | KF_MSG);
	k->kind = KIND_OTHER;
	d->state = client ? K_KEY : K_RCORR;
	return true;
}

/*
 * One byte @b of a field: 0 go on, an act to say after it, -1 when it
 * does not parse.
 */
static int
walk_byte(struct wm_proto_flow *pf, struct wm_proto_dir *d,
	  const struct wm_proto_ctx *ctx, uint8_t b, uint32_t at,
	  struct wm_proto_out *out)
{
	typeof(d->u.kafka) *k = KST(d);
	int32_t v = 0;
	int r = 1;

	switch (d->state) {
	case K_SIZE:
		if (rd_be(d, b, 4) && !msg_begin(d))
			return -2; /* framing: no Kafka */
		return 0;
	case K_KEY:
		if (rd_be(d, b, 2))
			k->kind = k->len > 255 ? 255 : (uint8_t)k->len;
		d->state = k->nb == 0 ? K_VER : K_KEY;
		return 0;
	case K_VER:
		if (rd_be(d, b, 2)) {
			k->ver = k->len > 255 ? 255 : (uint8_t)k->len;
			d->state = K_CORR;
		}
		return 0;
	case K_CORR:
		if (rd_be(d, b, 4))
			d->state = K_CID_LEN;
		return 0;
	case K_CID_LEN:     /* never compact, even in flexible headers */
		if (!rd_be(d, b, 2))
			return 0;
		v = (int16_t)k->len;
		return v < -1 || !skip(d, v < 0 ? 0 : (uint32_t)v, K_HDR_DONE) ?
		       -1 : 0;
	case K_RCORR:
		if (!rd_be(d, b, 4))
			return 0;
		if ((pf->flags & WM_PROTO_F_KUNPAIRED) || !kafka_resp_is_fetch(pf))
			return skip(d, k->msg_left, K_MSG_END) ? 0 : -1;
		k->kind = KIND_FETCH;
		k->ver = pf->kafka_fver;
		if (k->ver >= 12)
			k->fl |= KF_FLEX;
		tags(d, K_FHEAD);
		return 0;
	case K_TXN_LEN:
	case K_TNAME:
		r = rd_len(d, b, 2);
		if (r == 1 && !skip(d, k->len,
				    d->state == K_TXN_LEN ? K_ACKS : K_PARTS))
			return -1;
		break;
	case K_ACKS:
		if (!rd_be(d, b, 2))
			return 0;
		if (k->len != 0) {     /* acks = 0: no response */
			uint8_t was = pf->flags;

			kafka_req_other(pf);
			if ((pf->flags & ~was) & WM_PROTO_F_KUNPAIRED)
				proto_count(ctx, WM_CTR_KAFKA_UNPAIRED);
		}
		return skip(d, 4, K_TOPICS) ? 0 : -1;
	case K_TOPICS:
	case K_PARTS:
	case K_ABORT_N:
		r = rd_len(d, b, 4);
		if (r != 1)
			break;
		if (k->len > UINT16_MAX)
			return -1;
		if (d->state == K_TOPICS)
			k->topics = (uint16_t)k->len;
		else if (d->state == K_PARTS)
			k->parts = (uint16_t)k->len;
		else
			k->rec_left = k->len;
		d->state = d->state == K_TOPICS ? K_TOPIC :
			   d->state == K_PARTS ? K_PART : K_ABORT;
		return 0;
	case K_RECS_LEN:
		r = rd_len(d, b, 4);
		if (r != 1)
			break;
		if (k->len > room(d))
			return -1;
		k->set_left = k->len;
		k->fl |= KF_SET;
		d->state = K_SET;
		return 0;
	case K_B_LEN:
		if (!rd_be(d, b, 4))
			return 0;
		if ((int32_t)k->len < KAFKA_BATCH_HDR - 12)
			return -1;
		if (k->len > k->set_left) /* cut short (a fetch's last) */
			return skip(d, k->set_left, K_SET) ? 0 : -1;
		k->batch_left = k->len;
		k->fl |= KF_BATCH;
		return batch_begin(d, ctx, at, out);
	case K_B_MAGIC:
		if (b == 2) {
			d->state = K_B_CRC;
			return 0;
		}
		proto_count(ctx, WM_CTR_KAFKA_UNSUPPORTED);
		return skip(d, k->batch_left, K_B_END) ? 0 : -1;
	case K_B_CRC:
		if (rd_be(d, b, 4)) {
			crc_set(d, CRC_WANT, k->len);
			crc_set(d, CRC_RUN, 0);
			k->fl |= KF_CRC; /* from the attributes on */
			d->state = K_B_ATTR;
		}
		return 0;
	case K_B_ATTR:
		if (!rd_be(d, b, 2))
			return 0;
		return batch_attr(d, ctx, (uint16_t)k->len);
	case K_R_LEN:
		r = rd_varint(d, b, &v);
		if (r != 1)
			break;
		if (v < 0 || (uint32_t)v > k->batch_left)
			return -1;
		k->rec_left = (uint32_t)v;
		k->fl |= KF_REC;
		return skip(d, 1, K_R_TS) ? 0 : -1; /* attributes */
	case K_R_TS:
		if (!(b & 0x80))
			d->state = K_R_OFF, k->nb = 0;
		else if (++k->nb == 10)
			return -1;
		return 0;
	case K_R_OFF:
		r = rd_varint(d, b, &v);
		if (r == 1)
			d->state = K_R_KLEN;
		break;
	case K_R_KLEN:
	case K_R_VLEN:
	case K_H_VLEN:
		r = rd_varint(d, b, &v);
		if (r != 1)
			break;
		r = value(d, v, d->state == K_R_KLEN ? K_R_VLEN :
			  d->state == K_R_VLEN ? K_R_HN : K_HDR);
		return r < 0 ? -1 : r > 0 ? WM_PROTO_ACT_UNPROTECT : 0;
	case K_R_HN:
		r = rd_varint(d, b, &v);
		if (r != 1)
			break;
		if (v < 0 || v > UINT16_MAX)
			return -1;
		k->items = (uint16_t)v;
		d->state = K_HDR;
		return 0;
	case K_H_KLEN:
		r = rd_varint(d, b, &v);
		if (r == 1 && (v < 0 || !skip(d, (uint32_t)v, K_H_VLEN)))
			return -1;
		break;
	case K_TAGS_N:
		r = rd_uvarint(d, b);
		if (r == 1) {
			if (k->len > UINT16_MAX)
				return -1;
			k->items = (uint16_t)k->len;
			d->state = K_TAG;
		}
		break;
	case K_TAG_ID:
		r = rd_uvarint(d, b);
		if (r == 1)
			d->state = K_TAG_LEN;
		break;
	case K_TAG_LEN:
		r = rd_uvarint(d, b);
		if (r == 1) {
			if (k->len > room(d))
				return -1;
			d->state = K_TAG_SKIP;
		}
		break;
	}
	return r < 0 ? -1 : 0;
}

void
kafka_walk(struct wm_proto_flow *pf, struct wm_proto_dir *d,
	   const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	   struct wm_proto_out *out)
{
	typeof(d->u.kafka) *k = KST(d);
	uint32_t i = 0;
	int r;

	for (;;) {
		if (d->state == K_LOST)
			return; /* all consumed, never modified */
		if (state_z(d->state)) {
			r = walk_z(pf, d, ctx, out);
			if (r < 0)
				goto no_kafka;
			if (r != WM_PROTO_ACT_NONE) {
				act_at(out, i, (enum wm_proto_act)r);
				return;
			}
			continue;
		}
		if (d->state == K_VALUE || d->state == K_SKIP ||
		    d->state == K_TAG_SKIP) {
			uint32_t c = n - i < k->len ? n - i : k->len;

			take(d, p + i, c);
			i += c;
			k->len -= c;
			if (k->len != 0)
				break;
			if (d->state == K_VALUE) {
				d->state = k->ret;
				/*
				 * The batch may end with the value: say both
				 * now (the sender may wait for an answer).
				 */
				r = WM_PROTO_ACT_NONE;
				while (r == WM_PROTO_ACT_NONE && state_z(d->state))
					r = walk_z(pf, d, ctx, out);
				if (r < 0)
					goto no_kafka;
				out->fix_value = r == WM_PROTO_ACT_FIXUP_END;
				act_at(out, i, out->fix_value ?
				       WM_PROTO_ACT_FIXUP_END :
				       WM_PROTO_ACT_END_PROTECT);
				return;
			}
			d->state = d->state == K_SKIP ? k->ret : K_TAG;
			continue;
		}
		if (i == n)
			break;
		if (room(d) == 0) {
			if (!kerr(d, ctx))
				goto no_kafka;
			continue;
		}
		take(d, p + i, 1);
		i++;
		r = walk_byte(pf, d, ctx, p[i - 1], i, out);
		if (r == -2)
			goto no_kafka;
		if (r < 0) {
			if (!kerr(d, ctx))
				goto no_kafka;
			continue;
		}
		if (r == WM_PROTO_ACT_DROP)
			d->flags |= WM_PROTO_D_DROP;
		if (r != WM_PROTO_ACT_NONE) {
			act_at(out, i, (enum wm_proto_act)r);
			return;
		}
	}
	return;
no_kafka:
	/* Not Kafka after all, or broken framing: the raw stream. */
	proto_count(ctx, WM_CTR_PROTO_ERROR);
	memset(d, 0, sizeof(*d));
	d->proto = WM_PROTO_RAW;
	act_at(out, i, WM_PROTO_ACT_UNPROTECT);
}

