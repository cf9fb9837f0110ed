/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scanning, confirming and masking: a direction's new bytes go through
 * its Hyperscan stream in chunks, each trigger is confirmed by its
 * detector on a window of history and chunk, and a value is masked by
 * its rule's operator in the held packets that carry it.
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "stream_priv.h"
#include "wm_mask.h"

int
stream_on_match(unsigned int id, unsigned long long end, void *arg)
{
	struct wm_stream_ctx *ctx = arg;

	if (unlikely(ctx->nmatch >= ctx->match_max))
		return 1; /* cannot happen: chunks are sized to fit */
	ctx->match[ctx->nmatch].rule = id;
	ctx->match[ctx->nmatch].end = end;
	ctx->nmatch++;
	return 0;
}

_Static_assert(WM_WIN_BYTES == WM_DETECT_WINDOW, "a window is a confirm window");
_Static_assert(WM_STREAM_TAIL < WM_WIN_BYTES, "the tail fits a window");
_Static_assert(WM_STREAM_TAIL >= WM_DETECT_LOOKBACK,
	       "the tail holds what a confirm reads before a value");

/*
 * History windows. While a direction is judged, d->win holds its last
 * WM_WIN_BYTES bytes: its own pooled window when a value was pending
 * after its last packet, else the lcore's ctx->win seeded with the tail
 * it kept. Afterwards it keeps a pooled window only if a value may
 * still be pending (hold > 0): a value cannot begin before bytes the
 * detectors released, so the tail (context before a value) is enough.
 */
static void
win_attach(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	if (d->win != NULL)
		return;
	memcpy(ctx->win, d->tail, d->hist_len);
	d->win = ctx->win;
}

/* Done judging: keep the window if @hold > 0. False: none to be had. */
bool
stream_win_detach(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		  size_t hold)
{
	uint8_t *w;

	if (d->win == NULL)
		return true;
	if (hold == 0) {
		uint16_t k = RTE_MIN(d->hist_len, (uint16_t)WM_STREAM_TAIL);

		if (k < d->hist_len)
			d->flags |= WM_STREAM_HIST_CUT;
		memcpy(d->tail, d->win + d->hist_len - k, k);
		d->hist_len = k;
		if (d->win != ctx->win)
			wm_slots_put(ctx->win_pool, d->win);
		d->win = NULL;
		return true;
	}
	if (d->win != ctx->win)
		return true;
	w = wm_slots_get(ctx->win_pool);
	if (w == NULL) {
		stream_win_detach(ctx, d, 0);
		return false;
	}
	memcpy(w, ctx->win, d->hist_len);
	d->win = w;
	return true;
}

static void
hist_append(struct wm_stream_dir *d, const uint8_t *p, uint32_t n)
{
	const uint32_t cap = WM_WIN_BYTES;

	if (n >= cap) {
		memcpy(d->win, p + n - cap, cap);
		d->hist_len = cap;
		return;
	}
	if (d->hist_len + n > cap) {
		uint32_t keep = cap - n;

		memmove(d->win, d->win + d->hist_len - keep, keep);
		d->hist_len = (uint16_t)keep;
	}
	memcpy(d->win + d->hist_len, p, n);
	d->hist_len = (uint16_t)(d->hist_len + n);
}

void
stream_value_count(struct wm_stream_ctx *ctx, const struct wm_flow *f,
		   uint32_t ri)
{
	ctx->stats->seg_values[f->segment][ri]++;
	if (f->policy->conf->rules[ri].mask.op == WM_MASK_ALERT) {
		ctx->stats->ctr[f->policy->shadow ? WM_CTR_SHADOW_VALUES :
				WM_CTR_MASK_ALERT]++;
		return;
	}
	ctx->stats->ctr[WM_CTR_MASK_VALUES]++;
	ctx->stats->masked[f->policy->det_id[ri]]++;
}

/*
 * What rule @ri of @f's policy makes of the confirmed value @val: true
 * with its masked bytes in @out; false for "alert" and "drop" (the flow
 * is blocked: nothing more of it passes). With @count, the value is
 * counted (a probe's value is counted once the stream confirms it).
 */
