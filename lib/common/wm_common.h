/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask common definitions: branch hints, logging, error conventions.
 *
 * Error conventions (as DPDK and the Linux kernel): constructors return a
 * pointer or NULL with errno set; actions return 0 or -errno; predicates
 * return bool. Library code never exits and never logs sensitive bytes:
 * a log line may name a detector, a flow, an offset or a length, never
 * the content of a payload.
 */
#ifndef WM_COMMON_H
#define WM_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifndef WM_VERSION
#define WM_VERSION "unknown"
#endif

#define WM_LIKELY(x) __builtin_expect(!!(x), 1)
#define WM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define WM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define WM_MAX(a, b) ((a) > (b) ? (a) : (b))
#define WM_CACHE_LINE 64
#define WM_CACHE_ALIGNED __attribute__((aligned(WM_CACHE_LINE)))

/* Longest name of a detector, policy or segment, including the NUL. */
#define WM_NAME_MAX 32

enum wm_log_level {
	WM_LOG_ERR = 1,
	WM_LOG_WARNING,
	WM_LOG_NOTICE,
	WM_LOG_INFO,
	WM_LOG_DEBUG,
};

/* Where log lines go: by default stderr; the appliance installs rte_log. */
typedef void (*wm_log_sink_t)(enum wm_log_level level, const char *line);

/** Install a log sink (NULL restores stderr). */
void wm_log_set_sink(wm_log_sink_t sink);

/** Lines above @level are discarded. Default WM_LOG_NOTICE. */
void wm_log_set_level(enum wm_log_level level);

/** Log one line (no trailing newline needed). Never pass payload bytes. */
void wm_log(enum wm_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A pool of @n slots of @size bytes made once (slots.c): nothing is
 * allocated per use, and pages of slots never used are never touched.
 * Not thread-safe: one per lcore.
 */
struct wm_slots {
	uint8_t *mem;           /* n slots */
	void *free;             /* free list through the slots given back */
	size_t size;
	uint32_t n;
	uint32_t fresh;         /* slots never used yet: [fresh, n) */
	uint32_t in_use;
	uint32_t peak;
};

/**
 * Pool of @n slots of @size bytes (at least a pointer, a multiple of
 * @align, a power of two), each aligned to @align; NULL with errno.
 * Slots come uninitialised.
 */
struct wm_slots *wm_slots_create(uint32_t n, size_t size, size_t align);

/** Free a pool; NULL is allowed. */
void wm_slots_free(struct wm_slots *p);

/** A slot, or NULL when every one is in use. */
void *wm_slots_get(struct wm_slots *p);

/** Give back a slot from wm_slots_get(). */
void wm_slots_put(struct wm_slots *p, void *s);

#endif /* WM_COMMON_H */
