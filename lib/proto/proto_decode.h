/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/proto: the view's decoders (proto_decode.c). Each
 * appends decoded bytes of @n wire bytes at @p, which lie at @off from
 * the start of the bytes fed, to the view of @o.
 */
#ifndef PROTO_DECODE_H
#define PROTO_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "wm_proto.h"

void proto_view_url(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
		    struct wm_proto_out *o, const uint8_t *p, int64_t off,
		    size_t n);
void proto_view_json(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
		     struct wm_proto_out *o, const uint8_t *p, int64_t off,
		     size_t n);
void proto_view_plain(const struct wm_proto_ctx *ctx, struct wm_proto_out *o,
		      const uint8_t *p, int64_t off, size_t n);
/* @n bytes were consumed: an escape under way counts from the next. */
void proto_view_rebase(struct wm_proto_dir *d, uint32_t n);
/* A region ends: a separator (encodes nothing) so no value spans two. */
void proto_view_sep(struct wm_proto_dir *d, const struct wm_proto_ctx *ctx,
		    struct wm_proto_out *o, int64_t off);

#endif /* PROTO_DECODE_H */
