/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The decoded view of a direction (the protocol stage's struct
 * wm_proto_out view): a second Hyperscan stream that sees what the
 * application reads where the wire encodes it, near encodings only.
 *
 *   wire   card=4111+1111+1111+1111&email=jane.doe%40example.org
 *   view   card=4111 1111 1111 1111&email=jane.doe@example.org
 *                     ^ '+' decodes: the view scans from here, with the
 *                       256 bytes before it (the lookback) first
 *
 * The raw stream still scans every wire byte; the view scans only while
 * an encoding (an escape, a '+', chunk framing between bytes) lies
 * within the last 256 decoded bytes, and a value it finds is judged
 * only if its wire bytes are not the value itself (else the raw stream
 * judged it). A value is masked in the wire bytes that encode it, same
 * length, still valid: "%34" becomes "%2A", "\u0040" "\u002a", '+' or
 * a plain byte the masked byte (a '*' where that byte would not be safe
 * there), a two-byte JSON escape two fill bytes; never part of an
 * escape whose first bytes left as they came. Hold timeouts inside the
 * view: stream_view_tmo.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "stream_priv.h"

struct wm_view_pool {
	uint32_t cap;
	uint32_t made;
	uint32_t in_use;
	struct wm_view *free;
};

struct wm_view_pool *
stream_view_pool_create(uint32_t cap)
{
	struct wm_view_pool *p = calloc(1, sizeof(*p));

	if (p != NULL)
		p->cap = cap;
	return p;
}

void
stream_view_pool_free(struct wm_view_pool *p)
{
	if (p == NULL)
		return;
	while (p->free != NULL) {
		struct wm_view *v = p->free;

		p->free = v->next;
		wm_match_stream_close(v->hs);
		free(v);
	}
	free(p);
}

size_t
stream_view_bytes(const struct wm_view_pool *p)
{
	return p == NULL ? 0 : (size_t)p->made * sizeof(struct wm_view);
}

static struct wm_view *
view_get(struct wm_stream_ctx *ctx, const struct wm_match_db *db)
{
	struct wm_view_pool *p = ctx->views;
	struct wm_view *v;

	if (p == NULL)
		return NULL;
	v = p->free;
	if (v != NULL) {
		p->free = v->next;
	} else {
		/* Made on first use, then kept: only views used cost. */
		if (p->made == p->cap)
			return NULL;
		v = calloc(1, sizeof(*v));
		if (v == NULL)
			return NULL;
		p->made++;
	}
	if (v->hs != NULL && v->db != db) {
		wm_match_stream_close(v->hs);
		v->hs = NULL;
	}
	if (v->hs == NULL && wm_match_stream_open(db, &v->hs) < 0) {
		v->next = p->free;
		p->free = v;
		return NULL;
	}
	v->db = db;
	v->n = v->hs_base = v->last_enc = 0;
	v->wire_next = UINT64_MAX;
	v->tmo_from = UINT64_MAX;
	v->probe_rules = 0;
	v->tmo_esc.at = UINT64_MAX;
	v->nsplit = 0;
	memset(v->split, 0, sizeof(v->split));
	v->hist_len = 0;
	v->active = 0;
	p->in_use++;
	return v;
}

struct wm_view *
stream_view_get(struct wm_stream_ctx *ctx, struct wm_flow *f,
		struct wm_stream_dir *d)
{
	if (dcold(d)->view == NULL) {
		dcold(d)->view = view_get(ctx, f->policy->db);
		if (dcold(d)->view == NULL)
			ctx->stats->ctr[WM_CTR_STREAM_VIEW_FULL]++;
	}
	return dcold(d)->view;
}

/*
 * A reload: @d's view scans on with @db (the new policy's), primed with
 * the decoded history it keeps while it is scanning. 0 or < 0.
 */
