/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wiremask-pcap: carries a capture of any common link type through
 * wiremask, whose net_pcap ports read and write Ethernet only, and back
 * into its own link type with its own timestamps.
 *
 *   to-eth IN ETH STATE     every frame of IN becomes an Ethernet frame of
 *                           ETH; what it replaced (its link-layer header,
 *                           its timestamp and lengths) goes to STATE
 *   from-eth ETH STATE OUT  every frame wiremask wrote to ETH becomes the
 *                           input frame it came from again, in OUT
 *
 * The frame's number travels in its source MAC address (pcap_link.h:
 * the Ethernet view wiremask's capture mode also uses in process), so
 * frames may leave in any order and come back exactly.
 * A frame ETH cannot carry (over 65,535 bytes: net_pcap's limit) is
 * refused, counted and reported; it is not in OUT. Nothing is truncated.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pcap_link.h"

#define ETH_MAX WM_LT_FRAME_MAX
#define STATE_MAGIC "WMPCAP01"

/* STATE: this header, then one record per input frame, in input order. */
struct state_hdr {
	char magic[8];
	uint32_t linktype;          /* the input's, written to OUT */
	uint32_t snaplen;
	uint32_t nano;              /* timestamps in ns (else us) */
	uint32_t kind;
	uint64_t frames;
};

static const char *prog = "wiremask-pcap";

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: %s to-eth IN ETH STATE\n"
		"       %s from-eth ETH STATE OUT\n"
		"\n"
		"to-eth: IN (pcap or pcapng: Ethernet, raw IP, Linux cooked SLL/SLL2,\n"
		"  loopback NULL/LOOP) as Ethernet frames in ETH, numbered; what was\n"
		"  replaced goes to STATE. Prints 'frames N refused R linktype L'.\n"
		"from-eth: the frames of ETH (wiremask's output) back in IN's link\n"
		"  type and timestamps, in OUT (pcap). Prints 'frames N'.\n"
		"Exit: 0 ok, 1 error, 2 usage.\n", prog, prog);
}

static int
fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

/* Classic pcap, this host's byte order, @nano or microsecond stamps. */
static int
pcap_file_header(FILE *f, uint32_t linktype, uint32_t snaplen, bool nano)
{
	uint32_t h[6];

	wm_lt_file_header(h, linktype, snaplen, nano);
	return fwrite(h, sizeof(h), 1, f) == 1 ? 0 : -1;
}

static int
pcap_record(FILE *f, uint64_t sec, uint32_t frac, uint32_t caplen,
	    uint32_t len, const uint8_t *a, uint32_t alen, const uint8_t *b,
	    uint32_t blen)
{
	uint32_t h[4] = { (uint32_t)sec, frac, caplen, len };

	if (fwrite(h, sizeof(h), 1, f) != 1 ||
	    (alen != 0 && fwrite(a, alen, 1, f) != 1) ||
	    (blen != 0 && fwrite(b, blen, 1, f) != 1))
		return -1;
	return 0;
}

static int
to_eth(const char *in, const char *eth, const char *state)
{
	char err[PCAP_ERRBUF_SIZE];
	struct state_hdr sh = { .magic = STATE_MAGIC };
	const struct wm_lt *lt;
	struct pcap_pkthdr *ph;
	const uint8_t *f;
	uint64_t refused = 0;
	FILE *fe = NULL, *fs = NULL;
	pcap_t *p;
	bool nano;
	int rc = 1, r;

	p = pcap_open_offline_with_tstamp_precision(in,
		PCAP_TSTAMP_PRECISION_NANO, err);
	if (p == NULL)
		return fail("%s: %s", in, err);
	wm_lt_file(in, p, &lt, &sh.linktype, &nano);
	if (lt == NULL) {
		fprintf(stderr, "%s: %s: link type %" PRIu32 " is not one wiremask "
			"reads (" WM_LT_NAMES ")\n", prog, in,
			sh.linktype);
		goto out;
	}
	sh.snaplen = (uint32_t)pcap_snapshot(p);
	sh.nano = nano;
	sh.kind = lt->kind;
	fe = fopen(eth, "wb");
	fs = fopen(state, "wb");
	if (fe == NULL || fs == NULL ||
	    pcap_file_header(fe, 1, ETH_MAX, true) < 0 ||
	    fwrite(&sh, sizeof(sh), 1, fs) != 1) {
		fail("%s: %s", fe == NULL ? eth : state, strerror(errno));
		goto out;
	}
	while ((r = pcap_next_ex(p, &ph, &f)) == 1) {
		struct wm_lt_rec rec;
		uint8_t pseudo[WM_LT_VIEW_MAX];
		uint32_t body;
		uint32_t frac;

		if (sh.frames > UINT32_MAX) {
			fail("%s: more than 2^32 frames%s", in, "");
			goto out;
		}
		if (wm_lt_convert(lt, nano, sh.frames, ph, f, &rec, pseudo)) {
			body = ph->caplen - rec.keep;
			/* ETH carries ns stamps; its are never read back. */
			frac = (uint32_t)ph->ts.tv_usec;
			if (pcap_record(fe, rec.ts_sec, frac, rec.cut + body,
					rec.cut + body, pseudo, rec.cut,
					f + rec.keep, body) < 0) {
				fail("%s: %s", eth, strerror(errno));
				goto out;
			}
		} else {
			refused++;
			fprintf(stderr, "%s: %s: frame %" PRIu64 " is %" PRIu32
				" bytes: over the %u bytes wiremask carries "
				"whole: refused, not in the output\n", prog, in,
				sh.frames + 1, ph->caplen, ETH_MAX);
		}
		if (fwrite(&rec, sizeof(rec), 1, fs) != 1) {
			fail("%s: %s", state, strerror(errno));
			goto out;
		}
		sh.frames++;
	}
	if (r == PCAP_ERROR) {
		/* A record cut short (its writer was killed) ends the file. */
		fprintf(stderr, "%s: %s: after frame %" PRIu64 ": %s\n", prog,
			in, sh.frames, pcap_geterr(p));
		goto out;
	}
	if (fseek(fs, 0, SEEK_SET) != 0 || fwrite(&sh, sizeof(sh), 1, fs) != 1) {
		fail("%s: %s", state, strerror(errno));
		goto out;
	}
	printf("frames %" PRIu64 " refused %" PRIu64 " linktype %" PRIu32
	       " (%s)\n", sh.frames, refused, sh.linktype, lt->name);
	rc = 0;
out:
	if (fe != NULL && fclose(fe) != 0 && rc == 0)
		rc = fail("%s: %s", eth, strerror(errno));
	if (fs != NULL && fclose(fs) != 0 && rc == 0)
		rc = fail("%s: %s", state, strerror(errno));
	pcap_close(p);
	return rc;
}

