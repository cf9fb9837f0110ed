/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_match.h"

/*
 * Hyperscan 5.4 reads past a buffer's end on CPUs with AVX512VBMI: its
 * fat teddy loads 32 bytes where fewer are left (VectorCamp/vectorscan
 * issue 322; Debian 12's libhs has it). A buffer that ends within
 * MATCH_SLACK bytes of a page's end faults when the next page is not
 * mapped (a heap block's last page, a window at the end of a pool). Its
 * last bytes are scanned from a copy with room after them.
 */
#define MATCH_SLACK 64
#define MATCH_PAGE 4096

static inline bool
ends_near_page(const uint8_t *data, size_t len)
{
	return len != 0 &&
	       ((uintptr_t)(data + len - 1) & (MATCH_PAGE - 1)) >=
	       MATCH_PAGE - MATCH_SLACK;
}

struct wm_match_db *
wm_match_db_build(const char *const *exprs, const unsigned int *flags,
		  unsigned int n, char *err, size_t errlen)
{
	hs_compile_error_t *cerr = NULL;
	struct wm_match_db *mdb;
	unsigned int *ids;

	if (n == 0) {
		snprintf(err, errlen, "no expression to compile");
		errno = EINVAL;
		return NULL;
	}
	mdb = calloc(1, sizeof(*mdb));
	ids = calloc(n, sizeof(*ids));
	if (mdb == NULL || ids == NULL)
		goto fail_alloc;
	for (unsigned int i = 0; i < n; i++)
		ids[i] = i;
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_STREAM, NULL,
			     &mdb->db, &cerr) != HS_SUCCESS) {
		snprintf(err, errlen, "expression %d: %s", cerr->expression,
			 cerr->message);
		hs_free_compile_error(cerr);
		free(ids);
		free(mdb);
		errno = EINVAL;
		return NULL;
	}
	free(ids);
	mdb->npatterns = n;
	if (hs_stream_size(mdb->db, &mdb->stream_size) != HS_SUCCESS)
		mdb->stream_size = 0;
	return mdb;

fail_alloc:
	free(ids);
	free(mdb);
	snprintf(err, errlen, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void
wm_match_db_free(struct wm_match_db *mdb)
{
	if (mdb == NULL)
		return;
	hs_free_database(mdb->db);
	free(mdb);
}

int
wm_match_scratch_grow(const struct wm_match_db *mdb, hs_scratch_t **scratch)
{
	return hs_alloc_scratch(mdb->db, scratch) == HS_SUCCESS ? 0 : -ENOMEM;
}

int
wm_match_stream_open(const struct wm_match_db *mdb, hs_stream_t **stream)
{
	return hs_open_stream(mdb->db, 0, stream) == HS_SUCCESS ? 0 : -ENOMEM;
}

/* Hyperscan's callback shape, narrowed to what wiremask uses. */
struct scan_ctx {
	wm_match_cb cb;
	void *ctx;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *arg)
{
	const struct scan_ctx *sc = arg;

	return sc->cb(id, to, sc->ctx);
}

int
wm_match_scan(hs_stream_t *stream, const uint8_t *data, size_t len,
	      hs_scratch_t *scratch, wm_match_cb cb, void *ctx)
{
	struct scan_ctx sc = { .cb = cb, .ctx = ctx };
	uint8_t tail[2 * MATCH_SLACK];
	size_t t;

	if (__builtin_expect(!ends_near_page(data, len), 1))
		return hs_scan_stream(stream, (const char *)data,
				      (unsigned int)len, 0, scratch, on_match,
				      &sc) == HS_SUCCESS ? 0 : -EIO;
	/* A stream's matches do not depend on where its writes are cut. */
	t = len < MATCH_SLACK ? len : MATCH_SLACK;
	if (len > t &&
	    hs_scan_stream(stream, (const char *)data, (unsigned int)(len - t),
			   0, scratch, on_match, &sc) != HS_SUCCESS)
		return -EIO;
	memcpy(tail, data + len - t, t);
	return hs_scan_stream(stream, (const char *)tail, (unsigned int)t, 0,
			      scratch, on_match, &sc) == HS_SUCCESS ? 0 : -EIO;
}

int
wm_match_block_scan(const hs_database_t *db, const uint8_t *data,
		    size_t len, hs_scratch_t *scratch,
		    match_event_handler on, void *ctx)
{
	uint8_t copy[WM_MATCH_BLOCK_MAX + MATCH_SLACK];

	if (ends_near_page(data, len)) {
		if (len > WM_MATCH_BLOCK_MAX)
			return -E2BIG;
		memcpy(copy, data, len);
		data = copy;
	}
	return hs_scan(db, (const char *)data, (unsigned int)len, 0, scratch,
		       on, ctx) == HS_SUCCESS ? 0 : -EIO;
}

void
wm_match_stream_reset(hs_stream_t *stream)
{
	hs_reset_stream(stream, 0, NULL, NULL, NULL);
}

int
wm_match_stream_copy(hs_stream_t *to, const hs_stream_t *from)
{
	return hs_reset_and_copy_stream(to, from, NULL, NULL, NULL) ==
	       HS_SUCCESS ? 0 : -EIO;
}

void
wm_match_stream_close(hs_stream_t *stream)
{
	if (stream != NULL)
		hs_close_stream(stream, NULL, NULL, NULL);
}
