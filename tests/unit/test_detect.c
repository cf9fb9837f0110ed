/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in detectors: triggers compiled by Hyperscan in streaming mode
 * (no SOM), confirm on the window the stream engine would build, hold
 * on stream tails, and the validators.
 *
 * Every scan case runs the way the engine runs: the text plus the
 * end-of-stream byte is scanned by one streaming database of all the
 * built-in triggers (ids = detector index); each reported end gets
 * confirm() on the up to WM_DETECT_WINDOW bytes ending there.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <hs/hs.h>

#include "wm_detect.h"
#include "wm_test.h"

#define MAX_FOUND 16
#define MAX_WANT 4
#define BUF_MAX 2048
/* Pushes values far from the stream start: confirm gets full windows. */
#define PREFIX_LEN 300

struct found {
	unsigned int id;
	size_t start, end; /* the value, stream offsets */
	size_t trig;       /* the trigger's end */
};

struct scan {
	const uint8_t *buf;
	struct found f[MAX_FOUND];
	unsigned int n;
	bool overflow;
};

static hs_database_t *db;
static hs_scratch_t *scratch;

/* ------------------------------------------------------------------ */
/* The engine, reduced to what a detector sees. */

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	struct scan *s = ctx;
	const struct wm_detector *d = wm_detect_get(id);
	size_t ws = to > WM_DETECT_WINDOW ? to - WM_DETECT_WINDOW : 0;
	struct wm_span sp;

	(void)from;
	(void)flags;
	if (!d->confirm(d, s->buf + ws, to - ws, &sp))
		return 0;
	if (s->n == MAX_FOUND || sp.start >= sp.end || sp.end > to - ws ||
	    sp.end - sp.start > d->max_len) {
		s->overflow = true;
		return 0;
	}
	s->f[s->n++] = (struct found){ id, ws + sp.start, ws + sp.end, to };
	return 0;
}

/* Scan @buf[0, len) (EOD byte included) in chunks of @chunk bytes. */
static void
scan_buf(const uint8_t *buf, size_t len, size_t chunk, struct scan *s)
{
	hs_stream_t *st = NULL;

	memset(s, 0, sizeof(*s));
	s->buf = buf;
	if (hs_open_stream(db, 0, &st) != HS_SUCCESS) {
		s->overflow = true;
		return;
	}
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (hs_scan_stream(st, (const char *)buf + off, (unsigned int)n,
				   0, scratch, on_match, s) != HS_SUCCESS)
			s->overflow = true;
	}
	hs_close_stream(st, scratch, NULL, NULL);
}

/* Stream = @prefix_len filler bytes (the last a space), @text, the EOD
 * byte. */
static size_t
build_stream(uint8_t *buf, size_t prefix_len, const char *text)
{
	static const char filler[] = "{\"k\":\"v\"}, ";
	size_t n = strlen(text);

	for (size_t i = 0; i < prefix_len; i++)
		buf[i] = (uint8_t)filler[i % (sizeof(filler) - 1)];
	if (prefix_len > 0)
		buf[prefix_len - 1] = ' ';
	memcpy(buf + prefix_len, text, n);
	buf[prefix_len + n] = WM_DETECT_EOD_BYTE;
	return prefix_len + n + 1;
}

static bool
found_is(const struct scan *s, const struct found *f, const char *det,
	 const char *val)
{
	size_t n = strlen(val);

	return strcmp(wm_detect_get(f->id)->name, det) == 0 &&
	       f->end - f->start == n &&
	       memcmp(s->buf + f->start, val, n) == 0;
}

/* ------------------------------------------------------------------ */
/* Scan cases: exact spans (or none) per text. */

struct want {
	const char *det;
	const char *val;
};

struct scan_case {
	const char *name;
	const char *text;
	struct want want[MAX_WANT]; /* confirmed values, none: no match */
};

/* A 33-digit plain run: no card, longer than WM_DETECT_LOOKBACK. */
#define RUN33 "144444444444444444444411111111112"

#define LOCAL16 "abcdefghijklmnop"
#define LOCAL64 LOCAL16 LOCAL16 LOCAL16 LOCAL16

/* jwt.io's sample token (HS256, {"sub":"1234567890","name":"John
 * Doe","iat":1516239022}). */
#define JWT_HDR "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
#define JWT_PAY "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0" \
		"IjoxNTE2MjM5MDIyfQ"
#define JWT_SIG "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
#define JWT JWT_HDR "." JWT_PAY "." JWT_SIG

#define PEM_L1 "MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAq7BFUpkGp3+XQorU"
#define PEM_L2 "pGFxq9e0ChnU/JtY5wcBfYkW8DrnLW3Z6sHvQmXc1aKo7RTgDiPbuNlE4MjhyvOd"
#define PEM_L3 "VeXNjg=="

