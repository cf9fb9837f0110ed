/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Integrity fix-ups after masking: a Kafka v2 record batch carries a
 * CRC32C over its attributes .. its end. The protocol stage says where
 * the CRC lies when the batch begins (FIXUP) and when its last byte is
 * judged (FIXUP_END):
 *
 *   stream:  [ ... |crc| attributes ... records ............ ] end
 *                   ^ fix_at          (fix_len bytes after it)
 *   packets:  [  P1 (pinned)  ][ P2 leaves ][ P3 leaves ][ P4 ]
 *
 * The packets carrying the CRC field do not leave with the others
 * (stream_release hands them here: pin_head, off the hold lists, so no
 * hold timeout lets them go); the others leave as they are judged (the
 * receiver keeps them out of order, and the sender's window moves on
 * SACKs). At FIXUP_END every byte of the batch is final: the CRC is
 * computed over them as they leave (the retained bytes, masks written
 * in), written into the pinned packets (TCP checksum fixed) and the
 * retained bytes (a retransmission leaves with it too), and the pinned
 * packets go. A batch that never ends (FIN, RST, a hole) releases them
 * as they are: its receiver never has the whole batch.
 *
 * A batch larger than what its sender puts on the wire before it needs
 * the first packet acknowledged (its congestion window) would never
 * end so: when the sender sends the CRC's packet again, or the pin
 * outlives the hold limit, the pinned packets leave as they came
 * (kafka.crc_stalled) and the batch is forged instead. Its bytes stay
 * retained (r.keep), and at its end 12 masked bytes still held near it
 * become '@' + 4 bits each, chosen (a linear system over GF(2): a
 * CRC is linear in the bytes it covers) so that the CRC as sent covers
 * the bytes as they leave (kafka.crc_forged). Still no value there, and
 * printable. Fewer than 12 masked bytes held, or no solution: the
 * batch keeps the CRC it came with, the broker refuses it and the
 * producer retries (kafka.crc_unforgeable).
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "stream_priv.h"

/* struct wm_stream_dir.fix_open */
enum {
	FIX_NONE,
	FIX_PIN,        /* the CRC packets wait for the batch's end */
	FIX_FORGE,      /* they left as they came: the batch's last masked
			 * bytes are chosen so that its CRC stays right */
};

void
stream_fix_open(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		uint64_t at, uint32_t len)
{
	if (dcold(d)->fix_open)
		stream_fix_flush(ctx, d); /* cannot happen: one at a time */
	dcold(d)->fix_at = at;
	dcold(d)->fix_len = len;
	dcold(d)->fix_open = FIX_PIN;
}

static bool
carries(struct rte_mbuf *m, uint64_t at)
{
	const struct wm_pkt_meta *pm = wm_pkt_meta(m);

	return pm->pi.payload_len != 0 && pm->stream_off < at + 4 &&
	       wm_reasm_pkt_end(m) > at;
}

static void fix_forge_now(struct wm_stream_ctx *ctx, struct wm_stream_dir *d);

bool
stream_fix_pin(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
	       struct rte_mbuf *m)
{
	struct rte_mbuf **link = &dcold(d)->pin_head;

	/* Forging (the CRC left as it came): copies leave as it did. */
	if (dcold(d)->fix_open != FIX_PIN || !carries(m, dcold(d)->fix_at))
		return false;
	/* Sent again: the sender waits for its ACK, the batch's end with it. */
	if (dcold(d)->pin_head != NULL) {
		fix_forge_now(ctx, d);
		return false;
	}
	while (*link != NULL)
		link = &wm_pkt_meta(*link)->next;
	wm_pkt_meta(m)->next = NULL;
	*link = m;
	ctx->stats->ctr[WM_CTR_KAFKA_CRC_PINNED]++;
	return true;
}

/* Let the pinned packets go, in order. */
static void
pins_emit(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	while (dcold(d)->pin_head != NULL) {
		struct rte_mbuf *m = dcold(d)->pin_head;
		struct wm_pkt_meta *pm = wm_pkt_meta(m);

		dcold(d)->pin_head = pm->next;
		pm->next = NULL;
		pm->owner = NULL;
		wm_stats_held_add(ctx->stats, stream_held_us(ctx, m));
		ctx->emit(m, ctx->emit_arg);
	}
}

/* Write the 4 CRC bytes into every packet that carries them. */
static void
crc_write(struct wm_stream_dir *d, const uint8_t crc[4])
{
	struct rte_mbuf *lists[2] = { d->held_head, dcold(d)->pin_head };

	for (unsigned int l = 0; l < 2; l++)
		for (struct rte_mbuf *m = lists[l]; m != NULL;
		     m = wm_pkt_meta(m)->next) {
			uint64_t ps = wm_pkt_meta(m)->stream_off;
			uint64_t s = RTE_MAX(dcold(d)->fix_at, ps);
			uint64_t e = RTE_MIN(dcold(d)->fix_at + 4, wm_reasm_pkt_end(m));

			if (wm_pkt_meta(m)->pi.payload_len != 0 && s < e)
				wm_reasm_pkt_write(m, (uint32_t)(s - ps),
						   crc + (s - dcold(d)->fix_at),
						   (uint32_t)(e - s));
		}
	wm_rb_write(&d->r.c->rb, dcold(d)->fix_at, crc, 4);
}

