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

/* Fed once at end of stream so that a value at the very end is reported. */
#define WM_DETECT_EOD_BYTE '\n'

/* Most detectors in one policy (pattern ids are detector ids). */
#define WM_DETECT_MAX 32

/* A value's position inside the window given to confirm: [start, end). */
struct wm_span {
	uint16_t start;
	uint16_t end;
};

struct wm_detector {
	const char *name;        /* "card", "ssn", "email": the config name */
	const char *pattern;     /* Hyperscan trigger expression */
	unsigned int hs_flags;   /* HS_FLAG_* for the trigger */
	uint16_t max_len;        /* longest value, bytes, separators included */
	const char *separators;  /* bytes of a value that operators keep */

	/*
	 * @tail: the newest @len bytes of the stream (len may be smaller
	 * than max_len at stream start). Returns how many of the last bytes
	 * could start a value that has not ended yet: 0..min(len, max_len
	 * + 1) (one more than max_len when a value may still be followed
	 * by a separator that only the next byte can tell from its end).
	 */
	size_t (*hold)(const uint8_t *tail, size_t len);

	/*
	 * @win: @len bytes of stream ending at the trigger's end (len <=
	 * WM_DETECT_WINDOW; shorter near stream start, in which case win[0]
	 * is the first byte of the stream). Returns true and fills @span
	 * when a valid value ends there; false for a false positive (Luhn
	 * fails, SSN area 666, digits inside a longer run, ...).
	 */
	bool (*confirm)(const uint8_t *win, size_t len, struct wm_span *span);
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
 * 9xx, group not 00, serial not 0000.
 */
bool wm_detect_ssn_valid(const uint8_t digits[9]);

#endif /* WM_DETECT_H */
