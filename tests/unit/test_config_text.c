/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader on hostile files: what libconfig 1.5 would block on,
 * exit on, misread or answer only with "syntax error" is refused with
 * "FILE:LINE: SETTING: reason" (lib/config/config_text.c), and the event
 * log's path is checked at load, not at start-up. Each case writes its
 * file into a private temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wm_config.h"
#include "wm_test.h"

/* Smallest valid tail: one policy, the default segment. */
#define TAIL \
	"policies = { p = { card = { operator = \"redact\"; }; }; };\n" \
	"segments = { default = { policy = \"p\"; }; };\n"

static char dir[64];

struct text_case {
	const char *name;
	const char *text;
	size_t len;             /* 0: strlen(text) */
	const char *where;      /* "FILE:LINE: SETTING" after the dir */
	const char *why;
};

#define T(n, txt, w, y) { n, txt, sizeof(txt) - 1, w, y }

static const struct text_case cases[] = {
	T("bom", "\xef\xbb\xbfworkers = 1;\n" TAIL,
	  "bom.cfg:1", "byte order mark"),
	T("nul_between_settings", "workers = 1;\n\0\n" TAIL,
	  "nul_between_settings.cfg:2", "NUL byte"),
	T("nul_inside_string",
	  "policies = { p = { card = { operator = \"redact\"; fill = \"*\0x\"; }; }; };\n"
	  "segments = { default = { policy = \"p\"; }; };\n",
	  "nul_inside_string.cfg:1: policies.p.card.fill", "NUL byte"),
	T("byte_not_utf8", "workers = 1;\n# caf\xe9\n" TAIL,
	  "byte_not_utf8.cfg:2", "byte 0xe9 is not UTF-8"),
	T("overlong_utf8", "workers = 1; # \xc0\xaf\n" TAIL,
	  "overlong_utf8.cfg:1", "not UTF-8"),
	T("surrogate_utf8", "workers = 1; # \xed\xa0\x80\n" TAIL,
	  "surrogate_utf8.cfg:1", "not UTF-8"),
	T("beyond_64_bits", "hold_timeout_us = 99999999999999999999999;\n" TAIL,
	  "beyond_64_bits.cfg:1: hold_timeout_us",
	  "99999999999999999999999 is beyond 64 bits"),
	T("beyond_64_bits_with_L", "hold_timeout_us = 9223372036854775808L;\n" TAIL,
	  "beyond_64_bits_with_L.cfg:1: hold_timeout_us", "beyond 64 bits"),
	T("wraps_to_1", "reasm = {\n  ooo_worker_bytes = 4294967297;\n};\n" TAIL,
	  "wraps_to_1.cfg:2: reasm.ooo_worker_bytes", "beyond 32 bits"),
	T("hex_wraps_to_1", "reasm = { ooo_worker_bytes = 0x100000001; };\n" TAIL,
	  "hex_wraps_to_1.cfg:1: reasm.ooo_worker_bytes", "beyond 32 bits"),
	T("negative_wraps", "workers = -2147483649;\n" TAIL,
	  "negative_wraps.cfg:1: workers", "beyond 32 bits"),
	T("in_a_list", "ports = { pairs = ( [0, 99999999999] ); };\n" TAIL,
	  "in_a_list.cfg:1: ports.pairs", "beyond 32 bits"),
	T("nested_too_deep",
	  "a = { b = { c = { d = { e = { f = { g = { h = { i = { j = { k = {"
	  " l = { m = { n = { o = { p = { q = { r = 1; }; }; }; }; }; }; };"
	  " }; }; }; }; }; }; }; }; }; };\n" TAIL,
	  "nested_too_deep.cfg:1: a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q",
	  "nested deeper than 16"),
	T("include_a_directory", "@include \"sub\"\n" TAIL,
	  "include_a_directory.cfg:1", "sub is not a regular file"),
	T("include_missing", "workers = 1;\n@include \"none.cfg\"\n" TAIL,
	  "include_missing.cfg:2", "cannot open"),
	T("include_checked_too", "@include \"bad.inc\"\n" TAIL,
	  "bad.inc:2: reasm.ooo_bytes", "beyond 32 bits"),
	T("include_itself", "@include \"include_itself.cfg\"\n" TAIL,
	  "include_itself.cfg:1", "@include nested deeper than 10"),
	T("events_path_a_directory",
	  "events = {\n  path = \"/\";\n};\n" TAIL,
	  "events_path_a_directory.cfg:2: events.path", "/ is a directory"),
	T("events_path_in_missing_directory",
	  "events = { path = \"/nonexistent-wm/events.jsonl\"; };\n" TAIL,
	  "events_path_in_missing_directory.cfg:1: events.path",
	  "directory /nonexistent-wm"),
	T("events_path_under_a_file",
	  "events = { path = \"unit/wm_test.h/events.jsonl\"; };\n" TAIL,
	  "events_path_under_a_file.cfg:1: events.path",
	  "unit/wm_test.h/events.jsonl: Not a directory"),
};

static void
put(const char *name, const char *text, size_t len)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	CHECK(f != NULL && fwrite(text, 1, len, f) == len);
	if (f != NULL)
		fclose(f);
}

