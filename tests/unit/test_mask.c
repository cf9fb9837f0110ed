/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Masking operators: every case runs out of place and in place (in ==
 * out) and must give the same bytes, of the same length.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "wm_common.h"
#include "wm_mask.h"
#include "wm_test.h"

#define VAL_MAX 320

struct mask_case {
	const char *name;
	struct wm_mask_params p;
	const char *separators;
	const char *in;
	const char *want;
};

#define REDACT(f) { .op = WM_MASK_REDACT, .fill = (f) }
#define PARTIAL(f, a, b) \
	{ .op = WM_MASK_PARTIAL, .fill = (f), .keep_first = (a), \
	  .keep_last = (b) }

static const struct mask_case cases[] = {
	{ "redact_card_spaces", REDACT('*'), " -", "4111 1111 1111 1111",
	  "**** **** **** ****" },
	{ "redact_card_dashes", REDACT('#'), " -", "4111-1111-1111-1111",
	  "####-####-####-####" },
	{ "redact_no_separators", REDACT('*'), "", "4111111111111111",
	  "****************" },
	{ "redact_null_separators", REDACT('*'), NULL, "12-34", "*****" },
	{ "partial_6_4_card_spaces", PARTIAL('*', 6, 4), " -",
	  "4111 1111 1111 1111", "4111 11** **** 1111" },
	{ "partial_6_4_card_plain", PARTIAL('*', 6, 4), " -",
	  "4111111111111111", "411111******1111" },
	{ "partial_6_4_amex_groups", PARTIAL('*', 6, 4), " -",
	  "3782 822463 10005", "3782 82**** *0005" },
	{ "partial_ssn_keep_last_4", PARTIAL('*', 0, 4), "-", "123-45-6789",
	  "***-**-6789" },
	{ "partial_keep_first_only", PARTIAL('*', 2, 0), "-", "123-45-6789",
	  "12*-**-****" },
	{ "partial_value_equal_to_kept_is_filled", PARTIAL('*', 6, 4), " -",
	  "4111 1111 11", "**** **** **" },
	{ "partial_value_shorter_than_kept_is_filled", PARTIAL('*', 6, 4), " -",
	  "123-45", "***-**" },
	{ "partial_one_more_than_kept", PARTIAL('*', 6, 4), "",
	  "12345678901", "123456*8901" },
	{ "partial_keep_nothing_is_redact", PARTIAL('*', 0, 0), "-",
	  "123-45-6789", "***-**-****" },
	{ "email_redact_keep_domain", { .op = WM_MASK_REDACT, .fill = 'x',
	  .keep_domain = true }, "@.", "john.doe@example.com",
	  "xxxx.xxx@example.com" },
	{ "email_redact_whole_address", REDACT('x'), "@.",
	  "john.doe@example.com", "xxxx.xxx@xxxxxxx.xxx" },
	{ "email_partial_keep_domain", { .op = WM_MASK_PARTIAL, .fill = '*',
	  .keep_first = 1, .keep_domain = true }, "@.", "john.doe@example.com",
	  "j***.***@example.com" },
	{ "email_partial_short_local_filled", { .op = WM_MASK_PARTIAL,
	  .fill = '*', .keep_first = 1, .keep_last = 1, .keep_domain = true },
	  "@.", "jo@example.com", "**@example.com" },
	{ "keep_domain_first_at_wins", { .op = WM_MASK_REDACT, .fill = 'x',
	  .keep_domain = true }, "", "a@b@c.io", "x@b@c.io" },
	{ "keep_domain_without_at_masks_all", { .op = WM_MASK_REDACT,
	  .fill = 'x', .keep_domain = true }, ".", "john.doe", "xxxx.xxx" },
	{ "keep_domain_at_first_byte", { .op = WM_MASK_REDACT, .fill = 'x',
	  .keep_domain = true }, "", "@example.com", "@example.com" },
	{ "empty_value", PARTIAL('*', 6, 4), " -", "", "" },
	{ "unknown_op_redacts_everything", { .op = WM_MASK_OP_MAX, .fill = '*',
	  .keep_first = 6, .keep_last = 4 }, " ", "4111 1111 1111 1111",
	  "**** **** **** ****" },
};

static void
run_case(const struct mask_case *c, size_t len, const uint8_t *in)
{
	uint8_t out[VAL_MAX + 1], inplace[VAL_MAX + 1];

	/* A canary after the value: nothing is written past len. */
	memset(out, '?', sizeof(out));
	wm_mask_apply(&c->p, c->separators, in, out, len, NULL);
	CHECK_MEM(out, c->want, len);
	CHECK_EQ(out[len], '?');
	memcpy(inplace, in, len);
	inplace[len] = '?';
	wm_mask_apply(&c->p, c->separators, inplace, inplace, len, NULL);
	CHECK_MEM(inplace, c->want, len);
	CHECK_EQ(inplace[len], '?');
}

