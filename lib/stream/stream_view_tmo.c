/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hold timeout inside the decoded view (stream_view.c). The view's
 * held tail is judged as a message end would judge it (its end-of-data
 * probe, on a copy of its stream): a value complete there is masked by
 * its operator now. What may still become a value leaves masked as far
 * as its rule would mask it, re-encoded in its escapes. An escape the
 * tail cuts is decided whole: its held bytes become the first ones of
 * the masked escape, and its rest is written to match when it comes.
 *
 *   held at the timeout   4111 11\u003 |       (the "1" is late)
 *   leaves                4111 **\u002 |       ("11" may begin an SSN)
 *   then                               | A **** 1111    -> '*', not ':'
 *
 * An escape cut at the tail is held like the bytes before it whenever a
 * mask could reach it: once its first bytes left as they came, no write
 * of its rest could make it the masked byte.
 */
#include <string.h>

#include <rte_common.h>

#include "stream_priv.h"
#include "wm_mask.h"

/* The escape cut at @d's tail: the wire offset of each byte so far. */
struct tail_esc {
	uint64_t w[VIEW_UNIT_MAX];
	uint8_t n;
	uint8_t len;    /* when whole (0: not known yet) */
	uint8_t wlen;   /* WM_PROTO_WLEN_URL or _JSON */
};

static bool
tail_esc(const struct wm_flow *f, const struct wm_stream_dir *d,
	 struct tail_esc *t)
{
	const struct wm_stream_flow *sf = (const void *)f->area;
	struct wm_proto_esc e;

	if (!wm_proto_view_esc(&wm_stream_cold_of(sf)->proto,
			       (unsigned int)(d - sf->dir), &e) ||
	    e.n == 0 || e.n >= VIEW_UNIT_MAX)
		return false;
	for (unsigned int j = 0; j < e.n; j++) {
		int64_t rel = e.k != 0 && j >= e.k ?
			      (int64_t)e.gap_at + (j - e.k) :
			      (int64_t)e.at + j;

		if (rel >= 0 || (uint64_t)-rel > d->r.offset)
			return false;   /* cannot happen: it came before */
		t->w[j] = d->r.offset - (uint64_t)-rel;
	}
	t->n = e.n;
	t->len = e.len;
	t->wlen = e.wlen;
	return true;
}

/*
 * The decoded bytes before the escape at wire offset @at (@len of them):
 * a chunked body's view has them all; elsewhere the view scans near
 * encodings only, and before an escape the wire bytes (*@wire) are what
 * they decode to.
 */
static const uint8_t *
esc_context(const struct wm_stream_dir *d, const struct wm_view *v,
	    uint64_t at, size_t *len, bool *wire)
{
	uint64_t back = d->r.offset - at;

	*wire = v == NULL || !(v->active || stream_view_whole(v));
	if (!*wire) {
		*len = RTE_MIN((size_t)v->hist_len, (size_t)WM_DETECT_WINDOW);
		return v->hist + v->hist_len - *len;
	}
	*len = back <= d->hist_len ? d->hist_len - (size_t)back : 0;
	return d->win != NULL ? d->win : d->tail;
}

/*
 * Would a rule mask a byte of a value at the escape after the @len
 * decoded bytes @h? A value pending in them may go on into it, or one
 * begin there. The byte the first such rule masks it to, or 0: every
 * rule keeps it (a card's first digits under "partial", a domain).
 */
static uint8_t
esc_mask(const struct wm_policy_conf *pc, const uint8_t *h, size_t len)
{
	uint8_t in[WM_DETECT_WINDOW + 1], pre[WM_DETECT_WINDOW + 1];

	for (unsigned int r = 0; r < pc->nrules; r++) {
		const struct wm_detector *det = pc->rules[r].detector;
		size_t k = RTE_MIN(det->hold(det, h, len), len);

		memcpy(in, h + len - k, k);
		in[k] = '0';    /* a byte of a value, no separator */
		wm_mask_prefix(&pc->rules[r].mask, det->separators,
			       det->min_chars, in, pre, k + 1);
		if (pre[k] != in[k])
			return pre[k];
	}
	return 0;
}

size_t
stream_view_esc_hold(const struct wm_flow *f, const struct wm_stream_dir *d)
{
	struct tail_esc t;
	const uint8_t *h;
	size_t len;
	bool wire;

	if (!tail_esc(f, d, &t))
		return 0;
	h = esc_context(d, dcold(d)->view, t.w[0], &len, &wire);
	return esc_mask(f->policy->conf, h, len) != 0 ?
	       (size_t)(d->r.offset - t.w[0]) : 0;
}

uint64_t
stream_view_esc_from(const struct wm_flow *f, const struct wm_stream_dir *d)
{
	struct tail_esc t;

	return tail_esc(f, d, &t) ? t.w[0] : UINT64_MAX;
}

/*
 * What may begin a value in the @len bytes @h before the escape at wire
 * offset @at, when they are the wire bytes themselves (the view is not
 * scanning, outside a chunked body): the raw stream took the backslash
 * for the end of any value, so the view decides them, as
 * pending_decide() does its own. Bytes masked.
 */