bool
stream_value_mask(struct wm_stream_ctx *ctx, struct wm_flow *f, uint32_t ri,
		  const uint8_t *val, uint8_t *out, uint32_t len, bool count)
{
	const struct wm_rule *rule = &f->policy->conf->rules[ri];
	struct wm_mask_env env = {
		.tok = ctx->tok,
		.segment = ctx->segment_names != NULL ?
			ctx->segment_names[f->segment] : "",
	};

	if (count)
		stream_value_count(ctx, f, ri);
	switch (rule->mask.op) {
	case WM_MASK_ALERT:
		return false;
	case WM_MASK_DROP:
		/* A value that must never pass: nothing more of the flow does. */
		stream_block(ctx, f, WM_CTR_DROP_POLICY);
		return false;
	default:
		break;
	}
	if (wm_mask_apply(&rule->mask, rule->detector->separators, val, out,
			  len, &env) < 0)
		ctx->stats->ctr[WM_CTR_MASK_KEY_ERROR]++;
	return true;
}

/*
 * The one path of a value confirmed by the stream or in late bytes of a
 * skipped hole: report the decision (every rule, alert included), count
 * it and make its masked bytes (@late: its start left in clear). True
 * with them in @out; false when nothing is to be written (alert, or
 * drop: @f is blocked).
 */
bool
stream_value_decide(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_stream_dir *d, uint32_t ri, uint64_t off,
	     const uint8_t *val, uint32_t len, bool late, uint8_t *out)
{
	struct wm_stream_event ev = {
		.flow = f, .dir = (uint8_t)(d - sflow(f)->dir),
		.rule = (uint16_t)ri, .offset = off, .len = len, .value = val,
		.late = late,
	};

	if (stream_protected(f, d, off, off + len)) {
		/* TLS, SSH, an SMTP envelope: changed, it would break. */
		ev.protect = 1;
		ctx->stats->ctr[WM_CTR_MASK_PROTECTED]++;
		if (ctx->event != NULL)
			ctx->event(ctx->event_arg, &ev);
		return false;
	}
	if (ctx->event != NULL)
		ctx->event(ctx->event_arg, &ev);
	return stream_value_mask(ctx, f, ri, val, out, len, true);
}

/*
 * A confirmed value at stream offset @off: report the decision, then mask
 * it where it lies (alert and drop leave it and act).
 */
static void
value_judged(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_stream_dir *d, uint32_t ri, uint64_t off,
	     const uint8_t *val, uint32_t len)
{
	uint8_t out[WM_DETECT_WINDOW];

	/*
	 * Judged already, by the probe of a hold timeout: it left masked
	 * (and was logged then); now it is known to be a value.
	 */
	if (stream_probe_claim(ctx, f, &dcold(d)->probe_rules,
			       dcold(d)->probe_end, ri, off + len))
		return;
	/*
	 * The raw bytes of an escape ("u002eroe@example.net" inside
	 * "john\u002eroe@..."): what the application reads is the decoded
	 * view's to judge, and a raw mask would break the escape.
	 */
	if ((ctx->view_n != 0 || dcold(d)->view != NULL) &&
	    stream_view_escaped(ctx, d, off, off + len)) {
		ctx->stats->ctr[WM_CTR_MASK_RAW_ESCAPED]++;
		return;
	}
	if (stream_value_decide(ctx, f, d, ri, off, val, len, stream_leaked(d, off),
			 out)) {
		stream_dir_write(ctx, d, off, off + len, val, out);
		stream_anchor_extend(ctx, f, d, ri, off);
	}
}

/*
 * Detectors take a window shorter than WM_DETECT_WINDOW for the stream's
 * start. A history cut to the tail is not: what came before it is
 * unknown, and a full window says so. Its first byte is repeated back
 * to a full window: a run that a detector walks back through reaches
 * win[0], whose past is unknown (refused, or cut), as it would with
 * the bytes that were there. (Every value starts in what was kept: the
 * detectors held nothing before the tail when it was cut.) Returns the
 * bytes of padding put before @len bytes at @win + pad.
 */
