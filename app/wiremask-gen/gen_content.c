/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-gen: HTTP/1.1 JSON API messages and the sensitive values in
 * them.
 *
 *   requests   POST /api/v1/customers with a JSON customer (or a batch),
 *              GET /api/v1/customers?... with a query string; either may
 *              carry "Authorization: Bearer <token>"
 *   responses  200 OK with a JSON customer or a list of them
 *
 * Values are spread at a density (values per KiB of payload): a credit
 * grows with every byte written, and each whole unit of it becomes a
 * value at the next place one may go: between two fields of a JSON
 * object, in the query string, or (one per request) the Authorization
 * header. The credit starts at a random fraction, so the count is
 * right on average and not a multiple of the message size.
 *
 * The filler is written so that no built-in detector of wiremask (see
 * lib/detect/) can take it for a value, whatever the density:
 *   - digits come in short runs (ids: at most 3 in a row; numbers: at
 *     most 10 digits) never grouped by single spaces or dashes: no card,
 *     SSN or phone number; no '+' before a digit;
 *   - no '@', no dotted quad, no "::", no "AKIA"/"ASIA", "AIza", "eyJ",
 *     "Authorization: Basic" or PEM block;
 *   - ids are lower case, at most 14 letters and digits after their
 *     '_': shorter than the shortest IBAN (15);
 *   - clock times ("22:13:20") have three groups: not IPv6.
 * The values themselves, and how they keep clear of each other:
 * gen_values.c.
 * tests/gen checks this end to end: wiremask with every detector on
 * changes no byte outside the values listed in the ground truth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "gen_content.h"

const char *const gen_kind_names[GEN_KIND_MAX] = {
	[GEN_CARD] = "card",	      [GEN_SSN] = "ssn",
	[GEN_EMAIL] = "email",	      [GEN_IBAN] = "iban",
	[GEN_AWS] = "aws_access_key", [GEN_JWT] = "jwt",
	[GEN_BEARER] = "bearer",
};

const char *const gen_first_names[] = {
	"alice",  "bob",     "carol",  "david", "erin",	   "frank",
	"grace",  "heidi",   "ivan",   "judy",	"mallory", "niaj",
	"olivia", "peggy",   "rupert", "sybil", "trent",   "victor",
	"walter", "yolanda", "zoe",    "liam",	"emma",	   "noah",
	"ava",	  "mia",     "lucas",  "sofia", "mateo",   "chloe",
};

const char *const gen_last_names[] = {
	"smith",    "johnson", "williams", "brown",   "jones",	"garcia",
	"miller",   "davis",   "martinez", "lopez",   "wilson", "anderson",
	"thomas",   "taylor",  "moore",	   "jackson", "martin", "lee",
	"thompson", "white",   "harris",   "clark",   "lewis",	"walker",
	"young",    "king",    "wright",
};

static const char *const cities[] = {
	"Springfield", "Riverside",  "Fairview",   "Greenville", "Madison",
	"Franklin",    "Georgetown", "Salem",	   "Clinton",	 "Arlington",
	"Ashland",     "Burlington", "Manchester", "Oxford",	 "Dover",
};

static const char *const streets[] = {
	"Main St",	     "Oak Avenue",    "Maple Drive",
	"Cedar Lane",	     "Pine Road",     "Elm Street",
	"Evergreen Terrace", "Lakeview Blvd", "Hillcrest Way",
	"Sunset Boulevard",  "Park Place",    "Mill Road",
};

static const char *const statuses[] = {
	"active", "pending", "suspended", "trialing", "past_due", "closed",
};

const char *const gen_tags[] = {
	"vip",	    "newsletter", "beta", "wholesale", "retail",
	"priority", "eu",	  "us",	  "partner",   "churn_risk",
};

static const char *const agents[] = {
	"python-requests/2.31.0",
	"okhttp/4.12.0",
	"Go-http-client/1.1",
	"curl/8.5.0",
	"axios/1.6.2",
	"Apache-HttpClient/4.5.14 (Java/17)",
};

static const char *const lorem[] = {
	"lorem",       "ipsum",	     "dolor",	   "sit",    "amet",
	"consectetur", "adipiscing", "elit",	   "sed",    "do",
	"eiusmod",     "tempor",     "incididunt", "ut",     "labore",
	"et",	       "dolore",     "magna",	   "aliqua",
};

