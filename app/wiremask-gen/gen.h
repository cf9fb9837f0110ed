/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-gen, private: what gen.c (CLI), gen_content.c (HTTP/JSON
 * messages), gen_values.c (the sensitive values in them), gen_flow.c
 * (TCP flows, interleaving, ground truth) and gen_pcap.c (frames,
 * checksums, pcap file) share. No DPDK, no libpcap: plain C and libc.
 *
 * Everything random comes from seeded generators, so the same
 * arguments give the same bytes:
 *
 *   seed --+--> message pool: message i of a pool from its own stream
 *          |    (seed, pool, i): independent of the order of use
 *          +--> the run: flows, ISNs, ports, interleaving, segment
 *               sizes, reordering and retransmissions
 */
#ifndef WM_GEN_H
#define WM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* xoshiro256** seeded through splitmix64: fast, and the same everywhere. */
struct gen_rng {
	uint64_t s[4];
};

/* Seed @r from @seed and a stream number (independent sequences). */
void gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t
gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = gen_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n). */
static inline uint32_t
gen_rng_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline uint32_t
gen_rng_range(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + gen_rng_below(r, hi - lo + 1);
}

/* Uniform in [0, 1). */
static inline double
gen_rng_unit(struct gen_rng *r)
{
	return (double)(gen_rng_next(r) >> 11) * 0x1p-53;
}

/* True with probability @p (never for p <= 0, always for p >= 1). */
static inline bool
gen_rng_chance(struct gen_rng *r, double p)
{
	return p > 0 && gen_rng_unit(r) < p;
}

/* Sensitive value kinds, named as wiremask's detectors are. */
enum gen_kind {
	GEN_CARD,
	GEN_SSN,
	GEN_EMAIL,
	GEN_IBAN,
	GEN_AWS,
	GEN_JWT,
	GEN_BEARER,
	GEN_KIND_MAX,
};

extern const char *const gen_kind_names[GEN_KIND_MAX];

#define GEN_KINDS_ALL ((1u << GEN_KIND_MAX) - 1)

enum gen_size {
	GEN_SIZE_64,   /* 10-byte segments, every one ACKed */
	GEN_SIZE_IMIX, /* 64/594/1514-byte frames, about 7:4:1 with ACKs */
	GEN_SIZE_1500, /* MSS-sized segments, bulk responses */
};

enum gen_card_fmt {
	GEN_CARD_PLAIN, /* 4111111111111111 */
	GEN_CARD_SPACE, /* 4111 1111 1111 1111 */
	GEN_CARD_DASH,	/* 4111-1111-1111-1111 */
	GEN_CARD_MIX,	/* half plain, a quarter of each other */
};

/* Content settings (the message pools). */
struct gen_content {
	uint64_t seed;
	double density;	    /* sensitive values per KiB of payload */
	unsigned int kinds; /* bit set of enum gen_kind */
	enum gen_size size;
	enum gen_card_fmt card_fmt;
};

/* One sensitive value inside a message: bytes [off, off + len). */
struct gen_value {
	uint32_t off;
	uint16_t len;
	uint8_t kind;
};

/* One HTTP message (request or response), as the stream carries it. */
struct gen_msg {
	uint8_t *data;
	uint32_t len;
	uint32_t nvals;
	struct gen_value *vals;
};

/*
 * Build message @index of the request (or @response) pool into @m: a
 * pure function of the settings and @index. Exits on out-of-memory.
 */
void gen_msg_build(const struct gen_content *c, bool response, uint32_t index,
		   struct gen_msg *m);

/* Free what gen_msg_build() allocated. */
void gen_msg_free(struct gen_msg *m);

enum gen_encap {
	GEN_ENCAP_NONE,
	GEN_ENCAP_VLAN,	 /* 802.1Q */
	GEN_ENCAP_QINQ,	 /* 802.1ad S-tag, then 802.1Q C-tag */
	GEN_ENCAP_VXLAN, /* outer IPv4/UDP 4789, VXLAN, inner Ethernet */
};

