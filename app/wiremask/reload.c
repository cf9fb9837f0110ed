/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration reload without a lost packet (control lcore).
 *
 *   SIGHUP, /wiremask/reload, or the config file changed (inotify on its
 *   directory, so a ConfigMap's "..data" symlink swap counts; a stat of
 *   the resolved file every second as a fallback)
 *     -> load and validate the whole file, compile every policy and
 *        clone a scratch per worker: all here, never on a worker
 *     -> refused (FILE:LINE, or the setting that needs a restart): the
 *        running generation stays
 *     -> publish the new generation (one pointer); each worker, right
 *        after its quiescent report (rte_rcu_qsbr) between bursts, sees
 *        it and moves its flows onto it (wm_dp_rebind)
 *     -> two grace periods: after the first every worker has seen the
 *        new generation, after the second it has finished moving onto
 *        it; only then the old config, databases and scratches are freed
 *
 * One generation retires at a time; a request meanwhile waits for it
 * (a few loop turns of the workers).
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>

#include "wiremask.h"

#define WATCH_POLL_MS 1000      /* stat of the resolved file, fallback */
#define WATCH_SETTLE_MS 100     /* after a directory event, then look */
#define TEL_WAIT_S 30

struct wm_gen {
	unsigned int seq;
	struct wm_config *cfg;
	struct wm_segments *segs;
	struct wm_acl *acl;             /* zones (NULL: none) */
	const char *segment_names[WM_CONFIG_MAX_SEGMENTS];
	/* Clones for the workers; after the swap, the ones they gave back. */
	hs_scratch_t *scratch[WM_CONFIG_MAX_WORKERS];
};

/* What identifies the file the path resolves to (symlinks followed). */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool ok;
};

static struct {
	const char *path;
	struct rte_rcu_qsbr *qs;
	struct wm_gen *retiring;        /* freed after two grace periods */
	uint64_t token;
	int grace;                      /* 1, 2: grace period waited for */
	uint64_t published_tsc;
	volatile sig_atomic_t hup;      /* SIGHUP */
	unsigned int asked;             /* telemetry: requests (__atomic) */
	unsigned int answered;          /* ... done (__atomic) */
	bool watch;                     /* reload when the file changes */
	int ino_fd;                     /* inotify on the config's dir, -1 */
	char dir[PATH_MAX];
	char base[NAME_MAX + 1];
	struct file_id seen;            /* the file last loaded or refused */
	uint64_t next_stat;
	uint64_t settle_at;             /* 0: no directory event pending */
	uint64_t ctr[3];                /* ok, failed, restart */
	unsigned int seq;
	unsigned int gen_seq;            /* in effect (__atomic) */
	pthread_mutex_t lock;           /* last result, for telemetry */
	char result[WM_CONFIG_ERR_LEN + 256];
	bool result_ok;
} rl = { .ino_fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static struct wm_gen *
gen_new(struct wm_config *cfg, struct wm_segments *segs)
{
	struct wm_gen *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->seq = rl.seq++;
	g->cfg = cfg;
	g->segs = segs;
	for (unsigned int k = 0; k < cfg->nsegments; k++)
		g->segment_names[k] = cfg->segments[k].name;
	return g;
}

/* Free @g; its config and databases too with @all. */
static void
gen_free(struct wm_gen *g, bool all)
{
	if (g == NULL)
		return;
	for (unsigned int i = 0; i < WM_CONFIG_MAX_WORKERS; i++)
		if (g->scratch[i] != NULL)
			hs_free_scratch(g->scratch[i]);
	if (all) {
		wm_acl_free(g->acl);
		wm_segments_free(g->segs);
		wm_config_free(g->cfg);
	}
	free(g);
}

static void
file_id_get(struct file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(rl.path, &st) != 0)
		return;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ok = true;
}

