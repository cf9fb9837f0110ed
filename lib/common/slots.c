/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pool of fixed-size slots made once: a free list threaded through
 * the slots given back, and the slots never used yet taken in order, so
 * that only pages of slots ever used are touched (wm_common.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wm_common.h"

struct wm_slots *
wm_slots_create(uint32_t n, size_t size, size_t align)
{
	struct wm_slots *p;

	if (n == 0 || size < sizeof(void *) || size % align != 0) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	if (posix_memalign((void **)&p->mem, align, (size_t)n * size) != 0) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->size = size;
	p->n = n;
	return p;
}

void
wm_slots_free(struct wm_slots *p)
{
	if (p == NULL)
		return;
	free(p->mem);
	free(p);
}

void *
wm_slots_get(struct wm_slots *p)
{
	void *s;

	if (p->free != NULL) {
		s = p->free;
		memcpy(&p->free, s, sizeof(void *));
	} else if (p->fresh < p->n) {
		s = p->mem + (size_t)p->fresh++ * p->size;
	} else {
		return NULL;
	}
	p->in_use++;
	p->peak = WM_MAX(p->peak, p->in_use);
	return s;
}

void
wm_slots_put(struct wm_slots *p, void *s)
{
	memcpy(s, &p->free, sizeof(void *));
	p->free = s;
	p->in_use--;
}
