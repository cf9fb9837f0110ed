/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registry and the dispatch: which protocol a direction speaks (the
 * policy's port pins first, then its first bytes) and feeding its bytes
 * to that protocol's parser. Each protocol lives in its own file
 * (proto_<name>.c) behind struct proto_ops.
 */
#include <ctype.h>
#include <string.h>

#include "proto_priv.h"

static const struct proto_ops *const protos[WM_PROTO_MAX] = {
	[WM_PROTO_HTTP] = &proto_http_ops,
	[WM_PROTO_TLS] = &proto_tls_ops,
	[WM_PROTO_SSH] = &proto_ssh_ops,
	[WM_PROTO_SMTP] = &proto_smtp_ops,
	[WM_PROTO_REDIS] = &proto_redis_ops,
	[WM_PROTO_MQTT] = &proto_mqtt_ops,
	[WM_PROTO_PG] = &proto_pg_ops,
	[WM_PROTO_KAFKA] = &proto_kafka_ops,
};

static const char *const proto_names[WM_PROTO_MAX] = {
	[WM_PROTO_NONE] = "none", [WM_PROTO_RAW] = "raw",
	[WM_PROTO_HTTP] = "http", [WM_PROTO_TLS] = "tls",
	[WM_PROTO_SSH] = "ssh", [WM_PROTO_SMTP] = "smtp",
	[WM_PROTO_REDIS] = "redis", [WM_PROTO_MQTT] = "mqtt",
	[WM_PROTO_PG] = "pg",
	[WM_PROTO_KAFKA] = "kafka",
};

/* Counted once per direction identified. */
static const enum wm_counter proto_ctr[WM_PROTO_MAX] = {
	[WM_PROTO_RAW] = WM_CTR_PROTO_RAW, [WM_PROTO_HTTP] = WM_CTR_PROTO_HTTP,
	[WM_PROTO_TLS] = WM_CTR_PROTO_TLS, [WM_PROTO_SSH] = WM_CTR_PROTO_SSH,
	[WM_PROTO_SMTP] = WM_CTR_PROTO_SMTP,
	[WM_PROTO_REDIS] = WM_CTR_PROTO_REDIS,
	[WM_PROTO_MQTT] = WM_CTR_PROTO_MQTT,
	[WM_PROTO_PG] = WM_CTR_PROTO_PG,
	[WM_PROTO_KAFKA] = WM_CTR_PROTO_KAFKA,
};

/* Content is tried in this order (the most specific first). */
static const enum wm_proto ident_order[] = {
	WM_PROTO_TLS, WM_PROTO_SSH, WM_PROTO_HTTP, WM_PROTO_SMTP,
	WM_PROTO_REDIS, WM_PROTO_MQTT, WM_PROTO_KAFKA, WM_PROTO_PG,
};

const char *
wm_proto_name(enum wm_proto p)
{
	return (unsigned int)p < WM_PROTO_MAX ? proto_names[p] : NULL;
}

int
wm_proto_parse(const char *name)
{
	for (int i = WM_PROTO_RAW; i < WM_PROTO_MAX; i++)
		if (strcmp(name, proto_names[i]) == 0)
			return i;
	return -1;
}

int
proto_starts(const uint8_t *p, uint32_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i < k; i++) {
		if (i == n)
			return -1;
		if (toupper(p[i]) != toupper((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

void
wm_proto_flow_init(struct wm_proto_flow *pf)
{
	memset(pf, 0, sizeof(*pf));
}

/*
 * A direction at rest in one byte: its protocol, its side, whether a
 * message just ended (HTTP), its drop answer, and the flow's
 * protection (encrypted).
 */
#define REST_PROTO 0x0f
#define REST_CLIENT 0x10
#define REST_FRESH 0x20
#define REST_DROP 0x40
#define REST_PROTECT 0x80

_Static_assert(WM_PROTO_MAX <= REST_PROTO + 1, "a protocol in 4 bits");

/* Is direction @d of no state beyond its summary? Its summary in @sum. */
static bool
dir_rests(const struct wm_proto_dir *d, uint8_t *sum)
{
	static const uint8_t zero[sizeof(d->u)];

	*sum = d->proto;
	switch (d->proto) {
	case WM_PROTO_NONE:
		return d->nstash == 0 && d->flags == 0 &&
		       memcmp(&d->u, zero, sizeof(zero)) == 0;
	case WM_PROTO_HTTP:
		*sum |= (d->flags & WM_PROTO_D_CLIENT) ? REST_CLIENT : 0;
		*sum |= REST_FRESH;
		return proto_http_rests(d);
	case WM_PROTO_RAW:
	case WM_PROTO_TLS:
	case WM_PROTO_SSH:
		/* Nothing parsed: the protocol and its answer are all. */
		*sum |= (d->flags & WM_PROTO_D_CLIENT) ? REST_CLIENT : 0;
		*sum |= (d->flags & WM_PROTO_D_DROP) ? REST_DROP : 0;
		return !(d->flags & ~(WM_PROTO_D_CLIENT | WM_PROTO_D_DROP)) &&
		       d->state == 0 && d->region == 0 && d->dec == 0 &&
		       d->dec_n == 0 && memcmp(&d->u, zero, sizeof(zero)) == 0;
	default:
		return false;   /* a parser in the middle of its framing */
	}
}

bool
wm_proto_flow_rest(const struct wm_proto_flow *pf, uint8_t sum[2])
{
	if (pf->nreq != 0 || pf->req_kind != 0 || pf->kafka_fver != 0 ||
	    pf->kafka_other != 0 || (pf->flags & ~WM_PROTO_F_PROTECT) ||
	    !dir_rests(&pf->dir[0], &sum[0]) || !dir_rests(&pf->dir[1], &sum[1]))
		return false;
	if (pf->flags & WM_PROTO_F_PROTECT) {
		sum[0] |= REST_PROTECT;
		sum[1] |= REST_PROTECT;
	}
	return true;
}

void
wm_proto_flow_wake(struct wm_proto_flow *pf, const uint8_t sum[2])
{
	memset(pf, 0, sizeof(*pf));
	for (unsigned int i = 0; i < 2; i++) {
		struct wm_proto_dir *d = &pf->dir[i];
		enum wm_proto p = (enum wm_proto)(sum[i] & REST_PROTO);
		bool client = (sum[i] & REST_CLIENT) != 0;

		if (sum[i] & REST_PROTECT)
			pf->flags |= WM_PROTO_F_PROTECT;
		if (p == WM_PROTO_NONE || p >= WM_PROTO_MAX)
			continue;
		/* As proto_set() made it, uncounted: identified before. */
		d->proto = (uint8_t)p;
		if (protos[p] != NULL && protos[p]->start != NULL)
			protos[p]->start(pf, i, client);
		d->flags = (uint8_t)((client ? WM_PROTO_D_CLIENT : 0) |
				     ((sum[i] & REST_FRESH) ? WM_PROTO_D_FRESH : 0) |
				     ((sum[i] & REST_DROP) ? WM_PROTO_D_DROP : 0));
	}
}

void
proto_reidentify(struct wm_proto_flow *pf)
{
	memset(pf->dir, 0, sizeof(pf->dir));
	pf->nreq = 0;
	pf->req_kind = 0;
}

static void
proto_set(struct wm_proto_flow *pf, unsigned int dir,
	  const struct wm_proto_ctx *ctx, enum wm_proto p, bool client)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	d->proto = (uint8_t)p;
	d->flags = client ? WM_PROTO_D_CLIENT : 0;
	proto_count(ctx, proto_ctr[p]);
	if (protos[p] != NULL && protos[p]->start != NULL)
		protos[p]->start(pf, dir, client);
	/* Kafka's responses say nothing of themselves: its requests do. */
	if (p == WM_PROTO_KAFKA && pf->dir[!dir].proto == WM_PROTO_NONE)
		proto_set(pf, !dir, ctx, p, !client);
}

/* @dir, of which nothing was seen yet, speaks @p too (proto_ops.pair). */
static void
proto_pair(struct wm_proto_flow *pf, unsigned int dir,
	   const struct wm_proto_ctx *ctx, enum wm_proto p, bool client)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	if (protos[p]->pair && d->proto == WM_PROTO_NONE && d->nstash == 0)
		proto_set(pf, dir, ctx, p, client);
}

/* The policy's pin for the ports of @ctx: the protocol, or -1. */
static int
proto_pinned(const struct wm_proto_ctx *ctx, bool *client)
{
	const struct wm_proto_conf *c = ctx->conf;

	for (unsigned int i = 0; c != NULL && i < c->npins; i++) {
		if (c->pins[i].port == ctx->dport) {
			*client = true;
			return c->pins[i].proto;
		}
		if (c->pins[i].port == ctx->sport) {
			*client = false;
			return c->pins[i].proto;
		}
	}
	return -1;
}

/*
 * Identify direction @dir from its first bytes (kept in the stash until
 * there are enough). Returns how many stashed bytes came before @p
 * (the parser must see them first), or -1 while still unknown.
 */
static int
proto_identify(struct wm_proto_flow *pf, unsigned int dir,
	       const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n)
{
	struct wm_proto_dir *d = &pf->dir[dir];
	uint32_t old = d->nstash, k = n;
	bool more = false, client = true;
	int pin = proto_pinned(ctx, &client);

	if (pin >= 0) {
		proto_set(pf, dir, ctx, (enum wm_proto)pin, client);
		return 0;
	}
	if (k > sizeof(d->stash) - old)
		k = (uint32_t)sizeof(d->stash) - old;
	memcpy(d->stash + old, p, k);
	d->nstash = (uint8_t)(old + k);
	for (size_t i = 0; i < sizeof(ident_order) / sizeof(ident_order[0]);
	     i++) {
		enum wm_proto pr = ident_order[i];
		int r = protos[pr]->ident(d->stash, d->nstash);

		if (r > 0) {
			proto_set(pf, dir, ctx, pr, r == 1);
			proto_pair(pf, dir ^ 1, ctx, pr, r != 1);
			return (int)old;
		}
		more |= r < 0;
	}
	if (more && d->nstash < sizeof(d->stash))
		return -1;
	proto_set(pf, dir, ctx, WM_PROTO_RAW, true);
	return 0;
}

/*
 * The first @n bytes of @dir, seen before it was identified, go through
 * its parser now: they left already, nothing there is to act on or
 * decode (a method, a status line), but a parser may stop at an act
 * (MQTT protects from a packet's first byte): it is fed on. Is a region
 * never modified still open after them?
 */
static bool
proto_replay(struct wm_proto_flow *pf, unsigned int dir,
	     const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n)
{
	const struct proto_ops *ops = protos[pf->dir[dir].proto];
	struct wm_proto_ctx c = *ctx;
	bool prot = false;
	unsigned int idle = 0;

	c.view_cap = 0;
	for (uint32_t at = 0; at < n && idle < 4;) {
		struct wm_proto_out tmp = { .n = n - at };

		ops->feed(pf, dir, &c, p + at, n - at, &tmp);
		if (tmp.act == WM_PROTO_ACT_PROTECT)
			prot = true;
		else if (tmp.act == WM_PROTO_ACT_UNPROTECT)
			prot = false;
		idle = tmp.n == 0 ? idle + 1 : 0;
		at += tmp.n;
		if (protos[pf->dir[dir].proto] != ops)
			break; /* the parser gave up: the raw stream */
	}
	return prot;
}

void
wm_proto_feed(struct wm_proto_flow *pf, unsigned int dir,
	      const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	      struct wm_proto_out *out)
{
	struct wm_proto_dir *d = &pf->dir[dir];
	const struct proto_ops *ops;
	int old;

	out->n = n;
	out->act = WM_PROTO_ACT_NONE;
	out->nedit = 0;
	out->nview = 0;
	out->view_on = 0;
	out->nsplit = 0;
	out->nanchor = 0;
	out->fix_value = 0;
	if (d->flags & WM_PROTO_D_DROP) {
		out->act = WM_PROTO_ACT_DROP;
		return;
	}
	if (d->proto == WM_PROTO_NONE) {
		uint8_t prev[sizeof(d->stash)];

		/* The protocol's start may reuse the stash. */
		memcpy(prev, d->stash, d->nstash);
		old = proto_identify(pf, dir, ctx, p, n);
		if (old < 0)
			return;
		ops = protos[d->proto];
		if (old > 0 && ops != NULL && ops->feed != NULL &&
		    proto_replay(pf, dir, ctx, prev, (uint32_t)old)) {
			/* A region never modified opened in them. */
			out->n = 0;
			out->act = WM_PROTO_ACT_PROTECT;
			return;
		}
	}
	if (d->proto == WM_PROTO_TLS || d->proto == WM_PROTO_SSH) {
		pf->flags |= WM_PROTO_F_PROTECT;
		if (ctx->conf != NULL &&
		    ctx->conf->encrypted == WM_PROTO_ENC_DROP) {
			d->flags |= WM_PROTO_D_DROP;
			out->act = WM_PROTO_ACT_DROP;
		}
		return;
	}
	ops = protos[d->proto];
	if (ops != NULL && ops->feed != NULL)
		ops->feed(pf, dir, ctx, p, n, out);
}

void
wm_proto_lost(struct wm_proto_flow *pf, unsigned int dir,
	      struct wm_stats *stats)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	if (d->proto == WM_PROTO_RAW || d->proto == WM_PROTO_TLS ||
	    d->proto == WM_PROTO_SSH)
		return;
	if (stats != NULL)
		stats->ctr[WM_CTR_PROTO_LOST]++;
	if (d->proto == WM_PROTO_KAFKA) {
		/* Raw masking would break its batches' CRCs. */
		proto_kafka_lost(pf, dir);
		return;
	}
	memset(d, 0, sizeof(*d));
	d->proto = WM_PROTO_RAW;
}
