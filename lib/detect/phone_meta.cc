/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Numbering-plan metadata from libphonenumber (Debian's
 * libphonenumber-dev): is a written number valid, and in which listed
 * region, and is it grouped the way that region writes its numbers?
 *
 * The grouping test is what makes a long list of regions safe: with
 * 47 plans almost any 8..11 digits are valid somewhere ("2026-11-22" is
 * a Danish number), but "0490 75 40 81" is grouped exactly as Belgium
 * formats its mobiles, and a date is grouped as no plan formats one.
 */
#include <cstring>
#include <string>

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "phone_meta.h"

using i18n::phonenumbers::NullLogger;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

/* The metadata singleton, with its logger silenced (no value logged). */
const PhoneNumberUtil *
util()
{
	static const PhoneNumberUtil *u = [] {
		PhoneNumberUtil *pu = PhoneNumberUtil::GetInstance();

		pu->SetLogger(new NullLogger());
		return pu;
	}();
	return u;
}

/* Lengths of the digit runs of @s, packed one per byte (at most 15). */
std::string
digit_groups(const char *s, size_t n)
{
	std::string g;
	unsigned char run = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			run++;
		} else if (run != 0) {
			g.push_back(static_cast<char>(run));
			run = 0;
		}
	}
	if (run != 0)
		g.push_back(static_cast<char>(run));
	return g;
}

enum wm_phone_fit
fit(const char *text, size_t n, const char (*regions)[3],
    unsigned int nregions)
{
	const PhoneNumberUtil *u = util();
	const std::string s(text, n);
	enum wm_phone_fit best = WM_PHONE_NONE;
	std::string groups;

	if (n > 0 && text[0] == '+') {
		PhoneNumber pn;

		if (u->Parse(s, "ZZ", &pn) != PhoneNumberUtil::NO_PARSING_ERROR)
			return WM_PHONE_NONE;
		if (u->IsValidNumber(pn))
			return WM_PHONE_VALID;
		return u->IsPossibleNumber(pn) ? WM_PHONE_POSSIBLE
					       : WM_PHONE_NONE;
	}
	groups = digit_groups(text, n);
	for (unsigned int i = 0; i < nregions; i++) {
		PhoneNumber pn;
		std::string fmt;

		if (u->Parse(s, regions[i], &pn) !=
		    PhoneNumberUtil::NO_PARSING_ERROR)
			continue;
		if (!u->IsValidNumber(pn)) {
			if (best < WM_PHONE_POSSIBLE && u->IsPossibleNumber(pn))
				best = WM_PHONE_POSSIBLE;
			continue;
		}
		if (i == 0)
			return WM_PHONE_VALID;
		u->Format(pn, PhoneNumberUtil::NATIONAL, &fmt);
		if (digit_groups(fmt.data(), fmt.size()) == groups)
			return WM_PHONE_VALID_GROUPED;
		best = WM_PHONE_VALID_OTHER;
	}
	return best;
}

} /* namespace */

extern "C" enum wm_phone_fit
wm_phone_meta_fit(const char *text, size_t n, const char (*regions)[3],
		  unsigned int nregions)
{
	try {
		return fit(text, n, regions, nregions);
	} catch (...) {
		return WM_PHONE_NONE;
	}
}

extern "C" bool
wm_phone_meta_region_known(const char *region)
{
	try {
		return strlen(region) == 2 &&
		       util()->GetCountryCodeForRegion(region) != 0;
	} catch (...) {
		return false;
	}
}