static const struct scan_case scan_cases[] = {
	/* cards: true positives */
	{ "card_visa_plain_at_stream_start", "4111111111111111",
	  { { "card", "4111111111111111" } } },
	{ "card_visa_spaces_json_quote", "{\"pan\":\"4111 1111 1111 1111\"}",
	  { { "card", "4111 1111 1111 1111" } } },
	{ "card_visa_dashes_json_brace", "{\"pan\":4111-1111-1111-1111}",
	  { { "card", "4111-1111-1111-1111" } } },
	{ "card_mastercard_2_series", "mc=2221000000000009&x=1",
	  { { "card", "2221000000000009" } } },
	{ "card_mastercard_5_series_eod", "mc 5555555555554444",
	  { { "card", "5555555555554444" } } },
	{ "card_amex_4_6_5_groups", "amex 3782 822463 10005.",
	  { { "card", "3782 822463 10005" } } },
	{ "card_amex_plain", "\"378282246310005\"",
	  { { "card", "378282246310005" } } },
	{ "card_discover", "disc:6011111111111117;",
	  { { "card", "6011111111111117" } } },
	{ "card_discover_65", "d 6500000000000002;",
	  { { "card", "6500000000000002" } } },
	{ "card_jcb", "jcb 3530111333300000,",
	  { { "card", "3530111333300000" } } },
	{ "card_diners_14_digits", "dc 30569309025904 x",
	  { { "card", "30569309025904" } } },
	{ "card_unionpay", "cup 6200000000000005 x",
	  { { "card", "6200000000000005" } } },
	{ "card_13_digits", "old visa 4222222222222\r\n",
	  { { "card", "4222222222222" } } },
	{ "card_19_digits", "pan 4000000000000000006 ok",
	  { { "card", "4000000000000000006" } } },
	{ "card_19_digits_4_4_4_4_3", "pan 4000 0000 0000 0000 006;",
	  { { "card", "4000 0000 0000 0000 006" } } },
	{ "card_groups_of_3_then_4", "n 400 000 000 000 000 0006 x",
	  { { "card", "400 000 000 000 000 0006" } } },
	{ "card_trailing_separator_then_eod", "pan 4111 1111 1111 1111 ",
	  { { "card", "4111 1111 1111 1111" } } },
	{ "card_then_space_cvv", "\"4111 1111 1111 1111 123\"",
	  { { "card", "4111 1111 1111 1111" } } },
	{ "two_cards_one_space_apart", "4111111111111111 5555555555554444}",
	  { { "card", "4111111111111111" }, { "card", "5555555555554444" } } },
	{ "card_after_short_number_group", "12 4111111111111111,",
	  { { "card", "4111111111111111" } } },
	{ "card_16_digits_after_plus_is_card_not_phone",
	  "n=+4111111111111111&", { { "card", "4111111111111111" } } },
	/* cards: false positives */
	{ "card_luhn_fails", "pan 4111111111111112 x", { { NULL, NULL } } },
	{ "card_luhn_valid_16_inside_22_digit_run",
	  "id 1234111111111111111456 x", { { NULL, NULL } } },
	{ "card_luhn_valid_16_at_end_of_22_digit_run",
	  "id 1234564111111111111111 x", { { NULL, NULL } } },
	{ "card_12_digits_too_short", "n 411111111116 x", { { NULL, NULL } } },
	{ "card_20_digit_run", "n 41111111111111111111 x", { { NULL, NULL } } },
	{ "card_dashed_timestamp_luhn_valid_not_a_brand",
	  "f=2016-09-14-00-30-57-300.txt", { { NULL, NULL } } },
	{ "card_ps_columns_luhn_valid_not_a_brand", "3.0 6939804 504648 ?",
	  { { NULL, NULL } } },
	{ "card_luhn_valid_timestamp_ttl_not_a_brand", "cd-1624993182-1800-AY",
	  { { NULL, NULL } } },
	{ "card_visa_wrong_length_14", "n 41111111111110 x",
	  { { NULL, NULL } } },
	{ "card_mastercard_wrong_length_17", "n 52830000000000007 x",
	  { { NULL, NULL } } },
	{ "card_amex_wrong_length_16", "n 3700000000000002 x",
	  { { NULL, NULL } } },
	{ "card_double_space_breaks_run", "4111  1111 1111 1111 x",
	  { { NULL, NULL } } },
	{ "card_inside_uuid_not_card",
	  "\"id\":\"9a4f1a59-012d-4597-a434-6405899702d0\"",
	  { { NULL, NULL } } },
	{ "card_after_id_token_with_digits", "key a9c2-4111 1111 1111 1111 x",
	  { { NULL, NULL } } },
	/* only the token's last 31 bytes count: as much as any history */
	{ "card_after_long_letter_run_digit_far_back",
	  "1mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm 4111 1111 1111 1111 x",
	  { { "card", "4111 1111 1111 1111" } } },
	/* a run that began out of sight shows no identifier: its cards mask */
	{ "card_list_after_long_digit_run_glued_to_letter",
	  "t" RUN33 " 6011 0009 9013 9424 x",
	  { { "card", "6011 0009 9013 9424" } } },
	{ "card_list_after_short_number_glued_to_letter_not_card",
	  "t12345 6011 0009 9013 9424 x", { { NULL, NULL } } },
	{ "card_glued_to_letter_after", "n 4111111111111111x",
	  { { NULL, NULL } } },
	{ "card_glued_to_letter_before", "pan4111111111111111 x",
	  { { NULL, NULL } } },
	{ "card_in_spaced_iban_not_card", "ES41 4300 6096 0528 7769 9035",
	  { { "iban", "ES41 4300 6096 0528 7769 9035" } } },
	{ "card_after_ups_prefix_not_card", "\"1Z 626 853 00 4461 590 4\"",
	  { { NULL, NULL } } },
	{ "card_after_word_and_space_is_card", "card 4111 1111 1111 1111.",
	  { { "card", "4111 1111 1111 1111" } } },
	/* phone and card apart */
	{ "phone_nanp_exchange_1xx_not_phone_nor_card", "n 555-123-4567\n",
	  { { NULL, NULL } } },
	/* valid in Mexico's and Brazil's plans: "tel" makes it a phone */
	{ "phone_nanp_exchange_1xx_valid_elsewhere_after_tel",
	  "tel 555-123-4567\n", { { "phone", "555-123-4567" } } },
	{ "phone_e164_plus1_spaces_not_card", "tel +1 555 123 4567\n",
	  { { "phone", "+1 555 123 4567" } } },
	{ "phone_e164_13_digits_luhn_valid_visa_prefix_not_card",
	  "tel:+4915112345678;", { { "phone", "+4915112345678" } } },
	/* San Marino (+378) has no number of that length */
	{ "phone_e164_15_digits_amex_shaped_neither_card_nor_phone",
	  "+378282246310005 x", { { NULL, NULL } } },
	/* phone: true positives */
	{ "phone_nanp_dashes", "call 415-555-2671 now",
	  { { "phone", "415-555-2671" } } },
	{ "phone_nanp_parens", "{\"tel\":\"(415) 555-2671\"}",
	  { { "phone", "(415) 555-2671" } } },
	{ "phone_nanp_parens_no_space", "tel (415)555-2671;",
	  { { "phone", "(415)555-2671" } } },
	{ "phone_nanp_dots_sentence_end", "at 415.555.2671.",
	  { { "phone", "415.555.2671" } } },
	{ "phone_nanp_country_prefix_masked_too", "1-800-555-0199 x",
	  { { "phone", "1-800-555-0199" } } },
	{ "phone_nanp_after_plus1_once", "+1 415-555-2671 x",
	  { { "phone", "+1 415-555-2671" } } },
	{ "phone_nanp_after_plus1_dash_eod", "+1-415-555-2671",
	  { { "phone", "+1-415-555-2671" } } },
	{ "phone_nanp_intl_prefix_001", "fax 001-518-640-0854\n",
	  { { "phone", "001-518-640-0854" } } },
	{ "phone_nanp_extension", "986.291.2294x751 x",
	  { { "phone", "986.291.2294" } } },
	{ "phone_e164_grouped", "uk +44 20 7946 0958.",
	  { { "phone", "+44 20 7946 0958" } } },
	{ "phone_e164_dashes", "+49-151-1234-5678,",
	  { { "phone", "+49-151-1234-5678" } } },
	/* phone: false positives */
	{ "phone_nanp_inside_longer_run", "n 2415-555-2671 x",
	  { { NULL, NULL } } },
	{ "phone_nanp_followed_by_digits", "n 415-555-26710 x",
	  { { NULL, NULL } } },
	{ "phone_nanp_glued_to_letter", "ab415-555-2671 x",
	  { { NULL, NULL } } },
	{ "phone_nanp_after_digit_dash", "7-415-555-2671 x",
	  { { NULL, NULL } } },
	{ "phone_e164_too_short", "+1234567 x", { { NULL, NULL } } },
	{ "phone_e164_16_digits", "+4915112345678901 x", { { NULL, NULL } } },
	{ "phone_e164_after_letter", "a+4915112345678 x", { { NULL, NULL } } },
	/* phone: national formats, default regions, no context word */
	{ "phone_nanp_canada_read_by_default_us", "call 905-674-3793.",
	  { { "phone", "905-674-3793" } } },
	{ "phone_gb_london", "office 020 7946 0958.",
	  { { "phone", "020 7946 0958" } } },
	{ "phone_de_berlin", "Berlin 030 12345678;",
	  { { "phone", "030 12345678" } } },
	{ "phone_de_berlin_slash", "Zentrale: 030/12345678 x",
	  { { "phone", "030/12345678" } } },
	{ "phone_nl_mobile_dash", "mobiel 06-12345678 x",
	  { { "phone", "06-12345678" } } },
	{ "phone_fr_dots", "bureau 01.84.17.61.18 x",
	  { { "phone", "01.84.17.61.18" } } },
	{ "phone_fr_spaces", "\"t\":\"01 84 17 61 18\"",
	  { { "phone", "01 84 17 61 18" } } },
	{ "phone_be_mobile", "gsm 0490 75 40 81\n",
	  { { "phone", "0490 75 40 81" } } },
	{ "phone_jp_tokyo", "TEL 03-1234-5678 x",
	  { { "phone", "03-1234-5678" } } },
	{ "phone_br_mobile_parens", "cel (11) 91234-5678 x",
	  { { "phone", "(11) 91234-5678" } } },
	{ "phone_ru_trunk_8", "ofis 8 (495) 123-45-67 x",
	  { { "phone", "8 (495) 123-45-67" } } },
	{ "phone_intl_00_prefix", "tel. 0044 20 7946 0958 x",
	  { { "phone", "0044 20 7946 0958" } } },
	{ "phone_intl_trunk_in_parens", "desk +46 (0)8 928 571 38\n",
	  { { "phone", "+46 (0)8 928 571 38" } } },
	{ "phone_intl_compact_de", "{\"m\":\"+4915112345678\"}",
	  { { "phone", "+4915112345678" } } },
	/* phone: context words */
	{ "phone_bare_10_digits_after_phone_key", "phone=9498777106&",
	  { { "phone", "9498777106" } } },
	{ "phone_bare_10_digits_no_context", "id=9498777106&",
	  { { NULL, NULL } } },
	{ "phone_short_national_after_tel", "tel: 467 3395\n",
	  { { "phone", "467 3395" } } },
	{ "phone_short_national_no_context", "room 467 3395\n",
	  { { NULL, NULL } } },
	{ "phone_short_bare_after_json_key", "{\"mobile\": \"4673395\"}",
	  { { "phone", "4673395" } } },
	{ "phone_context_camel_case_key", "{\"homePhone\":\"4673395\"}",
	  { { "phone", "4673395" } } },
	{ "phone_context_word_inside_word_is_none", "hotel 4673395\n",
	  { { NULL, NULL } } },
	{ "phone_context_word_in_random_token_is_none", "k=3faxQ 4673395\n",
	  { { NULL, NULL } } },
	{ "phone_context_of_another_value_is_none",
	  "{\"phone\":\"n/a\",\"id\":\"4673395\"}", { { NULL, NULL } } },
	{ "phone_context_too_far_is_none",
	  "phone, then a long way off, some more words: 4673395\n",
	  { { NULL, NULL } } },
	/* phone: near misses that must not become phones */
	{ "phone_date_iso_is_none", "on 2026-11-22 x", { { NULL, NULL } } },
	{ "phone_date_iso_with_hour_is_none", "Date: 2015-12-22 04:00\n",
	  { { NULL, NULL } } },
	{ "phone_date_dotted_is_none", "am 22.11.2026 x", { { NULL, NULL } } },
	{ "phone_date_after_phone_key_is_none", "phone: 2026-11-22 x",
	  { { NULL, NULL } } },
	{ "phone_order_id_is_none", "order ORD-2026-114455 x",
	  { { NULL, NULL } } },
	{ "phone_order_id_digits_glued_is_none", "ref A1-0301234567 x",
	  { { NULL, NULL } } },
	{ "phone_card_grouped_is_card_not_phone", "pan 4111 1111 1111 1111 x",
	  { { "card", "4111 1111 1111 1111" } } },
	{ "phone_card_13_digits_grouped_luhn_not_phone",
	  "tel 4222 2222 2222 2 x", { { "card", "4222 2222 2222 2" } } },
	{ "phone_decimal_is_none", "lat 50.072755 x", { { NULL, NULL } } },
	{ "phone_dotted_quad_is_none", "at 192.168.100.200 x",
	  { { "ipv4", "192.168.100.200" } } },
	{ "phone_amount_with_thousands_is_none", "EUR 1.234.567,00 x",
	  { { NULL, NULL } } },
	{ "phone_uuid_group_is_none", "\"31397816-72a3-4b1c-9d2e-aa\"",
	  { { NULL, NULL } } },
	{ "phone_spaced_iban_bban_is_iban",
	  "NL91 ABNA 0417 1643 00,",
	  { { "iban", "NL91 ABNA 0417 1643 00" } } },
	/* ssn */
	{ "ssn_plain", "ssn 123-45-6789 x", { { "ssn", "123-45-6789" } } },
	{ "ssn_at_stream_start_eod", "123-45-6789",
	  { { "ssn", "123-45-6789" } } },
	{ "ssn_json_quote", "{\"ssn\":\"372-18-4455\"}",
	  { { "ssn", "372-18-4455" } } },
	{ "ssn_sentence_dash_then_text", "ssn 123-45-6789- next",
	  { { "ssn", "123-45-6789" } } },
	{ "ssn_area_666", "ssn 666-45-6789 x", { { NULL, NULL } } },
	{ "ssn_area_000", "ssn 000-45-6789 x", { { NULL, NULL } } },
	{ "ssn_area_9xx", "ssn 912-45-6789 x", { { NULL, NULL } } },
	{ "ssn_group_00", "ssn 123-00-6789 x", { { NULL, NULL } } },
	{ "ssn_serial_0000", "ssn 123-45-0000 x", { { NULL, NULL } } },
	{ "ssn_woolworth_sample_078_05_1120", "{\"ssn\":\"078-05-1120\"}",
	  { { NULL, NULL } } },
	{ "ssn_pamphlet_sample_219_09_9999", "ssn 219-09-9999 x",
	  { { NULL, NULL } } },
	{ "ssn_lifelock_sample_457_55_5462", "ssn 457-55-5462 x",
	  { { NULL, NULL } } },
	{ "ssn_preceded_by_digit", "ssn 1123-45-6789 x", { { NULL, NULL } } },
	/* ssn: context words for the bare forms */
	{ "ssn_bare_after_json_key", "{\"ssn\": \"536228726\"}",
	  { { "ssn", "536228726" } } },
	{ "ssn_spaced_after_numbered_key", "{\"ssn2\": \"536 22 8726\"}",
	  { { "ssn", "536 22 8726" } } },
	{ "ssn_both_keys_one_object",
	  "{\"ssn\": \"536228726\", \"ssn2\": \"536 22 8726\"}",
	  { { "ssn", "536228726" }, { "ssn", "536 22 8726" } } },
	{ "ssn_bare_after_social_security", "Social Security No. 536228726.",
	  { { "ssn", "536228726" } } },
	{ "ssn_bare_form_field", "name=x&SSN=536228726&y=1",
	  { { "ssn", "536228726" } } },
	{ "ssn_bare_without_context_is_none", "{\"id\": \"536228726\"}",
	  { { NULL, NULL } } },
	{ "ssn_spaced_without_context_is_none", "ref 536 22 8726 x",
	  { { NULL, NULL } } },
	{ "ssn_bare_context_of_another_value", "ssn=n/a&id=536228726&",
	  { { NULL, NULL } } },
	{ "ssn_bare_area_666_after_ssn", "ssn 666228726 x",
	  { { NULL, NULL } } },
	{ "ssn_bare_inside_longer_run_after_ssn", "ssn 5362287261 x",
	  { { NULL, NULL } } },
	{ "ssn_bare_glued_to_letters_after_ssn", "ssn ID536228726 x",
	  { { NULL, NULL } } },
	{ "ssn_preceded_by_dash_digit_still_ssn", "n 1-123-45-6789 x",
	  { { "ssn", "123-45-6789" } } },
	{ "ssn_followed_by_digit", "n 123-45-67890 x", { { NULL, NULL } } },
	{ "ssn_followed_by_dash_digit_still_ssn", "n 123-45-6789-1 x",
	  { { "ssn", "123-45-6789" } } },
	{ "ssn_no_dashes_ignored", "n 123456789 x", { { NULL, NULL } } },
	/* e-mail */
	{ "email_plain", "to: john.doe@example.com\r\n",
	  { { "email", "john.doe@example.com" } } },
	{ "email_subdomains", "<ops@mail.eu.example.co.uk>",
	  { { "email", "ops@mail.eu.example.co.uk" } } },
	{ "email_plus_addressing", "\"jane+news@example.org\"",
	  { { "email", "jane+news@example.org" } } },
	{ "email_trailing_dot_sentence", "mail a@b.com. Next",
	  { { "email", "a@b.com" } } },
	{ "email_trailing_dot_eod", "mail a@b.com.",
	  { { "email", "a@b.com" } } },
	{ "email_at_stream_start_eod", "x_y%z@host-1.example.io",
	  { { "email", "x_y%z@host-1.example.io" } } },
	{ "email_numeric_label_after_tld", "a@b.com.1 x",
	  { { "email", "a@b.com" } } },
	{ "email_local_64", "<" LOCAL64 "@example.com>",
	  { { "email", LOCAL64 "@example.com" } } },
	{ "email_local_65_rejected", "<a" LOCAL64 "@example.com>",
	  { { NULL, NULL } } },
	{ "email_no_tld_rejected", "john@localhost now", { { NULL, NULL } } },
	{ "email_one_letter_tld_rejected", "john@example.c now",
	  { { NULL, NULL } } },
	{ "email_ip_literal_not_email_but_ipv4", "john@10.1.2.3 now",
	  { { "ipv4", "10.1.2.3" } } },
	{ "email_digits_after_tld", "a@b.com1 x", { { "email", "a@b.com" } } },
	{ "email_hyphen_after_tld", "a@b.com-x x", { { "email", "a@b.com" } } },
	{ "email_tld_25_letters_rejected", "a@b.abcdefghijklmnopqrstuvwxy x",
	  { { NULL, NULL } } },
	{ "email_double_dot_ends_domain", "a@b.com..x",
	  { { "email", "a@b.com" } } },
	{ "email_double_at_takes_last", "x@y@example.com ",
	  { { "email", "y@example.com" } } },
	/* iban */
	{ "iban_de_compact", "iban DE89370400440532013000;",
	  { { "iban", "DE89370400440532013000" } } },
	{ "iban_de_spaced_json", "{\"iban\":\"DE89 3704 0044 0532 0130 00\"}",
	  { { "iban", "DE89 3704 0044 0532 0130 00" } } },
	{ "iban_gb_letters_in_bban", "GB29NWBK60161331926819",
	  { { "iban", "GB29NWBK60161331926819" } } },
	{ "iban_fr_27_letter_inside", "to FR1420041010050500013M02606.",
	  { { "iban", "FR1420041010050500013M02606" } } },
	{ "iban_no_15_shortest", "NO9386011117947,",
	  { { "iban", "NO9386011117947" } } },
	{ "iban_lower_case", "iban gb29nwbk60161331926819 x",
	  { { "iban", "gb29nwbk60161331926819" } } },
	{ "iban_spaced_then_currency_word", "DE89 3704 0044 0532 0130 00 EUR",
	  { { "iban", "DE89 3704 0044 0532 0130 00" } } },
	{ "iban_bad_check_digits", "DE89370400440532013001;",
	  { { NULL, NULL } } },
	{ "iban_wrong_length_for_country", "DE8937040044053201300 x",
	  { { NULL, NULL } } },
	{ "iban_inside_longer_run", "DE893704004405320130001 x",
	  { { NULL, NULL } } },
	{ "iban_glued_to_letter", "XDE89370400440532013000 x",
	  { { NULL, NULL } } },
	{ "iban_unknown_country", "ZZ89370400440532013000 x",
	  { { NULL, NULL } } },
	{ "iban_spaces_not_every_4", "DE89 37040044 0532 0130 00 x",
	  { { NULL, NULL } } },
	/* ipv4 */
	{ "ipv4_plain", "from 192.168.1.10 x",
	  { { "ipv4", "192.168.1.10" } } },
	{ "ipv4_sentence_dot", "host is 10.0.0.1.",
	  { { "ipv4", "10.0.0.1" } } },
	{ "ipv4_with_port", "\"0.0.0.0:8080\"", { { "ipv4", "0.0.0.0" } } },
	{ "ipv4_cidr", "net 172.16.254.1/24;", { { "ipv4", "172.16.254.1" } } },
	{ "ipv4_version_five_parts", "v 1.2.3.4.5 x", { { NULL, NULL } } },
	{ "ipv4_octet_256", "ip 256.1.1.1 x", { { NULL, NULL } } },
	{ "ipv4_leading_zero", "ip 01.2.3.4 x", { { NULL, NULL } } },
	{ "ipv4_three_parts", "ip 1.2.3 x", { { NULL, NULL } } },
	{ "ipv4_glued_letters", "a1.2.3.4 and 1.2.3.4b", { { NULL, NULL } } },
	{ "ipv4_host_name", "10.0.0.1.nip.io", { { NULL, NULL } } },
	/* ipv6 */
	{ "ipv6_compressed", "from 2001:db8::1 x",
	  { { "ipv6", "2001:db8::1" } } },
	{ "ipv6_full", "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
	  { { "ipv6", "2001:0db8:85a3:0000:0000:8a2e:0370:7334" } } },
	{ "ipv6_bracketed_with_port", "[fe80::1]:80", { { "ipv6", "fe80::1" } } },
	{ "ipv6_one_group_not_taken", "[::1]:80 and 3:: x", { { NULL, NULL } } },
	{ "ipv6_in_binary_not_taken", "\x8f\xe4" "a3::5\xca\xe0",
	  { { NULL, NULL } } },
	{ "ipv6_zone_left_out", "fe80::1ff:fe23:4567:890a%eth0",
	  { { "ipv6", "fe80::1ff:fe23:4567:890a" } } },
	{ "ipv6_v4_tail_not_ipv4", "::ffff:192.0.2.128 x",
	  { { "ipv6", "::ffff:192.0.2.128" } } },
	{ "ipv6_upper_case_trailing_double_colon", "p 2001:DB8:: x",
	  { { "ipv6", "2001:DB8::" } } },
	{ "ipv6_sentence_dot", "at 2001:db8::7.",
	  { { "ipv6", "2001:db8::7" } } },
	{ "ipv6_time_not_address", "at 12:34:56 x", { { NULL, NULL } } },
	{ "ipv6_mac_not_address", "mac 00:1a:2b:3c:4d:5e x",
	  { { NULL, NULL } } },
	{ "ipv6_nine_groups", "1:2:3:4:5:6:7:8:9 x", { { NULL, NULL } } },
	{ "ipv6_two_double_colons", "1::2::3 x", { { NULL, NULL } } },
	{ "ipv6_group_of_5", "12345::1 x", { { NULL, NULL } } },
	{ "ipv6_cpp_scope", "std::vector<int>", { { NULL, NULL } } },
	{ "ipv6_bare_double_colon", "a :: b", { { NULL, NULL } } },
	/* aws_access_key */
	{ "aws_key_akia", "key=AKIAIOSFODNN7EXAMPLE&",
	  { { "aws_access_key", "AKIAIOSFODNN7EXAMPLE" } } },
	{ "aws_key_asia_eod", "ASIAY34FZKBOKMUTVV7A",
	  { { "aws_access_key", "ASIAY34FZKBOKMUTVV7A" } } },
	{ "aws_key_digits_outside_base32", "id: AKIAHI38FAKE1IWUQEEN\n",
	  { { NULL, NULL } } },
	{ "aws_key_glued", "XAKIAIOSFODNN7EXAMPLE x", { { NULL, NULL } } },
	{ "aws_key_too_long", "AKIAIOSFODNN7EXAMPLEX x", { { NULL, NULL } } },
	{ "aws_key_underscore_after", "AKIAIOSFODNN7EXAMPLE_1",
	  { { NULL, NULL } } },
	/* gcp_api_key */
	{ "gcp_key", "key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&",
	  { { "gcp_api_key", "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI" } } },
	{ "gcp_key_34_short", "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsH x",
	  { { NULL, NULL } } },
	{ "gcp_key_40_long", "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHIx x",
	  { { NULL, NULL } } },
	/* jwt, bearer, basic_auth */
	{ "jwt_in_query", "/cb?token=" JWT "&s=1", { { "jwt", JWT } } },
	{ "jwt_sentence_dot", "got " JWT ". Then", { { "jwt", JWT } } },
	{ "jwt_unsigned", "t " JWT_HDR "." JWT_PAY ". x",
	  { { "jwt", JWT_HDR "." JWT_PAY "." } } },
	{ "jwt_bearer_header_both",
	  "GET / HTTP/1.1\r\nAuthorization: Bearer " JWT "\r\nHost: x\r\n",
	  { { "jwt", JWT }, { "bearer", JWT } } },
	{ "jwt_header_without_alg", "t eyJ0eXAiOiJKV1QifQ." JWT_PAY ".abc x",
	  { { NULL, NULL } } },
	{ "jwt_four_parts", "t " JWT ".abc x", { { NULL, NULL } } },
	{ "jwt_glued", "x" JWT " x", { { NULL, NULL } } },
	{ "bearer_opaque_token", "Authorization: Bearer mF_9.B5f-4.1JqM\r\n",
	  { { "bearer", "mF_9.B5f-4.1JqM" } } },
	{ "bearer_lower_case_header_eod", "authorization: bearer abc123==",
	  { { "bearer", "abc123==" } } },
	{ "bearer_proxy_authorization", "Proxy-Authorization:Bearer\tt0k3n\n",
	  { { "bearer", "t0k3n" } } },
	{ "bearer_without_header", "token Bearer abc123\r\n",
	  { { NULL, NULL } } },
	{ "bearer_punctuation_only", "Authorization: Bearer ~~~\r\n",
	  { { NULL, NULL } } },
	{ "basic_user_pass", "Authorization: Basic dXNlcjpwYXNz\r\n",
	  { { "basic_auth", "dXNlcjpwYXNz" } } },
	{ "basic_no_colon_decoded", "Authorization: Basic dXNlcnBhc3M=\r\n",
	  { { NULL, NULL } } },
	{ "basic_not_base64", "Authorization: Basic dXNlcjpwY\r\n",
	  { { NULL, NULL } } },
	/* pem_private_key: every body line */
	{ "pem_lf_lines", "-----BEGIN PRIVATE KEY-----\n" PEM_L1 "\n" PEM_L2
	  "\n" PEM_L3 "\n-----END PRIVATE KEY-----\n",
	  { { "pem_private_key", PEM_L1 }, { "pem_private_key", PEM_L2 },
	    { "pem_private_key", PEM_L3 } } },
	{ "pem_crlf_rsa", "-----BEGIN RSA PRIVATE KEY-----\r\n" PEM_L1 "\r\n"
	  PEM_L3 "\r\n-----END RSA PRIVATE KEY-----\r\n",
	  { { "pem_private_key", PEM_L1 }, { "pem_private_key", PEM_L3 } } },
	{ "pem_json_escaped",
	  "{\"private_key\":\"-----BEGIN PRIVATE KEY-----\\n" PEM_L1 "\\n"
	  PEM_L3 "\\n-----END PRIVATE KEY-----\\n\"}",
	  { { "pem_private_key", PEM_L1 }, { "pem_private_key", PEM_L3 } } },
	{ "pem_json_escaped_crlf", "\"-----BEGIN EC PRIVATE KEY-----\\r\\n"
	  PEM_L2 "\\r\\n" PEM_L3 "\\r\\n-----END EC PRIVATE KEY-----\"",
	  { { "pem_private_key", PEM_L2 }, { "pem_private_key", PEM_L3 } } },
	{ "pem_json_escaped_slashes",
	  "{\"k\":\"-----BEGIN PRIVATE KEY-----\\nMIIB+a\\/b\\/c9==\\n"
	  "Zm9v\\/YmFy\\n-----END PRIVATE KEY-----\\n\"}",
	  { { "pem_private_key", "MIIB+a\\/b\\/c9==" },
	    { "pem_private_key", "Zm9v\\/YmFy" } } },
	{ "pem_public_key_not_masked", "-----BEGIN PUBLIC KEY-----\n" PEM_L1
	  "\n-----END PUBLIC KEY-----\n", { { NULL, NULL } } },
	{ "pem_lines_after_end_not_masked", "-----END PRIVATE KEY-----\n"
	  PEM_L1 "\n", { { NULL, NULL } } },
	{ "pem_encrypted_headers_not_masked",
	  "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\n" PEM_L1
	  "\n", { { NULL, NULL } } },
	/* several detectors in one stream */
	{ "card_ssn_email_in_one_record",
	  "{\"pan\":\"5555 5555 5555 4444\",\"ssn\":\"501-22-3344\","
	  "\"mail\":\"j@x.org\"}",
	  { { "card", "5555 5555 5555 4444" }, { "ssn", "501-22-3344" },
	    { "email", "j@x.org" } } },
	{ "iban_phone_ip_key_in_one_record",
	  "{\"iban\":\"CH9300762011623852957\",\"tel\":\"+41 44 668 18 00\","
	  "\"ip\":\"203.0.113.9\",\"k\":\"AKIAIOSFODNN7EXAMPLE\"}",
	  { { "iban", "CH9300762011623852957" },
	    { "phone", "+41 44 668 18 00" }, { "ipv4", "203.0.113.9" },
	    { "aws_access_key", "AKIAIOSFODNN7EXAMPLE" } } },
};

