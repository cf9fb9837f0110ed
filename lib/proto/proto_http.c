/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x, both directions, with the nodejs http-parser (Debian's
 * libhttp-parser: incremental, and its callbacks point into the bytes
 * fed, so wire offsets come free). What it gives the engine:
 *
 *   - message ends (Content-Length reached, the last chunk, a message
 *     without a body): a value that ends where its message ends is
 *     decided at once, never glued onto the next message;
 *   - a request's Accept-Encoding blanked (same length: an empty value
 *     asks for identity, RFC 9110 12.5.3) when the policy says
 *     compressed = "identity", so servers answer uncompressed;
 *   - a compressed body (Content-Encoding other than identity) counted,
 *     or the flow dropped if the policy says so.
 *
 * Requests and responses pair up in order (pipelining): a response to
 * HEAD has no body, a 2xx to CONNECT starts a tunnel and a 101 a new
 * protocol; both directions are then identified again (TLS inside a
 * tunnel is protected like any TLS).
 */
#include <string.h>

#include "proto_decode.h"
#include "proto_priv.h"

/* Pending requests (struct wm_proto_flow.req_kind, 2 bits each). */
#define WM_PROTO_REQ_PLAIN 0
#define WM_PROTO_REQ_HEAD 1
#define WM_PROTO_REQ_CONNECT 2
#define REQ_MAX 16

/* struct wm_proto_dir.state */
enum {
	HTTP_ST_BODY,           /* nothing to remember */
	HTTP_ST_TUNNEL,         /* the message that ends starts a tunnel */
};

/*
 * Headers the stage looks at (struct wm_proto_dir.u.http data). The
 * credentials of Authorization and the values of cookies are anchors
 * (wm_proto.h): a value found inside one is masked whole.
 */
static const char *const hdr_names[] = {
	"accept-encoding", "content-encoding", "content-type",
	"authorization", "proxy-authorization", "cookie", "set-cookie",
};
enum {
	HDR_ACCEPT_ENC, HDR_CONTENT_ENC, HDR_CONTENT_TYPE,
	HDR_AUTHZ, HDR_PROXY_AUTHZ, HDR_COOKIE, HDR_SET_COOKIE, HDR_N
};
static const uint8_t hdr_len[HDR_N] = { 15, 16, 12, 13, 19, 6, 10 };
/* The name of each length, plus one (0: none); no two have one length. */
static const uint8_t hdr_by_len[20] = {
	[15] = HDR_ACCEPT_ENC + 1, [16] = HDR_CONTENT_ENC + 1,
	[12] = HDR_CONTENT_TYPE + 1, [13] = HDR_AUTHZ + 1,
	[19] = HDR_PROXY_AUTHZ + 1, [6] = HDR_COOKIE + 1,
	[10] = HDR_SET_COOKIE + 1,
};

/* Content types whose bodies the view decodes (prefixes, lower case). */
static const char ct_form[] = "application/x-www-form-urlencoded";
static const char ct_json[] = "application/json";

/* struct wm_proto_dir.region: what the view decodes now. */
enum {
	REG_NONE,               /* nothing: the raw stream is the truth */
	REG_PATH,               /* a request target before its '?' */
	REG_QUERY,              /* its query: percent-encoding, '+' */
	REG_PLAIN,              /* a chunked body: framing removed */
	REG_FORM,               /* a urlencoded body */
	REG_JSON,               /* a JSON body: string escapes */
};

/*
 * Where a callback reports: per wm_proto_feed() call. Header state
 * across calls lives in the direction: matching names may be cut.
 */
struct http_call {
	struct wm_proto_flow *pf;
	struct wm_proto_dir *d;
	const struct wm_proto_ctx *ctx;
	struct wm_proto_out *out;
	const uint8_t *base;
	const uint8_t *end;     /* of the bytes fed */
	bool msg_end;           /* the parser paused at a message end */
};

/* Per-direction header matching, kept beside the parser. */
struct http_hdr {
	uint8_t cand;           /* names still possible, a bit each */
	uint8_t idx;            /* bytes of the name seen */
	uint8_t in_value;       /* the last callback was a value */
	uint8_t match;          /* HDR_* of the current value, or HDR_N */
	uint8_t vstate;         /* in that value: Content-Encoding, how much
				 * of "identity" (0xff: not it); an anchored
				 * header, where (anchor_value()) */
	uint8_t compressed;
	uint8_t ct_form;        /* Content-Type matched so far, 0xff: not */
	uint8_t ct_json;
};

