/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the config loader (lib/config) on arbitrary files.
 *
 * Each input is written to a file in a private temporary directory that
 * also holds keys/demo.key (mode 0600, as the shipped examples name it)
 * and an empty include.cfg, and loaded with wm_config_load(), as
 * --check-config does. It must never crash or hang (libFuzzer's
 * -timeout), and a refusal must say why, naming the file: the message is
 * non-empty and starts with the file's path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wm_config.h"

static char dir[64];
static char path[128];

static void
put(const char *name, const char *text, mode_t mode)
{
	char p[192];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) < 0) {
		perror(p);
		abort();
	}
	fchmod(fd, mode);
	close(fd);
}

static void
cleanup(void)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/keys/demo.key", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/keys", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/include.cfg", dir);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[192];

	snprintf(dir, sizeof(dir), "%s/wm-fuzz-config.XXXXXX",
		 getenv("TMPDIR") != NULL && strlen(getenv("TMPDIR")) < 32 ?
			 getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(p, sizeof(p), "%s/keys", dir);
	mkdir(p, 0700);
	/* 32 bytes of hex: a key the loader accepts (no real key) */
	put("keys/demo.key", "000102030405060708090a0b0c0d0e0f"
			     "101112131415161718191a1b1c1d1e1f\n", 0600);
	put("include.cfg", "\n", 0644);
	snprintf(path, sizeof(path), "%s/fuzz.cfg", dir);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_config *cfg;
	char err[1024];
	FILE *fp;

	if (size > 16384)
		return 0;
	fp = fopen(path, "w");
	if (fp == NULL || fwrite(data, 1, size, fp) != size) {
		perror(path);
		abort();
	}
	fclose(fp);
	memset(err, 0x7f, sizeof(err));
	cfg = wm_config_load(path, err, sizeof(err));
	if (cfg == NULL) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0' ||
		    strncmp(err, dir, strlen(dir)) != 0) {
			fprintf(stderr, "fuzz_config: refused without a "
				"message naming the file: \"%.200s\"\n", err);
			abort();
		}
		return 0;
	}
	fp = fopen("/dev/null", "w");
	if (fp != NULL) {
		wm_config_dump(cfg, fp);
		fclose(fp);
	}
	wm_config_free(cfg);
	return 0;
}
