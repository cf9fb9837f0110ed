/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proto: Redis RESP2/RESP3 and MQTT 3.1.1/5 framing. Each stream is
 * fed whole, cut at every byte and one byte at a time: the message ends
 * (E@), the regions never modified (P@ ... U@) and which bytes they
 * cover must not depend on the cuts, and must be where the framing
 * says.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_proto.h"
#include "wm_test.h"

#define MAXB 1024

/* What the stage said over a stream: acts as text, protection per byte. */
struct trace {
	char s[2048];
	size_t len;
	bool prot;              /* a region never modified is open */
	uint8_t map[MAXB];      /* 1: that byte lies in such a region */
};

static void
trace_act(struct trace *t, uint8_t act, unsigned long at)
{
	static const char tag[] = "-EPUD";
	int k = snprintf(t->s + t->len, sizeof(t->s) - t->len, "%c@%lu ",
			 tag[act], at);

	if (k > 0 && (size_t)k < sizeof(t->s) - t->len)
		t->len += (size_t)k;
}

/* Feed @n bytes at @p of @dir in pieces of at most @piece; @base: the
 * stream offset of @p. */
static void
feed(struct wm_proto_flow *pf, unsigned int dir,
     const struct wm_proto_ctx *ctx, const uint8_t *p, size_t n,
     size_t piece, size_t base, struct trace *t)
{
	size_t at = 0;
	int stall = 0;

	while (at < n) {
		struct wm_proto_out o;
		uint32_t k = (uint32_t)(n - at < piece ? n - at : piece);

		wm_proto_feed(pf, dir, ctx, p + at, k, &o);
		CHECK(o.n <= k);
		CHECK_EQ(o.nedit, 0); /* the stage rewrites nothing here */
		for (size_t i = base + at; i < base + at + o.n && i < MAXB; i++)
			t->map[i] = t->prot;
		if (o.act != WM_PROTO_ACT_NONE)
			trace_act(t, o.act, base + at + o.n);
		if (o.act == WM_PROTO_ACT_PROTECT)
			t->prot = true;
		if (o.act == WM_PROTO_ACT_UNPROTECT)
			t->prot = false;
		if (o.n == 0 && ++stall > 2) {
			CHECK(!"the stage stalls");
			return;
		}
		if (o.n != 0)
			stall = 0;
		at += o.n;
	}
}

/* A flow's ports: @dir 0 the client's (to @port), 1 the server's. */
static struct wm_proto_ctx
ctx_of(unsigned int dir, const struct wm_proto_conf *conf,
       struct wm_stats *st, uint16_t port)
{
	struct wm_proto_ctx c = { .conf = conf, .stats = st };

	c.sport = dir == 0 ? 40000 : port;
	c.dport = dir == 0 ? port : 40000;
	return c;
}

/*
 * @dir's stream @s (@n bytes) after @pre (@npre bytes of the client's
 * direction, fed whole first when @dir is the server's), fed whole, cut
 * at every byte, one byte at a time: the same trace and protection each
 * time. Returns the whole one.
 */
static struct trace
feed_cuts(unsigned int dir, const struct wm_proto_conf *conf,
	  struct wm_stats *st, uint16_t port, const uint8_t *pre,
	  size_t npre, const uint8_t *s, size_t n)
{
	struct wm_proto_ctx c0 = ctx_of(0, conf, NULL, port);
	struct wm_proto_ctx ctx = ctx_of(dir, conf, st, port);
	struct wm_proto_flow pf;
	struct trace whole = { .len = 0 }, skip = { .len = 0 };

	wm_proto_flow_init(&pf);
	if (npre > 0)
		feed(&pf, 0, &c0, pre, npre, npre, 0, &skip);
	feed(&pf, dir, &ctx, s, n, n, 0, &whole);
	ctx.stats = NULL;
	for (size_t cut = 0; cut <= n; cut++) {
		struct trace t = { .len = 0 };
		size_t piece = cut == 0 ? 1 : cut;

		wm_proto_flow_init(&pf);
		skip.len = 0;
		if (npre > 0)
			feed(&pf, 0, &c0, pre, npre, npre, 0, &skip);
		/* cut 0: one byte at a time */
		feed(&pf, dir, &ctx, s, cut == 0 ? n : cut, piece, 0, &t);
		if (cut > 0)
			feed(&pf, dir, &ctx, s + cut, n - cut, n, cut, &t);
		if (strcmp(t.s, whole.s) != 0 ||
		    memcmp(t.map, whole.map, n < MAXB ? n : MAXB) != 0) {
			fprintf(stderr, "cut %zu: '%s' vs '%s'\n", cut, t.s,
				whole.s);
			CHECK(!"what the stage says depends on the cuts");
			break;
		}
	}
	return whole;
}