/* The header state rides in the stash, unused once identified. */
static struct http_hdr *
hdr_of(struct wm_proto_dir *d)
{
	_Static_assert(sizeof(struct http_hdr) <= sizeof(d->stash),
		       "header state fits the stash");
	return (struct http_hdr *)(void *)d->stash;
}

static void
req_push(struct wm_proto_flow *pf, unsigned int kind)
{
	if (pf->nreq == REQ_MAX)
		return; /* too deep a pipeline: later ones pair as plain */
	pf->req_kind |= (uint32_t)kind << (2 * pf->nreq);
	pf->nreq++;
}

static unsigned int
req_pop(struct wm_proto_flow *pf)
{
	unsigned int k;

	if (pf->nreq == 0)
		return WM_PROTO_REQ_PLAIN;
	k = pf->req_kind & 3;
	pf->req_kind >>= 2;
	pf->nreq--;
	return k;
}

static int
on_message_begin(http_parser *hp)
{
	struct http_call *c = hp->data;
	struct http_hdr *h = hdr_of(c->d);

	memset(h, 0, sizeof(*h));
	h->match = HDR_N;
	c->d->region = hp->type == HTTP_REQUEST ? REG_PATH : REG_NONE;
	return 0;
}

/* A request or status line was read: what follows a message is one. */
static int
on_status(http_parser *hp, const char *at, size_t len)
{
	struct http_call *c = hp->data;

	(void)at;
	(void)len;
	c->d->flags &= (uint8_t)~WM_PROTO_D_FRESH;
	return 0;
}

/* The request target: its query goes to the view, decoded. */
static int
on_url(http_parser *hp, const char *at, size_t len)
{
	struct http_call *c = hp->data;
	struct wm_proto_dir *d = c->d;

	d->flags &= (uint8_t)~WM_PROTO_D_FRESH;
	const uint8_t *p = (const uint8_t *)at;
	size_t i = 0;

	if (d->region == REG_PATH) {
		while (i < len && p[i] != '?')
			i++;
		if (i == len)
			return 0;
		d->region = REG_QUERY;
		d->dec = 0;
		i++;
	}
	if (d->region == REG_QUERY)
		proto_view_url(d, c->ctx, c->out, p + i, p + i - c->base,
			       len - i);
	return 0;
}

static int
on_body(http_parser *hp, const char *at, size_t len)
{
	struct http_call *c = hp->data;
	const uint8_t *p = (const uint8_t *)at;
	int64_t off = p - c->base;
	struct wm_proto_ctx cc = *c->ctx;

	/* A chunked body is given whole: its framing is an encoding too. */
	if (hp->flags & F_CHUNKED) {
		cc.view_lazy = 0;
		cc.view_framed = 1;
	}
	switch (c->d->region) {
	case REG_FORM:
		proto_view_url(c->d, &cc, c->out, p, off, len);
		break;
	case REG_JSON:
		proto_view_json(c->d, &cc, c->out, p, off, len);
		break;
	case REG_PLAIN:
		proto_view_plain(&cc, c->out, p, off, len);
		break;
	default:
		break;
	}
	return 0;
}

/* Header names and the values matched here compare in any case. */
static inline char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Match a Content-Type value against the types the view decodes. */
static void
content_type(struct http_hdr *h, const char *at, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char ch = ascii_lower(at[i]);

		if ((ch == ' ' || ch == '\t') && h->ct_form == 0 &&
		    h->ct_json == 0)
			continue;
		if (h->ct_form < sizeof(ct_form) - 1)
			h->ct_form = ct_form[h->ct_form] == ch ?
				     h->ct_form + 1 : 0xff;
		if (h->ct_json < sizeof(ct_json) - 1)
			h->ct_json = ct_json[h->ct_json] == ch ?
				     h->ct_json + 1 : 0xff;
		/* Both decided (a prefix matched whole, or failed). */
		if (h->ct_form >= sizeof(ct_form) - 1 &&
		    h->ct_json >= sizeof(ct_json) - 1)
			break;
	}
}


