/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proto, PostgreSQL: which bytes are values (scanned, masked) and
 * which are framing (never modified), where values end, the opening
 * (startup, SSLRequest answered 'S' or 'N', CancelRequest) and bad
 * framing. Each stream is built with every byte marked value or
 * framing, then fed whole, cut at every byte and one byte at a time:
 * the stage must say exactly the marks, the same for every cut, and
 * give a boundary wherever a value ends.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_proto.h"
#include "wm_test.h"

#define CAP 4096

/* A stream and what each byte is: 'f' framing, 'v' value. */
struct pgs {
	uint8_t b[CAP];
	char cls[CAP + 1];
	size_t n;
	size_t msg;     /* where the message being built began */
};

static void
put(struct pgs *s, char c, const void *p, size_t n)
{
	memcpy(s->b + s->n, p, n);
	memset(s->cls + s->n, c, n);
	s->n += n;
	s->cls[s->n] = '\0';
}

static void
put32(struct pgs *s, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	put(s, 'f', b, 4);
}

static void
put16(struct pgs *s, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(s, 'f', b, 2);
}

/* A framing C string (names) or a value C string (its NUL framing). */
static void
cstr(struct pgs *s, char c, const char *v)
{
	put(s, c, v, strlen(v));
	put(s, 'f', "", 1);
}

/* Begin a typed message (0: untyped); end() writes its length. */
static void
begin(struct pgs *s, char type)
{
	s->msg = s->n;
	if (type != 0)
		put(s, 'f', &type, 1);
	put32(s, 0);
}

static void
end(struct pgs *s)
{
	size_t at = s->msg + (s->b[s->msg] != 0 ? 1 : 0);
	uint32_t len = (uint32_t)(s->n - at);

	s->b[at] = (uint8_t)(len >> 24);
	s->b[at + 1] = (uint8_t)(len >> 16);
	s->b[at + 2] = (uint8_t)(len >> 8);
	s->b[at + 3] = (uint8_t)len;
}

/* A length-prefixed value (a Bind parameter, a DataRow column). */
static void
lenval(struct pgs *s, const char *v)
{
	if (v == NULL) {
		put32(s, UINT32_MAX);
		return;
	}
	put32(s, (uint32_t)strlen(v));
	put(s, 'v', v, strlen(v));
}

static void
startup(struct pgs *s)
{
	begin(s, 0);
	put32(s, 3 << 16);
	cstr(s, 'f', "user");
	cstr(s, 'f', "jane.doe@example.org"); /* a role named like this */
	cstr(s, 'f', "database");
	cstr(s, 'f', "shop");
	put(s, 'f', "", 1);
	end(s);
}

/* What the stage said over a whole stream. */
struct seen {
	char cls[CAP + 1];      /* 'f' where FRAME covered, else 'v' */
	bool bound[CAP + 1];    /* a boundary before byte i */
	int nact;
	bool error;
};

static void
feed(struct wm_proto_flow *pf, unsigned int dir,
     const struct wm_proto_ctx *ctx, const uint8_t *p, size_t n,
     size_t piece, size_t base, struct seen *sn)
{
	size_t at = 0;
	int stall = 0;

	while (at < n) {
		struct wm_proto_out o;
		uint32_t k = (uint32_t)(n - at < piece ? n - at : piece);

		wm_proto_feed(pf, dir, ctx, p + at, k, &o);
		CHECK(o.n <= k);
		if (o.act == WM_PROTO_ACT_FRAME) {
			size_t e = base + at + o.n, f0 = e - o.frame;

			CHECK(o.frame > 0 && o.frame <= o.n);
			memset(sn->cls + f0, 'f', o.frame);
			sn->bound[f0] = sn->bound[e] = true;
		} else if (o.act == WM_PROTO_ACT_MSG_END) {
			sn->bound[base + at + o.n] = true;
		} else {
			CHECK_EQ(o.act, WM_PROTO_ACT_NONE);
		}
		if (o.act != WM_PROTO_ACT_NONE)
			sn->nact++;
		if (o.n == 0 && ++stall > 2) {
			CHECK(!"the stage stalls");
			return;
		}
		if (o.n != 0)
			stall = 0;
		at += o.n;
	}
}

/* Boundaries inside a framing run say nothing: cuts may add them. */
static void
normalize(struct seen *sn, size_t n)
{
	sn->cls[n] = '\0';
	for (size_t i = 1; i < n; i++)
		if (sn->cls[i - 1] == 'f' && sn->cls[i] == 'f')
			sn->bound[i] = false;
	if (n > 0 && sn->cls[n - 1] == 'f')
		sn->bound[n] = false;
	if (n > 0 && sn->cls[0] == 'f')
		sn->bound[0] = false;
}