static bool
trace_is(const struct trace *t, const char *want)
{
	if (strcmp(t->s, want) == 0)
		return true;
	fprintf(stderr, "got  %s\nwant %s\n", t->s, want);
	return false;
}

/* ---- building streams ---- */

struct buf {
	uint8_t b[MAXB];
	size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n <= sizeof(b->b))
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put_s(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
put_u8(struct buf *b, unsigned int v)
{
	uint8_t x = (uint8_t)v;

	put(b, &x, 1);
}

static void
put_u16(struct buf *b, unsigned int v)
{
	put_u8(b, v >> 8);
	put_u8(b, v & 0xff);
}

/* An MQTT string: 2-byte length, bytes. */
static void
put_mstr(struct buf *b, const char *s)
{
	put_u16(b, (unsigned int)strlen(s));
	put_s(b, s);
}

static void
put_varint(struct buf *b, size_t v)
{
	do {
		put_u8(b, (v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v > 0);
}

/* A packet: first byte @first, the body in @body. */
static void
put_packet(struct buf *b, unsigned int first, const struct buf *body)
{
	put_u8(b, first);
	put_varint(b, body->n);
	put(b, body->b, body->n);
}

/* Where a PUBLISH's payload lies in the stream. */
struct span {
	size_t start, end;
};

/* PUBLISH of @payload to @topic: QoS from @first, @props (v5) or NULL. */
static struct span
put_publish(struct buf *b, unsigned int first, const char *topic,
	    const struct buf *props, const char *payload)
{
	struct buf body = { .n = 0 };
	struct span sp;

	put_mstr(&body, topic);
	if (first & 0x06)
		put_u16(&body, 7);
	if (props != NULL) {
		put_varint(&body, props->n);
		put(&body, props->b, props->n);
	}
	sp.start = body.n;
	put_s(&body, payload);
	put_packet(b, first, &body);
	sp.end = b->n;
	sp.start += sp.end - body.n;
	return sp;
}

/* CONNECT at protocol @level, with a user name. */
static void
put_connect(struct buf *b, unsigned int level, const char *user)
{
	struct buf body = { .n = 0 };

	put_mstr(&body, "MQTT");
	put_u8(&body, level);
	put_u8(&body, 0x82); /* user name, clean session */
	put_u16(&body, 60);
	if (level == 5)
		put_u8(&body, 0); /* no properties */
	put_mstr(&body, "cli-1");
	put_mstr(&body, user);
	put_packet(b, 0x10, &body);
}

/* Every byte of [0, n) protected but the payloads in @sp. */
static bool
only_payloads_open(const struct trace *t, size_t n, const struct span *sp,
		   size_t nsp)
{
	for (size_t i = 0; i < n; i++) {
		bool in = false;

		for (size_t k = 0; k < nsp; k++)
			in |= i >= sp[k].start && i < sp[k].end;
		if (t->map[i] == in) {
			fprintf(stderr, "byte %zu: %s\n", i,
				in ? "payload protected" : "framing open");
			return false;
		}
	}
	return true;
}

/* ---- Redis ---- */

static const struct wm_proto_conf redis_pin = {
	.npins = 1, .pins = { { .port = 6379, .proto = WM_PROTO_REDIS } },
};

static void
redis_commands_end_at_their_last_bulk_string(void)
{
	/* Pipelined; the first ends with an e-mail, the second has a
	 * bulk string full of framing look-alikes. */
	static const char s[] =
		"*3\r\n$3\r\nSET\r\n$4\r\nmail\r\n$20\r\njane.doe@example.org\r\n"
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$12\r\n*1\r\n$3\r\n:1\r\n\r\n"
		"*2\r\n$3\r\nGET\r\n$4\r\nmail\r\n";
	struct wm_stats st = { 0 };
	struct trace t;
	char want[64];

	/* Identified by content: no pin for port 7000. */
	t = feed_cuts(0, NULL, &st, 7000, NULL, 0, (const uint8_t *)s,
		      sizeof(s) - 1);
	snprintf(want, sizeof(want), "E@%zu E@%zu E@%zu ",
		 strstr(s, "example.org\r\n") - s + 13,
		 strstr(s, ":1\r\n\r\n") - s + 6, sizeof(s) - 1);
	CHECK(trace_is(&t, want));
	CHECK_EQ(st.ctr[WM_CTR_PROTO_REDIS], 2); /* and the server's side */
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MSG_END], 3);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

static void
redis_resp2_replies(void)
{
	static const char s[] = "+OK\r\n"
				"$16\r\n4111111111111111\r\n"
				":42\r\n"
				"-ERR wrong number of arguments\r\n"
				"*2\r\n$1\r\na\r\n$-1\r\n"
				"*-1\r\n"
				"*0\r\n"
				"$0\r\n\r\n"
				"*2\r\n*1\r\n:1\r\n*2\r\n+x\r\n$3\r\nssn\r\n";
	static const char *const ends[] = {
		"+OK\r\n", "1111\r\n", ":42\r\n", "arguments\r\n",
		"$-1\r\n", "*-1\r\n", "*0\r\n", "$0\r\n\r\n", "ssn\r\n",
	};
	struct wm_stats st = { 0 };
	struct trace t = feed_cuts(1, &redis_pin, &st, 6379, NULL, 0,
				   (const uint8_t *)s, sizeof(s) - 1);
	char want[256] = "";

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "E@%zu ", strstr(s, ends[i]) - s + strlen(ends[i]));
	CHECK(trace_is(&t, want));
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

static void
redis_resp3_replies(void)
{
	static const char s[] =
		/* a map: +a => [1, 1.5], "hello" => {true} */
		"%2\r\n+a\r\n*2\r\n:1\r\n,1.5\r\n$5\r\nhello\r\n~1\r\n#t\r\n"
		/* a push, with a verbatim string */
		">2\r\n+message\r\n=8\r\ntxt:abcd\r\n"
		/* an attribute, then the integer it describes */
		"|1\r\n+ttl\r\n:3600\r\n:7\r\n"
		"_\r\n"
		"(3492890328409238509324850943850943825024385\r\n"
		"!21\r\nSYNTAX invalid syntax\r\n"
		"%0\r\n";
	static const char *const ends[] = {
		"#t\r\n", "abcd\r\n", ":7\r\n", "_\r\n", "385\r\n",
		"syntax\r\n", "%0\r\n",
	};
	struct trace t = feed_cuts(1, &redis_pin, NULL, 6379, NULL, 0,
				   (const uint8_t *)s, sizeof(s) - 1);
	char want[256] = "";

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "E@%zu ", strstr(s, ends[i]) - s + strlen(ends[i]));
	CHECK(trace_is(&t, want));
}

static void
redis_inline_commands_end_at_their_line(void)
{
	static const char s[] = "PING\r\nSET mail jane.doe@example.org\r\n"
				"*1\r\n$4\r\nPING\r\n";
	struct wm_stats st = { 0 };
	struct trace t = feed_cuts(0, &redis_pin, &st, 6379, NULL, 0,
				   (const uint8_t *)s, sizeof(s) - 1);
	char want[64];

	snprintf(want, sizeof(want), "E@6 E@%zu E@%zu ",
		 strstr(s, "org\r\n") - s + 5, sizeof(s) - 1);
	CHECK(trace_is(&t, want));
	CHECK_EQ(st.ctr[WM_CTR_PROTO_REDIS], 1);
}

static void
redis_bad_framing_is_the_raw_stream(void)
{
	static const char *const bad[][2] = {
		{ "0", "*1\r\n$3\r\nabcX\r\n" },   /* no CRLF after the bytes */
		{ "0", "*1\r\n$x\r\n" },           /* no length */
		{ "0", "*1\r\n$3\n" },             /* no CR */
		{ "0", "*1\r\n$?\r\n;3\r\nabc\r\n;0\r\n" }, /* streamed */
		{ "1", "?huh\r\n" },               /* no such type */
		{ "1", "*-2\r\n" },                /* a negative count */
		{ "1", "%-1\r\n" },
		{ "1", "$9999999999999999\r\n" },  /* too many digits */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned int dir = bad[i][0][0] - '0';
		struct wm_proto_ctx ctx = ctx_of(dir, &redis_pin, NULL, 6379);
		struct wm_stats st = { 0 };
		struct wm_proto_flow pf;
		struct trace t = { .len = 0 };

		ctx.stats = &st;
		wm_proto_flow_init(&pf);
		feed(&pf, dir, &ctx, (const uint8_t *)bad[i][1],
		     strlen(bad[i][1]), 4096, 0, &t);
		CHECK_EQ(pf.dir[dir].proto, WM_PROTO_RAW);
		CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 1);
		CHECK_EQ(t.len, 0);
		if (pf.dir[dir].proto != WM_PROTO_RAW)
			fprintf(stderr, "not refused: case %zu\n", i);
	}
}