static unsigned int
want_count(const struct scan_case *c)
{
	unsigned int n = 0;

	while (n < MAX_WANT && c->want[n].det != NULL)
		n++;
	return n;
}

/* Every wanted value is found once, nothing else is. */
static void
check_found(const struct scan_case *c, const struct scan *s)
{
	unsigned int nw = want_count(c);

	CHECK(!s->overflow);
	CHECK_EQ(s->n, nw);
	if (s->n != nw)
		for (unsigned int i = 0; i < s->n; i++)
			fprintf(stderr, "  case %s: found %s at %zu+%zu\n",
				c->name, wm_detect_get(s->f[i].id)->name,
				s->f[i].start, s->f[i].end - s->f[i].start);
	for (unsigned int w = 0; w < nw; w++) {
		unsigned int hits = 0;

		for (unsigned int i = 0; i < s->n; i++)
			hits += found_is(s, &s->f[i], c->want[w].det,
					 c->want[w].val);
		if (hits != 1)
			fprintf(stderr, "  case %s: want %s \"%s\"\n", c->name,
				c->want[w].det, c->want[w].val);
		CHECK_EQ(hits, 1);
	}
}

static bool
same_found(const struct scan *a, const struct scan *b, size_t shift)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (a->f[i].id != b->f[i].id ||
		    a->f[i].start + shift != b->f[i].start ||
		    a->f[i].end + shift != b->f[i].end)
			return false;
	return true;
}