static size_t
hist_pad(const struct wm_stream_dir *d, uint8_t *win, size_t len)
{
	size_t pad;

	if (!(d->flags & WM_STREAM_HIST_CUT) || len >= WM_DETECT_WINDOW ||
	    len == 0)
		return 0;
	pad = WM_DETECT_WINDOW - len;
	memset(win, win[pad], pad);
	return pad;
}

size_t
stream_window(const struct wm_stream_dir *d, const uint8_t *end, size_t n,
	      uint8_t win[WM_DETECT_WINDOW])
{
	size_t want = RTE_MIN((size_t)WM_DETECT_WINDOW, n + d->hist_len);
	size_t from_hist = want > n ? want - n : 0;
	size_t pad = (d->flags & WM_STREAM_HIST_CUT) ?
		     WM_DETECT_WINDOW - want : 0;

	memcpy(win + pad, d->win + d->hist_len - from_hist, from_hist);
	memcpy(win + pad + from_hist, end - (want - from_hist),
	       want - from_hist);
	return want + hist_pad(d, win, want);
}

const uint8_t *
stream_hist_view(const struct wm_stream_dir *d, uint8_t buf[WM_DETECT_WINDOW],
		 size_t *len)
{
	size_t pad;

	*len = d->hist_len;
	if (!(d->flags & WM_STREAM_HIST_CUT) || d->hist_len == 0 ||
	    d->hist_len >= WM_DETECT_WINDOW)
		return d->win;
	pad = WM_DETECT_WINDOW - d->hist_len;
	memcpy(buf + pad, d->win, d->hist_len);
	*len = hist_pad(d, buf, d->hist_len) + d->hist_len;
	return buf;
}

/*
 * Confirm one trigger: the window is the WM_DETECT_WINDOW stream bytes
 * ending at the trigger end, taken from the history (before the chunk)
 * and the chunk's original bytes. A confirmed value is masked in place.
 */
static void
match_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
	    struct wm_stream_dir *d, const struct wm_stream_match *mt,
	    uint64_t chunk_off)
{
	const struct wm_rule *rule = &f->policy->conf->rules[mt->rule];
	uint8_t win[WM_DETECT_WINDOW];
	uint64_t in_chunk = mt->end - chunk_off;
	size_t want = stream_window(d, ctx->scan_src + in_chunk, in_chunk, win);
	uint64_t win_off = mt->end - want;
	struct wm_span sp;

	if (!rule->detector->confirm(rule->detector, win, want, &sp)) {
		ctx->stats->ctr[WM_CTR_MASK_REJECTED]++;
		return;
	}
	value_judged(ctx, f, d, mt->rule, win_off + sp.start, win + sp.start,
		     sp.end - sp.start);
}

/*
 * Scan @n bytes at @p as the next bytes of @d, where they lie (in the
 * packet): their only copy is the retained one. Masks of values in
 * them wait (defer_put) until every match is judged, so matches and
 * history read the original bytes. With @eod the byte is the virtual
 * end-of-stream terminator: judged, not kept. Returns 0 or -EIO.
 */
static int
chunk_scan(struct wm_stream_ctx *ctx, struct wm_flow *f,
	   struct wm_stream_dir *d, const uint8_t *p, uint32_t n, bool eod)
{
	uint64_t chunk_off = d->r.offset;
	uint64_t t0;
	int rc;

	if (!eod)
		wm_reasm_retain(&ctx->reasm, &d->r, p, n);
	ctx->nmatch = 0;
	t0 = wm_prof_start(ctx->prof);
	rc = wm_match_scan(d->hs, p, n, ctx->scratch, stream_on_match, ctx);
	t0 = wm_prof_stop(ctx->prof, WM_STAGE_SCAN, t0);
	if (rc < 0)
		return -EIO;
	ctx->scan_src = p;
	if (ctx->nmatch != 0 && !eod)
		stream_defer_start(ctx, d, chunk_off, n);
	for (uint32_t i = 0; i < ctx->nmatch && !f->blocked; i++) {
		/* Hyperscan counts from its own (re)start. */
		ctx->match[i].end += d->hs_base;
		match_judge(ctx, f, d, &ctx->match[i], chunk_off);
	}
	if (!eod && !f->blocked)
		hist_append(d, p, n);   /* the original bytes, still in p */
	if (ctx->defer_dir != NULL)
		stream_defer_flush(ctx);
	if (ctx->nmatch != 0)
		wm_prof_stop(ctx->prof, WM_STAGE_MASK, t0);
	if (f->blocked)
		return -EPIPE; /* a drop rule fired: the packet is gone */
	if (!eod)
		d->r.offset += n;
	/* Values a probe masked: past their terminators, not found again. */
	stream_probe_expire(ctx, &dcold(d)->probe_rules, dcold(d)->probe_end,
			    d->r.offset, eod);
	return 0;
}