static void
redis_identified_by_content_only(void)
{
	static const char *const no[] = {
		"*hello world\r\n", "*3\r\n:1\r\n", "*\r\n$3\r\n",
		"+OK\r\n", "$5\r\nhello\r\n", "*12345\r\n$3",
	};
	struct wm_proto_ctx ctx = ctx_of(0, NULL, NULL, 7000);
	struct wm_proto_flow pf;
	struct trace t = { .len = 0 };

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		wm_proto_flow_init(&pf);
		feed(&pf, 0, &ctx, (const uint8_t *)no[i], strlen(no[i]),
		     4096, 0, &t);
		CHECK(pf.dir[0].proto != WM_PROTO_REDIS);
		CHECK_EQ(pf.dir[1].proto, WM_PROTO_NONE);
	}
	/* The server's side of an identified client, as the server. */
	wm_proto_flow_init(&pf);
	feed(&pf, 0, &ctx, (const uint8_t *)"*1\r\n$4\r\nPING\r\n", 14, 4096,
	     0, &t);
	CHECK_EQ(pf.dir[1].proto, WM_PROTO_REDIS);
	t.len = 0;
	t.s[0] = '\0';
	ctx = ctx_of(1, NULL, NULL, 7000);
	feed(&pf, 1, &ctx, (const uint8_t *)"+PONG\r\n", 7, 4096, 0, &t);
	CHECK(trace_is(&t, "E@7 "));
	CHECK_EQ(wm_proto_parse("redis"), WM_PROTO_REDIS);
	CHECK(strcmp(wm_proto_name(WM_PROTO_REDIS), "redis") == 0);
}