/* One case: at the stream start, whole and one byte at a time, then far
 * from the start (full windows). All three must agree. */
static void
run_scan_case(const struct scan_case *c)
{
	static uint8_t buf[BUF_MAX], buf_far[BUF_MAX];
	struct scan whole, bytewise, far;
	size_t len = build_stream(buf, 0, c->text);
	size_t len_far = build_stream(buf_far, PREFIX_LEN, c->text);

	wm_test_case = c->name;
	scan_buf(buf, len, len, &whole);
	scan_buf(buf, len, 1, &bytewise);
	scan_buf(buf_far, len_far, 7, &far);
	check_found(c, &whole);
	CHECK(same_found(&whole, &bytewise, 0));
	CHECK(same_found(&whole, &far, PREFIX_LEN));
}

static void
scan_table(void)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(scan_cases); i++)
		run_scan_case(&scan_cases[i]);
}

/* The largest hold() over every built-in for the @tl bytes at @tail. */
static size_t
hold_all(const uint8_t *tail, size_t tl)
{
	size_t hold = 0;

	for (unsigned int k = 0; k < wm_detect_count(); k++) {
		const struct wm_detector *d = wm_detect_get(k);
		size_t h = d->hold(d, tail, tl);

		CHECK(h <= tl && h <= (size_t)d->max_len + 1);
		hold = h > hold ? h : hold;
	}
	return hold;
}

/*
 * The hold-back rule end to end: cut the stream after every byte; the
 * engine releases everything but the last hold() bytes (max over the
 * detectors). A value confirmed later must not start in released bytes.
 */
static void
check_hold_covers(const uint8_t *buf, size_t len, const struct scan *s)
{
	for (unsigned int i = 0; i < s->n; i++) {
		const struct found *f = &s->f[i];

		/* Until the trigger is scanned, the value is someone's hold. */
		CHECK(f->trig <= len && f->trig > f->end);
		for (size_t cut = f->start + 1; cut < f->trig; cut++) {
			size_t tl = WM_MIN(cut, (size_t)WM_DETECT_WINDOW);
			size_t hold = hold_all(buf + cut - tl, tl);

			if (cut - hold > f->start)
				fprintf(stderr, "  leak %s: cut %zu hold %zu "
					"start %zu\n",
					wm_detect_get(f->id)->name, cut, hold,
					f->start);
			CHECK(cut - hold <= f->start);
		}
	}
}

/*
 * A grouped run is reported at every group boundary past 13 digits, so
 * it may give overlapping spans: every byte of each wanted value must be
 * in some span, and each wanted span that ends the run is found whole.
 */
static void
check_run_covered(const char *text, const char *const *vals, unsigned int nv)
{
	static uint8_t buf[BUF_MAX];
	size_t len = build_stream(buf, 0, text);
	bool covered[BUF_MAX] = { false };
	struct scan s;

	scan_buf(buf, len, len, &s);
	CHECK(!s.overflow);
	CHECK(s.n >= 1);
	check_hold_covers(buf, len, &s);
	for (unsigned int i = 0; i < s.n; i++)
		for (size_t p = s.f[i].start; p < s.f[i].end; p++)
			covered[p] = true;
	for (unsigned int v = 0; v < nv; v++) {
		const char *at = strstr(text, vals[v]);

		CHECK(at != NULL);
		if (at == NULL)
			continue;
		for (size_t p = at - text; p < at - text + strlen(vals[v]); p++)
			CHECK(covered[p]);
	}
}

static void
two_grouped_cards_one_space_apart(void)
{
	static const char *const vals[] = { "4111 1111 1111 1111",
					    "5555 5555 5555 4444" };

	check_run_covered("\"4111 1111 1111 1111 5555 5555 5555 4444\"", vals, 2);
}

static void
card_max_len_separator_after_every_digit(void)
{
	static const char text[] = "n 4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 6;";
	static const char *const vals[] = {
		"4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 6" };
	static uint8_t buf[BUF_MAX];
	struct scan s;
	unsigned int whole = 0;

	check_run_covered(text, vals, 1);
	scan_buf(buf, build_stream(buf, 0, text), 64, &s);
	for (unsigned int i = 0; i < s.n; i++)
		whole += found_is(&s, &s.f[i], "card", vals[0]);
	CHECK_EQ(whole, 1);
}

/* ------------------------------------------------------------------ */
/* Values longer than the window: their last max_len bytes are masked. */

/*
 * A token of @n bytes (header, payload of 'A's, signature) after
 * @before, then @after: the span found is the token's last 253 bytes,
 * and hold covers it wherever the stream is cut.
 */
