/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Block-mode scratch for any thread: one per thread, cloned from a
 * process-wide prototype that every registered database grows. A thread
 * clones again only when the prototype grew since its last clone (a
 * generation number tells), so a scan allocates at a thread's first
 * use and after a new database, never per call. The thread's scratch is
 * freed when the thread exits.
 *
 * (Workers' streaming scans use their own scratch, cloned once from
 * wm_segments' prototype: see wm_match_scratch_grow().)
 */
#include <errno.h>
#include <pthread.h>

#include "wm_common.h"
#include "wm_match.h"

static pthread_mutex_t block_lock = PTHREAD_MUTEX_INITIALIZER;
static hs_scratch_t *block_proto;       /* grown for every database */
static unsigned int block_gen;          /* bumped when block_proto grows */
static pthread_once_t block_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t block_key;
static __thread hs_scratch_t *block_scratch;
static __thread unsigned int block_scratch_gen;

static void
block_scratch_free(void *s)
{
	hs_free_scratch(s);
}

static void
block_key_create(void)
{
	(void)pthread_key_create(&block_key, block_scratch_free);
}

int
wm_match_block_register(const hs_database_t *db)
{
	int rc = 0;

	pthread_mutex_lock(&block_lock);
	if (hs_alloc_scratch(db, &block_proto) != HS_SUCCESS)
		rc = -ENOMEM;
	else
		__atomic_add_fetch(&block_gen, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&block_lock);
	return rc;
}

hs_scratch_t *
wm_match_block_scratch(void)
{
	unsigned int gen = __atomic_load_n(&block_gen, __ATOMIC_ACQUIRE);
	hs_scratch_t *s = NULL;

	if (WM_LIKELY(block_scratch != NULL && block_scratch_gen == gen))
		return block_scratch;
	pthread_once(&block_key_once, block_key_create);
	pthread_mutex_lock(&block_lock);
	if (block_proto != NULL &&
	    hs_clone_scratch(block_proto, &s) == HS_SUCCESS) {
		hs_free_scratch(block_scratch);
		block_scratch = s;
		block_scratch_gen = block_gen;
		(void)pthread_setspecific(block_key, s);
	}
	pthread_mutex_unlock(&block_lock);
	return s;
}