static void
hostile_texts_refused(void)
{
	char path[256], want[512], err[WM_CONFIG_ERR_LEN];
	struct wm_config *cfg;

	for (size_t i = 0; i < WM_ARRAY_SIZE(cases); i++) {
		const struct text_case *c = &cases[i];
		bool ok;

		snprintf(path, sizeof(path), "%s/%s.cfg", dir, c->name);
		put(strrchr(path, '/') + 1, c->text, c->len);
		snprintf(want, sizeof(want), "%s/%s: ", dir, c->where);
		err[0] = '\0';
		cfg = wm_config_load(path, err, sizeof(err));
		ok = cfg == NULL && strstr(err, want) != NULL &&
		     strstr(err, c->why) != NULL;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  case %s: got \"%s\"\n", c->name, err);
		wm_config_free(cfg);
	}
}

/* 32-bit numbers still load; a 64-bit one with L is read as written. */
static void
numbers_that_fit_load(void)
{
	char path[256], err[WM_CONFIG_ERR_LEN] = "";
	static const char text[] =
		"workers = -0;\n"
		"hold_timeout_us = 0x7fffffff;\n"   /* out of range, not wrapped */
		TAIL;
	static const char text_l[] =
		"reasm = { ooo_worker_bytes = 4294967295L; ooo_bytes = 65536; };\n"
		"flow_timeout_s = 2e1;\n" TAIL;
	struct wm_config *cfg;

	snprintf(path, sizeof(path), "%s/fit.cfg", dir);
	put("fit.cfg", text, sizeof(text) - 1);
	CHECK(wm_config_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "hold_timeout_us: 2147483647 is out of range") != NULL);

	put("fit.cfg", text_l, sizeof(text_l) - 1);
	cfg = wm_config_load(path, err, sizeof(err));
	/* a float where an integer belongs: libconfig's type, our message */
	CHECK(cfg == NULL && strstr(err, "fit.cfg:2: flow_timeout_s: wrong type") != NULL);
	wm_config_free(cfg);

	put("fit.cfg", "reasm = { ooo_worker_bytes = 4294967295L; };\n" TAIL,
	    strlen("reasm = { ooo_worker_bytes = 4294967295L; };\n" TAIL));
	cfg = wm_config_load(path, err, sizeof(err));
	CHECK(cfg != NULL);
	if (cfg != NULL)
		CHECK_EQ(cfg->reasm.ooo_worker_bytes, 4294967295LL);
	wm_config_free(cfg);
}

/* A FIFO is refused at once: opening it must not wait for a writer. */
static void
fifo_refused_without_blocking(void)
{
	char path[256], err[WM_CONFIG_ERR_LEN] = "";

	snprintf(path, sizeof(path), "%s/fifo.cfg", dir);
	CHECK(mkfifo(path, 0600) == 0);
	alarm(10);      /* a hang fails the test, it does not stall it */
	CHECK(wm_config_load(path, err, sizeof(err)) == NULL);
	alarm(0);
	CHECK(strstr(err, "fifo.cfg: cannot open: not a regular file") != NULL);
	unlink(path);
}

/* A message under a long path is whole, and ends with the reason. */
static void
long_path_not_cut(void)
{
	char path[1024], err[WM_CONFIG_ERR_LEN] = "";
	FILE *f;
	size_t n = (size_t)snprintf(path, sizeof(path), "%s", dir);

	while (n + 210 < 800) {
		path[n++] = '/';
		memset(path + n, 'd', 200);
		n += 200;
		path[n] = '\0';
		CHECK(mkdir(path, 0700) == 0);
	}
	snprintf(path + n, sizeof(path) - n, "/long.cfg");
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs("workers = 1000;\n" TAIL, f);
	fclose(f);
	CHECK(wm_config_load(path, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK(strstr(err, "long.cfg:1: workers: 1000 is out of range") != NULL);
}

/* An events path that can be created loads (and is not created). */
static void
events_path_in_writable_dir_loads(void)
{
	char path[256], text[512], ev[256], err[WM_CONFIG_ERR_LEN] = "";
	struct wm_config *cfg;

	snprintf(ev, sizeof(ev), "%s/events.jsonl", dir);
	snprintf(text, sizeof(text), "events = { path = \"%s\"; };\n" TAIL, ev);
	snprintf(path, sizeof(path), "%s/ev.cfg", dir);
	put("ev.cfg", text, strlen(text));
	cfg = wm_config_load(path, err, sizeof(err));
	CHECK(cfg != NULL);
	CHECK(access(ev, F_OK) != 0);
	wm_config_free(cfg);
}

int
main(void)
{
	char p[256];

	snprintf(dir, sizeof(dir), "/tmp/wm-test-config.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0700);
	put("bad.inc", "workers = 1;\nreasm = { ooo_bytes = 4294967296; };\n",
	    strlen("workers = 1;\nreasm = { ooo_bytes = 4294967296; };\n"));

	RUN(hostile_texts_refused);
	RUN(numbers_that_fit_load);
	RUN(fifo_refused_without_blocking);
	RUN(long_path_not_cut);
	RUN(events_path_in_writable_dir_loads);

	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	if (system(p) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_END();
}