int
stream_view_rebind(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		   const struct wm_match_db *db)
{
	struct wm_view *v = dcold(d)->view;
	hs_stream_t *hs;
	int rc;

	rc = stream_prime(ctx, db, &hs, v->hist, v->active ? v->hist_len : 0);
	if (rc < 0)
		return rc;
	wm_match_stream_close(v->hs);
	v->hs = hs;
	v->db = db;
	if (v->active)
		v->hs_base = v->n - v->hist_len;
	return 0;
}

/* A reload: the streams of the views not in use go (their database may). */
void
stream_view_pool_unpool(struct wm_view_pool *p)
{
	for (struct wm_view *v = p != NULL ? p->free : NULL; v != NULL;
	     v = v->next) {
		wm_match_stream_close(v->hs);
		v->hs = NULL;
		v->db = NULL;
	}
}

void
stream_view_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	struct wm_view *v = dcold(d)->view;

	if (v == NULL)
		return;
	dcold(d)->view = NULL;
	v->next = ctx->views->free;
	ctx->views->free = v;
	ctx->views->in_use--;
}

static bool
url_safe(uint8_t c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (c != 0 && strchr("-._~*", c) != NULL);
}

static bool
json_safe(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

unsigned int
stream_view_unit(uint8_t w, uint8_t m, uint8_t b[VIEW_UNIT_MAX])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned int len = w & WM_PROTO_WLEN_LEN;

	switch (len) {
	case 1:
		b[0] = m;
		if (((w & WM_PROTO_WLEN_URL) && !url_safe(m)) ||
		    ((w & WM_PROTO_WLEN_JSON) && !json_safe(m)))
			b[0] = '*';
		break;
	case 2:
		b[0] = b[1] = json_safe(m) ? m : '*';
		break;
	case 3:
		b[0] = '%';
		b[1] = (uint8_t)hex[m >> 4];
		b[2] = (uint8_t)hex[m & 15];
		break;
	case 6:
		memcpy(b, "\\u00", 4);
		b[4] = (uint8_t)hex[m >> 4];
		b[5] = (uint8_t)hex[m & 15];
		break;
	default:
		return 0; /* a separator: never part of a value */
	}
	return len;
}

/* The split of view byte @i's escape (chunk framing inside), or NULL. */
static const struct wm_view_split *
unit_split(const struct wm_view *v, unsigned int i)
{
	for (unsigned int s = 0; s < VIEW_SPLITS; s++)
		if (v->split[s].k != 0 && v->split[s].at == v->woff[i])
			return &v->split[s];
	return NULL;
}

/* Put @b, the @len wire bytes of view byte @i, cut as @sp says. */
static void
unit_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
	 const struct wm_view *v, unsigned int i, const uint8_t *b,
	 unsigned int len, const struct wm_view_split *sp)
{
	if (sp == NULL) {
		stream_put(ctx, d, v->woff[i], v->woff[i] + len, b);
		return;
	}
	/* An escape chunk framing cut: each part where it lies. */
	stream_put(ctx, d, sp->at, sp->at + sp->k, b);
	stream_put(ctx, d, sp->gap, sp->gap + len - sp->k, b + sp->k);
}

void
stream_view_unit_put(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		     const struct wm_view *v, unsigned int i, const uint8_t *b,
		     unsigned int len)
{
	unit_put(ctx, d, v, i, b, len, len > 1 ? unit_split(v, i) : NULL);
}

void
stream_view_write(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		  const struct wm_view *v, unsigned int i, uint8_t m)
{
	const struct wm_view_split *sp;
	uint8_t b[VIEW_UNIT_MAX];
	unsigned int len = stream_view_unit(v->wlen[i], m, b);
	uint64_t last;

	if (len == 0)
		return;
	sp = len > 1 ? unit_split(v, i) : NULL;
	last = sp != NULL ? sp->gap + len - sp->k - 1 : v->woff[i] + len - 1;
	/*
	 * Its first bytes left as they came: its rest alone would encode
	 * another byte ("\u003" + "A" is ':'), not the masked one. The
	 * escape a hold timeout decided was written whole as it came.
	 */
	if (v->woff[i] < d->r.released && last >= d->r.released) {
		if (v->woff[i] != v->tmo_esc.at)
			ctx->stats->ctr[WM_CTR_MASK_ESCAPE_LEFT]++;
		return;
	}
	unit_put(ctx, d, v, i, b, len, sp);
}

