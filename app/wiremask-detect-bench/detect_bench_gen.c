/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-detect-bench: generated, labelled text. JSON-like records
 * from a seeded generator, with values of every detector and near misses
 * (Luhn-valid numbers of no brand, SSN sample numbers, bad IBAN check
 * digits, times, MAC addresses, versions, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_bench.h"

/* ------------------------------------------------------------------ */
/* Seeded values. */

static uint64_t rng_state = 88172645463325252ull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static unsigned int
rn(unsigned int n)
{
	return rnd() % n;
}

static void
rnd_chars(char *out, size_t n, const char *set)
{
	size_t k = strlen(set);

	for (size_t i = 0; i < n; i++)
		out[i] = set[rn((unsigned int)k)];
	out[n] = '\0';
}

#define DIGITS "0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define B64URL UPPER LOWER DIGITS "-_"
#define B64 UPPER LOWER DIGITS "+/"

/* Set the last digit of @d (@n digits) so that Luhn holds, or fails. */
static void
luhn_fix(char *d, size_t n, bool valid)
{
	for (int c = 0; c < 10; c++) {
		d[n - 1] = (char)('0' + c);
		if (wm_detect_luhn((const uint8_t *)d, n) == valid)
			return;
	}
}

struct brand {
	const char *prefix;
	unsigned int len;
};

static const struct brand brands[] = {
	{ "4", 16 },    { "4", 13 },    { "4", 19 },    { "51", 16 },
	{ "55", 16 },   { "2221", 16 }, { "2720", 16 }, { "34", 15 },
	{ "37", 15 },   { "6011", 16 }, { "644", 16 },  { "65", 19 },
	{ "622126", 16 }, { "3528", 16 }, { "3589", 19 }, { "300", 14 },
	{ "36", 14 },   { "38", 16 },   { "62", 17 },
};

/* A card number: @valid a brand and Luhn, else Luhn-valid of no brand
 * or a brand failing Luhn. Grouped by 4 with ' ' or '-' sometimes. */
static void
gen_card(char *out, bool valid)
{
	const struct brand *b = &brands[rn(WM_ARRAY_SIZE(brands))];
	char d[24];
	size_t n = b->len, pl = strlen(b->prefix), o = 0;

	memcpy(d, b->prefix, pl);
	rnd_chars(d + pl, n - pl, DIGITS);
	if (!valid && rn(2) == 0) {
		/* Luhn-valid, no brand: a leading 1, 7, 8 or 9 or 0. */
		d[0] = "17890"[rn(5)];
		luhn_fix(d, n, true);
	} else {
		luhn_fix(d, n, valid);
	}
	if (n == 16 && rn(3) == 0) {
		char sep = rn(2) ? ' ' : '-';

		for (size_t i = 0; i < n; i++) {
			if (i > 0 && i % 4 == 0)
				out[o++] = sep;
			out[o++] = d[i];
		}
		out[o] = '\0';
		return;
	}
	memcpy(out, d, n);
	out[n] = '\0';
}

static void
gen_ssn(char *out, bool valid)
{
	static const char *const bad[] = { "078-05-1120", "219-09-9999",
					   "457-55-5462" };
	unsigned int area = 1 + rn(899);

	if (!valid) {
		switch (rn(4)) {
		case 0:
			strcpy(out, bad[rn(3)]);
			return;
		case 1:
			area = 666;
			break;
		case 2:
			area = 900 + rn(100);
			break;
		default:
			sprintf(out, "%03u-00-%04u", 1 + rn(665), 1 + rn(9999));
			return;
		}
	} else if (area == 666 || area == 78 || area == 219 || area == 457) {
		area++;
	}
	/* The record's key ("ssn") is a context word: 1 in 4 valid values
	 * (and near misses) bare, 1 in 4 spaced. */
	switch (rn(4)) {
	case 0:
		sprintf(out, "%03u%02u%04u", area, 1 + rn(99), 1 + rn(9999));
		break;
	case 1:
		sprintf(out, "%03u %02u %04u", area, 1 + rn(99), 1 + rn(9999));
		break;
	default:
		sprintf(out, "%03u-%02u-%04u", area, 1 + rn(99), 1 + rn(9999));
		break;
	}
}

static void
gen_email(char *out, bool valid)
{
	static const char *const tld[] = { "com", "org", "net", "io", "co.uk",
					   "de" };
	char a[12], b[12], c[12];

	rnd_chars(a, 3 + rn(7), LOWER);
	rnd_chars(b, 2 + rn(6), LOWER);
	rnd_chars(c, 3 + rn(8), LOWER);
	if (valid)
		sprintf(out, "%s.%s@%s.%s", a, b, c, tld[rn(6)]);
	else if (rn(2))
		sprintf(out, "%s@localhost", a);
	else
		sprintf(out, "%s@%s.c", a, c);
}

/* An IBAN of a few countries' shapes; invalid: check digits off by 1. */
static void
gen_iban(char *out, bool valid)
{
	static const struct {
		const char *cc;
		const char *shape; /* 9 digit, A letter, X alnum */
	} c[] = {
		{ "DE", "999999999999999999" },
		{ "GB", "AAAA99999999999999" },
		{ "FR", "9999999999XXXXXXXXXXX99" },
		{ "NL", "AAAA9999999999" },
		{ "ES", "99999999999999999999" },
		{ "IT", "A9999999999XXXXXXXXXXXX" },
		{ "CH", "99999XXXXXXXXXXXX" },
		{ "NO", "99999999999" },
	};
	unsigned int k = rn(WM_ARRAY_SIZE(c));
	char bban[40], tmp[48], raw[48];
	unsigned int r = 0, check;
	size_t n = strlen(c[k].shape), o = 0;

	for (size_t i = 0; i < n; i++) {
		char s = c[k].shape[i];

		bban[i] = s == '9' ? DIGITS[rn(10)]
			: s == 'A' ? UPPER[rn(26)]
				   : (UPPER DIGITS)[rn(36)];
	}
	bban[n] = '\0';
	sprintf(tmp, "%s%s00", bban, c[k].cc);
	for (size_t i = 0; tmp[i] != '\0'; i++) {
		char ch = tmp[i];

		if (ch >= '0' && ch <= '9')
			r = (r * 10 + (unsigned int)(ch - '0')) % 97;
		else
			r = (r * 100 + 10 + (unsigned int)(ch - 'A')) % 97;
	}
	check = 98 - r;
	if (!valid)
		check = check == 97 ? 2 : check + 1;
	sprintf(raw, "%s%02u%s", c[k].cc, check, bban);
	if (rn(3) == 0) {
		for (size_t i = 0; raw[i] != '\0'; i++) {
			if (i > 0 && i % 4 == 0)
				out[o++] = ' ';
			out[o++] = raw[i];
		}
		out[o] = '\0';
	} else {
		strcpy(out, raw);
	}
}

static void
gen_phone(char *out, bool valid)
{
	unsigned int a = 200 + rn(800), x = 200 + rn(800), s = rn(10000);

	if (!valid) {
		switch (rn(4)) {
		case 0: /* a date: no plan writes a number so */
			sprintf(out, "20%02u-%02u-%02u", rn(30), 1 + rn(12),
				1 + rn(28));
			break;
		case 3: /* an order id: digits glued to letters */
			sprintf(out, "ORD-%04u-%04u", rn(10000), s);
			break;
		case 1: /* too short */
			sprintf(out, "+%u%u", 10 + rn(90), 1000 + rn(9000));
			break;
		default: /* 16 digits after '+', of no card brand */
			sprintf(out, "+1%05u%05u%05u", rn(100000), rn(100000),
				rn(100000));
			break;
		}
		return;
	}
	switch (rn(5)) {
	case 0:
		sprintf(out, "%u-%u-%04u", a, x, s);
		break;
	case 1:
		sprintf(out, "(%u) %u-%04u", a, x, s);
		break;
	case 2:
		sprintf(out, "%u.%u.%04u", a, x, s);
		break;
	case 3:
		sprintf(out, "+44 20 %04u %04u", rn(10000), s);
		break;
	default:
		sprintf(out, "+49%u%07u", 150 + rn(30), rn(10000000));
		break;
	}
}

static void
gen_ipv4(char *out, bool valid)
{
	unsigned int a = 1 + rn(254), b = rn(256), c = rn(256), d = rn(256);

	if (valid)
		sprintf(out, "%u.%u.%u.%u", a, b, c, d);
	else if (rn(2))
		sprintf(out, "%u.%u.%u.%u.%u", a, b, c, d, rn(10));
	else
		sprintf(out, "%u.%u.%u.%u", 256 + rn(100), b, c, d);
}

static void
gen_ipv6(char *out, bool valid)
{
	unsigned int g[8];

	for (int i = 0; i < 8; i++)
		g[i] = rn(65536);
	if (!valid) {
		if (rn(2))
			sprintf(out, "%02u:%02u:%02u", rn(24), rn(60), rn(60));
		else
			sprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x",
				g[0] & 255, g[1] & 255, g[2] & 255, g[3] & 255,
				g[4] & 255, g[5] & 255);
		return;
	}
	switch (rn(3)) {
	case 0:
		sprintf(out, "%x:%x:%x:%x:%x:%x:%x:%x", g[0], g[1], g[2], g[3],
			g[4], g[5], g[6], g[7]);
		break;
	case 1:
		sprintf(out, "2001:db8:%x::%x", g[2], g[7]);
		break;
	default:
		sprintf(out, "::ffff:%u.%u.%u.%u", 1 + rn(254), rn(256),
			rn(256), rn(256));
		break;
	}
}