static void
seen_init(struct seen *sn, size_t n)
{
	memset(sn, 0, sizeof(*sn));
	memset(sn->cls, 'v', n);
}

/*
 * Feed @dir of @pf (already holding what came before, e.g. the other
 * direction) with @s: whole, cut at every byte, one byte at a time.
 * Every time the bytes marked framing are exactly those FRAME covered,
 * and a boundary follows every value run. Returns the whole feed's.
 */
static struct seen
feed_cuts(const struct wm_proto_flow *pf0, unsigned int dir,
	  const struct wm_proto_conf *conf, struct wm_stats *st,
	  const struct pgs *s, bool check_marks)
{
	struct wm_proto_ctx ctx = { .conf = conf, .stats = st,
				    .sport = dir == 0 ? 40000 : 5432,
				    .dport = dir == 0 ? 5432 : 40000 };
	struct wm_proto_flow pf = *pf0;
	struct seen whole;
	size_t n = s->n;

	seen_init(&whole, n);
	feed(&pf, dir, &ctx, s->b, n, n, 0, &whole);
	normalize(&whole, n);
	if (check_marks) {
		CHECK(strcmp(whole.cls, s->cls) == 0);
		if (strcmp(whole.cls, s->cls) != 0)
			fprintf(stderr, "  got  %s\n  want %s\n", whole.cls,
				s->cls);
		for (size_t i = 1; i <= n; i++)
			if (s->cls[i - 1] == 'v' && !whole.bound[i] &&
			    (i == n || s->cls[i] != 'v')) {
				fprintf(stderr, "  no boundary at %zu\n", i);
				CHECK(!"a value runs on unended");
			}
	}
	ctx.stats = NULL;
	for (size_t cut = 0; cut <= n; cut++) {
		struct seen t;
		size_t piece = cut == 0 ? 1 : n;

		pf = *pf0;
		seen_init(&t, n);
		if (cut == 0) {
			feed(&pf, dir, &ctx, s->b, n, 1, 0, &t);
		} else {
			feed(&pf, dir, &ctx, s->b, cut, cut, 0, &t);
			feed(&pf, dir, &ctx, s->b + cut, n - cut, piece, cut,
			     &t);
		}
		normalize(&t, n);
		if (strcmp(t.cls, whole.cls) != 0 ||
		    memcmp(t.bound, whole.bound, n + 1) != 0) {
			fprintf(stderr, "cut %zu:\n  %s\n  %s\n", cut, t.cls,
				whole.cls);
			CHECK(!"what the stage says depends on the cuts");
			break;
		}
	}
	return whole;
}

static const struct wm_proto_conf pinned = {
	.npins = 1, .pins = { { .port = 5432, .proto = WM_PROTO_PG } },
};

/*
 * Identified by content (no pin), @s fed whole: the same marks. (Cut
 * inside its first 8 bytes, those are scanned before anything knows
 * they are PostgreSQL: length and code, nothing a detector finds.)
 */
static void
check_unpinned(const struct pgs *s)
{
	struct wm_proto_ctx ctx = { .sport = 40000, .dport = 5432 };
	struct wm_proto_flow pf;
	struct seen sn;

	wm_proto_flow_init(&pf);
	seen_init(&sn, s->n);
	feed(&pf, 0, &ctx, s->b, s->n, s->n, 0, &sn);
	normalize(&sn, s->n);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_PG);
	CHECK(strcmp(sn.cls, s->cls) == 0);
}

/* A flow whose client sent @c (fed whole): the server's turn next. */
static void
after_client(struct wm_proto_flow *pf, const struct wm_proto_conf *conf,
	     const struct pgs *c)
{
	struct wm_proto_ctx ctx = { .conf = conf, .sport = 40000,
				    .dport = 5432 };
	struct seen sn;

	wm_proto_flow_init(pf);
	seen_init(&sn, c->n);
	feed(pf, 0, &ctx, c->b, c->n, c->n, 0, &sn);
}

/* ---- cases ---- */

static void
simple_query_text_is_the_value(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs s = { .n = 0 };

	startup(&s);
	begin(&s, 'Q');
	cstr(&s, 'v', "INSERT INTO t VALUES ('4111111111111111', "
		      "'123-45-6789', 'jane@example.org')");
	end(&s);
	begin(&s, 'X');
	end(&s);
	wm_proto_flow_init(&pf);
	feed_cuts(&pf, 0, &pinned, &st, &s, true);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_PG], 1);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MSG_END], 3);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
	/* By content, unpinned: the same, the opening fed whole. */
	check_unpinned(&s);
}