static const char *const days[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* JSON keys, and query parameter names, per kind. */
static const char *const kind_keys[GEN_KIND_MAX][3] = {
	[GEN_CARD] = {"card_number", "pan", "payment_card"},
	[GEN_SSN] = {"ssn", "tax_id", "national_id"},
	[GEN_EMAIL] = {"email", "billing_email", "contact_email"},
	[GEN_IBAN] = {"iban", "payout_iban", "bank_account"},
	[GEN_AWS] = {"aws_access_key_id", "access_key", "aws_key"},
	[GEN_JWT] = {"id_token", "access_token", "session"},
	[GEN_BEARER] = {"token", "token", "token"},
};

static void
vlist_add(struct vlist *l, size_t off, size_t len, enum gen_kind k)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].off = (uint32_t)off;
	l->v[l->n].len = (uint16_t)len;
	l->v[l->n].kind = (uint8_t)k;
	l->n++;
}

/*
 * The kind of the next value at a place that is not a header: one of
 * the enabled kinds. A bearer token goes to the request's header, one
 * per request: until a request has one, each of its values is the
 * token half of the time (API requests authenticate, and responses have
 * no place for one). GEN_KIND_MAX when none can go here.
 */
static enum gen_kind
choose_kind(struct mctx *x)
{
	enum gen_kind ks[GEN_KIND_MAX];
	unsigned int n = 0;

	if ((x->cfg->kinds & (1u << GEN_BEARER)) && x->request &&
	    !x->want_bearer && gen_rng_below(&x->rng, 2) == 0)
		return GEN_BEARER;
	for (unsigned int k = 0; k < GEN_KIND_MAX; k++) {
		if (!(x->cfg->kinds & (1u << k)) || k == GEN_BEARER)
			continue;
		ks[n++] = (enum gen_kind)k;
	}
	return n ? ks[gen_rng_below(&x->rng, n)] : GEN_KIND_MAX;
}

/*
 * Most values written at one place. Values earn credit too (a JWT
 * field is ~230 bytes: 4.5 values at 20/KiB), so at high densities the
 * credit could outgrow what is paid; past this it waits for the next
 * place, and what is left at the end of a message is dropped: the
 * density saturates (near 20/KiB with short values only) instead.
 */
#define SLOT_MAX 4

/* Pay what is owed: each whole unit of credit becomes one value. */
static void
slot(struct mctx *x, enum place where)
{
	for (unsigned int paid = 0; x->credit >= 1 && paid < SLOT_MAX; paid++) {
		enum gen_kind k = choose_kind(x);
		size_t start;

		x->credit -= 1;
		if (k == GEN_KIND_MAX)
			continue;
		if (k == GEN_BEARER) {
			x->want_bearer = true;
			continue;
		}
		if (where == PLACE_JSON) {
			putf(x, "%s\"%s\":\"", x->comma ? "," : "",
			     kind_keys[k][gen_rng_below(&x->rng, 3)]);
		} else {
			putf(x, "%s=", kind_keys[k][gen_rng_below(&x->rng, 3)]);
		}
		start = x->b->len;
		gen_put_value(x, k, where);
		vlist_add(x->vl, start, x->b->len - start, k);
		puts_(x, where == PLACE_JSON ? "\"" : "&");
		x->comma = true;
	}
}

/* JSON members: ,"key": then the caller writes the value. */
static void
key(struct mctx *x, const char *k)
{
	putf(x, "%s\"%s\":", x->comma ? "," : "", k);
	x->comma = true;
}

static void
open_obj(struct mctx *x, char c)
{
	putch(x, c);
	x->comma = false;
}

static void
close_obj(struct mctx *x, char c)
{
	putch(x, c);
	x->comma = true;
}

/*
 * Year (20yy), month, day, hour, minute, second into @t. Drawn one by
 * one: the order in which a call's arguments are evaluated is not
 * defined, and the bytes must not depend on the compiler.
 */
static void
rand_time(struct mctx *x, unsigned int t[6], uint32_t y0, uint32_t y1)
{
	t[0] = gen_rng_range(&x->rng, y0, y1);
	t[1] = gen_rng_range(&x->rng, 1, 12);
	t[2] = gen_rng_range(&x->rng, 1, 28);
	t[3] = gen_rng_below(&x->rng, 24);
	t[4] = gen_rng_below(&x->rng, 60);
	t[5] = gen_rng_below(&x->rng, 60);
}

static void
put_time(struct mctx *x)
{
	unsigned int t[6];

	rand_time(x, t, 19, 25);
	putf(x, "\"20%02u-%02u-%02uT%02u:%02u:%02uZ\"", t[0], t[1], t[2], t[3],
	     t[4], t[5]);
}

/* "Alice Smith" (in a buffer of @x's, valid until the next call). */
static const char *
cap_name(struct mctx *x, const char *first, const char *last)
{
	snprintf(x->name, sizeof(x->name), "%s %s", first, last);
	x->name[0] = (char)(x->name[0] - 'a' + 'A');
	x->name[strlen(first) + 1] =
		(char)(x->name[strlen(first) + 1] - 'a' + 'A');
	return x->name;
}

