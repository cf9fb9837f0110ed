/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/proto: the registry of protocols (one file each) and
 * what they share.
 */
#ifndef PROTO_PRIV_H
#define PROTO_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "wm_proto.h"

/* struct wm_proto_flow.flags */
#define WM_PROTO_F_PROTECT 0x01 /* encrypted: nothing of it is modified */
#define WM_PROTO_F_MQTT5 0x02   /* MQTT: CONNECT asked for version 5 */
#define WM_PROTO_F_KUNPAIRED 0x04 /* Kafka: responses no longer paired */

/* struct wm_proto_dir.flags */
#define WM_PROTO_D_CLIENT 0x01  /* the side that opens (requests, EHLO) */
#define WM_PROTO_D_PROT 0x02    /* inside a region never modified */
#define WM_PROTO_D_PAUSED 0x04  /* the HTTP parser stopped at an act */
#define WM_PROTO_D_DROP 0x08    /* policy: drop (answered once) */
#define WM_PROTO_D_MSGID 0x10   /* SMTP: the header line is Message-ID */
#define WM_PROTO_D_FRESH 0x40   /* HTTP: a message ended, nothing of the
				 * next one parsed yet */
#define WM_PROTO_D_ANCHOR 0x20  /* HTTP: inside an anchor (wm_proto_out;
				 * wm_proto_anchored() reads it) */

/* One protocol: how its first bytes look, how its bytes are walked. */
struct proto_ops {
	const char *name;
	/*
	 * Identified by content, the other direction (nothing seen of it
	 * yet) speaks it too, as the other side: a server's first replies
	 * (Redis "+OK", MQTT CONNACK, PostgreSQL's 'S', 'N' or 'R') say
	 * too little by themselves.
	 */
	bool pair;
	/*
	 * Do @n first bytes of a direction start this protocol? 1 yes, 0
	 * no, -1 too few bytes to tell (@n < 8). NULL: by port pin only.
	 */
	int (*ident)(const uint8_t *p, uint32_t n);
	/* Begin direction @dir (@client: the opening side). */
	void (*start)(struct wm_proto_flow *pf, unsigned int dir, bool client);
	/* Walk bytes (wm_proto_feed()); NULL: nothing to do but pass. */
	void (*feed)(struct wm_proto_flow *pf, unsigned int dir,
		     const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
		     struct wm_proto_out *out);
};

extern const struct proto_ops proto_http_ops;
extern const struct proto_ops proto_tls_ops;
extern const struct proto_ops proto_ssh_ops;
extern const struct proto_ops proto_smtp_ops;
extern const struct proto_ops proto_redis_ops;
extern const struct proto_ops proto_mqtt_ops;
extern const struct proto_ops proto_pg_ops;
extern const struct proto_ops proto_kafka_ops;

/* Is the HTTP direction @d between messages (wm_proto_flow_rest())? */
bool proto_http_rests(const struct wm_proto_dir *d);

/* Kafka lost its place (a skipped hole): nothing more is modified. */
void proto_kafka_lost(struct wm_proto_flow *pf, unsigned int dir);

/* Count @c in @ctx's stats (if any). */
static inline void
proto_count(const struct wm_proto_ctx *ctx, enum wm_counter c)
{
	if (ctx->stats != NULL)
		ctx->stats->ctr[c]++;
}

/* Is @p[0..n) a prefix of, or does it start with, @s (case-insensitive)?
 * 1 starts with, -1 only a prefix of it, 0 neither. */
int proto_starts(const uint8_t *p, uint32_t n, const char *s);

/* Both directions of @pf go back to identification (after a tunnel or
 * protocol switch is set up). */
void proto_reidentify(struct wm_proto_flow *pf);

#endif /* PROTO_PRIV_H */
