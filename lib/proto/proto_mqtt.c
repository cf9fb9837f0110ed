/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MQTT 3.1, 3.1.1 and 5, both directions. Every packet:
 *
 *   +--------+----------------+-----------------------------------+
 *   | type,  | remaining      | the rest: variable header and     |
 *   | flags  | length (1-4 B) | payload, as many bytes as it says |
 *   +--------+----------------+-----------------------------------+
 *
 * PUBLISH (either way: a client publishes, the broker delivers):
 *
 *   3x LEN | topic length, topic | packet id (QoS 1, 2) | v5: properties | payload
 *   |<-------------- never modified: the topic routes --------------->|<-scanned->|
 *
 * The payload is the application's message: scanned, masked. The topic,
 * the packet id and the properties (v5: content type, response topic,
 * user properties) are never modified (a hit there counts as
 * mask.protected); a value break separates them from the payload, so
 * no value runs from the topic into it. Every other packet (CONNECT with
 * its client id, user name, password and will, SUBSCRIBE's topic
 * filters, acknowledgements) passes never modified. Each packet's end
 * is a message end: a payload that ends with a value is decided at
 * once. The version comes from CONNECT's protocol level (5: properties
 * in PUBLISH), for both directions of the flow.
 *
 * Bad framing (a reserved packet type or flags, a length over four
 * bytes, a PUBLISH whose header overruns its length, a protocol level
 * it does not know) leaves the direction to the raw stream
 * (proto.error), the protection closed first.
 */
#include <string.h>

#include "proto_priv.h"

/* struct wm_proto_dir.state */
enum {
	MQ_FIRST,       /* a packet's first byte */
	MQ_LEN,         /* its remaining length */
	MQ_CNAME_LEN,   /* CONNECT: protocol name length */
	MQ_CNAME,       /* and name */
	MQ_CLEVEL,      /* and level (4: 3.1.1, 5) */
	MQ_TOPIC_LEN,   /* PUBLISH: topic length */
	MQ_TOPIC,
	MQ_PID,         /* packet id (QoS 1, 2) */
	MQ_PROPS_LEN,   /* v5: property length */
	MQ_PROPS,
	MQ_PAYLOAD,     /* scanned, the one region modified */
	MQ_REST,        /* the rest of a packet never modified */
};

#define MQ_PUBLISH 3
#define MQ_CONNECT 1

_Static_assert(sizeof(((struct wm_proto_dir *)0)->u.mqtt) <=
		       sizeof(http_parser),
	       "the MQTT state does not grow the direction");

/* Is @b a packet's first byte (type and the flags it allows)? */
static bool
mqtt_first_ok(uint8_t b)
{
	unsigned int type = b >> 4, flags = b & 0x0f;

	if (type == 0)
		return false;
	if (type == MQ_PUBLISH)
		return (flags & 0x06) != 0x06; /* QoS 3 */
	if (type == 6 || type == 8 || type == 10) /* PUBREL, (UN)SUBSCRIBE */
		return flags == 0x02;
	return flags == 0;
}

/*
 * A client's first bytes: CONNECT (0x10), its remaining length, then
 * the protocol name "MQTT" (or 3.1's "MQIsdp") with its length. The
 * broker's side is paired.
 */
static int
mqtt_ident(const uint8_t *p, uint32_t n)
{
	static const uint8_t v4[] = { 0, 4, 'M', 'Q', 'T', 'T' };
	static const uint8_t v3[] = { 0, 6, 'M', 'Q', 'I', 's', 'd', 'p' };
	bool m4 = true, m3 = true;
	uint32_t i = 1, k;

	if (n >= 1 && p[0] != 0x10)
		return 0;
	while (i < n && i < 5 && (p[i] & 0x80))
		i++;
	if (i == 5)
		return 0;
	if (i >= n)
		return -1;
	i++; /* the length's last byte */
	for (k = 0; i + k < n && k < sizeof(v3); k++) {
		if (k < sizeof(v4))
			m4 = m4 && p[i + k] == v4[k];
		m3 = m3 && p[i + k] == v3[k];
	}
	if (!m4 && !m3)
		return 0;
	/* "\0\4MQ" at least, or as much as the first bytes hold. */
	return k >= 4 || n >= 8 ? 1 : -1;
}