static void
gen_aws(char *out, bool valid)
{
	strcpy(out, rn(2) ? "AKIA" : "ASIA");
	rnd_chars(out + 4, 16, valid ? UPPER "234567" : UPPER "0189");
	if (!valid && strpbrk(out + 4, "0189") == NULL)
		out[10] = '8';
}

static void
gen_gcp(char *out, bool valid)
{
	strcpy(out, "AIza");
	rnd_chars(out + 4, valid ? 35 : 34, B64URL);
}

static void
b64url_of(const char *in, char *out, bool url)
{
	const char *set = url ? B64URL : B64;
	size_t n = strlen(in), o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(uint8_t)in[i] << 16;
		size_t k = WM_MIN((size_t)3, n - i);

		if (k > 1)
			v |= (uint32_t)(uint8_t)in[i + 1] << 8;
		if (k > 2)
			v |= (uint8_t)in[i + 2];
		for (size_t j = 0; j < k + 1; j++)
			out[o++] = set[(v >> (18 - 6 * j)) & 63];
		if (!url)
			for (size_t j = k + 1; j < 4; j++)
				out[o++] = '=';
	}
	out[o] = '\0';
}

/* A JWT (HS256, 43-char signature; 1 in 5 RS256 with 342 chars, longer
 * than the window); invalid: a header without "alg". @out: 800 bytes. */
