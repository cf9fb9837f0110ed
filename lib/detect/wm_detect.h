/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in detectors. No EAL, no mbufs: pure functions over byte windows.
 *
 * A detector is found in three steps, so that Hyperscan runs without
 * start-of-match tracking (2.5-3x faster) and validation stays in C:
 *
 *  1. trigger: a Hyperscan expression (streaming mode, no SOM) that
 *     reports where a candidate value has *ended*. Every built-in trigger
 *     consumes one or two bytes after the value (the terminator: a byte
 *     that cannot continue the value), so a report is final: nothing that
 *     arrives later can make the value longer. At end of stream the
 *     caller feeds WM_DETECT_EOD_BYTE, which terminates every trigger.
 *
 *  2. confirm: given the stream bytes that end at the trigger's end,
 *     locate the value's start by walking back, apply the validator
 *     (Luhn, SSA rules, ...) and return the value's exact span.
 *
 *  3. hold: given the newest bytes of a stream, say how many of them
 *     might be the beginning of a value that has not ended yet. The
 *     stream engine holds back the packets carrying those bytes (the
 *     hold-back rule). It must never under-estimate.
 *
 *        stream:  ... "card":"4111 1111 1111 1111"}, ...
 *                              ^value            ^ ^trigger end
 *                                                terminator '"'
 *        window passed to confirm: up to WM_DETECT_WINDOW bytes ending
 *        at the trigger end.
 *
 * Built-ins, in registry (config) order, one file each (phone reads
 * numbering-plan metadata through phone_meta.h, C++):
 *   card ssn email iban phone ipv4 ipv6 aws_access_key gcp_api_key jwt
 *   bearer basic_auth pem_private_key
 * Most end on a terminator byte after the value. bearer and basic_auth
 * end on the first byte after the header's token; pem_private_key
 * reports each base64 line of a private key block, ending on the first
 * byte of its line break.
 *
 * A value longer than the window (a JWT, a bearer token, a base64 line
 * of more than max_len bytes) cannot be held or masked whole: jwt,
 * bearer, basic_auth and pem_private_key then mask its last max_len
 * bytes (the trigger proves the context the window no longer shows), and
 * the bytes before leave in clear. A JWT's signature is at its end, so a
 * token masked this way can no longer be replayed.
 */
#ifndef WM_DETECT_H
#define WM_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_common.h"

/*
 * Bytes of stream a confirm may look at, ending at the trigger's end.
 * Every detector satisfies max_len + 3 <= WM_DETECT_WINDOW (one byte of
 * context before the value, at most two terminator bytes after), which
 * caps an e-mail address at 253 bytes.
 */
#define WM_DETECT_WINDOW 256

/*
 * Bytes before a value's first byte that a confirm reads to judge it (a
 * card's run after an identifier): the stream keeps at least as many at
 * rest, so no answer depends on where the history was cut.
 */
#define WM_DETECT_LOOKBACK 32

/* Fed once at end of stream so that a value at the very end is reported. */
#define WM_DETECT_EOD_BYTE '\n'

/* Built-in detectors (the registry below); custom ones come after. */
#define WM_DETECT_BUILTINS 13

/* Most detectors in one policy (pattern ids are detector ids). */
#define WM_DETECT_MAX 32

/* A value's position inside the window given to confirm: [start, end). */
struct wm_span {
	uint16_t start;
	uint16_t end;
};

struct wm_detector {
	const char *name;        /* "card", "ssn", ...: the config name */
	const char *pattern;     /* Hyperscan trigger expression */
	unsigned int hs_flags;   /* HS_FLAG_* for the trigger */
	uint16_t max_len;        /* longest value, bytes, separators included */
	const char *separators;  /* bytes of a value that operators keep */

	/*
	 * Fewest characters a value has: digits for a digit-valued detector
	 * (card, ssn, phone, ipv4), letters and digits for the others (each
	 * detector's file says which it counts). The config loader refuses
	 * FF1 where the domain this leaves is under 10^6.
	 */
	uint8_t min_chars;

	/* The bytes a value may contain, for people: "0-9 -", "A-Za-z0-9". */
	const char *classes;

