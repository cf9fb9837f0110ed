#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Segments as zones, end to end, through configs/examples/zones.cfg.

usage: zones_case.py

A capture (scapy, every frame's timestamp set) of complete TCP
connections, each carrying a test card number both ways, plus one UDP
datagram, in these segments:

  untagged          allowed (the default segment allows)      masked
  VLAN 30 (db)      allowed by app-to-db, app-to-db-v6, web    masked
                    denied by quarantine (overlaps app-to-db,
                    comes first), no-admin (web covers it,
                    comes later), default (IPv4, IPv6, UDP)    absent
  VXLAN 5002 / inner VLAN 7 (overlay): inner tuple allowed     masked
                    inner port not allowed                     absent
  VLAN 40 (trial, shadow): would be denied                     byte-identical
  VLAN 999 (no segment claims it)

It is masked four times, with unknown_segment "drop", "pass" and
"quarantine" (a named segment that denies by default), and "drop" again
with two workers (flows handed over to their owner):

- a denied flow's frames never leave; every other frame does, in order;
- each rule's counter (--stats-json zone_denied, "segment/rule") equals
  the frames of the flows it denied, drop.zone_denied their sum;
- an allowed flow's card numbers leave masked (6 + 4 kept), everything
  else of it unchanged;
- the shadow flow leaves byte-identical, counted in zone.shadow_denied
  (per rule: trial/default) and shadow.values, never in drop.*;
- the event log says "shadow": true (and the operator the policy would
  have used) for the shadow segment's values, false elsewhere;
- VLAN 999: dropped (drop.unknown_segment), forwarded byte-identical
  (pass.unknown_segment), or denied by quarantine/default.

Environment (set by meson): WIREMASK, BUILD_DIR, SRC_DIR. Exit 0 pass,
1 fail, 77 skip (scapy missing).
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SRC_DIR', os.path.normpath(os.path.join(HERE, '../..')))
BUILD = os.environ.get('BUILD_DIR', os.path.join(SRC, 'build/tests/e2e'))
WIREMASK = os.environ.get('WIREMASK', os.path.join(SRC, 'build/app/wiremask'))
CONFIG = os.path.join(SRC, 'configs/examples/zones.cfg')

try:
    import logging
    logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
    from scapy.all import (Ether, IP, IPv6, TCP, UDP, Dot1Q, Raw, conf,
                           rdpcap, wrpcap)
    from scapy.layers.vxlan import VXLAN
except ImportError:
    print('SKIP: python3-scapy missing (apt-get install python3-scapy)')
    sys.exit(77)
conf.verb = 0

BASE_TIME = 1700000000.0
STEP = 0.00002
CARD = b'4111111111111111'
MASKED = b'411111******1111'

fails = []


def check(ok, what):
    print(('ok - ' if ok else 'FAIL - ') + what)
    if not ok:
        fails.append(what)


def l2(vlan=None, vxlan=None):
    """The layers around an IP packet: untagged, 802.1Q, or VXLAN."""
    def wrap(ip, reply):
        macs = dict(src='02:00:00:00:01:01', dst='02:00:00:00:02:02')
        if reply:
            macs = dict(src=macs['dst'], dst=macs['src'])
        inner = Ether(**macs)
        if vxlan is not None:
            vni, ivlan = vxlan
            outer = (Ether(src='02:00:00:00:0a:01', dst='02:00:00:00:0b:01') /
                     IP(src='172.16.0.1', dst='172.16.0.2') /
                     UDP(sport=49152 + (7 if reply else 3), dport=4789) /
                     VXLAN(vni=vni, flags=0x08))
            return outer / inner / Dot1Q(vlan=ivlan) / ip
        if vlan is not None:
            return inner / Dot1Q(vlan=vlan) / ip
        return inner / ip
    return wrap


def conn(wrap, src, dst, sport, dport):
    """A complete TCP connection, a card number each way."""
    ipc = IPv6 if ':' in src else IP
    c, s = 1000, 5000
    req = b'POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 27\r\n\r\n{"card": "' + CARD + b'"}'
    resp = b'HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n{"card": "' + CARD + b'"}'

    def pkt(reply, flags, seq, ack, data=b''):
        ip = ipc(src=dst, dst=src) if reply else ipc(src=src, dst=dst)
        tcp = TCP(sport=dport if reply else sport, dport=sport if reply else dport,
                  flags=flags, seq=seq, ack=ack, window=65535)
        p = ip / tcp
        if data:
            p = p / Raw(data)
        return wrap(p, reply)
    return [
        pkt(False, 'S', c, 0),
        pkt(True, 'SA', s, c + 1),
        pkt(False, 'A', c + 1, s + 1),
        pkt(False, 'PA', c + 1, s + 1, req),
        pkt(True, 'A', s + 1, c + 1 + len(req)),
        pkt(True, 'PA', s + 1, c + 1 + len(req), resp),
        pkt(False, 'A', c + 1 + len(req), s + 1 + len(resp)),
        pkt(False, 'FA', c + 1 + len(req), s + 1 + len(resp)),
        pkt(True, 'FA', s + 1 + len(resp), c + 2 + len(req)),
        pkt(False, 'A', c + 2 + len(req), s + 2 + len(resp)),
    ]


# name, frames, what happens: 'mask', 'deny:<segment/rule>', 'same'
# (byte-identical), 'unknown' (VLAN 999: depends on the run)
FLOWS = [
    ('untagged', conn(l2(), '10.0.0.1', '10.0.0.2', 40001, 80), 'mask'),
    ('db app-to-db', conn(l2(30), '10.1.2.3', '10.2.0.5', 40002, 5432), 'mask'),
    ('db quarantine overlaps app-to-db', conn(l2(30), '10.1.9.7', '10.2.0.5', 40003, 5432),
     'deny:db/quarantine'),
    ('db no rule (IPv4)', conn(l2(30), '10.1.2.3', '10.2.0.6', 40004, 5432), 'deny:db/default'),
    ('db no-admin before web', conn(l2(30), '10.1.2.3', '10.2.0.7', 40005, 8080),
     'deny:db/no-admin'),
    ('db web', conn(l2(30), '10.1.2.3', '10.2.0.7', 40006, 80), 'mask'),
    ('db app-to-db-v6', conn(l2(30), '2001:db8:1::10', '2001:db8:2::5', 40007, 5432), 'mask'),
    ('db no rule (IPv6)', conn(l2(30), '2001:db8:1::10', '2001:db8:2::6', 40008, 5432),
     'deny:db/default'),
    ('db no rule (UDP)', [l2(30)(IP(src='10.1.2.3', dst='10.2.0.5') / UDP(sport=5353, dport=53) /
                                 Raw(b'\x12\x34query'), False)], 'deny:db/default'),
    ('overlay inner-web', conn(l2(vxlan=(5002, 7)), '192.168.7.10', '192.168.8.20', 40009, 80),
     'mask'),
    ('overlay inner port not allowed', conn(l2(vxlan=(5002, 7)), '192.168.7.10', '192.168.8.20',
                                            40010, 81), 'deny:overlay/default'),
    ('trial shadow', conn(l2(40), '10.4.0.1', '10.4.0.2', 40011, 8080), 'same'),
    ('VLAN 999', conn(l2(999), '10.9.0.1', '10.9.0.2', 40012, 80), 'unknown'),
]


def flow_key(b):
    """What tells the flows apart: tags, VNI, addresses and ports."""
    p = Ether(b)
    tags, lay = [], p
    while lay is not None and lay.name != 'NoPayload':
        if isinstance(lay, Dot1Q):
            tags.append(lay.vlan)
        if isinstance(lay, VXLAN):
            tags.append(('vni', lay.vni))
        lay = lay.payload
    ip = p.getlayer(IPv6) or p.getlayer(IP)
    while ip.payload.getlayer(IP) is not None or ip.payload.getlayer(IPv6) is not None:
        ip = ip.payload.getlayer(IPv6) or ip.payload.getlayer(IP)
    l4 = ip.getlayer(TCP) or ip.getlayer(UDP)
    ends = sorted([(ip.src, l4.sport), (ip.dst, l4.dport)])
    return (tuple(tags), tuple(ends))


def write_capture(path):
    frames, owner = [], []
    for i, (_, pkts, _) in enumerate(FLOWS):
        for p in pkts:
            frames.append(p)
            owner.append(i)
    # Interleave the flows a little: one frame of each in turn.
    order = sorted(range(len(frames)),
                   key=lambda k: (owner[:k + 1].count(owner[k]), owner[k]))
    out = []
    for n, k in enumerate(order):
        f = frames[k]
        f.time = BASE_TIME + n * STEP
        out.append((f, owner[k]))
    wrpcap(path, [f for f, _ in out])
    return [bytes(f) for f, _ in out], [o for _, o in out]


def run(inp, out, cfg, stats, lcores=None):
    pre = ['--lcores', lcores] if lcores else []
    r = subprocess.run([os.path.join(SRC, 'scripts/mask-pcap.sh')] + pre +
                       [inp, out, cfg, '--', '--stats-json', stats],
                       env=dict(os.environ, WIREMASK=WIREMASK),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print(r.stdout)
    check(r.returncode == 0, f'mask-pcap.sh exits 0 ({os.path.basename(cfg)})')
    with open(stats) as f:
        return json.load(f)


def judge(mode, sent, owner, out_frames, st):
    ctr, zones = st['counters'], st['zone_denied']
    expect_rule = {}
    kept = []
    for i, (name, pkts, what) in enumerate(FLOWS):
        n = len(pkts)
        if what == 'unknown':
            what = {'drop': 'drop', 'pass': 'same', 'quarantine': 'deny:quarantine/default'}[mode]
        if what.startswith('deny:'):
            key = what[5:]
            expect_rule[key] = expect_rule.get(key, 0) + n
        elif what != 'drop':
            kept.append(i)
    exp = [(b, o) for b, o in zip(sent, owner) if o in kept]
    check(len(out_frames) == len(exp),
          f'{mode}: {len(exp)} frames leave (allowed, shadow{", unknown" if mode == "pass" else ""}), got {len(out_frames)}')
    # Flows may interleave differently on the way out (held packets):
    # compare flow by flow, in order within each.
    key_of = {flow_key(b): o for b, o in zip(sent, owner)}
    got_by = {}
    for g in out_frames:
        got_by.setdefault(key_of.get(flow_key(g)), []).append(g)
    check(None not in got_by, f'{mode}: every frame out belongs to a flow sent')
    for i in range(len(FLOWS)):
        name, _, what = FLOWS[i]
        want = [b for b, o in zip(sent, owner) if o == i]
        got = got_by.get(i, [])
        if i not in kept:
            check(not got, f'{mode}: {name}: no frame leaves (got {len(got)})')
            continue
        if len(got) != len(want):
            check(False, f'{mode}: {name}: {len(want)} frames leave, got {len(got)}')
            continue
        if what in ('same', 'unknown'):
            check(got == want, f'{mode}: {name}: byte-identical')
            continue
        body = b''.join(got)
        check(CARD not in body and body.count(MASKED) == 2 and
              [len(g) for g in got] == [len(w) for w in want],
              f'{mode}: {name}: both card numbers masked 6 + 4, lengths kept')
    for key, n in sorted(expect_rule.items()):
        check(zones.get(key) == n, f'{mode}: zone_denied {key} = {n} (got {zones.get(key)})')
    for key, n in zones.items():
        if key not in expect_rule and key != 'trial/default':
            check(n == 0, f'{mode}: zone_denied {key} = 0 (got {n})')
    shadow_n = len(FLOWS[11][1])
    check(zones.get('trial/default') == shadow_n and ctr['zone.shadow_denied'] == shadow_n,
          f'{mode}: shadow: trial/default = zone.shadow_denied = {shadow_n} '
          f'(got {zones.get("trial/default")}, {ctr["zone.shadow_denied"]})')
    check(ctr['shadow.values'] == 2, f'{mode}: shadow.values = 2 (got {ctr["shadow.values"]})')
    enforced = sum(n for k, n in expect_rule.items())
    check(ctr['drop.zone_denied'] == enforced,
          f'{mode}: drop.zone_denied = {enforced} (got {ctr["drop.zone_denied"]})')
    unk = len(FLOWS[12][1])
    check(ctr['drop.unknown_segment'] == (unk if mode == 'drop' else 0) and
          ctr['pass.unknown_segment'] == (unk if mode == 'pass' else 0),
          f'{mode}: unknown segment: drop.unknown_segment = {ctr["drop.unknown_segment"]}, '
          f'pass.unknown_segment = {ctr["pass.unknown_segment"]}')
    check(ctr['zone.stateless'] >= 1, f'{mode}: the UDP datagram judged on its own')
    others = {k: v for k, v in ctr.items() if k.startswith('drop.') and v and
              k not in ('drop.zone_denied', 'drop.unknown_segment')}
    check(not others, f'{mode}: no other drops ({others})')
    check(ctr['mask.late_match'] == 0, f'{mode}: no late match')


def main():
    os.makedirs(BUILD, exist_ok=True)
    inp = os.path.join(BUILD, 'zones.pcap')
    sent, owner = write_capture(inp)
    text = open(CONFIG).read()
    assert 'unknown_segment = "drop";' in text
    # drop2: "drop" with two workers, flows handed over between them
    for run_name in ('drop', 'pass', 'quarantine', 'drop2'):
        mode = run_name.rstrip('2')
        cfg = os.path.join(BUILD, f'zones-{run_name}.cfg')
        events = os.path.join(BUILD, f'zones-{run_name}.events.jsonl')
        if os.path.exists(events):
            os.unlink(events)
        with open(cfg, 'w') as f:
            f.write(text.replace('unknown_segment = "drop";', f'unknown_segment = "{mode}";'))
            f.write(f'\nevents = {{ path = "{events}"; }};\n')
            if run_name == 'drop2':
                f.write('workers = 2;\n')
        out = os.path.join(BUILD, f'zones-{run_name}.out.pcap')
        st = run(inp, out, cfg, os.path.join(BUILD, f'zones-{run_name}.stats.json'),
                 '0@0,1@1,2@1' if run_name == 'drop2' else None)
        got = [bytes(p) for p in rdpcap(out)] if os.path.exists(out) else []
        judge(mode, sent, owner, got, st)
        ev = [json.loads(line) for line in open(events)] if os.path.exists(events) else []
        shadow = [e for e in ev if e['segment'] == 'trial']
        check(len(shadow) == 2 and all(e['shadow'] and e['operator'] == 'partial'
                                       for e in shadow) and
              all(not e['shadow'] for e in ev if e['segment'] != 'trial'),
              f'{mode}: events say shadow (trial: {len(shadow)} events, operator it would use)')
    print(f'# {len(fails)} failed' if fails else 'PASS zones')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