static void
mqtt_start(struct wm_proto_flow *pf, unsigned int dir, bool client)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	(void)client;
	d->state = MQ_FIRST;
	d->flags &= (uint8_t)~WM_PROTO_D_PROT;
	memset(&d->u.mqtt, 0, sizeof(d->u.mqtt));
}

/* Start reading a length (2 bytes, or a varint) in state @st. */
static void
mqtt_len_start(struct wm_proto_dir *d, uint8_t st)
{
	d->state = st;
	d->u.mqtt.acc = 0;
	d->u.mqtt.cnt = 0;
}

/*
 * One more byte of a 2-byte big-endian length (@var false) or of a
 * variable byte integer (true). 1 complete (in acc), 0 more to come,
 * -1 bad.
 */
static int
mqtt_len_byte(struct wm_proto_dir *d, uint8_t ch, bool var)
{
	if (!var) {
		d->u.mqtt.acc = (d->u.mqtt.acc << 8) | ch;
		return ++d->u.mqtt.cnt == 2;
	}
	d->u.mqtt.acc |= (uint32_t)(ch & 0x7f) << (7 * d->u.mqtt.cnt);
	d->u.mqtt.cnt++;
	if (!(ch & 0x80))
		return 1;
	return d->u.mqtt.cnt == 4 ? -1 : 0;
}

/* The fields of a PUBLISH after the topic, from @st on. */
static void
mqtt_publish_next(struct wm_proto_flow *pf, struct wm_proto_dir *d,
		  uint8_t st)
{
	unsigned int qos = (d->u.mqtt.type >> 1) & 3;

	if (st <= MQ_PID && qos > 0) {
		mqtt_len_start(d, MQ_PID);
		return;
	}
	if (st <= MQ_PROPS_LEN && (pf->flags & WM_PROTO_F_MQTT5)) {
		mqtt_len_start(d, MQ_PROPS_LEN);
		return;
	}
	d->state = MQ_PAYLOAD;
}

/* The remaining length is read: where the packet's body begins. */
static void
mqtt_body(struct wm_proto_dir *d)
{
	switch (d->u.mqtt.type >> 4) {
	case MQ_PUBLISH:
		mqtt_len_start(d, MQ_TOPIC_LEN);
		break;
	case MQ_CONNECT:
		mqtt_len_start(d, MQ_CNAME_LEN);
		break;
	default:
		d->state = MQ_REST;
		break;
	}
}

/*
 * Byte @ch of a packet's header fields (a length, a skipped field).
 * False on bad framing.
 */
static bool
mqtt_header_byte(struct wm_proto_flow *pf, struct wm_proto_dir *d,
		 uint8_t ch)
{
	int r;

	switch (d->state) {
	case MQ_FIRST:
		if (!mqtt_first_ok(ch))
			return false;
		d->u.mqtt.type = ch;
		mqtt_len_start(d, MQ_LEN);
		return true;
	case MQ_LEN:
		r = mqtt_len_byte(d, ch, true);
		if (r > 0) {
			d->u.mqtt.left = d->u.mqtt.acc;
			mqtt_body(d);
		}
		return r >= 0;
	case MQ_CNAME_LEN:
		r = mqtt_len_byte(d, ch, false);
		if (r > 0) {
			if (d->u.mqtt.acc != 4 && d->u.mqtt.acc != 6)
				return false;
			d->u.mqtt.skip = d->u.mqtt.acc;
			d->state = MQ_CNAME;
		}
		return true;
	case MQ_CLEVEL:
		if (ch < 3 || ch > 5)
			return false;
		if (ch == 5)
			pf->flags |= WM_PROTO_F_MQTT5;
		else
			pf->flags &= (uint8_t)~WM_PROTO_F_MQTT5;
		d->state = MQ_REST;
		return true;
	case MQ_TOPIC_LEN:
		r = mqtt_len_byte(d, ch, false);
		if (r > 0) {
			d->u.mqtt.skip = d->u.mqtt.acc;
			d->state = MQ_TOPIC;
			if (d->u.mqtt.skip == 0) /* v5: a topic alias */
				mqtt_publish_next(pf, d, MQ_PID);
		}
		return true;
	case MQ_PID:
		if (mqtt_len_byte(d, ch, false) > 0)
			mqtt_publish_next(pf, d, MQ_PROPS_LEN);
		return true;
	case MQ_PROPS_LEN:
		r = mqtt_len_byte(d, ch, true);
		if (r > 0) {
			d->u.mqtt.skip = d->u.mqtt.acc;
			d->state = MQ_PROPS;
			if (d->u.mqtt.skip == 0)
				d->state = MQ_PAYLOAD;
		}
		return r >= 0;
	default:
		return false;
	}
}