static void
gen_jwt(char *out, bool valid)
{
	char hdr[128], pay[256], sig[400], claims[160];
	bool rs = rn(5) == 0;

	b64url_of(valid ? (rs ? "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"
			      : "{\"alg\":\"HS256\",\"typ\":\"JWT\"}")
			: "{\"typ\":\"JWT\",\"kid\":\"k1\"}",
		  hdr, true);
	sprintf(claims, "{\"sub\":\"%u\",\"iat\":%u,\"scope\":\"read\"}",
		rn(1000000), 1600000000 + rn(100000000));
	b64url_of(claims, pay, true);
	rnd_chars(sig, rs ? 342 : 43, B64URL);
	snprintf(out, 800, "%.120s.%.250s.%.342s", hdr, pay, sig);
}

static void
gen_basic(char *out)
{
	char user[16], pass[16], plain[40];

	rnd_chars(user, 4 + rn(8), LOWER);
	rnd_chars(pass, 6 + rn(8), LOWER DIGITS);
	sprintf(plain, "%s:%s", user, pass);
	b64url_of(plain, out, false);
}

/* ------------------------------------------------------------------ */
/* Generated, labelled text. */

enum {
	D_CARD, D_SSN, D_EMAIL, D_IBAN, D_PHONE, D_IPV4, D_IPV6, D_AWS, D_GCP,
	D_JWT, D_BEARER, D_BASIC, D_PEM, D_N
};

static const char *const gen_names[D_N] = {
	"card", "ssn", "email", "iban", "phone", "ipv4", "ipv6",
	"aws_access_key", "gcp_api_key", "jwt", "bearer", "basic_auth",
	"pem_private_key",
};

static int gen_ids[D_N];

/* Seed the generator (@seed) and look up the detectors' ids. */
void
gen_init(unsigned long seed)
{
	rng_state ^= seed * 0x9e3779b97f4a7c15ull;
	for (unsigned int i = 0; i < D_N; i++)
		gen_ids[i] = det_id(gen_names[i]);
}

