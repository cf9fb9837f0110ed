/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redis RESP2 and RESP3, both directions:
 *
 *   *3\r\n$3\r\nSET\r\n$4\r\ncard\r\n$16\r\n4111111111111111\r\n
 *                          a command: an array of bulk strings
 *   PING\r\n               an inline command (a client's line that does
 *                          not start with '*')
 *   +OK\r\n -ERR x\r\n :1\r\n $5\r\nhello\r\n $-1\r\n *2\r\n...
 *                          replies (RESP2)
 *   _\r\n #t\r\n ,1.5\r\n (9\r\n !3\r\nerr\r\n =8\r\ntxt:abcd\r\n
 *   %1\r\n... ~2\r\n... >3\r\n... |1\r\n...
 *                          RESP3: null, boolean, double, big number,
 *                          bulk error, verbatim string; map, set, push
 *                          and attribute aggregates
 *
 * A top-level command or reply is a message: it ends where its last
 * element ends (MSG_END: a value there is decided at once, never glued
 * onto the next message, nothing held after it). Nesting needs no
 * stack: what a message still owes is one count of elements (an
 * aggregate of n stands for its n, a map for 2n, an attribute puts its
 * 2n before the element it describes).
 *
 * Every byte is scanned as the raw stream: values inside bulk strings
 * are found as they are. The framing (type bytes, lengths, CRLF) is
 * never rewritten: no built-in detector takes CR or LF into a value,
 * and none can run across a message end. Framing that breaks the rules
 * (a length that is no number, a bulk string not followed by CRLF, an
 * unknown type byte, RESP3's streamed strings and aggregates, which
 * Redis never sends) leaves the direction to the raw stream
 * (proto.error).
 */
#include <string.h>

#include "proto_priv.h"

/* struct wm_proto_dir.state */
enum {
	RESP_TYPE,      /* an element's type byte (or an inline command) */
	RESP_NUM,       /* the digits of a length or count */
	RESP_NUM_LF,    /* the '\n' after them */
	RESP_LINE,      /* a simple element, up to its '\n' */
	RESP_BULK,      /* a bulk string's bytes */
	RESP_BULK_CR,   /* the CRLF after them */
	RESP_BULK_LF,
	RESP_INLINE,    /* an inline command, up to its '\n' */
};

/* What a type byte begins. */
enum { K_NONE, K_LINE, K_BULK, K_AGG, K_MAP, K_ATTR };

static const uint8_t resp_kind[256] = {
	['+'] = K_LINE, ['-'] = K_LINE, [':'] = K_LINE, ['_'] = K_LINE,
	['#'] = K_LINE, [','] = K_LINE, ['('] = K_LINE,
	['$'] = K_BULK, ['!'] = K_BULK, ['='] = K_BULK,
	['*'] = K_AGG, ['~'] = K_AGG, ['>'] = K_AGG,
	['%'] = K_MAP, ['|'] = K_ATTR,
};

/* Longest length or count read (Redis caps bulk strings at 512 MB). */
#define RESP_MAX_DIGITS 15

_Static_assert(sizeof(((struct wm_proto_dir *)0)->u.resp) <=
		       sizeof(http_parser),
	       "the RESP state does not grow the direction");

/*
 * A client's first bytes: "*<count>\r\n$" (an array of bulk strings,
 * what every client library sends). Replies and inline commands say
 * too little: the server's side is paired, inline needs a port pin.
 */
static int
redis_ident(const uint8_t *p, uint32_t n)
{
	static const char tail[] = "\r\n$";
	uint32_t i = 1;

	if (n >= 1 && p[0] != '*')
		return 0;
	while (i < n && i < 5 && p[i] >= '0' && p[i] <= '9')
		i++;
	if (i < n && i == 1)
		return 0;
	for (uint32_t k = 0; k < 3; k++, i++) {
		if (i >= n)
			return -1;
		if (p[i] != (uint8_t)tail[k])
			return 0;
	}
	return 1;
}

static void
redis_start(struct wm_proto_flow *pf, unsigned int dir, bool client)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	(void)client;
	d->state = RESP_TYPE;
	memset(&d->u.resp, 0, sizeof(d->u.resp));
}

/* Bad framing: the raw stream from here. */
static void
resp_error(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx)
{
	proto_count(ctx, WM_CTR_PROTO_ERROR);
	memset(d, 0, sizeof(*d));
	d->proto = WM_PROTO_RAW;
}

