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
 * The frame's number travels in its source MAC address, which wiremask
 * never changes, so frames may leave in any order (held packets, several
 * workers) and come back exactly:
 *
 *   input      [ link header (keep bytes) ][ L3 ...                ]
 *   ETH        [ dst 6 ][ 02 00 number 4 ][ type 2 ][ L3 ...       ]
 *   Ethernet   [ dst 6 ][ src 6 ][ type ...                        ]
 *     in ETH   [ dst 6 ][ 02 00 number 4 ][ type ...               ]
 *   output     [ link header as input     ][ L3 ... as wiremask left it ]
 *
 * Link types: Ethernet (1), raw IP (101, 12, 14, IPv4 228, IPv6 229),
 * Linux cooked SLL (113)
 * and SLL2 (276), BSD loopback NULL (0) and LOOP (108). The type field
 * of the pseudo header is IPv4 or IPv6 as the frame says, the cooked
 * header's protocol, or 0x88b5 (not IP: wiremask forwards it untouched).
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

/* The largest frame net_pcap reads and wiremask writes whole. */
#define ETH_MAX 65535u
#define HDR_MAX 24u                 /* longest link header kept (SLL2: 20) */
#define TYPE_NOT_IP 0x88b5          /* IEEE local experimental */
#define STATE_MAGIC "WMPCAP01"

enum lt_kind { LT_ETH, LT_RAW, LT_NULL, LT_LOOP, LT_SLL, LT_SLL2 };

static const struct lt {
	uint32_t linktype;          /* as the file says (LINKTYPE_*) */
	int dlt;                    /* as libpcap reports it (DLT_*) */
	enum lt_kind kind;
	uint16_t hdr;               /* link header bytes replaced */
	const char *name;
} lts[] = {
	{ 1, DLT_EN10MB, LT_ETH, 12, "Ethernet" },
	{ 101, DLT_RAW, LT_RAW, 0, "raw IP" },
	{ 12, 12, LT_RAW, 0, "raw IP (DLT 12)" },
	{ 14, 14, LT_RAW, 0, "raw IP (DLT 14)" },
	{ 228, 228, LT_RAW, 0, "raw IPv4" },
	{ 229, 229, LT_RAW, 0, "raw IPv6" },
	{ 0, DLT_NULL, LT_NULL, 4, "BSD loopback (NULL)" },
	{ 108, 108, LT_LOOP, 4, "OpenBSD loopback (LOOP)" },
	{ 113, 113, LT_SLL, 16, "Linux cooked (SLL)" },
	{ 276, 276, LT_SLL2, 20, "Linux cooked v2 (SLL2)" },
};

/* STATE: this header, then one record per input frame, in input order. */
struct state_hdr {
	char magic[8];
	uint32_t linktype;          /* the input's, written to OUT */
	uint32_t snaplen;
	uint32_t nano;              /* timestamps in ns (else us) */
	uint32_t kind;
	uint64_t frames;
};

struct state_rec {
	uint64_t ts_sec;
	uint32_t ts_frac;           /* ns or us, as state_hdr.nano */
	uint32_t len;               /* the frame's length on the wire */
	uint32_t caplen;            /* bytes captured */
	uint16_t keep;              /* link header bytes in @hdr */
	uint16_t cut;               /* pseudo header bytes that replace them */
	uint8_t refused;            /* too big for ETH: not sent */
	uint8_t pad[7];
	uint8_t hdr[HDR_MAX];
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

static const struct lt *
lt_find(uint32_t linktype)
{
	for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
		if (lts[i].linktype == (linktype & 0xffff))
			return &lts[i];
	return NULL;
}

static const struct lt *
lt_find_dlt(int dlt)
{
	for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
		if (lts[i].dlt == dlt)
			return &lts[i];
	return NULL;
}

/*
 * The link type as IN's file header says (classic pcap), so that OUT
 * says the same; pcapng: from libpcap's DLT. 0 with *nano set, or -1.
 */
static int
file_linktype(const char *path, pcap_t *p, const struct lt **lt,
	      uint32_t *linktype, bool *nano)
{
	uint8_t h[24];
	uint32_t magic, v;
	FILE *f = fopen(path, "rb");
	size_t n = f != NULL ? fread(h, 1, sizeof(h), f) : 0;

	if (f != NULL)
		fclose(f);
	*lt = lt_find_dlt(pcap_datalink(p));
	*linktype = *lt != NULL ? (*lt)->linktype : (uint32_t)pcap_datalink(p);
	*nano = true;               /* pcapng: ns keeps any resolution */
	if (n < sizeof(h))
		return 0;
	memcpy(&magic, h, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
		memcpy(&v, h + 20, 4);
	} else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
		memcpy(&v, h + 20, 4);
		v = __builtin_bswap32(v);
		magic = __builtin_bswap32(magic);
	} else {
		return 0;
	}
	*nano = magic == 0xa1b23c4d;
	*linktype = v;
	*lt = lt_find(v);
	return 0;
}

