/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-detect-bench: the labelled PII corpus, read from the
 * directory given with --corpus: presidio's labelled sentences
 * (CREDIT_CARD, US_SSN, EMAIL_ADDRESS, IBAN_CODE, PHONE_NUMBER,
 * IP_ADDRESS), Stripe's test cards, whispers' fixtures, php-iban's
 * registry examples, FakeNameGenerator rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_bench.h"

/* ------------------------------------------------------------------ */
/* A minimal JSON reader (the presidio and Stripe files). */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype t;
	double num;
	char *str;
	size_t len;
	struct jval **v; /* items (array) or values (object) */
	char **k;        /* keys (object) */
	size_t n;
};

struct jin {
	const char *p, *end;
	bool bad;
};

static void
jws(struct jin *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\n' ||
				   *in->p == '\r' || *in->p == '\t'))
		in->p++;
}

static void
utf8_put(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 63));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 63));
		u[2] = (char)(0x80 | (cp & 63));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 63));
		u[2] = (char)(0x80 | ((cp >> 6) & 63));
		u[3] = (char)(0x80 | (cp & 63));
		n = 4;
	}
	buf_add(b, u, n);
}

static uint32_t
jhex4(struct jin *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++, in->p++) {
		char c = in->p < in->end ? *in->p : 0;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (uint32_t)((c | 0x20) - 'a' + 10);
		else
			in->bad = true;
	}
	return v;
}

static char *
jstring(struct jin *in, size_t *len)
{
	struct buf b = { 0 };

	buf_reserve(&b, 0);
	in->p++; /* '"' */
	while (in->p < in->end && *in->p != '"') {
		char c = *in->p++;

		if (c != '\\') {
			buf_add(&b, &c, 1);
			continue;
		}
		c = in->p < in->end ? *in->p++ : 0;
		switch (c) {
		case 'n': buf_add(&b, "\n", 1); break;
		case 't': buf_add(&b, "\t", 1); break;
		case 'r': buf_add(&b, "\r", 1); break;
		case 'b': buf_add(&b, "\b", 1); break;
		case 'f': buf_add(&b, "\f", 1); break;
		case 'u': {
			uint32_t cp = jhex4(in);

			if (cp >= 0xd800 && cp < 0xdc00 &&
			    in->p + 6 <= in->end && in->p[0] == '\\' &&
			    in->p[1] == 'u') {
				in->p += 2;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (jhex4(in) - 0xdc00);
			}
			utf8_put(&b, cp);
			break;
		}
		default: buf_add(&b, &c, 1); break;
		}
	}
	in->p++;
	*len = b.n;
	return b.p;
}

static struct jval *jparse(struct jin *in, int depth);

static void
jpush(struct jval *v, char *key, struct jval *item)
{
	v->v = realloc(v->v, (v->n + 1) * sizeof(*v->v));
	if (v->t == J_OBJ)
		v->k = realloc(v->k, (v->n + 1) * sizeof(*v->k));
	if (v->v == NULL || (v->t == J_OBJ && v->k == NULL)) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	v->v[v->n] = item;
	if (v->t == J_OBJ)
		v->k[v->n] = key;
	v->n++;
}

static struct jval *
jparse(struct jin *in, int depth)
{
	struct jval *v = calloc(1, sizeof(*v));

	if (v == NULL || depth > 64) {
		in->bad = true;
		return v;
	}
	jws(in);
	if (in->p >= in->end) {
		in->bad = true;
	} else if (*in->p == '"') {
		v->t = J_STR;
		v->str = jstring(in, &v->len);
	} else if (*in->p == '[' || *in->p == '{') {
		bool obj = *in->p == '{';

		v->t = obj ? J_OBJ : J_ARR;
		in->p++;
		for (;;) {
			char *key = NULL;
			size_t kl;

			jws(in);
			if (in->p < in->end && *in->p == (obj ? '}' : ']')) {
				in->p++;
				break;
			}
			if (obj) {
				if (in->p >= in->end || *in->p != '"') {
					in->bad = true;
					break;
				}
				key = jstring(in, &kl);
				jws(in);
				if (in->p < in->end && *in->p == ':')
					in->p++;
			}
			jpush(v, key, jparse(in, depth + 1));
			jws(in);
			if (in->p < in->end && *in->p == ',')
				in->p++;
			if (in->bad || in->p >= in->end)
				break;
		}
	} else if (strncmp(in->p, "null", 4) == 0) {
		in->p += 4;
	} else if (strncmp(in->p, "true", 4) == 0 ||
		   strncmp(in->p, "false", 5) == 0) {
		v->t = J_BOOL;
		in->p += *in->p == 't' ? 4 : 5;
	} else {
		char *e;

		v->t = J_NUM;
		v->num = strtod(in->p, &e);
		if (e == in->p)
			in->bad = true;
		in->p = e;
	}
	return v;
}

