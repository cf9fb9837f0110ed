/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proto: identification, HTTP/1.x framing (message ends, HEAD,
 * CONNECT, upgrades, chunks), Accept-Encoding, compressed bodies, SMTP's
 * envelope, TLS and SSH. Every stream is also fed cut at every byte and
 * one byte at a time: what the stage says must not depend on the cuts.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_proto.h"
#include "wm_test.h"

/* What the stage said over a whole stream, as text: "E@52 P@70 B@30+13". */
struct trace {
	char s[2048];
	size_t len;
	unsigned long b0, b1;   /* blanked bytes not written out yet */
};

static void
trace_add(struct trace *t, const char *fmt, unsigned long a, unsigned long b)
{
	int n = snprintf(t->s + t->len, sizeof(t->s) - t->len, fmt, a, b);

	if (n > 0 && (size_t)n < sizeof(t->s) - t->len)
		t->len += (size_t)n;
}

/* Blanked ranges that touch are one: the cuts must not show. */
static void
trace_blank(struct trace *t, unsigned long off, unsigned long len)
{
	if (t->b1 != 0 && off == t->b1) {
		t->b1 += len;
		return;
	}
	if (t->b1 != 0)
		trace_add(t, "B@%lu+%lu ", t->b0, t->b1 - t->b0);
	t->b0 = off;
	t->b1 = off + len;
}

static void
trace_flush(struct trace *t)
{
	if (t->b1 != 0)
		trace_add(t, "B@%lu+%lu ", t->b0, t->b1 - t->b0);
	t->b0 = t->b1 = 0;
}

/* Feed @n bytes of @dir, from @at, in pieces of at most @piece; append
 * what the stage says to @t (offsets from @base). */
static void
feed(struct wm_proto_flow *pf, unsigned int dir,
     const struct wm_proto_ctx *ctx, const char *p, size_t n, size_t piece,
     unsigned long base, struct trace *t)
{
	size_t at = 0;
	int stall = 0;

	while (at < n) {
		struct wm_proto_out o;
		uint32_t k = (uint32_t)(n - at < piece ? n - at : piece);

		wm_proto_feed(pf, dir, ctx, (const uint8_t *)p + at, k, &o);
		for (unsigned int i = 0; i < o.nedit; i++)
			trace_blank(t, base + at + o.edit[i].off,
				    o.edit[i].len);
		for (unsigned int i = 0; i < o.nanchor; i++) {
			CHECK(o.anchor[i].off <= o.n);
			trace_flush(t);
			trace_add(t, o.anchor[i].end ? "Z@%lu%.0lu " :
				  "A@%lu%.0lu ", base + at + o.anchor[i].off, 0);
		}
		if (o.act != WM_PROTO_ACT_NONE) {
			trace_flush(t);
			trace_add(t, o.act == WM_PROTO_ACT_MSG_END ? "E@%lu%.0lu " :
				  o.act == WM_PROTO_ACT_PROTECT ? "P@%lu%.0lu " :
				  o.act == WM_PROTO_ACT_UNPROTECT ? "U@%lu%.0lu " :
				  "D@%lu%.0lu ", base + at + o.n, 0);
			if (o.act == WM_PROTO_ACT_DROP)
				return;
		}
		CHECK(o.n <= k);
		if (o.n == 0 && ++stall > 2) {
			CHECK(!"the stage stalls");
			return;
		}
		if (o.n != 0)
			stall = 0;
		at += o.n;
	}
}

/* One direction's stream fed whole, then cut at every byte, then one
 * byte at a time: the same trace each time. Returns the whole trace. */
static struct trace
feed_cuts(unsigned int dir, const struct wm_proto_conf *conf,
	  struct wm_stats *st, uint16_t dport, const char *s)
{
	struct wm_proto_ctx ctx = { .conf = conf, .stats = st,
				    .sport = 40000, .dport = dport };
	size_t n = strlen(s);
	struct wm_proto_flow pf;
	struct trace whole = { .len = 0 };