static void
parse_bind_parameters_and_their_lengths(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs s = { .n = 0 };
	char email65[66];

	/* 65 bytes: its length's last byte is 'A', glued it would be masked. */
	memset(email65, 'j', 53);
	memcpy(email65 + 53, "@example.org", 13);
	startup(&s);
	begin(&s, 'P');
	cstr(&s, 'f', "_pg3_0");
	cstr(&s, 'v', "INSERT INTO t VALUES ($1, $2, $3, $4)");
	put16(&s, 1);
	put32(&s, 25);
	end(&s);
	begin(&s, 'B');
	cstr(&s, 'f', "");
	cstr(&s, 'f', "_pg3_0");
	put16(&s, 1);
	put16(&s, 0);
	put16(&s, 4);
	lenval(&s, "4111111111111111");
	lenval(&s, email65);
	lenval(&s, NULL);
	lenval(&s, "");
	put16(&s, 1);
	put16(&s, 0);
	end(&s);
	begin(&s, 'E');
	cstr(&s, 'f', "");
	put32(&s, 0);
	end(&s);
	begin(&s, 'S');
	end(&s);
	CHECK_EQ(s.b[s.n - 5 - 10 - 4 - 4 - 4 - 65 - 1], 'A');
	wm_proto_flow_init(&pf);
	feed_cuts(&pf, 0, &pinned, &st, &s, true);
	check_unpinned(&s);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MSG_END], 5);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

static void
copy_data_and_copy_fail_are_values(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs s = { .n = 0 };

	startup(&s);
	begin(&s, 'd');
	put(&s, 'v', "1\t4111111111111111\tjane@example.org\n", 36);
	end(&s);
	begin(&s, 'd');
	put(&s, 'v', "2\t123-45-6789\n", 14);
	end(&s);
	begin(&s, 'f');
	cstr(&s, 'v', "bad row 5500000000000004");
	end(&s);
	wm_proto_flow_init(&pf);
	feed_cuts(&pf, 0, &pinned, &st, &s, true);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MSG_END], 4);
}

/* The server's reply to a SELECT: rows, then CommandComplete and 'Z'. */
static void
build_select_reply(struct pgs *s, bool auth)
{
	if (auth) {
		begin(s, 'R');
		put32(s, 0);
		end(s);
		begin(s, 'S');
		cstr(s, 'f', "session_authorization");
		cstr(s, 'f', "jane.doe@example.org");
		end(s);
		begin(s, 'K');
		put32(s, 4242);
		put32(s, 0x41414141);
		end(s);
		begin(s, 'Z');
		put(s, 'f', "I", 1);
		end(s);
	}
	begin(s, 'T');
	put16(s, 2);
	cstr(s, 'f', "card");
	put(s, 'f', "\0\0\0\1\0\1\0\0\0\x19\xff\xff\xff\xff\xff\xff\0\0", 18);
	cstr(s, 'f', "email");
	put(s, 'f', "\0\0\0\1\0\2\0\0\0\x19\xff\xff\xff\xff\xff\xff\0\0", 18);
	end(s);
	for (int r = 0; r < 3; r++) {
		begin(s, 'D');
		put16(s, 2);
		lenval(s, r == 1 ? NULL : "4111 1111 1111 1111");
		lenval(s, "jane@example.org");
		end(s);
	}
	begin(s, 'C');
	cstr(s, 'f', "SELECT 3");
	end(s);
	begin(s, 'Z');
	put(s, 'f', "I", 1);
	end(s);
}

static void
data_rows_and_ready_for_query(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs c = { .n = 0 }, s = { .n = 0 };
	struct seen sn;

	startup(&c);
	after_client(&pf, NULL, &c);
	/* The server's side is the client's answer: paired with it. */
	CHECK_EQ(pf.dir[1].proto, WM_PROTO_PG);
	build_select_reply(&s, true);
	sn = feed_cuts(&pf, 1, NULL, &st, &s, true);
	/* The reply ends in framing: no value pending, nothing to hold. */
	CHECK(sn.cls[s.n - 1] == 'f');
	CHECK_EQ(st.ctr[WM_CTR_PROTO_PG], 0); /* counted when paired */
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MSG_END], 10);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

