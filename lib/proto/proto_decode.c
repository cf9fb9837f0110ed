/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoders of the view (struct wm_proto_out): the bytes an application
 * reads, each mapped to the wire bytes that encode it. They work a
 * callback's piece at a time; an escape cut between pieces (or packets)
 * is carried in the direction's dec/dec_acc/dec_n.
 *
 *   url   "%40" -> '@' (3 wire bytes), '+' -> ' ' in a query string and
 *         a urlencoded body; a '%' not followed by two hex digits stays
 *   json  inside strings: "\u0040" -> '@' (6), "\/" -> '/' (2), ...;
 *         a \u escape beyond ASCII decodes to 0xff, never part of a value
 *   plain itself (a chunked body: the framing is what the view removes)
 */
#include <string.h>

#include "proto_decode.h"

enum { DEC_NONE, DEC_PCT, DEC_ESC, DEC_U };

static void
emit(const struct wm_proto_ctx *ctx, struct wm_proto_out *o, uint8_t b,
     int64_t off, uint8_t wlen)
{
	if (o->nview >= ctx->view_cap)
		return; /* cannot happen: the engine feeds at most view_cap */
	ctx->view[o->nview] = b;
	ctx->view_off[o->nview] = (int32_t)off;
	ctx->view_wlen[o->nview] = ctx->view_framed && wlen != WM_PROTO_WLEN_SEP ?
				   wlen | WM_PROTO_WLEN_FRAMED : wlen;
	o->nview++;
}

/* An escape begins at wire offset @w (from the start of the bytes fed). */
static void
esc_begin(struct wm_proto_dir *d, int64_t w)
{
	d->esc.at = (int32_t)w;
	d->esc.next = (int32_t)(w + 1);
	d->esc.k = 0;
	d->esc.broken = 0;
}

/* Its next wire byte is at @w: after a gap (chunk framing), remember. */
static void
esc_byte(struct wm_proto_dir *d, int64_t w)
{
	if (w != d->esc.next) {
		if (d->esc.k == 0) {
			d->esc.k = (uint8_t)(d->esc.next - d->esc.at);
			d->esc.gap_at = (int32_t)w;
		} else {
			d->esc.broken = 1;
		}
	}
	d->esc.next = (int32_t)(w + 1);
}

/* The escape decoded to @b, @wlen wire bytes: into the view. */
static void
esc_emit(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
	 struct wm_proto_out *o, uint8_t b, uint8_t wlen)
{
	if (d->esc.k != 0 && !d->esc.broken) {
		if (o->nsplit == WM_PROTO_MAX_EDITS) {
			d->esc.broken = 1;
		} else {
			o->split[o->nsplit].at = d->esc.at;
			o->split[o->nsplit].gap_at = d->esc.gap_at;
			o->split[o->nsplit].k = d->esc.k;
			o->nsplit++;
		}
	}
	/* Cut twice, it could not be rewritten: never part of a value. */
	emit(ctx, o, d->esc.broken ? 0xff : b, d->esc.at, wlen);
}