static void
mask_table(void)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(cases); i++) {
		const struct mask_case *c = &cases[i];
		size_t len = strlen(c->in);

		wm_test_case = c->name;
		CHECK_EQ(strlen(c->want), len);
		run_case(c, len, (const uint8_t *)c->in);
	}
}

/*
 * The operator against its definition, on values drawn from digits and
 * separators: count the maskable bytes, keep none if there are no more
 * than keep_first + keep_last, else fill those between.
 */
static void
partial_matches_its_definition(void)
{
	static const char alpha[] = "0123- ";
	uint32_t seed = 12345;

	for (unsigned int t = 0; t < 20000; t++) {
		struct wm_mask_params p = { .op = WM_MASK_PARTIAL, .fill = '*' };
		uint8_t in[40], want[40], out[41], inplace[40];
		size_t len, n = 0, k = 0;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % sizeof(in);
		p.keep_first = (seed >> 16) % 8;
		p.keep_last = (seed >> 20) % 6;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (uint8_t)alpha[(seed >> 16) % (sizeof(alpha) - 1)];
			n += in[i] != '-' && in[i] != ' ';
		}
		for (size_t i = 0; i < len; i++) {
			bool sep = in[i] == '-' || in[i] == ' ';
			bool keep = n > (size_t)p.keep_first + p.keep_last &&
				    (k < p.keep_first || k >= n - p.keep_last);

			want[i] = sep || keep ? in[i] : '*';
			k += !sep;
		}
		memset(out, '?', sizeof(out));
		wm_mask_apply(&p, " -", in, out, len, NULL);
		memcpy(inplace, in, len);
		wm_mask_apply(&p, " -", inplace, inplace, len, NULL);
		CHECK_MEM(out, want, len);
		CHECK_EQ(out[len], '?');
		CHECK_MEM(inplace, want, len);
		if (wm_test_failures > 0)
			break;
	}
}

/* A NUL byte in a value is data, never a separator (strchr pitfall). */
static void
nul_byte_is_masked(void)
{
	static const struct mask_case c = { "nul", REDACT('*'), " -", "", "" };
	const uint8_t in[] = { '1', '\0', '2', ' ', '3' };
	uint8_t out[sizeof(in)];

	wm_mask_apply(&c.p, c.separators, in, out, sizeof(in), NULL);
	CHECK_MEM(out, "*** *", sizeof(in));
}

/* Longest e-mail value: every byte of the local part masked, in place. */
static void
long_value_in_place(void)
{
	struct wm_mask_params p = { .op = WM_MASK_PARTIAL, .fill = '*',
				    .keep_first = 2, .keep_last = 2 };
	uint8_t buf[VAL_MAX];
	size_t len = 253;

	memset(buf, 'a', len);
	wm_mask_apply(&p, "", buf, buf, len, NULL);
	CHECK_MEM(buf, "aa**", 4);
	CHECK_MEM(buf + len - 3, "*aa", 3);
	for (size_t i = 2; i < len - 2; i++)
		CHECK_EQ(buf[i], '*');
}

static void
op_parse_and_name(void)
{
	enum wm_mask_op op = WM_MASK_OP_MAX;

	CHECK_EQ(wm_mask_op_parse("redact", &op), 0);
	CHECK_EQ(op, WM_MASK_REDACT);
	CHECK_EQ(wm_mask_op_parse("partial", &op), 0);
	CHECK_EQ(op, WM_MASK_PARTIAL);
	CHECK_EQ(wm_mask_op_parse("tokenize", &op), -EINVAL);
	CHECK_EQ(wm_mask_op_parse("REDACT", &op), -EINVAL);
	CHECK_EQ(wm_mask_op_parse("redact ", &op), -EINVAL);
	CHECK_EQ(wm_mask_op_parse("", &op), -EINVAL);
	CHECK_EQ(wm_mask_op_parse(NULL, &op), -EINVAL);
	CHECK_EQ(wm_mask_op_parse("redact", NULL), -EINVAL);
	CHECK_EQ(op, WM_MASK_PARTIAL);
	for (int i = 0; i < WM_MASK_OP_MAX; i++) {
		enum wm_mask_op back = WM_MASK_OP_MAX;

		CHECK_EQ(wm_mask_op_parse(wm_mask_op_name(i), &back), 0);
		CHECK_EQ(back, i);
	}
	CHECK(strcmp(wm_mask_op_name(WM_MASK_REDACT), "redact") == 0);
	CHECK(strcmp(wm_mask_op_name(WM_MASK_PARTIAL), "partial") == 0);
	CHECK(wm_mask_op_name(WM_MASK_OP_MAX) != NULL);
	CHECK(wm_mask_op_parse(wm_mask_op_name(WM_MASK_OP_MAX), &op) == -EINVAL);
}

