#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Parse what lib/metrics renders (test_metrics --dump) with
python3-prometheus-client's parser: the format is valid, label values with
quotes, backslashes and newlines come back whole, the histogram reads as
one (cumulative buckets, +Inf equal to _count). Exit 77 if the package is
missing."""
import subprocess
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print('SKIP: python3-prometheus-client missing')
    sys.exit(77)

text = subprocess.run([sys.argv[1], '--dump'], check=True, capture_output=True,
                      text=True).stdout
fams = {f.name: f for f in text_string_to_metric_families(text)}
bad = []
seg = 'pci "zone"\\east\nwing'
card = [s for s in fams['wiremask_masked_values'].samples
        if s.labels.get('segment') == seg]
if [(s.labels['detector'], s.labels['operator'], s.value) for s in card] != [('card', 'token', 5.0)]:
    bad.append('escaped segment label: %r' % card)
h = fams['wiremask_held_seconds']
if h.type != 'histogram':
    bad.append('held type %s' % h.type)
buckets = [(float(s.labels['le']), s.value) for s in h.samples if s.name.endswith('_bucket')]
if [b for b in buckets if b[0] == float('inf')] != [(float('inf'), 14.0)]:
    bad.append('+Inf bucket %r' % buckets[-1:])
if any(b[1] > a[1] for b, a in zip(buckets, buckets[1:])) or \
        [b[0] for b in buckets] != sorted(b[0] for b in buckets):
    bad.append('buckets not cumulative: %r' % buckets)
count = [s.value for s in h.samples if s.name.endswith('_count')]
if count != [14.0]:
    bad.append('_count %r' % count)
drops = fams['wiremask_dropped']
if drops.type != 'counter' or len(drops.samples) < 10:
    bad.append('dropped: %s %d samples' % (drops.type, len(drops.samples)))
for f in fams.values():
    if f.type == 'counter' and not all(s.name.endswith('_total') or s.name.endswith('_created')
                                       for s in f.samples):
        bad.append('counter %s sample without _total' % f.name)
print('%d families, %d samples' % (len(fams), sum(len(f.samples) for f in fams.values())))
for b in bad:
    print('FAIL', b)
sys.exit(1 if bad else 0)