/*
 * Feed the virtual end-of-data byte to @d's stream: values that end at
 * the last byte are judged (the byte itself is not kept). 0 or < 0.
 */
static int
eod_scan(struct wm_stream_ctx *ctx, struct wm_flow *f, struct wm_stream_dir *d)
{
	static const uint8_t eod = WM_DETECT_EOD_BYTE;

	ctx->match_max = WM_STREAM_MATCH_MAX;
	return chunk_scan(ctx, f, d, &eod, 1, true);
}

/*
 * A message of @d ended here (its protocol's framing, or a new message
 * after a decided tail): its values end too. The end-of-data byte goes
 * through the real stream and into the history, so no value runs on
 * into the next message and nothing before it is held. 0 or < 0.
 */
static int
stream_msg_end(struct wm_stream_ctx *ctx, struct wm_flow *f,
	       struct wm_stream_dir *d)
{
	static const uint8_t eod = WM_DETECT_EOD_BYTE;
	int rc;

	if (d->hs == NULL || (d->flags & WM_STREAM_BROKEN))
		return 0;
	rc = eod_scan(ctx, f, d);
	if (rc < 0)
		return rc;
	/* Hyperscan counted the byte: offsets map back one less (mod 2^64). */
	d->hs_base--;
	hist_append(d, &eod, 1);
	d->eod_at = (uint16_t)d->r.offset;
	return 0;
}

/* Scan @n bytes at @p as the next of @d, in chunks of @chunk. */
static int
piece_scan(struct wm_stream_ctx *ctx, struct wm_flow *f,
	   struct wm_stream_dir *d, const uint8_t *p, uint32_t n,
	   uint32_t chunk)
{
	while (n > 0) {
		uint32_t c = RTE_MIN(n, chunk);
		int rc = chunk_scan(ctx, f, d, p, c, false);

		if (rc < 0)
			return rc;
		p += c;
		n -= c;
	}
	return 0;
}

/* From here on nothing of @d is modified (until UNPROTECT). */
static void
prot_open(struct wm_stream_dir *d)
{
	d->flags &= (uint8_t)~WM_STREAM_ANCHOR;
	dcold(d)->prot_start = d->r.offset;
	dcold(d)->prot_end = UINT64_MAX;
}

/*
 * What the protocol stage asked for after the @po->n bytes just
 * scanned: its own same-length rewrites (written like masks: held
 * packets, checksums, retained bytes), then its act. 0 or < 0.
 */
static int
proto_act(struct wm_stream_ctx *ctx, struct wm_flow *f,
	  struct wm_stream_dir *d, const struct wm_proto_out *po)
{
	static const uint8_t blank[64] = { [0 ... 63] = ' ' };
	uint64_t base = d->r.offset - po->n;

