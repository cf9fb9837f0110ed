/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-gen: TCP flows, their interleaving, pacing and the ground
 * truth.
 *
 * A flow is a small state machine that emits one packet per step:
 *
 *   SYN -> SYN/ACK -> ACK -> { request, response } x N -> FIN -> FIN -> ACK
 *
 * A request or response is a message of the pool (built once, on first
 * use, then shared by every flow that sends it); the sender cuts it into
 * segments, the receiver ACKs every one (--size 64) or every second
 * one and the last. Reordering swaps a segment with the next one of the
 * same message; a retransmission sends a segment again at once. The
 * receiver only ACKs bytes that arrived in order.
 *
 * Per flow, only what the next step needs is kept (struct gen_flow,
 * 48 bytes): 1,000,000 concurrent flows take 48 MB plus the pools.
 * Addresses derive from the flow's number: client 10.a.b.c (c 1..254,
 * distinct for the first 16.6M flows; the client port is random),
 * server 172.16.0.1..8, port 80.
 *
 * Ground truth: when a message starts, one JSON line per value in it
 * with the flow, the direction, the TCP sequence number of its first
 * byte, its stream offset (0 = first payload byte of the direction),
 * its length, the detector and the value itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

enum flow_state {
	ST_SYN,
	ST_SYNACK,
	ST_ACK,
	ST_REQ,
	ST_RESP,
	ST_FIN1,
	ST_FIN2,
	ST_FIN3,
	ST_DONE,
};

#define FL_ONE_BYTE 0x01 /* every data segment is 1 byte */
#define FL_DUP 0x02	 /* send dup_pos/dup_len again next */
#define FL_HELD 0x04	 /* send held_pos/held_len (swapped) next */

struct gen_flow {
	uint32_t id;
	uint32_t cisn, sisn;
	uint32_t coff, soff; /* stream bytes before the current message */
	uint32_t msg;	     /* pool index of the message in flight */
	uint32_t pos;	     /* its bytes sent so far (in order) */
	uint32_t dup_pos, held_pos;
	uint16_t dup_len, held_len;
	uint16_t cport;
	uint16_t left; /* exchanges still to start */
	uint8_t state;
	uint8_t unacked; /* data segments since the receiver's last ACK */
	uint8_t flags;
};

_Static_assert(sizeof(struct gen_flow) <= 48, "flow state grew");

struct pool {
	struct gen_msg *msgs; /* data == NULL: not built yet */
	uint32_t n;
	bool response;
};

/*
 * The scheduler's random draws are made SCHED_AHEAD steps early, so the
 * flows they will pick are prefetched: with a million flows each step
 * otherwise waits for two cache misses (the active entry, then the
 * flow): prefetching made --packets 1000000 --flows 1000000 (4.9M
 * packets) take 3.2 s instead of 8.2 s.
 */
#define SCHED_AHEAD 8
#define PREFETCH_ACTIVE 5 /* steps ahead */
#define PREFETCH_FLOW 2
#define SCHED_STREAM (1ull << 40) /* pools use streams 1..2^33 */

struct run {
	const struct gen_cfg *cfg;
	struct gen_stats *st;
	struct gen_rng rng;
	struct gen_pcap pcap;
	FILE *truth;
	struct pool req, resp;
	struct gen_flow *flows;
	uint32_t *active; /* indexes of flows still running */
	uint32_t nactive;
	uint32_t next_id;
	uint64_t t_ps; /* time of the next frame since the first, in ps */
	uint16_t ipid;
	bool recycle; /* a finished flow's slot starts a new flow */
	uint16_t seg_small, seg_mid, seg_mss;
	uint8_t ack_every;
	struct gen_rng sched_rng; /* --interleave random, drawn ahead */
	uint64_t ahead[SCHED_AHEAD];
	unsigned int ahead_i;
};

#define SERVER_PORT 80
#define SERVERS 8
#define CLIENT_HOSTS 254u
/* Preamble, start delimiter, FCS and inter-frame gap: bytes on the wire. */
#define WIRE_OVERHEAD 24

static uint32_t
client_ip(uint32_t id)
{
	uint32_t hi = (id / CLIENT_HOSTS) & 0xffff;

	return 0x0a000000u | hi << 8 | (id % CLIENT_HOSTS + 1);
}

static uint32_t
server_ip(uint32_t id)
{
	return 0xac100001u + id % SERVERS;
}

static bool
budget_reached(const struct run *r)
{
	return r->cfg->packets && r->st->packets >= r->cfg->packets;
}

