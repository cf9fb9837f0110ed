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
#include <list>
#include <map>
#include <mutex>
#include <set>
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

/* What fit_region() needs of a region, read once from the metadata. */
struct region_info {
	int cc;              /* country calling code */
	std::string ndd;     /* trunk prefix, "" when none */
	bool trunk_written;  /* its national format shows the trunk prefix */
};

/*
 * Every region libphonenumber supports, built once (call_once) and read
 * only afterwards, so workers share it without a lock.
 */
const std::map<std::string, region_info> &
regions_info()
{
	static std::map<std::string, region_info> m;
	static std::once_flag once;

	std::call_once(once, [] {
		const PhoneNumberUtil *u = util();
		std::set<std::string> all;

		u->GetSupportedRegions(&all);
		for (const std::string &r : all) {
			region_info ri;
			PhoneNumber ex;
			std::string fmt;

			ri.cc = u->GetCountryCodeForRegion(r);
			u->GetNddPrefixForRegion(r, true, &ri.ndd);
			ri.trunk_written = false;
			if (!ri.ndd.empty() && u->GetExampleNumber(r, &ex)) {
				u->Format(ex, PhoneNumberUtil::NATIONAL, &fmt);
				std::string d;
				for (char c : fmt)
					if (c >= '0' && c <= '9')
						d.push_back(c);
				ri.trunk_written =
					d.compare(0, ri.ndd.size(), ri.ndd) == 0;
			}
			m[r] = ri;
		}
	});
	return m;
}

/* Is @cc the country code of more than one region (+1, +7, +44)? */
bool
shared_cc(const PhoneNumberUtil *u, int cc)
{
	std::list<std::string> regions;

	u->GetRegionCodesForCountryCallingCode(cc, &regions);
	return regions.size() > 1;
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

/*
 * @digits (a national number as written, trunk prefix and all) read in
 * @region: the number without the region's trunk prefix when it starts
 * with it, else as it is. Building the number directly and asking
 * IsValidNumberForRegion() costs about a tenth of Parse() (measured:
 * 3 us against 27 us a number), which matters once per trigger; what it
 * leaves out is Parse()'s national-prefix transforms (Argentina,
 * Mexico's old prefixes, Brazil's carrier codes) and a country code
 * written without '+': such numbers are not taken without '+'.
 */
enum wm_phone_fit
fit_region(const PhoneNumberUtil *u, const std::string &digits,
	   const std::string &groups, const char *region, bool is_default,
	   bool want_other)
{
	const auto &info = regions_info();
	auto it = info.find(region);
	enum wm_phone_fit best = WM_PHONE_NONE;
	bool trunk;

	if (it == info.end() || it->second.cc == 0)
		return WM_PHONE_NONE;
	const int cc = it->second.cc;
	const std::string &ndd = it->second.ndd;
	/*
	 * A region whose national format shows its trunk prefix ("020 7946
	 * 0958") cannot have the groups of a number written without it:
	 * there the number is at best VALID_OTHER, asked for only with a
	 * context word. Skipping such regions bounds what a number costs
	 * (a ten-digit number is possible in most of a long list, and each
	 * validation runs a dozen regular expressions).
	 */
	trunk = !ndd.empty() && digits.compare(0, ndd.size(), ndd) == 0;
	if (!is_default && !want_other && it->second.trunk_written && !trunk)
		return WM_PHONE_NONE;
	for (int strip = 1; strip >= 0; strip--) {
		std::string nsn = digits, fmt;
		PhoneNumber pn;
		size_t z = 0;

		if (strip == 1) {
			if (ndd.empty() || digits.compare(0, ndd.size(), ndd) != 0)
				continue;
			nsn = digits.substr(ndd.size());
		}
		if (nsn.empty() || nsn.size() > 17)
			continue;
		while (z + 1 < nsn.size() && nsn[z] == '0')
			z++;
		pn.set_country_code(cc);
		pn.set_national_number(std::stoull(nsn));
		if (z > 0) {
			pn.set_italian_leading_zero(true);
			pn.set_number_of_leading_zeros(static_cast<int>(z));
		}
		if (!u->IsPossibleNumber(pn))
			continue;
		/* A region sharing its country code (US and CA share +1,
		 * GB and JE +44) reads its neighbours' numbers too. */
		if (!u->IsValidNumberForRegion(pn, region) &&
		    !(shared_cc(u, cc) && u->IsValidNumber(pn))) {
			best = WM_PHONE_POSSIBLE;
			continue;
		}
		if (is_default)
			return WM_PHONE_VALID;
		if (it->second.trunk_written && !trunk) {
			best = WM_PHONE_VALID_OTHER;
			continue;
		}
		u->Format(pn, PhoneNumberUtil::NATIONAL, &fmt);
		if (digit_groups(fmt.data(), fmt.size()) == groups)
			return WM_PHONE_VALID_GROUPED;
		best = WM_PHONE_VALID_OTHER;
	}
	return best;
}

enum wm_phone_fit
fit(const char *text, size_t n, const char (*regions)[3],
    unsigned int nregions, bool want_other)
{
	const PhoneNumberUtil *u = util();
	enum wm_phone_fit best = WM_PHONE_NONE;
	std::string groups, digits;

	if (n > 0 && text[0] == '+') {
		PhoneNumber pn;

		if (u->Parse(std::string(text, n), "ZZ", &pn) !=
		    PhoneNumberUtil::NO_PARSING_ERROR)
			return WM_PHONE_NONE;
		if (u->IsValidNumber(pn))
			return WM_PHONE_VALID;
		return u->IsPossibleNumber(pn) ? WM_PHONE_POSSIBLE
					       : WM_PHONE_NONE;
	}
	groups = digit_groups(text, n);
	for (size_t i = 0; i < n; i++)
		if (text[i] >= '0' && text[i] <= '9')
			digits.push_back(text[i]);
	for (unsigned int i = 0; i < nregions; i++) {
		enum wm_phone_fit f = fit_region(u, digits, groups, regions[i],
						 i == 0, want_other);

		if (f == WM_PHONE_VALID || f == WM_PHONE_VALID_GROUPED)
			return f;
		if (f > best)
			best = f;
	}
	return best;
}

} /* namespace */

extern "C" enum wm_phone_fit
wm_phone_meta_fit(const char *text, size_t n, const char (*regions)[3],
		  unsigned int nregions, bool want_other)
{
	try {
		return fit(text, n, regions, nregions, want_other);
	} catch (...) {
		return WM_PHONE_NONE;
	}
}

extern "C" void
wm_phone_meta_prepare(const char (*regions)[3], unsigned int nregions)
{
	try {
		const PhoneNumberUtil *u = util();

		regions_info();
		for (unsigned int i = 0; i < nregions; i++) {
			PhoneNumber ex;
			std::string fmt;

			if (!u->GetExampleNumber(regions[i], &ex))
				continue;
			u->IsValidNumberForRegion(ex, regions[i]);
			u->Format(ex, PhoneNumberUtil::NATIONAL, &fmt);
		}
	} catch (...) {
	}
}

extern "C" bool
wm_phone_meta_region_known(const char *region)
{
	try {
		return strlen(region) == 2 && regions_info().count(region) != 0;
	} catch (...) {
		return false;
	}
}
