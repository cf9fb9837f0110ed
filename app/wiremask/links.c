/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control side's watch over the data path: link-state propagation
 * between the ports of a pair, and the status file that liveness and
 * readiness probes read (--status-file). Called from the control loop
 * on the main lcore only.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "wiremask.h"

/*
 * Link-state propagation (ports.link_propagation). A bump in the wire
 * must not hide a dead link: when one port of a pair loses its link,
 * the routers behind the other port would keep sending into a dead
 * path, so the peer's link is taken down too, and brought up again when
 * the link returns.
 *
 *   port A link lost   --> A down (seen)   --> B set down, B "forced"
 *   B goes down        --> forced: our own doing, never propagated back
 *   port A link back   --> A up            --> B set up, B "settling"
 *   B still no link LINK_SETTLE_MS later   --> counts as lost: A set down
 *
 * Only a port that is down by itself (not forced, not settling) takes its
 * peer down; only a port that is up by itself brings a forced peer back.
 * The rules look at states, not edges, so a missed poll or a failed
 * call is retried at the next poll; they cannot flap, because a forced
 * port is never a cause. The control loop polls every LINK_POLL_MS.
 */
#define LINK_SETTLE_MS 5000     /* autonegotiation may take seconds */

struct link_state {
	bool known;             /* the driver reported a link state */
	bool up;
	bool forced;            /* set down by us: its peer has no link */
	bool set_unsupported;   /* driver cannot set the link: logged once */
	bool set_failed;        /* last set failed: logged once */
	uint64_t settle_tsc;    /* started or set up at; 0: not settling */
	uint64_t ups;           /* link up / down events seen */
	uint64_t downs;
};

static struct link_state links[WM_CONFIG_MAX_PORTS];

void
wm_links_init(uint64_t now)
{
	memset(links, 0, sizeof(links));
	/* Ports have just started: their links may still be negotiating. */
	for (unsigned int p = 0; p < wm_app.nports; p++)
		links[p].settle_tsc = now;
}

/* Set port @p's link up or down; 0 or -errno (logged once per cause). */
static int
link_set(unsigned int p, bool up)
{
	struct link_state *ls = &links[p];
	uint16_t id = wm_app.ports[p].id;
	int rc;

	if (ls->set_unsupported)
		return -ENOTSUP;
	rc = up ? rte_eth_dev_set_link_up(id) : rte_eth_dev_set_link_down(id);
	if (rc == -ENOTSUP) {
		ls->set_unsupported = true;
		wm_log(WM_LOG_WARNING, "port %u (%s): the driver cannot set "
		       "its link up or down: its peer's link state is not "
		       "propagated to it", p, wm_app.ports[p].driver);
	} else if (rc != 0 && !ls->set_failed) {
		ls->set_failed = true;
		wm_log(WM_LOG_WARNING, "port %u (%s): cannot set link %s: %s "
		       "(retrying)", p, wm_app.ports[p].driver,
		       up ? "up" : "down", rte_strerror(-rc));
	} else if (rc == 0) {
		ls->set_failed = false;
	}
	return rc;
}

/* Read every port's link; count and log what changed. */
static void
links_read(void)
{
	for (unsigned int p = 0; p < wm_app.nports; p++) {
		struct link_state *ls = &links[p];
		struct rte_eth_link l;
		bool up;

		if (rte_eth_link_get_nowait(wm_app.ports[p].id, &l) != 0) {
			ls->known = false;
			continue;
		}
		up = l.link_status == RTE_ETH_LINK_UP;
		if (ls->known && up == ls->up)
			continue;
		if (ls->known) {
			if (up)
				ls->ups++;
			else
				ls->downs++;
		}
		/* A link up at start is the normal case: not worth a notice. */
		wm_log(ls->known || !up ? WM_LOG_NOTICE : WM_LOG_INFO,
		       "port %u (%s): link %s%s", p, wm_app.ports[p].driver,
		       up ? "up" : "down", ls->known ? "" : " at start");
		ls->known = true;
		ls->up = up;
		if (up)
			ls->settle_tsc = 0;
	}
}

