/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A detector that cannot check a candidate fails closed: a custom
 * detector whose confirm finds its block-mode scratch in use (Hyperscan
 * refuses it, HS_SCRATCH_IN_USE) confirms the longest value that can end
 * at the trigger, and counts it (wm_detect_errors, detect.error), rather
 * than calling the candidate "not a value" and letting it leave in clear.
 */
#include <stdbool.h>
#include <stdint.h>

#include <hs/hs.h>

#include "wm_detect.h"
#include "wm_match.h"
#include "wm_test.h"

struct inner {
	const struct wm_detector *d;
	const uint8_t *win;
	size_t len;
	bool confirmed;
	struct wm_span span;
};

/* Called from inside a block scan that holds the thread's scratch. */
static int
on_outer(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	struct inner *in = ctx;

	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	in->confirmed = in->d->confirm(in->d, in->win, in->len, &in->span);
	return 1; /* once is enough */
}

static struct wm_detector *
make_emp(void)
{
	char err[256];
	struct wm_detector *d = wm_detect_custom_create("emp_id", "EMP-[0-9]{6}",
		16, "A-Z0-9-", WM_VALIDATE_NONE, err, sizeof(err));

	if (d == NULL)
		fprintf(stderr, "  create: %s\n", err);
	CHECK(d != NULL);
	return d;
}

/* The scratch is busy: the candidate is masked whole and counted. */
static void
custom_scratch_in_use_fails_closed(void)
{
	static const char win[] = "{\"id\":\"EMP-123456";
	struct wm_detector *d = make_emp();
	hs_compile_error_t *cerr = NULL;
	hs_database_t *outer = NULL;
	struct inner in = { .win = (const uint8_t *)win, .len = sizeof(win) - 1 };
	uint64_t before = wm_detect_errors();
	hs_scratch_t *s;

	if (d == NULL)
		return;
	in.d = d;
	CHECK(hs_compile("x", 0, HS_MODE_BLOCK, NULL, &outer, &cerr) ==
	      HS_SUCCESS);
	CHECK(wm_match_block_register(outer) == 0);
	s = wm_match_block_scratch();
	CHECK(s != NULL);
	if (outer == NULL || s == NULL)
		goto out;
	hs_scan(outer, "x", 1, 0, s, on_outer, &in);
	CHECK(in.confirmed);
	CHECK_EQ(in.span.end, in.len);
	CHECK_EQ(in.span.start, in.len - d->max_len);
	CHECK_EQ(wm_detect_errors(), before + 1);
out:
	hs_free_database(outer);
	wm_detect_custom_free(d);
}

/* With its scratch free the same candidate gets its exact span, and a
 * non-value is still rejected: no error counted. */
static void
custom_scratch_free_exact(void)
{
	static const char win[] = "{\"id\":\"EMP-123456";
	static const char other[] = "{\"id\":\"EMP-12x456";
	struct wm_detector *d = make_emp();
	uint64_t before = wm_detect_errors();
	struct wm_span sp;

	if (d == NULL)
		return;
	CHECK(d->confirm(d, (const uint8_t *)win, sizeof(win) - 1, &sp));
	CHECK_EQ(sp.start, 7);
	CHECK_EQ(sp.end, sizeof(win) - 1);
	CHECK(!d->confirm(d, (const uint8_t *)other, sizeof(other) - 1, &sp));
	CHECK_EQ(wm_detect_errors(), before);
	wm_detect_custom_free(d);
}

int
main(void)
{
	RUN(custom_scratch_in_use_fails_closed);
	RUN(custom_scratch_free_exact);
	TEST_END();
}