	for (unsigned int i = 0; i < po->nedit; i++) {
		uint64_t s = base + po->edit[i].off;
		uint64_t e = s + po->edit[i].len;

		for (; s < e; s += RTE_MIN(e - s, sizeof(blank)))
			stream_put(ctx, d, s, s + RTE_MIN(e - s, sizeof(blank)),
				   blank);
	}
	switch (po->act) {
	case WM_PROTO_ACT_FRAME: /* framing scanned (frame_scan): values end */
	case WM_PROTO_ACT_MSG_END:
		stream_anchor_close(d);
		if (stream_view_end(ctx, f, d) < 0)
			return -EIO;
		return stream_msg_end(ctx, f, d);
	case WM_PROTO_ACT_PROTECT:
		prot_open(d);
		break;
	case WM_PROTO_ACT_UNPROTECT:
		dcold(d)->prot_end = d->r.offset;
		break;
	case WM_PROTO_ACT_UNEND:
		return stream_msg_unend(ctx, f, d);
	case WM_PROTO_ACT_DROP:
		stream_block(ctx, f, WM_CTR_DROP_PROTOCOL);
		return -EPIPE;
	case WM_PROTO_ACT_END_PROTECT:
		/* A Kafka value ended: decided now, then never modified. */
		if (stream_view_end(ctx, f, d) < 0 ||
		    stream_msg_end(ctx, f, d) < 0)
			return -EIO;
		prot_open(d);
		break;
	case WM_PROTO_ACT_FIXUP:
		stream_fix_open(ctx, d, base + (uint64_t)(int64_t)po->fix_at,
				po->fix_len);
		break;
	case WM_PROTO_ACT_FIXUP_END:
		if (po->fix_value) {    /* a value ended with the batch */
			if (stream_view_end(ctx, f, d) < 0 ||
			    stream_msg_end(ctx, f, d) < 0)
				return -EIO;
			prot_open(d);
		}
		return stream_fix_end(ctx, f, d, po->fix_ok != 0);
	default:
		break;
	}
	return 0;
}

/*
 * @n bytes of framing between values (PostgreSQL's type bytes and
 * lengths): what came before ends, then they are scanned never to be
 * modified (proto_act() ends them as a message). 0 or < 0.
 */
static int
frame_scan(struct wm_stream_ctx *ctx, struct wm_flow *f,
	   struct wm_stream_dir *d, const uint8_t *p, uint32_t n,
	   uint32_t chunk)
{
	int rc = stream_msg_end(ctx, f, d);

	if (rc < 0)
		return rc;
	dcold(d)->prot_start = d->r.offset;
	dcold(d)->prot_end = UINT64_MAX;
	rc = piece_scan(ctx, f, d, p, n, chunk);
	dcold(d)->prot_end = d->r.offset;
	return rc;
}

/*
 * Scan the TCP payload of @m from payload offset @skip: the protocol
 * stage walks it first and says where to act, the scan follows in
 * chunks up to each such place.
 */