static void
check_long_token(const char *before, size_t n, const char *after,
		 const char *det, unsigned int want_n)
{
	static uint8_t buf[BUF_MAX];
	static char text[BUF_MAX];
	size_t lb = strlen(before), pos, len;
	const struct wm_detector *d = wm_detect_find(det);
	struct scan s;
	unsigned int hits = 0;

	memcpy(text, before, lb);
	pos = lb;
	memcpy(text + pos, JWT_HDR ".", sizeof(JWT_HDR));
	pos += sizeof(JWT_HDR);
	while (pos < lb + n - 1 - 43)
		text[pos++] = 'A';
	text[pos++] = '.';
	memcpy(text + pos, JWT_SIG, 43);
	pos += 43;
	strcpy(text + pos, after);
	len = build_stream(buf, 0, text);
	scan_buf(buf, len, 97, &s);
	CHECK(!s.overflow);
	CHECK_EQ(s.n, want_n);
	/* Every detector that found it (jwt, and bearer for a header) masks
	 * the same last max_len bytes. */
	for (unsigned int i = 0; i < s.n; i++) {
		hits += wm_detect_get(s.f[i].id) == d;
		CHECK_EQ(s.f[i].end, lb + n);
		CHECK_EQ(s.f[i].end - s.f[i].start, d->max_len);
	}
	CHECK_EQ(hits, 1);
	check_hold_covers(buf, len, &s);
}

static void
jwt_longer_than_window_masks_last_253(void)
{
	check_long_token("token=", 600, "&x=1", "jwt", 1);
	check_long_token("token=", 254, "&x=1", "jwt", 1);
	check_long_token("t ", 400, ". Then", "jwt", 1);
}

static void
bearer_longer_than_window_masks_last_253(void)
{
	check_long_token("Authorization: Bearer ", 500, "\r\nHost: x\r\n",
			 "bearer", 2);
}

static void
pem_line_longer_than_250_masks_last_250(void)
{
	static char text[BUF_MAX];
	static uint8_t buf[BUF_MAX];
	const struct wm_detector *d = wm_detect_find("pem_private_key");
	size_t at, len;
	struct scan s;

	strcpy(text, "-----BEGIN PRIVATE KEY-----\n");
	at = strlen(text);
	memset(text + at, 'Q', 700);
	strcpy(text + at + 700, "\n" PEM_L3 "\n-----END PRIVATE KEY-----\n");
	len = build_stream(buf, 0, text);
	scan_buf(buf, len, 33, &s);
	CHECK(!s.overflow);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.f[0].end, at + 700);
	CHECK_EQ(s.f[0].end - s.f[0].start, d->max_len);
	CHECK(found_is(&s, &s.f[1], "pem_private_key", PEM_L3));
	check_hold_covers(buf, len, &s);
}

/* A long body: every one of its lines is reported, however far from the
 * BEGIN marker. */
static void
pem_many_lines_all_masked(void)
{
	static char text[BUF_MAX];
	static uint8_t buf[BUF_MAX];
	size_t at, len;
	struct scan s;

	strcpy(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	at = strlen(text);
	for (int i = 0; i < 12; i++) {
		memcpy(text + at, i & 1 ? PEM_L2 : PEM_L1, 64);
		text[at + 64] = '\n';
		at += 65;
	}
	strcpy(text + at, "-----END OPENSSH PRIVATE KEY-----\n");
	len = build_stream(buf, 0, text);
	scan_buf(buf, len, 1448, &s);
	CHECK(!s.overflow);
	CHECK_EQ(s.n, 12);
	for (unsigned int i = 0; i < s.n; i++)
		CHECK(found_is(&s, &s.f[i], "pem_private_key",
			       i & 1 ? PEM_L2 : PEM_L1));
	check_hold_covers(buf, len, &s);
}

/* ------------------------------------------------------------------ */
/* Hold: how much of a tail may begin a value not yet reported. */

struct hold_case {
	const char *name;
	const char *det;
	const char *tail;
	size_t want;
};

static const struct hold_case hold_cases[] = {
	{ "card_grouped_in_progress", "card", "...4111 1111 11", 12 },
	{ "card_json_close_holds_nothing", "card", "...abc}", 0 },
	{ "card_full_value_trailing_space", "card",
	  "x 4111 1111 1111 1111 ", 20 },
	{ "card_19_digits_trailing_dash", "card",
	  "x 4111-1111-1111-1111-111-", 24 },
	{ "card_max_len_trailing_space", "card",
	  "x 4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 6 ", 38 },
	{ "card_single_digit_groups", "card", "0 0 0 0 0", 9 },
	{ "card_plain_run_over_19_digits", "card",
	  "x 41111111111111111111", 0 },
	{ "card_only_last_19_digits_of_groups", "card",
	  "1111 2222 3333 4444 5555 666", 23 },
	{ "card_double_space_ends_run", "card", "12  34", 2 },
	{ "card_lone_separator", "card", "abc ", 0 },
	{ "card_empty_tail", "card", "", 0 },
	{ "card_whole_tail_is_digits", "card", "1234", 4 },
	{ "ssn_complete_value_unterminated", "ssn", "x123-45-6789", 11 },
	{ "ssn_dash_after_value_already_reported", "ssn", "x123-45-6789-", 0 },
	{ "ssn_last_digit_missing", "ssn", "x123-45-678", 10 },
	{ "ssn_first_digits", "ssn", "abc 12", 2 },
	{ "ssn_four_digit_run_cannot_start", "ssn", "x 1234", 0 },
	{ "ssn_after_digit_dash", "ssn", "1-123-4", 5 },
	{ "ssn_json_close", "ssn", "\"123\"}", 0 },
	{ "email_local_part_in_progress", "email", "name jo", 2 },
	{ "email_domain_in_progress", "email", "x a@exam", 6 },
	{ "email_right_after_at", "email", "x john@", 5 },
	{ "email_trailing_dot", "email", "x a@b.com.", 8 },
	{ "email_plain_text_ends_in_space", "email", "hello ", 0 },
	{ "email_local_run_over_64", "email",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	{ "email_local_over_64_before_at", "email",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@ex",
	  2 },
	{ "iban_country_code_only", "iban", "x DE", 2 },
	{ "iban_spaced_in_progress", "iban", "x DE89 3704 00", 12 },
	{ "iban_trailing_space_pending", "iban",
	  "x DE89 3704 0044 0532 0130 00 ", 28 },
	{ "iban_digits_first_cannot_start", "iban", "x 12AB", 0 },
	{ "iban_glued_to_word", "iban", "xyzDE89", 0 },
	{ "phone_plus_alone", "phone", "tel +", 1 },
	{ "phone_e164_in_progress", "phone", "tel +44 20 79", 9 },
	/* phone holds the run of value bytes: no context, no metadata */
	{ "phone_e164_over_15_digits_held_as_value_bytes", "phone",
	  "+1234567890123456", 17 },
	{ "phone_national_in_progress", "phone", "x 020 7946 09", 11 },
	{ "phone_national_pending_space", "phone", "x 020 7946 ", 9 },
	{ "phone_trunk_parens_open", "phone", "x +46 (", 5 },
	{ "phone_after_double_space", "phone", "x 12  34", 2 },
	{ "phone_context_word_not_held", "phone", "tel: ", 0 },
	{ "ssn_bare_after_context", "ssn", "\"ssn\":\"53622", 5 },
	{ "ssn_bare_without_context", "ssn", "\"id\":\"53622", 0 },
	{ "ssn_spaced_after_context", "ssn", "ssn 536 22 87", 9 },
	{ "phone_nanp_parens", "phone", "tel (415) 55", 8 },
	{ "phone_nanp_full_then_dash", "phone", "x 415-555-2671-", 13 },
	{ "phone_json_close", "phone", "\"x\"}", 0 },
	{ "ipv4_three_groups", "ipv4", "ip 10.0.0", 6 },
	{ "ipv4_full_then_dot", "ipv4", "ip 10.0.0.1.", 9 },
	{ "ipv4_five_groups", "ipv4", "v 1.2.3.4.5", 0 },
	{ "ipv4_glued_to_letter", "ipv4", "v1.2", 0 },
	{ "ipv6_in_progress", "ipv6", "ip 2001:db8:", 9 },
	{ "ipv6_hex_word_before_colon", "ipv6", "a cafe", 4 },
	{ "ipv6_long_hex_word", "ipv6", "a cafebabe", 0 },
	{ "ipv6_after_letter", "ipv6", "std::", 0 },
	{ "aws_prefix", "aws_access_key", "k=AKI", 3 },
	{ "aws_key_complete", "aws_access_key", "k=AKIAIOSFODNN7EXAMPLE", 20 },
	{ "aws_other_word", "aws_access_key", "k=AKIB", 0 },
	{ "gcp_prefix", "gcp_api_key", "k=AIza-_", 6 },
	{ "gcp_glued", "gcp_api_key", "xAIza", 0 },
	{ "jwt_prefix", "jwt", "t=ey", 2 },
	{ "jwt_in_progress", "jwt", "t=" JWT_HDR ".eyJzd", 42 },
	{ "jwt_other_word", "jwt", "t=abc.def", 0 },
	{ "bearer_token_in_progress", "bearer",
	  "Authorization: Bearer mF_9.B5", 7 },
	{ "bearer_scheme_only", "bearer", "Authorization: Bearer ", 0 },
	{ "bearer_other_scheme", "bearer", "Authorization: Digest abc", 0 },
	{ "basic_in_progress", "basic_auth", "authorization: BASIC dXNl", 4 },
	{ "basic_plain_word", "basic_auth", "the basic idea", 0 },
	{ "pem_first_line_in_progress", "pem_private_key",
	  "-----BEGIN PRIVATE KEY-----\nMIIB", 4 },
	{ "pem_escaped_line_in_progress", "pem_private_key",
	  "\"-----BEGIN PRIVATE KEY-----\\nMIIB", 4 },
	{ "pem_header_line_not_body", "pem_private_key", "Host: x\r\nAcce", 0 },
	{ "pem_after_end_marker", "pem_private_key",
	  "-----END PRIVATE KEY-----\nabc", 0 },
	{ "pem_pending_backslash", "pem_private_key",
	  "-----BEGIN PRIVATE KEY-----\\nMIIB\\", 5 },
	{ "pem_escaped_break_then_backslash", "pem_private_key",
	  "-----BEGIN PRIVATE KEY-----\\n\\", 1 },
	{ "pem_break_then_backslash", "pem_private_key",
	  "-----BEGIN PRIVATE KEY-----\r\n\\", 1 },
	{ "pem_escaped_slash_in_line", "pem_private_key",
	  "-----BEGIN PRIVATE KEY-----\nab\\/cd", 6 },
};

static void
hold_table(void)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(hold_cases); i++) {
		const struct hold_case *c = &hold_cases[i];
		const struct wm_detector *d = wm_detect_find(c->det);

		wm_test_case = c->name;
		CHECK(d != NULL);
		if (d == NULL)
			continue;
		CHECK_EQ(d->hold(d, (const uint8_t *)c->tail, strlen(c->tail)),
			 c->want);
	}
}

