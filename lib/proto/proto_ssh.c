/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSH: the version line ("SSH-2.0-...") starts each direction. The
 * version lines and KEXINIT (whose algorithm names look like e-mail
 * addresses: curve25519-sha256@libssh.org) enter the exchange hash,
 * and everything after is encrypted and MACed: nothing of the flow is
 * modified (wm_proto_feed() marks it protected).
 */
#include "proto_priv.h"

static int
ssh_ident(const uint8_t *p, uint32_t n)
{
	return proto_starts(p, n, "SSH-");
}

const struct proto_ops proto_ssh_ops = {
	.name = "ssh",
	.ident = ssh_ident,
};
