/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hyperscan reads past the end of what it is given on CPUs with
 * AVX512VBMI (match.c): a buffer that ends just before an unmapped page
 * must scan without a fault and without losing a match, in streaming
 * mode (the data path) and in block mode (custom detectors' confirm).
 * Without the copy near a page's end these cases die of SIGSEGV on such
 * a CPU; elsewhere they check the matches only.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <hs/hs.h>

#include "wm_match.h"
#include "wm_test.h"

/* The case VectorCamp/vectorscan issue 322 reported: fat teddy. */
static const char pattern[] = "bat|cat|mat|rat|fat|sat|pat|hat|vat";
static const char corpus[] = "VAt hat pat sat fat rat mat ca";
#define CORPUS_MATCHES 7

#define PAGE 4096

/* Two pages, the second unmapped: *end is the first byte past the first. */
static uint8_t *
guarded_page(uint8_t **end)
{
	uint8_t *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	if (mprotect(m + PAGE, PAGE, PROT_NONE) != 0) {
		munmap(m, 2 * PAGE);
		return NULL;
	}
	*end = m + PAGE;
	return m;
}

static int
count_stream(unsigned int id, unsigned long long end, void *ctx)
{
	(void)id;
	(void)end;
	(*(unsigned int *)ctx)++;
	return 0;
}

static int
count_block(unsigned int id, unsigned long long from, unsigned long long to,
	    unsigned int flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(unsigned int *)ctx)++;
	return 0;
}

/* Every split of the corpus ending at the page's last byte: one write, or
 * a first part anywhere and the rest up to the unmapped page. */
static void
stream_scan_at_page_end(void)
{
	const char *exprs[] = { pattern };
	const unsigned int flags[] = { HS_FLAG_CASELESS };
	size_t n = sizeof(corpus) - 1;
	struct wm_match_db *mdb;
	hs_scratch_t *scratch = NULL;
	hs_stream_t *st = NULL;
	char err[128];
	uint8_t *m, *end, *p;

	mdb = wm_match_db_build(exprs, flags, 1, err, sizeof(err));
	CHECK(mdb != NULL);
	m = guarded_page(&end);
	CHECK(m != NULL);
	if (mdb == NULL || m == NULL)
		return;
	CHECK_EQ(wm_match_scratch_grow(mdb, &scratch), 0);
	p = end - n;
	memcpy(p, corpus, n);
	for (size_t cut = 0; cut < n; cut++) {
		unsigned int hits = 0;

		CHECK_EQ(wm_match_stream_open(mdb, &st), 0);
		CHECK_EQ(wm_match_scan(st, p, cut, scratch, count_stream,
				       &hits), 0);
		CHECK_EQ(wm_match_scan(st, p + cut, n - cut, scratch,
				       count_stream, &hits), 0);
		CHECK_EQ(hits, CORPUS_MATCHES);
		wm_match_stream_close(st);
	}
	/* A long write: the bulk in place, its last bytes near the page;
	 * the same bytes far from any page's end find the same matches. */
	p = end - 1000;
	for (size_t i = 0; i < 1000; i++)
		p[i] = (uint8_t)corpus[i % n];
	{
		static uint8_t far[1000 + 2 * PAGE];
		uint8_t *q = (uint8_t *)(((uintptr_t)far + PAGE - 1) &
					 ~(uintptr_t)(PAGE - 1));
		unsigned int hits = 0, want = 0;

		memcpy(q, p, 1000);
		CHECK_EQ(wm_match_stream_open(mdb, &st), 0);
		CHECK_EQ(wm_match_scan(st, q, 1000, scratch, count_stream,
				       &want), 0);
		wm_match_stream_close(st);
		CHECK_EQ(wm_match_stream_open(mdb, &st), 0);
		CHECK_EQ(wm_match_scan(st, p, 1000, scratch, count_stream,
				       &hits), 0);
		wm_match_stream_close(st);
		CHECK(want >= 1000 / n * CORPUS_MATCHES);
		CHECK_EQ(hits, want);
	}
	hs_free_scratch(scratch);
	wm_match_db_free(mdb);
	munmap(m, 2 * PAGE);
}

static void
block_scan_at_page_end(void)
{
	size_t n = sizeof(corpus) - 1;
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	hs_scratch_t *scratch = NULL;
	unsigned int hits = 0;
	uint8_t *m, *end;

	CHECK_EQ(hs_compile(pattern, HS_FLAG_CASELESS, HS_MODE_BLOCK, NULL,
			    &db, &cerr), HS_SUCCESS);
	m = guarded_page(&end);
	CHECK(m != NULL);
	if (db == NULL || m == NULL)
		return;
	CHECK_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
	memcpy(end - n, corpus, n);
	CHECK_EQ(wm_match_block_scan(db, end - n, n, scratch, count_block,
				     &hits), 0);
	CHECK_EQ(hits, CORPUS_MATCHES);
	/* Too long to copy near a page's end: refused, never scanned. */
	hits = 0;
	CHECK_EQ(wm_match_block_scan(db, end - (WM_MATCH_BLOCK_MAX + 1),
				     WM_MATCH_BLOCK_MAX + 1, scratch,
				     count_block, &hits), -E2BIG);
	CHECK_EQ(hits, 0);
	hs_free_scratch(scratch);
	hs_free_database(db);
	munmap(m, 2 * PAGE);
}

int
main(void)
{
	RUN(stream_scan_at_page_end);
	RUN(block_scan_at_page_end);
	TEST_END();
}
