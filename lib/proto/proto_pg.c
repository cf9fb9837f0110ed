/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PostgreSQL, the frontend/backend protocol v3, both directions.
 *
 * The client opens with one untyped message, then both sides send typed
 * ones:
 *
 *   untyped  [int32 len][int32 code][...]      StartupMessage (3.x),
 *                                              SSLRequest, GSSENCRequest,
 *                                              CancelRequest
 *   typed    [type][int32 len][body: len - 4]
 *
 * Each byte is framing or value. Values (what detectors see, masked in
 * place, same length) are
 *
 *   client  Query 'Q' text, Parse 'P' query text, Bind 'B' parameter
 *           values, FunctionCall 'F' arguments, CopyData 'd', CopyFail
 *   server  DataRow 'D' column values, CopyData 'd', ErrorResponse and
 *           NoticeResponse field texts (a DETAIL quotes the row), the
 *           payload of NotificationResponse, FunctionCallResponse
 *
 * and everything else is framing, never modified: type bytes, lengths,
 * counts, the per-parameter and per-column lengths, NUL terminators,
 * statement and portal names, format codes, type OIDs, and whole
 * messages of metadata: the startup message (user, database),
 * authentication (PasswordMessage, SASL: changed, the login fails),
 * ParameterStatus, BackendKeyData, RowDescription, CommandComplete,
 * ReadyForQuery. Framing runs go to the engine as WM_PROTO_ACT_FRAME:
 * protected, with a value boundary on both sides, so a length byte that
 * happens to be printable ("\0\0\0A" for 65) never glues onto the value
 * after it, and the ReadyForQuery status letter ('I', 'T') is never held
 * as the start of an e-mail address.
 *
 * SSLRequest or GSSENCRequest answered 'S' or 'G': TLS (or GSSAPI)
 * from then on, the flow is protected. A TLS record where a startup
 * message should be (PostgreSQL 17's direct TLS) likewise. Bytes that
 * break the framing (an unknown type, a length out of bounds, a field
 * longer than its message) send the direction to the raw stream
 * (proto.error).
 */
#include <string.h>

#include "proto_priv.h"

/* struct wm_proto_dir.state */
enum {
	PG_C_START,     /* client: an untyped message comes next */
	PG_C_ANSWER,    /* client: waits for the answer to SSL/GSSENC */
	PG_TYPED,       /* typed messages */
	PG_S_START,     /* server: a one-byte answer may come first */
	PG_OFF,         /* client after a CancelRequest: nothing more */
};

#define PG_HDR 0xff             /* pc: reading the message header */
#define PG_MAX_LEN 0x40000000u  /* 1 GB: the server's own limit */
#define PG_MAX_STARTUP 10000u   /* MAX_STARTUP_PACKET_LENGTH */
#define PG_CODE_CANCEL 80877102u
#define PG_CODE_SSL 80877103u
#define PG_CODE_GSSENC 80877104u

/* The steps of a message's layout. */
enum {
	OP_END,     /* the message ends here */
	OP_REST_F,  /* the rest: framing */
	OP_REST_V,  /* the rest: a value */
	OP_CSTR_F,  /* a name and its NUL: framing */
	OP_CSTR_V,  /* a string (value) and its NUL (framing) */
	OP_FIX2,    /* an int16: framing */
	OP_FIX4,    /* an int32: framing */
	OP_ARR2,    /* int16 n, then n int16: framing */
	OP_ARR4,    /* int16 n, then n int32: framing */
	OP_VALS,    /* int16 n, then n (int32 len, len bytes of value) */
	OP_LENVAL,  /* int32 len, len bytes of value (-1: NULL) */
	OP_FIELDS,  /* (code byte, string, NUL) until a 0 code */
	OP_CODE,    /* the untyped message's int32 code */
};

enum {
	P_NONE,     /* unknown type: bad framing */
	P_FRAMED, P_QUERY, P_COPY, P_PARSE, P_BIND, P_FCALL, P_ROW,
	P_FRESULT, P_FIELDS, P_NOTIFY, P_STARTUP, P_MAX
};

static const uint8_t layouts[P_MAX][6] = {
	[P_FRAMED] = { OP_REST_F },
	[P_QUERY] = { OP_CSTR_V, OP_END },
	[P_COPY] = { OP_REST_V },
	[P_PARSE] = { OP_CSTR_F, OP_CSTR_V, OP_ARR4, OP_END },
	[P_BIND] = { OP_CSTR_F, OP_CSTR_F, OP_ARR2, OP_VALS, OP_ARR2, OP_END },
	[P_FCALL] = { OP_FIX4, OP_ARR2, OP_VALS, OP_FIX2, OP_END },
	[P_ROW] = { OP_VALS, OP_END },
	[P_FRESULT] = { OP_LENVAL, OP_END },
	[P_FIELDS] = { OP_FIELDS, OP_END },
	[P_NOTIFY] = { OP_FIX4, OP_CSTR_F, OP_CSTR_V, OP_END },
	[P_STARTUP] = { OP_CODE, OP_REST_F },
};

/* The layout of each message type the client sends. */
static const uint8_t client_layout[128] = {
	['B'] = P_BIND, ['C'] = P_FRAMED, ['c'] = P_FRAMED, ['D'] = P_FRAMED,
	['d'] = P_COPY, ['E'] = P_FRAMED, ['F'] = P_FCALL, ['f'] = P_QUERY,
	['H'] = P_FRAMED, ['P'] = P_PARSE, ['p'] = P_FRAMED, ['Q'] = P_QUERY,
	['S'] = P_FRAMED, ['X'] = P_FRAMED,
};

/* And the server. */
static const uint8_t server_layout[128] = {
	['1'] = P_FRAMED, ['2'] = P_FRAMED, ['3'] = P_FRAMED, ['A'] = P_NOTIFY,
	['C'] = P_FRAMED, ['c'] = P_FRAMED, ['D'] = P_ROW, ['d'] = P_COPY,
	['E'] = P_FIELDS, ['G'] = P_FRAMED, ['H'] = P_FRAMED, ['I'] = P_FRAMED,
	['K'] = P_FRAMED, ['N'] = P_FIELDS, ['n'] = P_FRAMED, ['R'] = P_FRAMED,
	['S'] = P_FRAMED, ['s'] = P_FRAMED, ['T'] = P_FRAMED, ['t'] = P_FRAMED,
	['V'] = P_FRESULT, ['v'] = P_FRAMED, ['W'] = P_FRAMED, ['Z'] = P_FRAMED,
};

/*
 * The lengths a message of framing alone may have (its int32, so 4 is
 * empty): exact for the fixed ones, bounded for the rest. Framing is
 * never modified, so garbage read as a long one would pass unmasked:
 * a length out of bounds is bad framing (the raw stream from there).
 * Unlisted types: 4 .. PG_MAX_META.
 */
#define PG_MAX_META (1u << 20)
struct pg_len {
	uint32_t min, max;
};

static const struct pg_len client_len[128] = {
	['c'] = { 4, 4 }, ['H'] = { 4, 4 }, ['S'] = { 4, 4 },
	['X'] = { 4, 4 }, ['C'] = { 6, 4 + 1 + 64 }, ['D'] = { 6, 4 + 1 + 64 },
	['E'] = { 9, 4 + 64 + 4 },
};

static const struct pg_len server_len[128] = {
	['1'] = { 4, 4 }, ['2'] = { 4, 4 }, ['3'] = { 4, 4 },
	['c'] = { 4, 4 }, ['I'] = { 4, 4 }, ['n'] = { 4, 4 },
	['s'] = { 4, 4 }, ['Z'] = { 5, 5 }, ['K'] = { 12, 12 },
	['C'] = { 5, 4 + 64 }, ['R'] = { 8, 4 + 4 + 16384 },
	['S'] = { 6, 4 + 8192 },
};

/* Is @len (with its own 4 bytes) possible for a framing type @t? */
static bool
pg_len_ok(const struct wm_proto_dir *d, uint8_t t, uint32_t len)
{
	const struct pg_len *l = d->flags & WM_PROTO_D_CLIENT ?
				 &client_len[t] : &server_len[t];

	if (l->max == 0)
		return len <= PG_MAX_META;
	return len >= l->min && len <= l->max;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* An untyped opening: 1 yes, 0 no, -1 too few bytes. */
static int
pg_ident(const uint8_t *p, uint32_t n)
{
	uint32_t len, code;

	/* The length is at most 10000: its first bytes are 0, 0..0x27. */
	if ((n >= 1 && p[0] != 0) || (n >= 2 && p[1] > 0x27))
		return 0;
	if (n < 8)
		return -1;
	len = be32(p);
	code = be32(p + 4);
	if (code >> 16 == 3)
		return len >= 8 && len <= PG_MAX_STARTUP;
	if (code == PG_CODE_SSL || code == PG_CODE_GSSENC)
		return len == 8;
	return code == PG_CODE_CANCEL && len == 16;
}

static void
pg_start(struct wm_proto_flow *pf, unsigned int dir, bool client)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	memset(&d->u.pg, 0, sizeof(d->u.pg));
	d->u.pg.pc = PG_HDR;
	d->state = client ? PG_C_START : PG_S_START;
}

/* The step of its message's layout @d is in (not in the header). */
static uint8_t
pg_op(const struct wm_proto_dir *d)
{
	const struct wm_proto_pg *s = &d->u.pg;
	const uint8_t *tab = d->flags & WM_PROTO_D_CLIENT ? client_layout :
							    server_layout;

	return layouts[s->type == 0 ? P_STARTUP : tab[s->type]][s->pc];
}

/* Is the next byte @b of @d a value's? */
static bool
pg_value_next(const struct wm_proto_dir *d, uint8_t b)
{
	const struct wm_proto_pg *s = &d->u.pg;

	if (s->pc == PG_HDR)
		return false;
	switch (pg_op(d)) {
	case OP_REST_V:
		return true;
	case OP_CSTR_V:
		return b != 0;
	case OP_VALS:
	case OP_LENVAL:
		return s->sub == 2;
	case OP_FIELDS:
		return s->sub == 2 && b != 0;
	default:
		return false;
	}
}

/* Read byte @b of an integer of @size bytes; true when it is whole. */
static bool
int_byte(struct wm_proto_pg *s, uint8_t b, uint8_t size)
{
	s->acc = (s->nacc == 0 ? 0 : s->acc << 8) | b;
	if (++s->nacc < size)
		return false;
	s->nacc = 0;
	return true;
}

/* The layout of message type @t in direction @d. */
static uint8_t
layout_of(const struct wm_proto_dir *d, uint8_t t)
{
	return (d->flags & WM_PROTO_D_CLIENT ? client_layout : server_layout)[t];
}

/* The header of a message: 1 byte, or -1 for bad framing. */
static int
pg_header(struct wm_proto_dir *d, uint8_t b)
{
	struct wm_proto_pg *s = &d->u.pg;
	bool untyped = d->state == PG_C_START || d->state == PG_C_ANSWER;
	const uint8_t *tab = d->flags & WM_PROTO_D_CLIENT ? client_layout :
							    server_layout;

	if (!untyped && s->nacc == 0 && s->type == 0) {
		if (b >= 128 || tab[b] == P_NONE)
			return -1;
		s->type = b;
		s->acc = 0;
		s->nacc = 0;
		s->count = 1; /* the type byte is read */
		return 1;
	}
	if (!int_byte(s, b, 4))
		return 1;
	if (untyped) {
		if (s->acc < 8 || s->acc > PG_MAX_STARTUP)
			return -1;
		s->type = 0;
		s->fleft = s->acc;
	} else if (s->acc < 4 || s->acc > PG_MAX_LEN) {
		return -1;
	} else if (layout_of(d, s->type) == P_FRAMED &&
		   !pg_len_ok(d, s->type, s->acc)) {
		return -1;
	}
	s->left = s->acc - 4;
	s->pc = 0;
	s->sub = 0;
	s->count = 0;
	return 1;
}

/* A field of @len bytes begins: -1 if it overruns its message. */
static int
field_len(struct wm_proto_pg *s, uint32_t len)
{
	if (len > s->left)
		return -1;
	s->fleft = len;
	return 0;
}

/* The next item of an array of values: its length next, or the step ends. */
static void
vals_next(struct wm_proto_pg *s)
{
	s->sub = 1;
	if (--s->count == 0) {
		s->pc++;
		s->sub = 0;
	}
}

/*
 * Walk the message body of @d from @p (@m > 0 bytes of it here): at
 * least one byte, all of one class (framing or value). Returns how
 * many, or -1 for bad framing.
 */
static int
pg_body(struct wm_proto_dir *d, const uint8_t *p, uint32_t m)
{
	struct wm_proto_pg *s = &d->u.pg;
	uint8_t op = pg_op(d);
	const uint8_t *z;
	uint32_t k = 1;

	switch (op) {
	case OP_REST_F:
		if (s->type == 0 && s->count == 3) {
			/*
			 * The startup's parameters: "name\0value\0...\0", names
			 * in lower case ("user", "_pq_.x"). Kafka's Metadata
			 * request has the same first 8 bytes; not this.
			 */
			if (s->sub == 0 && !((p[0] >= 'a' && p[0] <= 'z') ||
					     p[0] == '_'))
				return -1;
			/*
			 * The empty name ends the list, and the message: bytes
			 * after it would pass as framing, never masked.
			 */
			for (uint32_t i = 0; i < m; i++) {
				if (p[i] != 0 ||
				    (i > 0 ? p[i - 1] : s->sub ? s->acc : 1) != 0 ||
				    (i + 1 == m && m == s->left))
					continue;
				if (i == 0)
					return -1;
				/* Up to it first: the same at any cut. */
				s->sub = 1;
				s->acc = p[i - 1];
				return (int)i;
			}
			s->sub = 1;
			s->acc = p[m - 1]; /* the last byte so far */
		}
		return (int)m;
	case OP_REST_V:
		return (int)m;
	case OP_CSTR_F:
		z = memchr(p, 0, m);
		if (z == NULL)
			return (int)m;
		s->pc++;
		return (int)(z - p + 1);
	case OP_CSTR_V:
		if (p[0] == 0) {
			s->pc++;
			return 1;
		}
		z = memchr(p, 0, m);
		return (int)(z == NULL ? m : (uint32_t)(z - p));
	case OP_FIX2:
	case OP_FIX4:
	case OP_CODE:
		if (int_byte(s, p[0], op == OP_FIX2 ? 2 : 4)) {
			if (op == OP_CODE)
				s->count = (uint16_t)(s->acc >> 16 == 3 ? 3 :
					    s->acc == PG_CODE_CANCEL ? 1 :
					    s->acc == PG_CODE_SSL ||
					    s->acc == PG_CODE_GSSENC ? 2 : 0);
			s->pc++;
		}
		return 1;
	case OP_ARR2:
	case OP_ARR4:
	case OP_VALS:
		if (s->sub == 0) {
			if (!int_byte(s, p[0], 2))
				return 1;
			if (s->acc & 0x8000)
				return -1;
			s->count = (uint16_t)s->acc;
			s->sub = 1;
			if (op != OP_VALS && field_len(s, s->count *
					   (op == OP_ARR2 ? 2u : 4u)) < 0)
				return -1;
			if (s->count == 0 || (op != OP_VALS && s->fleft == 0)) {
				s->pc++;
				s->sub = 0;
			}
			return 1;
		}
		if (op != OP_VALS) {
			k = m < s->fleft ? m : s->fleft;
			s->fleft -= k;
			if (s->fleft == 0) {
				s->pc++;
				s->sub = 0;
			}
			return (int)k;
		}
		/* fall through */
	case OP_LENVAL:
		if (s->sub != 2) {
			if (!int_byte(s, p[0], 4))
				return 1;
			if (s->acc == UINT32_MAX || s->acc == 0) {
				/* NULL, or empty: no value bytes */
				if (op == OP_VALS) {
					vals_next(s);
				} else {
					s->pc++;
					s->sub = 0;
				}
				return 1;
			}
			if (s->acc & 0x80000000u || field_len(s, s->acc) < 0)
				return -1;
			s->sub = 2;
			return 1;
		}
		k = m < s->fleft ? m : s->fleft;
		s->fleft -= k;
		if (s->fleft == 0) {
			if (op == OP_VALS) {
				vals_next(s);
			} else {
				s->pc++;
				s->sub = 0;
			}
		}
		return (int)k;
	case OP_FIELDS:
		if (s->sub == 0) {
			if (p[0] == 0)
				s->pc++;
			else
				s->sub = 2;
			return 1;
		}
		if (p[0] == 0) {
			s->sub = 0;
			return 1;
		}
		z = memchr(p, 0, m);
		return (int)(z == NULL ? m : (uint32_t)(z - p));
	default:
		return -1; /* OP_END with bytes left */
	}
}

/* The message of @d ended: 0, or -1 if its layout wanted more. */
static int
pg_msg_done(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx)
{
	struct wm_proto_pg *s = &d->u.pg;
	uint8_t op = pg_op(d);

	if (op != OP_END && op != OP_REST_F && op != OP_REST_V)
		return -1;
	if (s->type == 0) {
		/* The untyped opening: what it asked for (count: its kind). */
		uint32_t len = s->fleft;

		if (s->count == 3 && s->sub == 1 && s->acc == 0) {
			d->state = PG_TYPED;
		} else if (s->count == 2 && len == 8) {
			d->state = PG_C_ANSWER;
		} else if (s->count == 1 && len == 16) {
			d->state = PG_OFF;
		} else {
			return -1;
		}
	}
	proto_count(ctx, WM_CTR_PROTO_MSG_END);
	memset(s, 0, sizeof(*s));
	s->pc = PG_HDR;
	return 0;
}

/*
 * The server's one-byte answer to SSLRequest or GSSENCRequest: 'S' or
 * 'G', encrypted from here; 'N', the client goes on in clear. True if
 * @b was that answer.
 */
static bool
pg_answer(struct wm_proto_flow *pf, unsigned int dir, uint8_t b)
{
	struct wm_proto_dir *c = &pf->dir[dir ^ 1];

	if (pf->dir[dir].state != PG_S_START || c->proto != WM_PROTO_PG ||
	    c->state != PG_C_ANSWER)
		return false;
	if (b == 'S' || b == 'G')
		pf->flags |= WM_PROTO_F_PROTECT;
	else if (b == 'N')
		c->state = PG_C_START;
	else
		return false;
	return true;
}

/*
 * One step of @d at @p: a header byte or a run of body bytes, all of
 * one class. Returns how many bytes; *bad when they broke the framing
 * (the raw stream after them), *ended when a message ended.
 */
static uint32_t
pg_step(struct wm_proto_flow *pf, unsigned int dir,
	const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	bool *bad, bool *ended)
{
	struct wm_proto_dir *d = &pf->dir[dir];
	struct wm_proto_pg *s = &d->u.pg;
	int k;

	*ended = false;
	*bad = d->state == PG_OFF;
	if (*bad)
		return 1;
	if (s->pc == PG_HDR && s->nacc == 0 && s->count == 0) {
		if ((d->state == PG_C_START || d->state == PG_C_ANSWER) &&
		    p[0] == 0x16) {
			/* A TLS record: direct TLS, or the answer was 'S'. */
			pf->flags |= WM_PROTO_F_PROTECT;
			return n;
		}
		if (pg_answer(pf, dir, p[0]))
			return 1;
		if (d->state == PG_S_START)
			d->state = PG_TYPED;
	}
	if (s->pc == PG_HDR) {
		k = pg_header(d, p[0]);
		*bad = k < 0;
		if (*bad || s->pc == PG_HDR || s->left > 0)
			return 1;
		k = 1;
	} else {
		k = pg_body(d, p, n < s->left ? n : s->left);
		*bad = k < 0;
		if (*bad)
			return 1;
		s->left -= (uint32_t)k;
		if (s->left > 0)
			return (uint32_t)k;
	}
	*ended = true;
	*bad = pg_msg_done(d, ctx) < 0;
	return (uint32_t)k;
}

/* Answer: @n bytes consumed, the last @frame of them framing. */
static void
pg_frame(struct wm_proto_out *out, uint32_t n, uint32_t frame)
{
	out->n = n;
	out->act = WM_PROTO_ACT_FRAME;
	out->frame = frame;
}

static void
pg_feed(struct wm_proto_flow *pf, unsigned int dir,
	const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	struct wm_proto_out *out)
{
	struct wm_proto_dir *d = &pf->dir[dir];
	uint32_t i = 0, fr = UINT32_MAX; /* where the framing run began */
	bool ended = false;

	while (i < n && !(pf->flags & WM_PROTO_F_PROTECT)) {
		bool val = pg_value_next(d, p[i]), bad;

		if (val && fr != UINT32_MAX) {
			pg_frame(out, i, i - fr);
			return;
		}
		if (!val && fr == UINT32_MAX)
			fr = i;
		i += pg_step(pf, dir, ctx, p + i, n - i, &bad, &ended);
		if (bad) {
			/* Not PostgreSQL after all, or broken: raw after it. */
			proto_count(ctx, WM_CTR_PROTO_ERROR);
			memset(d, 0, sizeof(*d));
			d->proto = WM_PROTO_RAW;
			if (fr != UINT32_MAX)
				pg_frame(out, i, i - fr);
			return;
		}
		ended = ended && val; /* a message ended in a value */
	}
	if (pf->flags & WM_PROTO_F_PROTECT)
		return; /* encrypted from here: the whole flow is protected */
	if (fr != UINT32_MAX) {
		pg_frame(out, n, n - fr);
	} else if (ended) {
		out->n = n;
		out->act = WM_PROTO_ACT_MSG_END;
	}
}

const struct proto_ops proto_pg_ops = {
	.name = "pg",
	.ident = pg_ident,
	.start = pg_start,
	.feed = pg_feed,
	.pair = true,
};