/* The pseudo header's type field for one frame's link header. */
static uint16_t
frame_type(enum lt_kind kind, const uint8_t *f, uint32_t caplen)
{
	uint32_t af;
	uint16_t proto;

	switch (kind) {
	case LT_RAW:
		if (caplen >= 1 && f[0] >> 4 == 4)
			return 0x0800;
		if (caplen >= 1 && f[0] >> 4 == 6)
			return 0x86dd;
		return TYPE_NOT_IP;
	case LT_NULL:
	case LT_LOOP:
		/* NULL: the capturing host's byte order; LOOP: network. */
		af = (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 |
		     (uint32_t)f[2] << 8 | f[3];
		if (kind == LT_NULL && (af & 0xffff) == 0)
			af = __builtin_bswap32(af);
		if (af == 2)
			return 0x0800;
		if (af == 10 || af == 24 || af == 28 || af == 30)
			return 0x86dd;
		return TYPE_NOT_IP;
	case LT_SLL:
	case LT_SLL2:
		proto = kind == LT_SLL ? (uint16_t)(f[14] << 8 | f[15])
				       : (uint16_t)(f[0] << 8 | f[1]);
		/* Under 0x0600 it is a Linux protocol number, not a type. */
		return proto >= 0x0600 ? proto : TYPE_NOT_IP;
	case LT_ETH:
		break;
	}
	return TYPE_NOT_IP;
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
	uint32_t h[6] = { nano ? 0xa1b23c4d : 0xa1b2c3d4, 2 | 4u << 16, 0, 0,
			  snaplen, linktype };

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

static bool
convert(const struct lt *lt, bool nano, uint64_t idx,
	const struct pcap_pkthdr *ph, const uint8_t *f, struct state_rec *r,
	uint8_t pseudo[14])
{
	uint16_t type;

	memset(r, 0, sizeof(*r));
	r->ts_sec = (uint64_t)ph->ts.tv_sec;
	/* libpcap gives ns (asked for them); OUT has IN's resolution. */
	r->ts_frac = (uint32_t)ph->ts.tv_usec / (nano ? 1 : 1000);
	r->len = ph->len;
	r->caplen = ph->caplen;
	/* A frame shorter than its link header is carried as "not IP". */
	r->keep = (uint16_t)(ph->caplen < lt->hdr ? ph->caplen : lt->hdr);
	memcpy(r->hdr, f, r->keep);
	if (lt->kind == LT_ETH && r->keep == lt->hdr) {
		memcpy(pseudo, f, 6);
		r->cut = 12;
	} else {
		memset(pseudo, 0, 6);
		pseudo[0] = 0x02;
		pseudo[5] = 0x01;
		type = r->keep < lt->hdr ? TYPE_NOT_IP
					 : frame_type(lt->kind, f, ph->caplen);
		pseudo[12] = (uint8_t)(type >> 8);
		pseudo[13] = (uint8_t)type;
		r->cut = 14;
	}
	pseudo[6] = 0x02;
	pseudo[7] = 0x00;
	pseudo[8] = (uint8_t)(idx >> 24);
	pseudo[9] = (uint8_t)(idx >> 16);
	pseudo[10] = (uint8_t)(idx >> 8);
	pseudo[11] = (uint8_t)idx;
	r->refused = (uint64_t)r->cut + ph->caplen - r->keep > ETH_MAX;
	return !r->refused;
}

static int
to_eth(const char *in, const char *eth, const char *state)
{
	char err[PCAP_ERRBUF_SIZE];
	struct state_hdr sh = { .magic = STATE_MAGIC };
	const struct lt *lt;
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
	file_linktype(in, p, &lt, &sh.linktype, &nano);
	if (lt == NULL) {
		fprintf(stderr, "%s: %s: link type %" PRIu32 " is not one wiremask "
			"reads (Ethernet 1, raw IP 101/12/14/228/229, Linux cooked SLL "
			"113/SLL2 276, loopback NULL 0/LOOP 108)\n", prog, in,
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
		struct state_rec rec;
		uint8_t pseudo[14];
		uint32_t body;
		uint32_t frac;

		if (sh.frames > UINT32_MAX) {
			fail("%s: more than 2^32 frames%s", in, "");
			goto out;
		}
		if (convert(lt, nano, sh.frames, ph, f, &rec, pseudo)) {
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
state_load(const char *path, struct state_hdr *sh, struct state_rec **recs)
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
	struct state_rec *recs;
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
		const struct state_rec *rec;
		uint64_t idx;
		uint32_t caplen;

		idx = ph->caplen >= 12 && f[6] == 0x02 && f[7] == 0x00 ?
		      (uint64_t)f[8] << 24 | (uint64_t)f[9] << 16 |
		      (uint64_t)f[10] << 8 | f[11] : UINT64_MAX;
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