	wm_proto_flow_init(&pf);
	feed(&pf, dir, &ctx, s, n, n, 0, &whole);
	trace_flush(&whole);
	ctx.stats = NULL;
	for (size_t cut = 1; cut < n; cut++) {
		struct trace t = { .len = 0 };

		wm_proto_flow_init(&pf);
		feed(&pf, dir, &ctx, s, cut, cut, 0, &t);
		feed(&pf, dir, &ctx, s + cut, n - cut, n, cut, &t);
		trace_flush(&t);
		if (strcmp(t.s, whole.s) != 0) {
			fprintf(stderr, "cut %zu: '%s' vs '%s'\n", cut, t.s,
				whole.s);
			CHECK(!"the trace depends on where the stream is cut");
			break;
		}
	}
	{
		struct trace t = { .len = 0 };

		wm_proto_flow_init(&pf);
		feed(&pf, dir, &ctx, s, n, 1, 0, &t);
		trace_flush(&t);
		CHECK(strcmp(t.s, whole.s) == 0);
	}
	return whole;
}

/* Offset just after the @k-th (1-based) occurrence of @needle in @s. */
static unsigned long
after(const char *s, const char *needle, int k)
{
	const char *p = s;

	for (; k > 0; k--) {
		p = strstr(p, needle);
		if (p == NULL)
			return 999999;
		p += strlen(needle);
	}
	return (unsigned long)(p - s);
}

static void
http_request_ends_where_content_length_says(void)
{
	const char *s = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 21\r\n\r\n"
			"card=4111111111111111"
			"GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	struct wm_stats st = { 0 };
	struct trace t = feed_cuts(0, NULL, &st, 80, s);
	char want[64];

	snprintf(want, sizeof(want), "E@%lu E@%lu ",
		 after(s, "4111111111111111", 1), after(s, "\r\n\r\n", 2));
	CHECK(strcmp(t.s, want) == 0);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_HTTP], 1);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MSG_END], 2);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 0);
}

static void
http_pipelined_requests(void)
{
	const char *s = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
			"PUT /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
			"DELETE /3 HTTP/1.1\r\n\r\n";
	struct trace t = feed_cuts(0, NULL, NULL, 80, s);
	char want[64];

	snprintf(want, sizeof(want), "E@%lu E@%lu E@%lu ",
		 after(s, "\r\n\r\n", 1), after(s, "abc", 1), strlen(s));
	CHECK(strcmp(t.s, want) == 0);
}

static void
http_chunked_response_ends_at_last_chunk(void)
{
	const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"e\r\n{\"card\": \"4111\r\n9\r\n 1111 111\r\n"
			"0\r\n\r\n"
			"HTTP/1.1 204 No Content\r\n\r\n";
	struct trace t = feed_cuts(1, NULL, NULL, 80, s);
	char want[64];

	snprintf(want, sizeof(want), "E@%lu E@%lu ",
		 after(s, "0\r\n\r\n", 1), strlen(s));
	CHECK(strcmp(t.s, want) == 0);
	if (strcmp(t.s, want) != 0)
		fprintf(stderr, "got  %s\nwant %s\n", t.s, want);
}

/* Requests and responses of one flow, fed alternately. */
/*
 * Anchors (A@ start, Z@ end): Authorization's scheme and credentials,
 * each cookie's value, Set-Cookie's first value; nothing else.
 */