static uint64_t
context_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
	       struct wm_stream_dir *d, struct wm_view *v, const uint8_t *h,
	       size_t len, uint64_t at)
{
	uint8_t out[WM_DETECT_WINDOW];
	uint64_t masked = 0;
	size_t first;

	memcpy(out, h, len);
	first = stream_prefix_decide(f->policy->conf, h, len, len, out);
	if (first < len)
		v->tmo_from = RTE_MIN(v->tmo_from, at - (len - first));
	for (size_t j = 0; j < len; j++) {
		uint64_t w = at - len + j;

		if (out[j] == h[j] || w < d->r.released ||
		    stream_protected(f, d, w, w + 1))
			continue;
		stream_put(ctx, d, w, w + 1, out + j);
		masked++;
	}
	return masked;
}

/*
 * Hold timeout: the escape cut at the tail leaves as the first bytes of
 * the escape its rule's mask makes ("\u003" as "\u002" of "\u002A"); its
 * rest is written to match as it comes (stream_view_tmo_complete()), or
 * at the next timeout, as far as it came then. Bytes masked.
 */
static uint64_t
esc_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
	   struct wm_stream_dir *d)
{
	const uint8_t *raw = d->win != NULL ? d->win : d->tail;
	struct wm_view *v = dcold(d)->view;
	uint8_t b[VIEW_UNIT_MAX], m;
	unsigned int j = 0;
	uint64_t masked = 0;
	struct tail_esc t;
	const uint8_t *h;
	size_t len;
	bool again, wire;

	if (!tail_esc(f, d, &t))
		return 0;
	again = v != NULL && v->tmo_esc.at == t.w[0] && !v->tmo_esc.done;
	/* Its first byte left as it came: nothing of it can be decided. */
	if ((!again && t.w[0] < d->r.released) ||
	    d->r.offset - t.w[0] > d->hist_len ||
	    stream_protected(f, d, t.w[0], d->r.offset))
		return 0;
	h = esc_context(d, v, t.w[0], &len, &wire);
	m = again ? v->tmo_esc.m : esc_mask(f->policy->conf, h, len);
	if (m == 0 || (v = stream_view_get(ctx, f, d)) == NULL)
		return 0;
	if (wire && !again)
		masked = context_decide(ctx, f, d, v, h, len, t.w[0]);
	/* A backslash alone: "\u" follows, or it encodes no value byte. */
	stream_view_unit(t.wlen | (t.len != 0 ? t.len : 6), m, b);
	for (j = again ? v->tmo_esc.n : 0; j < t.n; j++) {
		const uint8_t *o = raw + d->hist_len - (d->r.offset - t.w[j]);

		if (*o == b[j])
			continue;
		stream_put(ctx, d, t.w[j], t.w[j] + 1, b + j);
		masked++;
	}
	v->tmo_esc.at = t.w[0];
	v->tmo_esc.n = t.n;
	memcpy(v->tmo_esc.left, b, t.n);
	v->tmo_esc.m = m;
	v->tmo_esc.done = 0;
	v->tmo_from = RTE_MIN(v->tmo_from, t.w[0]);
	return masked;
}

void
stream_view_tmo_complete(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
			 struct wm_view *v, unsigned int from)
{
	uint8_t b[VIEW_UNIT_MAX];
	unsigned int len;

	if (v->tmo_esc.at == UINT64_MAX || v->tmo_esc.done)
		return;
	for (unsigned int i = from; i < v->hist_len; i++) {
		len = v->wlen[i] & WM_PROTO_WLEN_LEN;
		if (len == WM_PROTO_WLEN_SEP || v->woff[i] < v->tmo_esc.at)
			continue;
		v->tmo_esc.done = 1;
		if (v->woff[i] > v->tmo_esc.at || len == 1)
			return; /* it ended as no escape: nothing to write */
		len = stream_view_unit(v->wlen[i], v->tmo_esc.m, b);
		/* As decided, unless it became another kind ("\n"). */
		if (memcmp(b, v->tmo_esc.left, v->tmo_esc.n) != 0) {
			ctx->stats->ctr[WM_CTR_MASK_ESCAPE_LEFT]++;
			return;
		}
		stream_view_unit_put(ctx, d, v, i, b, len);
		return;
	}
}

/*
 * A value the probe confirmed at history bytes [s, e): judged now (event,
 * counters, operator), its masked bytes from @base on into @out; the
 * stream finding it again later counts it once (stream_probe_claim()).
 */