/*
 * A value the view confirmed at history bytes [s, e): judged and masked
 * in its wire bytes, unless they are the value itself (the raw stream's).
 */
static void
view_value(struct wm_stream_ctx *ctx, struct wm_flow *f,
	   struct wm_stream_dir *d, struct wm_view *v, uint32_t ri,
	   unsigned int s, unsigned int e)
{
	uint8_t out[WM_DETECT_WINDOW];
	uint64_t ws = v->woff[s], we;
	bool plain = true, late;

	for (unsigned int i = s; i < e; i++) {
		if ((v->wlen[i] & WM_PROTO_WLEN_LEN) == WM_PROTO_WLEN_SEP)
			return;
		plain &= (v->wlen[i] & WM_PROTO_WLEN_LEN) == 1 &&
			 !(v->wlen[i] & WM_PROTO_WLEN_CHANGED);
	}
	we = v->woff[e - 1] + (v->wlen[e - 1] & WM_PROTO_WLEN_LEN);
	if (plain && we - ws == e - s)
		return; /* as on the wire: the raw stream judged it */
	ctx->stats->ctr[WM_CTR_MASK_DECODED]++;
	if (stream_probe_claim(ctx, f, &v->probe_rules, v->probe_end, ri,
			       v->n - v->hist_len + e))
		return; /* judged at a hold timeout, masked then */
	/* Its start left: in clear, or masked by a hold timeout's decision. */
	late = stream_leaked(d, ws) && ws < v->tmo_from;
	if (!stream_value_decide(ctx, f, d, ri, ws, v->hist + s, e - s, late,
				 out))
		return;
	if (ws < d->r.released)
		ctx->stats->ctr[late ? WM_CTR_MASK_LATE :
				WM_CTR_MASK_AFTER_TIMEOUT]++;
	for (unsigned int i = s; i < e; i++)
		if (out[i - s] != v->hist[i])
			stream_view_write(ctx, d, v, i, out[i - s]);
}

/* Scan history bytes [from, to) of @v; judge what they end. */
static int
view_scan(struct wm_stream_ctx *ctx, struct wm_flow *f,
	  struct wm_stream_dir *d, struct wm_view *v, unsigned int from,
	  unsigned int to)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	uint64_t h0 = v->n - v->hist_len;   /* view offset of hist[0] */

	ctx->nmatch = 0;
	ctx->match_max = WM_STREAM_MATCH_MAX;
	if (wm_match_scan(v->hs, v->hist + from, to - from, ctx->scratch,
			  stream_on_match, ctx) < 0)
		return -EIO;
	for (uint32_t i = 0; i < ctx->nmatch && !f->blocked; i++) {
		uint32_t ri = ctx->match[i].rule;
		const struct wm_detector *det = pc->rules[ri].detector;
		uint64_t end = v->hs_base + ctx->match[i].end;
		unsigned int e = (unsigned int)(end - h0), w0;
		struct wm_span sp;

		if (end < h0 || e > v->hist_len)
			continue;
		w0 = e > WM_DETECT_WINDOW ? e - WM_DETECT_WINDOW : 0;
		if (!det->confirm(det, v->hist + w0, e - w0, &sp))
			continue;
		view_value(ctx, f, d, v, ri, w0 + (unsigned int)sp.start,
			   RTE_MIN(w0 + (unsigned int)sp.end, e));
	}
	return f->blocked ? -EPIPE : 0;
}

