/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hyperscan in streaming mode: one database per policy (compiled on the
 * control side), one scratch per lcore (cloned from a prototype that was
 * grown for every database), one stream per flow direction. Knows
 * nothing of mbufs, flows or detectors: it compiles expressions and
 * reports match ends.
 */
#ifndef WM_MATCH_H
#define WM_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

struct wm_match_db {
	hs_database_t *db;
	unsigned int npatterns;
	size_t stream_size;     /* bytes of Hyperscan state per stream */
};

/* Called once per match end; @id is the expression's index, @end the
 * stream offset just past the match. Return 0 to continue. */
typedef int (*wm_match_cb)(unsigned int id, unsigned long long end,
			   void *ctx);

/**
 * Compile @n expressions (ids 0..n-1) with their HS_FLAG_* @flags into a
 * streaming database. Returns NULL with errno set and the failing
 * expression's index and Hyperscan's reason in @err.
 */
struct wm_match_db *wm_match_db_build(const char *const *exprs,
				      const unsigned int *flags, unsigned int n,
				      char *err, size_t errlen);

/** Free a database; NULL is allowed. */
void wm_match_db_free(struct wm_match_db *mdb);

/** Grow (or allocate, when *scratch is NULL) a scratch for @mdb: 0 or -ENOMEM. */
int wm_match_scratch_grow(const struct wm_match_db *mdb, hs_scratch_t **scratch);

/** Open a stream on @mdb: 0 or -ENOMEM. */
int wm_match_stream_open(const struct wm_match_db *mdb, hs_stream_t **stream);

/**
 * Scan @len bytes as the next part of @stream; @cb runs for each match.
 * Hyperscan may read past a buffer's end (match.c): near a page's end
 * the last bytes are scanned from a copy. Returns 0, or -EIO on a
 * Hyperscan error (the stream is then unusable until reset).
 */
int wm_match_scan(hs_stream_t *stream, const uint8_t *data, size_t len,
		  hs_scratch_t *scratch, wm_match_cb cb, void *ctx);

/** The longest buffer wm_match_block_scan() takes near a page's end. */
#define WM_MATCH_BLOCK_MAX 1024

/**
 * Block-mode hs_scan() of @len bytes on @db (a registered database, see
 * wm_match_block_register()): @on runs for each match, as Hyperscan
 * calls it. A buffer ending near a page's end is scanned from a copy
 * (Hyperscan may read past it: match.c). Returns 0, -EIO on a Hyperscan
 * error or a callback's stop, -E2BIG for a copy over WM_MATCH_BLOCK_MAX.
 */
int wm_match_block_scan(const hs_database_t *db, const uint8_t *data,
			size_t len, hs_scratch_t *scratch,
			match_event_handler on, void *ctx);

/** Reset @stream to its initial state (no end-of-data matches). */
void wm_match_stream_reset(hs_stream_t *stream);

/**
 * Make @to (open on the same database) a copy of @from: its state and
 * offset, without reporting anything. A scan of @to then tells what
 * @from would report, and @from is left as it was (end-of-data probes).
 * Returns 0, or -EIO.
 */
int wm_match_stream_copy(hs_stream_t *to, const hs_stream_t *from);

/**
 * Block-mode scans from any thread (custom detectors' confirm): register
 * each database once (the shared prototype scratch grows for it): 0 or
 * -ENOMEM.
 */
int wm_match_block_register(const hs_database_t *db);

/**
 * The calling thread's scratch for every registered database, cloned at
 * its first use and again only after a database was registered since;
 * NULL when none is registered or memory is short.
 */
hs_scratch_t *wm_match_block_scratch(void);

/** Close @stream without reporting; NULL is allowed. */
void wm_match_stream_close(hs_stream_t *stream);

#endif /* WM_MATCH_H */
