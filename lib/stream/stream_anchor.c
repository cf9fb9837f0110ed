/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anchors: header values the protocol stage says are one value whole
 * (an Authorization header's scheme and credentials, a cookie's value).
 * Detectors confirm in a window of WM_DETECT_WINDOW bytes, so a bearer
 * token of 2 KB is masked by its last bytes; anchored, a value found
 * inside one is masked from the anchor's start:
 *
 *   Authorization: Bearer eyJhbGciOi...<1,900 bytes>...Qssw5c\r\n
 *                         ^ anchor                   ^ value (max_len)
 *                         |<--- masked with the value's fill --->|
 *
 * The engine holds an open anchor's bytes (WM_STREAM_ANCHOR_MAX at most)
 * so that its front is still there when the value is found; at a hold
 * timeout they leave masked. The direction's last anchor is kept in
 * [prot_start, prot_end) with WM_STREAM_ANCHOR; those that ended earlier
 * in the batch being scanned in ctx->anchor.
 */
#include <string.h>

#include <rte_common.h>

#include "stream_priv.h"

/* The anchor of @d open now? */
static bool
anchor_open(const struct wm_stream_dir *d)
{
	return (d->flags & WM_STREAM_ANCHOR) && dcold(d)->prot_end == UINT64_MAX;
}

void
stream_anchor_close(struct wm_stream_dir *d)
{
	if (anchor_open(d))
		dcold(d)->prot_end = d->r.offset;
}

void
stream_anchor_feed(struct wm_stream_ctx *ctx, struct wm_flow *f,
		   struct wm_stream_dir *d, const struct wm_proto_out *po,
		   uint64_t base)
{
	unsigned int dir = (unsigned int)(d - sflow(f)->dir);

	ctx->nanchor = 0;
	for (unsigned int i = 0; i < po->nanchor; i++) {
		uint64_t at = base + po->anchor[i].off;

		if (po->anchor[i].end) {
			if (!anchor_open(d))
				continue;
			dcold(d)->prot_end = at;
			ctx->anchor[ctx->nanchor].start = dcold(d)->prot_start;
			ctx->anchor[ctx->nanchor].end = at;
			ctx->nanchor++;
			continue;
		}
		/* An open anchor ends where the next begins (a list cut). */
		if (anchor_open(d) && ctx->nanchor < WM_PROTO_MAX_ANCHORS) {
			ctx->anchor[ctx->nanchor].start = dcold(d)->prot_start;
			ctx->anchor[ctx->nanchor].end = at;
			ctx->nanchor++;
		}
		dcold(d)->prot_start = at;
		dcold(d)->prot_end = UINT64_MAX;
		d->flags |= WM_STREAM_ANCHOR;
	}
	/* The parser started over (an error, a new protocol): none is. */
	if (anchor_open(d) && !wm_proto_anchored(&fcold(f)->proto, dir))
		dcold(d)->prot_end = base + po->n;
}

size_t
stream_anchor_hold(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	if (!anchor_open(d) || dcold(d)->prot_start >= d->r.offset)
		return 0;
	if (d->r.offset - dcold(d)->prot_start > WM_STREAM_ANCHOR_MAX) {
		/* Too long to hold: the newest bytes stay anchored. */
		ctx->stats->ctr[WM_CTR_STREAM_ANCHOR_LONG]++;
		dcold(d)->prot_start = d->r.offset - WM_STREAM_ANCHOR_MAX;
	}
	return (size_t)(d->r.offset - dcold(d)->prot_start);
}

/* Where the anchor around a value starting at @off begins; @off if none. */
static uint64_t
anchor_from(const struct wm_stream_ctx *ctx, const struct wm_stream_dir *d,
	    uint64_t off)
{
	for (unsigned int i = 0; i < ctx->nanchor; i++)
		if (ctx->anchor[i].start < off && off < ctx->anchor[i].end)
			return ctx->anchor[i].start;
	if ((d->flags & WM_STREAM_ANCHOR) && dcold(d)->prot_start < off &&
	    off < dcold(d)->prot_end)
		return dcold(d)->prot_start;
	return off;
}

/*
 * Mask [from, to) of @d where it is held as rule @ri masks a value's
 * bytes: @p's fill, the detector's separators kept (when the retained
 * bytes still show them).
 */
static void
anchor_fill(struct wm_stream_ctx *ctx, const struct wm_rule *rule,
	    struct wm_stream_dir *d, uint64_t from, uint64_t to)
{
	const char *seps = rule->detector->separators;
	uint8_t fill = rule->mask.fill != '\0' ? (uint8_t)rule->mask.fill : '*';
	uint8_t buf[64];

	while (from < to) {
		uint32_t k = (uint32_t)RTE_MIN(to - from, (uint64_t)sizeof(buf));
		bool orig = seps != NULL && seps[0] != '\0' &&
			    wm_rb_read(&d->r.c->rb, from, k, buf);

		for (uint32_t i = 0; i < k; i++)
			if (!orig || buf[i] == '\0' ||
			    strchr(seps, buf[i]) == NULL)
				buf[i] = fill;
		stream_put(ctx, d, from, from + k, buf);
		from += k;
	}
}

void
stream_anchor_extend(struct wm_stream_ctx *ctx, struct wm_flow *f,
		     struct wm_stream_dir *d, uint32_t ri, uint64_t off)
{
	uint64_t from = anchor_from(ctx, d, off);

	if (from >= off)
		return;
	ctx->stats->ctr[WM_CTR_MASK_ANCHORED]++;
	/* Its front left before the value was found. */
	if (stream_leaked(d, from))
		ctx->stats->ctr[WM_CTR_MASK_LATE]++;
	anchor_fill(ctx, &f->policy->conf->rules[ri], d,
		    RTE_MAX(from, d->r.released), off);
}

uint64_t
stream_anchor_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
		     struct wm_stream_dir *d)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	uint64_t from;

	if (!anchor_open(d) || dcold(d)->prot_start >= d->r.offset)
		return 0;
	from = RTE_MAX(dcold(d)->prot_start, d->r.released);
	/* As the first rule that masks would mask a value there. */
	for (unsigned int i = 0; i < pc->nrules; i++) {
		if (pc->rules[i].mask.op == WM_MASK_ALERT)
			continue;
		anchor_fill(ctx, &pc->rules[i], d, from, d->r.offset);
		return from < d->r.offset ? d->r.offset - from : 0;
	}
	return 0;
}
