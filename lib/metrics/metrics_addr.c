/* SPDX-License-Identifier: BSD-3-Clause */
/* The endpoint's listen address: "ADDR:PORT", "[V6]:PORT", ":PORT". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "wm_metrics.h"

static int
port_parse(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int
wm_metrics_listen_parse(const char *s, struct sockaddr_storage *ss,
			socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hs = s, *ps;
	size_t hl;
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		hs = s + 1;
		hl = (size_t)(close - hs);
		ps = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			hl = 0;
			ps = s;
		} else {
			if (strchr(s, ':') != colon)
				return -EINVAL;  /* IPv6 wants [ADDR] */
			hl = (size_t)(colon - s);
			ps = colon + 1;
		}
	}
	if (hl >= sizeof(host) || port_parse(ps, &port) < 0)
		return -EINVAL;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (hl == 0)
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
	}
	return 0;
}
