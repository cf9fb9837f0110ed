/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zones compiled with rte_acl (see wm_acl.h). Two rule layouts, one per
 * family; the first field must be one byte (rte_acl), every later input
 * word is four bytes:
 *
 *   IPv4  off 0 proto | 4 segment | 8 src | 12 dst | 16 sport 18 dport
 *   IPv6  off 0 proto | 4 segment | 8..20 src (4 words) |
 *         24..36 dst (4 words) | 40 sport 42 dport
 *
 * Rule values are in host order, the looked-up input in network order
 * (rte_acl's convention).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "wm_acl.h"

_Static_assert(WM_CONFIG_MAX_ZONE_RULES <= WM_STATS_ZONE_RULES &&
	       WM_CONFIG_MAX_SEGMENTS <= WM_STATS_SEGMENTS,
	       "a zone_rule counter for every rule and segment default");

enum { F_PROTO, F_SEG, F_ADDR };
#define NF4 (F_ADDR + 2 + 2)            /* src, dst, sport, dport */
#define NF6 (F_ADDR + 8 + 2)            /* 4 + 4 address words, ports */
#define BURST_MAX 64

RTE_ACL_RULE_DEF(acl_rule6, NF6);

/* Field definitions of a family: @words per address (1 or 4). */
static unsigned int
acl_defs(struct rte_acl_field_def *defs, unsigned int words)
{
	unsigned int n = 0, in = 0;
	uint32_t off = 0;

	defs[n++] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1,
		.field_index = F_PROTO, .input_index = in++, .offset = 0 };
	off = 4;
	defs[n] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4,
		.field_index = (uint8_t)n, .input_index = (uint8_t)in++,
		.offset = off };
	n++;
	off += 4;
	for (unsigned int a = 0; a < 2 * words; a++, n++, off += 4)
		defs[n] = (struct rte_acl_field_def){
			.type = RTE_ACL_FIELD_TYPE_MASK, .size = 4,
			.field_index = (uint8_t)n, .input_index = (uint8_t)in++,
			.offset = off };
	for (unsigned int p = 0; p < 2; p++, n++, off += 2)
		defs[n] = (struct rte_acl_field_def){
			.type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2,
			.field_index = (uint8_t)n, .input_index = (uint8_t)in,
			.offset = off };
	return n;
}

/* Address @a/@len as @words 32-bit MASK fields from field @f on. */
static void
rule_addr(struct rte_acl_field *f, const uint8_t *a, unsigned int len,
	  unsigned int words)
{
	for (unsigned int w = 0; w < words; w++) {
		uint32_t v;
		int bits = (int)len - 32 * (int)w;

		memcpy(&v, a + 4 * w, 4);
		f[w].value.u32 = ntohl(v);
		f[w].mask_range.u32 = (uint32_t)RTE_MAX(0, RTE_MIN(bits, 32));
	}
}

static void
rule_make(struct acl_rule6 *r, const struct wm_zone_rule *z, unsigned int idx,
	  unsigned int words)
{
	struct rte_acl_field *f = r->field;

	memset(r, 0, sizeof(*r));
	r->data.category_mask = 1;
	r->data.priority = RTE_ACL_MAX_PRIORITY - (int32_t)idx;
	r->data.userdata = idx + 1;
	f[F_PROTO].value.u8 = z->proto;
	f[F_PROTO].mask_range.u8 = z->proto != WM_ZONE_PROTO_ANY ? 0xff : 0;
	f[F_SEG].value.u32 = z->segment;
	f[F_SEG].mask_range.u32 = UINT32_MAX;
	rule_addr(&f[F_ADDR], z->src, z->src_len, words);
	rule_addr(&f[F_ADDR + words], z->dst, z->dst_len, words);
	f[F_ADDR + 2 * words].value.u16 = z->sport[0];
	f[F_ADDR + 2 * words].mask_range.u16 = z->sport[1];
	f[F_ADDR + 2 * words + 1].value.u16 = z->dport[0];
	f[F_ADDR + 2 * words + 1].mask_range.u16 = z->dport[1];
}

/* One family's context; NULL in *@out when no rule applies to it. */
static int
acl_build(const struct wm_config *cfg, int socket, uint8_t family,
	  struct rte_acl_ctx **out, char *err, size_t errlen)
{
	static unsigned int generation;   /* names are global in EAL */
	unsigned int words = family == 4 ? 1 : 4, n = 0;
	struct rte_acl_config bc = { .num_categories = 1 };
	struct acl_rule6 r;
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_param p = {
		.name = name, .socket_id = socket,
		.rule_size = (uint32_t)RTE_ACL_RULE_SZ(words == 1 ? NF4 : NF6),
		.max_rule_num = cfg->nzone_rules,
	};
	struct rte_acl_ctx *ctx;
	int rc;

