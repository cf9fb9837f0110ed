/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-gen: the sensitive values in the messages (cards, SSNs,
 * e-mail addresses, IBANs, AWS key ids, JWTs, bearer tokens) and the
 * object ids around them, which no detector takes.
 *
 * The values do not hold each other: bearer tokens are one run of
 * 40..64 letters and digits (too long for an IBAN or an AWS key id, at
 * most 3 digits in a row, never "eyJ"), a GB sort code never starts
 * with 3 (so its 14 digits are no Diners card), cards have no 19-digit
 * form (a grouped 19-digit card holds a 16-digit candidate).
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"
#include "gen_content.h"

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
void
gen_put_id(struct mctx *x, const char *prefix)
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

static const char *const domains[] = {
	"example.com",	    "example.org",	  "example.net",
	"mail.example.com", "corp.example.co.uk", "shop.example.io",
	"example.de",
};

static void
put_email(struct mctx *x)
{
	const char *f = PICK(x, gen_first_names), *l = PICK(x, gen_last_names);

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
		putf(x, "%s.%s+%s", f, l, PICK(x, gen_tags));
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

void
gen_put_bearer(struct mctx *x)
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

/* A value of kind @k, in a form that fits @where. */
void
gen_put_value(struct mctx *x, enum gen_kind k, enum place where)
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
		gen_put_bearer(x);
		break;
	}
}
