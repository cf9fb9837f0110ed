/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The protocol stage: between reassembly and detection, per flow
 * direction, what the application protocol says about the bytes the
 * stream engine judges.
 *
 *   in-order bytes of a direction
 *     -> identify (the policy's port pins, else the first bytes:
 *        TLS record, "SSH-", an HTTP request or status line, SMTP's
 *        EHLO/HELO, a Redis command, an MQTT CONNECT; anything else is
 *        the raw stream)
 *     -> feed: the protocol's parser walks the bytes and stops where
 *        the engine must act (struct wm_proto_out):
 *          MSG_END    a message ended here (HTTP Content-Length reached
 *                     or last chunk, SMTP's "." line): its values end
 *                     too, decided at once, no hold
 *          PROTECT    bytes from here on are never modified: TLS and
 *                     SSH (the peers' transcript hashes and MACs cover
 *                     them), SMTP's envelope (MAIL FROM, RCPT TO) and
 *                     Message-ID, which route the mail; detector hits
 *                     there are counted (mask.protected), not masked
 *          UNPROTECT  the end of such a region
 *          DROP       the policy does not allow what was found
 *                     (encrypted = "drop", compressed = "drop")
 *          FRAME      the last out->frame bytes consumed are framing
 *                     between values (PostgreSQL's type bytes and
 *                     lengths): never modified, and no value runs into
 *                     them or out of them (a boundary on both sides, as
 *                     MSG_END: a message that ends there ends too)
 *        and which bytes it rewrote itself, same length (an HTTP
 *        request's Accept-Encoding, so servers answer uncompressed).
 *
 * What it owns: struct wm_proto_flow, the per-flow parser state (kept
 * in the stream engine's flow area). It knows nothing of mbufs: the
 * engine feeds it contiguous bytes. No EAL needed.
 */
#ifndef WM_PROTO_H
#define WM_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include <http_parser.h>

#include "wm_stats.h"

enum wm_proto {
	WM_PROTO_NONE,      /* not identified yet */
	WM_PROTO_RAW,       /* unknown: the raw stream */
	WM_PROTO_HTTP,
	WM_PROTO_TLS,
	WM_PROTO_SSH,
	WM_PROTO_SMTP,
	WM_PROTO_REDIS,
	WM_PROTO_MQTT,
	WM_PROTO_PG,        /* PostgreSQL frontend/backend protocol v3 */
	WM_PROTO_KAFKA,
	WM_PROTO_MAX
};

/* What a policy does with encrypted protocols (TLS, SSH). */
enum wm_proto_encrypted {
	WM_PROTO_ENC_PROTECT,   /* pass, never modified; hits counted */
	WM_PROTO_ENC_DROP,      /* not allowed: the flow is dropped */
};

/* What a policy does with HTTP bodies it cannot mask in place. */
enum wm_proto_compressed {
	WM_PROTO_COMP_IDENTITY, /* ask for identity (Accept-Encoding), then
				 * alert on what comes compressed anyway */
	WM_PROTO_COMP_ALERT,    /* pass, counted */
	WM_PROTO_COMP_DROP,     /* the flow is dropped */
};

/* What a policy does with a Kafka batch larger than kafka_max_batch. */
enum wm_proto_kafka_large {
	WM_PROTO_KLARGE_DROP,   /* the flow is dropped */
	WM_PROTO_KLARGE_ALERT,  /* passed untouched (not masked), counted */
};

#define WM_PROTO_KAFKA_MAX_BATCH (1u << 20)

#define WM_PROTO_MAX_PINS 16

/* A policy's protocol settings (config: policies.<p>.protocols). */
struct wm_proto_conf {
	uint8_t encrypted;      /* enum wm_proto_encrypted */
	uint8_t compressed;     /* enum wm_proto_compressed */
	uint8_t npins;
	uint8_t kafka_too_large; /* enum wm_proto_kafka_large */
	uint32_t kafka_max_batch; /* bytes of a record batch whose CRC is
				   * fixed up (0: the default, 1 MiB) */
	struct {
		uint16_t port;  /* server port: either endpoint's port */
		uint8_t proto;  /* enum wm_proto (WM_PROTO_RAW: no parsing) */
	} pins[WM_PROTO_MAX_PINS];
};

/* What the engine must do after the bytes the stage consumed. */
enum wm_proto_act {
	WM_PROTO_ACT_NONE,
	WM_PROTO_ACT_MSG_END,
	WM_PROTO_ACT_PROTECT,
	WM_PROTO_ACT_UNPROTECT,
	WM_PROTO_ACT_DROP,
	WM_PROTO_ACT_FRAME,
	WM_PROTO_ACT_UNEND,     /* the last message end was none: the bytes
				 * after it begin no message (a declared
				 * length cut a value); values run across */
	/*
	 * Kafka's record batches (lib/proto/proto_kafka.c):
	 *   END_PROTECT  a value ended here (decided at once, as MSG_END),
	 *                and bytes from here on are never modified (as
	 *                PROTECT): every field of a batch but its record
	 *                keys, values and header values;
	 *   FIXUP        a v2 batch began: its CRC32C field lies at fix_at
	 *                (relative to the bytes fed, as view_off: negative
	 *                when in an earlier feed) and covers the fix_len
	 *                bytes after it; the packet carrying it must not
	 *                leave before the batch is judged;
	 *   FIXUP_END    the batch ended here, every byte of it judged:
	 *                write its CRC over the bytes as they leave, unless
	 *                fix_ok is 0 (the CRC did not match as it came: it
	 *                stays, the broker refuses it as it would have).
	 */
	WM_PROTO_ACT_END_PROTECT,
	WM_PROTO_ACT_FIXUP,
	WM_PROTO_ACT_FIXUP_END,
};

#define WM_PROTO_MAX_EDITS 4

/*
 * Anchors: a header value that is one value whole (an Authorization
 * header's scheme and credentials, a cookie's value). A match that
 * begins inside one is masked from the anchor's start, however long the
 * credential (detectors see WM_DETECT_WINDOW bytes), and the engine
 * holds the anchor's bytes until it ends. Events in order: an anchor
 * starts (end 0) or ends (end 1) at off, in the bytes fed.
 */
#define WM_PROTO_MAX_ANCHORS 8

/*
 * The decoded view: what the application reads where the wire encodes
 * it (percent-encoding and '+' in a query string or a urlencoded body,
 * JSON string escapes, a chunked body without its framing). Each decoded
 * byte knows the wire bytes that encode it: from view_off (relative to
 * the bytes fed: negative when an escape began in an earlier feed),
 * view_wlen of them (1 a byte as itself, 3 "%XX", 2 "\n", 6 "\uXXXX",
 * 0 a separator between regions that encodes nothing). Only bytes where
 * a value may hide behind an encoding are worth a second scan: the
 * engine scans the view near encodings only.
 */
#define WM_PROTO_WLEN_SEP 0
#define WM_PROTO_WLEN_LEN 0x0f     /* view_wlen: the length, and */
#define WM_PROTO_WLEN_URL 0x10     /* in a URL or urlencoded body */
#define WM_PROTO_WLEN_JSON 0x20    /* in a JSON body */
#define WM_PROTO_WLEN_CHANGED 0x40 /* one byte, decoded to another ('+') */
#define WM_PROTO_WLEN_FRAMED 0x80  /* in a chunked body (framing between) */

/* The answer to one wm_proto_feed(). */
struct wm_proto_out {
	uint32_t nview;         /* decoded bytes written to the ctx's view */
	uint32_t n;             /* bytes consumed (1.. of those fed) */
	uint32_t frame;         /* FRAME: how many of the n end in framing */
	uint8_t act;            /* enum wm_proto_act, after those bytes */
	uint8_t fix_ok;         /* FIXUP_END: the CRC matched as it came */
	uint8_t fix_value;      /* FIXUP_END: a value ended there too (do
				 * END_PROTECT's part first) */
	uint8_t view_on;        /* lazy, the view began at an escape */
	uint8_t nedit;
	struct {                /* bytes to blank (spaces), offsets in */
		uint32_t off;   /* the bytes fed: Accept-Encoding values */
		uint32_t len;
	} edit[WM_PROTO_MAX_EDITS];
	uint8_t nsplit;
	struct {                /* escapes of the view cut by chunk */
		int32_t at;     /* framing: k wire bytes at at, the rest */
		int32_t gap_at; /* at gap_at (offsets as view_off) */
		uint8_t k;
	} split[WM_PROTO_MAX_EDITS];
	uint8_t nanchor;
	struct {
		uint32_t off;
		uint8_t end;
	} anchor[WM_PROTO_MAX_ANCHORS];
	int32_t fix_at;         /* FIXUP: where the CRC field begins */
	uint32_t fix_len;       /* and how many bytes after it it covers */
};

/* One direction's parser state. */
struct wm_proto_dir {
	uint8_t proto;          /* enum wm_proto */
	uint8_t state;          /* the protocol's own */
	uint8_t flags;          /* WM_PROTO_D_* (proto.c) */
	uint8_t nstash;         /* first bytes, until identified */
	uint8_t region;         /* what the view decodes (proto_decode.c) */
	uint8_t dec;            /* the decoder's state inside an escape */
	uint8_t dec_acc;        /* and the hex digits it has read */
	uint8_t dec_n;
	uint8_t stash[8];
	struct {                /* the escape being decoded: its wire */
		int32_t at;     /* bytes, from the start of the bytes fed */
		int32_t next;   /* (rebased after each feed); a chunk's */
		int32_t gap_at; /* framing may cut it once: k bytes at at, */
		uint8_t k;      /* the rest at gap_at */
		uint8_t broken; /* cut twice: decoded as 0xff, never written */
	} esc;
	union {
		http_parser http;
		struct {
			uint16_t len;   /* bytes of the current line */
			uint8_t head[14]; /* its first bytes, upper case */
		} line;
		struct {                /* proto_redis.c */
			uint64_t num;   /* a length read, or bulk bytes left */
			uint32_t pending; /* elements the message still owes */
			uint8_t type;   /* of the element being read */
			uint8_t ndig;
		} resp;
		struct {                /* proto_mqtt.c */
			uint32_t left;  /* bytes of the packet still to come */
			uint32_t skip;  /* of the field being skipped */
			uint32_t acc;   /* a length being read */
			uint8_t type;   /* the packet's first byte */
			uint8_t cnt;    /* bytes of that length read */
		} mqtt;
		struct wm_proto_pg {    /* proto_pg.c */
			uint32_t left;  /* bytes of the message to come */
			uint32_t fleft; /* of the field (startup: its length) */
			uint32_t acc;   /* the integer being read */
			uint16_t count; /* items left of the field's array */
			uint8_t type;   /* the message's (0: untyped startup) */
			uint8_t pc;     /* step of its layout (or its header) */
			uint8_t sub;    /* within the step */
			uint8_t nacc;   /* bytes of acc read */
		} pg;
		struct {        /* Kafka (proto_kafka.c); its batch CRCs */
			uint32_t msg_left;  /* ride in the stash */
			uint32_t set_left;  /* a partition's records */
			uint32_t batch_left;
			uint32_t rec_left;  /* a record, or aborted txns */
			uint32_t len;   /* a field being read or skipped */
			uint16_t topics;    /* left of the arrays */
			uint16_t parts;
			uint16_t items; /* headers, tagged fields */
			uint8_t nb;     /* bytes of the field read so far */
			uint8_t ret;    /* state after a skip or tags */
			uint8_t ver;    /* the message's API version */
			uint8_t kind;   /* produce, fetch response, other */
			uint8_t fl;     /* KF_* */
			uint8_t tret;   /* state after tagged fields */
		} kafka;
	} u;
};

/* A flow's protocol state: both directions and what they share. */
struct wm_proto_flow {
	struct wm_proto_dir dir[2];
	uint32_t req_kind;      /* pending requests, 2 bits each, oldest in
				 * the low bits: WM_PROTO_REQ_* (proto_http.c);
				 * Kafka: pending Fetch requests, a byte each,
				 * responses to come before it */
	uint8_t nreq;
	uint8_t flags;          /* WM_PROTO_F_* (proto.c) */
	uint8_t kafka_fver;     /* Kafka: the pending Fetches' version */
	uint8_t kafka_other;    /* and requests after the last one */
};

/* Per call: the policy, the ports, where to count. */
struct wm_proto_ctx {
	const struct wm_proto_conf *conf;  /* NULL: the defaults */
	struct wm_stats *stats;
	uint16_t sport;         /* of the bytes fed */
	uint16_t dport;
	uint32_t view_cap;      /* >= bytes fed, or 0: no view wanted */
	uint8_t *view;          /* decoded bytes */
	int32_t *view_off;      /* where each one's wire bytes begin */
	uint8_t *view_wlen;     /* how many wire bytes encode it */
	/*
	 * The engine does not scan the view now: a query, form or JSON
	 * decoder may leave out what precedes its first escape in the bytes
	 * fed (those are the wire bytes themselves). Chunked bodies are
	 * always given whole: their framing is what the view removes.
	 */
	uint8_t view_lazy;
	uint8_t view_framed;    /* (the decoders': a chunked body's bytes) */
};

/** Start the protocol state of a new flow. */
void wm_proto_flow_init(struct wm_proto_flow *pf);

/**
 * Can @pf be given up and taken up again later from one byte a
 * direction (@sum)? True when each direction is unidentified with
 * nothing seen, carries no parser state (raw stream, TLS, SSH), or is
 * an HTTP/1.x parser between messages with no request pending: what
 * wm_proto_flow_wake() builds from @sum then parses the next bytes as
 * @pf would.
 */
bool wm_proto_flow_rest(const struct wm_proto_flow *pf, uint8_t sum[2]);

/** Start @pf again from what wm_proto_flow_rest() left in @sum. */
void wm_proto_flow_wake(struct wm_proto_flow *pf, const uint8_t sum[2]);

/**
 * Walk @n > 0 in-order bytes of direction @dir at @p; stop after the
 * first place where the engine must act (out->act, after out->n bytes:
 * none only when the act comes before the first byte), or consume all.
 * Bytes to rewrite are listed in out->edit: the engine writes them.
 */
void wm_proto_feed(struct wm_proto_flow *pf, unsigned int dir,
		   const struct wm_proto_ctx *ctx, const uint8_t *p,
		   uint32_t n, struct wm_proto_out *out);

/**
 * A hole was skipped in @dir: the parser lost its place; the direction
 * goes on as the raw stream (protection of an encrypted flow stays).
 */
void wm_proto_lost(struct wm_proto_flow *pf, unsigned int dir,
		   struct wm_stats *stats);

/*
 * An escape of the view cut by the end of the bytes fed ("\u003" of a
 * "\u0031" whose last digit is still to come): where its wire bytes so
 * far lie, offsets from the next byte to feed (negative), as a split in
 * wm_proto_out: k bytes at at, the rest at gap_at after chunk framing.
 */
struct wm_proto_esc {
	int32_t at;
	int32_t gap_at;
	uint8_t k;      /* 0: no framing inside it (yet) */
	uint8_t n;      /* its wire bytes so far */
	uint8_t len;    /* when whole; 0: not known yet (a backslash alone) */
	uint8_t wlen;   /* WM_PROTO_WLEN_URL or WM_PROTO_WLEN_JSON */
};

/**
 * Is the view of direction @dir of @pf inside an escape at the end of
 * the bytes fed so far? Then where, in @e. An escape cut twice by
 * framing is none: it decodes to a byte never part of a value.
 */
bool wm_proto_view_esc(const struct wm_proto_flow *pf, unsigned int dir,
		       struct wm_proto_esc *e);

/** Is every byte of @pf, both directions, never to be modified? */
static inline bool
wm_proto_protected(const struct wm_proto_flow *pf)
{
	return (pf->flags & 0x01) != 0; /* WM_PROTO_F_PROTECT */
}

/** Is direction @dir of @pf inside an anchor (wm_proto_out.anchor)? */
static inline bool
wm_proto_anchored(const struct wm_proto_flow *pf, unsigned int dir)
{
	return (pf->dir[dir].flags & 0x20) != 0; /* WM_PROTO_D_ANCHOR */
}

/**
 * Do the @n bytes at @p begin an HTTP/1.x message (a request line of a
 * method the stage knows, or a status line)? Case-sensitive.
 */
bool wm_proto_http_start(const uint8_t *p, uint32_t n);

/** Name of @p ("http", ...), NULL if out of range. */
const char *wm_proto_name(enum wm_proto p);

/** The protocol named @name; -1 if none. */
int wm_proto_parse(const char *name);

#endif /* WM_PROTO_H */