static const struct gen_msg *
pool_get(struct run *r, struct pool *p, uint32_t i)
{
	struct gen_msg *m = &p->msgs[i];

	if (m->data == NULL)
		gen_msg_build(&r->cfg->content, p->response, i, m);
	return m;
}

static void
flow_init(struct run *r, struct gen_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->id = r->next_id++;
	f->cisn = (uint32_t)gen_rng_next(&r->rng);
	f->sisn = (uint32_t)gen_rng_next(&r->rng);
	f->cport = (uint16_t)gen_rng_range(&r->rng, 32768, 60999);
	f->left = (uint16_t)r->cfg->requests;
	if (gen_rng_chance(&r->rng, r->cfg->one_byte))
		f->flags |= FL_ONE_BYTE;
	f->state = r->cfg->handshake ? ST_SYN : ST_ACK;
	r->st->flows++;
}

/* Emit one frame for @s. */
static int
emit(struct run *r, const struct gen_seg *s)
{
	uint8_t *fr = gen_pcap_reserve(&r->pcap);
	size_t n;

	if (fr == NULL)
		return -1;
	n = gen_frame_build(fr, &r->cfg->net, s, r->ipid++);
	gen_pcap_commit(&r->pcap,
			r->cfg->start_s * 1000000000ull + r->t_ps / 1000, n);
	r->t_ps +=
		(uint64_t)(n + WIRE_OVERHEAD) * 8 * 1000000 / r->cfg->rate_mbps;
	r->st->packets++;
	r->st->bytes += n;
	r->st->payload += s->len;
	return 0;
}

/* A segment of @f from the client (@c2s) or the server. */
static void
seg_init(struct gen_seg *s, const struct gen_flow *f, bool c2s)
{
	memset(s, 0, sizeof(*s));
	s->c2s = c2s;
	if (c2s) {
		s->saddr = client_ip(f->id);
		s->daddr = server_ip(f->id);
		s->sport = f->cport;
		s->dport = SERVER_PORT;
	} else {
		s->saddr = server_ip(f->id);
		s->daddr = client_ip(f->id);
		s->sport = SERVER_PORT;
		s->dport = f->cport;
	}
}

static void
addr_str(const struct run *r, uint32_t a, bool server, char *out, size_t n)
{
	uint8_t b[16];

	if (r->cfg->net.ipv6) {
		gen_ipv6_addr(b, a, server);
		inet_ntop(AF_INET6, b, out, (socklen_t)n);
	} else {
		uint32_t be = htonl(a);

		inet_ntop(AF_INET, &be, out, (socklen_t)n);
	}
}

/* One truth line per value of message @m, which starts now in @f. */
static void
truth_write(struct run *r, const struct gen_flow *f, const struct gen_msg *m,
	    bool response)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint32_t off = response ? f->soff : f->coff;
	uint32_t base = (response ? f->sisn : f->cisn) + 1 + off;

	for (uint32_t i = 0; i < m->nvals; i++)
		r->st->values[m->vals[i].kind]++;
	if (r->truth == NULL || m->nvals == 0)
		return;
	addr_str(r, client_ip(f->id), false, src, sizeof(src));
	addr_str(r, server_ip(f->id), true, dst, sizeof(dst));
	for (uint32_t i = 0; i < m->nvals; i++) {
		const struct gen_value *v = &m->vals[i];

		/* Values hold no '"' nor '\\' (letters, digits, " -._@+="). */
		fprintf(r->truth,
			"{\"flow\":{\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\","
			"\"dport\":%u},\"flow_id\":%u,\"dir\":\"%s\","
			"\"seq\":%" PRIu32 ",\"offset\":%" PRIu32
			",\"len\":%u,\"detector\":\"%s\",\"value\":\"%.*s\"}\n",
			src, f->cport, dst, SERVER_PORT, f->id,
			response ? "s2c" : "c2s", base + v->off, off + v->off,
			v->len, gen_kind_names[v->kind], (int)v->len,
			(const char *)m->data + v->off);
	}
}

static void
msg_begin(struct run *r, struct gen_flow *f, bool response)
{
	struct pool *p = response ? &r->resp : &r->req;

	f->msg = gen_rng_below(&r->rng, p->n);
	f->pos = 0;
	f->unacked = 0;
	f->state = response ? ST_RESP : ST_REQ;
	truth_write(r, f, pool_get(r, p, f->msg), response);
}