/*
 * An anchor starts (@end false) or ends at @at in the bytes fed. When
 * the list is full, a new anchor continues the last one instead: the
 * bytes between are masked with it, never left out.
 */
static void
anchor_event(struct http_call *c, const uint8_t *at, bool end)
{
	struct wm_proto_out *o = c->out;
	struct wm_proto_dir *d = c->d;

	if (end != ((d->flags & WM_PROTO_D_ANCHOR) != 0))
		return;
	if (end) {
		d->flags &= (uint8_t)~WM_PROTO_D_ANCHOR;
	} else {
		d->flags |= WM_PROTO_D_ANCHOR;
		/* Room for its end too, or the last one goes on. */
		if (o->nanchor + 2 > WM_PROTO_MAX_ANCHORS && o->nanchor > 0 &&
		    o->anchor[o->nanchor - 1].end) {
			o->nanchor--;
			return;
		}
	}
	o->anchor[o->nanchor].off = (uint32_t)(at - c->base);
	o->anchor[o->nanchor].end = end;
	o->nanchor++;
}

static bool
is_blank(uint8_t ch)
{
	return ch == ' ' || ch == '\t';
}

/* struct http_hdr.vstate in an anchored header's value. */
enum {
	AV_LEAD,        /* Authorization: blanks before the first word */
	AV_WORD,        /* Authorization's scheme */
	AV_GAP,         /* blanks after it */
	AV_CRED,        /* the credentials, to the end of the value */
	AV_NAME,        /* a cookie's name */
	AV_COOKIE,      /* its value, to ';' */
	AV_DONE,        /* Set-Cookie's attributes: nothing secret */
};

/*
 * Walk @len bytes of an anchored header's value: Authorization's scheme
 * and credentials ("Bearer <token>", "Basic <base64>", or one word), a
 * Cookie's values (a=<v>; b=<v>), Set-Cookie's first value.
 */
static void
anchor_value(struct http_call *c, struct http_hdr *h, const uint8_t *p,
	     size_t len)
{
	bool authz = h->match == HDR_AUTHZ || h->match == HDR_PROXY_AUTHZ;

	if (h->vstate == AV_LEAD && !authz)
		h->vstate = AV_NAME;
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = p[i];

		switch (h->vstate) {
		case AV_LEAD:
			if (is_blank(ch))
				break;
			anchor_event(c, p + i, false);
			h->vstate = AV_WORD;
			break;
		case AV_WORD:
			if (!is_blank(ch))
				break;
			anchor_event(c, p + i, true);
			h->vstate = AV_GAP;
			break;
		case AV_GAP:
			if (is_blank(ch))
				break;
			anchor_event(c, p + i, false);
			h->vstate = AV_CRED;
			break;
		case AV_NAME:
			if (ch != '=')
				break;
			anchor_event(c, p + i + 1, false);
			h->vstate = AV_COOKIE;
			break;
		case AV_COOKIE:
			if (ch != ';')
				break;
			anchor_event(c, p + i, true);
			h->vstate = h->match == HDR_SET_COOKIE ? AV_DONE : AV_NAME;
			break;
		default:
			break;
		}
	}
	/* The parser calls at a value's end, or at the end of the bytes. */
	if (p + len < c->end)
		anchor_event(c, p + len, true);
}

/*
 * Does @at[0, len) go on with header name @k from its byte @idx (any
 * case)? Compared whole, one name at a time: most names fail at once
 * on their length or first byte.
 */
static bool
hdr_name_goes_on(unsigned int k, unsigned int idx, const char *at,
		 size_t len)
{
	if (idx + len > hdr_len[k])
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = ascii_lower(at[i]);

		if (hdr_names[k][idx + i] != ch)
			return false;
	}
	return true;
}