static bool
file_id_same(const struct file_id *a, const struct file_id *b)
{
	return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/*
 * The first setting of @b that differs from @a and cannot change while
 * the appliance runs (ports, workers, pools, tables, timeouts fixed at
 * start), or NULL.
 */
static const char *
restart_setting(const struct wm_config *a, const struct wm_config *b)
{
#define SAME(f) (a->f == b->f)
	if (!SAME(workers))
		return "workers";
	if (memcmp(&a->ports, &b->ports, sizeof(a->ports)) != 0)
		return "ports";
	if (memcmp(&a->reasm, &b->reasm, sizeof(a->reasm)) != 0)
		return "reasm";
	if (!SAME(hold_timeout_us))
		return "hold_timeout_us";
	if (!SAME(hold_min_us))
		return "hold_min_us";
	if (!SAME(flow_table_size))
		return "flow_table_size";
	if (!SAME(flow_timeout_s))
		return "flow_timeout_s";
	if (!SAME(flow_timeout_syn_s))
		return "flow_timeout_syn_s";
	if (!SAME(flow_timeout_closed_s))
		return "flow_timeout_closed_s";
	if (strcmp(a->metrics.listen, b->metrics.listen) != 0)
		return "metrics.listen";
	if (strcmp(a->events.path, b->events.path) != 0)
		return "events.path";
	return NULL;
#undef SAME
}

static double
ms_since(uint64_t t0, uint64_t t1)
{
	return (double)(t1 - t0) * 1e3 / (double)rte_get_tsc_hz();
}

static void
result_set(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
result_set(bool ok, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&rl.lock);
	rl.result_ok = ok;
	va_start(ap, fmt);
	vsnprintf(rl.result, sizeof(rl.result), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&rl.lock);
	wm_log(ok ? WM_LOG_NOTICE : WM_LOG_ERR, "%s", rl.result);
}

/* Load, check and compile the file; publish it. 0 or < 0 (refused). */
static int
reload(const char *why)
{
	static char err[WM_CONFIG_ERR_LEN];
	uint64_t t0 = rte_rdtsc(), t1, t2;
	struct wm_segments *segs;
	struct wm_acl *acl;
	struct wm_config *cfg;
	const char *fixed;
	struct wm_gen *g;

	file_id_get(&rl.seen);
	cfg = wm_config_load(rl.path, err, sizeof(err));
	t1 = rte_rdtsc();
	if (cfg == NULL) {
		rl.ctr[1]++;
		result_set(false, "reload (%s) refused, the running "
			   "configuration stays: %s", why, err);
		return -EINVAL;
	}
	fixed = restart_setting(wm_app.cfg, cfg);
	if (fixed != NULL) {
		rl.ctr[2]++;
		result_set(false, "reload (%s) refused, the running "
			   "configuration stays: %s: %s changed, which needs a "
			   "restart", why, rl.path, fixed);
		wm_config_free(cfg);
		return -EPERM;
	}
	segs = wm_segments_create(cfg, err, sizeof(err));
	acl = segs != NULL ? wm_acl_create(cfg, SOCKET_ID_ANY, err,
					   sizeof(err)) : NULL;
	g = acl != NULL ? gen_new(cfg, segs) : NULL;
	if (g != NULL)
		g->acl = acl;
	for (unsigned int i = 0; g != NULL && segs->scratch != NULL &&
	     i < wm_app.nworkers; i++)
		if (hs_clone_scratch(segs->scratch, &g->scratch[i]) !=
		    HS_SUCCESS) {
			snprintf(err, sizeof(err), "no memory for a scratch");
			gen_free(g, false);
			g = NULL;
		}
	t2 = rte_rdtsc();
	if (g == NULL) {
		rl.ctr[1]++;
		result_set(false, "reload (%s) refused, the running "
			   "configuration stays: %s: %s", why, rl.path,
			   segs != NULL ? "out of memory" : err);
		if (g == NULL)
			wm_acl_free(acl);
		wm_segments_free(segs);
		wm_config_free(cfg);
		return -EINVAL;
	}
	rl.retiring = wm_app.gen;
	wm_app.cfg = cfg;
	wm_app.segs = segs;
	wm_app.acl = acl;
	__atomic_store_n(&wm_app.gen, g, __ATOMIC_RELEASE);
	rl.token = rte_rcu_qsbr_start(rl.qs);
	rl.grace = 1;
	__atomic_store_n(&rl.gen_seq, g->seq, __ATOMIC_RELEASE);
	rl.published_tsc = t2;
	wm_metrics_config(cfg);
	rl.ctr[0]++;
	result_set(true, "config %s reloaded (%s): generation %u, parse "
		   "%.1f ms, compile %.1f ms; %u policies, %u segments",
		   rl.path, why, g->seq, ms_since(t0, t1), ms_since(t1, t2),
		   cfg->npolicies, cfg->nsegments);
	return 0;
}

/* Free the retiring generation once every worker has moved off it. */
static void
retire_poll(void)
{
	if (rl.retiring == NULL ||
	    rte_rcu_qsbr_check(rl.qs, rl.token, false) != 1)
		return;
	if (rl.grace == 1) {
		/* Every worker has seen the new generation; now moved. */
		rl.token = rte_rcu_qsbr_start(rl.qs);
		rl.grace = 2;
		return;
	}
	wm_log(WM_LOG_INFO, "generation %u freed, %.1f ms after the swap",
	       rl.retiring->seq, ms_since(rl.published_tsc, rte_rdtsc()));
	gen_free(rl.retiring, true);
	rl.retiring = NULL;
	rl.grace = 0;
}

/* Has the file changed since it was last loaded (or refused)? */
static bool
watch_poll(uint64_t now)
{
	uint64_t hz = rte_get_tsc_hz();
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct file_id id;
	bool look = false;

	if (rl.ino_fd >= 0 && read(rl.ino_fd, buf, sizeof(buf)) > 0 &&
	    rl.settle_at == 0)
		rl.settle_at = now + WATCH_SETTLE_MS * hz / 1000;
	if (rl.settle_at != 0 && now >= rl.settle_at) {
		rl.settle_at = 0;
		look = true;
	}
	if (now >= rl.next_stat) {
		rl.next_stat = now + WATCH_POLL_MS * hz / 1000;
		look = true;
	}
	if (!look || !rl.watch)
		return false;
	file_id_get(&id);
	/* Gone (being replaced, or a broken symlink): wait for it. */
	return id.ok && !file_id_same(&id, &rl.seen);
}

static void
watch_init(void)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", rl.path);
	snprintf(rl.dir, sizeof(rl.dir), "%s", dirname(tmp));
	snprintf(tmp, sizeof(tmp), "%s", rl.path);
	snprintf(rl.base, sizeof(rl.base), "%s", basename(tmp));
	rl.ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (rl.ino_fd >= 0 &&
	    inotify_add_watch(rl.ino_fd, rl.dir, IN_CLOSE_WRITE | IN_MOVED_TO |
			      IN_CREATE | IN_DELETE | IN_ATTRIB) < 0) {
		close(rl.ino_fd);
		rl.ino_fd = -1;
	}
	if (rl.ino_fd < 0)
		wm_log(WM_LOG_WARNING, "%s: no inotify watch (%s): the config "
		       "file is looked at once a second", rl.dir,
		       strerror(errno));
}