/* ---- MQTT ---- */

static const struct wm_proto_conf mqtt_pin = {
	.npins = 1, .pins = { { .port = 1883, .proto = WM_PROTO_MQTT } },
};

static void
mqtt311_publish_payload_open_topic_protected(void)
{
	struct buf b = { .n = 0 };
	struct span sp[2];
	size_t conn, ping;
	struct wm_stats st = { 0 };
	struct trace t;
	char want[256];

	put_connect(&b, 4, "jane.doe@example.org");
	conn = b.n;
	/* QoS 0, a topic with an e-mail, a payload ending with one */
	sp[0] = put_publish(&b, 0x30, "users/joe@example.net/mail", NULL,
			    "card 4111111111111111 mail jane.doe@example.org");
	/* QoS 1, retained */
	sp[1] = put_publish(&b, 0x33, "t", NULL, "ssn 123-45-6789");
	put_s(&b, "\xc0"); /* PINGREQ */
	put_u8(&b, 0);
	ping = b.n;
	put_u8(&b, 0xe0); /* DISCONNECT */
	put_u8(&b, 0);
	t = feed_cuts(0, &mqtt_pin, &st, 1883, NULL, 0, b.b, b.n);
	snprintf(want, sizeof(want),
		 "P@0 E@%zu E@%zu U@%zu E@%zu P@%zu E@%zu U@%zu E@%zu P@%zu "
		 "E@%zu E@%zu ",
		 conn, sp[0].start, sp[0].start, sp[0].end, sp[0].end,
		 sp[1].start, sp[1].start, sp[1].end, sp[1].end, ping, b.n);
	CHECK(trace_is(&t, want));
	CHECK(only_payloads_open(&t, b.n, sp, 2));
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MQTT], 1);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MSG_END], 5); /* a packet each */
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