static void
alert_and_drop_leave_bytes(void)
{
	static const enum wm_mask_op ops[] = { WM_MASK_ALERT, WM_MASK_DROP };
	const uint8_t in[] = "4111 1111 1111 1111";
	uint8_t out[sizeof(in)];

	for (size_t i = 0; i < WM_ARRAY_SIZE(ops); i++) {
		struct wm_mask_params p = { .op = ops[i], .fill = '*' };

		memset(out, 0, sizeof(out));
		CHECK_EQ(wm_mask_apply(&p, " -", in, out, sizeof(in) - 1, NULL), 0);
		CHECK_MEM(out, in, sizeof(in) - 1);
	}
}

static void
keyed_without_key_fails_closed(void)
{
	struct wm_mask_params p = { .op = WM_MASK_TOKEN, .fill = '*' };
	const uint8_t in[] = "123-45-6789";
	uint8_t out[sizeof(in)];

	/* No key, no context: an error, and never the clear value. */
	CHECK(wm_mask_apply(&p, "-", in, out, sizeof(in) - 1, NULL) < 0);
	CHECK_MEM(out, "***-**-****", sizeof(in) - 1);
	p.op = WM_MASK_FPE;
	CHECK(wm_mask_apply(&p, "-", in, out, sizeof(in) - 1, NULL) < 0);
	CHECK_MEM(out, "***-**-****", sizeof(in) - 1);
	/* The "segment" tweak names the flow's segment from @env: none. */
	snprintf(p.tweak, sizeof(p.tweak), "segment");
	CHECK(wm_mask_apply(&p, "-", in, out, sizeof(in) - 1, NULL) < 0);
	CHECK_MEM(out, "***-**-****", sizeof(in) - 1);
}

/*
 * The beginning of what may still become a value: only first bytes may
 * stay, and only where every value of the detector keeps them.
 */
struct prefix_case {
	const char *name;
	struct wm_mask_params p;
	const char *separators;
	unsigned int min_chars;
	const char *in;
	const char *want;
	size_t changed;
};

static const struct prefix_case prefix_cases[] = {
	{ "partial_keeps_first_only", PARTIAL('*', 6, 4), " -", 13,
	  "4111 1111 11", "4111 11** **", 4 },
	{ "partial_short_values_keep_nothing", PARTIAL('*', 6, 4), " -", 10,
	  "4111 1111 11", "**** **** **", 10 },
	{ "partial_keep_last_only", PARTIAL('*', 0, 4), "-", 9,
	  "123-45-67", "***-**-**", 7 },
	{ "redact_fills_all", REDACT('x'), ".", 1, "jane.do", "xxxx.xx", 6 },
	{ "keep_domain_keeps_from_at", { .op = WM_MASK_REDACT, .fill = '*',
	  .keep_domain = true }, "", 1, "jane@exa", "****@exa", 4 },
	{ "token_fills_with_star", { .op = WM_MASK_TOKEN }, " -", 13,
	  "4111 11", "**** **", 6 },
	{ "drop_fills", { .op = WM_MASK_DROP, .fill = '#' }, "", 1, "ab1",
	  "###", 3 },
	{ "alert_keeps", { .op = WM_MASK_ALERT }, "", 1, "4111", "4111", 0 },
	{ "fill_byte_already_there", REDACT('*'), "", 1, "a*b", "***", 2 },
};

static void
prefix_table(void)
{
	for (size_t i = 0; i < WM_ARRAY_SIZE(prefix_cases); i++) {
		const struct prefix_case *c = &prefix_cases[i];
		size_t n = strlen(c->in);
		uint8_t out[VAL_MAX];
		size_t changed;

		changed = wm_mask_prefix(&c->p, c->separators, c->min_chars,
					 (const uint8_t *)c->in, out, n);
		if (memcmp(out, c->want, n) != 0 || changed != c->changed)
			fprintf(stderr, "  case %s: got [%.*s] changed %zu\n",
				c->name, (int)n, out, changed);
		CHECK(memcmp(out, c->want, n) == 0);
		CHECK_EQ(changed, c->changed);
	}
}

int
main(void)
{
	RUN(mask_table);
	RUN(partial_matches_its_definition);
	RUN(prefix_table);
	RUN(nul_byte_is_masked);
	RUN(long_value_in_place);
	RUN(op_parse_and_name);
	RUN(alert_and_drop_leave_bytes);
	RUN(keyed_without_key_fails_closed);
	TEST_END();
}