/* /wiremask/reload: asks the control loop, answers with its result. */
static int
tel_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int mine = __atomic_add_fetch(&rl.asked, 1, __ATOMIC_ACQ_REL);
	uint64_t end = rte_rdtsc() + TEL_WAIT_S * rte_get_tsc_hz();

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	while ((int)(__atomic_load_n(&rl.answered, __ATOMIC_ACQUIRE) - mine) < 0) {
		if (rte_rdtsc() > end ||
		    __atomic_load_n(&wm_app.phase, __ATOMIC_ACQUIRE) != WM_RUN) {
			rte_tel_data_add_dict_string(d, "result", "no answer");
			return 0;
		}
		usleep(1000);
	}
	pthread_mutex_lock(&rl.lock);
	rte_tel_data_add_dict_string(d, "result", rl.result_ok ? "ok" :
				     "refused");
	/* Telemetry strings are short: the log has the whole line. */
	rte_tel_data_add_dict_string(d, "message", rl.result);
	pthread_mutex_unlock(&rl.lock);
	rte_tel_data_add_dict_u64(d, "generation",
				  __atomic_load_n(&rl.gen_seq, __ATOMIC_ACQUIRE));
	return 0;
}

void
wm_reload_signal(int sig)
{
	RTE_SET_USED(sig);
	rl.hup = 1;
}