static void
http_anchors_credentials_and_cookies(void)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\n"
			"Authorization:  Bearer  abc.def\r\n"
			"Cookie: a=1; sid=xyz\r\n"
			"X-Cookie: b=2\r\n\r\n";
	const char *r = "HTTP/1.1 204 No Content\r\n"
			"Set-Cookie: k=vv; Path=/\r\n\r\n";
	struct trace t = feed_cuts(0, NULL, NULL, 80, s);
	char want[160];

	snprintf(want, sizeof(want),
		 "A@%lu Z@%lu A@%lu Z@%lu A@%lu Z@%lu A@%lu Z@%lu E@%lu ",
		 after(s, "Authorization:  ", 1), after(s, "Bearer", 1),
		 after(s, "Bearer  ", 1), after(s, "abc.def", 1),
		 after(s, "a=", 1), after(s, "a=1", 1),
		 after(s, "sid=", 1), after(s, "xyz", 1), strlen(s));
	CHECK(strcmp(t.s, want) == 0);
	if (strcmp(t.s, want) != 0)
		fprintf(stderr, "got  %s\nwant %s\n", t.s, want);
	t = feed_cuts(1, NULL, NULL, 80, r);
	snprintf(want, sizeof(want), "A@%lu Z@%lu E@%lu ", after(r, "k=", 1),
		 after(r, "k=vv", 1), strlen(r));
	CHECK(strcmp(t.s, want) == 0);
	if (strcmp(t.s, want) != 0)
		fprintf(stderr, "got  %s\nwant %s\n", t.s, want);
}

/* More anchors than one answer lists: the last goes on, none is lost. */
static void
http_many_cookies_all_anchored(void)
{
	const char *s = "GET / HTTP/1.1\r\n"
			"Cookie: a=1; b=2; c=3; d=4; e=5; f=6\r\n\r\n";
	struct wm_proto_ctx ctx = { .sport = 40000, .dport = 80 };
	struct wm_proto_flow pf;
	struct wm_proto_out o;
	unsigned long start = 0;
	bool in[128] = { false }, open = false;

	wm_proto_flow_init(&pf);
	wm_proto_feed(&pf, 0, &ctx, (const uint8_t *)s, (uint32_t)strlen(s),
		      &o);
	CHECK(o.nanchor <= WM_PROTO_MAX_ANCHORS);
	for (unsigned int i = 0; i < o.nanchor; i++) {
		CHECK(o.anchor[i].end == open);
		if (!o.anchor[i].end)
			start = o.anchor[i].off;
		for (unsigned long k = start; o.anchor[i].end &&
		     k < o.anchor[i].off && k < sizeof(in); k++)
			in[k] = true;
		open = !o.anchor[i].end;
	}
	CHECK(!open);
	for (const char *v = "123456"; *v != '\0'; v++) {
		char val[3] = { '=', *v, '\0' };

		CHECK(in[strstr(s, val) + 1 - s]);
	}
	CHECK(!in[after(s, "Cookie: ", 1)]); /* the name "a" is not */
}

static void
exchange(struct wm_proto_flow *pf, const struct wm_proto_ctx *cli,
	 const struct wm_proto_ctx *srv, const char *req, const char *resp,
	 struct trace *tq, struct trace *tr)
{
	feed(pf, 0, cli, req, strlen(req), 4096, 0, tq);
	feed(pf, 1, srv, resp, strlen(resp), 4096, 0, tr);
}

static void
http_head_response_has_no_body(void)
{
	struct wm_proto_ctx cli = { .sport = 40000, .dport = 80 };
	struct wm_proto_ctx srv = { .sport = 80, .dport = 40000 };
	const char *r1 = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
	const char *r2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct wm_proto_flow pf;
	struct trace tq = { .len = 0 }, tr = { .len = 0 };
	char want[32];

	wm_proto_flow_init(&pf);
	exchange(&pf, &cli, &srv, "HEAD / HTTP/1.1\r\n\r\n", r1, &tq, &tr);
	snprintf(want, sizeof(want), "E@%zu ", strlen(r1));
	CHECK(strcmp(tr.s, want) == 0);
	tr.len = 0;
	tr.s[0] = '\0';
	exchange(&pf, &cli, &srv, "GET / HTTP/1.1\r\n\r\n", r2, &tq, &tr);
	snprintf(want, sizeof(want), "E@%zu ", strlen(r2));
	CHECK(strcmp(tr.s, want) == 0);
	CHECK_EQ(pf.dir[1].proto, WM_PROTO_HTTP);
}