static int
payload_scan(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_stream_dir *d, struct rte_mbuf *m, uint32_t skip)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	struct wm_proto_ctx pctx = {
		.conf = &f->policy->conf->proto, .stats = ctx->stats,
		.sport = pm->pi.sport, .dport = pm->pi.dport,
		.view_cap = WM_STREAM_CHUNK, .view = ctx->view,
		.view_off = ctx->view_off, .view_wlen = ctx->view_wlen,
	};
	const unsigned int dir = (unsigned int)(d - sflow(f)->dir);
	uint32_t chunk = WM_STREAM_CHUNK;
	uint32_t off = pm->pi.payload_off + skip;
	uint32_t left = pm->pi.payload_len - skip;
	struct rte_mbuf *seg = m;

	/* Each end offset reports a pattern at most once. */
	ctx->match_max = WM_STREAM_MATCH_MAX;
	if (chunk * f->policy->db->npatterns > WM_STREAM_MATCH_MAX)
		chunk = WM_STREAM_MATCH_MAX / f->policy->db->npatterns;
	ctx->stats->ctr[WM_CTR_STREAM_BYTES] += left;
	/* The protocol stage runs first: time for the retained copy's lines. */
	wm_reasm_retain_prefetch(&ctx->reasm, &d->r, left);
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (left > 0 && seg != NULL) {
		uint32_t k = RTE_MIN(left, (uint32_t)seg->data_len - off);
		const uint8_t *p = rte_pktmbuf_mtod_offset(seg, uint8_t *, off);

		left -= k;
		while (k > 0) {
			struct wm_proto_out po;
			uint32_t fk;
			int rc;

			uint32_t kk = RTE_MIN(k, (uint32_t)WM_STREAM_CHUNK);

			/* Not scanning the view: the decoders may skip ahead. */
			pctx.view_lazy = dcold(d)->view == NULL ||
					 !stream_view_active(d);
			if (likely(!ctx->proto_off))
				wm_proto_feed(&fcold(f)->proto, dir, &pctx, p,
					      kk, &po);
			else
				po = (struct wm_proto_out){ .n = kk };
			if (po.n > kk || (po.n == 0 && po.act == 0))
				po.n = kk; /* cannot happen: never stall */
			/* Escapes of this batch: not the raw stream's to write. */
			ctx->view_base = d->r.offset;
			ctx->view_n = po.nview;
			ctx->view_nsplit = po.nsplit;
			for (unsigned int s = 0; s < po.nsplit; s++) {
				ctx->view_split[s].at = po.split[s].at;
				ctx->view_split[s].gap_at = po.split[s].gap_at;
				ctx->view_split[s].k = po.split[s].k;
			}
			stream_anchor_feed(ctx, f, d, &po, d->r.offset);
			fk = po.act == WM_PROTO_ACT_FRAME ?
				RTE_MIN(po.frame, po.n) : 0;
			rc = piece_scan(ctx, f, d, p, po.n - fk, chunk);
			if (rc == 0 && fk > 0)
				rc = frame_scan(ctx, f, d, p + po.n - fk, fk,
						chunk);
			if (rc == 0)
				rc = stream_view_feed(ctx, f, d,
						      d->r.offset - po.n,
						      po.nview);
			ctx->view_n = 0;
			if (rc == 0)
				rc = proto_act(ctx, f, d, &po);
			ctx->nanchor = 0;
			if (rc < 0)
				return rc;
			p += po.n;
			k -= po.n;
		}
		seg = seg->next;
		off = 0;
	}
	return left == 0 ? 0 : -EIO;
}

/* Newest bytes of @d that may begin a value not yet ended. */
size_t
stream_dir_hold(const struct wm_flow *f, const struct wm_stream_dir *d)
{
	const struct wm_policy_conf *pc = f->policy->conf;
	const struct wm_stream_flow *sf = (const void *)f->area;
	uint8_t buf[WM_DETECT_WINDOW];
	size_t hold = 0, len;
	const uint8_t *h = stream_hist_view(d, buf, &len);

	/* Nothing is masked there: nothing to wait for. */
	if (wm_proto_protected(&wm_stream_cold_of(sf)->proto) ||
	    (!(d->flags & WM_STREAM_ANCHOR) && dcold(d)->prot_end == UINT64_MAX &&
	     dcold(d)->prot_start <= d->r.offset))
		return 0;
	for (unsigned int i = 0; i < pc->nrules; i++) {
		const struct wm_detector *det = pc->rules[i].detector;

		hold = RTE_MAX(hold, det->hold(det, h, len));
	}
	return RTE_MIN(hold, (size_t)d->hist_len);
}

/*
 * End of a stream (FIN, RST, a hole, expiry): terminate values and emit
 * what is held up to @upto (UINT64_MAX: all; a hole keeps the ACKs that
 * wait for the bytes after it).
 */
void
stream_dir_flush(struct wm_stream_ctx *ctx, struct wm_flow *f,
		 struct wm_stream_dir *d, uint64_t upto)
{
	if (d->hs != NULL && d->r.offset > 0 &&
	    !(d->flags & WM_STREAM_BROKEN)) {
		win_attach(ctx, d);
		if (eod_scan(ctx, f, d) < 0)
			d->flags |= WM_STREAM_BROKEN;
	}
	if (stream_view_end(ctx, f, d) < 0)
		d->flags |= WM_STREAM_BROKEN;
	/* The stream ended: nothing is pending. */
	stream_win_detach(ctx, d, 0);
	if (d->held_head != NULL)
		ctx->stats->ctr[WM_CTR_STREAM_FLUSH]++;
	stream_release(ctx, d, upto);
	stream_fix_flush(ctx, d);
}

/*
 * A tail decided at a hold timeout, then a new message: the values of
 * the tail end where the message ends, in the real stream too, so the
 * next request's first bytes are never glued onto the end of a card.
 * Returns true when the end of data was fed to the stream.
 */
