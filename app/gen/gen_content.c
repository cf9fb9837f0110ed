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
 * And the values do not hold each other: bearer tokens are one run of
 * 40..64 letters and digits (too long for an IBAN or an AWS key id, at
 * most 3 digits in a row, never "eyJ"), a GB sort code never starts
 * with 3 (so its 14 digits are no Diners card), cards have no 19-digit
 * form (a grouped 19-digit card holds a 16-digit candidate).
 * tests/gen checks this end to end: wiremask with every detector on
 * changes no byte outside the values listed in the ground truth.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

const char *const gen_kind_names[GEN_KIND_MAX] = {
	[GEN_CARD] = "card",	      [GEN_SSN] = "ssn",
	[GEN_EMAIL] = "email",	      [GEN_IBAN] = "iban",
	[GEN_AWS] = "aws_access_key", [GEN_JWT] = "jwt",
	[GEN_BEARER] = "bearer",
};

/* A growing byte buffer. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* Values found in one buffer, offsets relative to it. */
struct vlist {
	struct gen_value *v;
	uint32_t n, cap;
};

/* Where a value is written: the format depends on it. */
enum place {
	PLACE_JSON,  /* a JSON string: cards and IBANs may be grouped */
	PLACE_QUERY, /* a query parameter: compact forms only */
};

/* One message being built. */
struct mctx {
	const struct gen_content *cfg;
	struct gen_rng rng;
	struct buf *b;	  /* where output goes */
	struct vlist *vl; /* where values found in *b go */
	bool count;	  /* bytes written earn credit */
	double credit;	  /* values owed */
	double per_byte;  /* density / 1024 */
	bool comma;	  /* the next JSON member needs a ',' first */
	bool request;	  /* a bearer header may carry a value */
	bool want_bearer; /* ... and one will */
	char name[64];
};

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "wiremask-gen: out of memory\n");
		exit(1);
	}
	return q;
}

static void
buf_need(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	while (b->len + n > b->cap)
		b->cap = b->cap ? b->cap * 2 : 1024;
	b->p = xrealloc(b->p, b->cap);
}

static void
putn(struct mctx *x, const void *s, size_t n)
{
	buf_need(x->b, n);
	memcpy(x->b->p + x->b->len, s, n);
	x->b->len += n;
	if (x->count)
		x->credit += (double)n * x->per_byte;
}

static void
puts_(struct mctx *x, const char *s)
{
	putn(x, s, strlen(s));
}

static void
putch(struct mctx *x, char c)
{
	putn(x, &c, 1);
}