/* Bytes of a field skipped whole (topic, name, properties): how many. */
static uint32_t
mqtt_skip(struct wm_proto_flow *pf, struct wm_proto_dir *d, uint32_t avail)
{
	uint32_t k = avail < d->u.mqtt.skip ? avail : d->u.mqtt.skip;

	d->u.mqtt.skip -= k;
	if (d->u.mqtt.skip == 0) {
		if (d->state == MQ_CNAME)
			d->state = MQ_CLEVEL;
		else if (d->state == MQ_TOPIC)
			mqtt_publish_next(pf, d, MQ_PID);
		else if (d->state == MQ_PROPS)
			d->state = MQ_PAYLOAD;
	}
	return k;
}

/* Bad framing: protection closed, the raw stream from here. */
static void
mqtt_error(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
	   uint32_t i, struct wm_proto_out *out)
{
	bool prot = (d->flags & WM_PROTO_D_PROT) != 0;

	proto_count(ctx, WM_CTR_PROTO_ERROR);
	memset(d, 0, sizeof(*d));
	d->proto = WM_PROTO_RAW;
	if (prot) {
		out->n = i;
		out->act = WM_PROTO_ACT_UNPROTECT;
	}
}

/* Stop after @n bytes with @act. */
static void
mqtt_act(struct wm_proto_out *out, uint32_t n, enum wm_proto_act act)
{
	out->n = n;
	out->act = (uint8_t)act;
}

static void
mqtt_feed(struct wm_proto_flow *pf, unsigned int dir,
	  const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	  struct wm_proto_out *out)
{
	struct wm_proto_dir *d = &pf->dir[dir];
	uint32_t i = 0;

	while (i < n) {
		bool prot = d->state != MQ_PAYLOAD;
		uint8_t st = d->state;
		uint32_t k = 1;

		/* Never modified but for a payload: say so where it changes. */
		if (prot != ((d->flags & WM_PROTO_D_PROT) != 0)) {
			d->flags ^= WM_PROTO_D_PROT;
			mqtt_act(out, i, prot ? WM_PROTO_ACT_PROTECT :
						WM_PROTO_ACT_UNPROTECT);
			return;
		}
		if (st == MQ_FIRST || st == MQ_LEN) {
			if (!mqtt_header_byte(pf, d, p[i])) {
				mqtt_error(d, ctx, i, out);
				return;
			}
		} else {
			if (d->u.mqtt.left == 0) {
				/* The header runs past the packet's end. */
				mqtt_error(d, ctx, i, out);
				return;
			}
			if (st == MQ_PAYLOAD || st == MQ_REST)
				k = n - i < d->u.mqtt.left ? n - i :
							     d->u.mqtt.left;
			else if (st == MQ_CNAME || st == MQ_TOPIC ||
				 st == MQ_PROPS)
				k = mqtt_skip(pf, d, n - i < d->u.mqtt.left ?
							     n - i :
							     d->u.mqtt.left);
			else if (!mqtt_header_byte(pf, d, p[i])) {
				mqtt_error(d, ctx, i, out);
				return;
			}
			d->u.mqtt.left -= k;
		}
		i += k;
		if (d->state == MQ_FIRST || d->state == MQ_LEN)
			continue;
		if (d->u.mqtt.left == 0 &&
		    (d->state == MQ_PAYLOAD || d->state == MQ_REST)) {
			/* The packet ends: so do its values. */
			d->state = MQ_FIRST;
			proto_count(ctx, WM_CTR_PROTO_MSG_END);
			mqtt_act(out, i, WM_PROTO_ACT_MSG_END);
			return;
		}
		if (d->state == MQ_PAYLOAD && st != MQ_PAYLOAD) {
			/* The payload begins: nothing runs on from the topic. */
			mqtt_act(out, i, WM_PROTO_ACT_MSG_END);
			return;
		}
	}
}

const struct proto_ops proto_mqtt_ops = {
	.name = "mqtt",
	.pair = true,
	.ident = mqtt_ident,
	.start = mqtt_start,
	.feed = mqtt_feed,
};