/* A reply whose last bytes are a value: a message end right there. */
static void
row_ending_the_bytes_ends_its_value(void)
{
	struct wm_proto_flow pf;
	struct pgs c = { .n = 0 }, s = { .n = 0 };
	struct seen sn;

	startup(&c);
	after_client(&pf, &pinned, &c);
	begin(&s, 'D');
	put16(&s, 1);
	lenval(&s, "jane@example.org");
	end(&s);
	sn = feed_cuts(&pf, 1, &pinned, NULL, &s, true);
	CHECK(sn.bound[s.n]);
}

static void
error_fields_are_values(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs c = { .n = 0 }, s = { .n = 0 };

	startup(&c);
	after_client(&pf, &pinned, &c);
	begin(&s, 'E');
	put(&s, 'f', "S", 1);
	cstr(&s, 'v', "ERROR");
	put(&s, 'f', "M", 1);
	cstr(&s, 'v', "duplicate key value");
	put(&s, 'f', "D", 1);
	cstr(&s, 'v', "Key (email)=(jane@example.org) already exists.");
	put(&s, 'f', "", 1);
	end(&s);
	begin(&s, 'Z');
	put(&s, 'f', "E", 1);
	end(&s);
	feed_cuts(&pf, 1, &pinned, &st, &s, true);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

static void
ssl_request_answered_s_protects_the_flow(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs c = { .n = 0 }, s = { .n = 0 };
	struct wm_proto_ctx ctx = { .stats = &st, .sport = 5432,
				    .dport = 40000 };
	struct wm_proto_out o;
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05 };

	begin(&c, 0);
	put32(&c, 80877103);
	end(&c);
	after_client(&pf, NULL, &c);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_PG);
	CHECK(!wm_proto_protected(&pf));
	wm_proto_feed(&pf, 1, &ctx, (const uint8_t *)"S", 1, &o);
	CHECK(wm_proto_protected(&pf));
	CHECK_EQ(o.act, WM_PROTO_ACT_NONE);
	/* The client's TLS: consumed whole, nothing to act on. */
	ctx.sport = 40000;
	ctx.dport = 5432;
	wm_proto_feed(&pf, 0, &ctx, hello, sizeof(hello), &o);
	CHECK_EQ(o.n, sizeof(hello));
	CHECK_EQ(o.act, WM_PROTO_ACT_NONE);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
	(void)s;
}

static void
ssl_request_answered_n_goes_on_in_clear(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs c = { .n = 0 }, c2 = { .n = 0 }, s = { .n = 0 };

	begin(&c, 0);
	put32(&c, 80877103);
	end(&c);
	after_client(&pf, NULL, &c);
	put(&s, 'f', "N", 1);
	build_select_reply(&s, true);
	feed_cuts(&pf, 1, NULL, &st, &s, true);
	CHECK(!wm_proto_protected(&pf));
	/* The answer was fed: the client goes on with its startup. */
	{
		struct wm_proto_ctx ctx = { .sport = 5432, .dport = 40000 };
		struct wm_proto_out o;

		wm_proto_feed(&pf, 1, &ctx, (const uint8_t *)"N", 1, &o);
	}
	startup(&c2);
	begin(&c2, 'Q');
	cstr(&c2, 'v', "SELECT 'jane@example.org'");
	end(&c2);
	feed_cuts(&pf, 0, NULL, &st, &c2, true);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
	CHECK(!wm_proto_protected(&pf));
}

static void
direct_tls_on_the_pinned_port_is_protected(void)
{
	struct wm_proto_flow pf;
	struct wm_proto_ctx ctx = { .conf = &pinned, .sport = 40000,
				    .dport = 5432 };
	struct wm_proto_out o;
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 2 };

	wm_proto_flow_init(&pf);
	wm_proto_feed(&pf, 0, &ctx, hello, sizeof(hello), &o);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_PG);
	CHECK(wm_proto_protected(&pf));
}

static void
cancel_request_is_framing_then_nothing(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs c = { .n = 0 };

	begin(&c, 0);
	put32(&c, 80877102);
	put32(&c, 4242);
	put32(&c, 0x34313131); /* "4111": a key, never a value */
	end(&c);
	wm_proto_flow_init(&pf);
	feed_cuts(&pf, 0, &pinned, &st, &c, true);
	check_unpinned(&c);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_PG], 1);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