int
wm_reload_init(const char *path, bool watch)
{
	static bool registered;
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX(wm_app.nworkers, 1u));

	rl.path = path;
	wm_app.gen = gen_new(wm_app.cfg, wm_app.segs);
	if (wm_app.gen != NULL)
		wm_app.gen->acl = wm_app.acl;
	rl.qs = rte_zmalloc("wm_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (wm_app.gen == NULL || rl.qs == NULL ||
	    rte_rcu_qsbr_init(rl.qs, RTE_MAX(wm_app.nworkers, 1u)) != 0)
		return -ENOMEM;
	/* Before any worker runs: none may be missed by a grace period. */
	for (unsigned int i = 0; i < wm_app.nworkers; i++) {
		rte_rcu_qsbr_thread_register(rl.qs, i);
		rte_rcu_qsbr_thread_online(rl.qs, i);
	}
	file_id_get(&rl.seen);
	rl.watch = watch;
	rl.next_stat = rte_rdtsc();
	if (watch)
		watch_init();
	if (!registered) {
		registered = true;
		rte_telemetry_register_cmd("/wiremask/reload", tel_reload,
			"Reload the config file (as SIGHUP) and answer with "
			"the result. No parameters");
	}
	return 0;
}

void
wm_reload_poll(uint64_t now)
{
	unsigned int asked = __atomic_load_n(&rl.asked, __ATOMIC_ACQUIRE);
	bool changed;

	retire_poll();
	changed = watch_poll(now);
	if (rl.retiring != NULL)
		return;         /* the next one when this one is done */
	if (rl.hup) {
		rl.hup = 0;
		reload("SIGHUP");
	} else if (asked != rl.answered) {
		reload("telemetry");
	} else if (changed) {
		reload("file changed");
	} else {
		return;
	}
	/* Whatever asked, every request up to now has this answer. */
	__atomic_store_n(&rl.answered, asked, __ATOMIC_RELEASE);
}

void
wm_reload_worker(struct wm_worker *w)
{
	struct wm_gen *g;

	rte_rcu_qsbr_quiescent(rl.qs, w->index);
	g = __atomic_load_n(&wm_app.gen, __ATOMIC_ACQUIRE);
	if (likely(g == w->gen))
		return;
	wm_dp_rebind(w->dp, g->cfg, g->segs, g->segment_names, g->acl,
		     &g->scratch[w->index]);
	w->gen = g;
	w->cfg = g->cfg;
}

void
wm_reload_stats(struct wm_stats *s)
{
	s->ctr[WM_CTR_CONFIG_RELOAD_OK] += rl.ctr[0];
	s->ctr[WM_CTR_CONFIG_RELOAD_FAILED] += rl.ctr[1];
	s->ctr[WM_CTR_CONFIG_RELOAD_RESTART] += rl.ctr[2];
}

void
wm_reload_fini(void)
{
	/* The workers have returned: nothing uses either any more. */
	gen_free(rl.retiring, true);
	rl.retiring = NULL;
	gen_free(wm_app.gen, false);    /* config and databases: app_stop */
	wm_app.gen = NULL;
	if (rl.ino_fd >= 0)
		close(rl.ino_fd);
	rl.ino_fd = -1;
	rte_free(rl.qs);
	rl.qs = NULL;
}