	*out = NULL;
	for (unsigned int i = 0; i < cfg->nzone_rules; i++)
		if (cfg->zone_rules[i].family == 0 ||
		    cfg->zone_rules[i].family == family)
			n++;
	if (n == 0)
		return 0;
	snprintf(name, sizeof(name), "wm_acl%u_%u", family,
		 __atomic_fetch_add(&generation, 1, __ATOMIC_RELAXED));
	ctx = rte_acl_create(&p);
	if (ctx == NULL) {
		snprintf(err, errlen, "zones: rte_acl_create: %s",
			 strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < cfg->nzone_rules; i++) {
		const struct wm_zone_rule *z = &cfg->zone_rules[i];

		if (z->family != 0 && z->family != family)
			continue;
		rule_make(&r, z, i, words);
		rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&r, 1);
		if (rc < 0) {
			snprintf(err, errlen, "zones: rule %s: rte_acl_add_rules: %s",
				 z->name, strerror(-rc));
			goto fail;
		}
	}
	bc.num_fields = acl_defs(bc.defs, words);
	rc = rte_acl_build(ctx, &bc);
	if (rc < 0) {
		snprintf(err, errlen, "zones: rte_acl_build: %s", strerror(-rc));
		goto fail;
	}
	*out = ctx;
	return 0;

fail:
	rte_acl_free(ctx);
	return rc;
}

struct wm_acl *
wm_acl_create(const struct wm_config *cfg, int socket, char *err,
	      size_t errlen)
{
	struct wm_acl *acl = rte_zmalloc_socket("wm_acl", sizeof(*acl),
						RTE_CACHE_LINE_SIZE, socket);
	int rc;

	if (acl == NULL) {
		snprintf(err, errlen, "zones: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned int s = 0; s < cfg->nsegments; s++) {
		const struct wm_segment_conf *sc = &cfg->segments[s];

		acl->active[s] = sc->nrules != 0 || sc->deny_default;
		acl->shadow[s] = sc->shadow;
		acl->nactive += acl->active[s];
		acl->default_verdict[s] = (uint16_t)(WM_STATS_ZONE_RULES + s + 1) |
			(sc->deny_default ? 0 : WM_ACL_ALLOW);
	}
	for (unsigned int i = 0; i < cfg->nzone_rules; i++)
		acl->rule_verdict[i] = (uint16_t)(i + 1) |
			(cfg->zone_rules[i].allow ? WM_ACL_ALLOW : 0);
	if ((rc = acl_build(cfg, socket, 4, &acl->ctx[0], err, errlen)) < 0 ||
	    (rc = acl_build(cfg, socket, 6, &acl->ctx[1], err, errlen)) < 0) {
		wm_acl_free(acl);
		errno = -rc;
		return NULL;
	}
	return acl;
}

void
wm_acl_free(struct wm_acl *acl)
{
	if (acl == NULL)
		return;
	rte_acl_free(acl->ctx[0]);
	rte_acl_free(acl->ctx[1]);
	rte_free(acl);
}

void
wm_acl_key_make(const struct wm_pkt_info *pi, uint8_t seg, bool reverse,
		struct wm_acl_key *key)
{
	const uint8_t *src = reverse ? pi->daddr : pi->saddr;
	const uint8_t *dst = reverse ? pi->saddr : pi->daddr;
	bool ports = pi->l4_proto == 6 || pi->l4_proto == 17;
	uint16_t sp = ports ? (reverse ? pi->dport : pi->sport) : 0;
	uint16_t dp = ports ? (reverse ? pi->sport : pi->dport) : 0;

	memset(key, 0, sizeof(*key));
	key->family = pi->ip_version;
	key->segment = seg;
	/* proto and seg sit at the same offsets in both layouts */
	key->in.v4.proto = pi->l4_proto;
	key->in.v4.seg = htonl(seg);
	if (pi->ip_version == 4) {
		memcpy(&key->in.v4.src, src, 4);
		memcpy(&key->in.v4.dst, dst, 4);
		key->in.v4.sport = htons(sp);
		key->in.v4.dport = htons(dp);
	} else {
		memcpy(key->in.v6.src, src, 16);
		memcpy(key->in.v6.dst, dst, 16);
		key->in.v6.sport = htons(sp);
		key->in.v6.dport = htons(dp);
	}
}

void
wm_acl_classify(const struct wm_acl *acl, const struct wm_acl_key *const *keys,
		unsigned int n, uint16_t *verdict)
{
	const uint8_t *data[2][BURST_MAX];
	uint32_t res[2][BURST_MAX];
	unsigned int idx[2][BURST_MAX], cnt[2] = { 0, 0 };

	n = RTE_MIN(n, (unsigned int)BURST_MAX);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int fam = keys[i]->family == 6;

		if (acl->ctx[fam] == NULL) {
			res[fam][cnt[fam]] = 0;
			idx[fam][cnt[fam]++] = i;
			continue;
		}
		data[fam][cnt[fam]] = (const uint8_t *)&keys[i]->in;
		idx[fam][cnt[fam]++] = i;
	}
	for (unsigned int fam = 0; fam < 2; fam++) {
		if (cnt[fam] != 0 && acl->ctx[fam] != NULL)
			rte_acl_classify(acl->ctx[fam], data[fam], res[fam],
					 cnt[fam], 1);
		for (unsigned int k = 0; k < cnt[fam]; k++) {
			unsigned int i = idx[fam][k];

			verdict[i] = res[fam][k] != 0 ?
				acl->rule_verdict[res[fam][k] - 1] :
				acl->default_verdict[keys[i]->segment];
		}
	}
}