static int
on_header_field(http_parser *hp, const char *at, size_t len)
{
	struct http_call *c = hp->data;
	struct http_hdr *h = hdr_of(c->d);

	/* The last value ended at the end of the bytes fed before. */
	anchor_event(c, c->base, true);

	if (h->in_value || h->idx == 0) {
		h->cand = (1u << HDR_N) - 1;
		h->idx = 0;
		h->in_value = 0;
	}
	if (h->cand == 0 || len == 0)
		return 0;
	if (h->idx == 0 && (const uint8_t *)at + len < c->end) {
		/* The whole name at once (it ends before the bytes fed do,
		 * at its ':'): only the name of its length can be it. */
		unsigned int k = len < sizeof(hdr_by_len) ? hdr_by_len[len] : 0;

		h->cand = k != 0 && hdr_name_goes_on(k - 1, 0, at, len) ?
			  (uint8_t)(1u << (k - 1)) : 0;
		h->idx = (uint8_t)WM_MIN(len, (size_t)0xfe);
		return 0;
	}
	for (unsigned int k = 0; k < HDR_N; k++)
		if ((h->cand & (1u << k)) &&
		    !hdr_name_goes_on(k, h->idx, at, len))
			h->cand &= (uint8_t)~(1u << k);
	/* Never back to 0: a name cut in two goes on where it was. */
	h->idx = (uint8_t)WM_MIN((size_t)h->idx + len, (size_t)0xfe);
	return 0;
}

/* A Content-Encoding value: anything but "identity" is compressed. */
static void
content_encoding(struct http_hdr *h, const char *at, size_t len)
{
	static const char id[] = "identity";

	for (size_t i = 0; i < len && h->vstate != 0xff; i++) {
		char ch = ascii_lower(at[i]);

		if (ch == ' ' || ch == '\t')
			continue;
		if (h->vstate < sizeof(id) - 1 && id[h->vstate] == ch)
			h->vstate++;
		else
			h->vstate = 0xff;
	}
	h->compressed = h->vstate == 0xff;
}

static int
on_header_value(http_parser *hp, const char *at, size_t len)
{
	struct http_call *c = hp->data;
	struct http_hdr *h = hdr_of(c->d);
	struct wm_proto_out *o = c->out;

	if (!h->in_value) {
		unsigned int k = h->idx < sizeof(hdr_by_len) ?
				 hdr_by_len[h->idx] : 0;

		/* The one name of the length seen, if it is still possible. */
		h->match = k != 0 && (h->cand & (1u << (k - 1))) ?
			   (uint8_t)(k - 1) : HDR_N;
		h->in_value = 1;
		h->vstate = 0;
	}
	if (h->match == HDR_CONTENT_ENC) {
		content_encoding(h, at, len);
		return 0;
	}
	if (h->match == HDR_CONTENT_TYPE) {
		content_type(h, at, len);
		return 0;
	}
	if (h->match >= HDR_AUTHZ && h->match < HDR_N) {
		anchor_value(c, h, (const uint8_t *)at, len);
		return 0;
	}
	if (h->match != HDR_ACCEPT_ENC || !(c->d->flags & WM_PROTO_D_CLIENT) ||
	    (c->ctx->conf != NULL &&
	     c->ctx->conf->compressed != WM_PROTO_COMP_IDENTITY))
		return 0;
	/* Blank the value: the engine writes the spaces (checksums). */
	o->edit[o->nedit].off = (uint32_t)((const uint8_t *)at - c->base);
	o->edit[o->nedit].len = (uint32_t)len;
	if (++o->nedit == WM_PROTO_MAX_EDITS)
		http_parser_pause(hp, 1);
	proto_count(c->ctx, WM_CTR_HTTP_ACCEPT_ENC);
	return 0;
}

/* Does the message whose headers just ended carry a body? */
static bool
has_body(const http_parser *hp, bool skip)
{
	if (skip)
		return false;
	if (hp->flags & F_CHUNKED)
		return true;
	if (hp->content_length != 0 && hp->content_length != UINT64_MAX)
		return true;
	/* A response without a length runs to the end of the connection. */
	return hp->type == HTTP_RESPONSE && hp->content_length == UINT64_MAX &&
	       hp->status_code / 100 != 1 && hp->status_code != 204 &&
	       hp->status_code != 304;
}