static void
hold_covers_every_confirmed_value(void)
{
	static uint8_t buf[BUF_MAX];

	for (size_t i = 0; i < WM_ARRAY_SIZE(scan_cases); i++) {
		const struct scan_case *c = &scan_cases[i];
		size_t len = build_stream(buf, 0, c->text);
		struct scan s;

		wm_test_case = c->name;
		scan_buf(buf, len, len, &s);
		check_hold_covers(buf, len, &s);
		len = build_stream(buf, PREFIX_LEN, c->text);
		scan_buf(buf, len, len, &s);
		check_hold_covers(buf, len, &s);
	}
}

/* Deterministic xorshift: the same streams on every run. */
static uint32_t
rnd(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

/*
 * Streams stitched from value-like pieces: hold must cover every value
 * any trigger confirms, wherever the stream is cut.
 */
/* Values found whose last max_len bytes only are masked. */
static unsigned int pieces_long;

static unsigned int
hold_covers_pieces(const char *const *pieces, size_t np, uint32_t seed,
		   int iters, size_t min_len)
{
	static uint8_t buf[BUF_MAX];
	uint32_t st = seed;
	unsigned int confirmed = 0;

	for (int iter = 0; iter < iters; iter++) {
		size_t len = 0;
		struct scan s;

		while (len < min_len) {
			const char *p = pieces[rnd(&st) % np];

			memcpy(buf + len, p, strlen(p));
			len += strlen(p);
		}
		buf[len++] = WM_DETECT_EOD_BYTE;
		scan_buf(buf, len, len, &s);
		CHECK(!s.overflow);
		check_hold_covers(buf, len, &s);
		confirmed += s.n;
		for (unsigned int i = 0; i < s.n; i++)
			pieces_long += s.f[i].end - s.f[i].start >= 250;
	}
	return confirmed;
}

static void
hold_covers_random_streams(void)
{
	static const char *const pieces[] = {
		"4111", "1111", "4111111111111111", "5555555555554444",
		"378282246310005", "123-45-6789", "372-18-4455", "-", " ",
		" ", "0", "7", "12", "a", "b.", "@", ".", "x@y.com",
		"john.doe", "@example.com", ".org", "\"", "}", ",", "\n", "%+_",
	};

	/* The streams did exercise confirm. */
	CHECK(hold_covers_pieces(pieces, WM_ARRAY_SIZE(pieces), 2463534242u,
				 3000, 200) > 1000);
}

static void
hold_covers_random_streams_new_detectors(void)
{
	static const char *const pieces[] = {
		"DE89", "3704", "0044", "0532", "0130", "00", " ", " ", "+",
		"+1 ", "415", "-555-", "2671", "(415) ", ".", "10.0.0.1",
		"192", ":", "::", "db8", "fe80", "AKIAIOSFODNN7EXAMPLE", "AKIA",
		"AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI", "\n", "\r\n", "\\n",
		JWT, "eyJ", ".", "Authorization: Bearer ",
		"Authorization: Basic ",
		"dXNlcjpwYXNz", "-----BEGIN PRIVATE KEY-----", "\n", PEM_L3,
		"MIIB", "x", "\"", ",", "\\/", "\\r\\n", "\\",
	};

	CHECK(hold_covers_pieces(pieces, WM_ARRAY_SIZE(pieces), 88172645u,
				 3000, 200) > 1000);
}

/* Key blocks and headers cut up: line breaks of every kind, escapes. */
static void
hold_covers_random_streams_pem_and_headers(void)
{
	static const char *const pieces[] = {
		"-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\\n", "-----END PRIVATE KEY-----",
		"\n", "\n", "\\n", "\\n", "\r\n", "\\r\\n", "\\/",
		"\\", "\r", "MIIB", "MIIB", "MIIB", "q7BF", "q7BF", "+/", "=",
		"==", "n", "r", " ", "\"", ":", "Authorization:", " Bearer ",
		" Basic ", "dXNlcjpwYXNz", "ab.c~",
	};

	unsigned int n = hold_covers_pieces(pieces, WM_ARRAY_SIZE(pieces),
					    362436069u, 4000, 200);

	CHECK(n > 500);
}

/*
 * Longer streams with long base64 runs, so that tokens and key lines
 * grow past the window (their last max_len bytes masked) or do not.
 */
static void
hold_covers_random_streams_long_values(void)
{
#define B56 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	static const char *const pieces[] = {
		B56, B56, B56, B56, B56, B56, PEM_L1, PEM_L2, PEM_L1, PEM_L2,
		"eyJ", JWT_HDR ".", ".", JWT_SIG, "\\n", "\n",
		"\r\n", " ", "\"", "Authorization: Bearer ",
		"authorization: basic ", "-----BEGIN RSA PRIVATE KEY-----",
		"-----END RSA PRIVATE KEY-----", "x", "=", "==",
	};

	pieces_long = 0;
	CHECK(hold_covers_pieces(pieces, WM_ARRAY_SIZE(pieces), 1234567u,
				 1000, 900) > 1000);
	CHECK(pieces_long > 50);
}

/* ------------------------------------------------------------------ */
/* Confirm called directly: windows the engine would not send twice. */

static void
confirm_full_window_unknown_start(void)
{
	/* A 256-byte window that is all digits up to the value: the run
	 * reaches win[0], what precedes it is unknown, so no boundary. */
	uint8_t win[WM_DETECT_WINDOW];
	const struct wm_detector *card = wm_detect_find("card");
	struct wm_span sp;

	memset(win, ' ', sizeof(win));
	memcpy(win, "4111111111111111\"", 17);
	CHECK(card->confirm(card, win, 17, &sp));
	CHECK_EQ(sp.start, 0);
	CHECK_EQ(sp.end, 16);
	/* Same bytes at the end of a full window that starts mid-run. */
	memset(win, '1', sizeof(win));
	memcpy(win + WM_DETECT_WINDOW - 17, "4111111111111111\"", 17);
	win[WM_DETECT_WINDOW - 18] = ' ';
	CHECK(card->confirm(card, win, WM_DETECT_WINDOW, &sp));
	CHECK_EQ(sp.start, WM_DETECT_WINDOW - 17);
	win[WM_DETECT_WINDOW - 18] = '1';
	CHECK(!card->confirm(card, win, WM_DETECT_WINDOW, &sp));
}

/*
 * A card's confirm reads no byte more than WM_DETECT_LOOKBACK before the
 * value, what every history holds: a full window whose bytes before
 * that were cut (the engine pads them with the first byte it kept, see
 * stream_hist_view) or are anything else gives the same answer.
 */
static void
card_confirm_reads_only_lookback(void)
{
	static const struct {
		const char *text, *val;
	} cases[] = {
		{ "t" RUN33 " 6011 0009 9013 9424 x", "6011 0009 9013 9424" },
		{ "t12345 6011 0009 9013 9424 x", "6011 0009 9013 9424" },
		{ "ES41 4300 6096 0528 7769 9035 x", "6096 0528 7769 9035" },
		{ "1Z 626 853 00 4461 590 4\"", "626 853 00 4461 590 4" },
		{ "1mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm 4111 1111 1111 1111 x",
		  "4111 1111 1111 1111" },
	};
	/* 0: the engine's pad; else a run of digits, a word, spaces */
	static const uint8_t fills[] = { 0, '1', 'a', ' ' };
	const struct wm_detector *card = wm_detect_find("card");
	uint8_t win[WM_DETECT_WINDOW], cut[WM_DETECT_WINDOW];

	for (size_t i = 0; i < WM_ARRAY_SIZE(cases); i++) {
		size_t n = strlen(cases[i].text), at = WM_DETECT_WINDOW - n;
		size_t s = at + (size_t)(strstr(cases[i].text, cases[i].val) -
					 cases[i].text);
		struct wm_span sp = { 0, 0 }, sc;
		bool ok;

		wm_test_case = cases[i].text;
		memset(win, 'k', at);
		memcpy(win + at, cases[i].text, n);
		ok = card->confirm(card, win, WM_DETECT_WINDOW, &sp);
		for (size_t c = 0; c <= s - WM_DETECT_LOOKBACK; c++) {
			for (size_t f = 0; f < WM_ARRAY_SIZE(fills); f++) {
				memcpy(cut, win, sizeof(cut));
				memset(cut, fills[f] ? fills[f] : win[c], c);
				sc = (struct wm_span){ 0, 0 };
				CHECK(card->confirm(card, cut, WM_DETECT_WINDOW,
						    &sc) == ok);
				CHECK(sc.start == sp.start && sc.end == sp.end);
			}
		}
	}
}

static void
confirm_rejects_unterminated_window(void)
{
	static const char *const unterminated[] = {
		"x4111111111111111", "x123-45-6789", "a@b",
		"DE89370400440532013000", "x 415-555-2671", "x 10.0.0.1",
		"x 2001:db8::1", "x AKIAIOSFODNN7EXAMPLE",
		"x AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI", "x " JWT,
		"Authorization: Bearer abc",
		"Authorization: Basic dXNlcjpwYXNz",
		"-----BEGIN PRIVATE KEY-----\nMIIB",
	};
	struct wm_span sp;

	for (unsigned int k = 0; k < wm_detect_count(); k++) {
		const struct wm_detector *d = wm_detect_get(k);

		wm_test_case = d->name;
		CHECK(!d->confirm(d, (const uint8_t *)"", 0, &sp));
		CHECK(!d->confirm(d, (const uint8_t *)"\n", 1, &sp));
		for (size_t i = 0; i < WM_ARRAY_SIZE(unterminated); i++)
			CHECK(!d->confirm(d, (const uint8_t *)unterminated[i],
					  strlen(unterminated[i]), &sp));
	}
}

/* ------------------------------------------------------------------ */
/* Registry, patterns and validators. */

