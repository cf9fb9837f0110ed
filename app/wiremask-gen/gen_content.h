/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-gen, private to gen_content.c (HTTP/JSON messages) and
 * gen_values.c (the sensitive values in them and the ids around them):
 * the message being built and how bytes are written into it.
 */
#ifndef WM_GEN_CONTENT_H
#define WM_GEN_CONTENT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

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

static inline void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "wiremask-gen: out of memory\n");
		exit(1);
	}
	return q;
}

static inline void
buf_need(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	while (b->len + n > b->cap)
		b->cap = b->cap ? b->cap * 2 : 1024;
	b->p = xrealloc(b->p, b->cap);
}

static inline void
putn(struct mctx *x, const void *s, size_t n)
{
	buf_need(x->b, n);
	memcpy(x->b->p + x->b->len, s, n);
	x->b->len += n;
	if (x->count)
		x->credit += (double)n * x->per_byte;
}

static inline void
puts_(struct mctx *x, const char *s)
{
	putn(x, s, strlen(s));
}

static inline void
putch(struct mctx *x, char c)
{
	putn(x, &c, 1);
}

static inline void __attribute__((format(printf, 2, 3)))
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

static inline const char *
pick(struct mctx *x, const char *const *list, size_t n)
{
	return list[gen_rng_below(&x->rng, (uint32_t)n)];
}

#define PICK(x, list) pick((x), (list), GEN_ARRAY_SIZE(list))

/*
 * Word lists of gen_content.c that e-mail addresses are made of too.
 * The sizes are checked: a definition of another length does not build.
 */
extern const char *const gen_first_names[30];
extern const char *const gen_last_names[27];
extern const char *const gen_tags[10];

/* "cus_k3j9dq0xa7m2pe": an object id no detector takes (gen_values.c). */
void gen_put_id(struct mctx *x, const char *prefix);

/* A value of kind @k, in a form that fits @where (gen_values.c). */
void gen_put_value(struct mctx *x, enum gen_kind k, enum place where);

/* A bearer token, as the Authorization header carries it (gen_values.c). */
void gen_put_bearer(struct mctx *x);

#endif /* WM_GEN_CONTENT_H */