static void
jfree(struct jval *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jfree(v->v[i]);
		if (v->k != NULL)
			free(v->k[i]);
	}
	free(v->v);
	free(v->k);
	free(v->str);
	free(v);
}

static const struct jval *
jget(const struct jval *o, const char *key)
{
	if (o == NULL || o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->k[i], key) == 0)
			return o->v[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Corpus files. */

static char *
read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = malloc((size_t)n + BENCH_TEXT_SLACK);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

/* Byte offset of code point @cp in the UTF-8 @s (@n bytes). */
static size_t
cp_offset(const char *s, size_t n, size_t cp)
{
	size_t i = 0;

	for (size_t k = 0; i < n; i++) {
		if (((uint8_t)s[i] & 0xc0) == 0x80)
			continue;
		if (k++ == cp)
			return i;
	}
	return n;
}

/* presidio entity types -> our detectors (IP_ADDRESS by its form). */
static int
presidio_det(const char *type, const char *val)
{
	if (strcmp(type, "CREDIT_CARD") == 0)
		return det_id("card");
	if (strcmp(type, "US_SSN") == 0)
		return det_id("ssn");
	if (strcmp(type, "EMAIL_ADDRESS") == 0)
		return det_id("email");
	if (strcmp(type, "IBAN_CODE") == 0)
		return det_id("iban");
	if (strcmp(type, "PHONE_NUMBER") == 0)
		return det_id("phone");
	if (strcmp(type, "IP_ADDRESS") == 0)
		return det_id(strchr(val, ':') != NULL ? "ipv6" : "ipv4");
	return -1;
}

static int
corpus_presidio(const struct engine *e, const char *dir, const char *name,
		struct scores *sc, unsigned long *texts)
{
	size_t len;
	char *raw = read_file(dir, name, &len);
	struct jin in;
	struct jval *root;

	if (raw == NULL)
		return -1;
	in = (struct jin){ raw, raw + len, false };
	root = jparse(&in, 0);
	if (root->t != J_ARR) {
		fprintf(stderr, "%s: not a JSON array\n", name);
		jfree(root);
		free(raw);
		return -1;
	}
	for (size_t i = 0; i < root->n; i++) {
		const struct jval *txt = jget(root->v[i], "full_text");
		const struct jval *spans = jget(root->v[i], "spans");
		struct buf b = { 0 };
		struct labels l = { 0 };

		if (txt == NULL || txt->t != J_STR)
			continue;
		buf_add(&b, txt->str, txt->len);
		for (size_t k = 0; spans != NULL && k < spans->n; k++) {
			const struct jval *t = jget(spans->v[k], "entity_type");
			const struct jval *v = jget(spans->v[k],
						    "entity_value");
			const struct jval *s0 = jget(spans->v[k],
						     "start_position");
			const struct jval *s1 = jget(spans->v[k],
						     "end_position");

			if (t == NULL || v == NULL || s0 == NULL || s1 == NULL)
				continue;
			label_add(&l, presidio_det(t->str, v->str),
				  cp_offset(b.p, b.n, (size_t)s0->num),
				  cp_offset(b.p, b.n, (size_t)s1->num));
		}
		score_text(e, &b, &l, sc);
		(*texts)++;
		free(b.p);
		free(l.v);
	}
	jfree(root);
	free(raw);
	return 0;
}

/* Stripe's test cards: each "number" in a record of its own. */
static int
corpus_stripe(const struct engine *e, const char *dir, struct scores *sc,
	      unsigned long *texts)
{
	size_t len;
	char *raw = read_file(dir, "stripe-test-cards.json", &len);
	struct jin in;
	struct jval *root;
	struct buf b = { 0 };
	struct labels l = { 0 };

	if (raw == NULL)
		return -1;
	in = (struct jin){ raw, raw + len, false };
	root = jparse(&in, 0);
	for (size_t i = 0; root->t == J_ARR && i < root->n; i++) {
		const struct jval *num = jget(root->v[i], "number");

		if (num == NULL || num->t != J_STR)
			continue;
		buf_str(&b, "{\"number\":\"");
		buf_val(&b, &l, det_id("card"), num->str);
		buf_str(&b, "\"}\n");
		(*texts)++;
	}
	score_text(e, &b, &l, sc);
	free(b.p);
	free(l.v);
	jfree(root);
	free(raw);
	return 0;
}

/*
 * whispers fixtures: "key: value" lines; under "noncompliant:" the
 * values of the keys named in @keys are labelled as @det.
 */
static int
corpus_whispers(const struct engine *e, const char *dir, const char *name,
		const char *det, const char *const *keys, struct scores *sc,
		unsigned long *texts)
{
	size_t len;
	char *raw = read_file(dir, name, &len);
	struct buf b = { 0 };
	struct labels l = { 0 };
	bool positive = false;

	if (raw == NULL)
		return -1;
	for (char *line = strtok(raw, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':');
		size_t at = b.n;
		bool labelled = false;

		if (strncmp(line, "noncompliant:", 13) == 0)
			positive = true;
		buf_str(&b, line);
		buf_str(&b, "\n");
		(*texts)++;
		if (colon == NULL || !positive || colon[1] != ' ')
			continue;
		for (size_t k = 0; keys[k] != NULL; k++) {
			const char *key = line + strspn(line, " ");
			size_t kl = strlen(keys[k]);

			labelled |= strncmp(key, keys[k], kl) == 0 &&
				    key + kl == colon;
		}
		if (labelled)
			label_add(&l, det_id(det),
				  at + (size_t)(colon + 2 - line),
				  at + strlen(line));
	}
	score_text(e, &b, &l, sc);
	free(b.p);
	free(l.v);
	free(raw);
	return 0;
}

/* php-iban's registry: every official example, compact and spaced. */
static int
corpus_php_iban(const struct engine *e, const char *dir, struct scores *sc,
		unsigned long *texts)
{
	size_t len;
	char *raw = read_file(dir, "php-iban-registry-examples.txt", &len);
	struct buf b = { 0 };
	struct labels l = { 0 };
	int iban = det_id("iban");

	if (raw == NULL)
		return -1;
	for (char *line = strtok(raw, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		char *f = line, ex[64], spaced[80];
		size_t o = 0;

		for (int k = 0; k < 7 && f != NULL; k++) {
			f = strchr(f, '|');
			f = f != NULL ? f + 1 : NULL;
		}
		if (f == NULL || strchr(f, '|') == NULL ||
		    (size_t)(strchr(f, '|') - f) >= sizeof(ex) ||
		    strncmp(line, "country_code", 12) == 0)
			continue;
		memcpy(ex, f, (size_t)(strchr(f, '|') - f));
		ex[strchr(f, '|') - f] = '\0';
		for (size_t i = 0; ex[i] != '\0'; i++) {
			if (i > 0 && i % 4 == 0)
				spaced[o++] = ' ';
			spaced[o++] = ex[i];
		}
		spaced[o] = '\0';
		buf_str(&b, "iban: ");
		buf_val(&b, &l, iban, ex);
		buf_str(&b, "\n{\"iban\":\"");
		buf_val(&b, &l, iban, spaced);
		buf_str(&b, "\"}\n");
		(*texts) += 2;
	}
	score_text(e, &b, &l, sc);
	free(b.p);
	free(l.v);
	free(raw);
	return 0;
}

/*
 * FakeNameGenerator rows as CSV lines: EmailAddress, CCNumber and
 * TelephoneNumber (each country's national format) are labelled on
 * every row, NationalID (SSN) on the US rows. Every other field is
 * there too (GUIDs, UPS numbers, national ids, ...).
 */
static int
corpus_fakename(const struct engine *e, const char *dir, struct scores *sc,
		unsigned long *texts)
{
	enum { F_COUNTRY = 12, F_EMAIL = 14, F_TEL = 18, F_CC = 25, F_NID = 28,
	       F_MAX = 64 };
	size_t len, fs[F_MAX], fe[F_MAX];
	char *raw = read_file(dir, "presidio-fakenamegenerator-100.csv", &len);
	struct buf b = { 0 };
	struct labels l = { 0 };
	bool header = true;

	if (raw == NULL)
		return -1;
	for (char *line = strtok(raw, "\r\n"); line != NULL;
	     line = strtok(NULL, "\r\n")) {
		size_t at = b.n, nf = 0, i = 0, n = strlen(line);

		if (header) {
			header = false;
			continue;
		}
		/* Field spans, inside quotes when quoted. */
		while (i <= n && nf < F_MAX) {
			bool q = line[i] == '"';
			size_t s = i + q;

			i = s;
			while (i < n && (q ? !(line[i] == '"' &&
					       line[i + 1] != '"')
					   : line[i] != ','))
				i += q && line[i] == '"' ? 2 : 1;
			fs[nf] = s;
			fe[nf++] = i;
			i += q ? 2 : 1;
		}
		buf_str(&b, line);
		buf_str(&b, "\n");
		(*texts)++;
		if (nf <= F_NID)
			continue;
		label_add(&l, det_id("email"), at + fs[F_EMAIL],
			  at + fe[F_EMAIL]);
		label_add(&l, det_id("card"), at + fs[F_CC], at + fe[F_CC]);
		if (fe[F_COUNTRY] - fs[F_COUNTRY] != 2)
			continue;
		if (strncmp(line + fs[F_COUNTRY], "US", 2) == 0)
			label_add(&l, det_id("ssn"), at + fs[F_NID],
				  at + fe[F_NID]);
		label_add(&l, det_id("phone"), at + fs[F_TEL], at + fe[F_TEL]);
	}
	score_text(e, &b, &l, sc);
	free(b.p);
	free(l.v);
	free(raw);
	return 0;
}

void
accuracy_corpus(const struct engine *e, const char *dir)
{
	static const char *const cc_keys[] = { "cc1", "cc2", "cc3", NULL };
	static const char *const aws_keys[] = { "aws_id", NULL };
	struct {
		const char *what;
		int rc;
		unsigned long texts;
		struct scores sc;
	} src[7];
	struct scores total = { 0 };
	char title[256];

	memset(src, 0, sizeof(src));
	src[0].what = "presidio-synth-dataset-v2.json";
	src[0].rc = corpus_presidio(e, dir, src[0].what, &src[0].sc,
				    &src[0].texts);
	src[1].what = "presidio-generated-small.json";
	src[1].rc = corpus_presidio(e, dir, src[1].what, &src[1].sc,
				    &src[1].texts);
	src[2].what = "stripe-test-cards.json";
	src[2].rc = corpus_stripe(e, dir, &src[2].sc, &src[2].texts);
	src[3].what = "whispers-creditcards.yml";
	src[3].rc = corpus_whispers(e, dir, src[3].what, "card", cc_keys,
				    &src[3].sc, &src[3].texts);
	src[4].what = "whispers-aws.yml";
	src[4].rc = corpus_whispers(e, dir, src[4].what, "aws_access_key",
				    aws_keys, &src[4].sc, &src[4].texts);
	src[5].what = "php-iban-registry-examples.txt";
	src[5].rc = corpus_php_iban(e, dir, &src[5].sc, &src[5].texts);
	src[6].what = "presidio-fakenamegenerator-100.csv";
	src[6].rc = corpus_fakename(e, dir, &src[6].sc, &src[6].texts);
	for (size_t i = 0; i < WM_ARRAY_SIZE(src); i++) {
		if (src[i].rc < 0) {
			printf("\ncorpus %s: not readable, skipped\n",
			       src[i].what);
			continue;
		}
		snprintf(title, sizeof(title), "corpus %s (%lu texts)",
			 src[i].what, src[i].texts);
		scores_print(title, &src[i].sc, false);
		scores_add(&total, &src[i].sc);
	}
	scores_print("corpus total", &total, true);
}