static bool
msg_boundary(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_stream_dir *d, struct rte_mbuf *m)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint8_t head[8];
	const uint8_t *p;
	uint32_t n = RTE_MIN(pm->pi.payload_len, (uint32_t)sizeof(head));

	if (!(d->flags & WM_STREAM_DECIDED) || dcold(d)->tmo_end != d->r.offset ||
	    d->hs == NULL)
		return false;
	/* The request and status lines lib/proto knows. */
	p = rte_pktmbuf_read(m, pm->pi.payload_off, n, head);
	if (p == NULL || !wm_proto_http_start(p, n) ||
	    stream_msg_end(ctx, f, d) < 0)
		return false;
	dcold(d)->tmo_end = UINT64_MAX;
	return true;
}

/*
 * Judge new bytes: @m carries payload from stream offset d->r.offset -
 * @skip, of which the first @skip bytes were judged before (already
 * rewritten). Scan the rest, mask, then hold or release.
 */
void
stream_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
	     struct wm_stream_dir *d, struct rte_mbuf *m, uint32_t skip,
	     uint64_t now)
{
	struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t len = pm->pi.payload_len;
	/*
	 * The end of a write (PSH) after which the sender waits for the
	 * peer: every byte before these is acknowledged, so a sender with
	 * more to send and the window for it would not pause here; what
	 * follows waits for the held bytes themselves (the end of a
	 * request, Nagle). Mid-write, or with a flight still unacknowledged,
	 * the next bytes come within a round trip.
	 */
	bool early = (pm->pi.tcp_flags & WM_TCP_PSH) &&
		     d->r.acked >= d->r.released;
	size_t hold;

	if (d->hs == NULL && wm_match_stream_open(f->policy->db, &d->hs) < 0)
		d->flags |= WM_STREAM_BROKEN;
	pm->stream_off = d->r.offset - skip;
	stream_held_add(ctx, f, d, m, now, stream_hold_class(ctx, f, d, early));
	win_attach(ctx, d);
	if (!(d->flags & WM_STREAM_BROKEN) && skip == 0 &&
	    msg_boundary(ctx, f, d, m))
		ctx->stats->ctr[WM_CTR_STREAM_MSG_BOUNDARY]++;
	if ((d->flags & WM_STREAM_BROKEN) ||
	    payload_scan(ctx, f, d, m, skip) < 0) {
		stream_win_detach(ctx, d, 0);
		if (f->blocked)
			return; /* dropped with the rest of the flow */
		/* Fail closed: nothing of this direction leaves unjudged. */
		d->flags |= WM_STREAM_BROKEN;
		stream_discard(ctx, d, WM_CTR_DROP_SCAN_ERR);
		return;
	}
	d->r.next_seq += len - skip;
	hold = RTE_MAX(stream_dir_hold(f, d), stream_view_hold(f, d));
	hold = RTE_MAX(hold, stream_anchor_hold(ctx, d));
	if (!stream_win_detach(ctx, d, hold)) {
		/*
		 * No window left for a value that may be pending: the next
		 * packet could not confirm it. The memcap policy decides:
		 * drop the flow, or let the held bytes go as judged so far.
		 */
		ctx->stats->ctr[WM_CTR_REASM_WINDOW_FULL]++;
		if (ctx->conf->reasm.memcap != WM_FAIL_FORWARD) {
			stream_block(ctx, f, WM_CTR_DROP_WINDOW_FULL);
			return;
		}
		hold = 0;
	}
	/* A shadow segment's packets never wait: the window alone is kept. */
	stream_release(ctx, d, d->r.offset - (f->policy->shadow ? 0 : hold));
	if (d->held_tail == m) {
		ctx->stats->ctr[WM_CTR_STREAM_HELD]++;
		pm->held = 1;
		if (early)
			ctx->stats->ctr[WM_CTR_STREAM_HOLD_EARLY]++;
	} else {
		/* Left at once: time it until the peer's ACK (round trip). */
		wm_reasm_rtt_start(&d->r, now);
	}
}