/* How every frame is wrapped. */
struct gen_net {
	enum gen_encap encap;
	uint16_t vlan;	/* 802.1Q ID, or the QinQ S-tag */
	uint16_t cvlan; /* QinQ C-tag */
	uint32_t vni;
	bool ipv6;
};

/* TCP flags. */
#define GEN_FIN 0x01
#define GEN_SYN 0x02
#define GEN_PSH 0x08
#define GEN_ACK 0x10

/* One TCP segment to put in a frame; addresses are IPv4 or IPv6 host ids. */
struct gen_seg {
	uint32_t saddr, daddr; /* IPv4; under --ipv6 the low 32 bits */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	bool c2s; /* client to server (MACs, VXLAN endpoints) */
	const uint8_t *payload;
	uint16_t len;
};

/* Longest frame: VXLAN (50) + QinQ-free inner Ethernet, IPv6, TCP, MSS. */
#define GEN_FRAME_MAX 2048
#define GEN_MSS_V4 1460
/* Shortest Ethernet frame without FCS: shorter ones are zero-padded. */
#define GEN_FRAME_MIN 60

/* IPv6 address of host id @a: fd00:0:0:<net>::<a> (net 1 clients, 2 servers).
 */
void gen_ipv6_addr(uint8_t out[16], uint32_t a, bool server);

/* Bytes of headers in front of the TCP payload (encapsulation included). */
size_t gen_frame_hdr_len(const struct gen_net *net, bool syn);

/*
 * Build the frame for @s into @f (GEN_FRAME_MAX bytes), checksums
 * (IPv4 header, TCP) included; @ipid for IPv4. Returns its length.
 */
size_t gen_frame_build(uint8_t *f, const struct gen_net *net,
		       const struct gen_seg *s, uint16_t ipid);

/* A buffered classic pcap writer (microseconds, LINKTYPE_ETHERNET). */
struct gen_pcap {
	FILE *f;
	uint8_t *buf;
	size_t len, cap;
	int err; /* first errno seen */
};

/* 0, or -errno. */
int gen_pcap_open(struct gen_pcap *w, const char *path);

/* Room for one record of up to GEN_FRAME_MAX bytes; NULL on a write error. */
uint8_t *gen_pcap_reserve(struct gen_pcap *w);

/* Commit the record reserved last: @flen frame bytes at time @ts_ns. */
void gen_pcap_commit(struct gen_pcap *w, uint64_t ts_ns, size_t flen);

/* Flush and close; 0, or -errno of the first error. */
int gen_pcap_close(struct gen_pcap *w);

/* Interleaving of the active flows. */
enum gen_sched {
	GEN_SCHED_RR,	  /* one packet per flow, in turn */
	GEN_SCHED_RANDOM, /* a seeded random active flow each packet */
};

/* Everything a run needs (filled by gen.c). */
struct gen_cfg {
	struct gen_content content;
	struct gen_net net;
	const char *out_path;
	const char *truth_path; /* NULL: none */
	uint64_t seed;
	uint64_t packets;  /* 0: no budget, flows x requests */
	uint32_t flows;	   /* concurrent flows */
	uint32_t requests; /* exchanges per flow */
	uint32_t pool;	   /* distinct requests, and responses */
	bool handshake;
	bool cut;          /* stop at packets, flows left open */
	double reorder, retransmit, one_byte;
	enum gen_sched sched;
	uint64_t rate_mbps; /* pacing */
	uint64_t start_s;   /* time of the first packet */
};

/* What a run did (for the summary line). */
struct gen_stats {
	uint64_t packets, bytes, payload, flows;
	uint64_t values[GEN_KIND_MAX];
};

/* Generate the capture (and truth); 0, or 1 after printing an error. */
int gen_run(const struct gen_cfg *cfg, struct gen_stats *st);

#endif /* WM_GEN_H */