	/*
	 * @tail: the newest @len bytes of the stream (len may be smaller
	 * than max_len at stream start). Returns how many of the last bytes
	 * could start a value that has not ended yet: 0..min(len, max_len
	 * + 1) (one more than max_len when a value may still be followed
	 * by a separator that only the next byte can tell from its end).
	 */
	size_t (*hold)(const struct wm_detector *d, const uint8_t *tail,
		       size_t len);

	/*
	 * @win: @len bytes of stream ending at the trigger's end (len <=
	 * WM_DETECT_WINDOW; shorter near stream start, in which case win[0]
	 * is the first byte of the stream). Returns true and fills @span
	 * when a valid value ends there; false for a false positive (Luhn
	 * fails, SSN area 666, digits inside a longer run, ...).
	 */
	bool (*confirm)(const struct wm_detector *d, const uint8_t *win,
			size_t len, struct wm_span *span);

	void *priv; /* custom detectors: compiled confirm database etc. */
};

/*
 * Settings a built-in detector may take from the config, per policy
 * rule (see wm_detect_configure()).
 *
 * Context words (what Presidio's context enhancer does): a word, in any
 * case, that starts a word of the text (after a byte that is neither
 * letter nor digit, or as the capital of a camelCase name:
 * "mobilePhone"), whose token (the word and up to 16 letters, digits or
 * '_' glued after it: "ssn2", "phone_number") ends at most context_bytes
 * bytes before a value's first byte, with no digit, ',', ';' or '&'
 * between (those mean the word names another value). "ssn" before
 * "536228726" makes nine bare digits an SSN; "tel" before "4673395"
 * makes a short national number a phone number. JSON keys and form
 * field names are words like any other ("ssn": "...", phone=...). The
 * context lies before the value, so it never lengthens a hold; the
 * trigger looks for the words itself (a literal-led alternative), and
 * the confirm window (WM_DETECT_WINDOW bytes ending at the trigger)
 * contains them.
 *
 * Regions (phone): two-letter codes of the numbering plans a national
 * number is read in, the first the default region (see detect_phone.c).
 */
#define WM_CONTEXT_MAX 8          /* words per detector */
#define WM_CONTEXT_WORD_MAX 32    /* bytes per word, NUL included */
#define WM_CONTEXT_BYTES_MAX 32   /* word end to value start, at most: the
				   * word and the gap fit the 64 bytes a
				   * stream keeps at rest (WM_STREAM_TAIL) */
#define WM_REGIONS_MAX 64

struct wm_detect_params {
	unsigned int ncontext;
	char context[WM_CONTEXT_MAX][WM_CONTEXT_WORD_MAX]; /* lower case */
	unsigned int context_bytes;
	unsigned int nregions;
	char regions[WM_REGIONS_MAX][3];  /* upper case, [0]: the default */
};

/* What wm_detect_takes() may say a detector takes. */
#define WM_DETECT_TAKES_CONTEXT 0x1
#define WM_DETECT_TAKES_REGIONS 0x2

/** Which settings built-in @d takes (WM_DETECT_TAKES_*), 0: none. */
unsigned int wm_detect_takes(const struct wm_detector *d);

/**
 * The settings in effect for @d: its own when it was made by
 * wm_detect_configure(), else the built-in defaults (all zero for a
 * detector that takes none).
 */
void wm_detect_params_get(const struct wm_detector *d,
			  struct wm_detect_params *p);

/**
 * Is @w a usable context word: 1..WM_CONTEXT_WORD_MAX - 1 bytes of
 * letters, digits, space, '_', '-', '.', '#', beginning with a letter?
 */
bool wm_detect_context_word_ok(const char *w);

/** Does the numbering-plan metadata know region @r ("GB", "DE", ...)? */
bool wm_detect_region_ok(const char *r);

/**
 * A copy of built-in @base that uses @p (words lowered, regions as
 * given): its trigger is rebuilt with the context words. Returns NULL
 * with errno and a reason in @err when @base takes none of what @p
 * sets, a word or region is refused, or Hyperscan refuses the trigger.
 * Free with wm_detect_configured_free().
 */
struct wm_detector *wm_detect_configure(const struct wm_detector *base,
					const struct wm_detect_params *p,
					char *err, size_t errlen);

/**
 * Load what @d reads when it confirms (phone: the numbering-plan
 * metadata of its regions, tens of milliseconds the first time), so
 * that the first packet does not wait for it. Control side; any
 * detector, NULL allowed.
 */