static void __attribute__((format(printf, 2, 3)))
putf(struct mctx *x, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		putn(x, tmp,
		     (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static const char *
pick(struct mctx *x, const char *const *list, size_t n)
{
	return list[gen_rng_below(&x->rng, (uint32_t)n)];
}

#define PICK(x, list) pick((x), (list), GEN_ARRAY_SIZE(list))

static const char *const first_names[] = {
	"alice",  "bob",     "carol",  "david", "erin",	   "frank",
	"grace",  "heidi",   "ivan",   "judy",	"mallory", "niaj",
	"olivia", "peggy",   "rupert", "sybil", "trent",   "victor",
	"walter", "yolanda", "zoe",    "liam",	"emma",	   "noah",
	"ava",	  "mia",     "lucas",  "sofia", "mateo",   "chloe",
};

static const char *const last_names[] = {
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

static const char *const domains[] = {
	"example.com",	    "example.org",	  "example.net",
	"mail.example.com", "corp.example.co.uk", "shop.example.io",
	"example.de",
};

static const char *const statuses[] = {
	"active", "pending", "suspended", "trialing", "past_due", "closed",
};

static const char *const tags[] = {
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

/*
 * @n lower-case letters and digits into @out (NUL-terminated), never
 * more than @maxdig digits in a row.
 */
static void
rand_alnum(struct gen_rng *r, char *out, size_t n, const char *alpha,
	   unsigned int maxdig)
{
	size_t na = strlen(alpha);
	unsigned int run = 0;

	for (size_t i = 0; i < n; i++) {
		char c = alpha[gen_rng_below(r, (uint32_t)na)];

		if (c >= '0' && c <= '9') {
			if (run == maxdig) {
				c = (char)('a' + gen_rng_below(r, 26));
				if (alpha[0] == 'A')
					c = (char)(c - 'a' + 'A');
				run = 0;
			} else {
				run++;
			}
		} else {
			run = 0;
		}
		out[i] = c;
	}
	out[n] = '\0';
}

#define ID_CHARS 14
static const char id_alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789";

/* "cus_k3j9dq0xa7m2pe": an object id no detector takes. */
static void
put_id(struct mctx *x, const char *prefix)
{
	char id[ID_CHARS + 1];

	rand_alnum(&x->rng, id, ID_CHARS, id_alpha, 3);
	putf(x, "%s_%s", prefix, id);
}

/* Values */

static char
digit(struct gen_rng *r)
{
	return (char)('0' + gen_rng_below(r, 10));
}

static unsigned int
luhn_check_digit(const char *d, size_t n)
{
	unsigned int sum = 0;

	/* The check digit will be rightmost: d[n - 1] is doubled. */
	for (size_t k = 0; k < n; k++) {
		unsigned int v = (unsigned int)(d[n - 1 - k] - '0');

		if ((k & 1) == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return (10 - sum % 10) % 10;
}

struct card_brand {
	uint32_t lo, hi; /* IIN range of @k digits */
	uint8_t k, len;
	const char *groups; /* digits per group when grouped */
};

/* lib/detect/detect_card.c's brands, lengths whose groups hold no card. */
static const struct card_brand card_brands[] = {
	{4, 4, 1, 16, "4444"},	     /* Visa */
	{4, 4, 1, 13, "445"},	     /* Visa, old */
	{51, 55, 2, 16, "4444"},     /* Mastercard */
	{2221, 2720, 4, 16, "4444"}, /* Mastercard 2-series */
	{34, 34, 2, 15, "465"},	     /* Amex */
	{37, 37, 2, 15, "465"},	     /* Amex */
	{6011, 6011, 4, 16, "4444"}, /* Discover */
	{65, 65, 2, 16, "4444"},     /* Discover */
	{3528, 3589, 4, 16, "4444"}, /* JCB */
	{36, 36, 2, 14, "464"},	     /* Diners */
	{300, 305, 3, 14, "464"},    /* Diners */
	{62, 62, 2, 16, "4444"},     /* UnionPay */
};

static void
put_card(struct mctx *x, enum place where)
{
	const struct card_brand *b = &card_brands[gen_rng_below(
		&x->rng, GEN_ARRAY_SIZE(card_brands))];
	char d[20], out[40];
	uint32_t iin = gen_rng_range(&x->rng, b->lo, b->hi);
	enum gen_card_fmt fmt = x->cfg->card_fmt;
	size_t o = 0, g = 0, ing = 0;
	char sep = 0;

	for (int i = b->k - 1; i >= 0; i--, iin /= 10)
		d[i] = (char)('0' + iin % 10);
	for (size_t i = b->k; i + 1 < b->len; i++)
		d[i] = digit(&x->rng);
	d[b->len - 1] = (char)('0' + luhn_check_digit(d, b->len - 1u));
	if (fmt == GEN_CARD_MIX) {
		uint32_t r = gen_rng_below(&x->rng, 4);

		fmt = r < 2    ? GEN_CARD_PLAIN
		      : r == 2 ? GEN_CARD_SPACE
			       : GEN_CARD_DASH;
	}
	if (where == PLACE_JSON && fmt == GEN_CARD_SPACE)
		sep = ' ';
	else if (where == PLACE_JSON && fmt == GEN_CARD_DASH)
		sep = '-';
	for (size_t i = 0; i < b->len; i++) {
		if (sep && ing == (size_t)(b->groups[g] - '0')) {
			out[o++] = sep;
			g++;
			ing = 0;
		}
		out[o++] = d[i];
		ing++;
	}
	putn(x, out, o);
}

/* Numbers published in advertising and samples (wm_detect_ssn_valid()). */
static const char *const ssn_samples[] = {
	"078-05-1120",
	"219-09-9999",
	"457-55-5462",
};

static void
put_ssn(struct mctx *x)
{
	char s[16];
	bool bad;

	do {
		/* One declaration a line: arguments have no evaluation order.
		 */
		uint32_t area = gen_rng_range(&x->rng, 1, 899);
		uint32_t group = gen_rng_range(&x->rng, 1, 99);
		uint32_t serial = gen_rng_range(&x->rng, 1, 9999);

		if (area == 666)
			area = 665;
		snprintf(s, sizeof(s), "%03u-%02u-%04u", area, group, serial);
		bad = false;
		for (size_t i = 0; i < GEN_ARRAY_SIZE(ssn_samples); i++)
			bad |= strcmp(s, ssn_samples[i]) == 0;
	} while (bad);
	puts_(x, s);
}

static void
put_email(struct mctx *x)
{
	const char *f = PICK(x, first_names), *l = PICK(x, last_names);

	switch (gen_rng_below(&x->rng, 5)) {
	case 0:
		putf(x, "%s.%s", f, l);
		break;
	case 1:
		putf(x, "%s_%s%u", f, l, gen_rng_range(&x->rng, 1, 99));
		break;
	case 2:
		putf(x, "%c%s", f[0], l);
		break;
	case 3:
		putf(x, "%s.%s+%s", f, l, PICK(x, tags));
		break;
	default:
		putf(x, "%s%u", f, gen_rng_range(&x->rng, 1, 9999));
		break;
	}
	putf(x, "@%s", PICK(x, domains));
}

struct iban_fmt {
	char cc[3];
	const char *bban; /* 'n' digit, 'a' upper-case letter, 'g' GB sort */
	const char *const *banks; /* letters for the first 'a's, or NULL */
};

static const char *const gb_banks[] = {"NWBK", "BARC", "LOYD",
				       "HBUK", "MIDL", NULL};
static const char *const nl_banks[] = {"ABNA", "INGB", "RABO",
				       "TRIO", "SNSB", NULL};

static const struct iban_fmt iban_fmts[] = {
	{"DE", "nnnnnnnnnnnnnnnnnn", NULL},	 /* 22 */
	{"GB", "aaaagnnnnnnnnnnnnn", gb_banks},	 /* 22 */
	{"FR", "nnnnnnnnnnnnnnnnnnnnnnn", NULL}, /* 27 */
	{"NL", "aaaannnnnnnnnn", nl_banks},	 /* 18 */
	{"ES", "nnnnnnnnnnnnnnnnnnnn", NULL},	 /* 24 */
};

/* 98 - (BBAN, country, "00" mod 97), letters read as 10..35. */
static unsigned int
iban_check(const char *cc, const char *bban)
{
	char tmp[48];
	unsigned int r = 0;

	snprintf(tmp, sizeof(tmp), "%s%s00", bban, cc);
	for (const char *p = tmp; *p; p++) {
		if (*p >= '0' && *p <= '9')
			r = (r * 10 + (unsigned int)(*p - '0')) % 97;
		else
			r = (r * 100 + 10 + (unsigned int)(*p - 'A')) % 97;
	}
	return 98 - r;
}

static void
put_iban(struct mctx *x, enum place where)
{
	const struct iban_fmt *f =
		&iban_fmts[gen_rng_below(&x->rng, GEN_ARRAY_SIZE(iban_fmts))];
	char bban[40], full[48], out[64];
	size_t n = strlen(f->bban), o = 0;
	const char *bank = NULL;

	if (f->banks != NULL) {
		size_t nb = 0;

		while (f->banks[nb] != NULL)
			nb++;
		bank = f->banks[gen_rng_below(&x->rng, (uint32_t)nb)];
	}
	for (size_t i = 0; i < n; i++) {
		switch (f->bban[i]) {
		case 'a':
			bban[i] =
				bank ? bank[i]
				     : (char)('A' + gen_rng_below(&x->rng, 26));
			break;
		case 'g': /* a sort code starting 3 could make a Diners card */
			bban[i] = "012456789"[gen_rng_below(&x->rng, 9)];
			break;
		default:
			bban[i] = digit(&x->rng);
			break;
		}
	}
	bban[n] = '\0';
	snprintf(full, sizeof(full), "%s%02u%s", f->cc, iban_check(f->cc, bban),
		 bban);
	if (where == PLACE_QUERY || gen_rng_below(&x->rng, 2) == 0) {
		puts_(x, full);
		return;
	}
	for (size_t i = 0; full[i]; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = full[i];
	}
	putn(x, out, o);
}

static const char aws_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static void
put_aws(struct mctx *x)
{
	char k[17];

	for (int i = 0; i < 16; i++)
		k[i] = aws_alpha[gen_rng_below(&x->rng, 32)];
	k[16] = '\0';
	putf(x, "%s%s", gen_rng_below(&x->rng, 5) ? "AKIA" : "ASIA", k);
}

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Unpadded base64url of @n bytes into @out; returns its length. */
static size_t
b64url_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];

		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	if (i + 1 == n) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
	} else if (i + 2 == n) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
	}
	out[o] = '\0';
	return o;
}

struct jwt_alg {
	const char *header; /* JSON */
	unsigned int sig;   /* signature bytes */
};

static const struct jwt_alg jwt_algs[] = {
	{"{\"alg\":\"HS256\",\"typ\":\"JWT\"}", 32},
	{"{\"typ\":\"JWT\",\"alg\":\"HS256\"}", 32},
	{"{\"alg\":\"HS384\",\"typ\":\"JWT\"}", 48},
	{"{\"alg\":\"ES256\",\"typ\":\"JWT\"}", 64},
};

/* Longest token wiremask masks whole (WM_TOKEN_MAX_LEN). */
#define JWT_MAX 253

static void
put_jwt(struct mctx *x)
{
	const struct jwt_alg *a =
		&jwt_algs[gen_rng_below(&x->rng, GEN_ARRAY_SIZE(jwt_algs))];
	char claims[160], id[ID_CHARS + 1], tok[512];
	uint8_t sig[64];
	uint32_t iat = 1700000000u + gen_rng_below(&x->rng, 30000000);
	size_t o;

	rand_alnum(&x->rng, id, ID_CHARS, id_alpha, 3);
	snprintf(claims, sizeof(claims),
		 "{\"sub\":\"cus_%s\",\"iat\":%u,\"exp\":%u,\"scope\":\"%s\"}",
		 id, iat, iat + 3600,
		 gen_rng_below(&x->rng, 2) ? "customers:read"
					   : "customers:write");
	for (unsigned int i = 0; i < a->sig; i++)
		sig[i] = (uint8_t)gen_rng_next(&x->rng);
	o = b64url_encode((const uint8_t *)a->header, strlen(a->header), tok);
	tok[o++] = '.';
	o += b64url_encode((const uint8_t *)claims, strlen(claims), tok + o);
	tok[o++] = '.';
	o += b64url_encode(sig, a->sig, tok + o);
	/* The claims above keep every variant under JWT_MAX bytes. */
	if (o > JWT_MAX)
		o = JWT_MAX;
	putn(x, tok, o);
}

static const char bearer_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void
put_bearer(struct mctx *x)
{
	char t[72];
	size_t n = gen_rng_range(&x->rng, 40, 64);

	do {
		rand_alnum(&x->rng, t, n, bearer_alpha, 3);
	} while (strstr(t, "eyJ") != NULL);
	puts_(x, t);
	if (gen_rng_below(&x->rng, 4) == 0)
		puts_(x, "==");
}

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
put_value(struct mctx *x, enum gen_kind k, enum place where)
{
	switch (k) {
	case GEN_CARD:
		put_card(x, where);
		break;
	case GEN_SSN:
		put_ssn(x);
		break;
	case GEN_EMAIL:
		put_email(x);
		break;
	case GEN_IBAN:
		put_iban(x, where);
		break;
	case GEN_AWS:
		put_aws(x);
		break;
	case GEN_JWT:
		put_jwt(x);
		break;
	default:
		put_bearer(x);
		break;
	}
}

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
		put_value(x, k, where);
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
	put_id(x, "cus");
	putch(x, '"');
	slot(x, PLACE_JSON);
	key(x, "object");
	puts_(x, "\"customer\"");
	key(x, "name");
	first = PICK(x, first_names);
	last = PICK(x, last_names);
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
		putf(x, "%s\"%s\"", i ? "," : "", PICK(x, tags));
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
	put_bearer(x);
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
		put_id(x, "cus");
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
	put_id(x, "req");
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
	put_id(x, "idem");
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
	put_id(x, "req");
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