static void
http_connect_tunnel_is_identified_again(void)
{
	struct wm_proto_ctx cli = { .sport = 40000, .dport = 3128 };
	struct wm_proto_ctx srv = { .sport = 3128, .dport = 40000 };
	static const char hello[] = "\x16\x03\x01\x00\x05hello";
	struct wm_proto_flow pf;
	struct trace tq = { .len = 0 }, tr = { .len = 0 };

	wm_proto_flow_init(&pf);
	exchange(&pf, &cli, &srv, "CONNECT h:443 HTTP/1.1\r\n\r\n",
		 "HTTP/1.1 200 Connection established\r\n\r\n", &tq, &tr);
	CHECK(!wm_proto_protected(&pf));
	feed(&pf, 0, &cli, hello, sizeof(hello) - 1, 4096, 0, &tq);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_TLS);
	CHECK(wm_proto_protected(&pf));
}

static void
http_upgrade_to_websocket_is_raw(void)
{
	struct wm_proto_ctx cli = { .sport = 40000, .dport = 80 };
	struct wm_proto_ctx srv = { .sport = 80, .dport = 40000 };
	struct wm_proto_flow pf;
	struct trace tq = { .len = 0 }, tr = { .len = 0 };

	wm_proto_flow_init(&pf);
	exchange(&pf, &cli, &srv,
		 "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\n\r\n", &tq, &tr);
	feed(&pf, 1, &srv, "\x81\x05hello jane@example.org", 24, 4096, 0, &tr);
	feed(&pf, 0, &cli, "\x81\x85XXXXhello", 11, 4096, 0, &tq);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_RAW);
	CHECK_EQ(pf.dir[1].proto, WM_PROTO_RAW);
}

static void
http_accept_encoding_blanked(void)
{
	const char *s = "GET / HTTP/1.1\r\nHost: x\r\n"
			"Accept-Encoding: gzip, deflate, br\r\n\r\n";
	struct wm_proto_conf alert = { .compressed = WM_PROTO_COMP_ALERT };
	struct wm_stats st = { 0 };
	unsigned long at = after(s, "Accept-Encoding: ", 1);
	struct trace t = feed_cuts(0, NULL, &st, 80, s);
	char want[64];

	snprintf(want, sizeof(want), "B@%lu+%lu E@%zu ", at,
		 (unsigned long)strlen("gzip, deflate, br"), strlen(s));
	/* Cut inside the value, it is blanked in two pieces: compare
	 * whole feeds only, and check the pieces cover it below. */
	CHECK(strcmp(t.s, want) == 0);
	CHECK_EQ(st.ctr[WM_CTR_HTTP_ACCEPT_ENC], 1);
	t = feed_cuts(0, &alert, NULL, 80, "GET / HTTP/1.1\r\n\r\n");
	{
		struct wm_proto_ctx ctx = { .conf = &alert, .dport = 80 };
		struct wm_proto_flow pf;
		struct trace u = { .len = 0 };

		wm_proto_flow_init(&pf);
		feed(&pf, 0, &ctx, s, strlen(s), 4096, 0, &u);
		snprintf(want, sizeof(want), "E@%zu ", strlen(s));
		CHECK(strcmp(u.s, want) == 0);
	}
}

static void
http_compressed_response_counted_or_dropped(void)
{
	const char *s = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
			"Content-Length: 4\r\n\r\n\x1f\x8b\x08\x00";
	const char *id = "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n"
			 "Content-Length: 4\r\n\r\nabcd";
	struct wm_proto_conf drop = { .compressed = WM_PROTO_COMP_DROP };
	struct wm_proto_ctx ctx = { .sport = 80, .dport = 40000 };
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct trace t = { .len = 0 };

	ctx.stats = &st;
	wm_proto_flow_init(&pf);
	feed(&pf, 1, &ctx, s, strlen(s), 4096, 0, &t);
	CHECK_EQ(st.ctr[WM_CTR_HTTP_COMPRESSED], 1);
	wm_proto_flow_init(&pf);
	feed(&pf, 1, &ctx, id, strlen(id), 4096, 0, &t);
	CHECK_EQ(st.ctr[WM_CTR_HTTP_COMPRESSED], 1);
	ctx.conf = &drop;
	t.len = 0;
	t.s[0] = '\0';
	wm_proto_flow_init(&pf);
	feed(&pf, 1, &ctx, s, strlen(s), 4096, 0, &t);
	CHECK(strncmp(t.s, "D@", 2) == 0);
}