/*
 * Did an encoding decode the byte at wire offset @w with view_wlen @wl,
 * the previous one's wire bytes ending at @wn (UINT64_MAX: unknown)?
 * An escape, a '+', or a gap (chunk framing) before it.
 */
static bool
encoded(uint8_t wl, uint64_t w, uint64_t wn)
{
	return (wl & WM_PROTO_WLEN_LEN) != 1 || (wl & WM_PROTO_WLEN_CHANGED) ||
	       (wn != UINT64_MAX && w != wn);
}

/* Append up to VIEW_STEP decoded bytes to the history, oldest out. */
static bool
view_append(struct wm_view *v, uint64_t base, const uint8_t *b,
	    const int32_t *off, const uint8_t *wl, unsigned int k)
{
	bool enc = false;

	if (v->hist_len + k > VIEW_HIST) {
		unsigned int drop = v->hist_len + k - VIEW_HIST;

		memmove(v->hist, v->hist + drop, v->hist_len - drop);
		memmove(v->wlen, v->wlen + drop, v->hist_len - drop);
		memmove(v->woff, v->woff + drop,
			(v->hist_len - drop) * sizeof(v->woff[0]));
		v->hist_len = (uint16_t)(v->hist_len - drop);
	}
	for (unsigned int j = 0; j < k; j++) {
		unsigned int at = v->hist_len + j;
		uint64_t w = base + (int64_t)off[j];
		uint8_t len = wl[j] & WM_PROTO_WLEN_LEN;

		v->hist[at] = b[j];
		v->wlen[at] = wl[j];
		v->woff[at] = w;
		if (len == WM_PROTO_WLEN_SEP) {
			v->wire_next = UINT64_MAX;
			continue;
		}
		if (encoded(wl[j], w, v->wire_next)) {
			enc = true;
			v->last_enc = v->n + j + 1;
		}
		v->wire_next = w + len;
	}
	v->hist_len = (uint16_t)(v->hist_len + k);
	v->n += k;
	return enc;
}

/* Index of the first byte of the batch that an encoding decoded. */
static unsigned int
first_encoded(const struct wm_view *v, uint64_t base, const int32_t *off,
	      const uint8_t *wl, unsigned int n, bool *plain)
{
	uint64_t wn = v != NULL ? v->wire_next : UINT64_MAX;

	*plain = false;
	for (unsigned int j = 0; j < n; j++) {
		uint64_t w = base + (int64_t)off[j];
		uint8_t len = wl[j] & WM_PROTO_WLEN_LEN;

		if (len == WM_PROTO_WLEN_SEP) {
			wn = UINT64_MAX;
			continue;
		}
		*plain |= (wl[j] & WM_PROTO_WLEN_FRAMED) ||
			  !(wl[j] & (WM_PROTO_WLEN_URL | WM_PROTO_WLEN_JSON));
		if (encoded(wl[j], w, wn))
			return j;
		wn = w + len;
	}
	return n;
}

/*
 * Start scanning @v before decoded byte @w0 (wire offset) of a batch in
 * context @ctxflag: the lookback is the view's own history where it has
 * one (a chunked body: decoded all along), else the wire bytes before
 * it (a query, form or JSON body: the decoder left them out, they were
 * themselves), from the raw stream's history.
 */
