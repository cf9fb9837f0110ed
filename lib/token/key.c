/* SPDX-License-Identifier: BSD-3-Clause */
typedef int wm_placeholder_t;