/* After the handshake or a response: another exchange, or the close. */
static void
flow_next_exchange(struct run *r, struct gen_flow *f)
{
	if (f->left > 0 && !budget_reached(r)) {
		f->left--;
		msg_begin(r, f, false);
	} else {
		f->state = ST_FIN1;
	}
}

/*
 * Payload bytes of the next data segment (before the message's end).
 * Past the packet budget, messages under way end in MSS-sized segments:
 * a 1-byte flow would otherwise add thousands of packets.
 */
static uint32_t
seg_size(struct run *r, const struct gen_flow *f)
{
	if (budget_reached(r))
		return r->seg_mss;
	if (f->flags & FL_ONE_BYTE)
		return 1;
	switch (r->cfg->content.size) {
	case GEN_SIZE_64:
		return r->seg_small;
	case GEN_SIZE_1500:
		return r->seg_mss;
	default: {
		/*
		 * Data segments 1:2:1, an ACK every second one, and a
		 * message's last segment shorter: frames of 64, 594 and
		 * 1514 bytes come about 7:4:1 (measured 7.1:3.75:0.85, and
		 * 0.3 of other sizes, the message tails).
		 */
		uint32_t k = gen_rng_below(&r->rng, 4);

		return k < 1 ? r->seg_small : k < 3 ? r->seg_mid : r->seg_mss;
	}
	}
}

/*
 * Send [at, at + len) of the current message; @may_dup: it may be
 * retransmitted (a retransmission itself is not sent a third time).
 */
static int
send_data(struct run *r, struct gen_flow *f, const struct gen_msg *m,
	  bool response, uint32_t at, uint32_t len, bool may_dup)
{
	struct gen_seg s;

	seg_init(&s, f, !response);
	s.seq = (response ? f->sisn : f->cisn) + 1 +
		(response ? f->soff : f->coff) + at;
	s.ack = response ? f->cisn + 1 + f->coff : f->sisn + 1 + f->soff;
	s.flags = GEN_ACK | (at + len == m->len ? GEN_PSH : 0);
	s.payload = m->data + at;
	s.len = (uint16_t)len;
	if (may_dup && gen_rng_chance(&r->rng, r->cfg->retransmit)) {
		f->flags |= FL_DUP;
		f->dup_pos = at;
		f->dup_len = (uint16_t)len;
	}
	return emit(r, &s);
}

/* The receiver ACKs what arrived in order; at the message end, move on. */
static int
send_ack(struct run *r, struct gen_flow *f, const struct gen_msg *m,
	 bool response)
{
	struct gen_seg s;
	int rc;

	seg_init(&s, f, response);
	s.seq = response ? f->cisn + 1 + f->coff : f->sisn + 1 + f->soff;
	s.ack = (response ? f->sisn + 1 + f->soff : f->cisn + 1 + f->coff) +
		f->pos;
	s.flags = GEN_ACK;
	rc = emit(r, &s);
	f->unacked = 0;
	if (f->pos < m->len)
		return rc;
	if (response) {
		f->soff += m->len;
		flow_next_exchange(r, f);
	} else {
		f->coff += m->len;
		msg_begin(r, f, true);
	}
	return rc;
}

static int
data_step(struct run *r, struct gen_flow *f)
{
	bool response = f->state == ST_RESP;
	const struct gen_msg *m =
		&(response ? &r->resp : &r->req)->msgs[f->msg];
	uint32_t s, s2;

	if (f->flags & FL_DUP) {
		f->flags &= (uint8_t)~FL_DUP;
		return send_data(r, f, m, response, f->dup_pos, f->dup_len,
				 false);
	}
	if (f->flags & FL_HELD) {
		f->flags &= (uint8_t)~FL_HELD;
		return send_data(r, f, m, response, f->held_pos, f->held_len,
				 true);
	}
	if (f->unacked >= r->ack_every || (f->pos == m->len && f->unacked))
		return send_ack(r, f, m, response);
	s = seg_size(r, f);
	if (s > m->len - f->pos)
		s = m->len - f->pos;
	if (f->pos + s < m->len && gen_rng_chance(&r->rng, r->cfg->reorder)) {
		/* The next segment first, this one after it. */
		s2 = seg_size(r, f);
		if (s2 > m->len - f->pos - s)
			s2 = m->len - f->pos - s;
		f->held_pos = f->pos;
		f->held_len = (uint16_t)s;
		f->flags |= FL_HELD;
		f->pos += s + s2;
		f->unacked += 2;
		return send_data(r, f, m, response, f->held_pos + s, s2, true);
	}
	f->pos += s;
	f->unacked++;
	return send_data(r, f, m, response, f->pos - s, s, true);
}