void
proto_view_rebase(struct wm_proto_dir *d, uint32_t n)
{
	d->esc.at -= (int32_t)n;
	d->esc.next -= (int32_t)n;
	d->esc.gap_at -= (int32_t)n;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void
proto_view_sep(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
	       struct wm_proto_out *o, int64_t off)
{
	d->dec = DEC_NONE;
	if (ctx->view_cap != 0 && o->nview != 0 &&
	    ctx->view_wlen[o->nview - 1] == WM_PROTO_WLEN_SEP)
		return;
	if (ctx->view_cap != 0)
		emit(ctx, o, '\n', off, WM_PROTO_WLEN_SEP);
}

/*
 * Lazy (ctx->view_lazy): skip to the first byte that decodes to another
 * (@a or @b), unless an escape is under way; from there the view is on
 * for the rest of this feed. Returns where to start.
 */
static size_t
lazy_skip(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
	  struct wm_proto_out *o, const uint8_t *p, size_t n, uint8_t a,
	  uint8_t b)
{
	const uint8_t *x, *y;
	size_t i = 0;

	if (!ctx->view_lazy || o->view_on)
		return 0;
	if (d->dec == DEC_NONE) {
		/* memchr: most bodies have no escape at all */
		x = memchr(p, a, n);
		y = a != b ? memchr(p, b, x != NULL ? (size_t)(x - p) : n) : NULL;
		i = y != NULL ? (size_t)(y - p) : x != NULL ? (size_t)(x - p) : n;
	}
	if (i < n)
		o->view_on = 1;
	return i;
}

void
proto_view_url(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
	       struct wm_proto_out *o, const uint8_t *p, int64_t off,
	       size_t n)
{
	if (ctx->view_cap == 0)
		return;
	for (size_t i = lazy_skip(d, ctx, o, p, n, '%', '+'); i < n; i++) {
		uint8_t c = p[i];
		int64_t w = off + (int64_t)i;
		int h;

		if (d->dec == DEC_PCT) {
			h = hexval(c);
			if (h >= 0) {
				esc_byte(d, w);
				if (d->dec_n == 1) {
					d->dec_acc = (uint8_t)h;
					d->dec_n = 2;
					continue;
				}
				esc_emit(d, ctx, o, (uint8_t)(d->dec_acc << 4 | h),
					 3 | WM_PROTO_WLEN_URL);
				d->dec = DEC_NONE;
				continue;
			}
			/* Not an escape: '%' (and its digit) as they are. */
			emit(ctx, o, '%', d->esc.at, 1 | WM_PROTO_WLEN_URL);
			if (d->dec_n == 2)
				emit(ctx, o, "0123456789abcdef"[d->dec_acc],
				     d->esc.k == 1 ? d->esc.gap_at : d->esc.at + 1,
				     1 | WM_PROTO_WLEN_URL);
			d->dec = DEC_NONE;
		}
		if (c == '%') {
			d->dec = DEC_PCT;
			d->dec_n = 1;
			esc_begin(d, w);
			continue;
		}
		emit(ctx, o, c == '+' ? ' ' : c, w,
		     c == '+' ? 1 | WM_PROTO_WLEN_URL | WM_PROTO_WLEN_CHANGED :
				1 | WM_PROTO_WLEN_URL);
	}
}

void
proto_view_json(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
		struct wm_proto_out *o, const uint8_t *p, int64_t off,
		size_t n)
{
	static const uint8_t esc[128] = {
		['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
		['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
	};

	if (ctx->view_cap == 0)
		return;
	for (size_t i = lazy_skip(d, ctx, o, p, n, '\\', '\\'); i < n; i++) {
		uint8_t c = p[i];
		int64_t w = off + (int64_t)i;
		int h;

		switch (d->dec) {
		case DEC_ESC:
			d->dec = DEC_NONE;
			esc_byte(d, w);
			if (c == 'u') {
				d->dec = DEC_U;
				d->dec_n = 0;
				d->dec_acc = 0;
				continue;
			}
			esc_emit(d, ctx, o, c < 128 && esc[c] ? esc[c] : c,
				 2 | WM_PROTO_WLEN_JSON);
			continue;
		case DEC_U:
			h = hexval(c);
			if (h < 0) {
				d->dec = DEC_NONE; /* broken: not ours to fix */
				emit(ctx, o, c, w, 1 | WM_PROTO_WLEN_JSON);
				continue;
			}
			esc_byte(d, w);
			/* dec_acc: the code so far, 0xff once beyond ASCII */
			if (d->dec_n < 2 && h != 0)
				d->dec_acc = 0xff;
			else if (d->dec_n >= 2 && d->dec_acc != 0xff)
				d->dec_acc = (uint8_t)(d->dec_acc << 4 | h);
			if (++d->dec_n < 4)
				continue;
			d->dec = DEC_NONE;
			esc_emit(d, ctx, o, d->dec_acc >= 0x80 ? 0xff : d->dec_acc,
				 6 | WM_PROTO_WLEN_JSON);
			continue;
		default:
			break;
		}
		if (c == '\\') {
			d->dec = DEC_ESC;
			esc_begin(d, w);
			continue;
		}
		emit(ctx, o, c, w, 1 | WM_PROTO_WLEN_JSON);
	}
}

void
proto_view_plain(const struct wm_proto_ctx *ctx, struct wm_proto_out *o,
		 const uint8_t *p, int64_t off, size_t n)
{
	if (ctx->view_cap == 0)
		return;
	for (size_t i = 0; i < n; i++)
		emit(ctx, o, p[i], off + (int64_t)i, 1);
}

bool
wm_proto_view_esc(const struct wm_proto_flow *pf, unsigned int dir,
		  struct wm_proto_esc *e)
{
	const struct wm_proto_dir *d = &pf->dir[dir];

	/* Only HTTP rebases the escape's offsets after each feed. */
	if (d->proto != WM_PROTO_HTTP || d->dec == DEC_NONE || d->esc.broken)
		return false;
	e->at = d->esc.at;
	e->gap_at = d->esc.gap_at;
	e->k = d->esc.k;
	switch (d->dec) {
	case DEC_PCT:   /* '%', then one hex digit */
		e->n = d->dec_n;
		e->len = 3;
		e->wlen = WM_PROTO_WLEN_URL;
		break;
	case DEC_ESC:   /* a backslash: "\u0031" or "\n", the next byte says */
		e->n = 1;
		e->len = 0;
		e->wlen = WM_PROTO_WLEN_JSON;
		break;
	default:        /* DEC_U: "\u", then dec_n hex digits */
		e->n = (uint8_t)(2 + d->dec_n);
		e->len = 6;
		e->wlen = WM_PROTO_WLEN_JSON;
		break;
	}
	return true;
}