static void
mqtt5_properties_protected_both_directions(void)
{
	struct buf c = { .n = 0 }, b = { .n = 0 }, props = { .n = 0 };
	struct buf alias = { .n = 0 };
	struct span sp[2];
	size_t empty;
	struct wm_stats st = { 0 };
	struct trace t;
	char want[256];

	put_connect(&c, 5, "cli");
	/* The broker's side: CONNACK (v5: reason code, no properties) */
	put_u8(&b, 0x20);
	put_u8(&b, 3);
	put_u16(&b, 0);
	put_u8(&b, 0);
	put_u8(&props, 0x03); /* content type */
	put_mstr(&props, "text/plain");
	put_u8(&props, 0x26); /* user property mail=joe@example.net */
	put_mstr(&props, "mail");
	put_mstr(&props, "joe@example.net");
	sp[0] = put_publish(&b, 0x32, "a/b", &props,
			    "ssn 123-45-6789 card 4111 1111 1111 1111");
	/* an empty payload: the packet is all framing */
	put_publish(&b, 0x30, "a/b", &alias, "");
	empty = b.n;
	/* a topic alias: no topic, the alias in the properties */
	put_u8(&alias, 0x23);
	put_u16(&alias, 1);
	sp[1] = put_publish(&b, 0x30, "", &alias, "x jane@example.org");
	t = feed_cuts(1, &mqtt_pin, &st, 1883, c.b, c.n, b.b, b.n);
	snprintf(want, sizeof(want),
		 "P@0 E@5 E@%zu U@%zu E@%zu P@%zu E@%zu E@%zu U@%zu E@%zu ",
		 sp[0].start, sp[0].start, sp[0].end, sp[0].end, empty,
		 sp[1].start, sp[1].start, sp[1].end);
	CHECK(trace_is(&t, want));
	CHECK(only_payloads_open(&t, b.n, sp, 2));
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MQTT], 1);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

static void
mqtt_identified_by_connect(void)
{
	struct buf b = { .n = 0 }, ack = { .n = 0 };
	struct wm_proto_ctx c0 = ctx_of(0, NULL, NULL, 9999);
	struct wm_proto_ctx c1 = ctx_of(1, NULL, NULL, 9999);
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct trace pin, t;
	struct span sp;
	char tail[128];

	put_connect(&b, 4, "u");
	sp = put_publish(&b, 0x30, "t/1", NULL, "jane.doe@example.org");
	pin = feed_cuts(0, &mqtt_pin, NULL, 1883, NULL, 0, b.b, b.n);
	snprintf(tail, sizeof(tail), "E@%zu U@%zu E@%zu ", sp.start,
		 sp.start, sp.end);
	/* Cut anywhere: once identified, the same acts. (What came before
	 * it passed as the raw stream: protection starts there.) */
	for (size_t cut = 1; cut < b.n; cut++) {
		wm_proto_flow_init(&pf);
		t = (struct trace){ .len = 0 };
		c0.stats = cut == 1 ? &st : NULL;
		feed(&pf, 0, &c0, b.b, cut, cut, 0, &t);
		feed(&pf, 0, &c0, b.b + cut, b.n - cut, b.n, cut, &t);
		CHECK_EQ(pf.dir[0].proto, WM_PROTO_MQTT);
		CHECK(strncmp(t.s, "P@", 2) == 0);
		CHECK(strstr(t.s, tail) != NULL);
		for (size_t i = sp.start; i < sp.end; i++)
			CHECK(!t.map[i]);
	}
	CHECK(strstr(pin.s, tail) != NULL);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MQTT], 2); /* the broker's side too */
	/* The broker's side, as the broker: CONNACK, a PUBLISH. */
	put_u8(&ack, 0x20);
	put_u8(&ack, 2);
	put_u16(&ack, 0);
	put_publish(&ack, 0x30, "t/1", NULL, "x");
	t = (struct trace){ .len = 0 };
	feed(&pf, 1, &c1, ack.b, ack.n, 4096, 0, &t);
	CHECK(trace_is(&t, "P@0 E@4 E@11 U@11 E@12 "));
	CHECK_EQ(wm_proto_parse("mqtt"), WM_PROTO_MQTT);
	/* Not MQTT: another first byte, another protocol name. */
	{
		static const char *const no[] = {
			"\x10\x0c\x00\x04MQXX",
			"\x20\x02\x00\x00\x00\x00\x00\x00",
			"\x10\x0c\x00\x05MQTT",
			"\x10\xff\xff\xff\xff\x00\x04M",
		};

		for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
			wm_proto_flow_init(&pf);
			feed(&pf, 0, &c0, (const uint8_t *)no[i], 8, 4096, 0,
			     &t);
			CHECK(pf.dir[0].proto != WM_PROTO_MQTT);
		}
	}
}

