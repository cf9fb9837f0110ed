/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Late bytes of a skipped hole: judged on their own (the stream went on
 * without them), through the same path as the stream's values.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "stream_priv.h"

/*
 * The @n payload bytes of @m from @pos belong to a hole that was
 * skipped: the stream went on without them, so they are judged on their
 * own (a value cut by the hole's edges cannot be recognised, as at the
 * skip), each value as the stream's are (value_decide). Returns 0, or
 * -EPIPE when a drop rule blocked the flow, -EIO when they cannot be
 * scanned.
 */
int
stream_hole_judge(struct wm_stream_ctx *ctx, struct wm_flow *f,
		  struct wm_stream_dir *d, struct rte_mbuf *m, uint32_t pos,
		  uint32_t n)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);
	uint32_t at0 = pm->pi.payload_off + pos;
	const void *p;
	const struct wm_policy_conf *pc = f->policy->conf;
	uint32_t chunk = WM_STREAM_MATCH_MAX / f->policy->db->npatterns;
	uint8_t *buf = ctx->hole, out[WM_DETECT_WINDOW];
	hs_stream_t *hs;
	int rc = 0;

	p = rte_pktmbuf_read(m, at0, n, buf);
	if (p == NULL)
		return -EIO;
	if (p != buf)
		memcpy(buf, p, n);
	buf[n] = WM_DETECT_EOD_BYTE;    /* the hole's end ends its values */
	if (wm_match_stream_open(f->policy->db, &hs) < 0)
		return -EIO;
	ctx->stats->ctr[WM_CTR_REASM_HOLE_LATE]++;
	for (uint32_t at = 0; at <= n && rc == 0; at += chunk) {
		uint32_t k = RTE_MIN(chunk, n + 1 - at);

		ctx->nmatch = 0;
		ctx->match_max = WM_STREAM_MATCH_MAX;
		if (wm_match_scan(hs, buf + at, k, ctx->scratch,
				  stream_on_match, ctx) < 0) {
			rc = -EIO;
			break;
		}
		for (uint32_t i = 0; i < ctx->nmatch; i++) {
			const struct wm_rule *rule =
				&pc->rules[ctx->match[i].rule];
			uint64_t end = ctx->match[i].end;
			uint64_t w0 = end > WM_DETECT_WINDOW ?
				      end - WM_DETECT_WINDOW : 0;
			struct wm_span sp;
			uint32_t vs, ve;

			if (!rule->detector->confirm(rule->detector, buf + w0,
						     end - w0, &sp)) {
				ctx->stats->ctr[WM_CTR_MASK_REJECTED]++;
				continue;
			}
			vs = (uint32_t)(w0 + sp.start);
			ve = RTE_MIN((uint32_t)(w0 + sp.end), n);
			if (vs >= ve)
				continue;
			if (stream_value_decide(ctx, f, d, ctx->match[i].rule,
					 pm->stream_off + pos + vs, buf + vs,
					 ve - vs, false, out)) {
				/* Masks add up (dir_write()). */
				for (uint32_t k = 0; k < ve - vs; k++)
					if (out[k] != buf[vs + k])
						wm_reasm_pkt_write(m, pos + vs + k,
								   out + k, 1);
			}
			else if (f->blocked) {
				rc = -EPIPE;
				break;
			}
		}
	}
	wm_match_stream_close(hs);
	return rc;
}