static int
view_activate(struct wm_stream_ctx *ctx, struct wm_flow *f,
	      struct wm_stream_dir *d, struct wm_view *v, uint64_t w0,
	      uint8_t ctxflag)
{
	uint64_t r0 = d->r.offset - d->hist_len, lo;

	if (!(ctxflag & WM_PROTO_WLEN_FRAMED) || v->hist_len == 0) {
		v->hist_len = 0;
		if (d->win != NULL && w0 > r0 && w0 <= d->r.offset) {
			lo = RTE_MAX(r0, w0 > WM_DETECT_WINDOW ?
					 w0 - WM_DETECT_WINDOW : 0);
			for (uint64_t w = lo; w < w0; w++) {
				v->hist[v->hist_len] = d->win[w - r0];
				v->wlen[v->hist_len] = 1 | (ctxflag &
					(WM_PROTO_WLEN_URL | WM_PROTO_WLEN_JSON));
				v->woff[v->hist_len] = w;
				v->hist_len++;
			}
			v->n += v->hist_len;
		}
		v->wire_next = w0;
	}
	wm_match_stream_reset(v->hs);
	v->hs_base = v->n - v->hist_len;
	v->active = 1;
	ctx->stats->ctr[WM_CTR_STREAM_VIEW_SCANS]++;
	return v->hist_len != 0 ? view_scan(ctx, f, d, v, 0, v->hist_len) : 0;
}

/* Is any byte of [s, e) an escape's (the raw stream must not write it)? */
bool
stream_view_escaped(const struct wm_stream_ctx *ctx,
		    const struct wm_stream_dir *d, uint64_t s, uint64_t e)
{
	const struct wm_view *v = dcold(d)->view;

	for (uint32_t i = 0; i < ctx->view_n; i++) {
		uint64_t w = ctx->view_base + (int64_t)ctx->view_off[i];
		uint8_t len = ctx->view_wlen[i] & WM_PROTO_WLEN_LEN;

		if (len > 1 && w < e && w + len > s)
			return true;
	}
	for (unsigned int i = 0; v != NULL && v->active && i < v->hist_len;
	     i++) {
		uint8_t len = v->wlen[i] & WM_PROTO_WLEN_LEN;

		if (len > 1 && v->woff[i] < e && v->woff[i] + len > s)
			return true;
	}
	return false;
}

int
stream_view_feed(struct wm_stream_ctx *ctx, struct wm_flow *f,
		 struct wm_stream_dir *d, uint64_t base, uint32_t nview)
{
	uint32_t step = VIEW_STEP;
	struct wm_view *v = dcold(d)->view;
	unsigned int enc = nview;
	bool plain = false;
	int rc = 0;

	if (nview == 0 || (d->flags & WM_STREAM_BROKEN))
		return 0;
	if (v == NULL || !v->active)
		enc = first_encoded(v, base, ctx->view_off, ctx->view_wlen,
				    nview, &plain);
	/* A chunked body keeps its view all along (its framing is the
	 * encoding); the others get one at their first escape. */
	if (v == NULL && (plain || enc < nview))
		v = stream_view_get(ctx, f, d);
	if (v == NULL)
		return 0;
	for (unsigned int s = 0; s < ctx->view_nsplit; s++) {
		unsigned int at = v->nsplit++ % VIEW_SPLITS;

		v->split[at].at = base + (int64_t)ctx->view_split[s].at;
		v->split[at].gap = base + (int64_t)ctx->view_split[s].gap_at;
		v->split[at].k = ctx->view_split[s].k;
	}
	if (step * f->policy->db->npatterns > WM_STREAM_MATCH_MAX)
		step = WM_STREAM_MATCH_MAX / f->policy->db->npatterns;
	for (uint32_t i = 0; i < nview && rc == 0; i += step) {
		unsigned int k = RTE_MIN(step, nview - i);

		if (!v->active && enc >= i && enc < i + k) {
			/* The bytes before the escape, then a scan from it. */
			unsigned int pre = enc - i;

			view_append(v, base, ctx->view + i, ctx->view_off + i,
				    ctx->view_wlen + i, pre);
			stream_view_tmo_complete(ctx, d, v, v->hist_len - pre);
			rc = view_activate(ctx, f, d, v,
					   base + (int64_t)ctx->view_off[enc],
					   ctx->view_wlen[enc] &
					   (WM_PROTO_WLEN_URL | WM_PROTO_WLEN_JSON |
					    WM_PROTO_WLEN_FRAMED));
			i += pre;
			k -= pre;
			if (rc != 0 || k == 0)
				break;
		}
		view_append(v, base, ctx->view + i, ctx->view_off + i,
			    ctx->view_wlen + i, k);
		stream_view_tmo_complete(ctx, d, v, v->hist_len - k);
		if (v->active)
			rc = view_scan(ctx, f, d, v, v->hist_len - k,
				       v->hist_len);
	}
	stream_probe_expire(ctx, &v->probe_rules, v->probe_end, v->n, false);
	if (rc == 0 && v->active && v->n - v->last_enc > WM_DETECT_WINDOW &&
	    stream_view_hold(f, d) == 0)
		v->active = 0; /* nothing pending, no encoding near */
	return rc;
}