static void
mqtt_bad_framing_is_the_raw_stream(void)
{
	struct buf ok = { .n = 0 };
	static const struct {
		const char *b;
		size_t n;
	} bad[] = {
		{ "\x00\x00", 2 },                  /* reserved type 0 */
		{ "\x36\x01\x00", 3 },              /* PUBLISH, QoS 3 */
		{ "\x80\x01\x00", 3 },              /* SUBSCRIBE, flags 0 */
		{ "\x30\xff\xff\xff\xff\x01", 6 },  /* a 5-byte length */
		{ "\x30\x03\x00\x05\x61\x62", 6 },  /* topic past the end */
		{ "\x10\x02\x00\x09", 4 },          /* no such name length */
	};

	put_connect(&ok, 4, "u");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wm_proto_ctx ctx = ctx_of(0, &mqtt_pin, NULL, 1883);
		struct wm_stats st = { 0 };
		struct wm_proto_flow pf;
		struct trace t = { .len = 0 };
		char want[64];

		ctx.stats = &st;
		wm_proto_flow_init(&pf);
		feed(&pf, 0, &ctx, ok.b, ok.n, 4096, 0, &t);
		feed(&pf, 0, &ctx, (const uint8_t *)bad[i].b, bad[i].n, 4096,
		     ok.n, &t);
		CHECK_EQ(pf.dir[0].proto, WM_PROTO_RAW);
		CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 1);
		/* The protection is closed where the parser gave up. */
		CHECK(strncmp(t.s, "P@0 ", 4) == 0);
		CHECK(!t.prot);
		snprintf(want, sizeof(want), "E@%zu ", ok.n);
		CHECK(strstr(t.s, want) != NULL);
		if (pf.dir[0].proto != WM_PROTO_RAW)
			fprintf(stderr, "not refused: case %zu\n", i);
	}
	/* CONNECT at an unknown protocol level. */
	{
		struct wm_proto_ctx ctx = ctx_of(0, &mqtt_pin, NULL, 1883);
		struct wm_proto_flow pf;
		struct trace t = { .len = 0 };
		struct buf c = { .n = 0 };

		put_connect(&c, 9, "u");
		wm_proto_flow_init(&pf);
		feed(&pf, 0, &ctx, c.b, c.n, 4096, 0, &t);
		CHECK_EQ(pf.dir[0].proto, WM_PROTO_RAW);
		CHECK(trace_is(&t, "P@0 U@8 "));
	}
}

int
main(void)
{
	RUN(redis_commands_end_at_their_last_bulk_string);
	RUN(redis_resp2_replies);
	RUN(redis_resp3_replies);
	RUN(redis_inline_commands_end_at_their_line);
	RUN(redis_bad_framing_is_the_raw_stream);
	RUN(redis_identified_by_content_only);
	RUN(mqtt311_publish_payload_open_topic_protected);
	RUN(mqtt5_properties_protected_both_directions);
	RUN(mqtt_identified_by_connect);
	RUN(mqtt_bad_framing_is_the_raw_stream);
	TEST_END();
}
