#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Metrics while wiremask runs, checked against what it says at exit and
against what the capture holds.

usage: metrics_case.py scrape|segments|progress

scrape    wiremask-gen writes a capture (with its ground truth) long
          enough to take a few seconds to replay; wiremask replays it
          with --metrics-listen and --linger, and curl scrapes /metrics
          every 20 ms while it runs and once after it is done:
          - every scrape parses (prometheus_client's parser), with the
            0.0.4 content type, and no counter ever goes down;
          - at least one scrape came mid-replay (0 < frames < capture);
          - the final scrape equals --stats-json, counter by counter
            (drop.* and pass.* as reasons), values per segment/detector/
            operator equal the ground truth, ports' rx/tx equal the
            capture, the held-time histogram agrees with held_us p50
            and max, workers were busy;
          - DPDK telemetry (dpdk-telemetry.py -f PREFIX) answers
            /wiremask/stats, /wiremask/segments and /wiremask/flows with
            the same numbers; 404 and 405 where due; no value from the
            capture appears in any scrape; SIGTERM ends --linger, exit 0.
segments  a plain capture (segment default) and one on VLAN 100 (segment
          payments, cards only) through configs/examples/segments.cfg:
          each value is counted under the segment, detector and operator
          that masked it, and nowhere else.
progress  a short capture run with stdout and stderr on a terminal (a
          pty) prints "N of N frames (100.0 %)" on stderr; with both on
          files nothing of it; the endpoint configured in the file
          (metrics.listen) serves the final counters.

Environment (set by meson): WIREMASK, GEN (wiremask-gen), BUILD_DIR,
SRC_DIR. Exit 0 pass, 1 fail, 77 skip (prometheus_client, curl or
dpdk-telemetry.py missing).
"""
import json
import os
import pty
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SRC_DIR', os.path.normpath(os.path.join(HERE, '../..')))
BUILD = os.environ.get('BUILD_DIR', os.path.join(SRC, 'build/tests/e2e'))
WIREMASK = os.environ.get('WIREMASK', os.path.join(SRC, 'build/app/wiremask'))
GEN = os.environ.get('GEN', os.path.join(SRC, 'build/app/wiremask-gen'))
CONFIG = os.path.join(SRC, 'configs/default.cfg')
# What configs/default.cfg does with each kind wiremask-gen writes.
OPERATORS = {'card': 'partial', 'ssn': 'partial', 'email': 'redact'}
EMPTY_PCAP = bytes.fromhex('d4c3b2a1020004000000000000000000ffff000001000000')

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print('SKIP: python3-prometheus-client missing (apt-get install python3-prometheus-client)')
    sys.exit(77)

failures = []


def check(cond, what):
    print('%s - %s' % ('ok' if cond else 'FAIL', what))
    if not cond:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wiremask_cmd(work, cap, prefix, args):
    """@cap (a capture, or a list: one pair of ports each) on port 0 (2...)."""
    empty = os.path.join(work, 'empty.pcap')
    with open(empty, 'wb') as f:
        f.write(EMPTY_PCAP)
    vdevs = []
    for i, c in enumerate(cap if isinstance(cap, list) else [cap]):
        vdevs += ['--vdev', 'net_pcap%d,rx_pcap=%s,tx_pcap=/dev/null' % (2 * i, c),
                  '--vdev', 'net_pcap%d,rx_pcap=%s,tx_pcap=%s'
                  % (2 * i + 1, empty, os.path.join(work, 'out%d.pcap' % i))]
    return [WIREMASK, '-l', '0,1', '--no-huge', '-m', '512', '--no-pci',
            '--no-shconf', '--file-prefix', prefix, '--log-level=lib.eal:error'] + \
        vdevs + ['--'] + args


def curl(url, method='GET'):
    """(status, content type, body, seconds) or None if nothing listens."""
    r = subprocess.run(['curl', '-s', '-X', method, '-o', '-', '-w',
                        '\n%{http_code} %{time_total} %{content_type}', url],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    body, _, tail = r.stdout.rpartition('\n')
    code, secs, ctype = (tail.split(' ', 2) + [''])[:3]
    return int(code), ctype, body, float(secs)


def parse(text):
    """{(name, frozenset(labels)): value}, and the families' types."""
    samples, types = {}, {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, types


def prom_series(dotted):
    """The Prometheus series of a lib/stats counter (lib/metrics' rules)."""
    renames = {'port.rx': ('wiremask_frames_received', None),
               'port.tx': ('wiremask_frames_sent', None),
               'port.tx_drop': ('wiremask_dropped', 'tx_queue_full'),
               'port.ring_drop': ('wiremask_dropped', 'handoff_ring_full'),
               'stream.hold_masked': ('wiremask_stream_hold_masked_bytes', None)}
    group, _, name = dotted.partition('.')
    if dotted in renames:
        fam, reason = renames[dotted]
    elif group == 'drop':
        fam, reason = 'wiremask_dropped', name
    elif group == 'pass':
        fam, reason = 'wiremask_passed_unscanned', name
    else:
        fam, reason = 'wiremask_' + dotted.replace('.', '_'), None
    labels = frozenset([('reason', reason)] if reason else [])
    return fam + '_total', labels


def get(samples, metric, **labels):
    return samples.get((metric, frozenset(labels.items())))


def telemetry(prefix, cmd):
    r = subprocess.run(['dpdk-telemetry.py', '-f', prefix], input=cmd + '\n',
                       capture_output=True, text=True, timeout=20)
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith('{"' + cmd.split(',')[0]):
            return json.loads(line)[cmd.split(',')[0]]
    return None


def truth_counts(path):
    counts, values = {}, []
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            counts[t['detector']] = counts.get(t['detector'], 0) + 1
            if t['detector'] in OPERATORS and len(values) < 3000:
                values.append(t['value'])
    return counts, values


def scrape_while_running(proc, url, stats_path, frames):
    """Scrape @url (or not: None) every 20 ms until --stats-json is
    complete; the scrapes and the stats."""
    scrapes, deadline = [], time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        r = curl(url) if url else None
        if r is not None:
            scrapes.append(r)
        try:
            with open(stats_path) as f:
                stats = json.load(f)
            return scrapes, stats
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return scrapes, None


def check_scrapes(scrapes, frames, values):
    parsed, live, ok_type, secs = [], 0, True, []
    for code, ctype, body, t in scrapes:
        ok_type &= code == 200 and ctype.startswith('text/plain; version=0.0.4')
        samples, types = parse(body)
        parsed.append(samples)
        secs.append(t)
        rx = get(samples, 'wiremask_frames_received_total')
        if rx is not None and 0 < rx < frames:
            live += 1
    check(ok_type, 'every scrape: 200, text/plain; version=0.0.4')
    check(live > 0, '%d of %d scrapes came mid-replay (0 < frames received < %d)'
          % (live, len(scrapes), frames))
    down = []
    for a, b in zip(parsed, parsed[1:]):
        down += [k[0] for k, v in a.items() if k[0].endswith('_total') and b.get(k, v) < v]
    check(not down, 'no counter went down between scrapes %s' % sorted(set(down))[:5])
    leaked = [v for v in values if any(v in s[2] for s in scrapes)]
    check(not leaked, 'no value of the capture in any scrape (%d checked)' % len(values))
    secs.sort()
    if secs:
        print('scrape time (curl, while replaying): median %.1f ms, max %.1f ms, %d scrapes'
              % (1000 * secs[len(secs) // 2], 1000 * secs[-1], len(secs)))


def check_final(samples, types, stats, truth, frames):
    c = stats['counters']
    bad = [k for k, v in c.items() if samples.get(prom_series(k)) != v]
    check(not bad, 'final scrape equals --stats-json for all %d counters %s'
          % (len(c), ['%s=%s/%s' % (k, c[k], samples.get(prom_series(k))) for k in bad[:4]]))
    for det, op in OPERATORS.items():
        got = get(samples, 'wiremask_masked_values_total', segment='default',
                  detector=det, operator=op)
        check(got == truth.get(det) == stats['masked'][det],
              'masked_values_total{default,%s,%s} = %s, truth %s, stats %s'
              % (det, op, got, truth.get(det), stats['masked'][det]))
    check(types.get('wiremask_held_seconds') == 'histogram', 'held_seconds is a histogram')
    buckets = sorted((float(dict(k[1])['le']), v) for k, v in samples.items()
                     if k[0] == 'wiremask_held_seconds_bucket')
    count = get(samples, 'wiremask_held_seconds_count')
    check(buckets and buckets[-1] == (float('inf'), count) and count > 0 and
          all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])),
          'held buckets cumulative, +Inf = _count = %s' % count)
    p50 = stats['held_us']['p50']
    le50 = next(le for le, v in buckets if v >= count / 2)
    check(le50 / 2 * 1e6 <= p50 + 1 and p50 < le50 * 1e6 * 1.25 + 1,
          'held p50 %d us within the histogram\'s median bucket (le %g s)' % (p50, le50))
    hmax = get(samples, 'wiremask_held_max_seconds')
    check(hmax is not None and round(hmax * 1e6) == stats['held_us']['max'],
          'held max %s s = %d us' % (hmax, stats['held_us']['max']))
    rx0 = get(samples, 'wiremask_port_rx_packets_total', port='0')
    tx1 = get(samples, 'wiremask_port_tx_packets_total', port='1')
    check(rx0 == frames and tx1 == c['port.tx'],
          'port 0 rx %s = capture %d, port 1 tx %s = port.tx %d' % (rx0, frames, tx1, c['port.tx']))
    check(get(samples, 'wiremask_port_info', port='0', name='net_pcap0',
              driver='net_pcap', peer='1') == 1, 'port_info of port 0')
    busy = get(samples, 'wiremask_worker_busy_cycles_total', worker='0', lcore='1')
    cyc = get(samples, 'wiremask_worker_cycles_total', worker='0', lcore='1')
    check(busy and cyc and 0 < busy <= cyc, 'worker 0 busy %s of %s cycles' % (busy, cyc))
    drops = sum(v for k, v in samples.items() if k[0] == 'wiremask_dropped_total')
    check(drops == 0, 'no drop of any reason (%s)' % drops)


def check_telemetry(prefix, stats, truth):
    st = telemetry(prefix, '/wiremask/stats')
    c = stats['counters']
    check(st is not None and all(st.get(k.replace('.', '_')) == v for k, v in c.items()),
          'telemetry /wiremask/stats equals --stats-json')
    seg = telemetry(prefix, '/wiremask/segments')
    check(seg is not None and all(seg.get('default/%s/%s' % kv) == truth.get(kv[0])
                                  for kv in OPERATORS.items()),
          'telemetry /wiremask/segments: %s' % seg)
    one = telemetry(prefix, '/wiremask/segments,default')
    check(one == seg, 'telemetry /wiremask/segments,default')
    fl = telemetry(prefix, '/wiremask/flows')
    check(fl is not None and fl.get('flow_new') == c['flow.new'] and 'worker_0' in fl,
          'telemetry /wiremask/flows: %s' % fl)


def remove_runtime_dir(prefix):
    """EAL leaves its runtime directory (and the telemetry socket) behind."""
    base = '/var/run/dpdk' if os.geteuid() == 0 else \
        os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk')
    d = os.path.join(base, prefix)
    if os.path.isdir(d):
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)


def stop(proc):
    t = time.time()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = None
    check(rc == 0, 'SIGTERM ends --linger: exit %s after %.1f s' % (rc, time.time() - t))


def case_scrape(work):
    for tool in ('curl', 'dpdk-telemetry.py'):
        if subprocess.run(['which', tool], capture_output=True).returncode != 0:
            print('SKIP: %s missing' % tool)
            sys.exit(77)
    cap, truth_path = os.path.join(work, 'cap.pcap'), os.path.join(work, 'cap.jsonl')
    g = subprocess.run([GEN, '-o', cap, '--truth', truth_path, '--packets', '200000',
                        '--flows', '200', '--size', 'imix', '--seed', '15'],
                       capture_output=True, text=True)
    check(g.returncode == 0, 'wiremask-gen: %s' % g.stdout.strip()[-160:])
    frames = int(g.stdout.split('packets=')[1].split()[0])
    truth, values = truth_counts(truth_path)
    port, prefix = free_port(), 'wmmetrics%d' % os.getpid()
    stats_path = os.path.join(work, 'stats.json')
    if os.path.exists(stats_path):
        os.unlink(stats_path)
    url = 'http://127.0.0.1:%d' % port
    log = open(os.path.join(work, 'wiremask.log'), 'w')
    proc = subprocess.Popen(wiremask_cmd(work, cap, prefix, [
        '-c', CONFIG, '--stats-json', stats_path, '--metrics-listen',
        '127.0.0.1:%d' % port, '--linger', '120']), stdout=log, stderr=subprocess.STDOUT)
    try:
        scrapes, stats = scrape_while_running(proc, url + '/metrics', stats_path, frames)
        check(stats is not None, 'wiremask wrote --stats-json and lingered')
        if stats is None:
            return
        check_scrapes(scrapes, frames, values)
        final = curl(url + '/metrics')
        check(final is not None and final[0] == 200, 'final scrape during --linger')
        if final is not None:
            samples, types = parse(final[2])
            check_final(samples, types, stats, truth, frames)
            print('final scrape: %d bytes, %d series, %.1f ms'
                  % (len(final[2]), len(samples), 1000 * final[3]))
        check((curl(url + '/nope') or [0])[0] == 404, 'GET /nope: 404')
        check((curl(url + '/metrics', 'POST') or [0])[0] == 405, 'POST /metrics: 405')
        check_telemetry(prefix, stats, truth)
    finally:
        if proc.poll() is None:
            stop(proc)
        log.close()
        remove_runtime_dir(prefix)


def run_on_pty(cmd):
    """Run @cmd with stdout and stderr on a pty; all it wrote, exit status."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(cmd[0], cmd)
    out = b''
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return out.decode(errors='replace'), os.waitstatus_to_exitcode(status)


def case_progress(work):
    cap = os.path.join(work, 'cap.pcap')
    g = subprocess.run([GEN, '-o', cap, '--packets', '3000', '--seed', '3'],
                       capture_output=True, text=True)
    frames = int(g.stdout.split('packets=')[1].split()[0])
    port = free_port()
    cfg = os.path.join(work, 'metrics.cfg')
    with open(cfg, 'w') as f:
        f.write(open(CONFIG).read() + '\nmetrics = { listen = "127.0.0.1:%d"; };\n' % port)
    out, rc = run_on_pty(wiremask_cmd(work, cap, 'wmprogress%d' % os.getpid(),
                                      ['-c', cfg]))
    want = '%d of %d frames (100.0 %%)' % (frames, frames)
    with open(os.path.join(work, 'pty.log'), 'w') as f:
        f.write(out)
    check(rc == 0 and want in out and 'kframes/s' in out,
          'on a terminal: "%s" (exit %s)' % (want, rc))
    check('metrics: http://127.0.0.1:%d/metrics' % port in out,
          'metrics.listen from the config file starts the endpoint')
    log_path = os.path.join(work, 'files.log')
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(wiremask_cmd(work, cap, 'wmprogress%d' % os.getpid(),
                                             ['-c', cfg, '--linger', '60']),
                                stdout=log, stderr=subprocess.STDOUT)
        final = None
        for _ in range(600):
            with open(log_path) as f:
                if 'done: the final counters' in f.read():
                    final = curl('http://127.0.0.1:%d/metrics' % port)
                    break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            stop(proc)
    samples = parse(final[2])[0] if final else {}
    check(get(samples, 'wiremask_frames_received_total') == frames,
          'endpoint from the config: final frames %s = %d'
          % (get(samples, 'wiremask_frames_received_total'), frames))
    with open(log_path) as f:
        text = f.read()
    check('kframes/s' not in text, 'stdout and stderr on files: no progress line')
    remove_runtime_dir('wmprogress%d' % os.getpid())
    # A bad address is bad usage (1); a port in use a start-up failure (2).
    r = subprocess.run(wiremask_cmd(work, cap, 'wmprogress%d' % os.getpid(),
                                    ['-c', CONFIG, '--metrics-listen', 'localhost:1']),
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 1 and '--metrics-listen' in r.stderr,
          '--metrics-listen localhost:1: exit %d (want 1)' % r.returncode)
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen()
        r = subprocess.run(wiremask_cmd(work, cap, 'wmprogress%d' % os.getpid(), [
            '-c', CONFIG, '--metrics-listen', '127.0.0.1:%d' % busy.getsockname()[1]]),
            capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and 'cannot listen' in r.stdout + r.stderr,
          'metrics port in use: exit %d (want 2)' % r.returncode)
    remove_runtime_dir('wmprogress%d' % os.getpid())


def linger_scrape(work, caps, prefix, config, port):
    """Run to the end with --linger; the final scrape's samples, stats."""
    stats_path = os.path.join(work, 'stats.json')
    if os.path.exists(stats_path):
        os.unlink(stats_path)
    with open(os.path.join(work, 'wiremask.log'), 'w') as log:
        proc = subprocess.Popen(wiremask_cmd(work, caps, prefix, [
            '-c', config, '--stats-json', stats_path, '--metrics-listen',
            '127.0.0.1:%d' % port, '--linger', '120']), stdout=log, stderr=subprocess.STDOUT)
        _, stats = scrape_while_running(proc, None, stats_path, 0)
        final = curl('http://127.0.0.1:%d/metrics' % port) if stats else None
        return proc, (parse(final[2])[0] if final else {}), stats


def case_segments(work):
    """Values are counted in the segment whose policy masked them."""
    caps, truth = [], []
    # Other seeds: other counts, so a value counted in the wrong segment shows.
    for name, seed, encap in (('plain', '21', []),
                              ('vlan100', '22', ['--encap', 'vlan', '--vlan', '100'])):
        cap, tj = os.path.join(work, name + '.pcap'), os.path.join(work, name + '.jsonl')
        subprocess.run([GEN, '-o', cap, '--truth', tj, '--packets', '6000', '--seed', seed]
                       + encap, check=True, capture_output=True)
        caps.append(cap)
        truth.append(truth_counts(tj)[0])
    prefix = 'wmseg%d' % os.getpid()
    proc, samples, stats = linger_scrape(work, caps, prefix, os.path.join(
        SRC, 'configs/examples/segments.cfg'), free_port())
    try:
        want = {('default', 'card', 'partial'): truth[0]['card'],
                ('default', 'ssn', 'partial'): truth[0]['ssn'],
                ('default', 'email', 'redact'): truth[0]['email'],
                ('payments', 'card', 'redact'): truth[1]['card']}
        got = dict(((dict(k[1])['segment'], dict(k[1])['detector'], dict(k[1])['operator']), v)
                   for k, v in samples.items() if k[0] == 'wiremask_masked_values_total')
        check(got == want, 'masked values per segment/detector/operator: %s (want %s)'
              % (sorted(got.items()), sorted(want.items())))
        check(stats is not None and stats['masked']['card'] == truth[0]['card'] + truth[1]['card'],
              '--stats-json masked.card = both segments\' cards')
        pay = telemetry(prefix, '/wiremask/segments,payments')
        check(pay == {'payments/card/redact': truth[1]['card']},
              'telemetry /wiremask/segments,payments: %s' % pay)
    finally:
        if proc.poll() is None:
            stop(proc)
        remove_runtime_dir(prefix)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ('scrape', 'progress', 'segments'):
        print(__doc__.split('\n\n')[1])
        return 2
    for tool in (WIREMASK, GEN):
        if not os.access(tool, os.X_OK):
            print('FAIL: %s not built' % tool)
            return 1
    work = os.path.join(BUILD, 'out', 'metrics_' + sys.argv[1])
    os.makedirs(work, exist_ok=True)
    {'scrape': case_scrape, 'progress': case_progress,
     'segments': case_segments}[sys.argv[1]](work)
    print('%s: %d failed' % (sys.argv[1], len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
