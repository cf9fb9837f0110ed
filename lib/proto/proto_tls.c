/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS: a record header (content type 20..23, version 3.x) starts the
 * direction. Records, handshake and certificates are covered by the
 * peers' transcript hash and MACs: nothing of the flow is modified
 * (wm_proto_feed() marks it protected; hits are only counted).
 */
#include "proto_priv.h"

static int
tls_ident(const uint8_t *p, uint32_t n)
{
	if (n >= 1 && (p[0] < 0x14 || p[0] > 0x17))
		return 0;
	if (n >= 2 && p[1] != 0x03)
		return 0;
	if (n >= 3 && p[2] > 0x04)
		return 0;
	return n >= 3 ? 1 : -1;
}

const struct proto_ops proto_tls_ops = {
	.name = "tls",
	.ident = tls_ident,
};