static void
registry_find_count_get(void)
{
	static const char *const names[] = {
		"card", "ssn", "email", "iban", "phone", "ipv4", "ipv6",
		"aws_access_key", "gcp_api_key", "jwt", "bearer", "basic_auth",
		"pem_private_key",
	};

	CHECK_EQ(wm_detect_count(), WM_ARRAY_SIZE(names));
	for (unsigned int i = 0; i < WM_ARRAY_SIZE(names); i++) {
		const struct wm_detector *d = wm_detect_find(names[i]);

		CHECK(d != NULL);
		CHECK(d == wm_detect_get(i));
	}
	CHECK(wm_detect_find("passport") == NULL);
	CHECK(wm_detect_find("") == NULL);
	CHECK(wm_detect_find(NULL) == NULL);
	CHECK(wm_detect_get(wm_detect_count()) == NULL);
}

static void
detector_fields_and_window_bound(void)
{
	static const struct {
		const char *name;
		unsigned int max_len, min_chars;
	} want[] = {
		{ "card", 37, 13 },          { "ssn", 11, 9 },
		{ "email", 253, 4 },         { "iban", 42, 15 },
		{ "phone", 32, 6 },          { "ipv4", 15, 4 },
		{ "ipv6", 45, 2 },           { "aws_access_key", 20, 20 },
		{ "gcp_api_key", 39, 4 },    { "jwt", 253, 3 },
		{ "bearer", 253, 1 },        { "basic_auth", 253, 2 },
		{ "pem_private_key", 250, 1 },
	};

	for (unsigned int i = 0; i < wm_detect_count(); i++) {
		const struct wm_detector *d = wm_detect_get(i);

		wm_test_case = d->name;
		CHECK(d->name != NULL && strlen(d->name) < WM_NAME_MAX);
		CHECK(d->pattern != NULL && d->separators != NULL);
		CHECK(d->classes != NULL && d->classes[0] != '\0');
		CHECK(d->hold != NULL && d->confirm != NULL);
		CHECK(d->max_len > 0);
		CHECK(d->max_len + 3 <= WM_DETECT_WINDOW);
		CHECK(d->min_chars > 0);
		CHECK(d->priv == NULL);
		/* A separator is a byte a value may hold. */
		for (const char *p = d->separators; *p != '\0'; p++)
			CHECK(strchr(d->classes, *p) != NULL);
	}
	for (size_t i = 0; i < WM_ARRAY_SIZE(want); i++) {
		const struct wm_detector *d = wm_detect_find(want[i].name);

		wm_test_case = want[i].name;
		CHECK(d != NULL);
		if (d == NULL)
			continue;
		CHECK_EQ(d->max_len, want[i].max_len);
		CHECK_EQ(d->min_chars, want[i].min_chars);
	}
}

/* Each trigger on its own: streaming mode, no SOM flag. */
static void
patterns_compile_streaming_without_som(void)
{
	for (unsigned int i = 0; i < wm_detect_count(); i++) {
		const struct wm_detector *d = wm_detect_get(i);
		hs_database_t *one = NULL;
		hs_compile_error_t *err = NULL;

		wm_test_case = d->name;
		CHECK((d->hs_flags & HS_FLAG_SOM_LEFTMOST) == 0);
		if (hs_compile(d->pattern, d->hs_flags, HS_MODE_STREAM, NULL,
			       &one, &err) != HS_SUCCESS) {
			fprintf(stderr, "  %s: %s\n", d->name, err->message);
			hs_free_compile_error(err);
			CHECK(false);
			continue;
		}
		CHECK(one != NULL);
		hs_free_database(one);
	}
}

static void
luhn_validator(void)
{
	CHECK(wm_detect_luhn((const uint8_t *)"4111111111111111", 16));
	CHECK(wm_detect_luhn((const uint8_t *)"378282246310005", 15));
	CHECK(wm_detect_luhn((const uint8_t *)"0", 1));
	CHECK(!wm_detect_luhn((const uint8_t *)"4111111111111112", 16));
	CHECK(!wm_detect_luhn((const uint8_t *)"4111 1111", 9));
	CHECK(!wm_detect_luhn((const uint8_t *)"", 0));
}

static void
ssn_validator(void)
{
	CHECK(wm_detect_ssn_valid((const uint8_t *)"123456789"));
	CHECK(wm_detect_ssn_valid((const uint8_t *)"899990001"));
	CHECK(wm_detect_ssn_valid((const uint8_t *)"078051121"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"000456789"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"666456789"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"900456789"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"123006789"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"123450000"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"12345678a"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"078051120"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"219099999"));
	CHECK(!wm_detect_ssn_valid((const uint8_t *)"457555462"));
}

static void
mod97_validator(void)
{
	CHECK(wm_detect_mod97((const uint8_t *)"DE89370400440532013000", 22));
	CHECK(wm_detect_mod97((const uint8_t *)"gb29nwbk60161331926819", 22));
	CHECK(wm_detect_mod97((const uint8_t *)"NO9386011117947", 15));
	CHECK(!wm_detect_mod97((const uint8_t *)"DE89370400440532013001", 22));
	CHECK(!wm_detect_mod97((const uint8_t *)"DE89 3704", 9));
	CHECK(!wm_detect_mod97((const uint8_t *)"DE89", 4));
}

static void
validator_names_parse(void)
{
	enum wm_validator v = WM_VALIDATE_MOD97;

	CHECK_EQ(wm_validator_parse("none", &v), 0);
	CHECK_EQ(v, WM_VALIDATE_NONE);
	CHECK_EQ(wm_validator_parse("luhn", &v), 0);
	CHECK_EQ(v, WM_VALIDATE_LUHN);
	CHECK_EQ(wm_validator_parse("mod97", &v), 0);
	CHECK_EQ(v, WM_VALIDATE_MOD97);
	CHECK(wm_validator_parse("Luhn", &v) < 0);
	CHECK(wm_validator_parse("", &v) < 0);
	CHECK(wm_validator_parse(NULL, &v) < 0);
}

/* ------------------------------------------------------------------ */
/* Configured copies: context words and regions from a policy rule. */

struct one {
	const struct wm_detector *d;
	const uint8_t *buf;
	unsigned int n;
	size_t start, end;   /* the last value found */
};

static int
on_match_one(unsigned int id, unsigned long long from, unsigned long long to,
	     unsigned int flags, void *ctx)
{
	struct one *o = ctx;
	size_t ws = to > WM_DETECT_WINDOW ? to - WM_DETECT_WINDOW : 0;
	struct wm_span sp;

	(void)id;
	(void)from;
	(void)flags;
	if (!o->d->confirm(o->d, o->buf + ws, to - ws, &sp))
		return 0;
	o->n++;
	o->start = ws + sp.start;
	o->end = ws + sp.end;
	return 0;
}

/*
 * Scan @text (and the EOD byte) with @d's trigger alone, byte by byte,
 * confirm each end: the number of values, the last in @val (or "").
 */
static unsigned int
scan_one(const struct wm_detector *d, const char *text, char *val,
	 size_t cap)
{
	static uint8_t buf[BUF_MAX];
	hs_database_t *odb = NULL;
	hs_scratch_t *osc = NULL;
	hs_stream_t *st = NULL;
	hs_compile_error_t *err = NULL;
	struct one o = { .d = d, .buf = buf };
	size_t len = build_stream(buf, 0, text);

	val[0] = '\0';
	if (hs_compile(d->pattern, d->hs_flags, HS_MODE_STREAM, NULL, &odb,
		       &err) != HS_SUCCESS) {
		hs_free_compile_error(err);
		return 1000;
	}
	if (hs_alloc_scratch(odb, &osc) == HS_SUCCESS &&
	    hs_open_stream(odb, 0, &st) == HS_SUCCESS) {
		for (size_t i = 0; i < len; i++)
			hs_scan_stream(st, (const char *)buf + i, 1, 0, osc,
				       on_match_one, &o);
		hs_close_stream(st, osc, NULL, NULL);
	}
	hs_free_scratch(osc);
	hs_free_database(odb);
	if (o.n > 0 && o.end - o.start < cap) {
		memcpy(val, buf + o.start, o.end - o.start);
		val[o.end - o.start] = '\0';
	}
	return o.n;
}

static struct wm_detector *
configure(const char *name, const char *const *words, int nwords,
	  const char *const *regions, int nregions)
{
	const struct wm_detector *base = wm_detect_find(name);
	struct wm_detect_params p;
	char err[256];
	struct wm_detector *d;

	wm_detect_params_get(base, &p);
	if (nwords >= 0) {
		p.ncontext = (unsigned int)nwords;
		for (int i = 0; i < nwords; i++)
			snprintf(p.context[i], sizeof(p.context[i]), "%s",
				 words[i]);
	}
	if (nregions >= 0) {
		p.nregions = (unsigned int)nregions;
		for (int i = 0; i < nregions; i++)
			snprintf(p.regions[i], sizeof(p.regions[i]), "%s",
				 regions[i]);
	}
	d = wm_detect_configure(base, &p, err, sizeof(err));
	if (d == NULL)
		fprintf(stderr, "  configure %s: %s\n", name, err);
	return d;
}

/* The built-in triggers are wm_context_pattern() of their defaults. */
static void
configured_defaults_keep_builtin_trigger(void)
{
	static const char *const names[] = { "ssn", "phone" };

	for (size_t i = 0; i < WM_ARRAY_SIZE(names); i++) {
		struct wm_detector *d = configure(names[i], NULL, -1, NULL, -1);

		wm_test_case = names[i];
		CHECK(d != NULL);
		if (d == NULL)
			continue;
		CHECK(strcmp(d->pattern, wm_detect_find(names[i])->pattern) == 0);
		CHECK(d->priv != NULL);
		wm_detect_configured_free(d);
	}
	CHECK_EQ(wm_detect_takes(wm_detect_find("card")), 0);
	CHECK_EQ(wm_detect_takes(wm_detect_find("ssn")),
		 WM_DETECT_TAKES_CONTEXT);
	CHECK_EQ(wm_detect_takes(wm_detect_find("phone")),
		 WM_DETECT_TAKES_CONTEXT | WM_DETECT_TAKES_REGIONS);
}