/* One customer object, with room for values between its members. */
static void
put_customer(struct mctx *x)
{
	unsigned int ntags = gen_rng_below(&x->rng, 4);
	const char *first, *last;
	uint32_t house;

	open_obj(x, '{');
	key(x, "id");
	putch(x, '"');
	gen_put_id(x, "cus");
	putch(x, '"');
	slot(x, PLACE_JSON);
	key(x, "object");
	puts_(x, "\"customer\"");
	key(x, "name");
	first = PICK(x, gen_first_names);
	last = PICK(x, gen_last_names);
	putf(x, "\"%s\"", cap_name(x, first, last));
	slot(x, PLACE_JSON);
	key(x, "created");
	putf(x, "%u", 1500000000u + gen_rng_below(&x->rng, 230000000));
	slot(x, PLACE_JSON);
	key(x, "address");
	open_obj(x, '{');
	key(x, "line1");
	house = gen_rng_range(&x->rng, 1, 9999);
	putf(x, "\"%u %s\"", house, PICK(x, streets));
	key(x, "city");
	putf(x, "\"%s\"", PICK(x, cities));
	key(x, "postal_code");
	putf(x, "\"%05u\"", gen_rng_range(&x->rng, 1001, 99950));
	key(x, "country");
	puts_(x, "\"US\"");
	close_obj(x, '}');
	slot(x, PLACE_JSON);
	key(x, "balance");
	putf(x, "%u", gen_rng_below(&x->rng, 5000000));
	key(x, "currency");
	puts_(x, "\"usd\"");
	slot(x, PLACE_JSON);
	key(x, "status");
	putf(x, "\"%s\"", PICK(x, statuses));
	key(x, "updated_at");
	put_time(x);
	slot(x, PLACE_JSON);
	key(x, "tags");
	open_obj(x, '[');
	for (unsigned int i = 0; i < ntags; i++)
		putf(x, "%s\"%s\"", i ? "," : "", PICK(x, gen_tags));
	close_obj(x, ']');
	if (gen_rng_below(&x->rng, 3) == 0) {
		unsigned int nw = gen_rng_range(&x->rng, 3, 12);

		key(x, "description");
		putch(x, '"');
		for (unsigned int i = 0; i < nw; i++)
			putf(x, "%s%s", i ? " " : "", PICK(x, lorem));
		putch(x, '"');
	}
	slot(x, PLACE_JSON);
	close_obj(x, '}');
}

/* How many customers a body holds, by size mix. */
static unsigned int
n_customers(struct mctx *x, bool response)
{
	switch (x->cfg->size) {
	case GEN_SIZE_64:
		return response ? gen_rng_range(&x->rng, 1, 3) : 1;
	case GEN_SIZE_1500:
		return response ? gen_rng_range(&x->rng, 10, 40)
				: gen_rng_range(&x->rng, 2, 10);
	default:
		if (response)
			return gen_rng_range(&x->rng, 1, 12);
		return gen_rng_below(&x->rng, 5) ? 1
						 : gen_rng_range(&x->rng, 2, 4);
	}
}

static void
put_list(struct mctx *x, const char *name, unsigned int n)
{
	key(x, name);
	open_obj(x, '[');
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			putch(x, ',');
		put_customer(x);
	}
	close_obj(x, ']');
}

/* A response or POST body. */
static void
put_body(struct mctx *x, bool response)
{
	unsigned int n = n_customers(x, response);

	if (n == 1 && (!response || gen_rng_below(&x->rng, 3) == 0)) {
		put_customer(x);
		return;
	}
	open_obj(x, '{');
	if (response) {
		key(x, "object");
		puts_(x, "\"list\"");
		key(x, "url");
		puts_(x, "\"/api/v1/customers\"");
		slot(x, PLACE_JSON);
		key(x, "has_more");
		puts_(x, gen_rng_below(&x->rng, 2) ? "true" : "false");
		put_list(x, "data", n);
	} else {
		put_list(x, "customers", n);
	}
	close_obj(x, '}');
}

/* Header bytes counted up front (headers are written after the body). */
#define HDR_ESTIMATE 180

static void
put_date(struct mctx *x)
{
	const char *day = PICK(x, days);
	unsigned int t[6];

	rand_time(x, t, 23, 25);
	putf(x, "Date: %s, %02u %s 20%02u %02u:%02u:%02u GMT\r\n", day, t[2],
	     months[t[1] - 1], t[0], t[3], t[4], t[5]);
}

