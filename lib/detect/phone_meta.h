/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/detect: telephone numbering-plan metadata, a C face on
 * Google's libphonenumber (phone_meta.cc, C++). Nothing here logs, and
 * no exception crosses into C: any failure reads as "not a number".
 */
#ifndef PHONE_META_H
#define PHONE_META_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How well a written number fits the metadata, weakest first. */
enum wm_phone_fit {
	WM_PHONE_NONE = 0,     /* no plan has a number of that length */
	WM_PHONE_POSSIBLE,     /* a possible length in some listed region */
	WM_PHONE_VALID_OTHER,  /* valid in a listed region other than the
				* first, written with other digit groups */
	WM_PHONE_VALID_GROUPED,/* valid in a listed region and written with
				* exactly its national digit groups */
	WM_PHONE_VALID,        /* international ('+') and valid, or valid
				* in the first (default) region */
};

/*
 * @text: @n bytes as written (digits, separators, parentheses, a
 * leading '+'), n < 64. @regions: @nregions two-letter codes, the
 * first the default region. A number with '+' is read as international
 * and the regions are not used. Without @want_other the answer is
 * VALID, VALID_GROUPED or less, not looked for further (cheaper).
 * At most one libphonenumber validation per listed region.
 */
enum wm_phone_fit wm_phone_meta_fit(const char *text, size_t n,
				    const char (*regions)[3],
				    unsigned int nregions, bool want_other);

/*
 * Read the metadata and compile the expressions of @regions now (a
 * region's first validation compiles a dozen ICU expressions): control
 * side, so that no packet pays for it.
 */
void wm_phone_meta_prepare(const char (*regions)[3], unsigned int nregions);

/* Does libphonenumber know @region (two upper-case letters)? */
bool wm_phone_meta_region_known(const char *region);

#ifdef __cplusplus
}
#endif

#endif /* PHONE_META_H */