/* Apply the propagation rules (see above) to every pair. */
static void
links_propagate(uint64_t now)
{
	uint64_t settle = LINK_SETTLE_MS * rte_get_tsc_hz() / 1000;

	for (unsigned int p = 0; p < wm_app.nports; p++) {
		struct link_state *ls = &links[p];
		unsigned int q = wm_app.ports[p].peer;
		struct link_state *peer = &links[q];

		if (q == p || !ls->known || ls->forced)
			continue;
		if (ls->settle_tsc != 0 && now - ls->settle_tsc >= settle)
			ls->settle_tsc = 0;
		if (!ls->up && ls->settle_tsc == 0 && !peer->forced) {
			if (link_set(q, false) == 0) {
				peer->forced = true;
				peer->settle_tsc = 0;
				wm_log(WM_LOG_NOTICE, "port %u (%s): link set "
				       "down: its peer port %u has no link", q,
				       wm_app.ports[q].driver, p);
			}
		} else if (ls->up && peer->forced) {
			if (link_set(q, true) == 0) {
				peer->forced = false;
				peer->settle_tsc = now;
				wm_log(WM_LOG_NOTICE, "port %u (%s): link set "
				       "up: its peer port %u has link again", q,
				       wm_app.ports[q].driver, p);
			}
		}
	}
}

void
wm_links_print(FILE *out)
{
	fprintf(out, "links\n");
	for (unsigned int p = 0; p < wm_app.nports; p++) {
		const struct link_state *ls = &links[p];

		fprintf(out, "  port %u (%s): %s%s, %" PRIu64 " down, %" PRIu64
			" up\n", p, wm_app.ports[p].driver,
			!ls->known ? "unknown" : ls->up ? "up" : "down",
			ls->forced ? " (set down: peer has no link)" : "",
			ls->downs, ls->ups);
	}
}

/*
 * The status file: one JSON object, written to FILE.tmp and renamed
 * over FILE, so a probe never reads half of it.
 */
static struct status {
	const char *path;
	char tmp[PATH_MAX];
	uint64_t loops[WM_CONFIG_MAX_WORKERS];  /* at the last write */
	bool failed;                            /* a write failed: logged */
} status;

const char *
wm_link_name(unsigned int p)
{
	if (!links[p].known)
		return "unknown";
	return links[p].up ? "up" : "down";
}

static int
status_print(struct status *st, FILE *f)
{
	bool alive = true, ready;

	for (unsigned int i = 0; i < wm_app.nworkers; i++) {
		uint64_t n = __atomic_load_n(&wm_app.workers[i]->loops,
					     __ATOMIC_RELAXED);

		if (n == st->loops[i])
			alive = false;
		st->loops[i] = n;
	}
	ready = alive;
	for (unsigned int p = 0; p < wm_app.nports; p++)
		if (!links[p].known || !links[p].up)
			ready = false;
	fprintf(f, "{\"time\": %lld, \"alive\": %s, \"ready\": %s, "
		"\"ports\": [", (long long)time(NULL), alive ? "true" : "false",
		ready ? "true" : "false");
	for (unsigned int p = 0; p < wm_app.nports; p++)
		fprintf(f, "%s{\"port\": %u, \"link\": \"%s\"}",
			p != 0 ? ", " : "", p, wm_link_name(p));
	fprintf(f, "], \"workers\": %u}\n", wm_app.nworkers);
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

void
wm_status_write(void)
{
	struct status *st = &status;

	FILE *f = fopen(st->tmp, "w");
	int rc = -errno;

	if (f != NULL) {
		rc = status_print(st, f);
		if (fclose(f) != 0 && rc == 0)
			rc = -errno;
		if (rc == 0 && rename(st->tmp, st->path) != 0)
			rc = -errno;
	}
	if (rc != 0 && !st->failed)
		wm_log(WM_LOG_WARNING, "--status-file %s: %s (retrying every "
		       "second)", st->path, strerror(-rc));
	else if (rc == 0 && st->failed)
		wm_log(WM_LOG_NOTICE, "--status-file %s: written again",
		       st->path);
	st->failed = rc != 0;
}

void
wm_status_remove(void)
{
	if (status.path == NULL)
		return;
	unlink(status.tmp);
	unlink(status.path);
}

void
wm_links_poll(uint64_t now)
{
	links_read();
	if (wm_app.cfg->ports.link_propagation)
		links_propagate(now);
}

void
wm_links_json(FILE *f)
{
	fprintf(f, "[");
	for (unsigned int p = 0; p < wm_app.nports; p++)
		fprintf(f, "%s{\"port\": %u, \"link\": \"%s\", \"down\": %"
			PRIu64 ", \"up\": %" PRIu64 "}", p ? ", " : "", p,
			wm_link_name(p), links[p].downs, links[p].ups);
	fprintf(f, "]");
}

void
wm_status_init(const char *path)
{
	status.path = path;
	if (path != NULL)
		snprintf(status.tmp, sizeof(status.tmp), "%s.tmp", path);
}
