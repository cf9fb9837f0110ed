/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Detector registry and the validators shared with other modules.
 */
#include <errno.h>
#include <string.h>

#include "wm_detect.h"
#include "detect_priv.h"

/* Config order; a detector's index here is stable. */
static const struct wm_detector *const detectors[] = {
	&wm_detector_card,
	&wm_detector_ssn,
	&wm_detector_email,
	&wm_detector_iban,
	&wm_detector_phone,
	&wm_detector_ipv4,
	&wm_detector_ipv6,
	&wm_detector_aws_access_key,
	&wm_detector_gcp_api_key,
	&wm_detector_jwt,
	&wm_detector_bearer,
	&wm_detector_basic_auth,
	&wm_detector_pem_private_key,
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

_Static_assert(WM_ARRAY_SIZE(detectors) == WM_DETECT_BUILTINS,
	       "WM_DETECT_BUILTINS counts the registry");

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

/* Valid in form but published in advertising or as samples. */
static const char *const ssn_samples[] = {
	"078051120", /* the Woolworth wallet card, 1938 */
	"219099999", /* an SSA pamphlet, 1940s */
	"457555462", /* LifeLock's advertised number */
};

bool
wm_detect_ssn_valid(const uint8_t digits[9])
{
	for (int i = 0; i < 9; i++)
		if (!wm_is_digit(digits[i]))
			return false;
	if (memcmp(digits, "000", 3) == 0 || memcmp(digits, "666", 3) == 0 ||
	    digits[0] == '9')
		return false;
	if (memcmp(digits + 3, "00", 2) == 0 ||
	    memcmp(digits + 5, "0000", 4) == 0)
		return false;
	for (size_t i = 0; i < WM_ARRAY_SIZE(ssn_samples); i++)
		if (memcmp(digits, ssn_samples[i], 9) == 0)
			return false;
	return true;
}

/* Fold one alphanumeric into a remainder mod 97 (letters are 10..35). */
static unsigned int
mod97_step(unsigned int r, uint8_t c)
{
	if (wm_is_digit(c))
		return (r * 10 + (c - '0')) % 97;
	return (r * 100 + 10 + ((c | 0x20) - 'a')) % 97;
}

bool
wm_detect_mod97(const uint8_t *s, size_t n)
{
	unsigned int r = 0;

	if (n < 5)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!wm_is_alnum(s[i]))
			return false;
	for (size_t i = 4; i < n; i++)
		r = mod97_step(r, s[i]);
	for (size_t i = 0; i < 4; i++)
		r = mod97_step(r, s[i]);
	return r == 1;
}

int
wm_validator_parse(const char *name, enum wm_validator *v)
{
	static const char *const names[] = {
		[WM_VALIDATE_NONE] = "none",
		[WM_VALIDATE_LUHN] = "luhn",
		[WM_VALIDATE_MOD97] = "mod97",
	};

	if (name == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0) {
			*v = (enum wm_validator)i;
			return 0;
		}
	return -EINVAL;
}

/* Six bits of one base64 character, or -1. */
static int
b64_value(uint8_t c, bool url)
{
	if (wm_is_upper(c))
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (wm_is_digit(c))
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

long
wm_b64_decode(const uint8_t *in, size_t n, bool url, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t o = 0, pad = 0;

	while (pad < 2 && pad < n && in[n - 1 - pad] == '=')
		pad++;
	if (pad > 0 && n % 4 != 0)
		return -1;
	n -= pad;
	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value(in[i], url);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)o;
}
