/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Detector registry and the validators shared with other modules.
 */
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

/* Config order; a detector's index here is stable. */
static const struct wm_detector *const detectors[] = {
	&wm_detector_card,
	&wm_detector_ssn,
	&wm_detector_email,
};

_Static_assert(WM_ARRAY_SIZE(detectors) <= WM_DETECT_MAX, "too many detectors");

const struct wm_detector *
wm_detect_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(detectors); i++)
		if (strcmp(detectors[i]->name, name) == 0)
			return detectors[i];
	return NULL;
}

unsigned int
wm_detect_count(void)
{
	return WM_ARRAY_SIZE(detectors);
}

const struct wm_detector *
wm_detect_get(unsigned int i)
{
	return i < WM_ARRAY_SIZE(detectors) ? detectors[i] : NULL;
}

/* Luhn (mod 10): every second digit from the right is doubled. */
bool
wm_detect_luhn(const uint8_t *digits, size_t n)
{
	unsigned int sum = 0;

	if (n == 0)
		return false;
	for (size_t k = 0; k < n; k++) {
		uint8_t c = digits[n - 1 - k];

		if (!wm_is_digit(c))
			return false;
		sum += wm_luhn_term(c - '0', k);
	}
	return sum % 10 == 0;
}

bool
wm_detect_ssn_valid(const uint8_t digits[9])
{
	for (int i = 0; i < 9; i++)
		if (!wm_is_digit(digits[i]))
			return false;
	if (memcmp(digits, "000", 3) == 0 || memcmp(digits, "666", 3) == 0 ||
	    digits[0] == '9')
		return false;
	if (memcmp(digits + 3, "00", 2) == 0)
		return false;
	return memcmp(digits + 5, "0000", 4) != 0;
}
