/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event log: one JSON line per masking decision (flow 5-tuple,
 * segment, detector, operator, stream offset and length, and a keyed
 * fingerprint that links events about one value). Never the value.
 *
 * Each worker fills its own buffer and writes whole lines with one
 * write() on a shared O_APPEND descriptor, so lines of different
 * workers never interleave.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "wiremask.h"

#define EV_FLUSH_AT (WM_EVENT_BUF - 1024)

int
wm_events_open(struct wm_app *app)
{
	if (app->cfg->events.path[0] == '\0') {
		app->events_fd = -1;
		return 0;
	}
	app->events_fd = open(app->cfg->events.path,
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (app->events_fd < 0) {
		wm_log(WM_LOG_ERR, "events.path %s: %s", app->cfg->events.path,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

void
wm_events_flush(struct wm_worker *w)
{
	size_t off = 0;

	while (off < w->ev_len) {
		ssize_t n = write(wm_app.events_fd, w->ev_buf + off,
				  w->ev_len - off);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			wm_dp_stats(w->dp)->ctr[WM_CTR_EVENT_LOST]++;
			break;
		}
		off += (size_t)n;
	}
	w->ev_len = 0;
}

void
wm_events_close(struct wm_app *app)
{
	if (app->events_fd >= 0)
		close(app->events_fd);
	app->events_fd = -1;
}

static void
addr_str(const struct wm_flow_key *k, int i, char *buf, size_t len)
{
	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr[i], buf,
		  (socklen_t)len);
}

/* The stream engine's event callback (see wm_stream_event_t). */
void
wm_events_write(void *arg, const struct wm_stream_event *e)
{
	struct wm_worker *w = arg;
	const struct wm_flow *f = e->flow;
	const struct wm_flow_key *k = &f->key;
	const struct wm_rule *rule = &f->policy->conf->rules[e->rule];
	/* A shadow segment's event names the operator it would have used. */
	const struct wm_rule *would = f->policy->shadow ?
		&w->cfg->policies[w->cfg->segments[f->segment].policy]
			.rules[e->rule] : rule;
	int src = e->dir, dst = !e->dir;
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN], fp[17] = "";
	const struct wm_key *fkey = NULL;
	struct timeval tv;
	int n;

	if (wm_app.events_fd < 0)
		return;
	/* The config this worker judges with (a reload may be under way). */
	if (w->cfg->events.fingerprint_key != 0)
		fkey = &w->cfg->keys[w->cfg->events.fingerprint_key - 1];
	if (fkey != NULL &&
	    wm_token_fingerprint(wm_dp_token(w->dp), fkey, e->value, e->len,
				 fp) < 0)
		fp[0] = '\0';
	addr_str(k, src, sa, sizeof(sa));
	addr_str(k, dst, da, sizeof(da));
	gettimeofday(&tv, NULL);
	n = snprintf(w->ev_buf + w->ev_len, WM_EVENT_BUF - w->ev_len,
		     "{\"ts\":%ld.%06ld,\"src\":\"%s\",\"sport\":%u,"
		     "\"dst\":\"%s\",\"dport\":%u,\"vlan\":%d,\"vni\":%" PRId64 ","
		     "\"segment\":\"%s\",\"detector\":\"%s\",\"operator\":\"%s\","
		     "\"offset\":%" PRIu64 ",\"length\":%u,\"late\":%s,"
		     "\"at_timeout\":%s,\"protected\":%s,\"shadow\":%s,"
		     "\"fingerprint\":\"%s\"}\n",
		     (long)tv.tv_sec, (long)tv.tv_usec, sa, k->port[src], da,
		     k->port[dst],
		     k->vlan[1] != WM_FLOW_NO_VLAN ? k->vlan[1] :
			k->vlan[0] != WM_FLOW_NO_VLAN ? k->vlan[0] : -1,
		     k->vni != WM_FLOW_NO_VNI ? (int64_t)k->vni : (int64_t)-1,
		     w->cfg->segments[f->segment].name,
		     rule->detector->name, wm_mask_op_name(would->mask.op),
		     e->offset, e->len, e->late ? "true" : "false",
		     e->at_timeout ? "true" : "false",
		     e->protect ? "true" : "false",
		     f->policy->shadow ? "true" : "false", fp);
	if (n < 0 || (size_t)n >= WM_EVENT_BUF - w->ev_len) {
		wm_dp_stats(w->dp)->ctr[WM_CTR_EVENT_LOST]++;
		return;
	}
	w->ev_len += (size_t)n;
	wm_dp_stats(w->dp)->ctr[WM_CTR_EVENT]++;
	if (w->ev_len >= EV_FLUSH_AT)
		wm_events_flush(w);
}
