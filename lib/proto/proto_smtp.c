/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMTP, the client's side (RFC 5321), line by line:
 *
 *   EHLO ...                     commands
 *   MAIL FROM:<jane@example.org> the envelope routes the mail: from the
 *   RCPT TO:<joe@example.net>    colon to the end of the line, never
 *                                modified (masked, the mail went to
 *                                ***.*****@example.org)
 *   DATA
 *   Message-ID: <...@host>       headers: Message-ID (and its folded
 *   Subject: ...                 lines) never modified, the rest masked
 *
 *   body ...                     masked
 *   .                            the message ends: its values too
 *   STARTTLS                     what follows is TLS: protected
 *
 * The server's side carries replies only: scanned as the raw stream.
 * BDAT (CHUNKING) is not parsed: its chunks are read as lines.
 */
#include <ctype.h>
#include <string.h>

#include "proto_priv.h"

enum { SMTP_CMD, SMTP_HDR, SMTP_BODY, SMTP_SERVER };

static int
smtp_ident(const uint8_t *p, uint32_t n)
{
	int r = proto_starts(p, n, "EHLO "), s = proto_starts(p, n, "HELO ");

	if (r > 0 || s > 0)
		return 1;
	return r < 0 || s < 0 ? -1 : 0;
}

static void
smtp_start(struct wm_proto_flow *pf, unsigned int dir, bool client)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	d->state = client ? SMTP_CMD : SMTP_SERVER;
	memset(&d->u.line, 0, sizeof(d->u.line));
}

/* Does the line so far begin with @s (head is upper case)? */
static bool
line_is(const struct wm_proto_dir *d, const char *s)
{
	size_t k = strlen(s);

	return d->u.line.len >= k && memcmp(d->u.line.head, s, k) == 0;
}

/* A line of @d ended: the act after its '\n'. */
static enum wm_proto_act
smtp_line_end(struct wm_proto_flow *pf, struct wm_proto_dir *d,
	      const struct wm_proto_ctx *ctx)
{
	uint16_t len = d->u.line.len;
	bool dot = d->u.line.head[0] == '.' &&
		   (len == 2 || (len == 3 && d->u.line.head[1] == '\r'));

	if (d->flags & WM_PROTO_D_PROT) {
		d->flags &= (uint8_t)~WM_PROTO_D_PROT;
		return WM_PROTO_ACT_UNPROTECT;
	}
	switch (d->state) {
	case SMTP_CMD:
		if (line_is(d, "DATA") && len <= 6)
			d->state = SMTP_HDR;
		else if (line_is(d, "STARTTLS") && len <= 10)
			pf->flags |= WM_PROTO_F_PROTECT;
		break;
	case SMTP_HDR:
	case SMTP_BODY:
		if (dot) {
			d->state = SMTP_CMD;
			proto_count(ctx, WM_CTR_PROTO_MSG_END);
			return WM_PROTO_ACT_MSG_END;
		}
		if (d->state == SMTP_HDR && len <= 2)
			d->state = SMTP_BODY;
		break;
	}
	return WM_PROTO_ACT_NONE;
}

/* Does the line so far open a region never modified? */
static bool
smtp_protect_here(struct wm_proto_dir *d)
{
	uint16_t len = d->u.line.len;

	if (d->state == SMTP_CMD)
		return (len == 10 && line_is(d, "MAIL FROM:")) ||
		       (len == 8 && line_is(d, "RCPT TO:"));
	if (d->state == SMTP_HDR && len == 11 && line_is(d, "MESSAGE-ID:")) {
		d->flags |= WM_PROTO_D_MSGID;
		return true;
	}
	return false;
}

static void
smtp_feed(struct wm_proto_flow *pf, unsigned int dir,
	  const struct wm_proto_ctx *ctx, const uint8_t *p, uint32_t n,
	  struct wm_proto_out *out)
{
	struct wm_proto_dir *d = &pf->dir[dir];

	if (d->state == SMTP_SERVER)
		return;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		enum wm_proto_act act;

		if (d->u.line.len == 0 && d->state == SMTP_HDR) {
			bool fold = ch == ' ' || ch == '\t';

			if (fold && (d->flags & WM_PROTO_D_MSGID)) {
				/* A folded line of Message-ID. */
				d->flags |= WM_PROTO_D_PROT;
				d->u.line.len = 1;
				out->n = i;
				out->act = WM_PROTO_ACT_PROTECT;
				return;
			}
			if (!fold)
				d->flags &= (uint8_t)~WM_PROTO_D_MSGID;
		}
		if (d->u.line.len < sizeof(d->u.line.head))
			d->u.line.head[d->u.line.len] = (uint8_t)toupper(ch);
		if (d->u.line.len < UINT16_MAX)
			d->u.line.len++;
		if (ch == '\n') {
			act = smtp_line_end(pf, d, ctx);
			d->u.line.len = 0;
			if (act != WM_PROTO_ACT_NONE) {
				out->n = i + 1;
				out->act = (uint8_t)act;
				return;
			}
			continue;
		}
		if (!(d->flags & WM_PROTO_D_PROT) && smtp_protect_here(d)) {
			d->flags |= WM_PROTO_D_PROT;
			out->n = i + 1;
			out->act = WM_PROTO_ACT_PROTECT;
			return;
		}
	}
}

const struct proto_ops proto_smtp_ops = {
	.name = "smtp",
	.ident = smtp_ident,
	.start = smtp_start,
	.feed = smtp_feed,
};