/* One packet of flow @f. */
static int
flow_step(struct run *r, struct gen_flow *f)
{
	struct gen_seg s;
	uint32_t cnxt = f->cisn + 1 + f->coff, snxt = f->sisn + 1 + f->soff;

	switch (f->state) {
	case ST_SYN:
		seg_init(&s, f, true);
		s.seq = f->cisn;
		s.flags = GEN_SYN;
		f->state = ST_SYNACK;
		return emit(r, &s);
	case ST_SYNACK:
		seg_init(&s, f, false);
		s.seq = f->sisn;
		s.ack = f->cisn + 1;
		s.flags = GEN_SYN | GEN_ACK;
		f->state = ST_ACK;
		return emit(r, &s);
	case ST_ACK:
		if (!r->cfg->handshake) {
			/* Picked up mid-stream: the first packet is data. */
			flow_next_exchange(r, f);
			return flow_step(r, f);
		}
		seg_init(&s, f, true);
		s.seq = cnxt;
		s.ack = snxt;
		s.flags = GEN_ACK;
		flow_next_exchange(r, f);
		return emit(r, &s);
	case ST_REQ:
	case ST_RESP:
		return data_step(r, f);
	case ST_FIN1:
		seg_init(&s, f, true);
		s.seq = cnxt;
		s.ack = snxt;
		s.flags = GEN_FIN | GEN_ACK;
		f->state = ST_FIN2;
		return emit(r, &s);
	case ST_FIN2:
		seg_init(&s, f, false);
		s.seq = snxt;
		s.ack = cnxt + 1;
		s.flags = GEN_FIN | GEN_ACK;
		f->state = ST_FIN3;
		return emit(r, &s);
	default:
		seg_init(&s, f, true);
		s.seq = cnxt + 1;
		s.ack = snxt + 1;
		s.flags = GEN_ACK;
		f->state = ST_DONE;
		return emit(r, &s);
	}
}

static int
pools_init(struct run *r)
{
	r->req.n = r->resp.n = r->cfg->pool;
	r->resp.response = true;
	r->req.msgs = calloc(r->cfg->pool, sizeof(struct gen_msg));
	r->resp.msgs = calloc(r->cfg->pool, sizeof(struct gen_msg));
	return r->req.msgs && r->resp.msgs ? 0 : -ENOMEM;
}

static void
pools_free(struct run *r)
{
	struct pool *ps[2] = {&r->req, &r->resp};

	for (int k = 0; k < 2; k++) {
		for (uint32_t i = 0; ps[k]->msgs && i < ps[k]->n; i++)
			gen_msg_free(&ps[k]->msgs[i]);
		free(ps[k]->msgs);
	}
}

/* Segment sizes for the frame sizes of the mix. */
static void
sizes_init(struct run *r)
{
	size_t ip_tcp = (r->cfg->net.ipv6 ? 40 : 20) + 20;

	/* The inner frame's sizes: 64, 594 and 1514 bytes with IPv4. */
	r->seg_small = 10;
	r->seg_mid = (uint16_t)(594 - 14 - ip_tcp);
	r->seg_mss = (uint16_t)(1514 - 14 - ip_tcp);
	r->ack_every = r->cfg->content.size == GEN_SIZE_64 ? 1 : 2;
}

static inline uint32_t
sched_index(uint64_t raw, uint32_t n)
{
	return (uint32_t)(((raw >> 32) * (uint64_t)n) >> 32);
}

/* The draw @d steps ahead (1: the next one). */
static inline uint64_t
sched_ahead(const struct run *r, unsigned int d)
{
	return r->ahead[(r->ahead_i + d - 1) % SCHED_AHEAD];
}

/* Index into r->active of the flow that sends next (RR: @cur). */
static uint32_t
sched_pick(struct run *r, uint32_t cur)
{
	uint32_t n = r->nactive;
	uint64_t raw;

	if (r->cfg->sched == GEN_SCHED_RR) {
		uint32_t nx = cur + PREFETCH_FLOW;

		__builtin_prefetch(&r->flows[r->active[nx < n ? nx : 0]]);
		return cur;
	}
	raw = r->ahead[r->ahead_i];
	r->ahead[r->ahead_i] = gen_rng_next(&r->sched_rng);
	r->ahead_i = (r->ahead_i + 1) % SCHED_AHEAD;
	/* A guess: flows that end before then change n and the entries. */
	__builtin_prefetch(
		&r->active[sched_index(sched_ahead(r, PREFETCH_ACTIVE), n)]);
	__builtin_prefetch(&r->flows[r->active[sched_index(
		sched_ahead(r, PREFETCH_FLOW), n)]]);
	return sched_index(raw, n);
}

