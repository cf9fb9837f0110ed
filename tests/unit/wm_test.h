/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal unit-test harness: each test file is a table of cases named
 * after the edge case they pin down; a failed CHECK prints the case, the
 * file:line and the expression, and the program exits non-zero.
 */
#ifndef WM_TEST_H
#define WM_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wm_test_failures __attribute__((unused));
static int wm_test_checks __attribute__((unused));
static const char *wm_test_case __attribute__((unused)) = "";

#define CHECK(cond) \
	do { \
		wm_test_checks++; \
		if (!(cond)) { \
			wm_test_failures++; \
			fprintf(stderr, "FAIL %s: %s:%d: %s\n", wm_test_case, \
				__FILE__, __LINE__, #cond); \
		} \
	} while (0)

#define CHECK_EQ(a, b) \
	do { \
		long long wm_a_ = (long long)(a), wm_b_ = (long long)(b); \
		wm_test_checks++; \
		if (wm_a_ != wm_b_) { \
			wm_test_failures++; \
			fprintf(stderr, "FAIL %s: %s:%d: %s == %s (%lld != %lld)\n", \
				wm_test_case, __FILE__, __LINE__, #a, #b, \
				wm_a_, wm_b_); \
		} \
	} while (0)

#define CHECK_MEM(a, b, n) \
	do { \
		wm_test_checks++; \
		if (memcmp((a), (b), (n)) != 0) { \
			wm_test_failures++; \
			fprintf(stderr, "FAIL %s: %s:%d: memcmp(%s, %s, %s)\n", \
				wm_test_case, __FILE__, __LINE__, #a, #b, #n); \
		} \
	} while (0)

/* Run one named case: RUN(test_fn) calls test_fn() under its own name. */
#define RUN(fn) \
	do { \
		int wm_f_ = wm_test_failures; \
		wm_test_case = #fn; \
		fn(); \
		printf("%s %s\n", wm_test_failures == wm_f_ ? "ok  " : "FAIL", #fn); \
	} while (0)

/* End of main(): a test that checked nothing is a failure too. */
#define TEST_END() \
	do { \
		printf("%d checks, %d failed\n", wm_test_checks, wm_test_failures); \
		return (wm_test_failures == 0 && wm_test_checks > 0) ? 0 : 1; \
	} while (0)

#endif /* WM_TEST_H */