static void
smtp_envelope_and_message_id_protected(void)
{
	const char *s = "EHLO client.example.org\r\n"
			"MAIL FROM:<jane.doe@example.org>\r\n"
			"RCPT TO:<joe@example.net>\r\n"
			"DATA\r\n"
			"Message-ID: <123@host.example.org>\r\n"
			"\t(folded) <x@example.org>\r\n"
			"Subject: for jane.doe@example.org\r\n"
			"\r\n"
			"body mentions joe@example.net\r\n"
			".\r\n"
			"QUIT\r\n";
	struct wm_stats st = { 0 };
	struct trace t = feed_cuts(0, NULL, &st, 25, s);
	char want[256];

	snprintf(want, sizeof(want),
		 "P@%lu U@%lu P@%lu U@%lu P@%lu U@%lu P@%lu U@%lu E@%lu ",
		 after(s, "MAIL FROM:", 1), after(s, ">\r\n", 1),
		 after(s, "RCPT TO:", 1), after(s, ">\r\n", 2),
		 after(s, "Message-ID:", 1), after(s, ">\r\n", 3),
		 after(s, ">\r\n", 3), after(s, ">\r\n", 4),
		 after(s, "\r\n.\r\n", 1));
	CHECK(strcmp(t.s, want) == 0);
	if (strcmp(t.s, want) != 0)
		fprintf(stderr, "got  %s\nwant %s\n", t.s, want);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_SMTP], 1);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_MSG_END], 1);
}

static void
smtp_starttls_protects_the_rest(void)
{
	struct wm_proto_ctx ctx = { .sport = 40000, .dport = 25 };
	const char *s = "EHLO x\r\nSTARTTLS\r\n";
	struct wm_proto_flow pf;
	struct trace t = { .len = 0 };

	wm_proto_flow_init(&pf);
	feed(&pf, 0, &ctx, s, strlen(s), 4096, 0, &t);
	CHECK(wm_proto_protected(&pf));
}

static void
ssh_and_tls_never_modified(void)
{
	static const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
	const char *ssh = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
	struct wm_proto_conf drop = { .encrypted = WM_PROTO_ENC_DROP };
	struct wm_proto_ctx ctx = { .sport = 40000, .dport = 443 };
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct trace t = { .len = 0 };

	ctx.stats = &st;
	wm_proto_flow_init(&pf);
	/* One byte at a time: identified once three bytes are in. */
	feed(&pf, 0, &ctx, tls, sizeof(tls) - 1, 1, 0, &t);
	CHECK(wm_proto_protected(&pf));
	CHECK_EQ(st.ctr[WM_CTR_PROTO_TLS], 1);
	wm_proto_flow_init(&pf);
	feed(&pf, 1, &ctx, ssh, strlen(ssh), 4096, 0, &t);
	CHECK(wm_proto_protected(&pf));
	CHECK_EQ(st.ctr[WM_CTR_PROTO_SSH], 1);
	ctx.conf = &drop;
	t.len = 0;
	t.s[0] = '\0';
	wm_proto_flow_init(&pf);
	feed(&pf, 1, &ctx, ssh, strlen(ssh), 4096, 0, &t);
	CHECK(strncmp(t.s, "D@", 2) == 0);
}