static int
on_headers_complete(http_parser *hp)
{
	struct http_call *c = hp->data;
	struct http_hdr *h = hdr_of(c->d);
	int skip = 0;

	anchor_event(c, c->base, true);
	if (hp->type == HTTP_REQUEST) {
		req_push(c->pf, hp->method == HTTP_HEAD ? WM_PROTO_REQ_HEAD :
				hp->method == HTTP_CONNECT ?
				WM_PROTO_REQ_CONNECT : WM_PROTO_REQ_PLAIN);
	} else if (hp->status_code >= 200 || hp->status_code == 101) {
		unsigned int k = req_pop(c->pf);

		if (k == WM_PROTO_REQ_HEAD)
			skip = 1;
		if (k == WM_PROTO_REQ_CONNECT && hp->status_code / 100 == 2) {
			skip = 1;
			c->d->state = HTTP_ST_TUNNEL;
		}
	}
	/* What the view decodes of the body (compressed: nothing). */
	proto_view_sep(c->d, c->ctx, c->out, 0);
	c->d->region = REG_NONE;
	if (!h->compressed && has_body(hp, skip)) {
		if (h->ct_form == sizeof(ct_form) - 1)
			c->d->region = REG_FORM;
		else if (h->ct_json == sizeof(ct_json) - 1)
			c->d->region = REG_JSON;
		else if (hp->flags & F_CHUNKED)
			c->d->region = REG_PLAIN;
	}
	if (h->compressed && has_body(hp, skip)) {
		proto_count(c->ctx, WM_CTR_HTTP_COMPRESSED);
		if (c->ctx->conf != NULL &&
		    c->ctx->conf->compressed == WM_PROTO_COMP_DROP)
			c->d->flags |= WM_PROTO_D_DROP;
	}
	return skip;
}

static int
on_message_complete(http_parser *hp)
{
	struct http_call *c = hp->data;

	/* Stop here: the engine ends the message's values first. */
	proto_view_sep(c->d, c->ctx, c->out, 0);
	c->d->region = REG_NONE;
	c->msg_end = true;
	http_parser_pause(hp, 1);
	return 0;
}

static const http_parser_settings http_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_status = on_status,
	.on_body = on_body,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_message_complete = on_message_complete,
};

static const char *const methods[] = {
	"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "PATCH ", "OPTIONS ",
	"CONNECT ", "TRACE ",
};

bool
wm_proto_http_start(const uint8_t *p, uint32_t n)
{
	if (n >= 7 && memcmp(p, "HTTP/1.", 7) == 0)
		return true;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t k = strlen(methods[i]);

		if (n >= k && memcmp(p, methods[i], k) == 0)
			return true;
	}
	return false;
}

static int
http_ident(const uint8_t *p, uint32_t n)
{
	int more = proto_starts(p, n, "HTTP/1.");

	if (more > 0)
		return 2;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		int r = proto_starts(p, n, methods[i]);

		/* Methods are case-sensitive: "get " is no request. */
		if (r > 0 && memcmp(p, methods[i], strlen(methods[i])) == 0)
			return 1;
		more |= r < 0 ? -1 : 0;
	}
	return more < 0 ? -1 : 0;
}

static void
http_start(struct wm_proto_flow *pf, unsigned int dir, bool client)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	http_parser_init(&d->u.http, client ? HTTP_REQUEST : HTTP_RESPONSE);
	d->state = HTTP_ST_BODY;
	memset(d->stash, 0, sizeof(d->stash));
	hdr_of(d)->match = HDR_N;
}

bool
proto_http_rests(const struct wm_proto_dir *d)
{
	const http_parser *hp = &d->u.http;
	http_parser fresh;

	/* Between messages: what http_start() makes parses on the same. */
	http_parser_init(&fresh, hp->type);
	return (d->flags & WM_PROTO_D_FRESH) &&
	       !(d->flags & ~(WM_PROTO_D_FRESH | WM_PROTO_D_CLIENT)) &&
	       /* no escape being decoded (its offsets are stale then) */
	       d->state == HTTP_ST_BODY && d->dec == 0 && d->dec_n == 0 &&
	       d->esc.k == 0 && d->esc.broken == 0 && !hp->upgrade &&
	       (HTTP_PARSER_ERRNO(hp) == HPE_OK ||
		HTTP_PARSER_ERRNO(hp) == HPE_PAUSED) &&
	       hp->state == fresh.state;
}