/*
 * An element's header ended (its '\n'): what the message owes now.
 * False on bad framing.
 */
static bool
resp_header_end(struct wm_proto_dir *d)
{
	uint8_t kind = resp_kind[d->u.resp.type];
	uint64_t num = d->u.resp.num, owed = d->u.resp.pending;

	if (d->u.resp.ndig & 0x80) {            /* "-1": null */
		if (num != 1 || kind == K_MAP || kind == K_ATTR)
			return false;
		d->u.resp.pending--;
		d->state = RESP_TYPE;
		return true;
	}
	if (kind == K_BULK) {
		d->state = num == 0 ? RESP_BULK_CR : RESP_BULK;
		return true;
	}
	/* Aggregates: this element stands for its children. */
	owed = owed - 1 + (kind == K_AGG ? num : 2 * num) +
	       (kind == K_ATTR ? 1 : 0);
	if (owed > UINT32_MAX)
		return false;
	d->u.resp.pending = (uint32_t)owed;
	d->state = RESP_TYPE;
	return true;
}

/* A type byte @ch at a message's start or inside one. */
static bool
resp_type(struct wm_proto_dir *d, uint8_t ch)
{
	if (d->u.resp.pending == 0) {
		d->u.resp.pending = 1;
		if ((d->flags & WM_PROTO_D_CLIENT) && ch != '*') {
			d->state = RESP_INLINE;
			return true;
		}
	}
	if (resp_kind[ch] == K_NONE)
		return false;
	d->u.resp.type = ch;
	d->u.resp.num = 0;
	d->u.resp.ndig = 0;
	d->state = resp_kind[ch] == K_LINE ? RESP_LINE : RESP_NUM;
	return true;
}

/* A digit, '-' or '\r' of a length. */
static bool
resp_num(struct wm_proto_dir *d, uint8_t ch)
{
	uint8_t nd = d->u.resp.ndig & 0x7f;

	if (ch >= '0' && ch <= '9' && nd < RESP_MAX_DIGITS) {
		d->u.resp.num = d->u.resp.num * 10 + (ch - '0');
		d->u.resp.ndig++;
		return true;
	}
	if (ch == '-' && d->u.resp.ndig == 0) {
		d->u.resp.ndig = 0x80;
		return true;
	}
	if (ch == '\r' && nd > 0) {
		d->state = RESP_NUM_LF;
		return true;
	}
	return false;
}

static void
redis_feed(struct wm_proto_flow *pf, unsigned int dir,
	   const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	   struct wm_proto_out *out)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	for (uint32_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		bool ok = true, done = false;

		switch (d->state) {
		case RESP_TYPE:
			ok = resp_type(d, ch);
			break;
		case RESP_NUM:
			ok = resp_num(d, ch);
			break;
		case RESP_NUM_LF:
			ok = ch == '\n' && resp_header_end(d);
			done = ok && d->state == RESP_TYPE;
			break;
		case RESP_LINE:
		case RESP_INLINE:
			done = ch == '\n';
			if (done && d->state == RESP_LINE)
				d->u.resp.pending--;
			if (done && d->state == RESP_INLINE)
				d->u.resp.pending = 0;
			if (done)
				d->state = RESP_TYPE;
			break;
		case RESP_BULK: {
			uint64_t k = n - i;

			if (k > d->u.resp.num)
				k = d->u.resp.num;
			d->u.resp.num -= k;
			i += (uint32_t)k - 1;
			if (d->u.resp.num == 0)
				d->state = RESP_BULK_CR;
			break;
		}
		case RESP_BULK_CR:
			ok = ch == '\r';
			d->state = RESP_BULK_LF;
			break;
		case RESP_BULK_LF:
			ok = ch == '\n';
			d->u.resp.pending--;
			d->state = RESP_TYPE;
			done = true;
			break;
		default:
			ok = false;
			break;
		}
		if (!ok) {
			resp_error(d, ctx);
			return;
		}
		if (done && d->u.resp.pending == 0) {
			/* The message's last element ended. */
			out->n = i + 1;
			out->act = WM_PROTO_ACT_MSG_END;
			proto_count(ctx, WM_CTR_PROTO_MSG_END);
			return;
		}
	}
}

const struct proto_ops proto_redis_ops = {
	.name = "redis",
	.pair = true,
	.ident = redis_ident,
	.start = redis_start,
	.feed = redis_feed,
};