/* A flow that has not sent its first packet yet. */
static bool
flow_unstarted(const struct run *r, const struct gen_flow *f)
{
	return f->state == ST_SYN || (f->state == ST_ACK && !r->cfg->handshake);
}

/*
 * --cut: the capture ends at the budget, flows under way stay open;
 * those that never sent a packet were never seen.
 */
static void
cut(struct run *r)
{
	for (uint32_t i = 0; i < r->nactive; i++)
		if (flow_unstarted(r, &r->flows[r->active[i]]))
			r->st->flows--;
	r->nactive = 0;
}

/* Run the flows to the end (or the cut): 0, or -1 on a write error. */
static int
schedule(struct run *r)
{
	uint32_t cur = 0;

	gen_rng_seed(&r->sched_rng, r->cfg->seed, SCHED_STREAM);
	for (unsigned int k = 0; k < SCHED_AHEAD; k++)
		r->ahead[k] = gen_rng_next(&r->sched_rng);
	while (r->nactive > 0) {
		uint32_t i;
		struct gen_flow *f;
		bool unstarted;

		if (r->cfg->cut && budget_reached(r)) {
			cut(r);
			break;
		}
		i = sched_pick(r, cur);
		f = &r->flows[r->active[i]];
		unstarted = flow_unstarted(r, f);

		if (unstarted && budget_reached(r)) {
			/* Never seen on the wire: it need not be closed. */
			r->st->flows--;
			f->state = ST_DONE;
		} else if (flow_step(r, f) != 0) {
			return -1;
		}
		if (f->state == ST_DONE) {
			if (r->recycle && !budget_reached(r)) {
				flow_init(r, f);
			} else {
				r->active[i] = r->active[--r->nactive];
				if (r->cfg->sched == GEN_SCHED_RR &&
				    cur >= r->nactive)
					cur = 0;
				continue;
			}
		}
		if (r->cfg->sched == GEN_SCHED_RR && ++cur >= r->nactive)
			cur = 0;
	}
	return 0;
}

int
gen_run(const struct gen_cfg *cfg, struct gen_stats *st)
{
	struct run r = {
		.cfg = cfg,
		.st = st,
		.recycle = cfg->packets > 0,
	};
	int rc, ret = 1;

	memset(st, 0, sizeof(*st));
	gen_rng_seed(&r.rng, cfg->seed, 0);
	sizes_init(&r);
	r.flows = calloc(cfg->flows, sizeof(*r.flows));
	r.active = calloc(cfg->flows, sizeof(*r.active));
	if (r.flows == NULL || r.active == NULL || pools_init(&r) != 0) {
		fprintf(stderr, "wiremask-gen: out of memory for %u flows\n",
			cfg->flows);
		goto free_all;
	}
	rc = gen_pcap_open(&r.pcap, cfg->out_path);
	if (rc != 0) {
		fprintf(stderr, "wiremask-gen: %s: %s\n", cfg->out_path,
			strerror(-rc));
		goto free_all;
	}
	if (cfg->truth_path != NULL) {
		r.truth = fopen(cfg->truth_path, "w");
		if (r.truth == NULL) {
			fprintf(stderr, "wiremask-gen: %s: %s\n",
				cfg->truth_path, strerror(errno));
			gen_pcap_close(&r.pcap);
			goto free_all;
		}
	}
	for (uint32_t i = 0; i < cfg->flows; i++) {
		flow_init(&r, &r.flows[i]);
		r.active[i] = i;
	}
	r.nactive = cfg->flows;
	rc = schedule(&r);
	if (gen_pcap_close(&r.pcap) != 0 || rc != 0) {
		fprintf(stderr, "wiremask-gen: %s: write error\n",
			cfg->out_path);
		rc = -1;
	}
	if (r.truth != NULL && (ferror(r.truth) | fclose(r.truth)) != 0) {
		fprintf(stderr, "wiremask-gen: %s: write error\n",
			cfg->truth_path);
		rc = -1;
	}
	ret = rc == 0 ? 0 : 1;
free_all:
	pools_free(&r);
	free(r.flows);
	free(r.active);
	return ret;
}