/* The parser stopped after a message: what follows it. */
static void
http_after_message(struct wm_proto_flow *pf, struct wm_proto_dir *d,
		   const struct wm_proto_ctx *ctx)
{
	http_parser *hp = &d->u.http;

	if (d->state == HTTP_ST_TUNNEL ||
	    (hp->type == HTTP_RESPONSE && hp->upgrade)) {
		/* CONNECT's 2xx, or 101: both sides speak something else. */
		proto_reidentify(pf);
		return;
	}
	if (hp->upgrade) {
		/* A request asked to upgrade: its response decides; until
		 * then more requests may come. */
		http_start(pf, (unsigned int)(d - pf->dir), true);
		d->flags |= WM_PROTO_D_CLIENT;
	}
	d->flags |= WM_PROTO_D_FRESH;
	(void)ctx;
}

static void
http_feed_bytes(struct wm_proto_flow *pf, unsigned int dir,
	  const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	  struct wm_proto_out *out)
{
	struct wm_proto_dir *d = &pf->dir[dir];
	http_parser *hp = &d->u.http;
	struct http_call call = {
		.pf = pf, .d = d, .ctx = ctx, .out = out, .base = p,
		.end = p + n,
	};
	size_t k;

	hp->data = &call;
	if (HTTP_PARSER_ERRNO(hp) == HPE_PAUSED)
		http_parser_pause(hp, 0);
	k = http_parser_execute(hp, &http_settings, (const char *)p, n);
	hp->data = NULL;
	if (d->flags & WM_PROTO_D_DROP) {
		out->n = (uint32_t)k;
		out->act = WM_PROTO_ACT_DROP;
		return;
	}
	switch (HTTP_PARSER_ERRNO(hp)) {
	case HPE_OK:
		if (k < n && hp->upgrade) {
			/* Stopped at an upgrade without a pause. */
			out->n = (uint32_t)k;
			out->act = WM_PROTO_ACT_MSG_END;
			proto_count(ctx, WM_CTR_PROTO_MSG_END);
			http_after_message(pf, d, ctx);
		}
		return;
	case HPE_PAUSED:
		out->n = (uint32_t)k;
		if (!call.msg_end)
			return; /* paused for room: more edits to come */
		out->act = WM_PROTO_ACT_MSG_END;
		proto_count(ctx, WM_CTR_PROTO_MSG_END);
		http_after_message(pf, d, ctx);
		return;
	default:
		/* Not HTTP after all, or broken: the raw stream from here. */
		proto_count(ctx, WM_CTR_PROTO_ERROR);
		/*
		 * An open anchor ends where the parser stopped, wherever the
		 * bytes fed end (fuzz: stream-anchor-after-parse-error-...).
		 */
		anchor_event(&call, p + k, true);
		if (d->flags & WM_PROTO_D_FRESH) {
			/*
			 * What follows a message begins none: its declared
			 * length ended it early, maybe inside a value. The
			 * end is taken back before these bytes are scanned.
			 */
			proto_count(ctx, WM_CTR_HTTP_NOT_A_MESSAGE);
			out->n = 0;
			out->act = WM_PROTO_ACT_UNEND;
		}
		memset(d, 0, sizeof(*d));
		d->proto = WM_PROTO_RAW;
		return;
	}
}

static void
http_feed(struct wm_proto_flow *pf, unsigned int dir,
	  const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	  struct wm_proto_out *out)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	http_feed_bytes(pf, dir, ctx, p, n, out);
	/* The next feed starts after what this one consumed. */
	if (d->proto == WM_PROTO_HTTP)
		proto_view_rebase(d, out->n);
}

const struct proto_ops proto_http_ops = {
	.name = "http",
	.ident = http_ident,
	.start = http_start,
	.feed = http_feed,
};

_Static_assert(sizeof("accept-encoding") - 1 == 15 &&
	       sizeof("content-encoding") - 1 == 16 &&
	       sizeof("content-type") - 1 == 12 &&
	       sizeof("authorization") - 1 == 13 &&
	       sizeof("proxy-authorization") - 1 == 19 &&
	       sizeof("cookie") - 1 == 6 && sizeof("set-cookie") - 1 == 10,
	       "hdr_len and hdr_by_len");