void wm_detect_prepare(const struct wm_detector *d);

/** Free a detector from wm_detect_configure(); NULL is allowed. */
void wm_detect_configured_free(struct wm_detector *d);

/* Validators a custom detector may apply to its matched span. */
enum wm_validator {
	WM_VALIDATE_NONE,  /* every match is a value */
	WM_VALIDATE_LUHN,  /* Luhn (mod 10) over the span's digits */
	WM_VALIDATE_MOD97, /* IBAN-style mod 97 == 1 over the span's alnums */
};

/** The built-in detector called @name, or NULL. */
const struct wm_detector *wm_detect_find(const char *name);

/** Number of built-in detectors. */
unsigned int wm_detect_count(void);

/** Built-in detector @i (0 <= i < wm_detect_count()). */
const struct wm_detector *wm_detect_get(unsigned int i);

/** Luhn check over @n ASCII digits. */
bool wm_detect_luhn(const uint8_t *digits, size_t n);

/**
 * SSA rules for an SSN given as 9 ASCII digits: area not 000, 666 or
 * 9xx, group not 00, serial not 0000, and not one of the numbers known
 * from advertising and samples (078-05-1120, 219-09-9999, 457-55-5462).
 */
bool wm_detect_ssn_valid(const uint8_t digits[9]);

/**
 * IBAN check (ISO 13616): the first four alphanumerics moved to the end,
 * letters read as 10..35, the number mod 97 equals 1. @s holds @n
 * ASCII letters (either case) and digits, nothing else; n >= 5.
 */
bool wm_detect_mod97(const uint8_t *s, size_t n);

/** "none", "luhn" or "mod97" into @v: 0, or -EINVAL for another name. */
int wm_validator_parse(const char *name, enum wm_validator *v);

/**
 * A detector built from a user's Hyperscan expression.
 *
 * Trigger: @regex itself, compiled for streaming without start of match.
 * Unlike the built-ins it is not terminator-based: Hyperscan reports
 * every end of every match, so the engine may see several ends for one
 * value ("[0-9]{4,8}" on "123456" ends at 4, 5 and 6 digits). Each end
 * is confirmed and masked on its own; a longer match overwrites the
 * shorter one's bytes, so the whole value ends up masked. Anchors (^, $)
 * refer to the stream in the trigger and to the window in confirm: avoid
 * them.
 *
 * Confirm: @regex compiled again for block mode with
 * HS_FLAG_SOM_LEFTMOST finds the match that ends at the window's end and
 * its leftmost start; @v is applied to that span (luhn over its digits,
 * mod97 over its letters and digits); a span longer than @max_len is
 * refused. The block-mode scratch is per thread, allocated at the first
 * confirm and again only after another custom detector was created.
 *
 * Hold: the longest suffix of the tail made of @classes bytes, capped at
 * @max_len (@classes NULL: any byte, so always min(len, max_len)).
 *
 * @name: config name (1..WM_NAME_MAX - 1 bytes); @max_len: 1..250;
 * @classes: NULL or a set such as "0-9A-Z-" (ranges a-b and single
 * bytes; a '-' first or last is a byte). min_chars is 1: the library
 * cannot tell how many characters the values have, so FF1 is refused on
 * a custom detector unless the caller raises min_chars (from a setting
 * it trusts) after create. separators is "" (operators keep nothing).
 *
 * Returns NULL with errno set and, in @err, a reason naming the detector
 * (an expression Hyperscan cannot compile for streaming, or whose start
 * it cannot locate, with Hyperscan's message).
 */
struct wm_detector *wm_detect_custom_create(const char *name,
					    const char *regex,
					    unsigned int max_len,
					    const char *classes,
					    enum wm_validator v, char *err,
					    size_t errlen);

/** Free a detector made by wm_detect_custom_create(); NULL is allowed. */
void wm_detect_custom_free(struct wm_detector *d);

/**
 * Candidates a detector could not check (no scratch, a Hyperscan error)
 * and confirmed whole instead, fail closed: the longest value that can
 * end at the trigger is masked. Every thread's, since start (the control
 * side adds them to detect.error).
 */
uint64_t wm_detect_errors(void);

#endif /* WM_DETECT_H */