/* Bad framing: the raw stream from there, counted; framing before kept. */
static void
bad_framing_falls_back_to_raw(void)
{
	static const struct {
		const char *name;
		char type;
		uint32_t len;
	} cases[] = {
		{ "unknown type", '~', 4 },
		{ "length below 4", 'Q', 3 },
		{ "length over 1 GB", 'Q', 0x40000001u },
		{ "bind shorter than its fields", 'B', 6 },
		/* framing only, never masked: garbage must not pass as it */
		{ "sync with a body", 'S', 12 },
		{ "terminate with a body", 'X', 16 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wm_stats st = { 0 };
		struct wm_proto_flow pf;
		struct pgs s = { .n = 0 };
		struct seen sn;

		startup(&s);
		put(&s, 'v', &cases[i].type, 1);
		put(&s, 'v', (uint8_t[]){ (uint8_t)(cases[i].len >> 24),
			(uint8_t)(cases[i].len >> 16),
			(uint8_t)(cases[i].len >> 8), (uint8_t)cases[i].len },
			4);
		put(&s, 'v', "ab\0cd\0\0\0\0\0\0\0", 12);
		wm_proto_flow_init(&pf);
		sn = feed_cuts(&pf, 0, &pinned, &st, &s, false);
		if (st.ctr[WM_CTR_PROTO_ERROR] != 1)
			fprintf(stderr, "  %s\n", cases[i].name);
		CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 1);
		/* The startup stays framing. */
		CHECK(strspn(sn.cls, "f") >= 8);
	}
}

/*
 * A startup message whose declared length runs past the end of its
 * parameter list: the bytes after it (a query with a card) would pass as
 * framing, never masked. Bad framing: the raw stream from there.
 */
static void
startup_longer_than_its_parameters(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct pgs s = { .n = 0 };

	begin(&s, 0);
	put32(&s, 3 << 16);
	cstr(&s, 'f', "user");
	cstr(&s, 'f', "jane");
	put(&s, 'f', "", 1);
	put(&s, 'v', "Q\0\0\0\x18" "card 4111111111111111", 25);
	end(&s);
	wm_proto_flow_init(&pf);
	feed_cuts(&pf, 0, &pinned, &st, &s, false);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 1);
}

/*
 * A Kafka Metadata request (api key 3) has the first 8 bytes of a
 * startup message: what follows is no parameter list.
 */
static void
kafka_metadata_request_is_not_a_startup(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct wm_proto_ctx ctx = { .stats = &st, .sport = 40000,
				    .dport = 9092 };
	struct wm_proto_out o;
	/* size 0x18 (Kafka's excludes itself), key 3, version 0, id 1,
	 * client "rdkafka", no topics: "\0\0\0\x18" "\0\3\0\0" ... */
	static const uint8_t req[] = { 0, 0, 0, 0x15, 0, 3, 0, 0, 0, 0, 0, 1,
				       0, 7, 'r', 'd', 'k', 'a', 'f', 'k', 'a',
				       0, 0, 0, 0 };
	uint32_t at = 0;

	wm_proto_flow_init(&pf);
	while (at < sizeof(req)) {
		wm_proto_feed(&pf, 0, &ctx, req + at, sizeof(req) - at, &o);
		at += o.n;
	}
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 1);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_RAW);
}

static void
not_postgres_is_not_identified(void)
{
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct wm_proto_ctx ctx = { .stats = &st, .sport = 40000,
				    .dport = 5432 };
	struct wm_proto_out o;
	static const uint8_t junk[] = { 0, 0, 0, 8, 0, 2, 0, 0, 'x' };

	wm_proto_flow_init(&pf);
	wm_proto_feed(&pf, 0, &ctx, junk, sizeof(junk), &o);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_RAW);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_PG], 0);
	CHECK_EQ(wm_proto_parse("pg"), WM_PROTO_PG);
	CHECK(strcmp(wm_proto_name(WM_PROTO_PG), "pg") == 0);
}

int
main(void)
{
	RUN(simple_query_text_is_the_value);
	RUN(parse_bind_parameters_and_their_lengths);
	RUN(copy_data_and_copy_fail_are_values);
	RUN(data_rows_and_ready_for_query);
	RUN(row_ending_the_bytes_ends_its_value);
	RUN(error_fields_are_values);
	RUN(ssl_request_answered_s_protects_the_flow);
	RUN(ssl_request_answered_n_goes_on_in_clear);
	RUN(direct_tls_on_the_pinned_port_is_protected);
	RUN(cancel_request_is_framing_then_nothing);
	RUN(bad_framing_falls_back_to_raw);
	RUN(startup_longer_than_its_parameters);
	RUN(not_postgres_is_not_identified);
	RUN(kafka_metadata_request_is_not_a_startup);
	TEST_END();
}