int
stream_view_end(struct wm_stream_ctx *ctx, struct wm_flow *f,
		struct wm_stream_dir *d)
{
	struct wm_view *v = dcold(d)->view;
	static const int32_t off;
	static const uint8_t wl = WM_PROTO_WLEN_SEP;
	int rc = 0;

	if (v == NULL)
		return 0;
	if (v->active && !(d->flags & WM_STREAM_BROKEN)) {
		/* The end ends its values: one terminator through the scan. */
		view_append(v, 0, (const uint8_t *)"\n", &off, &wl, 1);
		rc = view_scan(ctx, f, d, v, v->hist_len - 1, v->hist_len);
	}
	stream_probe_expire(ctx, &v->probe_rules, v->probe_end, v->n, true);
	stream_view_put(ctx, d);
	return rc;
}

/* The wire bytes the view's pending decoded bytes start at (hold). */
static size_t
view_pending(const struct wm_flow *f, const struct wm_stream_dir *d)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	const struct wm_view *v = dcold(d)->view;
	unsigned int len, h = 0;
	uint64_t w;

	if (v == NULL || v->hist_len == 0)
		return 0;
	len = RTE_MIN((unsigned int)v->hist_len, (unsigned int)WM_DETECT_WINDOW);
	for (unsigned int i = 0; i < pc->nrules; i++) {
		const struct wm_detector *det = pc->rules[i].detector;

		h = RTE_MAX(h, (unsigned int)det->hold(det, v->hist +
						       v->hist_len - len, len));
	}
	if (h == 0)
		return 0;
	w = v->woff[v->hist_len - RTE_MIN(h, len)];
	return w < d->r.offset ? (size_t)(d->r.offset - w) : 0;
}

size_t
stream_view_pending(const struct wm_flow *f, const struct wm_stream_dir *d)
{
	const struct wm_view *v = dcold(d)->view;

	/* Not scanning, a chunked body's view still holds: the next
	 * chunk's framing may cut a value pending at its end. */
	return v != NULL && (v->active || stream_view_whole(v)) ?
	       view_pending(f, d) : 0;
}

size_t
stream_view_hold(const struct wm_flow *f, const struct wm_stream_dir *d)
{
	return RTE_MAX(stream_view_pending(f, d), stream_view_esc_hold(f, d));
}

bool
stream_view_active(const struct wm_stream_dir *d)
{
	return dcold(d)->view->active != 0;
}

uint64_t
stream_view_from(const struct wm_flow *f, const struct wm_stream_dir *d)
{
	const struct wm_view *v = dcold(d)->view;
	uint64_t esc = stream_view_esc_from(f, d);

	/*
	 * A view not scanning holds nothing: the raw stream decides; but
	 * in a chunked body the view does, as the raw bytes hold framing.
	 */
	if (v == NULL || !(v->active || stream_view_whole(v)))
		return esc;
	for (unsigned int i = 0; i < v->hist_len; i++)
		if ((v->wlen[i] & WM_PROTO_WLEN_LEN) != WM_PROTO_WLEN_SEP)
			return RTE_MIN(v->woff[i], esc);
	return esc;
}
