/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event log: one JSON line per masking decision (flow 5-tuple,
 * segment, detector, operator, stream offset and length, and a keyed
 * fingerprint that links events about one value). Never the value.
 *
 * A worker never makes a system call for it: each appends whole lines
 * to its own ring (one producer), and the control lcore writes them out
 * every tick of its loop (one consumer, the only writer of the file,
 * so lines of different workers never interleave). A line that finds
 * its worker's ring full is lost and counted (event.lost): the worker
 * never waits for the disk. A ring holds WM_EVENT_RING bytes, ~3,000
 * lines: a millisecond of a worker masking three million values a
 * second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "wiremask.h"

_Static_assert((WM_EVENT_RING & (WM_EVENT_RING - 1)) == 0,
	       "the event ring's size is a power of two");

/* Lines the control lcore could not write (counted as event.lost). */
static uint64_t ev_write_lost;

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

int
wm_events_worker_init(struct wm_worker *w, int socket)
{
	if (wm_app.events_fd < 0)
		return 0;
	w->ev_ring = rte_malloc_socket("wm_events", WM_EVENT_RING,
				       RTE_CACHE_LINE_SIZE, socket);
	return w->ev_ring != NULL ? 0 : -ENOMEM;
}

void
wm_events_worker_free(struct wm_worker *w)
{
	rte_free(w->ev_ring);
	w->ev_ring = NULL;
}

/* Lines in @n bytes of @w's ring from @from: what a failed write lost. */
static uint64_t
ring_lines(const struct wm_worker *w, uint64_t from, uint64_t n)
{
	uint64_t lines = 0;

	for (uint64_t i = 0; i < n; i++)
		lines += w->ev_ring[(from + i) & (WM_EVENT_RING - 1)] == '\n';
	return lines;
}

/* Write out what @w's ring holds; its space is free again after. */
static void
ring_drain(struct wm_worker *w)
{
	uint64_t head = __atomic_load_n(&w->ev_head, __ATOMIC_ACQUIRE);
	uint64_t tail = w->ev_tail;     /* this lcore's alone to move */

	while (tail < head) {
		uint64_t at = tail & (WM_EVENT_RING - 1);
		size_t k = (size_t)RTE_MIN(head - tail, WM_EVENT_RING - at);
		ssize_t n = write(wm_app.events_fd, w->ev_ring + at, k);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (ev_write_lost == 0)  /* said once; counted always */
				wm_log(WM_LOG_ERR, "events.path: write failed: %s "
				       "(lines lost are counted in event.lost)",
				       n < 0 ? strerror(errno) : "nothing written");
			ev_write_lost += ring_lines(w, tail, head - tail);
			tail = head;
			break;
		}
		tail += (uint64_t)n;
	}
	__atomic_store_n(&w->ev_tail, tail, __ATOMIC_RELEASE);
}

void
wm_events_drain(struct wm_app *app)
{
	if (app->events_fd < 0)
		return;
	for (unsigned int i = 0; i < app->nworkers; i++)
		if (app->workers[i] != NULL && app->workers[i]->ev_ring != NULL)
			ring_drain(app->workers[i]);
}

/* Lines a failed write lost: not written after all, but lost. */
void
wm_events_stats(struct wm_stats *total)
{
	total->ctr[WM_CTR_EVENT] -= RTE_MIN(ev_write_lost,
					    total->ctr[WM_CTR_EVENT]);
	total->ctr[WM_CTR_EVENT_LOST] += ev_write_lost;
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
	char line[WM_EVENT_LINE];
	struct timeval tv;
	uint64_t head, at;
	size_t len;
	int n;

	if (w->ev_ring == NULL)
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
	n = snprintf(line, sizeof(line),
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
	head = w->ev_head;
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    head + (uint64_t)n - __atomic_load_n(&w->ev_tail, __ATOMIC_ACQUIRE) >
	    WM_EVENT_RING) {
		wm_dp_stats(w->dp)->ctr[WM_CTR_EVENT_LOST]++;
		return;
	}
	at = head & (WM_EVENT_RING - 1);
	len = RTE_MIN((size_t)n, (size_t)(WM_EVENT_RING - at));
	memcpy(w->ev_ring + at, line, len);
	memcpy(w->ev_ring, line + len, (size_t)n - len);
	__atomic_store_n(&w->ev_head, head + (uint64_t)n, __ATOMIC_RELEASE);
	wm_dp_stats(w->dp)->ctr[WM_CTR_EVENT]++;
}