static void
probe_value(struct wm_stream_ctx *ctx, struct wm_flow *f,
	    struct wm_stream_dir *d, struct wm_view *v, uint32_t ri,
	    unsigned int s, unsigned int e, unsigned int base, uint8_t *out)
{
	uint8_t val[WM_DETECT_WINDOW];
	uint64_t ws = v->woff[s];
	struct wm_stream_event ev = {
		.flow = f, .dir = (uint8_t)(d - sflow(f)->dir),
		.rule = (uint16_t)ri, .offset = ws, .len = e - s,
		.value = v->hist + s, .at_timeout = 1,
		.late = stream_leaked(d, ws) && ws < v->tmo_from,
	};
	bool plain = true;

	if (s >= e)
		return;
	for (unsigned int i = s; i < e; i++) {
		if ((v->wlen[i] & WM_PROTO_WLEN_LEN) == WM_PROTO_WLEN_SEP)
			return;
		plain &= (v->wlen[i] & WM_PROTO_WLEN_LEN) == 1 &&
			 !(v->wlen[i] & WM_PROTO_WLEN_CHANGED);
	}
	if (plain && v->woff[e - 1] + 1 - ws == e - s)
		return; /* as on the wire: the raw stream's probe judges it */
	if (ctx->event != NULL)
		ctx->event(ctx->event_arg, &ev);
	ctx->stats->ctr[WM_CTR_MASK_AT_TIMEOUT]++;
	if (!stream_value_mask(ctx, f, ri, v->hist + s, val, e - s, false))
		return;
	for (unsigned int i = RTE_MAX(s, base); i < e; i++)
		out[i - base] = val[i - s];
	v->probe_rules |= 1u << ri;
	v->probe_end = v->n - v->hist_len + e;
}

/*
 * The view's end-of-data probe: what would its stream report if the
 * message ended after the held tail? One terminator through a copy of
 * it (the real one goes on). Masks of values complete there go into
 * @out, which holds the history bytes from @base.
 */
static void
view_probe(struct wm_stream_ctx *ctx, struct wm_flow *f,
	   struct wm_stream_dir *d, struct wm_view *v, unsigned int base,
	   uint8_t *out)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	hs_stream_t *probe = stream_probe(ctx, v->db);
	static const uint8_t end = '\n';
	uint64_t h0 = v->n - v->hist_len;
	uint8_t win[WM_DETECT_WINDOW];

	/* No probe: the prefix rule alone still keeps every value masked. */
	if (probe == NULL || wm_match_stream_copy(probe, v->hs) < 0)
		return;
	ctx->nmatch = 0;
	ctx->match_max = WM_STREAM_MATCH_MAX;
	if (wm_match_scan(probe, &end, 1, ctx->scratch, stream_on_match,
			  ctx) < 0)
		return;
	for (uint32_t i = 0; i < ctx->nmatch && !f->blocked; i++) {
		uint32_t ri = ctx->match[i].rule;

		const struct wm_detector *det = pc->rules[ri].detector;
		uint64_t at = v->hs_base + ctx->match[i].end;
		unsigned int e = (unsigned int)(at - h0), w0, n;
		struct wm_span sp;

		/* A match may take the terminator: the window ends with it. */
		if (at < h0 || e > v->hist_len + 1u)
			continue;
		w0 = e > WM_DETECT_WINDOW ? e - WM_DETECT_WINDOW : 0;
		n = RTE_MIN(e, (unsigned int)v->hist_len) - w0;
		memcpy(win, v->hist + w0, n);
		if (e > v->hist_len)
			win[n] = end;
		if (!det->confirm(det, win, e - w0, &sp))
			continue;
		probe_value(ctx, f, d, v, ri, w0 + (unsigned int)sp.start,
			    RTE_MIN(w0 + (unsigned int)sp.end,
				    (unsigned int)v->hist_len), base, out);
	}
}

/*
 * The view's pending decoded bytes: values complete at them masked by
 * their operator (the probe), every byte that may still begin one
 * masked as far as each rule would mask it (wm_mask_prefix, as the raw
 * stream does), whichever asks for more. Bytes masked.
 */
static uint64_t
pending_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
	       struct wm_stream_dir *d, struct wm_view *v)
{
	uint8_t out[WM_DETECT_WINDOW];
	unsigned int len, base;
	uint64_t masked = 0;
	const uint8_t *h;
	size_t first;

	len = RTE_MIN((unsigned int)v->hist_len, (unsigned int)WM_DETECT_WINDOW);
	base = v->hist_len - len;
	h = v->hist + base;
	memcpy(out, h, len);
	if (v->active)  /* else its stream is not where its bytes are */
		view_probe(ctx, f, d, v, base, out);
	if (f->blocked)
		return 0;
	first = stream_prefix_decide(f->policy->conf, h, len, len, out);
	/* From here a value left as its policy says: decided. */
	if (first < len)
		v->tmo_from = RTE_MIN(v->tmo_from, v->woff[base + first]);
	for (unsigned int j = 0; j < len; j++) {
		uint64_t w = v->woff[base + j];

		if (out[j] == h[j] || w < d->r.released ||
		    stream_protected(f, d, w, w + 1))
			continue;
		stream_view_write(ctx, d, v, base + j, out[j]);
		masked++;
	}
	return masked;
}

uint64_t
stream_view_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
		   struct wm_stream_dir *d)
{
	uint64_t masked = 0;

	if (stream_view_pending(f, d) != 0)
		masked = pending_decide(ctx, f, d, dcold(d)->view);
	if (!f->blocked)
		masked += esc_decide(ctx, f, d);
	ctx->stats->ctr[WM_CTR_STREAM_HOLD_MASKED] += masked;
	return masked;
}