static void
unknown_bytes_are_the_raw_stream(void)
{
	struct wm_proto_ctx ctx = { .sport = 40000, .dport = 9999 };
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct trace t = { .len = 0 };

	ctx.stats = &st;
	wm_proto_flow_init(&pf);
	feed(&pf, 0, &ctx, "card=4111111111111111\n", 22, 4096, 0, &t);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_RAW);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_RAW], 1);
	CHECK_EQ(t.len, 0);
	/* "GE" could still be a request: wait for more. */
	wm_proto_flow_init(&pf);
	feed(&pf, 0, &ctx, "GE", 2, 4096, 0, &t);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_NONE);
	feed(&pf, 0, &ctx, "T / HTTP/1.1\r\n\r\n", 16, 4096, 0, &t);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_HTTP);
	CHECK(strcmp(t.s, "E@16 ") == 0);
}

static void
port_pin_decides_without_content(void)
{
	struct wm_proto_conf pin = { .npins = 1,
		.pins = { { .port = 8025, .proto = WM_PROTO_SMTP } } };
	struct wm_proto_ctx ctx = { .conf = &pin, .sport = 40000,
				    .dport = 8025 };
	struct wm_proto_flow pf;
	struct trace t = { .len = 0 };
	const char *s = "LHLO x\r\nMAIL FROM:<a@b.org>\r\n";

	wm_proto_flow_init(&pf);
	feed(&pf, 0, &ctx, s, strlen(s), 4096, 0, &t);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_SMTP);
	CHECK(strncmp(t.s, "P@", 2) == 0);
	CHECK_EQ(wm_proto_parse("smtp"), WM_PROTO_SMTP);
	CHECK_EQ(wm_proto_parse("gopher"), -1);
}

static void
http_garbage_falls_back_to_raw(void)
{
	struct wm_proto_ctx ctx = { .sport = 40000, .dport = 80 };
	struct wm_stats st = { 0 };
	struct wm_proto_flow pf;
	struct trace t = { .len = 0 };
	const char *s = "GET / HTTP/1.1\r\nBad Header\x01\r\n\r\n";

	ctx.stats = &st;
	wm_proto_flow_init(&pf);
	feed(&pf, 0, &ctx, s, strlen(s), 4096, 0, &t);
	CHECK_EQ(pf.dir[0].proto, WM_PROTO_RAW);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_ERROR], 1);
	wm_proto_lost(&pf, 0, &st);
	CHECK_EQ(st.ctr[WM_CTR_PROTO_LOST], 0); /* raw already */
}

/*
 * The decoded view of @s (direction @dir), fed cut at @cut: decoded bytes
 * (separators as '|') into @out, and every byte's wire bytes checked to
 * decode to it. Returns false on a mapping that does not hold.
 */
static bool
view_of(unsigned int dir, const char *s, size_t cut, char *out, size_t cap)
{
	uint8_t vb[4096], wl[4096];
	int32_t vo[4096];
	struct wm_proto_ctx ctx = { .sport = 40000, .dport = 80,
				    .view_cap = 4096, .view = vb,
				    .view_off = vo, .view_wlen = wl };
	size_t n = strlen(s), at = 0, k = 0;
	struct wm_proto_flow pf;
	bool ok = true;

	if (dir == 1) {
		ctx.sport = 80;
		ctx.dport = 40000;
	}
	wm_proto_flow_init(&pf);
	while (at < n) {
		size_t lim = at < cut ? cut : n;
		struct wm_proto_out o;

		wm_proto_feed(&pf, dir, &ctx, (const uint8_t *)s + at,
			      (uint32_t)(lim - at), &o);
		for (uint32_t i = 0; i < o.nview && k + 1 < cap; i++) {
			long w = (long)at + vo[i];
			unsigned int len = wl[i] & WM_PROTO_WLEN_LEN;
			char c = (char)vb[i];

			out[k++] = len == WM_PROTO_WLEN_SEP ? '|' : c;
			if (len == 1)
				ok &= s[w] == c || (s[w] == '+' && c == ' ');
			else if (len == 3)
				ok &= s[w] == '%' && strtol((char[]){ s[w + 1],
						s[w + 2], 0 }, NULL, 16) == (unsigned char)c;
			else if (len == 6)
				ok &= s[w] == '\\' && s[w + 1] == 'u';
			else if (len == 2)
				ok &= s[w] == '\\';
		}
		at += o.n;
	}
	out[k] = '\0';
	return ok;
}