/* Filler: ordinary JSON with the numbers and words real records have. */
static void
gen_filler(struct buf *b, unsigned int i)
{
	static const char *const words[] = {
		"order", "shipped", "pending", "refund", "delivery", "invoice",
		"customer", "updated", "status", "account", "the", "and",
	};
	char tmp[400];

	sprintf(tmp, "{\"id\":%u,\"ts\":\"2023-11-%02uT%02u:%02u:%02u.%03uZ\","
		"\"uuid\":\"%08x-%04x-4%03x-a%03x-%08x%04x\","
		"\"amount\":%u.%02u,\"qty\":%u,\"ver\":\"%u.%u.%u\","
		"\"msg\":\"%s %s %s %s\",\"ref\":\"%u\"}",
		100000 + i, 1 + rn(28), rn(24), rn(60), rn(60), rn(1000),
		rnd(), rn(65536), rn(4096), rn(4096), rnd(), rn(65536),
		rn(100000), rn(100), rn(50), rn(10), rn(20), rn(100),
		words[rn(12)], words[rn(12)], words[rn(12)], words[rn(12)],
		rnd());
	buf_str(b, tmp);
}

/* One record carrying a value of @k (or, unless @valid, a near miss). */
static void
gen_record(struct buf *b, struct labels *l, unsigned int k, bool valid)
{
	char v[800], line[900];
	int id = valid ? gen_ids[k] : -1;

	switch (k) {
	case D_CARD: gen_card(v, valid); break;
	case D_SSN: gen_ssn(v, valid); break;
	case D_EMAIL: gen_email(v, valid); break;
	case D_IBAN: gen_iban(v, valid); break;
	case D_PHONE: gen_phone(v, valid); break;
	case D_IPV4: gen_ipv4(v, valid); break;
	case D_IPV6: gen_ipv6(v, valid); break;
	case D_AWS: gen_aws(v, valid); break;
	case D_GCP: gen_gcp(v, valid); break;
	case D_JWT: gen_jwt(v, valid); break;
	case D_BEARER:
		rnd_chars(v, 20 + rn(40), UPPER LOWER DIGITS "-._~");
		buf_str(b, valid ? "\r\nAuthorization: Bearer "
				 : "\r\nX-Note: Bearer ");
		buf_val(b, l, id, v);
		buf_str(b, "\r\n");
		return;
	case D_BASIC:
		if (valid) {
			gen_basic(v);
		} else {
			rnd_chars(line, 12, LOWER);
			b64url_of(line, v, false);
		}
		buf_str(b, "\r\nAuthorization: Basic ");
		buf_val(b, l, id, v);
		buf_str(b, "\r\n");
		return;
	case D_PEM:
		buf_str(b, valid ? "\"key\":\"-----BEGIN PRIVATE KEY-----\\n"
				 : "\"crt\":\"-----BEGIN CERTIFICATE-----\\n");
		for (unsigned int i = 0, n = 3 + rn(10); i <= n; i++) {
			rnd_chars(v, i < n ? 64 : 4 + rn(60), B64);
			buf_val(b, l, id, v);
			buf_str(b, "\\n");
		}
		buf_str(b, valid ? "-----END PRIVATE KEY-----\\n\","
				 : "-----END CERTIFICATE-----\\n\",");
		return;
	default:
		return;
	}
	sprintf(line, "{\"%s\":\"", gen_names[k]);
	buf_str(b, line);
	buf_val(b, l, id, v);
	buf_str(b, "\"},");
}

/* @records records: 1 in 4 a value (3 of them valid, 1 a near miss). */
void
gen_text(struct buf *b, struct labels *l, unsigned int records)
{
	for (unsigned int i = 0; i < records; i++) {
		if (rn(4) == 0)
			gen_record(b, l, rn(D_N), rn(4) != 0);
		else
			gen_filler(b, i);
		buf_str(b, i % 8 == 7 ? "\n" : ",");
	}
}

/* JSON-like records, one value per ~20 records, @mb megabytes. */
void
gen_speed_text(struct buf *b, size_t mb)
{
	struct labels l = { 0 };
	unsigned int i = 0;

	while (b->n < mb << 20) {
		if (rn(20) == 0)
			gen_record(b, &l, rn(D_N), true);
		else
			gen_filler(b, i);
		buf_str(b, i++ % 8 == 7 ? "\n" : ",");
		l.n = 0;
	}
	free(l.v);
}