/* STATE whole into memory: its header and @*recs. 0 or -1. */
static int
state_load(const char *path, struct state_hdr *sh, struct wm_lt_rec **recs)
{
	FILE *f = fopen(path, "rb");
	int rc = -1;

	*recs = NULL;
	if (f == NULL) {
		fail("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(sh, sizeof(*sh), 1, f) != 1 ||
	    memcmp(sh->magic, STATE_MAGIC, sizeof(sh->magic)) != 0) {
		fail("%s: not a %s state file", path, prog);
		goto out;
	}
	*recs = calloc(sh->frames ? sh->frames : 1, sizeof(**recs));
	if (*recs == NULL) {
		fail("%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	if (fread(*recs, sizeof(**recs), sh->frames, f) != sh->frames) {
		fail("%s: short state file%s", path, "");
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int
from_eth(const char *eth, const char *state, const char *out)
{
	char err[PCAP_ERRBUF_SIZE];
	struct state_hdr sh;
	struct wm_lt_rec *recs;
	struct pcap_pkthdr *ph;
	const uint8_t *f;
	uint64_t n = 0, unknown = 0;
	FILE *fo = NULL;
	pcap_t *p;
	int rc = 1, r;

	if (state_load(state, &sh, &recs) < 0)
		return 1;
	p = pcap_open_offline_with_tstamp_precision(eth,
		PCAP_TSTAMP_PRECISION_NANO, err);
	if (p == NULL) {
		free(recs);
		return fail("%s: %s", eth, err);
	}
	fo = fopen(out, "wb");
	if (fo == NULL || pcap_file_header(fo, sh.linktype, sh.snaplen,
					   sh.nano) < 0) {
		fail("%s: %s", out, strerror(errno));
		goto out;
	}
	while ((r = pcap_next_ex(p, &ph, &f)) == 1) {
		const struct wm_lt_rec *rec;
		uint64_t idx;
		uint32_t caplen;

		idx = wm_lt_view_idx(f, ph->caplen);
		rec = idx < sh.frames ? &recs[idx] : NULL;
		if (rec == NULL || rec->refused || ph->caplen < rec->cut ||
		    ph->caplen != ph->len) {
			unknown++;
			continue;
		}
		caplen = rec->keep + ph->caplen - rec->cut;
		if (pcap_record(fo, rec->ts_sec, rec->ts_frac, caplen,
				caplen + (rec->len - rec->caplen), rec->hdr,
				rec->keep, f + rec->cut,
				ph->caplen - rec->cut) < 0) {
			fail("%s: %s", out, strerror(errno));
			goto out;
		}
		n++;
	}
	if (r == PCAP_ERROR) {
		fail("%s: %s", eth, pcap_geterr(p));
		goto out;
	}
	printf("frames %" PRIu64 "\n", n);
	if (unknown != 0) {
		fprintf(stderr, "%s: %s: %" PRIu64 " frame(s) not made by "
			"to-eth, or cut short: not in %s\n", prog, eth,
			unknown, out);
		goto out;
	}
	rc = 0;
out:
	if (fo != NULL && fclose(fo) != 0 && rc == 0)
		rc = fail("%s: %s", out, strerror(errno));
	pcap_close(p);
	free(recs);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
			  strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "to-eth") == 0)
		return to_eth(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "from-eth") == 0)
		return from_eth(argv[2], argv[3], argv[4]);
	usage(stderr);
	return 2;
}