/* Whole, and cut at every byte: the same view, every byte mapped. */
static void
check_view(unsigned int dir, const char *s, const char *want)
{
	char whole[4096], part[4096];

	CHECK(view_of(dir, s, 0, whole, sizeof(whole)));
	if (strstr(whole, want) == NULL)
		fprintf(stderr, "view '%s'\nwant '%s'\n", whole, want);
	CHECK(strstr(whole, want) != NULL);
	for (size_t cut = 1; cut < strlen(s); cut++) {
		bool ok = view_of(dir, s, cut, part, sizeof(part));

		if (!ok || strcmp(part, whole) != 0) {
			fprintf(stderr, "cut %zu: '%s'\n", cut, part);
			CHECK(!"the view depends on the cut, or maps wrong");
			return;
		}
	}
}

static void
view_query_and_form_decoded(void)
{
	check_view(0, "POST /f?q=jane%40example.org&c=4111+1111%201111 HTTP/1.1\r\n"
		   "Content-Type: application/x-www-form-urlencoded\r\n"
		   "Content-Length: 30\r\n\r\n"
		   "card=4111+1111&e=a%40b.org&x=%",
		   "q=jane@example.org&c=4111 1111 1111|");
	check_view(0, "POST /f HTTP/1.1\r\n"
		   "Content-Type: Application/X-WWW-Form-Urlencoded; charset=utf-8\r\n"
		   "Content-Length: 26\r\n\r\ncard=4111+1111&e=a%40b.org",
		   "card=4111 1111&e=a@b.org|");
}

static void
view_json_escapes_decoded(void)
{
	check_view(0, "POST /j HTTP/1.1\r\nContent-Type: application/json\r\n"
		   "Content-Length: 43\r\n\r\n"
		   "{\"e\": \"jane\\u0040x.org\", \"u\": \"a\\/b\\u00e9\"}",
		   "{\"e\": \"jane@x.org\", \"u\": \"a/b\xff\"}|");
}

static void
view_chunked_body_without_framing(void)
{
	check_view(1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "e\r\n{\"card\": \"4111\r\n9\r\n 1111 111\r\n"
		   "7\r\n1 1111\"\r\n0\r\n\r\n",
		   "{\"card\": \"4111 1111 1111 1111\"|");
}

static void
view_not_for_plain_bodies(void)
{
	char v[512];

	CHECK(view_of(0, "POST /p HTTP/1.1\r\nContent-Type: text/plain\r\n"
		      "Content-Length: 9\r\n\r\na%40b.org", 0, v, sizeof(v)));
	CHECK(strchr(v, '@') == NULL);
}

int
main(void)
{
	RUN(http_request_ends_where_content_length_says);
	RUN(http_pipelined_requests);
	RUN(http_chunked_response_ends_at_last_chunk);
	RUN(http_anchors_credentials_and_cookies);
	RUN(http_many_cookies_all_anchored);
	RUN(http_head_response_has_no_body);
	RUN(http_connect_tunnel_is_identified_again);
	RUN(http_upgrade_to_websocket_is_raw);
	RUN(http_accept_encoding_blanked);
	RUN(http_compressed_response_counted_or_dropped);
	RUN(smtp_envelope_and_message_id_protected);
	RUN(smtp_starttls_protects_the_rest);
	RUN(ssh_and_tls_never_modified);
	RUN(unknown_bytes_are_the_raw_stream);
	RUN(port_pin_decides_without_content);
	RUN(http_garbage_falls_back_to_raw);
	RUN(view_query_and_form_decoded);
	RUN(view_json_escapes_decoded);
	RUN(view_chunked_body_without_framing);
	RUN(view_not_for_plain_bodies);
	TEST_END();
}