static void
ssn_context_words_configured_on_and_off(void)
{
	static const char *const taxid[] = { "TaxID" };
	struct wm_detector *own = configure("ssn", taxid, 1, NULL, -1);
	struct wm_detector *off = configure("ssn", NULL, 0, NULL, -1);
	char v[64];

	CHECK(own != NULL && off != NULL);
	if (own == NULL || off == NULL)
		goto out;
	/* The configured word works, in any case; the default one no more. */
	CHECK_EQ(scan_one(own, "{\"taxid\": \"536228726\"}", v, sizeof(v)), 1);
	CHECK(strcmp(v, "536228726") == 0);
	CHECK_EQ(scan_one(own, "{\"ssn\": \"536228726\"}", v, sizeof(v)), 0);
	/* No words: bare digits never, the dashed form always. */
	CHECK_EQ(scan_one(off, "{\"ssn\": \"536228726\"}", v, sizeof(v)), 0);
	CHECK_EQ(scan_one(off, "{\"ssn\": \"536 22 8726\"}", v, sizeof(v)), 0);
	CHECK_EQ(scan_one(off, "{\"ssn\": \"536-22-8726\"}", v, sizeof(v)), 1);
	CHECK(strcmp(v, "536-22-8726") == 0);
	/* The built-in, for comparison. */
	CHECK_EQ(scan_one(wm_detect_find("ssn"), "{\"ssn\": \"536228726\"}", v,
			  sizeof(v)), 1);
out:
	wm_detect_configured_free(own);
	wm_detect_configured_free(off);
}

static void
phone_regions_configured(void)
{
	static const char *const au[] = { "AU" }, *const us[] = { "US" };
	static const char *const de[] = { "DE" };
	struct wm_detector *dau = configure("phone", NULL, -1, au, 1);
	struct wm_detector *dus = configure("phone", NULL, -1, us, 1);
	struct wm_detector *dde = configure("phone", NULL, -1, de, 1);
	char v[64];

	CHECK(dau != NULL && dus != NULL && dde != NULL);
	if (dau == NULL || dus == NULL || dde == NULL)
		goto out;
	/* Sydney: valid in the default region AU. */
	CHECK_EQ(scan_one(dau, "office (02) 9876 5432.", v, sizeof(v)), 1);
	CHECK(strcmp(v, "(02) 9876 5432") == 0);
	/* A Berlin number is no US number, and is one in DE. */
	CHECK_EQ(scan_one(dus, "Berlin 030 12345678;", v, sizeof(v)), 0);
	CHECK_EQ(scan_one(dde, "Berlin 030 12345678;", v, sizeof(v)), 1);
	CHECK(strcmp(v, "030 12345678") == 0);
	/* The default region reads a number however it is grouped. */
	CHECK_EQ(scan_one(dde, "Berlin 03012 345678;", v, sizeof(v)), 1);
	/* International numbers do not depend on the regions. */
	CHECK_EQ(scan_one(dus, "uk +44 20 7946 0958.", v, sizeof(v)), 1);
out:
	wm_detect_configured_free(dau);
	wm_detect_configured_free(dus);
	wm_detect_configured_free(dde);
}

static void
configure_refuses_what_a_detector_does_not_take(void)
{
	static const char *const bad_region[] = { "XX" };
	static const char *const lower[] = { "de" };
	static const char *const bad_word[] = { "1tel" };
	static const char *const regex_word[] = { "tel.*" };
	const struct wm_detector *card = wm_detect_find("card");
	struct wm_detect_params p;
	char err[256];

	memset(&p, 0, sizeof(p));
	p.ncontext = 1;
	strcpy(p.context[0], "pan");
	errno = 0;
	CHECK(wm_detect_configure(card, &p, err, sizeof(err)) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(configure("phone", NULL, -1, bad_region, 1) == NULL);
	CHECK(configure("phone", NULL, -1, lower, 1) == NULL);
	CHECK(configure("ssn", NULL, -1, lower, 1) == NULL);
	CHECK(configure("ssn", bad_word, 1, NULL, -1) == NULL);
	CHECK(configure("phone", regex_word, 1, NULL, -1) == NULL);
	CHECK(wm_detect_context_word_ok("social security"));
	CHECK(wm_detect_context_word_ok("ss#"));
	CHECK(!wm_detect_context_word_ok(""));
	CHECK(!wm_detect_context_word_ok("a\"b"));
	CHECK(wm_detect_region_ok("GB") && wm_detect_region_ok("US"));
	CHECK(!wm_detect_region_ok("UK") && !wm_detect_region_ok("gb"));
	wm_detect_configured_free(NULL);
}

/*
 * One detector's own hold, not the largest over all of them (card's
 * hold of digit runs would hide a short one): each value @det confirms
 * in @text, cut after every byte before its trigger, is held from its
 * first byte on.
 */
static void
own_hold_covers_every_cut(const char *det, const char *text)
{
	static uint8_t buf[BUF_MAX];
	const struct wm_detector *d = wm_detect_find(det);
	size_t len = build_stream(buf, PREFIX_LEN, text);
	unsigned int mine = 0;
	struct scan s;

	wm_test_case = text;
	scan_buf(buf, len, len, &s);
	for (unsigned int i = 0; i < s.n; i++) {
		const struct found *f = &s.f[i];

		if (wm_detect_get(f->id) != d)
			continue;
		mine++;
		for (size_t cut = f->start + 1; cut < f->trig; cut++) {
			size_t tl = WM_MIN(cut, (size_t)WM_DETECT_WINDOW);
			size_t h = d->hold(d, buf + cut - tl, tl);

			if (cut - h > f->start)
				fprintf(stderr, "  %s: cut %zu held %zu, value "
					"starts %zu\n", det, cut - f->start, h,
					f->start);
			CHECK(cut - h <= f->start);
		}
	}
	CHECK(mine >= 1);
}

static void
phone_hold_covers_a_number_cut_at_every_byte(void)
{
	static const char *const texts[] = {
		"office 020 7946 0958.", "Berlin 030 12345678;",
		"mobiel 06-12345678 x", "bureau 01.84.17.61.18 x",
		"gsm 0490 75 40 81\n", "cel (11) 91234-5678 x",
		"ofis 8 (495) 123-45-67 x", "tel. 0044 20 7946 0958 x",
		"desk +46 (0)8 928 571 38\n", "{\"m\":\"+4915112345678\"}",
		"phone=9498777106&", "tel: 467 3395\n",
		"{\"homePhone\":\"4673395\"}", "call 905-674-3793.",
		"1-800-555-0199 x", "(415)555-2671;",
	};

	for (size_t i = 0; i < WM_ARRAY_SIZE(texts); i++)
		own_hold_covers_every_cut("phone", texts[i]);
}

static void
ssn_hold_covers_context_forms_cut_at_every_byte(void)
{
	static const char *const texts[] = {
		"{\"ssn\": \"536228726\"}", "{\"ssn2\": \"536 22 8726\"}",
		"Social Security No. 536228726.", "name=x&SSN=536228726&y=1",
		"ssn 123-45-6789 x",
	};

	for (size_t i = 0; i < WM_ARRAY_SIZE(texts); i++)
		own_hold_covers_every_cut("ssn", texts[i]);
}

/* National numbers and context words cut up: hold covers every value. */
static void
hold_covers_random_streams_phone_and_ssn_context(void)
{
	static const char *const pieces[] = {
		"020", " ", "7946", "0958", "030", "12345678", "06-", "(02) ",
		"9876", " 5432", "+46 ", "(0)8 ", "928 571 38", "0044 ",
		"tel: ", "phone=", "\"mobile\":\"", "4673395", "9498777106",
		"ssn ", "\"ssn2\": \"", "536228726", "536 22 8726", "-",
		".", "/", "\"", ",", "&", "\n", "x", "  ", "2026-11-22",
	};

	CHECK(hold_covers_pieces(pieces, WM_ARRAY_SIZE(pieces), 521288629u,
				 3000, 200) > 1000);
}

static int
db_build(void)
{
	const char *exprs[WM_DETECT_MAX];
	unsigned int flags[WM_DETECT_MAX], ids[WM_DETECT_MAX];
	unsigned int n = wm_detect_count();
	hs_compile_error_t *err = NULL;

	for (unsigned int i = 0; i < n; i++) {
		exprs[i] = wm_detect_get(i)->pattern;
		flags[i] = wm_detect_get(i)->hs_flags;
		ids[i] = i;
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_STREAM, NULL, &db,
			     &err) != HS_SUCCESS) {
		fprintf(stderr, "hs_compile_multi: %s\n", err->message);
		hs_free_compile_error(err);
		return -1;
	}
	return hs_alloc_scratch(db, &scratch) == HS_SUCCESS ? 0 : -1;
}

/* All the built-in triggers in one streaming database, no SOM. */
static void
all_triggers_compile_in_one_streaming_database(void)
{
	size_t size = 0;

	CHECK(db_build() == 0);
	CHECK(db != NULL && hs_stream_size(db, &size) == HS_SUCCESS);
	CHECK(size > 0 && size < 1024);
}

int
main(void)
{
	RUN(registry_find_count_get);
	RUN(detector_fields_and_window_bound);
	RUN(patterns_compile_streaming_without_som);
	RUN(luhn_validator);
	RUN(ssn_validator);
	RUN(mod97_validator);
	RUN(validator_names_parse);
	RUN(hold_table);
	RUN(confirm_full_window_unknown_start);
	RUN(card_confirm_reads_only_lookback);
	RUN(confirm_rejects_unterminated_window);
	RUN(all_triggers_compile_in_one_streaming_database);
	if (db == NULL || scratch == NULL)
		TEST_END();
	RUN(scan_table);
	RUN(two_grouped_cards_one_space_apart);
	RUN(card_max_len_separator_after_every_digit);
	RUN(jwt_longer_than_window_masks_last_253);
	RUN(bearer_longer_than_window_masks_last_253);
	RUN(pem_line_longer_than_250_masks_last_250);
	RUN(pem_many_lines_all_masked);
	RUN(hold_covers_every_confirmed_value);
	RUN(hold_covers_random_streams);
	RUN(hold_covers_random_streams_new_detectors);
	RUN(hold_covers_random_streams_long_values);
	RUN(hold_covers_random_streams_pem_and_headers);
	RUN(hold_covers_random_streams_phone_and_ssn_context);
	RUN(phone_hold_covers_a_number_cut_at_every_byte);
	RUN(ssn_hold_covers_context_forms_cut_at_every_byte);
	RUN(configured_defaults_keep_builtin_trigger);
	RUN(ssn_context_words_configured_on_and_off);
	RUN(phone_regions_configured);
	RUN(configure_refuses_what_a_detector_does_not_take);
	hs_free_scratch(scratch);
	hs_free_database(db);
	TEST_END();
}