/*
 * CRC32C over [from, to) of @d's retained bytes (as they leave); false
 * if some are no longer retained.
 */
static bool
crc_of(const struct wm_stream_dir *d, uint64_t from, uint64_t to,
       uint32_t *crc)
{
	uint8_t buf[512];
	uint32_t c = 0;

	for (uint64_t o = from; o < to; o += sizeof(buf)) {
		uint32_t k = (uint32_t)RTE_MIN(to - o, (uint64_t)sizeof(buf));

		if (!wm_rb_read(&d->r.c->rb, o, k, buf))
			return false;
		c = wm_crc32c(c, buf, k);
	}
	*crc = c;
	return true;
}

/*
 * What flipping bits @bits of a byte that @tail bytes follow does to a
 * CRC32C (linear: the same for every message of that length).
 */
static uint32_t
crc_flip(uint8_t bits, uint64_t tail)
{
	static const uint8_t zeros[256];
	uint8_t zero = 0;
	uint32_t a = wm_crc32c(0, &bits, 1), b = wm_crc32c(0, &zero, 1);

	for (; tail > 0; tail -= RTE_MIN(tail, (uint64_t)sizeof(zeros))) {
		size_t k = (size_t)RTE_MIN(tail, (uint64_t)sizeof(zeros));

		a = wm_crc32c(a, zeros, k);
		b = wm_crc32c(b, zeros, k);
	}
	return a ^ b;
}

/*
 * Solve cols * x = @want over GF(2) for @n <= 64 columns of 32 bits (a
 * random square system is singular more often than not: more columns
 * than rows make a solution all but certain). False if none.
 */
static bool
gf2_solve(const uint32_t *cols, unsigned int n, uint32_t want, uint64_t *x)
{
	uint64_t row[32];
	uint32_t rhs = want;
	unsigned int piv[32], rank = 0;

	for (unsigned int r = 0; r < 32; r++) {
		row[r] = 0;
		for (unsigned int c = 0; c < n; c++)
			row[r] |= (uint64_t)((cols[c] >> r) & 1u) << c;
	}
	for (unsigned int c = 0; c < n && rank < 32; c++) {
		unsigned int p = rank;

		while (p < 32 && !(row[p] >> c & 1u))
			p++;
		if (p == 32)
			continue;
		if (p != rank) {
			uint64_t t = row[p];
			uint32_t bp = (rhs >> p) & 1u, br = (rhs >> rank) & 1u;

			row[p] = row[rank];
			row[rank] = t;
			rhs = (rhs & ~(1u << p) & ~(1u << rank)) | br << p |
			      bp << rank;
		}
		for (unsigned int q = 0; q < 32; q++)
			if (q != rank && (row[q] >> c & 1u)) {
				row[q] ^= row[rank];
				rhs ^= ((rhs >> rank) & 1u) << q;
			}
		piv[rank++] = c;
	}
	/* Rows past the rank are 0 = rhs: solvable only if rhs is 0 there. */
	if (rank < 32 && (rhs >> rank) != 0)
		return false;
	*x = 0;
	for (unsigned int r = 0; r < rank; r++)
		*x |= (uint64_t)((rhs >> r) & 1u) << piv[r];
	return true;
}

/* Is @c a fill byte of a rule of @f's policy (what a mask wrote)? */
static bool
is_fill(const struct wm_flow *f, uint8_t c)
{
	const struct wm_policy_conf *pc = f->policy->conf;

	for (unsigned int i = 0; i < pc->nrules; i++) {
		char fill = pc->rules[i].mask.fill;

		if (c == (uint8_t)(fill != '\0' ? fill : '*'))
			return true;
	}
	return false;
}

#define FORGE_BYTES 12  /* 4 bits each: '@' + a nibble, printable */

/*
 * The batch's CRC left as it came (@sent): choose FORGE_BYTES masked
 * bytes still held, near its end, so that the CRC over what leaves is
 * @sent. Each becomes one of "@A..O": still no value. False if the held
 * part has too few masked bytes or the bytes cannot make it.
 */
static bool
crc_forge(struct wm_stream_ctx *ctx, struct wm_flow *f,
	  struct wm_stream_dir *d, uint64_t from, uint64_t end, uint32_t sent)
{
	uint64_t pos[FORGE_BYTES], x;
	uint32_t cols[4 * FORGE_BYTES], crc;
	unsigned int n = 0;
	uint8_t c, at = 0x40;

