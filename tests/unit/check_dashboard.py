#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""configs/grafana/wiremask.json reads metrics that exist: every
wiremask_* name in a panel's query is a series of the exposition
test_metrics renders (so a renamed metric breaks this test, not a
dashboard in the field), every query's parentheses balance, panels do
not overlap, and histogram_quantile reads _bucket series by le.

usage: check_dashboard.py TEST_METRICS DASHBOARD_JSON"""
import json
import re
import subprocess
import sys

text = subprocess.run([sys.argv[1], '--dump'], check=True, capture_output=True,
                      text=True).stdout
series = set(re.findall(r'^(wiremask_[a-z0-9_]+)[{ ]', text, re.M))
dash = json.load(open(sys.argv[2]))
bad, names, cells = [], set(), {}
for p in dash['panels']:
    g = p['gridPos']
    for x in range(g['x'], g['x'] + g['w']):
        for y in range(g['y'], g['y'] + g['h']):
            if (x, y) in cells:
                bad.append('panel "%s" overlaps "%s"' % (p['title'], cells[(x, y)]))
            cells[(x, y)] = p['title']
    for t in p.get('targets', []):
        e = t['expr']
        depth = 0
        for ch in e:
            depth += {'(': 1, ')': -1}.get(ch, 0)
            if depth < 0:
                break
        if depth != 0:
            bad.append('unbalanced parentheses: %s' % e)
        for n in re.findall(r'wiremask_[a-z0-9_]+', e):
            names.add(n)
            if n not in series:
                bad.append('panel "%s": %s is not exported' % (p['title'], n))
        if 'histogram_quantile' in e and not re.search(r'_bucket\{.*\}\[.*\]\)\)\)$', e) \
                or 'histogram_quantile' in e and 'by (le)' not in e:
            bad.append('histogram_quantile without _bucket by le: %s' % e)
want = ['wiremask_masked_values_total', 'wiremask_mask_late_match_total',
        'wiremask_held_seconds_bucket', 'wiremask_dropped_total',
        'wiremask_port_rx_packets_total', 'wiremask_port_tx_packets_total']
bad += ['no panel reads %s' % n for n in want if n not in names]
print('%d panels, %d metric names, all exported' % (len(dash['panels']), len(names))
      if not bad else '\n'.join('FAIL ' + b for b in bad))
sys.exit(1 if bad else 0)