static void
put_bearer_header(struct mctx *x)
{
	size_t start;

	if (!x->want_bearer)
		return;
	puts_(x, "Authorization: Bearer ");
	start = x->b->len;
	gen_put_bearer(x);
	vlist_add(x->vl, start, x->b->len - start, GEN_BEARER);
	puts_(x, "\r\n");
}

/* GET with a query string: values go into the query. */
static void
build_get(struct mctx *x, struct buf *hdr, struct vlist *hv)
{
	x->b = hdr;
	x->vl = hv;
	if (gen_rng_below(&x->rng, 2)) {
		puts_(x, "GET /api/v1/customers?");
	} else {
		puts_(x, "GET /api/v1/customers/");
		gen_put_id(x, "cus");
		puts_(x, "/orders?status=open&");
	}
	slot(x, PLACE_QUERY);
	putf(x, "limit=%u&sort=created HTTP/1.1\r\n",
	     gen_rng_range(&x->rng, 1, 100));
	x->count = false;
	puts_(x, "Host: api.example.com\r\n");
	putf(x, "User-Agent: %s\r\n", PICK(x, agents));
	puts_(x, "Accept: application/json\r\n");
	put_bearer_header(x);
	puts_(x, "X-Request-Id: ");
	gen_put_id(x, "req");
	puts_(x, "\r\n\r\n");
}

static void
build_post(struct mctx *x, struct buf *hdr, struct vlist *hv, struct buf *body,
	   struct vlist *bv)
{
	x->b = body;
	x->vl = bv;
	put_body(x, false);
	x->count = false;
	x->b = hdr;
	x->vl = hv;
	puts_(x, "POST /api/v1/customers HTTP/1.1\r\n");
	puts_(x, "Host: api.example.com\r\n");
	putf(x, "User-Agent: %s\r\n", PICK(x, agents));
	puts_(x, "Accept: application/json\r\n");
	put_bearer_header(x);
	puts_(x, "Content-Type: application/json\r\n");
	puts_(x, "Idempotency-Key: ");
	gen_put_id(x, "idem");
	putf(x, "\r\nContent-Length: %zu\r\n\r\n", body->len);
}

static void
build_response(struct mctx *x, struct buf *hdr, struct buf *body,
	       struct vlist *bv)
{
	x->b = body;
	x->vl = bv;
	put_body(x, true);
	x->count = false;
	x->b = hdr;
	puts_(x, "HTTP/1.1 200 OK\r\n");
	put_date(x);
	puts_(x, "Content-Type: application/json; charset=utf-8\r\n");
	putf(x, "Content-Length: %zu\r\n", body->len);
	puts_(x, "Cache-Control: no-store\r\nX-Request-Id: ");
	gen_put_id(x, "req");
	puts_(x, "\r\n\r\n");
}

void
gen_msg_build(const struct gen_content *c, bool response, uint32_t index,
	      struct gen_msg *m)
{
	struct buf hdr = {0}, body = {0};
	struct vlist hv = {0}, bv = {0};
	struct mctx x = {
		.cfg = c,
		.count = true,
		.per_byte = c->density / 1024.0,
		.request = !response,
	};

	gen_rng_seed(&x.rng, c->seed, ((uint64_t)response << 32 | index) + 1);
	x.credit = c->density > 0
			   ? gen_rng_unit(&x.rng) + HDR_ESTIMATE * x.per_byte
			   : 0;
	if (response)
		build_response(&x, &hdr, &body, &bv);
	else if (gen_rng_below(&x.rng, 5) < 3)
		build_post(&x, &hdr, &hv, &body, &bv);
	else
		build_get(&x, &hdr, &hv);

	m->len = (uint32_t)(hdr.len + body.len);
	m->data = xrealloc(NULL, m->len);
	memcpy(m->data, hdr.p, hdr.len);
	if (body.len)
		memcpy(m->data + hdr.len, body.p, body.len);
	m->nvals = hv.n + bv.n;
	m->vals = m->nvals ? xrealloc(NULL, m->nvals * sizeof(*m->vals)) : NULL;
	for (uint32_t i = 0; i < hv.n; i++)
		m->vals[i] = hv.v[i];
	for (uint32_t i = 0; i < bv.n; i++) {
		m->vals[hv.n + i] = bv.v[i];
		m->vals[hv.n + i].off += (uint32_t)hdr.len;
	}
	free(hdr.p);
	free(body.p);
	free(hv.v);
	free(bv.v);
}

void
gen_msg_free(struct gen_msg *m)
{
	free(m->data);
	free(m->vals);
	m->data = NULL;
	m->vals = NULL;
}