	for (uint64_t o = end; o > RTE_MAX(from, d->r.released) &&
	     n < FORGE_BYTES; o--)
		if (wm_rb_read(&d->r.c->rb, o - 1, 1, &c) && is_fill(f, c))
			pos[n++] = o - 1;
	if (n < FORGE_BYTES)
		return false;
	for (unsigned int k = 0; k < n; k++) {
		stream_put(ctx, d, pos[k], pos[k] + 1, &at);
		for (unsigned int b = 0; b < 4; b++)
			cols[4 * k + b] = crc_flip((uint8_t)(1u << b),
						   end - pos[k] - 1);
	}
	if (!crc_of(d, from, end, &crc) ||
	    !gf2_solve(cols, 4 * n, crc ^ sent, &x))
		return false;
	for (unsigned int k = 0; k < n; k++) {
		c = (uint8_t)(0x40 | ((x >> (4 * k)) & 0x0f));
		stream_put(ctx, d, pos[k], pos[k] + 1, &c);
	}
	return crc_of(d, from, end, &crc) && crc == sent;
}

/* The CRC field of the open batch as @d retains it (as it will leave). */
static bool
crc_stored(const struct wm_stream_dir *d, uint32_t *crc)
{
	uint8_t b[4];

	if (!wm_rb_read(&d->r.c->rb, dcold(d)->fix_at, 4, b))
		return false;
	*crc = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
	return true;
}

int
stream_fix_end(struct wm_stream_ctx *ctx, struct wm_flow *f,
	       struct wm_stream_dir *d, bool ok)
{
	uint64_t o = dcold(d)->fix_at + 4, end = o + dcold(d)->fix_len;
	uint8_t mode = dcold(d)->fix_open;
	uint32_t stored, now;
	uint8_t crc[4];

	if (mode == FIX_NONE)
		return 0;
	dcold(d)->fix_open = FIX_NONE;
	d->r.c->keep = 0;
	if (mode == FIX_FORGE) {
		/* The CRC left as it came: the batch is made to match it. */
		if (!ok)
			return 0;       /* corrupt as it came: it stays so */
		if (crc_stored(d, &stored) && crc_of(d, o, end, &now) &&
		    (now == stored || crc_forge(ctx, f, d, o, end, stored))) {
			if (now != stored)
				ctx->stats->ctr[WM_CTR_KAFKA_CRC_FORGED]++;
			return 0;
		}
		/* Left as it is: the broker refuses it, the producer retries. */
		ctx->stats->ctr[WM_CTR_KAFKA_CRC_UNFORGEABLE]++;
		return 0;
	}
	if (!ok) {
		/* Corrupt as it came (the broker says so), or not walked. */
		pins_emit(ctx, d);
		return 0;
	}
	if (!crc_of(d, o, end, &now) || !crc_stored(d, &stored)) {
		/* The batch's bytes are no longer retained: it must not leave. */
		ctx->stats->ctr[WM_CTR_KAFKA_CRC_FAILED]++;
		stream_block(ctx, f, WM_CTR_DROP_PROTOCOL);
		return -EPIPE;
	}
	if (now != stored) {
		crc[0] = (uint8_t)(now >> 24);
		crc[1] = (uint8_t)(now >> 16);
		crc[2] = (uint8_t)(now >> 8);
		crc[3] = (uint8_t)now;
		crc_write(d, crc);
		ctx->stats->ctr[WM_CTR_KAFKA_CRC_FIXED]++;
	}
	pins_emit(ctx, d);
	return 0;
}

/*
 * The sender waits for the pinned packet's ACK: it goes as it came, and
 * the batch's end will be made to match its CRC (crc_forge()).
 */
static void
fix_forge_now(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	ctx->stats->ctr[WM_CTR_KAFKA_CRC_STALLED]++;
	dcold(d)->fix_open = FIX_FORGE;
	/* The batch's bytes stay retained, acknowledged or not. */
	d->r.c->keep = RTE_MAX(dcold(d)->fix_at, (uint64_t)1);
	pins_emit(ctx, d);
}

void
stream_fix_stall(struct wm_stream_ctx *ctx, struct wm_stream_flow *sf)
{
	uint64_t limit = ctx->conf->hold_time;

	for (unsigned int i = 0; i < 2; i++) {
		struct wm_stream_dir *d = &sf->dir[i];

		if (dcold(d)->pin_head != NULL && dcold(d)->fix_open == FIX_PIN &&
		    ctx->now - wm_pkt_meta(dcold(d)->pin_head)->arrival_tsc >= limit)
			fix_forge_now(ctx, d);
	}
}

void
stream_fix_flush(struct wm_stream_ctx *ctx, struct wm_stream_dir *d)
{
	if (dcold(d)->fix_open) {
		ctx->stats->ctr[WM_CTR_KAFKA_CRC_UNFINISHED]++;
		dcold(d)->fix_open = 0;
		d->r.c->keep = 0;
	}
	pins_emit(ctx, d);
}

void
stream_fix_discard(struct wm_stream_ctx *ctx, struct wm_stream_dir *d,
		   enum wm_counter c)
{
	while (dcold(d)->pin_head != NULL) {
		struct rte_mbuf *m = dcold(d)->pin_head;

		dcold(d)->pin_head = wm_pkt_meta(m)->next;
		stream_drop(ctx, m, c);
	}
	/* Written only if set: a flow at rest has the read-only empty part. */
	if (dcold(d)->fix_open)
		dcold(d)->fix_open = 0;
	if (d->r.c->keep != 0)
		d->r.c->keep = 0;
}
